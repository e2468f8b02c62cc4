"""Phone regions taken from the workspace (lib/pii/regions.py): numbers seen, the export's date layout, the owner's
setting; and a UK mobile in national format found end to end. Names and numbers are invented (Ofcom drama range)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.pii.regions import infer_regions, whatsapp_layout
from lib.pii.store import PiiStore
from lib.workspace import Workspace
from tests.helpers import memotrace_csv, write

ENGLISH = ["hey, are you coming tonight?", "yeah I think so, what time is it again", "the usual, 8ish",
           "ok cool. can you send me the address", "it's the same place as last time", "haha ok see you there",
           "what's your number again?", "07700 900123", "thanks, I'll text you when I'm there"]


def telegram(tmp_path: Path, texts: list[str]) -> Path:
    """A one-to-one Telegram export (no date layout, so only the text speaks)."""
    msgs = [{"id": i, "type": "message", "date": f"2024-05-01T09:{i:02d}:00", "from": "Sam Oak" if i % 2 else "Bea",
             "from_id": "user222" if i % 2 else "user111", "text": t} for i, t in enumerate(texts, 1)]
    data = {"name": "Sam Oak", "type": "personal_chat", "id": 77, "messages": msgs}
    return write(tmp_path, "result.json", json.dumps(data), encoding="utf-8")


def whatsapp(tmp_path: Path, stamps: list[str], texts: list[str]) -> Path:
    lines = [f"{s} - {'Sam' if i % 2 else 'Bea'}: {t}" for i, (s, t) in enumerate(zip(stamps, texts))]
    return write(tmp_path, "WhatsApp Chat with Sam.txt", "\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = Workspace(tmp_path / "ws")
    yield w
    w.close()


def phones(ws: Workspace) -> dict[str, str]:
    return dict(ws.conn.execute(
        "SELECT m.text, v.norm FROM pii_hits h JOIN pii_values v ON v.id = h.value_id "
        "JOIN messages m ON m.id = h.message_id WHERE v.kind = 'PHONE'").fetchall())


def test_plus44_numbers_make_gb_and_a_national_uk_mobile_is_found(ws: Workspace, tmp_path: Path):
    texts = ENGLISH + ["my work phone is +44 20 7946 0958", "new mobile: +44 7700 900456", "call me on 07700 900987"]
    ws.import_paths([telegram(tmp_path, texts)])
    store = PiiStore(ws)
    assert store.regions() == ("GB",)
    store.scan()
    found = phones(ws)
    assert found["call me on 07700 900987"] == "+447700900987"
    assert found["07700 900123"] == "+447700900123"  # sent alone after "what's your number again?"


def test_day_first_english_whatsapp_dates_make_gb_without_any_plus44(ws: Workspace, tmp_path: Path):
    stamps = [f"{d:02d}/05/2024, {h}:15" for d, h in zip(range(10, 19), range(13, 22))]
    ws.import_paths([whatsapp(tmp_path, stamps, ENGLISH)])
    store = PiiStore(ws)
    assert "GB" in store.regions()
    store.scan()
    assert phones(ws).get("07700 900123") == "+447700900123"


def test_month_first_12_hour_whatsapp_dates_make_us(ws: Workspace, tmp_path: Path):
    stamps = [f"5/{d}/24, {h}:15 PM" for d, h in zip(range(13, 22), range(1, 10))]
    assert whatsapp_layout("\n".join(f"{s} - Sam: hi" for s in stamps)) == ("mdy", True)
    ws.import_paths([whatsapp(tmp_path, stamps, ENGLISH)])
    assert PiiStore(ws).regions()[0] == "US"


def test_chinese_chat_is_cn(ws: Workspace, tmp_path: Path):
    rows = [(i % 2, f"2024-05-01 09:0{i}:00", t) for i, t in enumerate(["早呀", "今天去爬山吗", "去！冲呀",
                                                                        "八点地铁站见"])]
    ws.import_paths([write(tmp_path, "chat.csv", memotrace_csv(rows))])
    assert PiiStore(ws).regions() == ("CN",)


def test_one_stray_foreign_number_in_a_chinese_chat_adds_no_region(ws: Workspace, tmp_path: Path):
    rows = [(i % 2, f"2024-05-01 09:0{i}:00", t) for i, t in
            enumerate(["早呀", "我美国同事电话 +1 415 555 2671", "好的 今天去爬山吗", "八点地铁站见"])]
    ws.import_paths([write(tmp_path, "chat.csv", memotrace_csv(rows))])
    assert infer_regions(ws) == ("CN",)


def test_empty_workspace_falls_back_to_cn(ws: Workspace):
    assert PiiStore(ws).regions() == ("CN",)


def test_owner_setting_wins_and_clearing_it_returns_to_inferred(ws: Workspace, tmp_path: Path):
    ws.import_paths([telegram(tmp_path, ENGLISH + ["+44 7700 900456", "+44 7700 900789"])])
    store = PiiStore(ws)
    assert store.regions() == ("GB",)
    store.set_regions(["de", "GB"])
    assert store.regions() == ("DE", "GB") and store.owner_regions() == ("DE", "GB")
    store.set_regions([])
    assert store.regions() == ("GB",) and store.owner_regions() == ()


def test_saving_the_inferred_regions_unchanged_does_not_pin_them(ws: Workspace, tmp_path: Path):
    ws.import_paths([telegram(tmp_path, ENGLISH + ["+44 7700 900456"])])
    store = PiiStore(ws)
    store.set_regions(store.regions())  # the settings form saved as shown
    assert store.owner_regions() == ()
    with pytest.raises(ValueError, match="XX"):
        store.set_regions(["GB", "XX"])
