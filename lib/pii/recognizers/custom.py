"""The owner's own terms: literals (matched like known names, CJK-safe) and regular expressions.

An invalid regex raises ValueError naming the pattern, so the settings page can show the owner what to fix instead of
failing later inside a scan.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from lib.pii.base import SCORE_VALIDATED, Hit, Term, default_norm, fold_width
from lib.pii.recognizers.person import literal_alternation


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
                self._rules.append((t.kind, rx, "owner pattern"))
            else:
                word = fold_width(t.pattern.strip())
                literals.setdefault(t.kind, set()).add(word)
                if t.norm:
                    self._norms[(t.kind, default_norm(word))] = t.norm
        for kind, words in literals.items():
            self._rules.append((kind, re.compile(literal_alternation(words, alnum_boundary=True), re.IGNORECASE), reason))
        self.kinds: tuple[str, ...] = tuple(dict.fromkeys(kind for kind, _, _ in self._rules))

    def analyze(self, text: str) -> list[Hit]:
        norms = self._norms
        return [Hit(kind, m.start(), m.end(), SCORE_VALIDATED, reason,
                    norms.get((kind, default_norm(m.group(0))), "") if norms else "")
                for kind, rx, reason in self._rules for m in rx.finditer(text) if m.end() > m.start()]
