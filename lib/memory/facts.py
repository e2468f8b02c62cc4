"""Typed facts about the owner's life, each citing the messages it comes from.

Kinds: ``profile`` (who the owner is: job, city, age group), ``person`` (someone in their life, by an alias such as
"Mum" or "my flatmate", never a real name), ``place``, ``preference``, ``opinion``, ``timeline`` (what happened when).

Why a separate SQLite file (``<workspace>/memory.sqlite``): the workspace's schema belongs to the import and
redaction code; facts are the owner's own notes and live beside it, created on first use and written at once
(autocommit), one short connection per call so Streamlit's script threads and the twin server's workers can share it.

Privacy: a fact goes into every prompt a model sees, so it must never hold a value the export would redact. Its text
(and alias) goes through the workspace's redactor (:meth:`lib.pii.redactor.Redactor.text`, the export's own rule for
strings outside the messages); when that would change it, the fact is refused with a clear message -- or stored
redacted, when the caller asks for that.
"""
from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lib.errors import BadInputError

KINDS: tuple[str, ...] = ("profile", "person", "place", "preference", "opinion", "timeline")
STATUSES: tuple[str, ...] = ("proposed", "accepted", "rejected")
ORIGINS: tuple[str, ...] = ("owner", "llm")
MAX_TEXT = 500
MAX_SUBJECT = 60
FILE = "memory.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',      -- a person's alias, a place's label; '' for the rest
    text TEXT NOT NULL,
    sources TEXT NOT NULL DEFAULT '[]',    -- JSON list of message ids
    status TEXT NOT NULL DEFAULT 'accepted',
    origin TEXT NOT NULL DEFAULT 'owner',
    batch INTEGER,                         -- the LLM batch that proposed it
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS facts_status ON facts(status);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    created REAL NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    items INTEGER NOT NULL DEFAULT 0,      -- exchanges sent
    proposed INTEGER NOT NULL DEFAULT 0    -- facts it proposed
);
"""


class FactRefused(BadInputError):
    """A fact holding personal data the export would redact. ``redacted`` is how it would read stored redacted."""

    def __init__(self, message: str, redacted: str = "") -> None:
        super().__init__(message)
        self.redacted = redacted


@dataclass
class Fact:
    id: int
    kind: str
    text: str
    subject: str = ""
    sources: list[int] = field(default_factory=list)
    status: str = "accepted"
    origin: str = "owner"
    batch: int | None = None
    created: float = 0.0
    updated: float = 0.0

    def line(self) -> str:
        """One line for a prompt or a list: ``[person: Mum] lives in the same city``."""
        head = f"{self.kind}: {self.subject}" if self.subject else self.kind
        return f"[{head}] {self.text}"


class FactStore:
    """The facts of one workspace. ``redact(text) -> text``: the PII rule (default: the workspace's surface
    redactor, which the export uses for strings outside the messages)."""

    def __init__(self, ws, redact=None) -> None:
        self.ws = ws
        self.path = Path(ws.path) / FILE
        self._redact = redact

    # ----------------------------------------------------------------------------------------------- plumbing
    @contextlib.contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)  # autocommit: written at once
        try:
            conn.executescript(_SCHEMA)
            yield conn
        finally:
            conn.close()

    def _redactor(self):
        if self._redact is None:
            from lib.pii.redactor import surface_redactor

            self._redact = surface_redactor(self.ws).text
        return self._redact

    def clean(self, text: str, what: str = "fact", redact: bool = False) -> str:
        """``text`` trimmed and checked: unchanged when the export would leave it as it is, redacted when ``redact``;
        otherwise FactRefused saying why (and how it would read redacted)."""
        text = " ".join(str(text or "").split()) if what == "alias" else str(text or "").strip()
        if not text:
            if what == "alias":
                return ""
            raise BadInputError("A fact needs some text: what is true about you?")
        limit = MAX_SUBJECT if what == "alias" else MAX_TEXT
        if len(text) > limit:
            raise BadInputError(f"Keep the {what} under {limit} characters (it goes into every prompt).")
        safe = self._redactor()(text)
        if safe != text and not redact:
            raise FactRefused(f"This {what} holds personal data that the export would redact (a name, number, address "
                              f"or similar). Rewrite it without that value, or store it redacted as: {safe}", safe)
        return safe

    def _sources(self, sources) -> list[int]:
        ids = sorted({int(s) for s in (sources or [])})
        if not ids:
            return []
        known = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            known |= {r[0] for r in self.ws.conn.execute(
                f"SELECT id FROM messages WHERE id IN ({','.join('?' * len(chunk))})", chunk)}
        missing = [i for i in ids if i not in known]
        if missing:
            raise BadInputError(f"{len(missing)} cited message(s) are not in this workspace (first: {missing[0]}).")
        return ids

    @staticmethod
    def _row(r) -> Fact:
        return Fact(int(r[0]), r[1], r[3], r[2], json.loads(r[4] or "[]"), r[5], r[6], r[7], float(r[8]), float(r[9]))

    _COLS = "id, kind, subject, text, sources, status, origin, batch, created, updated"

    # ----------------------------------------------------------------------------------------------- writing
    def add(self, kind: str, text: str, sources=(), subject: str = "", *, status: str = "accepted",
            origin: str = "owner", batch: int | None = None, redact: bool = False) -> Fact:
        """Store a fact (checked: see :meth:`clean`). Facts the owner writes are accepted; an LLM's are proposed."""
        if kind not in KINDS:
            raise BadInputError(f"Unknown kind {kind!r}: choose one of {', '.join(KINDS)}.")
        if status not in STATUSES or origin not in ORIGINS:
            raise BadInputError("unknown fact status or origin")
        text = self.clean(text, "fact", redact)
        subject = self.clean(subject, "alias", redact)
        ids = self._sources(sources)
        now = time.time()
        with self._conn() as c:
            cur = c.execute("INSERT INTO facts (kind, subject, text, sources, status, origin, batch, created, updated) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (kind, subject, text, json.dumps(ids), status, origin, batch, now, now))
            return self.get(int(cur.lastrowid))  # type: ignore[arg-type]

    def update(self, fact_id: int, *, text: str | None = None, kind: str | None = None, subject: str | None = None,
               sources=None, status: str | None = None, redact: bool = False) -> Fact:
        """Edit a fact; only what is given changes (and is checked again)."""
        old = self.get(fact_id)
        if old is None:
            raise BadInputError(f"There is no fact {fact_id}.")
        if kind is not None and kind not in KINDS:
            raise BadInputError(f"Unknown kind {kind!r}: choose one of {', '.join(KINDS)}.")
        if status is not None and status not in STATUSES:
            raise BadInputError(f"Unknown status {status!r}.")
        new = (kind or old.kind, self.clean(subject, "alias", redact) if subject is not None else old.subject,
               self.clean(text, "fact", redact) if text is not None else old.text,
               json.dumps(self._sources(sources) if sources is not None else old.sources), status or old.status)
        with self._conn() as c:
            c.execute("UPDATE facts SET kind = ?, subject = ?, text = ?, sources = ?, status = ?, updated = ? "
                      "WHERE id = ?", (*new, time.time(), fact_id))
        return self.get(fact_id)  # type: ignore[return-value]

    def accept(self, fact_id: int, **edits) -> Fact:
        """A proposal becomes a fact (optionally edited on the way)."""
        return self.update(fact_id, status="accepted", **edits)

    def reject(self, fact_id: int) -> Fact:
        return self.update(fact_id, status="rejected")

    def delete(self, fact_id: int) -> None:
        with self._conn() as c:
            c.execute("DELETE FROM facts WHERE id = ?", (fact_id,))

    def new_batch(self, model: str, items: int) -> int:
        with self._conn() as c:
            return int(c.execute("INSERT INTO batches (created, model, items) VALUES (?, ?, ?)",
                                 (time.time(), model, items)).lastrowid)  # type: ignore[arg-type]

    def close_batch(self, batch: int, proposed: int) -> None:
        with self._conn() as c:
            c.execute("UPDATE batches SET proposed = ? WHERE id = ?", (proposed, batch))

    # ----------------------------------------------------------------------------------------------- reading
    def exists(self) -> bool:
        return self.path.exists()

    def get(self, fact_id: int) -> Fact | None:
        if not self.exists():
            return None
        with self._conn() as c:
            r = c.execute(f"SELECT {self._COLS} FROM facts WHERE id = ?", (fact_id,)).fetchone()
        return self._row(r) if r else None

    def facts(self, status: str | None = "accepted", kind: str | None = None) -> list[Fact]:
        """Facts by status (None: all) and kind, in the order they were written."""
        if not self.exists():
            return []
        where, args = [], []
        if status is not None:
            where.append("status = ?")
            args.append(status)
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        sql = f"SELECT {self._COLS} FROM facts" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        with self._conn() as c:
            return [self._row(r) for r in c.execute(sql, args)]

    def counts(self) -> dict[str, int]:
        if not self.exists():
            return {}
        with self._conn() as c:
            return {s: n for s, n in c.execute("SELECT status, COUNT(*) FROM facts GROUP BY status")}

    def batches(self) -> list[tuple[int, float, str, int, int]]:
        if not self.exists():
            return []
        with self._conn() as c:
            return list(c.execute("SELECT id, created, model, items, proposed FROM batches ORDER BY id"))


__all__ = ["FILE", "KINDS", "STATUSES", "Fact", "FactRefused", "FactStore"]
