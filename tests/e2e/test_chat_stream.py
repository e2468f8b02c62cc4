"""The chat in a real browser: type a message, see the offline twin's streamed reply (the owner's own words)."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.server import wait_for_app


def test_type_a_message_and_see_the_twin_reply(page: Page, fresh_server: str, tmp_path: Path) -> None:
    page.goto(f"{fresh_server}/chat")
    wait_for_app(page)
    expect(page.get_by_text("AI twin of")).to_be_visible()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill("晚上吃火锅去不去")
    box.press("Enter")
    wait_for_app(page)
    bubbles = page.get_by_test_id("stChatMessage")
    expect(bubbles.last).to_contain_text("Offline twin", timeout=30_000)  # the label under the reply's last bubble
    expect(bubbles.nth(0)).to_contain_text("晚上吃火锅去不去")
    assert bubbles.count() >= 2  # the message, then the reply in one or more bubbles (the owner's bursts)
    reply = "".join(bubbles.nth(i).inner_text() for i in range(1, bubbles.count()))
    assert len(reply.strip()) > len("Offline twin (your own replies)")  # a real reply above the label
    expect(page.get_by_test_id("stException")).to_have_count(0)
