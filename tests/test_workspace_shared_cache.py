"""Workspace.cached shares plain aggregates between handles on one workspace (a new browser tab is a new handle), and
drops them the moment any connection commits (issue 18: first load of a page at 100,000 messages)."""
from __future__ import annotations

from pathlib import Path

from lib.workspace import Workspace
from tests.helpers import chat_workspace

ROWS = [(1, "Ann", "hello there"), (0, "Me", "hi Ann"), (1, "Ann", "how are you"), (0, "Me", "fine thanks")]


def test_second_handle_reuses_and_sees_commits_of_others(tmp_path: Path) -> None:
    with chat_workspace(tmp_path, ROWS) as a:
        calls = []

        def count() -> int:
            calls.append(1)
            return a.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]

        b = Workspace(a.path)
        try:
            assert a.cached("test.n", count) == 4
            assert b.cached("test.n", count) == 4
            assert len(calls) == 1  # the second handle reused the first one's result
            b.conn.execute("DELETE FROM messages WHERE id = (SELECT MIN(id) FROM messages)")  # a commit elsewhere
            fresh = Workspace(a.path)  # a handle opened after the write must not get the old figure either
            try:
                assert fresh.cached("test.n", count) == 3
                assert a.cached("test.n", count) == 3
            finally:
                fresh.close()
        finally:
            b.close()


def test_objects_holding_a_handle_are_not_shared(tmp_path: Path) -> None:
    class Holder:
        def __init__(self, ws: Workspace) -> None:
            self.ws = ws

    with chat_workspace(tmp_path, ROWS) as a:
        b = Workspace(a.path)
        try:
            assert a.cached("test.holder", lambda: Holder(a)).ws is a
            assert b.cached("test.holder", lambda: Holder(b)).ws is b
        finally:
            b.close()


def test_nothing_shared_inside_a_transaction(tmp_path: Path) -> None:
    with chat_workspace(tmp_path, ROWS) as a:
        b = Workspace(a.path)
        try:
            a.conn.execute("BEGIN")
            a.conn.execute("DELETE FROM messages")
            assert a.cached("test.tx", lambda: a.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]) == 0
            a.conn.execute("ROLLBACK")
            assert b.cached("test.tx", lambda: b.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]) == 4
        finally:
            b.close()
