"""WhatsApp "Export chat" TXT (Android and iOS, every locale layout we know of).

WhatsApp has no spec; docs/formats/whatsapp.md lists the layouts and the marker table. One tolerant header regex
splits the whole text (``re.split``, in C), a message's body runs to the next header. The layout (date before or after
the clock) is picked once per file from its head, and the day/month order once per file from all its dates (a field
above 12, else the order in which the dates run through consecutive days), because the locale that wrote the file is
unknown. Headers may carry invisible direction/byte-order marks anywhere, digits of any script (``\\d`` and ``int``
read Arabic-Indic, Devanagari, Thai ...), month names, Buddhist and Japanese-era years and day-period words
("PM", "nachm.", "in the morning", "오후", "下午").

WhatsApp's own notices (media placeholders, deleted messages, locations, calls, polls, the end-to-end and
security-code notices) are found with the data-only table in :mod:`lib.importers.whatsapp_markers`: one vectorised
RE2 pass flags the candidate rows, and only those get Python code, so a million lines take seconds.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from datetime import date
from itertools import repeat
from operator import add, getitem
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.importers import register
from lib.importers import whatsapp_markers as wm
from lib.importers.base import BadInputError, Importer, ParsedExport

INVISIBLE = wm.INVISIBLE
SPACES = wm.SPACES
_HS = r"[^\S\n]"
_M = "[" + wm.INVISIBLE_CHARS + "]*"  # invisible marks, allowed around every header field


def _alt(words: Iterable[str]) -> str:
    """Alternation of literal words, longest first; a space matches any run of horizontal spaces."""
    uniq = sorted(set(words), key=len, reverse=True)
    return "|".join((_HS + "+").join(map(re.escape, w.split(" "))) for w in uniq)


_PRE = _alt(wm.AMPM_PREFIX)
_SUF = _alt(wm.AMPM_SUFFIX)
_MON = _alt(wm.MONTH_NUMBER)
_CLOCK = (rf"(?:(?=[^\W\d])(?:{_PRE}){_HS}?)?\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?"
          rf"(?:{_HS}?(?=[^\W\d_]|[.'’])(?i:{_SUF}))?")
_SEP = rf"{_M}(?:[-/.年月]|년|월){_HS}?{_M}"
_NUMDATE = (rf"(?:[RHST]\d{{1,2}}|\d{{1,4}}){_SEP}\d{{1,2}}{_SEP}(?:[RHST]\d{{1,2}}|\d{{1,4}}(?:{_HS}?B\.?E\.?)?)"
            r"(?:[.日]|일)?")
_NAMEDATE = (rf"(?:\d{{1,2}}\.?{_HS}(?i:{_MON})\.?,?{_HS}\d{{4}}"
             rf"|(?i:{_MON})\.?{_HS}\d{{1,2}},?{_HS}\d{{4}})")
# Between date and clock: a comma (Arabic "،" too) and maybe a short word ("klo", "kl.", "at", "um").
_DTSEP = rf"{_M}[.,،]?{_HS}+{_M}(?:(?!(?:{_PRE}))[^\W\d]{{1,4}}\.?{_HS}+)?"
_CLOSE = rf"{_M}(?(br)\]|(?:{_HS}?-|:)){_M}{_HS}"
# One message header plus the rest of its first line. Consuming the line keeps re.split from probing every character.
HEADER = re.compile(
    rf"^(?P<hdr>{_M}(?P<br>\[)?{_M}(?P<date>{_NUMDATE}|{_NAMEDATE}){_DTSEP}(?P<clock>{_CLOCK}){_CLOSE})"
    r"(?P<rest>[^\n]*)",
    re.M,
)
# Vietnamese iOS and others: "[14:56:01, 3/18/22] Name: text".
HEADER_TIME_FIRST = re.compile(
    rf"^(?P<hdr>{_M}(?P<br>\[)?{_M}(?P<clock>{_CLOCK}){_M}[,،]?{_HS}+{_M}(?P<date>{_NUMDATE}){_CLOSE})"
    r"(?P<rest>[^\n]*)",
    re.M,
)
LAYOUTS = (HEADER, HEADER_TIME_FIRST)
DATE_PARTS = re.compile(r"\d+")
# Hour, minute, second; group 4 holds a day-period word after the clock ("PM"), if any.
CLOCK_PARTS = re.compile(r"\D*?(\d+)[:.](\d+)(?:[:.](\d+))?(?:[^\S\n]*(\S.*))?")
_CLOCK_NUM = re.compile(r"(\d+)[:.](\d+)(?:[:.](\d+))?")
_DATE_FIELD = re.compile(r"([RHST])?(\d+)")
_MONTH_WORD = re.compile(rf"(?i:{_MON})")
# A QQ / MemoTrace header: date and time, then a name on the same line and the content on the next.
_OTHER_HEADER = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[^\S\n]+\d{1,2}:\d{2}:\d{2}", re.M)

ORDERS = ("dmy", "mdy", "ymd", "ydm")
ORDER_LABEL = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year/month/day", "ydm": "year/day/month"}
ERA_BASE = {"R": 2018, "H": 1988, "S": 1925, "T": 1911}  # Reiwa 1 = 2019, Heisei 1 = 1989, Showa 1 = 1926
AMPM: dict[str, str] = {wm.norm(k): v for k, v in {**wm.AMPM_SUFFIX, **wm.AMPM_PREFIX}.items()}


# ------------------------------------------------------------------------------------------------ marker table


def _cat_set(category: str) -> dict[str, str]:
    return wm.by_category(category)


_MEDIA_CATS = ("image", "video", "gif", "audio", "sticker", "contact", "media")
WHOLE: dict[str, str] = {}  # normalised first line -> category
for _cat in (*_MEDIA_CATS, "deleted", "view_once"):
    for _s in _cat_set(_cat):
        WHOLE.setdefault(_s, _cat)
PREFIXES: list[tuple[str, str]] = sorted(
    [(s, c) for c in ("e2e", "waiting", "live_location") for s in _cat_set(c)]
    + [(s, "view_once") for s in _cat_set("view_once") if len(s) > 8],
    key=lambda p: -len(p[0]))
PREFIX_STARTS = tuple(p for p, _ in PREFIXES)
CALLS: tuple[str, ...] = tuple(sorted(_cat_set("call"), key=len, reverse=True))
LOCATION_LABELS = frozenset(_cat_set("location"))
POLL_LABELS = frozenset(_cat_set("poll"))
ATTACHED_WORDS = frozenset(_cat_set("attached"))
FILE_ATTACHED_WORDS = frozenset(_cat_set("file_attached"))
DOC_SUFFIXES = tuple(_cat_set("document"))
DOCUMENT = re.compile(r"^(?P<pre>.*?)[\s•·\-]*(?:" + _alt(_cat_set("document")) + r")$", re.I)
SECURITY = [re.compile(wm.pattern_of(t)) for lang in wm.MARKERS.values() for t in lang.get("security", ())]
ADDED_YOU = [re.compile(wm.pattern_of(t) + "$") for lang in wm.MARKERS.values() for t in lang.get("added_you", ())]
EDITED_SUFFIX = re.compile(
    r"[^\S\n]*[" + wm.INVISIBLE_CHARS + r"]*<(?:" + _alt(_cat_set("edited")) + r")>$"
    r"|[^\S\n]*\u200e<[^<>\n]{3,60}>$",  # an iOS "<... edited>" in a language not in the table
    re.I)
_phrase = r"(?:^|(?<=\W))(?:{})(?=\W|$)"
SYSTEM_PHRASES = re.compile(_phrase.format(_alt(_cat_set("system") | _cat_set("e2e"))), re.I)
GROUP_PHRASES = re.compile(_phrase.format(_alt(_cat_set("group"))), re.I)
SUBJECT = re.compile(
    r'(?:created group|changed the subject (?:from ["\u201c][^\n]*["\u201d] )?to|changed the group name to)'
    r' ["\u201c](.+)["\u201d]'
)
FILE_NAMES = [re.compile("^" + re.escape(h) + r"(?P<name>.+?)" + re.escape(t) + "$", re.I)
              for h, _, t in (f.partition("{name}") for f in wm.FILE_NAMES)]
IOS_ATTACHED = re.compile(r"^(?P<pre>[^\n<]*?)[^\S\n]*<(?P<kw>[^:<>\n]{1,30}): (?P<f>[^<>\n]+)>[^\S\n]*$")
ANDROID_ATTACHED = re.compile(r"^(?P<f>[^\n]+?\.\w{1,5}) \((?P<kw>[^()\n]{2,40})\)$")
WA_MEDIA_NAME = re.compile(r"^(?:IMG|VID|PTT|AUD|STK|DOC)-\d{8}-WA\d+|^\d{8}-", re.I)
LOCATION = re.compile(
    r"^(?:(?P<label>[^\n]{1,160}?):?[^\S\n])?(?P<url>https?://(?:maps\.google\.[a-z.]+/\S*|www\.google\.[a-z.]+/maps"
    r"\S*|goo\.gl/maps/\S*|maps\.app\.goo\.gl/\S*|foursquare\.com/\S*))$")
WHATSAPP_WORD = re.compile(r"WhatsApp|واتساب|ватсап", re.I)
_QUOTES = ('"', "\u201c", "\u201d", "\u00ab", "\u201e", "\u300c")
_QUOTED = re.compile(r'"[^"\n]*"|\u201c[^\u201d\n]*\u201d|\u00ab[^\u00bb\n]*\u00bb'
                     r"|\u201e[^\u201c\u201d\n]*[\u201c\u201d]|\u300c[^\u300d\n]*\u300d")


def _re2_literal(s: str) -> str:
    return r"[ \x{a0}\x{202f}]+".join(r"\Q" + p + r"\E" for p in s.split(" ") if p)


# Letters that no normal form composes (Devanagari "ड़" U+095C and the like) but that phones still write.
_EXCLUDED = {unicodedata.normalize("NFD", chr(cp)): chr(cp)
             for lo, hi in ((0x0900, 0x0E00), (0x0F00, 0x1000), (0xFB1D, 0xFB50))
             for cp in range(lo, hi)
             if unicodedata.decomposition(chr(cp)) and not unicodedata.decomposition(chr(cp)).startswith("<")
             and unicodedata.normalize("NFC", chr(cp)) != chr(cp)}


def _re2_alts(words: set[str]) -> str:
    """RE2 alternation of literal words as files may spell them: NFC, NFD and precomposed-excluded (RE2 compares
    code points; the Python side compares normalised text)."""
    forms = {unicodedata.normalize(f, w) for w in words for f in ("NFC", "NFD")}
    for w in list(forms):
        for dec, pre in _EXCLUDED.items():
            if dec in w:
                w = w.replace(dec, pre)
        forms.add(w)
    return "|".join(_re2_literal(w) for w in sorted(forms, key=len, reverse=True))


def _needs_look_patterns() -> tuple[str, ...]:
    """RE2 patterns of rows that may be markers: together a superset of what :func:`classify` recognises. Separate
    passes, because one alternation of them all outgrows RE2's DFA budget and runs fifty times slower."""
    marks = "".join(rf"\x{{{ord(c):x}}}" for c in wm.INVISIBLE_CHARS)
    starts: set[str] = set(WHOLE) | {p for p, _ in PREFIXES} | set(CALLS) | LOCATION_LABELS | POLL_LABELS
    tails: set[str] = set()
    for lang in wm.MARKERS.values():
        for t in lang.get("security", ()):
            head, _, tail = wm.norm(t).partition("{name}")
            (starts if head.strip() else tails).add((head if head.strip() else tail).strip())
    starts.discard("")
    tails.discard("")
    structural = (rf"^[{marks}<]|[\x{{200e}}\x{{200f}}]|\.\w{{1,5}} \(|>\s*$"
                  r"|https?://(?:maps\.google|www\.google\.[a-z.]+/maps|goo\.gl/maps|maps\.app\.goo\.gl"
                  r"|foursquare\.com)")
    patterns = (structural, rf"(?i)^[{marks}\s\x{{a0}}]*(?:{_re2_alts(starts)})",
                rf"(?i)(?:{_re2_alts(set(_cat_set('document')))})[.\s]*$")
    return patterns + ((rf"(?i){_re2_alts(tails)}",) if tails else ())


