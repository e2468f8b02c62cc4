"""WeChat importers: MemoTrace (CSV v2, CSV 2025, TXT, training JSON) and PyWxDump/WeClone CSV.

Fixtures under tests/fixtures/wechat are invented chats written to the specs in docs/formats/memotrace.md and
docs/formats/pywxdump.md.
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.importers import KINDS, REGISTRY, BadInputError, ParsedExport, detect, parse_file

FIX = Path(__file__).parent / "fixtures" / "wechat"
V2_PRIVATE = FIX / "memotrace_v2" / "amy_utf8.csv"
V2_GROUP = FIX / "memotrace_v2" / "hiking_club_utf8.csv"
V2_TXT = FIX / "memotrace_v2" / "Amy.txt"
ZH_CSV = FIX / "memotrace2025" / "Amy(wxid_amy123)" / "Amy.csv"
TXT_2025 = FIX / "memotrace2025" / "Amy(wxid_amy123)" / "Amy.txt"
TXT_GROUP = FIX / "memotrace2025" / "hiking(34567890123@chatroom)" / "hiking.txt"
JSON_V2 = FIX / "memotrace_json" / "Amy_train.json"
JSON_2025 = FIX / "memotrace_json_2025" / "Amy.json"
JSON_ALPACA = FIX / "memotrace_json_alpaca" / "Amy.json"
PW_PAGE1 = FIX / "pywxdump" / "wxid_amy123" / "wxid_amy123_0_5000.csv"
PW_PAGE2 = FIX / "pywxdump" / "wxid_amy123" / "wxid_amy123_5000_10000.csv"
PW_GROUP = FIX / "pywxdump" / "34567890123@chatroom" / "34567890123@chatroom_0_5000.csv"
WECLONE = FIX / "weclone_excel.csv"

FIXTURES: dict[Path, str] = {
    V2_PRIVATE: "memotrace_csv", V2_GROUP: "memotrace_csv", ZH_CSV: "memotrace_csv_zh", V2_TXT: "memotrace_txt",
    TXT_2025: "memotrace_txt", TXT_GROUP: "memotrace_txt", JSON_V2: "memotrace_json", JSON_2025: "memotrace_json",
    JSON_ALPACA: "memotrace_json", PW_PAGE1: "pywxdump_csv", PW_PAGE2: "pywxdump_csv", PW_GROUP: "pywxdump_csv",
    WECLONE: "pywxdump_csv",
}
OUR_FORMATS = ("memotrace_csv", "memotrace_csv_zh", "memotrace_txt", "memotrace_json", "pywxdump_csv")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
IDS = [str(p.relative_to(FIX)) for p in FIXTURES]


def rows(path: Path, **kw) -> pd.DataFrame:
    return parse_file(path, **kw).messages


def copy_as(src: Path, dest: Path, encoding: str | None = None) -> Path:
    """Copy ``src`` to ``dest`` (same name and parent folder name), re-encoded when ``encoding`` is given."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if encoding is None:
        shutil.copyfile(src, dest)
    else:
        text = src.read_bytes().decode("utf-8-sig")
        dest.write_bytes(text.encode(encoding))
    return dest


