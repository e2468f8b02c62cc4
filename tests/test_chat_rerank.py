"""The offline twin's learned re-ranker (issue 19, lib/chat/rerank.py): it recovers a preference planted in a
synthetic history, never learns from the query's own conversation, stays within its time bound, and leaves small
histories to the hand-set score."""
from __future__ import annotations

import json
import random
import time

import numpy as np
import pytest

from lib.chat import offline, rerank
from lib.chat.base import ChatParams
from lib.chat.offline import OfflineTwin
from lib.export.records import Record, Turn

COLD = ChatParams(temperature=0)
PERIODS = 8
CONVS_PER_PERIOD = 40
CATCH = ["zorblax", "quintreth", "mulvaddo", "peskarine", "drovolux", "faltherin", "gimbrosk", "hollevant"]
GENERIC = ["how was your day", "what are you up to", "any news", "how is it going", "what's new with you"]


def _history(seed: int = 3) -> list[Record]:
    """Conversations in time order; in each period the owner's replies carry that period's catchphrase (topics and
    habits cluster in time). Friends' messages are generic plus random words, so retrieval alone cannot tell which
    period a reply comes from: only the time features can."""
    rng = random.Random(seed)
    vocab = [f"w{k}x" for k in range(300)]
    recs = []
    conv = 0
    for p in range(PERIODS):
        for _ in range(CONVS_PER_PERIOD):
            turns = []
            for _ in range(2):
                turns.append(Turn("human", f"{rng.choice(GENERIC)} {rng.choice(vocab)} {rng.choice(vocab)}"))
                turns.append(Turn("gpt", f"{CATCH[p]} {' '.join(rng.sample(vocab, 3))}"))
            recs.append(Record(conv, conv, "friend", f"2024-01-01T00:{conv % 60:02d}:00", "", turns))
            conv += 1
    return recs


@pytest.fixture(scope="module")
def planted() -> OfflineTwin:
    return OfflineTwin.from_records(_history())


def _period(reply: str) -> int:
    return next(p for p, c in enumerate(CATCH) if c in reply)


def test_learner_recovers_a_planted_preference_for_the_latest_period(planted: OfflineTwin, monkeypatch):
    assert planted.size == 2 * PERIODS * CONVS_PER_PERIOD >= rerank.MIN_EXCHANGES
    model = planted._ranker
    assert model is not None and model.queries >= rerank.MIN_QUERIES
    # The target rewards the candidates of the query's own period, so nearness in time must carry a preference.
    w = dict(zip(rerank.FEATURES, model.weights / model.std))
    assert w["near"] < 0
    rng = random.Random(11)
    queries = [[{"role": "user", "content": f"{rng.choice(GENERIC)} w{rng.randrange(300)}x"}] for _ in range(60)]
    learned = [_period(planted.reply(q, COLD)) for q in queries]
    monkeypatch.setattr(rerank, "MIN_EXCHANGES", 10 ** 9)  # the same history with the hand-set score only ...
    monkeypatch.setattr(offline, "RECENCY", 0.0)  # ... and without the recency prior: no notion of time at all
    monkeypatch.setattr(offline, "RECENCY_SCORE", 0.0)
    hand_twin = OfflineTwin.from_records(_history())
    assert hand_twin._ranker is None
    hand = [_period(hand_twin.reply(q, COLD)) for q in queries]
    # At reply time "now" is after the last pair: the learned twin answers in the latest periods' words far more
    # often than the hand-set score, which has no notion of time (a quarter of the periods: about a quarter).
    late, late_hand = np.mean([p >= PERIODS - 2 for p in learned]), np.mean([p >= PERIODS - 2 for p in hand])
    assert late >= 0.4 and late >= late_hand + 0.2, (late, late_hand)
    assert np.mean(learned) >= np.mean(hand) + 0.75, (np.mean(learned), np.mean(hand))


def test_training_never_sees_the_querys_own_conversation(monkeypatch):
    twin = OfflineTwin.from_records(_history(seed=5))
    seen: list[tuple[int, list[int], tuple[int, int]]] = []
    real_pool = OfflineTwin._pool

    def spy(self, q, want, given=frozenset(), excluded=frozenset(), span=None):
        out = real_pool(self, q, want, given, excluded, span)
        seen.append((len(seen), out[0], span))
        return out

    monkeypatch.setattr(OfflineTwin, "_pool", spy)
    rerank.collect(twin, queries=150, budget_s=30.0)
    assert len(seen) >= 100
    for _, idx, span in seen:
        assert span is not None and span[1] - span[0] == 2  # two exchanges per conversation: both left out
        convs = {twin._convs[i] for i in range(*span)}
        assert len(convs) == 1 and all(twin._convs[i] not in convs for i in idx)


