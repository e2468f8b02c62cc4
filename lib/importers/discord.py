"""DiscordChatExporter JSON (one channel per file: a DM, a group DM, or a server channel or thread).

The layout follows the exporter's own writer (Tyrrrz/DiscordChatExporter ``JsonMessageWriter.cs``, ``MessageKind``,
``ChannelKind``; docs/formats/discord.md): ``{guild{id,name}, channel{id,type,category,name,topic}, dateRange,
exportedAt?, messages[{id, type, timestamp, timestampEdited, callEndedTimestamp, isPinned, content, author{id, name,
discriminator, nickname, isBot}, attachments[{fileName}], embeds[{title,url,description}], stickers[{name}],
reactions, mentions[{id,name,nickname}], reference{messageId}?}], messageCount}``.

Timestamps carry the offset of the exporting machine (or +00:00 with ``--utc``); the wall clock they show is kept, as
the brief of every importer asks (local time as the export shows it). Nothing in the file says which account
exported it, so ``is_me`` stays NA and "me" candidates are ranked by message count.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from lib.importers import register
from lib.importers.base import BadInputError, Importer, ParsedExport
from lib.importers.damage import json_error_message

HOW = ("Export the channel again with DiscordChatExporter in the JSON format and import the new .json file.")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
# Message types a person writes; every other type (RecipientAdd, ChannelNameChange, GuildMemberJoin, ...) is a
# notice DiscordChatExporter fills with fallback text such as "Changed the channel name.".
AUTHORED = frozenset({"Default", "Reply", "ChatInputCommand", "ContextMenuCommand", "0", "19", "20", "23"})
CALL_TYPES = frozenset({"Call", "3"})
PRIVATE_CHANNELS = frozenset({"DirectTextChat", "1"})
DIRECT_CHANNELS = frozenset({"DirectTextChat", "DirectGroupTextChat", "1", "3"})
SNIFF_KEYS = re.compile(r'"(?:timestampEdited|callEndedTimestamp|isPinned|discriminator|isBot)"\s*:')
IMAGE_EXT = frozenset({"png", "jpg", "jpeg", "gif", "webp", "bmp", "heic", "tif", "tiff", "avif"})
VIDEO_EXT = frozenset({"mp4", "mov", "webm", "mkv", "avi", "m4v"})
AUDIO_EXT = frozenset({"mp3", "ogg", "opus", "m4a", "wav", "flac", "aac"})


def sniff(head: str, name: str) -> float:
    """A JSON object with DiscordChatExporter's ``guild``/``channel`` header and its message keys."""
    if not head.lstrip().startswith("{"):
        return 0.0
    if re.search(r'"guild"\s*:\s*\{', head) and re.search(r'"channel"\s*:\s*\{', head) and '"messages"' in head:
        return 0.97 if SNIFF_KEYS.search(head) or '"messages": []' in head else 0.8
    return 0.0


def load(text: str) -> dict[str, Any]:
    """Parse the JSON, turning damage into a BadInputError that says where and what to do."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(json_error_message(text, exc, HOW)) from None
    except RecursionError:
        raise BadInputError(f"the JSON nests too deeply to be a DiscordChatExporter file. {HOW}") from None
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise BadInputError(f"this JSON is not a DiscordChatExporter export: it has no 'messages' list. {HOW}")
    return data


def dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list field; anything else (missing, null, damaged) is no objects."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def attachment_kind(file_name: str) -> str:
    """Media kind from an attachment's file extension."""
    ext = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if ext in IMAGE_EXT:
        return "image"
    if ext in VIDEO_EXT:
        return "video"
    if ext in AUDIO_EXT:
        return "voice"
    return "file"


