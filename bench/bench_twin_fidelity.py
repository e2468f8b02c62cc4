#!/usr/bin/env python3
"""Does the offline twin say what its owner would say? The acceptance flow of issue 19, on real two-person chats.

    python bench/bench_twin_fidelity.py [--replies 300] [--seeds 5] [--serve] [--hand] [--chat PATH ...]
    python bench/bench_twin_fidelity.py --sweep-recency | --test-recency R/S

For each long real WhatsApp chat in ``/work/shared/fixtures/whatsapp/real_chats/`` (or ``--chat`` files):

1. Imports it into a fresh workspace as a user would (``Workspace.import_paths``, no ``--me``): the owner is the one
   :mod:`lib.me` proposes, the exporter (a private chat is named after the other person).
2. Holds out the latest conversations until they hold ``--replies`` of the owner's replies: a **time split**. The twin
   is built with :meth:`OfflineTwin.from_workspace`, whose records exclude held-out conversations, so its index holds
   nothing from the held-out part nor anything after it; the bench checks that (every indexed conversation started
   before the first held-out one).
3. Sends every held-out reply's real context (:func:`lib.eval.report.items`, what the fidelity report uses) to the
   twin behind the output guard, as ``python -m lib serve`` does, at the default parameters (temperature 0.9, no
   seed). With ``--serve`` the same items also go through a real ``python -m lib serve`` and the ``openai`` client.
4. Reports corpus chrF (``lib.eval.metrics.corpus_chrf``) of the twin's replies against the real ones; the same for a
   **random reply of the owner** (drawn from the training side, mean of ``--seeds`` draws); the ratio (target >= 1.5);
   the share of distinct replies (target >= 80 %); mean reply length of twin, real and random (a twin cannot win by
   length); two ways of gaming it (always the owner's most frequent reply; the longest of the top candidates), and the
   style detector's accuracy (:mod:`lib.eval.style`) on twin, real and random replies. Writes
   ``bench/results/twin_fidelity.json``. The twin orders its candidates with the re-ranker it learned from the
   training side (:mod:`lib.chat.rerank`); ``--hand`` measures the hand-set score instead (the before). Choose
   changes on the dev half (the earlier held-out items) and read the test half (the later ones) once.
5. ``--sweep-recency`` tries the recency prior's strengths (``lib.chat.offline.RECENCY`` x ``RECENCY_SCORE``) on
   the dev halves only, three sampling seeds each, and names the best that keeps >= 80 % distinct and the twin's
   mean length within 15 % of the owner's; ``--test-recency R/S`` then reads the test halves once, for that setting
   against none. A prior is worth turning on only when both chats' test halves improve.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
REAL = Path(os.environ.get("METWIN_SHARED", ROOT.parent / "shared")) / "fixtures" / "whatsapp" / "real_chats"
RESULTS = HERE / "results" / "twin_fidelity.json"
TARGET_RATIO = 1.5
TARGET_DISTINCT = 0.8


def hold_out_latest(ws, replies: int) -> set[int]:
    """Hold out the latest trainable conversations until they hold ``replies`` of the owner's turns (a time split);
    stored where :mod:`lib.curate.holdout` keeps it, so every export and the twin leave them out."""
    from lib.curate import holdout

    rows = ws.conn.execute("SELECT id, n_my_turns FROM conv_effective WHERE effective_reason = '' AND n_my_turns > 0 "
                           "ORDER BY start_time DESC, id DESC").fetchall()
    chosen, total = [], 0
    for cid, n in rows:
        if total >= replies:
            break
        chosen.append(int(cid))
        total += int(n)
    ws.set_setting(holdout.SETTING, {"share": round(len(chosen) / max(1, len(rows)), 4), "ids": chosen})
    return set(chosen)


def check_no_leak(ws, held: set[int]) -> tuple[str, str]:
    """(last indexed conversation start, first held-out start); raises when the index reaches past the split."""
    from lib.chat.offline import export_options
    from lib.export import records

    train = records(ws, export_options())[0]
    starts = dict(ws.conn.execute("SELECT id, start_time FROM conversations"))
    held_first = min(str(starts[c]) for c in held)
    train_last = max(str(starts[r.conv_id]) for r in train if r.conv_id in starts)
    if any(r.conv_id in held for r in train) or train_last >= held_first:
        raise SystemExit(f"leak: an indexed conversation starts at {train_last}, the held-out part at {held_first}")
    return train_last, held_first


def serve_replies(ws_path: Path, pairs: list, params) -> list[str]:
    """The same items through ``python -m lib serve`` and the openai client (the acceptance test's path)."""
    import openai

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "lib", "serve", "--workspace", str(ws_path), "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="none", timeout=30)
        for _ in range(300):
            try:
                client.models.list()
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.2)
        out = []
        for ctx, _ in pairs:
            r = client.chat.completions.create(model="metwin-twin", messages=ctx, temperature=params.temperature)
            out.append((r.choices[0].message.content or "").strip())
        return out
    finally:
        proc.terminate()
        proc.wait(10)


