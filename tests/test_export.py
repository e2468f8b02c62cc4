"""Exports: each format's exact shape, LLaMA-Factory validity (property test), redaction always applied, split
determinism, options, labels/tags/notes in the records, persona versions, and the command line."""
from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import persona
from lib.curate.store import CharacterTraits, CurationStore
from lib.errors import BadInputError
from lib.export import ExportOptions, export, records
from lib.export.formats import lf_problems
from lib.export.records import Turn, _chunks, align
from lib.label.store import LabelStore
from lib.pii.store import PiiStore
from lib.workspace import Workspace, load_sample
from tests.helpers import chat_workspace, memotrace_csv, write

ROOT = Path(__file__).resolve().parents[1]
ROWS = [  # two conversations; the second opens with me and ends with them
    (0, "2024-05-01 09:00:00", "今天去爬山吗"),
    (1, "2024-05-01 09:01:00", "去！！冲呀"),
    (1, "2024-05-01 09:01:20", "我手机13812345678 到了打我"),
    (0, "2024-05-01 09:02:00", "八点地铁站见"),
    (1, "2024-05-01 09:02:30", "好的~"),
    (1, "2024-05-03 20:00:00", "到家了"),
    (0, "2024-05-03 20:05:00", "好 早点睡"),
    (1, "2024-05-03 20:06:00", "晚安[月亮]"),
    (0, "2024-05-03 20:07:00", "晚安"),
]


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with chat_workspace(tmp_path, ROWS) as w:
        yield w


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Workspace:
    w = Workspace(tmp_path_factory.mktemp("sample") / "ws")
    load_sample(w)
    yield w
    w.close()


def load(path: Path):
    return [json.loads(x) for x in path.read_text().splitlines()] if path.suffix == ".jsonl" else \
        json.loads(path.read_text())


def test_sharegpt_shape_and_dataset_info(ws: Workspace, tmp_path: Path):
    rep = export(ws, "sharegpt", tmp_path / "out", ExportOptions(val_ratio=0))
    assert rep.files == {"train": "train.json"}
    data = load(tmp_path / "out" / "train.json")
    assert len(data) == 2
    first = data[0]
    assert set(first) == {"conversations", "system", "tools"} and first["tools"] == "[]"
    assert [m["from"] for m in first["conversations"]] == ["human", "gpt", "human", "gpt"]
    assert first["conversations"][1]["value"].startswith("去！！冲呀\n我手机<PHONE_1>")  # bubbles joined, redacted
    assert "你是" in first["system"] or "You are" in first["system"]
    second = data[1]["conversations"]
    assert second[0] == {"from": "human", "value": "（开始聊天）"}  # I opened: a neutral opening turn
    assert second[-1]["from"] == "gpt" and second[-1]["value"] == "晚安[月亮]"  # their trailing "晚安" dropped
    info = load(tmp_path / "out" / "dataset_info.json")
    assert info == {"metwin": {"file_name": "train.json", "formatting": "sharegpt",
                               "columns": {"messages": "conversations", "system": "system", "tools": "tools"},
                               "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "human",
                                        "assistant_tag": "gpt", "system_tag": "system"}}}
    card = (tmp_path / "out" / "README.md").read_text()
    assert "chat.csv" in card and "Persona version" in card and "PHONE" in card