def write_csv(path: Path, header: list[str], body: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(body)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def read_csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        data = list(csv.reader(fh))
    return data[0], data[1:]


# ---------------------------------------------------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(FIXTURES), ids=IDS)
def test_detect_by_content(path: Path) -> None:
    imp, score = detect(path)
    assert imp.name == FIXTURES[path]
    assert score >= 0.7


@pytest.mark.parametrize("path,ext", [
    (V2_PRIVATE, ".txt"), (ZH_CSV, ".json"), (V2_TXT, ".csv"), (JSON_V2, ".txt"), (PW_PAGE1, ".json"),
], ids=["v2csv-as-txt", "zhcsv-as-json", "txt-as-csv", "json-as-txt", "pywxdump-as-json"])
def test_detect_ignores_misleading_extension(path: Path, ext: str, tmp_path: Path) -> None:
    moved = copy_as(path, tmp_path / path.parent.name / (path.stem + ext))
    assert detect(moved)[0].name == FIXTURES[path]
    assert len(parse_file(moved).messages) == len(rows(path))


def test_exact_headers_score_095() -> None:
    assert REGISTRY["memotrace_csv"].sniff(V2_PRIVATE.read_text("utf-8-sig")[:500], "x.csv") == 0.95
    assert REGISTRY["memotrace_csv_zh"].sniff(ZH_CSV.read_text("utf-8-sig")[:500], "x.csv") == 0.95
    assert REGISTRY["pywxdump_csv"].sniff(PW_PAGE1.read_text("utf-8")[:500], "x.csv") == 0.95
    # WeClone re-save: other order plus is_forward
    assert REGISTRY["pywxdump_csv"].sniff(WECLONE.read_text("utf-8")[:500], "x.csv") == 0.9


QQ_TXT = """消息记录（此消息记录为文本格式，不支持重新导入）

================================================================
消息分组:我的好友
================================================================
消息对象:小红
================================================================

2016-05-20 22:33:16 小红
在干嘛[表情]

2016-05-20 22:33:40 我的昵称
刚下班
"""

QQ_GROUP_NO_HEADER = """2019-09-23 8:43:38 小明(12345678)
大家好

2019-09-23 20:43:40 【管理员】阿花<flower@example.com>
欢迎
"""


def test_txt_sniffer_leaves_qq_exports_alone() -> None:
    sniff = REGISTRY["memotrace_txt"].sniff
    assert sniff(QQ_TXT, "全部消息记录.txt") < 0.5
    assert sniff(QQ_GROUP_NO_HEADER, "qq.txt") < 0.5
    assert sniff(V2_TXT.read_text("utf-8"), "Amy.txt") >= 0.7


def test_sniffers_reject_other_formats() -> None:
    whatsapp = "2019/01/01, 11:25 - John Doe: Lorem ipsum dolor sit amet.\n"
    sharegpt = '[{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}]'
    mbti = '[{"instruction": "你好", "input": " ", "output": "嗨"}]'
    for name in OUR_FORMATS:
        for head in (whatsapp, sharegpt, mbti, "plain text\nnothing here\n"):
            assert REGISTRY[name].sniff(head, "x") < 0.5, (name, head)


# ---------------------------------------------------------------------------------------------------------------------
# Invariants over every fixture
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(FIXTURES), ids=IDS)
def test_fixture_invariants(path: Path) -> None:
    parsed = parse_file(path)
    df = parsed.messages
    assert parsed.format == FIXTURES[path]
    assert len(df) > 0
    assert set(df["kind"]) <= set(KINDS)
    assert (df["chat"] != "").all() and (df["chat_key"] != "").all()
    assert str(df["is_me"].dtype) == "boolean"
    for col in ("text", "quote"):
        for value in df[col]:
            for marker in ("<msg", "<?xml", "<sysmsg", "<appmsg", "<revokemsg", "<a href", "CDATA"):
                assert marker not in value, (col, value)
    times = df["time"]
    if FIXTURES[path] == "memotrace_json":
        assert (times == "").all()
    else:
        assert times.map(lambda t: bool(ISO.match(t))).all(), times.tolist()
    assert (df.loc[df["kind"] == "system", "sender"] == "").all()


# ---------------------------------------------------------------------------------------------------------------------
# memotrace_csv (v2)
# ---------------------------------------------------------------------------------------------------------------------


