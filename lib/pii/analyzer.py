"""Run every recognizer over a message and turn overlapping candidates into clean, non-overlapping detections."""
from __future__ import annotations

import re
from typing import Iterable, Iterator

from lib.pii.base import AnalyzerConfig, Batch, Hit, Recognizer, default_norm, fold_width

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
        self._wants = tuple(r.wants for r in self._followups)
        # a plain line (no ASCII letter, digit or @) needs only a recognizer's cheaper test, when it has one
        plain_wants = tuple(getattr(r, "wants_plain", r.wants) for r in self._followups)
        self._wants_plain = plain_wants[0] if len(plain_wants) == 1 else (lambda t: any(w(t) for w in plain_wants))
        # Recognizers that run on every line and can take a whole batch in one scan (``analyze_many``): in
        # analyze_batch they run once per batch, outside the per-line plans
        self._many = [r for r in recognizers if hasattr(r, "analyze_many")]
        # Recognizers that declare a ``hint`` (a pattern every text they find something in matches) and/or a
        # ``hint_lower`` (the same, over the lower-cased text): in analyze_batch they run only on the lines one scan
        # of the batch finds the hint in, so most English lines cost them no call at all
        self._hinted = [r for r in recognizers if r not in self._many
                        and (getattr(r, "hint", None) is not None or getattr(r, "hint_lower", None) is not None)]
        self._hint_plan = [(r.analyze, _line_rx(getattr(r, "hint", None)), _line_rx(getattr(r, "hint_lower", None)),
                            getattr(r, "needs", "")) for r in self._hinted]
        # nothing but batch recognizers (the scan that looks for names and values found elsewhere): no per-line work
        self._pure = len(self._many) == len(recognizers) and not self._followups
        self._calls_lines: dict[tuple[bool, bool, bool], tuple] = {}
        gated: dict[str, list[Recognizer]] = {g: [] for g in GATES}
        for rec in recognizers:
            gate = getattr(rec, "needs", "")
            gated[gate if gate in GATES else ""].append(rec)
        # One recognizer list per combination of line features (digit, letter, @), built once, as bound methods: the
        # per-line loop then does no attribute look-ups.
        self._plans: dict[tuple[bool, bool, bool], list[Recognizer]] = {}
        self._calls: dict[tuple[bool, bool, bool], tuple] = {}
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
                    self._calls[(digit, alpha, at)] = tuple(r.analyze for r in recs)
                    self._calls_lines[(digit, alpha, at)] = tuple(r.analyze for r in recs
                                                                  if r not in self._many and r not in self._hinted)
        self._plain = self._calls[(False, False, False)]
        self._plain_lines = self._calls_lines[(False, False, False)]
        self._asks_prev: tuple[str | None, bool] = (None, False)

    def candidates(self, text: str) -> list[Hit]:
        """All raw candidates above the threshold, before overlap resolution (for explanations and tests)."""
        return self._candidates(text)[0]

    def _candidates(self, text: str) -> tuple[list[Hit], bool]:
        """Candidates, and whether the line is plain (no ASCII or full-width letter, digit or @)."""
        plain, calls, folded = self._prepare(text, self._plain, self._calls)
        return self._run(text, calls, folded, []), plain

    @staticmethod
    def _prepare(text: str, plain_calls: tuple, plans: dict) -> tuple[bool, tuple, str]:
        """(plain, the recognizers this line needs, the text they read)."""
        if _ANY.search(text) is None:  # most chat lines
            return True, plain_calls, text
        # only lines that can hold a pattern pay for the feature checks and width folding
        calls = plans[(_DIGIT.search(text) is not None, _ALPHA.search(text) is not None,
                       "@" in text or "\uff20" in text)]
        return False, calls, (fold_width(text) if _WIDE.search(text) else text)

    def _run(self, text: str, calls: tuple, folded: str, out: list[Hit]) -> list[Hit]:
        """``out`` (hits found already) plus the hits of ``calls``, above the threshold and not allow-listed."""
        for call in calls:
            found = call(folded)
            if found:
                out += found
        if out:
            threshold = self.config.threshold
            out = [h for h in out if h.score >= threshold and h.end > h.start]
            if self._allow and out:
                out = [h for h in out if default_norm(text[h.start:h.end]) not in self._allow
                       and (not h.norm or h.norm not in self._allow)]
        return out

    def analyze(self, text: str, prev: str | None = None) -> list[Hit]:
        """Hits in ``text``; ``prev`` is the message before it in the same chat (a question it may answer)."""
        if not text:
            return []
        hits, plain = self._candidates(text)
        return self._finish(text, prev, hits, plain)

    def _finish(self, text: str, prev: str | None, hits: list[Hit], plain: bool) -> list[Hit]:
        """Add the answer-to-a-question hits and resolve overlaps."""
        if prev and self._followups and (self._wants_plain(text) if plain else self.wants_prev(text)) \
                and self._prev_asks(prev):
            hits = hits + self._followup_candidates(text, prev)
        return resolve(hits, text) if len(hits) > 1 else hits

    def analyze_batch(self, items: list[tuple[str, str | None]]) -> list[list[Hit]]:
        """``[analyze(text, prev) for text, prev in items]``, the same hits, faster: recognizers with
        ``analyze_many`` scan the whole batch at once, and only the lines that need one pay for a Python step: a line
        with an ASCII letter, digit or @ (its gated recognizers), a line a batch recognizer found something in, and
        a line that could answer the question before it. Most chat lines are none of these and cost nothing."""
        if not self._many:
            return [self.analyze(text, prev) for text, prev in items]
        if self._pure:
            return self._analyze_pure([text for text, _ in items])
        texts = [text for text, _ in items]
        n = len(texts)
        search = _ANY.search
        if self._plain_lines:  # a recognizer with no gate runs on every line
            special = [k for k in range(n) if texts[k]]
        else:
            special = [k for k, text in enumerate(texts) if search(text) is not None]
        folds = texts
        calls_of: dict[int, tuple] = {}
        feats: dict[int, tuple[bool, bool, bool]] = {}
        if special:
            folds = list(texts)
            digit, alpha, wide, plans = _DIGIT.search, _ALPHA.search, _WIDE.search, self._calls_lines
            for k in special:
                text = texts[k]
                if search(text) is None:
                    calls_of[k] = self._plain_lines
                    continue
                feat = feats[k] = (digit(text) is not None, alpha(text) is not None, "@" in text or "\uff20" in text)
                calls_of[k] = plans[feat]
                if wide(text):
                    folds[k] = fold_width(text)
        batch = Batch(folds)
        found = [rec.analyze_many(batch) for rec in self._many]
        if self._hinted:
            found.append(self._hinted_hits(batch, feats))
        todo = {k for k, calls in calls_of.items() if calls}
        for per_line in found:
            todo.update(per_line)
        want = self._wanting(batch, items, calls_of) if self._followups else set()
        todo |= want
        out: list[list[Hit]] = [[] for _ in range(n)]
        for k in sorted(todo):
            text = texts[k]
            if not text:
                continue
            first: list[Hit] = []
            for per_line in found:
                if k in per_line:
                    first += per_line[k]
            calls = calls_of.get(k, ())
            hits = self._run(text, calls, folds[k], first) if calls or first else first
            if k in want:
                prev = items[k][1]
                if self._prev_asks(prev):  # type: ignore[arg-type]
                    hits = hits + self._followup_candidates(text, prev)  # type: ignore[arg-type]
            out[k] = resolve(hits, text) if len(hits) > 1 else hits
        return out

    def _hinted_hits(self, batch: Batch, feats: dict[int, tuple[bool, bool, bool]]) -> dict[int, list[Hit]]:
        """Hits of the hinted recognizers, each called only on the lines of the batch that hold its hint and pass
        its gate (``feats``: the digit, letter and @ features of the lines that have any)."""
        out: dict[int, list[Hit]] = {}
        joined, line = batch.joined, batch.line
        for analyze, rx, rx_lower, needs in self._hint_plan:
            lines: set[int] | range = {line(m.start()) for r in rx for m in r.finditer(joined)}
            if rx_lower:
                lowered = batch.lowered()
                if lowered is None:  # a letter that lowers to two: no positions to map, call every line
                    lines = range(len(batch.texts))
                else:
                    lines.update(line(m.start()) for r in rx_lower for m in r.finditer(lowered))
            for k in lines:
                if needs and not _passes(needs, feats.get(k)):
                    continue
                hits = analyze(batch.text(k))
                if hits:
                    out.setdefault(k, []).extend(hits)
        return out

    def _wanting(self, batch: Batch, items: list[tuple[str, str | None]], special: dict[int, tuple]) -> set[int]:
        """Lines given a previous message that could be the value it asks for (:meth:`wants_prev` on the ``special``
        lines, those with an ASCII letter, digit or @; the cheaper plain test on the others), with one scan of the
        batch where every follow-up recognizer can (``wants_many``)."""
        if all(hasattr(r, "wants_many") for r in self._followups):
            out: set[int] = set()
            for rec in self._followups:
                out |= rec.wants_many(batch)
            return {k for k in out if items[k][1]}
        wants, wants_plain = self.wants_prev, self._wants_plain
        return {k for k, (text, prev) in enumerate(items)
                if prev and (wants(batch.text(k)) if k in special else wants_plain(text))}

    def _analyze_pure(self, texts: list[str]) -> list[list[Hit]]:
        """analyze_batch when every recognizer takes the batch at once: lines without a hit cost nothing. The batch
        is width-folded as a whole (one ``translate``), plain lines included; the recognizers here match folded
        names and values, so that finds the same values."""
        batch = Batch(texts)
        if _WIDE.search(batch.joined):
            batch.fold()
        out: list[list[Hit]] = [[]] * len(texts)  # shared empty list, replaced where a line has hits
        merged: dict[int, list[Hit]] = {}
        for rec in self._many:
            for k, hits in rec.analyze_many(batch).items():
                merged.setdefault(k, []).extend(hits)
        for k, hits in merged.items():
            text = texts[k]
            hits = self._run(text, (), text, hits)
            out[k] = resolve(hits, text) if len(hits) > 1 else hits
        return out

    def _prev_asks(self, prev: str) -> bool:
        """Whether ``prev`` asks for a value at all. Remembered for the last ``prev``: in a stream each message is
        the next one's ``prev``, so the question test runs once per message."""
        last, asks = self._asks_prev
        if last is not prev:
            asks = any(getattr(rec, "asks", lambda _p: True)(prev) for rec in self._followups)
            self._asks_prev = (prev, asks)
        return asks

    def wants_prev(self, text: str) -> bool:
        """Whether the previous message could change what ``text`` holds: callers fetch it only then. Read as the
        recognizers read it (width-folded: ``１３８…`` sent alone is a number too)."""
        if _WIDE.search(text):
            text = fold_width(text)
        wants = self._wants
        if len(wants) == 1:
            return wants[0](text)
        return any(w(text) for w in wants)

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


def _line_rx(hint: re.Pattern[str] | tuple[re.Pattern[str], ...] | None) -> tuple[re.Pattern[str], ...]:
    """Each pattern of ``hint`` and the rest of its text: one match per text of a batch that holds it (texts are
    joined with NUL). A recognizer may give several patterns: a literal-led pattern scans fast, and one that starts
    with a character class would slow it down if they were one alternation."""
    if hint is None:
        return ()
    hints = hint if isinstance(hint, tuple) else (hint,)
    return tuple(re.compile(f"(?:{h.pattern})[^\\x00]*", h.flags) for h in hints)


def _passes(needs: str, feat: tuple[bool, bool, bool] | None) -> bool:
    """Whether a line with features ``feat`` (digit, letter, @; None: none of them) passes the gate ``needs``."""
    if feat is None:
        return needs not in GATES[1:]
    digit, alpha, at = feat
    return {"digit": digit, "alpha": alpha, "alnum": digit or alpha, "digit+alpha": digit and alpha,
            "@": at}.get(needs, True)


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