NEEDS_LOOK = _needs_look_patterns()


# ------------------------------------------------------------------------------------------------ detection


def sniff(head: str, name: str) -> float:
    """Confident when WhatsApp headers (``date, time - Name:`` or ``[date, time] Name:``) outnumber QQ-style ones."""
    wa = max(sum(1 for _ in rx.finditer(head)) for rx in LAYOUTS)
    if wa == 0:
        return 0.0
    other = sum(1 for m in _OTHER_HEADER.finditer(head) if not HEADER.match(head, m.start()))
    return 0.95 if wa >= other else 0.0


def _layout(text: str) -> re.Pattern[str]:
    """The header regex that fits the file's head best (date first is the rule, clock first Vietnamese iOS)."""
    head = text[:65536]
    counts = [sum(1 for _ in rx.finditer(head)) for rx in LAYOUTS]
    return LAYOUTS[int(np.argmax(counts))]


def clean_name(name: str) -> str:
    """Strip direction marks and narrow spaces, NFC-normalise, drop the ``~`` WhatsApp puts before non-contacts."""
    name = unicodedata.normalize("NFC", name.translate(INVISIBLE).translate(SPACES))
    name = " ".join(name.split())
    if name.startswith("~"):
        name = name[1:].strip() or name
    return name


def _clean_text(s: str) -> str:
    """A marker line as shown to people: invisible marks removed, narrow spaces made plain, trimmed."""
    return unicodedata.normalize("NFC", s.translate(INVISIBLE).translate(SPACES)).strip()


