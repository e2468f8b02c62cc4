"""Demo mode: show the twin to friends safely.

One switch -- ``python -m lib demo`` -- starts the app with only the chat page (no data pages, no settings), behind a
passcode the owner sets, with the "AI twin of <name>" disclosure always visible. Only then may the app listen beyond
127.0.0.1, and only on the hosts the owner names. Each friend's browser session has its own conversation (Streamlit
session state); nothing they type is stored. Every reply friends see comes through :func:`lib.chat.get_backend`,
behind the workspace's output guard (:mod:`lib.pii.guard`): no placeholder, no private value.

What a visitor can do before the passcode is bounded:

- The server is ``demo_app.py`` (``st.App`` + :class:`lib.demo_http.DemoGuard`): no uploads, no metrics, no agent API;
  WebSocket messages are capped (:data:`MAX_MESSAGE_MB`).
- The passcode is stored as a salted PBKDF2 hash. Wrong guesses are counted per client address and overall in a small
  SQLite file in the workspace folder (:data:`GUARD_DB`), so the limits hold across browser sessions and restarts:
  each wrong guess costs a delay that grows with that address's recent failures, and :data:`LIMITS` locks an address,
  or everyone, out for a while. Each failure is logged with time and address, never the guess.
- ``python -m lib demo`` stops its Streamlit child (and anything the child started) on SIGTERM, SIGINT or SIGHUP.
"""
from __future__ import annotations

import hashlib
import hmac
import importlib.util
import ipaddress
import logging
import math
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from lib.errors import BadInputError
from lib.settings import DEMO_PASSCODE

ENV = "METWIN_DEMO"
ENV_WORKSPACE = "METWIN_DEMO_WORKSPACE"
MIN_LENGTH = 4
ITERATIONS = 200_000
LOOPBACK = ("127.0.0.1", "localhost", "::1")
ROOT = Path(__file__).resolve().parents[1]
ENTRY = ROOT / "demo_app.py"  # st.App around app.py with the HTTP guard
MAX_UPLOAD_MB = 1  # second wall behind the guard, which refuses every upload
MAX_MESSAGE_MB = 4  # a friend's WebSocket message (chat input is 4,000 characters); Streamlit's default is 200
STOP_GRACE_S = 10.0  # how long the child may take to stop after SIGTERM before it is killed
GUARD_DB = "demo_guard.sqlite"  # failed passcode attempts; in the workspace folder, apart from the chat data
LOCAL = "local"  # the address key of a browser on this computer (Streamlit reports loopback as no address)

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """How many wrong passcodes the demo takes. The one source of these defaults."""

    per_address: int = 5  # wrong guesses from one address ...
    address_window_s: int = 15 * 60  # ... within this window lock that address until the oldest ages out
    overall: int = 20  # wrong guesses from every address together ...
    overall_window_s: int = 60 * 60  # ... within this window lock everyone out
    base_delay_s: float = 0.5  # the first wrong guess from an address waits this long; each next one twice as long
    max_delay_s: float = 5.0


LIMITS = Limits()


class PasscodeLocked(BadInputError):
    """Too many wrong passcodes: no guess is checked until ``retry_after`` seconds have passed."""

    def __init__(self, retry_after: float, everyone: bool) -> None:
        self.retry_after = max(1.0, retry_after)
        self.everyone = everyone
        who = "from every address" if everyone else "from this address"
        super().__init__(f"too many wrong passcodes {who}: try again in {self.minutes} min")

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def enabled() -> bool:
    return os.environ.get(ENV) == "1"


def workspace_path() -> Path | None:
    value = os.environ.get(ENV_WORKSPACE)
    return Path(value) if value else None