def test_conversation_spans_are_contiguous_ranges_of_the_index():
    twin = OfflineTwin.from_records(_history())
    for i in range(twin.size):
        a, b = twin._conv_span(i)
        assert a <= i < b and {twin._convs[j] for j in range(a, b)} == {twin._convs[i]}
        assert (a == 0 or twin._convs[a - 1] != twin._convs[i]) and (b == twin.size or twin._convs[b] != twin._convs[i])
    pairs = OfflineTwin([("a b", "c d"), ("e f", "g h")])  # no conversations: each pair is its own
    assert pairs._conv_span(0) == (0, 1) and pairs._conv_span(1) == (1, 2)


def test_training_is_bounded_by_its_budget_and_query_count(planted: OfflineTwin):
    t0 = time.process_time()
    xs = rerank.collect(planted, queries=10_000, budget_s=0.05)[0]
    assert time.process_time() - t0 < 0.5 and 0 < len(xs) < planted.size
    assert len(rerank.collect(planted, queries=30, budget_s=30.0)[0]) <= 30
    assert rerank.train(planted, queries=30) is None  # fewer usable queries than MIN_QUERIES: no model
    assert planted._ranker is not None and planted._ranker.train_cpu_s < rerank.BUDGET_S + 1.0


def test_a_small_history_keeps_the_hand_set_score():
    pairs = [(f"问题{i} 吃饭", f"回答{i} 好的") for i in range(rerank.MIN_EXCHANGES - 1)]
    twin = OfflineTwin(pairs)
    assert twin._ranker is None
    convo = [{"role": "user", "content": "问题3 吃饭"}]
    cands = twin.explain(convo, COLD, k=5)
    idx = [c.index for c in cands]
    q = twin._query(convo)
    _, total, _, _ = twin._pool(q, 40)
    w = np.maximum(total[idx].astype(np.float64), 1e-9) ** 2
    assert twin.reply(convo, COLD) == cands[0].reply
    assert len(twin._hand(idx, total, twin._fit(idx, w, "问题3 吃饭"), "问题3 吃饭", False)) == len(idx)


def test_features_and_gains_are_finite_and_the_gain_prefers_the_real_reply(planted: OfflineTwin):
    xs, ms, hs, rs, hand = rerank.collect(planted, queries=120, budget_s=30.0)
    ys = rerank.gains(ms, hs, rs)
    assert all(np.isfinite(x).all() for x in xs) and all(x.shape[1] == len(rerank.FEATURES) for x in xs)
    # A candidate identical to the real reply gains more than any other candidate would.
    m, h, r = ms[0], hs[0], rs[0]
    perfect = rerank.gains([np.vstack([m, r])], [np.vstack([h, r])], [r])[0]
    assert perfect[-1] >= perfect[:-1].max()
    assert len(ys) == len(xs) == len(hand)


@pytest.mark.parametrize("prior", [(0.0, 0.0), (8.0, 0.1)])
def test_an_exchange_replayed_word_for_word_is_still_recalled(planted: OfflineTwin, prior, monkeypatch):
    """Training never sees "this very exchange again" (its conversation is left out), so recall stays hand-set: the
    learned twin answers a replayed exchange with what the owner said then -- also under a recency prior (this one
    is from the middle of the history; a prior once buried it under newer, weaker matches)."""
    monkeypatch.setattr(offline, "RECENCY", prior[0])
    monkeypatch.setattr(offline, "RECENCY_SCORE", prior[1])
    rec = _history()[123]
    convo = [{"role": "user", "content": rec.turns[0].text}, {"role": "assistant", "content": rec.turns[1].text},
             {"role": "user", "content": rec.turns[2].text}]
    assert planted._ranker is not None
    assert planted.reply(convo, COLD) == rec.turns[3].text
    assert planted.explain(convo, COLD, k=1)[0].reply == rec.turns[3].text


def test_a_stored_model_round_trips_and_refuses_another_index(planted: OfflineTwin):
    model = planted._ranker
    d = model.to_dict(planted.size)
    assert all(isinstance(v, (int, float, str, list)) for v in d.values())  # plain numbers: no text of mine
    back = rerank.Ranker.from_dict(json.loads(json.dumps(d)), planted.size)
    assert back is not None and np.array_equal(back.weights, model.weights) and back.slope == model.slope
    assert rerank.Ranker.from_dict(d, planted.size + 1) is None  # fitted on another index
    assert rerank.Ranker.from_dict({**d, "version": "old"}, planted.size) is None  # by another version of the code
    assert rerank.Ranker.from_dict({**d, "std": [0.0] * len(rerank.FEATURES)}, planted.size) is None
    assert rerank.Ranker.from_dict({**d, "weights": [1.0]}, planted.size) is None
    assert rerank.Ranker.from_dict("garbage", planted.size) is None


