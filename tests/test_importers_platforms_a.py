"""Importers for Signal (signal-export chat.md), Instagram and Messenger ("Download your information" JSON) and
DiscordChatExporter JSON.

Own fixtures (invented people) live in tests/fixtures/{signal,instagram,messenger,discord}/. The public files in
../shared/fixtures/other/ are checked against the expected parse their source repositories state: chat-miner's
target.json (Signal, Instagram) and chat-analytics' ``*.json.ts`` expectations (Messenger 2A_7M: 2 authors, 7
messages; Discord DM_2A_2M, GC_3A_5M, SV_5A_5M). The AGPL ones are read at test time only, never copied.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.importers import COLUMNS, REGISTRY, BadInputError, ParsedExport, detect, parse_file
from lib.importers import meta_dyi

FIX = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
FORMATS = ("signal_txt", "instagram_json", "messenger_json", "discord_json")

SIGNAL_PRIVATE = FIX / "signal" / "private" / "chat.md"
SIGNAL_GROUP_OLD = FIX / "signal" / "group_old" / "index.md"
IG_PRIVATE = FIX / "instagram" / "message_1.json"
FB_GROUP = FIX / "messenger" / "message_1.json"
DC_SERVER = FIX / "discord" / "server_channel.json"
OWN = {SIGNAL_PRIVATE: "signal_txt", SIGNAL_GROUP_OLD: "signal_txt", IG_PRIVATE: "instagram_json",
       FB_GROUP: "messenger_json", DC_SERVER: "discord_json"}


def shared(sub: str) -> Path:
    folder = SHARED / sub
    if not folder.is_dir():
        pytest.skip(f"public fixtures not present at {folder}")
    return folder


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def local(ms: int) -> str:
    """What the importers must give for an epoch-ms time: this computer's local wall clock."""
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%dT%H:%M:%S")


def utc_to_local(iso: str) -> str:
    return datetime.fromisoformat(iso).replace(tzinfo=timezone.utc).astimezone().strftime("%Y-%m-%dT%H:%M:%S")


def assert_contract(parsed: ParsedExport) -> None:
    df = parsed.messages
    assert list(df.columns) == list(COLUMNS)
    assert str(df["is_me"].dtype) == "boolean"
    assert (df["chat"] != "").all() and (df["chat_key"] != "").all()
    assert df["time"].str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}").all(), df["time"].tolist()
    assert df["time"].is_monotonic_increasing


def col(parsed: ParsedExport, name: str) -> list:
    return parsed.messages[name].tolist()


# ---------------------------------------------------------------------------------------------------- detection


@pytest.mark.parametrize("path,fmt", list(OWN.items()), ids=lambda v: getattr(v, "name", v))
def test_detect_own_fixtures_by_content(path: Path, fmt: str, tmp_path: Path) -> None:
    imp, score = detect(path)
    assert (imp.name, score >= 0.9) == (fmt, True)
    renamed = tmp_path / "export.csv"  # the name does not decide
    shutil.copy(path, renamed)
    assert detect(renamed)[0].name == fmt


def test_public_fixtures_detected() -> None:
    other = shared("other")
    expected = {"signal/test_export.txt": "signal_txt", "instagram/test_export.json": "instagram_json",
                "messenger/2A_7M.json": "messenger_json", "discord/DM_2A_2M.json": "discord_json",
                "discord/GC_3A_5M.json": "discord_json", "discord/SV_5A_5M.json": "discord_json"}
    for rel, fmt in expected.items():
        assert detect(other / rel)[0].name == fmt, rel


def test_signal_wins_over_whatsapp_on_signal_files() -> None:
    text = (shared("other") / "signal" / "test_export.txt").read_text(encoding="utf-8")
    assert REGISTRY["whatsapp_txt"].sniff(text, "x.txt") > 0.5  # the header shape is WhatsApp-like too
    assert REGISTRY["signal_txt"].sniff(text, "x.txt") > REGISTRY["whatsapp_txt"].sniff(text, "x.txt")
    own = SIGNAL_PRIVATE.read_text(encoding="utf-8")
    assert REGISTRY["signal_txt"].sniff(own, "chat.md") > REGISTRY["whatsapp_txt"].sniff(own, "chat.md")


