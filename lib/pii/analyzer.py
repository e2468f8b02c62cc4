"""Run every recognizer over a message and turn overlapping candidates into clean, non-overlapping detections."""
from __future__ import annotations

import re
from typing import Iterable, Iterator

from lib.pii.base import AnalyzerConfig, Hit, Recognizer, default_norm, fold_width

_WIDE = re.compile("[\uff01-\uff5e\u3000]")
_DIGIT = re.compile("[0-9\uff10-\uff19]")  # ASCII or full-width: the features are read before folding
_ALPHA = re.compile("[A-Za-z\uff21-\uff3a\uff41-\uff5a]")
_ANY = re.compile("[0-9A-Za-z@\uff10-\uff19\uff20-\uff3a\uff41-\uff5a]")
GATES = ("", "digit", "alpha", "alnum", "digit+alpha", "@")


class Analyzer:
    """``Analyzer(config).analyze(text)`` → sorted, non-overlapping hits at or above the threshold.

    Overlaps are resolved for safety first: overlapping candidates merge into one span covering all of them (so no
    fragment of a value survives), labelled with the kind of the best candidate (highest score, then longest).
    Allow-listed values (compared by :func:`default_norm`) are dropped before merging.

    Speed: most chat lines hold no ASCII digit or letter, and most recognizers need one. A recognizer declares what
    it needs in its ``needs`` attribute (one of :data:`GATES`; empty: run on every line), and the analyzer checks
    those features once per line instead of letting every recognizer search for its own.

    Context across messages: a recognizer with an ``analyze_followup(text, prev)`` method (see
    :mod:`lib.pii.recognizers.followup`) is not run per line; ``analyze(text, prev)`` calls it only when the previous
    message is given and ``text`` is short enough to be a value sent alone (its ``wants(text)`` says).
    """

    def __init__(self, config: AnalyzerConfig | None = None, recognizers: list[Recognizer] | None = None) -> None:
        self.config = config or AnalyzerConfig()
        if recognizers is None:
            from lib.pii.registry import default_recognizers

            recognizers = default_recognizers(self.config)
        self.recognizers = recognizers
        self._allow = {default_norm(a) for a in self.config.allow}
        self._followups = [r for r in recognizers if hasattr(r, "analyze_followup")]
        recognizers = [r for r in recognizers if not hasattr(r, "analyze_followup")]
        self._max_answer = max((getattr(r, "max_answer", 1 << 30) for r in self._followups), default=0)
        gated: dict[str, list[Recognizer]] = {g: [] for g in GATES}
        for rec in recognizers:
            gate = getattr(rec, "needs", "")
            gated[gate if gate in GATES else ""].append(rec)
        # One recognizer list per combination of line features (digit, letter, @), built once.
        self._plans: dict[tuple[bool, bool, bool], list[Recognizer]] = {}
        for digit in (False, True):
            for alpha in (False, True):
                for at in (False, True):
                    recs = list(gated[""])
                    recs += gated["digit"] if digit else []
                    recs += gated["alpha"] if alpha else []
                    recs += gated["alnum"] if digit or alpha else []
                    recs += gated["digit+alpha"] if digit and alpha else []
                    recs += gated["@"] if at else []
                    self._plans[(digit, alpha, at)] = recs

    def candidates(self, text: str) -> list[Hit]:
        """All raw candidates above the threshold, before overlap resolution (for explanations and tests)."""
        if _ANY.search(text) is None:  # most chat lines: no ASCII (or full-width) letter, digit or @
            plan, folded = self._plans[(False, False, False)], text
            if not plan:
                return []
        else:  # only lines that can hold a pattern pay for the feature checks and width folding
            digit = _DIGIT.search(text) is not None
            alpha = _ALPHA.search(text) is not None
            plan = self._plans[(digit, alpha, "@" in text or "\uff20" in text)]
            folded = fold_width(text) if _WIDE.search(text) else text
        out: list[Hit] = []
        threshold = self.config.threshold
        for rec in plan:
            for h in rec.analyze(folded):
                if h.score >= threshold and h.end > h.start:
                    out.append(h)
        if self._allow and out:
            out = [h for h in out if default_norm(text[h.start:h.end]) not in self._allow
                   and (not h.norm or h.norm not in self._allow)]
        return out

    def analyze(self, text: str, prev: str | None = None) -> list[Hit]:
        """Hits in ``text``; ``prev`` is the message before it in the same chat (a question it may answer)."""
        if not text:
            return []
        hits = self.candidates(text)
        if prev and self._followups and len(text) <= self._max_answer and self.wants_prev(text):  # cheap tests first
            hits = hits + self._followup_candidates(text, prev)
        return resolve(hits, text) if len(hits) > 1 else hits

    def wants_prev(self, text: str) -> bool:
        """Whether the previous message could change what ``text`` holds: callers fetch it only then."""
        for rec in self._followups:
            if rec.wants(text):
                return True
        return False

    def _followup_candidates(self, text: str, prev: str) -> list[Hit]:
        folded = fold_width(text) if _WIDE.search(text) else text
        out = [h for rec in self._followups for h in rec.analyze_followup(folded, prev)
               if h.score >= self.config.threshold and h.end > h.start]
        if self._allow and out:
            out = [h for h in out if default_norm(text[h.start:h.end]) not in self._allow
                   and (not h.norm or h.norm not in self._allow)]
        return out

    def analyze_many(self, texts: Iterable[str]) -> Iterator[list[Hit]]:
        for t in texts:
            yield self.analyze(t)


def resolve(hits: list[Hit], text: str) -> list[Hit]:
    """Merge overlapping hits into single spans (see :class:`Analyzer`). Returns hits sorted by start."""
    if len(hits) <= 1:
        return hits
    hits = sorted(hits, key=lambda h: (h.start, -h.end))
    out: list[Hit] = []
    cluster: list[Hit] = [hits[0]]
    end = hits[0].end
    for h in hits[1:]:
        if h.start < end:
            cluster.append(h)
            end = max(end, h.end)
        else:
            out.append(_merge(cluster, end, text))
            cluster, end = [h], h.end
    out.append(_merge(cluster, end, text))
    return out


def _merge(cluster: list[Hit], end: int, text: str) -> Hit:
    if len(cluster) == 1:
        return cluster[0]
    best = max(cluster, key=lambda h: (h.score, h.length))
    start = cluster[0].start
    if best.start == start and best.end == end:
        return best
    return Hit(best.kind, start, end, best.score, best.reason + " (merged with an overlapping detection)",
               "" if (best.start, best.end) != (start, end) else best.norm)


def hits_to_json(hits: list[Hit]) -> list[dict]:
    """The ``pii-scan`` wire shape of a message's hits."""
    return [{"start": h.start, "end": h.end, "kind": h.kind, "score": round(h.score, 3)} for h in hits]
