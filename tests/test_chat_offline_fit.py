"""The offline twin's re-ranking (issue 19): the length it pulls towards is the owner's mean (not the median), and an
exchange replayed word for word is answered with what the owner said then, whatever its length."""
from __future__ import annotations

import numpy as np

import lib.chat.offline as offline
from lib.chat.base import ChatParams
from lib.chat.offline import OfflineTwin

COLD = ChatParams(temperature=0)

# A skewed owner: many short replies, a few long ones (as in real chats: median well below the mean).
SKEWED = [(f"问题{i}", r) for i, r in enumerate(["好", "嗯", "行", "哈哈", "可以", "好的呀", "没问题",
                                                 "今天下班以后我先回家换件衣服然后再去找你吃饭好不好",
                                                 "这个周末我想去海边走走顺便拍点照片你要不要一起来"])]


def test_length_target_is_the_mean_reply_length_not_the_median():
    twin = OfflineTwin(SKEWED)
    lengths = [len(r) for _, r in SKEWED]
    assert twin._target_len == offline.LENGTH_TARGET * np.mean(lengths)
    assert twin._target_len > np.median(lengths)


LONG = "那家客栈叫风花雪月，在古城北门进去第二条巷子，老板是四川人，院子里有一棵很大的三角梅。" * 12
QUESTION = "你还记得我们在大理住的那家客栈叫什么吗"
RECALL = SKEWED + [(QUESTION, LONG), ("你还记得吗", "记得呀"), ("我们住的那家客栈怎么样", "还不错"),
                   ("大理那家店叫什么", "忘了"), ("你还记得我们在哪吃的吗", "记得 在古城"),
                   ("客栈叫什么来着", "不记得了")]


def _scores(twin: OfflineTwin, text: str) -> dict[str, float]:
    return {c.reply: c.score for c in twin.explain([{"role": "user", "content": text}], COLD, k=6)}


def test_an_exchange_replayed_word_for_word_gets_what_i_said_then(monkeypatch):
    """A match far ahead of the rest (this very exchange again) gets DECISIVE_BONUS, however long its reply."""
    twin = OfflineTwin(RECALL)
    assert len(LONG) > 10 * twin._target_len  # the length term is against it (the mean includes it)
    with_bonus = _scores(twin, QUESTION)
    assert twin.reply([{"role": "user", "content": QUESTION}], COLD) == LONG
    monkeypatch.setattr(offline, "DECISIVE_BONUS", 0.0)
    without = _scores(twin, QUESTION)
    assert abs(with_bonus[LONG] - without[LONG] - 0.5) < 1e-9
    assert all(abs(with_bonus[r] - without[r]) < 1e-9 for r in without if r != LONG)


def test_no_bonus_when_two_matches_are_close(monkeypatch):
    """Two replies to the same prompt match alike: neither is "this exchange again", the usual ranking decides."""
    twin = OfflineTwin(SKEWED + [("周末干嘛", "嗯嗯"), ("周末干嘛", "在家看书去散步")])
    with_bonus = _scores(twin, "周末干嘛")
    monkeypatch.setattr(offline, "DECISIVE_BONUS", 0.0)
    assert _scores(twin, "周末干嘛") == with_bonus
