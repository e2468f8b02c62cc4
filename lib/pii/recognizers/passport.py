"""Passport and travel-permit numbers: a letter or two plus digits, which collides with order, model and error codes.

Only the PRC passport shapes ``E``/``G`` + 8 digits are distinctive enough to stand alone (docs/pii.md, "Shapes that
need context", notes that even these are from memory, not a primary source). Everything else needs 护照/通行证/passport
nearby; without it the permit shapes are reported below the threshold and the generic shape is not reported at all.
"""
from __future__ import annotations

import re

from lib.pii.kinds import KindSpec, operator, register_kind, register_recognizer
from lib.pii.base import (
    NOT_ALNUM_AFTER,
    SCORE_CONTEXT,
    SCORE_PATTERN,
    SCORE_WEAK,
    Hit,
    context_word,
)

# The left boundary (no ASCII letter/digit before) is checked in code: a leading look-behind would make ``re`` try
# every position instead of jumping to capital letters.
_CANDIDATE = re.compile(r"(?P<letters>[A-Z]{1,2})(?P<digits>[0-9]{6,10})" + NOT_ALNUM_AFTER)
_CONTEXT = ("护照", "通行证", "passport", "证件号", "旅行证")
_E_LETTER = re.compile(r"E[A-HJ-NP-Z]")


def _shape(letters: str, digits: str) -> tuple[str, float] | None:
    """(description, score without context) for a candidate, or None when only context could make it a passport."""
    n = len(digits)
    if letters in ("E", "G") and n == 8:
        return "PRC passport shape", SCORE_PATTERN
    if n == 7 and _E_LETTER.fullmatch(letters):
        return "PRC e-passport shape", SCORE_WEAK
    if letters in ("C", "H", "M") and 8 <= n <= 10:
        return "HK/Macau permit shape", SCORE_WEAK
    if n <= 9:
        return "passport shape", 0.0
    return None


_VALUE = re.compile(r"([A-Za-z]{1,2})([0-9]{6,9})")


def is_passport(value: str) -> bool:
    """The whole of ``value`` has a passport number's shape: letters and digits as :func:`_shape` knows them, or
    nine digits (US). Taken only where a message asked for a passport number (see followup)."""
    m = _VALUE.fullmatch(value)
    if m is not None:
        return _shape(m.group(1).upper(), m.group(2)) is not None
    return len(value) == 9 and value.isdigit()


class PassportRecognizer:
    """PRC passports and HK/Macau permits by shape, anything passport-like only next to a passport word."""

    kinds = ("PASSPORT",)
    needs = "digit+alpha"  # the analyzer skips lines without this (lib.pii.analyzer.GATES)

    def analyze(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        for m in _CANDIDATE.finditer(text):
            if m.start() and text[m.start() - 1].isascii() and text[m.start() - 1].isalnum():
                continue
            shape = _shape(m.group("letters"), m.group("digits"))
            if shape is None:
                continue
            desc, score = shape
            ctx = context_word(text, m.start(), m.end(), _CONTEXT, before=16)
            if ctx:
                hits.append(Hit("PASSPORT", m.start(), m.end(), SCORE_CONTEXT, f"context: {ctx}"))
            elif score:
                hits.append(Hit("PASSPORT", m.start(), m.end(), score, desc))
        return hits


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_kind(KindSpec("PASSPORT", order=110, fake=operator("fake_passport")))
register_recognizer("passport", 110, lambda config: [PassportRecognizer()])
