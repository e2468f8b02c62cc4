"""Shared reader for Meta's "Download your information" message JSON (Instagram DMs and Facebook Messenger).

Both apps write the same ``message_N.json`` layout (docs/formats/instagram.md, docs/formats/messenger.md):
``{participants[{name}], messages[{sender_name, timestamp_ms, content?, photos?, ...}], title, thread_path, ...}``,
newest message first, every text with its UTF-8 bytes escaped one by one as Latin-1 code points (``"\\u00e6\\u0097
\\u00a5"`` for 日), which :func:`fix_text` undoes. This module registers nothing: :mod:`lib.importers.instagram` and
:mod:`lib.importers.messenger` register the two formats and differ only in name and in the markers that tell them
apart (:func:`markers`), because a file of one can carry none of the other's tell-tales.
"""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lib.importers.base import BadInputError, ParsedExport
from lib.importers.damage import json_error_message

# Epoch milliseconds outside this range are damage (or seconds mistaken for ms), not a message time.
MIN_MS = 946_684_800_000     # 2000-01-01 UTC
MAX_MS = 4_102_444_800_000   # 2100-01-01 UTC
# UTC offsets change only at quarter-hour instants (every zone's DST rule since 1970), so one offset per 15 minutes
# is exact and lets a million timestamps convert with a few hundred time.localtime calls.
_OFFSET_STEP_S = 900

# "Is this Meta message JSON at all": a JSON object whose messages carry sender_name and timestamp_ms.
_IS_META = re.compile(r'"sender_name"\s*:')
_HAS_MS = re.compile(r'"timestamp_ms"\s*:')
# Evidence for one app or the other, with weights: (pattern, weight). A file with no evidence is called Instagram
# (chat-miner's Instagram sample is exactly such a bare file); any Messenger evidence outweighing it wins.
_INSTAGRAM_MARKS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"instagram\.com|your_instagram_activity|cdninstagram"), 3),
    (re.compile(r'"(?:is_taken_down|bumped_message_metadata|original_content_owner)"\s*:'), 1),
    (re.compile(r"sent an attachment\.|Liked a message|to your message|shared a story"), 1),
)
_MESSENGER_MARKS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"facebook\.com|messenger\.com|your_facebook_activity|your_activity_across_facebook"), 3),
    (re.compile(r"stickers_used/"), 2),
    (re.compile(r'"ip"\s*:'), 2),
    (re.compile(r'"(?:thread_type|gifs|call_duration)"\s*:'), 1),
)

# Texts Meta writes in place of a message (English exports; other languages stay text). Matched on whole contents.
NOTICE_SYSTEM = re.compile(
    r"(?:.{1,80} )?(?:reacted .{1,16} to (?:your|a|their|his|her) message|liked a message)\.?"
    r"|.{0,80}(?:created a poll: .*|voted for .* in the poll\.|'s poll has multiple updates\.)"
    r"|This poll is no longer available\.|.{1,80} unsent a message\.?|This message was unsent\.?"
    r"|.{1,80} (?:added .{1,200} to the group|left the group|removed .{1,200} from the group"
    r"|named the group .*|changed the group photo|set the nickname for .*|set (?:his|her|their|your) own nickname to .*"
    r"|cleared the nickname for .*|changed the theme to .*|set the emoji to .*|set the quick reaction to .*"
    r"|changed the chat theme\.?|is now an admin\.?|joined the video chat\.?|joined the call\.?)\.?",
    re.S | re.I,
)
NOTICE_CALL = re.compile(
    r"(?:.{1,80} )?(?:started (?:a|an) (?:video chat|audio call|video call|call)|called you|missed (?:a|an|your) "
    r"(?:video chat|audio call|video call|call)(?: with .{1,80})?)\.?"
    r"|(?:The )?(?:video chat|audio call|video call|call) ended\.?|You missed (?:a|an) .{1,40}\.?",
    re.S | re.I,
)
NOTICE_ATTACHMENT = re.compile(r".{1,80} sent an attachment\.|.{1,80} shared a story\.?|Mentioned you in (?:their|a) "
                               r"story\.?|.{1,80} sent a (?:voice message|photo|video|GIF|sticker)\.?", re.S)
