"""The Redaction review page through AppTest, on the bundled sample (which carries invented PII on purpose)."""
from __future__ import annotations

import re

import pytest

from lib.i18n import EN, ZH
from lib.pii.base import KINDS
from lib.pii.operators import MODES
from lib.pii.store import STATUSES, PiiStore
from lib.workspace import Workspace
from tests.helpers import metric, start

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py


PAGE = "pages/redaction.py"


def sample(data_dir) -> Workspace:
    return Workspace(data_dir / "workspaces" / "sample")


def card_value(at) -> str:
    """The value on the review card (its heading is '#### Kind · `value`')."""
    head = next(m.value for m in at.markdown if m.value.startswith("#### "))
    return head.split("`")[1]


def test_opening_the_page_scans_the_sample_and_shows_the_queue(data_dir):
    at = start(PAGE)
    assert at.title[0].value == "Redaction review"
    assert metric(at, "To review") > 5 and metric(at, "Occurrences") >= metric(at, "To review")
    assert [b.label for b in at.button][:3] == ["Accept", "Not private", "Skip"]
    becomes = next(m.value for m in at.markdown if "Becomes:" in m.value)
    assert re.search(r"`<[A-Z_]+_\d+>`", becomes), becomes  # the placeholder verbatim, no Markdown escapes
    ws = sample(data_dir)
    assert PiiStore(ws).is_current()
    kinds = set(PiiStore(ws).counts_by_kind()["kind"])
    assert {"PHONE", "EMAIL", "CN_ID", "BANK_CARD"} <= kinds
    ws.close()


def test_decisions_are_saved_at_once_and_undo_restores(data_dir):
    at = start(PAGE)
    first = card_value(at)
    pending = metric(at, "To review")
    at.button(key="pii_accept").click().run()
    assert not at.exception
    assert metric(at, "To review") == pending - 1 and metric(at, "Accepted") == 1
    assert card_value(at) != first
    ws = sample(data_dir)  # another connection sees it: it is in SQLite, not in the session
    df, _ = PiiStore(ws).queue(statuses=["accepted"])
    assert list(df["value"]) == [first]
    second = card_value(at)
    at.button(key="pii_reject").click().run()
    assert metric(at, "Rejected") == 1
    at.button(key="pii_undo_btn").click().run()
    assert metric(at, "Rejected") == 0 and card_value(at) == second
    ws.close()


def test_undo_survives_a_reload(data_dir):
    at = start(PAGE)
    first = card_value(at)
    at.button(key="pii_reject").click().run()
    assert metric(at, "Rejected") == 1
    again = start(PAGE)  # a reload: a new session, nothing of the old one's state
    assert not again.button(key="pii_undo_btn").disabled
    again.button(key="pii_undo_btn").click().run()
    assert not again.exception
    assert metric(again, "Rejected") == 0 and card_value(again) == first


def test_kind_filter_and_edit_replacement(data_dir):
    at = start(PAGE)
    at.multiselect(key="pii_f_kind").set_value(["EMAIL"]).run()
    value = card_value(at)
    assert "@" in value
    at.text_input(key=next(t.key for t in at.text_input if t.key and t.key.startswith("pii_rep_"))).input("<她的邮箱>")
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert not at.exception
    ws = sample(data_dir)
    v = PiiStore(ws).queue(kinds=["EMAIL"], statuses=["accepted"])[0].iloc[0]
    assert v["value"] == value and v["replacement"] == "<她的邮箱>"
    ws.close()


def test_bulk_accept_asks_for_confirmation_first(data_dir):
    at = start(PAGE)
    at.segmented_control(key="pii_view").set_value("table").run()
    assert not at.exception
    assert at.dataframe  # the paged table of values
    at.selectbox(key="pii_bulk_kind").set_value("PHONE").run()
    at.slider(key="pii_bulk_score").set_value(0.5).run()
    bulk = next(b for b in at.button if b.label.startswith("Accept ") and b.label.endswith(" values"))
    n = int(bulk.label.split()[1])
    assert n >= 1
    bulk.click().run()
    assert metric(at, "Accepted") == 0  # nothing happens before the confirmation
    next(b for b in at.button if b.label == "Accept them").click().run()
    assert not at.exception
    assert metric(at, "Accepted") == n


