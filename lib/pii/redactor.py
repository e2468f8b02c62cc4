"""The export contract: what every training file's text goes through, and every surface that prints a name.

Every detection that was not explicitly rejected is replaced (pending and skipped ones included: safe by default),
and so is every owner term. Before anything is exported the scan is brought up to date, so messages imported since
the last review are covered too.

Strings that are not stored messages (file names, chat names, notes, the persona prompt, statistics labels, chat
transcripts) go through :meth:`Redactor.text`: the workspace's analyzer runs over them too, because a name may appear
only in a file name or in another form than in the messages ("WhatsApp Chat with Jane Doe" vs the sender "Jane"). A
value found there gets the replacement the exports use for it, creating its value row when it has none, so its
placeholder index is the one the messages use.
"""
from __future__ import annotations

import re
import sqlite3

from lib import db
from lib.pii.base import default_norm
from lib.pii.operators import apply as apply_spans
from lib.pii.operators import replacement as make_replacement
from lib.pii.store import PiiStore

# Separators that glue words into a file or folder name ("jane_doe-chat.txt"), between two letters only (dates and
# numbers keep their shape); read as spaces on a second pass.
_GLUE = re.compile(r"(?<=[^\W\d_])[_.\-+](?=[^\W\d_])")
_TEXT_CACHE = 20_000  # distinct strings remembered per Redactor (chat and file names repeat on every record)
SURFACE_REASON = "found outside the messages (a file, chat or other name)"


class Redactor:
    """Loaded once per export: the live spans of every message and one replacement per value.

    ``scan``: bring the scan up to date first (exports). Surfaces that only print names pass False: the values already
    known still apply, and :meth:`text` runs the analyzer itself.
    """

    def __init__(self, ws, scan: bool = True) -> None:
        self.ws = ws
        self.store = PiiStore(ws)
        if scan and not self.store.is_current():
            self.store.scan()
        self._modes = self.store.modes()
        self._salt = self.store.salt()
        self._rep: dict[int, str] = {}
        self._surface: dict[str, int] = {}  # original value -> value id, for the literal pass of text()
        self._ids: dict[tuple[str, str], int | None] = {}  # (kind, norm) -> value id; None: rejected (not private)
        for vid, kind, norm, value, idx, rep, status in ws.conn.execute(
                "SELECT id, kind, norm, value, idx, replacement, status FROM pii_values"):
            if status == "rejected":
                self._ids[(kind, norm)] = None
                continue
            self._ids[(kind, norm)] = vid
            self._rep[vid] = rep or make_replacement(kind, value, self._modes.get(kind, "placeholder"), idx, self._salt)
            self._surface.setdefault(value, vid)
        self._hits: dict[int, list[tuple[int, int, int, float]]] | None = None  # loaded on first use
        self._free: re.Pattern | None = None
        self._keys: dict[str, int] = {}
        self._analyzer = None
        self._texts: dict[str, str] = {}

    def _message_hits(self) -> dict[int, list[tuple[int, int, int, float]]]:
        """Every live span of the workspace, read once: surfaces that only redact names never pay for it."""
        if self._hits is None:
            self._hits = {}
            for mid, s, e, vid, score in self.ws.conn.execute(
                    "SELECT h.message_id, h.start, h.end, h.value_id, h.score FROM pii_hits h "
                    "JOIN pii_values v ON v.id = h.value_id WHERE v.status != 'rejected'"):
                self._hits.setdefault(mid, []).append((s, e, vid, score))
        return self._hits

    @property
    def hit_ids(self) -> set[int]:
        """Messages with at least one live span (the rest pass through :meth:`message` unchanged)."""
        return self._message_hits().keys()  # type: ignore[return-value]

    def replacement(self, value_id: int) -> str:
        return self._rep[value_id]

    def message(self, message_id: int, text: str) -> str:
        """The redacted text of one stored message."""
        spans = self._message_hits().get(message_id)
        if not spans:
            return text
        if any(e > len(text) for _, e, _, _ in spans):
            return self.text(text)  # the text changed since the scan: fall back to value matching
        return apply_spans(text, merged_spans(spans, self._rep))

    def text(self, text: str) -> str:
        """Any other string bound for an export or a surface (chat and file names, notes, persona text, transcripts):
        every value the analyzer finds in it, and every known live value wherever it occurs, replaced as the exports
        replace it. Overlapping matches merge, the longest deciding the replacement."""
        if not text:
            return text
        out = self._texts.get(text)
        if out is None:
            spans = self._detected(text) + self._literal(text)
            out = apply_spans(text, merged_spans(spans, self._rep)) if spans else text
            if len(self._texts) < _TEXT_CACHE:
                self._texts[text] = out
        return out

    def file_name(self, name: str, default: str = "file") -> str:
        """:meth:`text`, then a name every file system takes (see :func:`safe_file_name`)."""
        return safe_file_name(name, self, default)

    def _literal(self, text: str) -> list["Span"]:
        """Every known live value wherever it occurs, longest first, case-insensitively, with the recognizers'
        ASCII boundaries: ``Al`` is not found in ``Also``; ``张三`` is found in ``我是张三啊``; the phone of
        ``tel13812345678`` is found."""
        if not self._surface:
            return []
        if self._free is None:
            from lib.pii.recognizers.person import literal_alternation

            self._keys = {}
            for value, vid in self._surface.items():
                if value.strip():
                    self._keys.setdefault(_key(value), vid)
            self._free = re.compile(literal_alternation(v for v in self._surface if v.strip()), re.IGNORECASE)
        out = []
        for m in self._free.finditer(text):
            vid = self._keys.get(_key(m.group(0)))
            if vid is None:  # a case or spacing form the table does not know: replace it all the same
                vid = self._fallback("PII")
            out.append((m.start(), m.end(), vid, 1.0))
        return out

    def _fallback(self, kind: str) -> int:
        """A replacement with no value row, for the rare case where the row cannot be had: never print the value."""
        vid = -1 - len(self._rep)
        self._rep[vid] = f"<{kind}>"
        return vid

    def _detected(self, text: str) -> list["Span"]:
        """The analyzer's detections in ``text`` and in its copy with ``_ - . +`` read as spaces (same offsets), so
        ``jane_doe.txt`` is read like ``jane doe txt``. All spans score alike: the longest one wins a merge."""
        if self._analyzer is None:
            from lib.pii.analyzer import Analyzer

            self._analyzer = Analyzer(self.store.config())
        out: list[Span] = []
        variants = [text]
        spaced = _GLUE.sub(" ", text)
        if spaced != text:
            variants.append(spaced)
        for variant in variants:
            for h in self._analyzer.analyze(variant):
                surface = variant[h.start:h.end]
                norm = h.norm or default_norm(surface)
                vid = self._value_id(h.kind, norm, surface.strip()) if norm else None
                if vid is not None:
                    out.append((h.start, h.end, vid, 1.0))
        return out

    def _value_id(self, kind: str, norm: str, surface: str) -> int | None:
        """The value row of (kind, norm), created on first sight with the kind's next index, exactly as a scan would
        create it (so a later scan of messages reuses it). None when the owner rejected it."""
        key = (kind, norm)
        if key in self._ids:
            return self._ids[key]
        conn = self.ws.conn
        try:
            row = self._row(kind, norm)
            if row is None:
                if conn.in_transaction:
                    self._insert(kind, norm, surface)
                else:
                    with db.transaction(conn):
                        self._insert(kind, norm, surface)
                row = self._row(kind, norm)
        except sqlite3.Error:
            row = None
        if row is None:  # the database could not take it: replace anyway, never print the value
            self._ids[key] = self._fallback(kind)
            return self._ids[key]
        vid, value, idx, rep, status = row
        if status == "rejected":
            self._ids[key] = None
            return None
        self._ids[key] = vid
        self._rep[vid] = rep or make_replacement(kind, value, self._modes.get(kind, "placeholder"), idx, self._salt)
        if value not in self._surface:
            self._surface[value] = vid
            self._free = None
        return vid

    def _row(self, kind: str, norm: str):
        return self.ws.conn.execute("SELECT id, value, idx, replacement, status FROM pii_values "
                                    "WHERE kind = ? AND norm = ?", (kind, norm)).fetchone()

    def _insert(self, kind: str, norm: str, surface: str) -> None:
        self.ws.conn.execute(
            "INSERT OR IGNORE INTO pii_values(kind, norm, value, idx, source, reason) VALUES "
            "(?, ?, ?, (SELECT COALESCE(MAX(idx), 0) + 1 FROM pii_values WHERE kind = ?), 'surface', ?)",
            (kind, norm, surface, kind, SURFACE_REASON))


