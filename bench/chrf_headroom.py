#!/usr/bin/env python3
"""Where is the offline twin's chrF headroom? An analysis for issue 19, on the same split as bench_twin_fidelity.

    python bench/chrf_headroom.py [--replies 300] [--chat PATH ...]

Per real chat (time split as :mod:`bench.bench_twin_fidelity`: the latest conversations are held out, the index
holds nothing from them), on the held-out items, corpus chrF (x100) of:

* ``random``: a random training reply of the owner (mean of 5 draws); ``random_lenmatch``: a random training reply of
  about the real reply's length (how much of chrF is length alone -- an upper bound no twin may use);
* ``oracle@40`` / ``oracle@200``: per item the candidate with the best sentence chrF among the top 40 / 200 BM25
  matches (the re-ranking's upper bound, not reachable);
* ``nn_*``: the owner's reply to the most similar prompt, for several query windows, fields and time priors;
* ``random_meanband``: a random training reply within 0.8..1.25 times the owner's mean reply length (length
  concentration alone, with nothing but the training side known);
* ``recent_random``: a random reply from the latest 10 % of the index (do topics cluster in time?);
* ``twin_t0`` / ``twin``: the twin at temperature 0 and at the default 0.9; ``twin_hand``: the twin at 0.9 with the
  hand-set score only (without the re-ranker it learned, :mod:`lib.chat.rerank`); ``twin_recency``: the twin at 0.9
  with the recency prior (``lib.chat.offline.RECENCY``, off by default) at the strength chosen on the dev halves;
and the twin's loss against oracle@40 by the last message's kind and by the real reply's length. Each figure is
also given on the dev half (earlier items) and test half (later items), so a change is chosen on dev only; ``top``
is the share of items given a row's most frequent reply. Corpus chrF sums n-grams over items, so one very long
reply can carry a half: the nn_*recency rows' 1.6 on the second chat is one item (a 2,226-character reply of the
owner's against a 1,933-character real one: 88 % of the matched n-grams gained on that test half), and the same
rows lose on the first chat (0.93-0.96).
"""
from __future__ import annotations

import argparse
import shutil
from collections import Counter
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_twin_fidelity import REAL, check_no_leak, hold_out_latest  # noqa: E402

RECENCY_DEV_CHOICE = (2.0, 0.2)  # (RECENCY, RECENCY_SCORE) chosen on the dev halves (bench_twin_fidelity.py)


def _stats(h: str, r: str) -> np.ndarray:
    from lib.eval.metrics import _chrf_stats

    return _chrf_stats(h, r, 6)


def _corpus(stats: list[np.ndarray]) -> float:
    from lib.eval.metrics import _chrf_score

    return 100 * _chrf_score(np.sum(stats, axis=0), 2.0) if stats else 0.0


def _sent(h: str, r: str) -> float:
    from lib.eval.metrics import _chrf_score

    return _chrf_score(_stats(h, r), 2.0)


