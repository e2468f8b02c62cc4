"""The undo log shared by labelling and curation: every decision is one row change, logged before it is made.

Why a table and not session state: a decision must survive a closed tab or a crash, and so must the means to take it
back. Each user action is a *batch* (a bulk relabel of fifty messages is one batch), so undo restores exactly what the
last action changed. The log keeps the most recent :data:`KEEP` batches per area.
"""
from __future__ import annotations

import json
import sqlite3
import time as _time
from typing import Iterable

from lib import db

KEEP = 200
UNDO_DEPTH = 10
STAMPS = frozenset({"decided_at", "edited_at", "updated", "created"})  # not a change by themselves  # what the pages offer: "the last ten are undoable"
KEYS: dict[str, tuple[str, ...]] = {  # table -> primary key columns
    "emotion_labels": ("message_id",),
    "emotion_suggestions": ("message_id", "source"),
    "curation": ("conv_id",),
    "message_edits": ("message_id",),
    "conv_bounds": ("message_id",),
    "trait_tags": ("scope", "target_id"),
}


def now() -> str:
    return _time.strftime("%Y-%m-%dT%H:%M:%S")


def _where(table: str, key: dict) -> tuple[str, list]:
    cols = KEYS[table]
    return " AND ".join(f"{c} = ?" for c in cols), [key[c] for c in cols]


def row(conn: sqlite3.Connection, table: str, key: dict) -> dict | None:
    """The current row of ``table`` with primary key ``key``, or None."""
    where, params = _where(table, key)
    cur = conn.execute(f"SELECT * FROM {table} WHERE {where}", params)
    r = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], r)) if r else None


def _put(conn: sqlite3.Connection, table: str, key: dict, new: dict | None) -> None:
    where, params = _where(table, key)
    if new is None:
        conn.execute(f"DELETE FROM {table} WHERE {where}", params)
        return
    full = {**new, **key}
    cols = list(full)
    conn.execute(f"INSERT OR REPLACE INTO {table}({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                 [full[c] for c in cols])


def apply(conn: sqlite3.Connection, area: str, changes: Iterable[tuple[str, dict, dict | None]]) -> int:
    """Make ``changes`` -- ``(table, key, new row or None to delete)`` -- as one undoable batch, in one transaction.

    Returns the number of rows changed. A change that leaves a row as it was is not logged.
    """
    changes = list(changes)
    if not changes:
        return 0
    n = 0
    with db.transaction(conn):
        batch = conn.execute("SELECT COALESCE(MAX(batch), 0) + 1 FROM decision_log").fetchone()[0]
        stamp = now()
        for table, key, new in changes:
            before = row(conn, table, key)
            if before is not None and new is not None and all(
                    before.get(k) == v for k, v in new.items() if k not in STAMPS):
                continue
            if before is None and new is None:
                continue
            conn.execute("INSERT INTO decision_log(area, batch, tbl, key, before, at) VALUES (?, ?, ?, ?, ?, ?)",
                         (area, batch, table, json.dumps(key, ensure_ascii=False),
                          None if before is None else json.dumps(before, ensure_ascii=False), stamp))
            _put(conn, table, key, new)
            n += 1
        _trim(conn, area)
    return n


def _trim(conn: sqlite3.Connection, area: str) -> None:
    cut = conn.execute("SELECT batch FROM (SELECT DISTINCT batch FROM decision_log WHERE area = ? "
                       "ORDER BY batch DESC LIMIT 1 OFFSET ?)", (area, KEEP)).fetchone()
    if cut:
        conn.execute("DELETE FROM decision_log WHERE area = ? AND batch <= ?", (area, cut[0]))


def undoable(conn: sqlite3.Connection, area: str) -> int:
    """How many of the last :data:`UNDO_DEPTH` actions of ``area`` can still be undone."""
    n = conn.execute("SELECT COUNT(DISTINCT batch) FROM decision_log WHERE area = ?", (area,)).fetchone()[0]
    return min(n, UNDO_DEPTH)


def undo(conn: sqlite3.Connection, area: str) -> list[tuple[str, dict]]:
    """Restore the rows the last batch of ``area`` changed; returns ``(table, key)`` of each, for side effects
    (re-segmenting after a split, rescanning an edited message)."""
    with db.transaction(conn):
        last = conn.execute("SELECT MAX(batch) FROM decision_log WHERE area = ?", (area,)).fetchone()[0]
        if last is None:
            return []
        rows = conn.execute("SELECT id, tbl, key, before FROM decision_log WHERE area = ? AND batch = ? "
                            "ORDER BY id DESC", (area, last)).fetchall()
        out = []
        for _id, table, key, before in rows:
            k = json.loads(key)
            _put(conn, table, k, None if before is None else json.loads(before))
            out.append((table, k))
        conn.execute("DELETE FROM decision_log WHERE area = ? AND batch = ?", (area, last))
    return out
