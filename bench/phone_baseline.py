#!/usr/bin/env python3
"""Speed baseline for bench/bench_pii.py: bare ``phonenumbers`` over a JSONL file of ``{"id", "text"}`` lines.

    python bench/phone_baseline.py FILE

For every line, ``list(phonenumbers.PhoneNumberMatcher(text, "CN", leniency=Leniency.VALID))``: the one detector any
phone redaction has to run, with no gate and nothing else. It prints one ``{"id", "count"}`` line per input line,
buffered like ``python -m lib pii-scan`` writes its output, so both commands read, parse and write the same amount.
"""
from __future__ import annotations

import json
import sys

import phonenumbers


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    matcher = phonenumbers.PhoneNumberMatcher
    valid = phonenumbers.Leniency.VALID
    out = sys.stdout
    buf: list[str] = []
    with open(argv[0], encoding="utf-8", errors="replace") as src:
        for line in src:
            if not line.strip():
                continue
            rec = json.loads(line)
            n = len(list(matcher(rec["text"], "CN", leniency=valid)))
            rid = rec.get("id")
            rid_json = str(rid) if type(rid) is int else json.dumps(rid)  # the same cheap encoding as pii-scan
            buf.append(f'{{"id": {rid_json}, "count": {n}}}')
            if len(buf) >= 2000:
                out.write("\n".join(buf) + "\n")
                buf.clear()
    if buf:
        out.write("\n".join(buf) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
