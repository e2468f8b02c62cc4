"""The owner's own terms: literals (matched like known names, CJK-safe) and regular expressions.

An invalid regex raises ValueError naming the pattern, so the settings page can show the owner what to fix instead of
failing later inside a scan.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from lib.pii.kinds import KindSpec, register_kind, register_recognizer
from lib.pii.base import SCORE_VALIDATED, AnalyzerConfig, Batch, Hit, Term, default_norm, fold_width
from lib.pii.recognizers.person import literal_alternation

OWNER_PATTERN = "owner pattern"  # the reason of an owner's regex hit


class CustomRecognizer:
    """Owner terms, each reported under its own kind (CUSTOM unless the term says otherwise)."""

    def __init__(self, terms: Iterable[Term], reason: str = "owner term") -> None:
        literals: dict[str, set[str]] = {}
        self._rules: list[tuple[str, re.Pattern[str], str]] = []
        self._norms: dict[tuple[str, str], str] = {}
        terms = list(terms)
        # Known values almost all hold an ASCII letter or digit: the analyzer then skips this recognizer on the many
        # lines that hold none (see Analyzer's gates).
        if terms and all(not t.is_regex and re.search("[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]", t.pattern)
                         for t in terms):
            self.needs = "alnum"
        for t in terms:
            if not t.pattern or not t.pattern.strip():
                continue
            if t.is_regex:
                try:
                    rx = re.compile(t.pattern)
                except re.error as e:
                    raise ValueError(f"invalid regular expression {t.pattern!r}: {e}") from None
                self._rules.append((t.kind, rx, OWNER_PATTERN))
            else:
                word = fold_width(t.pattern.strip())
                literals.setdefault(t.kind, set()).add(word)
                if t.norm:
                    self._norms[(t.kind, default_norm(word))] = t.norm
        for kind, words in literals.items():
            self._rules.append((kind, re.compile(literal_alternation(words, alnum_boundary=True), re.IGNORECASE),
                                reason))
        self.kinds: tuple[str, ...] = tuple(dict.fromkeys(kind for kind, _, _ in self._rules))

    def analyze(self, text: str) -> list[Hit]:
        return [self._hit(kind, m, reason, 0) for kind, rx, reason in self._rules for m in rx.finditer(text)
                if m.end() > m.start()]

    def analyze_many(self, batch: Batch) -> dict[int, list[Hit]]:
        """Hits per text of the batch: literals with one scan over the joined batch (they never match the NUL
        between texts); an owner's regex text by text, since it might (``.+`` would)."""
        out: dict[int, list[Hit]] = {}
        for kind, rx, reason in self._rules:
            if reason == OWNER_PATTERN:
                for k in range(len(batch.texts)):
                    found = [self._hit(kind, m, reason, 0) for m in rx.finditer(batch.text(k)) if m.end() > m.start()]
                    if found:
                        out.setdefault(k, []).extend(found)
                continue
            for m in rx.finditer(batch.joined):
                if m.end() > m.start():
                    k = batch.line(m.start())
                    out.setdefault(k, []).append(self._hit(kind, m, reason, batch.starts[k]))
        return out

    def _hit(self, kind: str, m: re.Match[str], reason: str, offset: int) -> Hit:
        norm = self._norms.get((kind, default_norm(m.group(0))), "") if self._norms else ""
        return Hit(kind, m.start() - offset, m.end() - offset, SCORE_VALIDATED, reason, norm)


def _build(config: AnalyzerConfig) -> list[CustomRecognizer]:
    """The owner's own terms and regexes; then values found elsewhere in the workspace (``PiiStore.known_values``),
    so the same value gets the same placeholder wherever it recurs."""
    owner = [t for t in config.terms if not t.norm]
    known = [t for t in config.terms if t.norm]
    recs = [CustomRecognizer(owner)] if owner else []
    if known:
        recs.append(CustomRecognizer(known, reason="known value (found elsewhere in the workspace)"))
    return recs


# --- registration (lib/pii/kinds.py): the owner's terms are their own kind; a term may also name another kind ---
register_kind(KindSpec("CUSTOM", order=150))
register_recognizer("custom", 180, _build)
