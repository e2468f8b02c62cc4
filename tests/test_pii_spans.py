"""Span corrections on the review card: widening, narrowing and marking a missed value, one decision per value."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.pii import spans
from lib.pii.base import SCORE_CONTEXT, Hit
from lib.pii.diff import card
from lib.pii.redactor import Redactor
from lib.pii.store import PiiStore
from lib.workspace import Workspace
from tests.helpers import chat_workspace

FULL = "12 Oak Road, London SW1A 1AA"
ROWS = [
    (0, "2024-05-01 09:00:00", f"the new flat is {FULL} if you want to visit"),
    (1, "2024-05-01 09:01:00", "I walked past 12 Oak Road, London yesterday"),
    (0, "2024-05-01 09:02:00", f"parcel goes to {FULL} please"),
    (1, "2024-05-01 09:03:00", "ok, ask Pemberton about the keys"),
    (0, "2024-05-01 09:04:00", "pemberton said friday works"),
    (1, "2024-05-01 09:05:00", "see you then"),
]


class PostcodeBlind:
    """An address recognizer that stops before the postcode: the failure the widen keys exist for."""

    kinds = ("ADDRESS",)
    rx = re.compile(r"\d+ Oak Road, London")

    def analyze(self, text: str) -> list[Hit]:
        return [Hit("ADDRESS", m.start(), m.end(), SCORE_CONTEXT, "test address") for m in self.rx.finditer(text)]


@pytest.fixture
def blind(monkeypatch):
    """Scans use the default recognizers plus owner terms; here the defaults are the postcode-blind one."""
    from lib.pii import registry
    from lib.pii.recognizers.custom import CustomRecognizer

    monkeypatch.setattr(registry, "default_recognizers",
                        lambda cfg: [PostcodeBlind(), *([CustomRecognizer(cfg.terms)] if cfg.terms else [])])


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with chat_workspace(tmp_path, ROWS) as w:
        yield w


def texts(ws: Workspace) -> dict[int, str]:
    return dict(ws.conn.execute("SELECT id, text FROM messages ORDER BY id").fetchall())


def exported(ws: Workspace) -> str:
    r = Redactor(ws)
    return "\n".join(r.message(mid, t) for mid, t in texts(ws).items())


def address(store: PiiStore) -> dict:
    df, _ = store.queue(kinds=["ADDRESS"], limit=10)
    return store.value(int(df.iloc[0]["id"]))


def mid_of(ws: Workspace, needle: str) -> int:
    return next(mid for mid, t in texts(ws).items() if needle in t)


def widen_end(store: PiiStore, value: dict, message_id: int, times: int) -> spans.SpanChange:
    """Press the widen-end key ``times`` times on the occurrence in ``message_id``."""
    change = None
    vid = value["id"]
    for _ in range(times):
        text = texts(store.ws)[message_id]
        s, e = store.conn.execute("SELECT start, end FROM pii_hits WHERE value_id = ? AND message_id = ?",
                                  (vid, message_id)).fetchone()
        change = spans.set_span(store, vid, message_id, *spans.step(text, s, e, "end", grow=True))
        vid = change.value_id
    return change


def test_steps_move_by_whole_tokens_and_never_cut_a_word():
    text = f"at {FULL}!"
    s = text.index("12")
    e = s + len("12 Oak Road, London")
    assert text[slice(*spans.step(text, s, e, "end", True))] == "12 Oak Road, London SW1A"
    assert text[slice(*spans.step(text, s, e + 5, "end", True))] == FULL
    assert spans.step(text, s, len(text) - 1, "end", True) is None  # only punctuation is left
    assert text[slice(*spans.step(text, s, e, "end", False))] == "12 Oak Road"
    assert text[slice(*spans.step(text, s, e, "start", False))] == "Oak Road, London"
    assert text[slice(*spans.step(text, s, e, "start", True))] == "at 12 Oak Road, London"
    assert spans.step(text, s, s + 2, "end", False) is None  # narrowing never leaves nothing
    cn = "寄到北京市朝阳区建国路88号3楼"
    a, b = cn.index("北"), cn.index("号") + 1
    # a Han character at a time
    assert cn[slice(*spans.step(cn, a, b, "end", True))] == "北京市朝阳区建国路88号3"
    assert cn[slice(*spans.step(cn, a, b, "start", True))] == "到北京市朝阳区建国路88号"
    assert text[slice(*spans.snap(text, s + 4, e - 2))] == "Oak Road, London"  # half words become whole


def test_widening_a_uk_address_to_its_postcode_keeps_decision_placeholder_and_survives_reopen(
        blind, ws: Workspace, tmp_path: Path):
    store = PiiStore(ws)
    store.scan()
    v = address(store)
    assert v["value"] == "12 Oak Road, London"
    store.decide(v["id"], "accepted")
    assert "SW1A 1AA" in exported(ws)  # the postcode leaks: what the owner fixes
    change = widen_end(store, v, mid_of(ws, "new flat"), times=2)
    w = store.value(change.value_id)
    assert (w["id"], w["value"], w["idx"], w["status"]) == (v["id"], FULL, v["idx"], "accepted")
    out = exported(ws)
    assert "SW1A" not in out and "1AA" not in out
    assert out.count("<ADDRESS_%d>" % v["idx"]) == 2  # both full addresses, the second found without a key press
    # the occurrence without a postcode is still an address, keeps the owner's decision, and is replaced
    rest = [r for r in store.queue(kinds=["ADDRESS"], limit=10)[0].to_dict("records") if r["id"] != v["id"]]
    assert [(r["value"], r["status"]) for r in rest] == [("12 Oak Road, London", "accepted")]
    assert "12 Oak Road" not in out
    assert store.is_current() and store.pending_messages() == 0  # no full rescan was left to do
    ws.close()
    again = Workspace(tmp_path / "ws")
    try:
        s2 = PiiStore(again)
        s2.scan(full=True)  # even a full rescan finds the wider span again
        w2 = s2.value(v["id"])
        assert (w2["value"], w2["idx"], w2["status"], w2["n_hits"]) == (FULL, v["idx"], "accepted", 2)
        assert "SW1A" not in exported(again)
    finally:
        again.close()


def test_undo_puts_the_narrow_value_back_without_a_full_rescan(blind, ws: Workspace):
    store = PiiStore(ws)
    store.scan()
    v = address(store)
    store.decide(v["id"], "accepted")
    before = exported(ws)
    change = widen_end(store, v, mid_of(ws, "new flat"), times=1)
    assert store.value(v["id"])["value"] == "12 Oak Road, London SW1A"
    assert spans.undo(store, change) == v["id"]
    back = store.value(v["id"])
    assert (back["value"], back["idx"], back["status"], back["n_hits"]) == (v["value"], v["idx"], "accepted", 3)
    assert exported(ws) == before
    assert store.terms() == [] and store.allow_list() == []
    assert store.pending_messages() == 0 and store.is_current()
    assert len(store.queue(kinds=["ADDRESS"], limit=10)[0]) == 1  # the split-off value went with the undo


def test_narrowing_drops_the_wider_text_and_survives_a_full_rescan(blind, ws: Workspace):
    store = PiiStore(ws)
    store.scan()
    v = address(store)
    mid = mid_of(ws, "new flat")
    text = texts(ws)[mid]
    s = text.index("12")
    change = spans.set_span(store, v["id"], mid, *spans.step(text, s, s + len(v["value"]), "end", grow=False))
    assert store.value(change.value_id)["value"] == "12 Oak Road"
    assert "London" in exported(ws) and "12 Oak Road" not in exported(ws)
    store.scan(full=True)
    assert store.value(change.value_id)["value"] == "12 Oak Road"
    assert ", London" in exported(ws) and "12 Oak Road" not in exported(ws)
    spans.undo(store, change)
    assert store.allow_list() == [] and store.terms() == []
    assert store.value(v["id"])["value"] == "12 Oak Road, London"
    assert "London" not in exported(ws).replace("London SW1A", "")


def test_widening_into_an_existing_value_merges_them_into_one_decision(blind, ws: Workspace):
    store = PiiStore(ws)
    store.scan()
    v = address(store)
    store.decide(v["id"], "skipped")
    marked = spans.mark(store, FULL, "ADDRESS")  # the owner marked the full address earlier
    change = widen_end(store, v, mid_of(ws, "new flat"), times=1)  # the wider span lies inside the marked one
    assert change.value_id == marked.value_id != v["id"]
    for mid in (mid_of(ws, "new flat"), mid_of(ws, "parcel")):  # each full address is one hit of one value
        held = store.message_hits([mid])[mid]
        assert [vid for _, _, vid, _ in held] == [marked.value_id]
    assert store.value(v["id"])["n_hits"] == 0
    # the address without its postcode is a value of its own, with the decision the owner gave the narrow one
    rest = store.message_hits([mid_of(ws, "walked")])[mid_of(ws, "walked")]
    assert [(store.value(vid)["value"], store.value(vid)["status"]) for _, _, vid, _ in rest] == [
        ("12 Oak Road, London", "skipped")]


def test_marking_a_missed_value_makes_every_occurrence_an_accepted_detection(blind, ws: Workspace, tmp_path: Path):
    store = PiiStore(ws)
    store.scan()
    assert "Pemberton" in exported(ws)
    change = spans.mark(store, "  Pemberton ", "PERSON")
    v = store.value(change.value_id)
    assert (v["kind"], v["status"], v["n_hits"]) == ("PERSON", "accepted", 2)  # "pemberton" in lower case too
    out = exported(ws)
    assert "emberton" not in out and out.count(f"<PERSON_{v['idx']}>") == 2
    store.scan(full=True)
    assert store.value(v["id"])["n_hits"] == 2
    spans.undo(store, change)
    assert "Pemberton" in exported(ws) and store.terms() == [] and store.pending_messages() == 0
    with pytest.raises(ValueError, match="not found"):
        spans.mark(store, "Quillfeather", "CUSTOM")
    assert store.terms() == []


def test_marking_what_was_called_not_private_wins(blind, ws: Workspace):
    store = PiiStore(ws)
    store.add_allow("Pemberton")
    store.scan()
    change = spans.mark(store, "Pemberton")
    assert store.value(change.value_id)["kind"] == spans.MARK_KIND
    assert "emberton" not in exported(ws) and store.allow_list() == []
    spans.undo(store, change)
    assert store.allow_list() == ["Pemberton"]


def test_card_after_applies_every_live_detection_to_the_neighbours(blind, ws: Workspace):
    store = PiiStore(ws)
    store.scan()
    person = store.value(spans.mark(store, "Pemberton", "PERSON").value_id)
    occ = card(store, person, limit=3, context=1)
    assert len(occ) == 2
    lines = occ[0].lines
    assert [ln.main for ln in lines] == [False, True, False]
    neighbour = "".join(t for t, _ in lines[0].after)  # "parcel goes to <full address> please": still pending
    assert FULL not in neighbour and "<ADDRESS_" in neighbour
    assert ("Pemberton", "focus") in lines[1].before
    assert f"<PERSON_{person['idx']}>" in "".join(t for t, _ in lines[1].after)
    # a rejected value is marked before and left unchanged after; neighbours still show what exports do
    store.decide(person["id"], "rejected")
    occ = card(store, store.value(person["id"]), limit=1)
    assert "".join(t for t, _ in occ[0].lines[1].after) == texts(ws)[occ[0].message_id]
    assert "<ADDRESS_" in "".join(t for t, _ in occ[0].lines[0].after)


def test_bad_spans_are_clear_errors_and_change_nothing(blind, ws: Workspace):
    store = PiiStore(ws)
    store.scan()
    v = address(store)
    mid = mid_of(ws, "new flat")
    with pytest.raises(ValueError, match="overlap"):
        spans.set_span(store, v["id"], mid, 0, 3)
    with pytest.raises(ValueError, match="does not occur"):
        spans.set_span(store, v["id"], mid_of(ws, "see you"), 0, 3)
    assert store.terms() == [] and store.allow_list() == [] and store.value(v["id"]) == v


def test_real_recognizers_narrow_off_a_postcode_and_widen_back_to_it(ws: Workspace):
    store = PiiStore(ws)
    store.set_regions(["GB"])
    store.scan()
    v = address(store)
    mid = mid_of(ws, "new flat")
    text = texts(ws)[mid]
    s, e = ws.conn.execute("SELECT start, end FROM pii_hits WHERE value_id = ? AND message_id = ?",
                           (v["id"], mid)).fetchone()
    narrow = spans.set_span(store, v["id"], mid, *spans.step(text, s, e, "end", grow=False))
    assert narrow.value_id == v["id"] and "1AA" in exported(ws) and "SW1A" not in exported(ws)
    wide = spans.set_span(store, v["id"], mid, *spans.step(text, *narrow.span[1:], "end", grow=True))
    assert store.value(wide.value_id)["value"] == store.value(v["id"])["value"] == text[s:e]
    assert "1AA" not in exported(ws) and store.allow_list() == []
    assert store.pending_messages() == 0  # neither step left a full rescan to do
    spans.undo(store, wide)
    spans.undo(store, narrow)
    assert store.value(v["id"])["value"] == text[s:e] and store.terms() == [] and store.allow_list() == []
    assert store.pending_messages() == 0


# ----- undo lives in the workspace (issue 16/18): it survives a reload, covers every action, one step each -----
def reopened(ws: Workspace) -> PiiStore:
    """A second handle on the same workspace: what a reload or another tab sees."""
    return PiiStore(Workspace(ws.path))


def test_a_decision_is_undone_after_a_reload(blind, ws: Workspace) -> None:
    store = PiiStore(ws)
    store.scan()
    v = address(store)
    store.decide(v["id"], "rejected")
    again = reopened(ws)
    assert again.undoable() == 1
    assert again.undo() == v["id"]
    assert again.value(v["id"])["status"] == v["status"]
    assert again.undoable() == 0 and again.undo() is None


def test_a_bulk_accept_is_one_undo_step(ws: Workspace) -> None:
    store = PiiStore(ws)
    store.scan()
    ids = store.bulk_candidates(None, 0.0)
    assert len(ids) >= 2
    before = {i: store.value(i)["status"] for i in ids}
    store.decide(ids, "accepted")
    store.undo()
    assert {i: store.value(i)["status"] for i in ids} == before


def test_an_edited_replacement_is_undone_with_its_status(blind, ws: Workspace) -> None:
    store = PiiStore(ws)
    store.scan()
    v = address(store)
    store.set_replacement(v["id"], "somewhere in town")
    assert store.value(v["id"])["status"] == "accepted"
    reopened(ws).undo()
    after = store.value(v["id"])
    assert (after["status"], after["replacement"]) == (v["status"], v["replacement"])


def test_a_widened_span_is_undone_after_a_reload(blind, ws: Workspace) -> None:
    store = PiiStore(ws)
    store.scan()
    v = address(store)
    store.decide(v["id"], "accepted")
    widen_end(store, v, mid_of(ws, "new flat"), times=2)  # two key presses: two undo steps
    assert "SW1A" not in exported(ws)
    again = reopened(ws)
    assert again.undoable() == 3
    again.undo()
    again.undo()
    assert again.value(v["id"])["value"] == "12 Oak Road, London"
    assert "SW1A 1AA" in exported(ws)  # back to what it was: the postcode shows again
    assert again.value(v["id"])["status"] == "accepted"  # the decision before the widening stays


def test_a_marked_value_is_undone_in_one_step(blind, ws: Workspace) -> None:
    from lib.pii import spans

    store = PiiStore(ws)
    store.scan()
    change = spans.mark(store, "Pemberton", "PERSON")
    assert store.value(change.value_id)["status"] == "accepted"
    assert "emberton" not in exported(ws)
    reopened(ws).undo()
    assert "Pemberton" in exported(ws) and "pemberton" in exported(ws)
    assert store.undoable() == 0
