#!/usr/bin/env python3
"""PII benchmark: detection quality on three gold sets, and scan speed against bare ``phonenumbers``.

    python bench/bench_pii.py [--repeat 3] [--lines 200000] [--check] [--skip-speed | --skip-quality]

Quality (span match = same kind and character IoU >= 0.5, as in presidio-research; an unmatched prediction is a false
positive, an unmatched gold span a false negative, so a low-IoU overlap counts as both):
- ``bench/data/pii_gold_zh.jsonl`` (bench/gen_pii_gold_zh.py) with the default ``AnalyzerConfig()``;
- ``bench/data/pii_gold_en_chat.jsonl`` with phone regions CN, US, GB (an English speaker's own setting);
- presidio-research ``synth_dataset_v2.json`` (``--presidio PATH``; skipped with a note when absent), default config
  and again with regions CN, US, GB. Gold types are mapped (PHONE_NUMBER→PHONE, EMAIL_ADDRESS→EMAIL,
  CREDIT_CARD/IBAN_CODE→BANK_CARD, IP_ADDRESS→IP, US_SSN→US_SSN, STREET_ADDRESS→ADDRESS); other gold types are ignored,
  and so are predictions of kinds that set cannot score (PERSON, CN_ID, URL, …).
Per kind: precision, recall, F2, the exact-boundary rate among true positives, and a leak check: after every predicted
span is replaced with ``<X>``, does a run of >= 5 digits of a gold value survive? Hard-negative lines (no PII, but
amounts, dates, order numbers…) report the share of lines with any detection.

Speed: a deterministic chat corpus (``--lines``, default 200,000; ~2% PII, ~5% other digits) is scanned by
``python -m lib pii-scan FILE`` and by ``bench/phone_baseline.py FILE`` (bare ``PhoneNumberMatcher(text, "CN",
VALID)`` per line), alternating, ``--repeat`` times each; the medians count. Both run as a user's second run does: with
their bytecode cached (a warm-up run each writes it to a temporary ``PYTHONPYCACHEPREFIX``; an inherited
``PYTHONDONTWRITEBYTECODE`` would otherwise make ``pii-scan`` compile its ~40 modules from source on every run while the
baseline's site-packages were compiled at install). ``--cold-bytecode`` keeps the inherited environment. Then, in this
process, ``Analyzer.analyze`` over the same lines and each recognizer's ``analyze`` on its own, to show where the time
goes.

Results go to bench/results/pii.json. Targets (bench/README.md): recall >= 0.99 for PHONE, EMAIL, CN_ID, BANK_CARD, IP
on the Chinese set and for EMAIL, BANK_CARD, IP on the English sets; English PHONE recall >= 0.90 (regions CN, US, GB);
hard-negative lines flagged <= 1%; pii-scan wall time <= 1.0x the phonenumbers baseline. ``--check`` exits 1 when one
is missed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA_DIR = HERE / ".data"
RESULTS = HERE / "results" / "pii.json"
ZH_GOLD = HERE / "data" / "pii_gold_zh.jsonl"
EN_GOLD = HERE / "data" / "pii_gold_en_chat.jsonl"
PRESIDIO = ROOT.parent / "shared" / "benchmarks" / "pii" / "presidio_research_synth_dataset_v2.json"

IOU_MIN = 0.5
LEAK_DIGITS = 5
RECALL_MIN = 0.99
EN_PHONE_RECALL_MIN = 0.90
FALSE_FLAG_MAX = 0.01
SPEED_RATIO_MAX = 1.0
ZH_RECALL_KINDS = ("PHONE", "EMAIL", "CN_ID", "BANK_CARD", "IP")
EN_RECALL_KINDS = ("EMAIL", "BANK_CARD", "IP")
EN_REGIONS = ("CN", "US", "GB")
# Kinds whose values carry digits worth checking for leaks (a gold value needs >= LEAK_DIGITS digits to be checked).
DIGIT_KINDS = frozenset({"PHONE", "CN_ID", "US_SSN", "BANK_CARD", "IP", "QQ", "PASSPORT", "PLATE", "SECRET",
                         "WECHAT_ID", "URL"})
PRESIDIO_MAP = {"PHONE_NUMBER": "PHONE", "EMAIL_ADDRESS": "EMAIL", "CREDIT_CARD": "BANK_CARD",
                "IBAN_CODE": "BANK_CARD", "IP_ADDRESS": "IP", "US_SSN": "US_SSN", "STREET_ADDRESS": "ADDRESS"}

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # lib/ for the in-process runs

# ---------------------------------------------------------------------------------------------------------------------
# Scoring (no lib import here: tests/test_pii_gold.py reuses these functions).

_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20
_DIGIT_RUN = re.compile(r"[0-9](?:[ .\-]?[0-9])*")  # digits, allowing one separator between them (138 1234 5678)


def load_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_presidio(path: Path) -> tuple[list[dict], dict]:
    """presidio-research records as gold records with our kinds; the dict counts the ignored gold types."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    ignored: dict[str, int] = {}
    records = []
    for i, r in enumerate(raw):
        spans = []
        for s in r.get("spans", []):
            kind = PRESIDIO_MAP.get(s["entity_type"])
            if kind is None:
                ignored[s["entity_type"]] = ignored.get(s["entity_type"], 0) + 1
                continue
            spans.append({"start": s["start_position"], "end": s["end_position"], "kind": kind})
        records.append({"id": f"presidio-{i:04d}", "text": r["full_text"], "spans": spans,
                        "category": "positive" if spans else "unscored", "template": r.get("template_id")})
    return records, dict(sorted(ignored.items(), key=lambda kv: -kv[1]))