# ------------------------------------------------------------------------------------------------ dates


def _year(v: int) -> int:
    return v + 2000 if v < 100 else v


def _day_number(y: int, m: int, d: int) -> int | None:
    try:
        return date(y, m, d).toordinal()
    except ValueError:
        return None


def _decide(a: list[int], b: list[int], c: list[int], year_first: bool, twelve_hour: bool) -> tuple[str, str]:
    """(order, why): a field above 12 decides; else the order in which the dates run through nearby days."""
    day_first, month_first = ("ydm", "ymd") if year_first else ("dmy", "mdy")
    xs, ys, years = (b, c, a) if year_first else (a, b, c)
    big_x = next((i for i, v in enumerate(xs) if v > 12), None)
    big_y = next((i for i, v in enumerate(ys) if v > 12), None)
    if big_x is not None and (big_y is None or sum(v > 12 for v in xs) >= sum(v > 12 for v in ys)):
        return day_first, f"a day above 12 comes {'second' if year_first else 'first'}"
    if big_y is not None:
        return month_first, f"a day above 12 comes {'third' if year_first else 'second'}"
    scores = {}
    for order, (ds, ms) in ((day_first, (xs, ys)), (month_first, (ys, xs))):
        days = [_day_number(_year(y), m, d) for y, m, d in zip(years, ms, ds)]
        days = [v for v in days if v is not None]
        back = sum(1 for p, q in zip(days, days[1:]) if q < p)
        moved = sum(abs(q - p) for p, q in zip(days, days[1:]))
        scores[order] = (back, moved)
    if scores[day_first] != scores[month_first]:
        best = min(scores, key=scores.__getitem__)
        other = month_first if best == day_first else day_first
        (b1, m1), (b2, m2) = scores[best], scores[other]
        if b1 != b2:
            return best, f"the dates run forward in this order and go back {b2} times in the other"
        return best, (f"the dates run through {m1} day{'s' * (m1 != 1)} in this order and would spread over {m2} "
                      "days in the other")
    if year_first:
        return month_first, "no field above 12; year/month/day is the usual year-first order"
    if twelve_hour:
        return month_first, "no field above 12 and both orders fit; a 12-hour clock points to month first (US)"
    return day_first, "no field above 12 and both orders fit; day first is the most common"


