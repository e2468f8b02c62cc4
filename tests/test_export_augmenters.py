"""Issue 16: extra-record sources (MBTI's today) are passed into an export, never imported by it."""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from lib.export import ExportOptions, Record, cached_records, export, records
from lib.export.records import Augmenter, Turn
from lib.workspace import Workspace, load_sample

EXPORT_PKG = Path(__file__).resolve().parents[1] / "lib" / "export"


class FakeAugmenter:
    """Adds one record per real training record, and remembers what the export handed it."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []

    def __call__(self, ws, opts: ExportOptions, real: Sequence[Record], system: str, redactor) -> list[Record]:
        self.calls.append((len(real), system))
        n = sum(1 for r in real if r.split == "train")
        return [Record(-1, -1, "", "", system, [Turn("human", f"fake question {i}"), Turn("gpt", redactor.text("ok"))],
                       source="fake") for i in range(n)]


def _sample(tmp_path: Path) -> Workspace:
    w = Workspace(tmp_path / "ws")
    load_sample(w)
    return w


def test_an_export_writes_the_records_of_the_augmenters_it_is_given(tmp_path: Path):
    ws = _sample(tmp_path)
    fake: Augmenter = FakeAugmenter()
    rep = export(ws, "sharegpt", tmp_path / "out", ExportOptions(val_ratio=0), augmenters=[fake])
    items = json.loads((tmp_path / "out" / "train.json").read_text(encoding="utf-8"))
    tagged = [i for i in items if i.get("source") == "fake"]
    real = [i for i in items if i.get("source", "chat") == "chat"]
    assert real and len(tagged) == len(real) == rep.build.augmented["fake"]
    assert fake.calls == [(len(real), real[0]["system"])]  # called once, with the real records and the persona
    assert all(i["conversations"][0]["value"].startswith("fake question") for i in tagged)
    ws.close()


def test_without_augmenters_nothing_is_mixed_in_even_with_mbti_on(tmp_path: Path):
    ws = _sample(tmp_path)
    recs, report, _ = records(ws, ExportOptions(include_mbti=True, val_ratio=0))
    assert recs and all(r.source == "chat" for r in recs) and not report.augmented
    ws.close()


def test_the_cached_records_tell_augmented_from_plain_builds_apart(tmp_path: Path):
    ws = _sample(tmp_path)
    opts = ExportOptions(val_ratio=0)
    plain, _, _ = cached_records(ws, opts)
    mixed, report, _ = cached_records(ws, opts, augmenters=[FakeAugmenter()])
    assert len(mixed) == 2 * len(plain) and report.augmented["fake"] == len(plain)
    assert all(r.source == "chat" for r in cached_records(ws, opts)[0])
    ws.close()


def test_the_export_package_imports_no_mbti_module():
    """The cycle export <-> mbti_store stays broken: lib/export names MBTI only in prose, never in an import."""
    pattern = re.compile(r"^\s*(from\s+lib\.persona(\.mbti\w*)?\s+import\s+.*\bmbti|from\s+lib\.persona\.mbti|"
                         r"import\s+lib\.persona\.mbti)", re.M)
    files = sorted(EXPORT_PKG.glob("*.py"))
    assert files
    for f in files:
        assert not pattern.search(f.read_text(encoding="utf-8")), f"{f.name} imports an MBTI module"
