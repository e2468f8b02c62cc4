"""Key-like text removed from what an upstream server said, before it reaches a page, a client or a transcript.

Why more than ``text.replace(key, ...)``: servers and proxies echo credentials in other forms. A gateway that quotes
the request's headers shows ``Authorization: Basic <base64 of "user:key">``; Spark's signed URL carries the key inside
a base64 ``authorization`` parameter; debug pages print bodies in hex or URL-encoded. So each configured secret is
searched raw, base64 (standard and URL-safe, at every byte alignment, so base64 of ``"Bearer <key>"``, ``"user:key"``
or any text around the key is found), hex and URL-encoded; and text shaped like a credential (``sk-...``, bearer and
basic tokens, ``api_key=...``, Authorization headers, long high-entropy tokens) goes even when no secret is known.

Pure and dependency-free: :mod:`lib.llm`, the chat backends and the twin server all call :func:`scrub`.
"""
from __future__ import annotations

import base64
import math
import re
import urllib.parse
from collections import Counter
from collections.abc import Iterable

REDACTED = "[redacted]"
MIN_SECRET_CHARS = 4        # a configured secret shorter than this is not searched: it would match ordinary words
MIN_ENCODED_CHARS = 8       # encoded forms are searched only for secrets this long (shorter cores match by chance)
MIN_TOKEN_CHARS = 32        # a generic token (no known prefix) this long and ...
MIN_TOKEN_RUN = 20          # ... with a separator-free run this long (paths, UUIDs and model names have short ones)
MIN_TOKEN_BITS = 3.0        # ... and this many bits of Shannon entropy per character counts as a credential

_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=")
_HEX = frozenset("0123456789abcdefABCDEF")
_URLSAFE = str.maketrans("+/", "-_")

# Credential shapes, one registry: (pattern, replacement). Order matters: headers before bare tokens.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization / Proxy-Authorization headers, in HTTP, JSON or query form, whatever the scheme
    (re.compile(r"(?i)\b((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic|token|digest|apikey)\s+)?"
                r"[^\s\"',;&]+"), rf"\1{REDACTED}"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/\-]{8,}=*"), rf"\1 {REDACTED}"),
    # key = value and "key": "value" for the usual credential names
    (re.compile(r"(?i)\b((?:x-)?(?:api[_-]?key|api[_-]?secret|secret[_-]?key|client[_-]?secret|access[_-]?token"
                r"|refresh[_-]?token|auth[_-]?token|password|passwd|secret|token)[\"']?\s*[:=]\s*[\"']?)"
                r"[^\s\"',;&]{4,}"), rf"\1{REDACTED}"),
    # well-known key prefixes: OpenAI/Anthropic-style sk-, Hugging Face, GitHub, Slack, Google, AWS, JWTs
    (re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_*.\-]{8,}"), REDACTED),
    (re.compile(r"\b(?:hf|gh[pousr]|github_pat)_[A-Za-z0-9_]{16,}"), REDACTED),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}"), REDACTED),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"), REDACTED),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"), REDACTED),
)
_TOKEN = re.compile(rf"(?<![A-Za-z0-9+/_\-=])[A-Za-z0-9+/_\-]{{{MIN_TOKEN_CHARS},}}=*(?![A-Za-z0-9+/_\-=])")
_SEPARATORS = re.compile(r"[-_/.]")


def _b64_cores(secret: bytes) -> set[str]:
    """The part of base64 that is fixed by ``secret`` alone, for each of the three byte alignments it may sit at in
    the encoded text: base64 of anything containing the secret contains one of these (standard or URL-safe)."""
    cores: set[str] = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + secret).decode("ascii")
        first, last = (1 if shift else 0), (shift + len(secret)) // 3     # 3-byte groups wholly inside the secret
        core = encoded[4 * first:4 * last]
        if len(core) >= MIN_ENCODED_CHARS:
            cores.update((core, core.translate(_URLSAFE)))
    return cores


def _forms(secret: str) -> tuple[list[str], list[str], list[str]]:
    """(base64 cores, hex forms, literal forms) under which ``secret`` may be echoed."""
    raw = secret.encode("utf-8")
    literal = [secret]
    if len(secret) < MIN_ENCODED_CHARS:
        return [], [], literal
    quoted = [quote(secret, safe=safe) for quote in (urllib.parse.quote, urllib.parse.quote_plus)
              for safe in ("", "/")]          # "/" is left alone by default, escaped by most encoders
    literal += quoted + [re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), q) for q in quoted]
    literal += ["".join(f"%{b:02X}" for b in raw), "".join(f"%{b:02x}" for b in raw)]
    return sorted(_b64_cores(raw)), [raw.hex(), raw.hex().upper()], literal


def _spans(text: str, needles: Iterable[str], alphabet: frozenset[str]) -> list[tuple[int, int]]:
    """Where each needle occurs, widened to the whole run of ``alphabet`` characters around it (the rest of the
    encoded blob: its other bytes were encoded with the secret and say nothing anyone needs)."""
    found = []
    for needle in needles:
        start = text.find(needle)
        while start >= 0:
            left, right = start, start + len(needle)
            while left > 0 and text[left - 1] in alphabet:
                left -= 1
            while right < len(text) and text[right] in alphabet:
                right += 1
            found.append((left, right))
            start = text.find(needle, start + 1)
    return found


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    out, at = [], 0
    for start, end in sorted(spans):
        if end <= at:
            continue
        start = max(start, at)
        out += [text[at:start], REDACTED]
        at = end
    out.append(text[at:])
    return "".join(out)


def _entropy(token: str) -> float:
    counts = Counter(token)
    return -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())


def _looks_random(token: str) -> bool:
    """A long token with a long separator-free run mixing letters and digits at high entropy: a key, not a word."""
    run = max(_SEPARATORS.split(token), key=len)
    return (len(run) >= MIN_TOKEN_RUN and any(c.isdigit() for c in run) and any(c.isalpha() for c in run)
            and _entropy(token) >= MIN_TOKEN_BITS)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every configured secret (in any of the forms above) and anything shaped like a credential
    replaced by ``[redacted]``. Secrets shorter than MIN_SECRET_CHARS are ignored."""
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True):
        cores, hexes, literal = _forms(secret)
        text = _cut(text, _spans(text, cores, _B64))
        text = _cut(text, _spans(text, hexes, _HEX))
        for form in sorted(set(literal), key=len, reverse=True):
            text = text.replace(form, REDACTED)
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return _TOKEN.sub(lambda m: REDACTED if _looks_random(m.group(0)) else m.group(0), text)


__all__ = ["PATTERNS", "REDACTED", "scrub"]
