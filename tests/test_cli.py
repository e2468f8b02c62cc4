"""``python -m lib``: summaries on success, one clear line and a non-zero exit on error."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import CHAT, WHATSAPP, memotrace_csv

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env_data: Path | None = None) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ)
    if env_data:
        env["METWIN_DATA"] = str(env_data)
    return subprocess.run([sys.executable, "-m", "lib", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=env)


def test_import_dump_stats(tmp_path: Path):
    src = tmp_path / "阿杰.csv"
    src.write_text(memotrace_csv(CHAT), encoding="utf-8-sig")
    ws = tmp_path / "ws"
    r = run("import", str(src), "--workspace", str(ws))
    assert r.returncode == 0, r.stderr
    assert "imported 7 messages" in r.stdout and "2 trainable conversations" in r.stdout

    r = run("dump", "--workspace", str(ws))
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(lines) == 7 and lines[0]["chat"] == "阿杰" and lines[2]["is_me"] is True

    r = run("stats", "--workspace", str(ws), "--json")
    stats = json.loads(r.stdout)
    assert stats["messages"] == 7 and stats["funnel"]["trainable conversations"] == 2

    r = run("stats", "--workspace", str(ws))
    assert r.returncode == 0 and "funnel" in r.stdout


def test_me_and_format_flags(tmp_path: Path):
    src = tmp_path / "chat.txt"
    src.write_text(WHATSAPP, encoding="utf-8")
    r = run("import", str(src), "--workspace", str(tmp_path / "ws"), "--me", "Alice", "--format", "whatsapp_txt")
    assert r.returncode == 0, r.stderr
    stats = json.loads(run("stats", "--workspace", str(tmp_path / "ws"), "--json").stdout)
    assert stats["mine"] == 2


def test_errors_are_one_line_and_non_zero(tmp_path: Path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"messages": [', encoding="utf-8")
    r = run("import", str(bad), "--workspace", str(tmp_path / "ws"))
    assert r.returncode == 2
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: broken.json") and "Traceback" not in r.stderr

    r = run("import", str(tmp_path / "missing.csv"), "--workspace", str(tmp_path / "ws"))
    assert r.returncode == 2 and "no such file" in r.stderr

    r = run("import", str(bad), "--workspace", str(tmp_path / "ws"), "--format", "nope")
    assert r.returncode == 2 and "unknown format 'nope'" in r.stderr and "memotrace_csv" in r.stderr


def test_partial_failure_exit_code(tmp_path: Path):
    good = tmp_path / "good.csv"
    good.write_text(memotrace_csv(CHAT), encoding="utf-8-sig")
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    r = run("import", str(good), str(bad), "--workspace", str(tmp_path / "ws"))
    assert r.returncode == 1 and "imported 7 messages" in r.stdout and "empty.txt" in r.stderr


def test_formats_lists_every_family():
    r = run("formats")
    for name in ("memotrace_csv", "memotrace_txt", "memotrace_json", "pywxdump_csv", "qq_txt", "telegram_json",
                 "whatsapp_txt"):
        assert name in r.stdout
