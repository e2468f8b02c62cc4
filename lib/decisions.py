"""The undo log shared by labelling, curation and redaction: every decision is logged before it is made.

Why a table and not session state: a decision must survive a closed tab or a crash, and so must the means to take it
back. Each user action is a *batch* (a bulk relabel of fifty messages is one batch), so undo restores exactly what the
last action changed. The log keeps the most recent :data:`KEEP` batches per area.

Most decisions are row changes (:func:`apply`). A few are bigger edits with their own inverse (a redaction span
widened, which rewrites hits and configuration): those are logged as an *action* (:func:`record`) whose payload the
owning module replays backwards when :func:`undo` hands it back.
"""
from __future__ import annotations

import json
import sqlite3
import time as _time
from typing import Iterable

from lib import db

KEEP = 200
UNDO_DEPTH = 10  # what the pages offer: "the last ten are undoable"
STAMPS = frozenset({"decided_at", "edited_at", "updated", "created"})  # not a change by themselves
KEYS: dict[str, tuple[str, ...]] = {  # table -> primary key columns
    "emotion_labels": ("message_id",),
    "emotion_suggestions": ("message_id", "source"),
    "curation": ("conv_id",),
    "message_edits": ("message_id",),
    "conv_bounds": ("message_id",),
    "trait_tags": ("scope", "target_id"),
    "pii_values": ("id",),
}
# Tables whose rows are not the decision's alone: only these columns are logged and restored, by UPDATE (a detected
# value's hit count and score belong to the scanner and may have changed since; the row itself is never deleted).
COLUMNS: dict[str, tuple[str, ...]] = {
    "pii_values": ("status", "replacement", "decided_at"),
}
ACTION = "action:"  # tbl prefix of a logged action (see record)


def now() -> str:
    return _time.strftime("%Y-%m-%dT%H:%M:%S")


def _where(table: str, key: dict) -> tuple[str, list]:
    cols = KEYS[table]
    return " AND ".join(f"{c} = ?" for c in cols), [key[c] for c in cols]


def row(conn: sqlite3.Connection, table: str, key: dict) -> dict | None:
    """The current row of ``table`` with primary key ``key``, or None."""
    where, params = _where(table, key)
    cols = "*" if table not in COLUMNS else ", ".join(KEYS[table] + COLUMNS[table])
    cur = conn.execute(f"SELECT {cols} FROM {table} WHERE {where}", params)
    r = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], r)) if r else None


def _put(conn: sqlite3.Connection, table: str, key: dict, new: dict | None) -> None:
    where, params = _where(table, key)
    if table in COLUMNS:
        if new is not None:
            cols = [c for c in COLUMNS[table] if c in new]
            conn.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in cols)} WHERE {where}",
                         [new[c] for c in cols] + params)
        return
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


def record(conn: sqlite3.Connection, area: str, action: str, payload: dict) -> None:
    """Log an edit already made as one undoable batch of ``area``; :func:`undo` hands ``payload`` back to the caller,
    which knows how to reverse it. Call it in the edit's own transaction where possible."""
    with db.transaction(conn):
        batch = conn.execute("SELECT COALESCE(MAX(batch), 0) + 1 FROM decision_log").fetchone()[0]
        conn.execute("INSERT INTO decision_log(area, batch, tbl, key, before, at) VALUES (?, ?, ?, '{}', ?, ?)",
                     (area, batch, ACTION + action, json.dumps(payload, ensure_ascii=False), now()))
        _trim(conn, area)


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
    (re-segmenting after a split, rescanning an edited message). A logged action comes back as
    ``("action:<name>", payload)``: the caller reverses it."""
    with db.transaction(conn):
        last = conn.execute("SELECT MAX(batch) FROM decision_log WHERE area = ?", (area,)).fetchone()[0]
        if last is None:
            return []
        rows = conn.execute("SELECT id, tbl, key, before FROM decision_log WHERE area = ? AND batch = ? "
                            "ORDER BY id DESC", (area, last)).fetchall()
        out = []
        for _id, table, key, before in rows:
            if table.startswith(ACTION):
                out.append((table, json.loads(before)))
                continue
            k = json.loads(key)
            _put(conn, table, k, None if before is None else json.loads(before))
            out.append((table, k))
        conn.execute("DELETE FROM decision_log WHERE area = ? AND batch = ?", (area, last))
    return out


# ----- review history and comments (read by lib.review; additive) ----------------------------------------------------
def history(conn: sqlite3.Connection, area: str, limit: int = 10) -> list[dict]:
    """The last ``limit`` batches of ``area`` still in effect, newest first: ``{batch, at, keys: [(table, key)]}``.

    Why from the log and not the session: the review pages' history panel must survive a reload, and what the log
    holds is exactly what undo can still take back."""
    batches = [b for (b,) in conn.execute(
        "SELECT DISTINCT batch FROM decision_log WHERE area = ? ORDER BY batch DESC LIMIT ?", (area, int(limit)))]
    if not batches:
        return []
    rows = conn.execute(f"SELECT batch, tbl, key, at FROM decision_log WHERE area = ? AND batch IN "
                        f"({','.join('?' * len(batches))}) ORDER BY id", (area, *batches)).fetchall()
    out: dict[int, dict] = {b: {"batch": b, "at": "", "keys": []} for b in batches}
    for batch, table, key, at in rows:
        out[batch]["at"] = at
        out[batch]["keys"].append((table, json.loads(key)))
    return [out[b] for b in batches]


def comment(conn: sqlite3.Connection, area: str, item_id: int) -> str:
    """The owner's note on one review item (a message, conversation or detected value) of ``area``; '' if none.
    The ``review_comments`` table comes with the schema (lib/db.py, v9)."""
    r = conn.execute("SELECT text FROM review_comments WHERE area = ? AND item_id = ?", (area, int(item_id))).fetchone()
    return r[0] if r else ""


def set_comment(conn: sqlite3.Connection, area: str, item_id: int, text: str) -> None:
    """Save (or, when blank, remove) the note on one item at once: it is a remark, not a decision, so not undoable."""
    text = (text or "").strip()[:2000]
    with db.transaction(conn):
        if text:
            conn.execute("INSERT OR REPLACE INTO review_comments(area, item_id, text, at) VALUES (?, ?, ?, ?)",
                         (area, int(item_id), text, now()))
        else:
            conn.execute("DELETE FROM review_comments WHERE area = ? AND item_id = ?", (area, int(item_id)))
