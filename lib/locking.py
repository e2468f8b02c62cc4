"""One writer per workspace, job folders that a crash cannot leave half-done, and folders swapped in as a whole.

**Writer lock.** Imports, redaction scans and exports keep state outside one SQLite transaction (raw copies, unzipped
chats, an in-memory value index, export files), so two of them at once corrupt each other even though every single
transaction is fine. :func:`writer` serialises them with an OS file lock (``flock`` on ``<workspace>/.writer.lock``;
``msvcrt`` on Windows): it works across processes and threads (each acquisition opens its own descriptor), is
re-entrant within one thread (an export runs a scan), and the OS drops it when the holder dies, even by ``kill -9``.
A second job waits up to :data:`BUSY_WAIT_S` and then gets :class:`lib.errors.WorkspaceBusy`.

The lock deliberately does **not** cover the owner's short decisions (accept/reject, labels, curation, edits,
settings): each is one SQLite transaction, safe under WAL while a long job commits batch by batch, so the app stays
usable during a long scan or import.

**Job folders** (:class:`JobDir`): a folder with an in-use marker beside it that its creator keeps locked. A sweep
removes a job folder only when that marker can be locked (its owner is gone), so start-up cleanup never pulls files
from under a live job in another tab or process (a preview runs without the writer lock).

**Swapped folders** (:func:`publish`): an export is written to ``<out>.partial-<random>`` and renamed into place as a
whole, so a crash leaves the old export or the new one, never a mix.
"""
from __future__ import annotations

import os
import secrets
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from lib.errors import WorkspaceBusy

# How long a second import, scan or export waits for the first before "busy, try again" (scripts that would rather
# queue longer, or fail at once, set METWIN_BUSY_WAIT_S).
DEFAULT_BUSY_WAIT_S = 5.0


def _busy_wait() -> float:
    try:
        return max(0.0, float(os.environ.get("METWIN_BUSY_WAIT_S") or DEFAULT_BUSY_WAIT_S))
    except ValueError:
        return DEFAULT_BUSY_WAIT_S


BUSY_WAIT_S = _busy_wait()
POLL_S = 0.05
LOCK_NAME = ".writer.lock"
INUSE_SUFFIX = ".in-use"
STALE_S = 600.0  # a job folder without its marker (a crash between mkdir and lock) counts as left over after this

try:  # POSIX
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except (BlockingIOError, PermissionError):
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
except ImportError:  # Windows: a mandatory lock on the first byte
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


_local = threading.local()  # per thread: resolved workspace path -> re-entry depth
_open_fds: set[int] = set()  # lock descriptors this process holds; a forked child closes its copies


def _close_in_child() -> None:
    """A forked worker (lib.pii.parallel) must not keep the parent's locks alive after the parent dies."""
    for fd in list(_open_fds):
        try:
            os.close(fd)
        except OSError:
            pass
    _open_fds.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)


def _open_lock(path: Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    _open_fds.add(fd)
    return fd


def _close(fd: int) -> None:
    _open_fds.discard(fd)
    os.close(fd)


def _depths() -> dict[str, int]:
    if not hasattr(_local, "depths"):
        _local.depths = {}
    return _local.depths


def holds(workspace: Path) -> bool:
    """True when this thread holds the writer lock of ``workspace``."""
    return _depths().get(str(Path(workspace).resolve()), 0) > 0


def _holder(lock_path: Path) -> str:
    """What the current holder said it is doing ("an import"), best effort (empty when unreadable)."""
    try:
        return lock_path.read_text(encoding="utf-8").strip()[:40]
    except (OSError, UnicodeDecodeError):
        return ""


@contextmanager
def writer(workspace: Path, job: str, wait: float | None = None) -> Iterator[None]:
    """Hold the workspace's writer lock for ``job`` ("an import"), waiting up to ``wait`` seconds (default
    :data:`BUSY_WAIT_S`); raises :class:`WorkspaceBusy` when another job keeps it longer."""
    key = str(Path(workspace).resolve())
    depths = _depths()
    if depths.get(key, 0):
        depths[key] += 1
        try:
            yield
        finally:
            depths[key] -= 1
        return
    lock_path = Path(workspace) / LOCK_NAME
    fd = _open_lock(lock_path)
    deadline = time.monotonic() + (BUSY_WAIT_S if wait is None else max(0.0, wait))
    try:
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise WorkspaceBusy(job, _holder(lock_path))
            time.sleep(POLL_S)
    except BaseException:
        _close(fd)
        raise
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, job.encode("utf-8"))
    except OSError:
        pass  # the label only makes the other side's message nicer
    depths[key] = 1
    try:
        yield
    finally:
        depths.pop(key, None)
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        _unlock(fd)
        _close(fd)


@contextmanager
def try_writer(workspace: Path, job: str) -> Iterator[bool]:
    """The writer lock if it is free right now (yields True), else nothing (False); never re-entrant, so a job's
    own thread never sweeps what that job is still writing."""
    if holds(workspace):
        yield False
        return
    try:
        cm = writer(workspace, job, wait=0)
        cm.__enter__()
    except (WorkspaceBusy, OSError):  # busy, or a read-only folder: nothing to sweep then
        yield False
        return
    try:
        yield True
    finally:
        cm.__exit__(None, None, None)


