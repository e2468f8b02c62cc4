"""lib/review.py: the queue walk, key events applied once each on their own item, history, comments, saved state."""
from __future__ import annotations

import pytest

from lib import review as rv
from lib.review import Action, KeyEvent, Review


class Queue:
    """A filtered queue: ids 1..n; a decided id leaves it (like the "unlabelled" queue)."""

    def __init__(self, n: int) -> None:
        self.ids = list(range(1, n + 1))
        self.decided: list[int] = []

    def fetch(self, offset: int, limit: int) -> tuple[list[int], int]:
        return self.ids[offset:offset + limit], len(self.ids)

    def decide(self, item: int) -> str:
        self.decided.append(item)
        if item in self.ids:
            self.ids.remove(item)
        return f"done {item}"

    def review(self) -> Review:
        undo = lambda _i: (self.undo(), "undone")  # noqa: E731
        return Review(self.fetch, [Action("keep", "a", self.decide), Action("next", "j", move="next"),
                                   Action("prev", "k", move="prev"), Action("undo", "u", undo, move="undo"),
                                   Action("help", "?", move="help")])

    def undo(self) -> int:
        item = self.decided.pop()
        self.ids = sorted({*self.ids, item})
        return item


def ev(seq: int, key: str, item: int | None) -> KeyEvent:
    return KeyEvent(seq, key, item)


def test_a_decision_moves_to_the_item_after_it_and_the_queue_shrinks():
    q = Queue(5)
    r = q.review()
    assert r.where().item == 1
    r.run("keep")
    p = r.where()
    assert q.decided == [1] and p.item == 2 and p.pos == 0 and p.total == 4


def test_ten_quick_events_apply_once_each_on_the_item_they_were_pressed_on():
    q = Queue(20)
    r = q.review()
    events = [ev(i + 1, "a", i + 1) for i in range(10)]
    r.apply("tab1", events[:4])
    r.apply("tab1", events)  # the browser resends what it has not seen acknowledged: nothing twice
    assert q.decided == list(range(1, 11))
    assert r.ack == {"tab1": 10} and r.where().item == 11
    r.apply("tab1", events)
    assert q.decided == list(range(1, 11))


def test_events_carry_their_item_even_when_python_lags():
    q = Queue(10)
    r = q.review()
    r.apply("t", [ev(1, "a", 3)])  # pressed on item 3 (shown by a click): item 3, not the current item 1
    assert q.decided == [3] and r.where().item == 4  # then the card moves on from item 3
    r.apply("t", [ev(2, "a", None)])  # unknown item: the one on screen
    assert q.decided == [3, 4]


def test_moves_and_undo_by_key():
    q = Queue(10)
    r = q.review()
    r.apply("t", [ev(1, "j", 1), ev(2, "j", 2), ev(3, "a", 3), ev(4, "k", 4), ev(5, "k", 2), ev(6, "a", 2)])
    assert q.decided == [3, 2]
    r.apply("t", [ev(7, "u", 4)])
    assert q.decided == [3] and r.where().item == 2
    out = r.apply("t", [ev(8, "?", 2), ev(9, "z", 2)])  # unknown keys are acknowledged and ignored
    assert [o.help for o in out] == [True] and r.ack["t"] == 9


def test_a_new_browser_epoch_starts_its_own_sequence():
    q = Queue(10)
    r = q.review()
    r.apply("old", [ev(1, "a", 1), ev(2, "a", 2)])
    r.apply("new", [ev(1, "a", 3)])  # a reloaded tab counts from 1 again
    assert q.decided == [1, 2, 3]


def test_the_last_item_then_an_empty_queue():
    q = Queue(2)
    r = q.review()
    r.run("keep")
    r.run("keep")
    p = r.where()
    assert p.item is None and p.total == 0


