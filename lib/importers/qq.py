"""QQ PC "消息管理器" TXT export (private, group, single chat and the full "全部消息记录" export).

No official spec; the layout follows docs/formats/qq.md. A file is a series of chats, each introduced by a
``====/消息分组:/====/消息对象:/====`` block, and messages are ``YYYY-MM-DD H:MM:SS[ AM|PM] name`` header lines
followed by body lines up to the next header. Headers and blocks are found with ``re.finditer`` over the whole text,
so a million lines take a few seconds.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from itertools import repeat
from operator import add
from pathlib import Path

import pandas as pd

from lib.importers import register
from lib.importers.base import BadInputError, Importer, ParsedExport

SECTION = re.compile(
    r"^={8,}[^\S\n]*\n消息分组[:：](?P<folder>[^\n]*)\n={8,}[^\S\n]*\n消息对象[:：](?P<chat>[^\n]*)\n={8,}[^\S\n]*$",
    re.M,
)
_HS = "[ \t\u00a0\u3000]"
# A message header line; re.split hands back (line, date, clock, name) between the bodies.
HEADER = re.compile(
    r"^(?P<line>(?P<date>\d{4}-\d{1,2}-\d{1,2})" + _HS + r"+"
    r"(?P<clock>\d{1,2}:\d{2}:\d{2}(?:" + _HS + r"?(?:[AaPp][Mm]|上午|下午))?)"
    r"(?:" + _HS + r"+(?P<name>[^\n]*?))?" + _HS + r"*)$",
    re.M,
)
N_GROUPS = 4
CLOCK = re.compile(r"(\d+):(\d+):(\d+)(?:\D*([AaPp]|上|下))?")
# The sender's id is the LAST "(digits)" or "<email-or-digits>" at the end of the header (docs §5).
SENDER_ID = re.compile(r"^(?P<nick>.*?)[^\S\n]*(?:\((?P<qq>\d{4,})\)|<(?P<mail>[^<>\s]*@[^<>\s]*|\d{4,})>)$")
TITLE = re.compile(r"^(?:【[^】\n]*】[^\S\n]*)+")
SYSTEM_IDS = frozenset({"10000", "1000000"})
GROUP_FOLDER = re.compile(r"群|讨论组|group", re.I)
TITLE_LINE = "消息记录（此消息记录为文本格式，不支持重新导入）"

PLACEHOLDER_KIND: dict[str, str] = {
    "[图片]": "image", "[闪照]": "image", "[表情]": "sticker", "[语音]": "voice", "[视频]": "video",
    "[文件]": "file", "[QQ红包]": "other", "[红包]": "other", "[位置]": "location", "[链接]": "link",
}
PLACEHOLDERS = re.compile("|".join(re.escape(p) for p in PLACEHOLDER_KIND))
RECALL = re.compile(r"撤回了一条(?:成员)?消息")
OFFLINE_FILE = re.compile(r"离线文件|成功发送文件|成功接收文件")
PREFIX_NOTICE = ("[QQ红包]", "[红包]", "[闪照]")


def sniff(head: str, name: str) -> float:
    """Certain on the 消息对象/消息分组 block; confident on headers with QQ numbers, 1-digit hours or AM/PM.

    Bare ``YYYY-MM-DD HH:MM:SS name`` headers alone are also what WeChat MemoTrace TXT writes, so they score low.
    """
    if SECTION.search(head) or "消息对象:" in head or "消息分组:" in head or head.lstrip().startswith(TITLE_LINE):
        return 0.98
    # "2019-01-01 9:25:00 - Name: text" is a WhatsApp line, not a QQ header.
    heads = [m for m in HEADER.finditer(head) if not (m["name"] or "").startswith(("- ", "-\u202f"))]
    if not heads:
        return 0.0
    if any(not m["clock"][1].isdigit() or not m["clock"][-1].isdigit() or SENDER_ID.match(m["name"] or "")
           for m in heads):
        return 0.95
    return 0.5  # lets a trimmed QQ file be found, but loses to memotrace_txt, which claims bare headers higher


def iso_table(dates: set[str], clocks: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """``{date: "YYYY-MM-DDT"}`` and ``{clock: "HH:MM:SS"}`` for the few distinct values; "" when impossible."""
    days: dict[str, str] = {}
    for d in dates:
        y, mo, dd = (int(v) for v in d.split("-"))
        days[d] = f"{y:04d}-{mo:02d}-{dd:02d}T" if 1 <= mo <= 12 and 1 <= dd <= 31 else ""
    hours: dict[str, str] = {}
    for c in clocks:
        m = CLOCK.match(c)
        h, mi, sec = int(m[1]), int(m[2]), int(m[3])
        if m[4]:
            pm = m[4] in "Pp下"
            h = 99 if h > 12 else h % 12 + (12 if pm else 0)
        hours[c] = f"{h:02d}:{mi:02d}:{sec:02d}" if h <= 23 and mi <= 59 and sec <= 60 else ""
    return days, hours


def split_sender(raw: str) -> tuple[str, str, bool]:
    """``(name, id, has_real_id)`` of a header name: titles stripped, last ``(…)``/``<…>`` taken as the id."""
    raw = raw.strip()
    m = SENDER_ID.match(raw)
    if m:
        nick = TITLE.sub("", m["nick"]).strip()
        return nick or m["qq"] or m["mail"], m["qq"] or m["mail"], True
    nick = TITLE.sub("", raw).strip()
    return nick, nick, False


def classify(body: str) -> tuple[str, str]:
    """Kind and text: bodies made only of placeholders take the placeholder's kind; text with a [图片] stays text."""
    stripped = body.strip()
    if RECALL.search(stripped) and len(stripped) < 80:
        return "system", stripped
    if stripped.startswith("[图片]") and OFFLINE_FILE.search(stripped):
        return "file", stripped
    if stripped.startswith(PREFIX_NOTICE):
        first = PLACEHOLDERS.match(stripped)
        if first:
            return PLACEHOLDER_KIND[first.group(0)], ""
    if stripped and not PLACEHOLDERS.sub("", stripped).strip():
        return PLACEHOLDER_KIND[PLACEHOLDERS.match(stripped).group(0)], ""
    return "text", body


