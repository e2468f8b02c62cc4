"""Statistics at every step, as small aggregate tables: the Statistics page charts them, the dataset card prints
them, ``python -m lib stats --json`` returns them. Nothing here returns raw rows.

Token estimates: CJK characters are about one token each for current chat models' tokenizers and other text about
four characters per token; the estimate is labelled as such everywhere it is shown.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
LENGTH_BINS = (0, 5, 10, 20, 40, 80, 160, 320, 10**9)


def estimate_tokens(text: str) -> int:
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk + 3) // 4


def _bins(lengths: list[int]) -> list[int]:
    counts, _ = np.histogram(lengths, bins=LENGTH_BINS)
    return [int(c) for c in counts]


def bin_labels() -> list[str]:
    edges = LENGTH_BINS
    return [f"{edges[i]}–{edges[i + 1] - 1}" if edges[i + 1] < 10**9 else f"{edges[i]}+" for i in range(len(edges) - 1)]


def export_stats(records) -> dict:
    """Figures of a built dataset: records and splits, turns, characters, token estimates, turn lengths (mine vs
    theirs), turns per record, emotions, per-chat share, augmented records."""
    mine: list[int] = []
    theirs: list[int] = []
    per_record: list[int] = []
    emotions: Counter = Counter()
    chats: Counter = Counter()
    tokens = 0
    splits: Counter = Counter()
    sources: Counter = Counter()
    for r in records:
        splits[r.split] += 1
        sources[r.source] += 1
        per_record.append(len(r.turns) // 2)
        if r.source == "chat":
            chats[r.chat] += 1
        tokens += estimate_tokens(r.system)
        for t in r.turns:
            (mine if t.role == "gpt" else theirs).append(len(t.text))
            tokens += estimate_tokens(t.text)
            if t.role == "gpt" and t.emotion:
                emotions[t.emotion] += 1
    return {
        "records": len(records),
        "splits": dict(splits),
        "sources": dict(sources),
        "turns": {"mine": len(mine), "theirs": len(theirs)},
        "characters": {"mine": int(sum(mine)), "theirs": int(sum(theirs))},
        "tokens_estimate": int(tokens),
        "length_bins": bin_labels(),
        "length_hist": {"mine": _bins(mine), "theirs": _bins(theirs)},
        "pairs_per_record": {str(k): v for k, v in sorted(Counter(per_record).items())},
        "emotions": dict(emotions.most_common()),
        "per_chat": dict(chats.most_common(20)),
    }


_LAST: tuple[object, dict] | None = None  # (records, their figures): the last list export_stats_of was asked about


def export_stats_of(records) -> dict:
    """:func:`export_stats`, reused while the same records object comes back: the export's record cache hands the very
    same list to every rerun and tab until something changes, and counting 50,000 turns' tokens takes a fifth of a
    second at 100,000 messages. The records are kept alive with the figures, so an id can never be reused."""
    global _LAST
    last = _LAST
    if last is not None and last[0] is records:
        return last[1]
    figures = export_stats(records)
    _LAST = (records, figures)
    return figures


def workspace_stats(ws) -> dict:
    """Figures of the workspace before export: funnel, drop reasons, messages over time (mine vs theirs), per-chat
    share, habits (emoji, stickers, punctuation), emotion labels and PII counts by kind. Chat names go through the
    redaction contract: a chart is a surface like any export file."""
    from lib.label.store import LabelStore
    from lib.pii.redactor import surface_redactor
    from lib.pii.store import PiiStore
    from lib.persona.traits import cached_traits

    monthly = pd.read_sql_query(
        "SELECT substr(time, 1, 7) AS month, SUM(is_me) AS mine, COUNT(*) - SUM(is_me) AS theirs FROM messages "
        "WHERE time != '' GROUP BY 1 ORDER BY 1", ws.conn)
    chats = ws.chats()
    traits = cached_traits(ws)
    pii = PiiStore(ws).counts_by_kind()
    labels = LabelStore(ws).distribution()
    red = surface_redactor(ws)
    return {
        "funnel": dict(ws.funnel()),
        "drop_reasons": [{"level": r.level, "reason": r.reason, "items": int(r.items), "messages": int(r.messages or 0)}
                         for r in ws.drop_reasons().itertuples()],
        "monthly": monthly.astype({"mine": int, "theirs": int}).to_dict("records"),
        "per_chat": [{"chat": red.text(r.name), "messages": int(r.messages), "mine": int(r.mine),
                      "trainable": int(r.trainable)}
                     for r in chats.head(20).itertuples()],
        "habits": {"top_emoji": traits.top_emoji, "top_bracket_emoji": traits.top_bracket_emoji,
                   "sticker_share": traits.sticker_share, "punctuation": traits.punctuation,
                   "median_length": traits.median_length, "messages_per_turn": traits.messages_per_turn},
        "emotion_labels": {r.label: {"labelled": int(r.labelled), "suggested": int(r.suggested)}
                           for r in labels.itertuples()},
        "pii_by_kind": {k: int(g["hits"].sum()) for k, g in pii.groupby("kind")} if len(pii) else {},
    }
