"""Trait mining on a crafted chat whose habits are known."""
from __future__ import annotations

import pandas as pd

from lib.persona.traits import mine, mine_workspace, top_phrases
from lib.workspace import Workspace
from tests.helpers import memotrace_csv, write


def crafted() -> pd.DataFrame:
    """An owner who says 好滴呀～ a lot, loves 😂 and [旺柴], sends two bubbles per turn, and chats at 22-23h."""
    rows = []
    for day in range(10):
        conv = day
        for turn in range(3):
            t = f"2024-05-{day + 1:02d}T22:{turn * 10:02d}:00"
            rows.append({"time": t, "kind": "text", "text": "好滴呀～", "conv_id": conv, "turn": turn * 2})
            rows.append({"time": t.replace("T22", "T23"), "kind": "text",
                         "text": "今天的晚饭超好吃😂😂[旺柴]" if turn == 0 else "哈哈哈哈 明天见!!",
                         "conv_id": conv, "turn": turn * 2})
        rows.append({"time": f"2024-05-{day + 1:02d}T09:00:00", "kind": "sticker", "text": "", "conv_id": conv,
                     "turn": 6})
    return pd.DataFrame(rows)


def test_known_habits_are_found():
    tr = mine(crafted())
    assert tr.messages == 70 and tr.text_messages == 60
    assert tr.top_phrases[0] == ("好滴呀～", 30)
    assert tr.top_emoji[0] == ("😂", 20)
    assert tr.top_bracket_emoji == [("[旺柴]", 10)]
    assert tr.sticker_share == round(10 / 70, 3)
    assert tr.punctuation["tilde"] == 0.5 and tr.punctuation["repeated exclamation"] == round(20 / 60, 3)
    assert tr.punctuation["laughter"] == round(20 / 60, 3)
    assert tr.messages_per_turn == round(70 / 40, 2)  # 3 two-bubble turns + 1 sticker turn per conversation
    assert tr.peak_hours == [9, 22, 23] and tr.active_hours[22] == 30 and tr.active_hours[3] == 0
    assert tr.median_length == 7.0  # half are 4 characters, the shortest other is 10


def test_top_phrases_prefer_the_whole_phrase_over_its_pieces():
    text = pd.Series(["哈哈哈笑死", "哈哈哈好的", "哈哈哈 ok", "see you soon", "see you"])
    phrases = dict(top_phrases(text, top=5))
    assert phrases["哈哈哈"] == 3 and "哈哈" not in phrases
    assert phrases["see"] == 2 and "you" not in phrases  # a stop word is no habit


def test_empty_input_gives_empty_traits():
    tr = mine(pd.DataFrame(columns=["time", "kind", "text"]))
    assert tr.messages == 0 and tr.top_phrases == [] and tr.active_hours == [0] * 24


def test_mine_workspace_reads_only_my_messages(tmp_path):
    rows = [(0, "2024-05-01 09:00:00", "你好呀"), (1, "2024-05-01 21:00:00", "okk~"),
            (0, "2024-05-01 21:01:00", "吃了吗"), (1, "2024-05-01 21:02:00", "okk~")]
    ws = Workspace(tmp_path / "ws")
    ws.import_paths([write(tmp_path, "c.csv", memotrace_csv(rows))])
    tr = mine_workspace(ws)
    assert tr.messages == 2 and tr.top_phrases[0] == ("okk~", 2) and tr.peak_hours == [21]
    ws.close()


def test_names_of_people_are_not_catchphrases():
    from lib.persona.traits import mine

    df = pd.DataFrame({"time": ["2024-05-01T09:00:00"] * 6, "kind": ["text"] * 6,
                       "text": ["阿杰你好", "阿杰吃饭", "好滴", "好滴", "阿杰冲呀", "冲呀"]})
    phrases = [p for p, _ in mine(df, names=["阿杰"]).top_phrases]
    assert "好滴" in phrases and "冲呀" in phrases
    assert not any("阿杰" in p or p in "阿杰" for p in phrases)


def test_catchphrases_are_what_the_owner_says_more_than_the_other_side_not_topics():
    import pandas as pd

    mine_ = pd.Series(["今天吃火锅 嘿嘿", "火锅好吃 冲呀", "年糕今天又拆家了", "我给年糕买了猫粮", "年糕在睡觉 嘿嘿",
                       "明天去吃火锅吗", "冲呀", "好的 嘿嘿", "[旺柴][旺柴]", "[旺柴] 冲呀"] * 3)
    theirs = pd.Series(["今天吃火锅吗", "火锅店排队好久", "今天好累", "周末吃火锅", "你在干嘛", "火锅走起"] * 3)
    phrases = [p for p, _ in top_phrases(mine_, top=5, others=theirs)]
    assert phrases[:2] and set(phrases) >= {"嘿嘿", "冲呀"}
    assert not {"火锅", "今天", "年糕", "旺柴"} & set(phrases)  # a shared topic, a cat named mid-sentence, a sticker
