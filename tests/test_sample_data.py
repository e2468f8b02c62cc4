"""The bundled sample chats (data/sample/) are well-formed, regenerate byte-identically, and carry the PII and
hard negatives that later stages are tested against."""
from __future__ import annotations

import csv
import importlib.util
import io
import re
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
PRIVATE = SAMPLE / "小雨和阿杰_utf8.csv"
GROUP = SAMPLE / "周末徒步群_pywxdump.csv"
EMOJI_TSV = ROOT.parent / "shared" / "fixtures" / "wechat" / "wechat_emoji_names.tsv"

MEMOTRACE_HEADER = ["localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent",
                    "StrTime", "Remark", "NickName", "Sender"]
PYWXDUMP_HEADER = ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime"]

try:
    from zoneinfo import ZoneInfo

    SHANGHAI = ZoneInfo("Asia/Shanghai")
except Exception:  # no tz database: China has used a fixed UTC+8 since 1991
    SHANGHAI = timezone(timedelta(hours=8))


def _read(path: Path, encoding: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding=encoding, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [dict(zip(header, r, strict=True)) for r in reader]
    return header, rows


@pytest.fixture(scope="module")
def private():
    return _read(PRIVATE, "utf-8-sig")


@pytest.fixture(scope="module")
def group():
    return _read(GROUP, "utf-8")


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_sample", SAMPLE / "make_sample.py")
    mod = importlib.util.module_from_spec(spec)
    saved, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ inside data/sample/
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.dont_write_bytecode = saved
    return mod


def _texts(private, group) -> list[str]:
    return ([r["StrContent"] for r in private[1] if r["Type"] == "1"]
            + [r["msg"] for r in group[1] if r["type_name"] in ("文本", "引用回复")])


# --------------------------------------------------------------------------------------------------------------------


def test_encodings_and_headers(private, group):
    assert PRIVATE.read_bytes().startswith(b"\xef\xbb\xbflocalId,")
    assert not GROUP.read_bytes().startswith(b"\xef\xbb\xbf")
    assert private[0] == MEMOTRACE_HEADER
    assert group[0] == PYWXDUMP_HEADER
    assert 200 <= len(private[1]) <= 400
    assert 60 <= len(group[1]) <= 120


def test_regenerates_identically(tmp_path):
    gen = _load_generator()
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    gen.write_csv(a, gen.MEMOTRACE_HEADER, gen.private_rows(), "utf-8-sig")
    gen.write_csv(b, gen.PYWXDUMP_HEADER, gen.group_rows(), "utf-8")
    assert a.read_bytes() == PRIVATE.read_bytes(), "run python data/sample/make_sample.py and commit the output"
    assert b.read_bytes() == GROUP.read_bytes(), "run python data/sample/make_sample.py and commit the output"


def test_memotrace_rows(private):
    rows = private[1]
    ids = [int(r["localId"]) for r in rows]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    times = [int(r["CreateTime"]) for r in rows]
    assert times == sorted(times)
    for r in rows:
        local = datetime.fromtimestamp(int(r["CreateTime"]), SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        assert local == r["StrTime"], r
        assert r["Status"] == "2" and r["IsSender"] in ("0", "1") and r["TalkerId"] == "wxid_ajie_2048"
        me = r["IsSender"] == "1"
        assert (r["Remark"], r["NickName"], r["Sender"]) == (
            ("林小雨", "林小雨", "wxid_me_xiaoyu") if me else ("阿杰", "Jay", "wxid_ajie_2048"))
    kinds = {(r["Type"], r["SubType"]) for r in rows}
    assert {("1", "0"), ("3", "0"), ("34", "0"), ("47", "0"), ("49", "57"), ("10000", "0"), ("50", "0")} <= kinds
    assert any("\n" in r["StrContent"] for r in rows if r["Type"] == "1")
    assert sum(r["Type"] == "47" for r in rows) >= 15
    recall = [r for r in rows if r["Type"] == "10000"]
    assert [r["StrContent"] for r in recall] == ['"阿杰" 撤回了一条消息']


def test_memotrace_xml_parses(private):
    by_time = {int(r["CreateTime"]): r for r in private[1]}
    for r in private[1]:
        if r["Type"] in ("3", "34", "47", "49", "50"):
            root = ET.fromstring(r["StrContent"])
            assert root.tag in ("msg", "voipmsg")
        if r["Type"] == "47":
            assert root.find("emoji").get("cdnurl").startswith("http://")
        if r["Type"] == "34":
            assert root.find("voicemsg").get("voicelength").isdigit()
        if r["Type"] == "49":
            app = root.find("appmsg")
            assert app.findtext("type") == "57" and app.findtext("title")
            ref = app.find("refermsg")
            quoted = by_time[int(ref.findtext("createtime"))]
            assert quoted["StrContent"] == ref.findtext("content")
            assert ref.findtext("displayname") == quoted["Remark"]


def test_pywxdump_rows(group):
    rows = group[1]
    assert [int(r["id"]) for r in rows] == list(range(1, len(rows) + 1))
    times = [datetime.strptime(r["CreateTime"], "%Y-%m-%d %H:%M:%S") for r in rows]
    assert times == sorted(times)
    assert {r["room_name"] for r in rows} == {"48213377021@chatroom"}
    assert {r["type_name"] for r in rows} == {"文本", "图片", "动画表情", "系统通知", "引用回复"}
    senders = {r["talker"] for r in rows if r["type_name"] != "系统通知"}
    assert "我" in senders and 4 <= len(senders) <= 5
    for r in rows:
        assert (r["talker"] == "我") == (r["is_sender"] == "1")
        if r["type_name"] == "引用回复":
            m = re.fullmatch(r"(.+)\n\n\[引用\]\((\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\)([^:]+):(.+)", r["msg"], re.S)
            assert m, r["msg"]
            assert any(q["CreateTime"] == m.group(2) for q in rows)
        if r["type_name"] == "动画表情":
            assert r["msg"] == "表情" and r["src"].startswith("http://")
        if r["type_name"] == "图片":
            assert r["msg"] == "图片" and r["src"].endswith(".dat")


# --------------------------------------------------------------------------------------------------------------------
# PII and hard negatives


def _id_valid(s: str) -> bool:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(s[:17], weights)) % 11] == s[17].upper()


