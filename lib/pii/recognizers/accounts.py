"""QQ numbers and WeChat IDs: shapes that collide with ordinary numbers and words, so a context word is required.

Follows JioNLP's "strict" mode (docs/pii.md, "Shapes that need context"): a 5–11 digit number is a QQ number only right
after ``QQ``/``扣扣``/``加(我)q``; a letter-led 6–20 character token is a WeChat ID only right after
``微信号``/``vx``/``wechat``. The one shape that needs no context is the internal ``wxid_…`` id that exports carry.
"""
from __future__ import annotations

import re

from lib.pii.kinds import KindSpec, operator, register_kind, register_recognizer
from lib.pii.base import SCORE_CONTEXT, SCORE_VALIDATED, Hit

# Context, then up to 8 characters of anything but digits/@ (``QQ号：``, ``qq是``, ``加我QQ ``), then the number. The
# context may not follow ``@`` or ``.`` (``abc@qq.com 12345`` is an email, not a QQ number).
QQ_NUMBER = r"[1-9][0-9]{4,10}"
_QQ = re.compile(
    r"(?<![@.A-Za-z])(?P<ctx>qq号?|扣扣号?|加我?q|q号)"
    r"[^0-9@\n]{0,8}?"
    rf"(?<![0-9])(?P<num>{QQ_NUMBER})"
    # not part of a longer token, an email (``123@qq.com``), a decimal, or an amount/date/count
    r"(?![0-9A-Za-z@]|\.[0-9]|\s*(?:元|块|万|千|百|rmb|年|月|日|号|天|岁|个|人|次|分|秒|%))",
    re.IGNORECASE,
)
_QQ_HINT = ("q", "Q", "扣扣")

_WXID = re.compile(r"wxid_[A-Za-z0-9]{6,}(?:_[A-Za-z0-9]+)?(?![0-9A-Za-z_])")  # left boundary checked in code

# A user WeChat ID: starts with a letter, 6–20 letters/digits/_/-. Explicit form: context, optional 号/ID, then ``:``/
# ``：``/``是``/``为`` → any shape. Loose form: up to 8 non-alphanumeric characters between → the ID must contain a
# digit, ``_`` or ``-`` (so ``微信上发了 photos`` is not an ID).
# (The ASCII context words must not follow a letter; that is checked in code, because a look-behind at the start
# of the pattern would make ``re`` try every position of every line.)
_WX_CTX = r"(?P<ctx>微信号?|威信号?|v信号?|(?:vx|wx|wechat|weixin)(?:号|\s?id)?(?![A-Za-z_])|加我)"
WECHAT_ID_SHAPE = r"[A-Za-z][-_A-Za-z0-9]{5,19}"
_WX_ID = rf"(?P<id>{WECHAT_ID_SHAPE})(?![-_A-Za-z0-9]|@|\.[A-Za-z0-9])"
_WECHAT = re.compile(
    # the loose gap holds words and punctuation of chat, not code operators (``vx += unit_x``)
    _WX_CTX + r"(?:(?P<sep>\s*(?:[:：=]|是|为)\s*)|(?P<gap>[^0-9A-Za-z\n=+<>*/\\|&^%$#@()\[\]{}]{0,8}?))" + _WX_ID,
    re.IGNORECASE,
)
_WECHAT_CJK = ("微信", "威信", "加我")
_WECHAT_ASCII = re.compile(r"v信|vx|wx(?!id_)|wechat|weixin")  # searched in the lower-cased text
_HAS_MARK = re.compile(r"[0-9_-]")
_QQ_VALUE = re.compile(QQ_NUMBER)
_WECHAT_VALUE = re.compile(WECHAT_ID_SHAPE)


def is_qq(value: str) -> bool:
    """The whole of ``value`` is a QQ number's shape (an answer to "QQ号?" sent alone: see followup)."""
    return _QQ_VALUE.fullmatch(value) is not None


def is_wechat_id(value: str) -> bool:
    """The whole of ``value`` is a user WeChat ID with a digit, ``_`` or ``-`` (a bare word is a word)."""
    return _WECHAT_VALUE.fullmatch(value) is not None and _HAS_MARK.search(value) is not None


class QqRecognizer:
    """QQ numbers, only right after a QQ context word (a bare 5–11 digit number is anything)."""

    kinds = ("QQ",)
    needs = "digit"  # the analyzer skips lines without this (lib.pii.analyzer.GATES)

    def analyze(self, text: str) -> list[Hit]:
        if not any(w in text for w in _QQ_HINT):
            return []
        return [Hit("QQ", m.start("num"), m.end("num"), SCORE_CONTEXT, f"context: {m.group('ctx')}")
                for m in _QQ.finditer(text)]


class WechatIdRecognizer:
    """WeChat IDs: ``wxid_…`` anywhere; a user-chosen ID only after a WeChat context word.

    A phone number after 微信 (``微信同号13812345678``) is left to the phone recognizer: IDs start with a letter.
    """

    kinds = ("WECHAT_ID",)
    needs = "alpha"  # the analyzer skips lines without this (lib.pii.analyzer.GATES)
    # what every text this finds anything in holds (the tests at the top of analyze): a batch scan skips the rest
    hint = re.compile("wxid_|" + "|".join(_WECHAT_CJK))
    hint_lower = _WECHAT_ASCII

    def analyze(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        if "wxid_" in text:
            hits.extend(Hit("WECHAT_ID", m.start(), m.end(), SCORE_VALIDATED, "key shape: WeChat internal id (wxid_)")
                        for m in _WXID.finditer(text)
                        if not (m.start() and (_alnum(text[m.start() - 1]) or text[m.start() - 1] == "_")))
        if not (any(w in text for w in _WECHAT_CJK) or _WECHAT_ASCII.search(text.lower())):
            return hits
        for m in _WECHAT.finditer(text):
            ident = m.group("id")
            s = m.start("ctx")
            if s and (_alnum(text[s - 1]) or text[s - 1] == "_") and text[s].isascii():
                continue  # ``wx``/``vx`` inside a longer word
            if ident.lower().startswith("wxid_"):
                continue  # already reported above, at a higher score
            if m.group("sep") is None and not _HAS_MARK.search(ident) and not (
                    _explicit(m.group("ctx")) and not m.group("gap").strip()):
                continue
            hits.append(Hit("WECHAT_ID", m.start("id"), m.end("id"), SCORE_CONTEXT, f"context: {m.group('ctx')}"))
        return hits


def _alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _explicit(ctx: str) -> bool:
    """``微信号`` / ``vx号`` / ``wechat id`` name the ID outright, so a bare-letters ID right after (only whitespace
    between) is trusted."""
    c = ctx.lower()
    return c.endswith(("号", "id"))


# --- registration (lib/pii/kinds.py): the kinds this module finds, and how a scan builds its recognizers ---
register_kind(KindSpec("QQ", order=80, fake=operator("fake_qq")))
register_kind(KindSpec("WECHAT_ID", order=90, fake=operator("fake_wechat")))
register_recognizer("qq", 80, lambda config: [QqRecognizer()])
register_recognizer("wechat_id", 90, lambda config: [WechatIdRecognizer()])
