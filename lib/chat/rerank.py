"""A re-ranker for the offline twin, learned per workspace from the owner's own history (self-supervised, no labels).

Why: the hand-set weights of :mod:`lib.chat.offline` were tuned on two chats; what predicts a good reply differs from
owner to owner (one repeats the phrases of the week, another answers a question with a question). Every reply the
owner already wrote is a free training example: its context is a query, the twin's candidate pool for that query is
what the twin could have said, and the real reply says which candidate would have been best.

How it learns
-------------
*Queries.* Up to ``QUERIES`` of the owner's indexed exchanges (a fixed-seed sample): the turns before the reply are
the conversation, and the candidate pool is retrieved exactly as at reply time, except that the query's **own
conversation is left out** (its pairs are contiguous in the index): the real reply, or a later turn of the same talk,
must not be in the pool, or the model would learn "pick the near-copy" (leakage).

*Features* (:data:`FEATURES`, per candidate): the BM25 match relative to the best (total, prompt field, context
field), its rank, the decisive flag, the fit score (expected chrF against the pool), the fit by kind
(:func:`lib.chat.reply_kinds.fit`) and its clash part, how much of the reply echoes the last message, its length against
the owner's mean (signed, absolute, squared, and times the last message's length), time distance from "now" (log
of pairs; the index is in time order, and at reply time "now" is after the last pair), how often the owner sent this
reply, privacy, whether its script matches the last message's, and its **typicality** (:class:`Typicality`: how
many of its n-grams a random reply of the owner's shares, per n-gram and in all, and what that is worth in chrF).

*Target.* The candidate's **marginal contribution to corpus chrF** against the real reply (character 1..4-grams):
corpus chrF sums n-gram statistics over all replies before taking one F-score, so a candidate adds its matched
n-grams to recall and its matched-minus-expected n-grams to precision. Linearised around typical figures, the gain of
a candidate is ``a * mean_n (m_n - p_n h_n) / H_n + b * mean_n m_n / R_n`` (m matched, h its n-grams, p the typical
precision, H and R the typical hypothesis and reference counts, a and b the F-score's slopes). Sentence chrF would
favour what is good on average per reply, not what the corpus figure rewards (long replies weigh more there).

*Model.* Ridge regression on standardised features, with features and target centred **within each query** (only
the order inside a pool matters, not how easy a query is). numpy only; the closed form is solved once.

*Length.* The target rewards matched n-grams, which grow with length; left alone the model would drift towards long
replies (chrF is recall-weighted). A length cost, ``slope`` per unit of log-distance from a centre length, is chosen
on the training queries: among :data:`CENTRES` x :data:`SLOPES`, the pair whose picks score the best corpus chrF
there while their mean length is at most ``LENGTH_GOAL`` times the owner's mean (a property of the owner's history,
not of any test item): the twin cannot win by length.

*What it finds* (two long real WhatsApp chats, ``bench/bench_twin_fidelity.py`` against ``--hand``): corpus chrF
here rewards mostly length near the owner's mean and the owner's everyday n-grams (fit, typicality); the context's
words add little (``bench/chrf_ceiling.py``: with the length held fixed, the retrieval score does not correlate with
the n-grams a candidate shares with the real reply). Learned vs hand-set, ratio to a random reply of the owner's,
dev / test halves: 1.17 / 1.16 vs 1.16 / 1.00 and 1.10 / 1.00 vs 1.13 / 0.97 (one draw each: a draw moves a half by
~0.05), with the twin's mean length at 1.03-1.04 times the real one's; a random reply within 0.8-1.25 times the mean
length scores 1.2-1.3 (``bench/chrf_headroom.py``). ``typical_gain`` (:class:`Typicality`) raised the dev halves from
1.168 / 1.06. Time: the ``near`` feature gets little weight, and neither a recency prior at reply time
(``lib.chat.offline.RECENCY``) nor training on past-only pools (each query's "now" its own time) beat the noise on
the dev halves.

*Scale.* Predictions are mapped onto the hand-set score's spread (mean and standard deviation over the training
pools), so the twin's repetition penalty and sampling temperature keep their meaning.

*Fallback.* Fewer than ``MIN_EXCHANGES`` indexed exchanges, or nothing learnable (no spread): no model, the hand-set
score stays. Training is bounded: at most ``QUERIES`` queries, ``TRAIN_CANDIDATES`` candidates each, and
``BUDGET_S`` CPU seconds (a huge history trains on the queries done by then; up to three times that to reach
``MIN_QUERIES`` on a slow machine).

*Cost.* The first reply on the Chat page waits for the index, so the training must stay small: at 100,000 messages
(16,000 replies) it adds about a second to a 0.7 s index (``bench/bench_chat.py``; it was 2-3 s with 1,500 queries,
which measured no better than 150-300 on the dev halves). The fitted numbers are stored in the workspace
(:meth:`Ranker.to_dict`, :func:`restore`), keyed by the data's stamp and :data:`VERSION`: a new process on unchanged
data (the app restarted, ``serve`` started) reuses them without training.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from lib.chat.reply_kinds import kinds

if TYPE_CHECKING:  # pragma: no cover
    from lib.chat.offline import OfflineTwin

FEATURES: tuple[str, ...] = ("match", "prompt", "context", "rank", "decisive", "fit", "kind", "kind_clash", "echo",
                             "loglen", "abslen", "loglen2", "lastlen_x_loglen", "freq", "private", "script",
                             "typical", "typical_mass", "near", "typical_gain")
MIN_EXCHANGES = 200  # fewer indexed exchanges: too little to learn from, the hand-set score stays
QUERIES = 300  # exchanges sampled as training queries (150..1500 measured alike on the dev halves of two real
# chats, bench_twin_fidelity.py; each costs ~4 ms at 100k messages, and the first reply waits for the training)
TRAIN_CANDIDATES = 40  # candidates per training query (the pool re-ranked at reply time)
BUDGET_S = 1.0  # CPU seconds for the typicality sample and the training queries (those done by then are used);
# CPU, not wall time: on a busy machine the model must not depend on what else runs
MIN_QUERIES = 100  # fewer usable queries than this (after three times the budget): no model
TYPICAL_SAMPLE = 1000  # replies whose n-grams stand for "how I usually write" (the typicality features)
LENGTH_GOAL = 0.97  # the picks' mean length at most this share of my mean reply length (sampling and the
# repetition penalty at reply time then move it by up to a tenth either way: measured on two real chats)
CENTRES = (0.8, 0.9, 1.0, 1.1, 1.25)  # length centres tried, as shares of my mean reply length
SLOPES = (0.0, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)  # length costs tried per unit of log-distance from the centre
RIDGE = 1.0  # L2 penalty on the standardised weights, relative to the number of candidates / 1000
SEED = 19
# What a stored model must match to be reused (Ranker.from_dict): the features, the training's settings and this
# revision of the features' code (bump it when a feature's meaning changes).
VERSION = "|".join(["rerank-4", *FEATURES, str(QUERIES), str(TRAIN_CANDIDATES), str(TYPICAL_SAMPLE), str(SEED),
                     str(LENGTH_GOAL), str(CENTRES), str(SLOPES), str(RIDGE)])


@dataclass
class Ranker:
    """A linear scorer over :data:`FEATURES`: ``scale * ((x - mean) / std . weights - slope * |loglen - shift|)
    + offset``."""

    weights: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    slope: float = 0.0  # extra cost per unit of log-distance from a centre length (``shift`` from the target) ...
    shift: float = 0.0  # ... both chosen on the training queries so that the picks keep my mean length
    scale: float = 1.0
    offset: float = 0.0
    queries: int = 0  # how many training queries it learned from
    train_s: float = 0.0  # wall-clock seconds the training took
    train_cpu_s: float = 0.0  # CPU seconds (what BUDGET_S bounds)

    def raw(self, x: np.ndarray) -> np.ndarray:
        """The predicted gain (target units) of each row of ``x``, before the length slope and the scale."""
        return ((x - self.mean) / self.std) @ self.weights

    def score(self, x: np.ndarray) -> np.ndarray:
        """The re-ranking score of each candidate (row of ``x``), on the hand-set score's scale."""
        return self.scale * (self.raw(x) - self.slope * np.abs(x[:, FEATURES.index("loglen")] - self.shift)) \
            + self.offset

    def to_dict(self, size: int) -> dict:
        """Plain JSON (numbers only, no text of the owner's): the fitted model of an index of ``size`` pairs, stored
        beside the workspace so that the next process opening the same data does not train again."""
        return {"version": VERSION, "size": int(size), "weights": self.weights.tolist(), "mean": self.mean.tolist(),
                "std": self.std.tolist(), "slope": self.slope, "shift": self.shift, "scale": self.scale,
                "offset": self.offset, "queries": self.queries}

    @classmethod
    def from_dict(cls, d: object, size: int) -> Ranker | None:
        """The model stored by :meth:`to_dict`, or None when it was fitted by another version of this module, on an
        index of another size, or is damaged (then the twin trains afresh)."""
        try:
            if not isinstance(d, dict) or d.get("version") != VERSION or int(d["size"]) != int(size):
                return None
            arrays = [np.asarray(d[k], dtype=np.float64) for k in ("weights", "mean", "std")]
            if any(a.shape != (len(FEATURES),) or not np.isfinite(a).all() for a in arrays) or (arrays[2] <= 0).any():
                return None
            extra = [float(d[k]) for k in ("slope", "shift", "scale", "offset")]
            if not all(math.isfinite(v) for v in extra):
                return None
            return cls(*arrays, *extra, queries=int(d.get("queries", 0)))
        except (KeyError, TypeError, ValueError):
            return None


