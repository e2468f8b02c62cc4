"""The persona, export and statistics pages through AppTest, on the bundled sample."""
from __future__ import annotations

import pytest

import json

from lib import persona
from lib.workspace import Workspace
from tests.helpers import metric, start

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py


PERSONA = "pages/persona.py"
EXPORT = "pages/export.py"
STATS = "pages/statistics.py"


def sample(data_dir) -> Workspace:
    return Workspace(data_dir / "workspaces" / "sample")


def test_persona_page_previews_saves_versions_and_rejects_bad_templates(data_dir):
    at = start(PERSONA)
    assert at.title[0].value == "Persona"
    preview = at.code[0].value
    assert preview.startswith("你是") and "{" not in preview  # filled in, in the sample's language
    assert "林小雨" not in preview and preview.startswith("你是小T，")  # the twin's own (default) name, no placeholder
    at.text_area[0].set_value("你是{name}。\n兴趣：{interests}\n{hobby}")
    at.button[[b.label for b in at.button].index("Save version")].click().run()
    assert not at.exception
    assert any("unknown placeholder" in e.value and "hobby" in e.value for e in at.error)
    at.text_area[0].set_value("你是{name}，说话简短。\n{relationship}")
    at.text_input[0].set_value("小雨")
    at.button[[b.label for b in at.button].index("Save version")].click().run()
    assert not at.exception
    ws = sample(data_dir)
    v = persona.latest(ws)
    assert v is not None and v.prompt == "你是小雨，说话简短。" and v.name == "小雨"  # stored before redaction
    ws.close()


def test_relationship_note_is_saved_from_the_table(data_dir):
    at = start(PERSONA)
    key = "per_rel_0"
    at.session_state[key] = {"edited_rows": {0: {"Note": "对方是你的大学室友"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    ws = sample(data_dir)
    assert list(persona.relationships(ws).values()) == ["对方是你的大学室友"]
    ws.close()


def test_export_page_previews_and_writes_a_dataset(data_dir):
    at = start(EXPORT)
    assert at.title[0].value == "Export"
    assert at.json, "the preview of the first records"
    first = json.loads(at.json[0].value)
    assert [m["from"] for m in first["conversations"]][:2] == ["human", "gpt"]
    at.segmented_control(key="exp_fmt").set_value("openai").run()
    assert "messages" in json.loads(at.json[0].value)
    run = next(b for b in at.button if b.label.startswith("Export as"))
    run.click().run()
    assert not at.exception
    assert metric(at, "Records") > 20
    out = sorted((data_dir / "workspaces" / "sample" / "exports").iterdir())
    assert len(out) == 1 and {p.name for p in out[0].iterdir()} == {"train.jsonl", "val.jsonl", "README.md"}
    assert at.get("download_button"), "a download of the dataset as a zip"


def test_export_options_system_turn_and_licence(data_dir):
    at = start(EXPORT)
    at.toggle(key="exp_system_turn").set_value(True).run()
    first = json.loads(at.json[0].value)
    assert first["conversations"][0]["from"] == "system" and not first.get("system")
    at.text_input(key="exp_license").input("not a licence!").run()
    assert not at.exception
    assert any("licence" in e.value for e in at.error)
    assert not any(b.label.startswith("Export as") for b in at.button)  # nothing to press until it is fixed
    at.text_input(key="exp_license").input("cc-by-nc-4.0").run()
    assert not at.error and any(b.label.startswith("Export as") for b in at.button)


def test_statistics_page_charts_aggregates(data_dir):
    at = start(STATS)
    assert at.title[0].value == "Statistics"
    assert not at.exception
    assert metric(at, "Records") > 20 and metric(at, "My turns") > 50
    # Issue 18: one section at a time (a new tab draws the funnel and the record figures, not every chart)
    assert at.segmented_control(key="stat_view").value == "home.funnel"
    charts = len(at.get("vega_lite_chart"))
    assert charts == 3  # funnel, turn lengths, pairs per record
    for view in ("stat.over_time", "stat.emotions", "stat.pii", "stat.habits"):
        at.segmented_control(key="stat_view").set_value(view).run()
        assert not at.exception, view
        charts += len(at.get("vega_lite_chart"))
    assert charts >= 6


def test_dataset_pages_speak_chinese(data_dir):
    at = start()
    at.sidebar.radio(key="lang").set_value("zh").run()
    for page, title in ((PERSONA, "人设"), (EXPORT, "导出"), (STATS, "统计")):
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.title[0].value == title


def test_mbti_files_are_imported_on_the_export_page(data_dir):
    import json as _json

    at = start(EXPORT)
    data = _json.dumps([{"instruction": f"你喜欢独处吗 {i}", "input": " ", "output": "我更喜欢和朋友在一起。"}
                        for i in range(12)], ensure_ascii=False).encode()
    at.get("file_uploader")[0].upload("zh_energy_extraversion.json", data).run()
    at.button[[b.label for b in at.button].index("Import the files")].click().run()
    assert not at.exception
    assert any("12 new records" in s.value for s in at.success)
    at.toggle(key="exp_include_mbti").set_value(True).run()
    at.button[[b.label for b in at.button].index("Export as ShareGPT")].click().run()
    assert not at.exception
    out = next((data_dir / "workspaces" / "sample" / "exports").iterdir())
    items = _json.loads((out / "train.json").read_text())
    assert sum(1 for i in items if i.get("source") == "mbti") >= 1


def test_export_widgets_start_from_the_export_options_defaults(data_dir):
    """Issue 16: the page's defaults are ExportOptions' own (no second copy to drift)."""
    from lib.export.records import ExportOptions

    at = start(EXPORT)
    d = ExportOptions()
    assert at.number_input(key="exp_max_turns").value == d.max_turns
    assert at.number_input(key="exp_max_chars").value == d.max_chars
    assert at.selectbox(key="exp_dedup").value == d.dedup and at.selectbox(key="exp_traits").value == d.traits
    assert at.slider(key="exp_val_ratio").value == d.val_ratio
    assert at.toggle(key="exp_emotion").value is d.emotion and at.toggle(key="exp_include_groups").value is False
    assert at.text_input(key="exp_license").value == d.license
