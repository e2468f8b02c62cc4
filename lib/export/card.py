"""The dataset card (``README.md`` beside every export): where the data came from and what was done to it.

It names import files, counts and figures only; it quotes no message. The persona prompt is printed as exported
(redacted), because it is part of the dataset.
"""
from __future__ import annotations

import time as _time

from lib.export.formats import FORMATS


def _table(rows: list[tuple], head: tuple) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def dataset_card(ws, report, opts, red) -> str:
    """``red``: the export's Redactor -- file and workspace names often carry a person's name."""
    from lib.pii.store import PiiStore

    c = report.counts
    imports = ws.imports()
    pii = PiiStore(ws).counts_by_kind()
    red_rows = []
    for kind, g in pii.groupby("kind"):
        by = dict(zip(g["status"], g["hits"]))
        replaced = int(sum(v for k, v in by.items() if k != "rejected"))
        red_rows.append((kind, replaced, int(by.get("rejected", 0))))
    reasons = [(k, v) for k, v in report.build.dropped.most_common()]
    files = ", ".join(f"`{f}` ({s})" for s, f in report.files.items())
    sys_prompt = next((r.system for r in report.records if r.source == "chat"), "")
    lines = [
        f"# MeTwin dataset: {red.text(ws.name)}",
        "",
        f"Written {_time.strftime('%Y-%m-%d %H:%M')} by MeTwin in **{FORMATS[report.format]}** format: {files}.",
        "",
        "## Sources",
        "",
        _table([(red.text(r.file_name), r.format, f"{int(r.n_messages):,}", str(r.imported_at)[:10])
                for r in imports.itertuples()], ("import", "format", "messages", "imported")),
        "",
        "## Counts",
        "",
        _table([
            ("conversations used", f"{report.build.conversations:,}"),
            ("records", f"{c['records']:,}"),
            ("train / validation", f"{c['splits'].get('train', 0):,} / {c['splits'].get('val', 0):,}"),
            ("records from long conversations split", f"{report.build.split_parts:,}"),
            ("augmented (MBTI) records", f"{c['sources'].get('mbti', 0):,}"),
            ("my turns / their turns", f"{c['turns']['mine']:,} / {c['turns']['theirs']:,}"),
            ("my characters / theirs", f"{c['characters']['mine']:,} / {c['characters']['theirs']:,}"),
            ("tokens (estimate: CJK 1 per character, other text 1 per 4 characters)", f"{c['tokens_estimate']:,}"),
        ], ("", "")),
        "",
        "Left out while building records:",
        "",
        _table(reasons, ("reason", "records")) if reasons else "nothing",
        "",
        "The funnel before export (messages to trainable conversations):",
        "",
        _table([(k, f"{v:,}") for k, v in ws.funnel()], ("stage", "count")),
        "",
        "## Options",
        "",
        _table([(k, v) for k, v in opts.to_dict().items()], ("option", "value")),
        "",
        f"Split: each conversation goes whole to one side ({'latest by time' if opts.split == 'time' else 'random, seed ' + str(opts.seed)}), "
        f"validation share {opts.val_ratio:.0%}.",
        "",
        "## Persona",
        "",
        f"Persona version **{report.persona_version}**. The system prompt as exported (redacted; per-chat notes may add "
        "a line):",
        "",
        "```text",
        sys_prompt,
        "```",
        "",
        "## Redaction",
        "",
        "Every detected personal value that the owner did not mark as not private was replaced in every message, "
        "note, name and prompt, reviewed or not. Occurrences by kind:",
        "",
        _table(red_rows, ("kind", "replaced", "kept (marked not private)")) if red_rows else "No personal data detected.",
        "",
    ]
    lines += ["## Turn lengths (characters)", "",
              _table([(b, m, t) for b, m, t in zip(c["length_bins"], c["length_hist"]["mine"],
                                                     c["length_hist"]["theirs"])], ("length", "my turns", "their turns")),
              "", "## Turn pairs per record", "", _table(list(c["pairs_per_record"].items()), ("pairs", "records")), ""]
    if c["emotions"]:
        lines += ["## Emotion labels on my turns", "", _table(list(c["emotions"].items()), ("emotion", "turns")), ""]
    return "\n".join(lines)
