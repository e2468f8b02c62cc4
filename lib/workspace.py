"""A workspace: one folder with a SQLite database and an untouched copy of every raw import.

Layout::

    <workspace>/metwin.sqlite     messages, chats, conversations, settings (WAL, foreign keys)
    <workspace>/raw/<sha256[:16]>_<name>   the file exactly as imported
    <workspace>/tmp/             one job folder per running import or preview (unzipped chats, partial raw copies)
    <workspace>/.writer.lock     held by the one import, scan or export running (:mod:`lib.locking`)

An import is one transaction: the file is parsed completely first, then every row, chat and conversation is written
between BEGIN and COMMIT, and the raw copy is removed again if anything fails (unless a committed import owns it), so
a failed import leaves the workspace exactly as it was. The same file (same SHA-256) is never imported twice. Imports
hold the workspace's writer lock, and opening a workspace sweeps what a crash left: job folders, raw copies no
import owns, partial exports.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time as _time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from lib import db, locking
from lib.settings import SAMPLE_LOADED, SEGMENT
from lib.importers import BadInputError, ParsedExport, parse_file
from lib.importers.containers import expand
from lib.me import participants, propose_me, resolve_me
from lib.segment import SegmentConfig, segment

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "metwin.sqlite"
MAX_FILE_BYTES = 2 * 1024**3  # one file; above this we ask the user to split the export

FAMILIES = {"memotrace": "wechat", "pywxdump": "wechat", "qq": "qq", "telegram": "telegram", "whatsapp": "whatsapp"}

Progress = Callable[[float, str], None]
_log = logging.getLogger(__name__)


def data_dir() -> Path:
    """Where workspaces live: ``$METWIN_DATA`` or the repository's ``data/`` folder."""
    return Path(os.environ.get("METWIN_DATA") or ROOT / "data")


def default_workspace_path(name: str = "sample") -> Path:
    return data_dir() / "workspaces" / name


WORKSPACE_NAME = re.compile(r"[\w][\w \-]{0,63}")


def workspaces_root() -> Path:
    return data_dir() / "workspaces"


def workspace_names() -> list[str]:
    """Names of the workspaces under :func:`workspaces_root` (folders holding a database)."""
    root = workspaces_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / DB_NAME).exists())


LAST_WORKSPACE = "last_workspace.txt"  # in the data folder: the workspace the app opens next time


