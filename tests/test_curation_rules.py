"""Suggested drops: crafted conversations with known answers for every reason, and a speed check."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from lib.curate.rules import REASONS, DropRules, bigram_overlap, duplicates, suggest_drops

DAY = "2024-05-01"


def conv(first_id: int, rows: list[tuple], day: str = DAY) -> pd.DataFrame:
    """One conversation; rows are ("HH:MM", who "me"/"them", kind, text). Ids count up from ``first_id``."""
    out = []
    for i, (hhmm, who, kind, text) in enumerate(rows):
        out.append({"id": first_id + i, "conv_id": first_id, "time": f"{day}T{hhmm}:00", "is_me": who == "me",
                    "kind": kind, "text": text, "turn": i})
    return pd.DataFrame(out)


def frame(*convs: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(convs, ignore_index=True)


def reasons_of(out: pd.DataFrame, conv_id: int) -> list[str]:
    return out.loc[out["conv_id"] == conv_id, "reason"].tolist()


def row(out: pd.DataFrame, conv_id: int, reason: str) -> pd.Series:
    hit = out[(out["conv_id"] == conv_id) & (out["reason"] == reason)]
    assert len(hit) == 1, out
    return hit.iloc[0]


GOOD = [("09:00", "them", "text", "周末有空吗？一起去爬山吧"), ("09:01", "me", "text", "好啊，几点出发？我带水和零食"),
        ("09:03", "them", "text", "早上八点，地铁站见"), ("09:04", "me", "text", "没问题，明天见")]


def test_a_good_conversation_gets_no_suggestion_and_columns_are_typed():
    out = suggest_drops(conv(1, GOOD))
    assert out.empty
    assert list(out.columns) == ["conv_id", "reason", "detail", "at_message", "other_conv"]
    assert str(out["conv_id"].dtype) == "int64" and str(out["at_message"].dtype) == "int64"


def test_empty_frame():
    empty = pd.DataFrame(columns=["id", "conv_id", "time", "is_me", "kind", "text", "turn"])
    out = suggest_drops(empty)
    assert out.empty and list(out.columns) == ["conv_id", "reason", "detail", "at_message", "other_conv"]
    assert str(out["other_conv"].dtype) == "int64"


def test_too_short_my_side_says_almost_nothing():
    df = frame(conv(1, [("09:00", "them", "text", "你今天晚上几点下班？要不要一起吃饭"),
                        ("09:05", "me", "text", " 嗯 ")]),
               conv(10, [("10:00", "them", "text", "did you get the file?"), ("10:01", "me", "text", "ok"),
                         ("10:02", "me", "sticker", "")]),
               conv(20, [("11:00", "them", "text", "在吗"), ("11:01", "me", "text", "在的在的")]))  # 4: enough
    out = suggest_drops(df)
    r = row(out, 1, "too_short")
    assert r["detail"] == "my side has 1 character" and r["at_message"] == -1 and r["other_conv"] == -1
    assert row(out, 10, "too_short")["detail"] == "my side has 2 characters"
    assert reasons_of(out, 20) == []
    # The threshold is a rule: raise it and the third one is short too.
    assert reasons_of(suggest_drops(df, DropRules(min_my_chars=5)), 20) == ["too_short"]


def test_bracket_emoji_do_not_count_as_characters():
    df = conv(1, [("09:00", "them", "text", "今天的会议改到下午三点了"), ("09:01", "me", "text", "[OK]好")])
    assert row(suggest_drops(df), 1, "too_short")["detail"] == "my side has 1 character"


def test_placeholders_only_stickers_images_and_bracket_emoji():
    df = frame(conv(1, [("09:00", "them", "text", "看我新买的猫粮"), ("09:01", "me", "sticker", ""),
                        ("09:01", "me", "image", "")]),
               conv(10, [("10:00", "them", "text", "哈哈哈这个视频太好笑了"), ("10:01", "me", "text", "[微笑][呲牙]")]),
               conv(20, [("11:00", "them", "text", "照片收到了吗"), ("11:01", "me", "text", "[图片]"),
                         ("11:02", "me", "voice", "")]),
               conv(30, [("12:00", "them", "text", "look at this"), ("12:01", "me", "text", "[sticker] [Smile]")]),
               conv(40, [("13:00", "them", "text", "收到"), ("13:01", "me", "text", "[微笑]好的好的")]))
    out = suggest_drops(df)
    for c in (1, 10, 20, 30):
        assert reasons_of(out, c) == ["placeholders_only"], c
    d = row(out, 1, "placeholders_only")["detail"]
    assert d.startswith("my side has 2 messages and no words") and "sticker ×1" in d and "image ×1" in d
    assert "emoji text ×1" in row(out, 10, "placeholders_only")["detail"]
    assert reasons_of(out, 40) == []  # real words beside the emoji


def test_no_me():
    df = conv(1, [("09:00", "them", "text", "明天记得带伞"), ("09:01", "them", "text", "会下大雨")])
    out = suggest_drops(df)
    assert reasons_of(out, 1) == ["no_me"]  # not also too_short / placeholders_only
    assert row(out, 1, "no_me")["detail"] == "no message from my side (2 from theirs)"


JUMP = [("11:58", "them", "text", "吃饭了吗"), ("11:59", "me", "text", "吃了，今天食堂的面条不错"),
        ("12:00", "them", "text", "我也想吃面条"),
        ("14:00", "them", "text", "明天的报告写完了吗"),  # two hours later, another subject
        ("14:01", "me", "text", "还没，数据还要再核对一遍"), ("14:03", "them", "text", "那我先把图表做好")]


def test_topic_jump_after_two_hours_is_flagged_at_the_first_message_after_the_gap():
    out = suggest_drops(conv(100, JUMP))
    r = row(out, 100, "topic_jump")
    assert r["at_message"] == 103  # "明天的报告写完了吗"
    assert r["other_conv"] == -1
    assert r["detail"].startswith("120 min silence and 0.0") and r["detail"].endswith("at 14:00")
    assert bigram_overlap("吃饭了吗吃了今天食堂的面条不错我也想吃面条",
                          "明天的报告写完了吗还没数据还要再核对一遍那我先把图表做好") <= 0.05


def test_long_gap_on_the_same_topic_is_not_flagged():
    same = [("12:00", "them", "text", "明天的报告写完了吗"), ("12:01", "me", "text", "还没，数据还要再核对一遍"),
            ("12:02", "them", "text", "好，核对完发我"),
            ("14:00", "me", "text", "报告写完了，数据也核对好了"), ("14:01", "them", "text", "好的，报告发我看看")]
    assert suggest_drops(conv(100, same)).empty


def test_topic_jump_needs_both_a_long_gap_and_low_overlap():
    short_gap = [(t.replace("14:00", "12:10").replace("14:01", "12:11").replace("14:03", "12:12"), w, k, x)
                 for t, w, k, x in JUMP]
    assert suggest_drops(conv(100, short_gap)).empty  # 8 minutes: no candidate
    assert not suggest_drops(conv(100, JUMP), DropRules(max_gap_minutes=180)).size
    loose = suggest_drops(conv(100, short_gap), DropRules(max_gap_minutes=5))
    assert row(loose, 100, "topic_jump")["at_message"] == 103


def test_largest_qualifying_gap_is_reported_and_gaps_across_days_name_the_date():
    rows = [("08:00", "them", "text", "猫又把杯子推下去了"), ("08:01", "me", "text", "哈哈它是故意的吧"),
            ("09:00", "them", "text", "周末去不去看电影"), ("09:01", "me", "text", "去啊，看哪一部？"),  # 59 min
            ("12:00", "them", "text", "老板又改需求了"), ("12:02", "me", "text", "辛苦了，方案还要重做吗")]  # 179 min
    out = suggest_drops(conv(1, rows))
    r = row(out, 1, "topic_jump")
    assert r["at_message"] == 5 and r["detail"].startswith("179 min silence") and r["detail"].endswith("at 12:00")
    two_days = pd.concat([conv(1, JUMP[:3]), conv(1, JUMP[3:], day="2024-05-02").assign(id=lambda d: d["id"] + 3)])
    r = row(suggest_drops(two_days), 1, "topic_jump")
    assert r["at_message"] == 4 and r["detail"].endswith("at 2024-05-02 14:00")


def test_no_words_on_one_side_of_a_gap_is_no_topic_jump():
    rows = [("12:00", "them", "text", "吃饭了吗"), ("12:01", "me", "text", "吃了，今天食堂的面条不错"),
            ("15:00", "them", "sticker", ""), ("15:01", "me", "text", "[微笑]")]
    assert "topic_jump" not in reasons_of(suggest_drops(conv(1, rows)), 1)


LONG = [("09:00", "them", "text", "这个周末我们去杭州玩吧，我看了一下天气预报，周六是晴天，周日可能会下小雨"),
        ("09:02", "me", "text", "好啊好啊，我一直想去西湖边走走，顺便去灵隐寺看看，听说秋天的时候特别漂亮"),
        ("09:03", "them", "text", "那我们坐几点的高铁？我查了一下早上七点半有一班，九点多就能到杭州东站"),
        ("09:05", "me", "text", "七点半有点早，不过可以接受，我定个闹钟。酒店你订了吗？要不要住在湖边"),
        ("09:06", "them", "text", "我看了几家，湖边的贵一点，一晚大概六百，离地铁站近的三百多，你觉得呢"),
        ("09:08", "me", "text", "住近地铁站的吧，省下的钱可以多吃两顿好的")]


def test_exact_and_near_duplicates_point_to_the_earlier_conversation():
    text_len = sum(len(t) for *_, t in LONG)
    assert 190 <= text_len <= 260
    near = [list(r) for r in LONG]
    near[2][3] = near[2][3].replace("七点半", "七点伴")  # one character changed
    df = frame(conv(1, LONG), conv(50, GOOD), conv(100, LONG, day="2024-06-01"),
               conv(200, [tuple(r) for r in near], day="2024-07-01"))
    out = suggest_drops(df)
    assert reasons_of(out, 1) == [] and reasons_of(out, 50) == []
    exact = row(out, 100, "duplicate")
    assert exact["other_conv"] == 1 and exact["detail"] == "same as conversation 1" and exact["at_message"] == -1
    nd = row(out, 200, "duplicate")
    assert nd["other_conv"] == 1
    sim = float(nd["detail"].split()[0])
    assert 0.9 <= sim < 1.0 and nd["detail"].endswith("similar to conversation 1")
    # A stricter rule leaves the near duplicate alone but not the exact one.
    strict = suggest_drops(df, DropRules(near_duplicate=0.99))
    assert reasons_of(strict, 200) == [] and reasons_of(strict, 100) == ["duplicate"]


def test_the_duplicates_pass_alone_gives_exactly_the_duplicate_rows_of_every_rule():
    """The export's near-duplicate pass runs only the duplicate rule; its rows are those of the full suggestions."""
    near = [list(r) for r in LONG]
    near[2][3] = near[2][3].replace("七点半", "七点伴")
    short = [("09:00", "them", "text", "在吗"), ("09:01", "me", "text", "嗯")]
    df = frame(conv(1, LONG), conv(50, GOOD), conv(100, LONG, day="2024-06-01"), conv(150, short),
               conv(200, [tuple(r) for r in near], day="2024-07-01"))
    full = suggest_drops(df)
    assert {"duplicate", "too_short"} <= set(full["reason"])  # the full pass finds more than duplicates here
    want = full[full["reason"] == "duplicate"].reset_index(drop=True)
    got = duplicates(df)
    pd.testing.assert_frame_equal(got, want)
    assert list(got["conv_id"]) == [100, 200]
    assert duplicates(frame(conv(50, GOOD))).empty and duplicates(df.iloc[0:0]).empty


