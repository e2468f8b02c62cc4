#!/usr/bin/env python3
"""Workspace redaction benchmark: a full PII scan of a big workspace, and the export-side Redactor over every message.

    python bench/bench_redact.py [--messages 1000000] [--keep] [--check]

1. Imports the cached MemoTrace CSV of bench/bench_import.py (bench/gen_memotrace_csv.py) into a workspace under
   bench/.data/ (kept between runs with ``--keep``).
2. In this one process, on the same workspace, measures:
   - baseline: read every message text from SQLite and run ``phonenumbers.PhoneNumberMatcher(text, "CN", VALID)``
     over each (what the cheapest phone-only redaction would cost);
   - scan: the first ``PiiStore.scan()`` (nothing learned yet: every recognizer, then the found names and values
     looked for in every message, writing hits and values), then a full rescan with them known;
   - export: ``Redactor(ws)`` loading all live spans, then ``message()`` over every message.
3. Prints the figures and the ratio scan/baseline, and writes bench/results/redact.json.

Target: the full scan no slower than 2× the phone-only baseline (it also writes every detection to SQLite).
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
RESULTS = HERE / "results" / "redact.json"
MAX_RATIO = 2.0


def ensure_workspace(messages: int, regen: bool) -> Path:
    from lib.workspace import Workspace

    csv = HERE / ".data" / f"memotrace_{messages}_c50_s1_v1.csv"
    if not csv.exists():
        subprocess.run([sys.executable, str(HERE / "gen_memotrace_csv.py"), "--messages", str(messages), "--chats",
                        "50", "--seed", "1", str(csv)], check=True)
    path = HERE / ".data" / f"ws_redact_{messages}"
    if regen and path.exists():
        import shutil

        shutil.rmtree(path)
    ws = Workspace(path)
    if ws.is_empty():
        t0 = time.perf_counter()
        ws.import_paths([csv])
        print(f"imported {csv.name} in {time.perf_counter() - t0:.1f} s")
    ws.close()
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--regen", action="store_true", help="rebuild the workspace")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = ap.parse_args(argv)

    import phonenumbers

    from lib.pii.redactor import Redactor
    from lib.pii.store import PiiStore
    from lib.workspace import Workspace

    ws = Workspace(ensure_workspace(args.messages, args.regen))
    n = ws.conn.execute("SELECT COUNT(*) FROM messages WHERE text != ''").fetchone()[0]

    t0 = time.perf_counter()
    matcher, valid, found = phonenumbers.PhoneNumberMatcher, phonenumbers.Leniency.VALID, 0
    for (text,) in ws.conn.execute("SELECT text FROM messages WHERE text != '' ORDER BY id"):
        found += len(list(matcher(text, "CN", leniency=valid)))
    baseline = time.perf_counter() - t0

    store = PiiStore(ws)
    # The first scan after an import: nothing learned yet, so it finds the names and values and then looks for them
    # in every message (the spread pass). A rescan of a reviewed workspace knows them already and is cheaper.
    with ws.conn:
        ws.conn.execute("DELETE FROM pii_hits")
        ws.conn.execute("DELETE FROM pii_values")
        ws.conn.execute("DELETE FROM settings WHERE key = 'pii.scan'")
    report = store.scan()
    counts = store.counts()
    rescan = store.scan(full=True)

    t0 = time.perf_counter()
    red = Redactor(ws, scan=False)
    load = time.perf_counter() - t0
    changed = 0
    t0 = time.perf_counter()
    for mid, text in ws.conn.execute("SELECT id, text FROM messages ORDER BY id"):
        if red.message(mid, text) != text:
            changed += 1
    apply_s = time.perf_counter() - t0
    ws.close()

    ratio = report.seconds / baseline
    result = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "messages_with_text": n,
        "baseline_phone_only_s": round(baseline, 2), "baseline_phone_hits": found,
        "scan_full_s": round(report.seconds, 2), "scan_hits": report.hits, "values": counts["values"],
        "rescan_full_s": round(rescan.seconds, 2),
        "scan_over_baseline": round(ratio, 3), "target_max_ratio": MAX_RATIO,
        "redactor_load_s": round(load, 2), "redactor_apply_s": round(apply_s, 2), "messages_changed": changed,
    }
    print(f"{n:,} messages with text")
    print(f"  baseline (phonenumbers CN over every text) {baseline:7.2f} s  ({found:,} phones)")
    print(f"  first PII scan, hits written              {report.seconds:7.2f} s  ({report.hits:,} detections, "
          f"{counts['values']:,} values)")
    print(f"  full rescan, names and values known       {rescan.seconds:7.2f} s  ({rescan.seconds / baseline:.2f}x)")
    print(f"  scan / baseline: {ratio:.2f}x (target <= {MAX_RATIO}x)")
    print(f"  export side: Redactor load {load:.2f} s, apply to every message {apply_s:.2f} s ({changed:,} changed)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"results: {args.out}")
    return 1 if args.check and ratio > MAX_RATIO else 0


if __name__ == "__main__":
    sys.exit(main())
