"""lib/db.py: re-entrant transactions (savepoints), the v8 migration of ``conv_effective`` and the v9
``review_comments`` table (issue 18)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from lib import db
from lib.segment import C_GROUP, C_NO_ME, C_NO_THEM, C_ONLY_PLACEHOLDERS, C_TOO_SHORT, KEEP_OVERRIDES

ALL_REASONS = (C_GROUP, C_NO_ME, C_NO_THEM, C_ONLY_PLACEHOLDERS, C_TOO_SHORT)


@pytest.fixture
def conn(tmp_path: Path):
    c = db.connect(tmp_path / "t.db")
    c.execute("CREATE TABLE t (v INTEGER)")
    yield c
    c.close()


def values(c: sqlite3.Connection) -> list[int]:
    return [v for (v,) in c.execute("SELECT v FROM t ORDER BY v")]


class Boom(Exception):
    pass


def test_a_failing_inner_block_rolls_back_only_its_own_writes(conn: sqlite3.Connection):
    with db.transaction(conn):
        conn.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(Boom):
            with db.transaction(conn):
                conn.execute("INSERT INTO t VALUES (2)")
                raise Boom
        assert conn.in_transaction  # the outer transaction is still open after the inner rollback
        conn.execute("INSERT INTO t VALUES (3)")
    assert not conn.in_transaction
    assert values(conn) == [1, 3]


def test_nested_blocks_commit_only_with_the_outermost(conn: sqlite3.Connection, tmp_path: Path):
    other = sqlite3.connect(str(tmp_path / "t.db"))
    try:
        with db.transaction(conn):
            with db.transaction(conn):
                with db.transaction(conn):
                    conn.execute("INSERT INTO t VALUES (1)")
                assert conn.in_transaction
            # released savepoints are not commits: another connection sees nothing yet
            assert other.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0
        assert other.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
    finally:
        other.close()


def test_a_failing_outer_block_takes_the_released_inner_writes_with_it(conn: sqlite3.Connection):
    with pytest.raises(Boom):
        with db.transaction(conn):
            with db.transaction(conn):
                conn.execute("INSERT INTO t VALUES (1)")
            conn.execute("INSERT INTO t VALUES (2)")
            raise Boom
    assert not conn.in_transaction and values(conn) == []


def test_sibling_inner_blocks_are_independent(conn: sqlite3.Connection):
    with db.transaction(conn):
        with db.transaction(conn):
            conn.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(Boom):
            with db.transaction(conn):
                conn.execute("INSERT INTO t VALUES (2)")
                with db.transaction(conn):
                    conn.execute("INSERT INTO t VALUES (3)")
                raise Boom
        with db.transaction(conn):
            conn.execute("INSERT INTO t VALUES (4)")
    assert values(conn) == [1, 4]


def test_a_plain_block_still_commits_and_rolls_back(conn: sqlite3.Connection):
    with db.transaction(conn):
        conn.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(Boom):
        with db.transaction(conn):
            conn.execute("INSERT INTO t VALUES (2)")
            raise Boom
    assert values(conn) == [1] and not conn.in_transaction


# ----- v8: a "keep" lifts only 'too short' ---------------------------------------------------------------------------
def _old_schema(path: Path, version: int) -> sqlite3.Connection:
    """A database as an older MeTwin left it: migrations up to ``version`` only."""
    c = sqlite3.connect(str(path), isolation_level=None)
    for target in range(1, version + 1):
        for stmt in db._statements(db.MIGRATIONS[target - 1]):
            c.execute(stmt)
        c.execute(f"PRAGMA user_version={target}")
    return c


def _kept_conversations(c: sqlite3.Connection) -> None:
    """One chat, one kept conversation per automatic reason (ids 1..5) plus one trainable undecided one (id 6)."""
    c.execute("INSERT INTO chats(id, family, chat_key, name, is_group) VALUES (1, 'x', 'k', 'c', 1)")
    for i, reason in enumerate(ALL_REASONS + ("",), start=1):
        c.execute("INSERT INTO conversations(id, chat_id, start_time, end_time, n_messages, n_turns, n_my_turns, "
                  "n_their_turns, excluded_reason) VALUES (?, 1, '2024', '2024', 2, 2, 1, 1, ?)", (i, reason))
        if reason:
            c.execute("INSERT INTO curation(conv_id, decision, decided_at) VALUES (?, 'keep', '2024')", (i,))


def _effective(c: sqlite3.Connection) -> dict[int, str]:
    return dict(c.execute("SELECT id, effective_reason FROM conv_effective ORDER BY id"))


def test_an_old_workspace_upgrades_and_a_kept_group_is_no_longer_trainable(tmp_path: Path):
    path = tmp_path / "old.db"
    old = _old_schema(path, 7)
    _kept_conversations(old)
    assert _effective(old)[1] == ""  # the bug: v3's view let "keep" lift the group exclusion
    old.close()
    c = db.connect(path)
    try:
        assert c.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION >= 8
        eff = _effective(c)
        assert eff[1] == C_GROUP  # kept, still a group conversation: the "Include group chats" switches decide
        for i, reason in enumerate(ALL_REASONS, start=1):  # "keep" lifts exactly KEEP_OVERRIDES, nothing else
            assert eff[i] == ("" if reason in KEEP_OVERRIDES else reason), reason
        assert eff[6] == ""
        assert c.execute("SELECT COUNT(*) FROM curation").fetchone()[0] == 5  # every decision survived
    finally:
        c.close()


def test_keep_overrides_is_too_short_only_and_drop_still_wins(tmp_path: Path):
    assert KEEP_OVERRIDES == (C_TOO_SHORT,)
    c = db.connect(tmp_path / "new.db")
    try:
        _kept_conversations(c)
        c.execute("INSERT INTO curation(conv_id, decision, decided_at) VALUES (6, 'drop', '2024')")
        assert _effective(c) == {1: C_GROUP, 2: C_NO_ME, 3: C_NO_THEM, 4: C_ONLY_PLACEHOLDERS, 5: "",
                                 6: "dropped by me"}
    finally:
        c.close()


def test_the_upgrade_is_one_transaction_and_idempotent(tmp_path: Path):
    path = tmp_path / "old.db"
    _old_schema(path, 7).close()
    for _ in range(2):  # opening twice neither fails nor migrates again
        c = db.connect(path)
        assert c.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
        assert c.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'conv_effective'").fetchone()[0] == 1
        c.close()


# ----- v9: review comments are part of the schema ---------------------------------------------------------------------
def _comment_columns(c: sqlite3.Connection) -> list[str]:
    return [r[1] for r in c.execute("PRAGMA table_info(review_comments)")]


def test_an_old_workspace_gains_the_review_comments_table(tmp_path: Path):
    from lib import decisions

    path = tmp_path / "old.db"
    old = _old_schema(path, 8)
    assert _comment_columns(old) == []  # a v8 workspace that never saw a comment
    old.close()
    c = db.connect(path)
    try:
        assert c.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION >= 9
        assert _comment_columns(c) == ["area", "item_id", "text", "at"]
        decisions.set_comment(c, "labels", 7, "  check the sticker  ")
        assert decisions.comment(c, "labels", 7) == "check the sticker"
    finally:
        c.close()


def test_a_workspace_whose_comments_table_came_at_run_time_keeps_its_comments(tmp_path: Path):
    """Before v9 lib/decisions.py created the table on first use: such a v8 workspace upgrades with its notes."""
    path = tmp_path / "old.db"
    old = _old_schema(path, 8)
    old.execute("CREATE TABLE review_comments (area TEXT NOT NULL, item_id INTEGER NOT NULL, text TEXT NOT NULL, "
                "at TEXT NOT NULL, PRIMARY KEY (area, item_id))")
    old.execute("INSERT INTO review_comments VALUES ('curation', 3, 'split after the trip', '2026')")
    old.close()
    c = db.connect(path)
    try:
        assert c.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
        assert c.execute("SELECT area, item_id, text FROM review_comments").fetchall() == [
            ("curation", 3, "split after the trip")]
    finally:
        c.close()


def test_a_new_workspace_has_the_comments_table_from_the_start(tmp_path: Path):
    c = db.connect(tmp_path / "new.db")
    try:
        assert _comment_columns(c) == ["area", "item_id", "text", "at"]
    finally:
        c.close()
