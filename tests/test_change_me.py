"""Issue 18: who "me" is can be changed after an import, per chat, in one step that can be undone."""
from __future__ import annotations

from pathlib import Path

import pytest

from lib.errors import BadInputError
from lib.workspace import Workspace, content_stamp
from tests.helpers import WHATSAPP, write

CHAT = """01/05/2024, 09:00 - Alice: Morning! Coffee later?
01/05/2024, 09:01 - Bob: Sure
01/05/2024, 09:02 - Bob: see you at 10
01/05/2024, 09:03 - Alice: Great
01/05/2024, 09:04 - Bob: 👍
"""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = Workspace(tmp_path / "ws")
    w.import_paths([write(tmp_path, "WhatsApp Chat with Alice.txt", CHAT, encoding="utf-8")], me="Alice")
    yield w
    w.close()


def sides(ws: Workspace) -> dict[str, set[int]]:
    rows = ws.conn.execute("SELECT sender, is_me FROM messages").fetchall()
    return {s: {m for who, m in rows if who == s} for s in ("Alice", "Bob")}


def test_set_me_rederives_every_side_and_undo_restores_it(ws: Workspace):
    chat_id = int(ws.chats()["id"].iloc[0])
    assert ws.chat_participants(chat_id) == ["Bob", "Alice"]
    assert sides(ws) == {"Alice": {1}, "Bob": {0}}
    stamp = content_stamp(ws)
    mine_before = int(ws.chats()["mine"].iloc[0])
    assert ws.set_me(chat_id, "Bob") == 5
    assert sides(ws) == {"Alice": {0}, "Bob": {1}}
    chats = ws.chats()
    assert chats["me_name"].iloc[0] == "Bob" and int(chats["mine"].iloc[0]) == 3 != mine_before
    assert content_stamp(ws) != stamp  # shared caches (curation suggestions) see the change
    my_turns = ws.conn.execute("SELECT SUM(n_my_turns) FROM conversations").fetchone()[0]
    assert my_turns == 2  # re-segmented: Bob's two bubbles in a row are one turn of mine now
    assert ws.set_me(chat_id, "Bob") == 0  # nothing to change: nothing logged
    assert ws.me_undoable() == 1
    assert ws.undo_me() == chat_id
    assert sides(ws) == {"Alice": {1}, "Bob": {0}} and ws.chats()["me_name"].iloc[0] == "Alice"
    assert ws.undo_me() is None and ws.me_undoable() == 0


def test_set_me_refuses_a_stranger(ws: Workspace):
    chat_id = int(ws.chats()["id"].iloc[0])
    with pytest.raises(BadInputError, match="not a participant"):
        ws.set_me(chat_id, "Mallory")
    assert sides(ws) == {"Alice": {1}, "Bob": {0}}


def test_set_me_touches_only_its_chat(tmp_path: Path, ws: Workspace):
    ws.import_paths([write(tmp_path, "WhatsApp Chat with Bob.txt", WHATSAPP, encoding="utf-8")], me="Bob")
    chats = ws.chats().set_index("name")
    other = ws.conn.execute("SELECT SUM(is_me) FROM messages WHERE chat_id = ?",
                            (int(chats.loc["Bob", "id"]),)).fetchone()[0]
    ws.set_me(int(chats.loc["Alice", "id"]), "Bob")
    assert ws.conn.execute("SELECT SUM(is_me) FROM messages WHERE chat_id = ?",
                           (int(chats.loc["Bob", "id"]),)).fetchone()[0] == other


def test_the_change_and_its_undo_record_commit_together(ws: Workspace, monkeypatch: pytest.MonkeyPatch):
    """A crash between the change and its undo record can no longer leave a change that cannot be undone: both land
    in one transaction, so a failure while logging takes the change back too."""
    from lib import decisions

    chat_id = int(ws.chats()["id"].iloc[0])
    conv_before = ws.conn.execute("SELECT id, n_my_turns FROM conversations ORDER BY id").fetchall()

    def crash(*_a, **_k):
        raise RuntimeError("crash while logging the undo record")

    monkeypatch.setattr(decisions, "record", crash)
    with pytest.raises(RuntimeError, match="crash"):
        ws.set_me(chat_id, "Bob")
    assert not ws.conn.in_transaction
    assert sides(ws) == {"Alice": {1}, "Bob": {0}} and ws.chats()["me_name"].iloc[0] == "Alice"
    assert ws.conn.execute("SELECT id, n_my_turns FROM conversations ORDER BY id").fetchall() == conv_before
    assert ws.me_undoable() == 0
    monkeypatch.undo()
    assert ws.set_me(chat_id, "Bob") == 5 and ws.me_undoable() == 1  # works once the crash is gone


def test_a_failed_undo_keeps_its_record(ws: Workspace, monkeypatch: pytest.MonkeyPatch):
    """Undo takes the record and reverses the change in one transaction: if reversing fails, the record stays, so
    the owner can try again (before, the record was deleted first and the change stayed)."""
    chat_id = int(ws.chats()["id"].iloc[0])
    ws.set_me(chat_id, "Bob")

    def crash(*_a, **_k):
        raise RuntimeError("crash while re-segmenting")

    monkeypatch.setattr(ws, "_resegment", crash)
    with pytest.raises(RuntimeError, match="crash"):
        ws.undo_me()
    assert not ws.conn.in_transaction
    assert sides(ws) == {"Alice": {0}, "Bob": {1}} and ws.me_undoable() == 1
    monkeypatch.undo()
    assert ws.undo_me() == chat_id and sides(ws) == {"Alice": {1}, "Bob": {0}} and ws.me_undoable() == 0


def test_set_me_inside_a_caller_transaction_rolls_back_with_it(ws: Workspace):
    """set_me nests (a savepoint) inside a caller's own transaction: the caller's rollback takes everything back."""
    from lib import db

    chat_id = int(ws.chats()["id"].iloc[0])
    with pytest.raises(KeyError):
        with db.transaction(ws.conn):
            assert ws.set_me(chat_id, "Bob") == 5
            assert sides(ws) == {"Alice": {0}, "Bob": {1}}
            raise KeyError("the caller changes its mind")
    assert sides(ws) == {"Alice": {1}, "Bob": {0}} and ws.me_undoable() == 0
