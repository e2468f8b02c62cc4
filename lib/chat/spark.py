"""iFLYTEK Spark (讯飞星火) as a chat backend, over its WebSocket API (docs/serve.md, "Spark").

Why WebSocket and not Spark's OpenAI-compatible HTTP API: the seed project and many existing accounts use the
WebSocket credentials (app ID, API key, API secret) and fine-tuned MaaS models addressed by ``patch_id``; the HTTP API
needs a different credential (an APIPassword). Users with that can use the OpenAI backend instead.

The protocol is one question per connection: sign the URL (HMAC-SHA256 over host, date and request line, §8.2),
open, send one JSON frame, read streamed frames until ``status == 2``, close. We use the *sync* websockets client so
the backend works the same from Streamlit's script threads, the twin server's worker threads and plain code.

Privacy, as in :mod:`lib.llm`: nothing is logged, and no error message or ``repr`` carries the API key, the API
secret or the text of a message (Spark's own error text is scrubbed of them before we repeat it).
"""
from __future__ import annotations

import base64
import contextlib
import email.utils
import hashlib
import hmac
import inspect
import json
import os
import socket
import ssl
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI, WebSocketException
from websockets.sync.client import connect

from lib.chat.base import ChatError, ChatParams, Message, window
from lib.errors import BadInputError
from lib.llm import LOOPBACK_HOSTS, MIN_SCRUB_CHARS, _safe_url, _scrub

DEFAULT_TIMEOUT = 60.0          # seconds per frame (and for the handshake): Spark streams steadily once it starts
CLOSE_TIMEOUT = 5.0             # the server closes after the last frame; don't wait long for its close frame
MAX_TOKENS = 8192               # Spark's largest max_tokens (Pro/Max/Ultra); smaller models say so with 10005
MIN_TEMPERATURE = 0.01          # Spark wants temperature in (0, 1]: 0 ("deterministic") becomes the smallest step
UID_CHARS = 32                  # header.uid maxLength
MAX_FRAME_BYTES = 4 * 2 ** 20   # one answer frame; Spark's are small, this only stops a runaway server
_CONNECT_HAS_PROXY = "proxy" in inspect.signature(connect).parameters   # websockets >= 15

# Spark's documented endpoints → their domain (§8.1), so METWIN_SPARK_DOMAIN may be left out for the usual models.
SPARK_HOST = "spark-api.xf-yun.com"
DOMAINS_BY_PATH: dict[str, str] = {
    "/v1.1/chat": "lite",
    "/v2.1/chat": "generalv2",
    "/v3.1/chat": "generalv3",
    "/v3.5/chat": "generalv3.5",
    "/v4.0/chat": "4.0Ultra",
    "/chat/pro-128k": "pro-128k",
    "/chat/max-32k": "max-32k",
}

# Spark's error codes (header.code, §8.4) by the kind of ChatError they become.
AUDIT_CODES = frozenset({10013, 10014, 10019, 10021})
QUOTA_CODES = frozenset({10015, 10016, 10313, 11200, 11201})     # blacklisted, unauthorised, app/key mismatch, quota
BUSY_CODES = frozenset({10006, 10007, 10008, 10110})             # concurrent use, traffic limit, capacity, busy
REQUEST_CODES = frozenset({10003, 10004, 10005, 10163, 10404})   # bad format / schema / value, unknown domain
TOO_LONG_CODE = 10907


# ----------------------------------------------------------------------------------------------- signing and config

def signed_url(url: str, api_key: str, api_secret: str, date: str | None = None) -> str:
    """The WebSocket URL with Spark's HMAC-SHA256 authorization in the query (§8.2). ``date`` is RFC 1123 GMT and
    defaults to now; Spark rejects a date more than 300 s off its clock. Pure, so it can be checked against a fixed
    vector."""
    parts = urllib.parse.urlsplit(url)
    host, path = parts.netloc, parts.path or "/"
    date = date or email.utils.formatdate(usegmt=True)
    signature_origin = f"host: {host}\ndate: {date}\nGET {path} HTTP/1.1"
    digest = hmac.new(api_secret.encode("utf-8"), signature_origin.encode("utf-8"), hashlib.sha256).digest()
    signature = base64.b64encode(digest).decode("ascii")
    authorization_origin = (f'api_key="{api_key}", algorithm="hmac-sha256", headers="host date request-line", '
                            f'signature="{signature}"')
    authorization = base64.b64encode(authorization_origin.encode("utf-8")).decode("ascii")
    query = urllib.parse.urlencode({"authorization": authorization, "date": date, "host": host})
    return f"{url}{'&' if '?' in url else '?'}{query}"


