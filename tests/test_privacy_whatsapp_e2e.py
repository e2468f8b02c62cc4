"""An English WhatsApp export full of personal data, through import and the default export, nothing reviewed.

Every sensitive value in it must be absent from every file the export writes, the dataset card included, and from
the folder name: both participants' names (from the file name, the senders, and first names in text), a third person
named once in full and later by first name only, a UK mobile in national format sent alone right after "what's your
number again?", a wifi password sent alone right after "what's the wifi password", and a street address with its
postcode. All names and values are invented.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from lib.export import export
from lib.pii.store import PiiStore
from lib.workspace import Workspace

OWNER, CONTACT = "Tom Hartley", "Priya Natarajan"
LINES = [
    ("09:00", CONTACT, "Hey Tom! Are you around this weekend?"),
    ("09:01", OWNER, "Hi Priya, yes mostly free on Saturday"),
    ("09:02", CONTACT, "Great, my colleague Daniel Okafor might join us for lunch"),
    ("09:03", OWNER, "Sure, the more the merrier"),
    ("09:04", CONTACT, "what's your number again?"),
    ("09:05", OWNER, "07700 900461"),
    ("09:06", CONTACT, "Saved. And what's the wifi password at yours"),
    ("09:07", OWNER, "sunflower42"),
    ("09:08", CONTACT, "Perfect. Send me your address too"),
    ("09:09", OWNER, "Flat 2, 19 Marlowe Road, Leeds LS6 3BD"),
    ("09:10", CONTACT, "Got it, see you Saturday"),
    ("09:11", OWNER, "See you! Tell Daniel to bring the board game"),
    ("09:12", CONTACT, "Will do, Daniel said he's in"),
    ("09:13", OWNER, "Nice, looking forward to it"),
]
SECRETS = ["Tom", "Hartley", "Priya", "Natarajan", "Daniel", "Okafor", "07700", "900461", "900 461", "sunflower42",
           "Marlowe", "LS6 3BD", "LS63BD"]


def whatsapp_text() -> str:
    return "".join(f"12/07/2024, {t} - {who}: {text}\n" for t, who, text in LINES)


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Workspace, Path]:
    src = tmp_path / f"WhatsApp Chat with {CONTACT}.txt"
    src.write_text(whatsapp_text(), encoding="utf-8")
    ws = Workspace(tmp_path / "ws")
    report = ws.import_paths([src], me=OWNER)
    assert report.imported == len(LINES)
    out = tmp_path / "out"
    export(ws, "sharegpt", out)
    yield ws, out
    ws.close()


def leaks(text: str) -> list[str]:
    """The secrets found in ``text``, names as whole words (so "Tomorrow" is no leak of "Tom")."""
    found = []
    for s in SECRETS:
        pattern = rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])"
        if re.search(pattern, text, re.IGNORECASE):
            found.append(s)
    return found


def test_default_export_holds_no_value_in_any_file(exported: tuple[Workspace, Path]) -> None:
    ws, out = exported
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"README.md", "train.json"}
    for p in files:
        assert leaks(p.read_text(encoding="utf-8")) == [], p.name
        assert leaks(p.name) == []
    # the conversation itself survives: the owner's words other than the values are still there
    train = "".join(p.read_text(encoding="utf-8") for p in out.glob("*.json"))
    assert "the more the merrier" in train and "board game" in train


def test_every_case_is_a_detection_the_owner_can_review(exported: tuple[Workspace, Path]) -> None:
    ws, _ = exported
    kinds = {(k, v) for k, v in ws.conn.execute("SELECT kind, value FROM pii_values WHERE n_hits > 0")}
    by_value = {v: k for k, v in kinds}
    assert by_value.get("07700 900461") == "PHONE"
    assert by_value.get("sunflower42") == "SECRET"
    assert any(k == "ADDRESS" and "LS6 3BD" in v for k, v in kinds)
    # "Daniel" alone is the same person as "Daniel Okafor": one value, one placeholder
    daniel = [v for k, v in kinds if k == "PERSON" and "daniel" in v.lower()]
    assert len(daniel) == 1, daniel
    assert PiiStore(ws).is_current()