def measure_chat(path: Path, args) -> dict:
    import numpy as np

    from lib import chat as chat_lib
    from lib.chat.base import ChatParams
    from lib.chat.offline import OfflineTwin, export_options
    from lib.eval import metrics, style
    from lib.eval.report import answer_all, items
    from lib.export import records
    from lib.workspace import Workspace

    tmp = Path(tempfile.mkdtemp(prefix="twinfid_"))
    try:
        ws = Workspace(tmp / "ws")
        ws.import_paths([path])
        held = hold_out_latest(ws, args.replies)
        train_last, held_first = check_no_leak(ws, held)
        pairs = items(ws, args.replies)
        real = [r for _, r in pairs]
        train = records(ws, export_options())[0]
        t0 = time.perf_counter()
        twin = OfflineTwin.from_workspace(ws)
        build_s = time.perf_counter() - t0
        backend = chat_lib.get_backend("offline", ws)  # behind the output guard, as the server sends it
        params = ChatParams()
        t0 = time.perf_counter()
        replies = answer_all(backend, pairs, params)
        per_ms = (time.perf_counter() - t0) * 1000 / max(1, len(pairs))
        # A random reply of the owner: any of their training replies, whatever was said.
        pool = [twin._turns[r] for r in twin._reply.tolist()]
        rand_scores, rand_lens, rand_sets = [], [], []
        for s in range(args.seeds):
            rng = np.random.default_rng(1000 + s)
            rand = [pool[int(i)] for i in rng.integers(len(pool), size=len(pairs))]
            rand_scores.append(metrics.corpus_chrf(rand, real))
            rand_lens.append(float(np.mean([len(x) for x in rand])))
            rand_sets.append(rand)
        frequent = Counter(twin._reply_norm).most_common(1)[0][0]
        frequent_text = next(pool[i] for i, r in enumerate(twin._reply_norm) if r == frequent)
        cold = ChatParams(temperature=0)
        longest = [max((c.reply for c in twin.explain(ctx, cold, k=5)), key=len) for ctx, _ in pairs]
        detector = style.StyleDetector.train(train)
        twin_chrf = metrics.corpus_chrf(replies, real)
        rand_chrf = float(np.mean(rand_scores))
        # The earlier half of the held-out items is the dev split (tune there), the later half the test split.
        half = len(pairs) // 2
        halves, half_stats = {}, {}
        for part, sl in (("dev", slice(0, half)), ("test", slice(half, None))):
            r_part = float(np.mean([metrics.corpus_chrf(x[sl], real[sl]) for x in rand_sets]))
            halves[part] = round(metrics.corpus_chrf(replies[sl], real[sl]) / r_part, 3) if r_part else None
            twin_len = float(np.mean([len(x) for x in replies[sl]]))
            real_len = float(np.mean([len(x) for x in real[sl]]))
            half_stats[part] = {"distinct": round(len(set(replies[sl])) / max(1, len(replies[sl])), 4),
                                "mean_len_ratio_twin_real": round(twin_len / max(1e-9, real_len), 3)}
        ranker = getattr(twin, "_ranker", None)
        row = {
            "scorer": "learned" if ranker is not None else "hand-set",
            "rerank": {"train_queries": ranker.queries, "train_s": round(ranker.train_s, 2)} if ranker else None,
            "chat": path.name[:12] + "…", "messages": ws.conn.execute(
                "SELECT COUNT(*) FROM messages").fetchone()[0],
            "replies_indexed": twin.size, "held_out_conversations": len(held), "items": len(pairs),
            "split": {"last_indexed_conversation_start": train_last, "first_held_out_start": held_first},
            "chrf_twin": round(twin_chrf, 4), "chrf_random": round(rand_chrf, 4),
            "chrf_random_seeds": [round(x, 4) for x in rand_scores],
            "ratio": round(twin_chrf / rand_chrf, 3) if rand_chrf else None,
            "ratio_dev_test": halves, "dev_test": half_stats,
            "distinct": round(len(set(replies)) / max(1, len(replies)), 4),
            "mean_len_ratio_twin_real": round(float(np.mean([len(x) for x in replies]))
                                              / max(1e-9, float(np.mean([len(x) for x in real]))), 3),
            "mean_len": {"twin": round(float(np.mean([len(x) for x in replies])), 1),
                         "real": round(float(np.mean([len(x) for x in real])), 1),
                         "random": round(float(np.mean(rand_lens)), 1)},
            "gaming": {"always_most_frequent_reply": round(metrics.corpus_chrf([frequent_text] * len(real), real), 4),
                       "longest_of_top5": round(metrics.corpus_chrf(longest, real), 4),
                       "longest_of_top5_mean_len": round(float(np.mean([len(x) for x in longest])), 1)},
            "style_detector": {"accuracy_on_others_vs_owner_holdout": round(detector.accuracy_holdout(ws), 4),
                               "owner_rate_real": round(detector.owner_rate(real), 4),
                               "owner_rate_twin": round(detector.owner_rate(replies), 4),
                               "owner_rate_random": round(detector.owner_rate(rand_sets[0]), 4)},
            "build_s": round(build_s, 2), "ms_per_reply_guarded": round(per_ms, 2),
        }
        # Memory: past exchanges of the memory index replayed (lib.eval.report.memory_questions); right when the reply
        # holds what the owner said then. The twin against a random reply of the owner's.
        from lib.eval.report import RandomOwnerReply, ask, memory_questions
        from lib.memory.index import MemoryIndex

        qs = memory_questions(MemoryIndex.for_workspace(ws), args.memory)
        n_q, hit, recall = ask(backend, qs, cold)
        _, r_hit, r_recall = ask(RandomOwnerReply(pool, seed=1000), qs, cold)
        row["memory"] = {"questions": n_q, "twin_right": hit, "twin_recall": recall, "random_right": r_hit,
                         "random_recall": r_recall}
        if args.serve:
            served = serve_replies(tmp / "ws", pairs, params)
            row["serve"] = {"chrf_twin": round(metrics.corpus_chrf(served, real), 4),
                            "distinct": round(len(set(served)) / max(1, len(served)), 4),
                            "mean_len": round(float(np.mean([len(x) for x in served])), 1)}
            row["serve"]["ratio"] = round(row["serve"]["chrf_twin"] / rand_chrf, 3) if rand_chrf else None
        ws.close()
        return row
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


