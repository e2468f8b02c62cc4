"""Curation: keep/drop reaching the funnel, notes, edits (rescanned for PII), splits and merges that survive
re-segmentation, trait tags, the trait card, and undo with its side effects."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.curate.store import CharacterTraits, CurationStore
from lib.errors import BadInputError
from lib.pii.redactor import Redactor
from lib.pii.store import PiiStore
from lib.segment import SegmentConfig
from lib.persona.traits import TraitCard, load_card, mine, save_card
from lib.workspace import Workspace
from tests.helpers import chat_workspace, memotrace_csv, write

ROWS = [  # three conversations with 阿杰 (gaps of hours between them)
    (0, "2024-05-01 09:00:00", "今天去爬山吗"),
    (1, "2024-05-01 09:01:00", "去！！冲呀"),
    (0, "2024-05-01 09:02:00", "八点地铁站见"),
    (1, "2024-05-01 09:03:00", "好的~"),
    (0, "2024-05-01 09:20:00", "对了 明天的报告你写完没"),
    (1, "2024-05-01 09:25:00", "还没呢 晚上写"),
    (0, "2024-05-02 20:00:00", "到家了吗"),
    (1, "2024-05-02 20:05:00", "到啦 嘿嘿"),
    (0, "2024-05-03 21:00:00", "周末看电影不"),
    (1, "2024-05-03 21:01:00", "看！"),
]


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with chat_workspace(tmp_path, ROWS) as w:
        yield w


def conv_ids(ws: Workspace) -> list[int]:
    return [r[0] for r in ws.conn.execute("SELECT id FROM conversations ORDER BY start_time")]


def msg_id(ws: Workspace, text: str) -> int:
    return ws.conn.execute("SELECT id FROM messages WHERE text = ?", (text,)).fetchone()[0]


def trainable(ws: Workspace) -> int:
    return dict(ws.funnel())["trainable conversations"]


def test_drop_and_keep_reach_the_funnel_and_drop_reasons(ws: Workspace):
    cur = CurationStore(ws)
    first, second, third = conv_ids(ws)
    assert trainable(ws) == 3
    cur.decide(second, "drop", "private")
    assert trainable(ws) == 2
    reasons = ws.drop_reasons()
    assert ("conversation", "dropped by me") in set(zip(reasons["level"], reasons["reason"]))
    assert ws.conversations(trainable=False)[0]["id"].tolist() == [second]
    cur.undo()
    assert trainable(ws) == 3
    with pytest.raises(ValueError):
        cur.decide(first, "maybe")


def test_keep_lifts_a_too_short_exclusion_only(ws: Workspace, tmp_path: Path):
    ws.import_paths([write(tmp_path, "short.csv", memotrace_csv([(0, "2024-07-01 10:00:00", "在吗")]))])
    short = ws.conn.execute("SELECT id, excluded_reason FROM conversations WHERE excluded_reason != ''").fetchone()
    assert short[1] == "my side absent"
    cur = CurationStore(ws)
    cur.decide(short[0], "keep")
    assert ws.conversations(trainable=False)[1] == 1  # no reply of mine: keeping cannot make it trainable
    ws.set_segment_config(SegmentConfig(min_turns=3))  # now the two-turn conversations are "too short"
    before = trainable(ws)
    cur.decide(conv_ids(ws)[2], "keep")
    assert trainable(ws) == before + 1


def test_notes_flags_and_tags_persist_and_are_undoable(ws: Workspace):
    cur = CurationStore(ws)
    first = conv_ids(ws)[0]
    cur.set_note(first, "阿杰是我大学室友，我们常一起爬山", "system")
    cur.set_topic_jump(first, True)
    cur.set_tags("conversation", first, CharacterTraits("outgoing", "student", ["hiking", " "]))
    path = ws.path
    ws.close()
    ws2 = Workspace(path)
    try:
        c2 = CurationStore(ws2)
        assert c2.context_notes([first]) == {first: ("阿杰是我大学室友，我们常一起爬山", "system")}
        assert c2.tags_for("conversation", [first]) == {
            first: {"personality": "outgoing", "occupation": "student", "interests": ["hiking"]}}
        assert c2.queue("flagged")[1] == 1 and c2.queue("noted")[1] == 1
        c2.undo()  # the tags
        assert c2.tags_for("conversation", [first]) == {}
        c2.undo()  # the flag
        assert c2.queue("flagged")[1] == 0 and c2.queue("noted")[1] == 1
        with pytest.raises(BadInputError):
            c2.set_note(first, "x" * 3000)
    finally:
        ws2.close()


def test_an_edit_is_used_everywhere_and_rescanned_for_personal_data(ws: Workspace):
    cur = CurationStore(ws)
    PiiStore(ws).scan()
    mid = msg_id(ws, "还没呢 晚上写")
    assert cur.edit(mid, "还没呢 晚上写完发你 13812345678")
    raw = ws.conn.execute("SELECT text FROM messages WHERE id = ?", (mid,)).fetchone()[0]
    assert raw == "还没呢 晚上写"  # the import stays untouched
    conv = ws.conn.execute("SELECT conv_id FROM messages WHERE id = ?", (mid,)).fetchone()[0]
    shown = ws.conversation_messages(conv).set_index("id")
    assert shown.loc[mid, "text"].endswith("13812345678") and shown.loc[mid, "edited"]
    redacted = Redactor(ws).message(mid, shown.loc[mid, "text"])
    assert "13812345678" not in redacted and "<PHONE_1>" in redacted
    cur.undo()
    assert not ws.conversation_messages(conv).set_index("id").loc[mid, "edited"]
    assert ws.conn.execute("SELECT COUNT(*) FROM pii_hits WHERE message_id = ?", (mid,)).fetchone()[0] == 0
    assert not cur.edit(mid, "还没呢 晚上写")  # the original text: no edit stored
    with pytest.raises(BadInputError):
        cur.edit(mid, "   ")


def test_split_and_merge_survive_resegmentation_and_undo(ws: Workspace):
    cur = CurationStore(ws)
    first, second, third = conv_ids(ws)
    jump = msg_id(ws, "对了 明天的报告你写完没")
    assert cur.split(jump) == jump
    assert conv_ids(ws) == [first, jump, second, third]
    with pytest.raises(BadInputError):
        cur.split(jump)  # already a start
    assert cur.merge_with_previous(third) == second
    assert conv_ids(ws) == [first, jump, second]
    ws.set_segment_config(SegmentConfig(gap_minutes=45))  # settings change: the manual cuts stay
    assert conv_ids(ws) == [first, jump, second]
    cur.undo()  # the merge
    assert conv_ids(ws) == [first, jump, second, third]
    cur.undo()  # the split
    assert conv_ids(ws) == [first, second, third]
    with pytest.raises(BadInputError):
        cur.merge_with_previous(first)


def test_merging_back_a_split_removes_the_cut(ws: Workspace):
    cur = CurationStore(ws)
    jump = msg_id(ws, "对了 明天的报告你写完没")
    cur.split(jump)
    cur.merge_with_previous(jump)
    assert ws.conn.execute("SELECT COUNT(*) FROM conv_bounds").fetchone()[0] == 0
    assert len(conv_ids(ws)) == 3


def test_trait_card_round_trip_and_catchphrase_defaults(ws: Workspace):
    import pandas as pd

    traits = mine(pd.DataFrame({"time": ["2024-05-01T09:00:00"] * 4, "kind": ["text"] * 4,
                                "text": ["好滴", "好滴", "好滴呀", "冲呀"]}))
    card = load_card(ws, traits)
    assert card.catchphrases and card.catchphrases[0] == "好滴"
    saved = save_card(ws, TraitCard("cheerful", "designer", ["猫", "火锅"], "enfp", ["好滴"]))
    assert saved.mbti == "ENFP"
    assert load_card(ws).character_traits() == {"personality": "cheerful", "occupation": "designer",
                                                "interests": ["猫", "火锅"]}
    with pytest.raises(BadInputError):
        save_card(ws, TraitCard(mbti="ABCD"))


GROUP_CHAT = """01/05/2024, 09:00 - Alice: Morning all! Coffee later?
01/05/2024, 09:01 - Bob: Sure, where?
01/05/2024, 09:01 - Carol: Count me in
01/05/2024, 09:02 - Me Myself: The usual place at ten
01/05/2024, 09:03 - Alice: Great see you there
01/05/2024, 09:04 - Me Myself: See you
"""

V3_VIEW = """CREATE VIEW conv_effective AS
    SELECT c.*, COALESCE(k.decision, '') AS decision, COALESCE(k.reason, '') AS decision_reason,
           COALESCE(k.topic_jump, 0) AS topic_jump, COALESCE(k.note, '') AS note,
           CASE WHEN k.decision = 'drop' THEN 'dropped by me'
                WHEN k.decision = 'keep' AND c.excluded_reason IN ('too short', 'group chat (excluded by default)')
                THEN '' ELSE c.excluded_reason END AS effective_reason
    FROM conversations c LEFT JOIN curation k ON k.conv_id = c.id"""


def test_a_kept_group_conversation_is_not_trainable_even_in_an_upgraded_workspace(tmp_path: Path):
    """Issue 18: "keep" lifts 'too short', never 'group chat'. A workspace written before the fix (schema 7, the
    old view) upgrades on open; its curation counts and funnel then follow the group switch too."""
    from lib.segment import C_GROUP

    path = tmp_path / "ws"
    w = Workspace(path)
    try:
        w.import_paths([write(tmp_path, "WhatsApp Chat with Friends.txt", GROUP_CHAT, encoding="utf-8")],
                       me="Me Myself")
        conv = w.conn.execute("SELECT id FROM conversations").fetchone()[0]
        assert w.conn.execute("SELECT excluded_reason FROM conversations").fetchone()[0] == C_GROUP
        CurationStore(w).decide(conv, "keep")
        # turn it back into a schema-7 workspace: the old view, the old version
        w.conn.execute("DROP VIEW conv_effective")
        w.conn.execute(V3_VIEW)
        w.conn.execute("PRAGMA user_version=7")
        w.touch()
        assert CurationStore(w).counts()["trainable"] == 1  # the bug, as an old MeTwin saw it
    finally:
        w.close()
    w = Workspace(path)
    try:
        cur = CurationStore(w)
        assert w.conn.execute("PRAGMA user_version").fetchone()[0] >= 8
        counts = cur.counts()
        assert counts["kept"] == 1 and counts["trainable"] == 0
        assert cur.conversation(conv)["effective_reason"] == C_GROUP
        assert trainable(w) == 0 and dict(w.funnel())["my turns to learn from"] == 0
        reasons = w.drop_reasons()
        assert ("conversation", C_GROUP) in set(zip(reasons["level"], reasons["reason"]))
        w.set_segment_config(SegmentConfig(include_groups=True))  # the segmentation's group switch still decides
        assert CurationStore(w).counts()["trainable"] == 1 and trainable(w) == 1
    finally:
        w.close()
