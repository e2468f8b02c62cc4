#!/usr/bin/env python3
"""Import benchmark: ``python -m lib import`` against a bare ``pandas.read_csv`` of the same file.

    python bench/bench_import.py [--messages 1000000] [--repeat 1] [--keep] [--check]

1. Generates a MemoTrace v2 CSV with bench/gen_memotrace_csv.py, or reuses the cached one in bench/.data/.
2. Warms the page cache by reading the file once, so that neither measurement pays for the disk.
3. Runs each of these ``--repeat`` times in a fresh subprocess and measures wall time and peak RSS:
   - baseline: ``python -c "import pandas as pd; pd.read_csv(FILE, dtype=str, keep_default_na=False)"``
   - import:   ``python -m lib import FILE --workspace TMPDIR [--format NAME] [--me NAME]``
   Peak RSS comes from ``os.wait4`` on the child, i.e. the child's own ``ru_maxrss`` (and that of any children it
   waited for). Both runs include interpreter start-up and ``import pandas``.
4. Prints a table and the ratio import/read_csv, and writes bench/results/import.json.

Targets (see bench/README.md): import wall time ≤ 3× read_csv, import peak RSS ≤ 2 GiB. ``--check`` makes the script
exit 1 when either is missed (or when the import fails).
Linux and macOS only (it needs ``os.wait4``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA_DIR = HERE / ".data"
RESULTS = HERE / "results" / "import.json"

MAX_RATIO = 3.0
MAX_PEAK_BYTES = 2 * 2**30

sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # no __pycache__ inside bench/
import gen_memotrace_csv  # noqa: E402


def _maxrss_bytes(ru_maxrss: int) -> int:
    return ru_maxrss if sys.platform == "darwin" else ru_maxrss * 1024  # Linux reports KiB, macOS bytes


def run_measured(cmd: list[str], cwd: Path, timeout: float | None) -> dict:
    """Run ``cmd``; return wall seconds, peak RSS bytes, exit code and the tail of its output."""
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = None if timeout is None else t0 + timeout
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                proc.kill()
                pid, status, ru = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        tail = out.read()[-4000:].decode("utf-8", "replace")
    return {"wall_s": round(wall, 3), "peak_rss_bytes": _maxrss_bytes(ru.ru_maxrss), "rc": proc.returncode,
            "timed_out": deadline is not None and wall > timeout, "output_tail": tail}


def best_of(runs: list[dict]) -> dict:
    """The fastest successful run (peak RSS = the highest seen), or the first failure."""
    failed = [r for r in runs if r["rc"] != 0]
    if failed:
        return failed[0]
    best = dict(min(runs, key=lambda r: r["wall_s"]))
    best["peak_rss_bytes"] = max(r["peak_rss_bytes"] for r in runs)
    best["all_wall_s"] = [r["wall_s"] for r in runs]
    return best


def ensure_data(messages: int, chats: int, seed: int, regen: bool) -> tuple[Path, float | None]:
    path = DATA_DIR / f"memotrace_{messages}_c{chats}_s{seed}_v{gen_memotrace_csv.GENERATOR_VERSION}.csv"
    if path.exists() and not regen:
        return path, None
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    info = gen_memotrace_csv.generate(tmp, messages, chats, seed)
    tmp.replace(path)
    return path, info["seconds"]


def warm(path: Path) -> None:
    with open(path, "rb") as f:
        while f.read(16 * 2**20):
            pass


def _mib(b: int) -> str:
    return f"{b / 2**20:,.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--chats", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each command; the fastest counts (default 1)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the import workspace (printed) instead of deleting it")
    ap.add_argument("--regen", action="store_true", help="regenerate the data file even if it is cached")
    ap.add_argument("--format", dest="fmt", help="pass --format NAME to the import (default: auto-detect)")
    ap.add_argument("--me", help="pass --me NAME to the import")
    ap.add_argument("--baseline-only", action="store_true", help="skip the import (measure read_csv only)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds allowed per run (default 1800)")
    ap.add_argument("--out", type=Path, default=RESULTS, help=f"JSON result file (default {RESULTS.relative_to(ROOT)})")
    ap.add_argument("--check", action="store_true",
                    help=f"exit 1 if import/read_csv > {MAX_RATIO:g} or import peak RSS > 2 GiB")
    args = ap.parse_args(argv)
    if not hasattr(os, "wait4"):
        ap.error("this benchmark needs os.wait4 (Linux or macOS)")

    data, gen_s = ensure_data(args.messages, args.chats, args.seed, args.regen)
    size = data.stat().st_size
    print(f"data: {data.relative_to(ROOT) if data.is_relative_to(ROOT) else data} "
          f"({args.messages:,} messages, {_mib(size)})" + (f", generated in {gen_s:.1f} s" if gen_s else ", cached"))
    warm(data)

    py = sys.executable
    baseline_cmd = [py, "-c", "import sys, pandas as pd; "
                    "pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)", str(data)]
    baseline = best_of([run_measured(baseline_cmd, ROOT, args.timeout) for _ in range(args.repeat)])
    if baseline["rc"] != 0:
        print("baseline read_csv failed:\n" + baseline["output_tail"], file=sys.stderr)
        return 2

    result: dict = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "messages": args.messages, "chats": args.chats, "seed": args.seed, "file_bytes": size,
        "generator_s": gen_s, "repeat": args.repeat,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "pandas": _pandas_version(py)},
        "baseline": {"cmd": "pd.read_csv(FILE, dtype=str, keep_default_na=False)",
                     **{k: v for k, v in baseline.items() if k != "output_tail"}},
    }

    imp = None
    workspace = None
    if not args.baseline_only:
        runs = []
        for _ in range(args.repeat):
            workspace = Path(tempfile.mkdtemp(prefix="metwin-bench-ws-"))
            cmd = [py, "-m", "lib", "import", str(data), "--workspace", str(workspace)]
            if args.fmt:
                cmd += ["--format", args.fmt]
            if args.me:
                cmd += ["--me", args.me]
            runs.append(run_measured(cmd, ROOT, args.timeout))
            if not args.keep or len(runs) < args.repeat:
                shutil.rmtree(workspace, ignore_errors=True)
        imp = best_of(runs)
        result["import"] = {"cmd": "python -m lib import FILE --workspace TMPDIR"
                            + (f" --format {args.fmt}" if args.fmt else "") + (f" --me {args.me}" if args.me else ""),
                            **{k: v for k, v in imp.items() if k != "output_tail"}}
        if imp["rc"] != 0:
            result["import"]["output_tail"] = imp["output_tail"]

    # Table.
    rows = [("read_csv (baseline)", baseline)] + ([("python -m lib import", imp)] if imp else [])
    print(f"\n{'':<24}{'wall':>10}{'peak RSS':>14}{'rc':>5}")
    for name, r in rows:
        print(f"{name:<24}{r['wall_s']:>9.2f}s{_mib(r['peak_rss_bytes']):>14}{r['rc']:>5}")

    failures = []
    if imp is not None:
        if imp["rc"] != 0:
            failures.append(f"import failed with exit code {imp['rc']}")
            print("\nimport output (tail):\n" + imp["output_tail"], file=sys.stderr)
        else:
            ratio = imp["wall_s"] / baseline["wall_s"]
            rss_ratio = imp["peak_rss_bytes"] / baseline["peak_rss_bytes"]
            result["ratio_wall"] = round(ratio, 3)
            result["ratio_peak_rss"] = round(rss_ratio, 3)
            print(f"\nimport / read_csv: {ratio:.2f}x wall time, {rss_ratio:.2f}x peak RSS "
                  f"(targets: <= {MAX_RATIO:g}x, peak <= 2 GiB)")
            if ratio > MAX_RATIO:
                failures.append(f"import takes {ratio:.2f}x read_csv (target <= {MAX_RATIO:g}x)")
            if imp["peak_rss_bytes"] > MAX_PEAK_BYTES:
                failures.append(f"import peak RSS {_mib(imp['peak_rss_bytes'])} (target <= 2 GiB)")
        if args.keep and workspace is not None:
            print(f"workspace kept: {workspace}")
    result["targets"] = {"max_ratio_wall": MAX_RATIO, "max_peak_rss_bytes": MAX_PEAK_BYTES}
    result["failures"] = failures

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"results: {args.out}")
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    if args.check and (failures or imp is None):
        if imp is None:
            print("FAIL: --check needs the import measurement (drop --baseline-only)", file=sys.stderr)
        return 1
    return 0


def _pandas_version(py: str) -> str | None:
    try:
        return subprocess.run([py, "-c", "import pandas; print(pandas.__version__)"], capture_output=True, text=True,
                              timeout=120).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


if __name__ == "__main__":
    sys.exit(main())
