"""``python -m lib pii-scan``'s wire format: ``{"id", "text"}`` lines in, ``{"id", "spans"}`` lines out.

Lines are one chat in order: each line is judged with the line before it as context (a question it may answer). A
bad line gets an ``error`` line and resets that context; it never stops the stream. Batches of raw lines are the unit
of work, so :class:`lib.pii.parallel.AnalyzerPool` can spread them over the cores and keep their order.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TextIO

from lib.pii.analyzer import Analyzer, hits_to_json

BATCH_LINES = 4000
_scan_once = json.JSONDecoder().scan_once  # the C scanner json.loads ends in, without its per-call Python layers


def _loads(line: str) -> object:
    """``json.loads(line)``, faster for the good lines of a big file; a bad one raises json's own error."""
    s = line.strip(" \t\n\r")
    try:
        obj, end = _scan_once(s, 0)
    except (StopIteration, ValueError):
        end, obj = -1, None
    if end != len(s):
        return json.loads(line)  # raises the error the user should see (or parses what the fast path refused)
    return obj


def _text_of(line: str | None) -> str | None:
    """The text of a good input line (the next line's context), else None."""
    if not line or not line.strip():
        return None
    try:
        rec = json.loads(line)
    except ValueError:
        return None
    return rec["text"] if isinstance(rec, dict) and isinstance(rec.get("text"), str) else None


def scan_lines(analyzer: Analyzer, lines: list[tuple[int, str]], before: str | None) -> tuple[str, list[str], int]:
    """Scan numbered raw lines; ``before`` is the raw line just before them. Returns (output text, error messages for
    stderr, count of bad lines)."""
    prev = _text_of(before)
    # parse every line first, then detect over the whole batch at once (Analyzer.analyze_batch)
    parsed: list[tuple[int, object, str | None, str]] = []  # (line number, id, text or None, error)
    items: list[tuple[str, str | None]] = []
    for n, line in lines:
        rid, text, error = None, None, ""
        try:
            rec = _loads(line)
        except ValueError as exc:
            rec, error = None, f"not JSON ({exc})"
        if isinstance(rec, dict):
            rid = rec.get("id")
            text = rec.get("text")
            if isinstance(text, str):
                items.append((text, prev))
                prev = text
            else:
                text, error = None, 'no string "text" field'
        elif not error:
            error = 'expected an object {"id", "text"}'
        if error:
            prev = None
        parsed.append((n, rid, text, error))
    found = iter(analyzer.analyze_batch(items))
    buf: list[str] = []
    errors: list[str] = []
    for n, rid, text, error in parsed:
        if text is not None:
            hits = next(found)
            if hits:
                buf.append(json.dumps({"id": rid, "spans": hits_to_json(hits)}, ensure_ascii=False))
            else:  # most lines: skip building and encoding a dict
                rid_json = str(rid) if type(rid) is int else json.dumps(rid)  # default encoder: cached
                buf.append(f'{{"id": {rid_json}, "spans": []}}')
        else:
            errors.append(f"error: line {n}: {error}")
            buf.append(json.dumps({"id": rid, "spans": [], "error": f"line {n}: {error}"}, ensure_ascii=False))
    return ("\n".join(buf) + "\n") if buf else "", errors, len(errors)


def batches(src: Iterable[str], size: int = BATCH_LINES) -> Iterator[tuple[list[tuple[int, str]], str | None]]:
    """Non-blank numbered lines in batches, each with the raw line before it (its first line's context)."""
    batch: list[tuple[int, str]] = []
    before: str | None = None
    for n, line in enumerate(src, 1):
        if not line.strip():
            continue
        batch.append((n, line))
        if len(batch) >= size:
            yield batch, before
            before = batch[-1][1]
            batch = []
    if batch:
        yield batch, before


CHUNK_BYTES = 1 << 18


def file_chunks(path: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[tuple[str, int, int, int]]:
    """``(path, start, end, first line number)`` for pieces of the file cut at line ends: workers read their own
    piece, so no line travels between processes. One pass over the file in blocks, counting line ends (bounded
    memory whatever its size)."""
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        start, line_no = 0, 1
        while start < size:
            f.seek(min(size, start + chunk_bytes))
            f.readline()  # to the end of the line that straddles the cut
            end = min(size, f.tell())
            f.seek(start)
            newlines = f.read(end - start).count(b"\n")
            yield path, start, end, line_no
            start, line_no = end, line_no + newlines


def _line_before(f, start: int) -> str | None:
    """The raw line just before byte ``start`` (the first line's context), read from at most 64 KiB back."""
    if start == 0:
        return None
    back = min(start, 1 << 16)
    f.seek(start - back)
    lines = f.read(back).decode("utf-8", errors="replace").split("\n")
    return lines[-2] if len(lines) >= 2 else None


def scan_chunk(analyzer: Analyzer, chunk: list, _before: None) -> tuple[str, list[str], int]:
    """:func:`scan_lines` over one piece of a file (see :func:`file_chunks`), read by the worker itself."""
    (path, start, end, line_no), = chunk
    with open(path, "rb") as f:
        before = _line_before(f, start)
        f.seek(start)
        text = f.read(end - start).decode("utf-8", errors="replace")
    lines = [(line_no + i, line) for i, line in enumerate(text.split("\n")) if line.strip()]
    return scan_lines(analyzer, lines, before)


def scan_stream(analyzer: Analyzer, src: Iterable[str], out: TextIO, err: TextIO, path: str | None = None) -> int:
    """Scan ``src`` into ``out`` (errors to ``err``); returns the bad lines. A big file (``path`` given) is scanned
    on every core, each worker reading its own pieces; results are written in input order."""
    import os

    from lib.pii.parallel import AnalyzerPool

    bad = 0
    # ~55 bytes per short chat line: the file size says whether workers pay off before reading it
    size = os.path.getsize(path) if path else 0
    with AnalyzerPool(analyzer, size // 55) as pool:
        if pool.parallel and path:
            results = pool.map_lines((([c], None) for c in file_chunks(path)), scan_chunk)
        else:
            results = pool.map_lines(batches(src), scan_lines)
        for text, errors, n_bad in results:
            for e in errors:
                print(e, file=err)
            bad += n_bad
            out.write(text)
    out.flush()
    return bad