def test_whatsapp_iso_layouts_stay_whatsapp(tmp_path: Path) -> None:
    """WhatsApp iOS in ISO-date locales writes seconds and none of Signal's marks; slashed minute clocks too."""
    for text in ("[2024-05-01 09:00:00] Ann: hi\n[2024-05-01 09:01:00] Ben: hey\n",
                 "[2024-05-01, 09:00:00] Ann: hi\n[2024-05-01, 09:01:00] Ben: hey\n",
                 "[01/20/19 11:23] John Doe: hi\n[01/21/19 11:24] Jane: yo\n"):
        assert detect(write(tmp_path, "_chat.txt", text))[0].name == "whatsapp_txt", text


def test_nobody_else_claims_our_files_and_we_claim_nobody_elses() -> None:
    """Cross-detection over every fixture we have: ours go to us, the others' keep their importer."""
    files = [p for p in FIX.rglob("*") if p.is_file()]
    if SHARED.is_dir():
        files += [p for p in SHARED.rglob("*") if p.is_file()]
    own_dirs = {FIX / d for d in ("signal", "instagram", "messenger", "discord")} | {
        SHARED / "other" / d for d in ("signal", "instagram", "messenger", "discord")}
    for path in files:
        ours = any(d in path.parents for d in own_dirs) and "target" not in path.name
        try:
            name = detect(path)[0].name
        except BadInputError:
            name = None
        assert (name in FORMATS) == ours, (path, name)


def test_meta_sniffers_split_instagram_and_messenger() -> None:
    bare = '{"messages": [{"sender_name": "A", "timestamp_ms": 1, "content": "x"}]}'
    fb = '{"participants": [], "messages": [{"sender_name": "A", "timestamp_ms": 1, "sticker": ' \
         '{"uri": "messages/stickers_used/1.png"}}], "thread_type": "Regular"}'
    ig = '{"messages": [{"sender_name": "A", "timestamp_ms": 1, "share": {"link": "https://www.instagram.com/p/1/"}}]}'
    sniff_ig, sniff_fb = REGISTRY["instagram_json"].sniff, REGISTRY["messenger_json"].sniff
    assert sniff_ig(bare, "m.json") > sniff_fb(bare, "m.json")
    assert sniff_fb(fb, "m.json") > sniff_ig(fb, "m.json")
    assert sniff_ig(ig, "m.json") > sniff_fb(ig, "m.json")
    training = json.dumps({"messages": [{"role": "user", "content": "hi"}]})
    tg = '{"name": "A", "type": "personal_chat", "messages": [{"type": "message", "date_unixtime": "1"}]}'
    for sniff in (sniff_ig, sniff_fb, REGISTRY["discord_json"].sniff):
        assert sniff(training, "t.json") == 0 and sniff(tg, "result.json") == 0


# ---------------------------------------------------------------------------------------------------- Signal


def test_signal_matches_chatminer() -> None:
    folder = shared("other/signal")
    parsed = parse_file(folder / "test_export.txt")
    assert_contract(parsed)
    target = json.loads((folder / "target.json").read_text(encoding="utf-8"))[::-1]  # chat-miner: newest first
    got = [(t, s, x.replace("\n", " ")) for t, s, x in zip(col(parsed, "time"), col(parsed, "sender"),
                                                           col(parsed, "text"))]
    assert got == [(m["timestamp"], m["author"], m["message"]) for m in target]
    assert col(parsed, "text")[1] == "Hello\nJane!"  # we keep the newline chat-miner flattens
    assert set(col(parsed, "kind")) == {"text"} and parsed.messages["is_me"].isna().all()
    assert col(parsed, "chat")[0] == "Jane Doe, John Doe" and not parsed.messages["is_group"].any()


