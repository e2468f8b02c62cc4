"""WeChat CSV written by WeFlow (github.com/hicccc77/WeFlow) in its "WeClone" format.

Spec in docs/formats/weflow.md, read from WeFlow's own writer code. It looks like PyWxDump's CSV but is its own
layout: no ``room_name`` column (the chat is named only by the file name), ``talker`` is a display name (never a
wxid), ``type_name`` is English (``text``, ``image``, …; links, calls and system lines are all ``text``), ``msg`` is
already rendered with bracket labels (``[图片]``, ``[链接] title``, ``reply[引用 name：quoted]``), and ``CreateTime`` is
UTC (``2023-11-15T06:15:23.000Z``). Hence a registry entry of its own rather than a branch in every column of the
PyWxDump parser; the CSV reading, flags and helpers are shared.
"""
from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from lib.importers import register
from lib.importers.base import Importer, ParsedExport, finish
from lib.importers.meta_dyi import local_times
from lib.importers.wechat_memotrace import (
    clean_nontext, empty_frame, flags, header_columns, iso_times, map_values, rank_me_candidates, read_csv_frame,
    require_columns, time_note,
)

HEADER: tuple[str, ...] = ("id", "MsgSvrID", "type_name", "is_sender", "talker", "msg", "src", "CreateTime")
_REQUIRED = ("type_name", "is_sender", "talker", "msg", "CreateTime")
_WHAT = "WeFlow"
_HOW = "export the chat again from WeFlow (format WeClone CSV) and import the new file."
TYPE_KIND: dict[str, str] = {
    "text": "text", "image": "image", "sticker": "sticker", "video": "video", "voice": "voice",
    "location": "location", "file": "file",
}
# Rows typed "text" whose msg starts with one of WeFlow's labels are another kind; the label itself is dropped.
LABEL_KIND: dict[str, str] = {
    "[链接]": "link", "[音乐]": "link", "[小程序]": "link", "[文件]": "file", "[位置]": "location",
    "[语音通话]": "call", "[视频通话]": "call", "[通话]": "call", "[转账]": "other", "[转账收款]": "other",
    "[红包]": "other", "[名片]": "other", "[群公告]": "other", "[聊天记录]": "other", "[转发的聊天记录]": "other",
    "[引用消息]": "other", "[其他消息]": "other", "[消息]": "other", "[系统消息]": "system", "[图片]": "image",
    "[视频]": "video", "[语音消息]": "voice", "[语音消息 - 转文字失败]": "voice", "[表情包]": "sticker",
}
_LABEL = re.compile(r"^(" + "|".join(re.escape(k) for k in sorted(LABEL_KIND, key=len, reverse=True)) + r")\s*(.*)$",
                    re.S)
_STICKER = re.compile(r"^\[表情包[:：](.*)\]$", re.S)
_QUOTE = re.compile(r"^(.*?)\[引用 (.*)\]$", re.S)
_COORDS = re.compile(r"\s*\(-?\d+(?:\.\d+)?,-?\d+(?:\.\d+)?\)\s*$")
# System lines (localType 10000) come out typed "text" with the cleaned sentence as msg: told apart by their words.
_SYSTEM = re.compile(
    r"撤回了一条消息|拍了拍|加入了群聊|移出了群聊|修改群名为|现在可以开始聊天了|以上是打招呼的内容|开启了朋友验证|"
    r"成为了群主|与群里其他人都不是(?:微信)?朋友关系|收到红包，请在手机上查看"
)
_SYSTEM_MAX = 120  # a system sentence is short; a long text that mentions 拍了拍 is a message
# WeFlow's file names: {群聊_|私聊_|公众号_|曾经的好友_}{display name}-{sha256(session id)[:10]}[_suffix][_date range]
_PREFIX = re.compile(r"^(群聊|私聊|公众号|曾经的好友)_")
_FINGERPRINT = re.compile(r"-([0-9a-f]{10})(?=_|$)")
_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$")


def _sniff(head: str, name: str) -> float:
    """WeFlow's header, and rows that are WeFlow's: English type names or UTC ``…Z`` times.

    The same header is also a PyWxDump CSV that lost its ``room_name`` column (Chinese type names, local times); that
    file must still reach the PyWxDump parser, whose error names the missing column.
    """
    cols = header_columns(head)
    if tuple(cols) != HEADER and not (set(HEADER) <= set(cols) and "room_name" not in cols):
        return 0.0
    body = head.lstrip("\ufeff").split("\n", 1)[1] if "\n" in head else ""
    try:
        rows = [r for _, r in zip(range(20), csv.reader(body.splitlines()[:200])) if len(r) == len(cols)]
    except csv.Error:
        return 0.0
    t, c = cols.index("type_name"), cols.index("CreateTime")
    votes = [r[t].strip() in TYPE_KIND or bool(_UTC.match(r[c].strip())) for r in rows]
    return 0.96 if votes and sum(votes) * 2 > len(votes) else 0.0


def chat_from_name(path: Path) -> tuple[str, str, bool | None]:
    """``(chat name, chat key, is_group or None)`` from WeFlow's file name, the only place the chat is named.

    The 10-hex fingerprint is a hash of the session id: the same chat exported again gets the same key."""
    stem = Path(path).stem
    prefix = _PREFIX.match(stem)
    group = None if prefix is None else prefix.group(1) == "群聊"
    rest = stem[prefix.end():] if prefix else stem
    fp = list(_FINGERPRINT.finditer(rest))
    name = rest[:fp[-1].start()] if fp else rest
    name = name.strip() or stem
    return name, (fp[-1].group(1) if fp else name), group


