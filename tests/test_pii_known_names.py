"""Every format's own people are known names, with their parts, and one placeholder per person.

Invented names throughout. Covers: WhatsApp senders and the chat name from the file name, first names alone in text,
WeChat remarks, nicknames and custom ids (MemoTrace CSV), Telegram usernames, contacts and @mentions, and names that
are also everyday words ("Will").
"""
from __future__ import annotations

import json
from pathlib import Path


from lib.pii.recognizers.person import PersonRecognizer
from lib.pii.redactor import Redactor
from lib.pii.store import PiiStore
from lib.workspace import Workspace
from tests.helpers import HEADER


def spans(rec: PersonRecognizer, text: str) -> list[tuple[str, str]]:
    return [(text[h.start:h.end], h.norm) for h in rec.analyze(text)]


def test_parts_of_a_known_name_point_at_the_full_name() -> None:
    rec = PersonRecognizer(["Priya Natarajan"])
    assert spans(rec, "Hey Priya! Is Natarajan your married name?") == [("Priya", "priyanatarajan"),
                                                                         ("Natarajan", "priyanatarajan")]
    assert spans(rec, "ask priya") == [("priya", "priyanatarajan")]


def test_a_part_two_people_share_stands_for_itself() -> None:
    rec = PersonRecognizer(["Daniel Kim", "Daniel Wu"])
    assert spans(rec, "Daniel is late") == [("Daniel", "daniel")]
    assert spans(rec, "Daniel Kim is late") == [("Daniel Kim", "danielkim")]


def test_everyday_word_names_match_only_capitalised() -> None:
    rec = PersonRecognizer(["Will Turner"])
    assert spans(rec, "will do, see you") == []
    assert spans(rec, "Will said yes") == [("Will", "willturner")]
    assert spans(rec, "Turner too") == [("Turner", "willturner")]


def test_sender_decorations_are_not_part_of_the_name() -> None:
    rec = PersonRecognizer(["Jane 🌸"])
    assert spans(rec, "thanks Jane") == [("Jane", "jane🌸")]  # the sender's value: one placeholder for both forms


def _whatsapp(tmp_path: Path, contact: str, owner: str, lines: list[tuple[str, str]]) -> Path:
    p = tmp_path / f"WhatsApp Chat with {contact}.txt"
    p.write_text("".join(f"12/07/2024, 09:{i:02d} - {who}: {text}\n" for i, (who, text) in enumerate(lines)),
                 encoding="utf-8")
    return p


def test_whatsapp_first_names_share_the_full_names_placeholder(tmp_path: Path) -> None:
    src = _whatsapp(tmp_path, "Priya Natarajan", "Tom Hartley", [
        ("Priya Natarajan", "Hey Tom! lunch?"), ("Tom Hartley", "Sure Priya, 1pm"),
        ("Priya Natarajan", "great"), ("Tom Hartley", "see you")])
    ws = Workspace(tmp_path / "ws")
    try:
        ws.import_paths([src], me="Tom Hartley")
        store = PiiStore(ws)
        store.scan()
        red = Redactor(ws)
        rows = ws.conn.execute("SELECT id, text FROM messages ORDER BY id").fetchall()
        out = [red.message(mid, text) for mid, text in rows]
        assert "Tom" not in out[0] and "Priya" not in out[1]
        values = {v: (k, i) for k, v, i in ws.conn.execute("SELECT kind, value, idx FROM pii_values WHERE n_hits > 0")}
        assert all(k == "PERSON" for k, _ in values.values())
        # one value per person, whatever form it was written in
        assert len(values) == 2, values
    finally:
        ws.close()


def _memotrace(rows: list[tuple[int, str, str]], contact: tuple[str, str, str]) -> str:
    lines = [HEADER]
    for i, (me, t, text) in enumerate(rows, start=1):
        who = ("小雨", "Rain", "wxid_me") if me else contact
        lines.append(f'{i},{contact[2]},1,0,{me},{1714525200 + i},2,"{text}",{t},{who[0]},{who[1]},{who[2]}\n')
    return "".join(lines)


