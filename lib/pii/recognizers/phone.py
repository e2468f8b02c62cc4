"""Phone numbers: Google's ``phonenumbers`` first, then two regex fallbacks for what it rejects.

``PhoneNumberMatcher`` at ``Leniency.VALID`` is precise and CJK-safe (``手机13812345678``), but it is the slowest thing
in the redaction stage, so it only runs on short windows around phone-like digit runs (seven or more digits; shorter
numbers are valid only in a few Pacific territories), never on a whole message: most chat lines have no digits, and
the ones that do (or an XML blob full of ids) cost one window per candidate. The fallbacks
catch what a chat still leaks: Chinese mobiles with an unallocated or mistyped prefix (``140…``), and odd
international formats (``60-56-85-91``, ``+46 (0)8 928 571 38``) when a phone word is next to them.
"""
from __future__ import annotations

import re

import phonenumbers

from lib.pii.kinds import KindSpec, operator, register_kind, register_recognizer
from lib.pii.base import SCORE_CONTEXT, SCORE_PATTERN, SCORE_VALIDATED, Hit

_DIGIT = re.compile(r"[0-9]")
# A phone-like run: digits joined by up to three separators. Only runs with _MIN_DIGITS or more are looked at.
_RUN = re.compile(r"[0-9](?:[ ().+/-]{0,3}[0-9])*")
_NON_DIGITS = re.compile(r"[^0-9]+")
_MIN_DIGITS = 7
_MARGIN = 16  # context phonenumbers needs around a run: "+", "(", "00", an extension ("ext. 1234")
# Runs phonenumbers never needs to see: a decimal amount (86852.25), an IPv4 address, a date.
_NOT_A_RUN = re.compile(
    r"[0-9]+\.[0-9]{1,2}|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|(?:19|20)[0-9]{2}([-./])[0-9]{1,2}\1[0-9]{1,2}")
# Per region, the digits a number group must start with to be VALID there in national format, given the trunk-0
# rule below (measured for CN: mobiles 1, trunk/IDD 0, 400/800 and 95 numbers; never 2, 3, 5, 6, 7). A run none of
# whose groups qualifies, and not after a "+", is not worth a PhoneNumberMatcher call (the costly part of a scan).
_LEADS = {"CN": re.compile(r"(?:^|[^0-9])[01489]")}

# (a) A Chinese mobile shape, optionally +86 and 3-4-4 separators. ASCII boundaries (it may touch Han text, but not
# letters: "ff13944135655d1" is a hex key, and phonenumbers rejects letter-glued numbers too).
_CN_MOBILE = re.compile(
    r"(?<![0-9A-Za-z+])(?:(?:\+|00)?86[ -]?)?(1[3-9][0-9](?:[0-9]{8}|[ -][0-9]{4}[ -][0-9]{4}))(?![0-9A-Za-z])")

# (b) A generic shape, trusted only next to a phone word: optional +cc, "(0)", "(area)", then digit groups split by
# one space, hyphen or dot, then an optional extension. Dates, times, amounts and versions are filtered in _plausible.
_GENERIC = re.compile(
    r"(?<![0-9A-Za-z.+/:_@#¥$€£-])(?<![0-9],)"
    r"(?P<num>"
    r"(?:(?:\+|00)[0-9]{1,3}[ .-]?)?"
    r"(?:\(0\)[ .-]?)?"
    r"(?:\([0-9]{1,5}\)[ .-]?)?"
    r"[0-9]{1,12}(?:[ .-][0-9]{1,8}){0,6}"
    r")"
    r"(?P<ext>[ ]?(?:x|X|ext\.?|EXT\.?|转|分机)[ ]?[0-9]{1,6})?"
    r"(?![0-9A-Za-z]|[.,:/][0-9])"
)