def test_signal_private_markup() -> None:
    parsed = parse_file(SIGNAL_PRIVATE)
    assert_contract(parsed)
    df = parsed.messages
    assert col(parsed, "kind") == ["text", "text", "text", "image", "file", "sticker", "system", "call", "system",
                                   "voice", "text"]
    assert col(parsed, "text")[:3] == ["Morning Ola! Are we still on for the hike?",
                                       "Yes!\nBring the map, I forgot mine.", "Will do"]
    assert col(parsed, "quote")[2] == "Bring the map, I forgot mine."
    assert col(parsed, "text")[4] == "route plan.pdf\nthe route"  # original name, without sigexport's prefix
    assert col(parsed, "text")[5] == "😀"
    assert col(parsed, "text")[6] == "This message was deleted"
    assert col(parsed, "text")[7].startswith("Outgoing voice call")
    assert (col(parsed, "sender")[8], col(parsed, "text")[8]) == ("", "")  # a textless Signal notice
    assert col(parsed, "text")[3] == "" and col(parsed, "text")[10] == "See you at 7 🙂"  # trailing "  " gone
    assert df["is_me"].tolist() == [s == "Me" for s in df["sender"]]
    assert (df["chat"] == "Ola Berg").all() and not df["is_group"].any()
    assert parsed.me_candidates[0] == "Me" and ("Ola Berg", "reaction") in parsed.people
    assert col(parsed, "time")[0] == "2024-03-01T08:59:58"


def test_signal_old_group_layout() -> None:
    parsed = parse_file(SIGNAL_GROUP_OLD)
    assert_contract(parsed)
    df = parsed.messages
    assert df["is_group"].all() and df["chat"].iloc[0] == "Dana Fox, Kim Lee, Rui Sato"
    assert len(df) == 5 and col(parsed, "time")[0] == "2023-11-05T18:00:00"
    assert col(parsed, "text")[2] == "me too\nand drinks"
    assert col(parsed, "text")[4].endswith("part of the message above")  # impossible date: text, not a message
    assert any("impossible dates" in n for n in parsed.notes) and any("No-Sender" in n for n in parsed.notes)
    assert df["is_me"].sum() == 1


# ---------------------------------------------------------------------------------------------------- Instagram


def test_instagram_matches_chatminer() -> None:
    folder = shared("other/instagram")
    parsed = parse_file(folder / "test_export.json")
    assert_contract(parsed)
    target = json.loads((folder / "target.json").read_text(encoding="utf-8"))[::-1]
    # chat-miner reads timestamp_ms as UTC; we give this computer's wall clock of the same instants.
    assert list(zip(col(parsed, "time"), col(parsed, "sender"), col(parsed, "text"))) == [
        (utc_to_local(m["timestamp"]), m["author"], m["message"]) for m in target]
    assert col(parsed, "chat")[0] == "Jane Doe, John Doe"  # no title in the file: its participants


def test_instagram_mojibake_kinds_and_owner() -> None:
    parsed = parse_file(IG_PRIVATE)
    assert_contract(parsed)
    df = parsed.messages
    assert col(parsed, "kind") == ["text", "text", "image", "video", "voice", "link", "system", "system", "call"]
    assert col(parsed, "text")[1] == "日本 trip was amazing 🎌 — café every morning"
    assert col(parsed, "sender")[0] == "Zoë Lind" and df["chat"].iloc[0] == "Zoë Lind"
    assert col(parsed, "text")[5] == "https://www.instagram.com/p/XYZ123/"  # not "You sent an attachment."
    assert col(parsed, "text")[6] == "Message unsent" and col(parsed, "text")[7].startswith("Reacted ❤️")
    assert df["chat_key"].iloc[0] == "inbox/zoelind_1234567890" and not df["is_group"].any()
    assert df["is_me"].isna().all()
    assert parsed.me_candidates[0] == "Mika Tanaka"  # the title names the other person
    assert col(parsed, "time")[0] == local(int(datetime(2024, 7, 2, 19, 33, tzinfo=timezone.utc).timestamp() * 1000))
    assert ("Zoë Lind", "reaction") in parsed.people


def test_mojibake_decoding_only_where_it_is_mojibake() -> None:
    escaped = json.dumps("日本 café".encode("utf-8").decode("latin-1"))
    assert meta_dyi.looks_mojibake(escaped)
    assert meta_dyi.fix_text(json.loads(escaped), True) == "日本 café"
    assert not meta_dyi.looks_mojibake(json.dumps("日本"))  # \u65e5: a real escape, the file is already right
    assert not meta_dyi.looks_mojibake("plain ascii")
    assert meta_dyi.fix_text("café", True) == "café"  # Latin-1 that is not UTF-8 bytes stays as it is
    assert meta_dyi.fix_text(None, True) == ""


