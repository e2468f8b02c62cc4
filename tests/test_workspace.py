"""Workspace: transactional imports, raw copies, de-duplication, "me", re-segmentation, and the yield funnel."""
from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from lib import db
from lib.segment import SegmentConfig
from lib.workspace import Workspace, sha256_of
from tests.helpers import CHAT, HEADER, WHATSAPP, chat_workspace, memotrace_csv, write  # noqa: F401

# CHAT, WHATSAPP, HEADER and the builders live in tests/helpers.py (other modules use them too); ``ws`` is conftest's.


def counts(ws: Workspace) -> tuple[int, ...]:
    q = ws.conn.execute
    return tuple(q(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("imports", "chats", "messages",
                                                                        "conversations"))


def test_import_keeps_raw_copy_and_builds_conversations(ws: Workspace, tmp_path: Path):
    src = write(tmp_path, "阿杰.csv", memotrace_csv(CHAT))
    report = ws.import_paths([src])
    assert [f.status for f in report.files] == ["imported"] and report.imported == 7
    raw = list((ws.path / "raw").iterdir())
    assert len(raw) == 1 and raw[0].read_bytes() == src.read_bytes()
    assert ws.imports().iloc[0]["sha256"] == sha256_of(src)
    chats = ws.chats()
    assert chats.iloc[0][["name", "messages", "mine", "theirs", "conversations", "trainable"]].tolist() == \
        ["阿杰", 7, 3, 4, 2, 2]
    funnel = dict(ws.funnel())
    assert funnel["imported messages"] == 7 and funnel["my turns to learn from"] == 3
    conv, total = ws.conversations()
    assert total == 2 and conv.iloc[0]["start_time"] == "2024-05-03T20:00:00"  # newest first
    msgs = ws.conversation_messages(int(conv.iloc[1]["id"]))
    assert msgs["text"].tolist()[0] == "早呀[旺柴]"  # bracket emoji kept


def test_same_file_twice_is_not_imported_twice(ws: Workspace, tmp_path: Path):
    src = write(tmp_path, "a.csv", memotrace_csv(CHAT))
    ws.import_paths([src])
    again = ws.import_paths([src])
    assert again.files[0].status == "skipped" and "already imported" in again.files[0].message
    assert counts(ws)[2] == 7


def test_overlapping_export_adds_only_new_messages_and_keeps_conversation_ids(ws: Workspace, tmp_path: Path):
    ws.import_paths([write(tmp_path, "old.csv", memotrace_csv(CHAT[:5]))])
    first_ids = set(ws.conversations()[0]["id"])
    report = ws.import_paths([write(tmp_path, "new.csv", memotrace_csv(CHAT))])
    f = report.files[0]
    assert (f.n_messages, f.n_duplicates) == (2, 5)
    assert counts(ws)[2] == 7
    assert first_ids <= set(ws.conversations()[0]["id"])


def test_failed_import_leaves_workspace_exactly_as_it_was(ws: Workspace, tmp_path: Path, monkeypatch):
    ws.import_paths([write(tmp_path, "a.csv", memotrace_csv(CHAT[:3]))])
    before, raw_before = counts(ws), sorted((ws.path / "raw").iterdir())

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Workspace, "_resegment", boom)
    with pytest.raises(RuntimeError):
        ws.import_paths([write(tmp_path, "b.csv", memotrace_csv(CHAT))])
    assert counts(ws) == before
    assert sorted((ws.path / "raw").iterdir()) == raw_before


