"""Single-key shortcuts of the labelling and curation cards in a real browser (AppTest cannot press keys)."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from lib.curate.store import CurationStore
from lib.label.store import LabelStore
from lib.workspace import Workspace
from tests.e2e.server import wait_for_app
from tests.e2e.test_redaction_keys import press


def label_counts(data: Path) -> dict[str, int]:
    ws = Workspace(data / "workspaces" / "sample")
    try:
        return LabelStore(ws).counts()
    finally:
        ws.close()


def test_label_keys_number_skip_flag_undo(page: Page, fresh_server: str, tmp_path: Path) -> None:
    page.goto(f"{fresh_server}/labelling")
    wait_for_app(page)
    expect(page.get_by_role("button", name=re.compile("Accept suggestion")).first).to_be_visible()
    page.locator("[data-metwin-keys='labelling']").wait_for(state="attached")  # the key queue is listening
    data = tmp_path / "data"
    assert label_counts(data)["labelled"] == 0

    press(page, "3")  # the third label: playful
    expect(page.get_by_test_id("stMetricValue").nth(1)).to_have_text("1")
    press(page, "s")
    expect(page.get_by_test_id("stMetricValue").nth(2)).to_have_text("1")
    press(page, "f")
    expect(page.get_by_test_id("stMetricValue").nth(3)).to_have_text("1")
    c = label_counts(data)
    assert (c["labelled"], c["skipped"], c["flagged"]) == (1, 1, 1)
    ws = Workspace(data / "workspaces" / "sample")
    assert set(LabelStore(ws).distribution().query("labelled > 0")["label"]) == {"playful"}
    ws.close()

    press(page, "u")  # the flag
    expect(page.get_by_test_id("stMetricValue").nth(3)).to_have_text("0")
    assert label_counts(data)["flagged"] == 0
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_curation_keys_drop_and_undo(page: Page, fresh_server: str, tmp_path: Path) -> None:
    page.goto(f"{fresh_server}/curation")
    wait_for_app(page)
    expect(page.get_by_role("button", name=re.compile("Drop")).first).to_be_visible()
    page.locator("[data-metwin-keys='curation']").wait_for(state="attached")  # the key queue is listening
    data = tmp_path / "data"
    press(page, "x")
    expect(page.get_by_test_id("stMetricValue").nth(4)).to_have_text("1")  # Dropped
    ws = Workspace(data / "workspaces" / "sample")
    assert CurationStore(ws).counts()["dropped"] == 1
    ws.close()
    press(page, "u")
    expect(page.get_by_test_id("stMetricValue").nth(4)).to_have_text("0")
    expect(page.get_by_test_id("stException")).to_have_count(0)