@dataclass(frozen=True)
class SparkConfig:
    """One Spark model: the endpoint URL, the app's three credentials, the ``domain`` (model name, or a fine-tuned
    model's serviceId) and, for fine-tuned MaaS models only, the resource id sent as ``header.patch_id``."""

    url: str
    app_id: str
    api_key: str
    api_secret: str
    domain: str
    patch_id: str = ""

    def __repr__(self) -> str:
        """Says whether the key and secret are set, never what they are: configs end up in tracebacks and page
        state."""
        key = "'***'" if self.api_key else "''"
        secret = "'***'" if self.api_secret else "''"
        return (f"SparkConfig(url={_safe_url(self.url)!r}, app_id={self.app_id!r}, api_key={key}, "
                f"api_secret={secret}, domain={self.domain!r}, patch_id={self.patch_id!r})")

    __str__ = __repr__


def domain_for_url(url: str) -> str | None:
    """The domain of a standard Spark endpoint (§8.1), or None for other hosts (MaaS models have their own)."""
    parts = urllib.parse.urlsplit(url.strip())
    if (parts.hostname or "").lower() != SPARK_HOST:
        return None
    return DOMAINS_BY_PATH.get(parts.path.rstrip("/"))


def config_from_env(prefix: str = "METWIN_SPARK", environ: Mapping[str, str] | None = None) -> SparkConfig | None:
    """The Spark model configured in the environment (``{prefix}_URL``, ``_APP_ID``, ``_API_KEY``, ``_API_SECRET``,
    ``_DOMAIN``, ``_PATCH_ID``), or None while the URL or a credential is missing. The domain may be left out for
    Spark's standard endpoints; a fine-tuned model needs it (its serviceId)."""
    env = os.environ if environ is None else environ
    values = {name: (env.get(f"{prefix}_{name.upper()}") or "").strip()
              for name in ("url", "app_id", "api_key", "api_secret", "domain", "patch_id")}
    if not all(values[name] for name in ("url", "app_id", "api_key", "api_secret")):
        return None
    if not values["domain"]:
        values["domain"] = domain_for_url(values["url"]) or ""
        if not values["domain"]:
            raise BadInputError(f"{prefix}_DOMAIN is not set and {_safe_url(values['url'])!r} is not a standard Spark "
                                "endpoint. Set it to the model's domain (for a fine-tuned model, the serviceId on "
                                "its service card).")
    return SparkConfig(**values)


# ----------------------------------------------------------------------------------------------------- request frame

def spark_messages(messages: Sequence[Message], params: ChatParams) -> list[dict[str, str]]:
    """What Spark accepts: ``window()``'s messages, an optional system message first, then user and assistant
    strictly alternating and ending with the user (consecutive same-role messages are merged, trailing assistant
    messages dropped). Raises ChatError when no user message is left."""
    system: list[dict[str, str]] = []
    convo: list[dict[str, str]] = []
    for message in window(list(messages), params):
        role, content = message.get("role"), str(message.get("content", ""))
        if role == "system":
            if not system and not convo:
                system.append({"role": "system", "content": content})
            continue
        if role not in ("user", "assistant") or not content.strip():
            continue
        if convo and convo[-1]["role"] == role:
            convo[-1] = {"role": role, "content": f"{convo[-1]['content']}\n{content}"}
        elif convo or role == "user":
            convo.append({"role": role, "content": content})
    while convo and convo[-1]["role"] != "user":
        convo.pop()
    if not convo:
        raise ChatError("bad_request", "There is no user message to send to iFLYTEK Spark. Write a message first.")
    return system + convo


def _temperature(value: float) -> float:
    """Clamped to Spark's (0, 1]: it rejects anything else (10005) rather than clipping."""
    return MIN_TEMPERATURE if value <= 0 else min(1.0, round(float(value), 4))