def _luhn(s: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def test_id_card_check_digit(private, group):
    ids = [m for t in _texts(private, group) for m in re.findall(r"(?<!\d)\d{17}[\dXx](?!\d)", t)]
    assert ids, "the sample should contain an ID-card-like number"
    for s in ids:
        assert _id_valid(s), s
        datetime.strptime(s[6:14], "%Y%m%d")  # a real birth date
    assert not _id_valid(ids[0][:17] + ("0" if ids[0][17] != "0" else "1"))  # the validator can fail


def test_bank_card_luhn(private, group):
    cards = [re.sub(r"\s", "", m) for t in _texts(private, group) for m in re.findall(r"6222[\d ]{12,22}\d", t)]
    assert cards, "the sample should contain a 6222 bank card"
    for c in cards:
        assert 16 <= len(c) <= 19 and _luhn(c), c


def test_other_pii_and_hard_negatives_present(private, group):
    text = "\n".join(_texts(private, group))
    for needle in ("xiaoyu.lin@example.com", "139 0011 2233", "验证码是 482913", "杭州市西湖区文三路", "微信号 ",
                   "¥128.50", "2.3.1", "1203室", "订单号 "):
        assert needle in text, needle


def test_no_real_looking_domains():
    tlds = "com|cn|net|org|io|cc|co|me|top|xyz|info|tv|app|dev|ai|edu|gov|hk|tw|jp|uk|us|de|ru|biz|site|online"
    domain = re.compile(rf"(?<![\w.-])((?:[A-Za-z0-9-]+\.)+(?:{tlds}))(?![\w-])", re.I)
    for path in (PRIVATE, GROUP):
        for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
            for host in domain.findall(line):
                host = host.lower()
                assert host in ("example.com", "example.org") or host.endswith((".example.com", ".example.org")), (
                    f"{path.name}:{n}: {host}")


def test_bracket_emoji_are_real_wechat_names(private, group):
    if not EMOJI_TSV.exists():
        pytest.skip("shared fixtures not present")
    known: set[str] = set()
    with open(EMOJI_TSV, encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            for col in ("cn", "hk_tw", "en_us", "en_alias_from_memotrace"):
                known.update(re.findall(r"\[[^\[\]]+\]", row.get(col) or ""))
    used = {m for t in _texts(private, group) for m in re.findall(r"\[[^\[\]\s]{1,12}\]", t)} - {"[引用]"}
    assert used, "the owner uses bracket emoji"
    assert used <= known, used - known
    assert {"[旺柴]", "[捂脸]", "[Facepalm]"} <= used


def test_csv_module_roundtrip_is_exact():
    # Quoting is what the csv module writes: re-serialising the parsed rows gives the same bytes.
    for path, enc in ((PRIVATE, "utf-8-sig"), (GROUP, "utf-8")):
        with open(path, encoding=enc, newline="") as f:
            raw = f.read()
        buf = io.StringIO(newline="")
        csv.writer(buf).writerows(csv.reader(io.StringIO(raw, newline="")))
        assert buf.getvalue() == raw
