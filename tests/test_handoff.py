"""Hand-off to LLaMA-Factory and hosted services: configs written beside an export, with the right keys."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.errors import BadInputError
from lib.export import ExportOptions, export
from lib.train import handoff
from lib.workspace import Workspace, load_sample


def parse_yaml(text: str) -> dict:
    """Our YAML is flat ``key: value`` lines under ``###`` comments: parse exactly that (and fail otherwise)."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("###"):
            continue
        key, _, value = line.partition(": ")
        assert key and value, line
        out[key] = json.loads(value) if value not in ("true", "false") else value == "true"
    return out


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("handoff")
    ws = Workspace(root / "ws")
    load_sample(ws)
    export(ws, "sharegpt", root / "out", ExportOptions())
    ws.close()
    return root / "out"


def test_lora_qlora_and_deepspeed_configs(exported: Path):
    files = handoff.write(exported, handoff.HandoffConfig(base_model="/models/Qwen2.5-7B-Instruct", epochs=2))
    assert [f.name for f in files] == ["metwin_lora.yaml", "metwin_qlora.yaml", "metwin_lora_ds.yaml",
                                       "ds_z2_config.json", "TRAINING.md"]
    lora = parse_yaml(files[0].read_text())
    assert lora["stage"] == "sft" and lora["finetuning_type"] == "lora" and lora["dataset"] == "metwin"
    assert lora["template"] == "qwen" and lora["dataset_dir"] == "." and lora["num_train_epochs"] == 2.0
    assert lora["eval_dataset"] == "metwin_val"  # the export has a validation split
    assert "quantization_bit" not in lora
    info = json.loads((exported / "dataset_info.json").read_text())
    assert info["metwin"]["file_name"] == "train.json"  # the dataset the configs name is there
    qlora = parse_yaml(files[1].read_text())
    assert qlora["quantization_bit"] == 4 and qlora["output_dir"].endswith("-qlora")
    ds = parse_yaml(files[2].read_text())
    assert ds["deepspeed"] == "ds_z2_config.json"
    assert json.loads(files[3].read_text())["zero_optimization"]["stage"] == 2
    guide = files[4].read_text()
    assert "llamafactory-cli train metwin_lora.yaml" in guide and "patch_id" in guide


def test_template_guess_and_errors(tmp_path: Path, exported: Path):
    assert handoff.template_for("meta-llama/Meta-Llama-3-8B-Instruct") == "llama3"
    assert handoff.template_for("/m/glm-4-9b-chat") == "glm4"
    assert handoff.template_for("/m/something-else") == "default"
    with pytest.raises(BadInputError, match="dataset_info"):
        handoff.write(tmp_path, handoff.HandoffConfig(base_model="x"))
    with pytest.raises(BadInputError, match="base model"):
        handoff.write(exported, handoff.HandoffConfig(base_model=" "))