def iou(a: dict, b: dict) -> float:
    inter = min(a["end"], b["end"]) - max(a["start"], b["start"])
    if inter <= 0:
        return 0.0
    return inter / (max(a["end"], b["end"]) - min(a["start"], b["start"]))


def match(gold: list[dict], pred: list[dict], same_kind: bool = True) -> tuple[list[tuple[dict, dict]], list[dict],
                                                                                   list[dict]]:
    """One-to-one matching, best IoU first: (true-positive pairs, unmatched gold, unmatched predictions)."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if same_kind and g["kind"] != p["kind"]:
                continue
            v = iou(g, p)
            if v >= IOU_MIN:
                pairs.append((v, gi, pi))
    pairs.sort(key=lambda t: -t[0])
    used_g: set[int] = set()
    used_p: set[int] = set()
    tps = []
    for _, gi, pi in pairs:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        tps.append((gold[gi], pred[pi]))
    return (tps, [g for i, g in enumerate(gold) if i not in used_g], [p for i, p in enumerate(pred) if i not in used_p])


def leaked_digits(text: str, span: dict, pred: list[dict]) -> str | None:
    """The first run of >= LEAK_DIGITS digits of ``text[span]`` that survives when every predicted span becomes
    ``<X>``, or None. Runs may hold single separators (``138 1234``) but do not cross a redaction."""
    start, end = span["start"], span["end"]
    keep = [True] * (end - start)
    for p in pred:
        for i in range(max(start, p["start"]), min(end, p["end"])):
            keep[i - start] = False
    segment: list[str] = []
    for i in range(end - start + 1):
        if i < end - start and keep[i]:
            segment.append(text[start + i])
            continue
        if segment:
            for m in _DIGIT_RUN.finditer("".join(segment).translate(_FOLD)):
                if sum(c.isdigit() for c in m.group(0)) >= LEAK_DIGITS:
                    return m.group(0)
            segment = []
    return None


def _digit_count(s: str) -> int:
    return sum("0" <= c <= "9" for c in s.translate(_FOLD))


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _f2(p: float | None, r: float | None) -> float | None:
    if p is None or r is None or (p == 0 and r == 0):
        return None if p is None or r is None else 0.0
    return round(5 * p * r / (4 * p + r), 4)


def hits_as_dicts(hits: Iterable) -> list[dict]:
    return [{"kind": h.kind, "start": h.start, "end": h.end, "score": getattr(h, "score", None)} for h in hits]


def evaluate(records: list[dict], analyze: Callable[[str], Iterable], scored_kinds: Iterable[str] | None = None,
             examples: int = 15) -> dict:
    """Score ``analyze(text) -> hits`` (objects with kind/start/end) against gold records.

    ``scored_kinds``: when given, predictions of other kinds are dropped before scoring (a data set that does not
    annotate them cannot call them wrong)."""
    scored = set(scored_kinds) if scored_kinds is not None else None
    stats: dict[str, dict[str, int]] = {}
    anyp = {"gold": 0, "pred": 0, "tp": 0}
    leaks = {"checked": 0, "leaked": 0, "by_kind": {}, "examples": []}
    flags = {c: {"lines": 0, "flagged": 0, "examples": []} for c in ("hard_negative", "clean")}
    fn_ex: list[dict] = []
    fp_ex: list[dict] = []

    def st(kind: str) -> dict[str, int]:
        return stats.setdefault(kind, {"gold": 0, "pred": 0, "tp": 0, "fp": 0, "fn": 0, "exact": 0})

    t0 = time.perf_counter()
    for rec in records:
        text = rec["text"]
        pred = hits_as_dicts(analyze(text))
        if scored is not None:
            pred = [p for p in pred if p["kind"] in scored]
        gold = rec["spans"]
        cat = rec.get("category")
        if cat in flags:
            flags[cat]["lines"] += 1
            if pred:
                flags[cat]["flagged"] += 1
                if len(flags[cat]["examples"]) < examples:
                    flags[cat]["examples"].append({"id": rec.get("id"), "text": text, "pred": _show(text, pred)})
        for g in gold:
            st(g["kind"])["gold"] += 1
        for p in pred:
            st(p["kind"])["pred"] += 1
        tps, fns, fps = match(gold, pred)
        for g, p in tps:
            s = st(g["kind"])
            s["tp"] += 1
            s["exact"] += (g["start"], g["end"]) == (p["start"], p["end"])
        for g in fns:
            st(g["kind"])["fn"] += 1
            if len(fn_ex) < examples:
                fn_ex.append({"id": rec.get("id"), "kind": g["kind"], "value": text[g["start"]:g["end"]],
                              "text": text, "pred": _show(text, pred)})
        for p in fps:
            st(p["kind"])["fp"] += 1
            if len(fp_ex) < examples:
                fp_ex.append({"id": rec.get("id"), "kind": p["kind"], "value": text[p["start"]:p["end"]],
                              "text": text})
        a_tps, _, _ = match(gold, pred, same_kind=False)
        anyp["gold"] += len(gold)
        anyp["pred"] += len(pred)
        anyp["tp"] += len(a_tps)
        for g in gold:
            if g["kind"] not in DIGIT_KINDS or _digit_count(text[g["start"]:g["end"]]) < LEAK_DIGITS:
                continue
            leaks["checked"] += 1
            run = leaked_digits(text, g, pred)
            if run is not None:
                leaks["leaked"] += 1
                leaks["by_kind"][g["kind"]] = leaks["by_kind"].get(g["kind"], 0) + 1
                if len(leaks["examples"]) < examples:
                    leaks["examples"].append({"id": rec.get("id"), "kind": g["kind"],
                                              "value": text[g["start"]:g["end"]],
                                              "surviving": run, "text": text})
    seconds = time.perf_counter() - t0

    per_kind = {}
    for kind in sorted(stats, key=lambda k: (-stats[k]["gold"], k)):
        s = stats[kind]
        p = _ratio(s["tp"], s["tp"] + s["fp"])
        r = _ratio(s["tp"], s["tp"] + s["fn"])
        per_kind[kind] = {**{k: v for k, v in s.items() if k != "exact"}, "precision": p, "recall": r,
                          "f2": _f2(p, r), "exact_boundary": _ratio(s["exact"], s["tp"])}
    ap = _ratio(anyp["tp"], anyp["pred"])
    ar = _ratio(anyp["tp"], anyp["gold"])
    out = {
        "lines": len(records), "seconds": round(seconds, 3), "per_kind": per_kind,
        "any_pii": {**anyp, "precision": ap, "recall": ar, "f2": _f2(ap, ar)},
        "leaks": leaks,
        "false_negatives": fn_ex, "false_positives": fp_ex,
    }
    for cat, f in flags.items():
        if f["lines"]:
            out[cat] = {**f, "rate": _ratio(f["flagged"], f["lines"])}
    return out


def _show(text: str, pred: list[dict]) -> list[str]:
    return [f"{p['kind']}:{text[p['start']:p['end']]}" for p in pred]


# ---------------------------------------------------------------------------------------------------------------------
# Quality runs.

def _analyzer(regions: tuple[str, ...] | None = None):
    from lib.pii.analyzer import Analyzer
    from lib.pii.base import AnalyzerConfig

    return Analyzer(AnalyzerConfig() if regions is None else AnalyzerConfig(regions=regions))


def run_quality(args, result: dict, targets: list[dict]) -> None:
    q: dict = {}
    result["quality"] = q
    try:
        default = _analyzer()
        en = _analyzer(EN_REGIONS)
    except Exception as exc:  # noqa: BLE001 - any import or construction failure: report it and go on to speed
        q["error"] = f"analyzer unavailable: {type(exc).__name__}: {exc}"
        print(f"\nquality skipped: {q['error']}")
        targets.append({"name": "analyzer imports", "value": None, "target": "works", "ok": False})
        return

    sets = [("zh", "Chinese chat gold (bench/data/pii_gold_zh.jsonl), regions CN", args.zh, default)]
    sets.append(("en_chat", "English chat gold (bench/data/pii_gold_en_chat.jsonl), regions CN,US,GB", args.en, en))
    for key, title, path, analyzer in sets:
        if not Path(path).is_file():
            q[key] = {"skipped": f"{path} not found (python bench/gen_pii_gold_zh.py writes it)"}
            print(f"\n{title}: skipped, {path} not found")
            continue
        res = evaluate(load_jsonl(Path(path)), analyzer.analyze, examples=args.examples)
        res["regions"] = list(analyzer.config.regions)
        q[key] = res
        print_quality(title, res)
        for kind in (ZH_RECALL_KINDS if key == "zh" else EN_RECALL_KINDS):
            _recall_target(targets, f"{key} {kind} recall", res, kind, RECALL_MIN)
        if key == "en_chat":
            _recall_target(targets, "en_chat PHONE recall", res, "PHONE", EN_PHONE_RECALL_MIN)
        hn = res.get("hard_negative")
        if hn:
            targets.append({"name": f"{key} hard-negative lines flagged", "value": hn["rate"],
                            "target": f"<= {FALSE_FLAG_MAX}", "ok": hn["rate"] <= FALSE_FLAG_MAX})

    if not Path(args.presidio).is_file():
        q["presidio"] = {"skipped": f"{args.presidio} not found"}
        print(f"\npresidio-research synth_dataset_v2: skipped, {args.presidio} not found (--presidio PATH)")
        return
    records, ignored = load_presidio(Path(args.presidio))
    scored = sorted(set(PRESIDIO_MAP.values()))
    for key, analyzer, label in (("presidio", default, "regions CN (default)"),
                                 ("presidio_regions_cn_us_gb", en, "regions CN,US,GB")):
        res = evaluate(records, analyzer.analyze, scored_kinds=scored, examples=args.examples)
        res["regions"] = list(analyzer.config.regions)
        res["scored_kinds"] = scored
        res["ignored_gold_types"] = ignored
        q[key] = res
        print_quality(f"presidio-research synth_dataset_v2 ({len(records):,} records), {label}", res)
        if key == "presidio":
            for kind in EN_RECALL_KINDS:
                _recall_target(targets, f"presidio {kind} recall", res, kind, RECALL_MIN)
        else:
            _recall_target(targets, "presidio PHONE recall (regions CN,US,GB)", res, "PHONE", EN_PHONE_RECALL_MIN)
    print("  reference (Presidio 2.2.366 pattern recognizers, same matching): PHONE recall 0.59, CREDIT_CARD 0.77")


def _recall_target(targets: list[dict], name: str, res: dict, kind: str, minimum: float) -> None:
    r = res["per_kind"].get(kind, {}).get("recall")
    targets.append({"name": name, "value": r, "target": f">= {minimum}", "ok": r is not None and r >= minimum})


def _fmt(v: float | None, pct: bool = False) -> str:
    if v is None:
        return "-"
    return f"{v:.1%}" if pct else f"{v:.3f}"


def print_quality(title: str, res: dict) -> None:
    print(f"\n{title}: {res['lines']:,} lines in {res['seconds']:.2f} s")
    print(f"  {'kind':<11}{'gold':>6}{'pred':>6}{'TP':>6}{'FP':>5}{'FN':>5}{'prec':>8}{'recall':>8}{'F2':>7}"
          f"{'exact':>7}")
    for kind, s in res["per_kind"].items():
        print(f"  {kind:<11}{s['gold']:>6}{s['pred']:>6}{s['tp']:>6}{s['fp']:>5}{s['fn']:>5}{_fmt(s['precision']):>8}"
              f"{_fmt(s['recall']):>8}{_fmt(s['f2']):>7}{_fmt(s['exact_boundary']):>7}")
    a = res["any_pii"]
    print(f"  {'any PII':<11}{a['gold']:>6}{a['pred']:>6}{a['tp']:>6}{'':>10}{_fmt(a['precision']):>8}"
          f"{_fmt(a['recall']):>8}{_fmt(a['f2']):>7}")
    lk = res["leaks"]
    print(f"  leaks: {lk['leaked']} of {lk['checked']} digit-bearing gold values keep a run of >= {LEAK_DIGITS} digits"
          + (f" ({', '.join(f'{k} {v}' for k, v in lk['by_kind'].items())})" if lk["by_kind"] else ""))
    for cat in ("hard_negative", "clean"):
        if cat in res:
            f = res[cat]
            print(f"  {cat.replace('_', ' ')} lines flagged: {f['flagged']} of {f['lines']} ({_fmt(f['rate'], True)})"
                  + (f"  target <= {FALSE_FLAG_MAX:.0%}" if cat == "hard_negative" else ""))
    for label, key in (("missed", "false_negatives"), ("false positives", "false_positives")):
        if res[key]:
            shown = "; ".join(f"{e['kind']} {e['value']!r}" for e in res[key][:5])
            print(f"  {label} (first {min(5, len(res[key]))}): {shown}")


# ---------------------------------------------------------------------------------------------------------------------
# Speed.

def ensure_corpus(lines: int, seed: int, regen: bool) -> tuple[Path, float | None]:
    sys.path.insert(0, str(HERE))
    import gen_pii_gold_zh as gen

    path = DATA_DIR / f"pii_speed_{lines}_s{seed}_v{gen.GENERATOR_VERSION}.jsonl"
    if path.exists() and not regen:
        return path, None
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tmp = path.with_suffix(".partial")
    with open(tmp, "w", encoding="utf-8") as f:
        for i, text in enumerate(gen.chat_corpus(lines, seed)):
            f.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path, time.perf_counter() - t0


def run_timed(cmd: list[str], timeout: float, env: dict[str, str] | None = None) -> dict:
    """Wall and CPU seconds (child's user+sys, via os.wait4 where available), exit code, output line count."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        cpu = None
        timed_out = False
        if hasattr(os, "wait4"):
            deadline = t0 + timeout
            while True:
                pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    proc.kill()
                    timed_out = True
                    pid, status, ru = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.005)
            rc = os.waitstatus_to_exitcode(status)
            cpu = ru.ru_utime + ru.ru_stime
        else:
            try:
                rc = proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
                timed_out = True
        wall = time.perf_counter() - t0
        out.seek(0)
        n_out = sum(1 for _ in out)
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    return {"wall_s": round(wall, 3), "cpu_s": None if cpu is None else round(cpu, 3), "rc": rc,
            "timed_out": timed_out, "output_lines": n_out, "stderr_tail": tail}