class JobDir:
    """A folder for one job's files (unzipped chats, a partial raw copy, an export being written), marked in use by a
    lock file beside it (``<folder>.in-use``) that its creator locks before the folder exists, so a sweep can never
    take a live folder for a left-over one. ``with JobDir.new(parent, "import-") as d:`` removes it on exit, success
    or failure; a crash leaves it to :func:`sweep`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.marker = _marker(self.path)
        self._fd: int | None = _open_lock(self.marker)
        _try_lock(self._fd)  # a fresh random name: nobody else knows it yet
        try:
            self.path.mkdir(parents=True)
        except BaseException:
            self.release()
            raise

    @classmethod
    def new(cls, parent: Path, prefix: str) -> "JobDir":
        """A fresh job folder ``<parent>/<prefix><random>``."""
        Path(parent).mkdir(parents=True, exist_ok=True)
        return cls(Path(parent) / f"{prefix}{secrets.token_hex(6)}")

    def release(self) -> None:
        """Drop the in-use marker: the folder is finished (about to be renamed into place) or already removed."""
        if self._fd is not None:
            try:
                self.marker.unlink(missing_ok=True)
            except OSError:
                pass
            _unlock(self._fd)
            _close(self._fd)
            self._fd = None

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc) -> bool:
        shutil.rmtree(self.path, ignore_errors=True)
        self.release()
        return False


def _marker(folder: Path) -> Path:
    return folder.with_name(folder.name + INUSE_SUFFIX)


def _lock_if_free(marker: Path) -> int | None:
    """The marker's lock when its owner is gone (the descriptor to release later), else None."""
    try:
        fd = os.open(marker, os.O_RDWR)  # never create: a marker that just went belongs to a finished job
    except OSError:
        return None
    _open_fds.add(fd)
    if _try_lock(fd):
        return fd
    _close(fd)
    return None


def _drop(fd: int | None, marker: Path) -> None:
    try:
        marker.unlink(missing_ok=True)
    except OSError:
        pass
    if fd is not None:
        _unlock(fd)
        _close(fd)


def sweep(parent: Path, pattern: str = "*") -> int:
    """Remove abandoned job folders (their marker lockable, or none and older than :data:`STALE_S`), orphan markers
    and stray files matching ``pattern`` under ``parent``; returns how many folders and files went."""
    parent = Path(parent)
    if not parent.is_dir():
        return 0
    n, now = 0, time.time()
    entries = sorted(parent.glob(pattern))
    for entry in entries:
        if entry.name.endswith(INUSE_SUFFIX):
            continue
        if entry.is_dir() and not entry.is_symlink():
            marker = _marker(entry)
            if marker.exists():
                fd = _lock_if_free(marker)
                if fd is None:
                    continue  # a live job
            else:
                fd = None
                try:
                    if now - entry.stat().st_mtime <= STALE_S:
                        continue  # maybe a job between creating its marker and its folder
                except OSError:
                    continue
            shutil.rmtree(entry, ignore_errors=True)
            _drop(fd, marker)
        else:
            entry.unlink(missing_ok=True)
        n += 1
    for marker in entries:
        if marker.name.endswith(INUSE_SUFFIX) and marker.exists() \
                and not marker.with_name(marker.name[:-len(INUSE_SUFFIX)]).exists():
            fd = _lock_if_free(marker)
            if fd is not None:
                _drop(fd, marker)
    return n


PARTIAL = ".partial-"
OLD = ".old-"


def partial_dir(out: Path) -> JobDir:
    """Where a new version of folder ``out`` is written: ``<out>.partial-<random>`` beside it (same file system)."""
    out = Path(out)
    return JobDir.new(out.parent, out.name + PARTIAL)


def publish(job: JobDir, out: Path) -> None:
    """Put a finished job folder in place of ``out`` as a whole. The old folder moves aside first and is removed
    only after the new one is in place; a crash between the two renames is undone by :func:`recover` (old kept)."""
    out = Path(out)
    old = None
    if out.exists():
        old = out.parent / f"{out.name}{OLD}{secrets.token_hex(6)}"
        os.replace(out, old)
    os.replace(job.path, out)
    job.release()
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def recover(out: Path) -> int:
    """Undo what a crash left beside ``out``: an old version moved aside with no new one in place goes back; other
    old versions and abandoned partial ones go. Returns how many items were removed or restored."""
    out = Path(out)
    n = 0
    if out.parent.is_dir():
        for old in sorted(out.parent.glob(f"{_glob_escape(out.name)}{OLD}*")):
            if not out.exists():
                os.replace(old, out)
            else:
                shutil.rmtree(old, ignore_errors=True)
            n += 1
    return n + sweep(out.parent, f"{_glob_escape(out.name)}{PARTIAL}*")


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)


def recover_all(folder: Path) -> int:
    """:func:`recover` for every output under ``folder`` (a workspace's ``exports/``)."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    names = {p.name.split(OLD)[0] for p in folder.glob(f"*{OLD}*")} | \
            {p.name.split(PARTIAL)[0] for p in folder.glob(f"*{PARTIAL}*")}
    return sum(recover(folder / name) for name in sorted(names))
