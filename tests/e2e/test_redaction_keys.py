"""The review card's single-key shortcuts in a real browser (AppTest cannot press keys)."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from lib.pii.store import PiiStore
from lib.workspace import Workspace
from tests.e2e.server import wait_for_app


def statuses(data: Path) -> dict[str, int]:
    ws = Workspace(data / "workspaces" / "sample")
    try:
        return PiiStore(ws).counts()
    finally:
        ws.close()


def press(page: Page, key: str) -> None:
    page.locator("h1").first.click()  # focus the page body: shortcuts do not fire inside inputs
    page.keyboard.press(key)
    page.wait_for_timeout(300)
    wait_for_app(page)


def test_keys_accept_reject_skip_and_undo(page: Page, fresh_server: str, tmp_path: Path) -> None:
    page.goto(f"{fresh_server}/redaction")
    wait_for_app(page)
    accept = page.get_by_role("button", name=re.compile("Accept"))
    expect(accept.first).to_be_visible()
    page.locator("[data-metwin-keys='redaction']").wait_for(state="attached")  # the key queue is listening
    data = tmp_path / "data"
    before = statuses(data)
    assert before["pending"] > 3 and before["accepted"] == 0

    press(page, "a")
    expect(page.get_by_test_id("stMetricValue").nth(1)).to_have_text("1")
    press(page, "x")
    expect(page.get_by_test_id("stMetricValue").nth(2)).to_have_text("1")
    press(page, "s")
    expect(page.get_by_test_id("stMetricValue").nth(3)).to_have_text("1")
    after = statuses(data)
    assert (after["accepted"], after["rejected"], after["skipped"]) == (1, 1, 1)
    assert after["pending"] == before["pending"] - 3

    press(page, "u")
    expect(page.get_by_test_id("stMetricValue").nth(3)).to_have_text("0")
    assert statuses(data)["skipped"] == 0
    expect(page.get_by_test_id("stException")).to_have_count(0)
