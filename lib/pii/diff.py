"""Before/after segments of one message for the review page: which characters a decision changes, and into what.

Kept out of the page so the same merge rule as the export (:func:`lib.pii.redactor.merged_spans`) decides what the
owner sees: the diff shows exactly the text a training file would get.
"""
from __future__ import annotations

Segment = tuple[str, str]  # (text, role): role "" plain, "focus" the value under review, "other" another detection


def before_after(text: str, spans: list[tuple[int, int, int, float]], reps: dict[int, str],
                 focus: int) -> tuple[list[Segment], list[Segment]]:
    """Segments of the original (detections marked) and of the redacted text (replacements marked).

    ``spans`` are the message's live ``(start, end, value_id, score)``; a rejected focus value is passed in by the
    caller so it is marked in "before" and left unchanged in "after".
    """
    live = sorted((s for s in spans if s[1] <= len(text)), key=lambda s: (s[0], -s[1]))
    clusters: list[tuple[int, int, tuple[int, int, int, float], bool]] = []
    for s in live:
        if clusters and s[0] < clusters[-1][1]:
            cs, ce, best, has_focus = clusters[-1]
            if (s[3], s[1] - s[0]) > (best[3], best[1] - best[0]):
                best = s
            clusters[-1] = (cs, max(ce, s[1]), best, has_focus or s[2] == focus)
        else:
            clusters.append((s[0], s[1], s, s[2] == focus))
    before: list[Segment] = []
    after: list[Segment] = []
    pos = 0
    for cs, ce, best, has_focus in clusters:
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
