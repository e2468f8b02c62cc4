"""Who may use the twin server (lib/serve.py), and what a browser is told: Host, token, iFLYTEK signature, Origin, CORS.

Kept apart from the server so the rules can be read (and tested) as plain functions of a request's headers and query.

Credentials. The owner's **token** (``Authorization: Bearer`` or ``?token=``) opens every endpoint. For the Spark
WebSocket the owner may also set an **API key and secret** for the twin: iFLYTEK's SDKs and the seed's page then sign
the URL exactly as for Spark (``authorization``, ``date``, ``host``, HMAC-SHA256 over host, date and request line,
formats.md §8.2), so they reach a twin beyond loopback with no change but the URL: the official Python SDK rebuilds
the query from its own signature, which drops ``?token=``, and sends no bearer header. The signature is checked as
Spark checks it, with ``hmac.compare_digest``, the date within ``SKEW_S`` of this machine's clock, and the request line
(``GET <path> HTTP/1.1``) of the path actually requested; its ``host`` must name this server (the Host header, a
loopback name, or an ``--allowed-host``), so a signature made for iFLYTEK's own host with the same key is refused here.
Like Spark's, a signature can be replayed within the skew window by whoever sees the URL: beyond a LAN, put TLS in
front.

Browsers. A page may use the twin when its ``Origin`` is this machine's (``http://localhost:5173``), one the owner
configured (``--cors-origin``), or ``null`` (a page opened as a file): without a token the server listens on loopback
only, and with a token the page must send it. Those origins get ``Access-Control-Allow-Origin`` (their own value,
never ``*``) on every answer, errors included, so a page can read *why* it was refused, and their preflights
(``OPTIONS``) are answered. A configured public origin also gets Chrome's private-network permission; ``null`` does
not: a sandboxed iframe on a public site also says ``null``, and Chrome then asks that permission, which it is denied.
"""
from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import hmac
import ipaddress
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lib.errors import BadInputError

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
ANY_HOST = "*"                      # in allowed_hosts: any Host header (a server beyond loopback, behind its token)
SKEW_S = 300                        # Spark refuses a signature dated more than 5 minutes from its clock (§8.2)
MAX_AUTHORIZATION = 2048            # characters of the base64 ``authorization``; a real one is about 200
NULL_ORIGIN = "null"
PREFLIGHT_MAX_AGE_S = 600
ALLOWED_METHODS = "GET, POST, OPTIONS"
DEFAULT_ALLOWED_HEADERS = "authorization, content-type"
_HEADER_LIST = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$")
_AUTH_FIELD = re.compile(r'(\w+)\s*=\s*"([^"]*)"')


# ------------------------------------------------------------------------------------------------------------ hosts