def analyse(path: Path, n: int) -> dict:
    from lib import chat as chat_lib
    from lib.chat.base import ChatParams
    from lib.chat.offline import CONTEXT_WEIGHT, OfflineTwin, tokens
    from lib.chat.reply_kinds import kinds
    from lib.eval.report import answer_all, items
    from lib.workspace import Workspace

    tmp = Path(tempfile.mkdtemp(prefix="headroom_"))
    try:
        ws = Workspace(tmp / "ws")
        ws.import_paths([path])
        held = hold_out_latest(ws, n)
        check_no_leak(ws, held)
        pairs = items(ws, n)
        real = [r for _, r in pairs]
        twin = OfflineTwin.from_workspace(ws)
        size = twin.size
        replies = [twin._turns[int(r)] for r in twin._reply.tolist()]
        pos = np.arange(size) / max(1, size - 1)  # index order is time order: 1 = latest
        backend = chat_lib.get_backend("offline", ws)
        twin_warm = answer_all(backend, pairs, ChatParams())
        twin_cold = answer_all(backend, pairs, ChatParams(temperature=0))
        # The same index with the hand-set score only (no learned re-ranker): what the learned order is worth.
        from lib.chat import rerank
        from lib.chat.offline import export_options
        from lib.export import records
        from lib.pii.guard import OutputGuard, guarded

        floor, rerank.MIN_EXCHANGES = rerank.MIN_EXCHANGES, 10 ** 9
        try:
            hand = OfflineTwin.from_records(records(ws, export_options())[0],
                                            private=OutputGuard.for_workspace(ws).holds_private)
        finally:
            rerank.MIN_EXCHANGES = floor
        twin_hand = answer_all(guarded(hand, ws), pairs, ChatParams())
        # The twin with the recency prior at the strength the dev halves chose (bench_twin_fidelity.py
        # --sweep-recency; off by default, lib.chat.offline.RECENCY): the nn_*recency rows below are its crude form.
        from lib.chat import offline

        saved = offline.RECENCY, offline.RECENCY_SCORE
        offline.RECENCY, offline.RECENCY_SCORE = RECENCY_DEV_CHOICE
        try:
            with twin._lock:  # a fresh start: nothing said before, nothing remembered
                twin._memo.clear()
                twin._recent.clear()
                twin._recent_count.clear()
            twin_recency = answer_all(backend, pairs, ChatParams())
        finally:
            offline.RECENCY, offline.RECENCY_SCORE = saved
        rng = np.random.default_rng(7)
        lens = np.array([len(x) for x in replies])
        # Replies within 0.8..1.25 times my mean length: what length alone is worth, knowing only my mean.
        band = np.flatnonzero((lens >= 0.8 * lens.mean()) & (lens <= 1.25 * lens.mean()))

        def q_last(convo):
            q = {}
            for tok in set(tokens(str(convo[-1].get("content", "")))):
                t = twin._vocab.get(tok)
                if t is not None:
                    q[t] = 1.0
            return q

        def top(scores: np.ndarray, k: int) -> list[int]:
            order = np.lexsort((np.arange(size), -scores))
            out, seen = [], set()
            for i in order.tolist():
                if scores[i] <= 0 or len(out) >= k:
                    break
                if twin._reply_norm[i] not in seen:
                    seen.add(twin._reply_norm[i])
                    out.append(i)
            return out

        rows: dict[str, list[str]] = {"twin": twin_warm, "twin_t0": twin_cold, "twin_hand": twin_hand,
                                      "twin_recency": twin_recency}
        for name in ("nn_last_prompt", "nn_decay_prompt", "nn_decay_both", "nn_decay_both_recency0.5",
                     "nn_decay_both_recency1", "nn_decay_both_recency2", "oracle@40", "oracle@200",
                     "recent_random", "random_lenmatch", "random_meanband"):
            rows[name] = []
        rand_draws = [[replies[int(i)] for i in np.random.default_rng(1000 + s).integers(size, size=len(pairs))]
                      for s in range(5)]
        pool40_sizes = []
        for (ctx, ref) in pairs:
            convo = [m for m in ctx if m.get("role") in ("user", "assistant")]
            ql, qd = q_last(convo), twin._query(convo)
            sp_l = twin._fp.score(ql, size)
            sp_d = twin._fp.score(qd, size)
            both = sp_d + CONTEXT_WEIGHT * twin._fc.score(qd, size)
            fallback = replies[int(twin._common[0])] if twin._common else replies[0]
            for name, s in (("nn_last_prompt", sp_l), ("nn_decay_prompt", sp_d), ("nn_decay_both", both),
                            ("nn_decay_both_recency0.5", both * (1 + 0.5 * pos)),
                            ("nn_decay_both_recency1", both * (1 + pos)),
                            ("nn_decay_both_recency2", both * (1 + 2 * pos))):
                t = top(np.asarray(s, dtype=np.float64), 1)
                rows[name].append(replies[t[0]] if t else fallback)
            for k in (40, 200):
                cand = top(np.asarray(both, dtype=np.float64), k)
                if k == 40:
                    pool40_sizes.append(len(cand))
                best = max(cand, key=lambda i: _sent(replies[i], ref)) if cand else None
                rows[f"oracle@{k}"].append(replies[best] if best is not None else fallback)
            rows["recent_random"].append(replies[int(rng.integers(int(0.9 * size), size))])
            near = np.argsort(np.abs(np.log((lens + 1) / (len(ref) + 1))))[:20]
            rows["random_lenmatch"].append(replies[int(rng.choice(near))])
            rows["random_meanband"].append(replies[int(rng.choice(band))])
        half = len(pairs) // 2
        stats = {name: [_stats(h, r) for h, r in zip(hyps, real)] for name, hyps in rows.items()}
        rstats = [[_stats(h, r) for h, r in zip(d, real)] for d in rand_draws]
        rand = {part: float(np.mean([_corpus(s[sl]) for s in rstats]))
                for part, sl in (("all", slice(None)), ("dev", slice(0, half)), ("test", slice(half, None)))}
        table = {"random": {**{p: round(v, 2) for p, v in rand.items()},
                            "mean_len": round(float(np.mean([len(x) for d in rand_draws for x in d])), 1)}}
        for name, st in stats.items():
            table[name] = {"all": round(_corpus(st), 2), "dev": round(_corpus(st[:half]), 2),
                           "test": round(_corpus(st[half:]), 2),
                           "ratio": round(_corpus(st) / rand["all"], 3),
                           "distinct": round(len(set(rows[name])) / len(pairs), 3),
                           # the share of the items given the row's most frequent reply (one reply said to a third
                           # of the items can carry a whole half's score)
                           "top": round(Counter(rows[name]).most_common(1)[0][1] / len(pairs), 3),
                           "mean_len": round(float(np.mean([len(x) for x in rows[name]])), 1)}
        # The twin's loss against oracle@40, by the kind of the last message and by the real reply's length.
        by: dict[str, dict] = {}
        for j, (ctx, ref) in enumerate(pairs):
            last = str(ctx[-1].get("content", "")) if ctx else ""
            ks = sorted(kinds(last)) or ["none"]
            lb = "len<=10" if len(ref) <= 10 else "len<=40" if len(ref) <= 40 else "len<=120" if len(ref) <= 120 \
                else "len>120"
            for key in [f"kind:{k}" for k in ks] + [lb]:
                by.setdefault(key, []).append(j)
        loss = {}
        for key, js in sorted(by.items()):
            loss[key] = {"n": len(js), "twin": round(_corpus([stats["twin"][j] for j in js]), 2),
                         "oracle@40": round(_corpus([stats["oracle@40"][j] for j in js]), 2),
                         "random": round(float(np.mean([_corpus([s[j] for j in js]) for s in rstats])), 2)}
        real_lines = float(np.mean([r.count("\n") + 1 for r in real]))
        twin_lines = float(np.mean([r.count("\n") + 1 for r in twin_warm]))
        ws.close()
        return {"chat": path.name[:12] + "…", "items": len(pairs), "indexed": size,
                "real_mean_len": round(float(np.mean([len(x) for x in real])), 1),
                "lines_per_reply": {"real": round(real_lines, 2), "twin": round(twin_lines, 2)},
                "pool40_mean": round(float(np.mean(pool40_sizes)), 1), "table": table, "loss": loss}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replies", type=int, default=300)
    ap.add_argument("--chat", type=Path, action="append")
    args = ap.parse_args(argv)
    for path in args.chat or sorted(REAL.glob("*.txt")):
        res = analyse(path, args.replies)
        print(f"\n== {res['chat']} items {res['items']} indexed {res['indexed']} real mean len "
              f"{res['real_mean_len']} lines/reply real {res['lines_per_reply']['real']} twin "
              f"{res['lines_per_reply']['twin']} pool40 {res['pool40_mean']}")
        print(f"{'method':28} {'all':>6} {'dev':>6} {'test':>6} {'ratio':>6} {'dist':>5} {'top':>5} {'len':>6}")
        for name, r in res["table"].items():
            print(f"{name:28} {r['all']:6.2f} {r['dev']:6.2f} {r['test']:6.2f} {r.get('ratio', 1.0):6.3f} "
                  f"{r.get('distinct', 0):5.2f} {r.get('top', 0):5.2f} {r['mean_len']:6.1f}")
        print(f"{'bucket':20} {'n':>4} {'twin':>6} {'orc40':>6} {'random':>6}")
        for key, r in res["loss"].items():
            print(f"{key:20} {r['n']:4d} {r['twin']:6.2f} {r['oracle@40']:6.2f} {r['random']:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