def _key(value: str) -> str:
    """How the literal pass looks a match up: case and runs of spaces do not matter (the pattern ignores both)."""
    return " ".join(value.split()).lower()


_UNSAFE = re.compile(r"[^\w.\- ]+")  # \w keeps letters of every script (Chinese file names stay readable)
_RUNS = re.compile(r"_{2,}")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def safe_file_name(name: str, redactor: "Redactor | None" = None, default: str = "file", max_len: int = 80) -> str:
    """A file or folder name with no detected value (when ``redactor`` is given) that every file system and zip tool
    takes: placeholders' ``<`` ``>``, slashes and other specials become ``_``, length bounded, never empty."""
    text = redactor.text(name) if redactor is not None and name else (name or "")
    text = _RUNS.sub("_", _UNSAFE.sub("_", text)).strip(" ._")[:max_len].strip(" ._")
    if not text or text.split(".")[0].lower() in _RESERVED:
        return default
    return text


def surface_redactor(ws) -> Redactor:
    """One :class:`Redactor` per workspace handle for pages that print names (statistics, chat downloads): no scan,
    no message spans loaded, reused until anything is written (a decision, an import)."""
    return ws.cached("pii.surface_redactor", lambda: Redactor(ws, scan=False))


Span = tuple[int, int, int, float]  # (start, end, value_id, score)


def clusters(spans: list[Span]) -> list[tuple[int, int, Span, list[Span]]]:
    """Overlapping spans grouped: ``(start, end, best, members)`` covering all members, where ``best`` (highest
    score, then longest) decides the replacement. The one merge rule of exports and of the review page's diff."""
    out: list[tuple[int, int, Span, list[Span]]] = []
    for s in sorted(spans, key=lambda s: (s[0], -s[1])):
        if out and s[0] < out[-1][1]:
            cs, ce, best, members = out[-1]
            if (s[3], s[1] - s[0]) > (best[3], best[1] - best[0]):
                best = s
            out[-1] = (cs, max(ce, s[1]), best, [*members, s])
        else:
            out.append((s[0], s[1], s, [s]))
    return out


def merged_spans(spans: list[Span], reps: dict[int, str]) -> list[tuple[int, int, str]]:
    """Overlapping spans become one span covering all of them, replaced by the best one's replacement, so no
    fragment of any value survives."""
    return [(cs, ce, reps[best[2]]) for cs, ce, best, _ in clusters(spans)]
