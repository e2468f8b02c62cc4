"""MBTI augmentation inside a workspace: import, the owner's type, the mix ratio and the tag in exports."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.persona import mbti_store
from lib.errors import BadInputError
from lib.export import ExportOptions, export, records
from lib.persona.traits import TraitCard, save_card
from lib.workspace import Workspace, load_sample

POLES = {"energy": ("extraversion", "introversion"), "information": ("intuition", "sensing"),
         "decision": ("feeling", "thinking"), "execution": ("judging", "perceiving")}
MBTI = [mbti_store.augmenter]  # what the command line and the Export page pass to an export


def mbti_file(name: str, n: int) -> bytes:
    return json.dumps([{"instruction": f"{name} 问题 {i}？", "input": " ", "output": f"我会这样回答第 {i} 个问题。"}
                       for i in range(n)], ensure_ascii=False).encode()


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = Workspace(tmp_path / "ws")
    load_sample(w)
    for dim, poles in POLES.items():
        for pole in poles:
            mbti_store.import_bytes(w, mbti_file(f"zh_{dim}_{pole}", 30), f"zh_{dim}_{pole}.json")
    mbti_store.import_bytes(w, mbti_file("zh_INFP_self_awareness", 30), "zh_INFP_self_awareness.json")
    yield w
    w.close()


def test_import_is_idempotent_and_bad_files_are_explained(ws: Workspace):
    assert mbti_store.import_bytes(ws, mbti_file("zh_energy_extraversion", 30), "zh_energy_extraversion.json") == 0
    assert len(mbti_store.files(ws)) == 9
    with pytest.raises(BadInputError):
        mbti_store.import_bytes(ws, b'[{"instruction": "x"', "zh_decision_feeling.json")
    with pytest.raises(BadInputError):
        mbti_store.set_type(ws, "ABCD")


def test_the_owners_type_picks_its_files_and_the_ratio_sets_the_count(ws: Workspace):
    save_card(ws, TraitCard(mbti="INFP-T"))
    assert mbti_store.chosen_type(ws) == "INFP"
    recs, report, _ = records(ws, ExportOptions(include_mbti=True, mbti_ratio=0.5, val_ratio=0), augmenters=MBTI)
    real = [r for r in recs if r.source == "chat"]
    aug = [r for r in recs if r.source == "mbti"]
    assert len(aug) == report.augmented["mbti"] == round(len(real) * 0.5)
    picked = {t.text.split(" 问题")[0] for r in aug for t in r.turns if t.role == "human"}
    assert picked <= {"zh_energy_introversion", "zh_information_intuition", "zh_decision_feeling",
                      "zh_execution_perceiving", "zh_INFP_self_awareness"}
    assert len(picked) == 5  # balanced: every file of the type contributes
    assert all(r.split == "train" and r.system.startswith("你是") for r in aug)  # under the persona's prompt


def test_augmented_records_are_tagged_in_the_export(ws: Workspace, tmp_path: Path):
    export(ws, "sharegpt", tmp_path / "s", ExportOptions(include_mbti=True, val_ratio=0), augmenters=MBTI)
    data = json.loads((tmp_path / "s" / "train.json").read_text())
    tagged = [d for d in data if d.get("source") == "mbti"]
    assert tagged and all(len(d["conversations"]) == 2 for d in tagged)
    assert "augmented (MBTI) records" in (tmp_path / "s" / "README.md").read_text()
    plain, _, _ = records(ws, ExportOptions(val_ratio=0), augmenters=MBTI)
    assert all(r.source == "chat" for r in plain)  # off by default


def test_the_command_line_passes_the_mbti_augmenter_to_its_export(ws: Workspace, tmp_path: Path, capsys):
    from lib.cli import main

    ws.close()  # the command opens the workspace itself
    out = tmp_path / "cli"
    assert main(["export", "--workspace", str(ws.path), "--format", "sharegpt", "--out", str(out), "--mbti", "0.5",
                 "--val", "0"]) == 0
    data = json.loads((out / "train.json").read_text())
    assert sum(1 for d in data if d.get("source") == "mbti") == round(sum(1 for d in data if "source" not in d) * 0.5)
    assert " MBTI) to " in capsys.readouterr().out


def test_files_picked_by_hand_override_the_type_and_preview_shows_pairs(ws: Workspace):
    save_card(ws, TraitCard(mbti="INFP"))
    mbti_store.set_files(ws, ["zh_energy_extraversion.json"])
    recs, _, _ = records(ws, ExportOptions(include_mbti=True, mbti_ratio=0.5, val_ratio=0), augmenters=MBTI)
    files = {t.text.split(" 问题")[0] for r in recs if r.source == "mbti" for t in r.turns if t.role == "human"}
    assert files == {"zh_energy_extraversion"}
    pairs = mbti_store.preview(ws, "你是小雨。")
    assert len(pairs) == 2 and [t["role"] for t in pairs[0]["turns"]] == ["human", "gpt"]