def _hash(code: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", code.encode("utf-8"), salt, ITERATIONS)


def set_passcode(ws, code: str) -> None:
    code = str(code)
    if len(code) < MIN_LENGTH:
        raise BadInputError(f"the passcode needs at least {MIN_LENGTH} characters")
    salt = secrets.token_bytes(16)
    DEMO_PASSCODE.set(ws, {"salt": salt.hex(), "hash": _hash(code, salt).hex()})


def has_passcode(ws) -> bool:
    return bool(DEMO_PASSCODE.get(ws))


# ----- failed attempts (per address and overall, across sessions and restarts) -----------------------------------
def _guard(ws) -> sqlite3.Connection:
    """A short-lived connection to the workspace's attempt log. A file of its own: Streamlit runs each session in its
    own thread, the workspace connection is per session, and friends' addresses stay out of the chat database (and out
    of its backups and exports)."""
    conn = sqlite3.connect(Path(ws.path) / GUARD_DB, timeout=10, isolation_level=None)
    conn.execute("CREATE TABLE IF NOT EXISTS failures(at REAL NOT NULL, address TEXT NOT NULL)")
    conn.execute("CREATE INDEX IF NOT EXISTS failures_at ON failures(at)")
    return conn


def _address(address: str | None) -> str:
    """The key a client's failures count under: its IPv4 address, or its IPv6 /64 (one host can pick any address in
    its /64, so a per-address limit on full IPv6 addresses would be no limit). Not an address: this computer."""
    if not isinstance(address, str) or not address:
        return LOCAL
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def lockout(ws, address: str | None, limits: Limits = LIMITS, now: float | None = None) -> PasscodeLocked | None:
    """Why ``address`` may not try a passcode now, or ``None`` if it may."""
    with closing(_guard(ws)) as conn:
        return _locked(conn, _address(address), limits, time.time() if now is None else now)[0]


def _locked(conn: sqlite3.Connection, addr: str, limits: Limits, now: float) -> tuple[PasscodeLocked | None, int, int]:
    """(lockout or None, this address's recent failures, everyone's recent failures)."""
    mine = [r[0] for r in conn.execute("SELECT at FROM failures WHERE address = ? AND at > ? ORDER BY at",
                                       (addr, now - limits.address_window_s))]
    every = [r[0] for r in conn.execute("SELECT at FROM failures WHERE at > ? ORDER BY at",
                                        (now - limits.overall_window_s,))]
    if len(every) >= limits.overall:
        return PasscodeLocked(every[-limits.overall] + limits.overall_window_s - now, True), len(mine), len(every)
    if len(mine) >= limits.per_address:
        return PasscodeLocked(mine[-limits.per_address] + limits.address_window_s - now, False), len(mine), len(every)
    return None, len(mine), len(every)


def clear_failures(ws) -> int:
    """Forget every failed attempt (the owner lifts a lockout: ``python -m lib demo --clear-lockout``)."""
    with closing(_guard(ws)) as conn:
        return conn.execute("DELETE FROM failures").rowcount


def _stamp(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(t))


def check_passcode(ws, code: str, address: str | None = None, limits: Limits = LIMITS) -> bool:
    """Constant-time check of one guess from ``address`` (``st.context.ip_address``; ``None`` is this computer).

    Raises :class:`PasscodeLocked` without checking while the address, or everyone, is over :data:`LIMITS`. The
    attempt is counted before the hash is compared, in one write transaction, so parallel sessions cannot slip extra
    guesses past the limit; a right passcode takes its count back. A wrong one is logged (time, address, counts; never
    the guess) and costs a delay that doubles with the address's recent failures."""
    saved = DEMO_PASSCODE.get(ws)
    if not saved:
        return False
    addr, now = _address(address), time.time()
    with closing(_guard(ws)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM failures WHERE at <= ?", (now - max(limits.address_window_s,
                                                                          limits.overall_window_s),))
            locked, mine, every = _locked(conn, addr, limits, now)
            if locked is None:
                row = conn.execute("INSERT INTO failures(at, address) VALUES (?, ?)", (now, addr)).lastrowid
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if locked is not None:
            _log.warning("demo passcode refused at %s: %s is locked out (%d wrong in %d min from it, %d in %d min "
                         "overall)", _stamp(now), addr, mine, limits.address_window_s // 60, every,
                         limits.overall_window_s // 60)
            raise locked
        ok = hmac.compare_digest(_hash(str(code), bytes.fromhex(saved["salt"])), bytes.fromhex(saved["hash"]))
        if ok:
            conn.execute("DELETE FROM failures WHERE rowid = ?", (row,))
            return True
    _log.warning("demo passcode wrong at %s from %s (%d wrong in %d min from it, %d in %d min overall)", _stamp(now),
                 addr, mine + 1, limits.address_window_s // 60, every + 1, limits.overall_window_s // 60)
    time.sleep(min(limits.max_delay_s, limits.base_delay_s * 2 ** min(mine, 16)))
    return False


# ----- the server ------------------------------------------------------------------------------------------------
def command(workspace: Path, host: str, port: int, allow_hosts: list[str]) -> tuple[list[str], dict]:
    """The ``streamlit run`` command line and environment of a demo server: the guarded entry point, and flags that
    override anything in ``.streamlit/config.toml`` a visitor could use before the passcode."""
    hosts = sorted({"localhost", "127.0.0.1", *allow_hosts, *([host] if host not in ("0.0.0.0", "::") else [])})
    cmd = [sys.executable, "-m", "streamlit", "run", str(ENTRY), f"--server.address={host}",
           f"--server.port={port}", "--server.headless=true", "--browser.gatherUsageStats=false",
           "--server.fileWatcherType=none", f"--server.maxUploadSize={MAX_UPLOAD_MB}",
           f"--server.maxMessageSize={MAX_MESSAGE_MB}", "--server.enableStaticServing=false",
           "--server.enableAgentApi=false", "--server.enableXsrfProtection=true", "--server.enableCORS=true",
           "--client.showErrorDetails=none", "--client.toolbarMode=viewer", "--runner.magicEnabled=false",
           "--global.developmentMode=false"]
    cmd += [f"--server.allowedHosts={h}" for h in hosts]
    env = {**os.environ, ENV: "1", ENV_WORKSPACE: str(Path(workspace).resolve())}
    return cmd, env


def check_binding(ws, host: str, allow_hosts: list[str]) -> None:
    """Refuse to start without a passcode, or on every interface without named hosts."""
    if not has_passcode(ws):
        raise BadInputError("set a passcode first (METWIN_DEMO_PASSCODE or the prompt): friends see the twin only "
                            "behind one")
    if host in LOOPBACK:
        return
    if host in ("0.0.0.0", "::") and not allow_hosts:
        raise BadInputError("listening on every interface needs --allow-host with the address friends will type "
                            "(for example your LAN IP); the app refuses unknown Host headers")


def check_streamlit() -> None:
    """The guard needs ``st.App`` (Streamlit's ASGI entry point). Looked up on disk: lib/ never imports Streamlit."""
    spec = importlib.util.find_spec("streamlit")
    if spec is None or not spec.origin or not (Path(spec.origin).parent / "starlette.py").exists():
        raise BadInputError("demo mode needs a Streamlit with st.App (1.61 or later): run "
                            "pip install -U -r requirements.txt")


def _die_with_parent() -> None:
    """In the child, before exec (Linux): get SIGTERM if the ``python -m lib demo`` process dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _exited(child: subprocess.Popen) -> bool:
    """Whether the child has exited, without reaping it (its pid, the group id, stays reserved until ``wait``)."""
    if child.returncode is not None:
        return True
    if hasattr(os, "waitid"):
        return os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    return child.poll() is not None


def run(workspace: Path, host: str, port: int, allow_hosts: list[str]) -> int:
    """Serve the demo until the child exits or this process gets SIGTERM/SIGINT/SIGHUP.

    The child runs in a process group of its own (so a terminal's Ctrl+C reaches only this process, which decides):
    a stop signal is forwarded as SIGTERM to the whole group, the child gets :data:`STOP_GRACE_S` to exit, then the
    group is killed. Nothing of the demo outlives this process."""
    check_streamlit()
    cmd, env = command(workspace, host, port, allow_hosts)
    print(f"MeTwin demo on http://{host if host not in ('0.0.0.0', '::') else allow_hosts[0]}:{port} "
          "(chat page only, passcode required). Ctrl+C stops it.", flush=True)
    stop: dict[str, float] = {}
    child: subprocess.Popen | None = None

    def on_signal(signum: int, _frame) -> None:
        if "deadline" not in stop:
            stop["deadline"] = time.monotonic() + STOP_GRACE_S
            if child is not None:
                _signal_group(child.pid, signal.SIGTERM)

    stop_signals = [signal.SIGTERM, signal.SIGINT] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {s: signal.signal(s, on_signal) for s in stop_signals}
    try:
        if "deadline" in stop:  # a signal came before the child existed: do not start it
            return 0
        child = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True,
                                 preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        if "deadline" in stop:  # ... or while it was being started
            _signal_group(child.pid, signal.SIGTERM)
        while not _exited(child):
            if "deadline" in stop and time.monotonic() > stop["deadline"]:
                _signal_group(child.pid, signal.SIGKILL)
            time.sleep(0.2)
    finally:
        if child is not None:
            if not _exited(child):
                _signal_group(child.pid, signal.SIGKILL)
            # the exited child is not reaped yet, so its group id cannot name another process: kill what it left
            _signal_group(child.pid, signal.SIGKILL)
            child.wait()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 0 if "deadline" in stop else child.returncode
