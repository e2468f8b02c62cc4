"""Chinese motor-vehicle plates (GA 36): province abbreviation + office letter + 5 (or 6, new energy) characters.

The shape is distinctive on its own (a Han province character glued to a capital letter and digits), so it scores as a
pattern; ``车牌``/``plate`` nearby raises it. Letters I and O never appear on plates (they read as 1 and 0).
"""
from __future__ import annotations

import re

from lib.pii.kinds import KindSpec, operator, register_kind, register_recognizer
from lib.pii.base import (
    NOT_ALNUM_AFTER,
    SCORE_CONTEXT,
    SCORE_PATTERN,
    Hit,
    context_word,
)

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_L = "A-HJ-NP-Z"  # plate letters: no I, no O
_PLATE = re.compile(
    rf"[{_PROVINCES}][{_L}][·・•. -]?"
    # new energy first (6 characters), then ordinary (5), which must hold at least two digits so that words such as
    # ``新MacBook`` or ``云ABCDE`` are not plates
    rf"(?:[DF][0-9]{{5}}|[0-9]{{5}}[DF]|(?=(?:[{_L}]*[0-9]){{2}})[{_L}0-9]{{5}})"
    + NOT_ALNUM_AFTER,
    re.IGNORECASE,
)
_CONTEXT = ("车牌", "车号", "plate", "牌照")


class PlateRecognizer:
    """Plates anywhere (the shape is distinctive); a 车牌/plate word nearby raises the score."""

    kinds = ("PLATE",)
    needs = "digit+alpha"  # the analyzer skips lines without this (lib.pii.analyzer.GATES)

    def analyze(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        for m in _PLATE.finditer(text):
            ctx = context_word(text, m.start(), m.end(), _CONTEXT, before=12, after=6)
            if ctx:
                hits.append(Hit("PLATE", m.start(), m.end(), SCORE_CONTEXT, f"context: {ctx}"))
            else:
                hits.append(Hit("PLATE", m.start(), m.end(), SCORE_PATTERN, "plate shape (province + letter + 5)"))
        return hits


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_kind(KindSpec("PLATE", order=100, fake=operator("fake_plate")))
register_recognizer("plate", 100, lambda config: [PlateRecognizer()])