def display_name(author: Any) -> str:
    """Server nickname (or global display name) first, as Discord shows it; else the user name."""
    if not isinstance(author, dict):
        return ""
    for key in ("nickname", "name"):
        value = author.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _minutes(start: str, end: Any) -> int | None:
    try:
        return int((datetime.fromisoformat(str(end)) - datetime.fromisoformat(start)).total_seconds() // 60)
    except (TypeError, ValueError):
        return None


def describe(msg: dict[str, Any], mtype: str, sender: str, content: str) -> tuple[str, str]:
    """Kind and text of one message: calls, notices, attachments, stickers and bare link embeds."""
    if mtype in CALL_TYPES:
        mins = _minutes(str(msg.get("timestamp")), msg.get("callEndedTimestamp"))
        return "call", f"Call, {mins} min" if mins is not None else (content or "Call")
    if mtype not in AUTHORED:
        what = content or mtype
        return "system", f"{sender} {what[:1].lower()}{what[1:]}" if sender else what
    attachments = dicts(msg.get("attachments"))
    if attachments:
        fname = str(attachments[0].get("fileName") or "")
        kind = attachment_kind(fname)
        if kind == "file":
            return kind, "\n".join(p for p in (fname, content) if p)
        return kind, content
    stickers = dicts(msg.get("stickers"))
    if stickers and not content:
        return "sticker", str(stickers[0].get("name") or "")
    embeds = dicts(msg.get("embeds"))
    if embeds and not content:
        return "link", str(embeds[0].get("title") or embeds[0].get("url") or "")
    forwarded = msg.get("forwardedMessage")
    if isinstance(forwarded, dict) and not content:
        return "other", "Forwarded message"
    return "text", content


def chat_identity(data: dict[str, Any], path: Path) -> tuple[str, str, bool | None]:
    """Display name, stable key and group flag (None when the file does not say) of the exported channel."""
    guild = data.get("guild") if isinstance(data.get("guild"), dict) else {}
    channel = data.get("channel") if isinstance(data.get("channel"), dict) else {}
    ctype = str(channel.get("type") or "")
    cname = str(channel.get("name") or "").strip()
    gname = str(guild.get("name") or "").strip()
    if ctype and ctype not in DIRECT_CHANNELS and gname:
        name = f"{gname} #{cname}" if cname else gname
    else:
        name = cname
    key = str(channel.get("id") or "") or name
    is_group = (ctype not in PRIVATE_CHANNELS) if ctype else None
    return name, key, is_group


def parse(path: Path, text: str | None) -> ParsedExport:
    """Parse one DiscordChatExporter JSON file."""
    if text is None:
        raise BadInputError("DiscordChatExporter JSON needs the text of the file.")
    data = load(text)
    del text
    rows: dict[str, list[Any]] = {k: [] for k in ("sender", "sender_id", "time", "kind", "text", "quote")}
    skipped: Counter[str] = Counter()
    seen: set[str] = set()
    by_id: dict[str, str] = {}
    replies: list[tuple[int, str]] = []
    people: set[tuple[str, str]] = set()
    bots: set[str] = set()
    for msg in data["messages"]:
        if type(msg) is not dict:
            skipped["malformed messages"] += 1
            continue
        mid = str(msg.get("id") or "")
        if mid and mid in seen:
            skipped["repeated messages (same id)"] += 1
            continue
        ts = msg.get("timestamp")
        if type(ts) is not str or not ISO.match(ts):
            skipped["messages without a time"] += 1
            continue
        seen.add(mid)
        author = msg.get("author")
        sender = display_name(author)
        sender_id = str(author.get("id") or sender) if isinstance(author, dict) else sender
        mtype = str(msg.get("type") or "Default")
        content = msg.get("content")
        content = content if isinstance(content, str) else ""
        kind, body = describe(msg, mtype, sender, content)
        if kind == "system":
            sender, sender_id = "", ""
        elif isinstance(author, dict):
            _author_people(author, people)
            if author.get("isBot") is True:
                bots.add(sender)
        for user in dicts(msg.get("mentions")):
            _author_people(user, people, "mention")
        ref = msg.get("reference")
        if isinstance(ref, dict) and ref.get("messageId"):
            replies.append((len(rows["time"]), str(ref["messageId"])))
        elif isinstance(msg.get("forwardedMessage"), dict):
            fwd = msg["forwardedMessage"].get("content")
            if isinstance(fwd, str) and fwd:
                replies.append((len(rows["time"]), "\x00" + fwd))
        if mid:
            by_id[mid] = body if kind == "text" else ""
        rows["sender"].append(sender)
        rows["sender_id"].append(sender_id)
        rows["time"].append(ts[:19].replace(" ", "T"))
        rows["kind"].append(kind)
        rows["text"].append(body)
        rows["quote"].append("")
    if not rows["time"]:
        raise BadInputError(f"this DiscordChatExporter file holds no messages. {HOW}")
    for row, target in replies:
        rows["quote"][row] = target[1:] if target.startswith("\x00") else by_id.get(target, "")
    df = pd.DataFrame(rows)
    name, key, is_group = chat_identity(data, path)
    counts = df.loc[df["sender"] != "", "sender"].value_counts()
    if is_group is None:
        is_group = len(counts) > 2
    if not name:
        name = ", ".join(counts.index[:4]) or f"Discord chat {Path(path).stem}"
    df["chat"] = name
    df["chat_key"] = key or name
    df["is_group"] = bool(is_group)
    df["is_me"] = pd.array([pd.NA] * len(df), dtype="boolean")
    me = [s for s in counts.index if s not in bots] + [s for s in counts.index if s in bots]
    notes = [f"{n} {why} were left out." for why, n in skipped.items()]
    return ParsedExport(messages=df, format="discord_json", me_candidates=me, notes=notes, people=sorted(people))


def _author_people(user: dict[str, Any], out: set[tuple[str, str]], source: str = "username") -> None:
    """A user's nickname and user name: both identify the person (redaction treats them as known names)."""
    uname = str(user.get("name") or "").strip()
    if source == "mention":
        for n in dict.fromkeys(p for p in (display_name(user), uname) if p):
            out.add((n, "mention"))
    elif uname and uname != display_name(user):
        out.add((uname, "username"))


register(Importer(name="discord_json", label="Discord · DiscordChatExporter JSON", sniff=sniff, parse=parse,
                  reads="json"))
