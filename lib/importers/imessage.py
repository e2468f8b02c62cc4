"""iMessage as written by imessage-exporter's text export (``imessage-exporter -f txt``): one ``.txt`` per chat.

The layout follows the exporter's own writer (``imessage-exporter/src/exporters/txt.rs`` and ``txt/mod.rs`` of
ReagentX/imessage-exporter; see docs/formats/imessage.md). Every top-level message is a block ended by a blank line::

    May 17, 2022  5:29:42 PM (Read by them after 1 hour, 49 seconds)
    Me
    Hello world
    <attachment paths, app balloons, "Tapbacks:" lists, replies indented by four spaces, annotations>

Group events are one line, ``May 17, 2022  5:29:42 PM You added Bob to the conversation.``. The sender line is
``Me`` for the exporter's own messages, so ``is_me`` is known. Replies are printed twice (indented under the message
they answer, and again at their own time), so the indented copies only supply the quoted text.

Block starts are found with one ``re.finditer``; each block's few lines are then read in Python (one pass per
message: a block mixes text, attachments and annotations that no single pattern separates).
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd

from lib.importers import register
from lib.importers.base import BadInputError, Importer, ParsedExport

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# chrono's "%b %d, %Y %l:%M:%S %p": English month, zero-padded day, space-padded 12-hour clock.
TS = r"(?:" + "|".join(_MONTHS) + r") \d{2}, \d{4} [ \d]\d:\d{2}:\d{2} [AP]M"
TS_PARTS = re.compile(r"(\w{3}) (\d{2}), (\d{4}) {1,2}(\d{1,2}):(\d{2}):(\d{2}) ([AP])M")
# A block start: a timestamp line at the top of the file or after a blank line; the rest of the line is a read
# receipt (a message) or an event sentence (a group announcement).
BLOCK = re.compile(r"(?:\A|(?<=\n\n))(?P<ts>" + TS + r")(?P<rest>[^\n]*)(?:\n|\Z)")
READ = re.compile(r"^ \(Read by [^\n]*\)$")
INDENT = "    "
REPLY_HEAD = re.compile(r"^" + INDENT + r"(?P<ts>" + TS + r")(?: \(Read by [^\n]*\))?$")
ME = "Me"
REPLY_NOTE = "This message responded to an earlier message."
DELETED_NOTE = "This message was deleted from the conversation!"
DROP_LINES = frozenset({REPLY_NOTE, DELETED_NOTE, "Unable to format announcement!"})
EXPRESSIVE = re.compile(r"^Sent with (?:Confetti|Echo|Fireworks|Balloons|Heart|Lasers|Shooting Sta(?:r|rt)|Sparkles"
                        r"|Spotlight|Slam|Loud|Gentle|Invisible Ink|[A-Z][\w ]{0,30})$")
TAPBACK_HEAD = frozenset({"Tapbacks:", "Reactions:"})
TAPBACK = re.compile(r"^(?:Loved|Liked|Disliked|Laughed|Emphasized|Questioned|\S{1,8}|[\w ]{0,30}Sticker from .+?"
                     r"|Sticker from .+?) by .+$|^(?:[\w ]{0,30} )?Sticker from .+$")
UNSENT = re.compile(r"^.{1,80}? unsent this message part(?: .{1,60} after sending)?!$|^(?:You|They|.{1,80}) deleted a "
                    r"message\.$")
EDIT_FIRST = re.compile(r"^" + TS + r" (?P<text>.*)$")
EDIT_NEXT = re.compile(r"^Edited .{1,60}? later: (?P<text>.*)$")
TRANSLATED = "Translated from:"
GROUP_EVENT = re.compile(r"named the conversation|renamed the conversation|added .+ to the conversation|removed .+ "
                         r"from the conversation|left the conversation|group photo")
MEDIA_EXT: dict[str, str] = {}
for _kind, _exts in (
    ("image", ("jpg", "jpeg", "png", "heic", "heif", "gif", "tif", "tiff", "bmp", "webp", "dng")),
    ("video", ("mov", "mp4", "m4v", "avi", "3gp")),
    ("voice", ("caf", "m4a", "amr", "mp3", "aac", "wav", "opus", "aiff")),
    ("sticker", ("sticker",)),
    ("other", ("vcf", "pkpass", "ics", "usdz", "loc")),
    ("file", ("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "key", "pages", "numbers", "zip", "txt", "rtf",
              "csv", "json", "html", "epub", "dmg", "apk")),
):
    MEDIA_EXT.update(dict.fromkeys(_exts, _kind))
_EXT = "|".join(sorted(MEDIA_EXT, key=len, reverse=True))
# An attachment line: a path into the Messages attachments (or the export's copy), an iOS backup hash path, or a
# bare file name with a known extension.
ATTACHMENT = re.compile(
    r"^(?:(?:~|\.{1,2})?/?(?:[^/\n]+/)+[^/\n]+\.(?:" + _EXT + r")|(?:[^/\n]+/)*[0-9a-f]{2}/[0-9a-f]{40}"
    r"|[^/\s]{1,120}\.(?:" + _EXT + r")|Audio Message\.(?:caf|amr|m4a))$", re.I)
URL = re.compile(r"^https?://\S+$")
MAP_URL = re.compile(r"^https?://(?:maps\.apple\.com|maps\.google\.|www\.google\.com/maps|goo\.gl/maps)\S*$")
MUSIC_URL = re.compile(r"^https?://(?:music\.apple\.com|itunes\.apple\.com|open\.spotify\.com)\S*$")
GENERIC_APP = re.compile(r"^(?P<app>.{1,60}) message:$")
# Lines that may be more than text (attachments, balloons, annotations); any other one-line body is plain text.
NEEDS_LOOK = re.compile(
    r"^(?:" + TS + r"|https?://|Sticker|Attachment missing|SharePlay|Started sharing|Stopped sharing|Photo album"
    r"|Handwritten|Unable to|Digital Touch|Check\W?In|This message|Sent with|Tapbacks:|Reactions:|Translated from"
    r"|Audio Message|[\w ]{0,30} Sticker from|\s)|[/.]\w{1,9}$|[0-9a-f]{40}$| unsent this message part|deleted a "
    r"message\.$| transaction: | message:")
APP_LINE = re.compile(r"^(?:.{1,60} transaction: .+|.{1,60} message:(?: .*)?|Photo album: .+|Handwritten messages are "
                      r"not yet supported!|Unable to format app message: .+|Digital Touch .+|Check\W?In: .+)$")


def sniff(head: str, name: str) -> float:
    """Confident on imessage-exporter block heads: a timestamp line, then a sender line."""
    heads = [m for m in BLOCK.finditer(head) if READ.match(m["rest"]) or not m["rest"]]
    if not heads:
        return 0.0
    return 0.97 if len(heads) >= 2 or head.count("\n") < 6 else 0.85


def ts_iso(ts: str) -> str:
    """``"May 17, 2022  5:29:42 PM"`` -> ``"2022-05-17T17:29:42"``; "" when impossible."""
    m = TS_PARTS.match(ts)
    if m is None:
        return ""
    mon, day, year, h, mi, s, ap = m.groups()
    h = int(h)
    try:
        day_iso = date(int(year), _MONTHS.index(mon) + 1, int(day)).isoformat()
    except ValueError:
        return ""
    if not 1 <= h <= 12 or int(mi) > 59 or int(s) > 59:
        return ""
    return f"{day_iso}T{h % 12 + (12 if ap == 'P' else 0):02d}:{mi}:{s}"


def _time(ts: str, days: dict[str, str], clocks: dict[str, str]) -> str:
    """:func:`ts_iso` with the day and the clock each worked out once per distinct value."""
    day, clock = ts[:12], ts[12:]
    d = days.get(day)
    if d is None:
        d = days[day] = ts_iso(day + " 1:00:00 AM")[:11]
    c = clocks.get(clock)
    if c is None:
        c = clocks[clock] = ts_iso("Jan 01, 2000" + clock)[11:]
    return d + c if d and c else ""


def parse(path: Path, text: str | None) -> ParsedExport:
    """Parse one imessage-exporter TXT file (one chat)."""
    if text is None:
        raise BadInputError("iMessage TXT needs the text of the file.")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.lstrip("\ufeff")
    blocks = list(BLOCK.finditer(text))
    if not blocks:
        raise BadInputError("no iMessage messages found (blocks starting 'May 17, 2022  5:29:42 PM' then the "
                            "sender). Export again with imessage-exporter -f txt and import one of its .txt files.")
    rows = _Rows()
    ends = [b.start() for b in blocks[1:]] + [len(text)]
    days: dict[str, str] = {}
    clocks: dict[str, str] = {}
    for b, end in zip(blocks, ends):
        t = _time(b["ts"], days, clocks)
        rest = b["rest"]
        if rest and not READ.match(rest):
            rows.add(t, "", "system", rest.strip())
            rows.group_hint = rows.group_hint or bool(GROUP_EVENT.search(rest))
            continue
        lines = text[b.end():end].split("\n")
        _message(rows, t, lines[0].strip() if lines else "", lines[1:])
    return _assemble(path, rows)


class _Rows:
    """Column lists of the parsed rows, and what the indented reply copies said about their parents."""

    def __init__(self) -> None:
        self.times: list[str] = []
        self.senders: list[str] = []
        self.kinds: list[str] = []
        self.texts: list[str] = []
        self.quotes: list[str] = []
        self.replied: list[int] = []  # rows marked "This message responded to an earlier message."
        self.parent_of: dict[tuple[str, str, str], str] = {}  # (time, sender, first text line) -> parent text
        self.group_hint = False
        self.notes: Counter[str] = Counter()

    def add(self, time: str, sender: str, kind: str, text: str) -> None:
        self.times.append(time)
        self.senders.append(sender)
        self.kinds.append(kind)
        self.texts.append(text)
        self.quotes.append("")


def _message(rows: _Rows, time: str, sender: str, body: list[str]) -> None:
    """Turn one message block into rows: its text, then one row per attachment or special part."""
    if len(body) <= 3 and not any(body[1:]) and body and body[0] and not NEEDS_LOOK.search(body[0]):
        rows.add(time, sender, "text", body[0])  # the common case: one plain line of text
        return
    body, replies = _cut_replies(body)
    lines: list[str] = []
    skip_tapbacks = False
    reply = False
    for line in body:
        if line in TAPBACK_HEAD:
            skip_tapbacks = True
            rows.notes["tapbacks"] += 1
            continue
        if skip_tapbacks:
            if TAPBACK.match(line.strip()) or not line.strip():
                continue
            skip_tapbacks = False
        if line == REPLY_NOTE:
            reply = True
            continue
        if line == DELETED_NOTE:
            rows.notes["deleted"] += 1
            continue
        if line in DROP_LINES or EXPRESSIVE.match(line):
            continue
        lines.append(line)
    while lines and not lines[-1].strip():
        lines.pop()
    first_row = len(rows.times)
    for kind, text in _parts(lines):
        rows.add(time, sender, kind, text)
    if len(rows.times) == first_row:  # an empty block (e.g. only tapbacks survived): keep nothing
        return
    if reply:
        rows.replied.append(first_row)
    parent = rows.texts[first_row]
    for key in replies:
        rows.parent_of.setdefault(key, parent)


def _cut_replies(body: list[str]) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Remove the indented reply copies; return the rest and ``(time, sender, first line)`` of each reply."""
    if not any(line.startswith(INDENT) for line in body):
        return body, []
    kept: list[str] = []
    keys: list[tuple[str, str, str]] = []
    i = 0
    while i < len(body):
        head = REPLY_HEAD.match(body[i])
        if head is None:
            kept.append(body[i])
            i += 1
            continue
        j = i + 1
        block: list[str] = []
        while j < len(body) and not REPLY_HEAD.match(body[j]) and (
                body[j].startswith(INDENT) or (not body[j].strip() and j + 1 < len(body)
                                               and body[j + 1].startswith(INDENT))):
            block.append(body[j][len(INDENT):])
            j += 1
        sender = block[0].strip() if block else ""
        first = next((ln.strip() for ln in block[1:] if ln.strip()), "")
        keys.append((ts_iso(head["ts"]), sender, first))
        i = j
    return kept, keys


