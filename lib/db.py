"""SQLite schema and migrations of a workspace.

The schema version lives in ``PRAGMA user_version``. Each entry of :data:`MIGRATIONS` moves the database one version
up; later features (redaction decisions, labels, persona) append entries instead of rewriting tables, so an old
workspace opens in a new MeTwin and keeps every decision.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

MIGRATIONS: list[str] = [
    # v1: the import foundation.
    """
    CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        format TEXT NOT NULL,
        raw_path TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        n_messages INTEGER NOT NULL,
        me TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE chats (
        id INTEGER PRIMARY KEY,
        family TEXT NOT NULL,
        chat_key TEXT NOT NULL,
        name TEXT NOT NULL,
        is_group INTEGER NOT NULL DEFAULT 0,
        me_name TEXT NOT NULL DEFAULT '',
        UNIQUE (family, chat_key)
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
        time TEXT NOT NULL,
        sender TEXT NOT NULL,
        sender_id TEXT NOT NULL,
        is_me INTEGER NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        quote TEXT NOT NULL DEFAULT '',
        conv_hint INTEGER NOT NULL DEFAULT -1,
        conv_id INTEGER,
        turn INTEGER,
        drop_reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX messages_chat ON messages(chat_id);
    CREATE INDEX messages_conv ON messages(conv_id);
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,          -- = id of the conversation's first message: stable across re-segmentation
        chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        start_time TEXT NOT NULL,
        end_time TEXT NOT NULL,
        n_messages INTEGER NOT NULL,
        n_turns INTEGER NOT NULL,
        n_my_turns INTEGER NOT NULL,
        n_their_turns INTEGER NOT NULL,
        excluded_reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX conversations_chat ON conversations(chat_id, start_time);
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # v2: redaction. A value (kind + normalised text) carries the owner's one decision for all its occurrences; hits
    # are rebuilt by rescans, values and decisions never are.
    """
    CREATE TABLE pii_values (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        norm TEXT NOT NULL,
        value TEXT NOT NULL,
        idx INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        replacement TEXT,
        source TEXT NOT NULL DEFAULT 'scan',
        n_hits INTEGER NOT NULL DEFAULT 0,
        max_score REAL NOT NULL DEFAULT 0,
        reason TEXT NOT NULL DEFAULT '',
        decided_at TEXT,
        UNIQUE (kind, norm)
    );
    CREATE INDEX pii_values_status ON pii_values(status, kind);
    CREATE TABLE pii_hits (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        value_id INTEGER NOT NULL REFERENCES pii_values(id),
        score REAL NOT NULL,
        reason TEXT NOT NULL
    );
    CREATE UNIQUE INDEX pii_hits_span ON pii_hits(message_id, start, end, value_id);
    CREATE INDEX pii_hits_value ON pii_hits(value_id);
    CREATE TABLE pii_terms (
        id INTEGER PRIMARY KEY,
        pattern TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'CUSTOM',
        is_regex INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL,
        UNIQUE (pattern, kind, is_regex)
    );
    CREATE TABLE pii_allow (term TEXT PRIMARY KEY, created TEXT NOT NULL);
    """,
    # v3: labelling and curation. Decisions are keyed by message id or conversation id (= its first message id), both
    # stable across re-segmentation, so no decision is lost when settings change. decision_log makes them undoable.
    """
    CREATE TABLE emotion_labels (
        message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        label TEXT,                            -- NULL unless status = 'labelled'
        status TEXT NOT NULL DEFAULT '',       -- '' (none yet) | labelled | skipped
        flagged INTEGER NOT NULL DEFAULT 0,
        source TEXT NOT NULL DEFAULT 'manual', -- manual | rules | llm | bulk
        decided_at TEXT NOT NULL
    );
    CREATE INDEX emotion_labels_label ON emotion_labels(label);
    CREATE TABLE emotion_suggestions (
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        source TEXT NOT NULL,                  -- rules | llm
        label TEXT NOT NULL,
        confidence REAL NOT NULL,
        reasons TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL,
        PRIMARY KEY (message_id, source)
    );
    CREATE TABLE curation (
        conv_id INTEGER PRIMARY KEY,           -- conversations.id; not a foreign key: conversations are rebuilt
        decision TEXT NOT NULL DEFAULT '',     -- '' | keep | drop
        reason TEXT NOT NULL DEFAULT '',
        topic_jump INTEGER NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT '',
        note_placement TEXT NOT NULL DEFAULT 'system',  -- system | turn
        decided_at TEXT NOT NULL
    );
    CREATE TABLE message_edits (
        message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        edited_at TEXT NOT NULL
    );
    CREATE TABLE conv_bounds (
        message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        action TEXT NOT NULL,                  -- split: a conversation starts here | join: none starts here
        created TEXT NOT NULL
    );
    CREATE TABLE trait_tags (
        scope TEXT NOT NULL,                   -- conversation | message
        target_id INTEGER NOT NULL,
        personality TEXT NOT NULL DEFAULT '',
        occupation TEXT NOT NULL DEFAULT '',
        interests TEXT NOT NULL DEFAULT '[]',  -- JSON list
        updated TEXT NOT NULL,
        PRIMARY KEY (scope, target_id)
    );
    CREATE TABLE decision_log (
        id INTEGER PRIMARY KEY,
        area TEXT NOT NULL,                    -- labels | curation
        batch INTEGER NOT NULL,                -- one user action (a bulk edit is one batch, undone at once)
        tbl TEXT NOT NULL,
        key TEXT NOT NULL,                     -- JSON of the row's primary key
        before TEXT,                           -- JSON of the row before; NULL when it did not exist
        at TEXT NOT NULL
    );
    CREATE INDEX decision_log_area ON decision_log(area, batch);
    CREATE VIEW conv_effective AS
        SELECT c.*, COALESCE(k.decision, '') AS decision, COALESCE(k.reason, '') AS decision_reason,
               COALESCE(k.topic_jump, 0) AS topic_jump, COALESCE(k.note, '') AS note,
               CASE WHEN k.decision = 'drop' THEN 'dropped by me'
                    WHEN k.decision = 'keep' AND c.excluded_reason IN ('too short', 'group chat (excluded by default)')
                    THEN '' ELSE c.excluded_reason END AS effective_reason
        FROM conversations c LEFT JOIN curation k ON k.conv_id = c.id;
    """,
    # v4: persona versions (every export records the one it used), MBTI augmentation records, export history.
    """
    CREATE TABLE persona_versions (
        id INTEGER PRIMARY KEY,
        created TEXT NOT NULL,
        name TEXT NOT NULL,
        template TEXT NOT NULL,
        card TEXT NOT NULL,                    -- JSON of the trait card used
        prompt TEXT NOT NULL                   -- the rendered system prompt (before redaction)
    );
    CREATE TABLE mbti_records (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL,
        lang TEXT NOT NULL,
        kind TEXT NOT NULL,
        dimension TEXT,
        pole TEXT,
        mbti_type TEXT,
        instruction TEXT NOT NULL,
        output TEXT NOT NULL,
        UNIQUE (file, instruction, output)
    );
    CREATE INDEX mbti_records_file ON mbti_records(file);
    CREATE TABLE exports (
        id INTEGER PRIMARY KEY,
        created TEXT NOT NULL,
        format TEXT NOT NULL,
        out_dir TEXT NOT NULL,
        options TEXT NOT NULL,
        persona_version INTEGER,
        counts TEXT NOT NULL
    );
    """,
    # v5: the "Who said it?" game: one row per answer, keyed by an anonymous per-session token (no names, no IPs).
    """
    CREATE TABLE game_answers (
        id INTEGER PRIMARY KEY,
        session TEXT NOT NULL,                 -- random token per browser session
        item TEXT NOT NULL,                    -- which context/reply pair was shown
        backend TEXT NOT NULL,                 -- the twin that wrote the other candidate
        picked_real INTEGER NOT NULL,          -- 1: the friend found the owner's real reply
        at TEXT NOT NULL
    );
    CREATE INDEX game_answers_backend ON game_answers(backend);
    """,
    # v6: people an export names outside its sender column (WeChat remarks, nicknames and wxids, Telegram usernames,
    # contact lists): known names for redaction, kept per import so deleting an import forgets them.
    """
    CREATE TABLE known_names (
        name TEXT NOT NULL,
        source TEXT NOT NULL,                  -- "remark", "nickname", "wxid", "username", "contact", ...
        import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
        PRIMARY KEY (name, source, import_id)
    );
    """,
    # v7: a new redaction value takes the next placeholder index of its kind from the table itself (not from a copy a
    # long scan read at its start, which a concurrent edit's rescan may have outdated): this index keeps that cheap.
    """
    CREATE INDEX pii_values_kind_idx ON pii_values(kind, idx);
    """,
    # v8 (issue 18): a "keep" lifts only the exclusion the owner can overrule ('too short', lib.segment.KEEP_OVERRIDES),
    # never 'group chat': group conversations follow the "Include group chats" switches (segmentation and export), so
    # the funnel and curation counts no longer call a kept group conversation trainable.
    """
    DROP VIEW IF EXISTS conv_effective;
    CREATE VIEW conv_effective AS
        SELECT c.*, COALESCE(k.decision, '') AS decision, COALESCE(k.reason, '') AS decision_reason,
               COALESCE(k.topic_jump, 0) AS topic_jump, COALESCE(k.note, '') AS note,
               CASE WHEN k.decision = 'drop' THEN 'dropped by me'
                    WHEN k.decision = 'keep' AND c.excluded_reason IN ('too short') THEN ''
                    ELSE c.excluded_reason END AS effective_reason
        FROM conversations c LEFT JOIN curation k ON k.conv_id = c.id;
    """,
    # v9 (issue 18): the review pages' comment per item (a remark, not a decision: never logged, never undone).
    # IF NOT EXISTS: a v8 workspace may hold it already, created at run time by lib/decisions.py before this migration.
    """
    CREATE TABLE IF NOT EXISTS review_comments (
        area TEXT NOT NULL,                    -- labels | curation | redaction: whose item_id this is
        item_id INTEGER NOT NULL,              -- a message, conversation or detected value id of that area
        text TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (area, item_id)
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) a workspace database in WAL mode with foreign keys, migrated to the latest schema.

    ``isolation_level=None``: transactions are explicit (``with transaction(conn)``), so an import is all or nothing.
    ``check_same_thread=False``: Streamlit reruns may land on another thread. Never two at once: the app runs one
    script at a time per session (``runner.fastReruns = false`` in ``.streamlit/config.toml``); two threads on one
    connection crashed the server (tests/e2e/test_one_run_at_a_time.py).
    """
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    migrate(conn)
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations in one transaction each. Returns the resulting version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"this workspace was written by a newer MeTwin (schema {version}, this one knows {SCHEMA_VERSION}); "
            "update MeTwin to open it"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _statements(MIGRATIONS[target - 1]):
                conn.execute(stmt)
            conn.execute(f"PRAGMA user_version={target}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (sqlite3.executescript would commit on its own)."""
    out, buf = [], []
    for line in script.splitlines():
        buf.append(line)
        if sqlite3.complete_statement("\n".join(buf)):
            stmt = "\n".join(buf).strip()
            if stmt:
                out.append(stmt)
            buf = []
    return out


class transaction:
    """``with transaction(conn): ...``: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception.

    Re-entrant: inside a transaction already open on ``conn`` it becomes a SAVEPOINT, released on success and rolled
    back to (then released) on an exception, so the inner block's writes vanish while the outer block's earlier
    writes stay, and nothing is committed until the outermost block ends. Why: a change and its undo record (or any
    two helpers that each want "all or nothing") must land in one commit, and a caller should not need to know
    whether the helper it calls opens its own transaction.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._savepoint: str | None = None

    def __enter__(self) -> sqlite3.Connection:
        if self.conn.in_transaction:
            self._savepoint = f"metwin_sp_{id(self):x}"  # unique while this block runs, so nesting never collides
            self.conn.execute(f"SAVEPOINT {self._savepoint}")
        else:
            self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self._savepoint is None:
            if exc_type and not self.conn.in_transaction:
                return False  # SQLite already rolled back (a full disk, an interrupt): keep the original error
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
            return False
        name, self._savepoint = self._savepoint, None
        if exc_type and not self.conn.in_transaction:
            return False  # the whole transaction is gone already; the outer block sees the error and ends
        if exc_type:
            self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")  # undoes the inner block, keeps the savepoint open
        self.conn.execute(f"RELEASE SAVEPOINT {name}")
        return False
