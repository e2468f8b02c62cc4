"""URLs that carry a secret: ``scheme://user:password@host`` or a token-like query/fragment parameter.

Plain links are not personal data worth redacting in a chat export (and are useful training text), but a shared
link with ``access_token=`` or ``sig=`` in it is a live credential. The whole URL is the span, so no part of the
secret survives.
"""
from __future__ import annotations

import re

from lib.pii.kinds import KindSpec, operator, register_kind, register_recognizer
from lib.pii.base import SCORE_CONTEXT, Hit

# ASCII URL characters only: the URL stops at whitespace, Han text, quotes, brackets and angle brackets.
_URL = re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,15}://[A-Za-z0-9\-._~:/?#@!$&*+,;=%]+")
_TRAILING = ".,;:!?*"
_USERINFO = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#@]*):([^/?#@]+)@")
_PARAM = re.compile(r"[?&#;]([A-Za-z0-9_.\-\[\]]+)=([^&#;]*)")
# Parameter names that hold a credential (also any name ending in _token, _secret, ...). Weak names (code, key) count
# only with a secret-looking value, so "?code=600519" (a stock code) is not a hit.
_STRONG_NAMES = frozenset({
    "token", "access_token", "refresh_token", "id_token", "auth_token", "apikey", "api_key", "secret",
    "client_secret", "password", "passwd", "pwd", "sig", "signature", "sessionid", "session_id", "jwt",
    "private_token", "x-amz-signature", "x-amz-credential", "x-amz-security-token", "credential", "credentials",
    "authorization", "ticket", "sessionkey", "session_key", "secret_key", "access_key", "accesskey",
})
_WEAK_NAMES = frozenset({"key", "auth", "session", "sid", "code", "pass"})
_SECRETISH = re.compile(r"(?=.*[A-Za-z])(?=.*[0-9])[A-Za-z0-9_\-.%+/=~]{10,}|[A-Za-z0-9_\-.%+/=~]{20,}")


def _credential_param(url: str) -> str | None:
    """The name of the first parameter that carries a credential, or None."""
    for m in _PARAM.finditer(url):
        name, value = m.group(1).lower(), m.group(2)
        if len(value) < 4:
            continue
        tail = re.split(r"[_.\-]", name)[-1]
        if name in _STRONG_NAMES or tail in ("token", "secret", "signature", "password", "apikey"):
            return m.group(1)
        if (name in _WEAK_NAMES or name in ("auth_code", "authcode")) and _SECRETISH.fullmatch(value):
            return m.group(1)
    return None


class UrlRecognizer:
    """URL: only links with embedded credentials or token parameters; ``norm`` is the URL itself."""

    kinds = ("URL",)
    needs = "alpha"  # the analyzer skips lines without this (lib.pii.analyzer.GATES)
    hint = re.compile("://")  # in every text this finds anything in: a batch scan skips the rest (lib.pii.analyzer)

    def analyze(self, text: str) -> list[Hit]:
        if "://" not in text:
            return []
        hits: list[Hit] = []
        for m in _URL.finditer(text):
            url = m.group(0).rstrip(_TRAILING)
            if "://" not in url or url.endswith("://"):
                continue
            start, end = m.start(), m.start() + len(url)
            user = _USERINFO.match(url)
            if user:
                hits.append(Hit("URL", start, end, SCORE_CONTEXT, "URL with user:password@ credentials", url))
                continue
            name = _credential_param(url)
            if name:
                hits.append(Hit("URL", start, end, SCORE_CONTEXT, f"URL with a credential parameter: {name}=", url))
        return hits


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_kind(KindSpec("URL", order=70, fake=operator("fake_url")))
register_recognizer("url", 70, lambda config: [UrlRecognizer()])