def test_malformed_events_are_dropped():
    epoch, events = rv.parse_events({"epoch": "x", "events": [{"seq": "a"}, {"seq": 2, "key": "A", "item": "7"},
                                                              "junk", {"seq": 0, "key": "a"}, {"seq": 1, "key": "j"}]})
    assert epoch == "x" and events == [KeyEvent(1, "j", None), KeyEvent(2, "a", 7)]
    assert rv.parse_events({"events": "nope"}) == ("", [])
    assert rv.parse_events(None) == ("", [])


def test_stats_give_a_pace_and_time_left():
    s = rv.Stats()
    assert s.per_hour() is None
    s.add(now=1000.0)
    for _ in range(9):
        s.add(now=1000.0)
    assert s.per_hour(now=1000.0 + 360) == pytest.approx(100.0)
    assert s.eta_seconds(50, now=1000.0 + 360) == pytest.approx(1800.0)


def test_least_certain_first_and_the_bulk_threshold():
    assert rv.least_certain_first([1, 2, 3, 4], [0.9, None, 0.2, 0.5]) == [3, 4, 1, 2]
    assert rv.suggested_threshold([0.55, 0.6, 0.62]) == 0.6  # today's rules stay under 0.8: offer what they reach
    assert rv.suggested_threshold([0.5, 0.95]) == 0.8
    assert rv.suggested_threshold([]) == 0.8


def test_valid_filters_drop_what_no_longer_exists():
    saved = {"q": "flagged", "chat": 9, "kinds": ["EMAIL", "GONE"], "search": "hi", "other": 1}
    ok = rv.valid_filters(saved, {"q": ["all", "flagged"], "chat": [None, 1], "kinds": ["EMAIL"], "search": None})
    assert ok == {"q": "flagged", "search": "hi"}


@pytest.fixture
def conn(tmp_path):
    from lib import db
    c = db.connect(tmp_path / "t.db")
    yield c
    c.close()


def test_history_and_comments_live_in_sqlite(conn):
    conn.execute("INSERT INTO decision_log(area, batch, tbl, key, before, at) VALUES "
                 "('x', 100, 'curation', '{\"conv_id\": 7}', NULL, '2026-01-01T10:00:00'), "
                 "('x', 101, 'curation', '{\"conv_id\": 8}', NULL, '2026-01-01T10:01:00'), "
                 "('x', 101, 'curation', '{\"conv_id\": 9}', NULL, '2026-01-01T10:01:00')")
    h = rv.history(conn, "x", lambda t, k: k.get("conv_id"))
    assert [x["items"] for x in h] == [[8, 9], [7]] and h[0]["n"] == 2
    assert rv.comment(conn, "x", 7) == ""
    rv.set_comment(conn, "x", 7, "  ask Jay  ")
    assert rv.comment(conn, "x", 7) == "ask Jay" and rv.comment(conn, "y", 7) == ""
    rv.set_comment(conn, "x", 7, "")
    assert rv.comment(conn, "x", 7) == ""


def test_position_and_filters_are_saved_per_page(tmp_path):
    from lib.workspace import Workspace
    ws = Workspace(tmp_path / "ws")
    try:
        assert rv.saved(ws, "labelling") == {"item": None, "pos": 0, "filters": {}}
        rv.save(ws, "labelling", 42, 3, {"queue": "all"})
        assert rv.saved(ws, "labelling") == {"item": 42, "pos": 3, "filters": {"queue": "all"}}
        assert rv.saved(ws, "curation")["item"] is None
        assert ws.get_setting("review.labelling.item") == 42
    finally:
        ws.close()


def test_the_browser_says_where_the_card_goes_after_a_move():
    q = Queue(10)
    r = q.review()
    r.apply("t", [ev(1, "a", 1)])  # item 1 leaves the queue; the browser still knows it
    r.apply("t", [KeyEvent(2, "k", 2, to=1)])  # back to the item just decided, as the browser showed it
    p = r.where()
    assert p.item == 1 and not p.in_queue
    r.apply("t", [KeyEvent(3, "a", 1, to=2)])
    assert r.where().item == 2 and q.decided == [1, 1]  # decided again, on the item the owner saw
