"""The review queue the labelling, curation and redaction pages share: position, key events, history, stats.

Why one module: the three pages each rebuilt the queue walk (next/previous, where the card goes after a decision),
and each dropped keys in its own way. Here the walk is one piece of plain Python the pages and the tests drive alike:

* The queue is whatever the page's ``fetch(offset, limit) -> (ids, total)`` returns, in the page's order. The
  position is kept as *the item on screen* (its id) plus a hint of where it stood, so a decision that takes the item
  out of its filtered queue moves the card to the item that came after it, and nothing else.
* Key presses arrive from the browser as :class:`KeyEvent` (sequence number, key, the item that was on screen when it
  was pressed). :meth:`Review.apply` applies the ones after the last acknowledged number, in order, each to its own
  item, so a press is applied once, and on what the owner saw.
* History (from the shared undo log, so it survives a reload), comments, the saved position and filters, and the
  session's pace live here too. No Streamlit: the view is ``pages/components/review.py``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from lib import decisions

Fetch = Callable[[int, int], tuple[list[int], int]]  # (offset, limit) -> (item ids in queue order, total)
WINDOW = 100  # items looked at on either side of the position hint to find the item on screen
AHEAD = 60  # item ids handed to the browser on either side, so it can tell which item a quick key is meant for
MOVES = ("advance", "stay", "next", "prev", "undo", "help")
MAX_EVENTS = 200  # events taken from one message of the browser (a stuck key cannot flood the database)
ORDERS = ("queue", "uncertain")


@dataclass(frozen=True)
class KeyEvent:
    """One key press as the browser reported it: ``item`` is None when the browser could not tell."""

    seq: int
    key: str
    item: int | None
    to: int | None = None  # where the browser expects the card to go (it attributes the next presses to it)

    @classmethod
    def parse(cls, raw: Any) -> "KeyEvent | None":
        """Validate one event from the browser (anything malformed is dropped, never trusted)."""
        if not isinstance(raw, dict):
            return None
        try:
            seq = int(raw.get("seq"))
            key = str(raw.get("key", ""))[:16].lower()
            item, to = raw.get("item"), raw.get("to")
            item = None if item is None else int(item)
            to = None if to is None else int(to)
        except (TypeError, ValueError):
            return None
        return cls(seq, key, item, to) if seq > 0 and key else None


def parse_events(payload: Any) -> tuple[str, list[KeyEvent]]:
    """``(epoch, events in sequence order)`` from the component's state ``{"epoch", "events": [...]}``."""
    if not isinstance(payload, dict):
        return "", []
    raw = payload.get("events")
    if not isinstance(raw, list):
        return "", []
    events = [e for e in (KeyEvent.parse(r) for r in raw[:MAX_EVENTS]) if e]
    return str(payload.get("epoch", ""))[:64], sorted(events, key=lambda e: e.seq)


@dataclass
class Stats:
    """This session's pace: decisions made and when the first was made (items per hour, time left)."""

    decided: int = 0
    started: float | None = None

    def add(self, n: int = 1, now: float | None = None) -> None:
        if self.started is None:
            self.started = time.time() if now is None else now
        self.decided += n

    def per_hour(self, now: float | None = None) -> float | None:
        """Items per hour since the first decision; None until there are two decisions and ten seconds to go on."""
        if self.started is None or self.decided < 2:
            return None
        spent = (time.time() if now is None else now) - self.started
        return self.decided / spent * 3600 if spent >= 10 else None

    def eta_seconds(self, remaining: int, now: float | None = None) -> float | None:
        rate = self.per_hour(now)
        return remaining / rate * 3600 if rate else None


@dataclass
class Position:
    """Where one page's card stands: the item on screen and its place in the filtered queue (a hint)."""

    item: int | None = None
    pos: int = 0
    total: int = 0
    before: list[int] = field(default_factory=list)  # ids just before the item, nearest last
    after: list[int] = field(default_factory=list)  # ids just after the item, nearest first
    in_queue: bool = True  # False when the item is shown by choice (history, undo) but no longer in the queue


