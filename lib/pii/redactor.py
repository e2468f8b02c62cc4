"""The export contract: what every training file's text goes through.

Every detection that was not explicitly rejected is replaced (pending and skipped ones included: safe by default),
and so is every owner term. Before anything is exported the scan is brought up to date, so messages imported since
the last review are covered too.
"""
from __future__ import annotations

import re

from lib.pii.operators import apply as apply_spans
from lib.pii.operators import replacement as make_replacement
from lib.pii.store import PiiStore


class Redactor:
    """Loaded once per export: the live spans of every message and one replacement per value."""

    def __init__(self, ws, scan: bool = True) -> None:
        self.store = PiiStore(ws)
        if scan and not self.store.is_current():
            self.store.scan()
        modes = self.store.modes()
        salt = self.store.salt()
        self._rep: dict[int, str] = {}
        self._surface: dict[str, str] = {}
        for vid, kind, value, idx, rep in ws.conn.execute(
                "SELECT id, kind, value, idx, replacement FROM pii_values WHERE status != 'rejected'"):
            self._rep[vid] = rep or make_replacement(kind, value, modes.get(kind, "placeholder"), idx, salt)
            self._surface.setdefault(value, self._rep[vid])
        self._hits: dict[int, list[tuple[int, int, int, float]]] = {}
        for mid, s, e, vid, score in ws.conn.execute(
                "SELECT h.message_id, h.start, h.end, h.value_id, h.score FROM pii_hits h "
                "JOIN pii_values v ON v.id = h.value_id WHERE v.status != 'rejected'"):
            self._hits.setdefault(mid, []).append((s, e, vid, score))
        self._free: re.Pattern | None = None

    @property
    def hit_ids(self) -> set[int]:
        """Messages with at least one live span (the rest pass through :meth:`message` unchanged)."""
        return self._hits.keys()  # type: ignore[return-value]

    def replacement(self, value_id: int) -> str:
        return self._rep[value_id]

    def message(self, message_id: int, text: str) -> str:
        """The redacted text of one stored message."""
        spans = self._hits.get(message_id)
        if not spans:
            return text
        if any(e > len(text) for _, e, _, _ in spans):
            return self.text(text)  # the text changed since the scan: fall back to value matching
        return apply_spans(text, merged_spans(spans, self._rep))

    def text(self, text: str) -> str:
        """Any other string bound for an export (chat names, notes, persona text): every live value replaced
        wherever it occurs, longest first."""
        if not text or not self._surface:
            return text
        if self._free is None:
            alts = sorted(self._surface, key=len, reverse=True)
            self._free = re.compile("|".join(re.escape(a) for a in alts if a))
        return self._free.sub(lambda m: self._surface[m.group(0)], text)


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
