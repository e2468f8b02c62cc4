"""WhatsApp "Export chat" TXT (Android and iOS, every locale date layout we know of).

WhatsApp has no spec; the layout follows docs/formats.md §3. One tolerant header regex splits the whole text
(``re.split``, in C), a message's body runs to the next header, and the date order (day-first, month-first,
year-first) is decided once per file from the numbers themselves, because the locale that wrote the file is unknown.
Per-message work is done with ``map`` over C functions and one vectorised RE2 pass; only unusual rows (media,
markers, system lines) get Python code, so a million lines take seconds. Placeholder strings are mostly English; the
tables below are module-level so other languages can be added.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import date
from itertools import repeat
from operator import add, getitem
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.importers import register
from lib.importers.base import BadInputError, Importer, ParsedExport

_HS = r"[^\S\n]"  # horizontal whitespace, including U+00A0 and U+202F
# One message header plus the rest of its first line. Consuming the line keeps re.split from probing every character.
HEADER = re.compile(
    r"^(?P<hdr>[\u200e\u200f]*(?P<br>\[)?"
    r"(?P<date>\d{1,4}[-/.]" + _HS + r"?\d{1,2}[-/.]" + _HS + r"?\d{1,4})\.?"
    r",?" + _HS + r"(?:[^\W\d]{1,4}" + _HS + r")?"  # Finnish "klo" and similar words between date and time
    r"(?P<clock>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:" + _HS + r"?[aApP]\.?" + _HS + r"?[mM]\.?)?)"
    r"(?(br)\]|(?:" + _HS + r"?-|:))" + _HS + r")(?P<rest>[^\n]*)",
    re.M,
)
N_GROUPS = 5  # hdr, br, date, clock, rest: re.split returns them between the texts
DATE_PARTS = re.compile(r"\d+")
CLOCK_PARTS = re.compile(r"(\d+)[:.](\d+)(?:[:.](\d+))?(?:[^aApP]*([aApP]))?")
# A QQ / MemoTrace header: date and time, then a name on the same line and the content on the next.
_OTHER_HEADER = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[^\S\n]+\d{1,2}:\d{2}:\d{2}", re.M)

INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"))
SPACES = {ord("\u202f"): " ", ord("\u00a0"): " "}

# Whole-message placeholders (after removing LRM marks), lower-cased -> kind.
MEDIA_OMITTED: dict[str, str] = {
    "<media omitted>": "other",
    "image omitted": "image",
    "photo omitted": "image",
    "video omitted": "video",
    "audio omitted": "voice",
    "sticker omitted": "sticker",
    "gif omitted": "video",
    "document omitted": "file",
    "contact card omitted": "other",
    "<multimedia omitido>": "other",
    "<medien ausgeschlossen>": "other",
    "<media omessi>": "other",
}
DELETED: tuple[str, ...] = (
    "this message was deleted", "you deleted this message", "se eliminó este mensaje", "eliminaste este mensaje",
    "diese nachricht wurde gelöscht", "questo messaggio è stato eliminato", "waiting for this message",
)
EDITED_SUFFIX = re.compile(
    r"[^\S\n]*[\u200e\u200f]*<(?:This message was edited|Este mensaje fue editado|Se editó este mensaje\.?"
    r"|Diese Nachricht wurde bearbeitet|Questo messaggio è stato modificato)>$"
)
CALL = re.compile(r"^(?:missed|silenced)?[^\S\n]*(?:voice|video|group voice|group video)[^\S\n]*call\b", re.I)
LOCATION = re.compile(r"^(?:live )?location: https?://", re.I)
VIEW_ONCE = re.compile(r"^you received a view once message", re.I)
ATTACHED_IOS = re.compile(r"^<attached: (?P<f>[^>\n]+)>[^\S\n]*\n?", re.I)
ATTACHED_ANDROID = re.compile(r"^(?P<f>[^\n]+?\.\w{1,5}) \((?:file attached|archivo adjunto|Datei angehängt)\)\n?")
# System notices (Android lines without author; iOS lines with LRM attributed to the chat name).
SYSTEM_PHRASES = re.compile(
    r"end-to-end encrypted|created group|created this group|\badded\b|\bleft\b|\bremoved\b|changed the subject"
    r"|changed this group's|changed the group|deleted this group's|changed their phone number|changed to \+"
    r"|joined using this group's invite link|joined using an invite link|now an admin|no longer an admin"
    r"|security code|were added|turned (?:on|off) disappearing|disappearing messages|pinned a message"
    r"|is a contact|blocked this contact|unblocked this contact|changed the settings|community",
    re.I,
)
GROUP_PHRASES = re.compile(
    r"created group|created this group|\badded\b|\bleft\b|\bremoved\b|changed the subject|changed this group's"
    r"|changed the group|joined using|were added|now an admin",
    re.I,
)
SUBJECT = re.compile(
    r'(?:created group|changed the subject (?:from ["\u201c][^\n]*["\u201d] )?to|changed the group name to)'
    r' ["\u201c](.+)["\u201d]'
)
FILE_NAME = re.compile(r"^WhatsApp Chat (?:with|mit|con|avec|met|com|-) (.+)$", re.I)
# Cheap pre-check: only messages containing one of these go through classify().
NEEDS_LOOK = re.compile(
    "[\u200e\u200f<]|omitted|attached|adjunto|angehängt|deleted|elimin|gelöscht|aiting for|[Cc]all|ocation: |iew once"
)

ORDERS = ("dmy", "mdy", "ymd", "ydm")


def sniff(head: str, name: str) -> float:
    """Confident when WhatsApp headers (``date, time - Name:`` or ``[date, time] Name:``) outnumber QQ-style ones."""
    wa = sum(1 for _ in HEADER.finditer(head))
    if wa == 0:
        return 0.0
    other = sum(1 for m in _OTHER_HEADER.finditer(head) if not HEADER.match(head, m.start()))
    return 0.95 if wa >= other else 0.0


def clean_name(name: str) -> str:
    """Strip direction marks and narrow spaces, NFC-normalise, drop the ``~`` WhatsApp puts before non-contacts."""
    name = unicodedata.normalize("NFC", name.translate(INVISIBLE).translate(SPACES))
    name = " ".join(name.split())
    if name.startswith("~"):
        name = name[1:].strip() or name
    return name


def _year(v: int) -> int:
    return v + 2000 if v < 100 else v


def decide_order(a: list[int], b: list[int], c: list[int], a_len4: bool, c_len4: bool) -> str:
    """Which date order the file uses, from the header numbers alone (docs §3: any first component > 12 → day first)."""
    year_first = a_len4 or (not c_len4 and any(v > 31 for v in a) and not any(v > 31 for v in c))
    if year_first:
        if any(v > 12 for v in b):
            return "ydm"
        return "ymd"
    if any(v > 12 for v in a):
        return "dmy"
    if any(v > 12 for v in b):
        return "mdy"
    return _order_by_chronology(a, b, c)


def _order_by_chronology(a: list[int], b: list[int], c: list[int]) -> str:
    """Both orders are valid: prefer the one whose dates go forward more often; day-first (most locales) on a tie."""
    def backwards(order: str) -> int:
        keys = [(_year(z), x, y) if order == "mdy" else (_year(z), y, x) for x, y, z in zip(a, b, c)]
        return sum(1 for k1, k2 in zip(keys, keys[1:]) if k2 < k1)
    return "mdy" if backwards("mdy") < backwards("dmy") else "dmy"


def _ymd(order: str, a: int, b: int, c: int) -> tuple[int, int, int]:
    if order == "dmy":
        return _year(c), b, a
    if order == "mdy":
        return _year(c), a, b
    if order == "ymd":
        return _year(a), b, c
    return _year(a), c, b


def day_table(dates: list[str], order: str) -> dict[str, str]:
    """``{date as written: "YYYY-MM-DDT"}``; "" for impossible dates. Run over the few distinct dates only."""
    out: dict[str, str] = {}
    for d in dates:
        y, mo, dd = _ymd(order, *(int(v) for v in DATE_PARTS.findall(d)))
        try:
            out[d] = date(y, mo, dd).isoformat() + "T"
        except ValueError:
            out[d] = ""
    return out


def clock_table(clocks: set[str]) -> dict[str, str]:
    """``{clock as written: "HH:MM:SS"}`` (seconds 00 when absent, 12-hour folded); "" when impossible."""
    out: dict[str, str] = {}
    for c in clocks:
        m = CLOCK_PARTS.match(c)
        h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
        ap = (m[4] or "").lower()
        if ap:
            h = 99 if h > 12 else (h % 12) + (12 if ap == "p" else 0)
        out[c] = f"{h:02d}:{mi:02d}:{s:02d}" if h <= 23 and mi <= 59 and s <= 59 else ""
    return out


def classify(body: str) -> tuple[str, str]:
    """Kind and text of an authored message body (LRM marks removed, edited marker stripped)."""
    first = body.split("\n", 1)[0].strip()
    low = first.lower()
    if "\n" not in body:
        if low in MEDIA_OMITTED:
            return MEDIA_OMITTED[low], ""
        if low.endswith("document omitted"):
            return "file", first[: -len("document omitted")].strip(" •-")
        if low.startswith(DELETED):
            return "system", first
        if CALL.match(low):
            return "call", first
        if VIEW_ONCE.match(low):
            return "other", first
    if LOCATION.match(first):
        return "location", body
    att = ATTACHED_IOS.match(body) or ATTACHED_ANDROID.match(body)
    if att:
        fname = att["f"].strip()
        kind = attachment_kind(fname)
        caption = body[att.end():].strip()
        if kind == "file":  # a document's name says what it was; a photo's generated name says nothing
            return kind, "\n".join(p for p in (fname, caption) if p)
        return kind, caption
    return "text", body


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
    if ext == "VCF":
        return "other"
    return "file"


def parse(path: Path, text: str | None, date_order: str | None = None) -> ParsedExport:
    """Parse a WhatsApp TXT export. ``date_order`` ("dmy", "mdy", "ymd", "ydm") overrides the per-file guess."""
    if text is None:
        raise BadInputError("WhatsApp TXT needs the text of the file.")
    if date_order is not None and date_order not in ORDERS:
        raise BadInputError(f"date order must be one of {', '.join(ORDERS)}, not {date_order!r}.")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = HEADER.split(text)
    step = N_GROUPS + 1
    if len(parts) < step:
        raise BadInputError("no WhatsApp messages found (lines like '01/05/2024, 09:00 - Name: text'). "
                            "Export the chat again from WhatsApp and import the .txt or .zip.")
    dates, clocks = parts[3::step], parts[4::step]
    distinct = list(dict.fromkeys(dates))
    raw = [DATE_PARTS.findall(d) for d in distinct]
    order = date_order or decide_order(
        [int(x[0]) for x in raw], [int(x[1]) for x in raw], [int(x[2]) for x in raw],
        any(len(x[0]) > 2 for x in raw), any(len(x[2]) > 2 for x in raw),
    )
    days, hours = day_table(distinct, order), clock_table(set(clocks))
    times = list(map(add, map(days.__getitem__, dates), map(hours.__getitem__, clocks)))
    notes: list[str] = []
    if parts[0].strip():
        notes.append("Text before the first message was ignored.")
    rests, afters, hdrs = parts[5::step], parts[step::step], parts[1::step]
    bad = len(times) - list(map(len, times)).count(19)
    if bad:
        times, rests, afters = _fold_bad_headers(times, hdrs, rests, afters)
        notes.append(f"{bad} header-like lines had impossible dates for the {order} order and were kept as text of "
                     "the previous message.")
        if not times:
            raise BadInputError(f"no WhatsApp message has a valid date in the {order} order; choose the date order "
                                "by hand.")
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

    def system(self, i: int, line: str) -> None:
        self.senders[i], self.kinds[i], self.texts[i] = "", "system", line.translate(INVISIBLE).strip()
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
    authors = Counter(s for s, k in zip(rows.senders, rows.keep) if s and k)
    _resolve_colon_lines(rows, authors)
    return _assemble(path, rows, authors, notes)


def _author_name(raw: str) -> str | None:
    """Clean display name, or None when the "author" is really an Android system line with a quoted ': '."""
    if ('"' in raw or "\u201c" in raw) and SYSTEM_PHRASES.search(raw):
        return None  # 'X changed the subject from "a: b"'
    return clean_name(raw)


def _marked(texts: list[str]) -> list[int]:
    """Rows whose text may be media, a marker or an iOS notice, found in one vectorised RE2 pass."""
    if not texts:
        return []
    flags = pc.match_substring_regex(pa.array(texts, type=pa.large_string()), NEEDS_LOOK.pattern)
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
    """Classify a message whose text matched NEEDS_LOOK; LRM + a notice phrase is an iOS system line (docs §3)."""
    msg = rows.texts[i]
    if not NEEDS_LOOK.search(msg):
        return
    if msg[:1] in ("\u200e", "\u200f"):
        plain = msg.translate(INVISIBLE).strip()
        if SYSTEM_PHRASES.search(plain) and classify(plain)[0] == "text":
            rows.ios_sys[clean_name(raw_author)] += 1
            rows.system(i, plain)
            return
    rows.kinds[i], rows.texts[i] = classify(EDITED_SUFFIX.sub("", msg.translate(INVISIBLE)))


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


def _chat_facts(rows: _Rows) -> tuple[bool, list[str]]:
    """Group hints and group names (subjects) from the system lines."""
    hint = False
    subjects: list[str] = []
    for i in sorted(set(rows.system_rows)):
        if rows.kinds[i] == "system" and rows.keep[i]:
            hint = hint or bool(GROUP_PHRASES.search(rows.texts[i]))
            subjects.extend(SUBJECT.findall(rows.texts[i]))
    return hint, subjects


def _assemble(path: Path, rows: _Rows, authors: Counter[str], notes: list[str]) -> ParsedExport:
    """Name the chat, decide is_group, rank "me" candidates, and build the frame."""
    group_hint, subjects = _chat_facts(rows)  # before dropping rows: it reads rows by index
    if not all(rows.keep):
        for col in ("times", "senders", "texts", "kinds"):
            setattr(rows, col, [v for v, k in zip(getattr(rows, col), rows.keep) if k])
    ios_sys = rows.ios_sys
    outsiders = [a for a in ios_sys if a not in authors]
    # An iOS notice under a name nobody writes as names the chat, but a 1:1 whose contact never wrote looks the
    # same, so only the group phrases and the number of authors decide is_group.
    is_group = len(authors) > 2 or group_hint
    fm = FILE_NAME.match(clean_name(Path(path).stem))
    if fm:
        chat = clean_name(fm.group(1))
    elif subjects:
        chat = clean_name(subjects[-1])
    elif outsiders:
        chat = outsiders[0]
    elif ios_sys and len(authors) <= 2:
        chat = ios_sys.most_common(1)[0][0]  # iOS 1:1: the encryption notice carries the contact's name
    elif authors:
        chat = ", ".join(sorted(authors))
    else:
        chat = Path(path).stem or "WhatsApp chat"
    ranked = [a for a, _ in authors.most_common()]
    if chat in authors and len(authors) == 2:
        ranked.remove(chat)
        ranked.append(chat)
    df = pd.DataFrame({"sender": rows.senders, "kind": rows.kinds, "text": rows.texts, "time": rows.times})
    df["sender_id"] = df["sender"]
    df["chat"] = chat
    df["chat_key"] = chat
    df["is_group"] = is_group
    df["is_me"] = pd.array([pd.NA] * len(df), dtype="boolean")
    df["quote"] = ""
    return ParsedExport(messages=df, format="whatsapp_txt", me_candidates=ranked, notes=notes)


register(Importer(name="whatsapp_txt", label="WhatsApp · TXT export", sniff=sniff, parse=parse))
