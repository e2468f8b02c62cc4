"""WhatsApp TXT as real phones write it (issue 15): every public export we have, and our own fixtures per layout.

Public files are read from ../shared/fixtures/whatsapp at test time only (GPL-3.0 and MIT; skipped when absent):
``locales/languages`` (real exports from phones set to 20 languages, iOS and Android; their source states each iOS
file has 23 messages = 4 text + 2 locations + 17 system or media lines, each Android file 60 = 15 text + 2 files +
3 locations + 40 system or media), ``real_chats`` and chat-miner's samples. Our own fixtures (invented people and
text, WhatsApp's own marker strings) live in tests/fixtures/whatsapp/{layouts,markers}.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.importers import COLUMNS, REGISTRY, BadInputError, ParsedExport, detect, finish, parse_file
from lib.importers import whatsapp
from lib.importers import whatsapp_markers as wm

SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "whatsapp"
LANGS = SHARED / "locales" / "languages"
REAL = SHARED / "real_chats"
OWN = Path(__file__).resolve().parent / "fixtures" / "whatsapp"
ISO = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"
NOT_TEXT_MEDIA = ("image", "video", "voice", "sticker", "other", "system", "call")


def _files(folder: Path, pattern: str, exclude: str = "\0") -> list:
    files = sorted(p for p in folder.glob(pattern) if exclude not in p.name) if folder.is_dir() else []
    return files or [pytest.param(None, marks=pytest.mark.skip(reason=f"public fixtures not present at {folder}"))]


def kinds(p: ParsedExport) -> Counter[str]:
    return Counter(p.messages["kind"])


def assert_contract(p: ParsedExport) -> None:
    df = p.messages
    assert list(df.columns) == list(COLUMNS)
    assert df["time"].str.fullmatch(ISO).all(), df["time"].tolist()
    assert (df["chat"] != "").all()
    assert not any(ch in s for s in df["sender"] for ch in wm.INVISIBLE_CHARS)


# Every marker string of the table, as the importer's own code does not see it: straight from the data module.
_WHOLE = {wm.norm(s) for lang in wm.MARKERS.values()
          for cat in ("image", "video", "gif", "audio", "sticker", "contact", "media", "deleted", "view_once")
          for s in lang.get(cat, ())}
_STARTS = tuple(wm.norm(s) for lang in wm.MARKERS.values() for cat in ("e2e", "waiting", "call", "live_location")
                for s in lang.get(cat, ()) if len(wm.norm(s)) > 12)
_DOCS = tuple(wm.norm(s) for lang in wm.MARKERS.values() for s in lang.get("document", ()))
_SECURITY = [re.compile(wm.pattern_of(t)) for lang in wm.MARKERS.values() for t in lang.get("security", ())]


def assert_no_marker_text(p: ParsedExport) -> None:
    """No WhatsApp notice is left as something a person wrote (the twin would learn "image absente" as a phrase)."""
    for text in p.messages.loc[p.messages["kind"] == "text", "text"]:
        first = wm.norm(text.split("\n", 1)[0])
        assert first not in _WHOLE, text
        assert not first.startswith(_STARTS), text
        assert not first.endswith(_DOCS), text
        assert not any(rx.match(first) for rx in _SECURITY), text
        assert not re.search(r"<[^<>]{1,30}: \d{8}-[^<>]+>$|\(file attached\)$", first), text
        assert not re.match(r"^[^\n]{0,60}: https://(?:maps\.google\.com/\?q=|foursquare\.com/)", first), text
        assert not first.startswith(("<", "\u200e")) or not first.endswith(">"), text
        assert first != "null" and not first.startswith("poll:"), text


def participants_in_file(path: Path) -> set[str]:
    """Authors named in the raw header lines (independent of the importer): bracket or dash layouts."""
    raw = path.read_text(encoding="utf-8").translate(wm.INVISIBLE).translate(wm.SPACES)
    names = re.findall(r"^\[[^\]\n]+\] ([^:\n]+): |^[^\[\n][^\n]*? - ([^:\n]+): ", raw, re.M)
    return {whatsapp.clean_name(a or b) for a, b in names}


# ---------------------------------------------------------------------------------------------- locales (real)


@pytest.mark.parametrize("path", _files(LANGS, "*_ios.txt"), ids=lambda p: getattr(p, "stem", "missing"))
def test_locale_ios_counts_the_source_states(path: Path) -> None:
    p = parse_file(path)
    assert_contract(p)
    k = kinds(p)
    assert len(p.messages) == 23 and k["text"] == 4 and k["location"] == 2
    assert sum(k[x] for x in NOT_TEXT_MEDIA + ("file",)) == 17  # media, deleted, e2e: none of it text
    times = p.messages["time"]
    assert times.iloc[0].startswith("2022-03-18T14:56") and times.max().startswith("2022-03-27T21:56")
    contact = participants_in_file(path) - {"Dmitry S", "Dmitry Starkov"}
    assert set(p.messages["chat"]) == contact  # the e2e notice's author: not "Dmitry S, Elon Musk"
    first = p.messages.iloc[0]
    assert (first["kind"], first["sender"]) == ("system", "")  # the end-to-end notice is nobody's message
    assert p.me_candidates[0] in ("Dmitry S", "Dmitry Starkov")
    assert_no_marker_text(p)


@pytest.mark.parametrize("path", _files(LANGS, "*_android.txt"), ids=lambda p: getattr(p, "stem", "missing"))
def test_locale_android_counts_the_source_states(path: Path) -> None:
    p = parse_file(path)
    assert_contract(p)
    k = kinds(p)
    assert len(p.messages) == 60 and k["text"] == 15 and k["file"] == 2 and k["location"] == 3
    assert sum(k[x] for x in NOT_TEXT_MEDIA) == 40
    assert p.messages["time"].min() == "2022-03-18T14:56:00"
    assert p.messages["time"].max() == "2023-01-07T23:32:00"
    assert k["call"] == 2 and (p.messages["kind"] == "system").iloc[0]
    assert_no_marker_text(p)


def test_english_ios_media_counts() -> None:
    path = LANGS / "english_ios_media.txt"
    if not path.exists():
        pytest.skip("public fixtures not present")
    p = parse_file(path)
    k = kinds(p)
    # Source: 25 = 4 text, 3 image, 2 video, 1 audio, 1 GIF, 2 sticker, 4 file, 2 location, 6 system. It counts the
    # one "image omitted" as system; we count it as an image (so 4), and a GIF is a video here (so 3).
    assert len(p.messages) == 25
    assert (k["text"], k["image"], k["video"], k["voice"], k["sticker"], k["file"], k["location"], k["system"]) == (
        4, 4, 3, 1, 2, 4, 2, 5)
    assert sorted(p.messages.loc[p.messages["kind"] == "file", "text"]) == [
        "Resume-Dmitry-Starkov.pdf • 2 pages", "Some file.txt", "TR.vcf", "Template.docx"]
    assert_no_marker_text(p)


def test_english_android_media_counts() -> None:
    path = LANGS / "english_android_media.txt"
    if not path.exists():
        pytest.skip("public fixtures not present")
    p = parse_file(path)
    k = kinds(p)
    # Source: 60 = 15 text, 2 image, 2 video, 1 audio, 4 sticker, 2 file, 3 location, 31 system. Three of its
    # "system" rows are "<Media omitted>" with the document's name on the next line: files here (so 5 and 28).
    assert len(p.messages) == 60
    assert (k["text"], k["image"], k["video"], k["voice"], k["sticker"], k["location"]) == (15, 2, 2, 1, 4, 3)
    assert k["file"] == 5 and k["other"] + k["system"] + k["call"] == 28
    files = p.messages.loc[p.messages["kind"] == "file", "text"].tolist()
    assert files == ["Alex.vcf", "TR.vcf", "Some file.txt", "Resume-Dmitry-Starkov.pdf", "Template.docx"]
    captions = p.messages.loc[p.messages["kind"] == "other", "text"]
    assert "Image with caption" in set(captions)  # a caption is kept as the description, not as text
    assert_no_marker_text(p)


def test_dutch_android_media() -> None:
    path = LANGS / "deutch_android_media.txt"  # a Dutch phone; the source skips its counts ("fewer messages")
    if not path.exists():
        pytest.skip("public fixtures not present")
    p = parse_file(path)
    k = kinds(p)
    assert len(p.messages) == 41 and k["text"] == 6 and k["location"] == 3 and k["sticker"] == 4
    assert k["call"] == 2 and k["voice"] == 1 and k["video"] == 2 and k["file"] == 5
    assert_no_marker_text(p)


def test_arabic_ios_digits_and_marks() -> None:
    path = LANGS / "arabic_ios.txt"
    if not path.exists():
        pytest.skip("public fixtures not present")
    p = parse_file(path)
    assert p.messages["time"].iloc[0] == "2022-03-18T14:56:00"  # ٢:٥٦:٠٠ م = 2:56 PM
    assert set(p.messages["chat"]) == {"+40 521 028 61 88"}  # U+202A/U+202C around the number removed


# ---------------------------------------------------------------------------------------------- real chats


def test_real_chat_janice() -> None:
    path = REAL / "WhatsApp Chat with Janice Quach.txt"
    if not path.exists():
        pytest.skip("public fixtures not present")
    p = parse_file(path)
    assert_contract(p)
    df = p.messages
    headers = len(re.findall(r"^\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2} [ap]m - ", path.read_text(encoding="utf-8"), re.M))
    assert len(df) == headers == 6137
    assert len(df) - 1 == 6136  # the fixtures README: 6,136 messages besides the end-to-end notice
    assert set(df["chat"]) == {"Janice Quach"} and not df["is_group"].any()
    assert set(df.loc[df["kind"] != "system", "sender"]) == {"tyson", "Janice Quach"}
    assert p.me_candidates[0] == "tyson"
    assert (df["time"].min(), df["time"].max()) == ("2020-01-19T11:38:00", "2022-11-24T23:23:00")
    assert_no_marker_text(p)


def test_real_chat_brabbit61() -> None:
    path = REAL / "brabbit61_conversational_ai_30.txt"
    if not path.exists():
        pytest.skip("public fixtures not present")
    p = parse_file(path)
    assert_contract(p)
    df = p.messages
    raw = path.read_text(encoding="utf-8")
    assert len(df) == len(re.findall(r"^\d{1,2}/\d{1,2}/\d{4}, \d{2}:\d{2} - ", raw, re.M)) == 5764
    # Lines like "[9/9, 7:50 PM] Name: text" (150 start a line) are messages someone copied and pasted into one
    # message: they stay that message's text (the README's 5,908 counted them as messages of this chat).
    pasted = re.compile(r"\[\d{1,2}/\d{1,2}, \d{1,2}:\d{2} [AP]M\] ")
    assert len(re.findall(r"^\[\d{1,2}/\d{1,2}, \d{1,2}:\d{2} [AP]M\] ", raw, re.M)) == 150
    assert sum(len(pasted.findall(t)) for t in df["text"]) == len(pasted.findall(raw))
    assert set(df.loc[df["kind"] != "system", "sender"]) == {"Divya Manjunath", "Jenit Jain"}
    assert (df["time"].min(), df["time"].max()) == ("2018-08-21T00:49:00", "2020-01-12T18:48:00")
    assert_no_marker_text(p)


@pytest.mark.parametrize("path", _files(SHARED, "chatminer_test_*.txt"), ids=lambda p: getattr(p, "stem", "missing"))
def test_chatminer_samples(path: Path) -> None:
    target = json.loads((SHARED / "chatminer_target.json").read_text(encoding="utf-8"))
    p = parse_file(path)
    df = p.messages
    ours = df[df["kind"] != "system"]
    assert len(ours) == len(target) == 6 and (df["kind"] == "system").sum() == 2
    assert set(ours["sender"]) == {r["author"] for r in target}
    assert sorted(ours["time"]) == sorted(r["timestamp"] for r in target)


# ---------------------------------------------------------------------------------------------- own fixtures


LAYOUTS = OWN / "layouts"


@pytest.mark.parametrize("name,times", [
    ("android_2013_mdy_12h.txt", ["2013-12-31T23:58:00", "2013-12-31T23:59:00", "2014-01-01T00:00:00",
                                  "2014-01-01T12:30:00"]),
    ("android_2013_day_month_name.txt", ["2013-12-31T23:58:00", "2013-12-31T23:59:00", "2014-01-01T00:00:00",
                                         "2014-01-02T12:30:00"]),
    ("android_2013_month_name_12h.txt", ["2013-12-31T23:58:00", "2013-12-31T23:59:00", "2014-01-01T00:00:00",
                                         "2014-01-02T12:30:00"]),
    ("dayperiod_english.txt", ["2023-06-21T09:15:00", "2023-06-21T12:05:00", "2023-06-21T15:05:00",
                               "2023-06-21T20:40:00", "2023-06-21T23:30:00", "2023-06-22T00:10:00"]),
    ("dayperiod_german.txt", ["2023-06-21T09:15:00", "2023-06-21T12:05:00", "2023-06-21T21:15:00"]),
    ("dayperiod_korean.txt", ["2023-06-21T09:15:00", "2023-06-21T12:05:00", "2023-06-21T15:05:00"]),
    ("dayperiod_chinese.txt", ["2023-06-21T09:15:00", "2023-06-21T12:05:00", "2023-06-21T15:05:00"]),
    ("japanese_era_ios_chat.txt", ["2019-04-30T23:59:00", "2019-05-01T00:00:30", "2022-03-18T14:56:01",
                                   "2023-01-07T09:00:00"]),
    ("japanese_era_year_first_chat.txt", ["2023-03-18T09:05:00", "2023-03-18T09:06:10", "2023-03-19T21:00:00",
                                          "2023-03-20T07:30:00"]),
    ("buddhist_ios_chat.txt", ["2023-05-01T10:00:00", "2023-05-01T10:00:30", "2023-05-01T10:01:00",
                               "2023-05-02T19:30:00", "2023-12-31T23:59:00", "2024-01-01T00:00:10"]),
    ("vietnamese_ios_chat.txt", ["2023-04-20T08:00:00", "2023-04-20T08:01:10", "2023-04-20T08:02:00",
                                 "2023-04-20T08:03:00", "2023-04-21T21:15:00", "2023-04-21T21:16:00"]),
    ("arabic_ios_chat.txt", ["2023-02-14T09:00:00", "2023-02-14T09:05:10", "2023-02-14T09:06:00",
                             "2023-02-14T13:30:00", "2023-02-14T13:31:00", "2023-02-14T14:00:00",
                             "2023-02-14T23:59:59", "2023-02-15T00:10:00"]),
])
def test_layouts_once_rejected_now_read(name: str, times: list[str]) -> None:
    path = LAYOUTS / name
    assert detect(path)[0].name == "whatsapp_txt"
    p = parse_file(path)
    assert_contract(p)
    assert p.messages["time"].tolist() == times
    assert_no_marker_text(p)


def test_calendar_notes() -> None:
    assert any("Buddhist" in n for n in parse_file(LAYOUTS / "buddhist_ios_chat.txt").notes)
    assert any("Japanese era" in n for n in parse_file(LAYOUTS / "japanese_era_ios_chat.txt").notes)


def test_arabic_ios_kinds_and_names() -> None:
    p = parse_file(LAYOUTS / "arabic_ios_chat.txt")
    assert p.messages["kind"].tolist() == ["system", "text", "image", "text", "system", "voice", "location", "text"]
    assert set(p.messages["chat"]) == {"+20 100 555 0199"}  # the contact of the end-to-end notice
    assert p.messages["sender"].iloc[0] == ""


def test_vietnamese_time_first_markers() -> None:
    p = parse_file(LAYOUTS / "vietnamese_ios_chat.txt")
    assert p.messages["kind"].tolist() == ["system", "text", "text", "image", "system", "text"]
    assert set(p.messages["chat"]) == {"Lan Tran"}


def test_invisible_marks_at_line_starts_keep_every_message() -> None:
    p = parse_file(LAYOUTS / "marks_at_line_starts.txt")
    df = p.messages
    assert len(df) == 10  # before: "imported 1 messages" or rows swallowed into a system line
    assert df["sender"].tolist()[1:] == ["Rosa Lind", "Tomas Berg", "Rosa Lind", "Tomas Berg", "Rosa Lind",
                                         "Tomas Berg", "Rosa Lind", "Tomas Berg", "Rosa Lind"]
    assert df["text"].iloc[2] == "almost\nstuck at the bridge"
    assert df["kind"].iloc[4] == "other" and df["text"].iloc[4] == ""
    assert df["text"].iloc[7] == "bracket line"


@pytest.mark.parametrize("mark", list(wm.INVISIBLE_CHARS))
def test_any_invisible_mark_before_every_header(tmp_path: Path, mark: str) -> None:
    lines = [f"{mark}0{1 + i // 20}/03/2024, 10:{i % 60:02d} - {'Ann' if i % 2 else 'Ben'}: message {i}"
             for i in range(49)]
    path = tmp_path / "chat.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = parse_file(path)
    assert len(p.messages) == 49 and (p.messages["kind"] == "text").all()
    assert p.messages["text"].iloc[-1] == "message 48"


def test_us_12_hour_july_reads_month_first_with_a_note() -> None:
    p = parse_file(LAYOUTS / "us_12h_july.txt")
    assert p.messages["time"].iloc[0] == "2024-07-01T09:05:00"
    assert p.messages["time"].iloc[-1] == "2024-07-11T16:40:00"  # not November
    assert any(n.startswith("Dates read as month/day/year") and "days" in n for n in p.notes)


def test_day_first_chosen_when_its_days_are_consecutive(tmp_path: Path) -> None:
    text = "".join(f"0{d}/06/2024, 10:00 - Ann: day {d}\n" for d in range(1, 8))
    path = tmp_path / "chat.txt"
    path.write_text(text, encoding="utf-8")
    p = parse_file(path)
    assert p.messages["time"].tolist()[-1] == "2024-06-07T10:00:00"
    assert any(n.startswith("Dates read as day/month/year") for n in p.notes)


def test_french_ios_markers_are_kinds_not_text() -> None:
    p = parse_file(OWN / "markers" / "french_ios_chat.txt")
    df = p.messages
    assert df["kind"].tolist() == ["system", "text", "image", "video", "voice", "sticker", "video", "other", "file",
                                   "system", "system", "location", "system", "text"]
    assert df["text"].iloc[8] == "menu.pdf • 3 pages"
    assert (df["sender"].iloc[0], df["sender"].iloc[12]) == ("", "")  # e2e and security-code notices
    assert set(df["chat"]) == {"Léa Martin"} and p.me_candidates[0] == "Hugo Petit"
    assert_no_marker_text(p)


def test_german_android_markers() -> None:
    p = parse_file(OWN / "markers" / "german_android.txt")
    assert p.messages["kind"].tolist() == ["system", "text", "other", "system", "location", "image", "call", "text"]
    assert p.messages["text"].iloc[5] == "der Blick vom Turm"  # the caption below the attachment
    assert_no_marker_text(p)


def test_old_and_odd_placeholders() -> None:
    p = parse_file(OWN / "markers" / "old_and_odd_placeholders.txt")
    assert list(zip(p.messages["kind"], p.messages["text"])) == [
        ("image", ""), ("voice", ""), ("video", ""), ("file", "Budget.docx • 1 page"), ("text", "thanks, reading it"),
        ("other", "Where do we meet?"), ("text", "library it is")]
    q = parse_file(OWN / "markers" / "android_media_lines.txt")
    assert list(zip(q.messages["kind"], q.messages["text"])) == [
        ("file", "Budget.docx"), ("other", "the lake at dawn"), ("other", "view once"), ("text", "what was that?"),
        ("text", "a view-once photo")]


def test_added_you_marks_the_exporter() -> None:
    p = parse_file(OWN / "markers" / "added_you_group.txt")
    assert p.me_candidates[0] == "Vera Cole"  # the only author no notice names: the one who was added
    assert p.me_candidates[-2:] == ["Nina Shaw", "Paul Reed"] or set(p.me_candidates[1:]) == {"Nina Shaw",
                                                                                                "Paul Reed"}
    assert any("Nina Shaw added you" in n for n in p.notes)
    assert set(p.messages["chat"]) == {"Book club"} and p.messages["is_group"].all()


def test_localised_added_you(tmp_path: Path) -> None:
    text = ("02/10/2023, 18:00 - Nina Shaw hat dich hinzugefügt\n02/10/2023, 18:01 - Nina Shaw: hallo\n"
            "02/10/2023, 18:02 - Nina Shaw: willkommen\n02/10/2023, 18:03 - Vera Cole: danke\n")
    path = tmp_path / "chat.txt"
    path.write_text(text, encoding="utf-8")
    assert parse_file(path).me_candidates == ["Vera Cole", "Nina Shaw"]


@pytest.mark.parametrize("file_name,chat", [
    ("Chat WhatsApp s uživatelem Eva Nováková.txt", "Eva Nováková"),
    ("Чат WhatsApp с контактом Иван Петров.txt", "Иван Петров"),
    ("WhatsApp Chat mit Lena Vogel.txt", "Lena Vogel"),
    ("Conversa do WhatsApp com Ana Lima.txt", "Ana Lima"),
    ("Chat de WhatsApp con Luis Mora.txt", "Luis Mora"),
    ("Discussion WhatsApp avec Chloé Roy.txt", "Chloé Roy"),
    ("WhatsApp Chat - Lake Club.txt", "Lake Club"),
    ("WhatsApp%20Chat%20with%20Sam%20Oak.txt", "Sam Oak"),
    ("0003_WhatsApp Chat with Sam Oak (1).txt", "Sam Oak"),
])
def test_chat_name_from_localised_file_names(tmp_path: Path, file_name: str, chat: str) -> None:
    path = tmp_path / file_name
    path.write_text("01/05/2024, 09:00 - Ann: hi\n01/05/2024, 09:01 - Ben: hey\n", encoding="utf-8")
    assert set(parse_file(path).messages["chat"]) == {chat}


def test_every_fixture_language_has_the_marker_families() -> None:
    """The table holds each fixture language's media, deleted, location and end-to-end strings."""
    for lang in ("en", "ar", "cs", "de", "es", "fr", "hi", "id", "it", "ja", "nl", "pt", "ru", "th", "uk", "vi"):
        cats = wm.MARKERS[lang]
        for cat in ("image", "video", "audio", "deleted", "document", "e2e", "location") if lang != "nl" else (
                "media", "deleted", "e2e", "location", "call", "file_attached"):
            assert cats.get(cat), (lang, cat)
    assert set(wm.CATEGORIES) >= {"image", "video", "gif", "audio", "sticker", "contact", "media", "document",
                                  "deleted", "e2e", "security", "location", "call", "view_once", "poll"}


