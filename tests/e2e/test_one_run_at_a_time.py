"""One script run at a time per browser session, under the app's own Streamlit settings.

Every page keeps the session's workspace (one SQLite connection) in the session. With Streamlit's default fast reruns a
click that comes while a callback is still working starts a second run on a second thread, and both used that
connection at once: under load the server died ("Fatal Python error: Bus error") and the key presses after it were
lost. The check runs a tiny app with a slow callback beside a copy of ``.streamlit/config.toml`` and clicks three times
while it works: the callback's runs must never overlap.
"""
from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page

from tests.e2e.server import ROOT, streamlit_server, wait_for_app

APP = '''
import os, threading, time
import streamlit as st

LOG = os.path.join(os.environ["METWIN_DATA"], "runs.log")

def slow() -> None:
    with open(LOG, "a") as f:
        f.write(f"in {threading.get_ident()}\\n")
    time.sleep(0.8)  # a decision on a big workspace: long enough for the next clicks to arrive meanwhile
    with open(LOG, "a") as f:
        f.write("out\\n")

st.button("go", on_click=slow)
'''


def marks_in(log: Path) -> list[str]:
    return [x for x in log.read_text(encoding="utf-8").split() if x in ("in", "out")] if log.exists() else []


def until(read: Callable[[], list[str]], done: Callable[[list[str]], bool], limit: float = 30.0) -> list[str]:
    """Poll ``read()`` until ``done`` holds or ``limit`` seconds pass (a loaded machine starts a run late)."""
    start = time.monotonic()
    got = read()
    while not done(got) and time.monotonic() - start < limit:
        time.sleep(0.05)
        got = read()
    return got


def test_a_click_during_a_slow_callback_waits_for_it(page: Page, tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / ".streamlit").mkdir(parents=True)
    shutil.copy(ROOT / ".streamlit" / "config.toml", app / ".streamlit" / "config.toml")
    (app / "app.py").write_text(APP, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    with streamlit_server(data, log=tmp_path / "streamlit.log", root=app) as url:
        page.goto(url)
        wait_for_app(page)
        button = page.get_by_role("button", name="go")
        button.click()
        log = data / "runs.log"
        until(lambda: marks_in(log), lambda m: "in" in m)  # the callback is working now
        for _ in range(2):  # two more clicks while it works
            button.click()
            page.wait_for_timeout(100)
        marks = until(lambda: marks_in(log), lambda m: len(m) >= 4 and m.count("in") == m.count("out"))
        wait_for_app(page)
    assert marks[:2] == ["in", "out"] and len(marks) >= 4, marks
    assert marks == ["in", "out"] * (len(marks) // 2), f"two runs of one session overlapped: {marks}"
