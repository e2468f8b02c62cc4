"""Replies in bursts: a reply split into several bubbles the way the owner writes.

People rarely answer in one block: "好呀" / "几点？" arrive as two messages. The owner's habit is measured from the
workspace as the **median number of messages per turn of theirs** (a turn: the owner's messages in a row within a
conversation), and a reply is cut into about that many bubbles: at its line breaks first (a model, or the owner's own
reply, already writes one message per line), then at sentence ends (。！？… and ! ? . followed by a space) while the
reply has fewer bubbles than the habit. Pieces are never cut inside a sentence, and a reply with more lines than the
habit keeps its lines (up to ``MAX_BUBBLES``).

The Chat page shows the bubbles one by one with a short typing pause (:func:`pause`); the twin server returns the
reply as one text, which is the bubbles joined by line breaks (it streams the joined text already).
"""
from __future__ import annotations

import re
import statistics

MAX_BUBBLES = 8
MAX_HABIT = 6  # a median above this is a chat of pasted lists, not a habit to imitate
MIN_PIECE = 2  # characters (without spaces) a sentence piece needs to stand as its own bubble
PAUSE_BASE = 0.35  # seconds before the next bubble…
PAUSE_PER_CHAR = 0.03  # …plus a little per character, as if it were typed…
PAUSE_MAX = 1.2  # …never long

# A sentence end: CJK marks (with any closing marks after them), or ASCII ! ? . followed by whitespace.
_SENTENCE = re.compile(r"[。！？…～!?](?:[」』”’）)\]]*)(?=\S)|[.!?]+[\"')\]]*\s+")


def split(text: str, n: int) -> list[str]:
    """``text`` as about ``n`` bubbles (see the module docstring). Empty lines are dropped; each bubble is a piece of
    the text as written, trimmed (a bubble never starts or ends with spaces)."""
    lines = [ln.strip() for ln in str(text).split("\n") if ln.strip()]
    if not lines:
        return [text] if text else []
    if len(lines) > MAX_BUBBLES:
        lines = lines[:MAX_BUBBLES - 1] + ["\n".join(lines[MAX_BUBBLES - 1:])]
    pieces = lines
    target = max(1, min(int(n), MAX_BUBBLES))
    while len(pieces) < target:
        best = None  # (piece index, cut position): the longest piece that has a sentence end, cut nearest its middle
        for i, p in enumerate(pieces):
            if best is not None and len(p) <= len(pieces[best[0]]):
                continue
            cuts = [m.end() for m in _SENTENCE.finditer(p)
                    if len("".join(p[:m.end()].split())) >= MIN_PIECE
                    and len("".join(p[m.end():].split())) >= MIN_PIECE]
            if cuts:
                best = (i, min(cuts, key=lambda c: abs(c - len(p) / 2)))
        if best is None:
            break
        i, c = best
        pieces = pieces[:i] + [pieces[i][:c].rstrip(), pieces[i][c:].lstrip()] + pieces[i + 1:]
    return pieces


def joined(bubbles: list[str]) -> str:
    """What a client that takes one text gets: the bubbles joined by line breaks."""
    return "\n".join(bubbles)


def pause(bubble: str) -> float:
    """Seconds of "typing" before ``bubble`` appears."""
    return min(PAUSE_MAX, PAUSE_BASE + PAUSE_PER_CHAR * len(bubble))


def habit_from_runs(flags) -> float:
    """The median length of the runs of ``True`` in a sequence of (conversation id, is_me) pairs."""
    runs: list[int] = []
    prev_conv, prev_me = object(), False
    for conv, me in flags:
        if me and (prev_me and conv == prev_conv):
            runs[-1] += 1
        elif me:
            runs.append(1)
        prev_conv, prev_me = conv, bool(me)
    return float(statistics.median(runs)) if runs else 1.0


def turn_size(ws) -> int:
    """The owner's median messages per turn, rounded (at least 1, at most ``MAX_HABIT``); computed once per
    workspace version. Only text messages count (a photo is not a sentence to split)."""
    from lib.workspace import content_stamp, shared_cache

    def compute() -> int:
        rows = ws.conn.execute("SELECT conv_id, is_me FROM messages WHERE conv_id IS NOT NULL AND kind = 'text' "
                               "ORDER BY conv_id, time, id")
        m = habit_from_runs((c, bool(me)) for c, me in rows)
        return max(1, min(MAX_HABIT, int(m + 0.5)))

    return shared_cache(ws, "chat.bursts", content_stamp(ws), compute)


__all__ = ["MAX_BUBBLES", "habit_from_runs", "joined", "pause", "split", "turn_size"]
