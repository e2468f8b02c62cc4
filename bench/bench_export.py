#!/usr/bin/env python3
"""Export benchmark: how long a full ShareGPT export of a big workspace takes, against reading the same rows.

    python bench/bench_export.py [--workspace bench/.data/ws_redact_1000000] [--repeat 3]

Uses the 1M-message workspace of bench/bench_redact.py (run that first; it builds and scans it). In one process, on
the same workspace, best of ``--repeat``:

- baseline: ``pd.read_sql_query`` of every trainable message's id, conversation, time, side, kind and text, in
  conversation order (the cheapest read an export cannot avoid);
- records: building the records (redaction applied, turns folded, aligned, split, deduplicated, train/validation);
- export: the whole ``export(ws, "sharegpt", ...)`` (records plus writing the files and the dataset card);
- stats: the Statistics page's two aggregates (workspace figures and export figures).

Prints the times and ratios to the baseline and writes bench/results/export.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
RESULTS = HERE / "results" / "export.json"


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workspace", type=Path, default=HERE / ".data" / "ws_redact_1000000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    if not (args.workspace / "metwin.sqlite").exists():
        print(f"{args.workspace} has no workspace: run bench/bench_redact.py first", file=sys.stderr)
        return 2

    import pandas as pd

    from lib.export import ExportOptions, export, records
    from lib.stats import export_stats, workspace_stats
    from lib.persona.traits import cached_traits
    from lib.workspace import Workspace

    ws = Workspace(args.workspace)
    n_msgs = ws.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    t0 = time.perf_counter()
    cached_traits(ws)  # the persona's habits: mined once per process (timed separately)
    traits_s = time.perf_counter() - t0

    def baseline():
        return pd.read_sql_query(
            "SELECT m.id, m.conv_id, m.time, m.is_me, m.kind, m.text FROM messages m JOIN conv_effective v "
            "ON v.id = m.conv_id WHERE v.effective_reason = '' ORDER BY m.conv_id, m.time, m.id", ws.conn)

    base_s, frame = best(baseline, args.repeat)
    rec_s, (recs, report, _) = best(lambda: records(ws, ExportOptions()), args.repeat)
    with tempfile.TemporaryDirectory(prefix="metwin-export-") as tmp:
        exp_s, rep = best(lambda: export(ws, "sharegpt", Path(tmp) / "out", ExportOptions()), args.repeat)
        size = sum(p.stat().st_size for p in (Path(tmp) / "out").iterdir())
    stats_s, _ = best(lambda: (workspace_stats(ws), export_stats(recs)), args.repeat)
    ws.close()
    rows = {"baseline read": base_s, "records": rec_s, "export sharegpt": exp_s, "statistics": stats_s}
    print(f"workspace {args.workspace.name}: {n_msgs:,} messages, {len(frame):,} in trainable conversations; "
          f"{len(recs):,} records, {size / 1024**2:.1f} MiB written; habits mined once in {traits_s:.2f} s")
    print(f"{'step':20s} {'best s':>8s} {'× baseline':>11s}")
    for k, v in rows.items():
        print(f"{k:20s} {v:8.2f} {v / base_s:11.1f}")
    out = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "workspace": {"messages": n_msgs, "trainable_messages": len(frame), "records": len(recs),
                      "left_out": dict(report.dropped), "bytes_written": size},
        "repeat": args.repeat,
        "traits_once_s": round(traits_s, 3),
        "best_s": {k: round(v, 3) for k, v in rows.items()},
        "ratio_to_baseline": {k: round(v / base_s, 2) for k, v in rows.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