def decide_order(a: list[int], b: list[int], c: list[int], a_len4: bool, c_len4: bool,
                 twelve_hour: bool = False) -> str:
    """Which date order the file uses, from the header numbers alone (lists in file order, first appearance)."""
    year_first = a_len4 or (not c_len4 and any(v > 31 for v in a) and not any(v > 31 for v in c))
    return _decide(a, b, c, year_first, twelve_hour)[0]


def _to_gregorian(y: int, m: int, d: int, calendar: str) -> date | None:
    """A date of the file's calendar as a Gregorian date, or None when impossible."""
    try:
        if calendar == "jalali":
            if not (1 <= m <= 12 and 1 <= d <= (31 if m <= 6 else 30)):
                return None
            return date.fromordinal(_jalali_ordinal(y, m, d))
        if calendar == "hijri":
            if not (1 <= m <= 12 and 1 <= d <= 30):
                return None
            return date.fromordinal(_hijri_ordinal(y, m, d))
        return date(y, m, d)
    except ValueError:
        return None


def _jalali_ordinal(y: int, m: int, d: int) -> int:
    """Solar Hijri (Persian) date to a proleptic Gregorian ordinal (the 33-year arithmetic rule; exact 1370-1420)."""
    jy = y + 1595
    days = (365 * jy + (jy // 33) * 8 + ((jy % 33) + 3) // 4 + d
            + ((m - 1) * 31 if m < 7 else (m - 7) * 30 + 186))
    return days - 356033


def _hijri_ordinal(y: int, m: int, d: int) -> int:
    """Tabular Islamic date to a proleptic Gregorian ordinal (within a day or two of the sighted calendar)."""
    days = d + math.ceil(29.5 * (m - 1)) + (y - 1) * 354 + (3 + 11 * y) // 30
    return days + 227014  # 1 Muharram 1 = 16 July 622 (Julian) = 19 July 622 proleptic Gregorian


def _year_of(era: str, digits: str) -> tuple[int, str]:
    """(year, calendar) of a year field: Japanese era (R4), two digits, Buddhist (2565), Persian or Islamic."""
    v = int(digits)
    if era:
        return ERA_BASE[era] + v, "japanese"
    if len(digits) <= 2:
        return 2000 + v, ""
    if v > 2400:
        return v - 543, "buddhist"
    if 1370 <= v <= 1420:
        return v, "jalali"
    if 1421 <= v <= 1480:
        return v, "hijri"
    return v, ""


CALENDAR_NOTE = {
    "buddhist": "Years of the Buddhist calendar (e.g. 2565 BE) were converted to the Gregorian calendar.",
    "japanese": "Japanese era years (e.g. R4 = 2022) were converted to the Gregorian calendar.",
    "jalali": "Dates of the Persian (Solar Hijri) calendar were converted to the Gregorian calendar.",
    "hijri": "Dates of the Islamic (Hijri) calendar were converted with the tabular rule; they may be a day or two "
             "off the sighted calendar.",
}


def day_table(dates: list[str], order: str | None, twelve_hour: bool = False) -> tuple[dict[str, str], str, list[str]]:
    """``{date as written: "YYYY-MM-DDT"}`` ("" for impossible dates), the order used and notes.

    Runs over the distinct dates only (a few thousand at most), in their order of first appearance.
    """
    numeric: list[tuple[str, list[tuple[str, str]]]] = []
    out: dict[str, str] = {}
    calendars: set[str] = set()
    for d in dates:
        mw = _MONTH_WORD.search(d)
        if mw:
            nums = [int(x) for x in DATE_PARTS.findall(d)]
            month = wm.MONTH_NUMBER.get(mw.group(0).lower().rstrip("."))
            day_ = next((v for v in nums if v <= 31), None)
            year_ = next((v for v in nums if v > 31), None)
            ok = month and day_ is not None and year_ is not None and _day_number(year_, month, day_)
            out[d] = date(year_, month, day_).isoformat() + "T" if ok else ""  # type: ignore[arg-type]
            continue
        fields = _DATE_FIELD.findall(d)
        if len(fields) != 3:
            out[d] = ""
            continue
        numeric.append((d, fields))
    notes: list[str] = []
    if not numeric:
        return out, order or "dmy", notes
    a = [int(f[0][1]) for _, f in numeric]
    b = [int(f[1][1]) for _, f in numeric]
    c = [int(f[2][1]) for _, f in numeric]
    first_year = any(len(f[0][1]) > 2 or f[0][0] for _, f in numeric)
    last_year = any(len(f[2][1]) > 2 or f[2][0] for _, f in numeric)
    year_first = first_year or (not last_year and any(v > 31 for v in a) and not any(v > 31 for v in c))
    if order is None:
        order, why = _decide(a, b, c, year_first, twelve_hour)
        notes.append(f"Dates read as {ORDER_LABEL[order]}: {why}.")
    for d, fields in numeric:
        (ea, va), (_, vb), (ec, vc) = fields
        if order in ("ymd", "ydm"):
            (y, cal), p, q = _year_of(ea, va), int(vb), int(vc)
        else:
            (y, cal), p, q = _year_of(ec, vc), int(va), int(vb)
        m, dd = (q, p) if order in ("dmy", "ydm") else (p, q)
        g = _to_gregorian(y, m, dd, cal)
        out[d] = g.isoformat() + "T" if g and 1990 <= g.year <= 2100 else ""
        if cal and g:
            calendars.add(cal)
    notes.extend(CALENDAR_NOTE[c_] for c_ in sorted(calendars))
    return out, order, notes


def clock_table(clocks: set[str]) -> tuple[dict[str, str], Counter[str]]:
    """``{clock as written: "HH:MM:SS"}`` (seconds 00 when absent, 12-hour folded; "" when impossible) and the
    day-period words that are not in the table (read as a 24-hour clock)."""
    out: dict[str, str] = {}
    unknown: Counter[str] = Counter()
    for c in clocks:
        m = _CLOCK_NUM.search(c)
        if m is None:
            out[c] = ""
            continue
        h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
        word = wm.norm(c[:m.start()] + " " + c[m.end():])
        if word:
            half = AMPM.get(word)
            if half is None:
                unknown[word] += 1
            elif h > 12:
                h = 99
            elif half == "a" or (half == "n" and (h == 12 or h < 6)):
                h = h % 12
            else:
                h = h % 12 + 12
        out[c] = f"{h:02d}:{mi:02d}:{s:02d}" if h <= 23 and mi <= 59 and s <= 59 else ""
    return out, unknown


# ------------------------------------------------------------------------------------------------ markers


def attachment_kind(fname: str) -> str:
    """Media kind from an attachment file name (WhatsApp prefixes IMG-/VID-/PTT-, iOS PHOTO/VIDEO/AUDIO tags)."""
    up = fname.upper()
    ext = up.rsplit(".", 1)[-1] if "." in up else ""
    if "STICKER" in up or up.startswith("STK-"):
        return "sticker"
    if "GIF" in up or "VIDEO" in up or up.startswith("VID-") or ext in ("MP4", "MOV", "3GP", "MKV", "AVI"):
        return "video"
    if "AUDIO" in up or up.startswith(("PTT-", "AUD-")) or ext in ("OPUS", "M4A", "MP3", "OGG", "AAC", "WAV"):
        return "voice"
    if "PHOTO" in up or up.startswith("IMG-") or ext in ("JPG", "JPEG", "PNG", "HEIC"):
        return "image"
    if ext == "WEBP":
        return "sticker"
    return "file"  # documents and contact cards (.vcf): the name says what it was


def _attachment(fname: str, caption: str, name_shown: str = "") -> tuple[str, str]:
    kind = attachment_kind(fname)
    if kind == "file":  # a document's name says what it was; a photo's generated name says nothing
        shown = name_shown or re.sub(r"^\d{8}-", "", fname)
        return kind, "\n".join(p for p in (shown, caption) if p)
    return kind, caption


def classify(body: str) -> tuple[str, str, str] | None:
    """``(kind, text, category)`` of a body that is one of WhatsApp's own notices, else None (the person's text).

    ``body`` is what follows ``Name: `` (invisible marks still in it). Categories are those of
    :data:`lib.importers.whatsapp_markers.CATEGORIES` plus "attachment" and "system".
    """
    first, nl, rest = body.partition("\n")
    clean = _clean_text(first)
    key = wm.norm(first)
    rest = rest.strip()
    cat = WHOLE.get(key)
    if cat is not None and (not rest or cat in _MEDIA_CATS):
        kind, desc = wm.CATEGORIES[cat]
        if cat == "media" and rest and "\n" not in rest and re.search(r"\.\w{1,5}$", rest):
            return (*_attachment(rest, ""), "attachment")  # Android "<Media omitted>" + the file name below
        text = desc if desc is not None else clean
        return kind, "\n".join(p for p in (text, _clean_text(rest)) if p), cat
    if rest and clean.endswith(":") and wm.norm(clean[:-1]) in POLL_LABELS:
        question = _clean_text(rest.split("\n", 1)[0])
        return "other", question, "poll"
    att = IOS_ATTACHED.match(clean)
    if att and (wm.norm(att["kw"]) in ATTACHED_WORDS or WA_MEDIA_NAME.match(att["f"])):
        return (*_attachment(att["f"].strip(), _clean_text(rest), att["pre"].strip(" •-")), "attachment")
    att = ANDROID_ATTACHED.match(clean)
    if att and (wm.norm(att["kw"]) in FILE_ATTACHED_WORDS or WA_MEDIA_NAME.match(att["f"])):
        return (*_attachment(att["f"].strip(), _clean_text(rest)), "attachment")
    if not rest:
        doc = DOCUMENT.match(clean.rstrip(".")) if key.endswith(DOC_SUFFIXES) else None
        if doc:
            return "file", doc["pre"].strip(" •-"), "document"
        loc = LOCATION.match(clean) if "://" in clean else None
        if loc and (loc["label"] is None or "foursquare" in loc["url"] or "?q=" in loc["url"] or "/@" in loc["url"]
                    or wm.norm(loc["label"]) in LOCATION_LABELS):
            return "location", clean, "location"
        if key.startswith(PREFIX_STARTS):
            for p, pcat in PREFIXES:
                if key.startswith(p):
                    kind, desc = wm.CATEGORIES[pcat]
                    return kind, desc if desc is not None else clean, pcat
        if key.startswith(CALLS):
            for p in CALLS:
                if key == p or (key.startswith(p) and key[len(p)] in ",.•·(-" and len(key) - len(p) <= 40):
                    return "call", clean, "call"
        if any(rx.match(key) for rx in SECURITY):
            return "system", clean, "security"
    elif body.count("\n") <= 3 and _clean_text(body).rsplit("\n", 1)[-1].startswith("https://foursquare.com/"):
        return "location", _clean_text(body), "location"  # Android venue: name, address, link on three lines
    return None


# ------------------------------------------------------------------------------------------------ parse


def parse(path: Path, text: str | None, date_order: str | None = None) -> ParsedExport:
    """Parse a WhatsApp TXT export. ``date_order`` ("dmy", "mdy", "ymd", "ydm") overrides the per-file guess."""
    if text is None:
        raise BadInputError("WhatsApp TXT needs the text of the file.")
    if date_order is not None and date_order not in ORDERS:
        raise BadInputError(f"date order must be one of {', '.join(ORDERS)}, not {date_order!r}.")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    rx = _layout(text)
    parts = rx.split(text)
    step = rx.groups + 1
    if len(parts) < step:
        raise BadInputError("no WhatsApp messages found (lines like '01/05/2024, 09:00 - Name: text'). "
                            "Export the chat again from WhatsApp and import the .txt or .zip.")
    gi = rx.groupindex
    dates, clocks = parts[gi["date"]::step], parts[gi["clock"]::step]
    hours, unknown_words = clock_table(set(clocks))
    twelve = any(AMPM.get(wm.norm(_CLOCK_NUM.sub(" ", c))) for c in list(hours)[:200])
    days, order, notes = day_table(list(dict.fromkeys(dates)), date_order, twelve)
    if unknown_words:
        shown = ", ".join(repr(w) for w, _ in unknown_words.most_common(3))
        notes.append(f"Clock words not known as AM/PM ({shown}) were ignored: those times are read as 24-hour.")
    times = list(map(add, map(days.__getitem__, dates), map(hours.__getitem__, clocks)))
    if parts[0].strip():
        notes.append("Text before the first message was ignored.")
    rests, afters, hdrs = parts[gi["rest"]::step], parts[step::step], parts[gi["hdr"]::step]
    bad = len(times) - list(map(len, times)).count(19)
    if bad:
        times, rests, afters = _fold_bad_headers(times, hdrs, rests, afters)
        notes.append(f"{bad} header-like lines had impossible dates for the {ORDER_LABEL[order]} order and were kept "
                     "as text of the previous message.")
        if not times:
            raise BadInputError(f"no WhatsApp message has a valid date in the {ORDER_LABEL[order]} order; choose the "
                                "date order by hand.")
    return _build(path, times, rests, afters, notes)


def _fold_bad_headers(times: list[str], hdrs: list[str], rests: list[str],
                      afters: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Turn header-like lines with impossible dates back into continuation text of the message before them."""
    kt: list[str] = []
    kr: list[str] = []
    ka: list[str] = []
    for t, h, r, a in zip(times, hdrs, rests, afters):
        if len(t) == 19:
            kt.append(t)
            kr.append(r)
            ka.append(a)
        elif ka:
            ka[-1] = ka[-1] + h + r + a
    return kt, kr, ka


class _Rows:
    """Column lists of the messages, edited in place at the few rows that are not plain text."""

    def __init__(self, times: list[str], senders: list[str], texts: list[str]) -> None:
        self.times = times
        self.senders = senders
        self.texts = texts
        self.kinds = ["text"] * len(times)
        self.keep = [True] * len(times)
        self.ios_sys: Counter[str] = Counter()
        self.colon_lines: list[int] = []
        self.system_rows: list[int] = []
        self.unknown_marks: list[int] = []  # iOS lines with a leading mark that the table does not know
        self.cache: dict[str, tuple[str, str, str] | None] = {}

    def system(self, i: int, line: str) -> None:
        self.senders[i], self.kinds[i], self.texts[i] = "", "system", _clean_text(line)
        self.system_rows.append(i)


def _build(path: Path, times: list[str], rests: list[str], afters: list[str], notes: list[str]) -> ParsedExport:
    """Split author and text with list comprehensions; only unusual rows get per-row Python work."""
    # map() over C functions instead of comprehensions: these lines run once per message.
    n = len(rests)
    multi = np.flatnonzero(np.fromiter(map(len, afters), dtype=np.int64, count=n) > 1).tolist()
    bodies = rests
    if multi:
        bodies = list(rests)
        for i in multi:
            bodies[i] = rests[i] + afters[i].rstrip("\n")
    cuts = np.fromiter(map(str.find, bodies, repeat(": ")), dtype=np.int64, count=n)
    raw_authors = list(map(getitem, bodies, map(slice, cuts.tolist())))
    names = {a: _author_name(a) for a in set(raw_authors)}
    texts = list(map(getitem, bodies, map(slice, (cuts + 2).tolist(), repeat(None))))
    rows = _Rows(times, list(map(names.__getitem__, raw_authors)), texts)
    odd = set(np.flatnonzero(cuts < 0).tolist())
    odd.update(i for i in multi if 0 <= bodies[i].find("\n", 0, cuts[i]))
    pseudo = {a for a, v in names.items() if v is None}
    if pseudo:
        odd.update(i for i, a in enumerate(raw_authors) if a in pseudo)
    for i in sorted(odd):
        _odd_row(rows, i, bodies[i])
    for i in _marked(rows.texts):
        if i not in odd:
            _marked_row(rows, i, raw_authors[i])
    dropped = rows.keep.count(False)
    if dropped:
        notes.append(f"{dropped} self-destroying 'Name:.' lines were left out.")
    _resolve_unknown_marks(rows)
    authors = Counter(s for s, k in zip(rows.senders, rows.keep) if s and k)
    _resolve_colon_lines(rows, authors)
    return _assemble(path, rows, authors, notes)


def _author_name(raw: str) -> str | None:
    """Clean display name, or None when the "author" is really a system line with ': ' inside."""
    if any(q in raw for q in _QUOTES) and SYSTEM_PHRASES.search(raw):
        return None  # 'X changed the subject from "a: b"'
    name = clean_name(raw)
    key = wm.norm(raw)
    if len(name) > 40 and (SYSTEM_PHRASES.search(raw) or any(key.startswith(p) for p, _ in PREFIXES)):
        return None
    return name


def _marked(texts: list[str]) -> list[int]:
    """Rows whose text may be media, a marker or an iOS notice, found in one vectorised RE2 pass."""
    if not texts:
        return []
    arr = pa.array(texts, type=pa.large_string())
    flags = pc.match_substring_regex(arr, NEEDS_LOOK[0])
    for pattern in NEEDS_LOOK[1:]:
        flags = pc.or_(flags, pc.match_substring_regex(arr, pattern))
    return np.flatnonzero(flags.to_numpy(zero_copy_only=False)).tolist()


def _odd_row(rows: _Rows, i: int, body: str) -> None:
    """A body whose first line has no ``Name: ``: self-destroying, ``Name:`` + lines below, or a system line."""
    first, nl, below = body.partition("\n")
    p = first.find(": ")
    if p >= 0 and _author_name(first[:p]) is not None:  # multi-line message whose ": " is on the first line
        rows.senders[i], rows.texts[i] = clean_name(first[:p]), first[p + 2:] + nl + below
        _marked_row(rows, i, first[:p])
    elif first.endswith(":.") and len(first) > 2 and p < 0:
        rows.keep[i] = False
    elif first.endswith(":") and len(first) > 1 and nl and p < 0:
        rows.senders[i], rows.texts[i] = clean_name(first[:-1]), below
        rows.colon_lines.append(i)
        _marked_row(rows, i, first[:-1])
    else:
        rows.system(i, body)


def _marked_row(rows: _Rows, i: int, raw_author: str) -> None:
    """Classify a message flagged by NEEDS_LOOK; a notice under an author is an iOS system line (docs §Layouts)."""
    msg = rows.texts[i]
    if msg in rows.cache:
        res = rows.cache[msg]
    else:
        res = classify(msg)
        if len(msg) < 200:
            rows.cache[msg] = res
    if res is None:
        lead = msg[:1]
        if lead and lead in wm.INVISIBLE_CHARS:
            plain = _clean_text(msg)
            if SYSTEM_PHRASES.search(plain) or WHATSAPP_WORD.search(plain):
                _count_notice(rows, raw_author)
                rows.system(i, plain)
            else:
                rows.kinds[i], rows.texts[i] = "other", ""
                rows.unknown_marks.append(i)
            return
        edited = EDITED_SUFFIX.search(msg)
        if edited:
            rows.texts[i] = msg[:edited.start()]
        return
    kind, text, cat = res
    if cat in ("e2e", "security"):
        _count_notice(rows, raw_author)
        rows.system(i, text)
        return
    rows.kinds[i], rows.texts[i] = kind, text


def _count_notice(rows: _Rows, raw_author: str) -> None:
    """iOS writes notices under the chat's name: count them to name the chat."""
    name = clean_name(raw_author)
    if name:
        rows.ios_sys[name] += 1


def _resolve_unknown_marks(rows: _Rows) -> None:
    """An unknown marked line under a name that never writes anything else is a group notice (iOS puts the group's
    name there): system. Under a participant it stays "other" (a placeholder in a language not in the table)."""
    if not rows.unknown_marks:
        return
    unknown = set(rows.unknown_marks)
    speaks = {s for j, s in enumerate(rows.senders) if s and j not in unknown and rows.kinds[j] != "system"}
    for i in rows.unknown_marks:
        if rows.senders[i] not in speaks:
            _count_notice(rows, rows.senders[i])
            rows.senders[i], rows.kinds[i] = "", "system"
            rows.system_rows.append(i)


def _resolve_colon_lines(rows: _Rows, authors: Counter[str]) -> None:
    """A line ``Name:`` whose message starts on the next line is a message only if Name speaks elsewhere."""
    for i in rows.colon_lines:
        name = rows.senders[i]
        if authors[name] > 1:
            continue
        authors[name] -= 1
        if authors[name] <= 0:
            del authors[name]
        rows.system(i, name + ":\n" + rows.texts[i])


def _chat_facts(rows: _Rows) -> tuple[bool, list[str], list[str]]:
    """Group hints, group names (subjects) and the system lines themselves (normalised) for the "me" evidence."""
    hint = False
    subjects: list[str] = []
    lines: list[str] = []
    for i in sorted(set(rows.system_rows)):
        if rows.kinds[i] == "system" and rows.keep[i]:
            hint = hint or bool(GROUP_PHRASES.search(rows.texts[i]))
            subjects.extend(SUBJECT.findall(rows.texts[i]))
            if len(lines) < 5000:
                lines.append(wm.norm(rows.texts[i]))
    return hint, subjects, lines


def chat_name_from_file(path: Path) -> str | None:
    """The chat's name from WhatsApp's file name in any language ("Chat WhatsApp s uživatelem X" -> "X")."""
    stem = Path(path).stem
    if "%" in stem:
        stem = unquote(stem)
    stem = re.sub(r"^\d{4}_", "", clean_name(stem))  # the container's "0003_" prefix for zip members
    stem = re.sub(r"\s*\(\d{1,3}\)$", "", stem)  # "... (1)": a second download
    for rx in FILE_NAMES:
        m = rx.match(stem)
        if m and m["name"].strip():
            return clean_name(m["name"])
    return None


def _me_evidence(authors: Counter[str], lines: list[str]) -> tuple[set[str], list[str]]:
    """Participants who cannot be the exporter: WhatsApp names the exporter "you" in its notices, so whoever "added
    you", and whoever a notice names, is someone else."""
    if not lines or not authors:
        return set(), []
    adders: set[str] = set()
    for line in lines:
        for rx in ADDED_YOU:
            m = rx.match(line)
            if m:
                adders.add(m["name"].strip())
    keys = {wm.norm(a): a for a in authors if len(wm.norm(a)) > 1}
    if not keys:
        return set(), []
    who = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(keys, key=len, reverse=True))) + r")(?!\w)")
    unquoted = _QUOTED.sub(" ", "\n".join(lines))  # a group's subject may hold anyone's name
    named = {keys[k] for k in who.findall(unquoted)}
    added_by = {keys[k] for k in adders if k in keys}
    notes = [f"'{a} added you': {a} is not the exporter." for a in sorted(added_by)[:3]]
    return named | added_by, notes