def test_workspace_imports_a_localised_export(tmp_path: Path) -> None:
    from lib.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    try:
        report = ws.import_paths([OWN / "markers" / "french_ios_chat.txt"], me="Hugo Petit")
        assert not report.failed and report.imported == 14
        rows = ws.conn.execute("SELECT kind, COUNT(*) FROM messages GROUP BY kind").fetchall()
        assert dict(rows)["text"] == 2
        assert any(n.startswith("Dates read as") for f in report.files for n in f.notes)
    finally:
        ws.close()


def test_signal_file_stays_signal() -> None:
    path = SHARED.parent / "other" / "signal" / "test_export.txt"
    if not path.exists():
        pytest.skip("public fixtures not present")
    text = path.read_text(encoding="utf-8")
    assert REGISTRY["whatsapp_txt"].sniff(text, "x.txt") < REGISTRY["signal_txt"].sniff(text, "x.txt")


# ---------------------------------------------------------------------------------------------- properties


_PIECES = st.sampled_from([
    "01/05/2024, 09:00 - Ann: ", "[5/14/24, 9:00:00\u202fPM] Bo: ", "\ufeff", "\u200e", "\u200f", "\n", ": ",
    "<Media omitted>", "\u200eimage omitted", "POLL:\n", "OPTION: a (1 vote)", "null", "[14:56:01, 3/18/22] Cy: ",
    "[١٨\u200f/٣\u200f/٢٠٢٢، ٢:٥٦:٠٠\u00a0م] Di: ", "31 Dec 2013 23:59 - ", "2023. 6. 21. 오후 3:05 - ", "R4",
    "2565 BE", "x.pdf • 2 pages \u200edocument omitted", "<attached: 00000001-PHOTO.jpg>", " (file attached)",
    "location: https://maps.google.com/?q=1,2", "Nina added you", "45/45/2024, 10:00 - ",
])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=600).map(lambda b: b.decode("utf-8", "replace")),
                 st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=40).map("".join)))
def test_never_crashes(text: str) -> None:
    """Arbitrary bytes or header-like soup: a parse or a BadInputError, never anything else."""
    assert 0.0 <= whatsapp.sniff(text, "x.txt") <= 0.95
    try:
        p = whatsapp.parse(Path("x.txt"), text)
    except BadInputError:
        return
    p.messages = finish(p.messages)
    assert_contract(p)
