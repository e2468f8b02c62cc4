"""Values sent alone right after a message that asks for them: context across two messages.

In chat a value is often its own message: "what's your number again?" → "07700 900123", "wifi password?" →
"sunflower42", "验证码多少" → "482913". Alone, the answer has no context word, so a single-message recognizer either
misses it (a password has no shape) or cannot tell it from a count or a time. Here the *previous* message says what
kind was asked for, and the answer must then *be* one value of that kind's shape, after chat filler is stripped
("it's …", "好的，…哦", "… lol"). A sentence, a laugh, a time or a count is not a value, whatever was asked.

Decisions (documented because they trade recall for precision):
- Only the immediately preceding message counts: a question two messages earlier ("wifi password?" → "one sec" →
  "sunflower42") is not used; a filler in between usually means the value comes with its own words, or not at all.
- Who sent which side is ignored: exports (and ``pii-scan``) do not always say, and asking oneself ("pin?" as a note)
  carries the same value.
- The asked-for kind decides the Hit kind; an answer of another kind is left to the single-message recognizers.
- A password of lower-case letters only ("hunter", "haha", "wait") is not taken: in chat it is a word far more often.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import phonenumbers

from lib.pii.kinds import register_recognizer
from lib.pii.base import SCORE_CONTEXT, Batch, Hit, fold_width
from lib.pii.recognizers import accounts, cn_id, email, passport, us_ssn
from lib.pii.recognizers.phone import national_mobile_norm

MAX_ANSWER = 120    # longer messages are sentences; the analyzer does not call this recognizer for them
MAX_VALUE = 64      # every kind but ADDRESS: one value is shorter than this
_QUESTION_TAIL = 80  # a question ends its message: only the end of a long previous message is read

# ----- the question ---------------------------------------------------------------------------------------------------
# (kind, pattern) in priority order: on a tie (same end position) the earlier, more specific entry wins, so
# "email address" is EMAIL, "身份证号码" CN_ID and "QQ号码" QQ before any generic "address"/"号码".
_EN = r"(?<![A-Za-z])"   # English keywords start at a word start (they may touch Chinese)
_ENE = r"(?![A-Za-z])"
_ASKS: tuple[tuple[str, str], ...] = (
    ("EMAIL",
     rf"{_EN}(?:e-?mail|gmail|hotmail|outlook)(?: ?address| ?addy| ?id)?{_ENE}|邮箱(?:地址)?|电子邮件|电邮|邮件地址"),
    ("CN_ID", rf"身份证(?:号码?)?|证件号码?|{_EN}(?:id|identity) ?(?:card )?(?:number|no\.?|#){_ENE}"),
    ("US_SSN", rf"{_EN}(?:ssn|social security(?: number| no\.?)?){_ENE}"),
    ("PASSPORT", rf"{_EN}passport(?: number| no\.?| #)?{_ENE}|护照(?:号码?)?"),
    ("QQ", rf"{_EN}qq(?: ?number| ?no\.?| ?id)?{_ENE}|qq号(?:码)?|扣扣号?"),
    ("WECHAT_ID", rf"{_EN}(?:wechat|weixin|wx|vx)(?: ?id| ?number)?{_ENE}|微信(?:号|id)?|威信号?|v信号?|vx号|wx号"),
    ("BANK_CARD", rf"{_EN}(?:(?:bank )?(?:card|account|acct|a/c)(?: ?number| ?no\.?| ?#| details)|iban|sort ?code"
                  rf"|routing(?: number| no\.?)?|bank details){_ENE}|银行卡号?|卡号|账号|帐号|账户|帐户|收款码?账户"),
    ("SECRET", rf"{_EN}(?:(?:wi-?fi|wlan|router|network|hotspot)(?: ?password| ?pass| ?pw| ?pwd| ?code| ?key)?"
               rf"|password|passcode|passwd|pwd|pw|pin(?: ?code| ?number)?|otp|2fa(?: code)?"
               rf"|(?:door|gate|entry|access|alarm|lock|locker|safe|verification|security|confirmation|login|auth"
               rf"|one-time|sms|the|that) ?code|code){_ENE}"
               r"|(?:wi-?fi|无线)?密码|口令|验证码|校验码|动态码|短信码|取件码|门禁码|开门码|提货码|pin码"),
    ("PHONE", rf"{_EN}(?:(?:phone|mobile|cell|tel|telephone|landline|whatsapp)(?: ?number| ?no\.?| ?#)?"
              rf"|(?:your|ur|yr|ya|his|her|their|[a-z]+'s) (?:new )?(?:number|digits|no\.?)|number again){_ENE}"
              r"|电话(?:号码?)?|手机(?:号码?)?|联系方式|(?:你|您|他|她)的?(?:新)?号码"),
    ("ADDRESS", rf"{_EN}(?:(?:home |postal |delivery |shipping |new )?address|addy|addr|postcode|post code"
                rf"|zip(?: ?code)?"
                rf"|where (?:do|d'?you|does \w+|did) ?(?:you|u|she|he|they)? ?(?:live|stay)"
                rf"|where(?:'s| is) (?:your|ur|the|his|her) (?:place|house|flat|apartment|home)){_ENE}"
                r"|地址|住址|住哪|住在哪|家在哪|邮编"),
)
_ASK = re.compile("|".join(f"(?P<{kind}>{rx})" for kind, rx in _ASKS))  # run on lower-cased text: much faster
_KIND_ORDER = {kind: i for i, (kind, _) in enumerate(_ASKS)}
# A keyword right after these is some other thing's number or code ("order number", "zip code" is ADDRESS's own).
_NOT_ASKED = re.compile(
    rf"{_EN}(?:order|tracking|room|flight|reference|ref|case|seat|table|bus|house|model|serial|invoice|ticket|booking"
    rf"|confirmation|lucky|error|area|country|promo|discount|coupon|dress|source|status|exit|qr|bar|post|zip|ip|mac"
    rf"|web|email|e-mail|mail|return|postal|version) ?$"
    r"|(?:订单|快递|运单|物流|房间|门牌|工|学|车次|航班|座位|车牌|会员|取餐|排队|邮政)$",
    re.IGNORECASE,
)
# The previous message asks (rather than tells): a question mark, a question word, or a request verb nearby.
_ASKING = re.compile(
    rf"[?？]|{_EN}(?:what|whats|wat|wats|which|where|send|give|share|tell|text|dm|drop|need|remind|gimme|lemme|forgot"
    rf"|got|have|pls|plz|please|again|can i|could i|may i){_ENE}"
    r"|多少|是什么|是啥|啥|什么|几|呢|吗|发我|发给我|发一下|发下|给我|告诉我|说一下|说下|报一下|报下|在哪|哪里|来一下|"
    r"私我"
    r"|发个|求|给下|多少来着|来着",
    re.IGNORECASE,
)


# Cheap first test: every keyword above contains one of these (in lower case). Most messages ask for nothing.
_ASK_HINT = re.compile(r"number|no\.|#|digits|phone|mobile|cell|tel|whatsapp|pass|pw|pin|code|otp|2fa|wi-?fi|wlan"
                       r"|router|network|hotspot|address|addy|addr|postcode|post code|zip|live|stay|where|mail|outlook|"
                       r"ssn"
                       r"|social|qq|wechat|weixin|wx|vx|details|iban|routing|card|acc|a/c"
                       r"|号码|手机|电话|联系方式|卡号|银行卡|账号|帐号|账户|帐户|微信|威信|v信|邮箱|电邮|邮件|地址|"
                       r"住址|住哪|住在哪|家在哪"
                       r"|邮编|密码|口令|验证码|校验码|动态码|短信码|取件码|门禁码|开门码|提货码|pin码|身份证|证件号|护照|qq号|扣扣|vx号|wx号")


def asked_kind(prev: str) -> tuple[str, str] | None:
    """(kind, keyword) the previous message asks for, or None. The last keyword wins ("ok. and your email?")."""
    tail = fold_width(prev[-_QUESTION_TAIL:]).lower()
    last = None
    for last in _ASK_HINT.finditer(tail):
        pass
    if last is None:
        return None
    best: tuple[int, int, str, str] | None = None
    # the full pattern runs only from shortly before the last hint (a keyword starts at most this far before it)
    for m in _ASK.finditer(tail, max(0, last.start() - 24)):
        kind = m.lastgroup or ""
        if _NOT_ASKED.search(tail[max(0, m.start() - 14):m.start()]):
            continue
        key = (m.end(), -_KIND_ORDER[kind])
        if best is None or key > best[:2]:
            best = (key[0], key[1], kind, m.group())
    if best is None:
        return None
    _, _, kind, word = best
    bare = len(tail.strip(" ?？!！.。~")) <= len(word) + 4  # "pin?", "你邮箱", "卡号呢": the keyword is the question
    if not bare and not _ASKING.search(tail):
        return None  # "I changed my password" tells, it does not ask
    return kind, word


# ----- the answer -----------------------------------------------------------------------------------------------------
# Filler around the value: English and Chinese chat openers and closers. The value is what is left.
_LEAD = re.compile(
    r"(?:(?:ok(?:ay)?|k|sure|yeah|yea|yep|yes|ya|np|no problem|of course|ofc|here(?: you go| it is|'s| is)?|hey|hi"
    r"|oh|ah|um+|uh+|so|right|lol|haha+|sorry|sry|thx|thanks|yup|got it|hmm+)(?![A-Za-z0-9])[\s,.!:;-]*)*"
    r"(?:(?:it'?s|it is|its|that'?s|that is|mine'?s|mine is|is|try|should be"
    r"|(?:(?:the|my|our|her|his|their)\s+)?(?:[A-Za-z-]+\s+){0,2}(?:is|=))(?![A-Za-z0-9])\s*[:：]?\s*"
    r"|[A-Za-z ]{0,20}[:：=]\s*)?"
    r"(?:(?:好的?|好滴|嗯+|哦+|噢|行|可以|没问题|给你|喏|来)[\s,，.。!！:：~]*)*"
    r"(?:(?:我的|我家的?|我们家的?|他的|她的)?[\u4e00-\u9fff]{0,4}?(?:是|为|在|[:：])|就是|在)?\s*",
    re.IGNORECASE,
)
_TRAIL = re.compile(
    r"(?:[\s,，.。!！~～]*(?:(?<![A-Za-z0-9])(?:lol|haha+|hehe|thx|thanks|ty|x+|:\)|:d)|哈+|嘿+|呀|啊|哦|噢|呢|吧|哟|"
    r"喔|啦|了|嗯|"
    r"发你了|给你了?|收到|谢谢)(?![A-Za-z0-9]))*[\s,，.。;；~～…]*$",
    re.IGNORECASE,
)
_BANG = "!?！？"

_PHONE = re.compile(r"(?:\+|00)?[0-9(][0-9 ().-]{5,22}[0-9]")
_DATE_TIME = re.compile(r"([0-9]{1,4})[-./]([0-9]{1,2})[-./]([0-9]{1,4})|([0-9]{1,2}):([0-9]{2})")
_CARD = re.compile(r"[0-9]{2,}(?:[ -]?[0-9]+)+|[0-9]{6,34}|[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]{1,4}){3,8}")
# The shape a whole value of each kind has, from the module that owns the kind (one source for each shape). Bank
# details answered alone (sort code + account number, a bare account number) have no single-message recognizer:
# their shape is _CARD above.
_SHAPES: dict[str, Callable[[str], bool]] = {"EMAIL": email.is_email, "WECHAT_ID": accounts.is_wechat_id,
                                             "QQ": accounts.is_qq, "CN_ID": cn_id.is_cn_id_shape,
                                             "US_SSN": us_ssn.is_ssn, "PASSPORT": passport.is_passport}
_SEPARATOR = re.compile(r"[ -]")  # norms as the single-message recognizers write them: 6222021234567894, GB29NWBK…
_TOKEN = re.compile(r"[!-~]{4,40}")
_UNIT = re.compile(r"[0-9]+(?:st|nd|rd|th|am|pm|min|mins|hrs?|h|k|kg|km|gb|mb|ms|s|x|p|ish|yo|y)", re.IGNORECASE)
_CAMEL = re.compile(r"[a-z][A-Z]")
_INNER_MARK = re.compile(r"[A-Za-z][-_!@#$%^&*.+=][A-Za-z0-9]")

_EN_STREET = re.compile(
    r"(?:(?:flat|apt|apartment|unit|suite)\s*[0-9A-Za-z]+,?\s+)?[0-9]{1,5}[A-Za-z]?,?\s+(?:[A-Za-z'.-]+\s+){0,4}"
    r"(?:road|rd|street|st|avenue|ave|lane|ln|drive|dr|close|way|place|pl|crescent|cres|court|ct|terrace|gardens"
    r"|grove|boulevard|blvd|square|sq|hill|row|mews|park|walk|parade|rise|view|green|pkwy|parkway|highway|hwy)\.?"
    r"(?![A-Za-z])",
    re.IGNORECASE,
)
_POSTCODE = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}|[A-Z]{2} [0-9]{5}(?:-[0-9]{4})?)"
                       r"(?![A-Za-z0-9])", re.IGNORECASE)
_CN_MARK = re.compile(r"省|市|区|县|镇|乡|村|路|街|巷|弄|号|栋|幢|楼|室|单元|小区|花园|大厦|公寓|苑")
_CN_STREET = re.compile((r"[路街巷弄道][0-9一二三四五六七八九十]|[0-9一二三四五六七八九十]+号|[0-9]+(?:栋|幢|单元|室|"
                         r"号楼)"))
_CN_NOT_ADDRESS = re.compile(r"[我你他她它了吗呢吧啊么去到来想要说看等下]")
# Every value this module takes holds a digit, an @, a Chinese address character, or is a password-built token.
_ANSWER_GATE = re.compile(r"[0-9@]|[省市区县镇乡村路街巷弄号栋幢楼室]|[a-z][A-Z]|[A-Za-z][-_!#$%^&*.+=][A-Za-z0-9]")
_PLAIN_GATE = re.compile(r"[省市区县镇乡村路街巷弄号栋幢楼室]")
_MAX_SPACES = 8  # "Flat 2, 14 Elm Road, Leeds LS6 2AB" has 6; more is a sentence
# _ANSWER_GATE's alternatives apart (an alternation of character classes scans several times slower), each followed
# by the rest of its text: one match per text of a batch that passes it (texts are joined with NUL)
_ANSWER_LINES = tuple(re.compile(p + "[^\\x00]*") for p in (
    r"[0-9@省市区县镇乡村路街巷弄号栋幢楼室]", r"[a-z][A-Z]", r"[A-Za-z][-_!#$%^&*.+=][A-Za-z0-9]"))


class FollowupRecognizer:
    """An answer judged with the question before it: ``analyze_followup(text, prev)``.

    ``analyze(text)`` finds nothing (there is no question to go by); the analyzer calls ``analyze_followup`` only when
    it is given the previous message and the text is short (:data:`MAX_ANSWER`).
    """

    kinds = ("PHONE", "SECRET", "ADDRESS", "BANK_CARD", "EMAIL", "WECHAT_ID", "QQ", "CN_ID", "US_SSN", "PASSPORT")
    max_answer = MAX_ANSWER

    def __init__(self, regions: tuple[str, ...] | list[str] = ("CN",)) -> None:
        self.regions = tuple(r.upper() for r in regions)

    def analyze(self, text: str) -> list[Hit]:
        return []

    @staticmethod
    def wants(text: str) -> bool:
        """Whether ``text`` could be an answer at all (short, and holds a digit, a letter or an address character):
        the cheap test callers use before they fetch the previous message."""
        return (len(text) <= MAX_ANSWER and _ANSWER_GATE.search(text) is not None
                and text.count(" ") <= _MAX_SPACES)

    @staticmethod
    def wants_many(batch: Batch) -> set[int]:
        """The texts of ``batch`` (as the recognizers read them) :meth:`wants` accepts, found with a few scans of the
        whole batch, each led by a character class (fast in C), rather than a call per text."""
        texts, line, out = batch.texts, batch.line, set()
        for rx in _ANSWER_LINES:
            for m in rx.finditer(batch.joined):
                k = line(m.start())
                if k not in out:
                    text = texts[k]
                    if len(text) <= MAX_ANSWER and text.count(" ") <= _MAX_SPACES:
                        out.add(k)
        return out

    @staticmethod
    def wants_plain(text: str) -> bool:
        """:meth:`wants` for a line the analyzer found has no ASCII letter, digit or @ (most Chinese chat): only an
        address can be the answer there."""
        return len(text) <= MAX_ANSWER and _PLAIN_GATE.search(text) is not None and text.count(" ") <= _MAX_SPACES

    @staticmethod
    def asks(prev: str) -> bool:
        """Whether ``prev`` asks for a value this recognizer knows (the analyzer skips the answer test otherwise)."""
        return asked_kind(prev) is not None

    def analyze_followup(self, text: str, prev: str) -> list[Hit]:
        """The value ``text`` is, when ``prev`` asked for one and ``text`` is one (``text`` already width-folded).
        Callers test :meth:`wants` first (the analyzer does), so it is not repeated here."""
        if not prev or len(text) > MAX_ANSWER:
            return []
        asked = asked_kind(prev)
        if asked is None:
            return []
        kind, word = asked
        span = _core(text, keep_bang=kind == "SECRET")
        if span is None:
            return []
        start, end = span
        value = text[start:end]
        if kind != "ADDRESS" and len(value) > MAX_VALUE:
            return []
        got = self._judge(kind, value)
        if got is None:
            return []
        out_kind, norm = got
        return [Hit(out_kind, start, end, SCORE_CONTEXT, f"answer to the previous message; context: {word.lower()}",
                    norm)]

    def _judge(self, kind: str, value: str) -> tuple[str, str] | None:
        """(kind, norm) when ``value`` has the shape of what was asked for."""
        if kind == "PHONE":
            return ("PHONE", self._phone_norm(value)) if _is_phone(value) else None
        if kind == "SECRET":
            return ("SECRET", "") if _is_secret(value) else None
        if kind == "ADDRESS":
            return ("ADDRESS", "") if _is_address(value) else None
        if kind == "BANK_CARD":
            ok = _CARD.fullmatch(value) and 6 <= sum(c.isdigit() for c in value) <= 34 and not _has_date_or_time(value)
            return ("BANK_CARD", _SEPARATOR.sub("", value).upper()) if ok else None
        if kind == "EMAIL":
            return ("EMAIL", value.lower()) if email.is_email(value) else None
        if kind == "WECHAT_ID":
            if accounts.is_wechat_id(value):
                return "WECHAT_ID", ""
            return ("PHONE", self._phone_norm(value)) if _is_phone(value) else None  # a phone number as WeChat id
        return (kind, _SEPARATOR.sub("", value).upper()) if _SHAPES[kind](value) else None

    def _phone_norm(self, value: str) -> str:
        """E.164 when the number is valid in one of the workspace's regions (so it groups with the same number found
        elsewhere), else its digits."""
        for region in self.regions or ("CN",):
            try:
                num = phonenumbers.parse(value, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(num):
                return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
        national = national_mobile_norm(value, self.regions)
        if national:
            return national
        plus = "+" if value.startswith("+") else ""
        return plus + "".join(c for c in value if c.isdigit())


def _core(text: str, keep_bang: bool) -> tuple[int, int] | None:
    """The span of ``text`` left when filler before and after the value is removed, or None when nothing is left."""
    start = _LEAD.match(text).end()
    end = len(text)
    while end > start and _is_emoji(text[end - 1]):
        end -= 1
    trail = _TRAIL.search(text, start, end)
    if trail is not None:
        end = trail.start()
    if not keep_bang:
        while end > start and text[end - 1] in _BANG:
            end -= 1
    while end > start and _is_emoji(text[end - 1]):
        end -= 1
    return (start, end) if end > start else None


def _is_emoji(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("So", "Sk", "Cf", "Mn")


def _is_phone(value: str) -> bool:
    if not _PHONE.fullmatch(value) or _has_date_or_time(value, whole=True):
        return False
    n = sum(c.isdigit() for c in value)
    return 7 <= n <= 15


def _has_date_or_time(value: str, whole: bool = False) -> bool:
    """A date (any day/month order) or a clock time inside ``value`` (or making up all of it, with ``whole``);
    "60-16-13" (a sort code) is neither."""
    for m in _DATE_TIME.finditer(value):
        if whole and m.span() != (0, len(value)):
            continue
        if m.group(4):
            if int(m.group(4)) <= 24 and int(m.group(5)) <= 59:
                return True
            continue
        a, b, c = (int(x) for x in m.group(1, 2, 3))
        if any(day <= 31 and month <= 12 and day and month for day, month in ((a, b), (b, a), (b, c), (c, b))):
            return True
    return False


def _is_secret(value: str) -> bool:
    """A password, PIN or code: one token, and not a word, a time, a count or an amount."""
    if not _TOKEN.fullmatch(value) or "://" in value or "@" in value[1:]:
        return False
    if value.rstrip("#*").isdigit():  # a PIN, a code, a door code ("1984#")
        return 4 <= len(value.rstrip("#*")) <= 12
    if _UNIT.fullmatch(value) or _has_date_or_time(value):
        return False
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    if has_digit and has_alpha:
        return len(value) >= 6
    if not has_alpha:
        return False  # "1,000", "+44": amounts and codes of something else
    # letters only (with symbols): a word unless it is built like a password
    return len(value) >= 8 and bool(_CAMEL.search(value) or _INNER_MARK.search(value))


def _is_address(value: str) -> bool:
    """A street line, a postcode, or a Chinese address (road + number, or several administrative parts)."""
    if value.isascii():
        return bool(_EN_STREET.match(value) or _POSTCODE.search(value))
    if _CN_NOT_ADDRESS.search(value):
        return False
    marks = {m.group() for m in _CN_MARK.finditer(value)}
    return bool(_CN_STREET.search(value)) or len(marks) >= 2 and len(value) >= 5


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_recognizer("followup", 140, lambda config: [FollowupRecognizer(regions=config.regions)])