def test_local_times_follow_dst(monkeypatch: pytest.MonkeyPatch) -> None:
    """One offset per quarter hour must equal datetime.fromtimestamp everywhere, DST switches included."""
    if not hasattr(time, "tzset") or not Path("/usr/share/zoneinfo/Europe/Berlin").exists():
        pytest.skip("no tz database")
    stamps = np.array([1711846799000, 1711846800000, 1711850400000, 1729990799999, 1729990800000, 1577836800000,
                       1699999999999] + list(range(1_600_000_000_000, 1_700_000_000_000, 997_000_000_003)),
                      dtype=np.int64)
    try:
        for zone in ("Europe/Berlin", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kathmandu"):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            iso, valid = meta_dyi.local_times(stamps)
            assert valid.all()
            assert iso.tolist() == [local(int(s)) for s in stamps], zone
    finally:
        monkeypatch.undo()
        time.tzset()
    iso, valid = meta_dyi.local_times(np.array([5, 10**17], dtype=np.int64))
    assert not valid.any()


# ---------------------------------------------------------------------------------------------------- Messenger


def test_messenger_chat_analytics_sample() -> None:
    parsed = parse_file(shared("other/messenger") / "2A_7M.json")
    assert_contract(parsed)
    df = parsed.messages
    assert len(df) == 7 and set(df["sender"]) == {"Alice", "Bob"}  # 2 authors, 7 messages
    assert col(parsed, "kind") == ["image", "sticker", "voice", "file", "text", "text", "text"]
    assert col(parsed, "text")[3:] == ["blabla.docx", "you what", "Whats up!", "Hello"]
    assert col(parsed, "time")[0] == local(1415147240411) and col(parsed, "time")[-1] == local(1415147732056)
    assert df["chat"].iloc[0] == "Alice" and df["chat_key"].iloc[0] == "inbox/alice_aaaaaaaaaa"
    assert not df["is_group"].any() and parsed.me_candidates[0] == "Bob"


def test_messenger_group_types() -> None:
    parsed = parse_file(FB_GROUP)
    assert_contract(parsed)
    df = parsed.messages
    assert col(parsed, "kind") == ["system", "text", "image", "sticker", "video", "system", "call", "link", "text",
                                   "file", "system"]
    assert col(parsed, "text")[0] == "Ana Ruiz added Ben Okafor, Lars Øberg"
    assert col(parsed, "text")[1] == "Next book: Cien años de soledad 📚"
    assert col(parsed, "text")[2] == "our shelf" and col(parsed, "text")[6] == "Call, 2 min 5 s"
    assert col(parsed, "text")[7] == "https://example.org/books"
    assert col(parsed, "text")[8].startswith("This one https://")  # own words around a shared link stay text
    assert col(parsed, "text")[9] == "chapter notes.pdf" and col(parsed, "text")[10] == "Lars Øberg left the group."
    assert df["is_group"].all() and df["chat"].iloc[0] == "Book Club ☕"
    assert ("Cleo Marsh", "participant") in parsed.people


# ---------------------------------------------------------------------------------------------------- Discord


def test_discord_dm_sample() -> None:
    parsed = parse_file(shared("other/discord") / "DM_2A_2M.json")
    assert_contract(parsed)
    df = parsed.messages
    text = df[df["kind"] == "text"]
    assert text["text"].tolist() == ["blah", "something something text"]  # 2 messages by 2 authors
    assert text["sender_id"].tolist() == ["111111111111111111", "444444444444444444"]
    assert col(parsed, "time")[:2] == ["2019-01-04T17:52:39", "2019-01-25T00:11:04"]
    assert (col(parsed, "kind")[2], col(parsed, "text")[2]) == ("call", "Call, 251 min")
    assert df["chat"].iloc[0] == "Someones name" and not df["is_group"].any()
    assert df["chat_key"].iloc[0] == "530805775262679064" and df["is_me"].isna().all()
    assert parsed.me_candidates[-1] == "Someones nickname"  # a bot ranks last


def test_discord_group_sample() -> None:
    parsed = parse_file(shared("other/discord") / "GC_3A_5M.json")
    assert_contract(parsed)
    df = parsed.messages
    authored = df[df["kind"] == "text"]
    assert authored["sender"].tolist() == ["theplant", "lombi", "mlomb"]  # nickname over name; 3 authors
    assert authored["quote"].tolist()[-1] == "Should honor nickname over name"  # the reply's target
    assert col(parsed, "kind").count("system") == 2 and col(parsed, "kind").count("call") == 1
    assert col(parsed, "text")[0] == "lombi changed the channel name." and col(parsed, "sender")[0] == ""
    assert df["is_group"].all() and df["chat"].iloc[0] == "a group chat"


def test_discord_server_sample() -> None:
    parsed = parse_file(shared("other/discord") / "SV_5A_5M.json")
    assert_contract(parsed)
    df = parsed.messages
    assert len(df) == 4 and set(df["sender_id"]) == {"555555555555555555", "111111111111111111"}
    assert col(parsed, "sender")[1] == "mlomb"  # no nickname: the user name
    assert col(parsed, "kind")[2] == "image" and col(parsed, "text")[2] == "This message has attachments and stickers."
    assert col(parsed, "time")[0] == "2018-05-20T16:09:44"
    assert df["chat"].iloc[0] == "DefleMask #general-chiptune" and df["is_group"].all()
    assert any("repeated" in n for n in parsed.notes)


def test_discord_own_fixture() -> None:
    parsed = parse_file(DC_SERVER)
    assert_contract(parsed)
    df = parsed.messages
    assert col(parsed, "kind") == ["system", "text", "text", "file", "sticker", "link", "system", "text", "image"]
    assert col(parsed, "time")[1] == "2024-05-01T22:00:05"  # the wall clock the +02:00 timestamp shows
    assert col(parsed, "quote")[2] == "anyone up for a game tonight? @Tom V"
    assert col(parsed, "text")[3:6] == ["rules.pdf", "Wave", "Patch notes 1.2"]
    assert col(parsed, "text")[0] == "Tom V joined the server." and col(parsed, "text")[8] == "gg 🎮"
    assert parsed.me_candidates == ["Rin", "Tom V", "Helper"]
    assert ("rin_k", "username") in parsed.people and ("Tom V", "mention") in parsed.people
    assert df["chat"].iloc[0] == "Night Owls #lobby" and df["chat_key"].iloc[0] == "77"


# ---------------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_garbage_and_cut_files_are_one_line_errors(tmp_path: Path, fmt: str) -> None:
    for name, text in (("empty.json", ""), ("garbage.json", "hello world\nnot an export\n"),
                       ("list.json", "[1, 2, 3]"), ("nomsg.json", '{"messages": []}')):
        path = write(tmp_path, name, text)
        with pytest.raises(BadInputError) as err:
            parse_file(path, fmt=fmt)
        assert name in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("src", [IG_PRIVATE, FB_GROUP, DC_SERVER], ids=lambda p: p.parent.name)
def test_truncated_json_says_where(tmp_path: Path, src: Path) -> None:
    raw = src.read_text(encoding="utf-8")
    path = write(tmp_path, "cut.json", raw[: len(raw) // 2])
    with pytest.raises(BadInputError, match=r"cut\.json: the file ends early"):
        parse_file(path)


def test_meta_messages_without_times_are_left_out(tmp_path: Path) -> None:
    data = {"messages": [{"sender_name": "A", "timestamp_ms": 1700000000000, "content": "ok"},
                         {"sender_name": "B", "content": "no time"},
                         {"sender_name": "B", "timestamp_ms": 5, "content": "1970"}, "junk"]}
    parsed = parse_file(write(tmp_path, "m.json", json.dumps(data)), fmt="instagram_json")
    assert col(parsed, "text") == ["ok"]
    assert any("without a time" in n for n in parsed.notes) and any("impossible time" in n for n in parsed.notes)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=1500), fmt=st.sampled_from(FORMATS))
def test_arbitrary_bytes_never_crash(data: bytes, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.json"
        path.write_bytes(data)
        try:
            parsed = parse_file(path, fmt=fmt)
        except BadInputError:
            return
        assert list(parsed.messages.columns) == list(COLUMNS)


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2**63) | st.floats(allow_nan=True)
    | st.sampled_from(["", "Default", "Call", "Reply", "x", "2024-05-01T22:00:05+02:00", "\u00c3\u00a9", "a.png"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["messages", "sender_name", "timestamp_ms", "content", "photos", "share", "type", "users",
                         "timestamp", "author", "id", "attachments", "stickers", "embeds", "reference", "channel",
                         "guild", "participants", "title", "call_duration", "is_unsent", "messageId", "link"]),
        inner, max_size=5),
    max_leaves=25)
