"""The four dataset shapes, written from :class:`lib.export.records.Record`, and LLaMA-Factory's validity rules.

- **sharegpt**: ``[{"conversations": [{"from": "human"|"gpt", "value": ...}], "system": ..., "tools": "[]"}]``, the
  shape the twin is trained on, optionally with per-message ``emotion`` and ``character_traits``; augmented records
  carry ``"source": "mbti"`` (extra keys are ignored by LLaMA-Factory's loader). Also writes ``dataset_info.json``.
  With ``ExportOptions.system_turn`` the persona is the first turn (``{"from": "system"}``) instead, for torchtune
  and axolotl, which ignore the top-level field.
- **llamafactory**: the same records with only the keys LLaMA-Factory maps, plus ``dataset_info.json`` with columns
  and tags, ready to drop into its ``data/`` folder.
- **openai**: chat JSONL, ``{"messages": [system, user, assistant, ...]}`` per line.
- **alpaca**: ``{"instruction", "input", "output", "system", "history": [[user, assistant], ...]}``.

Every record is checked against LLaMA-Factory's rules (``SharegptDatasetConverter``: human first, strict
alternation, gpt last, system only at the top) before anything is written: a record the trainer would silently drop
is a bug here, not a warning there.
"""
from __future__ import annotations

import json
from pathlib import Path

from collections.abc import Callable
from dataclasses import dataclass

from lib.export.records import Record

DATASET = "metwin"


@dataclass(frozen=True)
class Exporter:
    """One dataset shape: what the CLI's ``--format``, the Export page, the card and :func:`write` know of it.

    A new shape is one :func:`register` call (here, or in a module that registers at import), plus its two labels
    ``exp.fmt.<name>`` in ``lib/i18n/export.py``."""

    name: str                                   # "sharegpt": --format value, settings and the exports table
    label: str                                  # English label (CLI help, dataset card)
    item: Callable[[Record, bool], dict]        # (record, system_turn) -> one item of the file
    file: Callable[[str], str]                  # split ("train" | "val") -> file name in the export folder
    jsonl: bool = False                         # one item per line instead of one JSON list
    info: str | None = None                     # dataset_info.json "formatting" to write beside it (None: none)
    sharegpt: bool = False                      # turns kept as ShareGPT: the Train page trains on it


EXPORTERS: dict[str, Exporter] = {}
FORMATS: dict[str, str] = {}                     # name -> label, derived (kept for callers that only list them)


def register(exporter: Exporter) -> Exporter:
    EXPORTERS[exporter.name] = exporter
    FORMATS[exporter.name] = exporter.label
    return exporter


def item(fmt: str, r: Record, system_turn: bool = False) -> dict:
    """One record in ``fmt``'s shape (the Export page's preview shows exactly what :func:`write` writes)."""
    return EXPORTERS[fmt].item(r, system_turn)


def sharegpt_item(r: Record, rich: bool, system_turn: bool = False) -> dict:
    """One ShareGPT record. ``system_turn``: the persona goes in as the first turn (``{"from": "system"}``) and the
    top-level ``system`` stays empty, for trainers that read only the turns (torchtune, axolotl); never both, so no
    trainer sees the persona twice."""
    conv = [{"from": "system", "value": r.system}] if system_turn and r.system else []
    for t in r.turns:
        m: dict = {"from": t.role, "value": t.text}
        if rich and t.emotion:
            m["emotion"] = t.emotion
        if rich and t.traits:
            m["character_traits"] = t.traits
        conv.append(m)
    item = {"conversations": conv, "system": "" if conv and conv[0]["from"] == "system" else r.system, "tools": "[]"}
    if rich and r.source != "chat":
        item["source"] = r.source
    return item


def lf_problems(item: dict, role_tag: str = "from", user: str = "human", assistant: str = "gpt",
                content_tag: str = "value", messages: str = "conversations") -> list[str]:
    """Why LLaMA-Factory would drop this ShareGPT item (empty list: it trains on it). Mirrors
    ``SharegptDatasetConverter``: after an optional system message at index 0, even positions are the user, odd
    the assistant, the count is even (the assistant speaks last); and every turn needs its role and content."""
    msgs = list(item.get(messages) or [])
    out: list[str] = []
    if msgs and msgs[0].get(role_tag) == "system":
        msgs = msgs[1:]
    if not msgs:
        return ["no messages"]
    for i, m in enumerate(msgs):
        if role_tag not in m or content_tag not in m:
            out.append(f"message {i} lacks {role_tag!r} or {content_tag!r}")
            continue
        want = user if i % 2 == 0 else assistant
        if m[role_tag] != want:
            out.append(f"message {i} is {m[role_tag]!r}, expected {want!r} (strict alternation, {user} first)")
        if not str(m[content_tag]).strip():
            out.append(f"message {i} is empty")
        if m[role_tag] == "system":
            out.append(f"system message at position {i} (only the top is allowed)")
    if len(msgs) % 2:
        out.append(f"odd number of messages: the last must be {assistant!r}")
    return out


