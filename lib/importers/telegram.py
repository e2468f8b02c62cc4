"""Telegram Desktop JSON export (``result.json``): one chat, or the full-account export with every chat.

The layout follows docs/formats/telegram.md (read in tdesktop's ``export_output_json.cpp``). A full-account export
carries ``personal_information.user_id``, which makes "me" known; a single-chat export does not, so ``is_me`` stays NA
there. Text parts are joined with "" (not " " as chat-miner does) because the parts are slices of one string.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from lib.importers import register
from lib.importers.base import BadInputError, Importer, ParsedExport
from lib.importers.damage import json_error_message
from lib.importers.qq import rank_me

GROUP_TYPES = frozenset({
    "private_group", "private_supergroup", "public_supergroup", "private_channel", "public_channel",
})
DEFAULT_NAMES = {"saved_messages": "Saved Messages", "replies": "Replies"}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
# Keys that make a message more than plain text (media, polls, service actions).
NOT_PLAIN = frozenset({
    "photo", "media_type", "file", "file_name", "location_information", "poll", "contact_information", "action",
    "sticker_emoji", "game_title", "invoice_information", "place_name", "address", "todo_list", "giveaway_information",
    "giveaway_results",
})
VIDEO_TYPES = frozenset({"video_file", "video_message", "animation"})
# Telegram-only keys: an LLM training file also has "messages", but never these.
SNIFF_KEYS = re.compile(
    r'"personal_information"\s*:|"date_unixtime"\s*:|"from_id"\s*:\s*"(?:user|channel|chat)|"text_entities"\s*:'
    r'|"type"\s*:\s*"(?:message|service|personal_chat|private_group|private_supergroup|public_supergroup)"'
)


def sniff(head: str, name: str) -> float:
    """A JSON object with Telegram's message keys."""
    if not head.lstrip().startswith("{"):
        return 0.0
    if ('"messages"' in head or '"chats"' in head or '"personal_information"' in head) and SNIFF_KEYS.search(head):
        return 0.95
    return 0.0


def flatten_text(value: Any) -> str:
    """Rebuild a message's text from a plain string or a list of strings and entity objects, keeping newlines."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(p if isinstance(p, str) else _part_text(p) for p in value)
    return ""


def _part_text(part: Any) -> str:
    if isinstance(part, dict):
        t = part.get("text", "")
        return t if isinstance(t, str) else ""
    return ""


def load(text: str) -> dict[str, Any]:
    """Parse the JSON, turning damage into a BadInputError that says where and what to do."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(json_error_message(
            text, exc, "Export again from Telegram Desktop (Settings → Advanced → Export Telegram data) and import "
            "the new result.json.")) from None
    except RecursionError:
        raise BadInputError("the JSON nests too deeply to be a Telegram export. Import the result.json that Telegram "
                            "Desktop wrote.") from None
    if not isinstance(data, dict) or not ("messages" in data or "chats" in data or "left_chats" in data):
        raise BadInputError("this JSON is not a Telegram export: it has no 'messages' or 'chats'. Import the "
                            "result.json that Telegram Desktop wrote.")
    return data


