"""Review keys are never dropped: ten presses 50 ms apart on each review page make ten decisions, each on the item that
was on screen when its key was pressed (checked in SQLite), and a key pressed as soon as the page opens counts.

Before the shared key queue (st.button shortcuts) the same presses made 9, 8 and 9 decisions on labelling, curation
and redaction (the rest were lost while a rerun redrew the buttons).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lib.workspace import Workspace
from tests.e2e.server import wait_for_app

KEYS = {"labelling": "3", "curation": "a", "redaction": "a"}
DECIDED = {  # the item ids each page's key decided, from SQLite
    "labelling": "SELECT message_id FROM emotion_labels WHERE status = 'labelled'",
    "curation": "SELECT conv_id FROM curation WHERE decision = 'keep'",
    "redaction": "SELECT id FROM pii_values WHERE status = 'accepted'",
}


def expected(data: Path, page: str, n: int) -> list[int]:
    """The first ``n`` items of the page's opening queue: where ``n`` quick decisions must land."""
    ws = Workspace(data / "workspaces" / "sample")
    try:
        if page == "labelling":
            from lib.label.store import LabelStore
            df, _ = LabelStore(ws).queue("unlabelled", offset=0, limit=n)
        elif page == "curation":
            from lib.curate.store import CurationStore
            cur = CurationStore(ws)
            df, _ = cur.queue("suggested" if cur.counts()["suggested"] else "undecided", offset=0, limit=n)
        else:
            from lib.pii.store import PiiStore
            df, _ = PiiStore(ws).queue(statuses=["pending"], offset=0, limit=n)
        return [int(i) for i in df["id"]]
    finally:
        ws.close()


def decided(data: Path, page: str) -> list[int]:
    ws = Workspace(data / "workspaces" / "sample")
    try:
        return sorted(int(r[0]) for r in ws.conn.execute(DECIDED[page]))
    finally:
        ws.close()


def settle(data: Path, page: str, want: int, quiet: float = 10.0, limit: float = 40.0) -> list[int]:
    """Poll SQLite until ``want`` decisions exist and stay put, or nothing changed for ``quiet`` seconds."""
    start = last = time.monotonic()
    seen = decided(data, page)
    while time.monotonic() - start < limit:
        time.sleep(0.25)
        now = decided(data, page)
        if now != seen:
            seen, last = now, time.monotonic()
        if (len(seen) >= want and time.monotonic() - last > 1.5) or time.monotonic() - last > quiet:
            break
    return seen


def until(data: Path, page: str, done: Callable[[list[int]], bool], limit: float = 30.0) -> list[int]:
    """Poll SQLite until ``done(decisions)`` holds (a take-back has landed), or ``limit`` seconds: a loaded machine
    may take seconds to rerun, and a fixed short wait would read the state before the press was applied."""
    start = time.monotonic()
    seen = decided(data, page)
    while not done(seen) and time.monotonic() - start < limit:
        time.sleep(0.25)
        seen = decided(data, page)
    return seen


def ready(page: Page, name: str) -> None:
    """The key queue is mounted (its listener is on the document)."""
    page.locator(f"[data-metwin-keys='{name}']").wait_for(state="attached", timeout=30_000)


@pytest.mark.parametrize("name", ["labelling", "curation", "redaction"])
def test_ten_keys_50ms_apart_make_ten_decisions_on_the_right_items(page: Page, fresh_server: str, tmp_path: Path,
                                                                   name: str) -> None:
    page.goto(f"{fresh_server}/{name}")
    wait_for_app(page)
    ready(page, name)
    data = tmp_path / "data"
    want = expected(data, name, 10)
    assert len(want) == 10 and decided(data, name) == []
    page.locator("h1").first.click()  # focus the page body: keys typed into a field are the field's
    for _ in range(10):
        page.keyboard.press(KEYS[name])
        page.wait_for_timeout(50)
    got = settle(data, name, 10)
    assert got == sorted(want)
    expect(page.locator(f"[data-metwin-keys='{name}']")).to_have_attribute("data-queued", "0")
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_a_key_pressed_as_the_page_opens_counts(page: Page, fresh_server: str, tmp_path: Path) -> None:
    page.goto(f"{fresh_server}/labelling")
    ready(page, "labelling")  # no wait for the run to finish: press at once
    page.keyboard.press(KEYS["labelling"])
    data = tmp_path / "data"
    got = settle(data, "labelling", 1)
    assert got == expected_first(data, got)


def expected_first(data: Path, got: list[int]) -> list[int]:
    ws = Workspace(data / "workspaces" / "sample")
    try:
        first = int(ws.conn.execute("SELECT MIN(m.id) FROM messages m JOIN emotion_labels l ON l.message_id = m.id")
                    .fetchone()[0] or 0)
        from lib.label.store import LabelStore
        df, _ = LabelStore(ws).queue("all", offset=0, limit=1)
        return [int(df["id"].iloc[0])] if first else []
    finally:
        ws.close()


def test_undo_and_moves_through_the_queue(page: Page, fresh_server: str, tmp_path: Path) -> None:
    """J, K and U queue like decisions: J J 3 K 3 U decides the third item, then the second, then takes that back."""
    page.goto(f"{fresh_server}/labelling")
    wait_for_app(page)
    ready(page, "labelling")
    data = tmp_path / "data"
    want = expected(data, "labelling", 3)
    page.locator("h1").first.click()
    for key in ("j", "j", "3", "k", "k", "3"):
        page.keyboard.press(key)
        page.wait_for_timeout(50)
    assert settle(data, "labelling", 2) == sorted([want[2], want[1]])
    page.keyboard.press("u")
    assert until(data, "labelling", lambda got: len(got) < 2) == [want[2]]
    expect(page.get_by_test_id("stException")).to_have_count(0)