def test_v2_csv_private_fields() -> None:
    df = rows(V2_PRIVATE)
    assert len(df) == 19
    assert set(df["chat"]) == {"小美"} and set(df["chat_key"]) == {"wxid_amy123"}
    assert not df["is_group"].any()
    first = df.iloc[0]
    assert (first["sender"], first["sender_id"], bool(first["is_me"])) == ("小美", "wxid_amy123", False)
    assert first["time"] == "2024-03-01T09:15:02"  # StrTime as shown, not CreateTime in this machine's zone
    assert first["text"] == "早上好[微笑] 今天一起吃午饭吗？"
    assert df.iloc[1]["text"] == "Morning! [Smile] 好啊，12点见" and bool(df.iloc[1]["is_me"])
    assert df.iloc[2]["text"] == '那家店叫"老王面馆"，\n在公司楼下,\n\n记得带伞[捂脸]'
    assert df["kind"].tolist() == [
        "text", "text", "text", "image", "sticker", "voice", "voice", "video", "location", "text", "text", "link",
        "file", "call", "system", "system", "system", "other", "text",
    ]
    by_kind = lambda k: df.loc[df["kind"] == k, "text"].tolist()  # noqa: E731
    assert by_kind("image") == [""] and by_kind("sticker") == [""] and by_kind("video") == [""]
    assert by_kind("voice") == ["我马上到，等我[旺柴]", ""]
    assert by_kind("location") == ["人民广场"]
    assert by_kind("link") == ["10 Tips for Better Sleep | 睡眠指南"]
    assert by_kind("file") == ["Q1报告 final.pdf"]
    assert by_kind("call") == ["通话时长 00:42"]
    assert by_kind("system") == ['"小美" 撤回了一条消息', '你拍了拍 "小美"', "你撤回了一条消息"]
    assert by_kind("other") == ["小美和Leo的聊天记录"]
    quote = df.iloc[9]
    assert (quote["text"], quote["quote"]) == ("对，就是那家 [Facepalm]", '那家店叫"老王面馆"')
    assert (df.iloc[10]["text"], df.iloc[10]["quote"]) == ("这张拍得好[强]", "[图片]")
    # Plain text is never rewritten, even when it contains angle brackets.
    assert df.iloc[18]["text"] == "到了👌 see you [OK]\n<b>not a tag</b> 1<2"
    assert df.iloc[12]["time"] == "2024-03-01T09:22:00"  # empty Status is fine


def test_v2_csv_group() -> None:
    parsed = parse_file(V2_GROUP)
    df = parsed.messages
    assert df["is_group"].all()
    assert set(df["chat_key"]) == {"34567890123@chatroom"}
    assert set(df["chat"]) == {"hiking_club"}  # group name from the file name, "_utf8" dropped
    assert df["sender"].tolist() == ["", "老张", "Mia", "Leo", "老张"]  # NickName when Remark is empty
    assert df["sender_id"].tolist() == ["", "wxid_zhang01", "wxid_mia789", "wxid_leo456", "wxid_zhang01"]
    assert df.iloc[0]["kind"] == "system" and df.iloc[0]["text"] == '"老张"邀请"Mia"加入了群聊'
    assert df.iloc[3]["text"] == "我带水和\n能量棒" and bool(df.iloc[3]["is_me"])
    assert parsed.me_candidates == ["Leo"]


def test_v2_csv_group_detected_without_room_id(tmp_path: Path) -> None:
    header, body = read_csv_rows(V2_GROUP)
    for row in body:
        row[1] = "41"  # numeric TalkerId of older builds
    df = rows(write_csv(tmp_path / "hiking_utf8.csv", header, body))
    assert df["is_group"].all()  # several different sender ids on the other side


def test_v2_csv_excel_resave_gb18030_no_status(tmp_path: Path) -> None:
    header, body = read_csv_rows(V2_PRIVATE)
    status = header.index("Status")
    header = [h for i, h in enumerate(header) if i != status]
    body = [[v for i, v in enumerate(r) if i != status] for r in body]
    t = header.index("StrTime")
    for r in body:  # Excel shows "2024/3/1 9:15" and drops seconds
        dt = datetime.strptime(r[t], "%Y-%m-%d %H:%M:%S")
        r[t] = f"{dt.year}/{dt.month}/{dt.day} {dt.hour}:{dt.minute:02d}"
    path = write_csv(tmp_path / "amy.csv", header, body, encoding="gb18030")
    df = rows(path)
    assert df.iloc[0]["time"] == "2024-03-01T09:15:00"
    assert df.iloc[18]["time"] == "2024-03-01T12:01:00"
    assert df.iloc[0]["text"] == "早上好[微笑] 今天一起吃午饭吗？"