def _blank_before(chunk: str) -> bool:
    """True when the text before a header ends in a blank line or a ==== line (a header never sits mid-message)."""
    if chunk.endswith("\n\n") or not chunk.strip():
        return True
    last = chunk[chunk.rstrip("\n").rfind("\n") + 1:]
    return not last.strip() or last.startswith("=====")


def parse(path: Path, text: str | None) -> ParsedExport:
    """Parse a QQ TXT export into one frame holding every chat in the file."""
    if text is None:
        raise BadInputError("QQ TXT needs the text of the file.")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = HEADER.split(text)
    step = N_GROUPS + 1
    chunks, lines, dates, clocks, names = (parts[0::step], parts[1::step], parts[2::step], parts[3::step],
                                           parts[4::step])
    days, hours = iso_table(set(dates), set(clocks))
    times = list(map(add, map(days.__getitem__, dates), map(hours.__getitem__, clocks)))
    ok = list(map(str.endswith, chunks, repeat("\n\n")))  # the usual case; _blank_before checks the rest
    ok = [good or _blank_before(c) for good, c in zip(ok, chunks)]
    ok = [good and len(t) == 19 for good, t in zip(ok, times)]
    notes: list[str] = []
    if not any(ok) and any(len(t) == 19 for t in times):
        ok = [len(t) == 19 for t in times]
        notes.append("Messages were not separated by blank lines; every timestamp line was read as a header.")
    if not any(ok):
        raise BadInputError("no QQ messages found (lines like '2016-05-20 22:33:16 name'). Export the chat again "
                            "from QQ's message manager as TXT.")
    if not all(ok):
        times, names, chunks = _fold(ok, times, names, lines, chunks)
    return _build(path, times, names, chunks, notes)


