#!/usr/bin/env python3
"""Can any choice among the owner's own replies reach 1.5x the chrF of a random one, honestly? Evidence for issue 19.

    python bench/chrf_ceiling.py [--replies 300] [--candidates 100] [--chat PATH ...]

Same split as :mod:`bench.bench_twin_fidelity` (the latest conversations held out, the index built from the rest).
Per real chat it measures, on the held-out items (corpus chrF as a ratio to a random training reply of the owner's,
mean of 5 draws):

1. **What length alone is worth.** ``random_meanband``: a random reply within 0.8..1.25 times the owner's mean
   length (knowable). ``random_lenmatch``: a random reply of about the real reply's length (an oracle: no twin knows
   it). chrF sums character n-grams, so the reply's length carries much of the score.
2. **Whether that length can be known.** A ridge regression of log reply length on what the context shows (the last
   message's length and lines, the owner's own previous turn's length, the kind of the last message), fitted on the
   training side: ``length_r2`` is its R^2 on the held-out replies (0 = no better than the mean).
3. **What predicts the n-grams a candidate shares with the real reply**, inside the twin's pool (the best
   ``--candidates`` BM25 matches): per item, the correlation of each candidate signal with its matched 1..6-grams,
   averaged over items; for ``match`` (the retrieval score), ``typical`` (how many n-grams it shares with the owner's
   everyday writing, expected over a sample of their replies) and ``echo`` (its n-grams found in the context) with
   the candidate's length held fixed (partial correlation: a longer reply shares more n-grams with anything), and
   for ``length`` itself.
4. **The best honest choice we found:** the most typical candidate of the pool at the owner's mean length, never the
   same reply twice (``typical_meanlen``); the same pulled to 1.25 times the mean length (``typical_long``: how
   much of any gain is length again); and with the echo of the context added, beyond what the candidate's length
   explains (``typical_echo_meanlen``).
5. The best of 40 candidates by sentence chrF against the real reply (an oracle), among the 40 best matches and
   among 40 random replies: what retrieval adds to the pool.
6. The twin itself at its defaults (``twin``).

Writes ``bench/results/chrf_ceiling.json``.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_twin_fidelity import REAL, check_no_leak, hold_out_latest  # noqa: E402

RESULTS = HERE / "results" / "chrf_ceiling.json"
KINDS = ("question", "greeting", "goodnight", "thanks", "apology", "laughter", "plan")
SAMPLE = 1000  # replies whose n-grams stand for "how the owner usually writes"
LENGTH_COST = 8.0  # per unit of log-distance from the target length in the typical_* choices


def _length_features(turns: list[str]) -> list[float]:
    """What the context shows about the coming reply's length: the last message (theirs), my previous turn."""
    from lib.chat.reply_kinds import kinds

    last = turns[-1] if turns else ""
    mine = turns[-2] if len(turns) >= 2 else None
    k = kinds(last)
    return ([1.0, float(np.log1p(len(last.strip()))), float(last.count("\n")), float(mine is not None),
             float(np.log1p(len(mine.strip()))) if mine is not None else 0.0] + [float(x in k) for x in KINDS])


def _typicality(twin) -> np.ndarray:
    """Per indexed reply, its expected linearised gain in corpus chrF against a random reply of the owner's
    (character 1..4-grams; document frequencies over a fixed sample, the reply itself left out), standardised."""
    from lib.chat.offline import FIT_ORDERS, _concat, matched

    n = twin.size
    sample = np.random.default_rng(19).permutation(n)[:SAMPLE]
    keys = _concat([twin._ngrams(int(i)) for i in sample])[0]
    uniq, df = np.unique(keys, return_counts=True)
    grams = [twin._ngrams(i) for i in range(n)]
    m, _ = matched([(k, c * 0 + 1, o) for k, c, o in grams], uniq, df / len(sample))
    own = np.array([np.bincount(o, None, FIT_ORDERS) for _, _, o in grams])
    in_sample = np.zeros(n, dtype=bool)
    in_sample[sample] = True
    m = np.where(in_sample[:, None], m - own / len(sample), m)
    h = np.array([np.bincount(o, c, FIT_ORDERS) for _, c, o in grams])
    h_mean, m_mean = h[sample].mean(axis=0), m.mean(axis=0)
    p = m_mean / h_mean
    pb = float(p.mean())
    den = (4 * pb + pb) ** 2
    a, b = 5 * pb * pb / den, 20 * pb * pb / den  # dF/dP and dF/dR of chrF (beta 2) at precision = recall = pb
    g = (a * (m - p * h) / h_mean + b * m / h_mean).mean(axis=1)
    return (g - g.mean()) / (g.std() or 1.0)


