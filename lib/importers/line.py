"""LINE "Export chat history" TXT (phones and desktop; English, Japanese, Chinese, Thai and Korean layouts).

LINE publishes no spec; the layout is described in docs/formats/line.md (from public parsers and sample exports).
A file is a ``[LINE] ...`` title, a "Saved on" line, then per day a date line followed by ``time<TAB>sender<TAB>text``
lines. A message with line breaks is written in double quotes (``""`` for a literal quote), so a quoted body can hold
blank lines, date-like lines and even message-like lines. Date lines and message lines are found with one
``re.finditer`` over the whole text; a Python loop then runs once per message (not per character) to join quoted
bodies and assign days, and only unusual rows (placeholders, calls, unsent notices) get more work.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd

from lib.importers import limits, register
from lib.importers.base import BadInputError, Importer, ParsedExport

_HS = r"[^\S\n]"
# A clock as LINE writes it: 24-hour, or with a Chinese/Japanese/Korean prefix or an English suffix for 12-hour.
CLOCK = (r"(?:(?:上午|下午|午前|午後|오전|오후)" + _HS + r"?)?\d{1,2}:\d{2}"
         r"(?:" + _HS + r"?(?:[AaPp]\.?[Mm]\.?|น\.))?")
_MONTHS_EN = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS_TH = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม", "กันยายน",
              "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
_MONTHS_TH_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
TH_MONTH: dict[str, int] = {**{m: i + 1 for i, m in enumerate(_MONTHS_TH)},
                            **{m: i + 1 for i, m in enumerate(_MONTHS_TH_SHORT)}, "กรกฏาคม": 7}
_TH_MONTH_RE = "|".join(re.escape(m) for m in sorted(TH_MONTH, key=len, reverse=True))
# Day lines, one alternative per layout (docs/formats/line.md §2). ``\d`` also matches Thai digits, which int() reads.
DATE_LINE = (
    r"(?P<ymd>(?P<y1>\d{4})[./](?P<m1>\d{1,2})[./](?P<d1>\d{1,2})(?:" + _HS + r"*[(（]?[^\d\n]{0,12}[)）]?)?)"
    r"|(?P<cjk>(?P<y2>\d{4})" + _HS + r"?[年년]" + _HS + r"?(?P<m2>\d{1,2})" + _HS + r"?[月월]" + _HS
    + r"?(?P<d2>\d{1,2})" + _HS + r"?[日일](?:" + _HS + r"*[(（]?[^\d\n]{0,12}[)）]?)?)"
    r"|(?P<slash>(?:(?P<wd3>[^\W\d_]{2,12})\.?," + _HS + r"*)?(?P<a3>\d{1,2})/(?P<b3>\d{1,2})/(?P<y3>\d{4})"
    r"(?:" + _HS + r"*(?:BE|B\.E\.|พ\.ศ\.))?)"
    r"|(?P<named>(?:[A-Za-z]{3,9}\.?," + _HS + r"+)?(?P<mon4>[A-Za-z]{3,9})\.?" + _HS + r"+(?P<d4>\d{1,2}),?"
    + _HS + r"+(?P<y4>\d{4}))"
    r"|(?P<thai>(?:วัน\S{2,12}?(?:ที่)?" + _HS + r"*)?(?P<d5>\d{1,2})" + _HS + r"*(?P<mon5>" + _TH_MONTH_RE + r")"
    + _HS + r"*(?:พ\.ศ\." + _HS + r"*)?(?P<y5>\d{4}))"
)
# One pattern over the whole text: a day line, or a message line in the TAB layout or the "$" layout (fixture §4).
SCAN_TAB = re.compile(
    r"^(?:(?P<date>" + DATE_LINE + r")" + _HS + r"*$"
    r"|(?P<clock>" + CLOCK + r")\t(?:(?P<sender>[^\t\n]*)\t)?(?P<text>[^\n]*)$)",
    re.M,
)
SCAN_DOLLAR = re.compile(
    r"^(?:(?P<date>" + DATE_LINE + r")" + _HS + r"*$"
    r"|(?P<clock>" + CLOCK + r")\$(?:(?P<sender>[^$\t\n]*)[$\t])?(?P<text>[^\n]*)$)",
    re.M,
)
TAB_LINE = re.compile(r"^" + CLOCK + r"\t", re.M)
DOLLAR_LINE = re.compile(r"^" + CLOCK + r"\$[^$\t\n]*[$\t]", re.M)
TITLE = re.compile(r"\A[\ufeff\s]*\[LINE\][^\S\n]*(?P<title>[^\n]*)")
# Chat name and private/group from the title, per language (docs §1). Group forms name the group, private forms the
# other person; the order matters (the private form is the longer match).
TITLES: tuple[tuple[re.Pattern[str], bool], ...] = tuple((re.compile(p), g) for p, g in (
    (r"^Chat history with (?P<n>.+)$", False), (r"^Chat history in (?P<n>.+)$", True),
    (r"^(?P<n>.+)とのトーク履歴$", False), (r"^(?P<n>.+)のトーク履歴$", True),
    (r"^与(?P<n>.+)的聊天记录$", False), (r"^(?P<n>.+)的聊天记录$", True),
    (r"^與(?P<n>.+)的聊天記錄$", False), (r"^(?P<n>.+)的聊天記錄$", True),
    (r"^(?:ประวัติการสนทนา|ประวัติการแชท|ประวัติแชท)กับ\s*(?P<n>.+)$", False),
    (r"^(?:ประวัติการสนทนา|ประวัติการแชท|ประวัติแชท)(?:ใน|ของ)\s*(?P<n>.+)$", True),
    (r"^(?P<n>.+?)(?:님)?과의 대화$", False), (r"^(?P<n>.+?)(?:님)?와의 대화$", False),
))

# Whole-message placeholders -> kind (docs §3). Lower-cased, brackets included.
PLACEHOLDERS: dict[str, str] = {}
for _kind, _words in (
    ("image", ("[photo]", "[photos]", "[image]", "[照片]", "[相片]", "[图片]", "[圖片]", "[写真]", "[画像]", "[รูป]",
               "[รูปภาพ]", "[ภาพ]", "[사진]")),
    ("sticker", ("[sticker]", "[貼圖]", "[贴图]", "[表情贴]", "[スタンプ]", "[สติกเกอร์]", "[스티커]", "[이모티콘]")),
    ("video", ("[video]", "[影片]", "[视频]", "[視訊]", "[動画]", "[วิดีโอ]", "[동영상]")),
    ("file", ("[file]", "[檔案]", "[文件]", "[ファイル]", "[ไฟล์]", "[파일]")),
    ("voice", ("[voice message]", "[audio]", "[語音訊息]", "[语音信息]", "[语音消息]", "[ボイスメッセージ]",
               "[ข้อความเสียง]", "[음성메시지]", "[음성 메시지]")),
    ("location", ("[location]", "[位置]", "[位置資訊]", "[位置信息]", "[位置情報]", "[ตำแหน่ง]",
                  "[ตำแหน่งที่ตั้ง]", "[위치정보]", "[위치 정보]")),
    ("other", ("[contact]", "[聯絡資訊]", "[联系人]", "[連絡先]", "[ผู้ติดต่อ]", "[연락처]", "[poll]", "[投票]",
               "[โพล]", "[โหวต]", "[투표]", "[notes]", "[note]", "[記事本]", "[记事本]", "[ノート]", "[โน้ต]", "[노트]",
               "[album]", "[相簿]", "[相册]", "[アルバム]", "[อัลบั้ม]", "[앨범]", "[gift]", "[禮物]", "[礼物]",
               "[プレゼント]", "[ของขวัญ]", "[선물]", "[event]", "[活動]", "[イベント]", "[กิจกรรม]")),
):
    PLACEHOLDERS.update(dict.fromkeys(_words, _kind))
PLACEHOLDER_PREFIX = re.compile(r"^\[[^\]\n]{1,24}\]")
# "X unsent a message." and its translations; LINE writes them with an empty sender (docs §3).
UNSENT = re.compile(
    r"unsent a message|^message unsent\.?$|收回訊息|收回了訊息|撤回了一条消息|撤回了消息|送信を取り消しました"
    r"|ยกเลิกการส่งข้อความ|메시지 전송을 취소했습니다|메시지를 취소했습니다", re.I)
CALL_MARK = ("☎", "📞", "📹")
_MARK_START = frozenset(("[", *CALL_MARK))
# Senders-less lines that say the chat is a group (joined, left, invited, announcements, albums).
GROUP_NOTICE = re.compile(
    r"joined the group|left the group|added .+ to the group|invited|made an announcement|changed the group"
    r"|加入群組|離開群組|已加入该群|已退群|邀請|邀请|グループに参加|グループを退会|招待|アナウンス"
    r"|เข้าร่วมกลุ่ม|ออกจากกลุ่ม|เชิญ|ประกาศ|초대|나갔습니다|들어왔습니다", re.I)
QUOTED = re.compile(r'"((?:[^"]|"")*)"[^\S\n]*(?=\n|\Z)')


# Header lines of WhatsApp and QQ exports (date, then a clock), counted so that LINE/Kakao lines quoted inside
# such a chat do not claim the file.
_OTHER_HEADER = re.compile(r"^\[?\d{1,4}[-/.][^\S\n]?\d{1,2}[-/.][^\S\n]?\d{1,4},?[^\S\n]+[^\n]{0,8}?\d{1,2}[:.]\d{2}",
                           re.M)


def sniff(head: str, name: str) -> float:
    """Certain on the ``[LINE]`` title; confident on ``time<TAB>sender<TAB>`` lines under LINE day lines."""
    if TITLE.match(head):
        return 0.98
    tabs = len(TAB_LINE.findall(head))
    dollars = len(DOLLAR_LINE.findall(head)) if not tabs else 0
    msgs = tabs or dollars
    if msgs < 2:
        return 0.0
    scan = SCAN_TAB if tabs else SCAN_DOLLAR
    days = sum(1 for m in scan.finditer(head) if m["date"])
    if not days:
        return 0.0
    others = len(_OTHER_HEADER.findall(head))
    return 0.97 if msgs >= others else 0.0


def _year(y: int) -> int:
    """Thai exports count years in the Buddhist era (Gregorian + 543)."""
    return y - 543 if y >= 2400 else y


def _month_en(word: str) -> int:
    key = word[:3].lower()
    return _MONTHS_EN.index(key) + 1 if key in _MONTHS_EN else 0


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DayParts = tuple[str, int, int, int, int]  # layout, a, b, year, English weekday (0-6) or -1


def _day_parts(m: re.Match[str]) -> DayParts:
    """``(layout, a, b, year, weekday)`` of a day line; for "slash" a/b are still in unknown order."""
    if m["ymd"]:
        return "ymd", int(m["m1"]), int(m["d1"]), _year(int(m["y1"])), -1
    if m["cjk"]:
        return "ymd", int(m["m2"]), int(m["d2"]), _year(int(m["y2"])), -1
    if m["slash"]:
        wd = (m["wd3"] or "")[:3].lower()
        return "slash", int(m["a3"]), int(m["b3"]), _year(int(m["y3"])), \
            _WEEKDAYS.index(wd) if wd in _WEEKDAYS else -1
    if m["named"]:
        return "ymd", _month_en(m["mon4"]), int(m["d4"]), _year(int(m["y4"])), -1
    return "ymd", TH_MONTH.get(m["mon5"], 0), int(m["d5"]), _year(int(m["y5"])), -1


def _slash_order(days: list[DayParts]) -> str:
    """Day-first or month-first for ``a/b/yyyy`` day lines: from numbers above 12, else from the weekday names the
    lines carry, else from which order runs forward in fewer, smaller steps (day lines follow each other)."""
    if any(p[1] > 12 for p in days):
        return "dmy"
    if any(p[2] > 12 for p in days):
        return "mdy"

    def as_dates(order: str) -> list[date | None]:
        out: list[date | None] = []
        for _, a, b, y, _ in days:
            try:
                out.append(date(y, a, b) if order == "mdy" else date(y, b, a))
            except ValueError:
                out.append(None)
        return out

    def cost(order: str) -> tuple[int, int, int]:
        ds = as_dates(order)
        wrong_day = sum(1 for d, p in zip(ds, days) if p[4] >= 0 and (d is None or d.weekday() != p[4]))
        steps = [(d2 - d1).days for d1, d2 in zip(ds, ds[1:]) if d1 and d2]
        return wrong_day, sum(1 for s in steps if s < 0), sum(abs(s) for s in steps)
    return "dmy" if cost("dmy") < cost("mdy") else "mdy"


def _iso_day(month: int, day: int, year: int) -> str:
    try:
        return date(year, month, day).isoformat() + "T"
    except ValueError:
        return ""


def clock_table(clocks: set[str]) -> dict[str, str]:
    """``{clock as written: "HH:MM:00"}``; "" for impossible clocks. Run over the few distinct clocks only."""
    out: dict[str, str] = {}
    for c in clocks:
        h, mi = (int(v) for v in re.findall(r"\d+", c)[:2])
        low = c.lower()
        pm = any(p in c for p in ("下午", "午後", "오후")) or "p" in low
        am = any(p in c for p in ("上午", "午前", "오전")) or ("a" in low and "m" in low)
        if pm or am:
            h = 99 if h > 12 or h == 0 and pm else h % 12 + (12 if pm else 0)
        out[c] = f"{h:02d}:{mi:02d}:00" if h <= 23 and mi <= 59 else ""
    return out


def _quoted_end(text: str, start: int, limit: int) -> tuple[str, int] | None:
    """``(text, end)`` of a quoted body starting at ``start`` (``""`` -> ``"``), or None when it is not one.

    The closing quote must end a line, and a quoted body on one line counts only when it holds an escaped quote:
    LINE quotes multi-line messages, and a message that merely starts and ends with a quote mark keeps its marks.
    """
    qm = QUOTED.match(text, start, min(len(text), start + limit))
    if qm is None or (qm.end() < len(text) and text[qm.end()] != "\n"):
        return None
    inner = qm.group(1)
    if "\n" not in inner and '""' not in inner:
        return None
    return inner.replace('""', '"'), qm.end()


def parse(path: Path, text: str | None) -> ParsedExport:
    """Parse a LINE TXT export into one chat."""
    if text is None:
        raise BadInputError("LINE TXT needs the text of the file.")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.lstrip("\ufeff")
    title = TITLE.match(text)
    scan = SCAN_TAB if TAB_LINE.search(text) or not DOLLAR_LINE.search(text) else SCAN_DOLLAR
    matches = list(scan.finditer(text))
    if not any(m["clock"] for m in matches):
        raise BadInputError("no LINE messages found (lines like '21:05<TAB>Name<TAB>text' under a date line). "
                            "Export the chat again from LINE (chat menu > Settings > Export chat history).")
    notes: list[str] = []
    if scan is SCAN_DOLLAR:
        notes.append("This file separates fields with '$' instead of TABs (an edited export); read it that way.")
    rows = _messages(text, matches, notes)
    return _build(path, title["title"].strip() if title else "", rows, notes)


def _messages(text: str, matches: list[re.Match[str]], notes: list[str]) -> dict[str, list]:
    """One pass over the day and message lines: join quoted bodies, carry the day, collect column lists."""
    n = len(matches)
    starts = [m.start() for m in matches]
    ends = starts[1:] + [len(text)]
    day_parts: list[DayParts] = []
    cols: dict[str, list] = {"day": [], "clock": [], "sender": [], "text": []}
    current: int | None = None  # index into day_parts of the day in force
    undated = 0
    limit = limits.current().message_chars  # a longer quoted body is taken as never closed
    i = 0
    while i < n:
        m = matches[i]
        if m["date"]:
            day_parts.append(_day_parts(m))
            current = len(day_parts) - 1
            i += 1
            continue
        body = None
        nxt = i + 1
        if m["text"].startswith('"'):
            quoted = _quoted_end(text, m.start("text"), limit)
            if quoted is not None:
                k = bisect_left(starts, quoted[1], i + 1)  # skip day- or message-like lines inside the quotes
                if not text[quoted[1]:starts[k] if k < n else len(text)].strip():  # nothing but blank lines after
                    body, nxt = quoted[0], k
        if body is None:
            body = m["text"] + text[m.end():ends[i]]
        i = nxt
        if current is None:
            undated += 1
            continue
        cols["day"].append(current)
        cols["clock"].append(m["clock"])
        cols["sender"].append((m["sender"] or "").strip())
        cols["text"].append(body.rstrip())
    if undated:
        notes.append(f"{undated} messages before the first date line had no date and were left out.")
    if not cols["day"]:
        raise BadInputError("no LINE message has a date line above it (like '2024.05.01 Wednesday' or "
                            "'Wed, 5/1/2024'). Export the chat again from LINE and import the file unchanged.")
    cols["days_table"] = _day_table(day_parts)
    return cols


def _day_table(day_parts: list[DayParts]) -> list[str]:
    """``"YYYY-MM-DDT"`` per day line, the ``a/b/yyyy`` order decided once for the file."""
    slash = [p for p in day_parts if p[0] == "slash"]
    order = _slash_order(slash) if slash else "mdy"
    out: list[str] = []
    for kind, a, b, y, _ in day_parts:
        if kind == "slash":
            month, day = (a, b) if order == "mdy" else (b, a)
        else:
            month, day = a, b
        out.append(_iso_day(month, day, y))
    return out


def classify(sender: str, body: str) -> tuple[str, str, bool]:
    """``(kind, text, is_notice)`` of one message; notices (unsent, joins) lose their sender."""
    s = body.strip()
    if not s:
        return "text", body, False
    first = s[:1]
    if first == "[":
        low = s.lower()
        if low in PLACEHOLDERS:
            return PLACEHOLDERS[low], "", False
        pm = PLACEHOLDER_PREFIX.match(low)
        if pm and PLACEHOLDERS.get(pm.group(0)) in ("file", "location") and "\n" not in s:
            return PLACEHOLDERS[pm.group(0)], s[pm.end():].strip(), False  # "[File] report.pdf", "[Location] Cafe"
    if s.startswith(CALL_MARK):
        return "call", s.lstrip("".join(CALL_MARK)).strip(), False
    if len(s) < 120 and "\n" not in s and UNSENT.search(s):
        return "system", s, True
    if not sender:
        return "system", s, True
    return "text", body, False


def _build(path: Path, title: str, cols: dict[str, list], notes: list[str]) -> ParsedExport:
    """Times, kinds and the chat's name; only rows that may be markers (no sender, a leading "[" or call mark, an
    unsent phrase) go through :func:`classify`."""
    days = cols["days_table"]
    hours = clock_table(set(cols["clock"]))
    times = [days[d] + hours[c] for d, c in zip(cols["day"], cols["clock"])]
    senders: list[str] = cols["sender"]
    texts: list[str] = cols["text"]
    n = len(times)
    kinds = ["text"] * n
    odd = [i for i, (s, t) in enumerate(zip(senders, texts))
           if not s or t[:1] in _MARK_START or (len(t) < 120 and ("nsent" in t or _has_unsent(t)))]
    for i in odd:
        kinds[i], texts[i], notice = classify(senders[i], texts[i])
        if notice:
            senders[i] = ""
    keep = [len(t) == 19 for t in times]
    bad = keep.count(False)
    if bad:
        notes.append(f"{bad} messages had an impossible date or time and were left out.")
        times, senders, texts, kinds = ([v for v, k in zip(col, keep) if k] for col in (times, senders, texts, kinds))
        if not times:
            raise BadInputError("no LINE message has a valid date and time; export the chat again from LINE.")
    chat, is_group, ranked = _chat_facts(path, title, senders, texts, kinds)
    df = pd.DataFrame({"sender": senders, "kind": kinds, "text": texts, "time": times})
    df["sender_id"] = df["sender"]
    df["chat"] = chat
    df["chat_key"] = chat
    df["is_group"] = is_group
    df["is_me"] = pd.array([pd.NA] * len(df), dtype="boolean")
    df["quote"] = ""
    return ParsedExport(messages=df, format="line_txt", me_candidates=ranked, notes=notes)


_UNSENT_WORDS = ("收回", "撤回", "取り消し", "ยกเลิกการส่ง", "취소했습니다")


def _has_unsent(t: str) -> bool:
    return any(w in t for w in _UNSENT_WORDS)


def _chat_facts(path: Path, title: str, senders: list[str], texts: list[str],
                kinds: list[str]) -> tuple[str, bool, list[str]]:
    """Chat name (from the title, else the file name), group or not, and "me" candidates by message count.

    In a private chat the title names the other person, so that person goes last among the candidates.
    """
    authors = Counter(s for s in senders if s)
    name, group_form = "", False
    for pattern, is_group in TITLES:
        tm = pattern.match(title)
        if tm:
            name, group_form = tm["n"].strip(), is_group
            break
    if not name:
        name = title or Path(path).stem or "LINE chat"
    notices = any(k == "system" and GROUP_NOTICE.search(t) for k, t in zip(kinds, texts))
    # A group title over exactly two people, one of them named like the chat, is a private chat after all.
    is_group = len(authors) > 2 or notices or (group_form and not (len(authors) == 2 and name in authors))
    ranked = [a for a, _ in authors.most_common()]
    if name in ranked and len(ranked) == 2:
        ranked.remove(name)
        ranked.append(name)
    return name, bool(is_group), ranked


register(Importer(name="line_txt", label="LINE · TXT export", sniff=sniff, parse=parse))