def _fold(ok: list[bool], times: list[str], names: list[str | None], lines: list[str],
          chunks: list[str]) -> tuple[list[str], list[str | None], list[str]]:
    """Put header-like lines that are not real headers back into the text of the message before them."""
    kt: list[str] = []
    kn: list[str | None] = []
    kc: list[str] = [chunks[0]]
    for good, t, n, line, after in zip(ok, times, names, lines, chunks[1:]):
        if good:
            kt.append(t)
            kn.append(n)
            kc.append(after)
        else:
            kc[-1] = kc[-1] + line + after
    return kt, kn, kc


def _chat_columns(chunks: list[str], bodies: list[str], default: str) -> tuple[list[str], list[str]]:
    """Chat name and folder of every message: those of the last ``消息对象`` block before it.

    A block inside a message's chunk also ends that message's text, so ``bodies`` is trimmed in place.
    """
    n = len(bodies)
    switches: list[tuple[int, str, str]] = [(0, default, "")]
    for j in [j for j, c in enumerate(chunks) if "消息对象" in c]:
        found = list(SECTION.finditer(chunks[j]))
        if not found:
            continue
        if j > 0:
            bodies[j - 1] = chunks[j][: found[0].start()].strip("\n").rstrip()
        switches.append((j, found[-1]["chat"].strip() or default, found[-1]["folder"].strip()))
    chats: list[str] = []
    folders: list[str] = []
    for (_, chat, folder), (end, _, _) in zip(switches, switches[1:] + [(n, "", "")]):
        count = max(0, min(end, n) - len(chats))
        chats.extend([chat] * count)
        folders.extend([folder] * count)
    return chats, folders


def _build(path: Path, times: list[str], names: list[str | None], chunks: list[str],
           notes: list[str]) -> ParsedExport:
    """Bodies, chats, senders and kinds as column lists; per-row Python only for chat switches and placeholders."""
    n = len(times)
    bodies = [c.strip("\n").rstrip() for c in chunks[1:]]
    chats, folders = _chat_columns(chunks, bodies, Path(path).stem or "QQ")
    people = {raw: split_sender(raw or "") for raw in set(names)}
    who = list(map(people.__getitem__, names))
    kinds = ["text"] * n
    for i in [i for i, b in enumerate(bodies) if "[" in b or "撤回" in b]:
        kinds[i], bodies[i] = classify(bodies[i])
    senders = [w[0] for w in who]
    ids = [w[1] for w in who]
    has_id = [w[2] for w in who]
    for i in [i for i, w in enumerate(who) if w[1] in SYSTEM_IDS or w[0] in ("系统消息", "")]:
        kinds[i], senders[i], ids[i], has_id[i] = "system", "", "", False
    df = pd.DataFrame({"chat": chats, "folder": folders, "sender": senders, "sender_id": ids, "has_id": has_id,
                       "time": times, "kind": kinds, "text": bodies})
    return _finish_chats(df, notes)


def _visible(name: str) -> bool:
    """True when a name has a character one can see (not only spaces, zero-width joiners or other format marks)."""
    return any(unicodedata.category(ch)[0] not in "CZ" for ch in name)