def test_duplicates_ignore_case_and_spacing_but_not_who_said_it():
    q, r = "Did you finish the quarterly report?", "Almost, sending it tonight"
    a = [("09:00", "them", "text", q), ("09:05", "me", "text", r)]
    b = [("10:00", "them", "text", "did you  finish the QUARTERLY report?"),
         ("10:05", "me", "text", "almost,sending it tonight")]
    swapped = [("11:00", "me", "text", q), ("11:05", "them", "text", r)]
    out = suggest_drops(frame(conv(1, a), conv(10, b), conv(20, swapped)))
    assert row(out, 10, "duplicate")["other_conv"] == 1
    assert "duplicate" not in reasons_of(out, 20)


def test_short_repeated_greetings_are_not_duplicates():
    hi = [("09:00", "them", "text", "早"), ("09:01", "me", "text", "早上好呀")]
    hello = [("09:00", "them", "text", "hi"), ("09:01", "me", "text", "hello there")]
    df = frame(*[conv(100 * k + 1, hi if k % 2 else hello, day=f"2024-05-{k + 1:02d}") for k in range(10)])
    assert "duplicate" not in set(suggest_drops(df)["reason"])


def test_copies_of_a_dropped_duplicate_point_to_the_kept_original():
    near = [list(r) for r in LONG]
    near[0][3] = near[0][3].replace("杭州", "杭洲")
    df = frame(conv(1, LONG), conv(10, [tuple(r) for r in near]), conv(20, [tuple(r) for r in near]))
    out = suggest_drops(df)
    assert row(out, 10, "duplicate")["other_conv"] == 1
    r = row(out, 20, "duplicate")
    assert r["other_conv"] == 1 and "similar to conversation 1" in r["detail"]