# Phone words within ~30 characters before the number. English words match at a word start (ASCII-aware, so they
# still work glued to Chinese); "tel" must be the whole word so "tell" does not count. Strong words win over a
# nearer-or-not negative word (below) only when they are the nearer one; weak words lose to any negative word.
_STRONG_BEFORE = re.compile(
    r"(?<![A-Za-z])(?:phone|call|mobile|cell|tel(?![a-z])|fax|(?:desk|office|home|work)[ ]?[:：]|answering|text me|"
    r"whatsapp|sms)"
    r"|电话|手机|打我|座机|微信同号|短信|致电|来电|传真",
    re.IGNORECASE,
)
_WEAK_BEFORE = re.compile(r"(?<![A-Za-z])(?:number|reach|message|registered|contact)|号码|联系", re.IGNORECASE)
# ...or a label right after it, as in address blocks ("416 60 039 office", "(37) 788-063-Office").
_CONTEXT_AFTER = re.compile(
    r"[ ]?[-(]?[ ]?(?:office|fax|mobile|cell|home|work|phone|tel(?![a-z])|desk|手机|电话|座机|传真)",
    re.IGNORECASE,
)
# Words that say the digits are something else; the nearer of a positive and a negative word wins.
_CONTEXT_NEGATIVE = re.compile(
    r"(?<![A-Za-z])(?:qq|card|cc(?![a-z])|account|acct|order|tracking|invoice|iban|ssn|social security|"
    r"passport|id(?![a-z])|licen[cs]e|plate|verification|pin(?![a-z])|password|zip|postal|postcode|version|"
    r"ver(?![a-z])|amount|"
    r"price|total)"
    r"|卡号|银行卡|账号|帐号|驾驶证|车牌|订单|单号|快递|运单|物流|流水号|交易号|身份证|证件|验证码|密码|邮编|护照|版本|"
    r"金额|价格",
    re.IGNORECASE,
)

# (c) National mobile shapes that phonenumbers does not validate (Ofcom's 07700 900xxx drama range, ranges newer than
# its metadata), taken only when the owner's regions include the country: (country calling code, national pattern).
_NATIONAL_MOBILE: dict[str, tuple[str, re.Pattern[str]]] = {
    "GB": ("44", re.compile(r"(?<![0-9A-Za-z+])0(7[1-9][0-9]{2}) ?([0-9]{3}) ?([0-9]{3})(?![0-9A-Za-z])")),
}

_DATE = re.compile(
    r"(?:19|20)[0-9]{2}[-./ ][0-9]{1,2}[-./ ][0-9]{1,2}"
    r"|[0-9]{1,2}[-./][0-9]{1,2}[-./](?:19|20)[0-9]{2}")
# phonenumbers accepts some dotted numbers as national numbers; an IPv4 address or a date is not a phone.
_NOT_A_PHONE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}|(?:19|20)[0-9]{2}([-./])[0-9]{1,2}\1[0-9]{1,2}")
_EXT_AFTER = re.compile(r"[ ]?(?:x|X|ext\.?|EXT\.?|转|分机)[ ]?([0-9]{1,6})(?![0-9A-Za-z])")
_SSN_SHAPE = re.compile(r"[0-9]{3}([- ])[0-9]{2}\1[0-9]{4}")
_DIGIT_RUN = re.compile(r"[0-9]+")
_WINDOW = 30


def _e164(number: phonenumbers.PhoneNumber) -> str:
    norm = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{norm}x{number.extension}" if number.extension else norm


