"""Signal Desktop chats exported by signal-export (``sigexport``): the Markdown-ish ``chat.md`` (older: ``index.md``).

Written from the exporter's own code (carderne/signal-export ``models.Message.to_md``, ``create.create_message``;
docs/formats/signal.md). One message is ``[YYYY-MM-DD HH:MM:SS] Sender: {quote}{body}  `` plus reactions
``\\n(- Name: 👍 -)``, a sticker ``\\n(( 😀 ))`` and attachments ``![name](./media/file)  ``, followed by a blank line;
older versions wrote ``[YYYY-MM-DD HH:MM]`` or ``[YYYY-MM-DD, HH:MM]`` and no blank line. Times are the exporting
computer's local wall clock. Outgoing messages carry the sender ``Me``, which makes "me" known; a contact the
exporter could not name is ``No-Sender``.

WhatsApp's iOS export also writes ``[date, time] Name: text``; the sniffer claims a file only when every bracket
header has Signal's zero-padded year-first shape and Signal's own marks (the trailing two spaces, ``Me:``, ``./media/``
links) or its ``[YYYY-MM-DD, HH:MM]`` minute-only layout are there.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pandas as pd

from lib.importers import register
from lib.importers.base import BadInputError, Importer, ParsedExport

HEADER = re.compile(r"^\[(\d{4}-\d{2}-\d{2}),? (\d{2}:\d{2}(?::\d{2})?)\] ([^\n]*)", re.M)
N_GROUPS = 3
_ANY_BRACKET_HEADER = re.compile(r"^[\u200e\u200f]?\[\d{1,4}[-/.,]", re.M)
_SIGNAL_MARKS = re.compile(r"^\[[^\]\n]+\] (?:Me|No-Sender): |\]\(\./media/|\]\(\.\./exported_stickers/|\n\(\( .* \)\)$"
                           r"|\n\(- .*: .* -\)$", re.M)
_TRAILING_BREAK = re.compile(r"^\[\d{4}-\d{2}-\d{2},? \d{2}:\d{2}(?::\d{2})?\] [^\n]*\S  $", re.M)
# "[2019-12-24, 12:23]": an older signal-export layout (and chat-miner's sample). WhatsApp writes ISO dates with
# seconds, or minute-only clocks with slashed dates ("[01/20/19 11:23]"), so this shape alone is Signal's.
_MINUTE_CLOCK = re.compile(r"^\[\d{4}-\d{2}-\d{2}, \d{2}:\d{2}\] ", re.M)

ME = "Me"
NO_SENDER = "No-Sender"
ATTACHMENT = re.compile(r"!?\[([^\]\n]*)\]\(\./media/[^)\n]*\) *")
STICKER_LINK = re.compile(r"\[([^\]\n]*)\]\(\.\./exported_stickers/[^)\n]*\) *")
STICKER_LINE = re.compile(r"\n\(\( (.*) \)\) *$")
REACTIONS = re.compile(r"\n\(- (.*) -\) *(?=\n|$)")
QUOTE = re.compile(r"\n\n((?:> [^\n]*(?:\n|$))+)\n?")
DELETED = "(This message was deleted)"
CALL = re.compile(r"(?:Incoming|Outgoing|Missed) (?:(?:voice|video) )?call(?: \([^)\n]*\))?")
# signal-export renames copied attachments "<ISO time>_<index>_<original name>".
RENAMED = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ][\d.:-]+)?_\d{2}_(.+)$")
# Cheap test for a body that needs the slow path (quote, attachment, sticker, reactions, deletion, call).
NEEDS_LOOK = re.compile(r"\]\(\.|\n\(|^\n\n> |^\(This message was deleted\)|^(?:Incoming|Outgoing|Missed) ")
IMAGE_EXT = frozenset({"png", "jpg", "jpeg", "gif", "tif", "tiff", "webp", "apng", "svg", "heic"})
AUDIO_EXT = frozenset({"m4a", "aac", "mp3", "ogg", "opus", "wav", "flac"})
VIDEO_EXT = frozenset({"mp4", "mov", "mkv", "mpeg", "webm", "qt"})
HOW = "Export the chat again with signal-export (sigexport) and import its chat.md."


def sniff(head: str, name: str) -> float:
    """Confident when every bracket header is Signal's and Signal's own marks, or a minute-only clock, are there."""
    head = head.replace("\r\n", "\n")
    headers = HEADER.findall(head)
    if not headers:
        return 0.0
    others = sum(1 for _ in _ANY_BRACKET_HEADER.finditer(head)) - len(headers)
    if others * 4 > len(headers):
        return 0.0
    marked = (_SIGNAL_MARKS.search(head) is not None
              or len(_TRAILING_BREAK.findall(head)) * 2 >= len(headers)
              or len(_MINUTE_CLOCK.findall(head)) * 2 >= len(headers))
    return 0.97 if marked else 0.6


def attachment_kind(file_name: str) -> str:
    """Media kind from the extension, as signal-export's own ``is_image``/``is_audio``/``is_video`` decide."""
    ext = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if ext in IMAGE_EXT:
        return "image"
    if ext in AUDIO_EXT:
        return "voice"
    if ext in VIDEO_EXT:
        return "video"
    return "file"


def original_name(shown: str) -> str:
    """The file name the sender chose, without the ``<time>_<n>_`` prefix signal-export adds."""
    m = RENAMED.match(shown)
    return m.group(1) if m else shown


