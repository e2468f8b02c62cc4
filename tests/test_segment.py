"""Segmentation: conversations by gap, bursts merged into turns, and a recorded reason for everything left out."""
from __future__ import annotations

import pandas as pd
import pytest

from lib.segment import (C_GROUP, C_NO_ME, C_NO_THEM, C_ONLY_PLACEHOLDERS, R_EMPTY, R_NONTEXT_CUT, R_NONTEXT_DROP,
                         R_SYSTEM, SegmentConfig, segment, turns)


def frame(rows: list[tuple]) -> pd.DataFrame:
    """rows: (chat_id, 'HH:MM[:SS]' or full ISO, sender, kind, text); me is sender 'me'."""
    out = []
    for i, (chat, t, sender, kind, text) in enumerate(rows, start=1):
        iso = t if "T" in t else f"2024-05-01T{t if t.count(':') == 2 else t + ':00'}"
        out.append({"id": i, "chat_id": chat, "time": iso, "sender": sender, "is_me": sender == "me",
                    "kind": kind, "text": text, "conv_hint": -1})
    return pd.DataFrame(out)


def test_gap_splits_conversations_and_ids_are_first_message_ids():
    df = frame([(1, "09:00", "amy", "text", "hi"), (1, "09:01", "me", "text", "hey"),
                (1, "09:45", "amy", "text", "lunch?"), (1, "09:46", "me", "text", "yes")])
    seg = segment(df, SegmentConfig(gap_minutes=30))
    assert seg.conv_id.tolist() == [1, 1, 3, 3]
    assert seg.conversations["id"].tolist() == [1, 3]
    # A longer gap setting glues them together.
    assert segment(df, SegmentConfig(gap_minutes=60)).conv_id.tolist() == [1, 1, 1, 1]


def test_burst_merges_into_one_turn_and_keeps_their_earlier_message():
    """They send twice before I reply: both of their messages survive, in one turn, joined by a newline."""
    df = frame([(1, "09:00", "amy", "text", "are you free"), (1, "09:02", "amy", "text", "tonight?"),
                (1, "09:03", "me", "text", "yes!"), (1, "09:03:30", "me", "sticker", "")])
    seg = segment(df, SegmentConfig())
    assert seg.turn.tolist() == [0, 0, 1, 1]
    msgs = df.assign(turn=seg.turn)
    t = turns(msgs, lang="en")
    assert t["text"].tolist() == ["are you free\ntonight?", "yes!\n[sticker]"]
    assert t["is_me"].tolist() == [False, True]


def test_merge_window_splits_same_sender_after_a_pause():
    df = frame([(1, "09:00", "amy", "text", "a"), (1, "09:20", "amy", "text", "b"), (1, "09:21", "me", "text", "c")])
    seg = segment(df, SegmentConfig(merge_minutes=10))
    assert seg.turn.tolist() == [0, 1, 2]
    assert seg.conversations.iloc[0]["n_turns"] == 3


def test_every_left_out_message_has_a_reason():
    df = frame([(1, "09:00", "", "system", "amy recalled a message"), (1, "09:01", "amy", "text", "  "),
                (1, "09:02", "amy", "text", "ok"), (1, "09:03", "me", "text", "fine")])
    seg = segment(df, SegmentConfig())
    assert seg.drop_reason.tolist() == [R_SYSTEM, R_EMPTY, "", ""]
    assert seg.conv_id.isna().tolist() == [True, True, False, False]


def test_nontext_policies():
    rows = [(1, "09:00", "amy", "text", "look"), (1, "09:01", "amy", "image", ""), (1, "09:02", "me", "text", "wow"),
            (1, "09:03", "amy", "text", "right?")]
    keep = segment(frame(rows), SegmentConfig(nontext="placeholder"))
    assert keep.drop_reason.tolist() == ["", "", "", ""] and keep.conv_id.nunique() == 1
    drop = segment(frame(rows), SegmentConfig(nontext="drop"))
    assert drop.drop_reason.tolist()[1] == R_NONTEXT_DROP and drop.conv_id.nunique() == 1
    cut = segment(frame(rows), SegmentConfig(nontext="cut"))
    assert cut.drop_reason.tolist()[1] == R_NONTEXT_CUT
    assert cut.conv_id.tolist()[0] != cut.conv_id.tolist()[2]  # the image ended the first conversation