def test_wechat_nickname_and_custom_id_are_known_values(tmp_path: Path) -> None:
    """The sender column keeps the remark; the nickname and a custom WeChat id still name the person in text."""
    csv = _memotrace([(0, "2024-05-01 09:00:00", "你好"), (1, "2024-05-01 09:01:00", "昨天星河漫步说她换了微信"),
                      (0, "2024-05-01 09:02:00", "对，加我新号 lily_moon88 吧"),
                      (1, "2024-05-01 09:03:00", "好")], ("林老师", "星河漫步", "lily_moon88"))
    p = tmp_path / "林老师.csv"
    p.write_text(csv, encoding="utf-8-sig")
    ws = Workspace(tmp_path / "ws")
    try:
        ws.import_paths([p])
        names = dict(ws.conn.execute("SELECT name, source FROM known_names"))
        assert names.get("星河漫步") == "nickname" and names.get("lily_moon88") == "wxid"
        store = PiiStore(ws)
        assert "星河漫步" in store.gazetteer()
        store.scan()
        red = Redactor(ws)
        rows = ws.conn.execute("SELECT id, text FROM messages ORDER BY id").fetchall()
        out = "\n".join(red.message(mid, text) for mid, text in rows)
        assert "星河漫步" not in out and "lily_moon88" not in out
        kinds = dict(ws.conn.execute("SELECT value, kind FROM pii_values WHERE n_hits > 0"))
        assert kinds["lily_moon88"] == "WECHAT_ID" and kinds["星河漫步"] == "PERSON"
    finally:
        ws.close()


def _telegram() -> dict:
    return {
        "personal_information": {"user_id": 1001, "first_name": "Mara", "last_name": "Quell", "username": "maraq"},
        "contacts": {"list": [{"first_name": "Odile", "last_name": "Brenner", "phone_number": ""}]},
        "chats": {"list": [{
            "name": "Sven Aalto", "type": "personal_chat", "id": 42,
            "messages": [
                {"id": 1, "type": "message", "date": "2024-05-01T09:00:00", "from": "Sven Aalto", "from_id": "user7",
                 "text": "hi Mara", "text_entities": [{"type": "plain", "text": "hi Mara"}]},
                {"id": 2, "type": "message", "date": "2024-05-01T09:01:00", "from": "Mara Quell", "from_id": "user1001",
                 "text": ["ask ", {"type": "mention", "text": "@juno_k"}, " about Odile's party"],
                 "text_entities": [{"type": "plain", "text": "ask "}, {"type": "mention", "text": "@juno_k"},
                                   {"type": "plain", "text": " about Odile's party"}]},
                {"id": 3, "type": "message", "date": "2024-05-01T09:02:00", "from": "Sven Aalto", "from_id": "user7",
                 "text": "juno_k said maraq is her handle", "text_entities": []},
            ]}]},
    }


def test_telegram_usernames_contacts_and_mentions_are_known(tmp_path: Path) -> None:
    p = tmp_path / "result.json"
    p.write_text(json.dumps(_telegram()), encoding="utf-8")
    ws = Workspace(tmp_path / "ws")
    try:
        ws.import_paths([p])
        known = {n for (n,) in ws.conn.execute("SELECT name FROM known_names")}
        assert {"maraq", "juno_k", "Odile Brenner", "Mara Quell"} <= known
        PiiStore(ws).scan()
        red = Redactor(ws)
        rows = ws.conn.execute("SELECT id, text FROM messages ORDER BY id").fetchall()
        out = "\n".join(red.message(mid, text) for mid, text in rows)
        for name in ("Mara", "juno_k", "maraq", "Odile"):
            assert name not in out, out
    finally:
        ws.close()


def test_rejecting_a_name_forgets_it(tmp_path: Path) -> None:
    src = _whatsapp(tmp_path, "Priya Natarajan", "Tom Hartley", [
        ("Priya Natarajan", "Hey Tom"), ("Tom Hartley", "hi Priya")])
    ws = Workspace(tmp_path / "ws")
    try:
        ws.import_paths([src], me="Tom Hartley")
        store = PiiStore(ws)
        store.scan()
        vid = ws.conn.execute("SELECT id FROM pii_values WHERE kind='PERSON' AND norm='tomhartley'").fetchone()[0]
        store.decide(vid, "rejected")
        red = Redactor(ws)
        rows = ws.conn.execute("SELECT id, text FROM messages ORDER BY id").fetchall()
        assert red.message(*rows[0]).endswith("Tom")
    finally:
        ws.close()