def dialogs(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The chat objects of a single-chat or full-account export."""
    if "messages" in data:
        return [data]
    out: list[dict[str, Any]] = []
    for key in ("chats", "left_chats"):
        section = data.get(key)
        items = section.get("list") if isinstance(section, dict) else section
        if isinstance(items, list):
            out.extend(d for d in items if isinstance(d, dict))
    return out


def my_user_id(data: dict[str, Any]) -> str | None:
    """``"user<id>"`` of the exporting account (full export only)."""
    info = data.get("personal_information")
    if isinstance(info, dict) and info.get("user_id") is not None:
        return f"user{info['user_id']}"
    return None


def describe_service(msg: dict[str, Any]) -> tuple[str, str]:
    """Kind and human text of a service message ("X joined the group"); phone calls are kind call."""
    actor = str(msg.get("actor") or "Someone")
    action = str(msg.get("action") or "")
    title = msg.get("title") or ""
    members = [str(m) for m in (msg.get("members") or []) if m]
    if action == "phone_call":
        return "call", describe_call(msg)
    if action == "invite_members" and members == [actor]:
        return "system", f"{actor} joined the group"
    if action == "custom_action" and title:
        return "system", str(title)  # tdesktop writes the service line's own words here
    if action == "todo_append_tasks":
        return "system", f"{actor} added tasks: {', '.join(_items(msg.get('items')))}"
    table = {
        "create_group": f'{actor} created group "{title}"',
        "create_channel": f'{actor} created channel "{title}"',
        "edit_group_title": f'{actor} changed the group name to "{title}"',
        "edit_group_photo": f"{actor} changed the group photo",
        "delete_group_photo": f"{actor} removed the group photo",
        "invite_members": f"{actor} added {', '.join(members)}",
        "remove_members": f"{actor} removed {', '.join(members)}",
        "join_group_by_link": f"{actor} joined the group via invite link",
        "join_group_by_request": f"{actor} joined the group",
        "migrate_to_supergroup": f"{actor} upgraded the group to a supergroup",
        "migrate_from_group": f'{actor} upgraded "{title}" to a supergroup',
        "pin_message": f"{actor} pinned a message",
        "clear_history": "History was cleared",
        "take_screenshot": f"{actor} took a screenshot",
        "joined_telegram": f"{actor} joined Telegram",
        "group_call": f"{actor} started a voice chat",
        "set_messages_ttl": f"{actor} changed the auto-delete timer",
        "topic_created": f'{actor} created topic "{title}"',
    }
    return "system", table.get(action, f"{actor}: {action.replace('_', ' ')}".strip(": "))


def describe_call(msg: dict[str, Any]) -> str:
    """"Missed call", "Declined call" or "Call, 2 min 5 s"."""
    reason = msg.get("discard_reason")
    if reason == "missed":
        return "Missed call"
    if reason == "busy":
        return "Declined call"
    secs = msg.get("duration_seconds")
    if isinstance(secs, int) and secs > 0:
        return f"Call, {secs // 60} min {secs % 60} s" if secs >= 60 else f"Call, {secs} s"
    return "Call"


def _lines(*parts: Any) -> str:
    """The non-empty parts, one a line: a title, its items, then the caption the sender wrote under it."""
    return "\n".join(t for p in parts if (t := str(p).strip() if isinstance(p, (str, int, float)) else ""))


def _items(value: Any, key: str = "text") -> list[str]:
    """The words of a list of ``{"text": ...}`` objects (poll answers, to-do items)."""
    return [flatten_text(v.get(key)) for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _giveaway(info: dict[str, Any], results: bool) -> str:
    """"Giveaway: 10 × 3 months Premium, 1000 stars + Sticker Pack" (the prize is what the sender described)."""
    prize = []
    if info.get("quantity") and info.get("months"):
        prize.append(f"{info['quantity']} × {info['months']} months Premium")
    elif info.get("months"):
        prize.append(f"{info['months']} months Premium")
    if info.get("stars"):
        prize.append(f"{info['stars']} stars")
    head = "Giveaway results" if results else "Giveaway"
    if results and info.get("winners_count"):
        prize.insert(0, f"{info['winners_count']} winners")
    extra = str(info.get("additional_prize") or "").strip()
    return f"{head}: {', '.join(prize) or '-'}" + (f" + {extra}" if extra else "")


def describe_media(msg: dict[str, Any], body: str) -> tuple[str, str]:
    """Kind and text of an ordinary message. Every kind keeps its words: the caption of any media, a venue's name and
    address, a poll's question and answers, a to-do list's title and items, a game's title, a giveaway's prize."""
    media = msg.get("media_type")
    if "photo" in msg:
        return "image", body
    if media == "sticker":
        return "sticker", str(msg.get("sticker_emoji") or body)
    if media == "voice_message":
        return "voice", body
    if media in VIDEO_TYPES:
        return "video", body
    if media or "file" in msg or "file_name" in msg:
        name = str(msg.get("file_name") or msg.get("title") or "")
        return "file", _lines(name, body)
    venue = [msg.get("place_name"), msg.get("address")]
    loc = msg.get("location_information")
    if any(isinstance(v, str) and v.strip() for v in venue) or isinstance(loc, dict):
        words = ", ".join(v.strip() for v in venue if isinstance(v, str) and v.strip())
        if not words and not body and isinstance(loc, dict):
            words = f"{loc.get('latitude')}, {loc.get('longitude')}"  # a bare pin: its coordinates say where
        return "location", _lines(words, body)
    poll = msg.get("poll")
    if isinstance(poll, dict):
        return "other", _lines(flatten_text(poll.get("question")), *(f"- {a}" for a in _items(poll.get("answers"))),
                               body)
    todo = msg.get("todo_list")
    if isinstance(todo, dict):
        return "other", _lines(flatten_text(todo.get("title")), *(f"- {a}" for a in _items(todo.get("answers"))),
                               body)
    if msg.get("game_title") is not None:
        return "other", _lines(msg.get("game_title"), msg.get("game_description"), body)
    for key, results in (("giveaway_information", False), ("giveaway_results", True)):
        if isinstance(msg.get(key), dict):
            return "other", _lines(_giveaway(msg[key], results), body)
    invoice = msg.get("invoice_information")
    if isinstance(invoice, dict):
        return "other", body or _lines(invoice.get("title"), invoice.get("description"))
    if isinstance(msg.get("contact_information"), dict):
        c = msg["contact_information"]
        name = " ".join(str(c.get(k) or "") for k in ("first_name", "last_name")).strip()
        return "other", _lines(name, body)
    return "text", body


class _Clock:
    """The ``date`` field (local wall clock); ``date_unixtime`` as UTC only when ``date`` is missing."""

    def __init__(self) -> None:
        self.from_unix = 0

    def iso(self, msg: dict[str, Any]) -> str | None:
        d = msg.get("date")
        if isinstance(d, str) and ISO.match(d):
            return d[:19]
        unix = msg.get("date_unixtime")
        try:
            stamp = datetime.fromtimestamp(int(unix), tz=timezone.utc)
        except (TypeError, ValueError, OverflowError, OSError):
            return None
        self.from_unix += 1
        return stamp.strftime("%Y-%m-%dT%H:%M:%S")


def parse(path: Path, text: str | None) -> ParsedExport:
    """Parse a Telegram Desktop ``result.json`` (single chat or full account)."""
    if text is None:
        raise BadInputError("Telegram JSON needs the text of the file.")
    data = load(text)
    me_id = my_user_id(data)
    rows: dict[str, list[Any]] = {k: [] for k in
                                  ("chat", "chat_key", "is_group", "sender", "sender_id", "time", "kind", "text",
                                   "quote")}
    clock = _Clock()
    skipped: Counter[str] = Counter()
    chats = dialogs(data)
    for i, chat in enumerate(chats):
        _parse_dialog(chat, i, len(chats), path, rows, clock, skipped)
    if not rows["time"]:
        raise BadInputError("this Telegram export holds no messages. Export again with the chats you want selected.")
    notes = _notes(skipped, clock, len(chats))
    df = pd.DataFrame(rows)
    if me_id is None:
        df["is_me"] = pd.array([pd.NA] * len(df), dtype="boolean")
    else:
        df["is_me"] = ((df["sender_id"] == me_id) & (df["sender"] != "")).astype("boolean")
    return ParsedExport(messages=df, format="telegram_json", me_candidates=_me_candidates(df, data, me_id),
                        notes=notes, people=people(data, chats))


def people(data: dict[str, Any], chats: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Names the export holds outside ``from``: the account's own name and username, the contact list, and every
    @mention (a username is a name: "@lily_w" identifies Lily as surely as her display name)."""
    out: set[tuple[str, str]] = set()

    def person(obj: Any, source: str) -> None:
        if not isinstance(obj, dict):
            return
        first, last = str(obj.get("first_name") or "").strip(), str(obj.get("last_name") or "").strip()
        full = " ".join(p for p in (first, last) if p) or str(obj.get("name") or "").strip()
        if full:
            out.add((full, source))
        user = str(obj.get("username") or "").strip().lstrip("@")
        if user:
            out.add((user, "username"))

    person(data.get("personal_information"), "me")
    for key in ("contacts", "frequent_contacts"):
        section = data.get(key)
        items = section.get("list") if isinstance(section, dict) else section
        for item in items if isinstance(items, list) else []:
            person(item, "contact")
    for chat in chats:
        for msg in chat.get("messages") or []:
            entities = msg.get("text_entities") if isinstance(msg, dict) else None
            for ent in entities if isinstance(entities, list) else []:
                if isinstance(ent, dict) and ent.get("type") in ("mention", "mention_name"):
                    name = str(ent.get("text") or "").strip()
                    if name:
                        out.add((name.lstrip("@"), "username" if name.startswith("@") else "mention"))
    return sorted(out)


def _notes(skipped: Counter[str], clock: _Clock, n_chats: int) -> list[str]:
    notes = [f"{n} {why} were left out." for why, n in skipped.items()]
    if clock.from_unix:
        notes.append(f"{clock.from_unix} messages had no local 'date'; their times are UTC from 'date_unixtime'.")
    if n_chats > 1:
        notes.append(f"{n_chats} chats in this file.")
    return notes


def _chat_identity(chat: dict[str, Any], index: int, total: int, path: Path) -> tuple[str, str]:
    """Display name and stable key of a dialog."""
    kind = chat.get("type")
    name = chat.get("name") or DEFAULT_NAMES.get(str(kind)) or ""
    if not name:
        name = Path(path).stem if total == 1 else f"Telegram chat {chat.get('id', index + 1)}"
    key = str(chat["id"]) if chat.get("id") is not None else str(name)
    return str(name), key


def _parse_dialog(chat: dict[str, Any], index: int, total: int, path: Path,
                  rows: dict[str, list[Any]], clock: _Clock, skipped: Counter[str]) -> None:
    """Append one dialog's messages to ``rows``; plain text messages take a short path (most of a chat)."""
    name, key = _chat_identity(chat, index, total, path)
    messages = chat.get("messages")
    if not isinstance(messages, list):
        skipped["chats without a message list"] += 1
        return
    start = len(rows["time"])
    by_id: dict[Any, str] = {}
    replies: list[tuple[int, Any]] = []
    add_sender, add_id, add_time = rows["sender"].append, rows["sender_id"].append, rows["time"].append
    add_kind, add_text = rows["kind"].append, rows["text"].append
    for msg in messages:
        if type(msg) is not dict:
            skipped["malformed messages"] += 1
            continue
        d = msg.get("date")
        if type(d) is str and len(d) >= 19 and d[10] == "T":
            iso = d[:19]
        elif msg.get("type") == "unsupported":
            skipped["unsupported messages"] += 1
            continue
        else:
            iso = clock.iso(msg)
            if iso is None:
                skipped["messages without a date"] += 1
                continue
        if msg.get("type", "message") == "message" and NOT_PLAIN.isdisjoint(msg):
            sender = msg.get("from")
            if type(sender) is not str or not sender:
                sender = "Deleted Account" if "from" in msg else ""
            sender_id = msg.get("from_id") or sender
            body = msg.get("text", "")
            if type(body) is not str:
                body = flatten_text(body)
            kind = "text"
        else:
            sender, sender_id, kind, body = _message_fields(msg)
        mid = msg.get("id")
        if mid is not None:
            by_id[mid] = body
        target = msg.get("reply_to_message_id")
        if target is not None and not msg.get("reply_to_peer_id"):
            replies.append((len(rows["time"]), target))
        add_sender(sender)
        add_id(str(sender_id))
        add_time(iso)
        add_kind(kind)
        add_text(body)
    n = len(rows["time"]) - start
    quotes = [""] * n
    for row, target in replies:
        quotes[row - start] = by_id.get(target, "")
    rows["quote"].extend(quotes)
    ctype = chat.get("type")
    is_group = ctype in GROUP_TYPES if ctype else len(set(rows["sender"][start:]) - {""}) > 2
    rows["chat"].extend([name] * n)
    rows["chat_key"].extend([key] * n)
    rows["is_group"].extend([is_group] * n)


def _message_fields(msg: dict[str, Any]) -> tuple[str, str, str, str]:
    """Sender, sender id, kind and text of one message."""
    if msg.get("type") == "service" or (msg.get("action") and "from" not in msg):
        kind, body = describe_service(msg)
        if kind == "call":
            actor = str(msg.get("actor") or "Deleted Account")
            return actor, str(msg.get("actor_id") or actor), kind, body
        return "", "", kind, body
    sender = str(msg["from"]) if msg.get("from") else ("Deleted Account" if "from" in msg else "")
    sender_id = str(msg.get("from_id") or sender)
    kind, body = describe_media(msg, flatten_text(msg.get("text", "")))
    return sender, sender_id, kind, body


def _me_candidates(df: pd.DataFrame, data: dict[str, Any], me_id: str | None) -> list[str]:
    """Known me first (full export); else the non-contact side of private chats and the most present sender."""
    ranked = rank_me(df)
    if me_id is not None:
        mine = df.loc[df["is_me"].fillna(False).astype(bool), "sender"].value_counts()
        first = [s for s in mine.index if s]
        info = data.get("personal_information") or {}
        full = " ".join(str(info.get(k) or "") for k in ("first_name", "last_name")).strip()
        if full and full not in first:
            first.append(full)
        ranked = first + [s for s in ranked if s not in first]
    return ranked


register(Importer(name="telegram_json", label="Telegram · Desktop JSON export", sniff=sniff, parse=parse,
                  reads="json"))