@pytest.mark.parametrize("content, needle", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "binary"),
    ("just some notes, not a chat\nline two\n".encode(), "not a chat export format"),
    ('[{"conversations": [{"role": "user", "content": "hi"}, {"role": "assis'.encode(), "export"),
])
def test_bad_files_fail_alone_with_a_clear_message(ws: Workspace, tmp_path: Path, content: bytes, needle: str):
    bad = tmp_path / "bad_file.json"
    bad.write_bytes(content)
    good = write(tmp_path, "good.csv", memotrace_csv(CHAT))
    report = ws.import_paths([bad, good])
    statuses = {f.file: f.status for f in report.files}
    assert statuses == {"bad_file.json": "failed", "good.csv": "imported"}
    failed = report.failed[0].message
    assert failed.startswith("bad_file.json") and needle in failed
    assert counts(ws)[0] == 1 and len(list((ws.path / "raw").iterdir())) == 1


def test_file_over_the_size_limit_is_refused_with_advice(ws: Workspace, tmp_path: Path):
    src = write(tmp_path, "big.csv", memotrace_csv(CHAT))
    report = ws.import_paths([src], max_bytes=100)
    msg = report.files[0].message
    assert report.files[0].status == "failed" and "big.csv" in msg and "import the parts" in msg


def test_me_for_formats_without_a_sender_flag(ws: Workspace, tmp_path: Path):
    src = write(tmp_path, "WhatsApp Chat with Alice.txt", WHATSAPP, "utf-8")
    report = ws.import_paths([src], me="bob")  # case-insensitive match
    assert report.files[0].status == "imported" and report.files[0].me == "Bob"
    chat = ws.chats().iloc[0]
    assert (chat["mine"], chat["me_name"]) == (2, "Bob")


def test_unknown_me_lists_participants(ws: Workspace, tmp_path: Path):
    src = write(tmp_path, "chat.txt", WHATSAPP, "utf-8")
    report = ws.import_paths([src], me="Carol")
    msg = report.files[0].message
    assert report.files[0].status == "failed" and "Carol" in msg and "Alice" in msg and "Bob" in msg
    assert counts(ws) == (0, 0, 0, 0)


def test_me_is_guessed_and_said_when_not_given(ws: Workspace, tmp_path: Path):
    src = write(tmp_path, "WhatsApp Chat with Alice.txt", WHATSAPP, "utf-8")
    report = ws.import_paths([src])
    assert report.files[0].me == "Bob"
    assert any("guessed" in n for n in report.files[0].notes)


def test_zip_with_chat_and_media(ws: Workspace, tmp_path: Path):
    z = tmp_path / "WhatsApp Chat - Alice.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("_chat.txt", WHATSAPP)
        zf.writestr("00000001-PHOTO-2024-05-01-09-02-00.jpg", b"\xff\xd8\xff")
    report = ws.import_paths([z], me="Bob")
    assert report.files[0].status == "imported" and report.files[0].file == z.name
    assert counts(ws)[2] == 5
    assert (ws.path / "raw" / f"{sha256_of(z)[:16]}_{z.name}").read_bytes() == z.read_bytes()


def test_system_and_media_have_reasons_in_the_drop_table(ws: Workspace, tmp_path: Path):
    ws.import_paths([write(tmp_path, "chat.txt", WHATSAPP, "utf-8")], me="Bob")
    reasons = ws.drop_reasons()
    assert reasons.loc[reasons["reason"] == "system message", "messages"].tolist() == [1]
    ws.set_segment_config(SegmentConfig(nontext="drop"))
    reasons = ws.drop_reasons()
    assert "non-text message (dropped by setting)" in reasons["reason"].tolist()
    assert ws.segment_config.nontext == "drop"


def test_resegmentation_with_new_settings(ws: Workspace, tmp_path: Path):
    ws.import_paths([write(tmp_path, "a.csv", memotrace_csv(CHAT))])
    assert ws.conversations()[1] == 2
    ws.set_segment_config(SegmentConfig(gap_minutes=60 * 24 * 7))
    assert ws.conversations()[1] == 1
    reopened = Workspace(ws.path)
    assert reopened.segment_config.gap_minutes == 60 * 24 * 7 and reopened.conversations()[1] == 1


