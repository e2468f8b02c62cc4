"""Context across messages: a value sent alone right after a message asking for it (lib/pii/recognizers/followup.py).

Only the immediately preceding message counts as the question (a question two messages earlier does not); who sent
which message does not matter. Values and names are invented.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.curate.store import CurationStore
from lib.pii.analyzer import Analyzer
from lib.pii.base import AnalyzerConfig
from lib.pii.recognizers.followup import FollowupRecognizer, asked_kind
from lib.pii.store import PiiStore
from lib.workspace import Workspace
from tests.helpers import chat_workspace, memotrace_csv, write

ROOT = Path(__file__).resolve().parents[1]
ANALYZER = Analyzer(AnalyzerConfig(regions=("GB", "CN")))


def found(prev: str | None, text: str) -> list[tuple[str, str]]:
    return [(h.kind, text[h.start:h.end]) for h in ANALYZER.analyze(text, prev)]


POSITIVES = [
    # (question, answer, kind, value)
    ("what's your number again?", "07700 900123", "PHONE", "07700 900123"),
    ("你电话多少", "139 1234 5678", "PHONE", "139 1234 5678"),
    ("wifi password?", "sunflower42", "SECRET", "sunflower42"),
    ("what's the wifi password", "Blue-Kettle-88", "SECRET", "Blue-Kettle-88"),
    ("pin?", "4821", "SECRET", "4821"),
    ("验证码多少", "482913", "SECRET", "482913"),
    ("wifi密码是啥", "qwer1234", "SECRET", "qwer1234"),
    ("what's your address", "14 Elm Road, Leeds LS6 2AB", "ADDRESS", "14 Elm Road, Leeds LS6 2AB"),
    ("地址发我", "朝阳区望京西路12号院3号楼", "ADDRESS", "朝阳区望京西路12号院3号楼"),
    ("account number?", "31926819", "BANK_CARD", "31926819"),
    ("卡号呢", "6222 0212 3456 7894", "BANK_CARD", "6222 0212 3456 7894"),
    ("your email?", "tom.k@example.org", "EMAIL", "tom.k@example.org"),
    ("你邮箱", "lily.w@example.com", "EMAIL", "lily.w@example.com"),
    ("what's your wechat id", "tommy_k77", "WECHAT_ID", "tommy_k77"),
    ("你微信号多少", "lily_w88", "WECHAT_ID", "lily_w88"),
    ("QQ号多少", "12345678", "QQ", "12345678"),
    ("passport number?", "E12345678", "PASSPORT", "E12345678"),
]


@pytest.mark.parametrize("prev,text,kind,value", POSITIVES)
def test_a_value_sent_alone_after_its_question_is_found(prev, text, kind, value):
    assert (kind, value) in found(prev, text)


@pytest.mark.parametrize("prev,text,value", [
    ("wifi password?", "sunflower42", "sunflower42"),
    ("pin?", "4821", "4821"),
    ("验证码多少", "482913", "482913"),
    ("account number?", "31926819", "31926819"),
])
def test_without_the_question_the_bare_value_is_not_found(prev, text, value):
    assert found(None, text) == [] and found("see you at 7", text) == []


@pytest.mark.parametrize("prev,text,kind,value", [
    ("wifi password?", "it's sunflower42", "SECRET", "sunflower42"),
    ("wifi password?", "ok here you go: Sunflower42 lol", "SECRET", "Sunflower42"),
    ("door code?", "1984#", "SECRET", "1984#"),
    ("what's your number?", "sure, it's +44 7700 900456 😊", "PHONE", "+44 7700 900456"),
    ("验证码多少", "是482913哦", "SECRET", "482913"),
    ("卡号呢", "6222021234567895发你了", "BANK_CARD", "6222021234567895"),
    ("你家地址是啥", "我家在海淀区中关村南大街5号", "ADDRESS", "海淀区中关村南大街5号"),
    ("密码多少", "好的，abc12345", "SECRET", "abc12345"),
])
def test_only_the_value_part_of_a_short_answer_is_taken(prev, text, kind, value):
    assert found(prev, text) == [(kind, value)]


@pytest.mark.parametrize("prev,text", [
    ("what time?", "7"),
    ("how many?", "3"),
    ("password?", "I forgot it lol"),
    ("password?", "wait"),
    ("wifi password?", "haha"),
    ("wifi password?", "same as before"),
    ("what's your number?", "ok"),
    ("what's your number?", "sure, one sec"),
    ("what's your number", "I'll text you when I'm home tonight"),
    ("what's the order number?", "202401011234"),
    ("room number?", "1203"),
    ("what's your address", "the usual place"),
    ("what time is the meeting?", "10:30"),
    ("code?", "10am"),
    ("pin?", "no"),
    ("I changed my password yesterday", "sunflower42"),
    ("地址发我", "等下发你"),
    ("地址发我", "我在路上"),
    ("验证码多少", "好的"),
    ("卡号呢", "明天给你"),
    ("你邮箱", "没有邮箱"),
    ("明天几点", "8点"),
    ("多少钱", "35"),
    ("what's your favourite number?", "7"),
])
def test_chat_after_a_question_is_not_a_value(prev, text):
    assert found(prev, text) == found(None, text)


def test_a_long_sentence_answer_is_not_one_value():
    text = "sunflower42 but change it when you get a chance, the router is in the hallway behind the coats ok"
    assert ("SECRET", "sunflower42") not in found("wifi password?", text)


def test_the_question_two_messages_earlier_does_not_count():
    """Decision: only the previous message is context ("wifi password?" → "one sec" → "sunflower42" is missed)."""
    assert found("one sec", "sunflower42") == []
    assert asked_kind("one sec") is None


def test_asked_kind_reads_the_last_thing_asked_and_ignores_other_numbers():
    assert asked_kind("ok thanks. and your email?") == ("EMAIL", "email")
    assert asked_kind("what's the tracking number?") is None
    assert asked_kind("身份证号码发我一下")[0] == "CN_ID"
    assert asked_kind("I changed my password") is None  # tells, does not ask


def test_the_answer_check_is_cheap_for_long_or_plain_messages():
    rec = FollowupRecognizer()
    assert not rec.wants("哈哈哈哈好的")
    assert not rec.wants("x" * 200)
    assert rec.wants("4821")


def test_allow_list_and_threshold_apply_to_answers():
    allow = Analyzer(AnalyzerConfig(allow=frozenset({"sunflower42"})))
    assert allow.analyze("sunflower42", "wifi password?") == []
    strict = Analyzer(AnalyzerConfig(threshold=0.9))
    assert strict.analyze("sunflower42", "wifi password?") == []


# ----- store --------------------------------------------------------------------------------------------------------
ROWS = [
    (0, "2024-05-01 09:00:00", "到了吗"),
    (1, "2024-05-01 09:01:00", "到了 wifi密码多少"),
    (0, "2024-05-01 09:02:00", "sunflower42"),
    (1, "2024-05-01 09:03:00", "好的 连上了"),
    (0, "2024-05-01 09:04:00", "4821"),
]


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with chat_workspace(tmp_path, ROWS) as w:
        yield w


def secrets_of(ws: Workspace) -> set[str]:
    return {r[0] for r in ws.conn.execute(
        "SELECT m.text FROM pii_hits h JOIN pii_values v ON v.id = h.value_id JOIN messages m ON m.id = h.message_id "
        "WHERE v.kind = 'SECRET'")}


def test_scan_judges_an_answer_with_the_message_before_it(ws: Workspace):
    PiiStore(ws).scan()
    assert secrets_of(ws) == {"sunflower42"}  # "4821" follows "好的 连上了", which asks for nothing


def test_a_new_import_continues_the_chat_from_the_stored_question(ws: Workspace, tmp_path: Path):
    store = PiiStore(ws)
    store.scan()
    more = ROWS + [(1, "2024-05-02 10:00:00", "门禁码多少来着"), (0, "2024-05-02 10:01:00", "7788#")]
    ws.import_paths([write(tmp_path, "chat2.csv", memotrace_csv(more))])
    report = store.scan()
    assert not report.full and report.scanned == 2  # only the new messages, the question among them
    assert secrets_of(ws) == {"sunflower42", "7788#"}


def test_first_message_of_a_batch_fetches_its_question(ws: Workspace, monkeypatch):
    import lib.pii.store as store_mod

    monkeypatch.setattr(store_mod, "BATCH", 1)  # every message is the first of its batch
    PiiStore(ws).scan()
    assert secrets_of(ws) == {"sunflower42"}


def test_an_edit_is_rescanned_with_its_question(ws: Workspace):
    store = PiiStore(ws)
    store.scan()
    mid = ws.conn.execute("SELECT id FROM messages WHERE text = 'sunflower42'").fetchone()[0]
    CurationStore(ws).edit(mid, "Kettle-Blue-99")
    assert secrets_of(ws) == {"sunflower42"}  # the raw text of the edited message; its hit is on the new text
    hits = ws.conn.execute("SELECT v.kind, v.value FROM pii_hits h JOIN pii_values v ON v.id = h.value_id "
                           "WHERE h.message_id = ?", (mid,)).fetchall()
    assert hits == [("SECRET", "Kettle-Blue-99")]


def test_cli_pii_scan_uses_the_previous_line(tmp_path: Path):
    src = tmp_path / "in.jsonl"
    lines = [{"id": 1, "text": "pin?"}, {"id": 2, "text": "4821"}, {"id": 3, "text": "4821"}]
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "lib", "pii-scan", str(src)], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert proc.returncode == 0, proc.stderr
    assert out[1] == {"id": 2, "spans": [{"start": 0, "end": 4, "kind": "SECRET", "score": 0.85}]}
    assert out[0]["spans"] == [] and out[2]["spans"] == []  # line 3 follows "4821", not the question