def test_conversation_exclusion_reasons():
    df = frame([(1, "09:00", "amy", "text", "anyone?"),                      # their side only
                (1, "12:00", "me", "text", "note to self"),                  # my side only
                (1, "15:00", "amy", "image", ""), (1, "15:01", "me", "sticker", ""),   # placeholders only
                (2, "09:00", "bob", "text", "group hi"), (2, "09:01", "me", "text", "hi all")])
    seg = segment(df, SegmentConfig(), group_chats={2})
    reasons = dict(zip(seg.conversations["id"], seg.conversations["excluded_reason"]))
    assert reasons == {1: C_NO_ME, 2: C_NO_THEM, 3: C_ONLY_PLACEHOLDERS, 5: C_GROUP}
    with_groups = segment(df, SegmentConfig(include_groups=True), group_chats={2})
    assert dict(zip(with_groups.conversations["id"], with_groups.conversations["excluded_reason"]))[5] == ""


def test_chats_never_share_a_conversation_and_input_order_is_irrelevant():
    df = frame([(2, "09:00:05", "bob", "text", "b1"), (1, "09:00", "amy", "text", "a1"),
                (1, "09:00:10", "me", "text", "a2"), (2, "09:00:20", "me", "text", "b2")])
    seg = segment(df, SegmentConfig())
    assert seg.conv_id.tolist() == [1, 2, 2, 1]


def test_conv_hint_separates_pre_cut_conversations_without_times():
    df = pd.DataFrame({"id": [1, 2, 3, 4], "chat_id": 1, "time": "", "sender": ["a", "me", "a", "me"],
                       "is_me": [False, True, False, True], "kind": "text", "text": ["q1", "a1", "q2", "a2"],
                       "conv_hint": [0, 0, 1, 1]})
    seg = segment(df, SegmentConfig())
    assert seg.conv_id.tolist() == [1, 1, 3, 3]
    assert seg.conversations["start_time"].tolist() == ["", ""]


def test_placeholder_language_follows_the_chat():
    df = frame([(1, "09:00", "amy", "text", "你在干嘛呢"), (1, "09:01", "me", "sticker", "😂")])
    msgs = df.assign(turn=segment(df, SegmentConfig()).turn)
    assert turns(msgs)["text"].tolist() == ["你在干嘛呢", "[表情包] 😂"]


def test_config_validation():
    with pytest.raises(ValueError):
        SegmentConfig.from_dict({"nontext": "explode"})
    assert SegmentConfig.from_dict({"gap_minutes": 45, "unknown": 1}).gap_minutes == 45


def test_million_rows_is_fast():
    """A heavy user's history segments in seconds, not minutes."""
    import time

    import numpy as np

    n = 1_000_000
    rng = np.random.default_rng(0)
    secs = np.cumsum(rng.integers(1, 4000, n))
    times = pd.to_datetime(secs, unit="s", origin="2020-01-01").strftime("%Y-%m-%dT%H:%M:%S")
    df = pd.DataFrame({"id": np.arange(1, n + 1), "chat_id": rng.integers(1, 50, n), "time": times,
                       "sender": np.where(rng.random(n) < 0.5, "me", "amy"), "kind": "text", "text": "hi",
                       "conv_hint": -1})
    df["is_me"] = df["sender"] == "me"
    t0 = time.perf_counter()
    seg = segment(df, SegmentConfig())
    assert time.perf_counter() - t0 < 15
    assert seg.conv_id.notna().all()
