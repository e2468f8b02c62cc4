"""Issue 16.5: library errors and import results carry a message code and its parameters, so pages translate them;
``str()`` stays the English sentence. Notes, redaction reasons and labelling evidence translate at display time."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from lib.errors import BadInputError, WorkspaceBusy
from lib.i18n import EN, ZH, placeholders
from lib.i18n.messages import error_text, evidence_text, message, note_text, reason_text
from lib.importers import parse_file
from lib.workspace import Workspace
from tests.helpers import CHAT, memotrace_csv, write


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_bad_input_error_keeps_its_english_and_carries_a_code():
    err = BadInputError("x.csv: the file is empty.", code="file_empty", file="x.csv")
    assert str(err) == "x.csv: the file is empty." and isinstance(err, ValueError)
    assert err.code == "file_empty" and err.params == {"file": "x.csv"}
    assert error_text(err, "en") == EN["msg.file_empty"].format(file="x.csv")
    zh = error_text(err, "zh")
    assert zh.startswith("x.csv：") and _cjk(zh)
    plain = BadInputError("something else")  # no code: every older raise still shows its sentence
    assert plain.code is None and error_text(plain, "zh") == "something else"


def test_a_missing_parameter_or_unknown_code_falls_back_to_english():
    assert message("file_empty", {}, "English.", "zh") == "English."
    assert message("no_such_code", {"file": "a"}, "English.", "zh") == "English."
    assert error_text(ValueError("plain"), "zh") == "plain"


def test_workspace_busy_is_coded():
    err = WorkspaceBusy("an import", "a redaction scan")
    assert "busy" in str(err) and err.code == "workspace_busy"
    assert _cjk(error_text(err, "zh"))


def test_every_message_code_has_the_same_fields_in_both_languages():
    for key in (k for k in EN if k.split(".")[0] in ("msg", "note", "reason", "evidence", "format", "upload")):
        assert key in ZH, key
        assert placeholders(EN[key]) == placeholders(ZH[key]), key


@pytest.mark.parametrize("content, code", [(b"", "file_empty"), (bytes(range(256)) * 64, "file_binary"),
                                           (b"hello there\nnothing to see\n" * 20, "format_unknown")])
def test_importer_errors_carry_codes_and_the_file_name(tmp_path: Path, content: bytes, code: str):
    p = tmp_path / "chat.csv"
    p.write_bytes(content)
    with pytest.raises(BadInputError) as info:
        parse_file(p)
    assert info.value.code == code and info.value.params["file"] == "chat.csv"
    assert str(info.value).startswith("chat.csv: ")
    assert _cjk(error_text(info.value, "zh"))


def test_import_results_carry_codes(tmp_path: Path):
    src = write(tmp_path, "阿杰.csv", memotrace_csv(CHAT))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    ws = Workspace(tmp_path / "ws")
    try:
        first = ws.import_paths([src, bad]).files
        again = ws.import_paths([src]).files
    finally:
        ws.close()
    done = next(f for f in first if f.status == "imported")
    assert done.code == "imported" and done.params["n"] == len(CHAT) and done.params["file"] == "阿杰.csv"
    assert "imported 7 messages" in done.message  # the English is unchanged
    shown = message(done.code, done.params, done.message, "zh")
    assert "已导入 7 条消息" in shown
    failed = next(f for f in first if f.status == "failed")
    assert failed.code == "file_empty" and failed.params["file"] == "bad.csv"
    assert again[0].status == "skipped" and again[0].code == "already_imported"
    assert "已跳过" in message(again[0].code, again[0].params, again[0].message, "zh")


def test_import_notes_translate_at_display_time():
    note = "3 messages longer than 64 K characters were cut to that length (marked '[truncated: …]'); the raw ..."
    assert note_text(note, "en") == note
    assert note_text(note, "zh").startswith("3 条过长的消息")
    assert note_text("skipped a.json: the JSON is damaged at line 1,204, column 7 (x)", "zh") == \
        "已跳过 a.json：JSON 在第 1,204 行第 7 列损坏"
    assert note_text("something new", "zh") == "something new"


@pytest.mark.parametrize("reason, expected", [
    ("known name (import or owner list)", "已知姓名（导入或自己的名单）"),
    ("Luhn ok, UnionPay 62", "Luhn 校验通过，UnionPay 62"),
    ("road + number", "道路 + 门牌号"),
    ("road + number + postcode", "道路 + 门牌号 + 邮编"),
    ("legacy 15-digit ID; context: 身份证", "旧版 15 位身份证号；上下文：身份证"),
    ("Chinese name: surname 王 + context 老师", "中文姓名：姓氏 王 + 上下文 老师"),
    ("Chinese name: surname 谢 + context title 老板", "中文姓名：姓氏 谢 + 上下文 称谓 老板"),
    ("Chinese name: surname 苏 + context quote", "中文姓名：姓氏 苏 + 上下文 引号"),
    ("email address, alphabetic TLD", "电子邮箱地址，字母顶级域名"),
    ("phonenumbers VALID (GB) + extension", "号码库校验有效（GB） + 分机号"),
])
def test_redaction_reasons_translate_at_display_time(reason: str, expected: str):
    assert reason_text(reason, "zh") == expected
    assert reason_text(reason, "en") == reason


def test_labelling_evidence_translates_but_keeps_the_users_token():
    assert evidence_text("keyword lol", "zh") == "关键词 lol"
    assert evidence_text("punctuation !!", "zh") == "标点 !!"
    assert evidence_text("[sticker]", "zh") == "[表情包]"
    assert evidence_text("keyword lol", "en") == "keyword lol"


def test_container_errors_carry_codes(tmp_path: Path):
    from lib.importers.containers import expand

    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "notes.md").write_text("x")
    broken = tmp_path / "chat.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    for path, code in [(tmp_path / "missing.csv", "no_such_path"), (folder, "folder_empty"), (broken, None)]:
        with pytest.raises(BadInputError) as info:
            expand(path, tmp_path / "out")
        if code:
            assert info.value.code == code
        text = error_text(info.value, "zh")
        assert _cjk(text) if info.value.code else text == str(info.value)


def test_every_coded_raise_in_the_importers_has_a_message():
    """A code without an ``msg.<code>`` entry would silently show English: every code the library raises is listed."""
    root = Path(__file__).resolve().parents[1] / "lib"
    files = [*root.glob("importers/*.py"), root / "workspace.py", root / "errors.py"]
    codes = {c for f in files for c in re.findall(r'code="(\w+)"', f.read_text("utf-8"))}
    assert codes and not {c for c in codes if f"msg.{c}" not in EN}


def test_every_emotion_cue_translates():
    from lib.label.emotion import CUE_KINDS, suggest

    assert all(f"evidence.{kind}" in ZH for kind in CUE_KINDS)
    reasons = [r for text in ("lol 太好笑了哈哈哈 😂!!", "想你了～ QAQ", "[旺柴] 嘿嘿…") for r in suggest(text).reasons]
    assert {r.split(" ", 1)[0] for r in reasons} <= set(CUE_KINDS)
    for r in reasons:
        shown = evidence_text(r, "zh")
        assert shown != r and _cjk(shown.split(" ", 1)[0]) and shown.endswith(r.split(" ", 1)[1])


def test_the_notes_of_every_public_fixture_translate():
    """Every note the importers write for the public fixtures has a Chinese form (an English note in Chinese mode
    is issue 18's bug)."""
    from lib.workspace import preview

    root = Path(__file__).resolve().parents[2] / "shared" / "fixtures"  # as tests/test_importers_chat_apps.py
    if not root.exists():
        pytest.skip("no public fixtures here")
    notes = [n for f in sorted(root.rglob("*")) if f.is_file() and f.suffix.lower() in (".csv", ".txt", ".json", ".zip")
             for p in preview(f)["parts"] for n in p.get("notes", [])]
    assert notes, "the fixtures hold no note: this test checks nothing"
    assert [n for n in notes if note_text(n, "zh") == n] == []


def test_every_redaction_reason_on_the_sample_translates(tmp_path: Path):
    """The reasons the recognizers give on the bundled sample all have a Chinese form. A new reason wording in
    lib/pii fails here: add its piece to REASON_PIECES_ZH (or a template) in lib/i18n/messages.py."""
    from lib.pii.store import PiiStore
    from lib.workspace import load_sample, sample_files

    if not sample_files():
        pytest.skip("no bundled sample")
    ws = Workspace(tmp_path / "ws")
    try:
        load_sample(ws)
        PiiStore(ws).scan()
        reasons = [r for (r,) in ws.conn.execute("SELECT DISTINCT reason FROM pii_hits WHERE reason != ''")]
    finally:
        ws.close()
    assert reasons
    untranslated = [r for r in reasons if reason_text(r, "zh") == r]
    assert untranslated == []
    leftover = {w for r in reasons for w in re.findall(r"\b[a-z]{3,}\b", reason_text(r, "zh"))}
    assert leftover == set(), leftover  # no English word left inside a translated reason