def analyse(path: Path, n: int, k: int) -> dict:
    from lib import chat as chat_lib
    from lib.chat.base import ChatParams
    from lib.chat.offline import OfflineTwin
    from lib.eval.metrics import _chrf_score, _chrf_stats
    from lib.eval.report import answer_all, items
    from lib.workspace import Workspace

    def corpus(stats) -> float:
        return _chrf_score(np.sum(stats, axis=0), 2.0)

    tmp = Path(tempfile.mkdtemp(prefix="ceiling_"))
    try:
        ws = Workspace(tmp / "ws")
        ws.import_paths([path])
        check_no_leak(ws, hold_out_latest(ws, n))
        pairs = items(ws, n)
        real = [r for _, r in pairs]
        twin = OfflineTwin.from_workspace(ws)
        replies = [twin._turns[int(r)] for r in twin._reply.tolist()]
        lens = twin._len
        mean = float(lens.mean())
        rand_draws = [np.random.default_rng(1000 + s).integers(twin.size, size=len(pairs)) for s in range(5)]
        rand = float(np.mean([corpus([_chrf_stats(replies[i], r, 6) for i, r in zip(d, real)]) for d in rand_draws]))
        rows: dict[str, dict] = {}

        def row(name: str, picks: list[str]) -> None:
            rows[name] = {"ratio": round(corpus([_chrf_stats(h, r, 6) for h, r in zip(picks, real)]) / rand, 3),
                          "distinct": round(len(set(picks)) / len(picks), 3),
                          "len_vs_mine": round(float(np.mean([len(x.strip()) for x in picks])) / mean, 3)}

        band = np.flatnonzero((lens >= 0.8 * mean) & (lens <= 1.25 * mean))
        rng = np.random.default_rng(7)
        row("random_meanband", [replies[int(rng.choice(band))] for _ in pairs])
        row("random_lenmatch", [replies[int(rng.choice(np.argsort(np.abs(np.log((lens + 1) / (len(r.strip()) + 1))))
                                                        [:20]))] for r in real])
        # 2. Can the context tell the reply's length? Fitted on the training side, read on the held-out items.
        x = np.array([_length_features(twin._turns[int(lo):int(p) + 1])
                      for lo, p in zip(twin._lo.tolist(), twin._prompt.tolist())])
        y = np.log1p(lens)
        w = np.linalg.solve(x.T @ x + np.eye(x.shape[1]), x.T @ y)
        xh = np.array([_length_features([m["content"] for m in ctx]) for ctx, _ in pairs])
        yh = np.log1p([len(r.strip()) for r in real])
        r2 = 1 - float(np.mean((yh - xh @ w) ** 2) / np.var(yh))
        # 3. Inside the pool: which signal goes with the n-grams shared with the real reply?
        typical = _typicality(twin)
        signals: dict[str, list[float]] = {"match": [], "typical": [], "echo": [], "length": []}
        pools, echoes = [], []
        for (ctx, ref) in pairs:
            convo = [m for m in ctx if m.get("role") in ("user", "assistant")]
            idx, total, _, _ = twin._pool(twin._query(convo), k)
            pools.append(idx)
            said = "\n".join(m["content"] for m in convo)
            echo = np.array([_chrf_stats(replies[i], said, 6)[:, 2].sum() for i in idx])
            echoes.append(echo)
            if len(idx) < 10:
                continue
            shared = np.array([_chrf_stats(replies[i], ref, 6)[:, 2].sum() for i in idx])
            # Partial correlations, the candidate's length held fixed: a longer reply shares more n-grams with
            # anything, so raw correlations would all be the length's.
            z = np.column_stack([np.ones(len(idx)), np.log1p(lens[idx])])

            def resid(v: np.ndarray) -> np.ndarray:
                return v - z @ np.linalg.lstsq(z, v, rcond=None)[0]

            target = resid(np.log1p(shared))
            for name, v in (("match", total[idx]), ("typical", typical[idx]), ("echo", np.log1p(echo))):
                r = resid(np.asarray(v, dtype=np.float64))
                if np.std(r) > 1e-12 and np.std(target) > 1e-12:
                    signals[name].append(float(np.corrcoef(r, target)[0, 1]))
            signals["length"].append(float(np.corrcoef(np.log1p(lens[idx]), np.log1p(shared))[0, 1])
                                     if np.std(lens[idx]) > 0 and np.std(shared) > 0 else 0.0)
        # 4. The most typical candidate at a target length, never the same reply twice.
        for name, target, ew in (("typical_meanlen", 1.0, 0.0), ("typical_long", 1.25, 0.0),
                                 ("typical_echo_meanlen", 1.0, 1.0)):
            used: set[int] = set()
            picks = []
            for idx, echo in zip(pools, echoes):
                if not idx:
                    picks.append(replies[int(twin._common[0])] if twin._common else replies[0])
                    continue
                ids = np.asarray(idx)
                zz = np.column_stack([np.ones(len(ids)), np.log1p(lens[ids])])
                e = np.log1p(echo)
                e = e - zz @ np.linalg.lstsq(zz, e, rcond=None)[0]  # echo beyond what its length explains
                s = (typical[ids] + ew * (e - e.mean()) / (e.std() or 1.0)
                     - LENGTH_COST * np.abs(np.log((lens[ids] + 1) / (target * mean + 1))))
                s[[i in used for i in idx]] = -np.inf
                j = int(np.argmax(s)) if np.isfinite(s).any() else 0
                used.add(idx[j])
                picks.append(replies[idx[j]])
            row(name, picks)
        # The best of 40 by sentence chrF against the real reply (an oracle), among the 40 best matches and among 40
        # random replies of the owner's: what retrieval adds to the pool itself.
        from lib.eval.metrics import chrf

        for name, pool_of in (("oracle_top40_matches", lambda j: pools[j][:40]),
                              ("oracle_40_random", lambda j: rng.integers(twin.size, size=40).tolist())):
            picks = []
            for j, ref in enumerate(real):
                cand = pool_of(j) or [0]
                picks.append(replies[max(cand, key=lambda i: chrf(replies[i], ref))])
            row(name, picks)
        row("twin", answer_all(chat_lib.get_backend("offline", ws), pairs, ChatParams()))
        ws.close()
        return {"chat": path.name[:12] + "…", "items": len(pairs), "indexed": twin.size, "chrf_random": round(rand, 4),
                "rows": rows, "length_r2": round(r2, 3),
                "pool_correlation": {s: round(float(np.mean(v)), 3) for s, v in signals.items() if v}}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replies", type=int, default=300)
    ap.add_argument("--candidates", type=int, default=100, help="the pool's size (best BM25 matches)")
    ap.add_argument("--chat", type=Path, action="append")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    out = []
    for path in args.chat or sorted(REAL.glob("*.txt")):
        res = analyse(path, args.replies, args.candidates)
        out.append(res)
        print(f"\n== {res['chat']} {res['items']} held-out items, {res['indexed']} replies indexed")
        print(f"{'choice':18} {'ratio':>6} {'distinct':>8} {'length/mine':>11}")
        for name, r in res["rows"].items():
            print(f"{name:18} {r['ratio']:6.3f} {r['distinct']:8.2f} {r['len_vs_mine']:11.2f}")
        print(f"reply length from the context: held-out R^2 {res['length_r2']}")
        print("correlation with the n-grams shared with the real reply, inside the pool (length held fixed): "
              + ", ".join(f"{k} {v:+.3f}" for k, v in res["pool_correlation"].items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                    "command": "python bench/chrf_ceiling.py " + " ".join(argv or sys.argv[1:]),
                                    "chats": out}, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