def key_by_number(df: pd.DataFrame) -> tuple[list[tuple[str, str]], int]:
    """Key senders by QQ number, in place. Returns the display names no longer shown, as ``(name, "qq_name")``
    people (known names for redaction), and how many numbers appeared under more than one name.

    QQ prints a sender as the display name they had when each message was sent (a group card changes, and a sender
    QQ could not name shows as the bare number), so one person appears under several names. Every row with a number
    shows that number's latest real display name (the number itself when it never had one); two numbers whose latest
    names coincide get ``name (number)`` so that a name still means one person. Rows without a number (private chats
    print names only) keep their name, and take the number of the one sender who ever used that very name, so that
    "me" chosen by name or number covers them too.
    """
    real = df["has_id"].to_numpy(dtype=bool)
    if not real.any():
        return [], 0
    sub = df.loc[real, ["sender", "sender_id", "time"]]
    looks = {n: _visible(n) for n in sub["sender"].unique()}  # per distinct name: a handful in a million rows
    named = sub[sub["sender"].map(looks).to_numpy(dtype=bool) & (sub["sender"] != sub["sender_id"]).to_numpy()]
    latest = named.sort_values("time", kind="stable").groupby("sender_id", sort=False)["sender"].last().to_dict()
    shown = {i: str(latest.get(i, i)) for i in sub["sender_id"].unique()}
    clash = Counter(shown.values())
    shown = {i: (f"{n} ({i})" if clash[n] > 1 and n != i else n) for i, n in shown.items()}
    several = int((sub.groupby("sender_id")["sender"].nunique() > 1).sum())
    df.loc[real, "sender"] = df.loc[real, "sender_id"].map(shown)
    owners = named.groupby("sender", sort=False)["sender_id"].unique()
    unique_owner = {str(n): str(ids[0]) for n, ids in owners.items() if len(ids) == 1}
    loose = (~real & (df["sender"] != "")).to_numpy()
    if loose.any() and unique_owner:
        mapped = df.loc[loose, "sender"].map(unique_owner)
        hit = mapped.notna()
        df.loc[mapped.index[hit], "sender_id"] = mapped[hit]
    pairs = named[["sender", "sender_id"]].drop_duplicates()
    return sorted({(str(n), "qq_name") for n, i in zip(pairs["sender"], pairs["sender_id"]) if shown[i] != n}), several


def _finish_chats(df: pd.DataFrame, notes: list[str]) -> ParsedExport:
    """Decide is_group per chat and rank the "me" candidates over the whole file."""
    grp_by_id = df.groupby("chat")["has_id"].transform("any")
    df["is_group"] = grp_by_id | df["folder"].str.contains(GROUP_FOLDER.pattern, case=False, regex=True)
    df["chat_key"] = df["chat"]
    df["is_me"] = pd.array([pd.NA] * len(df), dtype="boolean")
    df["quote"] = ""
    people, several = key_by_number(df)
    if several:
        notes.append(f"{several} QQ number(s) appeared under more than one display name; each number's messages are "
                     "shown under its latest name.")
    me_candidates = rank_me(df)
    df = df.drop(columns=["folder", "has_id"])
    n_chats = df["chat"].nunique()
    if n_chats > 1:
        notes.append(f"{n_chats} chats in this file.")
    return ParsedExport(messages=df, format="qq_txt", me_candidates=me_candidates, notes=notes, people=people)


def rank_me(df: pd.DataFrame) -> list[str]:
    """Likeliest "me" first: appears in the most chats, then is the non-contact side of private chats, then volume.

    People are counted by ``sender_id`` where there is one (a QQ number, a Telegram user id), so a person who
    changed their name counts once; each is offered under the name of their latest message.
    """
    people = df.loc[df["sender"] != "", ["sender", "sender_id", "chat", "is_group", "time"]]
    if people.empty:
        return []
    key = people["sender_id"].where(people["sender_id"] != "", people["sender"])
    people = people.assign(key=key)
    chats_per = people.groupby("key")["chat"].nunique()
    private = people[~people["is_group"] & (people["sender"] != people["chat"])]
    private_votes: Counter[str] = Counter(private.groupby("key")["chat"].nunique().to_dict())
    freq = people["key"].value_counts()
    name = people.sort_values("time", kind="stable").groupby("key")["sender"].last()
    ranked = sorted(freq.index, key=lambda k: (-chats_per[k], -private_votes[k], -freq[k], str(name[k])))
    return list(dict.fromkeys(str(name[k]) for k in ranked))


register(Importer(name="qq_txt", label="QQ · message manager TXT", sniff=sniff, parse=parse))