def _parts(lines: list[str]) -> list[tuple[str, str]]:
    """``[(kind, text)]`` of a block's body lines: one text part, and one part per attachment or app line."""
    if not lines:
        return []
    whole = "\n".join(lines).strip()
    if whole == "SharePlay Message\nEnded":
        return [("call", "SharePlay")]
    if whole in ("Started sharing location!", "Stopped sharing location!"):
        return [("location", whole)]
    if len(lines) <= 14 and any(MAP_URL.match(ln.strip()) for ln in lines):  # a shared place (placemark)
        return [("location", lines[0].strip())]
    app = GENERIC_APP.match(lines[0].strip())
    if app:  # an app balloon: "<app> message:" then its title lines
        return [("other", ": ".join(p for p in (app["app"], lines[1].strip() if len(lines) > 1 else "") if p))]
    if 3 <= len(lines) <= 30 and MUSIC_URL.match(lines[-1].strip()) and not URL.match(lines[0].strip()):
        return [("link", lines[0].strip() + "\n" + lines[-1].strip())]  # a music balloon: track ... url
    edited = _edited(lines)
    if edited is not None:
        return [("text", edited)]
    translated = _original_of_translation(lines)
    if translated is not None:
        lines = translated
    if URL.match(lines[0].strip()) and len(lines) <= 3:
        return [("link", "\n".join(ln.strip() for ln in lines[:2] if ln.strip()))]
    parts: list[tuple[str, str]] = []
    text: list[str] = []
    text_at = -1
    for k, line in enumerate(lines):
        kind, desc = _special(line, lines[k - 1] if k else "")
        if kind is None:
            if text_at < 0:
                text_at = len(parts)
            text.append(line)
        elif kind:
            parts.append((kind, desc))
    body = "\n".join(text).strip("\n")
    if body.strip():
        parts.insert(max(text_at, 0), ("text", body))
    return parts