def test_v2_csv_createtime_only(tmp_path: Path) -> None:
    header, body = read_csv_rows(V2_PRIVATE)
    t, c = header.index("StrTime"), header.index("CreateTime")
    epoch_rows = [[v for i, v in enumerate(r) if i != t] for r in body]
    epoch_header = [h for i, h in enumerate(header) if i != t]
    parsed = parse_file(write_csv(tmp_path / "epoch" / "a.csv", epoch_header, epoch_rows))
    expected = datetime.fromtimestamp(int(body[0][c])).strftime("%Y-%m-%dT%H:%M:%S")
    assert parsed.messages.iloc[0]["time"] == expected
    assert any("CreateTime" in n for n in parsed.notes)
    # Excel turned CreateTime into a date: read leniently.
    for r in epoch_rows:
        r[epoch_header.index("CreateTime")] = "2024/10/4 11:42"
    df = rows(write_csv(tmp_path / "excel" / "a.csv", epoch_header, epoch_rows))
    assert set(df["time"]) == {"2024-10-04T11:42:00"}


def test_v2_csv_unreadable_time_gets_note(tmp_path: Path) -> None:
    header, body = read_csv_rows(V2_PRIVATE)
    body[0][header.index("StrTime")] = "yesterday-ish"
    body[0][header.index("CreateTime")] = "soon"
    parsed = parse_file(write_csv(tmp_path / "a.csv", header, body))
    assert parsed.messages.iloc[0]["time"] == ""
    assert parsed.messages.iloc[1]["time"] == "2024-03-01T09:16:10"
    assert any("could not be read" in n for n in parsed.notes)


@pytest.mark.parametrize("drop,fmt", [
    ("IsSender", "memotrace_csv"), ("StrContent", "memotrace_csv"), ("内容", "memotrace_csv_zh"),
    ("is_sender", "pywxdump_csv"), ("room_name", "pywxdump_csv"),
])
def test_missing_column_is_named(drop: str, fmt: str, tmp_path: Path) -> None:
    source = {"memotrace_csv": V2_PRIVATE, "memotrace_csv_zh": ZH_CSV, "pywxdump_csv": PW_PAGE1}[fmt]
    header, body = read_csv_rows(source)
    i = header.index(drop)
    path = write_csv(tmp_path / "x.csv", [h for j, h in enumerate(header) if j != i],
                     [[v for j, v in enumerate(r) if j != i] for r in body])
    assert detect(path)[0].name == fmt  # still recognised, so the user gets the useful message
    for kw in ({}, {"fmt": fmt}):
        with pytest.raises(BadInputError, match=f"missing column.*{re.escape(drop)}.*export"):
            parse_file(path, **kw)


def test_header_only_csv_is_empty_not_an_error(tmp_path: Path) -> None:
    for source in (V2_PRIVATE, ZH_CSV, PW_PAGE1):
        header, _ = read_csv_rows(source)
        parsed = parse_file(write_csv(tmp_path / source.name, header, []))
        assert len(parsed.messages) == 0


def test_csv_with_malformed_lines_keeps_the_rest(tmp_path: Path) -> None:
    good = rows(PW_PAGE1)
    lines = PW_PAGE1.read_text("utf-8").split("\n")
    # a too-long first row (pandas would otherwise make an index of it) and a too-long later row
    lines[1:1] = ["1,2,3,4,5,6,7,8,9,10,11,12"]
    at = next(i for i, line in enumerate(lines) if line.startswith("4,"))
    lines[at:at] = ["x,x,文本,0,wxid_amy123,wxid_amy123,hi,,2024-09-02 18:03:30,extra"]
    path = tmp_path / "bad_0_5000.csv"
    path.write_text("\n".join(lines), "utf-8")
    parsed = parse_file(path)
    df = parsed.messages
    assert parsed.notes
    kept = df[df["chat_key"] == "wxid_amy123"]
    assert kept["text"].tolist()[:2] == good["text"].tolist()[:2]
    assert set(good["text"]) <= set(kept["text"])


