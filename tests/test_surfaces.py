"""Every surface applies the export's redaction contract (issue 13 item 5): the dataset card, export folder and zip
names, statistics, chat transcript downloads and the fidelity report print no detected value, and a name found only
outside the messages gets the placeholder the messages use. All people and numbers here are invented."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lib.chat.transcript import transcript_json, transcript_text
from lib.export import ExportOptions, export, export_dir, zip_name
from lib.pii.redactor import Redactor, safe_file_name
from lib.pii.store import PiiStore
from lib.stats import workspace_stats
from lib.workspace import Workspace

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py


CONTACT, FIRST, LAST = "Priya Ramaswamy", "Priya", "Ramaswamy"
OWNER = "Tomasz Wrobel"
PHONE = "+44 7700 900123"
NAMES = (FIRST, LAST, "priya", "ramaswamy")
PLACEHOLDER = re.compile(r"<PERSON_\d+>")


def whatsapp(days: int = 6) -> str:
    """An English Android export: the contact's sender is the first name they saved, the file name has the full
    name (WhatsApp names the file after the contact's display name)."""
    lines = []
    for d in range(1, days + 1):
        lines += [f"{d:02d}/03/2024, 10:00 - {FIRST}: morning! lunch on day {d}?",
                  f"{d:02d}/03/2024, 10:01 - {OWNER}: sure, where?",
                  f"{d:02d}/03/2024, 10:02 - {FIRST}: the noodle place, call me on {PHONE} if late",
                  f"{d:02d}/03/2024, 10:03 - {OWNER}: ok {FIRST}, see you at {d + 11}"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    src = tmp_path / f"WhatsApp Chat with {CONTACT}.txt"
    src.write_text(whatsapp(), encoding="utf-8")
    w = Workspace(tmp_path / "priya_ramaswamy")  # a workspace named after the contact: the card prints its name
    report = w.import_paths([src], me=OWNER)
    assert report.files[0].status == "imported", report.files[0].message
    yield w
    w.close()


def leaked(text: str) -> list[str]:
    return [n for n in NAMES if n in text] + ([PHONE] if PHONE in text else [])


def test_no_file_of_an_export_folder_nor_its_names_hold_the_contact(ws: Workspace):
    for fmt in ("sharegpt", "openai"):
        out = export_dir(ws, fmt)
        export(ws, fmt, out, ExportOptions(dedup="none"))
        files = sorted(out.iterdir())
        assert {p.name for p in files} >= {"README.md"}
        for p in files:
            assert leaked(p.read_text(encoding="utf-8")) == [], f"{fmt}/{p.name}"
        assert leaked(str(out.relative_to(ws.path))) == [] and leaked(zip_name(ws, out)) == []
        card = (out / "README.md").read_text(encoding="utf-8")
        assert "WhatsApp Chat with <PERSON_" in card  # the file name row is there, its name replaced
        assert re.search(r"# MeTwin dataset: <PERSON_\d+>", card)  # so is the workspace name (priya_ramaswamy)
    # a folder named by hand (the CLI takes any --out) gets a zip name without the name
    hand = ws.path / "exports" / "priya-ramaswamy-dataset"
    export(ws, "alpaca", hand, ExportOptions(dedup="none"))
    name = zip_name(ws, hand)
    assert leaked(name) == [] and name.endswith("-dataset.zip") and "<" not in name


def test_surface_names_share_the_messages_placeholder(ws: Workspace, tmp_path: Path):
    out = tmp_path / "x"
    export(ws, "sharegpt", out, ExportOptions(dedup="none"))
    train = (out / "train.json").read_text(encoding="utf-8")
    card = (out / "README.md").read_text(encoding="utf-8")
    red = Redactor(ws)
    said = red.text(f"ask {FIRST} about it")  # the sender's first name, said in messages ("ok Priya")
    assert leaked(said) == [] and PLACEHOLDER.search(said).group(0) in train
    title = red.text(f"WhatsApp Chat with {CONTACT}.txt")  # the full name: only in the file and chat name
    assert leaked(title) == [] and PLACEHOLDER.search(title).group(0) in card  # the export's card used the same
    assert red.text("WhatsApp Chat with nobody.txt") == "WhatsApp Chat with nobody.txt"  # nothing else touched


def test_a_name_only_outside_the_messages_gets_a_stable_reviewable_value(ws: Workspace, tmp_path: Path):
    store = PiiStore(ws)
    store.set_owner_names(["Kasia Nowak"])  # known to the owner, said in no message yet
    store.scan()
    assert ws.conn.execute("SELECT COUNT(*) FROM pii_values WHERE norm = 'kasianowak'").fetchone()[0] == 0
    first = Redactor(ws, scan=False).text("notes_kasia-nowak.txt")  # glued into a file name
    assert "asia" not in first and "owak" not in first
    rep = PLACEHOLDER.search(first).group(0)
    again = Redactor(ws, scan=False).text("Kasia Nowak's birthday")
    assert again == f"{rep}'s birthday"  # stable across redactors: the value row was created once
    row = ws.conn.execute("SELECT kind, source, status FROM pii_values WHERE norm = 'kasianowak'").fetchone()
    assert row == ("PERSON", "surface", "pending")
    # a message that names her later is replaced by the same placeholder
    src = tmp_path / "WhatsApp Chat with Priya Ramaswamy 2.txt"
    src.write_text(f"20/03/2024, 09:00 - {FIRST}: Kasia Nowak says hi\n20/03/2024, 09:01 - {OWNER}: hi back\n",
                   encoding="utf-8")
    ws.import_paths([src], me=OWNER)
    red = Redactor(ws)
    mid = ws.conn.execute("SELECT id FROM messages WHERE text LIKE 'Kasia Nowak%'").fetchone()[0]
    assert red.message(mid, "Kasia Nowak says hi") == f"{rep} says hi"
    # the owner's "not private" decision (on the name and any part of it found on its own) holds on every surface
    store.decide([i for (i,) in ws.conn.execute("SELECT id FROM pii_values WHERE kind = 'PERSON' AND norm IN "
                                                 "('kasianowak', 'kasia', 'nowak')")], "rejected")
    assert Redactor(ws, scan=False).text("Kasia Nowak's birthday") == "Kasia Nowak's birthday"


def test_statistics_show_redacted_chat_names(ws: Workspace, tmp_path: Path):
    export(ws, "sharegpt", tmp_path / "x", ExportOptions(dedup="none"))
    card = (tmp_path / "x" / "README.md").read_text(encoding="utf-8")
    per_chat = workspace_stats(ws)["per_chat"]
    assert per_chat and all(leaked(r["chat"]) == [] for r in per_chat)
    assert PLACEHOLDER.fullmatch(per_chat[0]["chat"])  # the chat is named after the contact: the card's placeholder
    assert f"WhatsApp Chat with {per_chat[0]['chat']}.txt" in card
    assert leaked(json.dumps(workspace_stats(ws), ensure_ascii=False)) == []


def test_transcript_downloads_redact_what_the_owner_typed(ws: Workspace):
    red = Redactor(ws, scan=False)
    msgs = [{"role": "user", "content": f"text {FIRST} on 07700 900456 please"},
            {"role": "assistant", "content": "Sure, I'll text her.", "backend": "offline"},
            {"role": "error", "content": f"could not reach the server for {CONTACT}"}]
    text = transcript_text(msgs, {"user": "You", "assistant": "Twin", "error": "Error"}, red.text)
    assert leaked(text) == [] and "900456" not in text
    assert text.splitlines()[1] == "Twin: Sure, I'll text her."  # the guarded reply as shown
    assert text.startswith("You: text <PERSON_") and "<PHONE_" in text
    data = json.loads(transcript_json(msgs, red.text))
    assert [m["role"] for m in data] == ["user", "assistant", "error"] and data[1] == msgs[1]
    assert leaked(json.dumps(data)) == [] and "900456" not in json.dumps(data)
    assert msgs[0]["content"].startswith(f"text {FIRST}")  # the page's own history is not rewritten


def test_fidelity_report_labels_follow_the_contract(ws: Workspace, tmp_path: Path):
    from lib.curate import holdout
    from lib.eval import report

    class Echo:
        name = "echo"

        def stream(self, messages, params):
            yield "ok"

    holdout.choose(ws, share=0.4)
    rep = report.run(ws, [(Echo(), f"{CONTACT}'s adapter")], n=5, out=tmp_path / "ev")
    md = (tmp_path / "ev" / "fidelity.md").read_text(encoding="utf-8")
    assert leaked(md) == [] and leaked(json.dumps(rep)) == []
    assert re.search(r"\| <PERSON_\d+>'s adapter \|", md)


@pytest.mark.parametrize("name, want", [
    ("<PERSON_1> chat.txt", "PERSON_1_ chat.txt"),
    ("a/b\\c:d", "a_b_c_d"),
    ("张三的聊天", "张三的聊天"),
    ("", "file"),
    ("con", "file"),
    ("..", "file"),
])
def test_safe_file_name_without_redactor(name: str, want: str):
    assert safe_file_name(name) == want


def test_safe_file_name_redacts_then_cleans(ws: Workspace):
    red = Redactor(ws, scan=False)
    got = red.file_name(f"{CONTACT} export")
    assert leaked(got) == [] and "<" not in got and ">" not in got and got.endswith("export")


# pages/statistics.py SECTIONS (a page module runs its view when imported, so it is not imported here)
STATISTICS_SECTIONS = ("home.funnel", "stat.over_time", "stat.emotions", "stat.pii", "stat.habits")


def test_statistics_page_charts_no_contact_name(data_dir):
    """The page on the bundled sample: the one-to-one chat is named after its contact, and no chart carries it."""
    from tests.helpers import start

    at = start("pages/statistics.py")
    assert not at.exception
    ws = Workspace(data_dir / "workspaces" / "sample")
    people = [n for n, g in ws.conn.execute("SELECT name, is_group FROM chats") if not g]
    ws.close()
    blob = b""
    for section in STATISTICS_SECTIONS:  # the page draws one section at a time: every one of them
        at.session_state["stat_view"] = section
        at.run()
        assert not at.exception
        blob += b"".join(c.proto.SerializeToString() for c in at.get("vega_lite_chart"))
    assert people and blob and [n for n in people if n.encode() in blob] == []
    assert b"<PERSON_" in blob  # the chat is still charted, under its placeholder


def test_known_values_are_found_in_any_case_but_not_inside_other_words(ws: Workspace):
    red = Redactor(ws)
    out = red.text(f"{FIRST.upper()} said Priyanka and tel{PHONE} too")
    assert FIRST.upper() not in out and "Priyanka" in out  # a longer word is not the name
    assert "7700" not in out and out.count("<PHONE_") == 1