def _special(line: str, previous: str) -> tuple[str | None, str]:
    """``(kind, description)`` of an attachment or app line; ``(None, "")`` for text; ``("", "")`` to drop."""
    s = line.strip()
    if s.startswith("Transcription: ") and ATTACHMENT.match(previous.strip()):
        return "", ""  # the audio message's transcription: the file line already made the voice row
    if s == "Attachment missing!":
        return "other", "attachment missing"
    if UNSENT.match(s):
        return "system", s
    if "Sticker from " in s and TAPBACK.match(s):
        return "sticker", ""
    if ATTACHMENT.match(s):
        name = s.rsplit("/", 1)[-1]
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        kind = MEDIA_EXT.get(ext, "image" if re.fullmatch(r"[0-9a-f]{40}", name) else "file")
        return kind, (name if kind in ("file", "other") else "")
    if APP_LINE.match(s):
        return ("image" if s.startswith("Photo album: ") else "other"), s
    return None, ""


def _edited(lines: list[str]) -> str | None:
    """The last version of an edited message (``<time> first`` then ``Edited 30 seconds later: second``)."""
    first = EDIT_FIRST.match(lines[0])
    if first is None or not any(EDIT_NEXT.match(ln) for ln in lines[1:]):
        return None
    last = first["text"]
    tail: list[str] = []
    for line in lines[1:]:
        m = EDIT_NEXT.match(line)
        if m:
            last, tail = m["text"], []
        else:
            tail.append(line)
    return "\n".join([last, *tail]).strip()


