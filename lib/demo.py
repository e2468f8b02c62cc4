"""Demo mode: show the twin to friends safely.

One switch -- ``python -m lib demo`` -- starts the app with only the chat page (no data pages, no settings), behind a
passcode the owner sets, with the "AI twin of <name>" disclosure always visible. Only then may the app listen beyond
127.0.0.1, and only on the hosts the owner names. Each friend's browser session has its own conversation (Streamlit
session state); nothing they type is stored. Every reply friends see comes through :func:`lib.chat.get_backend`,
behind the workspace's output guard (:mod:`lib.pii.guard`): no placeholder, no private value.

The passcode is stored as a salted PBKDF2 hash in the workspace; a wrong guess costs a growing delay per session.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

from lib.errors import BadInputError

ENV = "METWIN_DEMO"
ENV_WORKSPACE = "METWIN_DEMO_WORKSPACE"
MIN_LENGTH = 4
ITERATIONS = 200_000
LOOPBACK = ("127.0.0.1", "localhost", "::1")
ROOT = Path(__file__).resolve().parents[1]


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
    ws.set_setting("demo.passcode", {"salt": salt.hex(), "hash": _hash(code, salt).hex()})


def has_passcode(ws) -> bool:
    return bool(ws.get_setting("demo.passcode"))


def check_passcode(ws, code: str, session: dict | None = None) -> bool:
    """Constant-time check. ``session`` (Streamlit's session state) counts failures: each costs a growing pause."""
    saved = ws.get_setting("demo.passcode")
    if not saved:
        return False
    ok = hmac.compare_digest(_hash(str(code), bytes.fromhex(saved["salt"])), bytes.fromhex(saved["hash"]))
    if session is not None:
        fails = int(session.get("_demo_fails", 0))
        if not ok:
            session["_demo_fails"] = fails + 1
            time.sleep(min(5.0, 0.5 * 2 ** min(fails, 4)))
        else:
            session["_demo_fails"] = 0
    return ok


def command(workspace: Path, host: str, port: int, allow_hosts: list[str]) -> tuple[list[str], dict]:
    """The ``streamlit run`` command line and environment of a demo server."""
    hosts = sorted({"localhost", "127.0.0.1", *allow_hosts, *([host] if host not in ("0.0.0.0", "::") else [])})
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), f"--server.address={host}",
           f"--server.port={port}", "--server.headless=true", "--browser.gatherUsageStats=false",
           "--server.fileWatcherType=none"]
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


def run(workspace: Path, host: str, port: int, allow_hosts: list[str]) -> int:
    cmd, env = command(workspace, host, port, allow_hosts)
    print(f"MeTwin demo on http://{host if host not in ('0.0.0.0', '::') else allow_hosts[0]}:{port} "
          "(chat page only, passcode required). Ctrl+C stops it.")
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0