def _assemble(path: Path, rows: _Rows, authors: Counter[str], notes: list[str]) -> ParsedExport:
    """Name the chat, decide is_group, rank "me" candidates, and build the frame."""
    group_hint, subjects, sys_lines = _chat_facts(rows)  # before dropping rows: it reads rows by index
    if not all(rows.keep):
        for col in ("times", "senders", "texts", "kinds"):
            setattr(rows, col, [v for v, k in zip(getattr(rows, col), rows.keep) if k])
    ios_sys = rows.ios_sys
    outsiders = [a for a in ios_sys if a not in authors]
    # An iOS notice under a name nobody writes as names the chat, but a 1:1 whose contact never wrote looks the
    # same, so only the group phrases and the number of authors decide is_group.
    is_group = len(authors) > 2 or group_hint
    from_file = chat_name_from_file(path)
    if from_file:
        chat = from_file
    elif subjects:
        chat = clean_name(subjects[-1])
    elif outsiders:
        chat = outsiders[0]
    elif ios_sys and len(authors) <= 2:
        chat = ios_sys.most_common(1)[0][0]  # iOS 1:1: the encryption notice carries the contact's name
    elif authors:
        chat = ", ".join(sorted(authors))
    else:
        chat = ""
    chat = chat or clean_name(Path(path).stem) or "WhatsApp chat"
    not_me, me_notes = _me_evidence(authors, sys_lines)
    notes.extend(me_notes)
    ranked = sorted((a for a, _ in authors.most_common()),
                    key=lambda a: (a in not_me, a == chat and len(authors) == 2))
    df = pd.DataFrame({"sender": rows.senders, "kind": rows.kinds, "text": rows.texts, "time": rows.times})
    df["sender_id"] = df["sender"]
    df["chat"] = chat
    df["chat_key"] = chat
    df["is_group"] = is_group
    df["is_me"] = pd.array([pd.NA] * len(df), dtype="boolean")
    df["quote"] = ""
    return ParsedExport(messages=df, format="whatsapp_txt", me_candidates=ranked, notes=notes)


register(Importer(name="whatsapp_txt", label="WhatsApp · TXT export", sniff=sniff, parse=parse))
