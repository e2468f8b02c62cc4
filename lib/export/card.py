"""The dataset card (``README.md`` beside every export): where the data came from and what was done to it.

It names import files, counts and figures only; it quotes no message. It opens with Hugging Face's YAML metadata
block (language, licence, task, size, split files). The persona prompt is printed as exported
(redacted), because it is part of the dataset.
"""
from __future__ import annotations

import time as _time

from lib.export.formats import FORMATS


def _table(rows: list[tuple], head: tuple) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# Hugging Face's size buckets (the hub's size_categories values), by record count.
SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                   (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"))
SPLIT_NAMES = {"train": "train", "val": "validation"}  # the names Hugging Face datasets uses for our splits


def size_category(n_records: int) -> str:
    return next((name for limit, name in SIZE_CATEGORIES if n_records < limit), "n>1B")


def front_matter(language: str, license_id: str, n_records: int, files: dict[str, str]) -> str:
    """The card's YAML metadata block, so the Hugging Face hub and ``datasets`` read the folder as a dataset: the
    language, the owner's licence, the task, the size bucket, and which file is which split (``load_dataset`` on the
    folder then gives exactly train and validation, and never reads ``dataset_info.json`` as data). Written by hand:
    every value is an id or a file name that MeTwin made, so there is nothing to quote."""
    lines = ["---", "language:", f"- {language}", f"license: {license_id}", "task_categories:", "- text-generation",
             "tags:", "- conversational", "- metwin", "size_categories:", f"- {size_category(n_records)}",
             "configs:", "- config_name: default", "  data_files:"]
    for split, file in files.items():
        lines += [f"  - split: {SPLIT_NAMES.get(split, split)}", f"    path: {file}"]
    return "\n".join(lines + ["---", ""])


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
    split = "latest by time" if opts.split == "time" else f"random, seed {opts.seed}"
    from lib import persona

    lines = [
        front_matter(persona.language(ws), opts.license, c["records"], report.files),
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
        f"Split: each conversation goes whole to one side ({split}), validation share {opts.val_ratio:.0%}.",
        "",
        "## Persona",
        "",
        f"Persona version **{report.persona_version}**. The system prompt as exported (redacted; per-chat notes may "
        "add a line):",
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
        (_table(red_rows, ("kind", "replaced", "kept (marked not private)")) if red_rows
         else "No personal data detected."),
        "",
    ]
    lines += ["## Turn lengths (characters)", "",
              _table(list(zip(c["length_bins"], c["length_hist"]["mine"], c["length_hist"]["theirs"])),
                     ("length", "my turns", "their turns")),
              "", "## Turn pairs per record", "", _table(list(c["pairs_per_record"].items()), ("pairs", "records")), ""]
    if c["emotions"]:
        lines += ["## Emotion labels on my turns", "", _table(list(c["emotions"].items()), ("emotion", "turns")), ""]
    return "\n".join(lines)
