"""Rule-based emotion suggestions (lib/label/emotion.py) and the hand-labelled WeChat emoji table."""
from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from lib.label.emotion import DEFAULT_TAXONOMY, LABEL_ZH, LEXICON_PATH, Suggestion, suggest, suggest_many

FIXTURE = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "wechat" / "wechat_emoji_names.tsv"
FIXTURE_COLUMNS = ("id", "cn", "hk_tw", "en_us", "legacy_code", "en_alias_from_memotrace")


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def label(text: str, **kw) -> str | None:
    s = suggest(text, **kw)
    return s.label if s else None


# --- WeChat bracket emoji ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["[流泪]", "[Cry]", "[Sob]", "[大哭]"])
def test_bracket_emoji_cn_and_en_names_are_sadness(text: str) -> None:
    s = suggest(text)
    assert s is not None and s.label == "sadness"
    assert s.reasons == (f"emoji {text}",)


@pytest.mark.parametrize(("text", "expected"), [
    ("[旺柴]", "playful"), ("[Doge]", "playful"), ("[捂脸]", "playful"), ("[發怒]", "anger"), ("[流淚]", "sadness"),
    ("[驚訝]", "surprise"), ("[愛心]", "affection"), ("[委屈]", "grievance"), ("[惊恐]", "fear"),
    ("[破涕为笑]", "playful"),
])
def test_bracket_emoji_simplified_traditional_alias(text: str, expected: str) -> None:
    assert label(text) == expected


def test_unknown_bracket_is_no_cue() -> None:
    assert suggest("[图片]") is None and suggest("[表情包]") is None


# --- unicode emoji and kaomoji ------------------------------------------------------------------------------------

def test_unicode_emoji_variation_selector_and_skin_tone_ignored() -> None:
    plain, emoji_style = suggest("❤"), suggest("❤️")
    assert plain is not None and plain == emoji_style and plain.label == "affection"
    assert plain.reasons == ("emoji ❤",)
    assert label("👍🏻") == label("👍") == "joy"


@pytest.mark.parametrize(("text", "expected"), [
    ("😂", "playful"), ("🤣", "playful"), ("😭", "sadness"), ("😘", "affection"), ("🥰", "affection"),
    ("😡", "anger"), ("😱", "fear"), ("😮", "surprise"), ("🎉", "joy"), ("🥺", "grievance"),
])
def test_unicode_emoji(text: str, expected: str) -> None:
    assert label(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("QAQ", "sadness"), ("TAT", "sadness"), ("T_T", "sadness"), ("(｡•́︿•̀｡)", "sadness"), ("orz", "playful"),
    ("╮(╯▽╰)╭", "playful"), ("(＾▽＾)", "joy"), ("(๑•̀ㅂ•́)و✧", "joy"), ("ヽ(✿ﾟ▽ﾟ)ノ", "joy"), ("<3", "affection"),
])
def test_kaomoji(text: str, expected: str) -> None:
    s = suggest(text)
    assert s is not None and s.label == expected and s.reasons == (f"kaomoji {text}",)


def test_ascii_cues_need_word_boundaries() -> None:
    assert suggest("TATTOO") is None
    assert suggest("sadly he made it") is None
    assert suggest("meet 3~5pm") is None


# --- punctuation, laughter, keywords ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["好的～", "嗯~", "在吗？？", "好吧……", "那行...", "!!", "～ !! ... ??"])
def test_punctuation_alone_is_weak(text: str) -> None:
    s = suggest(text)
    assert s is not None and s.confidence < 0.5
    assert all(r.startswith("punctuation ") for r in s.reasons)


def test_punctuation_labels() -> None:
    assert label("好的～") == "playful"
    assert label("好吧……") == "sadness"
    assert label("在吗？？") == "surprise"


def test_bang_boosts_the_existing_feeling() -> None:
    joy, anger = suggest("太好了!!"), suggest("气死我了！！")
    assert joy is not None and anger is not None
    assert (joy.label, anger.label) == ("joy", "anger")
    assert joy.confidence > suggest("太好了").confidence   # type: ignore[union-attr]
    assert "punctuation !!" in joy.reasons


@pytest.mark.parametrize("text", ["哈哈哈", "hhhh", "2333", "hahaha"])
def test_laughter_is_playful(text: str) -> None:
    s = suggest(text)
    assert s is not None and s.label == "playful" and s.reasons == (f"laughter {text}",)


@pytest.mark.parametrize(("text", "expected"), [
    ("今天好开心", "joy"), ("我想你了", "affection"), ("好难过", "sadness"), ("你凭什么不理我", "grievance"),
    ("烦死了", "anger"), ("我好害怕", "fear"), ("真的假的", "surprise"),
    ("so happy today", "joy"), ("I miss you", "affection"), ("feeling sad", "sadness"), ("I'm so angry", "anger"),
    ("I'm scared", "fear"), ("OMG", "surprise"), ("Love you", "affection"),
])
def test_keywords_zh_and_en(text: str, expected: str) -> None:
    s = suggest(text)
    assert s is not None and s.label == expected
    assert any(r.startswith("keyword ") for r in s.reasons)


