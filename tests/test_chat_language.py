"""Issue 18: placeholders and the neutral opening follow each chat's language, not the UI's."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from lib.export import ExportOptions
from lib.export.records import build
from lib.pii.redactor import Redactor
from lib.segment import chat_languages
from lib.workspace import Workspace
from tests.helpers import memotrace_csv, write

EN_CHAT = """01/05/2024, 09:00 - Me Myself: <Media omitted>
01/05/2024, 09:01 - Bob: Nice photo! Where was that taken?
01/05/2024, 09:02 - Me Myself: At the lake last weekend
01/05/2024, 09:03 - Bob: <Media omitted>
01/05/2024, 09:04 - Me Myself: Haha lovely
"""
ZH_ROWS = [(1, "2024-05-01 09:00:00", "早呀 今天去爬山吗"), (0, "2024-05-01 09:01:00", "去！！冲呀"),
           (1, "2024-05-01 09:02:00", "八点地铁站见")]


def test_chat_languages_from_cjk_share():
    df = pd.DataFrame({"chat_id": [1, 1, 2, 2, 3], "kind": ["text", "image", "text", "text", "image"],
                       "text": ["see you at ten", "", "今天吃什么", "ok 好的", ""]})
    assert chat_languages(df) == {1: "en", 2: "zh", 3: "en"}
    assert chat_languages(df, "zh") == {1: "zh", 2: "zh", 3: "zh"}  # an explicit setting wins
    assert chat_languages(df.iloc[:0]) == {}


def test_english_chat_gets_english_placeholders_and_opening_under_a_chinese_ui(tmp_path: Path):
    ws = Workspace(tmp_path / "ws")
    try:
        ws.import_paths([write(tmp_path, "WhatsApp Chat with Bob.txt", EN_CHAT, encoding="utf-8"),
                         write(tmp_path, "chat.csv", memotrace_csv(ZH_ROWS))], me="Me Myself")
        opts = ExportOptions(val_ratio=0, min_chars=0, dedup="none")
        recs, _ = build(ws, opts, lambda chat_id: "", Redactor(ws), "zh")  # "zh": the UI/persona language
        by_chat = {r.chat: "\n".join(t.text for t in r.turns) for r in recs}
        assert len(by_chat) == 2, by_chat
        en = next(v for v in by_chat.values() if "Where" in v)
        zh = next(v for v in by_chat.values() if "爬山" in v)
        assert "(starts the chat)" in en and "[message]" in en, en
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in en), en  # no "（开始聊天）", no "[其他消息]"
        assert "（开始聊天）" in zh  # the Chinese chat opened by me keeps its Chinese opening
    finally:
        ws.close()
