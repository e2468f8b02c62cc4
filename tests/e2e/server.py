"""Start a fresh MeTwin streamlit server for browser tests and the README screenshot.

Fresh matters: the first request a new server gets decides whether Streamlit runs a deep link in legacy ``pages/``
mode (see ``pages/__init__.py``), so deep-link tests each get their own server.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling Google services, which fail here by the hundred.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(data_dir: Path, log: Path | None = None, root: Path = ROOT) -> Iterator[str]:
    """Run ``streamlit run app.py`` on a free port with ``METWIN_DATA=data_dir``; yield its URL. ``root``: the checkout
    to serve (the browser benchmark serves an older one beside this one to compare them)."""
    port = free_port()
    env = {**os.environ, "METWIN_DATA": str(data_dir), "PYTHONUNBUFFERED": "1"}
    out = open(log, "wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(Path(root) / "app.py"), "--server.headless=true",
         "--server.address=127.0.0.1", f"--server.port={port}", "--browser.gatherUsageStats=false",
         "--server.fileWatcherType=none"],
        cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start (exit code {proc.poll()})")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log:
            out.close()


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until the app is connected and no script run is going on, twice in a row (a rerun may follow a run)."""
    page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']").wait_for(
        state="attached", timeout=timeout)
    idle = page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
    for _ in range(2):
        page.wait_for_timeout(250)
        idle.wait_for(state="attached", timeout=timeout)