_SIGNALISH = st.text(alphabet=st.sampled_from(list("[]0123456789-:, Me:No-Sender!()./media\n> (- ) 😀")), max_size=300)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obj=_JSONISH, text=_SIGNALISH, fmt=st.sampled_from(FORMATS))
def test_structured_junk_never_crashes(obj: object, text: str, fmt: str) -> None:
    body = text if fmt == "signal_txt" else json.dumps({"messages": [obj], "guild": obj, "channel": obj})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.json"
        path.write_text(body, encoding="utf-8")
        try:
            parsed = parse_file(path, fmt=fmt)
        except BadInputError:
            return
        assert list(parsed.messages.columns) == list(COLUMNS)
        assert parsed.messages["kind"].isin(["text", "image", "sticker", "voice", "video", "file", "link",
                                             "location", "call", "system", "other"]).all()


# ---------------------------------------------------------------------------------------------------- end to end


def test_workspace_imports_signal_with_me_known(tmp_path: Path) -> None:
    from lib.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    try:
        report = ws.import_paths([SIGNAL_PRIVATE, IG_PRIVATE])
        assert [f.status for f in report.files] == ["imported", "imported"], [f.message for f in report.files]
        chats = ws.chats().set_index("name")
        assert chats.loc["Ola Berg", "family"] == "signal" and chats.loc["Ola Berg", "messages"] == 11
        assert chats.loc["Ola Berg", "mine"] == 5
        assert chats.loc["Zoë Lind", "family"] == "instagram" and chats.loc["Zoë Lind", "messages"] == 9
    finally:
        ws.close()


