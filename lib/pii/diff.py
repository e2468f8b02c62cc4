"""Before/after segments of one message for the review page: which characters a decision changes, and into what.

Kept out of the page so the export's merge rule (:func:`lib.pii.redactor.clusters`) decides what the
owner sees: the diff shows exactly the text a training file would get.
"""
from __future__ import annotations

from dataclasses import dataclass

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


@dataclass
class Line:
    """One message of a card: the occurrence itself (``main``) or a neighbour shown for context."""

    message_id: int
    time: str
    sender: str
    is_me: bool
    main: bool
    before: list[Segment]
    after: list[Segment]


@dataclass
class Occurrence:
    chat: str
    message_id: int
    start: int  # the value's span in the main line (what the widen/narrow keys move)
    end: int
    text: str
    lines: list[Line]


def card(store, value: dict, limit: int = 3, context: int = 1) -> list[Occurrence]:
    """Before/after of every line a review card shows: each occurrence of ``value`` with its neighbours.

    "After" is what a training file gets: every live detection of every line (pending, skipped and accepted ones, the
    neighbours' included) replaced exactly as the export replaces it. A rejected value under review is still marked
    in "before" (it is what the owner is looking at) and left as it is in "after".
    """
    occs = store.occurrences(value["id"], limit=limit, context=context)
    ids = {m["message_id"] for o in occs for m in (o, *o["before"], *o["after"])}
    hits = store.message_hits(ids)
    rejected = value["status"] == "rejected"
    reps = store.replacements({vid for spans in hits.values() for _, _, vid, _ in spans})
    out = []
    for o in occs:
        lines = []
        for m, main in [*((m, False) for m in o["before"]), (o, True), *((m, False) for m in o["after"])]:
            spans = list(hits.get(m["message_id"], []))
            if main and rejected:
                spans.append((o["start"], o["end"], value["id"], value["max_score"]))
            before, after = before_after(m["text"] or "", spans, reps, value["id"])
            lines.append(Line(m["message_id"], m["time"], m["sender"], m["is_me"], main, before, after))
        out.append(Occurrence(o["chat"], o["message_id"], o["start"], o["end"], o["text"] or "", lines))
    return out
