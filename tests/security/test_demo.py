"""Demo mode against an attacker who can reach it but has no passcode (issue 14).

A real ``python -m lib demo`` on a free loopback port answers real HTTP: no upload is taken (even from a live session
with a valid XSRF token), memory stays flat under a large one, ``/_stcore/metrics`` is unreadable. Passcode limits hold
per address and overall, across sessions, threads and restarts; failures are logged without the guess. "Who said it?"
in demo mode shows no other person's words unless the owner approved the item. SIGTERM and SIGINT stop the demo and
its Streamlit child.
"""
from __future__ import annotations

import html
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from lib import demo
from lib.chat.emoji import to_unicode
from lib.demo_http import refusal
from lib.errors import BadInputError
from lib.curate import holdout
from lib.eval import game
from lib.workspace import Workspace, load_sample
from tests.e2e.server import free_port
from tests.helpers import start

ROOT = Path(__file__).resolve().parents[2]
PASSCODE = "火锅-2024"
pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py: each test its own METWIN_DATA


# ----- a real demo process ---------------------------------------------------------------------------------------
def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc; no psutil)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] if Path(f"/proc/{pid}").exists() else ""
    return state != "Z"


def rss_kb(pid: int) -> int:
    return int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))


@contextmanager
def demo_process(workspace: Path, log: Path) -> Iterator[tuple[subprocess.Popen, str, int]]:
    """``python -m lib demo`` as the owner starts it; yields (the CLI process, its URL, the Streamlit child's pid)."""
    port = free_port()
    env = {**os.environ, "METWIN_DEMO_PASSCODE": PASSCODE, "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "lib", "demo", "--workspace", str(workspace), "--port",
                                 str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 40
            while True:
                try:
                    if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the demo did not start (exit {proc.poll()}): {log.read_text()[-2000:]}")
                time.sleep(0.1)
            kids = children(proc.pid)
            assert len(kids) == 1, kids
            yield proc, url, kids[0]
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[subprocess.Popen, str, int]]:
    folder = tmp_path_factory.mktemp("demo")
    ws = Workspace(folder / "ws")
    load_sample(ws)
    ws.close()
    with demo_process(folder / "ws", folder / "demo.log") as running:
        yield running