def _median(runs: list[dict], key: str) -> float | None:
    vals = [r[key] for r in runs if r["rc"] == 0 and r[key] is not None]
    return round(statistics.median(vals), 3) if vals else None


def run_speed(args, result: dict, targets: list[dict]) -> None:
    data, gen_s = ensure_corpus(args.lines, args.seed, args.regen)
    with open(data, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    n = len(texts)
    size = data.stat().st_size
    print(f"\nspeed corpus: {data.relative_to(ROOT) if data.is_relative_to(ROOT) else data} ({n:,} lines, "
          f"{size / 2**20:.1f} MiB, {sum(map(len, texts)) / n:.1f} chars/line)"
          + (f", generated in {gen_s:.1f} s" if gen_s else ", cached"))
    py = sys.executable
    cmds = {"baseline": [py, str(HERE / "phone_baseline.py"), str(data)],
            "pii_scan": [py, "-m", "lib", "pii-scan", str(data)]}
    labels = {"baseline": "phonenumbers CN VALID (baseline)", "pii_scan": "python -m lib pii-scan"}

    env, pycache = None, None
    if not args.cold_bytecode:  # bytecode cached, as on a user's second run (module docstring)
        pycache = tempfile.mkdtemp(prefix="bench_pii_pyc_")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pycache

    # Start-up cost: both commands on a 10-line file (after one warm-up run each, which writes the bytecode).
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as tiny:
        for i, t in enumerate(texts[:10]):
            tiny.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
    try:
        for c in cmds.values():
            run_timed([*c[:-1], tiny.name], args.timeout, env)
        startup = {k: run_timed([*c[:-1], tiny.name], args.timeout, env) for k, c in cmds.items()}
    finally:
        os.unlink(tiny.name)

    runs: dict[str, list[dict]] = {"baseline": [], "pii_scan": []}
    for i in range(args.repeat):
        for key in (("baseline", "pii_scan") if i % 2 == 0 else ("pii_scan", "baseline")):
            r = run_timed(cmds[key], args.timeout, env)
            runs[key].append(r)
            print(f"  run {i + 1}/{args.repeat} {labels[key]}: {r['wall_s']:.2f} s wall"
                  + (f", {r['cpu_s']:.2f} s CPU" if r["cpu_s"] is not None else "") + f", rc {r['rc']}")

    if pycache:
        shutil.rmtree(pycache, ignore_errors=True)
    speed: dict = {"lines": n, "file_bytes": size, "file": str(data), "generator_s": gen_s, "repeat": args.repeat,
                   "bytecode": "inherited environment" if args.cold_bytecode else "cached (warm-up run)",
                   "commands": {}}
    result["speed"] = speed
    print(f"\n  {'':<34}{'wall (median)':>14}{'CPU':>9}{'lines/s':>10}{'start-up':>10}  runs")
    for key in ("baseline", "pii_scan"):
        rs = runs[key]
        wall, cpu = _median(rs, "wall_s"), _median(rs, "cpu_s")
        failed = [r for r in rs if r["rc"] != 0]
        bad_lines = [r["output_lines"] for r in rs if r["rc"] == 0 and r["output_lines"] != n]
        entry = {"cmd": {"baseline": "python bench/phone_baseline.py FILE",
                         "pii_scan": "python -m lib pii-scan FILE"}[key],
                 "wall_s": wall, "cpu_s": cpu, "all_wall_s": [r["wall_s"] for r in rs],
                 "all_cpu_s": [r["cpu_s"] for r in rs], "lines_per_s": round(n / wall) if wall else None,
                 "startup_wall_s": startup[key]["wall_s"], "failures": len(failed)}
        if failed:
            entry["stderr_tail"] = failed[0]["stderr_tail"]
        if bad_lines:
            entry["output_line_mismatch"] = bad_lines
        speed["commands"][key] = entry
        lps = f"{entry['lines_per_s']:,}" if entry["lines_per_s"] else "-"
        print(f"  {labels[key]:<34}{_fmt_s(wall):>14}{_fmt_s(cpu):>9}{lps:>10}"
              f"{_fmt_s(startup[key]['wall_s']):>10}  {len(rs) - len(failed)}/{len(rs)} ok")
        if failed:
            print(f"    {key} failed (rc {failed[0]['rc']}): {failed[0]['stderr_tail'].strip()[-600:]}")
        if bad_lines:
            print(f"    {key} wrote {bad_lines} output lines for {n:,} input lines")
    b, s = speed["commands"]["baseline"], speed["commands"]["pii_scan"]
    if b["wall_s"] and s["wall_s"]:
        speed["ratio_wall"] = round(s["wall_s"] / b["wall_s"], 3)
        if b["cpu_s"] and s["cpu_s"]:
            speed["ratio_cpu"] = round(s["cpu_s"] / b["cpu_s"], 3)
        print(f"  pii-scan / baseline: {speed['ratio_wall']:.2f}x wall"
              + (f", {speed['ratio_cpu']:.2f}x CPU" if "ratio_cpu" in speed else "")
              + f"  (target <= {SPEED_RATIO_MAX:g}x wall)")
    targets.append({"name": "pii-scan wall / phonenumbers baseline", "value": speed.get("ratio_wall"),
                    "target": f"<= {SPEED_RATIO_MAX}", "ok": speed.get("ratio_wall") is not None
                    and speed["ratio_wall"] <= SPEED_RATIO_MAX})

    speed["in_process"] = in_process(texts, args.inproc_lines)


def _fmt_s(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f} s"


def in_process(texts: list[str], limit: int | None) -> dict:
    """Analyzer.analyze over the lines, then every recognizer alone over the width-folded lines."""
    if limit:
        texts = texts[:limit]
    n = len(texts)
    out: dict = {"lines": n}
    import phonenumbers

    t0 = time.perf_counter()
    for t in texts:
        list(phonenumbers.PhoneNumberMatcher(t, "CN", leniency=phonenumbers.Leniency.VALID))
    base = time.perf_counter() - t0
    out["phonenumbers_cn_valid_s"] = round(base, 3)
    try:
        from lib.pii.analyzer import resolve
        from lib.pii.base import fold_width

        analyzer = _analyzer()
    except Exception as exc:  # noqa: BLE001
        out["error"] = f"analyzer unavailable: {type(exc).__name__}: {exc}"
        print(f"\n  in-process: phonenumbers {n / base:,.0f} lines/s; analyzer unavailable ({exc})")
        return out
    t0 = time.perf_counter()
    kinds: dict[str, int] = {}
    lines_hit = 0
    for t in texts:
        hits = analyzer.analyze(t)
        if hits:
            lines_hit += 1
            for h in hits:
                kinds[h.kind] = kinds.get(h.kind, 0) + 1
    total = time.perf_counter() - t0
    out["analyze_s"] = round(total, 3)
    out["analyze_lines_per_s"] = round(n / total)
    out["lines_with_hits"] = lines_hit
    out["hits_by_kind"] = dict(sorted(kinds.items(), key=lambda kv: -kv[1]))

    t0 = time.perf_counter()
    folded = [fold_width(t) for t in texts]
    breakdown = {"fold_width": time.perf_counter() - t0}
    all_hits: list[list] = [[] for _ in texts]
    for rec in analyzer.recognizers:
        name = type(rec).__name__
        t0 = time.perf_counter()
        for i, f in enumerate(folded):
            all_hits[i].extend(rec.analyze(f))
        breakdown[name] = time.perf_counter() - t0
    thr = analyzer.config.threshold
    t0 = time.perf_counter()
    for t, hs in zip(texts, all_hits):
        resolve([h for h in hs if h.score >= thr and h.end > h.start], t)
    breakdown["threshold + resolve"] = time.perf_counter() - t0
    parts = sum(breakdown.values())
    out["breakdown_s"] = {k: round(v, 3) for k, v in sorted(breakdown.items(), key=lambda kv: -kv[1])}
    print(f"\n  in-process, {n:,} lines: Analyzer.analyze {total:.2f} s ({n / total:,.0f} lines/s); bare phonenumbers "
          f"CN VALID {base:.2f} s ({n / base:,.0f} lines/s); {lines_hit:,} lines with hits "
          f"({', '.join(f'{k} {v:,}' for k, v in out['hits_by_kind'].items())})")
    print(f"  {'where the time goes':<26}{'seconds':>9}{'share':>8}{'µs/line':>9}")
    for k, v in out["breakdown_s"].items():
        print(f"  {k:<26}{v:>9.3f}{v / parts:>8.1%}{v / n * 1e6:>9.2f}")
    return out


# ---------------------------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs of each speed command, alternating; median counts")
    ap.add_argument("--lines", type=int, default=200_000, help="speed corpus size (default 200,000)")
    ap.add_argument("--seed", type=int, default=1, help="speed corpus seed (default 1)")
    ap.add_argument("--regen", action="store_true", help="regenerate the cached speed corpus")
    ap.add_argument("--inproc-lines", type=int, default=0,
                    help="limit the in-process timing to the first N lines (default: all)")
    ap.add_argument("--zh", type=Path, default=ZH_GOLD)
    ap.add_argument("--en", type=Path, default=EN_GOLD)
    ap.add_argument("--presidio", type=Path, default=PRESIDIO,
                    help="presidio-research synth_dataset_v2.json (skipped when absent)")
    ap.add_argument("--examples", type=int, default=15, help="misses/false positives kept per data set in the JSON")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--cold-bytecode", action="store_true",
                    help="time the commands with the inherited environment (PYTHONDONTWRITEBYTECODE honoured)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds allowed per speed run (default 1800)")
    ap.add_argument("--out", type=Path, default=RESULTS, help=f"JSON result file (default {RESULTS.relative_to(ROOT)})")
    ap.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = ap.parse_args(argv)

    try:
        import phonenumbers
        pn_version = phonenumbers.__version__
    except ImportError:
        pn_version = None
    result: dict = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "phonenumbers": pn_version,
                    "loadavg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None},
        "matching": {"iou_min": IOU_MIN, "same_kind": True, "leak_digits": LEAK_DIGITS},
    }
    targets: list[dict] = []
    if not args.skip_quality:
        run_quality(args, result, targets)
    if not args.skip_speed:
        run_speed(args, result, targets)

    result["targets"] = targets
    failures = [f"{t['name']}: {t['value']} (target {t['target']})" for t in targets if not t["ok"]]
    result["failures"] = failures
    if targets:
        print(f"\n{'target':<48}{'value':>10}  {'target':<10}")
        for t in targets:
            v = t["value"]
            print(f"{t['name']:<48}{('-' if v is None else f'{v:.3f}'):>10}  {t['target']:<10}"
                  f"{'ok' if t['ok'] else 'MISSED'}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"results: {args.out}")
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    return 1 if args.check and failures else 0


if __name__ == "__main__":
    sys.dont_write_bytecode = True  # no __pycache__ inside bench/ (gen_pii_gold_zh is imported for the corpus)
    sys.exit(main())
