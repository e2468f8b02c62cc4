"""The contract every importer fulfils.

An importer turns one export file into a :class:`ParsedExport`: a pandas DataFrame with the columns in
:data:`COLUMNS`, one row per message, in file order. Working in DataFrames (not per-message objects) is what keeps a
million-message import within a few times a bare ``read_csv``.

Column meanings (all required; use the defaults in :data:`DEFAULTS` where a format has no such field):

- ``chat``: display name of the chat (contact remark, group name, ...). Never empty.
- ``chat_key``: stable identifier of the chat within the format (wxid, room id, Telegram id; else the name).
  Messages of several files with the same ``(format family, chat_key)`` land in the same chat.
- ``is_group``: bool, True for group chats.
- ``sender``: display name of the sender ("" for system lines).
- ``sender_id``: the sender's id where the format has one, else the name.
- ``is_me``: pandas nullable boolean; ``pd.NA`` where the format has no sender flag (resolved later by ``--me``).
- ``time``: local wall-clock time as the export shows it, ISO 8601 ``YYYY-MM-DDTHH:MM:SS`` (no zone).
- ``kind``: one of :data:`KINDS`.
- ``text``: the message text. For text messages the exact text (bracket emoji such as ``[微笑]`` kept); for other
  kinds a short human description (file name, sticker emoji, link title, call duration) or "". Never XML.
- ``quote``: for quote-replies the quoted text (context only), else "".

Optional column:

- ``conv_hint``: int, for formats that are already cut into conversations (training JSON files, which carry no
  times): the source conversation's index. Segmentation never joins two different hints. -1 means "none".
  Such formats set ``time`` to "" (unknown).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from lib.errors import BadInputError  # noqa: F401 - re-exported: importers raise it

KINDS: tuple[str, ...] = (
    "text", "image", "sticker", "voice", "video", "file", "link", "location", "call", "system", "other",
)

COLUMNS: tuple[str, ...] = (
    "chat", "chat_key", "is_group", "sender", "sender_id", "is_me", "time", "kind", "text", "quote", "conv_hint",
)

DEFAULTS: dict[str, object] = {"sender_id": "", "quote": "", "is_group": False, "is_me": pd.NA, "conv_hint": -1}


@dataclass
class ParsedExport:
    """What an importer returns for one file."""

    messages: pd.DataFrame
    format: str  # registry name, e.g. "memotrace_csv"
    # Participant names that could be "me" when the format has no sender flag, likeliest first.
    me_candidates: list[str] = field(default_factory=list)
    # Human-readable notes about the file ("3 messages had no sender and were marked system").
    notes: list[str] = field(default_factory=list)
    # People the file names outside the sender column, as (name, source): WeChat remarks, nicknames and wxids,
    # Telegram usernames and contacts. Redaction treats them as known names (lib/pii/store.py gazetteer).
    people: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Importer:
    """A registry entry.

    ``sniff(head)`` looks at the first ~64 KB of the decoded text (BOM stripped) plus the file name and returns a
    confidence in [0, 1]; detection is by content, the name only breaks ties. ``parse(path, text)`` gets the path and
    the whole decoded text (for text formats) and returns a ParsedExport; it raises BadInputError on bad input.
    ``binary=True`` importers get ``text=None`` and read ``path`` themselves (e.g. CSV through pandas for speed).
    ``reads`` ("txt", "json" or "csv") picks the measured memory-per-byte estimate the size check uses
    (:mod:`lib.importers.limits`).
    """

    name: str
    label: str  # shown to users, e.g. "WeChat · MemoTrace CSV"
    sniff: Callable[[str, str], float]
    parse: Callable[[Path, "str | None"], ParsedExport]
    binary: bool = False
    reads: str = "txt"


def finish(df: pd.DataFrame) -> pd.DataFrame:
    """Fill optional columns with defaults, order columns, and coerce dtypes. Call at the end of every parse."""
    for col, default in DEFAULTS.items():
        if col not in df.columns:
            df[col] = default
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise AssertionError(f"importer bug: missing columns {missing}")
    df = df.loc[:, list(COLUMNS)].reset_index(drop=True)
    for col in ("chat", "chat_key", "sender", "sender_id", "time", "kind", "text", "quote"):
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype) and not s.hasnans:
            continue  # one string per category: cheap for chat names repeated on every row
        if not pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
            s = s.astype(str) if s.notna().all() else s.fillna("").astype(str)
        elif s.hasnans:
            s = s.fillna("")
        df[col] = s
    df["is_group"] = df["is_group"].fillna(False).astype(bool)
    df["is_me"] = df["is_me"].astype("boolean")
    df["conv_hint"] = pd.to_numeric(df["conv_hint"], errors="coerce").fillna(-1).astype("int64")
    bad = ~df["kind"].isin(KINDS)
    if bad.any():
        df.loc[bad, "kind"] = "other"
    return df
