"""Detections and decisions in a workspace: scanning, grouping by value, persistence, rescans, and the export
contract."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.pii.redactor import Redactor
from lib.pii.store import PiiStore
from lib.workspace import Workspace
from tests.helpers import chat_workspace, memotrace_csv, write

ROOT = Path(__file__).resolve().parents[1]
ID = "11010519491231002X"  # GB 11643 check digit valid
CARD = "6222021234567894"  # Luhn valid UnionPay
ROWS = [
    (0, "2024-05-01 09:00:00", "我手机13812345678，有事打我"),
    (1, "2024-05-01 09:01:00", "好的 我的是 138 1234 5678 吗？不对，是13987654321"),
    (0, "2024-05-01 09:02:00", f"卡号{CARD}转我一下"),
    (1, "2024-05-01 09:03:00", f"身份证{ID}发你了"),
    (0, "2024-05-01 09:04:00", "订单号20240101123456789 明天到 ¥1,388.00"),
    (1, "2024-05-01 09:05:00", "邮箱xiaoyu.lin@example.com或者微信都行"),
    (0, "2024-05-01 09:06:00", "打13812345678就行"),
]


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with chat_workspace(tmp_path, ROWS) as w:
        yield w


def value_of(store: PiiStore, kind: str, contains: str) -> dict:
    df, _ = store.queue(kinds=[kind], limit=100)
    rows = [r for r in df.to_dict("records") if contains in r["value"] or contains in r["norm"]]
    assert rows, f"no {kind} value containing {contains}: {df[['kind', 'value']].values.tolist()}"
    return rows[0]


def texts(ws: Workspace) -> dict[int, str]:
    return dict(ws.conn.execute("SELECT id, text FROM messages ORDER BY id").fetchall())


def redacted_all(ws: Workspace) -> list[str]:
    r = Redactor(ws)
    return [r.message(mid, text) for mid, text in texts(ws).items()]


def test_scan_groups_occurrences_of_one_value_under_one_placeholder(ws: Workspace):
    store = PiiStore(ws)
    report = store.scan()
    assert report.scanned == len(ROWS) and report.full
    phone = value_of(store, "PHONE", "13812345678")
    assert phone["n_hits"] == 3  # "13812345678" twice and "138 1234 5678": one value, one decision
    out = redacted_all(ws)
    placeholder = store.replacement_of(phone)
    assert re.fullmatch(r"<PHONE_\d+>", placeholder)
    assert out[0] == f"我手机{placeholder}，有事打我" and out[6] == f"打{placeholder}就行"
    assert placeholder in out[1] and "138 1234 5678" not in out[1]
    assert out[2] == f"卡号{store.replacement_of(value_of(store, 'BANK_CARD', CARD))}转我一下"


def test_exports_leak_no_digit_run_and_leave_hard_negatives(ws: Workspace):
    out = "\n".join(redacted_all(ws))
    for secret in ("13812345678", "13987654321", CARD, ID[:17], "xiaoyu.lin"):
        assert secret not in out
    assert not re.search(r"1381234|1234 5678|6222021|1101051", out)
    assert "订单号20240101123456789" in out and "¥1,388.00" in out


def test_unreviewed_and_skipped_are_applied_rejected_are_not(ws: Workspace):
    store = PiiStore(ws)
    store.scan()
    email = value_of(store, "EMAIL", "xiaoyu.lin")
    card = value_of(store, "BANK_CARD", CARD)
    store.decide(email["id"], "rejected")
    store.decide(card["id"], "skipped")
    out = redacted_all(ws)
    assert "xiaoyu.lin@example.com" in out[5]
    assert CARD not in out[2]


def test_decisions_survive_a_restart_and_a_full_rescan(ws: Workspace, tmp_path: Path):
    store = PiiStore(ws)
    store.scan()
    phone = value_of(store, "PHONE", "13812345678")
    email = value_of(store, "EMAIL", "xiaoyu.lin")
    store.decide(email["id"], "rejected")
    store.set_replacement(phone["id"], "<我的手机>")
    ws.close()

    again = Workspace(tmp_path / "ws")  # a closed tab or a crash: nothing but the database remains
    store = PiiStore(again)
    assert store.value(email["id"])["status"] == "rejected"
    assert store.value(phone["id"]) == {**store.value(phone["id"]), "status": "accepted", "replacement": "<我的手机>"}
    store.set_regions(["CN", "US"])  # a detector change forces a full rescan
    report = store.scan()
    assert report.full
    assert store.value(email["id"])["status"] == "rejected"
    assert value_of(store, "PHONE", "13812345678")["id"] == phone["id"]
    assert Redactor(again).message(1, texts(again)[1]) == "我手机<我的手机>，有事打我"
    again.close()


def test_rescan_after_new_import_is_incremental_and_keeps_placeholders(ws: Workspace, tmp_path: Path):
    store = PiiStore(ws)
    store.scan()
    phone = value_of(store, "PHONE", "13812345678")
    store.decide(phone["id"], "accepted")
    more = ROWS + [(1, "2024-05-02 10:00:00", "新号码15011112222，旧的13812345678别打了")]
    ws.import_paths([write(tmp_path, "chat2.csv", memotrace_csv(more))])
    assert not store.is_current() and store.pending_messages() == 1
    report = store.scan()
    assert not report.full and report.scanned == 1
    again = value_of(store, "PHONE", "13812345678")
    assert again["id"] == phone["id"] and again["idx"] == phone["idx"] and again["status"] == "accepted"
    assert again["n_hits"] == 4
    assert store.is_current()


def test_exports_scan_messages_nobody_reviewed(ws: Workspace):
    assert not PiiStore(ws).is_current()  # imported, never opened on the review page
    out = redacted_all(ws)  # the Redactor brings the scan up to date itself
    assert "13812345678" not in "\n".join(out)


def test_owner_term_makes_every_occurrence_a_detection(ws: Workspace):
    store = PiiStore(ws)
    store.scan()
    report = store.add_term("明天到")
    assert report.hits == 1
    value = value_of(store, "CUSTOM", "明天到")
    assert value["status"] == "accepted"
    assert "明天到" not in redacted_all(ws)[4]
    with pytest.raises(ValueError, match="regular expression"):
        store.add_term("([", is_regex=True)
    with pytest.raises(ValueError, match="empty"):
        store.add_term("a*", is_regex=True)
    store.add_term(r"订单号\d+", is_regex=True)
    assert "20240101123456789" not in redacted_all(ws)[4]


def test_allow_list_drops_detections_and_keeps_them_out_of_later_scans(ws: Workspace):
    store = PiiStore(ws)
    store.scan()
    store.add_allow("xiaoyu.lin@example.com")
    store.scan()
    assert "xiaoyu.lin@example.com" in redacted_all(ws)[5]
    store.scan(full=True)
    assert not store.queue(kinds=["EMAIL"])[0]["value"].str.contains("xiaoyu").any()
    store.remove_allow("xiaoyu.lin@example.com")
    assert store.scan().full  # a removal can only be honoured by a full rescan
    assert "xiaoyu.lin@example.com" not in redacted_all(ws)[5]


def test_bulk_accept_by_kind_and_score(ws: Workspace):
    store = PiiStore(ws)
    store.scan()
    ids = store.bulk_candidates("PHONE", 0.9)
    assert ids and store.bulk_accept("PHONE", 0.9) == len(ids)
    assert all(store.value(i)["status"] == "accepted" for i in ids)
    assert store.bulk_candidates("PHONE", 0.9) == []
    assert store.counts()["accepted"] == len(ids)


def test_replacement_modes_mask_and_surrogate(ws: Workspace):
    store = PiiStore(ws)
    store.scan()
    store.set_mode("PHONE", "mask")
    out = redacted_all(ws)
    assert "138****5678" in out[0]
    store.set_mode("PHONE", "surrogate")
    first = redacted_all(ws)
    assert "13812345678" not in first[0] and re.search(r"1[3-9]\d{9}", first[0])
    assert first == redacted_all(ws)  # the same fake every time
    with pytest.raises(ValueError):
        store.set_mode("PHONE", "nonsense")


def test_edit_replacement_cannot_be_the_original(ws: Workspace):
    store = PiiStore(ws)
    store.scan()
    phone = value_of(store, "PHONE", "13812345678")
    with pytest.raises(ValueError, match="original"):
        store.set_replacement(phone["id"], "138 1234 5678".replace(" ", ""))


def test_occurrences_carry_context_and_chat_filter(ws: Workspace):
    store = PiiStore(ws)
    store.scan()
    card = value_of(store, "BANK_CARD", CARD)
    occ = store.occurrences(card["id"], limit=3, context=1)
    assert len(occ) == 1 and occ[0]["text"][occ[0]["start"]:occ[0]["end"]] == CARD
    assert [m["text"] for m in occ[0]["before"]] == [ROWS[1][2]]
    assert [m["text"] for m in occ[0]["after"]] == [ROWS[3][2]]
    chat_id = int(ws.chats().iloc[0]["id"])
    assert store.queue(chat_id=chat_id)[1] == store.queue()[1]
    assert store.queue(chat_id=chat_id + 999)[1] == 0


def test_interrupted_scan_resumes(ws: Workspace, monkeypatch):
    store = PiiStore(ws)
    monkeypatch.setattr("lib.pii.store.BATCH", 2)
    calls = {"n": 0}
    real = store._scan_range.__func__

    def flaky(self, analyzer, values, lo, hi, report, progress, what, state=None):
        def stop_after_first(frac, w):
            calls["n"] += 1
            if calls["n"] == 1:
                raise KeyboardInterrupt
        return real(self, analyzer, values, lo, hi, report, stop_after_first, what, state)

    monkeypatch.setattr(PiiStore, "_scan_range", flaky)
    with pytest.raises(KeyboardInterrupt):
        store.scan()
    monkeypatch.undo()
    assert 0 < store._state()["upto"] < len(ROWS)
    report = store.scan()
    assert not report.full and report.scanned == len(ROWS) - 2
    assert value_of(store, "PHONE", "13812345678")["n_hits"] == 3


def test_cli_pii_scan_offsets_are_python_characters(tmp_path: Path):
    src = tmp_path / "in.jsonl"
    lines = [{"id": 1, "text": "😀手机13812345678"}, {"id": "b", "text": "nothing here"}, "not json",
             {"id": 3, "text": f"卡号{CARD}"}]
    src.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
                   encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "lib", "pii-scan", str(src)], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(out) == 4 and proc.returncode == 2 and "line 3" in proc.stderr
    assert out[0] == {"id": 1, "spans": [{"start": 3, "end": 14, "kind": "PHONE", "score": 1.0}]}
    assert out[1] == {"id": "b", "spans": []}
    assert "error" in out[2]
    assert out[3]["spans"][0]["kind"] == "BANK_CARD" and out[3]["spans"][0]["start"] == 2


def test_cli_redact_prints_counts_by_kind_and_status(ws: Workspace):
    proc = subprocess.run([sys.executable, "-m", "lib", "redact", "--workspace", str(ws.path), "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["by_kind"]["PHONE"]["pending"]["values"] == 2
    assert data["by_kind"]["BANK_CARD"]["pending"]["hits"] == 1
    text = subprocess.run([sys.executable, "-m", "lib", "redact", "--workspace", str(ws.path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60).stdout
    assert re.search(r"PHONE\s+2\s+0\s+0\s+0\s+4", text)


def test_review_diff_uses_the_export_merge_rule():
    from lib.pii.diff import before_after
    from lib.pii.redactor import merged_spans

    text = "打13812345678找阿杰"
    spans = [(1, 12, 7, 1.0), (5, 13, 9, 0.6), (13, 15, 3, 1.0)]  # a weaker overlapping hit, then a name
    reps = {7: "<PHONE_1>", 9: "<CUSTOM_1>", 3: "<PERSON_1>"}
    before, after = before_after(text, spans, reps, focus=9)
    assert before == [("打", ""), ("13812345678找", "focus"), ("阿杰", "other")]
    assert "".join(t for t, _ in after) == "打<PHONE_1><PERSON_1>"
    exported = text
    for s, e, rep in sorted(merged_spans(spans, reps), reverse=True):
        exported = exported[:s] + rep + exported[e:]
    assert exported == "".join(t for t, _ in after)
    # a rejected focus value (no replacement) is marked before and left as it was after
    assert before_after("打13812345678", [(1, 12, 7, 1.0)], {}, focus=7)[1] == [("打", ""), ("13812345678", "")]


def test_names_and_regions_from_the_import_are_read_again_only_when_the_import_changes(ws: Workspace, tmp_path: Path,
                                                                                      monkeypatch):
    """The senders' names (a pass over every message) and the inferred phone regions follow the import, not every
    commit: a label or curation decision in any tab must not pay for them again (0.2 s at 1,000,000 messages). A new
    import's people are known at once, and so is a change of who I am in a chat."""
    import lib.pii.regions as regions

    calls = {"names": 0, "regions": 0}
    names, infer = PiiStore._import_names, regions.infer_regions

    def count_names(self):
        calls["names"] += 1
        return names(self)

    def count_regions(w):
        calls["regions"] += 1
        return infer(w)

    monkeypatch.setattr(PiiStore, "_import_names", count_names)
    monkeypatch.setattr(regions, "infer_regions", count_regions)
    store = PiiStore(ws)
    assert "阿杰" in store.gazetteer() and store.inferred_regions() == ("CN",)
    other = Workspace(ws.path)  # another tab decides things: labels, settings
    try:
        for k in range(3):
            other.set_setting("labels.bench_tick", k)
            ws.set_setting("curate.bench_tick", k)
            store.gazetteer()
            store.inferred_regions()
        assert calls == {"names": 1, "regions": 1}
        other.import_paths([write(tmp_path, "WhatsApp Chat with Dana Whitfield.txt", WHATSAPP_NEW)])
        assert "Dana Whitfield" in store.gazetteer() and calls["names"] == 2
        assert "GB" in store.inferred_regions() and calls["regions"] == 2
        chat = int(ws.conn.execute("SELECT id FROM chats WHERE name = 'Dana Whitfield'").fetchone()[0])
        ws.set_me(chat, "Dana Whitfield")
        store.gazetteer()
        assert calls["names"] == 3
    finally:
        other.close()


WHATSAPP_NEW = """01/05/2024, 09:00 - Dana Whitfield: Call me on +44 7700 900123 later
01/05/2024, 09:01 - Rowan Pike: Will do
01/05/2024, 09:02 - Dana Whitfield: Thanks, +44 7700 900456 is the office
"""
