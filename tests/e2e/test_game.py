""""Who said it?" in a real browser: a pick by key press is recorded and answered."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from lib.eval import game
from lib.workspace import Workspace
from tests.e2e.server import wait_for_app
from tests.e2e.test_redaction_keys import press


def test_pick_a_reply_with_a_key(page: Page, fresh_server: str, tmp_path: Path) -> None:
    page.goto(f"{fresh_server}/who_said_it")
    wait_for_app(page)
    expect(page.get_by_role("button", name=re.compile("is the real")).first).to_be_visible(timeout=30_000)
    press(page, "b")
    expect(page.get_by_text(re.compile("Right: that was the real one|Fooled: that was "))).to_be_visible()
    ws = Workspace(tmp_path / "data" / "workspaces" / "sample")
    assert game.score(ws)["answers"] == 1
    ws.close()
    expect(page.get_by_test_id("stException")).to_have_count(0)
