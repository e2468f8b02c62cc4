"""Before/after segments of one message for the review page: which characters a decision changes, and into what.

Kept out of the page so the export's merge rule (:func:`lib.pii.redactor.clusters`) decides what the
owner sees: the diff shows exactly the text a training file would get.
"""
from __future__ import annotations

from lib.pii.redactor import clusters

Segment = tuple[str, str]  # (text, role): role "" plain, "focus" the value under review, "other" another detection


def before_after(text: str, spans: list[tuple[int, int, int, float]], reps: dict[int, str],
                 focus: int) -> tuple[list[Segment], list[Segment]]:
    """Segments of the original (detections marked) and of the redacted text (replacements marked).

    ``spans`` are the message's live ``(start, end, value_id, score)``; a rejected focus value is passed in by the
    caller so it is marked in "before" and left unchanged in "after".
    """
    live = clusters([s for s in spans if s[1] <= len(text)])
    before: list[Segment] = []
    after: list[Segment] = []
    pos = 0
    for cs, ce, best, members in live:
        has_focus = any(m[2] == focus for m in members)
        if cs > pos:
            before.append((text[pos:cs], ""))
            after.append((text[pos:cs], ""))
        role = "focus" if has_focus else "other"
        before.append((text[cs:ce], role))
        rep = reps.get(best[2])
        after.append((rep, role) if rep is not None else (text[cs:ce], ""))
        pos = ce
    if pos < len(text):
        before.append((text[pos:], ""))
        after.append((text[pos:], ""))
    return before, after