# ---------------------------------------------------------------------------------------------------------------------
# memotrace_csv_zh (2025)
# ---------------------------------------------------------------------------------------------------------------------


def test_zh_csv_fields() -> None:
    parsed = parse_file(ZH_CSV)
    df = parsed.messages
    assert df["is_me"].isna().all()
    assert parsed.me_candidates == ["Leo", "Amy"]  # Amy names the file, so Leo is likely me
    assert set(df["chat"]) == {"Amy"} and set(df["chat_key"]) == {"wxid_amy123"}
    assert df["kind"].tolist() == [
        "text", "text", "image", "sticker", "voice", "text", "file", "link", "location", "call", "system", "system",
        "other", "other", "text", "other",
    ]
    assert df["text"].tolist() == [
        "周末去爬山吗？[憨笑]", "Sure! [OK] 几点？", "", "开心", "早上八点山脚见", "八点太早了吧😂", "路线图 v2.pdf",
        "香山徒步攻略", "香山公园东门", "通话时长 01:05", '"Amy" 撤回了一条消息', '"Amy" 拍了拍我', "发起转账 ￥50.00",
        "恭喜发财，大吉大利", '记得带：\n1. 水\n2. "能量棒"\n\nsee u [Yeah!]', "",
    ]
    assert df.iloc[5]["quote"] == "早上八点山脚见"
    assert df.iloc[0]["time"] == "2024-05-18T07:30:00"
    assert not any("【" in t for t in df["text"])


def test_zh_csv_and_txt_2025_agree() -> None:
    csv_df, txt_df = rows(ZH_CSV), rows(TXT_2025)
    cols = ["chat", "chat_key", "time", "kind", "text", "quote"]
    assert csv_df[cols].equals(txt_df[cols])


# ---------------------------------------------------------------------------------------------------------------------
# memotrace_txt
# ---------------------------------------------------------------------------------------------------------------------


def test_txt_v2_fields() -> None:
    parsed = parse_file(V2_TXT)
    df = parsed.messages
    assert df["is_me"].isna().all()
    assert parsed.me_candidates == ["Leo", "Amy"]
    assert set(df["chat"]) == {"Amy"} and not df["is_group"].any()
    assert len(df) == 14
    assert df.iloc[2]["text"] == '那家店叫"老王面馆"，\n在公司楼下,\n\n记得带伞[捂脸]'  # blank line inside a message
    assert df["kind"].tolist() == [
        "text", "text", "text", "image", "sticker", "voice", "text", "link", "system", "file", "video", "other",
        "system", "text",
    ]
    assert (df.iloc[6]["text"], df.iloc[6]["quote"]) == ("对，就是那家 [Facepalm]", '那家店叫"老王面馆"')
    assert df.iloc[7]["text"] == "10 Tips for Better Sleep | 睡眠指南"
    assert (df.iloc[8]["sender"], df.iloc[8]["text"]) == ("", '"Amy" 撤回了一条消息')
    assert df.iloc[12]["text"] == "你撤回了一条消息"
    # A timestamp-like line inside a message does not start a new one.
    assert df.iloc[13]["text"] == "会议改到\n2024-03-02 10:00:00 Room 5\nsee you [OK]"
    assert df.iloc[13]["time"] == "2024-03-01T09:27:00"


def test_txt_group_2025() -> None:
    parsed = parse_file(TXT_GROUP)
    df = parsed.messages
    assert df["is_group"].all() and set(df["chat_key"]) == {"34567890123@chatroom"}
    assert set(df["chat"]) == {"hiking"}
    assert df.iloc[1]["text"] == "I'm in!\n\nwhere?"
    assert (df.iloc[3]["kind"], df.iloc[3]["sender"]) == ("system", "")
    assert (df.iloc[4]["text"], df.iloc[4]["quote"]) == ("好的[OK]", "where?")
    assert parsed.me_candidates == ["老张", "Mia", "Leo"]