def get(url: str, method: str = "GET") -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextmanager
def live_session(url: str) -> Iterator[tuple[str, str]]:
    """What a visitor has before the passcode: the XSRF cookie and a live session id (an open WebSocket)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    with urllib.request.urlopen(url + "/_stcore/health", timeout=5) as r:  # the browser's first call sets it
        xsrf = re.search(r"_streamlit_xsrf=([^;]+)", r.headers.get("Set-Cookie", "")).group(1)
    with connect(url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit", xsrf], origin=url,
                 additional_headers={"Cookie": f"_streamlit_xsrf={xsrf}"}, open_timeout=10) as ws:
        ws.send(BackMsg(rerun_script=ClientState(query_string="", page_script_hash="")).SerializeToString())
        deadline, session = time.monotonic() + 30, ""
        while True:  # until the first run is over (its imports would blur a memory reading)
            assert time.monotonic() < deadline, "the first run did not finish"
            msg = ForwardMsg.FromString(ws.recv(timeout=30))
            if msg.HasField("new_session"):
                session = msg.new_session.initialize.session_id
            if msg.HasField("script_finished") and session:
                break
        yield xsrf, session


def raw_put(url: str, path: str, headers: dict[str, str], body: bytes, total: int) -> tuple[int | None, int]:
    """PUT ``total`` bytes (``body`` repeated) over a raw socket; (status the server answered, bytes it let us send)."""
    host, port = url.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)), timeout=10)
    head = f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sent = 0
    try:
        s.sendall((head + f"Content-Length: {total}\r\n\r\n").encode())
        while sent < total:
            s.sendall(body)
            sent += len(body)
    except OSError:  # the server answered and closed: exactly what should happen
        pass
    try:
        s.settimeout(5)
        first = s.recv(4096).split(b"\r\n", 1)[0]
    except OSError:
        first = b""
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.1 (\d+)", first)
    return (int(m.group(1)) if m else None), sent


def test_the_guard_refuses_uploads_metrics_and_the_agent_api_under_any_spelling():
    for path in ("/_stcore/metrics", "/_stcore/metrics/", "//_stcore//metrics", "/base/_stcore/metrics",
                 "/_stcore/agent/openapi.json", "/_stcore/agent/mcp"):
        assert refusal(path) == (404, "not found"), path
    for path in ("/_stcore/upload_file/s/f", "/_stcore/upload_file", "/base//_stcore/upload_file/s/f/"):
        assert refusal(path)[0] == 403, path
    for path in ("/", "/chat", "/who_said_it", "/_stcore/health", "/_stcore/stream", "/_stcore/host-config",
                 "/static/js/main.js", "/_stcore/metricsx", "/x_stcore/metrics"):
        assert refusal(path) is None, path
    cmd, _ = demo.command(ROOT / "ws", "127.0.0.1", 8600, [])
    assert cmd[4] == str(ROOT / "demo_app.py") and "--server.maxUploadSize=1" in cmd
    assert "--server.enableAgentApi=false" in cmd and "--server.enableStaticServing=false" in cmd


def test_metrics_are_not_readable_over_http(server):
    _, url, _ = server
    assert get(url + "/_stcore/health") == (200, b"ok")  # the server is up: the 404s below are the guard's
    for path in ("/_stcore/metrics", "/_stcore/metrics?families=session_events_total", "/_stcore/metrics/",
                 "//_stcore/metrics", "/_stcore/agent/openapi.json"):
        status, body = get(url + path)
        assert status == 404 and b"session" not in body and b"cache" not in body, (path, status, body[:200])
    assert get(url + "/_stcore/metrics", "POST")[0] == 404


def test_no_upload_is_taken_even_from_a_live_session_with_a_valid_xsrf_token(server):
    _, url, child = server
    with live_session(url) as (xsrf, session):
        boundary = "metwinboundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                f"Content-Type: text/plain\r\n\r\n{'x' * 1000}\r\n--{boundary}--\r\n").encode()
        req = urllib.request.Request(f"{url}/_stcore/upload_file/{session}/f1", data=body, method="PUT",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                              "X-Xsrftoken": xsrf, "Cookie": f"_streamlit_xsrf={xsrf}",
                                              "Origin": url})
        with pytest.raises(urllib.error.HTTPError) as err:  # stock Streamlit takes this 1 kB file (204)
            urllib.request.urlopen(req, timeout=5)
        assert err.value.code == 403 and b"uploads are off in demo mode" in err.value.read()
        # the attack: a large declared body for a live session. Refused before it is read; memory flat.
        before = rss_kb(child)
        t0 = time.monotonic()
        hdrs = {"X-Xsrftoken": xsrf, "Cookie": f"_streamlit_xsrf={xsrf}", "Content-Type": "application/octet-stream"}
        status, sent = raw_put(url, f"/_stcore/upload_file/{session}/f2", hdrs, b"\0" * (1 << 20), 64 << 20)
        assert status == 403, (status, sent)
        status, _ = raw_put(url, f"/_stcore/upload_file/{session}/f3", hdrs, b"\0" * 1024, 200 << 20)
        assert status == 403
        assert time.monotonic() - t0 < 15
        assert rss_kb(child) - before < 16 * 1024, (before, rss_kb(child))
        assert get(url + "/_stcore/health") == (200, b"ok")


# ----- the passcode: limits per address and overall, across sessions and restarts -----------------------------------
class Clock:
    """``time`` for lib.demo with a settable wall clock and recorded sleeps."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.slept.append(s)

    def __getattr__(self, name: str):
        return getattr(time, name)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(demo, "time", c)
    return c


@pytest.fixture
def ws(tmp_path: Path, monkeypatch) -> Iterator[Workspace]:
    monkeypatch.setattr(demo, "ITERATIONS", 1000)  # the hash's cost is not under test here
    w = Workspace(tmp_path / "ws")
    demo.set_passcode(w, PASSCODE)
    yield w
    w.close()


def test_an_address_is_locked_after_five_wrong_guesses_across_sessions_and_restarts(ws, clock, tmp_path):
    lim = demo.LIMITS
    for _ in range(lim.per_address):  # five browser sessions or one: the count is the address's
        assert not demo.check_passcode(ws, "wrong", "203.0.113.5")
        clock.now += 10
    assert clock.slept == [0.5, 1.0, 2.0, 4.0, 5.0]  # the delay grows with the address's failures, capped
    with pytest.raises(demo.PasscodeLocked) as locked:  # even the right passcode is not checked now
        demo.check_passcode(ws, PASSCODE, "203.0.113.5")
    assert not locked.value.everyone and locked.value.minutes == 15
    assert demo.check_passcode(ws, PASSCODE, "198.51.100.9")  # another address is not locked
    assert demo.check_passcode(ws, PASSCODE, None)  # nor this computer
    assert demo.lockout(ws, "::ffff:203.0.113.5")  # the same IPv4 address written as IPv6
    for _ in range(lim.per_address):  # one IPv6 host may use any address in its /64: the /64 is one address here
        assert not demo.check_passcode(ws, "wrong", f"2001:db8:0:1::{_ + 1:x}")
    assert demo.lockout(ws, "2001:db8:0:1:ffff::9") and demo.lockout(ws, "2001:db8:0:2::1") is None
    ws.close()  # a restart: a new process opens the workspace again
    again = Workspace(tmp_path / "ws")
    try:
        assert isinstance(demo.lockout(again, "203.0.113.5"), demo.PasscodeLocked)
        clock.now += lim.address_window_s - 4 * 10  # the oldest failure ages out
        assert demo.lockout(again, "203.0.113.5") is None
        assert demo.check_passcode(again, PASSCODE, "203.0.113.5")
        assert demo.clear_failures(again) == 2 * lim.per_address  # aged-out rows go at the hour's prune
    finally:
        again.close()


