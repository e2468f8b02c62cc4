"""The owner's own terms: literals (matched like known names, CJK-safe) and regular expressions.

An invalid regex raises ValueError naming the pattern, so the settings page can show the owner what to fix instead of
failing later inside a scan.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from lib.pii.base import SCORE_VALIDATED, Hit, Term, fold_width
from lib.pii.recognizers.person import literal_alternation


class CustomRecognizer:
    """Owner terms, each reported under its own kind (CUSTOM unless the term says otherwise)."""

    def __init__(self, terms: Iterable[Term]) -> None:
        literals: dict[str, set[str]] = {}
        self._rules: list[tuple[str, re.Pattern[str], str]] = []
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
                literals.setdefault(t.kind, set()).add(fold_width(t.pattern.strip()))
        for kind, words in literals.items():
            self._rules.append((kind, re.compile(literal_alternation(words, alnum_boundary=True), re.IGNORECASE), "owner term"))
        self.kinds: tuple[str, ...] = tuple(dict.fromkeys(kind for kind, _, _ in self._rules))

    def analyze(self, text: str) -> list[Hit]:
        return [Hit(kind, m.start(), m.end(), SCORE_VALIDATED, reason)
                for kind, rx, reason in self._rules for m in rx.finditer(text) if m.end() > m.start()]
