"""US Social Security numbers in the ``ddd-dd-dddd`` / ``ddd dd dddd`` shape, with the SSA's never-issued ranges
removed (the same invalidation Presidio applies), so most look-alike numbers drop out."""
from __future__ import annotations

import re

from lib.pii.kinds import KindSpec, operator, register_kind, register_recognizer
from lib.pii.base import SCORE_CONTEXT, SCORE_PATTERN, Hit

_DIGIT = re.compile(r"[0-9]")  # the cheap gate: most chat lines have no digits
_SSN = re.compile(
    r"(?<![0-9A-Za-z./-])([0-9]{3})([- ])([0-9]{2})\2([0-9]{4})(?![0-9A-Za-z]|[-./][0-9])")
_CONTEXT = re.compile(r"(?<![A-Za-z])(?:ssn|social security|social sec|ss#|ss no)|社保号|社会安全号", re.IGNORECASE)
_SAMPLES = frozenset({"078051120", "219099999", "457555462", "123456789"})  # published example numbers
_WINDOW = 24


_SSN_VALUE = re.compile(r"([0-9]{3})[- ]?([0-9]{2})[- ]?([0-9]{4})")  # a whole value, separators optional


def is_ssn(value: str) -> bool:
    """The whole of ``value`` is a plausible SSN, with or without separators (an answer sent alone: see followup)."""
    m = _SSN_VALUE.fullmatch(value)
    return m is not None and ssn_plausible(*m.groups())


def ssn_plausible(area: str, group: str, serial: str) -> bool:
    """False for numbers the SSA never issues: area 000, 666 or 9xx, group 00, serial 0000, one repeated digit."""
    number = area + group + serial
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return len(set(number)) > 1 and number not in _SAMPLES


class UsSsnRecognizer:
    """US_SSN: a pattern score on its own, a context score next to "SSN" / "social security"."""

    kinds = ("US_SSN",)
    needs = "digit"  # the analyzer skips lines without this (lib.pii.analyzer.GATES)

    def analyze(self, text: str) -> list[Hit]:
        if not _DIGIT.search(text):
            return []
        hits: list[Hit] = []
        for m in _SSN.finditer(text):
            area, _, group, serial = m.groups()
            if not ssn_plausible(area, group, serial):
                continue
            norm = area + group + serial
            word = None
            for word in _CONTEXT.finditer(text, max(0, m.start() - _WINDOW), m.start()):
                pass
            if word:
                hits.append(Hit("US_SSN", m.start(), m.end(), SCORE_CONTEXT, f"SSN shape; context: {word.group(0)}",
                                norm))
            else:
                hits.append(Hit("US_SSN", m.start(), m.end(), SCORE_PATTERN, "SSN shape, valid area/group/serial",
                                norm))
        return hits


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_kind(KindSpec("US_SSN", order=40, mask=operator("mask_ssn"), fake=operator("fake_ssn")))
register_recognizer("us_ssn", 40, lambda config: [UsSsnRecognizer()])
