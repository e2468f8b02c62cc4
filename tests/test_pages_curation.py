"""The labelling, curation and traits pages through AppTest, on the bundled sample."""
from __future__ import annotations

import pytest

from lib.curate.store import CurationStore
from lib.label.store import LabelStore
from lib.persona.traits import load_card
from lib.workspace import Workspace
from tests.helpers import metric, start

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py


LABELS = "pages/labelling.py"
CURATE = "pages/curation.py"
TRAITS = "pages/traits.py"


def sample(data_dir) -> Workspace:
    return Workspace(data_dir / "workspaces" / "sample")


def focused_text(at) -> str:
    """The card's message: the bubble drawn with the focus border."""
    page = "".join(h.proto.body for h in at.get("html"))
    return page.split("border:2px solid #4f7a74", 1)[1].split("</div>", 2)[1]


def test_labelling_page_suggests_on_opening_and_saves_key_decisions(data_dir):
    at = start(LABELS)
    assert at.title[0].value == "Emotion labels"
    todo = metric(at, "To label")
    assert todo > 50 and metric(at, "With a suggestion") > 10
    labels = [b.label for b in at.button][:9]
    assert labels[:3] == ["joy", "affection", "playful"]
    first = focused_text(at)
    at.button(key="lab_l_2").click().run()  # "playful" (key 3 in the browser)
    assert not at.exception
    assert metric(at, "Labelled") == 1 and metric(at, "To label") == todo - 1
    assert focused_text(at) != first  # the card moved on
    at.button(key="lab_skip").click().run()
    assert metric(at, "Skipped") == 1
    ws = sample(data_dir)  # in SQLite, seen by another connection
    c = LabelStore(ws).counts()
    assert (c["labelled"], c["skipped"]) == (1, 1)
    assert set(LabelStore(ws).distribution().query("labelled > 0")["label"]) == {"playful"}
    ws.close()
    at.button(key="lab_undo").click().run()
    at.button(key="lab_undo").click().run()
    assert metric(at, "Labelled") == 0 and metric(at, "Skipped") == 0
    assert focused_text(at) == first


def test_labelling_queue_filter_and_flag(data_dir):
    at = start(LABELS)
    at.button(key="lab_flag").click().run()
    assert metric(at, "Flagged") == 1
    at.selectbox(key="lab_f_queue").set_value("flagged").run()
    assert not at.exception
    assert "Item 1 of 1" in [c.value for c in at.caption]


def test_bulk_table_edit_is_saved(data_dir):
    at = start(LABELS)
    at.segmented_control(key="lab_view").set_value("table").run()
    assert not at.exception
    key = "lab_ed_1_0"  # page 1, editor version 0
    at.session_state[key] = {"edited_rows": {0: {"Label": "sadness"}, 1: {"Flag": True}}, "added_rows": [],
                             "deleted_rows": []}
    at.run()
    assert not at.exception
    ws = sample(data_dir)
    c = LabelStore(ws).counts()
    assert c["labelled"] == 1 and c["flagged"] == 1
    ws.close()


def test_labelling_settings_validate_the_taxonomy(data_dir):
    at = start(LABELS)
    at.segmented_control(key="lab_view").set_value("settings").run()
    at.text_area[0].set_value("joy\nsadness\ncalm")
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert not at.exception
    ws = sample(data_dir)
    assert LabelStore(ws).taxonomy() == ["joy", "sadness", "calm"]
    ws.close()


def test_curation_page_drops_with_a_reason_and_the_funnel_follows(data_dir):
    at = start(CURATE)
    assert at.title[0].value == "Curate conversations"
    trainable = metric(at, "Trainable")
    at.selectbox(key="cur_f_view").set_value("undecided").run()
    at.button(key="cur_drop").click().run()
    assert not at.exception
    assert metric(at, "Dropped") == 1 and metric(at, "Trainable") == trainable - 1
    ws = sample(data_dir)
    assert dict(ws.funnel())["trainable conversations"] == trainable - 1
    dropped = ws.conn.execute("SELECT reason FROM curation WHERE decision = 'drop'").fetchall()
    assert len(dropped) == 1 and dropped[0][0]
    ws.close()
    at.button(key="cur_undo").click().run()
    assert metric(at, "Dropped") == 0 and metric(at, "Trainable") == trainable


def test_curation_note_and_split(data_dir):
    at = start(CURATE)
    at.selectbox(key="cur_f_view").set_value("all").run()
    assert not any(t.label.startswith("Background") for t in at.text_area)  # issue 18: tools drawn when chosen
    at.segmented_control(key="cur_tool").set_value("note").run()
    note = next(t for t in at.text_area if t.label.startswith("Background"))
    note.set_value("阿杰是我的大学室友")
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert not at.exception
    ws = sample(data_dir)
    assert list(CurationStore(ws).context_notes(
        [r[0] for r in ws.conn.execute("SELECT conv_id FROM curation")]).values())[0][0] == "阿杰是我的大学室友"
    n_conv = ws.conn.execute("SELECT COUNT(*) FROM conversations").fetchone()[0]
    ws.close()
    at.segmented_control(key="cur_tool").set_value("split").run()
    split = next(b for b in at.button if b.label == "Split here")
    split.click().run()
    assert not at.exception
    ws = sample(data_dir)
    assert ws.conn.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] == n_conv + 1
    ws.close()