def classify(text: str, people: set[tuple[str, str]]) -> tuple[str, str, str]:
    """Kind, text and quoted text of a body with Signal markup; reaction names go to ``people``."""
    text = text.rstrip("\n")
    names = [original_name(n) for n in ATTACHMENT.findall(text)]
    if names:
        text = ATTACHMENT.sub("", text)
    sticker: str | None = None
    m = STICKER_LINK.search(text) or STICKER_LINE.search(text)
    if m:
        sticker = m.group(1).strip()
        text = text[:m.start()] + text[m.end():]
    for r in REACTIONS.findall(text):
        for part in r.split(", "):
            who = part.rsplit(":", 1)[0].strip()
            if who:
                people.add((who, "reaction"))
    text = REACTIONS.sub("", text)
    quote = ""
    q = QUOTE.match(text)
    if q:
        quote = "\n".join(line[2:] for line in q.group(1).rstrip("\n").split("\n"))
        text = text[q.end():]
    text = text.rstrip(" \n")
    if text == DELETED:
        return "system", "This message was deleted", quote
    if names:
        kind = attachment_kind(names[0])
        if kind == "file":
            return kind, "\n".join([*names, text] if text else names), quote
        return kind, text, quote
    if sticker is not None:
        return "sticker", "" if sticker == "sticker" else sticker, quote
    if CALL.fullmatch(text):
        return "call", text, quote
    if not text:
        return "system", "", quote
    return "text", text, quote


def _times(dates: list[str], clocks: list[str]) -> list[str]:
    """ISO times; "" for impossible dates (e.g. 2024-02-30). Distinct values only are parsed."""
    table: dict[tuple[str, str], str] = {}
    out: list[str] = []
    for d, c in zip(dates, clocks):
        key = (d, c)
        iso = table.get(key)
        if iso is None:
            clock = c if len(c) == 8 else c + ":00"
            try:
                iso = datetime.strptime(f"{d}T{clock}", "%Y-%m-%dT%H:%M:%S").strftime("%Y-%m-%dT%H:%M:%S")
            except ValueError:
                iso = ""
            table[key] = iso
        out.append(iso)
    return out


def parse(path: Path, text: str | None) -> ParsedExport:
    """Parse a signal-export ``chat.md``."""
    if text is None:
        raise BadInputError("Signal chat.md needs the text of the file.")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = HEADER.split(text)
    del text
    step = N_GROUPS + 1
    if len(parts) < step:
        raise BadInputError(f"no Signal messages found (lines like '[2024-05-01 09:00:00] Name: text'). {HOW}")
    notes: list[str] = []
    if parts[0].strip():
        notes.append("Text before the first message was ignored.")
    times = _times(parts[1::step], parts[2::step])
    firsts, afters = parts[3::step], parts[step::step]
    senders: list[str] = []
    kinds: list[str] = []
    texts: list[str] = []
    quotes: list[str] = []
    kept: list[str] = []
    people: set[tuple[str, str]] = set()
    bad = 0
    for iso, first, after in zip(times, firsts, afters):
        if not iso:  # an impossible date: the line is text of the message before it
            bad += 1
            if texts:
                texts[-1] = (texts[-1] + "\n" + first + after).rstrip(" \n")
            continue
        sender, body = _split_sender(first, after)
        if body and NEEDS_LOOK.search(body):
            kind, body, quote = classify(body, people)
        else:
            body = body.rstrip(" \n")
            kind, quote = ("text" if body else "system"), ""
        if kind == "system" and not body:
            sender = ""  # a Signal notice (group change, timer, safety number) the exporter leaves without text
        senders.append(sender)
        kinds.append(kind)
        texts.append(body)
        quotes.append(quote)
        kept.append(iso)
    if bad:
        notes.append(f"{bad} header-like lines had impossible dates and were kept as text of the previous message.")
    if not kept:
        raise BadInputError(f"no Signal message has a possible date. {HOW}")
    return _assemble(path, kept, senders, kinds, texts, quotes, notes, people)


def _split_sender(first: str, after: str) -> tuple[str, str]:
    """Sender and body of one message; ``after`` (the lines below the header) starts with its newline."""
    cut = first.find(": ")
    if cut >= 0:
        return first[:cut].strip(), first[cut + 2:] + after
    stripped = first.rstrip()
    if stripped.endswith(":") and len(stripped) > 1:  # "Name:" with the trailing space trimmed by an editor
        return stripped[:-1].strip(), after
    return "", first + after


def _assemble(path: Path, times: list[str], senders: list[str], kinds: list[str], texts: list[str],
              quotes: list[str], notes: list[str], people: set[tuple[str, str]]) -> ParsedExport:
    """Name the chat from its participants, decide is_group, and mark "Me"."""
    counts = Counter(s for s in senders if s)
    has_me = ME in counts
    others = [s for s, _ in counts.most_common() if s not in (ME, NO_SENDER)]
    if has_me:
        is_group = len(others) >= 2
    else:
        is_group = len(others) > 2
    if has_me and len(others) == 1:
        chat = others[0]
    elif others:
        names = sorted(others)
        chat = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    elif has_me:
        chat = "Note to Self"
    else:
        chat = f"Signal chat {Path(path).stem}".strip()
    df = pd.DataFrame({"sender": senders, "kind": kinds, "text": texts, "quote": quotes, "time": times})
    df["sender_id"] = df["sender"]
    df["chat"] = chat
    df["chat_key"] = chat
    df["is_group"] = is_group
    if has_me:
        df["is_me"] = pd.array((df["sender"] == ME).to_numpy(), dtype="boolean")
        ranked = [ME] + others
    else:
        df["is_me"] = pd.array([pd.NA] * len(df), dtype="boolean")
        ranked = others
    if NO_SENDER in counts:
        notes.append(f"{counts[NO_SENDER]} messages had no sender name in the export ({NO_SENDER}).")
    return ParsedExport(messages=df, format="signal_txt", me_candidates=ranked, notes=notes, people=sorted(people))


register(Importer(name="signal_txt", label="Signal · signal-export chat.md", sniff=sniff, parse=parse))
