#!/usr/bin/env python3
"""Address benchmark on presidio-research ``synth_dataset_v2.json``, with the gold's fragments joined into addresses.

    python bench/bench_pii_address.py [--presidio PATH] [--lines 200000] [--examples 10]

Why a second scorer next to bench/bench_pii.py: about half of that set's addresses are annotated as fragments
(``'28245'``, ``'Puruntie 82'``, ``'Apt. 595'``, city as GPE, ``'53650'`` as ZIP_CODE), the rest as one span. A
redactor must replace the whole address as one value (else the postcode leaks), so one-to-one IoU matching against
fragments scores a correct whole-address span as one false positive plus several misses. Here gold STREET_ADDRESS
fragments that touch (only spaces, commas or line breaks between them) are joined, and so are the GPE and ZIP_CODE
spans that touch such a group (town, state, country, postcode). Then the usual rules: same kind, character
IoU >= 0.5, one-to-one; exact-boundary rate among true positives; and a leak check: a gold address leaks when any of
its digits is outside every predicted span (of any kind).

Speed: the address recognizer's ``analyze`` over ``--lines`` short chat lines from bench_pii's deterministic corpus.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PRESIDIO = ROOT.parent / "shared" / "benchmarks" / "pii" / "presidio_research_synth_dataset_v2.json"
IOU_MIN = 0.5
_GAP = re.compile(r"[\s,>]*")
_JOINABLE = {"STREET_ADDRESS", "ZIP_CODE", "GPE"}

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def joined_addresses(record: dict) -> list[tuple[int, int]]:
    """Gold address spans of one record: STREET_ADDRESS fragments plus touching GPE/ZIP_CODE, joined."""
    text = record["full_text"]
    spans = sorted((s["start_position"], s["end_position"], s["entity_type"]) for s in record["spans"]
                   if s["entity_type"] in _JOINABLE)
    groups: list[list] = []  # [start, end, has_street]
    for start, end, kind in spans:
        last = groups[-1] if groups else None
        if last and start >= last[1] and _GAP.fullmatch(text[last[1]:start]):
            last[1] = max(last[1], end)
            last[2] = last[2] or kind == "STREET_ADDRESS"
        else:
            groups.append([start, end, kind == "STREET_ADDRESS"])
    return [(s, e) for s, e, street in groups if street]


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def evaluate(records: list[dict], analyze, examples: int) -> dict:
    tp = fp = fn = exact = leaked = 0
    missed: list[str] = []
    false: list[str] = []
    for rec in records:
        text = rec["full_text"]
        gold = joined_addresses(rec)
        hits = analyze(text)
        # a postcode standing alone (``ZIP: 3520``) is ADDRESS to us but not an address in the gold: not scored
        alone = {(s["start_position"], s["end_position"]) for s in rec["spans"] if s["entity_type"] == "ZIP_CODE"}
        pred = [(h.start, h.end) for h in hits if h.kind == "ADDRESS" and (h.start, h.end) not in alone]
        used: set[int] = set()
        for g in gold:
            best, best_iou = None, IOU_MIN
            for i, p in enumerate(pred):
                if i not in used and _iou(g, p) >= best_iou:
                    best, best_iou = i, _iou(g, p)
            if best is None:
                fn += 1
                if len(missed) < examples:
                    missed.append(text[g[0]:g[1]])
            else:
                used.add(best)
                tp += 1
                exact += pred[best] == g
            covered = [(h.start, h.end) for h in hits]
            if any(text[i].isdigit() and not any(s <= i < e for s, e in covered) for i in range(*g)):
                leaked += 1
        for i, p in enumerate(pred):
            if i not in used:
                fp += 1
                if len(false) < examples:
                    false.append(text[p[0]:p[1]])
    gold_n = tp + fn
    return {"gold": gold_n, "pred": tp + fp, "tp": tp, "fp": fp, "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else None, "recall": tp / gold_n if gold_n else None,
            "exact_boundary": exact / tp if tp else None, "leaked": leaked, "missed": missed, "false": false}


def time_recognizer(lines: int) -> float:
    """Seconds for AddressRecognizer.analyze over bench_pii's deterministic chat corpus (first ``lines`` lines)."""
    sys.path.insert(0, str(HERE))
    from bench_pii import ensure_corpus
    from lib.pii.recognizers.address import AddressRecognizer

    path, _ = ensure_corpus(lines, 1, False)
    with open(path, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    rec = AddressRecognizer()
    t = time.perf_counter()
    for text in texts:
        rec.analyze(text)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presidio", type=Path, default=PRESIDIO)
    ap.add_argument("--lines", type=int, default=0, help="also time the recognizer on this many corpus lines")
    ap.add_argument("--examples", type=int, default=10)
    args = ap.parse_args(argv)
    from lib.pii.analyzer import Analyzer
    from lib.pii.base import AnalyzerConfig

    if not args.presidio.exists():
        print(f"presidio set not found: {args.presidio}")
        return 0
    records = json.loads(args.presidio.read_text(encoding="utf-8"))
    records = [r for r in records if any(s["entity_type"] == "STREET_ADDRESS" for s in r["spans"])] + \
              [r for r in records if not any(s["entity_type"] == "STREET_ADDRESS" for s in r["spans"])]
    analyzer = Analyzer(AnalyzerConfig(regions=("CN", "US", "GB")))
    res = evaluate(records, analyzer.analyze, args.examples)
    print(f"presidio-research, joined address gold ({len(records):,} records): gold {res['gold']} pred {res['pred']} "
          f"TP {res['tp']} FP {res['fp']} FN {res['fn']}  precision {res['precision']:.3f} recall "
          f"{res['recall']:.3f} exact {res['exact_boundary']:.3f}  leaked addresses {res['leaked']}")
    for m in res["missed"]:
        print("  missed:", repr(m))
    for m in res["false"]:
        print("  false: ", repr(m))
    if args.lines:
        print(f"AddressRecognizer.analyze over {args.lines:,} corpus lines: {time_recognizer(args.lines):.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