def test_traits_page_shows_habits_and_saves_the_card(data_dir):
    at = start(TRAITS)
    assert at.title[0].value == "Traits"
    assert metric(at, "My messages") > 100
    assert len(at.get("vega_lite_chart")) >= 2  # hours and punctuation
    next(s for s in at.selectbox if s.label == "MBTI type").set_value("ENFP")
    at.text_input[[t.label for t in at.text_input].index("Occupation")].set_value("designer")
    at.button[[b.label for b in at.button].index("Save the card")].click().run()
    assert not at.exception
    ws = sample(data_dir)
    card = load_card(ws)
    assert card.mbti == "ENFP" and card.occupation == "designer" and card.catchphrases
    ws.close()


def test_pages_speak_chinese(data_dir):
    at = start()
    at.sidebar.radio(key="lang").set_value("zh").run()
    for page, title in ((LABELS, "情绪标注"), (CURATE, "整理对话"), (TRAITS, "个性特征")):
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.title[0].value == title


def test_message_trait_tags_from_the_labelling_card(data_dir):
    at = start(LABELS)
    at.text_input[[t.label for t in at.text_input].index("Occupation")].set_value("nurse")
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert not at.exception
    ws = sample(data_dir)
    rows = ws.conn.execute("SELECT scope, occupation FROM trait_tags").fetchall()
    assert rows == [("message", "nurse")]
    ws.close()


def comment_box(at):
    return next(t for t in at.text_input if t.label == "Comment on this item")


def test_labelling_position_filters_history_comment_and_undo_survive_a_reload(data_dir):
    at = start(LABELS)
    at.selectbox(key="lab_f_queue").set_value("all").run()
    at.button(key="lab_next").click().run()
    at.button(key="lab_next").click().run()
    assert "Item 3 of" in " ".join(c.value for c in at.caption)
    third = focused_text(at)
    comment_box(at).input("check the tone").run()
    at.button(key="lab_l_0").click().run()  # joy, on the third item; the card moves to the fourth
    assert metric(at, "Labelled") == 1 and "Item 4 of" in " ".join(c.value for c in at.caption)

    again = start(LABELS)  # a reload: a new session on the same data folder
    assert not again.exception
    assert again.selectbox(key="lab_f_queue").value == "all"
    assert "Item 4 of" in " ".join(c.value for c in again.caption)
    assert any("joy" in m.value for m in again.markdown)  # the history panel lists the decision
    again.button(key="_rv_labelling_hist_0").click().run()  # click back to it
    assert focused_text(again) == third and comment_box(again).value == "check the tone"
    again.button(key="lab_undo").click().run()
    assert metric(again, "Labelled") == 0 and focused_text(again) == third


def test_curation_position_and_comment_survive_a_reload(data_dir):
    at = start(CURATE)
    at.button(key="cur_next").click().run()
    where = [c.value for c in at.caption if c.value.startswith("Item ")]
    assert where and where[0].startswith("Item 2 of")
    comment_box(at).input("same trip as the next one").run()
    again = start(CURATE)
    assert [c.value for c in again.caption if c.value.startswith("Item ")] == where
    assert comment_box(again).value == "same trip as the next one"


def test_least_certain_first_orders_by_the_suggestion_score(data_dir):
    at = start(LABELS)
    at.selectbox(key="lab_f_order").set_value("uncertain").run()
    assert not at.exception
    ws = sample(data_dir)
    df, _ = LabelStore(ws).queue("unlabelled", order="uncertain", limit=5)
    ws.close()
    scores = [c for c in df["confidence"] if c == c]
    assert scores == sorted(scores)


def test_bulk_threshold_defaults_to_what_the_suggestions_score(data_dir):
    at = start(LABELS)
    at.segmented_control(key="lab_view").set_value("table").run()
    conf = at.slider(key="lab_bulk_conf").value
    bulk = next(b for b in at.button if b.label.startswith("Accept"))
    assert conf <= 0.8 and not bulk.disabled, (conf, bulk.label)  # never "Accept 0" by default


def test_sticker_only_messages_read_as_stickers(data_dir):
    at = start(LABELS)
    ws = sample(data_dir)
    row = ws.conn.execute("SELECT id FROM messages WHERE kind = 'sticker' AND is_me = 1 ORDER BY id").fetchone()
    ws.close()
    assert row, "the sample has a sticker of mine"
    at.session_state["labelling_goto"] = int(row[0])
    at.run()
    assert not at.exception
    assert focused_text(at).startswith("[sticker]")


def test_the_key_help_lists_every_key(data_dir):
    at = start(LABELS)
    at.button(key="lab_help").click().run()  # the "?" key runs the same action
    table = next((m.value for m in at.markdown if "| `A` |" in m.value), "")
    assert all(f"| `{k}` |" in table for k in ("1", "A", "S", "F", "J", "K", "U", "?")), table
