"""Run one Analyzer over many messages on every core: a heavy user's million messages are a scan, not a coffee break.

Detection is pure CPU work per message, so batches go to worker processes and come back in order; the caller keeps
reading input and writing results in its own process (SQLite and stdout stay single-writer). Small jobs stay in
process: starting workers costs more than it saves below :data:`MIN_PARALLEL` messages.

Workers get the analyzer by ``fork`` (free: the built recognizers are shared copy-on-write), and only from a
single-threaded process such as the command line; the app's server has threads, and there scans stay in process.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from lib.pii.analyzer import Analyzer
from lib.pii.base import Hit

MIN_PARALLEL = 40_000  # messages: below this one process is faster than starting workers
MAX_JOBS = 4
T = TypeVar("T")

_analyzer: Analyzer | None = None  # the worker's analyzer (inherited by fork)
_ro: dict[str, sqlite3.Connection] = {}  # the worker's own read-only connections, by database path


def jobs() -> int:
    """Worker processes to use: ``METWIN_JOBS`` when set (1 turns parallel scans off), else the cores, at most 4."""
    env = os.environ.get("METWIN_JOBS", "").strip()
    if env.isdigit() and int(env) >= 1:
        return int(env)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(MAX_JOBS, cores))


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a scan: its rows, tuples and hits make no reference cycles
    (reference counting frees them), yet every few thousand of them set off a collection that walks every live
    object, the recognizers' word lists included (about a tenth of a scan's time). Workers forked inside inherit the
    pause. The previous state comes back however the scan ends."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _analyze_batch(items: list[tuple[str, str | None]]) -> list[list[Hit]]:
    return _analyzer.analyze_batch(items)  # type: ignore[union-attr]


def _lines_batch(args: tuple[list[str], str | None, Callable[[Analyzer, list[str], str | None], Any]]) -> Any:
    lines, before, fn = args
    return fn(_analyzer, lines, before)  # type: ignore[arg-type]


def _range_batch(args: tuple[str, Any, Callable[[Analyzer, sqlite3.Connection, Any], Any]]) -> Any:
    path, job, fn = args
    conn = _ro.get(path)
    if conn is None:
        # a connection of its own: the parent's must never be used across fork; read-only, so the parent stays the
        # only writer (WAL: this reader sees committed rows and never blocks the parent's batch commits)
        conn = sqlite3.connect(f"{Path(path).as_uri()}?mode=ro", uri=True, check_same_thread=False, timeout=30)
        _ro[path] = conn
    return fn(_analyzer, conn, job)  # type: ignore[arg-type]


class AnalyzerPool:
    """``with AnalyzerPool(analyzer, n) as pool: for hits in pool.map(batches): ...`` — results in input order.

    ``n`` is the number of messages that will go through it (decides whether workers are worth starting).
    """

    def __init__(self, analyzer: Analyzer, n: int, processes: int | None = None, own_reads: bool = False) -> None:
        self.analyzer = analyzer
        self.processes = processes or jobs()
        self._pool = None
        # Only a single-threaded process forks (the command line); a threaded one (the app's server) stays in
        # process: forking it can deadlock, and spawned workers re-run the caller's main module.
        # A scan that only looks for known names and values (Analyzer._pure: one regex pass per batch) stays in
        # process too: shipping its texts to workers and back costs more than the scan (0.45 s vs 0.32 s for the
        # workspace benchmark's 175k messages).
        # Workers that read their own messages (``own_reads``: :meth:`map_ranges`) ship only hits back, so there the
        # pure scan is worth spreading too.
        if self.processes > 1 and n >= MIN_PARALLEL and (own_reads or not getattr(analyzer, "_pure", False)) \
                and threading.active_count() == 1 and "fork" in mp.get_all_start_methods():
            global _analyzer
            _analyzer = analyzer  # inherited by the forked workers
            self._pool = mp.get_context("fork").Pool(self.processes)

    @property
    def parallel(self) -> bool:
        return self._pool is not None

    def __enter__(self) -> "AnalyzerPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def map(self, batches: Iterable[list[tuple[str, str | None]]]) -> Iterator[list[list[Hit]]]:
        """Hits for each batch of ``(text, prev)``, in order; at most two batches per worker in flight, so memory
        stays bounded however long the input."""
        if self._pool is None:
            for items in batches:
                yield self.analyzer.analyze_batch(items)
            return
        yield from _ordered(self._pool, _analyze_batch, batches, 2 * self.processes)

    def map_lines(self, batches: Iterable[tuple[list[str], str | None]],
                  fn: Callable[[Analyzer, list[str], str | None], T]) -> Iterator[T]:
        """``fn(analyzer, lines, line_before)`` for each batch of raw lines, in order (``fn`` must be a module-level
        function: it travels to the workers by name)."""
        if self._pool is None:
            for lines, before in batches:
                yield fn(self.analyzer, lines, before)
            return
        yield from _ordered(self._pool, _lines_batch, ((lines, before, fn) for lines, before in batches),
                            2 * self.processes)

    def map_ranges(self, path: str, jobs: Iterable[Any], fn: Callable[[Analyzer, sqlite3.Connection, Any], T],
                   conn: sqlite3.Connection) -> Iterator[T]:
        """``fn(analyzer, connection, job)`` for each job (an id range), in order. In workers each opens its own
        read-only connection to the database at ``path`` and reads the messages itself, so the parent only sends
        ranges and receives hits (reading every text in the parent and pickling it over cost more than the detection
        it fed); in process ``conn`` is used. ``fn`` must be module-level (it travels by name)."""
        if self._pool is None:
            for job in jobs:
                yield fn(self.analyzer, conn, job)
            return
        yield from _ordered(self._pool, _range_batch, ((path, job, fn) for job in jobs), 2 * self.processes)


def _ordered(pool: Any, fn: Callable, items: Iterable, window: int) -> Iterator:
    pending: deque = deque()
    for item in items:
        pending.append(pool.apply_async(fn, (item,)))
        if len(pending) >= window:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()
