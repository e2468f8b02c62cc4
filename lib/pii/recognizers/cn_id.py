"""Chinese resident ID numbers (居民身份证): 18 characters with a GB 11643 check digit, or the legacy 15 digits.

The check digit makes an 18-character ID near-certain on its own. A failed check still looks like an ID (people
mistype, and invented IDs in test data rarely pass), so it is proposed for review when an ID word is near and kept
below the threshold otherwise. Fifteen digits collide with too many numbers to flag without context.
"""
from __future__ import annotations

import datetime as _dt
import re

from lib.pii.kinds import KindSpec, operator, register_kind, register_recognizer
from lib.pii.base import SCORE_CONTEXT, SCORE_VALIDATED, SCORE_WEAK, Hit
from lib.pii.checksums import gb11643_check_ok

_DIGIT = re.compile(r"[0-9]")  # the cheap gate: most chat lines have no digits
# 6-digit region, YYYYMMDD, 3-digit sequence, check char; a space may split region | year | month-day | rest.
_ID18 = re.compile(
    r"(?<![0-9A-Za-z])"
    r"[1-9][0-9]{5}[ ]?(?:18|19|20)[0-9]{2}[ ]?(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[ ]?[0-9]{3}[0-9Xx]"
    r"(?![0-9A-Za-z])"
)
_ID15 = re.compile(
    r"(?<![0-9A-Za-z])[1-9][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}(?![0-9A-Za-z])")
_CONTEXT = re.compile(
    r"身份证|证件号|证件|身份号|(?<![A-Za-z])(?:id card|id(?![a-z])|identity|resident)", re.IGNORECASE)
_WINDOW = 12


def _date_ok(yyyymmdd: str) -> bool:
    try:
        _dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return True


def looks_like_cn_id(value: str) -> bool:
    """An 18-character value with the shape of an ID (region code, plausible birth date), checksum aside."""
    return len(value) == 18 and _ID18.fullmatch(value) is not None


def is_cn_id_shape(value: str) -> bool:
    """The whole of ``value`` has the shape of an 18-character or legacy 15-digit ID (spaces allowed where people
    put them), checksum aside: an answer to "身份证号?" is taken on its shape (see followup)."""
    return _ID18.fullmatch(value) is not None or _ID15.fullmatch(value) is not None


def is_valid_cn_id(value: str) -> bool:
    """A real-looking 18-character ID: a valid birth date and a matching check digit."""
    return gb11643_check_ok(value) and _date_ok(value[6:14])


class CnIdRecognizer:
    """CN_ID: 18-character IDs scored by their check digit and context; 15-digit legacy IDs with context only."""

    kinds = ("CN_ID",)
    needs = "digit"  # the analyzer skips lines without this (lib.pii.analyzer.GATES)

    def analyze(self, text: str) -> list[Hit]:
        if not _DIGIT.search(text):
            return []
        hits: list[Hit] = []
        for m in _ID18.finditer(text):
            value = m.group(0).replace(" ", "").upper()
            word = self._context(text, m.start())
            if is_valid_cn_id(value):
                hits.append(Hit("CN_ID", m.start(), m.end(), SCORE_VALIDATED, "GB 11643 check digit ok", value))
                continue
            problem = "GB 11643 check digit failed" if _date_ok(value[6:14]) else "birth date impossible"
            if word:
                hits.append(Hit("CN_ID", m.start(), m.end(), SCORE_CONTEXT, f"{problem}; context: {word}", value))
            else:
                hits.append(Hit("CN_ID", m.start(), m.end(), SCORE_WEAK, f"{problem}; no context", value))
        for m in _ID15.finditer(text):
            word = self._context(text, m.start())
            if word and _date_ok("19" + m.group(0)[6:12]):
                hits.append(Hit("CN_ID", m.start(), m.end(), SCORE_CONTEXT, f"legacy 15-digit ID; context: {word}",
                                m.group(0)))
        return hits

    @staticmethod
    def _context(text: str, start: int) -> str | None:
        return id_context(text, start)


def id_context(text: str, start: int) -> str | None:
    """The ID word (身份证, 证件号, ID) nearest before ``start``, within a few characters, or None."""
    found = None
    for found in _CONTEXT.finditer(text, max(0, start - _WINDOW), start):
        pass
    return found.group(0) if found else None


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_kind(KindSpec("CN_ID", order=30, mask=operator("mask_cn_id"), fake=operator("fake_cn_id")))
register_recognizer("cn_id", 30, lambda config: [CnIdRecognizer()])