def test_a_twin_built_with_its_stored_model_does_not_train_and_ranks_alike(planted: OfflineTwin, monkeypatch):
    stored = planted._ranker.to_dict(planted.size)

    def no_training(twin, *a, **k):
        raise AssertionError("trained although a fitting model was stored")

    monkeypatch.setattr(rerank, "train", no_training)
    again = OfflineTwin.from_records(_history(), model=stored)
    assert again._ranker_restored and again._ranker is not None
    rng = random.Random(5)
    for _ in range(20):
        q = [{"role": "user", "content": f"{rng.choice(GENERIC)} w{rng.randrange(300)}x"}]
        assert [c.reply for c in again.explain(q, COLD, k=5)] == [c.reply for c in planted.explain(q, COLD, k=5)]


def _owner_rows(n_convs: int) -> list[tuple[int, str, str]]:
    rng = random.Random(8)
    rows = []
    for c in range(n_convs):
        for k in range(4):
            t = f"2024-{1 + c // 28:02d}-{1 + c % 28:02d} {9 + k // 2:02d}:{(k % 2) * 20:02d}:00"
            rows.append((0, t, f"{rng.choice(GENERIC)} {rng.choice(CATCH)}"))
            rows.append((1, t.replace(":00:00", ":05:00").replace(":20:00", ":25:00"),
                         f"{rng.choice(CATCH)} {' '.join(rng.sample(CATCH, 2))}"))
    return rows


def test_from_workspace_stores_the_model_and_a_new_process_reuses_it(tmp_path, monkeypatch):
    """Only the first build after a change of the data trains: the fitted numbers are kept in the workspace's cache
    folder, keyed by the data's stamp, and a later process (an empty in-memory cache) builds without training."""
    from lib import workspace as workspace_mod
    from lib.chat import offline
    from lib.curate.store import CurationStore
    from lib.workspace import Workspace
    from tests.helpers import memotrace_csv, write

    ws = Workspace(tmp_path / "ws")
    ws.import_paths([write(tmp_path, "chat.csv", memotrace_csv(_owner_rows(60)))])
    first = OfflineTwin.from_workspace(ws)
    assert first.size >= rerank.MIN_EXCHANGES and first._ranker is not None and not first._ranker_restored
    stored = json.loads((ws.path / offline.MODEL_FILE).read_text(encoding="utf-8"))
    assert set(stored) == {"key", "model"} and stored["model"]["size"] == first.size
    calls = []
    real_train = rerank.train
    monkeypatch.setattr(rerank, "train", lambda twin, *a, **k: calls.append(1) or real_train(twin, *a, **k))
    monkeypatch.setattr(workspace_mod, "_SHARED", {})  # a new process: nothing built in memory yet
    second = OfflineTwin.from_workspace(ws)
    assert second is not first and second._ranker_restored and not calls
    assert np.array_equal(second._ranker.weights, first._ranker.weights)
    q = [{"role": "user", "content": f"{GENERIC[0]} {CATCH[1]}"}]
    assert second.reply(q, COLD) == first.reply(q, COLD)
    # The data changes (a conversation dropped): the stored model is for other data, so the twin trains again.
    cid = ws.conn.execute("SELECT id FROM conversations ORDER BY start_time LIMIT 1").fetchone()[0]
    CurationStore(ws).decide(cid, "drop")
    third = OfflineTwin.from_workspace(ws)
    assert calls and not third._ranker_restored and third.size < first.size
    ws.close()


def test_typical_gain_prefers_my_everyday_words_at_the_same_length_and_never_counts_a_reply_against_itself():
    """The typicality gain (what a random reply of mine would share with this one, weighed as chrF weighs it): of two
    replies of one length, the one made of my everyday words gains more; a reply that is in the sample is not
    credited for matching itself (else every sampled reply would look typical)."""
    rng = random.Random(5)
    everyday = ["haha yes", "see you soon", "sounds good", "yes see you", "good haha"]
    pairs = [(f"question {k} {rng.random():.6f}", rng.choice(everyday) + f" {k % 7}") for k in range(300)]
    pairs.append(("odd one", "qzxv jkwq pfft"))  # as long as an everyday reply, made of letters I never use
    pairs.append(("another", "yes good haha"))
    twin = OfflineTwin(pairs)
    typical = rerank.Typicality(twin, sample=len(pairs))
    assert typical.sampled.all()
    odd = next(i for i in range(twin.size) if "qzxv" in twin._turns[int(twin._reply[i])])
    usual = next(i for i in range(twin.size) if twin._turns[int(twin._reply[i])] == "yes good haha")
    gain = typical.of(twin, np.array([odd, usual]))[:, 2]
    assert len(twin._turns[int(twin._reply[odd])]) >= len(twin._turns[int(twin._reply[usual])])
    assert gain[1] > gain[0]
    # The odd reply shares nothing with any other: with itself left out, its expected shared n-grams are ~0.
    m, _ = typical._expected(twin, [odd])
    assert m[0, 2:].max() < 1e-9