def test_longer_keyword_wins_over_contained_one() -> None:
    assert label("今天不开心") == "sadness"   # not joy for 开心
    assert suggest("恐怕要下雨") is None       # 恐怕 = "probably", no fear


def test_reasons_in_text_order() -> None:
    s = suggest("想你[流泪] QAQ～")
    assert s is not None
    assert s.reasons == ("keyword 想你", "emoji [流泪]", "kaomoji QAQ", "punctuation ～")


# --- confidence and taxonomy --------------------------------------------------------------------------------------

def test_agreeing_cues_beat_conflicting_ones() -> None:
    single = suggest("[流泪]")
    agree = suggest("[流泪] 好难过 😭")
    conflict = suggest("[流泪] 哈哈哈 😂")
    assert single and agree and conflict
    assert agree.label == "sadness" and agree.confidence > 0.9
    assert conflict.confidence < single.confidence < agree.confidence
    assert 0.0 <= conflict.confidence <= 1.0


def test_repetition_adds_a_little() -> None:
    once, thrice = suggest("[流泪]"), suggest("[流泪][流泪][流泪]")
    assert once and thrice and once.confidence < thrice.confidence < 0.9
    assert thrice.reasons == ("emoji [流泪]",)


def test_taxonomy_restriction_drops_labels() -> None:
    assert label("[流泪] 哈哈哈", taxonomy=("joy", "playful")) == "playful"
    assert suggest("[流泪]", taxonomy=("joy", "anger")) is None
    s = suggest("哈哈 😭", taxonomy=("sadness", "neutral"))
    assert s is not None and s.reasons == ("emoji 😭",)


def test_owner_label_without_rules_is_harmless() -> None:
    assert label("好难过", taxonomy=("nostalgia", "sadness")) == "sadness"


def test_no_cue_is_none() -> None:
    assert suggest("今天吃什么") is None
    assert suggest("") is None
    assert suggest("see you at 5") is None


def test_suggest_many_matches_suggest() -> None:
    texts = ["[旺柴]", "今天吃什么", "想你❤️", "QAQ"]
    assert suggest_many(texts) == [suggest(t) for t in texts]
    assert all(isinstance(s, Suggestion) for s in suggest_many(["[流泪]"]))


def test_taxonomy_and_zh_names() -> None:
    assert set(LABEL_ZH) == set(DEFAULT_TAXONOMY)
    assert len(DEFAULT_TAXONOMY) == len(set(DEFAULT_TAXONOMY)) == 9


# --- the emoji table ---------------------------------------------------------------------------------------------

def test_every_lexicon_row_has_a_taxonomy_label() -> None:
    rows = read_tsv(LEXICON_PATH)
    assert len(rows) == 150
    assert list(rows[0]) == [*FIXTURE_COLUMNS, "emotion", "unicode"]  # unicode: what the chat bubbles show
    assert {r["emotion"] for r in rows} <= set(DEFAULT_TAXONOMY)
    assert all(r["emotion"] for r in rows)


def test_lexicon_keeps_every_fixture_row_unchanged() -> None:
    if not FIXTURE.is_file():
        pytest.skip(f"public fixture not present at {FIXTURE}")
    ours = [tuple(r[c] for c in FIXTURE_COLUMNS) for r in read_tsv(LEXICON_PATH)]
    theirs = [tuple(r[c] for c in FIXTURE_COLUMNS) for r in read_tsv(FIXTURE)]
    assert ours == theirs
    assert {r[0] for r in ours} == {r[0] for r in theirs}


def test_every_lexicon_name_is_recognised() -> None:
    for row in read_tsv(LEXICON_PATH):
        s = suggest(row["cn"])
        assert s is not None and s.label == row["emotion"], row["cn"]


# --- speed ---------------------------------------------------------------------------------------------------------

def test_speed() -> None:
    base = ["今天吃什么", "哈哈哈哈笑死我了[捂脸]", "我好想你❤️", "你怎么又不回我……", "好的～",
            "[Smile] ok see you at 5", "气死我了！！凭什么", "这个周末要不要一起去看电影呀，我听说新上映的那部还不错"]
    texts = [f"{base[i % len(base)]} {i}" for i in range(20_000)]   # distinct texts: no help from repeats
    suggest_many(texts[:10])   # compile outside the timing
    start = time.perf_counter()
    out = suggest_many(texts)
    assert time.perf_counter() - start < 2.0
    assert len(out) == len(texts) and out[1] is not None