def test_openai_alpaca_and_llamafactory_shapes(ws: Workspace, tmp_path: Path):
    export(ws, "openai", tmp_path / "o", ExportOptions(val_ratio=0))
    lines = load(tmp_path / "o" / "train.jsonl")
    assert [m["role"] for m in lines[0]["messages"]] == ["system", "user", "assistant", "user", "assistant"]
    export(ws, "alpaca", tmp_path / "a", ExportOptions(val_ratio=0))
    a = load(tmp_path / "a" / "train.json")[0]
    assert set(a) == {"instruction", "input", "output", "system", "history"} and a["input"] == ""
    assert a["instruction"] == "八点地铁站见" and a["output"] == "好的~"
    assert a["history"] == [["今天去爬山吗", "去！！冲呀\n我手机<PHONE_1> 到了打我"]]
    assert load(tmp_path / "a" / "dataset_info.json")["metwin"]["columns"]["history"] == "history"
    export(ws, "llamafactory", tmp_path / "l", ExportOptions(val_ratio=0))
    lf = load(tmp_path / "l" / "metwin_train.json")
    assert all(set(m) == {"from", "value"} for item in lf for m in item["conversations"])
    assert load(tmp_path / "l" / "dataset_info.json")["metwin"]["file_name"] == "metwin_train.json"
    assert all(lf_problems(item) == [] for item in lf)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["human", "gpt"]), st.text(min_size=1, max_size=30)), max_size=30),
       st.sampled_from(["neutral", "drop"]), st.integers(1, 5), st.integers(20, 200))
def test_every_record_is_valid_for_llamafactory(turns, opener, max_turns, max_chars):
    """Any turn sequence, after alignment and splitting, gives records the trainer keeps, without cutting a turn."""
    seq = align([Turn(r, t) for r, t in turns], opener, "（开始聊天）")
    for chunk in _chunks(seq, max_turns, max_chars) if seq else []:
        item = {"conversations": [{"from": t.role, "value": t.text} for t in chunk]}
        assert lf_problems(item) == []
        assert len(chunk) // 2 <= max_turns or len(chunk) == 2
    last_gpt = max((i for i, (r, t) in enumerate(turns) if r == "gpt" and t.strip()), default=-1)
    if opener == "neutral" and last_gpt >= 0:  # nothing is lost but the other side's trailing turns
        texts = "\n".join(t.text for t in seq)
        assert all(t in texts for _, t in turns[:last_gpt + 1] if t.strip())


def test_lf_problems_catches_what_the_trainer_drops():
    assert lf_problems({"conversations": [{"from": "gpt", "value": "a"}, {"from": "human", "value": "b"}]})
    assert lf_problems({"conversations": [{"from": "human", "value": "a"}]})  # odd count
    assert lf_problems({"conversations": [{"from": "human", "value": "a"}, {"from": "human", "value": "b"}]})
    assert lf_problems({"conversations": [{"from": "human", "value": "a"}, {"from": "system", "value": "b"}]})
    assert lf_problems({"conversations": [{"from": "system", "value": "s"}, {"from": "human", "value": "a"},
                                          {"from": "gpt", "value": "b"}]}) == []


def test_no_original_personal_value_reaches_any_output_file(sample: Workspace, tmp_path: Path):
    store = PiiStore(sample)
    store.scan()
    values = [v for (v,) in sample.conn.execute(
        "SELECT value FROM pii_values WHERE status != 'rejected' AND n_hits > 0")]
    assert len(values) >= 5
    CurationStore(sample).set_note(sample.conn.execute("SELECT id FROM conversations WHERE excluded_reason = '' "
                                                       "LIMIT 1").fetchone()[0], f"她的邮箱是 {values[0]}")
    for fmt in ("sharegpt", "llamafactory", "openai", "alpaca"):
        export(sample, fmt, tmp_path / fmt, ExportOptions(traits="persona"))
        blob = "".join(p.read_text() for p in (tmp_path / fmt).iterdir())
        leaked = [v for v in values if v in blob]
        assert leaked == [], f"{fmt}: {leaked}"


def test_split_is_by_conversation_and_deterministic(sample: Workspace):
    opts = ExportOptions(val_ratio=0.3, seed=7, max_turns=1)
    a, _, _ = records(sample, opts)
    b, _, _ = records(sample, opts)
    assert [(r.conv_id, r.part, r.split) for r in a] == [(r.conv_id, r.part, r.split) for r in b]
    by_conv: dict[int, set] = {}
    for r in a:
        by_conv.setdefault(r.conv_id, set()).add(r.split)
    assert all(len(s) == 1 for s in by_conv.values())  # a conversation never straddles the split
    assert any(r.part > 0 for r in a)  # max_turns=1 did split conversations
    c, _, _ = records(sample, ExportOptions(val_ratio=0.3, seed=8, max_turns=1))
    assert {r.conv_id for r in a if r.split == "val"} != {r.conv_id for r in c if r.split == "val"}
    t, _, _ = records(sample, ExportOptions(val_ratio=0.2, split="time"))
    val_starts = [r.start_time for r in t if r.split == "val"]
    train_starts = [r.start_time for r in t if r.split == "train"]
    assert val_starts and min(val_starts) >= max(train_starts)


