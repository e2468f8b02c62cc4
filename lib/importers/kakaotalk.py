"""KakaoTalk exports: the CSV of KakaoTalk for Mac (``Date,User,Message``) and the TXT of Windows, Android and iOS.

Kakao publishes no spec; the layouts are described in docs/formats/kakaotalk.md (from public parsers and their
sample files). The TXT layouts differ by device and language:

- Windows: a ``--------------- 2023년 5월 1일 월요일 ---------------`` line per day, then ``[Name] [오후 3:05] text``;
- Android and iOS: one line per message carrying the whole date, ``2023년 5월 1일 오후 3:05, Name : text``
  (Android, Korean), ``2023. 5. 1. 오후 3:05, Name : text`` (iOS, Korean), ``May 1, 2023, 3:05 PM, Name : text``
  (English), ``May 1, 2023 at 3:05 PM, Name : text`` (newer English iOS).

Message lines and day lines are found with one ``re.finditer`` over the text; a message's body runs to the next one.
Placeholders (사진, 이모티콘, Photo, ...) and room notices (…님이 들어왔습니다.) become their kinds, so the twin never
learns them as text.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from lib.importers import register
from lib.importers.base import BadInputError, Importer, ParsedExport
from lib.importers.wechat_memotrace import header_columns, read_csv_frame, require_columns

CSV_COLUMNS = ("Date", "User", "Message")
_HS = r"[^\S\n]"
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
KO_CLOCK = r"(?:오전|오후)" + _HS + r"?\d{1,2}:\d{2}"
EN_CLOCK = r"\d{1,2}:\d{2}(?:[\s\u202f\u00a0]?[AaPp]\.?[Mm]\.?)?"
CLOCK = r"(?:" + KO_CLOCK + r"|" + EN_CLOCK + r")"
KO_DATE = r"\d{4}년" + _HS + r"?\d{1,2}월" + _HS + r"?\d{1,2}일"
DOT_DATE = r"\d{4}\." + _HS + r"?\d{1,2}\." + _HS + r"?\d{1,2}\.?"
EN_DATE = r"[A-Z][a-z]{2,8}\.?" + _HS + r"\d{1,2}," + _HS + r"\d{4}"
# One scan over the text (docs §2): a Windows day line, a Windows message, or a phone message / notice line.
SCAN = re.compile(
    r"^(?:-{5,}" + _HS + r"*(?P<day>[^\n]*?)" + _HS + r"*-{5,}" + _HS + r"*$"
    r"|\[(?P<pname>[^\n]*?)\]" + _HS + r"\[(?:(?P<pdate>" + DOT_DATE + r"|" + KO_DATE + r")" + _HS + r")?"
    r"(?P<pclock>" + CLOCK + r")\]" + _HS + r"?(?P<ptext>[^\n]*)$"
    r"|(?P<mdate>" + KO_DATE + r"|" + DOT_DATE + r"|" + EN_DATE + r"),?" + _HS + r"(?:at" + _HS + r")?"
    r"(?P<mclock>" + CLOCK + r")(?:,?" + _HS + r"(?!-" + _HS + r")(?P<mname>[^\n]+?)" + _HS + r":" + _HS
    + r"?(?P<mtext>[^\n]*)"
    r"|:" + _HS + r"(?P<notice>[^\n]*)|" + _HS + r"*)$)",
    re.M,
)
TITLE = re.compile(
    r"\A[\ufeff\s]*(?:(?P<ko>[^\n]+?)" + _HS + r"*님과(?:의)?" + _HS + r"*카카오톡" + _HS + r"*대화"
    r"|(?P<ko2>[^\n]+?)" + _HS + r"+\d+" + _HS + r"*카카오톡" + _HS + r"*대화"
    r"|KakaoTalk Chats with" + _HS + r"+(?P<en>[^\n]+?)|(?P<en2>[^\n]+?)" + _HS + r"+(?:with" + _HS + r"+)?"
    r"(?:KakaoTalk|Talk) Chats)" + _HS + r"*$",
    re.M,
)
SAVED = re.compile(r"^(?:저장한 날짜|Date Saved|Saved Date)" + _HS + r"*:", re.M)
KO_DAY = re.compile(r"(\d{4})년\s*(\d{1,2})월\s*(\d{1,2})일")
DOT_DAY = re.compile(r"(\d{4})\.\s*(\d{1,2})\.\s*(\d{1,2})")
EN_DAY = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),\s*(\d{4})")

# Whole-message placeholders (lower-cased) -> kind (docs §3).
PLACEHOLDERS: dict[str, str] = {}
for _kind, _words in (
    ("image", ("사진", "photo", "photos", "image", "사진 묶음")),
    ("sticker", ("이모티콘", "emoticon", "emoticons", "sticker", "(이모티콘)", "애니티콘")),
    ("video", ("동영상", "video", "videos")),
    ("voice", ("음성메시지", "음성 메시지", "voice message", "voice note", "audio")),
    ("file", ("파일", "file")),
    ("location", ("지도", "위치", "location", "map")),
    ("other", ("연락처", "contact", "선물", "gift", "송금", "투표", "poll", "일정", "schedule")),
    ("system", ("삭제된 메시지입니다.", "메시지가 삭제되었습니다.", "this message has been deleted.",
                "deleted message.", "message deleted.", "관리자가 메시지를 가렸습니다.",
                "채팅방 관리자가 메시지를 가렸습니다.")),
):
    PLACEHOLDERS.update(dict.fromkeys(_words, _kind))
PHOTO_BUNDLE = re.compile(r"^(?:사진" + _HS + r"*\d+" + _HS + r"*장|\d+" + _HS + r"*photos)$", re.I)
FILE_NAMED = re.compile(r"^(?:파일|File):" + _HS + r"*(?P<f>.+)$")
LOCATION_NAMED = re.compile(r"^(?:지도|위치|Location|Map):" + _HS + r"*(?P<f>.+)$")
SHARP_SEARCH = re.compile(r"^(?:샵검색|#Search):" + _HS + r"*(?P<f>.+)$")
CALL = re.compile(r"^(?:보이스톡|페이스톡|그룹콜|Voice ?Talk|Face ?Talk|Voice call|Video call|Group call)\b"
                  r"|^(?:통화시간|Call duration)\b", re.I)
# Room notices (join, leave, invite, kick, managers); they lose their sender.
NOTICE = re.compile(
    r"^.{0,80}?(?:님이" + _HS + r"*(?:들어왔습니다|나갔습니다|방장이 되었습니다|부방장이 되었습니다)"
    r"|님을" + _HS + r"*(?:초대했습니다|초대하였습니다|내보냈습니다|보냈습니다)|님이" + _HS + r".+님을 초대"
    r"|관리자만 말하기 기능이|채팅방 이름을|채팅방 사진을"
    r"|joined this chatroom|(?:has )?left this chatroom|invited .{1,80} to this chatroom"
    r"|(?:was|has been) removed from this chatroom)\.?$",
    re.I,
)
ME_WORDS = ("회원님", "나", "you", "You", "Me")  # how Android and iOS exports name the exporting user
ORDER_NOTE = "{n} messages had an impossible date or time and were left out."


# ---------------------------------------------------------------------------------------------------------------- kinds


def classify(text: str) -> tuple[str, str, bool]:
    """``(kind, description, is_room_notice)`` of one message body."""
    s = text.strip()
    low = s.lower()
    if low in PLACEHOLDERS:
        kind = PLACEHOLDERS[low]
        return kind, (s if kind == "system" else ""), False
    if "\n" in s:
        return "text", text, False
    if PHOTO_BUNDLE.match(s):
        return "image", s, False
    for pattern, kind in ((FILE_NAMED, "file"), (LOCATION_NAMED, "location"), (SHARP_SEARCH, "link")):
        m = pattern.match(s)
        if m:
            return kind, m["f"].strip(), False
    if CALL.match(s):
        return "call", s, False
    if NOTICE.match(s):
        return "system", s, True
    return "text", text, False


_LOOK = re.compile(
    r"^(?:사진|이모티콘|애니티콘|동영상|음성|파일|지도|위치|연락처|선물|송금|투표|일정|삭제된|메시지가|관리자|채팅방|샵검색|보이스톡|"
    r"페이스톡|그룹콜|통화시간|\(이모티콘\)|\d+\s*photos)|^(?:photo|image|emoticon|sticker|video|voice|audio|file|"
    r"location|map|contact|gift|poll|schedule|this message|deleted|message deleted|#search|face|call)"
    r"|(?:들어왔습니다|나갔습니다|초대했습니다|초대하였습니다|보냈습니다|되었습니다|chatroom)\.?$|기능이|채팅방",
    re.I,
)


def _classify_column(texts: list[str], senders: list[str]) -> list[str]:
    """Kinds for every row, editing ``texts``/``senders`` in place; only rows that look like a marker are looked at."""
    kinds = ["text"] * len(texts)
    for i, t in enumerate(texts):
        if len(t) < 200 and _LOOK.search(t.strip()):
            kinds[i], texts[i], notice = classify(t)
            if notice:
                senders[i] = ""
    return kinds


def _rank(senders: list[str], chat: str) -> list[str]:
    """Likeliest "me" first: the phone's own label (회원님, you), else by message count, the chat's namesake last."""
    counts = Counter(s for s in senders if s)
    ranked = [a for a, _ in counts.most_common()]
    own = [w for w in ME_WORDS if w in counts]
    ranked = own[:1] + [a for a in ranked if a not in own[:1]]
    if chat in ranked and len(ranked) == 2 and ranked[-1] != chat:
        ranked.remove(chat)
        ranked.append(chat)
    return ranked


def _frame(chat: str, is_group: bool, senders: list[str], kinds: list[str], texts: list[str],
           times: list[str] | pd.Series) -> pd.DataFrame:
    df = pd.DataFrame({"sender": senders, "kind": kinds, "text": texts, "time": times})
    df["sender_id"] = df["sender"]
    df["chat"] = chat
    df["chat_key"] = chat
    df["is_group"] = is_group
    df["is_me"] = pd.array([pd.NA] * len(df), dtype="boolean")
    df["quote"] = ""
    return df


# ----------------------------------------------------------------------------------------------------------------- CSV


def sniff_csv(head: str, name: str) -> float:
    """The exact ``Date,User,Message`` header of KakaoTalk for Mac."""
    cols = header_columns(head)
    if tuple(cols) == CSV_COLUMNS:
        return 0.95
    if len(cols) >= 3 and tuple(cols[:3]) == CSV_COLUMNS:
        return 0.9
    return 0.0


_CSV_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?$")


def parse_csv(path: Path, text: str | None) -> ParsedExport:
    """Parse a KakaoTalk for Mac CSV (one chat per file)."""
    df, notes = read_csv_frame(path, "KakaoTalk CSV")
    require_columns(df, CSV_COLUMNS, "KakaoTalk CSV", "save the chat again from KakaoTalk (Save chat > CSV).")
    raw = df["Date"].astype(str).str.strip()
    ok = raw.str.match(_CSV_TIME.pattern).to_numpy(dtype=bool, na_value=False)
    times = raw.str.replace(" ", "T", n=1)
    times = times.where(times.str.len() != 16, times + ":00")
    valid = ok & _real_dates(times)
    bad = int((~valid).sum())
    if bad:
        notes.append(ORDER_NOTE.format(n=bad))
    if not valid.any():
        raise BadInputError("no KakaoTalk message has a date like '2024-06-01 10:00:00' in the Date column; save "
                            "the chat again from KakaoTalk for Mac and import the CSV unchanged.")
    keep = np.flatnonzero(valid)
    senders = df["User"].astype(str).str.strip().to_numpy(dtype=object)[keep].tolist()
    texts = df["Message"].astype(str).to_numpy(dtype=object)[keep].tolist()
    kinds = _classify_column(texts, senders)
    chat = _csv_chat_name(path)
    people = {s for s in senders if s}
    is_group = len(people) > 2 or any(k == "system" and s == "" for k, s in zip(kinds, senders))
    frame = _frame(chat, is_group, senders, kinds, texts, times.to_numpy(dtype=object)[keep].tolist())
    return ParsedExport(messages=frame, format="kakaotalk_csv", me_candidates=_rank(senders, chat), notes=notes)


def _real_dates(times: pd.Series) -> np.ndarray:
    """True where an ISO-looking time is a real calendar time (no 2024-02-31, no 25:00)."""
    parsed = pd.to_datetime(times, format="%Y-%m-%dT%H:%M:%S", errors="coerce")
    return parsed.notna().to_numpy()


def _csv_chat_name(path: Path) -> str:
    """KakaoTalk names its files ``KakaoTalk_Chat_<room>_<date>.csv``; the room is the readable part."""
    stem = Path(path).stem
    m = re.match(r"^KakaoTalk_?(?:Chat_|Chats_)?(?P<room>.+?)(?:_\d{4}-\d{2}-\d{2}(?:-\d{2}-\d{2}-\d{2})?)?$", stem)
    return (m["room"] if m and m["room"] else stem) or "KakaoTalk chat"


# ----------------------------------------------------------------------------------------------------------------- TXT


# Header lines of WhatsApp and QQ exports (date, then a clock), counted so that LINE/Kakao lines quoted inside
# such a chat do not claim the file.
_OTHER_HEADER = re.compile(r"^\[?\d{1,4}[-/][^\S\n]?\d{1,2}[-/][^\S\n]?\d{1,4},?[^\S\n]+\d{1,2}[:.]\d{2}", re.M)


def sniff_txt(head: str, name: str) -> float:
    """Certain on Kakao's title line; confident when Kakao message lines outnumber other apps' headers."""
    lines = [m for m in SCAN.finditer(head) if m["pclock"] or m["mname"] is not None]
    days = sum(1 for m in SCAN.finditer(head) if m["day"] is not None and _day_iso(m["day"]))
    title = TITLE.match(head)
    if title and (SAVED.search(head, 0, 2000) or lines):
        return 0.98
    if not lines:
        return 0.0
    pc = sum(1 for m in lines if m["pclock"])
    if pc and not days:
        return 0.0  # "[Name] [time] text" without a day line is not a Kakao Windows export
    others = len(_OTHER_HEADER.findall(head))
    if len(lines) >= 2 and len(lines) >= others:
        return 0.97
    return 0.6 if len(lines) >= others else 0.0


def _day_iso(s: str) -> str:
    """``"YYYY-MM-DDT"`` of a Korean, dotted or English date, else ""."""
    m = KO_DAY.search(s) or DOT_DAY.search(s)
    if m:
        y, mo, d = (int(v) for v in m.groups())
    else:
        m = EN_DAY.search(s)
        if not m or m[1][:3].lower() not in _MONTHS:
            return ""
        y, mo, d = int(m[3]), _MONTHS.index(m[1][:3].lower()) + 1, int(m[2])
    try:
        return date(y, mo, d).isoformat() + "T"
    except ValueError:
        return ""


def _clock_iso(c: str) -> str:
    """``"HH:MM:00"`` of 오전/오후, AM/PM and 24-hour clocks; "" when impossible."""
    h, mi = (int(v) for v in re.findall(r"\d+", c)[:2])
    pm = "오후" in c or "p" in c.lower()
    am = "오전" in c or ("a" in c.lower() and "m" in c.lower())
    if pm or am:
        h = 99 if h > 12 else h % 12 + (12 if pm else 0)
    return f"{h:02d}:{mi:02d}:00" if h <= 23 and mi <= 59 else ""


def parse_txt(path: Path, text: str | None) -> ParsedExport:
    """Parse a KakaoTalk TXT export (Windows, Android or iOS; Korean or English)."""
    if text is None:
        raise BadInputError("KakaoTalk TXT needs the text of the file.")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.lstrip("\ufeff")
    matches = list(SCAN.finditer(text))
    if not any(m["pclock"] or m["mname"] is not None or m["notice"] is not None for m in matches):
        raise BadInputError("no KakaoTalk messages found (lines like '[Name] [오후 3:05] text' or "
                            "'2023년 5월 1일 오후 3:05, Name : text'). Export the chat again from KakaoTalk "
                            "(chat room > Settings > Export chat) and import the .txt unchanged.")
    notes: list[str] = []
    times, senders, texts = _rows(text, matches, notes)
    kinds = _classify_column(texts, senders)
    for i, t in enumerate(times):
        if senders[i] == "" and kinds[i] == "text":
            kinds[i] = "system"
    keep = [len(t) == 19 for t in times]
    if not all(keep):
        notes.append(ORDER_NOTE.format(n=keep.count(False)))
        times, senders, texts, kinds = ([v for v, k in zip(col, keep) if k] for col in (times, senders, texts, kinds))
    if not times:
        raise BadInputError("no KakaoTalk message has a valid date; export the chat again from KakaoTalk.")
    title = TITLE.match(text)
    chat = _title_name(title) or Path(path).stem or "KakaoTalk chat"
    people = {s for s in senders if s}
    is_group = len(people) > 2 or any(k == "system" and not s for k, s in zip(kinds, senders))
    frame = _frame(chat, is_group, senders, kinds, texts, times)
    return ParsedExport(messages=frame, format="kakaotalk_txt", me_candidates=_rank(senders, chat), notes=notes)


def _title_name(title: re.Match[str] | None) -> str:
    if title is None:
        return ""
    return next((g.strip() for g in (title["ko"], title["ko2"], title["en"], title["en2"]) if g), "")


def _rows(text: str, matches: list[re.Match[str]], notes: list[str]) -> tuple[list[str], list[str], list[str]]:
    """One pass over the matched lines; a body runs to the next matched line. Windows room notices, which stand
    on their own line without a header, become system rows at the time of the message above them."""
    ends = [m.start() for m in matches[1:]] + [len(text)]
    times: list[str] = []
    senders: list[str] = []
    texts: list[str] = []
    day = ""
    days: dict[str, str] = {}
    clocks: dict[str, str] = {}
    undated = 0
    for m, end in zip(matches, ends):
        if m["day"] is not None:
            day = _cached(days, m["day"], _day_iso)
            continue
        if m["pclock"]:
            d = _cached(days, m["pdate"], _day_iso) if m["pdate"] else day
            clock, sender, body = m["pclock"], m["pname"], m["ptext"]
        elif m["mname"] is not None:
            d, clock, sender, body = _cached(days, m["mdate"], _day_iso), m["mclock"], m["mname"], m["mtext"]
        elif m["notice"] is not None:
            d, clock, sender, body = _cached(days, m["mdate"], _day_iso), m["mclock"], "", m["notice"]
        else:  # a phone export's bare "date time" separator line
            continue
        if not d:
            undated += 1
            continue
        t = d + _cached(clocks, clock, _clock_iso)
        rest = text[m.end():end]
        if rest.strip() and m["pclock"]:
            rest = _split_notices(rest, t, times, senders, texts, sender, body)
            if rest is None:
                continue
        times.append(t)
        senders.append(sender.strip())
        texts.append((body + rest).rstrip())
    if undated:
        notes.append(f"{undated} messages before the first date line had no date and were left out.")
    return times, senders, texts


def _cached(table: dict[str, str], key: str, fn) -> str:
    """``fn(key)`` computed once per distinct key (a file has few distinct days and clocks)."""
    value = table.get(key)
    if value is None:
        value = table[key] = fn(key)
    return value


def _split_notices(rest: str, t: str, times: list[str], senders: list[str], texts: list[str], sender: str,
                   body: str) -> str | None:
    """Windows exports write room notices as bare lines between messages: cut them out of the body above and add
    them as system rows after it (same minute). Returns the body's rest when it held no notice, else None."""
    lines = rest.split("\n")
    notices = [ln.strip() for ln in lines if ln.strip() and NOTICE.match(ln.strip())]
    if not notices:
        return rest
    kept = [ln for ln in lines if not (ln.strip() and NOTICE.match(ln.strip()))]
    times.append(t)
    senders.append(sender.strip())
    texts.append((body + "\n".join(kept)).rstrip())
    for line in notices:
        times.append(t)
        senders.append("")
        texts.append(line)
    return None


register(Importer(name="kakaotalk_csv", label="KakaoTalk · CSV (Mac)", sniff=sniff_csv, parse=parse_csv,
                  binary=True, reads="csv"))
register(Importer(name="kakaotalk_txt", label="KakaoTalk · TXT export", sniff=sniff_txt, parse=parse_txt))