def _payload(kind: str, msg: str) -> tuple[str, str, str]:
    """``(kind, text, quote)`` of one row whose msg carries a label or a quote."""
    m = _QUOTE.match(msg)
    if m and kind == "text":
        quoted = m.group(2)
        _, sep, after = quoted.partition("：")
        return "text", m.group(1).strip(), (after if sep else quoted).strip()
    m = _STICKER.match(msg)
    if m:
        return "sticker", m.group(1).strip(), ""
    m = _LABEL.match(msg)
    if not m:
        return kind, msg, ""
    label, rest = m.group(1), m.group(2).strip()
    found = LABEL_KIND[label]
    if kind == "text" or found == kind or label == "[语音消息 - 转文字失败]":
        kind = found
    if label == "[语音消息 - 转文字失败]":
        rest = ""
    if kind == "location":
        rest = _COORDS.sub("", rest)
    return kind, rest, ""


def _times(raw: pd.Series) -> tuple[pd.Series, list[str]]:
    """Local wall-clock ISO times: WeFlow writes UTC (``toISOString``); they are shown on this computer's clock.
    Cells in any other shape (an Excel re-save) are read as the local times they already are."""
    s = raw.astype(str).str.strip()
    utc = s.str.match(_UTC.pattern).fillna(False).to_numpy(dtype=bool)
    out = pd.Series("", index=s.index, dtype="str")
    notes: list[str] = []
    if utc.any():
        stamps = pd.to_datetime(s[utc], utc=True, format="ISO8601", errors="coerce")
        ok = stamps.notna().to_numpy()
        ms = np.zeros(len(stamps), dtype=np.int64)
        epoch = pd.Timestamp(0, tz="UTC")
        ms[ok] = ((stamps[ok] - epoch) // pd.Timedelta(milliseconds=1)).to_numpy(dtype=np.int64)  # any unit
        iso, valid = local_times(ms)
        out[utc] = np.where(ok & valid, iso, "")
        zone = datetime.now().astimezone().tzname() or "local"
        notes.append(f"Times were converted from WeFlow's UTC timestamps to this computer's time zone ({zone}).")
    if (~utc).any():
        out[~utc] = iso_times(s[~utc])
    return out, notes


def parse(path: Path, text: str | None = None) -> ParsedExport:
    """WeFlow CSV: sender flag from ``is_sender``, chat from the file name, kinds from ``type_name`` and labels."""
    df, notes = read_csv_frame(path, _WHAT)
    require_columns(df, _REQUIRED, _WHAT, _HOW)
    if df.empty:
        return ParsedExport(finish(empty_frame()), "weflow_csv", notes=notes + ["the file holds no messages"])
    type_name = df["type_name"].astype(str).str.strip().str.lower()
    kind = map_values(type_name, lambda t: TYPE_KIND.get(t, "other"))
    msg = df["msg"].astype(str)
    text_col = msg.copy()
    quote = pd.Series("", index=df.index, dtype="str")
    need = (msg.str.startswith("[") | msg.str.endswith("]")).fillna(False).to_numpy(dtype=bool)
    if need.any():
        triples = [_payload(k, m) for k, m in zip(kind[need].tolist(), msg[need].tolist())]
        kind[need] = [t[0] for t in triples]
        text_col[need] = [t[1] for t in triples]
        quote[need] = [t[2] for t in triples]
    system = ((kind == "text") & (msg.str.len() <= _SYSTEM_MAX) & msg.str.contains(_SYSTEM.pattern, regex=True)
              ).fillna(False).to_numpy(dtype=bool)
    kind[system] = "system"
    nontext = (kind != "text").to_numpy()
    if nontext.any():
        text_col[nontext] = [clean_nontext(t) for t in text_col[nontext].tolist()]
    is_me = flags(df["is_sender"].astype(str))
    unknown = int(is_me.isna().sum())
    if unknown:
        notes.append(f"{unknown} message(s) had no is_sender flag; choose who you are with --me")
    sender = df["talker"].astype(str).str.strip().mask(system, "")
    times, time_notes = _times(df["CreateTime"])
    name, key, group = chat_from_name(path)
    others = sender[~is_me.fillna(False).astype(bool).to_numpy() & ~system & (sender != "").to_numpy()]
    is_group = group if group is not None else others.nunique() > 1
    out = pd.DataFrame({
        "chat": name, "chat_key": key, "is_group": bool(is_group), "sender": sender, "sender_id": sender,
        "is_me": is_me, "time": times, "kind": kind, "text": text_col, "quote": quote,
    }, index=df.index)
    mine = sender[is_me.fillna(False).astype(bool).to_numpy() & ~system]
    me = rank_me_candidates(mine, set())
    return ParsedExport(finish(out), "weflow_csv", me_candidates=me,
                        notes=notes + time_notes + time_note(times, df["CreateTime"]))


register(Importer("weflow_csv", "WeChat · WeFlow CSV (WeClone layout)", _sniff, parse, binary=True, reads="csv"))
