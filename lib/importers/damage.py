"""Say where a cut-off or damaged CSV or JSON export breaks, in terms a person can check: a line, a record, a byte.

A download or export that stops early leaves a CSV inside a quoted field (pyarrow then reads the rest of the file
as one cell, or pandas says "EOF inside string") and a JSON inside some record. Both deserve "export it again", and
the line or record tells the user how far the file got.
"""
from __future__ import annotations

import codecs
import collections
import csv
import io
import json
import re
from pathlib import Path

import numpy as np

# A quoted CSV field: its opening quote stands at the start of a field; inside, "" is a quote; the closing quote is
# optional so that a field the file never closes matches up to the end.
_QUOTED_FIELD = re.compile(r'(?:^|(?<=[,\t;\n\r]))"[^"]*(?:""[^"]*)*("?)')
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_MAX_NESTING = 64  # open containers followed when counting records (a nesting bomb is reported without a record)
_CUT_MESSAGES = ("Unterminated string", "Expecting value", "Expecting ',' delimiter", "Expecting ':' delimiter",
                 "Expecting property name")


def csv_unclosed_quote(path: Path, encoding: str) -> int | None:
    """Line (1-based) where a quoted field starts that the file never closes, else None.

    An even number of quote characters cannot leave a field open, and counting them is a fast byte scan; only an
    odd count pays for decoding the file and walking its quoted fields (with a regex, in C).
    """
    if not encoding.startswith(("utf-16", "utf-32")):
        count = 0
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 22):
                count += chunk.count(b'"')  # '"' is never part of a multi-byte character in our legacy code pages
        if count % 2 == 0:
            return None
    with open(path, "rb") as fh:
        text = codecs.decode(fh.read(), encoding, errors="replace")
    if text.count('"') % 2 == 0:
        return None
    last = collections.deque(_QUOTED_FIELD.finditer(text), maxlen=1)
    if not last or last[0].group(1):
        return None
    return text.count("\n", 0, last[0].start()) + 1


def csv_cut_message(line: int) -> str:
    return (f"the file has a quoted field that starts on line {line:,} and never ends: the file is cut off (the export "
            "or download stopped early) or damaged there. Export it again and import the new file.")


def json_error_message(text: str, exc: json.JSONDecodeError, how: str) -> str:
    """One sentence for a JSON that does not parse: "ends early at record N (line, column, byte)" when the text stops
    mid-way (what a cut-off download looks like), else the line and column of the damage. ``how`` says what to do."""
    how = how[:1].upper() + how[1:]
    body = text.rstrip()
    cut = exc.msg.startswith(_CUT_MESSAGES) and (exc.pos >= len(body) - 1 or exc.msg.startswith("Unterminated"))
    if not cut:
        return f"the JSON is damaged at line {exc.lineno:,}, column {exc.colno:,} ({exc.msg}). {how}"
    byte = len(text[:exc.pos].encode("utf-8", "surrogatepass"))
    record = json_record_at(text, exc.pos)
    where = f"at record {record:,} " if record else ""
    return (f"the file ends early {where}(line {exc.lineno:,}, column {exc.colno:,}, byte {byte:,}): the export or "
            f"download stopped before the end. {how}")