def test_txt_without_headers_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\nnothing else\n", "utf-8")
    with pytest.raises(BadInputError, match="not a MemoTrace TXT"):
        parse_file(path, fmt="memotrace_txt")


def test_txt_crlf(tmp_path: Path) -> None:
    path = tmp_path / "Amy" / "Amy.txt"
    path.parent.mkdir()
    path.write_bytes(V2_TXT.read_text("utf-8").replace("\n", "\r\n").encode("utf-8"))
    pd.testing.assert_frame_equal(rows(path), rows(V2_TXT))


# ---------------------------------------------------------------------------------------------------------------------
# memotrace_json
# ---------------------------------------------------------------------------------------------------------------------


def test_json_v2_conversations() -> None:
    parsed = parse_file(JSON_V2)
    df = parsed.messages
    assert set(df["chat"]) == {"Amy"}  # "_train" dropped
    assert df["conv_hint"].tolist() == [0, 0, 1, 1, 1, 1]
    assert df["is_me"].tolist() == [False, True] * 3
    assert df["sender"].tolist() == ["Amy", "me"] * 3
    assert df.iloc[0]["text"] == "在吗？[微笑]" and df.iloc[1]["text"] == "在的\n怎么了"
    assert (df["kind"] == "text").all()
    assert "skipped 2 system prompt(s)" in parsed.notes


def test_json_2025_messages_and_alpaca() -> None:
    df = rows(JSON_2025)
    assert df["conv_hint"].tolist() == [0, 0, 1, 1]
    assert df["text"].tolist() == ["hi，最近怎么样", "还不错，忙项目呢[奋斗]", "晚饭吃啥", "火锅，走起"]
    parsed = parse_file(JSON_ALPACA)
    df = parsed.messages
    assert df["text"].tolist() == ["周末爬山？", "好啊", "去哪座", "香山吧", "明天几点出发", "七点半，别迟到[旺柴]",
                                   "thanks!", "不客气 :)"]
    assert df["conv_hint"].tolist() == [0] * 6 + [1] * 2
    assert df["is_me"].tolist() == [False, True] * 4
    assert "skipped 1 system prompt(s)" in parsed.notes


