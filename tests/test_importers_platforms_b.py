"""Importers for LINE TXT, KakaoTalk (Mac CSV; Windows/Android/iOS TXT) and iMessage (imessage-exporter TXT).

Own fixtures (invented people and text, one per layout we support) live in tests/fixtures/{line,kakaotalk,imessage}/;
the iMessage ones are written from imessage-exporter's writer code (docs/formats/imessage.md). Public fixtures in
../shared/fixtures/other/ are read at test time only and skipped when absent: the LINE file is a real Thai export
whose author replaced TABs by "$"; the KakaoTalk CSVs were written by the author of kakaotalk-chat-analyzer.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.importers import COLUMNS, REGISTRY, BadInputError, ParsedExport, detect, formats, parse_file
from lib.importers import imessage, kakaotalk, line
from lib.textio import read_head
from lib.workspace import Workspace

FIX = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
MINE = ("line_txt", "kakaotalk_csv", "kakaotalk_txt", "imessage_txt")
MY_DIRS = ("line", "kakaotalk", "imessage")


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"public fixtures not present at {path}")
    return path


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def rows(parsed: ParsedExport, *cols: str) -> list[tuple]:
    return list(parsed.messages.loc[:, list(cols)].itertuples(index=False, name=None))


def assert_contract(parsed: ParsedExport) -> None:
    df = parsed.messages
    assert list(df.columns) == list(COLUMNS)
    assert str(df["is_me"].dtype) == "boolean"
    assert (df["chat"] != "").all()
    assert df["time"].str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}").all()


def own(platform: str) -> list[Path]:
    return sorted(p for p in (FIX / platform).iterdir() if p.is_file())


# ---------------------------------------------------------------------------------------------------- detection


@pytest.mark.parametrize("path", own("line") + own("kakaotalk") + own("imessage"), ids=lambda p: p.name)
def test_own_fixtures_detected(path: Path) -> None:
    imp, score = detect(path)
    expected = {"line": "line_txt", "imessage": "imessage_txt"}.get(path.parent.name)
    expected = expected or ("kakaotalk_csv" if path.suffix == ".csv" else "kakaotalk_txt")
    assert (imp.name, score >= 0.9) == (expected, True)
    assert_contract(parse_file(path))


def test_detect_is_by_content_not_name(tmp_path: Path) -> None:
    for src, fmt in ((FIX / "line" / "ja.txt", "line_txt"), (FIX / "kakaotalk" / "windows_ko.txt", "kakaotalk_txt"),
                     (FIX / "imessage" / "Alex Rivera.txt", "imessage_txt"),
                     (FIX / "kakaotalk" / "mac_chat.csv", "kakaotalk_csv")):
        dst = tmp_path / f"WhatsApp Chat with {fmt}.txt"
        shutil.copy(src, dst)
        assert detect(dst)[0].name == fmt


def _all_fixture_files() -> list[Path]:
    roots = [FIX] + ([SHARED] if SHARED.is_dir() else [])
    return sorted(p for root in roots for p in root.rglob("*")
                  if p.is_file() and p.suffix.lower() in (".txt", ".csv", ".json", ".tsv"))


def test_cross_detection_over_every_fixture() -> None:
    """Files of our platforms go to our importers, every other fixture never does (and our sniffers stay silent)."""
    for path in _all_fixture_files():
        ours = any(part in MY_DIRS for part in path.parts[-3:-1])
        try:
            name = detect(path)[0].name
        except BadInputError:
            name = ""
        assert (name in MINE) == ours, (path, name)
        if not ours:
            head = read_head(path)[0]
            for fmt in MINE:
                assert REGISTRY[fmt].sniff(head, path.name) < 0.5, (path, fmt)


def test_whatsapp_lines_inside_a_line_chat_and_line_lines_inside_whatsapp(tmp_path: Path) -> None:
    """A LINE chat quoting a WhatsApp line stays LINE; a WhatsApp chat quoting LINE lines stays WhatsApp."""
    line_chat = (FIX / "line" / "en_mobile.txt").read_text(encoding="utf-8") + \
        "9:03 AM\tKen\t01/05/2024, 09:00 - Alice: pasted from WhatsApp\n"
    assert detect(write(tmp_path, "a.txt", line_chat))[0].name == "line_txt"
    wa = "".join(f"01/05/2024, 09:{i:02d} - Alice: message {i}\n" for i in range(10)) + \
        "01/05/2024, 09:20 - Bob: pasted\n15:05\tMika\thi\n15:06\tKen\tyo\n"
    assert detect(write(tmp_path, "b.txt", wa))[0].name == "whatsapp_txt"
    # Korean WhatsApp, " : "
    wa_ko = "2023. 5. 1. 오후 3:05 - 지수: 시간 : 7시\n2023. 5. 1. 오후 3:06 - 민호: 장소 : 역\n"
    assert detect(write(tmp_path, "d.txt", wa_ko))[0].name == "whatsapp_txt"
    qq = "2016-05-20 22:33:16 小红(12345678)\n你好\n\n2016-05-20 22:34:00 阿明(87654321)\n[LINE] 在吗\n"
    assert detect(write(tmp_path, "c.txt", qq))[0].name == "qq_txt"


def test_formats_lists_the_new_importers() -> None:
    names = formats()
    for fmt in MINE:
        assert fmt in names and names[fmt]


# ---------------------------------------------------------------------------------------------------- LINE


def test_line_public_thai_export_counts() -> None:
    """Counts checked by an independent line count of the file (HH:MM$sender$ lines, 85 with an empty sender);
    the source repository states none. Years are Buddhist (2562 BE = 2019)."""
    parsed = parse_file(shared("other", "line", "line_thai_test.txt"))
    assert_contract(parsed)
    df = parsed.messages
    assert parsed.format == "line_txt"
    assert len(df) == 32307
    assert df["sender"].value_counts().to_dict() == {"Firm": 16583, "Pann": 15639, "": 85}
    assert df["kind"].value_counts().to_dict() == {
        "text": 30276, "image": 1045, "sticker": 428, "call": 274, "file": 161, "system": 85, "video": 28,
        "voice": 7, "other": 3}
    assert (df["time"].iloc[0], df["time"].iloc[-1]) == ("2019-07-10T19:10:00", "2022-06-14T18:59:00")
    assert df["time"].str[:10].nunique() == 696  # one date line per day
    assert not df["is_group"].any() and df["is_me"].isna().all()
    assert parsed.me_candidates == ["Firm", "Pann"]
    assert any("'$'" in n for n in parsed.notes)
    # A quoted body with blank lines and doubled quotes is one message with its quotes restored.
    code = df.loc[df["text"].str.contains("fivethirtyeight", regex=False), "text"]
    assert len(code) == 1 and 'plt.style.use("fivethirtyeight")' in code.iloc[0]
    assert (df["text"] == "ไห\n\nไกนวะ").sum() == 1
    assert not df["text"].str.contains(r"^\d{1,2}:\d{2}\$", regex=True).any()
    calls = df.loc[df["kind"] == "call", "text"]
    assert calls.str.startswith(("Call time", "Canceled call", "Missed call", "No answer")).all()


def test_line_english_mobile() -> None:
    parsed = parse_file(FIX / "line" / "en_mobile.txt")
    assert rows(parsed, "time", "sender", "kind", "text") == [
        ("2023-05-01T15:05:00", "Mika", "text", "Are you free tonight?"),
        ("2023-05-01T15:06:00", "Ken", "text", "Yes after 7"),
        ("2023-05-01T15:06:00", "Ken", "image", ""),
        ("2023-05-01T15:07:00", "Mika", "text", 'Great!\nSee you at the station\n"Exit 2" is closest'),
        ("2023-05-01T15:08:00", "Mika", "sticker", ""),
        ("2023-05-01T23:59:00", "Ken", "call", "Call time 12:04"),
        ("2023-05-02T00:01:00", "Ken", "voice", ""),
        ("2023-05-02T09:00:00", "", "system", "Ken unsent a message."),
        ("2023-05-02T09:01:00", "Mika", "text", '"quoted" on one line'),
        ("2023-05-02T09:02:00", "Mika", "call", "Missed call"),
    ]
    df = parsed.messages
    assert df["chat"].iloc[0] == "Mika" and not df["is_group"].iloc[0]
    assert parsed.me_candidates == ["Ken", "Mika"]  # the chat is named after the other person


def test_line_desktop_group_quoted_lines_that_look_like_messages_and_days() -> None:
    parsed = parse_file(FIX / "line" / "en_desktop_group.txt")
    df = parsed.messages
    assert df["chat"].iloc[0] == "Weekend Hikers" and df["is_group"].all()
    assert len(df) == 8
    assert df["text"].iloc[4] == "Plan:\n\n09:00\tmeet\n2023.05.06 Saturday\nsummit by noon"
    assert df["time"].iloc[5] == "2023-05-01T15:10:00"  # the quoted day line did not change the day
    assert rows(parsed, "sender", "kind")[6:] == [("Mika", "location"), ("", "system")]


@pytest.mark.parametrize("name,chat,expected", [
    ("zh_tw.txt", "美香", [("2023-05-01T15:05:00", "text"), ("2023-05-01T15:06:00", "image"),
                          ("2023-05-01T15:07:00", "sticker"), ("2023-05-01T00:30:00", "call"),
                          ("2023-05-02T09:00:00", "system")]),
    ("zh_cn.txt", "美香", [("2023-05-01T15:05:00", "text"), ("2023-05-01T15:06:00", "image"),
                          ("2023-05-01T15:07:00", "voice")]),
    ("ja.txt", "美香", [("2023-05-01T15:05:00", "text"), ("2023-05-01T15:06:00", "image"),
                       ("2023-05-01T15:07:00", "sticker"), ("2023-05-01T15:08:00", "system"),
                       ("2023-05-01T23:59:00", "video")]),
    ("th.txt", "มิกะ", [("2023-05-01T15:05:00", "text"), ("2023-05-01T15:06:00", "image"),
                        ("2023-05-01T15:07:00", "sticker"), ("2023-05-02T09:00:00", "voice"),
                        ("2023-05-02T09:01:00", "system")]),
])
def test_line_languages(name: str, chat: str, expected: list[tuple[str, str]]) -> None:
    parsed = parse_file(FIX / "line" / name)
    assert rows(parsed, "time", "kind") == expected
    df = parsed.messages
    assert (df["chat"] == chat).all() and not df["is_group"].any()
    assert (df.loc[df["kind"] == "system", "sender"] == "").all()


@pytest.mark.parametrize("day_lines,expected", [
    (("Wed, 10/07/2019", "Thu, 11/07/2019"), ("2019-07-10", "2019-07-11")),   # 31 > 12 nowhere, but 10/07 then 11/07
    (("Mon, 5/1/2023", "Tue, 5/2/2023"), ("2023-05-01", "2023-05-02")),       # month first runs forward
    (("Sat, 13/05/2023", "Sun, 14/05/2023"), ("2023-05-13", "2023-05-14")),   # a day above 12 decides
    (("วันจันทร์ที่ ๑ พฤษภาคม ๒๕๖๖", "2566.05.02 วันอังคาร"), ("2023-05-01", "2023-05-02")),  # Thai digits, BE
    (("2024年5月1日(水)", "Thursday, May 2, 2024"), ("2024-05-01", "2024-05-02")),
])
def test_line_day_line_layouts(tmp_path: Path, day_lines: tuple[str, str], expected: tuple[str, str]) -> None:
    text = f"{day_lines[0]}\n10:00\tA\thi\n10:01\tB\tyo\n\n{day_lines[1]}\n11:00\tA\tbye\n"
    parsed = parse_file(write(tmp_path, "chat.txt", text), fmt="line_txt")
    assert parsed.messages["time"].str[:10].tolist() == [expected[0], expected[0], expected[1]]


def test_line_dollar_separator_only_without_tab_lines(tmp_path: Path) -> None:
    both = "2024.05.01 Wednesday\n10:00\tA\tprice 5$ or 6$\n10:01$B$not a message line\n"
    parsed = parse_file(write(tmp_path, "t.txt", both), fmt="line_txt")
    assert rows(parsed, "sender", "text") == [("A", "price 5$ or 6$\n10:01$B$not a message line")]
    dollars = "2024.05.01 Wednesday\n10:00$A$hi\n10:01$$A unsent a message.\n10:02$B\tseparated by a tab\n"
    parsed = parse_file(write(tmp_path, "d.txt", dollars))
    assert parsed.format == "line_txt"
    assert rows(parsed, "sender", "kind", "text") == [("A", "text", "hi"), ("", "system", "A unsent a message."),
                                                      ("B", "text", "separated by a tab")]


def test_line_undated_unclosed_and_invalid(tmp_path: Path) -> None:
    text = '10:00\tA\tbefore any day\n2024.05.01 Wednesday\n10:01\tA\t"never closed\n10:02\tB\tok\n'
    parsed = parse_file(write(tmp_path, "u.txt", text), fmt="line_txt")
    assert rows(parsed, "sender", "text") == [("A", '"never closed'), ("B", "ok")]
    assert any("before the first date line" in n for n in parsed.notes)
    with pytest.raises(BadInputError, match="date line"):
        parse_file(write(tmp_path, "n.txt", "10:00\tA\thi\n10:01\tB\tyo\n"), fmt="line_txt")
    with pytest.raises(BadInputError, match="n.txt"):
        parse_file(write(tmp_path, "n.txt", "10:00\tA\thi\n10:01\tB\tyo\n"), fmt="line_txt")
    bad_day = "2024.02.31 Saturday\n10:00\tA\thi\n2024.03.01 Friday\n25:00\tA\tno\n10:00\tB\tyes\n"
    parsed = parse_file(write(tmp_path, "b.txt", bad_day), fmt="line_txt")
    assert rows(parsed, "time", "text") == [("2024-03-01T10:00:00", "yes")]
    assert any("impossible" in n for n in parsed.notes)


def test_line_group_title_over_two_people_named_like_the_chat_is_private(tmp_path: Path) -> None:
    text = "[LINE] 美香的聊天记录\n\n2023/5/1周一\n15:05\t美香\t在吗\n15:06\t健\t在\n"
    parsed = parse_file(write(tmp_path, "x.txt", text))
    assert not parsed.messages["is_group"].any()
    text = "[LINE] 周末爬山的聊天记录\n\n2023/5/1周一\n15:05\t美香\t在吗\n15:06\t健\t在\n"
    assert parse_file(write(tmp_path, "y.txt", text)).messages["is_group"].all()


def test_line_clock_table() -> None:
    assert line.clock_table({"下午12:05", "上午12:05", "午後3:07", "3:07 PM", "12:00 AM", "23:59", "13:00 PM",
                             "오후 1:00"}) == {
        "下午12:05": "12:05:00", "上午12:05": "00:05:00", "午後3:07": "15:07:00", "3:07 PM": "15:07:00",
        "12:00 AM": "00:00:00", "23:59": "23:59:00", "13:00 PM": "", "오후 1:00": "13:00:00"}


# ---------------------------------------------------------------------------------------------------- KakaoTalk


def test_kakaotalk_public_open_chat_csv() -> None:
    """claudianus/kakaotalk-chat-analyzer's own fixture (written by that tool's author, not exported by Kakao)."""
    parsed = parse_file(shared("other", "kakaotalk", "open-chat-room.csv"))
    assert_contract(parsed)
    assert parsed.format == "kakaotalk_csv"
    assert rows(parsed, "sender", "kind") == [("운영자", "text"), ("", "system"), ("Alice", "text"), ("Bob", "text"),
                                             ("Alice", "text"), ("Bob", "text")]
    df = parsed.messages
    assert df["text"].iloc[0] == "---- 오픈채팅방 안내 ----\n환영합니다. 규칙을 지켜 주세요."
    assert (df["time"].iloc[0], df["time"].iloc[-1]) == ("2024-06-01T10:00:00", "2024-06-01T11:10:00")
    assert df["is_group"].all() and df["is_me"].isna().all()
    assert parsed.me_candidates[:2] == ["Alice", "Bob"]


def test_kakaotalk_public_vibecoding_csv() -> None:
    parsed = parse_file(shared("other", "kakaotalk", "vibecoding-room-sample.csv"))
    df = parsed.messages
    assert len(df) == 312
    assert df["sender"].value_counts().to_dict() == {"A": 63, "C": 63, "B": 62, "D": 62, "E": 62}
    assert (df["time"].min(), df["time"].max()) == ("2026-02-01T09:00:00", "2026-02-12T21:33:00")
    assert (df["kind"] == "text").all() and df["is_group"].all()


def test_kakaotalk_mac_csv_own() -> None:
    parsed = parse_file(FIX / "kakaotalk" / "mac_chat.csv")
    assert rows(parsed, "time", "sender", "kind", "text") == [
        ("2023-05-01T15:05:00", "지수", "text", "오늘 저녁에 시간 돼?"),
        ("2023-05-01T15:06:00", "민호", "text", "응 7시 이후면 괜찮아\n역 앞에서 보자"),
        ("2023-05-01T15:06:30", "민호", "image", ""),
        ("2023-05-01T15:07:00", "지수", "sticker", ""),
        ("2023-05-01T15:08:00", "지수", "text", '그럼 "7시 반"에 보자'),
        ("2023-05-02T09:00:00", "민호", "system", "삭제된 메시지입니다."),
    ]
    assert not parsed.messages["is_group"].any()


def test_kakaotalk_csv_bad_input(tmp_path: Path) -> None:
    good = "Date,User,Message\n2024-02-31 10:00:00,A,bad day\n2024-03-01 10:00,A,no seconds\n"
    parsed = parse_file(write(tmp_path, "g.csv", good))
    assert rows(parsed, "time", "text") == [("2024-03-01T10:00:00", "no seconds")]
    assert any("impossible" in n for n in parsed.notes)
    with pytest.raises(BadInputError, match="Date"):
        parse_file(write(tmp_path, "d.csv", "Date,User,Message\nyesterday,A,hi\n"), fmt="kakaotalk_csv")
    with pytest.raises(BadInputError, match="cut.csv.*line 2"):
        parse_file(write(tmp_path, "cut.csv", 'Date,User,Message\n2024-03-01 10:00:00,A,"never ends\n'))
    with pytest.raises(BadInputError, match="missing column"):
        parse_file(write(tmp_path, "m.csv", "Date,User\n2024-03-01 10:00:00,A\n"), fmt="kakaotalk_csv")


def test_kakaotalk_windows_korean() -> None:
    parsed = parse_file(FIX / "kakaotalk" / "windows_ko.txt")
    assert rows(parsed, "time", "sender", "kind", "text") == [
        ("2023-05-01T15:05:00", "지수", "text", "오늘 저녁에 시간 돼?"),
        ("2023-05-01T15:06:00", "민호", "text", "응 7시 이후면 괜찮아"),
        ("2023-05-01T15:06:00", "민호", "image", ""),
        ("2023-05-01T15:07:00", "지수", "sticker", ""),
        ("2023-05-01T15:08:00", "지수", "text", "그럼 7시 반에 역 앞에서 보자\n혹시 늦으면 연락해"),
        ("2023-05-02T00:15:00", "민호", "system", "삭제된 메시지입니다."),
        ("2023-05-02T09:00:00", "민호", "file", "회의록_0502.pdf"),
        ("2023-05-02T12:00:00", "지수", "call", "보이스톡 해요."),
        ("2023-05-02T12:30:00", "민호", "video", ""),
    ]
    assert parsed.messages["chat"].iloc[0] == "지수"
    assert parsed.me_candidates == ["민호", "지수"]


def test_kakaotalk_windows_english() -> None:
    parsed = parse_file(FIX / "kakaotalk" / "windows_en.txt")
    assert rows(parsed, "time", "sender", "kind") == [
        ("2023-05-01T15:05:00", "Dana", "text"), ("2023-05-01T15:06:00", "Lee", "text"),
        ("2023-05-01T15:06:00", "Lee", "image"), ("2023-05-01T15:07:00", "Dana", "sticker"),
        ("2023-05-02T00:10:00", "Dana", "text")]
    assert parsed.messages["chat"].iloc[0] == "Dana"


def test_kakaotalk_phones() -> None:
    android = parse_file(FIX / "kakaotalk" / "android_ko.txt")
    assert rows(android, "time", "sender", "kind", "text") == [
        ("2023-05-01T15:05:00", "지수", "text", "오늘 저녁에 시간 돼?"),
        ("2023-05-01T15:06:00", "회원님", "text", "응 7시 이후면 괜찮아"),
        ("2023-05-01T15:06:00", "회원님", "image", ""),
        ("2023-05-02T09:00:00", "지수", "text", "회의 시간 : 10시로 바뀌었어\n장소는 그대로야"),
        ("2023-05-02T09:01:00", "회원님", "voice", ""),
    ]
    assert android.me_candidates[0] == "회원님" and android.messages["is_me"].isna().all()
    ios = parse_file(FIX / "kakaotalk" / "ios_ko.txt")
    assert rows(ios, "sender", "kind", "text") == [
        ("", "system", "지수님이 들어왔습니다."), ("지수", "text", "안녕하세요!"), ("민호", "text", "반가워요"),
        ("서연", "text", "이번 주말에 북한산 어때요?"), ("민호", "image", "사진 3장"),
        ("", "system", "서연님이 나갔습니다.")]
    assert ios.messages["chat"].iloc[0] == "등산 모임" and ios.messages["is_group"].all()
    en = parse_file(FIX / "kakaotalk" / "android_en.txt")
    assert rows(en, "time", "sender", "kind", "text")[-1] == ("2023-05-01T23:59:00", "Dana", "text", "ok\nsee you")
    assert en.me_candidates[0] == "you"
    en_ios = parse_file(FIX / "kakaotalk" / "ios_en.txt")
    assert rows(en_ios, "time", "sender", "kind") == [
        ("2023-05-01T15:05:00", "Dana", "text"), ("2023-05-01T15:06:00", "Lee", "text"),
        ("2023-05-02T00:01:00", "Lee", "video")]
    assert en_ios.messages["chat"].iloc[0] == "Dana"


def test_kakaotalk_windows_bare_notice_lines_become_system_rows(tmp_path: Path) -> None:
    text = ("--------------- 2023년 5월 1일 월요일 ---------------\n[지수] [오후 3:05] 안녕\n둘째 줄\n"
            "민호님이 들어왔습니다.\n[민호] [오후 3:06] 반가워\n서연님이 나갔습니다.\n")
    parsed = parse_file(write(tmp_path, "KakaoTalk_group.txt", text))
    assert parsed.format == "kakaotalk_txt"
    assert rows(parsed, "sender", "kind", "text") == [
        ("지수", "text", "안녕\n둘째 줄"), ("", "system", "민호님이 들어왔습니다."), ("민호", "text", "반가워"),
        ("", "system", "서연님이 나갔습니다.")]
    assert parsed.messages["is_group"].all()


def test_kakaotalk_classify_table() -> None:
    assert [kakaotalk.classify(t)[:2] for t in ("사진", "Photo", "이모티콘", "Emoticons", "동영상", "음성메시지",
                                                 "파일: a.pdf", "삭제된 메시지입니다.", "보이스톡 00:32",
                                                 "샵검색: #날씨", "사진 2장", "나는 사진 찍었어")] == [
        ("image", ""), ("image", ""), ("sticker", ""), ("sticker", ""), ("video", ""), ("voice", ""), ("file", "a.pdf"),
        ("system", "삭제된 메시지입니다."), ("call", "보이스톡 00:32"), ("link", "#날씨"), ("image", "사진 2장"),
        ("text", "나는 사진 찍었어")]
    assert kakaotalk.classify("I invited him to dinner")[0] == "text"


def test_kakaotalk_no_messages(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="no KakaoTalk messages"):
        parse_file(write(tmp_path, "k.txt", "카카오톡 대화\n\nhello\n"), fmt="kakaotalk_txt")


# ---------------------------------------------------------------------------------------------------- iMessage


def test_imessage_private_chat_every_part() -> None:
    parsed = parse_file(FIX / "imessage" / "Alex Rivera.txt")
    assert_contract(parsed)
    df = parsed.messages
    assert rows(parsed, "time", "sender", "kind", "text") == [
        ("2022-05-03T09:15:02", "Alex Rivera", "text", "Morning! Are we still on for the museum?"),
        ("2022-05-03T09:16:40", "Me", "text", "Yes! Meet at the east entrance at 11"),
        ("2022-05-03T09:20:11", "Alex Rivera", "image", ""),
        ("2022-05-03T09:20:11", "Alex Rivera", "text", "Look what I found"),
        ("2022-05-03T09:21:00", "Me", "text", "That is amazing"),
        ("2022-05-03T09:25:30", "Alex Rivera", "text", "Right? It was in the attic"),
        ("2022-05-03T09:30:00", "Me", "text", "See you at 11:30 instead"),
        ("2022-05-03T09:31:12", "Alex Rivera", "system",
         "Alex Rivera unsent this message part 5 seconds after sending!"),
        ("2022-05-03T09:32:00", "Me", "voice", ""),
        ("2022-05-03T09:33:00", "Alex Rivera", "sticker", ""),
        ("2022-05-03T09:34:00", "Me", "link", "https://www.example.org/exhibits/ocean-light\nOcean Light exhibit"),
        ("2022-05-03T09:40:00", "Alex Rivera", "text", "ok, on my way"),
        ("2022-05-03T09:41:00", "Me", "text", "Great"),
        ("2022-05-03T09:50:00", "Me", "text", "Two things:\n\n1. bring the tickets\n2. bring water"),
        ("2022-05-03T09:55:00", "Alex Rivera", "image", ""),
        ("2022-05-03T20:05:10", "Me", "call", "SharePlay"),
        ("2022-05-04T00:01:00", "Alex Rivera", "location", "Started sharing location!"),
        ("2022-05-04T00:02:00", "Alex Rivera", "text", "Hi, thanks for today"),
        ("2022-05-04T00:03:00", "Me", "other", "Apple Cash transaction: $12.00"),
    ]
    assert df["is_me"].tolist() == (df["sender"] == "Me").tolist() and df["is_me"].notna().all()
    assert df.loc[5, "quote"] == "That is amazing"  # from the reply's indented copy under its parent
    assert (df["quote"] != "").sum() == 1
    assert df["chat"].iloc[0] == "Alex Rivera" and not df["is_group"].any()
    assert not df["text"].str.contains("Tapbacks|Reactions|Loved by|Liked by|Sent with|Transcription", regex=True).any()
    assert parsed.me_candidates == ["Me"]


def test_imessage_group_announcements() -> None:
    parsed = parse_file(FIX / "imessage" / "Hiking Crew.txt")
    assert rows(parsed, "sender", "kind", "text") == [
        ("", "system", "You named the conversation Hiking Crew"),
        ("", "system", "You added Priya Nair to the conversation."),
        ("Priya Nair", "text", "Hi all! Which trail on Saturday?"),
        ("+15555550123", "text", "The ridge loop, 8 miles"),
        ("Me", "text", "Works for me"),
        ("Priya Nair", "file", "trail_map.pdf"),
        ("", "system", "+15555550123 left the conversation."),
    ]
    assert parsed.messages["is_group"].all()
    assert parsed.messages["is_me"].tolist() == [False, False, False, False, True, False, False]


def test_imessage_custom_name_leaves_me_unknown() -> None:
    parsed = parse_file(FIX / "imessage" / "Jordan Lee.txt")
    df = parsed.messages
    assert df["is_me"].isna().all() and not df["is_group"].any()
    assert parsed.me_candidates == ["Sam", "Jordan Lee"]


def test_imessage_timestamps_and_bad_input(tmp_path: Path) -> None:
    assert imessage.ts_iso("May 17, 2022  5:29:42 PM") == "2022-05-17T17:29:42"
    assert imessage.ts_iso("Dec 31, 2000 12:00:00 AM") == "2000-12-31T00:00:00"
    assert imessage.ts_iso("Jan 01, 2023 12:30:00 PM") == "2023-01-01T12:30:00"
    text = "Feb 30, 2024  1:00:00 PM\nMe\nimpossible\n\nFeb 29, 2024  1:00:00 PM\nMe\nleap day\n\n"
    parsed = parse_file(write(tmp_path, "x.txt", text))
    assert rows(parsed, "time", "text") == [("2024-02-29T13:00:00", "leap day")]
    with pytest.raises(BadInputError, match="no iMessage messages"):
        parse_file(write(tmp_path, "y.txt", "Me\nhello\n"), fmt="imessage_txt")


def test_imessage_old_reactions_block_and_multi_part(tmp_path: Path) -> None:
    """Older releases wrote "Reactions:" lists followed by a blank line, inside a multi-part message."""
    text = ("Mar 01, 2021  8:00:00 AM\nMe\nfirst part\nReactions:\nLaughed by Kim\n\nsecond part\n"
            "/Users/x/Library/Messages/Attachments/00/01/ABC/clip.MOV\n\n"
            "Mar 01, 2021  8:01:00 AM\nKim\nhaha\n\n")
    parsed = parse_file(write(tmp_path, "Kim.txt", text))
    assert rows(parsed, "sender", "kind", "text") == [("Me", "text", "first part\nsecond part"),
                                                      ("Me", "video", ""), ("Kim", "text", "haha")]


def test_imessage_balloons_and_sibling_replies(tmp_path: Path) -> None:
    """Newer releases separate sibling reply copies with a blank line; both copies are dropped, both quotes found."""
    text = ("Apr 02, 2023  6:00:00 PM\nKim\nwho is in?\n"
            "    Apr 02, 2023  6:01:00 PM\n    Me\n    me!\n\n"
            "    Apr 02, 2023  6:02:00 PM\n    Lou\n    me too\n\n\n"
            "Apr 02, 2023  6:01:00 PM\nMe\nme!\nThis message responded to an earlier message.\n\n"
            "Apr 02, 2023  6:02:00 PM\nLou\nme too\nThis message responded to an earlier message.\n\n"
            "Apr 02, 2023  6:03:00 PM\nKim\nSong Title\nAlbum\nArtist\nhttps://music.apple.com/us/album/x?i=1\n\n"
            "Apr 02, 2023  6:04:00 PM\nLou\nCafe Blue\nhttps://maps.apple.com/?q=Cafe%20Blue\nCafe Blue\n1 Main St\n\n"
            "Apr 02, 2023  6:05:00 PM\nMe\nBoard Game message:\nYour turn\n\n")
    parsed = parse_file(write(tmp_path, "Kim, Lou.txt", text))
    assert rows(parsed, "sender", "kind", "text", "quote") == [
        ("Kim", "text", "who is in?", ""), ("Me", "text", "me!", "who is in?"), ("Lou", "text", "me too", "who is in?"),
        ("Kim", "link", "Song Title\nhttps://music.apple.com/us/album/x?i=1", ""),
        ("Lou", "location", "Cafe Blue", ""), ("Me", "other", "Board Game: Your turn", "")]
    assert parsed.messages["is_group"].all()


def test_line_file_placeholder_with_name(tmp_path: Path) -> None:
    text = "2024.05.01 Wednesday\n10:00\tA\t[File] notes.pdf\n10:01\tB\t[Photo] and more words\n"
    parsed = parse_file(write(tmp_path, "f.txt", text), fmt="line_txt")
    assert rows(parsed, "kind", "text") == [("file", "notes.pdf"), ("text", "[Photo] and more words")]


# ---------------------------------------------------------------------------------------------------- end to end


def test_workspace_imports_line_and_imessage(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    try:
        report = ws.import_paths([FIX / "imessage" / "Alex Rivera.txt", FIX / "line" / "en_mobile.txt"], me="Ken")
        assert [f.status for f in report.files] == ["imported", "imported"], [f.message for f in report.files]
        chats = ws.chats().set_index("name")
        assert chats.loc["Alex Rivera", "me_name"] == "Me"
        assert chats.loc["Mika", "me_name"] == "Ken"
        assert chats.loc["Alex Rivera", "mine"] == 9
    finally:
        ws.close()


# ---------------------------------------------------------------------------------------------------- robustness


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), fmt=st.sampled_from(MINE))
def test_arbitrary_bytes_never_crash(data: bytes, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.txt"
        path.write_bytes(data)
        try:
            parsed = parse_file(path, fmt=fmt)
        except BadInputError:
            return
        assert list(parsed.messages.columns) == list(COLUMNS)


_TEXTY = st.text(alphabet=st.sampled_from(list("0123456789/-.,:[]$\t\" APMapm\n年月日년월일오전후上下午後()BE"
                                               "MayJunMe by-----회원님[LINE]Sticker from")), max_size=500)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXTY, fmt=st.sampled_from(MINE))
def test_header_like_text_never_crashes(text: str, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.txt"
        path.write_text(text, encoding="utf-8")
        try:
            parsed = parse_file(path, fmt=fmt)
        except BadInputError:
            return
        assert list(parsed.messages.columns) == list(COLUMNS)
        assert parsed.messages["time"].str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}").all()


def test_text_formats_are_fast(tmp_path: Path) -> None:
    """100k messages each; a slow CI box gets a wide margin."""
    n = 100_000
    line_text = "[LINE] Chat history with B\n\n" + "".join(
        (f"2024.{1 + i // 3000 % 12:02d}.{1 + i // 100 % 28:02d} Monday\n" if i % 100 == 0 else "")
        + f"{i % 24:02d}:{i % 60:02d}\t{'A' if i % 3 else 'B'}\t{'[Photo]' if i % 50 == 0 else f'msg {i}'}\n"
        for i in range(n))
    kakao = "".join(f"2024년 5월 {1 + i % 28}일 오후 {1 + i % 12}:{i % 60:02d}, {'A' if i % 3 else 'B'} : msg {i}\n"
                    for i in range(n))
    imsg = "".join(f"May {1 + i % 28:02d}, 2022 {1 + i % 12:2d}:{i % 60:02d}:00 PM\n{'Me' if i % 2 else 'Kim'}\n"
                   f"msg {i}\n\n" for i in range(n))
    for name, text, fmt in (("l.txt", line_text, "line_txt"), ("k.txt", kakao, "kakaotalk_txt"),
                            ("i.txt", imsg, "imessage_txt")):
        path = write(tmp_path, name, text)
        start = time.perf_counter()
        parsed = parse_file(path)
        elapsed = time.perf_counter() - start
        assert parsed.format == fmt and len(parsed.messages) == n
        assert elapsed < 8, f"{name}: {elapsed:.1f}s"


def test_frames_are_plain_dataframes() -> None:
    for path in (FIX / "line" / "ja.txt", FIX / "kakaotalk" / "mac_chat.csv", FIX / "imessage" / "Hiking Crew.txt"):
        assert isinstance(parse_file(path).messages, pd.DataFrame)