_YOU_NOTICE = re.compile(r"You (?:sent|unsent|missed|called|reacted|liked|created|named|added|removed|left|set"
                         r"|changed|started|shared)\b")
# Keys of a plain text message; anything else (media, share, type, reactions) goes through classify().
PLAIN_KEYS = frozenset({"sender_name", "timestamp_ms", "content", "is_geoblocked_for_viewer",
                        "is_unsent_image_by_messenger_kid_parent", "sender_id_INTERNAL"})


def markers(head: str) -> tuple[int, int]:
    """Weighted evidence ``(instagram, messenger)`` in the start of a file."""
    ig = sum(w for pat, w in _INSTAGRAM_MARKS if pat.search(head))
    fb = sum(w for pat, w in _MESSENGER_MARKS if pat.search(head))
    return ig, fb


def is_meta_json(head: str) -> bool:
    """A JSON object with Meta's ``sender_name`` / ``timestamp_ms`` message keys."""
    return head.lstrip().startswith("{") and bool(_IS_META.search(head)) and bool(_HAS_MS.search(head))


def looks_mojibake(text: str) -> bool:
    """True when the raw file spells non-ASCII text only as Latin-1 code points (``\\u0080``-``\\u00ff`` escapes or
    such characters), as Meta's byte-per-escape texts are. A file with any character above U+00FF, escaped or not (a
    re-encoded or hand-fixed file), is taken as already right and left alone."""
    if re.search(r"\\u(?!00)[0-9a-fA-F]{4}", text):
        return False
    if not text.isascii() and any(ord(c) > 0xFF for c in set(text)):
        return False
    return not text.isascii() or re.search(r"\\u00[89a-fA-F][0-9a-fA-F]", text) is not None