def test_everyone_is_locked_out_after_twenty_wrong_guesses_an_hour(ws, clock):
    lim = demo.LIMITS
    for i in range(lim.overall):  # from many addresses, each under its own limit
        assert not demo.check_passcode(ws, "wrong", f"10.0.{i // 4}.{i % 4}")
        clock.now += 60
    with pytest.raises(demo.PasscodeLocked) as locked:
        demo.check_passcode(ws, PASSCODE, "192.0.2.200")
    assert locked.value.everyone and "every address" in str(locked.value)
    clock.now += lim.overall_window_s - (lim.overall - 1) * 60
    assert demo.check_passcode(ws, PASSCODE, "192.0.2.200")


def test_parallel_sessions_get_no_extra_guesses(ws, clock):
    results: list[object] = []

    def guess() -> None:
        session_ws = Workspace(ws.path)  # each Streamlit session opens the workspace itself
        try:
            results.append(demo.check_passcode(session_ws, "wrong", "203.0.113.77"))
        except demo.PasscodeLocked as exc:
            results.append(exc)
        finally:
            session_ws.close()

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results.count(False) == demo.LIMITS.per_address
    assert sum(isinstance(r, demo.PasscodeLocked) for r in results) == 12 - demo.LIMITS.per_address


def test_a_right_passcode_costs_nothing(ws, clock):
    for _ in range(demo.LIMITS.per_address + 2):
        assert demo.check_passcode(ws, PASSCODE, "203.0.113.8")
    assert demo.lockout(ws, "203.0.113.8") is None and clock.slept == []


def test_failures_are_logged_with_time_and_address_never_the_guess(ws, clock, caplog):
    guess = "hunter2-猜测"
    with caplog.at_level(logging.WARNING, logger="lib.demo"):
        for _ in range(demo.LIMITS.per_address):
            demo.check_passcode(ws, guess, "203.0.113.9")
        with pytest.raises(demo.PasscodeLocked):
            demo.check_passcode(ws, guess, "203.0.113.9")
    lines = [r.getMessage() for r in caplog.records if r.name == "lib.demo"]
    assert len(lines) == demo.LIMITS.per_address + 1
    stamp = time.strftime("%Y-%m-%dT%H:%M", time.localtime(clock.now))
    assert all("203.0.113.9" in line and stamp in line for line in lines)
    assert "locked out" in lines[-1]
    assert not any(guess in line or "hunter2" in line or PASSCODE in line for line in lines)
    assert guess not in (ws.path / demo.GUARD_DB).read_bytes().decode("utf-8", "replace")


def test_the_chat_page_refuses_a_locked_out_browser(data_dir, monkeypatch):
    ws = Workspace(data_dir / "workspaces" / "sample")
    demo.set_passcode(ws, PASSCODE)
    monkeypatch.setattr(demo.time, "sleep", lambda s: None)
    for _ in range(demo.LIMITS.per_address):  # AppTest has no client address: it is this computer's
        demo.check_passcode(ws, "wrong", None)
    ws.close()
    monkeypatch.setenv("METWIN_DEMO", "1")
    monkeypatch.setenv("METWIN_DEMO_WORKSPACE", str(data_dir / "workspaces" / "sample"))
    at = start()
    at.text_input[0].set_value(PASSCODE)
    at.button[0].click().run()
    assert not at.exception and not at.chat_input  # the right passcode, but locked: no chat
    assert any("Too many wrong passcodes" in e.value for e in at.error)


# ----- "Who said it?" in demo mode ---------------------------------------------------------------------------------
@pytest.fixture
def game_ws(tmp_path: Path) -> Iterator[Workspace]:
    w = Workspace(tmp_path / "game")
    load_sample(w)
    holdout.choose(w, share=0.2)
    yield w
    w.close()