def request_frame(cfg: SparkConfig, messages: Sequence[Message], params: ChatParams, uid: str = "metwin",
                  *, top_k: int | None = None) -> dict[str, Any]:
    """The one JSON frame sent after the handshake (§8.3). ``patch_id`` appears only for fine-tuned models: Spark
    rejects it for base models."""
    header: dict[str, Any] = {"app_id": cfg.app_id, "uid": (uid or "metwin")[:UID_CHARS]}
    if cfg.patch_id:
        header["patch_id"] = [cfg.patch_id]
    chat: dict[str, Any] = {"domain": cfg.domain, "temperature": _temperature(params.temperature)}
    if params.max_tokens is not None:
        chat["max_tokens"] = max(1, min(MAX_TOKENS, int(params.max_tokens)))
    if top_k is not None:
        chat["top_k"] = max(1, min(6, int(top_k)))
    return {"header": header, "parameter": {"chat": chat},
            "payload": {"message": {"text": spark_messages(messages, params)}}}


# ------------------------------------------------------------------------------------------------------------ errors

def _secrets(cfg: SparkConfig, messages: Sequence[Message]) -> list[str]:
    """Strings no error may repeat: key, secret, and every message text (and each of its lines)."""
    found = {s for s in (cfg.api_key, cfg.api_secret) if s}
    for message in messages:
        text = str(message.get("content") or "") if isinstance(message, Mapping) else ""
        for piece in (text, *text.splitlines()):
            if len(piece.strip()) >= MIN_SCRUB_CHARS:
                found.add(piece.strip())
    return sorted(found, key=len, reverse=True)


def _code_error(code: int, message: str, cfg: SparkConfig) -> ChatError:
    """A Spark error frame (``header.code != 0``) as one actionable sentence with Spark's code and message."""
    detail = f"Spark error {code}: {message}" if message else f"Spark error {code}"
    if code in AUDIT_CODES:
        what = "answer" if code == 10014 else "conversation" if code == 10019 else "message"
        return ChatError("content_filter", f"iFLYTEK Spark's content review blocked the {what} ({detail}). Rephrase "
                                           "it, or start a new conversation.")
    if code == TOO_LONG_CODE:
        return ChatError("bad_request", f"The conversation is too long for the Spark model {cfg.domain!r} "
                                        f"({detail}). Shorten the history (send fewer earlier messages) or the "
                                        "persona prompt.")
    if code in QUOTA_CODES:
        todo = ("Wait until tomorrow, or raise the daily quota in the iFLYTEK console." if code == 11201 else
                f"Check the app ID, that the model {cfg.domain!r} is enabled for this app in the iFLYTEK console, "
                "and its remaining token quota.")
        return ChatError("auth", f"iFLYTEK Spark refused this app ({detail}). {todo}")
    if code in BUSY_CODES:
        return ChatError("rate_limit", f"iFLYTEK Spark is busy or limiting requests ({detail}). Wait for the "
                                       "previous answer to finish, then try again.")
    if code == 10404:
        return ChatError("bad_request", f"iFLYTEK Spark has no model {cfg.domain!r} at {_safe_url(cfg.url)} "
                                        f"({detail}). The domain must match the URL (generalv3.5 with /v3.5/chat, "
                                        "lite with /v1.1/chat, …); a fine-tuned model needs the serviceId and "
                                        "resource id from its service card.")
    if code in REQUEST_CODES:
        return ChatError("bad_request", f"iFLYTEK Spark rejected the request ({detail}). Check the domain "
                                        f"{cfg.domain!r}, the URL and the settings (temperature, max tokens).")
    return ChatError("server", f"iFLYTEK Spark failed ({detail}). Try again in a moment.")