def dataset_info(files: dict[str, str], formatting: str = "sharegpt") -> dict:
    """LLaMA-Factory's ``dataset_info.json`` entries for the split files (name -> file)."""
    out = {}
    for split, file in files.items():
        name = DATASET if split == "train" else f"{DATASET}_{split}"
        if formatting == "alpaca":
            out[name] = {"file_name": file, "columns": {"prompt": "instruction", "query": "input", "response": "output",
                                                        "system": "system", "history": "history"}}
        else:
            out[name] = {"file_name": file, "formatting": "sharegpt",
                         "columns": {"messages": "conversations", "system": "system", "tools": "tools"},
                         "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "human",
                                  "assistant_tag": "gpt", "system_tag": "system"}}
    return out


def openai_item(r: Record) -> dict:
    msgs = [{"role": "system", "content": r.system}] if r.system else []
    msgs += [{"role": "user" if t.role == "human" else "assistant", "content": t.text} for t in r.turns]
    return {"messages": msgs}


def alpaca_item(r: Record) -> dict:
    pairs = [(r.turns[i].text, r.turns[i + 1].text) for i in range(0, len(r.turns) - 1, 2)]
    *history, last = pairs
    return {"instruction": last[0], "input": "", "output": last[1], "system": r.system,
            "history": [list(p) for p in history]}


def _dump(path: Path, data) -> None:
    """JSON written atomically (a temporary file renamed into place); a list gets one item per line, which stays
    readable and diffable and is several times faster than indenting a million nested values."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        if isinstance(data, list):
            fh.write("[\n")
            for i, item in enumerate(data):
                fh.write((",\n" if i else "") + json.dumps(item, ensure_ascii=False))
            fh.write("\n]\n")
        else:
            fh.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    tmp.replace(path)


def write(fmt: str, records: list[Record], out: Path, system_turn: bool = False) -> dict[str, str]:
    """Write ``records`` in ``fmt`` under ``out``; returns split -> file name. Raises if a record breaks the rules.
    ``system_turn``: ShareGPT shapes carry the persona as a leading system turn (see :func:`sharegpt_item`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    bad = [(i, p) for i, r in enumerate(records) for p in lf_problems(sharegpt_item(r, False, system_turn))]
    if bad:
        raise AssertionError(f"record {bad[0][0]} would be dropped by LLaMA-Factory: {bad[0][1]}")
    out.mkdir(parents=True, exist_ok=True)
    by_split: dict[str, list[Record]] = {}
    for r in records:
        by_split.setdefault(r.split, []).append(r)
    spec = EXPORTERS[fmt]
    files: dict[str, str] = {}
    for split in ("train", "val"):
        rs = by_split.get(split)
        if not rs:
            continue
        name = spec.file(split)
        if spec.jsonl:
            tmp = out / (name + ".tmp")
            with open(tmp, "w", encoding="utf-8") as fh:
                for r in rs:
                    fh.write(json.dumps(spec.item(r, system_turn), ensure_ascii=False) + "\n")
            tmp.replace(out / name)
        else:
            _dump(out / name, [spec.item(r, system_turn) for r in rs])
        files[split] = name
    if spec.info:
        _dump(out / "dataset_info.json", dataset_info(files, spec.info))
    return files


# ----- the built-in shapes --------------------------------------------------------------------------------------------
register(Exporter("sharegpt", "ShareGPT JSON (+ dataset_info.json)",
                  lambda r, system_turn: sharegpt_item(r, rich=True, system_turn=system_turn),
                  lambda split: f"{split}.json", info="sharegpt", sharegpt=True))
register(Exporter("llamafactory", "LLaMA-Factory data folder (ShareGPT + dataset_info.json)",
                  lambda r, system_turn: sharegpt_item(r, rich=False, system_turn=system_turn),
                  lambda split: f"{DATASET}_{split}.json", info="sharegpt", sharegpt=True))
register(Exporter("openai", "OpenAI chat JSONL", lambda r, system_turn: openai_item(r),
                  lambda split: f"{split}.jsonl", jsonl=True))
register(Exporter("alpaca", "Alpaca JSON with history", lambda r, system_turn: alpaca_item(r),
                  lambda split: f"{split}.json", info="alpaca"))
