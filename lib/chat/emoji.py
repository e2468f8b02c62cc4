"""WeChat bracket emoji (``[旺柴]``, ``[Facepalm]``) shown as Unicode emoji in chat bubbles, where a mapping exists.

The mapping is the ``unicode`` column of ``data/lexicon/wechat_emoji.tsv`` (filled by hand for the look, not the
meaning: WeChat's own art has no exact Unicode twin). Unmapped names stay as written, so nothing is lost; exports and
the twin's training data keep the bracket form, which is what the owner actually typed.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache

from lib.label.emotion import LEXICON_PATH


@lru_cache(maxsize=1)
def table() -> dict[str, str]:
    """Every spelling (simplified, traditional, English) of a mapped emoji -> its Unicode form."""
    out: dict[str, str] = {}
    with open(LEXICON_PATH, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            uni = (row.get("unicode") or "").strip()
            if not uni:
                continue
            for col in ("cn", "hk_tw", "en_us"):
                name = (row.get(col) or "").strip()
                if name:
                    out[name] = uni
    return out


_BRACKET = re.compile(r"\[[^\[\]\s]{1,12}\]")


def to_unicode(text: str) -> str:
    """``"好的[旺柴]"`` -> ``"好的🐶"``; unknown bracket names unchanged."""
    t = table()
    return _BRACKET.sub(lambda m: t.get(m.group(0), m.group(0)), text)


class StreamConverter:
    """:func:`to_unicode` for a stream: a chunk may end inside ``[旺`` … ``柴]``, so an unclosed bracket is held back
    (at most a name's length) until its end arrives."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, chunk: str) -> str:
        text = self._held + chunk
        cut = text.rfind("[")
        if cut != -1 and "]" not in text[cut:] and len(text) - cut <= 13:
            self._held, text = text[cut:], text[:cut]
        else:
            self._held = ""
        return to_unicode(text)

    def flush(self) -> str:
        out, self._held = to_unicode(self._held), ""
        return out