def test_truncated_json_is_bad_input(tmp_path: Path) -> None:
    text = JSON_V2.read_text("utf-8")
    path = tmp_path / "Amy_train.json"
    path.write_text(text[: len(text) // 2], "utf-8")
    with pytest.raises(BadInputError, match=r"ends early at record \d+ \(line \d+.*Export it again"):
        parse_file(path)


@pytest.mark.parametrize("payload,needle", [
    ('{"a": 1}', "expected a JSON list"), ("[1, 2, 3]", "not a MemoTrace training JSON"),
    ('"just a string"', "expected a JSON list"),
])
def test_wrong_json_shape_is_bad_input(payload: str, needle: str, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(payload, "utf-8")
    with pytest.raises(BadInputError, match=needle):
        parse_file(path, fmt="memotrace_json")


# ---------------------------------------------------------------------------------------------------------------------
# pywxdump_csv
# ---------------------------------------------------------------------------------------------------------------------


def test_pywxdump_fields() -> None:
    a, b = rows(PW_PAGE1), rows(PW_PAGE2)
    assert set(a["chat_key"]) == set(b["chat_key"]) == {"wxid_amy123"}  # pages of one chat merge
    assert not a["is_group"].any()
    assert a.iloc[0]["time"] == "2024-09-02T18:01:00" and a.iloc[0]["text"] == "下班一起走吗[微笑]"
    assert (a.iloc[1]["sender"], bool(a.iloc[1]["is_me"])) == ("我", True)
    assert a.iloc[1]["text"] == 'OK [OK]，"老地方"见\n顺便买杯咖啡'
    assert a["kind"].tolist() == ["text", "text", "image", "voice", "voice", "sticker"]
    assert a["text"].tolist()[2:] == ["", "我在门口", "", ""]
    assert b["kind"].tolist() == ["location", "link", "text", "file", "call", "system", "system", "system", "other",
                                  "other"]
    assert b["text"].tolist() == [
        "上海市黄浦区 人民广场", "咖啡店推荐 Top 10", "第三家不错[强]", "菜单 menu.pdf", "通话时长 00:30",
        '"小美" 撤回了一条消息', '"小美" 拍了拍我', "你撤回了一条消息", "群聊的聊天记录", "转账：￥20.00",
    ]
    assert b.iloc[2]["quote"] == "咖啡店推荐 Top 10"


def test_pywxdump_group() -> None:
    df = rows(PW_GROUP)
    assert df["is_group"].all() and set(df["chat_key"]) == {"34567890123@chatroom"}
    assert df["sender"].tolist() == ["", "wxid_zhang01", "wxid_mia789", "我"]
    assert df["kind"].tolist() == ["system", "text", "text", "text"]


def test_weclone_excel_dates() -> None:
    df = rows(WECLONE)
    assert df["time"].tolist() == ["2024-10-04T11:42:00", "2024-10-04T11:43:00", "2024-10-04T09:05:00",
                                   "2024-10-04T13:05:00"]
    assert df["is_me"].tolist() == [False, True, False, True]


# ---------------------------------------------------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "utf-16"])
@pytest.mark.parametrize("path", list(FIXTURES), ids=IDS)
def test_same_frame_in_every_encoding(path: Path, encoding: str, tmp_path: Path) -> None:
    copy = copy_as(path, tmp_path / path.parent.name / path.name, encoding)
    assert detect(copy)[0].name == FIXTURES[path]
    pd.testing.assert_frame_equal(rows(copy), rows(path))


def test_utf8_head_then_gb18030_later(tmp_path: Path) -> None:
    """The encoding is guessed from the first 64 KB; a CSV that is ASCII there and GB18030 later still reads."""
    header, body = read_csv_rows(PW_PAGE1)
    filler = [[str(i), "1", "other", "0", "wxid_amy123", "wxid_amy123", "x" * 80, "", "2024-09-01 10:00:00"]
              for i in range(1000)]
    path = write_csv(tmp_path / "wxid_amy123_0_5000.csv", header, filler + body, encoding="gb18030")
    df = rows(path, fmt="pywxdump_csv")
    assert df.iloc[-len(body)]["text"] == "下班一起走吗[微笑]"


# ---------------------------------------------------------------------------------------------------------------------
# Robustness: arbitrary and damaged input never escapes as anything but BadInputError
# ---------------------------------------------------------------------------------------------------------------------


def _parse_bytes(data: bytes, fmt: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            parsed = parse_file(path, fmt=fmt)
        except BadInputError as exc:
            assert str(exc)
            return
        assert isinstance(parsed, ParsedExport)
        assert set(parsed.messages["kind"]) <= set(KINDS)


@pytest.mark.parametrize("fmt", OUR_FORMATS)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_parse_or_bad_input(fmt: str, data: bytes) -> None:
    _parse_bytes(data, fmt, "input.dat")


_SEEDS = {fmt: [p.read_bytes() for p, f in FIXTURES.items() if f == fmt] for fmt in OUR_FORMATS}


@pytest.mark.parametrize("fmt", OUR_FORMATS)
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_damaged_exports_parse_or_bad_input(fmt: str, data: st.DataObject) -> None:
    """Real exports cut short or with bytes spliced in: the shapes a broken download or an editor produces."""
    seed = data.draw(st.sampled_from(_SEEDS[fmt]))
    cut = data.draw(st.integers(0, len(seed)))
    junk = data.draw(st.binary(max_size=64))
    at = data.draw(st.integers(0, cut))
    _parse_bytes(seed[:at] + junk + seed[at:cut], fmt, "damaged.dat")


def test_json_nesting_bomb_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, "utf-8")
    with pytest.raises(BadInputError):
        parse_file(path, fmt="memotrace_json")


def test_all_formats_registered() -> None:
    assert set(OUR_FORMATS) <= set(REGISTRY)
    assert json.dumps({n: REGISTRY[n].label for n in OUR_FORMATS}, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------------


def test_lenient_times() -> None:
    from lib.importers.wechat_memotrace import iso_times, lenient_times

    assert lenient_times(["2024/10/4 11:42", "2024-1-5 1:02:03", "2024年3月1日 下午3:05", "2024/10/4 12:05 AM",
                          "2024.10.04", "2024-02-30 10:00:00", "not a date", ""]) == [
        "2024-10-04T11:42:00", "2024-01-05T01:02:03", "2024-03-01T15:05:00", "2024-10-04T00:05:00",
        "2024-10-04T00:00:00", "", "", ""]
    # day/month order decided for the whole column: 25 > 12 means day first
    assert lenient_times(["04/10/2024 11:42", "25/10/2024 08:00"]) == ["2024-10-04T11:42:00", "2024-10-25T08:00:00"]
    assert lenient_times(["10/04/2024 11:42"]) == ["2024-10-04T11:42:00"]  # else US month first
    times = iso_times(pd.Series(["2024-03-01 09:15:02", " 2024-03-01 09:15:02 ", "2024-1-5 1:02:03", "", "x"]))
    assert times.tolist() == ["2024-03-01T09:15:02", "2024-03-01T09:15:02", "2024-01-05T01:02:03", "", ""]


def test_chat_from_path() -> None:
    from lib.importers.wechat_memotrace import chat_from_path

    assert chat_from_path(Path("x/小美(wxid_amy123)/小美.csv")) == ("小美", "wxid_amy123")
    assert chat_from_path(Path("x/小美/小美_utf8.csv")) == ("小美", None)
    assert chat_from_path(Path("x/Amy(1).txt")) == ("Amy", None)  # duplicate counter, not an id
    assert chat_from_path(Path("x/群(123456@chatroom).txt")) == ("群", "123456@chatroom")
    assert chat_from_path(Path("x/Amy_dev.json")) == ("Amy", None)


def test_system_text_and_markup() -> None:
    from lib.importers.wechat_memotrace import strip_markup, system_text

    assert system_text('<sysmsg type="pat"><pat><template><![CDATA["${wxid_a}" 拍了拍 "${wxid_b}"]]></template>'
                       "</pat></sysmsg>") == '"wxid_a" 拍了拍 "wxid_b"'
    assert system_text('<revokemsg>"阿明" 撤回了一条消息</revokemsg>') == '"阿明" 撤回了一条消息'
    assert system_text("plain notice") == "plain notice"
    assert strip_markup("&lt;msg&gt;&lt;img/&gt;&lt;/msg&gt;hi &amp; bye") == "hi & bye"


def test_pywxdump_file_named_after_the_chat_gives_the_display_name(tmp_path):
    """Rows carry only ids; a file the user named after the group labels it, and the id stays the key."""
    src = FIX / "pywxdump" / "34567890123@chatroom" / "34567890123@chatroom_0_5000.csv"
    named = tmp_path / "周末徒步群_pywxdump.csv"
    named.write_bytes(src.read_bytes())
    df = parse_file(named).messages
    assert set(df["chat"]) == {"周末徒步群"} and set(df["chat_key"]) == {"34567890123@chatroom"}
    assert set(parse_file(src).messages["chat"]) == {"34567890123@chatroom"}


def test_fast_csv_reader_matches_the_careful_one(monkeypatch):
    """pyarrow's reader (the fast path) and pandas' parser (the fallback) must yield the same messages."""
    import lib.importers.wechat_memotrace as wm

    for src in (FIX / "memotrace_v2" / "amy_utf8.csv", FIX / "pywxdump" / "wxid_amy123" / "wxid_amy123_0_5000.csv"):
        fast = parse_file(src).messages
        with monkeypatch.context() as m:
            m.setattr(wm, "_read_csv_arrow", lambda *a, **k: None)
            careful = parse_file(src).messages
        pd.testing.assert_frame_equal(fast.astype(str), careful.astype(str))
        assert (fast["text"].str.contains("\n")).any() or src.name.startswith("wxid")  # multi-line cells survive
