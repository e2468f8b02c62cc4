"""Concurrency and crashes (issue 14): one writer per workspace, crash-safe imports and exports, start-up cleanup.

Every interleaving here is forced, not hoped for: the first job pauses at a chosen point (an event in a thread, or
``tests/security/concurrency_child.py`` printing ``PAUSED`` in a process) while the second one runs or the test kills
it with SIGKILL. Nothing waits longer than a few seconds.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from lib import locking
from lib.errors import WorkspaceBusy
from lib.export import ExportOptions, export
from lib.pii.store import PiiStore, _ValueIndex
from lib.workspace import Workspace, preview
from tests.helpers import CHAT, WHATSAPP, memotrace_csv, write

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX process semantics")

ROOT = Path(__file__).resolve().parents[2]
STEP_S = 20  # upper bound for any single wait on another thread or process
ROWS = [(0, "2024-05-01 09:00:00", "今天去爬山吗"), (1, "2024-05-01 09:01:00", "去！！冲呀"),
        (1, "2024-05-01 09:01:20", "我手机13812345678 到了打我"), (0, "2024-05-01 09:02:00", "八点地铁站见"),
        (1, "2024-05-01 09:02:30", "好的~"), (1, "2024-05-03 20:00:00", "到家了"),
        (0, "2024-05-03 20:05:00", "好 早点睡"), (1, "2024-05-03 20:06:00", "晚安[月亮]"),
        (0, "2024-05-03 20:07:00", "晚安"), (1, "2024-05-05 10:00:00", "邮箱 jay.chen@example.com 发你了"),
        (0, "2024-05-05 10:01:00", "收到")]


def counts(ws: Workspace) -> tuple[int, int]:
    return tuple(ws.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("imports", "messages"))


def leftovers(ws_path: Path) -> list[str]:
    """Anything a crash could leave: job folders and markers, raw copies, partial or moved-aside exports."""
    out = [p.name for p in (ws_path / "tmp").glob("*")] if (ws_path / "tmp").exists() else []
    exports = ws_path / "exports"
    if exports.exists():
        out += [p.name for p in exports.iterdir() if locking.PARTIAL in p.name or locking.OLD in p.name]
        out += [p.name for p in exports.rglob("*.tmp")]
    return out


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


class Child:
    """``tests/security/concurrency_child.py`` in its own process; ``wait_paused`` blocks until it reached its pause."""

    def __init__(self, *args: str, env: dict | None = None) -> None:
        self.p = subprocess.Popen([sys.executable, "-m", "tests.security.concurrency_child", *args], cwd=ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, **(env or {})})

    def wait_paused(self) -> None:
        line = ""
        timer = threading.Timer(STEP_S, self.p.kill)
        timer.start()
        try:
            line = self.p.stdout.readline().strip()
        finally:
            timer.cancel()
        assert line == "PAUSED", (line, self.p.stderr.read() if self.p.poll() is not None else "")

    def resume(self) -> dict:
        out, err = self.p.communicate("go\n", timeout=STEP_S)
        assert self.p.returncode == 0, err
        return json.loads(out.strip().splitlines()[-1])

    def result(self) -> dict:
        out, err = self.p.communicate(timeout=STEP_S)
        assert self.p.returncode == 0, err
        return json.loads(out.strip().splitlines()[-1])

    def kill9(self) -> None:
        os.kill(self.p.pid, signal.SIGKILL)
        self.p.communicate(timeout=STEP_S)
        assert self.p.returncode == -signal.SIGKILL


@pytest.fixture
def chat(tmp_path: Path) -> Path:
    return write(tmp_path, "阿杰.csv", memotrace_csv(ROWS))


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    return tmp_path / "ws"


# ----- the lock itself ------------------------------------------------------------------------------------------------
def test_writer_lock_is_exclusive_across_threads_reentrant_within_one(ws_path: Path, monkeypatch):
    ws_path.mkdir()
    monkeypatch.setattr(locking, "BUSY_WAIT_S", 0.1)
    inside, release, seen = threading.Event(), threading.Event(), []

    def holder() -> None:
        with locking.writer(ws_path, "an import"):
            with locking.writer(ws_path, "a redaction scan"):  # an export running a scan: same thread, no deadlock
                inside.set()
                release.wait(STEP_S)

    t = threading.Thread(target=holder)
    t.start()
    assert inside.wait(STEP_S)
    with pytest.raises(WorkspaceBusy) as busy:
        with locking.writer(ws_path, "an export"):
            seen.append("entered")
    assert "an import is running" in str(busy.value) and "an export" in str(busy.value) and not seen
    release.set()
    t.join(STEP_S)
    with locking.writer(ws_path, "an export", wait=0):  # free again, at once
        pass


def test_lock_of_a_killed_process_is_free_at_once(ws_path: Path, chat: Path):
    Workspace(ws_path).close()
    child = Child("import", str(ws_path), str(chat), "--pause", "write")
    child.wait_paused()
    with pytest.raises(WorkspaceBusy):
        with locking.writer(ws_path, "an export", wait=0):
            pass
    child.kill9()
    with locking.writer(ws_path, "an export", wait=0):
        pass


# ----- imports --------------------------------------------------------------------------------------------------------
def test_two_imports_of_one_file_in_threads_queue_then_skip(ws_path: Path, chat: Path, monkeypatch):
    a, b = Workspace(ws_path), Workspace(ws_path)  # two tabs: two handles
    inside, release, results = threading.Event(), threading.Event(), {}
    real = Workspace._write

    def slow_write(self, *args, **kw):
        out = real(self, *args, **kw)
        if self is a:
            inside.set()
            release.wait(STEP_S)
        return out

    monkeypatch.setattr(Workspace, "_write", slow_write)
    monkeypatch.setattr(locking, "BUSY_WAIT_S", STEP_S)  # queue behind the first instead of failing
    ta = threading.Thread(target=lambda: results.__setitem__("a", a.import_paths([chat])))
    ta.start()
    assert inside.wait(STEP_S)
    tb = threading.Thread(target=lambda: results.__setitem__("b", b.import_paths([chat])))
    tb.start()
    tb.join(0.3)
    assert tb.is_alive() and "b" not in results  # waiting for the lock, not importing alongside
    release.set()
    ta.join(STEP_S)
    tb.join(STEP_S)
    assert [f.status for f in results["a"].files] == ["imported"]
    assert [f.status for f in results["b"].files] == ["skipped"]
    assert counts(a) == (1, len(ROWS))
    raw = ws_path / a.conn.execute("SELECT raw_path FROM imports").fetchone()[0]
    assert raw.read_bytes() == chat.read_bytes() and leftovers(ws_path) == []
    a.close()
    b.close()


def test_second_import_gets_busy_when_the_first_takes_long(ws_path: Path, chat: Path, monkeypatch):
    Workspace(ws_path).close()
    child = Child("import", str(ws_path), str(chat), "--pause", "write")
    child.wait_paused()
    monkeypatch.setattr(locking, "BUSY_WAIT_S", 0.2)
    ws = Workspace(ws_path)  # opening while another process imports: its files are not swept
    assert any((ws_path / "raw").iterdir()) and any((ws_path / "tmp").iterdir())
    with pytest.raises(WorkspaceBusy, match="busy: an import is running"):
        ws.import_paths([chat])
    assert child.resume() == {"files": [["imported", len(ROWS)]]}
    assert counts(ws) == (1, len(ROWS)) and leftovers(ws_path) == []
    ws.close()


def test_two_imports_of_one_file_in_processes(ws_path: Path, chat: Path):
    Workspace(ws_path).close()
    first = Child("import", str(ws_path), str(chat), "--pause", "write")
    first.wait_paused()
    second = Child("import", str(ws_path), str(chat))  # queues on the lock (default wait)
    assert first.resume() == {"files": [["imported", len(ROWS)]]}
    assert second.result() == {"files": [["skipped", 0]]}
    ws = Workspace(ws_path)
    assert counts(ws) == (1, len(ROWS))
    raw = ws_path / ws.conn.execute("SELECT raw_path FROM imports").fetchone()[0]
    assert raw.read_bytes() == chat.read_bytes() and leftovers(ws_path) == []
    ws.close()


def test_raw_copy_of_a_committed_import_survives_a_failing_import(ws_path: Path, chat: Path, monkeypatch):
    ws = Workspace(ws_path)
    ws.import_paths([chat])
    raw = ws_path / ws.conn.execute("SELECT raw_path FROM imports").fetchone()[0]
    # The race the lock prevents, forced: the duplicate check misses, so the second import copies, writes and fails
    # on the committed row (UNIQUE sha256). Its cleanup must not take the committed import's raw file with it.
    monkeypatch.setattr(Workspace, "_imported", lambda self, digest: None)
    with pytest.raises(sqlite3.IntegrityError):
        ws.import_paths([chat])
    assert raw.read_bytes() == chat.read_bytes()
    assert counts(ws) == (1, len(ROWS)) and leftovers(ws_path) == []
    ws.close()


def test_a_failing_import_leaves_no_raw_copy_and_no_temporary_files(ws_path: Path, chat: Path, monkeypatch):
    ws = Workspace(ws_path)

    def broken(self, *a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Workspace, "_write", broken)
    with pytest.raises(RuntimeError):
        ws.import_paths([chat])
    assert list((ws_path / "raw").iterdir()) == [] and leftovers(ws_path) == [] and counts(ws) == (0, 0)
    ws.close()


def test_kill_9_mid_import_leaves_nothing_after_the_next_open(ws_path: Path, tmp_path: Path):
    Workspace(ws_path).close()
    archive = tmp_path / "WhatsApp Chat with Bea Rivers.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("_chat.txt", WHATSAPP)
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    child = Child("import", str(ws_path), str(archive), "--pause", "write", env={"TMPDIR": str(system_tmp)})
    child.wait_paused()
    unzipped = [p for p in (ws_path / "tmp").rglob("*_chat.txt")]
    assert len(unzipped) == 1 and unzipped[0].read_text(encoding="utf-8") == WHATSAPP  # in the workspace...
    assert list(system_tmp.iterdir()) == []  # ...never in the system temp folder
    assert len(list((ws_path / "raw").iterdir())) == 1
    child.kill9()
    ws = Workspace(ws_path)
    assert list((ws_path / "raw").iterdir()) == [] and leftovers(ws_path) == [] and counts(ws) == (0, 0)
    assert ws.import_paths([archive]).files[0].status == "imported"  # and the same file imports cleanly now
    ws.close()


def test_preview_unzips_into_the_workspace_and_cleans_up(ws_path: Path, tmp_path: Path):
    ws = Workspace(ws_path)
    archive = tmp_path / "chat.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("_chat.txt", WHATSAPP)
    assert preview(archive, ws=ws)["parts"][0]["messages"] > 0
    assert leftovers(ws_path) == []
    ws.close()


def test_opening_sweeps_orphan_raw_files_but_never_owned_ones(ws_path: Path, chat: Path, caplog):
    ws = Workspace(ws_path)
    ws.import_paths([chat])
    owned = ws_path / ws.conn.execute("SELECT raw_path FROM imports").fetchone()[0]
    ws.close()
    (ws_path / "raw" / "0123456789abcdef_Bea Rivers.txt").write_text("a crashed import's copy", encoding="utf-8")
    crashed = locking.JobDir.new(ws_path / "tmp", "import-")  # a job folder whose owner is gone...
    (crashed.path / "_chat.txt").write_text("plaintext", encoding="utf-8")
    locking._close(crashed._fd)  # ...its marker's lock dropped, as the OS does at kill -9
    crashed._fd = None
    with locking.JobDir.new(ws_path / "tmp", "preview-") as live:  # a preview in another tab: no writer lock
        with caplog.at_level("INFO", logger="lib.workspace"):
            ws = Workspace(ws_path)
        assert live.is_dir() and not crashed.path.exists()
        assert [p.name for p in (ws_path / "raw").iterdir()] == [owned.name]
        assert "1 temporary, 1 orphan raw" in caplog.text and "Bea" not in caplog.text  # counts only, no names
        ws.close()
    assert leftovers(ws_path) == []


# ----- scans ----------------------------------------------------------------------------------------------------------
def test_two_concurrent_scans_one_runs_the_other_is_busy(ws_path: Path, chat: Path, monkeypatch):
    ws = Workspace(ws_path)
    ws.import_paths([chat])
    ref = Workspace(ws_path.parent / "ref")
    ref.import_paths([chat])
    expected = PiiStore(ref).scan().hits
    first = Child("scan", str(ws_path), "--pause", "batch")
    first.wait_paused()
    monkeypatch.setattr(locking, "BUSY_WAIT_S", 0.2)
    with pytest.raises(WorkspaceBusy, match="a redaction scan is running"):
        PiiStore(ws).scan()  # a second tab opening Redaction
    cli = subprocess.run([sys.executable, "-m", "lib", "redact", "--workspace", str(ws_path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=STEP_S,
                         env={**os.environ, "METWIN_BUSY_WAIT_S": "0.2"})
    assert cli.returncode == 2 and cli.stderr.count("\n") == 1 and "busy" in cli.stderr
    assert "Traceback" not in cli.stderr
    assert first.resume()["hits"] == expected > 0
    again = PiiStore(ws).scan()  # now free: nothing left to do, no IntegrityError
    assert again.scanned == 0 and PiiStore(ws).is_current()
    idx = ws.conn.execute("SELECT kind, idx, COUNT(*) FROM pii_values GROUP BY kind, idx HAVING COUNT(*) > 1")
    assert idx.fetchall() == []
    ws.close()
    ref.close()


def test_value_index_copes_with_values_created_behind_its_back(ws_path: Path):
    ws = Workspace(ws_path)
    stale = _ValueIndex(ws.conn)
    other = Workspace(ws_path)  # another tab's edit rescan creates values meanwhile
    fresh = _ValueIndex(other.conn)
    taken = fresh.get("PHONE", "13812345678", "13812345678")
    fresh.get("PHONE", "13900000000", "13900000000")
    assert stale.get("PHONE", "13812345678", "13812345678") == taken  # no IntegrityError, same value
    new = stale.get("PHONE", "13700000000", "13700000000")
    assert ws.conn.execute("SELECT idx FROM pii_values WHERE id = ?", (new,)).fetchone()[0] == 3  # not a reused 1
    ws.close()
    other.close()


def test_decisions_keep_working_while_a_scan_holds_the_lock(ws_path: Path, chat: Path):
    ws = Workspace(ws_path)
    ws.import_paths([chat])
    store = PiiStore(ws)
    store.scan(full=True)
    vid = ws.conn.execute("SELECT id FROM pii_values LIMIT 1").fetchone()[0]
    ws.set_setting("pii.threshold", 0.45)  # the child's scan is a full one: it deletes and rebuilds every hit
    first = Child("scan", str(ws_path), "--pause", "batch")
    first.wait_paused()
    store.decide(vid, "rejected")  # a click on the Redaction page during the long scan
    assert store.value(vid)["status"] == "rejected"
    first.resume()
    assert store.value(vid)["status"] == "rejected"
    ws.close()


# ----- exports --------------------------------------------------------------------------------------------------------
@pytest.fixture
def exported(ws_path: Path, chat: Path) -> tuple[Path, dict[str, bytes]]:
    """A workspace with an export (train and val) in its exports/ folder, and that export's bytes."""
    ws = Workspace(ws_path)
    ws.import_paths([chat])
    out = ws_path / "exports" / "sharegpt-old"
    export(ws, "sharegpt", out, ExportOptions(val_ratio=0.5, dedup="none"))
    ws.close()
    old = snapshot(out)
    assert {"train.json", "val.json", "README.md"} <= set(old)
    return out, old