def test_add_a_term_and_an_allow_list_entry(data_dir):
    at = start(PAGE)
    at.segmented_control(key="pii_view").set_value("terms").run()
    at.text_input[0].input("徒步")
    next(b for b in at.button if b.label == "Add term").click().run()
    assert not at.exception
    assert any("occurrence" in s.value for s in at.success)
    ws = sample(data_dir)
    assert PiiStore(ws).queue(kinds=["CUSTOM"])[1] == 1
    at.text_input(key="pii_allow_term").input("example.com")
    next(b for b in at.button if b.label == "Add to allow-list").click().run()
    assert "example.com" in PiiStore(ws).allow_list()
    ws.close()


def test_bad_regex_term_is_a_clear_error(data_dir):
    at = start(PAGE)
    at.segmented_control(key="pii_view").set_value("terms").run()
    at.text_input[0].input("([")
    at.checkbox[0].check()
    next(b for b in at.button if b.label == "Add term").click().run()
    assert not at.exception
    assert any("regular expression" in e.value for e in at.error)


def test_settings_modes_and_regions(data_dir):
    at = start(PAGE)
    at.segmented_control(key="pii_view").set_value("settings").run()
    at.selectbox(key="pii_mode_PHONE").set_value("mask").run()
    ws = sample(data_dir)
    assert PiiStore(ws).modes()["PHONE"] == "mask"
    at.text_input[0].input("CN, XX")
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert any("XX" in e.value for e in at.error)
    assert PiiStore(ws).regions() == ("CN",)
    ws.close()


def test_page_in_chinese(data_dir):
    at = start()
    at.sidebar.radio(key="lang").set_value("zh").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "脱敏审核"
    assert [b.label for b in at.button][:3] == ["接受", "不是隐私", "跳过"]


def test_every_kind_status_mode_and_view_has_words_in_both_languages():
    import ast
    import re
    from pathlib import Path

    source = (Path(__file__).resolve().parents[1] / PAGE).read_text("utf-8")  # importing would run the page
    views = ast.literal_eval(re.search(r"^VIEWS = (\(.*?\))", source, re.M).group(1))
    keys = [f"pii.kind.{k}" for k in KINDS] + [f"pii.status.{s}" for s in STATUSES]
    keys += [f"pii.mode.{m}" for m in MODES] + [f"pii.view.{v}" for v in views]
    assert [k for k in keys if k not in EN or k not in ZH] == []


def focus(at, data_dir, kind: str, contains: str) -> dict:
    """Open the review card of one value (as a click in the table does)."""
    ws = sample(data_dir)
    try:
        df, _ = PiiStore(ws).queue(kinds=[kind], limit=50)
        row = next(r for r in df.to_dict("records") if contains in r["value"])
    finally:
        ws.close()
    at.session_state["redaction_goto"] = int(row["id"])
    at.run()
    assert not at.exception and card_value(at) == row["value"].replace("`", "")
    return row


def after_html(at) -> str:
    """The "After" column of the first occurrence (the card renders before, after, before, after...)."""
    return at.get("html")[1].proto.body


def test_after_view_replaces_the_neighbours_pending_detections(data_dir):
    at = start(PAGE)
    focus(at, data_dir, "PHONE", "139")  # the sample's phone is sent right before a home address
    after = after_html(at)
    assert "<ADDRESS_" not in after  # escaped: the placeholder is data, not markup
    assert "&lt;ADDRESS_" in after and "文三路" not in after  # the neighbour's address, still pending, is replaced
    assert "文三路" in at.get("html")[0].proto.body  # "before" shows what the owner is checking


