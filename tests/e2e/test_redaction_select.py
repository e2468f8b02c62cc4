"""The review card's text selection and span keys in a real browser (AppTest cannot select text or press keys)."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from lib.workspace import Workspace
from tests.e2e.server import wait_for_app

SELECT = """() => {
  const body = document.querySelector('[data-pii-mid]');
  const node = document.createTreeWalker(body, NodeFilter.SHOW_TEXT).nextNode();
  const range = document.createRange();
  range.setStart(node, 0);
  range.setEnd(node, Math.min(2, node.length));
  const sel = document.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
  return range.toString();
}"""


def values(data: Path) -> dict[int, str]:
    ws = Workspace(data / "workspaces" / "sample")
    try:
        return dict(ws.conn.execute("SELECT id, value FROM pii_values"))
    finally:
        ws.close()


def heading(page: Page) -> str:
    return page.locator("h4 code").first.inner_text()


def test_selecting_text_prefills_the_mark_input_and_marks_it(page: Page, fresh_server: str, tmp_path: Path) -> None:
    page.goto(f"{fresh_server}/redaction")
    wait_for_app(page)
    box = page.get_by_role("textbox", name="Mark a missed value")
    expect(box).to_be_visible()
    page.wait_for_timeout(500)  # the selection listener mounts with the component
    picked = page.evaluate(SELECT).strip()
    assert picked
    # the selection reruns the page: while it runs, Streamlit may show the old input beside the new one
    page.wait_for_timeout(300)
    wait_for_app(page)
    expect(box).to_have_count(1)
    expect(box).to_have_value(re.compile(re.escape(picked)))
    page.get_by_role("button", name=re.compile("^Mark")).click()
    page.wait_for_timeout(300)
    wait_for_app(page)
    expect(box).to_have_value("")
    assert any(picked in v for v in values(tmp_path / "data").values())
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_shift_right_widens_the_value_by_one_token(page: Page, fresh_server: str, tmp_path: Path) -> None:
    page.goto(f"{fresh_server}/redaction")
    wait_for_app(page)
    expect(page.get_by_role("button", name=re.compile("Word after")).first).to_be_visible()
    first = heading(page)
    page.locator("h1").first.click()  # shortcuts do not fire inside inputs
    page.keyboard.press("Shift+ArrowRight")
    page.wait_for_timeout(300)
    wait_for_app(page)
    expect(page.locator("h4 code").first).not_to_have_text(first)
    widened = heading(page)
    assert widened.startswith(first) and len(widened) > len(first)
    assert widened in values(tmp_path / "data").values()
    expect(page.get_by_test_id("stException")).to_have_count(0)