def test_several_reasons_and_input_order_do_not_matter():
    df = frame(conv(1, LONG), conv(100, LONG, day="2024-06-01"), conv(200, JUMP),
               conv(300, [("09:00", "them", "text", "在吗"), ("09:01", "me", "sticker", "")]))
    out = suggest_drops(df)
    shuffled = suggest_drops(df.sample(frac=1.0, random_state=3).reset_index(drop=True))
    pd.testing.assert_frame_equal(out, shuffled)
    assert out["reason"].isin(REASONS).all()
    assert list(zip(out["conv_id"], out["reason"])) == [(100, "duplicate"), (200, "topic_jump"),
                                                        (300, "placeholders_only")]


# ---------------------------------------------------------------------------------------------------------------------
# Speed

_PHRASE_TEXT = """哈哈哈 好的 收到 在吗 吃了吗 今天好累啊 明天见 晚安 早上好 我到了 你到哪了 等我一下 马上到 路上堵车
周末有空吗 一起吃火锅吧 这个好好笑 笑死我了 真的假的 不会吧 太离谱了 我也是这么想的 你说得对 有道理 算了算了
下班了没 还在加班 老板又改需求了 这个方案还要再改 开会开到现在 刚开完会 中午吃什么 点个外卖吧 奶茶要喝吗
我请你 下次吧 没问题 可以可以 行 好嘞 嗯嗯 对对对 是的 不是吧 怎么了 发生什么了 你还好吗 别担心 会好的
猫又把杯子推下去了 狗子今天拆家了 天气好冷 下雨了记得带伞 出门了吗 到家了 记得吃药 早点睡 别熬夜 [微笑]
这个周末去爬山 票买好了 订了酒店 几点的高铁 我在地铁上 信号不好 听不清 等下打给你 刚看到消息 不好意思回晚了
ok sounds good lol see you tomorrow on my way running late sorry thanks! let me check [呲牙]"""
PHRASES = np.array(_PHRASE_TEXT.split(), dtype=object)