RECENCY_GRID = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0)  # offline.RECENCY values tried by --sweep-recency
RECENCY_SCORE_GRID = (0.0, 0.05, 0.1, 0.2)  # offline.RECENCY_SCORE values tried
SWEEP_SEEDS = 3  # sampling seeds averaged per setting (one draw of 150 dev items moves the ratio by ~0.05)


def sweep_recency(path: Path, args, settings: list[tuple[float, float]] | None = None, part: str = "dev") -> dict:
    """The recency prior's strengths on the **dev half only** (the earlier held-out items): per (RECENCY,
    RECENCY_SCORE), the ratio to a random reply, the share of distinct replies and the length ratio. The test half
    is never answered here, so choosing a strength from this table cannot tune on it."""
    import numpy as np

    from lib import chat as chat_lib
    from lib.chat import offline
    from lib.chat.base import ChatParams
    from lib.chat.offline import OfflineTwin
    from lib.eval import metrics
    from lib.eval.report import answer_all, items
    from lib.workspace import Workspace

    tmp = Path(tempfile.mkdtemp(prefix="twinsweep_"))
    saved = offline.RECENCY, offline.RECENCY_SCORE
    try:
        ws = Workspace(tmp / "ws")
        ws.import_paths([path])
        held = hold_out_latest(ws, args.replies)
        check_no_leak(ws, held)
        pairs = items(ws, args.replies)
        dev = pairs[:len(pairs) // 2] if part == "dev" else pairs[len(pairs) // 2:]
        real = [r for _, r in dev]
        twin = OfflineTwin.from_workspace(ws)
        backend = chat_lib.get_backend("offline", ws)
        pool = [twin._turns[r] for r in twin._reply.tolist()]
        rand = float(np.mean([metrics.corpus_chrf([pool[int(i)] for i in np.random.default_rng(1000 + s).integers(
            len(pool), size=len(dev))], real) for s in range(args.seeds)]))
        real_len = float(np.mean([len(x) for x in real]))
        mine = float(np.mean([len(x.strip()) for x in pool]))
        table = {}
        for rec, rs in settings or [(a, b) for a in RECENCY_GRID for b in RECENCY_SCORE_GRID]:
            if True:
                offline.RECENCY, offline.RECENCY_SCORE = rec, rs
                ratio, distinct, length = [], [], []
                for seed in range(SWEEP_SEEDS):
                    with twin._lock:  # a fresh start for every draw: nothing said before, nothing remembered
                        twin._memo.clear()
                        twin._recent.clear()
                        twin._recent_count.clear()
                    replies = answer_all(backend, dev, ChatParams(seed=seed))
                    ratio.append(metrics.corpus_chrf(replies, real) / rand if rand else 0.0)
                    distinct.append(len(set(replies)) / max(1, len(replies)))
                    length.append(float(np.mean([len(x) for x in replies])))
                table[f"{rec}/{rs}"] = {
                    "ratio": round(float(np.mean(ratio)), 3), "distinct": round(float(np.mean(distinct)), 3),
                    "len_ratio": round(float(np.mean(length)) / max(1e-9, real_len), 3),
                    # The length bound is against my mean reply length on the training side (the dev half's own
                    # real replies may be shorter or longer than usual): the twin must not win by length.
                    "len_vs_mine": round(float(np.mean(length)) / max(1e-9, mine), 3)}
        ws.close()
        return {"chat": path.name[:12] + "…", "part": part, "items": len(dev), "table": table}
    finally:
        offline.RECENCY, offline.RECENCY_SCORE = saved
        shutil.rmtree(tmp, ignore_errors=True)


def print_sweep(sweeps: list[dict]) -> int:
    """Each setting's ratio per chat (on the dev halves, or the test halves with --test-recency), and the best: the
    best mean ratio over the chats among the settings that keep >= 80 % distinct and the twin's mean length within
    15 % of my mean reply length on every chat."""
    keys = list(sweeps[0]["table"])
    print(f"{'RECENCY/RECENCY_SCORE':22}" + "".join(f" {s['chat']:>26}" for s in sweeps) + "   mean")
    best, choice = -1.0, None
    for k in keys:
        cells = [s["table"][k] for s in sweeps]
        mean = sum(c["ratio"] or 0 for c in cells) / len(cells)
        ok = all(c["distinct"] >= TARGET_DISTINCT and abs(c["len_vs_mine"] - 1) <= 0.15 for c in cells)
        print(f"{k:22}" + "".join(f" {c['ratio']:6.3f} d{c['distinct']:.2f} len{c['len_vs_mine']:.2f}      "
                                   for c in cells) + f" {mean:6.3f}{'' if ok else ' (out)'}")
        if ok and mean > best:
            best, choice = mean, k
    print(f"best: RECENCY/RECENCY_SCORE = {choice} (mean ratio {best:.3f}, {sweeps[0]['part']} halves)")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replies", type=int, default=300, help="held-out replies of the owner per chat (default 300)")
    ap.add_argument("--seeds", type=int, default=5, help="draws of the random-reply baseline (default 5)")
    ap.add_argument("--memory", type=int, default=30, help="past exchanges replayed as memory questions (default 30)")
    ap.add_argument("--serve", action="store_true", help="also ask a real `python -m lib serve` with the openai client")
    ap.add_argument("--chat", type=Path, action="append", help="a WhatsApp export (default: the real_chats fixtures)")
    ap.add_argument("--check", action="store_true", help="exit 1 when a chat misses ratio 1.5 or 80 %% distinct")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--hand", action="store_true", help="the hand-set score only (no learned re-ranker): the before")
    ap.add_argument("--test-recency", metavar="R/S", help="the test halves at RECENCY/RECENCY_SCORE R/S and at 0/0")
    ap.add_argument("--sweep-recency", action="store_true",
                    help="try the recency prior's strengths on the dev halves only, print the table and the choice")
    args = ap.parse_args(argv)
    if args.hand:
        from lib.chat import rerank

        rerank.MIN_EXCHANGES = 10 ** 9  # every history counts as too small to learn from: today's hand-set score
    chats = args.chat or sorted(REAL.glob("*.txt"))
    if not chats:
        print(f"no chats found in {REAL}", file=sys.stderr)
        return 2
    if args.sweep_recency:
        return print_sweep([sweep_recency(path, args) for path in chats])
    if args.test_recency:  # read the test halves once, for the setting chosen on dev against none
        chosen = tuple(float(x) for x in args.test_recency.split("/"))
        print("TEST halves (read once, for the setting chosen on dev):")
        return print_sweep([sweep_recency(path, args, [(0.0, 0.0), chosen], "test") for path in chats])
    rows = []
    for path in chats:
        row = measure_chat(path, args)
        rows.append(row)
        print(f"{row['chat']} [{row['scorer']}]: {row['items']} held-out replies, {row['replies_indexed']} indexed | "
              f"chrF twin "
              f"{row['chrf_twin'] * 100:.1f} vs random {row['chrf_random'] * 100:.1f} -> ratio {row['ratio']} (dev "
              f"{row['ratio_dev_test']['dev']}, test {row['ratio_dev_test']['test']}) | "
              f"distinct {row['distinct']:.0%} | mean len twin/real {row['mean_len_ratio_twin_real']} (twin "
              f"{row['mean_len']['twin']} real "
              f"{row['mean_len']['real']} random {row['mean_len']['random']}) | most-frequent "
              f"{row['gaming']['always_most_frequent_reply'] * 100:.1f}, longest-of-5 "
              f"{row['gaming']['longest_of_top5'] * 100:.1f} | style owner-rate twin "
              f"{row['style_detector']['owner_rate_twin']:.2f} real {row['style_detector']['owner_rate_real']:.2f} "
              f"random {row['style_detector']['owner_rate_random']:.2f}"
              + f" | memory right {row['memory']['twin_right']:.2f} vs random {row['memory']['random_right']:.2f}"
              + (f" | serve chrF {row['serve']['chrf_twin'] * 100:.1f} ratio {row['serve']['ratio']} distinct "
                 f"{row['serve']['distinct']:.0%}" if "serve" in row else ""))
    ok = all((r["ratio"] or 0) >= TARGET_RATIO and r["distinct"] >= TARGET_DISTINCT for r in rows)
    out = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
           "command": "python bench/bench_twin_fidelity.py " + " ".join(argv if argv is not None else sys.argv[1:]),
           "targets": {"ratio": TARGET_RATIO, "distinct": TARGET_DISTINCT}, "chats": rows, "met": ok}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print("targets (ratio >= 1.5, distinct >= 80 %):", "met" if ok else "MISSED")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