class Typicality:
    """How typical of the owner's writing each reply is: per order, the expected number of its character n-grams
    that a random reply of the owner's also holds (document frequency over a fixed sample of replies). chrF rewards
    replies made of the owner's everyday n-grams when the exact words cannot be predicted.

    Three columns per reply: the expected shared n-grams divided by the reply's own (share) and undivided (mass),
    both averaged over orders, and the **expected gain** in corpus chrF against a random reply of the owner's,
    linearised as in :func:`gains` (per order ``a (m - p h) / H + b m / H``; ``p`` the typical precision and ``H`` the
    typical n-gram count of the sample). The gain weighs matches against length the way chrF does, which a linear
    model over share, mass and log-length cannot (``bench/chrf_ceiling.py``: the most typical reply by this gain at
    the owner's mean length beat the learned order on both real chats)."""

    def __init__(self, twin: OfflineTwin, sample: int = TYPICAL_SAMPLE, seed: int = SEED) -> None:
        from lib.chat.offline import FIT_ORDERS, _concat

        picked = np.random.default_rng(seed).permutation(twin.size)[:sample]
        keys = _concat([twin._ngrams(int(i)) for i in picked])[0]
        self.keys, df = np.unique(keys, return_counts=True)
        self.size = max(1, len(picked))
        self.df = df / self.size
        self.sampled = np.zeros(twin.size, dtype=bool)
        self.sampled[picked] = True
        self.cache = np.full((twin.size, 3), np.nan)
        m, h = self._expected(twin, picked.tolist())
        h_mean, m_mean = h.mean(axis=0) if len(h) else np.zeros(FIT_ORDERS), m.mean(axis=0) if len(m) else 0.0
        self.h_mean = np.maximum(h_mean, 1e-9)
        self.p = np.where(h_mean > 0, m_mean / self.h_mean, 0.0)
        pb = float(self.p[h_mean > 0].mean()) if (h_mean > 0).any() else 0.0
        # dF/dP and dF/dR of chrF (beta 2) where precision = recall = pb (a typical reply's length is the mean)
        self.a, self.b = (0.2, 0.8) if pb > 0 else (0.0, 0.0)

    def _expected(self, twin: OfflineTwin, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Per reply and order: the expected n-grams shared with a random sampled reply (itself left out) and its
        own n-gram count."""
        from lib.chat.offline import FIT_ORDERS, matched

        grams = [twin._ngrams(i) for i in ids]
        # Expected matches against a random reply ~ sum of count x document frequency (counts above 1 rarely
        # match twice): ``matched`` with the df as the reference counts, then the counts themselves.
        exp = [(k, c * 0 + 1, o) for k, c, o in grams]
        m, _ = matched(exp, self.keys, self.df)
        own = np.array([np.bincount(o, None, FIT_ORDERS) for _, _, o in grams]).reshape(len(ids), FIT_ORDERS)
        m = np.where(self.sampled[ids][:, None], np.maximum(m - own / self.size, 0.0), m) if ids else m
        h = np.array([np.bincount(o, c, FIT_ORDERS) for _, c, o in grams]).reshape(len(ids), FIT_ORDERS)
        return m, h

    def of(self, twin: OfflineTwin, ids: np.ndarray) -> np.ndarray:
        """(typical share, typical mass, typical gain) of each pair in ``ids``."""
        todo = [int(i) for i in ids if np.isnan(self.cache[i, 0])]
        if todo:
            m, h = self._expected(twin, todo)
            self.cache[todo, 0] = np.where(h > 0, m / np.maximum(h, 1e-9), 0.0).mean(axis=1)
            self.cache[todo, 1] = m.mean(axis=1)
            self.cache[todo, 2] = (self.a * (m - self.p * h) / self.h_mean + self.b * m / self.h_mean).mean(axis=1)
        return self.cache[ids]


def features(twin: OfflineTwin, idx: Sequence[int], total: np.ndarray, sp: np.ndarray, sc: np.ndarray,
             fit: np.ndarray, last: str, decisive: bool, now: int) -> np.ndarray:
    """One row of :data:`FEATURES` per candidate ``idx[:len(fit)]`` for a query whose last message is ``last``;
    ``now`` is the query's position in the index (its size at reply time: after every indexed pair)."""
    from lib.chat.offline import _concat, _gram_arrays, _script

    n = len(fit)
    ids = np.asarray(idx[:n], dtype=np.int64)
    x = np.zeros((n, len(FEATURES)))
    if not n:
        return x
    t, p, c = total[ids].astype(np.float64), sp[ids].astype(np.float64), sc[ids].astype(np.float64)
    x[:, 0] = t / max(float(total[idx[0]]), 1e-9)
    x[:, 1] = p / max(float(p.max()), 1e-9)
    x[:, 2] = c / max(float(c.max()), 1e-9)
    x[:, 3] = np.log1p(np.arange(n))
    x[0, 4] = float(decisive)
    x[:, 5] = fit
    last_kinds = kinds(last)
    last_script = _script(last)
    for j, i in enumerate(ids.tolist()):
        a = twin.kind_fit(i, last_kinds)
        x[j, 6] = max(a, 0.0)
        x[j, 7] = min(a, 0.0)
        x[j, 15] = float(twin._script_of[i] == last_script)
    lk, _, lo = _gram_arrays(last)
    last_grams = lk[lo == 1]  # the last message's character bigrams
    if len(last_grams):  # echo: the share of the reply's distinct bigrams found in the last message
        keys, _, orders, which = _concat([twin._ngrams(i) for i in ids.tolist()])
        bi = orders == 1
        hits = np.isin(keys[bi], last_grams)
        x[:, 8] = np.bincount(which[bi], hits, n) / np.maximum(np.bincount(which[bi], None, n), 1)
    ll = np.log((twin._len[ids] + 1.0) / (twin._target_len + 1.0))
    x[:, 9] = ll
    x[:, 10] = np.abs(ll)
    x[:, 11] = ll ** 2
    x[:, 12] = math.log(len(last.strip()) + 1.0) * ll
    x[:, 13] = twin._logfreq[ids]
    x[:, 14] = twin._private[ids]
    # Topics cluster in time: the pairs just before "now" talk alike. One monotone term, log distance in pairs (a
    # linear term beside it let the fit bend into a U that favoured the oldest pairs at reply time).
    x[:, 18] = np.log1p(np.abs(now - ids))
    typical = getattr(twin, "_typical", None)
    if typical is not None:
        t = typical.of(twin, ids)
        x[:, 16:18] = t[:, :2]
        x[:, 19] = t[:, 2]
    return x


def _query(twin: OfflineTwin, i: int) -> list[dict]:
    """The conversation before pair ``i``'s reply as chat messages (the prompt last, roles alternating back)."""
    lo, p = int(twin._lo[i]), int(twin._prompt[i])
    turns = twin._turns[lo:p + 1]
    return [{"role": "user" if (len(turns) - 1 - k) % 2 == 0 else "assistant", "content": t}
            for k, t in enumerate(turns)]


def collect(twin: OfflineTwin, queries: int = QUERIES, budget_s: float = BUDGET_S, seed: int = SEED
            ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Per training query: its feature rows, matched n-gram counts and n-gram counts of each candidate (vs the real
    reply), the real reply's n-gram counts, and the hand-set scores. The query's own conversation is never in its
    pool (``twin._conv_span``)."""
    from lib.chat.offline import FIT_ORDERS, POOL, POOL_POWER, matched

    start = time.process_time()
    order = np.random.default_rng(seed).permutation(twin.size)[:queries]
    xs, ms, hs, rs, hand = [], [], [], [], []
    for i in order.tolist():
        spent = time.process_time() - start
        if spent > budget_s and (len(xs) >= MIN_QUERIES or spent > 3 * budget_s):
            break  # past the budget; a slow or busy machine may take up to three times it to reach MIN_QUERIES
        convo = _query(twin, i)
        q = twin._query(convo)
        if not q:
            continue
        idx, total, sp, sc = twin._pool(q, max(POOL, TRAIN_CANDIDATES), span=twin._conv_span(i))
        if len(idx) < 2:
            continue
        last = convo[-1]["content"]
        weights = np.maximum(total[idx].astype(np.float64), 1e-9) ** POOL_POWER
        fit = twin._fit(idx, weights, last)[:TRAIN_CANDIDATES]
        decisive = float(total[idx[1]]) * 1.2 <= float(total[idx[0]])
        rk, rc, ro = twin._ngrams(i)
        order_k = np.argsort(rk)
        cand = idx[:len(fit)]
        xs.append(features(twin, cand, total, sp, sc, fit, last, decisive, i))
        m, h = matched([twin._ngrams(c) for c in cand], rk[order_k], rc[order_k])
        ms.append(m)
        hs.append(h)
        rs.append(np.bincount(ro, rc, FIT_ORDERS))
        hand.append(twin._hand(idx, total, fit, last, decisive))
    return xs, ms, hs, rs, hand


def gains(ms: list[np.ndarray], hs: list[np.ndarray], rs: list[np.ndarray], beta: float = 2.0) -> list[np.ndarray]:
    """Each candidate's linearised contribution to corpus chrF (see the module docstring), per query."""
    m_all, h_all = np.concatenate(ms), np.concatenate(hs)
    r_mean = np.mean(rs, axis=0)
    h_mean = h_all.mean(axis=0)
    ok = (h_mean > 0) & (r_mean > 0)
    prec_n = np.where(h_all.sum(axis=0) > 0, m_all.sum(axis=0) / np.maximum(h_all.sum(axis=0), 1e-9), 0.0)
    P = float(np.mean(prec_n[ok])) if ok.any() else 0.0
    R = float(np.mean((m_all.mean(axis=0) / np.maximum(r_mean, 1e-9))[ok])) if ok.any() else 0.0
    b2 = beta ** 2
    den = (b2 * P + R) ** 2 or 1e-9
    a, b = (1 + b2) * R * R / den, (1 + b2) * b2 * P * P / den  # dF/dP, dF/dR of F = (1+b2)PR/(b2 P + R)
    out = []
    for m, h in zip(ms, hs):
        g = (a * ((m - prec_n * h)[:, ok] / h_mean[ok]).mean(axis=1)
             + b * (m[:, ok] / r_mean[ok]).mean(axis=1))
        out.append(g)
    return out


def fit_ridge(xs: list[np.ndarray], ys: list[np.ndarray], ridge: float = RIDGE
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights, feature means and scales of a ridge regression of ``ys`` on ``xs`` with both centred within each
    query (a fixed-effects regression: it learns the order inside a pool, not the level of a query)."""
    x_all = np.concatenate(xs)
    mean = x_all.mean(axis=0)
    std = x_all.std(axis=0)
    std[std < 1e-9] = 1.0
    xc = np.concatenate([(x - x.mean(axis=0)) / std for x in xs])
    yc = np.concatenate([y - y.mean() for y in ys])
    lam = ridge * len(yc) / 1000.0
    w = np.linalg.solve(xc.T @ xc + lam * np.eye(xc.shape[1]), xc.T @ yc)
    return w, mean, std


def _padded3(rows: list[np.ndarray]) -> np.ndarray:
    """Per-query (candidates x orders) arrays stacked, zero padded."""
    out = np.zeros((len(rows), max(len(r) for r in rows), rows[0].shape[1]))
    for q, r in enumerate(rows):
        out[q, :len(r)] = r
    return out


def _corpus_chrf(m: np.ndarray, h: np.ndarray, r: np.ndarray, beta: float = 2.0) -> float:
    """Corpus chrF from summed per-order (matched, hypothesis, reference) counts (:mod:`lib.eval.metrics`)."""
    ok = (h > 0) & (r > 0)
    if not ok.any() or not m.any():
        return 0.0
    p = float((m[ok] / h[ok]).mean())
    rec = float((m[ok] / r[ok]).mean())
    return (1 + beta ** 2) * p * rec / (beta ** 2 * p + rec) if p + rec > 0 else 0.0


def _padded(rows: list[np.ndarray]) -> np.ndarray:
    out = np.full((len(rows), max(len(r) for r in rows)), -np.inf)
    for q, r in enumerate(rows):
        out[q, :len(r)] = r
    return out


def restore(twin: OfflineTwin, stored: object) -> Ranker | None:
    """A stored model (:meth:`Ranker.to_dict`) made ready for ``twin`` (its typicality sample is rebuilt: a few
    hundredths of a second), or None when it does not fit this index."""
    if twin.size < MIN_EXCHANGES:
        return None
    model = Ranker.from_dict(stored, twin.size)
    if model is not None:
        twin._typical = Typicality(twin)
    return model


def train(twin: OfflineTwin, queries: int = QUERIES, budget_s: float = BUDGET_S, seed: int = SEED) -> Ranker | None:
    """The twin's re-ranker learned from its own index, or None when the history is too small to learn from."""
    if twin.size < MIN_EXCHANGES:
        return None
    t0, cpu0 = time.perf_counter(), time.process_time()
    twin._typical = Typicality(twin)
    xs, ms, hs, rs, hand = collect(twin, queries, budget_s - (time.process_time() - cpu0), seed)
    if len(xs) < MIN_QUERIES:
        return None
    ys = gains(ms, hs, rs)
    if not np.concatenate(ys).std() > 0:
        return None
    w, mean, std = fit_ridge(xs, ys)
    model = Ranker(w, mean, std, queries=len(xs))
    # Length: the cost per unit of log-distance from a centre length, chosen on the training queries themselves:
    # the (centre, slope) whose picks score the best corpus chrF there while their mean length stays at most
    # LENGTH_GOAL times mine (the twin cannot win by length).
    li = FEATURES.index("loglen")
    raw = _padded([model.raw(x) for x in xs])
    loglen = np.nan_to_num(_padded([x[:, li] for x in xs]), neginf=0.0)
    lens = np.exp(loglen) * (twin._target_len + 1.0) - 1.0
    m, h = _padded3(ms), _padded3(hs)
    r = np.asarray(rs)
    goal = LENGTH_GOAL * float(np.mean(twin._len))
    rows = np.arange(len(xs))
    best = (-1.0, 0.0, 0.0)
    shortest = (np.inf, 0.0, 0.0)
    for centre in CENTRES:
        shift = math.log((centre * float(np.mean(twin._len)) + 1.0) / (twin._target_len + 1.0))
        for slope in SLOPES:
            pick = np.argmax(raw - slope * np.abs(loglen - shift), axis=1)
            length = float(lens[rows, pick].mean())
            score = _corpus_chrf(m[rows, pick].sum(axis=0), h[rows, pick].sum(axis=0), r.sum(axis=0))
            if length <= goal and score > best[0]:
                best = (score, slope, shift)
            if length < shortest[0]:
                shortest = (length, slope, shift)
    _, model.slope, model.shift = best if best[0] >= 0 else shortest
    raw = np.concatenate([model.score(x) for x in xs])
    ref = np.concatenate(hand)
    model.scale = float(ref.std() / raw.std()) if raw.std() > 0 else 1.0
    model.offset = float(ref.mean() - model.scale * raw.mean())
    model.train_s = time.perf_counter() - t0
    model.train_cpu_s = time.process_time() - cpu0
    return model


__all__ = ["FEATURES", "MIN_EXCHANGES", "VERSION", "Ranker", "collect", "features", "fit_ridge", "gains", "restore",
           "train"]