def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` keeps the server on this machine."""
    name = (host or "").strip().lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_parts(value: str) -> tuple[str, str]:
    """(host, port) of a Host header or an allowed-host entry: lower case, no brackets, no trailing dot."""
    value = value.strip().lower()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.removeprefix(":")      # anything else after "]" fails the digit check
    elif value.count(":") == 1:
        host, _, port = value.partition(":")
    else:                                   # a name, or a bare IPv6 address
        host, port = value, ""
    if port and not port.isdigit():         # "localhost:evil" is no loopback name: keep it whole, so it matches none
        return value, ""
    return host.rstrip("."), port


def allowed_host_set(hosts: Iterable[str]) -> frozenset[str]:
    """Allowed-host entries as the Host check compares them: ``name`` (any port), ``name:port``, or ``*``."""
    out = set()
    for entry in hosts:
        if entry.strip() == ANY_HOST:
            out.add(ANY_HOST)
        elif entry.strip():
            host, port = _host_parts(entry)
            out.add(f"{host}:{port}" if port else host)
    return frozenset(out)


def host_allowed(value: str | None, allowed: frozenset[str]) -> bool:
    """Whether the request's Host names this machine's loopback (any port) or an allowed host. A DNS-rebinding page
    reaches 127.0.0.1 under its own domain name, which its browser sends as Host: that is what this refuses. No Host
    at all (HTTP/1.0 tools) passes: every browser sends one."""
    if value is None or ANY_HOST in allowed:
        return True
    return _names_this_server(value, allowed)


def _names_this_server(value: str, allowed: frozenset[str]) -> bool:
    host, port = _host_parts(value)
    if is_loopback(host) or host.endswith(".localhost"):
        return True
    return host in allowed or (bool(port) and f"{host}:{port}" in allowed)


# ----------------------------------------------------------------------------------------------------------- origins

def origin_is_local(origin: str) -> bool:
    """Whether a page's Origin is on this machine (``http://localhost:5173``, ``http://127.0.0.1:8000``)."""
    try:
        host = urlsplit(origin).hostname or ""
    except ValueError:
        return False
    return is_loopback(host) or host.endswith(".localhost")


def normalize_origin(value: str) -> str:
    """A ``--cors-origin`` as browsers send it (``scheme://host[:port]``, lower case, no default port, no path), or
    BadInputError. ``*`` is refused: any site could then read the twin (with a token, any site holding it)."""
    text = (value or "").strip()
    if text == NULL_ORIGIN:
        return NULL_ORIGIN
    if text == "*":
        raise BadInputError("--cors-origin '*' would let every web site read the twin: name each site's origin, e.g. "
                            "--cors-origin https://chat.example.org")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password):
        raise BadInputError(f"--cors-origin {value!r} is not a web origin: give scheme, host and port only, e.g. "
                            "https://chat.example.org or http://192.168.1.20:3000")
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


# ------------------------------------------------------------------------------------------------ Spark signatures

@dataclass(frozen=True)
class SparkCredentials:
    """The API key and secret the owner set for the twin; the secret is never shown (``repr`` included)."""

    key: str
    secret: str = field(repr=False)

    def __repr__(self) -> str:
        return "SparkCredentials(key='***', secret='***')"

    __str__ = __repr__


def spark_credentials(key: str | None, secret: str | None) -> SparkCredentials | None:
    """Both set: the credentials; neither: None; only one: BadInputError (a half-configured signature check would
    refuse every SDK with a reason nobody could guess)."""
    key, secret = (key or "").strip(), (secret or "").strip()
    if not key and not secret:
        return None
    if not (key and secret):
        raise BadInputError("set both the Spark API key and the API secret for the twin (--spark-key and "
                            "--spark-secret, or METWIN_SERVE_SPARK_KEY and METWIN_SERVE_SPARK_SECRET), or neither")
    return SparkCredentials(key, secret)


def has_spark_signature(query: Mapping[str, str]) -> bool:
    return "authorization" in query


def spark_signature_problem(query: Mapping[str, str], path: str, host_header: str | None,
                            creds: SparkCredentials, allowed_hosts: frozenset[str] = frozenset(),
                            now: float | None = None) -> str | None:
    """Why the request's iFLYTEK signature (``authorization``, ``date``, ``host`` in the query) is not valid for
    ``creds`` on ``path``, or None when it is. The reasons name what to fix and never a key, secret or signature."""
    authorization, date, host = query.get("authorization"), query.get("date"), query.get("host")
    if not authorization or not date or not host:
        return "the Spark signature needs authorization, date and host in the URL's query"
    if len(authorization) > MAX_AUTHORIZATION:
        return "the Spark signature's authorization is too long"
    try:
        decoded = base64.b64decode(authorization, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return "the Spark signature's authorization is not base64 text"
    fields = dict(_AUTH_FIELD.findall(decoded))
    if fields.get("algorithm", "").lower() != "hmac-sha256" or \
            " ".join(fields.get("headers", "").split()).lower() != "host date request-line":
        return 'the Spark signature must use algorithm="hmac-sha256" and headers="host date request-line"'
    try:
        signed_at = email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return "the Spark signature's date is not an RFC 1123 date (e.g. 'Fri, 05 May 2023 10:43:39 GMT')"
    if abs((time.time() if now is None else now) - signed_at) > SKEW_S:
        return (f"the Spark signature's date is more than {SKEW_S} s from this server's clock: check the clocks of "
                "both machines")
    if not _names_this_server(host, allowed_hosts) and (host_header is None or
                                                        _host_parts(host)[0:2] != _host_parts(host_header)[0:2]):
        return "the Spark signature was made for another host: sign the URL of this twin server"
    origin = f"host: {host}\ndate: {date}\nGET {path} HTTP/1.1"
    expected = base64.b64encode(hmac.new(creds.secret.encode("utf-8"), origin.encode("utf-8"),
                                         hashlib.sha256).digest())
    key_ok = hmac.compare_digest(fields.get("api_key", "").encode("utf-8"), creds.key.encode("utf-8"))
    signature_ok = hmac.compare_digest(fields.get("signature", "").encode("utf-8"), expected)
    if not (key_ok and signature_ok):
        return ("the Spark signature cannot be verified: sign with the API key and secret this twin server was "
                "started with")
    return None


# ------------------------------------------------------------------------------------------------------- the policy

def presented_token(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """``Authorization: Bearer <token>``, else ``?token=`` (browsers cannot set headers on a WebSocket). A page that
    appends its Spark signature with a second ``?`` (``…/chat?token=T?authorization=…``) still sends ``T``: nothing
    from the first ``?`` in the value on is the token."""
    scheme, _, value = (headers.get("authorization") or "").strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return (query.get("token") or "").split("?", 1)[0] or None


Refusal = tuple[int, str, str]      # (HTTP status, error code, message)


@dataclass(frozen=True)
class Access:
    """The server's access rules: ``token`` (None: none required; the server is on loopback), ``spark`` (the iFLYTEK
    key and secret accepted on the Spark WebSocket), ``hosts`` (allowed Host names) and ``cors_origins`` (web origins
    the owner allows besides this machine's and ``null``)."""

    token: str | None = None
    spark: SparkCredentials | None = None
    hosts: frozenset[str] = frozenset()
    cors_origins: frozenset[str] = frozenset()

    def origin_allowed(self, origin: str | None) -> bool:
        """Whether a page from ``origin`` may use the twin (with the token, where one is set)."""
        if origin is None or not origin.strip():      # no Origin: not a browser's cross-site request
            return True
        origin = origin.strip()
        return (origin == NULL_ORIGIN or origin_is_local(origin) or origin.lower() in self.cors_origins)

    def refusal(self, headers: Mapping[str, str], query: Mapping[str, str], path: str | None = None) -> Refusal | None:
        """(status, code, message) when a request may not use the twin, else None. ``path``: the Spark WebSocket's,
        where an iFLYTEK signature is accepted as a credential. Never echoes a token."""
        if not host_allowed(headers.get("host"), self.hosts):
            return 403, "forbidden_host", ("This twin server answers only to this machine's own names (localhost, "
                                           "127.0.0.1, [::1]): use one of them, or start it with --allowed-host NAME.")
        given = presented_token(headers, query)
        if self.token and given is not None:
            if hmac.compare_digest(given.encode(), self.token.encode()):
                return None
            return 401, "invalid_api_key", "The token is wrong. Use the one the twin server was started with."
        signature_problem = None
        if path is not None and self.spark is not None and has_spark_signature(query):
            signature_problem = spark_signature_problem(query, path, headers.get("host"), self.spark, self.hosts)
            if signature_problem is None:
                return None
        if self.token:
            if signature_problem is not None:
                return 401, "invalid_signature", f"Refused: {signature_problem}."
            return 401, "missing_token", ("This twin server needs its token: send the header Authorization: Bearer "
                                          "<token>, or add ?token=<token> to the URL"
                                          + (", or sign a Spark URL with the twin's API key and secret."
                                             if path is not None and self.spark is not None else "."))
        if not self.origin_allowed(headers.get("origin")):
            return 403, "forbidden_origin", ("Web pages from other sites may not use this twin. Start the server with "
                                             "--cors-origin <that origin>, or with --token and add ?token=<token> to "
                                             "the page's URL for the server.")
        return None

    def cors_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """The CORS headers for any answer to this request: the page's own origin when it may read it, else none."""
        origin = headers.get("origin")
        if origin is None or not origin.strip():
            return {}
        if not self.origin_allowed(origin) or not host_allowed(headers.get("host"), self.hosts):
            return {"Vary": "Origin"}
        return {"Access-Control-Allow-Origin": origin.strip(), "Vary": "Origin"}

    def preflight(self, headers: Mapping[str, str]) -> tuple[int, dict[str, str], Refusal | None]:
        """The answer to a CORS preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``; any other
        ``OPTIONS`` is routed, and gets 405): (status, headers, refusal or None). A preflight never carries the
        token (browsers leave credentials out of it), so it is answered by Host and Origin; the request that
        follows is checked in full."""
        if not host_allowed(headers.get("host"), self.hosts):
            return 403, {}, self.refusal(headers, {})
        origin = headers.get("origin") or ""
        if not origin.strip() or not self.origin_allowed(origin):
            return 403, {"Vary": "Origin"}, (403, "forbidden_origin", (
                "This twin server does not allow pages from this origin: start it with --cors-origin <origin>."))
        requested = (headers.get("access-control-request-headers") or "").strip()
        out = {"Access-Control-Allow-Origin": origin.strip(), "Vary": "Origin",
               "Access-Control-Allow-Methods": ALLOWED_METHODS,
               "Access-Control-Allow-Headers": requested if requested and len(requested) <= 2048
               and _HEADER_LIST.match(requested) else DEFAULT_ALLOWED_HEADERS,
               "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S)}
        if (headers.get("access-control-request-private-network") or "").lower() == "true" \
                and origin.strip() != NULL_ORIGIN:
            out["Access-Control-Allow-Private-Network"] = "true"
        return 204, out, None


__all__ = [
    "ANY_HOST",
    "LOOPBACK_NAMES",
    "SKEW_S",
    "Access",
    "SparkCredentials",
    "allowed_host_set",
    "host_allowed",
    "is_loopback",
    "normalize_origin",
    "origin_is_local",
    "presented_token",
    "spark_credentials",
    "spark_signature_problem",
]