def locate(fetch: Fetch, item: int | None, pos: int, window: int = WINDOW) -> Position:
    """Resolve the card: ``item`` where it still is in the queue (searched around ``pos``), else the item at ``pos``
    (clamped), else an empty queue. An ``item`` outside the queue is still shown (``in_queue`` False): the owner
    asked for it by undo or from the history."""
    pos = max(0, int(pos))
    lo = max(0, pos - window)
    ids, total = fetch(lo, 2 * window + 1)
    if item is not None and item in ids:
        i = ids.index(item)
        return Position(item, lo + i, total, ids[max(0, i - AHEAD):i], ids[i + 1:i + 1 + AHEAD], True)
    if item is not None:
        return Position(item, min(pos, max(total - 1, 0)), total, [], [], False)
    if not total:
        return Position(None, 0, 0)
    if pos >= total:
        pos = total - 1
    if not lo <= pos < lo + len(ids):
        lo = max(0, pos - window)
        ids, total = fetch(lo, 2 * window + 1)
    i = pos - lo
    if i >= len(ids):
        return Position(None, 0, total)
    return Position(ids[i], pos, total, ids[max(0, i - AHEAD):i], ids[i + 1:i + 1 + AHEAD], True)


def neighbour(p: Position, item: int, step: int) -> int | None:
    """The id ``step`` (+1/-1) from ``item`` in the known stretch of the queue around ``p``; None if unknown."""
    order = [*p.before, p.item, *p.after] if p.item is not None else []
    if item not in order:
        return None
    j = order.index(item) + step
    return order[j] if 0 <= j < len(order) else None


@dataclass
class Action:
    """A decision or move a page offers. ``handler(item)`` does it (saved at once) and returns the flash text, or
    None when nothing was done. ``move`` says where the card goes: ``advance`` (the next item), ``stay``, ``next``,
    ``prev``, ``undo`` (the handler returns the item to show) or ``help``."""

    name: str
    key: str | None
    handler: Callable[[int | None], Any] | None = None
    move: str = "advance"
    decides: bool = True  # counts in the session's pace

    def __post_init__(self) -> None:
        if self.move not in MOVES:
            raise ValueError(f"unknown move {self.move!r}")
        if self.key is not None:
            self.key = self.key.lower()


@dataclass
class Outcome:
    """What applying one action did, for the view: the flash text and whether to open the key help."""

    flash: str | None = None
    help: bool = False
    applied: bool = False


class Review:
    """The state one page keeps between reruns (in the session) and the walk over its queue."""

    def __init__(self, fetch: Fetch, actions: Sequence[Action], item: int | None = None, pos: int = 0) -> None:
        self.fetch = fetch
        self.actions = {a.name: a for a in actions}
        self.keys = {a.key: a for a in actions if a.key}
        self.item, self.pos = item, pos
        self.ack: dict[str, int] = {}  # browser epoch -> last sequence number applied
        self.stats = Stats()

    # ----- position ------------------------------------------------------------------------------------------------
    def where(self) -> Position:
        p = locate(self.fetch, self.item, self.pos)
        self.item, self.pos = p.item, p.pos
        return p

    def focus(self, item: int | None) -> None:
        """Show ``item`` (history click, undo); None goes back to the queue at the same place."""
        self.item = item

    def reset(self) -> None:
        """Filters or order changed: start at the top of the new queue."""
        self.item, self.pos = None, 0

    # ----- actions ---------------------------------------------------------------------------------------------------
    def run(self, name: str, item: int | None = None, to: int | None = None) -> Outcome:
        """Apply action ``name`` to ``item`` (None: the item on screen) and move the card as the action says; ``to``
        (from the browser) is where it expects the card to go, followed so that its next presses land where meant."""
        action = self.actions[name]
        p = self.where()
        target = p.item if item is None else item
        if action.move == "help":
            return Outcome(help=True, applied=True)
        if action.move == "undo":
            back = action.handler(target) if action.handler else None
            out = Outcome(flash=None, applied=back is not None)
            if isinstance(back, tuple):
                back, out.flash = back
            if back is not None:
                self.item = int(back)
            return out
        if target is None:
            return Outcome()
        if action.move in ("next", "prev"):
            step = 1 if action.move == "next" else -1
            nxt = to if to is not None else neighbour(p, target, step)
            if nxt is not None:
                self.item = nxt
            elif target == p.item and not p.in_queue:
                self.item = None  # leave an item shown by choice: back to the queue where it was
            elif p.item is not None and target == p.item:
                self.pos = max(0, p.pos + step) if (step < 0 or p.pos + 1 < p.total) else p.pos
                self.item = None
            return Outcome(applied=True)
        nxt = (to if to is not None else neighbour(p, target, 1)) if action.move == "advance" else None
        flash = action.handler(target) if action.handler else None
        if flash is None and action.move == "advance":
            return Outcome()  # nothing was done (no suggestion to accept): stay
        if action.decides:
            self.stats.add()
        if action.move == "advance":
            if nxt is not None:
                self.item = nxt
            else:  # the last of the queue, or an item shown by choice: back to the queue at the same place
                self.item = None
        else:
            self.item = target
        return Outcome(flash=flash if isinstance(flash, str) else None, applied=True)

    def apply(self, epoch: str, events: Iterable[KeyEvent]) -> list[Outcome]:
        """Apply the browser's key events not applied yet, in order; the acknowledged number moves past each one as
        soon as it is applied, so a rerun cut short never applies an event twice."""
        done = self.ack.get(epoch, 0)
        out = []
        for e in events:
            if e.seq <= done:
                continue
            action = self.keys.get(e.key)
            done = self.ack[epoch] = e.seq
            if action is None:
                continue
            out.append(self.run(action.name, e.item, e.to))
        return out

    def client_data(self, p: Position, epoch: str | None = None) -> dict:
        """What the browser's key queue needs: acknowledgement, the item on screen and its neighbours, the keys."""
        return {"ack": dict(self.ack), "item": p.item, "before": p.before, "after": p.after,
                "keys": {k: a.move for k, a in self.keys.items()}}