def test_long_conversations_split_between_pairs(sample: Workspace):
    recs, report, _ = records(sample, ExportOptions(max_turns=2, val_ratio=0))
    assert report.split_parts > 0
    assert all(len(r.turns) <= 4 and r.turns[0].role == "human" and r.turns[-1].role == "gpt" for r in recs)


def test_options_opener_drop_min_chars_and_exact_dedup(ws: Workspace, tmp_path: Path):
    recs, _, _ = records(ws, ExportOptions(opener="drop", val_ratio=0))
    assert recs[1].turns[0].role == "human" and recs[1].turns[0].text == "好 早点睡"
    recs, report, _ = records(ws, ExportOptions(min_chars=100, val_ratio=0))
    assert recs == [] and report.dropped["my side below the minimum length"] == 2
    again = [(m, t.replace("2024-05-0", "2024-06-0"), x) for m, t, x in ROWS]  # the same talk a month later
    ws.import_paths([write(tmp_path, "again.csv", memotrace_csv(again))])
    recs, report, _ = records(ws, ExportOptions(val_ratio=0))
    assert len(recs) == 2 and report.dropped["exact duplicate"] == 2
    recs, _, _ = records(ws, ExportOptions(val_ratio=0, dedup="none"))
    assert len(recs) == 4


def test_labels_tags_and_notes_reach_the_records(ws: Workspace, tmp_path: Path):
    mine = {t: i for i, t in ws.conn.execute("SELECT id, text FROM messages WHERE is_me = 1")}
    labels = LabelStore(ws)
    labels.set_label(mine["去！！冲呀"], "playful")
    labels.set_label(mine["我手机13812345678 到了打我"], "playful")
    labels.set_label(mine["好的~"], "affection")
    cur = CurationStore(ws)
    first, second = [r[0] for r in ws.conn.execute("SELECT id FROM conversations ORDER BY start_time")]
    cur.set_tags("conversation", first, CharacterTraits("outgoing", "student", ["hiking"]))
    cur.set_note(first, "阿杰是大学室友", "system")
    cur.set_note(second, "那天加班很晚", "turn")
    export(ws, "sharegpt", tmp_path / "s", ExportOptions(val_ratio=0))
    data = load(tmp_path / "s" / "train.json")
    gpt = [m for m in data[0]["conversations"] if m["from"] == "gpt"]
    assert [m.get("emotion") for m in gpt] == ["playful", "affection"]
    assert gpt[0]["character_traits"] == {"personality": "outgoing", "occupation": "student", "interests": ["hiking"]}
    assert data[0]["system"].endswith("是大学室友") and "阿杰" not in data[0]["system"]  # the contact's name: redacted
    assert data[1]["conversations"][0]["value"].startswith("（背景：那天加班很晚）")
    export(ws, "llamafactory", tmp_path / "l", ExportOptions(val_ratio=0))
    plain = load(tmp_path / "l" / "metwin_train.json")
    assert "emotion" not in json.dumps(plain) and "character_traits" not in json.dumps(plain)