def test_span_keys_narrow_and_widen_the_value_everywhere_and_undo(data_dir):
    at = start(PAGE)
    row = focus(at, data_dir, "ADDRESS", "文三路")
    at.button(key="pii_span_start_0").click().run()  # drop the first character (Han: one at a time)
    assert not at.exception and card_value(at) == row["value"][1:]
    ws = sample(data_dir)
    v = PiiStore(ws).value(int(row["id"]))
    assert (v["value"], v["idx"]) == (row["value"][1:], row["idx"])  # saved at once, same placeholder
    ws.close()
    at.button(key="pii_span_start_1").click().run()  # and widen it back
    assert not at.exception and card_value(at) == row["value"]
    assert "文三路" not in after_html(at)
    at.button(key="pii_undo_btn").click().run()
    assert card_value(at) == row["value"][1:]
    at.button(key="pii_undo_btn").click().run()
    assert card_value(at) == row["value"]
    ws = sample(data_dir)
    s = PiiStore(ws)
    assert s.value(int(row["id"]))["value"] == row["value"] and s.terms() == [] and s.allow_list() == []
    assert s.pending_messages() == 0  # no full rescan left behind
    ws.close()


def test_mark_a_missed_value_with_the_fallback_input(data_dir):
    at = start(PAGE)
    assert at.selectbox(key="pii_mark_kind").value == "CUSTOM"
    at.text_input(key="pii_mark_text").input("周末徒步群").run()
    at.selectbox(key="pii_mark_kind").set_value("CUSTOM").run()
    at.button(key="pii_mark_btn").click().run()
    assert not at.exception and not at.error
    ws = sample(data_dir)
    try:
        df, _ = PiiStore(ws).queue(kinds=["CUSTOM"], statuses=["accepted"])
        assert list(df["value"]) == ["周末徒步群"] and int(df.iloc[0]["n_hits"]) >= 1
        from lib.pii.redactor import Redactor

        r = Redactor(ws)
        rows = ws.conn.execute("SELECT id, text FROM messages WHERE text LIKE '%周末徒步群%'").fetchall()
        assert rows and all("周末徒步群" not in r.message(mid, text) for mid, text in rows)
    finally:
        ws.close()
    assert at.text_input(key="pii_mark_text").value == ""
    at.button(key="pii_undo_btn").click().run()
    ws = sample(data_dir)
    assert PiiStore(ws).queue(kinds=["CUSTOM"], statuses=["accepted"])[1] == 0
    ws.close()


def test_marking_nothing_is_a_clear_error(data_dir):
    at = start(PAGE)
    at.button(key="pii_mark_btn").click().run()
    assert not at.exception and "select or type" in at.error[0].value


def test_position_filters_and_comment_survive_a_reload(data_dir):
    at = start(PAGE)
    at.selectbox(key="pii_f_order").set_value("uncertain").run()
    at.button(key="pii_next").click().run()
    value = card_value(at)
    next(t for t in at.text_input if t.label == "Comment on this item").input("a shop's number").run()
    at.button(key="pii_reject").click().run()
    again = start(PAGE)  # a reload: a new session on the same data folder
    assert not again.exception
    assert again.selectbox(key="pii_f_order").value == "uncertain"
    assert card_value(again) != value
    again.button(key="_rv_redaction_hist_0").click().run()  # the history panel's last decision
    assert card_value(again) == value
    assert next(t for t in again.text_input if t.label == "Comment on this item").value == "a shop's number"


def test_least_certain_first_puts_the_weakest_detection_first(data_dir):
    at = start(PAGE)
    at.selectbox(key="pii_f_order").set_value("uncertain").run()
    ws = sample(data_dir)
    df, _ = PiiStore(ws).queue(statuses=["pending"], limit=1000)
    ws.close()
    weakest = df.sort_values("max_score", kind="stable").iloc[0]
    assert card_value(at) == weakest["value"].replace("`", "")


def test_the_card_shows_no_empty_context_lines(data_dir):
    at = start(PAGE)
    for _ in range(8):
        page = "".join(h.proto.body for h in at.get("html"))
        assert not re.search(r':</span> <span style="white-space:pre-wrap"[^>]*></span>', page)
        at.button(key="pii_next").click().run()