def test_kill_9_while_writing_an_export_keeps_the_old_one(ws_path: Path, exported):
    out, old = exported
    child = Child("export", str(ws_path), str(out), "--val", "0", "--pause", "written")
    child.wait_paused()
    partial = [p for p in out.parent.iterdir() if locking.PARTIAL in p.name and p.is_dir()]
    assert len(partial) == 1 and (partial[0] / "train.json").exists()  # the new train file is written...
    assert snapshot(out) == old  # ...beside, not over, the old export
    child.kill9()
    assert snapshot(out) == old and not list(out.glob("*.tmp"))
    Workspace(ws_path).close()
    assert snapshot(out) == old and leftovers(ws_path) == []


def test_kill_9_between_the_two_renames_restores_the_old_export(ws_path: Path, exported):
    out, old = exported
    child = Child("export", str(ws_path), str(out), "--val", "0", "--pause", "swapped")
    child.wait_paused()
    assert not out.exists()  # the old one moved aside, the new one not yet in place
    child.kill9()
    Workspace(ws_path).close()
    assert snapshot(out) == old and leftovers(ws_path) == []


def test_finished_export_replaces_the_old_one_as_a_whole(ws_path: Path, exported):
    out, old = exported
    result = Child("export", str(ws_path), str(out), "--val", "0").result()
    assert result["files"] == {"train": "train.json"}
    assert set(snapshot(out)) == {"train.json", "README.md", "dataset_info.json"}  # no val.json of the old one
    assert leftovers(ws_path) == []


def test_export_refuses_a_folder_that_is_not_an_export(ws_path: Path, chat: Path, tmp_path: Path):
    ws = Workspace(ws_path)
    ws.import_paths([chat])
    mine = tmp_path / "Documents"
    mine.mkdir()
    (mine / "letter.txt").write_text("keep me", encoding="utf-8")
    from lib.errors import BadInputError

    with pytest.raises(BadInputError, match="not an export"):
        export(ws, "sharegpt", mine)
    assert (mine / "letter.txt").read_text(encoding="utf-8") == "keep me"
    ws.close()


def test_export_waits_for_a_running_import(ws_path: Path, exported, chat: Path, tmp_path: Path, monkeypatch):
    out, old = exported
    other = write(tmp_path, "other.csv", memotrace_csv(CHAT))
    child = Child("import", str(ws_path), str(other), "--pause", "write")
    child.wait_paused()
    monkeypatch.setattr(locking, "BUSY_WAIT_S", 0.2)
    ws = Workspace(ws_path)
    with pytest.raises(WorkspaceBusy, match="an import is running"):
        export(ws, "sharegpt", out, ExportOptions(dedup="none"))
    assert snapshot(out) == old
    child.resume()
    ws.close()