def test_platform_formats_are_fast(tmp_path: Path) -> None:
    """Tens of thousands of messages each in well under the budget of a million in ~10 s."""
    n = 30_000
    sig = "".join(f"[2024-05-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00] {'Me' if i % 3 else 'Ann'}: m {i}  \n\n"
                  for i in range(n))
    ig = {"participants": [{"name": "A"}, {"name": "B"}], "title": "A", "messages": [
        {"sender_name": "AB"[i % 2], "timestamp_ms": 1_700_000_000_000 - i * 60_000, "content": f"caf\u00c3\u00a9 {i}"}
        for i in range(n)]}
    dc = {"guild": {"id": "0", "name": "Direct Messages"}, "channel": {"id": "1", "type": "DirectTextChat",
                                                                        "name": "A"},
          "messages": [{"id": str(i), "type": "Default", "timestamp": "2024-05-01T22:00:05.250+02:00",
                        "isPinned": False, "content": f"m {i}", "author": {"id": str(i % 2), "name": "AB"[i % 2]},
                        "attachments": [], "embeds": [], "stickers": [], "mentions": []} for i in range(n)]}
    for name, text, fmt in (("chat.md", sig, "signal_txt"), ("message_1.json", json.dumps(ig), "instagram_json"),
                            ("dc.json", json.dumps(dc), "discord_json")):
        path = write(tmp_path, name, text)
        start = time.perf_counter()
        parsed = parse_file(path)
        elapsed = time.perf_counter() - start
        assert (parsed.format, len(parsed.messages)) == (fmt, n)
        assert elapsed < 3, f"{name}: {elapsed:.1f}s"
    assert parsed.messages["text"].iloc[0] == "m 0"
    assert isinstance(parsed.messages, pd.DataFrame)