def json_record_at(text: str, pos: int) -> int | None:
    """1-based index of the element being written at ``pos`` in the longest JSON array still open there (the
    message or conversation list, not a message's own small arrays). None when there is none."""
    skeleton = _JSON_STRING.sub("0", text[:pos])  # every complete string becomes one scalar
    q = skeleton.find('"')
    if q >= 0:  # what is left of a string the text never closes: drop it
        skeleton = skeleton[:q]
    arr = np.frombuffer(skeleton.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    if not len(arr):
        return None
    opens = (arr == ord("[")) | (arr == ord("{"))
    step = opens.astype(np.int32) - ((arr == ord("]")) | (arr == ord("}"))).astype(np.int32)
    depth = np.cumsum(step, dtype=np.int32)
    final = int(depth[-1])
    if final < 1 or final > _MAX_NESTING:
        return None
    at_open = np.flatnonzero(opens)
    levels = depth[at_open]
    rev_levels = levels[::-1]
    best: int | None = None
    commas = arr == ord(",")
    for level in range(1, final + 1):
        hits = np.flatnonzero(rev_levels == level)
        if not len(hits):
            continue
        start = int(at_open[len(at_open) - 1 - hits[0]])  # the last container opened at this level: still open
        if arr[start] != ord("["):
            continue
        done = int(np.count_nonzero(commas[start + 1:] & (depth[start + 1:] == level)))
        if best is None or done + 1 > best:
            best = done + 1
    return best


_TAIL_BYTES = 1 << 20  # the last record is looked for in the last MiB (then the whole file)


def incomplete_utf8_tail(path: Path) -> int:
    """Bytes of an unfinished UTF-8 character at the very end of the file (1-3), else 0.

    A download cut inside a Chinese character leaves its first bytes; decoding then fails at the last byte and the
    whole file would be taken for a legacy code page. Only a tail that is valid UTF-8 up to that character counts, so
    a GB18030 file's last character is never mistaken for a cut one.
    """
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 4096))
        tail = fh.read()
    for k in (1, 2, 3):
        if len(tail) <= k:
            break
        lead = tail[-k]
        if lead & 0xC0 == 0x80:
            continue  # a continuation byte: the lead is further back
        need = 2 if lead & 0xE0 == 0xC0 else 3 if lead & 0xF0 == 0xE0 else 4 if lead & 0xF8 == 0xF0 else 1
        if need <= k:
            return 0
        body = tail[:-k]
        start = next((i for i in range(min(4, len(body))) if body[i] & 0xC0 != 0x80), 0)
        try:
            body[start:].decode("utf-8")
        except UnicodeDecodeError:
            return 0
        return k
    return 0


def csv_partial_last_row(path: Path, encoding: str, sep: str, n_columns: int, drop_bytes: int = 0) -> int | None:
    """Line (1-based) where the file's last row starts when the file stops inside that row, else None.

    A row is cut when nothing ends it (no line end after it) and it has fewer fields than the header, or when an
    unfinished character ends the file (``drop_bytes``, :func:`incomplete_utf8_tail`). A complete last row without
    a line end is kept: some writers leave it off. Called after the open-quote check, so the quotes from the last
    line end outside a field to the end of the file pair up. Reads the last MiB (the whole file for UTF-16/32, or
    when the last row is longer).
    """
    wide = encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32"))
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell() - drop_bytes
        if size <= 0:
            return None
        start = 0 if wide else max(0, size - _TAIL_BYTES)
        fh.seek(start)
        text = codecs.decode(fh.read(size - start), encoding, errors="replace")
        if text.endswith(("\n", "\r")):
            return None
        p = _record_start(text)
        if p < 0 and start > 0:
            fh.seek(0)
            start, text = 0, codecs.decode(fh.read(size), encoding, errors="replace")
            p = _record_start(text)
    if p < 0:
        return None  # only a header line: the parser reports that
    try:
        fields = next(csv.reader(io.StringIO(text[p + 1:], newline=""), delimiter=sep))
    except (csv.Error, StopIteration):
        fields = []
    if not drop_bytes and len(fields) >= n_columns:
        return None
    return (_count_newlines(path, start) if start else 0) + text.count("\n", 0, p + 1) + 1


def _record_start(text: str) -> int:
    """Index of the last ``\\n`` outside a quoted field (the line end before the last record), -1 if none."""
    quotes, end = 0, len(text)
    p = text.rfind("\n")
    while p >= 0:
        quotes += text.count('"', p, end)  # counted once per stretch: linear however many lines the record spans
        if quotes % 2 == 0:
            return p
        end, p = p, text.rfind("\n", 0, p)
    return -1


def _count_newlines(path: Path, end: int) -> int:
    """``\\n`` bytes in the first ``end`` bytes (one byte in every encoding this is used for)."""
    count = 0
    with open(path, "rb") as fh:
        left = end
        while left > 0 and (chunk := fh.read(min(left, 1 << 22))):
            count += chunk.count(b"\n")
            left -= len(chunk)
    return count


def csv_partial_row_note(line: int) -> str:
    return (f"the file ends in the middle of the row that starts on line {line:,}: the export or download stopped "
            "early. That partial row was left out; export the chat again to get every message.")
