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


def test_vectorised_bm25_and_ngram_matches_agree_with_the_reference_implementations():
    """The twin scores BM25 in one bincount and compares character n-grams as hashed arrays (speed: the learned
    re-ranker scores a thousand training queries at build time); both must count exactly what the plain versions do."""
    from lib.eval.metrics import _chrf_stats

    twin = OfflineTwin(RECALL)
    for text in ("你还记得我们在哪吃的吗", "客栈", "问题3 大理", "zzz"):
        q = twin._query([{"role": "user", "content": text}])
        for fld in (twin._fp, twin._fc):
            assert np.allclose(offline._bm25(fld, q, twin.size), fld.score(q, twin.size), rtol=1e-5, atol=1e-6)
    hyps = ["好的呀 明天见", "hahaha ok see you", "今天下班以后我先回家", "", "😂😂 ok"]
    ref = "好的 明天见呀 haha ok"
    keys, counts, _ = offline._gram_arrays(ref)
    order = np.argsort(keys)
    m, h = offline.matched([offline._gram_arrays(x) for x in hyps], keys[order], counts[order])
    for j, x in enumerate(hyps):
        stats = _chrf_stats(x, ref, offline.FIT_ORDERS)
        assert np.array_equal(h[j], stats[:, 0]) and np.array_equal(m[j], stats[:, 2])


def _same_prompt_history(n: int) -> list[tuple[str, str]]:
    """``n`` pairs answering the very same prompt with replies alike in length and words (``回答`` + a number): only
    their place in time tells them apart."""
    return [("周末干嘛", f"回答{i:03d}") for i in range(n)]


def test_recency_prior_prefers_my_latest_replies_among_equal_matches(monkeypatch):
    """The twin speaks now: among replies that fit alike, the newest wins; without the prior, the oldest (ties)."""
    n = offline.RECENCY_MIN_PAIRS
    monkeypatch.setattr(offline, "RECENCY", 8.0)  # off by default (not measured to help): the mechanism itself
    monkeypatch.setattr(offline, "RECENCY_SCORE", 0.1)
    monkeypatch.setattr(offline.rerank, "MIN_EXCHANGES", 10 ** 9)  # the hand-set score: the prior alone decides
    twin = OfflineTwin(_same_prompt_history(n))
    convo = [{"role": "user", "content": "周末干嘛"}]
    picked = [int(twin.reply(convo, ChatParams(temperature=0.9, seed=s))[2:]) for s in range(20)]
    assert min(picked) >= n - offline.POOL, picked  # all from the latest pool's worth of replies
    assert int(twin.reply(convo, COLD)[2:]) >= n - 5  # the best: among my very latest (their digits fit alike)
    monkeypatch.setattr(offline, "RECENCY", 0.0)
    monkeypatch.setattr(offline, "RECENCY_SCORE", 0.0)
    assert int(twin.reply(convo, COLD)[2:]) < 5  # ties in match: the earlier pairs


def test_recency_prior_is_off_for_a_short_history_and_in_training(monkeypatch):
    """A few dozen replies are one period (no prior); training queries score the pool without it (their "now" is
    inside the history), while reply time multiplies each match by 1 + RECENCY x its place in time."""
    monkeypatch.setattr(offline, "RECENCY", 8.0)
    monkeypatch.setattr(offline, "RECENCY_SCORE", 0.1)
    short = OfflineTwin(_same_prompt_history(offline.RECENCY_MIN_PAIRS - 1))
    assert int(short.reply([{"role": "user", "content": "周末干嘛"}], COLD)[2:]) < 5
    twin = OfflineTwin(_same_prompt_history(offline.RECENCY_MIN_PAIRS))
    q = twin._query([{"role": "user", "content": "周末干嘛"}])
    _, at_reply, sp, sc = twin._pool(q, 40)
    _, in_training, _, _ = twin._pool(q, 40, span=(0, 0))
    assert np.allclose(in_training, sp + offline.CONTEXT_WEIGHT * sc)
    assert np.allclose(at_reply, in_training * (1 + offline.RECENCY * twin._pos), rtol=1e-5)
    assert twin._pos[0] == 0 and twin._pos[-1] == 1