def _original_of_translation(lines: list[str]) -> list[str] | None:
    """Lines of the original text of a translated message (what the sender wrote), else None."""
    if TRANSLATED not in lines:
        return None
    k = lines.index(TRANSLATED)
    original = lines[k + 1:]
    return original if any(ln.strip() for ln in original) else None


def _assemble(path: Path, rows: _Rows) -> ParsedExport:
    """Fill quotes from the reply copies, decide "me", group and chat name, and build the frame."""
    for i in rows.replied:
        first = next((ln.strip() for ln in rows.texts[i].split("\n") if ln.strip()), "")
        parent = rows.parent_of.get((rows.times[i], rows.senders[i], first))
        if parent:
            rows.quotes[i] = parent
    keep = [len(t) == 19 for t in rows.times]
    notes: list[str] = []
    if not all(keep):
        notes.append(f"{keep.count(False)} messages had an impossible date and were left out.")
        for col in ("times", "senders", "kinds", "texts", "quotes"):
            setattr(rows, col, [v for v, k in zip(getattr(rows, col), keep) if k])
    if not rows.times:
        raise BadInputError("no iMessage message has a valid date; export again with imessage-exporter -f txt.")
    if rows.notes["tapbacks"]:
        notes.append(f"{rows.notes['tapbacks']} tapback lists were left out (reactions, not messages).")
    if rows.notes["deleted"]:
        notes.append(f"{rows.notes['deleted']} messages deleted from the conversation were recovered by the exporter "
                     "and kept.")
    authors = Counter(s for s, k in zip(rows.senders, rows.kinds) if s and k != "system")
    others = [a for a in authors if a != ME]
    chat = Path(path).stem or "iMessage chat"
    # Without a "Me" label (a custom name) the owner is one of the named senders.
    is_group = (len(others) > 1 if ME in authors else len(authors) > 2) or rows.group_hint
    df = pd.DataFrame({"sender": rows.senders, "kind": rows.kinds, "text": rows.texts, "time": rows.times,
                       "quote": rows.quotes})
    df["sender_id"] = df["sender"]
    df["chat"] = chat
    df["chat_key"] = chat
    df["is_group"] = is_group
    if ME in authors:
        df["is_me"] = (df["sender"] == ME).astype("boolean")
        ranked = [ME]
    else:  # exported with --custom-name: the owner's label is unknown
        df["is_me"] = pd.array([pd.NA] * len(df), dtype="boolean")
        ranked = [a for a, _ in authors.most_common()]
        notes.append("No sender is labelled 'Me' (exported with a custom name?); choose which participant is you.")
    return ParsedExport(messages=df, format="imessage_txt", me_candidates=ranked, notes=notes)


register(Importer(name="imessage_txt", label="iMessage · imessage-exporter TXT", sniff=sniff, parse=parse))