# ----- history, comments, saved state ---------------------------------------------------------------------------------
def history(conn, area: str, item_of: Callable[[str, dict], int | None], limit: int = 10) -> list[dict]:
    """Recent decisions of ``area`` still in effect, newest first: ``{at, items: [ids], n}`` (a bulk action is one
    entry). ``item_of(table, key)`` maps a logged row to the page's item id (None: not an item of this page)."""
    out = []
    for b in decisions.history(conn, area, limit):
        items: list[int] = []
        for table, key in b["keys"]:
            i = item_of(table, key)
            if i is not None and i not in items:
                items.append(int(i))
        if items:
            out.append({"at": b["at"], "items": items, "n": len(items)})
    return out


def comment(conn, area: str, item: int) -> str:
    return decisions.comment(conn, area, item)


def set_comment(conn, area: str, item: int, text: str) -> None:
    decisions.set_comment(conn, area, item, text)


def setting_key(page: str, name: str) -> str:
    """Workspace setting names of the review pages: ``review.<page>.<name>``."""
    return f"review.{page}.{name}"


def saved(ws, page: str) -> dict:
    """The saved position and filters of ``page``: ``{"item", "pos", "filters"}`` (empty when none)."""
    return {"item": ws.get_setting(setting_key(page, "item")), "pos": ws.get_setting(setting_key(page, "pos"), 0),
            "filters": ws.get_setting(setting_key(page, "filters"), {})}


def save(ws, page: str, item: int | None, pos: int, filters: dict) -> None:
    """Write what changed (a rerun that changed nothing writes nothing)."""
    old = saved(ws, page)
    if old["item"] != item:
        ws.set_setting(setting_key(page, "item"), item)
    if old["pos"] != pos:
        ws.set_setting(setting_key(page, "pos"), int(pos))
    if old["filters"] != filters:
        ws.set_setting(setting_key(page, "filters"), filters)


def valid_filters(saved_filters: dict, options: dict[str, Sequence | None]) -> dict:
    """Keep the saved filter values that are still valid: ``options[key]`` lists the allowed values (a list value must
    be a subset); None allows any value of the saved type."""
    out = {}
    for key, value in (saved_filters or {}).items():
        if key not in options:
            continue
        allowed = options[key]
        if allowed is None:
            out[key] = value
        elif isinstance(value, list):
            if all(v in allowed for v in value):
                out[key] = value
        elif value in allowed:
            out[key] = value
    return out


def least_certain_first(ids: Sequence[int], scores: Sequence[float | None]) -> list[int]:
    """Order items by their suggestion's score, lowest first (no score: last), keeping the queue order on ties."""
    ranked = sorted(range(len(ids)), key=lambda i: (scores[i] is None, scores[i] if scores[i] is not None else 0, i))
    return [int(ids[i]) for i in ranked]


def suggested_threshold(scores: Iterable[float | None], default: float = 0.8, step: float = 0.05) -> float:
    """A bulk "accept suggestions at or above" default the suggestions can actually reach: the configured default when
    some reach it, else the median score rounded down to the slider's step (so the button never offers "Accept 0")."""
    vals = sorted(float(s) for s in scores if s is not None)
    if not vals or vals[-1] >= default:
        return default
    mid = vals[len(vals) // 2]
    return round(max(0.0, int(mid / step + 1e-9) * step), 2)