class PhoneRecognizer:
    """PHONE: ``phonenumbers`` VALID matches for each region (the owner's regions; CN by default), plus fallbacks.

    ``norm`` is E.164, so ``138 1234 5678``, ``+86 138-1234-5678`` and ``008613812345678`` are one value.
    """

    kinds = ("PHONE",)
    needs = "digit"  # the analyzer skips lines without this (lib.pii.analyzer.GATES)

    def __init__(self, regions: tuple[str, ...] | list[str] = ("CN",)) -> None:
        self.regions = tuple(dict.fromkeys(r.upper() for r in regions)) or ("CN",)
        self._trunk_zero = {r for r in self.regions if _national_prefix(r) == "0"}
        self._national = [(r, *_NATIONAL_MOBILE[r]) for r in self.regions if r in _NATIONAL_MOBILE]

    def analyze(self, text: str) -> list[Hit]:
        if not _DIGIT.search(text):
            return []
        runs, any_run = _runs(text)
        if not any_run:
            return []
        hits: list[Hit] = []
        taken: list[tuple[int, int]] = []
        for region in self.regions:
            for ws, we in _windows(text, runs, _LEADS.get(region)):
                for m in phonenumbers.PhoneNumberMatcher(text[ws:we], region, leniency=phonenumbers.Leniency.VALID):
                    start, end = ws + m.start, ws + m.end
                    if _NOT_A_PHONE.fullmatch(m.raw_string):
                        continue
                    if region in self._trunk_zero and _landline_without_trunk_zero(m):
                        continue  # "学号2019123456" parses as 020-19123456; the fallbacks want a phone word for it
                    if any(s < end and start < e for s, e in taken):
                        continue  # found already for an earlier region: the owner's first region wins
                    norm, reason = _e164(m.number), f"phonenumbers VALID ({region})"
                    ext = None if m.number.extension else _EXT_AFTER.match(text, end)
                    if ext:  # "010-12345678转8001": phonenumbers leaves a Chinese extension out
                        end, norm, reason = ext.end(), f"{norm}x{ext.group(1)}", reason + " + extension"
                    taken.append((start, end))
                    hits.append(Hit("PHONE", start, end, SCORE_VALIDATED, reason, norm))
        self._cn_mobile_fallback(text, hits, taken)
        for region, cc, rx in self._national:
            for m in rx.finditer(text):
                start, end = m.span()
                if not any(s < end and start < e for s, e in taken):
                    taken.append((start, end))
                    hits.append(Hit("PHONE", start, end, SCORE_PATTERN, f"{region} mobile shape, not validated by "
                                    "phonenumbers", f"+{cc}{''.join(m.groups())}"))
        self._generic_fallback(text, hits, taken)
        return hits

    @staticmethod
    def _cn_mobile_fallback(text: str, hits: list[Hit], taken: list[tuple[int, int]]) -> None:
        """Mobile-shaped numbers ``phonenumbers`` did not validate (unallocated 14x/16x, typos, CN not among the
        regions): still somebody's number."""
        for m in _CN_MOBILE.finditer(text):
            start, end = m.span()
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            national = re.sub(r"[ -]", "", m.group(1))
            hits.append(Hit("PHONE", start, end, SCORE_PATTERN,
                            "Chinese mobile shape 1[3-9]x, not validated by phonenumbers",
                            "+86" + national))

    @staticmethod
    def _generic_fallback(text: str, hits: list[Hit], taken: list[tuple[int, int]]) -> None:
        """International shapes ``phonenumbers`` does not validate for the owner's regions, next to a phone word."""
        for m in _GENERIC.finditer(text):
            num = m.group("num")
            start, end = m.start(), m.end()
            if not _plausible(num):
                continue
            if any(s < end and start < e for s, e in taken):
                continue  # already a phone
            word = _context(text, start, end)
            if word is None:
                continue
            digits = "".join(_DIGIT_RUN.findall(num.replace("(0)", "")))  # "(0)" is a trunk prefix, not dialled
            ext = m.group("ext")
            norm = ("+" if num.startswith("+") else "") + digits
            if ext:
                norm += "x" + "".join(_DIGIT_RUN.findall(ext))
            taken.append((start, end))
            hits.append(Hit("PHONE", start, end, SCORE_CONTEXT, f"phone-shaped number; context: {word}", norm))


def national_mobile_norm(value: str, regions: tuple[str, ...]) -> str | None:
    """E.164 of ``value`` when it is exactly a national mobile shape (:data:`_NATIONAL_MOBILE`) of one of
    ``regions``."""
    for region in regions:
        if region in _NATIONAL_MOBILE:
            cc, rx = _NATIONAL_MOBILE[region]
            m = rx.fullmatch(value)
            if m:
                return f"+{cc}{''.join(m.groups())}"
    return None


def _national_prefix(region: str) -> str | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return metadata.national_prefix if metadata else None