def _handshake_error(exc: InvalidStatus, cfg: SparkConfig, secrets: Sequence[str]) -> ChatError:
    """The HTTP answer that refused the WebSocket upgrade: usually 401/403 for a bad signature or a wrong clock."""
    response = exc.response
    status = response.status_code
    body = bytes(response.body or b"").decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(body)
        message = str(data.get("message") or data.get("msg") or "") if isinstance(data, dict) else ""
    except ValueError:
        message = "" if body.startswith("<") else body
    message = _scrub(message, secrets, cfg.api_key, (cfg.api_secret,))
    detail = f"HTTP {status}: {message}" if message else f"HTTP {status}"
    where = _safe_url(cfg.url)
    if status in (401, 403):
        return ChatError("auth", f"iFLYTEK Spark refused the signed request ({detail}). Check the API key and API "
                                 "secret, and that this computer's clock is right (Spark allows 5 minutes' "
                                 "difference).", status=status)
    if status == 404:
        return ChatError("not_found", f"Nothing at {where} ({detail}). Check the Spark URL, e.g. "
                                      "wss://spark-api.xf-yun.com/v3.5/chat.", status=status)
    if status == 429:
        return ChatError("rate_limit", f"iFLYTEK Spark is limiting requests ({detail}). Wait a moment and try "
                                       "again.", status=status)
    if status >= 500:
        return ChatError("server", f"iFLYTEK Spark at {where} failed ({detail}). Try again in a moment.",
                         status=status)
    return ChatError("bad_response", f"{where} refused the WebSocket connection ({detail}). Check the Spark URL.",
                     status=status)


def _transport_error(exc: BaseException, cfg: SparkConfig, timeout: float) -> ChatError:
    """Socket-level failures before or during the stream."""
    where = _safe_url(cfg.url)
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return ChatError("timeout", f"No answer from iFLYTEK Spark at {where} within {timeout:g} s. Try again, or "
                                    "raise the timeout.")
    if isinstance(exc, ConnectionRefusedError):
        why = "connection refused"
    elif isinstance(exc, socket.gaierror):
        why = "host name not found (is this computer online?)"
    elif isinstance(exc, ssl.SSLCertVerificationError):
        why = "its TLS certificate is not trusted"
    elif isinstance(exc, ssl.SSLError):
        why = "TLS handshake failed (is it ws:// rather than wss://?)"
    elif isinstance(exc, ConnectionResetError):
        why = "the connection was reset"
    elif isinstance(exc, OSError) and exc.strerror:
        why = exc.strerror.lower()
    else:
        why = type(exc).__name__
    return ChatError("connection", f"Cannot reach iFLYTEK Spark at {where}: {why}. Check the URL and the internet "
                                   "connection.")


def _cut_off(cfg: SparkConfig) -> ChatError:
    return ChatError("bad_response", f"iFLYTEK Spark at {_safe_url(cfg.url)} closed the connection before the "
                                     "answer was complete, so it was cut off. Try again.")


def _not_json(cfg: SparkConfig) -> ChatError:
    return ChatError("bad_response", f"{_safe_url(cfg.url)} sent a frame that is not Spark's JSON. Check that the "
                                     "URL is a Spark chat endpoint (e.g. wss://spark-api.xf-yun.com/v3.5/chat).")


def _check_config(cfg: SparkConfig) -> None:
    """Refuses an unusable config before a socket is opened."""
    parts = urllib.parse.urlsplit((cfg.url or "").strip())
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ChatError("connection", f"The Spark URL {_safe_url(cfg.url)!r} is not a ws:// or wss:// URL. Use the "
                                      "one on the model's page, e.g. wss://spark-api.xf-yun.com/v3.5/chat.")
    if not (cfg.app_id and cfg.api_key and cfg.api_secret):
        raise ChatError("auth", "The Spark app ID, API key or API secret is missing. Copy all three from the "
                                "iFLYTEK console.")
    if not cfg.domain:
        raise ChatError("bad_request", "The Spark domain (model name) is missing. Set it, e.g. generalv3.5 for "
                                       "/v3.5/chat, or a fine-tuned model's serviceId.")


# ----------------------------------------------------------------------------------------------------------- backend

