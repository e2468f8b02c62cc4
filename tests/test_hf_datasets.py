"""Every export folder is a Hugging Face dataset: ``datasets.load_dataset(<folder>)`` gives exactly the train and
validation splits with every record, read through the card's ``configs`` block (``dataset_info.json`` and the card
are never taken for data)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.export import ExportOptions, export
from lib.workspace import Workspace, load_sample

datasets = pytest.importorskip("datasets")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Workspace:
    w = Workspace(tmp_path_factory.mktemp("hf") / "ws")
    load_sample(w)
    yield w
    w.close()


def _count(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    return sum(1 for line in text.splitlines() if line.strip()) if path.suffix == ".jsonl" else len(json.loads(text))


@pytest.mark.parametrize("fmt,opts", [
    ("sharegpt", ExportOptions()),
    ("sharegpt", ExportOptions(system_turn=True)),
    ("llamafactory", ExportOptions()),
    ("openai", ExportOptions()),
    ("alpaca", ExportOptions()),
])
def test_load_dataset_gives_train_and_validation(sample: Workspace, tmp_path: Path, fmt: str, opts: ExportOptions):
    rep = export(sample, fmt, tmp_path / fmt, opts)
    assert set(rep.files) == {"train", "val"}
    ds = datasets.load_dataset(str(tmp_path / fmt), cache_dir=str(tmp_path / "cache"))
    assert set(ds) == {"train", "validation"}
    for split, name in (("train", rep.files["train"]), ("validation", rep.files["val"])):
        assert ds[split].num_rows == _count(tmp_path / fmt / name) > 0
    first = json.loads((tmp_path / fmt / rep.files["train"]).read_text(encoding="utf-8").splitlines()[
        0 if fmt == "openai" else 1].rstrip(","))
    assert {k: ds["train"][0][k] for k in first} == first  # records come back as written