def test_demo_items_show_only_the_owners_lines_unless_approved(game_ws):
    full = game.items(game_ws, n=10, seed=3)
    shown = game.items(game_ws, n=10, seed=3, demo=True)
    # fewer than 10: no answer may show in another pair's context
    assert [it.key for it in full] == [it.key for it in shown] and len(shown) >= 5
    theirs = {m["content"] for it in full for m in it.context if m["role"] == "user"}
    assert theirs and all(it.visible == it.context for it in full)  # the owner's own game is unchanged
    for it in shown:
        assert all(m["role"] == "assistant" for m in it.visible) and it.hidden >= 1
        assert it.context[-1]["role"] == "user"  # the twin still answers the whole context, server-side
    game.approve(game_ws, shown[0].key)
    game.approve(game_ws, shown[1].key)
    game.approve(game_ws, shown[1].key, False)
    assert game.approved(game_ws) == {shown[0].key}
    again = {it.key: it for it in game.items(game_ws, n=10, seed=3, demo=True)}
    assert again[shown[0].key].visible == again[shown[0].key].context and not again[shown[0].key].hidden
    assert again[shown[1].key].hidden
    with pytest.raises(BadInputError, match="not a game item key"):
        game.approve(game_ws, "../etc")


def test_the_demo_game_page_sends_no_other_persons_words_and_the_owner_approves_on_the_page(data_dir, monkeypatch):
    ws = Workspace(data_dir / "workspaces" / "sample")
    load_sample(ws)
    holdout.choose(ws, share=0.2)
    demo.set_passcode(ws, PASSCODE)
    theirs = {m["content"] for it in game.items(ws, n=10, seed=0) for m in it.context if m["role"] == "user"}
    theirs = {t for t in theirs if len(t) >= 6}
    ws.close()
    assert theirs
    at = start("pages/who_said_it.py")  # the owner's own game: a toggle approves the item on screen
    key = at.session_state["game_items"][0].key
    at.toggle(key=f"game_approve_{key}").set_value(True).run()
    assert not at.exception
    ws = Workspace(data_dir / "workspaces" / "sample")
    assert game.approved(ws) == {key}
    game.approve(ws, key, False)
    ws.close()
    monkeypatch.setenv("METWIN_DEMO", "1")
    monkeypatch.setenv("METWIN_DEMO_WORKSPACE", str(data_dir / "workspaces" / "sample"))
    at = start()
    at.text_input[0].set_value(PASSCODE)
    at.button[0].click().run()
    at.switch_page("pages/who_said_it.py").run()
    assert not at.exception and at.button(key="game_a")
    assert not at.get("toggle")  # friends cannot approve anything
    bodies = "\n".join(e.proto.body.replace("<br>", "\n") for e in at.get("html"))
    page = html.unescape(re.sub(r"<[^>]+>", "\n", bodies)) + " ".join(c.value for c in at.caption)
    assert "own lines" in page
    it = at.session_state["game_items"][at.session_state["game_pos"]]
    assert all(to_unicode(m["content"]) in page for m in it.visible)  # the reading works: the owner's lines show
    assert not [t for t in theirs if t in page or to_unicode(t) in page]


# ----- stopping: no orphan ------------------------------------------------------------------------------------------
def _stop_and_check(proc: subprocess.Popen, url: str, child: int, sig: int) -> None:
    proc.send_signal(sig)
    assert proc.wait(timeout=demo.STOP_GRACE_S + 10) == 0
    assert not alive(child), "the Streamlit child outlived python -m lib demo"
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "/_stcore/health", timeout=2)


def test_sigterm_stops_the_demo_and_its_child(tmp_path):
    Workspace(tmp_path / "ws").close()
    with demo_process(tmp_path / "ws", tmp_path / "demo.log") as (proc, url, child):
        _stop_and_check(proc, url, child, signal.SIGTERM)


def test_sigint_stops_the_demo_and_its_child(server):
    proc, url, child = server  # last user of the shared server
    _stop_and_check(proc, url, child, signal.SIGINT)


def test_the_owner_lifts_a_lockout_from_the_command_line(ws, clock, capsys):
    from lib.cli import main

    for _ in range(demo.LIMITS.per_address):
        demo.check_passcode(ws, "wrong", "203.0.113.10")
    assert demo.lockout(ws, "203.0.113.10")
    assert main(["demo", "--workspace", str(ws.path), "--clear-lockout"]) == 0
    assert "forgot 5 failed passcode attempts" in capsys.readouterr().out
    assert demo.lockout(ws, "203.0.113.10") is None