def synthetic_messages(n: int, seed: int = 0) -> pd.DataFrame:
    """About ``n`` messages in conversations of 2–20 messages: mixed kinds and sides, some long silences, and about
    2% exact and 1% one-character-changed copies of earlier conversations."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 21, size=n // 10 + 2)
    sizes = sizes[np.cumsum(sizes) <= n]
    m = int(sizes.sum())
    conv_no = np.repeat(np.arange(len(sizes)), sizes)
    first = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    ids = np.arange(1, m + 1, dtype=np.int64)
    conv_id = ids[first][conv_no]
    step = rng.integers(5, 300, size=m)
    step[first] = rng.integers(3600, 86400, size=len(sizes))  # between conversations
    step[rng.random(m) < 0.01] = 1800  # some 30-minute silences inside conversations
    secs = np.cumsum(step)
    when = np.datetime64("2020-01-01T00:00:00") + secs.astype("timedelta64[s]")
    kind = rng.choice(np.array(["text", "sticker", "image", "voice"], dtype=object), size=m, p=[0.86, 0.08, 0.04, 0.02])
    text = PHRASES[rng.integers(0, len(PHRASES), m)] + PHRASES[rng.integers(0, len(PHRASES), m)]
    text = np.where(kind == "text", text, "")
    df = pd.DataFrame({"id": ids, "conv_id": conv_id, "time": np.datetime_as_string(when, unit="s"),
                       "is_me": rng.random(m) < 0.5, "kind": kind, "text": text, "turn": 0})
    # Copies: pick earlier conversations and append them again with new ids, 1 in 3 with one character changed.
    picks = np.sort(rng.choice(len(sizes), size=max(1, len(sizes) * 3 // 100), replace=False))
    sel = np.isin(conv_no, picks)
    copy = df[sel].copy()
    copy_conv = conv_no[sel]
    copy["id"] = np.arange(m + 1, m + 1 + len(copy))
    _, first_row = np.unique(copy_conv, return_index=True)
    copy["conv_id"] = np.repeat(copy["id"].to_numpy()[first_row], np.diff(np.append(first_row, len(copy))))
    changed = np.isin(copy_conv, picks[::3]) & (copy["kind"] == "text").to_numpy()
    first_text = copy[changed].groupby(copy_conv[changed]).head(1).index  # one character per conversation
    copy.loc[first_text, "text"] = copy.loc[first_text, "text"].str.slice_replace(0, 1, "X")
    out = pd.concat([df, copy], ignore_index=True)
    text_chars = df["text"].str.len().groupby(conv_no).sum().to_numpy()
    out.attrs["copies"] = {int(c): (int(conv_id[first[p]]), bool(p in set(picks[::3])), int(text_chars[p]))
                           for c, p in zip(np.unique(copy["conv_id"]), picks)}  # copy -> (original, changed, chars)
    return out


def test_speed_on_100k_messages():
    df = synthetic_messages(100_000)
    t0 = time.perf_counter()
    out = suggest_drops(df)
    elapsed = time.perf_counter() - t0
    assert elapsed < 10, elapsed
    assert set(out["reason"]) <= set(REASONS)
    dup = out[out["reason"] == "duplicate"].set_index("conv_id")["other_conv"]
    copies = df.attrs["copies"]
    exact = {c: o for c, (o, changed, chars) in copies.items() if not changed and chars >= 20}
    assert len(exact) > 100 and all(dup.get(c) == o for c, o in exact.items())  # every planted exact copy
    near = {c: o for c, (o, changed, chars) in copies.items() if changed and chars >= 100}
    assert len(near) > 10 and all(dup.get(c) == o for c, o in near.items())  # one character in 100+: J >= 0.9
    assert set(dup.index) <= set(copies)  # no false duplicates among random conversations


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_inputs(n):
    df = conv(1, GOOD).head(n)
    out = suggest_drops(df)
    assert list(out.columns) == ["conv_id", "reason", "detail", "at_message", "other_conv"]
