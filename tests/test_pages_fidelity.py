"""The Fidelity page (AppTest) in both languages: the hold-out share as a percentage, rows and separate scores with
translated labels, rows skipped without a model, and the LLM judge whose prompt is shown before anything is sent."""
from __future__ import annotations

import json
import re

import pytest

from lib import i18n
from lib.curate import holdout
from lib.workspace import Workspace
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import start

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py
PAGE = "pages/fidelity.py"


def _measure(at):
    at.button[[b.label for b in at.button].index(i18n.t("fid.choose", at.session_state["lang"]
                                                        if "lang" in at.session_state else "en"))].click().run()
    assert not at.exception
    next(b for b in at.button if b.label.startswith(("Measure", "评估"))).click().run()
    assert not at.exception


def test_share_slider_is_a_percentage_and_rows_without_a_model_are_skipped(data_dir, monkeypatch):
    for var in ("METWIN_LLM_BASE_URL", "METWIN_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)
    at = start(PAGE)
    slider = at.slider(key="fid_share_pct")
    assert slider.value == 10 and slider.min == 5 and slider.max == 30  # percent, not 0.10
    slider.set_value(20).run()
    _measure(at)
    ws = Workspace(data_dir / "workspaces" / "sample")
    rep = json.loads((ws.path / "eval" / "fidelity.json").read_text())
    assert (ws.get_setting(holdout.SETTING) or {}).get("share") == 0.2
    ws.close()
    assert {r["kind"] for r in rep["rows"]} == {"offline", "random"}
    assert {s["kind"] for s in rep["skipped"]} == {"prompt_only", "augmented"}
    captions = " ".join(c.value for c in at.caption)
    assert "Not measured" in captions and "prompt only" in captions
    assert len(at.dataframe) == 2 and "Facts right" in at.dataframe[1].value.columns
    assert "Offline twin" in list(at.dataframe[0].value.iloc[:, 0])


def test_the_page_speaks_chinese_labels_included(data_dir):
    at = start()
    at.session_state["lang"] = "zh"
    at.switch_page(PAGE).run()
    assert not at.exception and at.title[0].value == "相似度评估"
    _measure(at)
    cols = list(at.dataframe[0].value.columns) + list(at.dataframe[1].value.columns)
    assert "chrF 字符重合度" in cols and "事实答对" in cols
    assert not [c for c in cols if re.fullmatch(r"[a-z_]+", c)]  # no raw codes (chrf, pick_rate, style_distance)
    chart = json.dumps(at.get("vega_lite_chart")[0].proto.spec if at.get("vega_lite_chart") else "",
                       ensure_ascii=False)
    assert "style_distance" not in chart or "风格距离" in chart


def test_the_judge_prompt_is_shown_before_anything_is_sent(data_dir):
    with FakeOpenAI(reply="A") as srv:
        at = start(PAGE)
        ws = Workspace(data_dir / "workspaces" / "sample")
        ws.set_setting("llm.endpoint", {"base_url": srv.base_url, "model": "fake-model"})
        holdout.choose(ws)
        ws.close()
        at.run()
        assert not at.exception
        preview = next(c.value for c in at.code if "=== system ===" in c.value)
        assert "(the twin's reply)" in preview and not srv.chat_requests  # shown, nothing sent
        at.toggle(key="fid_judge_on").set_value(True).run()
        at.number_input(key="fid_n").set_value(10).run()
        next(b for b in at.button if b.label.startswith("Measure")).click().run()
        assert not at.exception
        sent = [r.json["messages"] for r in srv.chat_requests]
    system = preview.split("=== system ===\n", 1)[1].split("\n\n=== user ===", 1)[0]
    assert sent and all(m[0]["content"] == system for m in sent)  # the rounds sent are the ones previewed
    assert any(c.value.startswith("Judge:") and "fake" in c.value for c in at.caption)