class SparkBackend:
    """Chat through an iFLYTEK Spark model. A new connection per request, as Spark requires; ``timeout`` bounds the
    handshake and each wait for a frame, so a stream that keeps coming never times out, one that stalls does."""

    name = "spark"
    label = "iFLYTEK Spark"

    def __init__(self, config: SparkConfig, *, timeout: float = DEFAULT_TIMEOUT, uid: str = "metwin",
                 top_k: int | None = None) -> None:
        self.config = config
        self.timeout = timeout
        self.uid = uid
        self.top_k = top_k

    def __repr__(self) -> str:
        return f"SparkBackend({self.config!r}, timeout={self.timeout!r})"

    def stream(self, messages: list[Message], params: ChatParams) -> Iterator[str]:
        """Yield the reply's text as Spark streams it. The connection opens on the first ``next()``; closing the
        iterator closes it. Raises ChatError, also midway (the pieces already yielded stay valid)."""
        cfg = self.config
        _check_config(cfg)
        frame = request_frame(cfg, messages, params, self.uid, top_k=self.top_k)
        secrets = _secrets(cfg, messages)
        url = signed_url(cfg.url.strip(), cfg.api_key, cfg.api_secret)
        host = (urllib.parse.urlsplit(cfg.url.strip()).hostname or "").lower()
        # A fake or local relay on this machine must not go through the environment's proxy (websockets ≥ 15 uses
        # it by default; older versions have no proxy support, nor the argument).
        options: dict[str, Any] = {"max_size": MAX_FRAME_BYTES}
        if _CONNECT_HAS_PROXY and (host in LOOPBACK_HOSTS or host.startswith("127.")):
            options["proxy"] = None
        with contextlib.ExitStack() as stack:   # ``with connect(...)``: the form every websockets version supports
            try:
                connection = stack.enter_context(connect(
                    url, open_timeout=self.timeout, close_timeout=min(CLOSE_TIMEOUT, self.timeout), **options))
            except InvalidStatus as exc:
                raise _handshake_error(exc, cfg, secrets) from None
            except InvalidURI:
                raise ChatError("connection", f"The Spark URL {_safe_url(cfg.url)!r} is not a valid WebSocket URL. "
                                              "Use e.g. wss://spark-api.xf-yun.com/v3.5/chat.") from None
            except InvalidHandshake:
                raise ChatError("bad_response", f"{_safe_url(cfg.url)} did not answer as a WebSocket server. Check "
                                                "the Spark URL (wss://…/chat).") from None
            except (OSError, WebSocketException) as exc:   # TimeoutError is an OSError
                raise _transport_error(exc, cfg, self.timeout) from None
            try:
                connection.send(json.dumps(frame, ensure_ascii=False))
            except ConnectionClosed:
                raise _cut_off(cfg) from None
            except OSError as exc:
                raise _transport_error(exc, cfg, self.timeout) from None
            yield from self._frames(connection, cfg, secrets)

    def _frames(self, connection: Any, cfg: SparkConfig, secrets: Sequence[str]) -> Iterator[str]:
        """The content deltas of Spark's answer frames, until the one with status 2."""
        while True:
            try:
                raw = connection.recv(timeout=self.timeout)
            except ConnectionClosed:
                raise _cut_off(cfg) from None
            except (OSError, WebSocketException) as exc:
                raise _transport_error(exc, cfg, self.timeout) from None
            try:
                data = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                raise _not_json(cfg) from None
            if not isinstance(data, dict) or not isinstance(data.get("header"), dict):
                raise _not_json(cfg)
            header = data["header"]
            code = header.get("code", 0)
            try:
                code = int(code)
            except (TypeError, ValueError):
                code = -1
            if code != 0:
                message = _scrub(str(header.get("message") or ""), secrets, cfg.api_key, (cfg.api_secret,))
                raise _code_error(code, message, cfg)
            payload = data.get("payload") if isinstance(data.get("payload"), dict) else {}
            choices = payload.get("choices") if isinstance(payload.get("choices"), dict) else {}
            texts = choices.get("text")
            if isinstance(texts, list) and texts and isinstance(texts[0], dict):
                content = texts[0].get("content")
                if isinstance(content, str) and content:
                    yield content
            if header.get("status") == 2 or choices.get("status") == 2:
                return

    def check(self) -> str:
        """A one-word question with a tiny answer budget: proves URL, signature, app, domain and quota at once."""
        params = ChatParams(temperature=0.5, max_tokens=16, history=1, system="")
        for _ in self.stream([{"role": "user", "content": "Hi"}], params):
            pass
        return f"Spark answered (domain {self.config.domain})"


__all__ = ["DEFAULT_TIMEOUT", "SparkBackend", "SparkConfig", "config_from_env", "domain_for_url", "request_frame",
           "signed_url", "spark_messages"]
