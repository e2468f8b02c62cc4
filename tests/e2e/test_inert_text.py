"""Chat text is data, never markup, in a real browser: a message full of Markdown, LaTeX, a colour directive, a link
and images shows as the very characters it holds, in the Import preview's "As chat" tab and on the Chat page (while
the reply streams, after it and after the next rerun). The image URLs point at a local listener: had the browser
rendered any of them, the listener would have seen the fetch.
"""
from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from lib import chat as chat_lib
from lib.i18n import t
from lib.workspace import Workspace
from pages import WORD_JOINER
from tests.e2e.server import wait_for_app
from tests.e2e.test_no_external_requests import Requests
from tests.fakes.openai_server import FakeOpenAI

PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ff"
                        "ff3f0005fe02fea7d6a4b00000000049454e44ae426082")
SETTLE_MS = 500  # a fetch starts as soon as an image is in the page; give a late one the time to show
RENDERED = "img, a, .katex, [data-testid='stMarkdownColoredText'], strong, em"  # what Markdown would have made


class Listener:
    """A loopback HTTP server that records every path asked of it (answering with a 1-pixel PNG)."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        seen = self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                seen.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(PNG_1PX)))
                self.end_headers()
                self.wfile.write(PNG_1PX)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def listener() -> Iterator[Listener]:
    srv = Listener()
    yield srv
    srv.close()


def payload(host: str) -> str:
    """Every way Markdown or HTML could make a browser fetch, link or style, in one message. Line breaks let the
    chat's output guard release it line by line (it holds back an unfinished sentence), so it visibly streams."""
    return (f"look ![]({host}/pixel.png)\nand [click]({host}/link)\n$x^2$ :red[hi] **bold**\n"
            f"<img src={host}/img.png>\ndone")


def assert_literal(box: Locator, text: str) -> None:
    """``box`` shows ``text`` character for character, and nothing in it was rendered as Markdown or HTML."""
    shown = box.get_by_test_id("stText").filter(has_text=text.split("\n")[0])
    expect(shown).to_have_count(1)
    assert shown.inner_text() == text
    expect(box.locator(RENDERED)).to_have_count(0)


def memotrace_csv(text: str) -> bytes:
    """A two-message WeChat export (MemoTrace CSV): a friend sends ``text``, I answer."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent", "StrTime",
                "Remark", "NickName", "Sender"])
    w.writerow([1, "wxid_lin", 1, 0, 0, 1714525201, 2, text, "2024-05-01 09:00:01", "林木", "Lin", "wxid_lin"])
    w.writerow([2, "wxid_lin", 1, 0, 1, 1714525260, 2, "好呀 几点", "2024-05-01 09:01:00", "我", "Me", "wxid_me"])
    return out.getvalue().encode("utf-8")


def test_import_preview_as_chat_shows_the_message_as_text(page: Page, fresh_server: str, tmp_path: Path,
                                                           listener: Listener) -> None:
    text = payload(f"http://127.0.0.1:{listener.port}")
    export = tmp_path / "林木.csv"
    export.write_bytes(memotrace_csv(text))
    seen = Requests(page)
    page.goto(f"{fresh_server}/import_chats")
    wait_for_app(page)
    path = page.get_by_role("textbox", name=t("import.path", "en"))
    path.fill(str(export))
    path.press("Enter")
    wait_for_app(page)
    page.get_by_role("tab", name=t("preview.as_chat", "en")).click()
    wait_for_app(page)
    page.wait_for_timeout(SETTLE_MS)
    assert listener.paths == [], "the browser fetched a URL from a message"
    panel = page.get_by_role("tabpanel", name=t("preview.as_chat", "en"))
    expect(panel.get_by_test_id("stChatMessage")).to_have_count(2)
    assert_literal(panel, text)
    assert listener.paths == [] and seen.foreign() == []


def assert_reply(bubbles: Locator, first: int, end: int, text: str) -> None:
    """Bubbles ``first`` .. ``end - 1`` are one reply, sent in bursts: together they show ``text`` as written, and
    nothing in any of them was rendered as Markdown or HTML."""
    shown = [bubbles.nth(i).get_by_test_id("stText").first.inner_text() for i in range(first, end)]
    assert "\n".join(shown) == text, shown
    for i in range(first, end):
        expect(bubbles.nth(i).locator(RENDERED)).to_have_count(0)


def test_chat_reply_is_text_in_every_bubble(page: Page, fresh_server: str, tmp_path: Path,
                                            listener: Listener) -> None:
    # "localhost": the output guard swaps IP addresses in replies for documentation ones, host names it keeps
    text = payload(f"http://localhost:{listener.port}")
    with FakeOpenAI(reply=text, chunk_size=8, chunk_delay=0.05) as model:
        ws = Workspace(tmp_path / "data" / "workspaces" / "sample")  # fresh_server's default workspace
        chat_lib.set_config(ws, "openai", {"base_url": model.base_url, "model": "fake-model"})
        ws.set_setting("chat.backend", "openai")
        ws.close()
        seen = Requests(page)
        page.goto(f"{fresh_server}/chat")
        wait_for_app(page)
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill(text)  # the user's own message is chat text too
        box.press("Enter")
        bubbles = page.get_by_test_id("stChatMessage")
        expect(bubbles.nth(1)).to_contain_text("look", timeout=30_000)
        wait_for_app(page)
        n = bubbles.count()  # the message, then the reply in the owner's bursts
        assert n >= 2
        assert_literal(bubbles.nth(0), text)
        assert_reply(bubbles, 1, n, text)
        box.fill("again")  # the next run draws the first reply from the conversation kept in the session
        box.press("Enter")
        expect(bubbles).to_have_count(2 * n, timeout=30_000)
        wait_for_app(page)
        assert_literal(bubbles.nth(0), text)
        assert_reply(bubbles, 1, n, text)
        assert_reply(bubbles, n + 1, 2 * n, text)
        # an error quoting the server's words goes through Markdown (an alert), escaped and with links broken. Its
        # own words: an error never repeats the conversation's text
        host = f"http://localhost:{listener.port}"
        failure = f"bad ![]({host}/e.png) [why]({host}/why) $y$ :blue[no] www.example.org <img src={host}/i.png>"
        model.fail_with, model.error_message = 400, failure
        box.fill("once more")
        box.press("Enter")
        error = bubbles.last.get_by_test_id("stAlert")
        expect(error).to_contain_text("HTTP 400")
        assert failure in error.inner_text().replace(WORD_JOINER, "")
        expect(error.locator(RENDERED)).to_have_count(0)
    page.wait_for_timeout(SETTLE_MS)
    assert listener.paths == [] and seen.foreign() == []