def fix_text(value: Any, mojibake: bool) -> str:
    """The real text of a Meta string: its Latin-1 code points are the bytes of UTF-8. Strings that are not such byte
    sequences (a plain "café" in a file that was re-saved right) are returned unchanged."""
    if not isinstance(value, str):
        return "" if value is None else str(value)
    if not mojibake or value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def load(text: str, app: str, how: str) -> dict[str, Any]:
    """Parse the JSON and check it is one Meta message thread; damage becomes a one-line BadInputError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(json_error_message(text, exc, how)) from None
    except RecursionError:
        raise BadInputError(f"the JSON nests too deeply to be a {app} export. {how}") from None
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise BadInputError(f"this JSON is not a {app} message file: it has no 'messages' list. {how}")
    return data


def local_times(ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(iso, valid)``: epoch milliseconds as this computer's local wall clock ``YYYY-MM-DDTHH:MM:SS``.

    Local, like the Telegram ``date`` and MemoTrace epoch columns: a person's day is read on their own clock, and the
    computer importing the file is the best guess of where that is. Conversion is vectorised: one ``localtime`` call
    per distinct quarter hour, exact across DST changes (:data:`_OFFSET_STEP_S`).
    """
    ms = np.asarray(ms, dtype=np.int64)
    valid = (ms >= MIN_MS) & (ms < MAX_MS)
    secs = np.where(valid, ms // 1000, MIN_MS // 1000)
    buckets, inverse = np.unique(secs // _OFFSET_STEP_S, return_inverse=True)
    offsets = np.fromiter((time.localtime(int(b) * _OFFSET_STEP_S).tm_gmtoff for b in buckets.tolist()),
                          dtype=np.int64, count=len(buckets))
    local = secs + offsets[inverse.reshape(-1)]
    iso = np.datetime_as_string(local.astype("datetime64[s]"), unit="s")
    return iso, valid


def dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list field; anything else (missing, null, damaged) is no objects."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _timestamp(value: Any) -> int:
    """``timestamp_ms`` as an int; -1 when missing or not a number (such messages are left out)."""
    if type(value) is int:
        return value
    if isinstance(value, float) and value == value and abs(value) < 1e16:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 17:
        return int(value.strip())
    return -1


def _uri_name(items: Any) -> str:
    """File name of the first ``{uri}`` in a media list (what the user sent, e.g. ``report.pdf``)."""
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("uri"), str):
                return item["uri"].replace("\\", "/").rsplit("/", 1)[-1]
    return ""


def describe_call(msg: dict[str, Any], content: str) -> str:
    """"Call, 2 min 5 s", "Missed call" or Meta's own call notice."""
    secs = msg.get("call_duration")
    if isinstance(secs, (int, float)) and secs > 0:
        secs = int(secs)
        return f"Call, {secs // 60} min {secs % 60} s" if secs >= 60 else f"Call, {secs} s"
    if "missed" in content.lower() or secs == 0:
        return "Missed call" if not content else content
    return content or "Call"


def classify(msg: dict[str, Any], sender: str, content: str, mojibake: bool) -> tuple[str, str]:
    """Kind and text of one message. Media keys decide first; a content that is only Meta's notice text never
    becomes text the twin learns from."""
    mtype = msg.get("type")
    if msg.get("is_unsent") is True:
        return "system", "Message unsent"
    if mtype == "Call" or "call_duration" in msg:
        return "call", describe_call(msg, content)
    if mtype in ("Subscribe", "Unsubscribe"):
        if content:
            return "system", content
        users = ", ".join(fix_text(u.get("name"), mojibake) for u in dicts(msg.get("users")))
        verb = "added" if mtype == "Subscribe" else "removed"
        return "system", f"{sender} {verb} {users}".strip()
    caption = "" if not content or _is_notice(content) else content
    if msg.get("photos"):
        return "image", caption
    if msg.get("videos") or msg.get("gifs"):
        return "video", caption
    if msg.get("audio_files"):
        return "voice", caption
    if msg.get("files"):
        return "file", "\n".join(p for p in (fix_text(_uri_name(msg["files"]), mojibake), caption) if p)
    if isinstance(msg.get("sticker"), dict):
        return "sticker", ""
    share = msg.get("share")
    if isinstance(share, dict):
        link = fix_text(share.get("link"), mojibake)
        shared = fix_text(share.get("share_text"), mojibake)
        if caption and caption != link:
            return "text", caption  # the person's own words around a link
        return "link", link or shared
    if not content:
        return "other", ""
    if NOTICE_CALL.fullmatch(content):
        return "call", content
    if NOTICE_SYSTEM.fullmatch(content):
        return "system", content
    if NOTICE_ATTACHMENT.fullmatch(content):
        return "other", content
    return "text", content


def _is_notice(content: str) -> bool:
    return bool(NOTICE_ATTACHMENT.fullmatch(content) or NOTICE_SYSTEM.fullmatch(content)
                or NOTICE_CALL.fullmatch(content))


def parse(path: Path, text: str | None, *, fmt: str, app: str, how: str) -> ParsedExport:
    """Parse one ``message_N.json`` of Instagram or Messenger into a ParsedExport named ``fmt``."""
    if text is None:
        raise BadInputError(f"{app} JSON needs the text of the file.")
    data = load(text, app, how)
    mojibake = looks_mojibake(text)
    del text
    cols: dict[str, list[Any]] = {"sender": [], "kind": [], "text": []}
    stamps: list[int] = []
    skipped: Counter[str] = Counter()
    you: Counter[str] = Counter()
    people: set[tuple[str, str]] = set()
    add_sender, add_kind, add_text, add_ms = cols["sender"].append, cols["kind"].append, cols["text"].append, \
        stamps.append
    for msg in data["messages"]:
        if type(msg) is not dict:
            skipped["malformed messages"] += 1
            continue
        ms = _timestamp(msg.get("timestamp_ms"))
        if ms < 0:
            skipped["messages without a time"] += 1
            continue
        sender = fix_text(msg.get("sender_name"), mojibake).strip()
        content = msg.get("content")
        content = fix_text(content, mojibake) if isinstance(content, str) else ""
        if content and msg.keys() <= PLAIN_KEYS and not _is_notice(content):
            kind = "text"  # the common case: sender, time and content only
        else:
            kind, content = classify(msg, sender, content, mojibake)
            people.update((fix_text(r["actor"], mojibake), "reaction") for r in dicts(msg.get("reactions"))
                          if r.get("actor"))
            people.update((fix_text(u["name"], mojibake), "participant") for u in dicts(msg.get("users"))
                          if u.get("name"))
        if sender and content[:4] == "You " and _YOU_NOTICE.match(content) and kind != "text":
            you[sender] += 1
        add_sender(sender)
        add_kind(kind)
        add_text(content)
        add_ms(ms)
    if not stamps:
        raise BadInputError(f"this {app} file holds no messages with a time. {how}")
    iso, valid = local_times(np.asarray(stamps, dtype=np.int64))
    df = pd.DataFrame({"sender": cols["sender"], "kind": cols["kind"], "text": cols["text"], "time": iso})
    bad = int((~valid).sum())
    if bad:
        skipped["messages with an impossible time"] += bad
        df = df.loc[valid].reset_index(drop=True)
        ms_valid = np.asarray(stamps, dtype=np.int64)[valid]
    else:
        ms_valid = np.asarray(stamps, dtype=np.int64)
    if df.empty:
        raise BadInputError(f"no message in this {app} file has a possible time. {how}")
    if len(ms_valid) > 1 and ms_valid[0] > ms_valid[-1]:
        df = df.iloc[::-1].reset_index(drop=True)  # Meta writes newest first; the chat reads oldest first
    participants = [fix_text(p.get("name"), mojibake).strip() for p in dicts(data.get("participants"))]
    participants = [p for p in dict.fromkeys(participants) if p]
    people.update((p, "participant") for p in participants)
    title = fix_text(data.get("title"), mojibake).strip()
    senders = df.loc[df["sender"] != "", "sender"].value_counts()
    thread_type = data.get("thread_type")
    if thread_type in ("Regular", "RegularGroup"):  # Messenger says it; a deactivated "Facebook user" must not count
        is_group = thread_type == "RegularGroup"
    else:
        is_group = len(participants) > 2 or len(set(senders.index) | set(participants)) > 2
    names = sorted(participants) if participants else sorted(senders.index)
    chat = title or ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    chat = chat or f"{app} chat {Path(path).stem}"
    key = fix_text(data.get("thread_path"), mojibake).strip() or chat
    df["sender_id"] = df["sender"]
    df["chat"] = chat
    df["chat_key"] = key
    df["is_group"] = bool(is_group)
    df["is_me"] = pd.array([pd.NA] * len(df), dtype="boolean")
    df["quote"] = ""
    notes = [f"{n} {why} were left out." for why, n in skipped.items() if n]
    if mojibake:
        notes.append("Texts were stored by Meta as escaped bytes and have been decoded to the real characters.")
    zone = datetime.now().astimezone().tzname() or "local"
    notes.append(f"Times were converted from Meta's UTC timestamps to this computer's time zone ({zone}).")
    me = me_candidates(senders, participants, title, is_group, you)
    return ParsedExport(messages=df, format=fmt, me_candidates=me, notes=notes, people=sorted(people))


def me_candidates(senders: pd.Series, participants: list[str], title: str, is_group: bool,
                  you: Counter[str]) -> list[str]:
    """Likeliest owner first. In a private thread Meta titles the chat with the other person's name, so the
    participant who is not the title is the owner; "You sent an attachment." lines are written by the owner too."""
    first: list[str] = []
    if not is_group and title and len(participants) == 2 and title in participants:
        first.append(participants[0] if participants[1] == title else participants[1])
    first.extend(s for s, _ in you.most_common() if s not in first)
    rest = [s for s in senders.index if s not in first]
    rest += [p for p in participants if p not in first and p not in rest]
    ranked = first + rest
    if not is_group and title in ranked and len(ranked) > 1 and ranked[0] == title:
        ranked.remove(title)
        ranked.append(title)
    return ranked
