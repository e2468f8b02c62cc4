#!/usr/bin/env python3
"""WhatsApp TXT import speed: today's importer (working tree) against the committed one, in the same run.

    python3 bench/bench_whatsapp.py [--lines 1000000] [--repeat 3] [--seed 1] [--out bench/results/whatsapp.json]

1. Generates WhatsApp-shaped text of ``--lines`` lines in two layouts (Android ``dd/mm/yyyy, HH:MM - Name: text``
   and iOS ``[m/d/yy, h:mm:ss AM] Name: text`` with U+200E marks), invented text, with the share of media placeholders,
   deleted messages, multi-line messages and system lines of a real chat (about 8 %, 2 %, 4 %, 0.2 %).
2. Copies the committed ``lib/importers/whatsapp.py`` (``git show REV:...``, ``--rev`` default HEAD) to a temporary
   module, so the baseline is measured on the same machine, Python and data as the new code.
3. Times ``parse(path, text)`` of each module ``--repeat`` times, alternating the two, best run counts (the text is
   already decoded: reading and decoding are the same for both and are not the importer's work).
4. Prints the ratio new / old per layout and writes the JSON. Target (issue 15): ratio ≤ 1.5. ``--check`` exits 1 when
   it is missed.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.dont_write_bytecode = True

MAX_RATIO = 1.5
RESULTS = HERE / "results" / "whatsapp.json"

WORDS = ("ok sure see you tomorrow at the lake haha that is funny where are you now I am on my way the train is late "
         "did you eat already lunch at noon bring the snacks please thanks a lot good night call me later maybe "
         "weekend plan sounds great").split()
NAMES = ("Sam Oak", "Bea Rivers", "Kit Moss", "+44 7700 900123")


def _line(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 14)))


def generate(lines: int, layout: str, seed: int) -> str:
    """``lines`` lines of one layout; multi-line messages count every line."""
    rng = random.Random(seed)
    t = datetime(2021, 3, 1, 8, 0)
    out: list[str] = []
    ios = layout == "ios"
    while len(out) < lines:
        t += timedelta(seconds=rng.randint(5, 900))
        who = rng.choice(NAMES)
        if ios:
            h12 = t.hour % 12 or 12
            stamp = f"[{t.month}/{t.day}/{t:%y}, {h12}:{t:%M:%S}\u202f{'PM' if t.hour >= 12 else 'AM'}] "
        else:
            stamp = f"{t:%d/%m/%Y, %H:%M} - "
        r = rng.random()
        if r < 0.08:
            body = "\u200eimage omitted" if ios else "<Media omitted>"
            out.append(("\u200e" if ios else "") + stamp + who + ": " + body)
        elif r < 0.10:
            out.append(stamp + who + ": " + ("\u200eThis message was deleted." if ios else "This message was deleted"))
        elif r < 0.14:
            extra = [_line(rng) for _ in range(rng.randint(1, 3))]
            out.append(stamp + who + ": " + _line(rng))
            out.extend(extra)
        elif r < 0.142:
            out.append(stamp + (f"Group: \u200e{who} added Kit Moss" if ios else f"{who} added Kit Moss"))
        else:
            out.append(stamp + who + ": " + _line(rng))
    return "\n".join(out[:lines]) + "\n"


def load_committed(rev: str) -> ModuleType:
    """whatsapp.py as committed at ``rev``, loaded as a separate module (its register() call is undone afterwards)."""
    src = subprocess.run(["git", "show", f"{rev}:lib/importers/whatsapp.py"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    from lib.importers import REGISTRY
    saved = dict(REGISTRY)
    with tempfile.TemporaryDirectory(prefix="metwin-bench-wa-") as tmp:
        path = Path(tmp) / "whatsapp_baseline.py"
        path.write_text(src, encoding="utf-8")
        spec = importlib.util.spec_from_file_location("whatsapp_baseline", path)
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    REGISTRY.clear()
    REGISTRY.update(saved)
    return mod


def time_parse(mod: ModuleType, path: Path, text: str) -> tuple[float, int]:
    gc.collect()
    t0 = time.perf_counter()
    parsed = mod.parse(path, text)
    dt = time.perf_counter() - t0
    return dt, len(parsed.messages)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--rev", default="HEAD",
                    help="git revision of the baseline importer (default HEAD; once the new importer is committed, "
                    "pass the commit before it)")
    ap.add_argument("--check", action="store_true", help=f"exit 1 if new/old > {MAX_RATIO:g} on any layout")
    args = ap.parse_args(argv)

    from lib.importers import whatsapp as new
    old = load_committed(args.rev)
    result: dict = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "lines": args.lines,
        "repeat": args.repeat, "seed": args.seed, "baseline_rev": args.rev,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "target_max_ratio": MAX_RATIO, "layouts": {},
    }
    failures = []
    for layout in ("android", "ios"):
        text = generate(args.lines, layout, args.seed)
        path = Path(f"WhatsApp Chat with Bench {layout}.txt")
        runs: dict[str, list[float]] = {"old": [], "new": []}
        counts: dict[str, int] = {}
        for _ in range(args.repeat):
            for name, mod in (("old", old), ("new", new)):
                dt, n = time_parse(mod, path, text)
                runs[name].append(round(dt, 3))
                counts[name] = n
        best = {k: min(v) for k, v in runs.items()}
        ratio = best["new"] / best["old"]
        result["layouts"][layout] = {"chars": len(text), "runs_s": runs, "best_s": best, "messages": counts,
                                     "ratio_new_over_old": round(ratio, 3)}
        print(f"{layout:<8} {len(text) / 2**20:6.1f} MiB  old {best['old']:6.2f}s  new {best['new']:6.2f}s  "
              f"ratio {ratio:.2f}x  (messages old {counts['old']:,}, new {counts['new']:,})")
        if ratio > MAX_RATIO:
            failures.append(f"{layout}: new/old = {ratio:.2f} > {MAX_RATIO:g}")
    result["failures"] = failures
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"results: {args.out}")
    for f in failures:
        print("MISSED: " + f, file=sys.stderr)
    return 1 if failures and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
