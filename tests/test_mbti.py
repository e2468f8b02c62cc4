"""MBTI augmentation: file naming, parsing and its errors, picking a type's files, balanced sampling, restyling.

Core tests use small inline files so they never skip; the real 30-record excerpts in ../shared/fixtures/mbti/ are
used when that folder is there (CI clones may lack it).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from lib.persona import mbti
from lib.errors import BadInputError
from lib.persona.mbti import (
    RECOMMENDED_RATIO,
    MbtiFile,
    MbtiRecord,
    describe,
    files_for_type,
    parse,
    records_for_ratio,
    restyle,
    sample,
    sentences,
    to_pair,
)
from lib.persona.traits import Traits

SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "mbti"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"real MBTI excerpts not present at {SHARED}")


def alpaca(*pairs: tuple[str, str], input: str = " ") -> bytes:
    return json.dumps([{"instruction": i, "input": input, "output": o} for i, o in pairs],
                      ensure_ascii=False, indent=2).encode("utf-8")


ZH = alpaca(("你是更内向还是外向的？", "我更外向。我喜欢和朋友在一起。"), ("描述你的一天，用五个词。", "充满活力"))


# ----- describe -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, lang, kind, dimension, pole, mbti_type, letter", [
    ("zh_energy_extraversion.json", "zh", "behaviour", "energy", "extraversion", None, "E"),
    ("en_energy_introversion.json", "en", "behaviour", "energy", "introversion", None, "I"),
    ("zh_energe_extraversion.json", "zh", "behaviour", "energy", "extraversion", None, "E"),
    ("zh_decision_feeling.json", "zh", "behaviour", "decision", "feeling", None, "F"),
    ("en_decision_thinking.json", "en", "behaviour", "decision", "thinking", None, "T"),
    ("zh_execution_judging.json", "zh", "behaviour", "execution", "judging", None, "J"),
    ("en_execution_perceiving.json", "en", "behaviour", "execution", "perceiving", None, "P"),
    ("zh_information_intuition.json", "zh", "behaviour", "information", "intuition", None, "N"),
    ("en_information_sensing.json", "en", "behaviour", "information", "sensing", None, "S"),
    ("zh_energy_extraversion.first30.json", "zh", "behaviour", "energy", "extraversion", None, "E"),
    ("EN_Information_Sensing (1).json", "en", "behaviour", "information", "sensing", None, "S"),
    ("datasets/behaviour/zh/zh_decision_feeling.json", "zh", "behaviour", "decision", "feeling", None, "F"),
    ("en_ENTJ_self_awareness.json", "en", "self_awareness", None, None, "ENTJ", None),
    ("zh_ENFJ_self_awareness.json", "zh", "self_awareness", None, None, "ENFJ", None),
    ("zh_ENFJ_self_awareness.first30.json", "zh", "self_awareness", None, None, "ENFJ", None),
    ("zh_infp_self-awareness.json", "zh", "self_awareness", None, None, "INFP", None),
    ("dpo_energy_i_e.json", "", "dpo", "energy", None, None, None),
    ("dpo_execution_p_j.json", "", "dpo", "execution", None, None, None),
    ("dpo_infp.json", "", "dpo", None, None, "INFP", None),
    ("something.json", "", "behaviour", None, None, None, None),
    ("my_feelings.json", "", "behaviour", None, None, None, None),
    ("zh_other.json", "zh", "behaviour", None, None, None, None),
])
def test_describe_naming_variants(name, lang, kind, dimension, pole, mbti_type, letter):
    f = describe(name)
    assert (f.lang, f.kind, f.dimension, f.pole, f.mbti_type, f.letter) == (
        lang, kind, dimension, pole, mbti_type, letter)
    assert f.name == Path(name).name


def test_describe_is_frozen():
    with pytest.raises(AttributeError):
        describe("zh_energy_extraversion.json").lang = "en"  # type: ignore[misc]


# ----- parse ----------------------------------------------------------------------------------------------------------
def test_parse_good_bytes_strips_single_space_input():
    f, recs, skipped = parse(ZH, "zh_energy_extraversion.json")
    assert f == describe("zh_energy_extraversion.json")
    assert skipped == 0
    assert recs == [MbtiRecord("你是更内向还是外向的？", "我更外向。我喜欢和朋友在一起。",
                               "zh_energy_extraversion.json"),
                    MbtiRecord("描述你的一天，用五个词。", "充满活力", "zh_energy_extraversion.json")]


def test_parse_path_defaults_name_and_keeps_named_tuple(tmp_path):
    p = tmp_path / "en_ENTJ_self_awareness.json"
    p.write_bytes(alpaca(("Are you organised?", "Yes, very.")))
    out = parse(p)
    assert out.file.kind == "self_awareness" and out.file.mbti_type == "ENTJ" and out.file.lang == "en"
    assert out.records[0].file == "en_ENTJ_self_awareness.json" and out.skipped == 0
    assert parse(str(p)) == out


def test_parse_bom():
    _, recs, _ = parse(b"\xef\xbb\xbf" + ZH, "zh_energy_extraversion.json")
    assert len(recs) == 2 and recs[0].instruction == "你是更内向还是外向的？"


def test_parse_non_empty_input_appended_on_new_line():
    _, recs, _ = parse(alpaca(("Rewrite this sentence.", "The wind danced."), input="  The wind blew.\n"), "x.json")
    assert recs[0].instruction == "Rewrite this sentence.\nThe wind blew."


def test_parse_missing_or_null_input_is_fine():
    data = json.dumps([{"instruction": "a", "output": "b"}, {"instruction": "c", "input": None, "output": "d"}])
    _, recs, _ = parse(data.encode(), "x.json")
    assert [r.instruction for r in recs] == ["a", "c"]


def test_parse_skips_and_counts_empty_records():
    data = json.dumps([{"instruction": "a", "input": " ", "output": "b"},
                       {"instruction": "  ", "input": " ", "output": "b"},
                       {"instruction": "c", "input": " ", "output": " \n"},
                       {"instruction": "e", "input": " ", "output": None}])
    _, recs, skipped = parse(data.encode(), "zh_energy_extraversion.json")
    assert [r.instruction for r in recs] == ["a"] and skipped == 3


def test_parse_input_alone_makes_the_instruction():
    data = json.dumps([{"instruction": "", "input": "question", "output": "answer"}])
    _, recs, skipped = parse(data.encode(), "x.json")
    assert recs[0].instruction == "question" and skipped == 0


def test_parse_guesses_language_for_unknown_names():
    assert parse(ZH, "mystery.json").file.lang == "zh"
    assert parse(alpaca(("Hi", "Hello there.")), "mystery.json").file.lang == "en"
    # a name that says the language wins over the content
    assert parse(ZH, "en_energy_extraversion.json").file.lang == "en"


def error(data: bytes, name: str = "f.json") -> str:
    with pytest.raises(BadInputError) as exc:
        parse(data, name)
    return str(exc.value)


def test_parse_not_json():
    msg = error(b"instruction,input,output\nhi, ,there\n", "f.json")
    assert "f.json is not valid JSON" in msg and "line 1" in msg and "Machine_Mindset" in msg


@pytest.mark.parametrize("cut", [len(ZH) // 2, len(ZH) - 3, 60])
def test_parse_truncated_json(cut):
    msg = error(ZH[:cut])
    assert "is cut off" in msg and "download the file again" in msg


def test_parse_empty_file():
    assert "f.json is empty" in error(b"  \n")


def test_parse_not_an_array():
    msg = error(b'{"instruction": "a", "input": " ", "output": "b"}')
    assert "holds a JSON object, not an array of records" in msg
    assert "JSON string" in error(b'"hello"')


def test_parse_empty_array():
    assert "empty array" in error(b"[]")


def test_parse_all_records_empty():
    assert "no usable record" in error(alpaca(("a", " "), ("", "b")))


@pytest.mark.parametrize("missing", ["instruction", "output"])
def test_parse_missing_key_names_key_and_index(missing):
    recs = [{"instruction": "a", "input": " ", "output": "b"} for _ in range(4)]
    del recs[2][missing]
    msg = error(json.dumps(recs).encode())
    assert f'Record 3 (index 2) of f.json has no "{missing}" key' in msg


def test_parse_record_not_an_object():
    msg = error(json.dumps([{"instruction": "a", "output": "b"}, ["a", "b"]]).encode())
    assert "Record 2 (index 1) of f.json is a JSON array" in msg


def test_parse_field_of_wrong_type():
    msg = error(json.dumps([{"instruction": 5, "output": "b"}]).encode())
    assert 'has a number as "instruction"' in msg


def test_parse_dpo_rejected_by_content():
    data = json.dumps([{"instruction": "q", "input": " ", "output": ["chosen", "rejected"]}]).encode()
    msg = error(data, "prefs.json")
    assert "DPO file" in msg and "preference data" in msg and "not supported for chat augmentation" in msg


def test_parse_dpo_rejected_by_name():
    assert "DPO file" in error(alpaca(("q", "a")), "dpo_energy_i_e.json")


def test_parse_over_50_mb(tmp_path, monkeypatch):
    big = tmp_path / "zh_energy_extraversion.json"
    with open(big, "wb") as fh:  # sparse: the size check happens before reading
        fh.truncate(mbti.MAX_BYTES + 1)
    with pytest.raises(BadInputError, match=r"50\.0 MB, over the 50 MB limit"):
        parse(big)
    monkeypatch.setattr(mbti, "MAX_BYTES", 100)
    with pytest.raises(BadInputError, match="over the 0 MB limit"):
        parse(ZH, "zh_energy_extraversion.json")


def test_parse_missing_path(tmp_path):
    with pytest.raises(BadInputError, match="could not be read"):
        parse(tmp_path / "nope.json")


def test_error_messages_are_one_sentence():
    for data in (b"{", b"[]", b"{}", b"nope", json.dumps([{"output": "b"}]).encode()):
        msg = error(data)
        assert msg.count("; ") == 1 and msg.endswith(".") and "\n" not in msg


# ----- real excerpts --------------------------------------------------------------------------------------------------
@needs_shared
def test_real_excerpts_parse():
    files = sorted(SHARED.glob("*.json"))
    assert files
    for path in files:
        f, recs, skipped = parse(path)
        assert len(recs) == 30 and skipped == 0, path.name
        assert f.lang in ("zh", "en") and f.kind in ("behaviour", "self_awareness")
        assert all(r.instruction == r.instruction.strip() and not r.instruction.endswith("\n") for r in recs)
    f, recs, _ = parse(SHARED / "zh_ENFJ_self_awareness.first30.json")
    assert (f.lang, f.kind, f.mbti_type) == ("zh", "self_awareness", "ENFJ")
    assert recs[0].instruction == "你是更内向还是外向的？" and recs[0].output.startswith("我更外向")


@needs_shared
def test_real_energy_poles_are_index_aligned():
    _, ext, _ = parse(SHARED / "zh_energy_extraversion.first30.json")
    _, intro, _ = parse(SHARED / "zh_energy_introversion.first30.json")
    assert [r.instruction for r in ext] == [r.instruction for r in intro]
    assert ext[0].output != intro[0].output


@needs_shared
def test_real_files_for_enfj_and_sample():
    available = [parse(p).file for p in sorted(SHARED.glob("*.json"))]
    picked = files_for_type("ENFJ", available, "zh")
    assert [f.name for f in picked] == ["zh_energy_extraversion.first30.json", "zh_ENFJ_self_awareness.first30.json"]
    recs = [r for f in picked for r in parse(SHARED / f.name).records]
    got = sample(recs, 20, seed=7)
    assert Counter(r.file for r in got) == {f.name: 10 for f in picked}
    assert got == sample(recs, 20, seed=7)


@needs_shared
def test_real_restyle_keeps_sentences():
    _, recs, _ = parse(SHARED / "zh_ENFJ_self_awareness.first30.json")
    short = Traits(median_length=6, text_messages=100)
    for r in recs:
        out = restyle(r.output, short, seed=1)
        assert r.output.startswith(out) and out.endswith("。")


# ----- files_for_type -------------------------------------------------------------------------------------------------
def dataset_names() -> list[str]:
    names = [f"{lang}_{dim}_{pole}.json" for lang in ("zh", "en") for pole, (dim, _) in mbti.POLES.items()]
    names += [f"{lang}_{t}_self_awareness.json" for lang in ("zh", "en") for t in mbti.TYPES]
    names += ["dpo_energy_i_e.json", "dpo_infp.json", "README.md"]
    return names


def test_files_for_type_infp_zh():
    available = [describe(n) for n in dataset_names()]
    got = files_for_type("INFP", available, "zh")
    assert [f.name for f in got] == ["zh_energy_introversion.json", "zh_information_intuition.json",
                                     "zh_decision_feeling.json", "zh_execution_perceiving.json",
                                     "zh_INFP_self_awareness.json"]
    assert files_for_type("infp-t", available, "zh") == got
    assert files_for_type(" INFP-A ", available, "zh") == got
    assert [f.name for f in files_for_type("ESTJ", available, "en")] == [
        "en_energy_extraversion.json", "en_information_sensing.json", "en_decision_thinking.json",
        "en_execution_judging.json", "en_ESTJ_self_awareness.json"]


def test_files_for_type_only_what_is_available_and_no_double_slots():
    available = [describe(n) for n in ("zh_energy_introversion.json", "zh_energy_introversion.first30.json",
                                       "zh_energy_extraversion.json", "en_decision_feeling.json",
                                       "zh_INTP_self_awareness.json")]
    assert [f.name for f in files_for_type("INFP", available, "zh")] == ["zh_energy_introversion.json"]
    assert files_for_type("INFP", [], "zh") == []


@pytest.mark.parametrize("bad", ["INFX", "IN", "INFPT", "", "XNFP", "INFP-Q"])
def test_files_for_type_rejects_bad_type(bad):
    with pytest.raises(BadInputError, match="is not an MBTI type; give four letters such as INFP"):
        files_for_type(bad, [], "zh")


def test_files_for_type_rejects_bad_lang():
    with pytest.raises(BadInputError, match='choose "zh" or "en"'):
        files_for_type("INFP", [], "fr")


def test_sixteen_types():
    assert len(set(mbti.TYPES)) == 16 and all(mbti.normalise_type(t) == t for t in mbti.TYPES)
    assert mbti.type_poles("ESTJ") == ["extraversion", "sensing", "thinking", "judging"]


# ----- sample ---------------------------------------------------------------------------------------------------------
def records(file: str, n: int) -> list[MbtiRecord]:
    return [MbtiRecord(f"{file} q{i}", f"a{i}", file) for i in range(n)]


def test_sample_deterministic_and_seed_dependent():
    recs = records("a.json", 200)
    one = sample(recs, 20, seed=1)
    assert one == sample(recs, 20, seed=1)
    assert one != sample(recs, 20, seed=2)
    assert len(one) == 20 and len(set(one)) == 20 and set(one) <= set(recs)


def test_sample_more_than_available_returns_all_shuffled():
    recs = records("a.json", 30) + records("b.json", 5)
    got = sample(recs, 1000, seed=3)
    assert sorted(got, key=recs.index) == recs
    assert got != recs and got == sample(recs, 1000, seed=3)


def test_sample_edge_counts():
    assert sample(records("a.json", 5), 0, seed=1) == [] and sample([], 5, seed=1) == []


def test_sample_balanced_across_files():
    recs = records("big.json", 5000) + records("mid.json", 300) + records("small.json", 300)
    got = sample(recs, 90, seed=0)
    assert Counter(r.file for r in got) == {"big.json": 30, "mid.json": 30, "small.json": 30}
    # a file that runs out leaves its share to the others
    recs = records("big.json", 5000) + records("tiny.json", 10) + records("mid.json", 300)
    assert Counter(r.file for r in sample(recs, 90, seed=0)) == {"big.json": 40, "mid.json": 40, "tiny.json": 10}


def test_sample_input_order_does_not_matter_and_files_are_independent():
    a, b = records("a.json", 100), records("b.json", 100)
    assert set(sample(a + b, 40, seed=5)) == set(sample(b + a, 40, seed=5))
    alone = {r for r in sample(a, 20, seed=5)}
    with_b = {r for r in sample(a + b, 40, seed=5) if r.file == "a.json"}
    assert alone == with_b


def test_sample_does_not_repeat_a_question():
    a = [MbtiRecord(f"q{i}", f"introvert {i}", "a.json") for i in range(10)]
    b = [MbtiRecord(f"q{i}", f"feeling {i}", "b.json") for i in range(10)]
    got = sample(a + b, 100, seed=1)
    assert len(got) == 10 and len({r.instruction for r in got}) == 10


# ----- restyle --------------------------------------------------------------------------------------------------------
NO_STOP = {"full stop at end": 0.05, "no punctuation at end": 0.8}


def test_restyle_no_habits_changes_nothing():
    for text in ("我更外向。外向意味着我从与他人在一起中获取能量。", "I like it. Really!", "", "  "):
        assert restyle(text, Traits(), seed=1) == text


def test_restyle_drops_trailing_full_stop():
    tr = Traits(punctuation=dict(NO_STOP))
    assert restyle("我更外向。我喜欢热闹。", tr, 1) == "我更外向。我喜欢热闹"
    assert restyle("I like parties.", tr, 1) == "I like parties"
    assert restyle("真的吗？", tr, 1) == "真的吗？"
    assert restyle("Well...", tr, 1) == "Well..."
    assert restyle("好吧。。", tr, 1) == "好吧。。"
    # an owner who does end with full stops keeps them
    keep = Traits(punctuation={"full stop at end": 0.6, "no punctuation at end": 0.3})
    assert restyle("我更外向。", keep, 1) == "我更外向。"


def test_restyle_adds_tilde_at_the_owner_rate_in_the_right_script():
    tr = Traits(punctuation={"tilde": 0.3})
    zh = [restyle(f"我喜欢第{i}个派对。", tr, seed=0) for i in range(2000)]
    assert {t[-1] for t in zh} == {"。", "～"}
    assert 0.25 < sum(t.endswith("～") for t in zh) / len(zh) < 0.35
    assert all(t.endswith("～") == (t == t[:-1] + "～") and t[:-1].startswith("我喜欢第") for t in zh)
    en = [restyle(f"I like party number {i}.", tr, seed=0) for i in range(400)]
    assert {t[-1] for t in en} == {".", "~"}
    # questions and exclamations keep their mark; every sentence may get one
    always = Traits(punctuation={"tilde": 1.0})
    assert restyle("你好吗？我很好。真棒！还行", always, 0) == "你好吗？我很好～真棒！还行～"
    assert restyle("Fine. Really fine.\nOk", always, 0) == "Fine~ Really fine~\nOk~"
    assert restyle("我很好。", Traits(punctuation={"tilde": 0.01}), 0) == "我很好。"


def test_restyle_appends_owner_emoji_at_a_rate():
    tr = Traits(emoji_per_message=0.2, top_emoji=[("😂", 30), ("🙃", 10)], text_messages=100)
    outs = [restyle(f"I went out on day {i}.", tr, seed=0) for i in range(3000)]
    tagged = [o for o in outs if not o.endswith(".")]
    assert 0.17 < len(tagged) / len(outs) < 0.23
    assert {o[-2:] for o in tagged} == {" 😂", " 🙃"}
    counts = Counter(o[-1] for o in tagged)
    assert counts["😂"] > 2 * counts["🙃"]
    zh = [restyle(f"今天第{i}天。", tr, seed=0) for i in range(500)]
    assert any(o.endswith("。😂") for o in zh)


def test_restyle_bracket_emoji_and_cap():
    tr = Traits(text_messages=100, top_bracket_emoji=[("[旺柴]", 20)])
    outs = [restyle(f"今天第{i}天。", tr, seed=0) for i in range(2000)]
    assert 0.16 < sum(o.endswith("[旺柴]") for o in outs) / len(outs) < 0.24
    heavy = Traits(emoji_per_message=3.0, top_emoji=[("😂", 1)])
    outs = [restyle(f"day {i}", heavy, seed=0) for i in range(2000)]
    assert 0.45 < sum(o.endswith("😂") for o in outs) / len(outs) < 0.55
    assert restyle("day 1", Traits(emoji_per_message=0.9), seed=0) == "day 1"  # no emoji of their own: none added


LONG_ZH = ("我更外向。外向意味着我从与他人在一起中获取能量，并享受社交互动。"
           "我在团体环境中表现得很好，并且与他人交流时感到充满活力。"
           "我经常被描述为外向、善于社交和健谈。")


def test_restyle_shortens_long_answers_at_sentence_boundaries():
    tr = Traits(median_length=8)  # budget 24 characters
    assert restyle(LONG_ZH, tr, 1) == "我更外向。"
    tr = Traits(median_length=15)  # budget 45: the second sentence (31 chars) fits too
    assert restyle(LONG_ZH, tr, 1) == "我更外向。外向意味着我从与他人在一起中获取能量，并享受社交互动。"
    # the first sentence is kept whole even when it alone is over budget
    first = "外向意味着我从与他人在一起中获取能量，并享受社交互动。"
    assert restyle(first + "我很好。", Traits(median_length=3), 1) == first
    # newlines are boundaries too, and a decimal point is not
    assert restyle("It costs 3.5 dollars today\nand more tomorrow. Yes.", Traits(median_length=9), 1) == (
        "It costs 3.5 dollars today")
    # long-winded owners are left alone
    assert restyle(LONG_ZH, Traits(median_length=40), 1) == LONG_ZH


def test_restyle_never_cuts_mid_sentence():
    ends = re.compile(r"[。！？.!?”\"]$")
    texts = [LONG_ZH, "One. Two words here! Three, four and five? Six is longer than the rest of them.",
             "很长的一句话没有句号但是有逗号，还有更多的内容，一直说下去"]
    for text in texts:
        for median in (1, 4, 7, 12, 19):
            out = restyle(text, Traits(median_length=median), seed=median)
            assert text.startswith(out)
            rest = text[len(out):]
            assert rest == "" or ends.search(out) or rest.startswith("\n")
            assert out.strip()


def test_restyle_is_deterministic_and_never_invents_words():
    tr = Traits(median_length=10, emoji_per_message=0.4, top_emoji=[("😂", 3)], text_messages=10,
                top_bracket_emoji=[("[旺柴]", 2)], punctuation={"tilde": 0.5, **NO_STOP})
    text = "I am outgoing. I love parties and people. Meeting new friends gives me energy!"
    outs = {restyle(text, tr, seed) for seed in range(30)}
    assert len(outs) > 1
    assert all(restyle(text, tr, s) == restyle(text, tr, s) for s in range(30))
    allowed = set(re.findall(r"\w+", text)) | {"旺柴"}
    for out in outs:
        assert set(re.findall(r"\w+", out)) <= allowed


def test_sentences_are_lossless():
    for text in (LONG_ZH, 'He said "hi." Then 3.5 left. ok!? 好的。。真的吗？\n\nyes', "", "no end"):
        assert "".join(sentences(text)) == text
    assert sentences('He said "hi." Then ok') == ['He said "hi."', " Then ok"]
    assert sentences("他说：“好。”然后走了") == ["他说：“好。”", "然后走了"]


# ----- to_pair and the ratio ------------------------------------------------------------------------------------------
def test_to_pair_shape():
    rec = MbtiRecord("你是更内向还是外向的？", "我更外向。", "zh_ENFJ_self_awareness.json")
    assert to_pair(rec, "你是小明。") == {
        "system": "你是小明。",
        "turns": [{"role": "human", "text": "你是更内向还是外向的？"}, {"role": "gpt", "text": "我更外向。"}],
        "source": "mbti", "file": "zh_ENFJ_self_awareness.json"}
    styled = to_pair(rec, "", style=Traits(punctuation=dict(NO_STOP)), seed=4)
    assert styled["turns"][1]["text"] == "我更外向" and styled["turns"][0]["text"] == rec.instruction
    assert styled == to_pair(rec, "", style=Traits(punctuation=dict(NO_STOP)), seed=4)


def test_records_for_ratio():
    assert RECOMMENDED_RATIO == 0.1
    assert records_for_ratio(1000, RECOMMENDED_RATIO) == 100
    assert records_for_ratio(5, 0.1) == 1 and records_for_ratio(4, 0.1) == 0
    assert records_for_ratio(10, 0.15) == 2 and records_for_ratio(100, 0.29) == 29
    assert records_for_ratio(0, 0.1) == 0 and records_for_ratio(300, 0) == 0 and records_for_ratio(20, 1.5) == 30
    assert records_for_ratio(1000) == 100
    for bad in (-0.1, float("nan"), float("inf"), "0.1", True):
        with pytest.raises(BadInputError, match="not a valid augmentation ratio"):
            records_for_ratio(10, bad)  # type: ignore[arg-type]
    with pytest.raises(BadInputError):
        records_for_ratio(-1, 0.1)


def test_mbti_file_fields():
    f = MbtiFile("x.json", "zh", "behaviour")
    assert (f.dimension, f.pole, f.mbti_type, f.letter) == (None, None, None, None)