def test_persona_versions_and_template_rules(ws: Workspace, tmp_path: Path):
    with pytest.raises(BadInputError, match="unknown placeholder"):
        persona.set_template(ws, "你是{name}，{hobby}")
    with pytest.raises(BadInputError, match="brace"):
        persona.set_template(ws, "你是{name")
    persona.set_template(ws, "你是{name}。\n职业：{occupation}\n{relationship}")
    persona.set_name(ws, "小雨")
    chat = ws.conn.execute("SELECT id FROM chats").fetchone()[0]
    persona.set_relationship(ws, chat, "对方是你的大学室友阿杰")
    assert persona.prompt(ws) == "你是小雨。"  # empty occupation and no chat: those lines disappear
    assert persona.prompt(ws, chat) == "你是小雨。\n对方是你的大学室友阿杰"
    r1 = export(ws, "sharegpt", tmp_path / "a", ExportOptions(val_ratio=0))
    r2 = export(ws, "sharegpt", tmp_path / "b", ExportOptions(val_ratio=0))
    assert r1.persona_version == r2.persona_version  # unchanged persona: same version
    persona.set_template(ws, "你是{name}！")
    r3 = export(ws, "sharegpt", tmp_path / "c", ExportOptions(val_ratio=0))
    assert r3.persona_version == r1.persona_version + 1
    assert f"Persona version **{r3.persona_version}**" in (tmp_path / "c" / "README.md").read_text()
    assert ws.conn.execute("SELECT COUNT(*) FROM exports").fetchone()[0] == 3


def test_nothing_to_export_is_a_clear_error(tmp_path: Path):
    w = Workspace(tmp_path / "empty")
    with pytest.raises(BadInputError, match="nothing to export"):
        export(w, "sharegpt", tmp_path / "out")
    w.close()