def _landline_without_trunk_zero(m: phonenumbers.PhoneNumberMatch) -> bool:
    """A national-format landline written without its trunk ``0``. In CN (and other trunk-0 regions) people write
    ``020-…``/``0755-…`` or leave the area code out; a bare ten-digit ``2019123456`` is a student, staff or QQ number
    far more often, although phonenumbers accepts it as Guangzhou 020-19123456."""
    raw = m.raw_string.lstrip()
    if raw.startswith(("+", "0", "(0")):
        return False
    kind = phonenumbers.number_type(m.number)
    return kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _runs(text: str) -> tuple[list[re.Match[str]], bool]:
    """Runs of at least _MIN_DIGITS digits worth showing phonenumbers, and whether there is any such run at all
    (the fallbacks' gate)."""
    out: list[re.Match[str]] = []
    any_run = False
    for m in _RUN.finditer(text):
        run = m.group(0)
        count = len(_NON_DIGITS.sub("", run))
        if count < _MIN_DIGITS:
            continue
        any_run = True
        if _glued(text, m.start(), m.end()) or (count > 17 and count == len(run)) or _NOT_A_RUN.fullmatch(run):
            continue  # glued to letters; longer than any dialled number; an amount, an address or a date
        out.append(m)
    return out, any_run


def _windows(text: str, runs: list[re.Match[str]], leads: re.Pattern[str] | None) -> list[tuple[int, int]]:
    """Merged (start, end) windows around the runs (those ``leads`` allows, when given), widened to whole numbers."""
    out: list[tuple[int, int]] = []
    n = len(text)
    for m in runs:
        if leads is not None and not leads.search(m.group(0)) and text[m.start() - 1:m.start()] != "+":
            continue
        ws, we = max(0, m.start() - _MARGIN), min(n, m.end() + _MARGIN)
        while ws > 0 and text[ws - 1].isdigit():
            ws -= 1
        while we < n and text[we].isdigit():
            we += 1
        if out and ws <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], we))
        else:
            out.append((ws, we))
    return out


def _glued(text: str, start: int, end: int) -> bool:
    """A run touching an ASCII letter (a hex key, "abc8005001234"): phonenumbers VALID rejects those anyway. An
    extension marker after it ("…3560x4587", "… ext") is not glue."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha() and after not in "xXeE")


def _plausible(num: str) -> bool:
    """Digit count 7-15, and not a date, a time, a version, an SSN or a bare long number."""
    groups = _DIGIT_RUN.findall(num)
    total = sum(len(g) for g in groups)
    if not 7 <= total <= 15:
        return False
    if len(groups) == 1 and total > 11 and not num.startswith(("+", "00")):
        return False  # a bare 12+ digit run is a card, an order or an ID number, not a phone
    if _DATE.search(num) or _SSN_SHAPE.fullmatch(num):
        return False
    if "." in num.replace("(0)", "") and any(len(g) < 2 for g in groups):
        return False  # dotted with single-digit parts: a version (10.0.19041.1), not 03.93.92.16.85
    is_ipv4 = num.count(".") == 3 and len(groups) == 4 and all(len(g) <= 3 and int(g) <= 255 for g in groups)
    return not is_ipv4


def _context(text: str, start: int, end: int) -> str | None:
    """The phone word that vouches for ``text[start:end]``, unless a word says it is something else."""
    after = _CONTEXT_AFTER.match(text, end)
    if after:
        return after.group(0).strip(" -(")
    window = text[max(0, start - _WINDOW):start]
    negative = max((n.end() for n in _CONTEXT_NEGATIVE.finditer(window)), default=-1)
    strong = None
    for p in _STRONG_BEFORE.finditer(window):
        strong = p
    if strong is not None and strong.end() > negative:
        return strong.group(0)
    if negative < 0:
        weak = _WEAK_BEFORE.search(window)
        if weak:
            return weak.group(0)
    return None


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_kind(KindSpec("PHONE", order=10, mask=operator("mask_phone"), fake=operator("fake_phone"),
                       valid=operator("valid_phone")))
register_recognizer("phone", 10, lambda config: [PhoneRecognizer(regions=config.regions)])
