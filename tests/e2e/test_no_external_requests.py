"""The app contacts no host but itself: a browser records every request while it opens every page of the menu, in
normal mode and in demo mode (behind the passcode). Requests to any other host are recorded, then refused, so a test
run leaks nothing either. Also the browser tab's icon: Streamlit fetches a ":material/...:" page icon from
fonts.gstatic.com, so every page icon must be an emoji (drawn as an inline SVG).
"""
from __future__ import annotations

import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from app import DEMO, FULL
from lib import demo
from lib.i18n import t
from lib.workspace import Workspace, load_sample
from pages import PageDef
from tests.e2e.server import ROOT, free_port, wait_for_app

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
INERT_SCHEMES = frozenset({"data", "blob", "about"})  # no network: inline data, in-page objects, blank frames
PASSCODE = "e2e-passcode"
SERVER_START_S = 30


def foreign(url: str) -> bool:
    """True for a request that would leave this machine."""
    parts = urlsplit(url)
    return parts.scheme not in INERT_SCHEMES and (parts.hostname or "") not in LOCAL_HOSTS


class Requests:
    """Every request a page makes; requests to other hosts are kept here and aborted before they go out."""

    def __init__(self, page: Page) -> None:
        self.urls: list[str] = []
        page.on("request", lambda req: self.urls.append(req.url))
        page.route(foreign, lambda route: route.abort())

    def foreign(self) -> list[str]:
        return sorted({u for u in self.urls if foreign(u)})


def favicon(page: Page) -> str:
    return page.evaluate("(document.querySelector(\"link[rel='shortcut icon']\") || {}).href || ''")


def menu(sections: dict[str, list[PageDef]]) -> list[PageDef]:
    return [p for pages in sections.values() for p in pages]


def open_every_page(page: Page, pages: list[PageDef]) -> None:
    """Each page of the menu through its sidebar link, waiting until its script run is over; the tab icon (the page's
    own icon) must stay local."""
    for p in pages:
        page.locator(f"[data-testid='stSidebarNavLink'][href$='/{p.url}']").click()
        page.wait_for_url(lambda url, p=p: urlsplit(url).path.rstrip("/") == f"/{p.url}".rstrip("/"))
        wait_for_app(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        assert not foreign(favicon(page)), f"/{p.url}: the tab icon comes from {favicon(page)}"


@contextmanager
def demo_server(workspace: Path, data_dir: Path, log: Path) -> Iterator[str]:
    """``python -m lib demo``'s server (the command line from :func:`lib.demo.command`) on a free loopback port."""
    port = free_port()
    cmd, env = demo.command(workspace, "127.0.0.1", port, [])
    env = {**env, "METWIN_DATA": str(data_dir), "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + SERVER_START_S
            while True:
                try:
                    if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the demo server did not start (exit code {proc.poll()}): see {log}")
                time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_page_icons_are_emoji_so_no_favicon_is_fetched() -> None:
    for p in menu(FULL) + menu(DEMO):
        assert p.icon and not p.icon.startswith(":"), f"{p.file}: {p.icon!r} (a Material favicon is fetched)"
    with pytest.raises(ValueError, match="emoji"):
        PageDef("pages/home.py", "page.home", ":material/home:")


def test_every_page_requests_nothing_but_the_app(page: Page, fresh_server: str) -> None:
    seen = Requests(page)
    page.goto(fresh_server)
    wait_for_app(page)
    open_every_page(page, menu(FULL))
    assert seen.urls, "the recorder saw no request at all"
    assert seen.foreign() == [], "requests to other hosts"


def test_demo_mode_requests_nothing_but_the_app(page: Page, tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = data / "workspaces" / "twin"
    ws = Workspace(folder)
    load_sample(ws)  # the offline twin answers from the owner's own replies
    demo.set_passcode(ws, PASSCODE)
    ws.close()
    with demo_server(folder, data, tmp_path / "demo.log") as url:
        seen = Requests(page)
        page.goto(url)
        wait_for_app(page)
        page.locator("input[type='password']").fill(PASSCODE)
        page.get_by_role("button", name=t("demo.enter", "en")).click()
        wait_for_app(page)
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill("晚上吃火锅去不去")
        box.press("Enter")
        expect(page.get_by_test_id("stChatMessage")).to_have_count(2, timeout=30_000)
        wait_for_app(page)
        expect(page.get_by_test_id("stSidebarNavLink")).to_have_count(len(menu(DEMO)))  # the demo's menu, no more
        open_every_page(page, menu(DEMO)[::-1])  # the chat page last: its link leaves the page it starts on
    assert seen.urls, "the recorder saw no request at all"
    assert seen.foreign() == [], "requests to other hosts"