def last_workspace() -> str | None:
    """The workspace used last (in any tab or session), if it still exists: a reload or a new tab comes back to it."""
    try:
        name = (data_dir() / LAST_WORKSPACE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return name if valid_workspace_name(name) and name in workspace_names() else None


def remember_workspace(name: str) -> None:
    """Remember ``name`` as the last workspace used (written whole: a crash leaves the old name or the new one)."""
    if not valid_workspace_name(name):
        return
    path = data_dir() / LAST_WORKSPACE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(name, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only data folder: the app still works, it just opens the default next time


def valid_workspace_name(name: str) -> bool:
    """Letters (any script), digits, spaces, ``_`` and ``-``; no path separators, so a name stays one folder."""
    return bool(WORKSPACE_NAME.fullmatch(name)) and name.strip() == name


def family_of(fmt: str) -> str:
    return FAMILIES.get(fmt.split("_")[0], fmt.split("_")[0])


@dataclass
class FileResult:
    """What happened to one raw file of an import."""

    file: str
    status: str  # imported | skipped | failed
    message: str
    format: str = ""
    n_messages: int = 0
    n_duplicates: int = 0
    me: str = ""
    notes: list[str] = field(default_factory=list)
    code: str = ""  # msg.<code> in lib.i18n.messages: the message in the UI's language (``message`` is English)
    params: dict = field(default_factory=dict)


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(f.n_messages for f in self.files if f.status == "imported")

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


class Workspace:
    """Handle on one workspace folder. Cheap to open; safe to keep for a whole Streamlit session."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "raw").mkdir(exist_ok=True)
        self.conn = db.connect(self.path / DB_NAME)
        self._cache: dict[str, tuple[tuple[int, int], object]] = {}
        self._writes = 0
        self._real = self.path.resolve()
        self._shm = self._real / (DB_NAME + "-shm")
        self.cleanup()

    @property
    def name(self) -> str:
        return self.path.name

    def close(self) -> None:
        self.conn.close()

    # ----- one writer, job folders, start-up cleanup --------------------------------------------------------------
    def writer(self, job: str, wait: float | None = None):
        """``with ws.writer("an import"):`` the workspace's writer lock (see :mod:`lib.locking`: imports, scans and
        exports; not the owner's single-row decisions). Raises :class:`lib.errors.WorkspaceBusy` after ``wait``."""
        return locking.writer(self.path, job, wait)

    def scratch(self, job: str) -> locking.JobDir:
        """``with ws.scratch("import") as folder:`` a private folder under ``<workspace>/tmp/`` for one job's
        temporary files (unzipped chats stay in the workspace, never the system temp), removed when the job ends."""
        return locking.JobDir.new(self.path / "tmp", f"{job}-")

    def cleanup(self) -> dict[str, int]:
        """Sweep what a crash left: abandoned job folders in ``tmp/``, raw copies no import row owns, partial
        exports. Only when no import, scan or export runs (else that job's files are not left-overs): cheap, and
        logged as counts only (file names carry people's names)."""
        counts = {"temporary": 0, "raw": 0, "exports": 0}
        with locking.try_writer(self.path, "start-up cleanup") as free:
            if not free:
                return counts
            counts["temporary"] = locking.sweep(self.path / "tmp")
            owned = {Path(r[0]).name for r in self.conn.execute("SELECT raw_path FROM imports")}
            for f in (self.path / "raw").iterdir():
                if f.name not in owned:
                    if f.is_dir() and not f.is_symlink():
                        shutil.rmtree(f, ignore_errors=True)
                    else:
                        f.unlink(missing_ok=True)
                    counts["raw"] += 1
            counts["exports"] = locking.recover_all(self.path / "exports")
        if any(counts.values()):
            _log.info("workspace cleanup: %d temporary, %d orphan raw, %d partial export item(s) removed",
                      counts["temporary"], counts["raw"], counts["exports"])
        return counts

    # ----- settings ---------------------------------------------------------------------------------------------
    def get_setting(self, key: str, default=None):
        row = self.conn.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value) -> None:
        self.conn.execute("INSERT INTO settings(key, value) VALUES(?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                          (key, json.dumps(value, ensure_ascii=False)))

    @property
    def segment_config(self) -> SegmentConfig:
        return SegmentConfig.from_dict(SEGMENT.get(self))

    def set_segment_config(self, cfg: SegmentConfig) -> None:
        """Store new segmentation settings and re-segment every chat in one transaction."""
        self._writes += 1
        with db.transaction(self.conn):
            SEGMENT.set(self, cfg.to_dict())
            chat_ids = [r[0] for r in self.conn.execute("SELECT id FROM chats")]
            self._resegment(chat_ids, new_rows=None, cfg=cfg)

    def resegment_chats(self, chat_ids: list[int]) -> None:
        """Re-segment some chats (after the owner splits or merges a conversation) in one transaction."""
        self._writes += 1
        with db.transaction(self.conn):
            self._resegment([int(c) for c in chat_ids], new_rows=None)

    def touch(self) -> None:
        """Invalidate cached aggregates after a write made through another module's statements."""
        self._writes += 1

    # ----- who is "me" ------------------------------------------------------------------------------------------
    def chat_participants(self, chat_id: int) -> list[str]:
        """A chat's senders, most active first (the choices for "who is me")."""
        df = pd.read_sql_query("SELECT sender, kind FROM messages WHERE chat_id = ?", self.conn, params=[int(chat_id)])
        return participants(df)

    def set_me(self, chat_id: int, who: str) -> int:
        """Make ``who`` the owner of one chat after its import: every message's side is re-derived from the sender
        (and the sender ids behind that name, :func:`lib.me.rows_of`), the chat re-segmented, all in one
        transaction. The previous sides go to the undo log (area ``me``, :meth:`undo_me`). Returns how many
        messages changed side.

        Why per chat: exports that do not mark the owner are guessed per file, and a wrong guess makes the twin
        learn the friend's voice; the owner must be able to fix it without deleting and re-importing."""
        from lib import decisions
        from lib.me import rows_of

        chat_id = int(chat_id)
        # One transaction for the read, the change and its undo record (db.transaction nests as a savepoint): a crash
        # can leave neither a change that cannot be undone nor an undo record of a change never made.
        with db.transaction(self.conn):
            df = pd.read_sql_query("SELECT id, sender, sender_id, kind, is_me FROM messages WHERE chat_id = ?",
                                   self.conn, params=[chat_id])
            names = participants(df)
            if who not in names:
                shown = ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")
                raise BadInputError(f"'{who}' is not a participant of this chat. Participants: {shown}.",
                                    code="not_participant", who=who, names=shown)
            new = (rows_of(df, who) & (df["kind"] != "system")).to_numpy()
            old = df["is_me"].astype(bool).to_numpy()
            flips = [int(i) for i in df.loc[new != old, "id"]]
            before = self.conn.execute("SELECT me_name FROM chats WHERE id = ?", (chat_id,)).fetchone()[0]
            if not flips and before == who:
                return 0
            self._apply_me(chat_id, who, flips)
            decisions.record(self.conn, "me", "set_me", {"chat_id": chat_id, "me_name": before, "flips": flips})
        return len(flips)

    def _apply_me(self, chat_id: int, who: str, flips: list[int]) -> None:
        """Toggle the side of ``flips`` and name ``who`` the chat's owner, re-segmenting, in one transaction (the
        same toggle undoes it)."""
        self._writes += 1
        with db.transaction(self.conn):
            self.conn.executemany("UPDATE messages SET is_me = 1 - is_me WHERE id = ? AND chat_id = ?",
                                  [(int(i), chat_id) for i in flips])
            self.conn.execute("UPDATE chats SET me_name = ? WHERE id = ?", (who, chat_id))
            self._resegment([chat_id], new_rows=None)

    def undo_me(self) -> int | None:
        """Undo the last change of "me" (:meth:`set_me`). Returns the chat it restored, or None when nothing was
        left to undo."""
        from lib import decisions

        with db.transaction(self.conn):  # the undo record goes only together with the change it reverses
            done = decisions.undo(self.conn, "me")
            payload = next((p for t, p in done if t == decisions.ACTION + "set_me"), None)
            if payload is None:
                return None
            self._apply_me(int(payload["chat_id"]), str(payload["me_name"]), [int(i) for i in payload["flips"]])
        return int(payload["chat_id"])

    def me_undoable(self) -> int:
        from lib import decisions

        return decisions.undoable(self.conn, "me")

    # ----- import -----------------------------------------------------------------------------------------------
    def import_paths(self, paths: list[Path], me: str | None = None, fmt: str | None = None,
                     progress: Progress | None = None, max_bytes: int = MAX_FILE_BYTES,
                     display_names: dict[Path, str] | None = None) -> ImportReport:
        """Import files, folders and zips. Each raw file is its own transaction; one bad file fails alone.

        ``display_names`` maps a path to the name the user knows it by (uploads are saved under temporary names).
        Holds the writer lock throughout (:class:`lib.errors.WorkspaceBusy` when another job keeps it); unzipped
        files and partial raw copies live in a job folder under ``tmp/``, removed at the end whatever happens.
        """
        report = ImportReport()
        progress = progress or (lambda f, m: None)
        names = display_names or {}
        with self.writer("an import"), self.scratch("import") as tmp:
            entries: list = []
            for k, p in enumerate(paths):
                try:
                    unzip_to = tmp / f"in{k}"  # one folder per path: two zips may hold members of the same name
                    unzip_to.mkdir()
                    entries.extend(expand(Path(p), unzip_to))
                except BadInputError as exc:
                    shown = names.get(Path(p), Path(p).name)
                    report.files.append(FileResult(shown, "failed", str(exc), code=exc.code or "",
                                                   params={**exc.params, "file": shown} if exc.code else {}))
            n = max(1, len(entries))
            for i, (origin, parts) in enumerate(entries):
                shown = names.get(origin, origin.name)

                def step(frac: float, what: str, i: int = i, shown: str = shown) -> None:
                    progress((i + frac) / n, f"{shown}: {what}")

                step(0.0, "reading")
                try:
                    report.files.append(self._import_one(origin, parts, shown, me, fmt, max_bytes, step,
                                                         tmp / f"raw{i}.partial"))
                except BadInputError as exc:
                    msg = str(exc)
                    msg = msg.replace(origin.name, shown) if shown != origin.name else msg
                    named = str(exc.params.get("file", shown)).replace(origin.name, shown) if exc.code else ""
                    report.files.append(FileResult(shown, "failed", msg, code=exc.code or "",
                                                   params={**exc.params, "file": named} if exc.code else {}))
            progress(1.0, "done")
        return report

    def _import_one(self, origin: Path, parts: list, shown: str, me: str | None, fmt: str | None, max_bytes: int,
                    progress: Progress, partial: Path) -> FileResult:
        size = origin.stat().st_size
        if size > max_bytes:
            raise BadInputError(
                f"{shown}: {size / 1024**3:.1f} GB is more than the {max_bytes / 1024**3:.1f} GB one import takes. "
                "Export per contact or per year and import the parts, or raise the limit (--max-size-mb).",
                code="too_big", file=shown, size=f"{size / 1024**3:.1f}", limit=f"{max_bytes / 1024**3:.1f}")
        digest = sha256_of(origin)
        row = self._imported(digest)
        if row:
            return FileResult(shown, "skipped", f"{shown}: already imported on {row[1][:10]} (as {row[0]}); skipped.",
                              code="already_imported", params={"file": shown, "date": row[1][:10], "name": row[0]})
        parsed_parts: list[ParsedExport] = []
        notes: list[str] = []
        errors: list[str] = []
        failures: list[BadInputError] = []
        for part in parts:
            try:
                parsed_parts.append(parse_file(part.path, fmt))
            except BadInputError as exc:
                errors.append(str(exc).replace(part.path.name, part.display))
                failures.append(exc)
        if not parsed_parts:
            if len(errors) == 1 and failures[0].code:  # keep the code: the page shows it in its language
                raise BadInputError(errors[0], code=failures[0].code,
                                    **{**failures[0].params, "file": parts[0].display})
            raise BadInputError(errors[0] if len(errors) == 1 else "; ".join(errors))
        notes.extend(f"skipped {e}" for e in errors)
        frames = []
        people = sorted({(str(n).strip(), src) for parsed in parsed_parts for n, src in parsed.people
                         if str(n).strip()})
        me_used = ""
        hint_base = self.conn.execute("SELECT COALESCE(MAX(conv_hint), -1) + 1 FROM messages").fetchone()[0]
        for parsed in parsed_parts:
            df, who, me_notes = resolve_me(parsed, me)
            # Pre-cut conversations (training JSON) number from 0 in every file: keep them distinct across files.
            hinted = df["conv_hint"] >= 0
            if hinted.any():
                df.loc[hinted, "conv_hint"] += hint_base
                hint_base = int(df["conv_hint"].max()) + 1
            me_used = me_used or who
            notes.extend(parsed.notes + me_notes)
            df["family"] = family_of(parsed.format)
            frames.append(df)
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if df.empty:
            raise BadInputError(f"{shown}: the export holds no messages. Check that you exported the right chat.",
                                code="no_messages", file=shown)
        fmt_used = parsed_parts[0].format
        progress(0.5, "saving")
        raw_path = self.path / "raw" / f"{digest[:16]}_{origin.name}"
        if not raw_path.exists():  # same name: same first 64 bits of the hash, a complete copy of this very file
            shutil.copy2(origin, partial)  # complete before it gets its name: raw/ never holds half a file
            os.replace(partial, raw_path)
        try:
            self._writes += 1
            with db.transaction(self.conn):
                n_new, n_dup = self._write(df, shown, digest, size, fmt_used, raw_path, me_used, notes, people)
        except BaseException:
            self._drop_raw_unless_owned(raw_path)
            raise
        msg = f"{shown}: imported {n_new:,} messages ({fmt_used})"
        if n_dup:
            msg += f"; {n_dup:,} already in the workspace were skipped"
        return FileResult(shown, "imported", msg, fmt_used, n_new, n_dup, me_used, notes,
                          code="imported_dups" if n_dup else "imported",
                          params={"file": shown, "n": n_new, "dups": n_dup, "format": fmt_used})

    def _imported(self, digest: str) -> tuple[str, str] | None:
        """``(file name, imported at)`` of the committed import of this SHA-256, if any."""
        return self.conn.execute("SELECT file_name, imported_at FROM imports WHERE sha256=?", (digest,)).fetchone()

    def _drop_raw_unless_owned(self, raw_path: Path) -> None:
        """Undo a failed import's raw copy, but never one that a committed import references (the same file imported
        by someone else meanwhile): the check reads committed rows after the rollback, under the writer lock."""
        rel = str(raw_path.relative_to(self.path))
        if self.conn.execute("SELECT 1 FROM imports WHERE raw_path=?", (rel,)).fetchone() is None:
            raw_path.unlink(missing_ok=True)

    def _write(self, df: pd.DataFrame, shown: str, digest: str, size: int, fmt: str, raw_path: Path, me: str,
               notes: list[str], people: list[tuple[str, str]] = ()) -> tuple[int, int]:
        """Insert one parsed file inside the caller's transaction. Returns (new messages, duplicates skipped)."""
        c = self.conn
        cur = c.execute(
            "INSERT INTO imports(file_name, sha256, size, format, raw_path, imported_at, n_messages, me, notes) "
            "VALUES(?,?,?,?,?,?,?,?,?)",
            (shown, digest, size, fmt, str(raw_path.relative_to(self.path)), _time.strftime("%Y-%m-%dT%H:%M:%S"),
             0, me, json.dumps(notes, ensure_ascii=False)))
        import_id = cur.lastrowid
        c.executemany("INSERT OR IGNORE INTO known_names(name, source, import_id) VALUES(?,?,?)",
                      [(n, src, import_id) for n, src in people])
        chats = df.groupby(["family", "chat_key"], sort=False).agg(
            name=("chat", "first"), is_group=("is_group", "max")).reset_index()
        mine = df.loc[df["is_me"].fillna(False).astype(bool)]
        me_names = mine.groupby(["family", "chat_key"], sort=False)["sender"].first().to_dict()
        chat_ids: dict[str, int] = {}
        for fam, key, name, is_group in chats.itertuples(index=False, name=None):
            c.execute("INSERT INTO chats(family, chat_key, name, is_group, me_name) VALUES(?,?,?,?,?) "
                      "ON CONFLICT(family, chat_key) DO UPDATE SET is_group = max(is_group, excluded.is_group)",
                      (fam, key, name, int(bool(is_group)), str(me_names.get((fam, key), ""))))
            chat_ids[f"{fam}\x00{key}"] = c.execute("SELECT id FROM chats WHERE family=? AND chat_key=?",
                                                    (fam, key)).fetchone()[0]
        group_no = df.groupby(["family", "chat_key"], sort=False, observed=True).ngroup().to_numpy()
        ids_by_group = np.array([chat_ids[f"{fam}\x00{key}"] for fam, key in
                                 chats[["family", "chat_key"]].itertuples(index=False, name=None)], dtype=np.int64)
        df["chat_id"] = ids_by_group[group_no]
        affected = sorted(set(chat_ids.values()))
        existing = self._load_messages(affected)
        n_dup = 0
        if len(existing):
            key_cols = ["chat_id", "time", "sender", "kind", "text"]
            seen = pd.MultiIndex.from_frame(existing[key_cols].astype({"chat_id": "int64"}))
            dup = pd.MultiIndex.from_frame(df[key_cols].astype({"chat_id": "int64"})).isin(seen)
            n_dup = int(dup.sum())
            df = df.loc[~dup]
        start = (c.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()[0]) + 1
        # Ids follow chat and time order: both indexes then grow at their end, which makes a million-row insert
        # several times faster than inserting in file order, and conversation ids (first message ids) ascend.
        df = _in_chat_time_order(df)
        df = df.assign(id=range(start, start + len(df)), import_id=import_id)
        df["is_me"] = df["is_me"].fillna(False).astype(bool)
        self._resegment(affected, new_rows=df, existing=existing)
        c.execute("UPDATE imports SET n_messages=? WHERE id=?", (len(df), import_id))
        return len(df), n_dup

    # ----- segmentation -----------------------------------------------------------------------------------------
    def _load_messages(self, chat_ids: list[int]) -> pd.DataFrame:
        cols = "id, chat_id, time, sender, is_me, kind, text, conv_hint, conv_id, turn, drop_reason"
        if not chat_ids:
            return pd.DataFrame(columns=[c.strip() for c in cols.split(",")])
        marks = ",".join("?" * len(chat_ids))
        df = pd.read_sql_query(f"SELECT {cols} FROM messages WHERE chat_id IN ({marks})", self.conn,
                               params=chat_ids)
        df["is_me"] = df["is_me"].astype(bool)
        df["time"] = df["time"].fillna("").astype(str)
        return df

    def _resegment(self, chat_ids: list[int], new_rows: pd.DataFrame | None, cfg: SegmentConfig | None = None,
                   existing: pd.DataFrame | None = None) -> None:
        """Recompute conversations of ``chat_ids``, insert ``new_rows`` with their segmentation, update old rows."""
        c = self.conn
        cfg = cfg or self.segment_config
        if existing is None:
            existing = self._load_messages(chat_ids)
        cols = ["id", "chat_id", "time", "sender", "is_me", "kind", "text", "conv_hint"]
        frames = [f[cols] for f in (existing, new_rows) if f is not None and len(f)]
        if not frames:
            return
        allm = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
        groups = {r[0] for r in c.execute(
            f"SELECT id FROM chats WHERE is_group=1 AND id IN ({','.join('?' * len(chat_ids))})", chat_ids)}
        bounds = dict(c.execute("SELECT message_id, action FROM conv_bounds"))
        seg = segment(allm, cfg, groups, bounds)
        n_old = len(existing) if existing is not None else 0
        if new_rows is not None and len(new_rows):
            nr = new_rows
            off = slice(n_old, n_old + len(nr))
            conv_new = _nullable_ints(seg.conv_id.iloc[off])
            turn_new = _nullable_ints(seg.turn.iloc[off])
            _insert_messages(c, {
                "id": nr["id"], "chat_id": nr["chat_id"], "import_id": nr["import_id"], "time": nr["time"],
                "sender": nr["sender"], "sender_id": nr["sender_id"], "is_me": nr["is_me"].astype(int),
                "kind": nr["kind"], "text": nr["text"], "quote": nr["quote"], "conv_hint": nr["conv_hint"],
                "conv_id": conv_new, "turn": turn_new, "drop_reason": seg.drop_reason.iloc[off]})
        if n_old:
            old = existing.reset_index(drop=True)
            new_conv = seg.conv_id.iloc[:n_old].reset_index(drop=True)
            new_turn = seg.turn.iloc[:n_old].reset_index(drop=True)
            new_reason = seg.drop_reason.iloc[:n_old].reset_index(drop=True)
            changed = ~(_eq(old["conv_id"], new_conv) & _eq(old["turn"], new_turn)
                        & (old["drop_reason"].fillna("").astype(str) == new_reason))
            if changed.any():
                ids = old.loc[changed, "id"].tolist()
                c.executemany("UPDATE messages SET conv_id=?, turn=?, drop_reason=? WHERE id=?", zip(
                    _nullable_ints(new_conv[changed]), _nullable_ints(new_turn[changed]),
                    new_reason[changed].tolist(), ids))
        marks = ",".join("?" * len(chat_ids))
        c.execute(f"DELETE FROM conversations WHERE chat_id IN ({marks})", chat_ids)
        cv = seg.conversations
        c.executemany("INSERT INTO conversations(id, chat_id, start_time, end_time, n_messages, n_turns, n_my_turns, "
                      "n_their_turns, excluded_reason) VALUES(?,?,?,?,?,?,?,?,?)",
                      cv.itertuples(index=False, name=None))

    # ----- reading ----------------------------------------------------------------------------------------------
    def cached(self, key: str, compute):
        """Aggregates over every message cost a full scan; pages ask for them on every rerun. Reuse the last result
        until this handle writes (:meth:`touch`) or another connection commits (SQLite's data_version tells).
        ``key`` names the aggregate (prefix it with your module's name); ``compute()`` builds it.

        Plain data (frames, lists, dicts, tuples, sets, numbers, text) is also shared with every other handle on the
        same workspace in this process, valid while the database's WAL snapshot is the one it was built on: a new
        browser tab opens a new handle, and at 100,000 messages rebuilding the export records alone takes seconds."""
        stamp = (self._writes, self.conn.execute("PRAGMA data_version").fetchone()[0])
        hit = self._cache.get(key)
        if hit is not None and hit[0] == stamp:
            value = hit[1]
        else:
            value = self._shared_or_compute(key, compute)
            self._cache[key] = (stamp, value)
        return value.copy() if isinstance(value, pd.DataFrame) else value

    def _snapshot(self) -> bytes | None:
        """The WAL index header (``-shm``: change counter, last frame, salts): it changes on every commit by any
        connection of any process. None inside an open transaction (its writes may still roll back) or when there
        is no WAL index to read, and then nothing is shared."""
        if self.conn.in_transaction:
            return None
        try:
            with open(self._shm, "rb") as fh:
                head = fh.read(_WAL_HEADER)
        except OSError:
            return None
        return head if len(head) == _WAL_HEADER else None

    def _shared_or_compute(self, key: str, compute):
        slot = (str(self._real), key)
        before = self._snapshot()
        hit = _SHARED_AGG.get(slot) if before is not None else None
        if hit is not None and hit[0] == before:
            return hit[1]
        value = compute()
        if before is not None and isinstance(value, _SHAREABLE) and self._snapshot() == before:
            with _SHARED_LOCK:  # entries of an older snapshot of this workspace are dead: drop them
                for k in [k for k, v in _SHARED_AGG.items() if k[0] == slot[0] and v[0] != before]:
                    del _SHARED_AGG[k]
                _SHARED_AGG[slot] = (before, value)
                while len(_SHARED_AGG) > _SHARED_MAX:
                    del _SHARED_AGG[next(iter(_SHARED_AGG))]
        return value

    def per_commit(self, key: str, compute):
        """Like :meth:`cached`, for figures that follow the owner's own decisions (a label, a keep): reused until any
        connection commits, this one included (the WAL index header says so), and shared by every tab on the
        workspace. Counting every candidate behind a progress bar is a full scan; a new tab or a rerun that
        decided nothing should not pay for it again. Inside an open transaction it always computes."""
        value = self._shared_or_compute("commit:" + key, compute)
        return value.copy() if isinstance(value, pd.DataFrame) else value

    _cached = cached  # the old private name, still used by a few modules being moved to ``cached``

    def is_empty(self) -> bool:
        return self.conn.execute("SELECT 1 FROM messages LIMIT 1").fetchone() is None

    def imports(self) -> pd.DataFrame:
        return pd.read_sql_query("SELECT id, file_name, format, size, sha256, imported_at, n_messages, me, notes "
                                 "FROM imports ORDER BY id", self.conn)

    def chats(self) -> pd.DataFrame:
        """One row per chat: messages, mine/theirs, date range, group flag, conversations and trainable ones."""
        return self.cached("chats", self._chats)

    def _chats(self) -> pd.DataFrame:
        return pd.read_sql_query(
            """
            SELECT c.id, c.name, c.family, c.is_group, c.me_name,
                   COALESCE(m.n, 0) AS messages, COALESCE(m.mine, 0) AS mine, COALESCE(m.n - m.mine, 0) AS theirs,
                   m.first AS first, m.last AS last,
                   COALESCE(v.n, 0) AS conversations, COALESCE(v.ok, 0) AS trainable
            FROM chats c
            LEFT JOIN (SELECT chat_id, COUNT(*) n, SUM(is_me) mine, MIN(NULLIF(time, '')) first,
                              MAX(NULLIF(time, '')) last FROM messages GROUP BY chat_id) m ON m.chat_id = c.id
            LEFT JOIN (SELECT chat_id, COUNT(*) n, SUM(effective_reason = '') ok FROM conv_effective
                       GROUP BY chat_id) v ON v.chat_id = c.id
            ORDER BY messages DESC, c.id
            """, self.conn)

    def conversations(self, chat_id: int | None = None, trainable: bool | None = None, offset: int = 0,
                      limit: int = 20) -> tuple[pd.DataFrame, int]:
        """A page of conversations (newest first) and the total count matching the filters.

        ``excluded_reason`` is the effective one: the owner's keep/drop decision applied (see ``conv_effective``).
        """
        where, params = [], []
        if chat_id is not None:
            where.append("chat_id = ?")
            params.append(int(chat_id))
        if trainable is True:
            where.append("effective_reason = ''")
        elif trainable is False:
            where.append("effective_reason != ''")
        w = ("WHERE " + " AND ".join(where)) if where else ""
        total = self.conn.execute(f"SELECT COUNT(*) FROM conv_effective {w}", params).fetchone()[0]
        page = pd.read_sql_query(
            "SELECT id, chat_id, start_time, end_time, n_messages, n_turns, n_my_turns, n_their_turns, "
            "effective_reason AS excluded_reason, excluded_reason AS auto_reason, decision, note "
            f"FROM conv_effective {w} ORDER BY start_time DESC, id DESC LIMIT ? OFFSET ?",
            self.conn, params=[*params, int(limit), int(offset)])
        return page, total

    def conversation_messages(self, conv_id: int) -> pd.DataFrame:
        """Kept messages of one conversation in order, with their turn numbers. ``text`` is the owner's edit when
        there is one (``edited``), so browsing, labelling and exports all see the same words."""
        return pd.read_sql_query(
            "SELECT m.id, m.time, m.sender, m.is_me, m.kind, COALESCE(e.text, m.text) AS text, m.quote, m.turn, "
            "e.message_id IS NOT NULL AS edited FROM messages m LEFT JOIN message_edits e ON e.message_id = m.id "
            "WHERE m.conv_id=? ORDER BY m.time, m.id",
            self.conn, params=[int(conv_id)]).astype({"is_me": bool, "edited": bool})

    def funnel(self) -> list[tuple[str, int]]:
        """The yield funnel from raw messages to the turns the twin learns from."""
        return list(self.cached("funnel", self._funnel))

    def _funnel(self) -> list[tuple[str, int]]:
        c = self.conn
        total = c.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
        usable = c.execute("SELECT COUNT(*) FROM messages WHERE drop_reason = ''").fetchone()[0]
        in_conv, n_conv, my_turns = c.execute(
            "SELECT COALESCE(SUM(n_messages), 0), COUNT(*), COALESCE(SUM(n_my_turns), 0) FROM conv_effective "
            "WHERE effective_reason = ''").fetchone()
        return [("imported messages", total), ("usable messages", usable),
                ("messages in trainable conversations", in_conv), ("trainable conversations", n_conv),
                ("my turns to learn from", my_turns)]

    def drop_reasons(self) -> pd.DataFrame:
        """Why messages and conversations were left out, with counts: the answer to "why did I get 0 samples"."""
        return self.cached("drop_reasons", self._drop_reasons)

    def _drop_reasons(self) -> pd.DataFrame:
        msg = pd.read_sql_query(
            "SELECT 'message' AS level, drop_reason AS reason, COUNT(*) AS items, COUNT(*) AS messages "
            "FROM messages WHERE drop_reason != '' GROUP BY drop_reason", self.conn)
        conv = pd.read_sql_query(
            "SELECT 'conversation' AS level, effective_reason AS reason, COUNT(*) AS items, "
            "SUM(n_messages) AS messages FROM conv_effective WHERE effective_reason != '' GROUP BY effective_reason",
            self.conn)
        out = pd.concat([msg, conv], ignore_index=True)
        return out.sort_values(["level", "messages"], ascending=[False, False]).reset_index(drop=True)

    def stats(self) -> dict:
        """Workspace figures for ``python -m lib stats`` and the home page."""
        c = self.conn
        by_kind = dict(self.cached("stats.by_kind", lambda: c.execute(  # a full scan: once per change, not per tab
            "SELECT kind, COUNT(*) FROM messages GROUP BY kind ORDER BY 2 DESC").fetchall()))
        chats = self.chats()
        return {
            "workspace": str(self.path),
            "imports": c.execute("SELECT COUNT(*) FROM imports").fetchone()[0],
            "chats": len(chats),
            "group_chats": int(chats["is_group"].sum()) if len(chats) else 0,
            "messages": sum(by_kind.values()),
            "mine": int(chats["mine"].sum()) if len(chats) else 0,
            "by_kind": by_kind,
            "funnel": dict(self.funnel()),
            "drop_reasons": {f"{r.level}: {r.reason}": int(r.messages)
                             for r in self.drop_reasons().itertuples()},
            "segmentation": self.segment_config.to_dict(),
        }

    def iter_messages(self, batch: int = 10000) -> Iterator[dict]:
        """Every message in chat and time order, streamed (for ``dump``), without loading the workspace at once."""
        cur = self.conn.execute(
            "SELECT c.name, m.sender, m.is_me, m.time, m.kind, m.text, m.quote, c.is_group, m.conv_id, m.drop_reason "
            "FROM messages m JOIN chats c ON c.id = m.chat_id ORDER BY m.chat_id, m.time, m.id")
        keys = ("chat", "sender", "is_me", "time", "kind", "text", "quote", "is_group", "conversation", "drop_reason")
        while rows := cur.fetchmany(batch):
            for r in rows:
                d = dict(zip(keys, r))
                d["is_me"] = bool(d["is_me"])
                d["is_group"] = bool(d["is_group"])
                yield d


_SHARED: dict[tuple[str, str], tuple[str, object]] = {}
# Workspace.cached's cross-handle layer: (workspace path, key) -> (WAL index header, value). Only plain data: an object
# holding a handle (a redactor, an output guard) must stay with the session that built it.
_SHARED_AGG: dict[tuple[str, str], tuple[bytes, object]] = {}
_SHARED_LOCK = threading.Lock()
_SHARED_MAX = 64
_SHAREABLE = (pd.DataFrame, list, tuple, dict, set, frozenset, int, float, str)
_WAL_HEADER = 48  # sqlite's WalIndexHdr: iVersion, iChange, mxFrame, nPage, checksums, salts


def shared_cache(ws: "Workspace", key: str, stamp: str, compute: Callable[[], object]):
    """A result shared by every session of this process that opens the same workspace, reused while ``stamp`` (a
    cheap summary of the data it depends on) is unchanged. For aggregates that take seconds on a million messages
    (drop suggestions, mined habits): a new browser tab should not pay for them again."""
    slot = (str(ws.path.resolve()), key)
    hit = _SHARED.get(slot)
    if hit is None or hit[0] != stamp:
        hit = (stamp, compute())
        _SHARED[slot] = hit
    value = hit[1]
    return value.copy() if isinstance(value, pd.DataFrame) else value


def shared_peek(ws: "Workspace", key: str, stamp: str) -> object | None:
    """What :func:`shared_cache` holds for ``key`` if it was computed for ``stamp``, else None; computes nothing. A page
    shows a figure of a result that takes a long build only once something else has built it."""
    hit = _SHARED.get((str(ws.path.resolve()), key))
    if hit is None or hit[0] != stamp:
        return None
    return hit[1].copy() if isinstance(hit[1], pd.DataFrame) else hit[1]


def content_stamp(ws: "Workspace") -> str:
    """Changes whenever messages, edits, manual boundaries or segmentation settings change (not on labels or
    curation decisions). Read once per commit (:meth:`Workspace.per_commit`): it scans every message, and the
    Curate page alone asked for it three times per rerun."""
    return ws.per_commit("content_stamp", lambda: _content_stamp(ws))


def _content_stamp(ws: "Workspace") -> str:
    """Index reads and small tables only. Messages are only ever appended (raw imports stay as they are, nothing
    deletes one), so their largest id says when new ones came; which side is "me" changes only through
    :meth:`Workspace.set_me`, which names the chat's owner, so the chats' owners stand for it. A count and a sum over
    every message did the same in 0.12 s at 1,000,000 messages, after every decision."""
    return ws.conn.execute(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM messages) || '|' || "
        "(SELECT COUNT(*) || ':' || COALESCE(MAX(edited_at), '') || ':' || COALESCE(SUM(LENGTH(text)), 0) "
        " FROM message_edits) || '|' || (SELECT COUNT(*) || ':' || COALESCE(SUM(message_id), 0) FROM conv_bounds) "
        "|| '|' || COALESCE((SELECT value FROM settings WHERE key = 'segment'), '') "
        "|| '|' || (SELECT COALESCE(group_concat(id || '=' || COALESCE(me_name, ''), char(31)), '') FROM chats)"
    ).fetchone()[0]


def _insert_messages(c: sqlite3.Connection, cols: dict[str, "pd.Series | list"]) -> None:
    """One executemany over the new rows. A column whose value is the same on every row (the import id, an empty
    quote column, no conversation hints) is written once as a constant instead of being bound a million times."""
    names, marks, values = [], [], []
    for name, col in cols.items():
        if isinstance(col, pd.Series) and len(col) and name not in ("id", "text"):
            first = col.iloc[0]
            if isinstance(first, (int, np.integer, str)) and not isinstance(first, bool) and (col == first).all():
                names.append(name)
                marks.append(str(int(first)) if isinstance(first, (int, np.integer)) else _sql_str(str(first)))
                continue
        names.append(name)
        marks.append("?")
        values.append(col.tolist() if isinstance(col, pd.Series) else col)
    c.executemany(f"INSERT INTO messages({', '.join(names)}) VALUES({', '.join(marks)})", zip(*values))


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in_chat_time_order(df: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered by chat, then time, then file order. Most exports already are: then nothing is copied."""
    ts = pd.to_datetime(df["time"], format="%Y-%m-%dT%H:%M:%S", errors="coerce").to_numpy(dtype="datetime64[ns]")
    order = np.lexsort((np.arange(len(df)), ts.view(np.int64), df["chat_id"].to_numpy()))
    if (order == np.arange(len(df))).all():
        return df.reset_index(drop=True)
    return df.take(order).reset_index(drop=True)


def _nullable_ints(s: pd.Series) -> list:
    """An Int64 column as Python ints and None, the only values sqlite3 binds (vectorised: no per-row isna)."""
    arr = s.to_numpy(dtype="float64", na_value=np.nan)
    nan = np.isnan(arr)
    out = np.where(nan, None, np.where(nan, 0, arr).astype(np.int64).astype(object))
    return out.tolist()


def _eq(a: pd.Series, b: pd.Series) -> pd.Series:
    """Null-aware equality of two id columns."""
    a = pd.to_numeric(a, errors="coerce").astype("Float64")
    b = pd.to_numeric(b, errors="coerce").astype("Float64")
    return ((a == b).fillna(False) | (a.isna() & b.isna())).astype(bool)


def open_workspace(path: Path | str | None = None) -> Workspace:
    """Open a workspace; with no path, the default one, seeded with the bundled sample on first use."""
    if path is not None:
        return Workspace(Path(path))
    ws = Workspace(default_workspace_path())
    if ws.is_empty() and not SAMPLE_LOADED.get(ws):
        load_sample(ws)
    return ws


def sample_files() -> list[Path]:
    folder = ROOT / "data" / "sample"
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".csv", ".txt", ".json")) \
        if folder.exists() else []


def load_sample(ws: Workspace) -> ImportReport:
    """Import the bundled invented sample so every page has something real to show on first run."""
    report = ws.import_paths(sample_files())
    SAMPLE_LOADED.set(ws, True)
    return report


def preview(path: Path, fmt: str | None = None, rows: int = 20, ws: Workspace | None = None) -> dict:
    """Detect and parse a file without importing: format, counts, participants, "me" proposal and the first rows.

    With ``ws``, a zip unpacks into that workspace's ``tmp/`` (the app); without, into the system temp (no workspace).
    Needs no writer lock: it writes nothing to the workspace."""
    out = []
    with (ws.scratch("preview") if ws is not None else tempfile.TemporaryDirectory(prefix="metwin-preview-")) as tmp:
        try:
            entries = expand(Path(path), Path(tmp))
        except BadInputError as exc:
            return {"parts": [{"file": Path(path).name, "error": str(exc), "code": exc.code or "",
                               "params": exc.params}]}
        for _origin, ps in entries:
            for part in ps:
                out.append(_preview_part(part, fmt, rows))
    return {"parts": out}


def _preview_part(part, fmt: str | None, rows: int) -> dict:
    from lib.importers import formats

    try:
        parsed = parse_file(part.path, fmt)
    except BadInputError as exc:
        return {"file": part.display, "error": str(exc).replace(part.path.name, part.display), "code": exc.code or "",
                "params": {**exc.params, "file": part.display} if exc.code else {}}
    df = parsed.messages
    return {
        "file": part.display,
        "format": parsed.format,
        "label": formats().get(parsed.format, parsed.format),
        "messages": len(df),
        "chats": int(df["chat_key"].nunique()),
        "has_me_flag": bool(df["is_me"].notna().all()),
        "participants": participants(df)[:50],
        "me_candidates": propose_me(df, parsed.me_candidates) if df["is_me"].isna().any() else [],
        "head": df.head(rows)[["chat", "sender", "time", "kind", "text", "is_me"]],
        "notes": parsed.notes,
    }
