"""WeChat CSV written by PyWxDump (github.com/xaoyaoo/PyWxDump), also read and written by WeClone. (WeFlow's "WeClone"
CSV lacks ``room_name`` and renders every column differently: :mod:`lib.importers.wechat_weflow`.)

Spec in formats.md §2 and docs/formats/pywxdump.md: header ``id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,
CreateTime`` (extra columns such as WeClone's ``is_forward`` and other column orders are accepted). The older layout
(WeClone's ``example_chat.csv``) has one ``content`` column holding JSON ``{"src": …, "msg": …}`` instead of ``msg`` and
``src``; it is unpacked into those two columns first. ``msg`` is already rendered per type
(``语音时长：…\\n翻译结果：…``, ``{title}\\n{des}\\n\\n<a href=…>``, ``{reply}\\n\\n[引用](time)name:content``), so the
per-row work is string handling on the minority of rows that are not plain text.

PyWxDump pages big chats into ``{wxid}_{start}_{end}.csv`` files; every page keys its rows by ``room_name`` so the
pages of one chat merge.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from lib.importers import register
from lib.importers.base import Importer, ParsedExport, finish
from lib.importers.wechat_memotrace import (
    clean_nontext, empty_frame, flags, header_score, iso_times, looks_like_wxid, map_values, quote_text, read_csv_frame,
    require_columns, strip_markup, system_text, time_note,
)

HEADER: tuple[str, ...] = (
    "id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime",
)
OLD_HEADER: tuple[str, ...] = (
    "id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "content", "CreateTime",
)
_REQUIRED = ("type_name", "is_sender", "talker", "room_name", "msg", "CreateTime")
_WHAT = "PyWxDump/WeClone"
_HOW = "export the chat again as CSV from PyWxDump (or the tool that wrote it) and import the new file."
TYPE_KIND: dict[str, str] = {
    "文本": "text", "引用回复": "text", "图片": "image", "语音": "voice", "视频": "video", "动画表情": "sticker",
    "用户上传的GIF表情": "sticker", "位置": "location", "文件": "file", "文件6": "file", "文件(猜)": "file",
    "(分享)卡片式链接": "link", "语音通话": "call", "视频通话": "call", "系统通知": "system", "拍一拍": "system",
    "邀请加群": "system",
}
_QUOTE = re.compile(r"^(.*?)\n\n\[引用\]\(([^)]*)\)(.*)$", re.S)
_ANCHOR = re.compile(r"<a\b[^>]*>.*?</a>", re.S | re.I)
_PAGE = re.compile(r"_\d+_\d+$")
_VOICE_TEXT = re.compile(r"翻译结果[:：](.*)$", re.S)
_PLACE = re.compile(r"^位置[:：](.*)$", re.M)
_NAME_CONTENT = re.compile(r"^(.*?):(.*)$", re.S)
_CALL = re.compile(r"^.*?通话\[(.*)\]\s*$", re.S)
_PATH_SEP = re.compile(r"[\\/]")
_MEDIA = ("image", "video", "sticker")


def _kind(type_name: str) -> str:
    """Kind of a PyWxDump ``type_name``; recalls are numbered (``消息撤回1``, ``消息撤回57``)."""
    return "system" if type_name.startswith("消息撤回") else TYPE_KIND.get(type_name.strip(), "other")


def _sniff(head: str, name: str) -> float:
    return max(header_score(head, HEADER), header_score(head, OLD_HEADER))


def _unpack_content(df: pd.DataFrame, notes: list[str]) -> None:
    """The older layout: ``content`` holds JSON ``{"src": …, "msg": …}``; split it into ``msg`` and ``src`` in place.

    One ``json.loads`` per row (C speed); a cell that is not such an object is kept whole as ``msg``, with a note.
    """
    msgs: list[str] = []
    srcs: list[str] = []
    bad = 0
    for cell in df["content"].astype(str).tolist():
        try:
            obj = json.loads(cell) if cell.startswith("{") else None
        except (ValueError, RecursionError):
            obj = None
        if isinstance(obj, dict) and ("msg" in obj or "src" in obj):
            msgs.append("" if obj.get("msg") is None else str(obj.get("msg")))
            srcs.append("" if obj.get("src") is None else str(obj.get("src")))
        else:
            bad += bool(cell.strip())
            msgs.append(cell)
            srcs.append("")
    df["msg"] = pd.Series(msgs, index=df.index, dtype="str")
    df["src"] = pd.Series(srcs, index=df.index, dtype="str")
    if bad:
        notes.append(f"{bad} message(s) had a 'content' cell that is not PyWxDump's JSON {{src, msg}}; it was read as "
                     "the message text")


def _voice(msg: str) -> str:
    m = _VOICE_TEXT.search(msg)
    return m.group(1).strip() if m else ""


def _location(msg: str) -> str:
    m = _PLACE.search(msg)
    return m.group(1).strip() if m else ""


def _file(msg: str, src: str, type_name: str) -> str:
    if msg.strip() and msg.strip() != type_name:
        return msg.strip()
    return _PATH_SEP.split(src.strip())[-1] if src.strip() else ""


def _link(msg: str) -> str:
    """Title of a link card: the first line once the ``<a href…>点击查看详情</a>`` anchor is gone."""
    plain = _ANCHOR.sub("", msg)
    for line in plain.split("\n"):
        if line.strip():
            return strip_markup(line) if "<" in line else line.strip()
    return ""


def _quote(msg: str) -> tuple[str, str]:
    m = _QUOTE.match(msg)
    if not m:
        return msg, ""
    name_content = _NAME_CONTENT.match(m.group(3))
    quoted = name_content.group(2) if name_content else m.group(3)
    return m.group(1), quote_text("", quoted)


def _call(msg: str) -> str:
    m = _CALL.match(msg)
    return (m.group(1) if m else msg).strip()


def _payload(kind: str, type_name: str, msg: str, src: str) -> tuple[str, str]:
    """``(text, quote)`` of one non-plain-text row."""
    if type_name == "引用回复":
        return _quote(msg)
    if kind in _MEDIA:
        return "", ""
    simple = {"voice": _voice, "location": _location, "link": _link, "call": _call, "system": system_text}
    if kind in simple:
        return simple[kind](msg), ""
    if kind == "file":
        return _file(msg, src, type_name), ""
    first = next((ln for ln in _ANCHOR.sub("", msg).split("\n") if ln.strip()), "")
    return first.strip(), ""


def _fallback_key(path: Path) -> str:
    """The chat id from a page file name ``{wxid}_{start}_{end}.csv`` when ``room_name`` is empty."""
    return _PAGE.sub("", Path(path).stem) or Path(path).stem


_TOOL_TAG = re.compile(r"[_\- ]*(pywxdump|weclone|weflow|utf-?8)$", re.I)


def _display_name(room: pd.Series, path: Path) -> pd.Series:
    """The chat's name: ``room_name``, except that a file the user named after the chat (``周末徒步群.csv``) labels a
    chat whose ``room_name`` is only an id (``…@chatroom``, ``wxid_…``); the id stays the chat key.

    A page name ``{prefix}_{start}_{end}.csv`` is the exporter's, never a label: WeClone's test pages
    ``test_0_730.csv`` would otherwise name every chat "test"."""
    raw = Path(path).stem
    rooms = room.unique()
    if _PAGE.search(raw) or len(rooms) != 1 or not looks_like_wxid(str(rooms[0])):
        return room
    stem = _TOOL_TAG.sub("", raw).strip()
    if stem and stem != rooms[0] and not looks_like_wxid(stem) and "@chatroom" not in stem:
        return pd.Series(stem, index=room.index, dtype=room.dtype)
    return room


def parse(path: Path, text: str | None = None) -> ParsedExport:
    """PyWxDump CSV: sender flag from ``is_sender``, chat from ``room_name`` (a group when it ends in ``@chatroom``)."""
    df, notes = read_csv_frame(path, _WHAT)
    if "msg" not in df.columns and "content" in df.columns:
        _unpack_content(df, notes)
    require_columns(df, _REQUIRED, _WHAT, _HOW)
    if df.empty:
        return ParsedExport(finish(empty_frame()), "pywxdump_csv", notes=notes + ["the file holds no messages"])
    type_name = df["type_name"].astype(str).str.strip()
    kind = map_values(type_name, _kind)
    msg = df["msg"].astype(str)
    src = df["src"].astype(str) if "src" in df.columns else pd.Series("", index=df.index, dtype="str")
    media = kind.isin(_MEDIA).to_numpy()  # their msg is only a label ("图片", "表情"): no per-row work
    text_col = msg.mask(media, "")
    quote = pd.Series("", index=df.index, dtype=msg.dtype)
    need = ((type_name != "文本") | (kind != "text")).to_numpy() & ~media
    if need.any():
        kinds = kind[need].tolist()
        pairs = [_payload(k, t, m, s) for k, t, m, s in
                 zip(kinds, type_name[need].tolist(), msg[need].tolist(), src[need].tolist())]
        text_col[need] = [clean_nontext(p[0]) if k != "text" else p[0] for p, k in zip(pairs, kinds)]
        quote[need] = [p[1] for p in pairs]
    is_me = flags(df["is_sender"].astype(str))
    mine = is_me.fillna(False).astype(bool).to_numpy()
    system = (kind == "system").to_numpy()
    talker = df["talker"].astype(str).str.strip().mask(system, "")
    sender = talker.mask(mine & ~system, "我")
    room = df["room_name"].astype(str).str.strip()
    room = room.mask(room == "", _fallback_key(path))
    times = iso_times(df["CreateTime"])
    unknown = int(is_me.isna().sum())
    if unknown:
        notes.append(f"{unknown} message(s) had no is_sender flag; choose who you are with --me")
    out = pd.DataFrame({
        "chat": _display_name(room, path), "chat_key": room, "is_group": room.str.endswith("@chatroom").to_numpy(),
        "sender": sender,
        "sender_id": talker, "is_me": is_me, "time": times, "kind": kind, "text": text_col, "quote": quote,
    })
    me = ["我"] if mine.any() else []
    return ParsedExport(finish(out), "pywxdump_csv", me_candidates=me, notes=notes + time_note(times, df["CreateTime"]))


register(Importer("pywxdump_csv", "WeChat · PyWxDump / WeClone CSV", _sniff, parse, binary=True, reads="csv"))
