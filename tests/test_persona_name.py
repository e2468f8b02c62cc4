"""The twin's own name (issue 13, item 7): a workspace setting with a neutral default per language, used by the prompt,
exports and the dataset card, never replaced by a placeholder, while the owner's real name elsewhere in the prompt is
still redacted; the Persona page asks for it once (AppTest). Names are invented."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib import persona
from lib.errors import BadInputError
from lib.export import ExportOptions, export, records
from lib.workspace import Workspace
from tests.helpers import start
from tests.helpers import chat_workspace, memotrace_csv, write

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py


ROWS = [  # a private chat with 阿杰; the owner is 小雨 (see memotrace_csv)
    (0, "2024-05-01 09:00:00", "今天去爬山吗"),
    (1, "2024-05-01 09:01:00", "去！！冲呀"),
    (0, "2024-05-01 09:02:00", "八点地铁站见"),
    (1, "2024-05-01 09:02:30", "好的~ 到了叫我"),
]
EN_ROWS = [(0, "2024-05-01 09:00:00", "hiking today?"), (1, "2024-05-01 09:01:00", "sure, see you at eight"),
           (0, "2024-05-01 09:02:00", "great"), (1, "2024-05-01 09:02:30", "bring snacks please")]


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with chat_workspace(tmp_path, ROWS) as w:
        yield w


def system_prompts(ws: Workspace) -> set[str]:
    return {r.system for r in records(ws, ExportOptions(val_ratio=0))[0]}


def test_the_default_is_neutral_per_language_until_the_owner_chooses(ws: Workspace, tmp_path: Path):
    assert persona.twin_name(ws) == persona.DEFAULT_TWIN_NAMES["zh"] and not persona.twin_name_chosen(ws)
    en = Workspace(tmp_path / "en")
    en.import_paths([write(tmp_path, "en.csv", memotrace_csv(EN_ROWS))])
    assert persona.twin_name(en) == persona.DEFAULT_TWIN_NAMES["en"]
    en.close()
    persona.set_name(ws, "  Momo   Bot ")
    assert persona.twin_name(ws) == "Momo Bot" and persona.twin_name_chosen(ws)
    assert ws.get_setting(persona.TWIN_NAME_SETTING) == "Momo Bot"
    for bad in ("", "   ", "{name}"):
        with pytest.raises(BadInputError):
            persona.set_name(ws, bad)


def test_the_prompt_calls_the_twin_by_its_name_never_by_a_placeholder(ws: Workspace):
    assert persona.prompt(ws).startswith(f"你是{persona.DEFAULT_TWIN_NAMES['zh']}，")
    for prompt in system_prompts(ws):
        assert prompt.startswith("你是小T，") and "<PERSON_" not in prompt.split("\n")[0]
    persona.set_name(ws, "小雨")  # the owner's own name (a known name in this export): their choice, never redacted
    for prompt in system_prompts(ws):
        first = prompt.split("\n")[0]
        assert first.startswith("你是小雨，") and "请完全以小雨的身份" in first and "<PERSON_" not in first


def test_the_owners_real_name_elsewhere_in_the_prompt_is_still_redacted(ws: Workspace):
    chat = ws.conn.execute("SELECT id FROM chats").fetchone()[0]
    persona.set_relationship(ws, chat, "对方是阿杰，你的大学同学")
    persona.set_name(ws, "Momo")
    prompts = system_prompts(ws)
    assert prompts and all(p.startswith("你是Momo，") for p in prompts)
    assert all("阿杰" not in p and "<PERSON_" in p for p in prompts)  # the note's name is redacted
    assert "阿杰" in persona.prompt(ws, chat)  # the owner's own (unexported) view is not


def test_exports_and_the_dataset_card_use_the_name(ws: Workspace, tmp_path: Path):
    persona.set_name(ws, "小雨")
    export(ws, "sharegpt", tmp_path / "out", ExportOptions(val_ratio=0))
    card = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "你是小雨，" in card and "你是<PERSON_" not in card
    data = json.loads(next((tmp_path / "out").glob("*train*.json")).read_text(encoding="utf-8"))
    assert data and all(r["system"].startswith("你是小雨，") for r in data)
    assert persona.latest(ws).name == "小雨"


def test_the_output_guard_lets_the_chosen_name_pass(ws: Workspace):
    from lib.pii.guard import guard_for
    from lib.pii.store import PiiStore

    PiiStore(ws).scan()
    assert guard_for(ws)("我是小雨") != "我是小雨"  # the owner's name is a known name: replaced in replies...
    persona.set_name(ws, "小雨")
    assert guard_for(ws)("我是小雨") == "我是小雨"  # ...unless it is the name the twin goes by


def test_the_persona_page_asks_once_and_saves_the_name(data_dir):
    at = start("pages/persona.py")
    assert any("小T" in i.value for i in at.info)  # asked, with the current (default) name
    at.button(key="per_name_keep").click().run()
    assert not at.exception
    ws = Workspace(data_dir / "workspaces" / "sample")
    assert persona.twin_name_chosen(ws) and persona.twin_name(ws) == "小T"
    ws.close()
    assert not any("小T" in i.value for i in at.info)  # asked once
    at.text_input[0].set_value("糯米")
    at.button[[b.label for b in at.button].index("Save version")].click().run()
    assert not at.exception
    ws = Workspace(data_dir / "workspaces" / "sample")
    assert persona.twin_name(ws) == "糯米" and persona.latest(ws).prompt.startswith("你是糯米，")
    ws.close()
    assert at.code[0].value.startswith("你是糯米，")  # the preview, redacted around the name