def test_schema_versioned_and_refuses_newer(tmp_path: Path):
    w = Workspace(tmp_path / "w")
    assert w.conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    assert w.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert w.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    w.conn.execute(f"PRAGMA user_version={db.SCHEMA_VERSION + 1}")
    w.close()
    with pytest.raises(RuntimeError, match="newer MeTwin"):
        Workspace(tmp_path / "w")


def test_dump_streams_every_message(ws: Workspace, tmp_path: Path):
    ws.import_paths([write(tmp_path, "a.csv", memotrace_csv(CHAT))])
    rows = list(ws.iter_messages())
    assert len(rows) == 7
    assert {"chat", "sender", "is_me", "time", "kind", "text"} <= set(rows[0])
    assert rows[0]["time"] == "2024-05-01T09:00:00" and rows[0]["is_me"] is False
    json.dumps(rows)


def test_database_survives_a_closed_connection(ws: Workspace, tmp_path: Path):
    ws.import_paths([write(tmp_path, "a.csv", memotrace_csv(CHAT))])
    path = ws.path / "metwin.sqlite"
    ws.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 7


def test_preview_detects_without_importing(tmp_path: Path):
    from lib.workspace import preview

    src = write(tmp_path, "WhatsApp Chat with Alice.txt", WHATSAPP, "utf-8")
    part = preview(src)["parts"][0]
    assert part["format"] == "whatsapp_txt" and part["messages"] == 5
    assert part["has_me_flag"] is False and part["me_candidates"][0] == "Bob"
    assert set(part["participants"]) == {"Alice", "Bob"}
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    assert "binary" in preview(bad)["parts"][0]["error"]


def test_pre_cut_conversations_of_two_files_stay_apart(ws: Workspace, tmp_path: Path):
    """Training JSON carries no times; each file numbers its conversations from 0 and they must not merge."""
    one = [{"conversations": [{"role": "user", "content": "在吗"}, {"role": "assistant", "content": "在呢"}]}]
    a = tmp_path / "Amy_train.json"
    b = tmp_path / "Amy_dev.json"
    a.write_text(json.dumps(one, ensure_ascii=False), encoding="utf-8")
    b.write_text(json.dumps(one * 2, ensure_ascii=False).replace("在吗", "吃了吗"), encoding="utf-8")
    ws.import_paths([a, b])
    assert ws.conversations()[1] == 3


def test_concatenated_memotrace_files_become_separate_private_chats(ws: Workspace, tmp_path: Path):
    a = memotrace_csv(CHAT)
    b = memotrace_csv(CHAT).replace("wxid_ajie", "wxid_mei").replace("阿杰", "小美").split("\n", 1)[1]
    ws.import_paths([write(tmp_path, "both.csv", a + b)])
    chats = ws.chats().sort_values("name")
    assert chats["name"].tolist() == ["小美", "阿杰"] and chats["is_group"].tolist() == [0, 0]
    assert chats["trainable"].tolist() == [2, 2]


def test_progress_is_reported_inside_a_file(ws: Workspace, tmp_path: Path):
    seen: list[tuple[float, str]] = []
    ws.import_paths([write(tmp_path, "a.csv", memotrace_csv(CHAT))], progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(0 < f < 1 for f in fractions) and any("a.csv" in m for _, m in seen)


def test_aggregates_are_cached_until_the_workspace_changes(ws: Workspace, tmp_path: Path):
    ws.import_paths([write(tmp_path, "a.csv", memotrace_csv(CHAT[:5]))])
    assert dict(ws.funnel())["imported messages"] == 5
    other = Workspace(ws.path)  # another tab or process writing the same workspace
    other.import_paths([write(tmp_path, "b.csv", memotrace_csv(CHAT))])
    assert dict(ws.funnel())["imported messages"] == 7 and ws.chats().iloc[0]["messages"] == 7
    ws.set_segment_config(SegmentConfig(gap_minutes=60 * 24 * 7))
    assert dict(ws.funnel())["trainable conversations"] == 1
    other.close()