def test_cli_export_and_stats_json(ws: Workspace, tmp_path: Path):
    path = str(ws.path)
    ws.close()
    r = subprocess.run([sys.executable, "-m", "lib", "export", "--workspace", path, "--format", "sharegpt", "--out",
                        str(tmp_path / "cli"), "--val", "0"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "wrote 2 records" in r.stdout and (tmp_path / "cli" / "dataset_info.json").exists()
    r = subprocess.run([sys.executable, "-m", "lib", "stats", "--workspace", path, "--json"], capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    out = json.loads(r.stdout)
    assert out["export"]["records"] == 2 and out["export"]["turns"]["mine"] == 4
    assert "monthly" in out["details"] and out["details"]["pii_by_kind"]["PHONE"] == 1
    r = subprocess.run([sys.executable, "-m", "lib", "export", "--workspace", path, "--format", "csv", "--out",
                        str(tmp_path / "x")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 2


def test_cached_records_follow_decisions(ws: Workspace):
    from lib.export import cached_records

    opts = ExportOptions(val_ratio=0)
    first, _, _ = cached_records(ws, opts)
    assert cached_records(ws, opts)[0] is first  # a rerun reuses the build
    mid = ws.conn.execute("SELECT id FROM messages WHERE text = '好的~'").fetchone()[0]
    LabelStore(ws).set_label(mid, "affection")
    again, _, _ = cached_records(ws, opts)
    assert again is not first and again[0].turns[-1].emotion == "affection"


def test_held_out_conversations_never_reach_a_training_export(sample: Workspace, tmp_path: Path):
    from lib.curate import holdout
    from lib.export import holdout_records

    held = holdout.choose(sample, share=0.2)
    try:
        latest = [r[0] for r in sample.conn.execute(
            "SELECT id FROM conv_effective WHERE effective_reason = '' ORDER BY start_time DESC LIMIT 3")]
        assert set(latest) <= held  # the latest conversations: a twin is used on the future
        recs, report, _ = records(sample, ExportOptions())
        assert not {r.conv_id for r in recs} & held
        assert report.dropped["held out for evaluation (conversations)"] == len(held)
        evals = holdout_records(sample)
        assert evals and {r.conv_id for r in evals} <= held
        rep = export(sample, "sharegpt", tmp_path / "x", ExportOptions())
        blob = (tmp_path / "x" / "train.json").read_text() + (tmp_path / "x" / "val.json").read_text()
        assert all(r.turns[-1].text not in blob for r in evals if len(r.turns[-1].text) > 12)
        assert "held out for evaluation" in (tmp_path / "x" / "README.md").read_text() and rep.counts["records"]
    finally:
        holdout.clear(sample)


def test_persona_as_a_leading_system_turn(ws: Workspace, tmp_path: Path):
    """torchtune and axolotl ignore ShareGPT's top-level "system": the option puts the persona in the turns."""
    from dataclasses import fields

    from lib.train.data import load_sharegpt

    help_text = {f.name: f.metadata.get("help", "") for f in fields(ExportOptions)}
    assert ExportOptions().system_turn is False and "torchtune" in help_text["system_turn"]
    export(ws, "sharegpt", tmp_path / "plain", ExportOptions(val_ratio=0))
    plain = load(tmp_path / "plain" / "train.json")
    assert all(item["conversations"][0]["from"] == "human" and item["system"] for item in plain)  # off by default
    for fmt, name in (("sharegpt", "train.json"), ("llamafactory", "metwin_train.json")):
        export(ws, fmt, tmp_path / fmt, ExportOptions(val_ratio=0, system_turn=True))
        items = load(tmp_path / fmt / name)
        assert len(items) == len(plain)
        for item, before in zip(items, plain):
            assert item["conversations"][0] == {"from": "system", "value": before["system"]}
            assert item["conversations"][1:] == [{k: m[k] for k in m if k in item["conversations"][1]}
                                                 for m in before["conversations"]]
            assert item["system"] == ""  # the persona once, not twice
            assert lf_problems(item) == []
        assert load(tmp_path / fmt / "dataset_info.json")["metwin"]["tags"]["system_tag"] == "system"
    # Our own trainer reads the turn as the system prompt, exactly as it reads the field.
    assert load_sharegpt(tmp_path / "sharegpt" / "train.json") == load_sharegpt(tmp_path / "plain" / "train.json")


def test_dataset_card_front_matter(sample: Workspace, tmp_path: Path):
    yaml = pytest.importorskip("yaml")
    from lib.export.card import size_category

    rep = export(sample, "sharegpt", tmp_path / "x", ExportOptions(license="cc-by-nc-4.0"))
    text = (tmp_path / "x" / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n")[1])
    n = rep.counts["records"]
    assert meta["license"] == "cc-by-nc-4.0" and meta["language"] == [persona.language(sample)]
    assert meta["task_categories"] == ["text-generation"] and meta["size_categories"] == [size_category(n)]
    assert meta["configs"][0]["data_files"] == [{"split": "train", "path": "train.json"},
                                                {"split": "validation", "path": "val.json"}]
    assert "# MeTwin dataset" in text.split("---\n", 2)[2]  # the card itself follows the block
    hub = pytest.importorskip("huggingface_hub")
    card = hub.DatasetCard.load(tmp_path / "x" / "README.md")  # the hub's own reader: no "metadata block not found"
    assert card.data.license == "cc-by-nc-4.0" and card.data.size_categories == [size_category(n)]
    assert ExportOptions().license == "other"
    assert [size_category(k) for k in (0, 999, 1000, 9_999, 10_000, 2_000_000)] == [
        "n<1K", "n<1K", "1K<n<10K", "1K<n<10K", "10K<n<100K", "1M<n<10M"]
    with pytest.raises(BadInputError, match="licence"):
        export(sample, "sharegpt", tmp_path / "y", ExportOptions(license="MIT; rm -rf"))


def test_an_exporter_is_one_registration(tmp_path, monkeypatch):
    """Issue 16: a new shape is one register() call; the CLI's choices, write() and the preview derive from it."""
    from lib import cli
    from lib.export import formats

    monkeypatch.setattr(formats, "EXPORTERS", dict(formats.EXPORTERS))
    monkeypatch.setattr(formats, "FORMATS", dict(formats.FORMATS))
    formats.register(formats.Exporter("plain", "Plain JSONL", lambda r, system_turn: {"text": r.turns[-1].text},
                                      lambda split: f"{split}.plain.jsonl", jsonl=True))
    args = cli.build_parser().parse_args(["export", "--format", "plain", "--out", str(tmp_path / "out")])
    assert args.format == "plain"  # the CLI's choices come from the registry
    from lib.export.records import Record, Turn

    rec = Record(conv_id=1, chat_id=1, chat="c", start_time="2024-05-01T09:00:00", system="",
                 turns=[Turn("human", "hi"), Turn("gpt", "hello")])
    files = formats.write("plain", [rec], tmp_path)
    assert files == {"train": "train.plain.jsonl"}
    assert (tmp_path / "train.plain.jsonl").read_text(encoding="utf-8").strip() == '{"text": "hello"}'
    assert formats.item("plain", rec) == {"text": "hello"}


def test_every_exporter_has_labels_in_both_languages():
    from lib import i18n
    from lib.export import EXPORTERS

    for name in EXPORTERS:
        for lang in i18n.LANGS:
            assert f"exp.fmt.{name}" in i18n.TRANSLATIONS[lang], (name, lang)


GROUP_CHAT = """01/05/2024, 09:00 - Alice: Morning all! Coffee later?
01/05/2024, 09:01 - Bob: Sure, where?
01/05/2024, 09:01 - Carol: Count me in
01/05/2024, 09:02 - Me Myself: The usual place at ten
01/05/2024, 09:03 - Alice: Great see you there
01/05/2024, 09:04 - Me Myself: See you
"""


def test_a_kept_group_conversation_follows_the_export_switch_and_keeps_its_speakers(tmp_path: Path):
    """Issue 18: "keep" on a group conversation does not override "Include group chats" off; when groups are in,
    each member stays a named speaker inside the human turn (turns still alternate for LLaMA-Factory)."""
    from lib.export.records import build
    from lib.pii.redactor import Redactor

    w = Workspace(tmp_path / "ws")
    try:
        w.import_paths([write(tmp_path, "WhatsApp Chat with Friends.txt", GROUP_CHAT, encoding="utf-8")],
                       me="Me Myself")
        conv = w.conn.execute("SELECT id FROM conversations").fetchone()[0]
        CurationStore(w).decide(conv, "keep")
        opts = ExportOptions(val_ratio=0, min_chars=0, dedup="none")
        recs, rep = build(w, opts, lambda chat_id: "", Redactor(w), "en")
        assert recs == [] and rep.dropped["group chat, kept but groups are off (conversations)"] == 1
        opts.include_groups = True
        recs, _ = build(w, opts, lambda chat_id: "", Redactor(w), "en")
        assert len(recs) == 1
        turns = recs[0].turns
        assert [t.role for t in turns] == ["human", "gpt", "human", "gpt"]
        lines = turns[0].text.split("\n")
        assert len(lines) == 3 and all(": " in line for line in lines)
        names = [line.split(": ", 1)[0] for line in lines]
        assert len(set(names)) == 3  # three members, three speakers (redacted names, never merged into one)
        assert "Alice" not in turns[0].text and "Bob" not in turns[0].text  # names are redacted like any known name
        assert turns[2].text.startswith(names[0] + ": ")  # the same member keeps the same name
        assert lf_problems({"conversations": [{"from": t.role, "value": t.text} for t in turns]}) == []
    finally:
        w.close()


def test_group_members_named_by_bare_ids_become_neutral_members(sample: Workspace):
    """The sample's PyWxDump group names its members only by account ids (wxid_…, zhou_outdoor77): no id reaches
    a record, each member is "成员N" (the chat is Chinese), consistently within the chat."""
    from lib.export.records import build
    from lib.pii.redactor import Redactor

    recs, _ = build(sample, ExportOptions(include_groups=True, val_ratio=0), lambda chat_id: "", Redactor(sample),
                    "en")
    group = [r for r in recs if r.chat == "周末徒步群"]
    assert group
    text = "\n".join(t.text for r in group for t in r.turns)
    assert "wxid_" not in text and "zhou_outdoor77" not in text
    assert "成员1: " in text and "成员2: " in text
