"""Secrets: passwords and PINs told in chat, verification codes, API keys and other credential-shaped tokens.

A password has no shape, so it is only taken right after a password word (``密码是abc123``, ``pwd: hunter2``); the
span is the value alone, so the redacted line still reads ``密码是<SECRET_1>``. Key formats with a fixed prefix
(``sk-``, ``ghp_``, ``AKIA``…) are certain on their own; long random-looking tokens are likely keys.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from itertools import pairwise

from lib.pii.kinds import KindSpec, operator, register_kind, register_recognizer
from lib.pii.base import SCORE_CONTEXT, SCORE_PATTERN, SCORE_VALIDATED, Hit

# (a) password / PIN right before its value. English words need ASCII boundaries; Chinese ones don't.
_PW = re.compile(
    r"(?P<ctx>支付密码|登录密码|银行卡密码|取款密码|开机密码|密码|口令"
    r"|(?<![A-Za-z])(?:passwords?|passwd|pwd|pass ?code|pin(?: ?code|码)?)(?![A-Za-z]))"
    r"(?P<sep>\s*(?:[:：=]|是|为|(?<![A-Za-z])is(?![A-Za-z]))\s*|\s+)?"
    r"(?P<val>[!-~]+)",
    re.IGNORECASE,
)
# sentence punctuation after a value is not part of it; ``!``/``?`` often are (``Passw0rd!``), so they stay
_TRAIL = ".,;:)]}>'\""
_NOT_FIRST = "([{<'\"`"  # a value never opens with a bracket or quote: that is prose or code
_CONTRACTION = re.compile(r"[A-Za-z]+['’][A-Za-z]+")
_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+)+")

# (b) verification codes: 4–8 digits near a code word, before or just after it (``验证码 482913``,
# ``482913 是你的验证码``, ``your verification code is 482913``).
_CODE_WORD = re.compile(r"验证码|校验码|动态码|动态密码|确认码|短信码|verification code|security code|passcode"
                        r"|(?<![a-z])otp(?![a-z])|(?<![a-z])code(?: is|:)")
_DIGITS_HINT = re.compile(r"[0-9]{4}")
_CODE_GAP = 10  # at most this many characters between the code word and the digits (``验证码已发送，请查收 482913``)
_NOT_CODE = ("zip code", "area code", "postal code", "post code", "postcode", "country code", "error code",
             "status code", "exit code", "return code", "promo code", "error")
_DIGITS = re.compile(r"(?<![0-9A-Za-z.])[0-9]{4,8}(?![0-9A-Za-z]|\.[0-9]|\s*(?:元|块|年|月|日|号|%|点|分|秒|个|次|人))")

_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}

# (c) credential formats with a fixed prefix.
_KEYS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(rx)) for name, rx in (
    ("OpenAI-style secret key", r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}"),
    ("GitHub token", r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,}"),
    ("GitHub fine-grained token", r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,}"),
    ("Stripe key", r"(?<![A-Za-z0-9_])[rs]k_(?:live|test)_[A-Za-z0-9]{20,}"),
    ("AWS access key id", r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])"),
    ("Slack token", r"(?<![A-Za-z0-9])xox[abprs]-[A-Za-z0-9-]{10,}"),
    ("Google API key", r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}"),
    ("JWT", r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ("private key block", r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)"),
))
_KEY_HINT = re.compile(r"sk-|k_live_|k_test_|gh[pousr]_|github_pat_|AKIA|ASIA|xox[abprs]-|AIza|eyJ|-----BEGIN")
_MIN_KEY = 16  # no key format above is shorter (AKIA + 16)
# The words a password or a code must follow: the cheap tests of analyze and its batch hint, from one list.
_PW_CJK, _PW_ASCII = ("密码", "口令"), ("pass", "pwd", "pin")  # ASCII ones in the lower-cased text
_CODE_CJK, _CODE_ASCII = ("码",), ("code", "otp")

# (d) long random-looking tokens.
# No look-arounds needed: scanning left to right, a greedy run always starts and ends at the run's edges.
_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{32,}")
_MIN_TOKEN = 32
_HEX = re.compile(r"[0-9a-fA-F]+")
_HAS_DIGIT = re.compile(r"[0-9]")
_DIGIT_RUN = re.compile(r"[0-9]+")
_LOWER_RUN = re.compile(r"[a-z]{4,}")
_HAS_LETTER = re.compile(r"[A-Za-z]")
_MIN_ENTROPY = 4.0
_MIN_CHANGES = 0.3  # random base62/64 changes case/digit class at ~60% of positions; CamelCase words at ~30% or less
_SEPARATORS = re.compile(r"[/_.-]")
_CLASS = str.maketrans({**{c: "u" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
                        **{c: "l" for c in "abcdefghijklmnopqrstuvwxyz"},
                        **{c: "d" for c in "0123456789"}})


def entropy(s: str) -> float:
    """Shannon entropy in bits per character."""
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def _hex_and_words(tok: str) -> bool:
    """Every separator-delimited part is hex or plain letters (hex alone carries at most 4 bits per character)."""
    return all(_HEX.fullmatch(p) or p.isalpha() for p in _SEPARATORS.split(tok) if p)


def _camel_words(tok: str) -> bool:
    """A CamelCase identifier (``fbCompositeSolidMask_nx8x8888neon``): lower-case runs of 4+ cover much of it. In
    random base62/64 they cover ~10% (under 0.5% of tokens reach 40%)."""
    return not tok.islower() and sum(map(len, _LOWER_RUN.findall(tok))) >= 0.4 * len(tok)


def _class_changes(tok: str) -> float:
    """Share of neighbouring characters that differ in class (upper, lower, digit, other)."""
    c = tok.translate(_CLASS)
    return sum(a != b for a, b in pairwise(c)) / (len(c) - 1)


def _password_value(m: re.Match[str]) -> tuple[int, int] | None:
    """The span of a plausible password after a password word, or None (``password is too long``)."""
    val = m.group("val")
    start = m.start("val")
    stripped = val.rstrip(_TRAIL)
    if len(stripped) < 4 or stripped[0] in _NOT_FIRST or stripped.startswith("--") or _VERSION.fullmatch(stripped):
        return None
    sep = (m.group("sep") or "").strip().lower()
    explicit = sep in (":", "：", "=", "是", "为")
    # English prose says "password reset", "pin this", "passwd.1.xml": without ``:``/``=`` only a value with a digit
    # after a space or "is" counts (``pin 4821``, ``password is hunter2``)
    if m.group("ctx").isascii() and not explicit and (m.group("sep") is None or not _HAS_DIGIT.search(stripped)):
        return None
    if m.group("ctx").isascii():
        if stripped.isalpha() or _CONTRACTION.fullmatch(stripped):
            return None  # ``password: normalize``, ``pin: remove``, ``password: don't`` are changelog prose
        if m.group("ctx").lower().startswith("pin") and not explicit and not stripped.isdigit():
            return None  # "pin" is also a verb: ``pin python3-foo``; a bare PIN is digits
    # letters only after a Chinese word: a word, unless introduced explicitly and long enough (``密码：password``)
    elif stripped.isalpha() and (not explicit or len(stripped) < 6):
        return None
    return start, start + len(stripped)


class SecretRecognizer:
    """Passwords/PINs after their word, verification codes near theirs, key formats, and high-entropy tokens."""

    kinds = ("SECRET",)
    needs = "alnum"  # the analyzer skips lines without this (lib.pii.analyzer.GATES)
    # what every text this finds anything in holds (the keyword tests of analyze, a key prefix, a long token): a
    # batch scan skips the rest (lib.pii.analyzer)
    hint = (re.compile("|".join((*_PW_CJK, *_CODE_CJK, _KEY_HINT.pattern))), _TOKEN)  # apart: literal-led scans fast
    hint_lower = re.compile("|".join((*_PW_ASCII, *_CODE_ASCII)))

    def analyze(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        low = text.lower()  # for the cheap keyword tests only (lower() may change the length of non-ASCII text)
        if any(w in text for w in _PW_CJK) or any(w in low for w in _PW_ASCII):
            for m in _PW.finditer(text):
                span = _password_value(m)
                if span:
                    hits.append(Hit("SECRET", span[0], span[1], SCORE_CONTEXT, f"context: {m.group('ctx')}"))
        if any(w in text for w in _CODE_CJK) or any(w in low for w in _CODE_ASCII):
            hits.extend(self._codes(text))
        if len(text) < _MIN_KEY:
            return hits
        if _KEY_HINT.search(text):
            for name, rx in _KEYS:
                hits.extend(Hit("SECRET", m.start(), m.end(), SCORE_VALIDATED, f"key shape: {name}")
                            for m in rx.finditer(text))
        if len(text) >= _MIN_TOKEN:
            hits.extend(self._tokens(text, [(h.start, h.end) for h in hits if h.score == SCORE_VALIDATED]))
        return hits

    @staticmethod
    def _tokens(text: str, keyed: list[tuple[int, int]]) -> list[Hit]:
        out = []
        for m in _TOKEN.finditer(text):
            tok = m.group()
            if (_hex_and_words(tok)  # hashes, fingerprints, ``privkeys/<hex>``: ids, not secrets
                    or len(_DIGIT_RUN.findall(tok)) < 2 or not _HAS_LETTER.search(tok)
                    or any(s < m.end() and m.start() < e for s, e in keyed)  # already a known key format
                    or _in_url(text, m.start())):
                continue
            if (len(_SEPARATORS.findall(tok)) <= 1  # paths and identifiers (a/b/c, FOO_BAR_BAZ) have several
                    and not _camel_words(tok)
                    and _class_changes(tok) >= _MIN_CHANGES and entropy(tok) > _MIN_ENTROPY):
                out.append(Hit("SECRET", m.start(), m.end(), SCORE_PATTERN, "high-entropy token"))
        return out

    @staticmethod
    def _codes(text: str) -> list[Hit]:
        if not _DIGITS_HINT.search(text):
            return []
        low = text.translate(_ASCII_LOWER)  # same length as text, so offsets carry over
        out = []
        for m in _DIGITS.finditer(text):
            before = low[max(0, m.start() - 24):m.start()]
            after = low[m.end():m.end() + 8]
            words = list(_CODE_WORD.finditer(before))
            found = words[-1] if words and len(before) - words[-1].end() <= _CODE_GAP else None
            if found and found.group().startswith("code") and (
                    any(z in before for z in _NOT_CODE) or before[found.end():].strip()):
                found = None  # a bare "code is"/"code:" must sit right before the digits, and not be a zip/error code
            if found is None:
                # after the digits only a real code word counts (``482913 是你的验证码``); "code is" there is prose
                later = _CODE_WORD.search(after)
                found = later if later and not later.group().startswith("code") else None
            if found:
                out.append(Hit("SECRET", m.start(), m.end(), SCORE_CONTEXT, f"context: {found.group()}"))
        return out


def _in_url(text: str, pos: int) -> bool:
    """Whether the token at ``pos`` sits inside a URL (left to the URL recognizer)."""
    left = text.rfind(" ", 0, pos) + 1
    head = text[left:pos]
    return "://" in head or head.startswith("www.")


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_kind(KindSpec("SECRET", order=140, fake=operator("fake_secret")))
register_recognizer("secret", 130, lambda config: [SecretRecognizer()])
