"""Browser smoke tests: every page opened by deep link as the first request of a fresh server, and the language switch.

Why fresh servers: with a ``pages/`` folder, Streamlit serves a first deep link in legacy mode, skipping ``app.py``
(see ``pages/__init__.py``). These tests prove each page still gets the shared sidebar, the real menu (and only
our pages: the shell module ``pages/__init__.py`` is not one), no exception and no "page not found" dialog.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, WebSocket, expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from app import SECTIONS
from lib.i18n import t
from tests.e2e.server import wait_for_app

PAGES = [p for pages in SECTIONS.values() for p in pages]


def record_server_messages(page: Page) -> list[ForwardMsg]:
    """Collect every message the server sends over the websocket (Streamlit's protobuf ForwardMsg)."""
    received: list[ForwardMsg] = []

    def on_socket(ws: WebSocket) -> None:
        def on_frame(payload) -> None:
            if isinstance(payload, bytes):
                try:
                    received.append(ForwardMsg.FromString(payload))
                except Exception:  # noqa: BLE001 - not a ForwardMsg (e.g. a ping)
                    pass
        ws.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    return received


def menu(page: Page):
    return page.get_by_test_id("stSidebarNavLink").get_by_test_id("stMarkdownContainer")


def assert_app_frame(page: Page, lang: str) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)  # e.g. Streamlit's "Page not found"
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(t("sidebar.language", lang))).to_be_visible()
    expect(sidebar.get_by_text("简体中文")).to_be_visible()
    expect(sidebar.get_by_text(t("sidebar.new", lang))).to_be_visible()  # the workspace picker
    expect(menu(page)).to_have_text([t(p.title, lang) for p in PAGES])


@pytest.mark.parametrize("entry", PAGES, ids=[p.url or "root" for p in PAGES])
def test_deep_link_on_fresh_server(page: Page, fresh_server: str, entry) -> None:
    messages = record_server_messages(page)
    page.goto(f"{fresh_server}/{entry.url}")
    wait_for_app(page)
    expect(page.locator("h1").first).to_have_text(t(entry.title, "en"))
    assert_app_frame(page, "en")
    url = urlsplit(page.url)
    assert f"{url.scheme}://{url.netloc}{url.path}".rstrip("/") == f"{fresh_server}/{entry.url}".rstrip("/")
    # the workspace rides in the URL, so a bookmark or reload keeps it (a review page adds its position after it)
    assert url.query.split("&")[0] == "ws=sample"

    # What the server did: the first menu it sent is Streamlit's legacy one built from pages/*.py (app.py plus one
    # entry per page file, and no entry for the shell pages/__init__.py); then ours, which stays.
    menus = [[p.url_pathname for p in m.navigation.app_pages] for m in messages if m.WhichOneof("type") == "navigation"]
    ours = [p.url for p in PAGES]
    assert menus[0] == ["", *sorted(Path(p.file).stem for p in PAGES)], "legacy menu of a fresh server"
    assert "init" not in menus[0] and "__init__" not in menus[0]
    assert menus[-1] == ours
    assert not [m for m in messages if m.WhichOneof("type") == "page_not_found"]


def test_switch_to_chinese(page: Page, fresh_server: str) -> None:
    page.goto(f"{fresh_server}/import_chats")
    wait_for_app(page)
    page.get_by_test_id("stSidebar").get_by_text("简体中文").click()
    wait_for_app(page)
    expect(page.locator("h1").first).to_have_text(t("import.title", "zh"))
    assert_app_frame(page, "zh")
    expect(page).to_have_url(re.compile(r"[?&]lang=zh"))

    menu(page).first.click()  # the language stays when moving through the menu
    wait_for_app(page)
    expect(page.locator("h1").first).to_have_text(t("home.title", "zh"))
    expect(page.get_by_test_id("stMetric").first).to_contain_text(t("common.chats", "zh"))

    page.goto(f"{fresh_server}/?lang=zh")  # a new session opened from a shared link
    wait_for_app(page)
    expect(page.locator("h1").first).to_have_text(t("home.title", "zh"))
