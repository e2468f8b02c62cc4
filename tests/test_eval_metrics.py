"""lib/eval/metrics.py on crafted replies whose answers are known by hand (or from sacrebleu's documented examples)."""
from __future__ import annotations

import random

import pytest

from lib.eval.metrics import (LENGTH_BINS, chrf, corpus_chrf, discriminator_accuracy, js_divergence, leaks,
                              style_distance, style_profile, twin_vs_real_pick_rate, wilson_interval)


# ----- chrF --------------------------------------------------------------------------------------------------------
def test_chrf_identical_is_one_and_disjoint_is_zero():
    assert chrf("明天去吃火锅吧", "明天去吃火锅吧") == pytest.approx(1.0)
    assert chrf("ok", "ok") == pytest.approx(1.0)  # shorter than 6 chars: only the orders both sides have count
    assert chrf("abc", "xyz") == 0.0
    assert chrf("", "abc") == 0.0 and chrf("abc", "") == 0.0


def test_chrf_hand_computed():
    # hyp "ab", ref "abc": 1-grams P=2/2 R=2/3; 2-grams P=1/1 R=1/2; no 3+-grams in hyp -> 2 effective orders.
    # avgP = 1, avgR = 7/12; F2 = 5·P·R / (4P + R) = (35/12) / (55/12) = 7/11.
    assert chrf("ab", "abc") == pytest.approx(7 / 11)
    assert chrf("a b", "ab c") == pytest.approx(7 / 11)  # whitespace removed


def test_chrf_matches_sacrebleu_documented_examples():
    # Examples from the HF datasets chrF metric card (sacrebleu corpus_score, default char order 6, beta 2).
    hyp = "The relationship between Obama and Netanyahu is not exactly friendly."
    ref = "The ties between Obama and Netanyahu are not particularly friendly."
    assert chrf(hyp, ref) == pytest.approx(0.61576379378113785, abs=1e-9)
    hyps = ["The relationship between cats and dogs is not exactly friendly.",
            "a good bookshop is just a genteel black hole that knows how to read."]
    refs = ["The relationship between dogs and cats is not exactly friendly.",
            "A good bookshop is just a genteel Black Hole that knows how to read."]
    assert corpus_chrf(hyps, refs) == pytest.approx(0.8464214891738334, abs=1e-9)


def test_corpus_chrf_sums_statistics():
    assert corpus_chrf(["ab", "xyz"], ["ab", "xyz"]) == pytest.approx(1.0)
    # Corpus of ("ab","abc") and ("abc","abc"): 1-grams hyp 5 ref 6 match 5; 2-grams hyp 3 ref 4 match 3;
    # 3-grams hyp 1 ref 2 match 1. avgP = 1, avgR = (5/6 + 3/4 + 1/2)/3 = 25/36; F2 = 5R/(4+R) = 125/169.
    assert corpus_chrf(["ab", "abc"], ["abc", "abc"]) == pytest.approx(125 / 169)
    with pytest.raises(ValueError):
        corpus_chrf(["a"], [])


# ----- style profile / distance ------------------------------------------------------------------------------------
REPLIES = [
    "好的~",                  # tilde, ends in punctuation other than a full stop
    "哈哈哈哈 笑死[旺柴]",       # laughter, bracket emoji; ends with "]", which is not "no punctuation at end"
    "真的吗？？\n我不信😂😂",     # question, 2 lines, 2 emoji, ends with an emoji
    "[表情包]",                # sticker placeholder (not a bracket emoji)
    "明天见。",                # full stop at end
]


def test_style_profile_exact_rates():
    p = style_profile(REPLIES, catchphrases=["笑死", "不信"])
    assert p["n"] == 5
    assert p["emoji_rate"] == pytest.approx(2 / 5)
    assert p["top_emoji"] == [("😂", 2)]
    assert p["bracket_rate"] == pytest.approx(1 / 5)
    assert p["top_bracket"] == [("[旺柴]", 1)]
    assert p["sticker_rate"] == pytest.approx(1 / 5)
    assert p["catchphrase_rate"] == pytest.approx(2 / 5)
    assert p["lines_per_reply"] == pytest.approx(6 / 5)
    punct = p["punctuation"]
    assert punct["tilde"] == pytest.approx(1 / 5)
    assert punct["question"] == pytest.approx(1 / 5)
    assert punct["laughter"] == pytest.approx(1 / 5)
    assert punct["full stop at end"] == pytest.approx(1 / 5)
    assert punct["exclamation"] == 0.0 and punct["ellipsis"] == 0.0
    # lengths (line breaks not counted, spaces counted): 3, 11, 10, 5, 4
    assert p["length_median"] == 5.0
    assert p["length_mean"] == pytest.approx(33 / 5)
    hist = dict(zip(LENGTH_BINS, p["length_hist"]))
    assert hist["3-5"] == pytest.approx(3 / 5) and hist["6-10"] == pytest.approx(1 / 5)
    assert hist["11-20"] == pytest.approx(1 / 5)
    assert sum(p["length_hist"]) == pytest.approx(1.0)
    assert style_profile(REPLIES)["catchphrase_rate"] is None


def test_style_profile_endings_and_empty():
    p = style_profile(["好的", "ok lol", "收到!!", "嗯..."])
    assert p["punctuation"]["no punctuation at end"] == pytest.approx(2 / 4)
    assert p["punctuation"]["laughter"] == pytest.approx(1 / 4)
    assert p["punctuation"]["repeated exclamation"] == pytest.approx(1 / 4)
    assert p["punctuation"]["ellipsis"] == pytest.approx(1 / 4)
    empty = style_profile([])
    assert empty["n"] == 0 and empty["emoji_rate"] == 0.0


def test_style_distance_identical_is_zero():
    p = style_profile(REPLIES, catchphrases=["笑死"])
    d = style_distance(p, p)
    assert d["overall"] == pytest.approx(0.0)
    assert all(v == pytest.approx(0.0) for v in d.values())


def test_style_distance_tilde_heavy_vs_none_is_far():
    tilde = style_profile(["好的~", "来啦~~", "嗯嗯~", "晚安~", "知道啦~"])
    plain = style_profile(["好的。", "来了。", "嗯。", "晚安。", "知道了。"])
    d = style_distance(tilde, plain)
    assert d["punctuation"] > 0.6
    assert d["overall"] > 0.3
    assert all(0.0 <= v <= 1.0 for v in d.values())
    assert "catchphrase" not in d  # unknown without catchphrases: left out, weights renormalised


def test_js_divergence_bounds():
    assert js_divergence([1, 0], [0, 1]) == pytest.approx(1.0)
    assert js_divergence([0.5, 0.5], [0.5, 0.5]) == pytest.approx(0.0)


# ----- discriminator -----------------------------------------------------------------------------------------------
FOODS = ["火锅", "烧烤", "奶茶", "寿司", "拉面", "饺子", "披萨", "炸鸡", "麻辣烫", "煎饼", "包子", "米线",
         "烤鸭", "串串", "酸菜鱼", "小龙虾", "粥", "汉堡", "冒菜", "凉皮"]


def _owner_items() -> tuple[list[str], list[str]]:
    contexts = [f"今晚吃{f}吗" for f in FOODS]
    real = [f"{f}可以呀~" if i % 2 else f"好耶{f}！" for i, f in enumerate(FOODS)]
    return contexts, real


def test_verbatim_twin_is_indistinguishable():
    contexts, real = _owner_items()
    assert twin_vs_real_pick_rate(contexts, real, list(real)) == pytest.approx(0.5)
    # In the k-way game a verbatim twin ties with the real reply: the judge cannot beat 1/2 on those items.
    assert discriminator_accuracy(contexts, real, [[r] for r in real], k=4, seed=1) <= 0.5 + 1e-9


def test_random_english_twin_is_spotted():
    contexts, real = _owner_items()
    rng = random.Random(7)
    words = "the quick brown fox jumps over lazy dog meeting report tomorrow please confirm".split()
    twin = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 7))).capitalize() + "." for _ in real]
    acc = discriminator_accuracy(contexts, real, twin, k=4, seed=3)
    assert acc > 0.6  # chance is 0.25
    assert twin_vs_real_pick_rate(contexts, real, twin) < 0.1


def test_discriminator_rejects_bad_input():
    contexts, real = _owner_items()
    with pytest.raises(ValueError):
        discriminator_accuracy(contexts[:3], real, real, k=4)
    with pytest.raises(ValueError):
        discriminator_accuracy(contexts[:2], real[:2], real[:2], k=4)  # not enough distractors


# ----- leaks / wilson ----------------------------------------------------------------------------------------------
def test_leaks_formatted_phone_numbers_and_case():
    replies = ["我电话138 1234 5678", "打 138-1234-5678 就行", "邮箱 Zhang.Wei@Example.com",
               "没啥", "全角１３８１２３４５６７８"]
    found = leaks(replies, ["13812345678", "zhang.wei@example.com", "", "不在"])
    assert found == [(0, "13812345678"), (1, "13812345678"), (2, "zhang.wei@example.com"), (4, "13812345678")]
    assert leaks(["138 1234 567"], ["13812345678"]) == []


def test_wilson_interval():
    lo, hi = wilson_interval(5, 10)
    assert lo == pytest.approx(0.237, abs=1e-3) and hi == pytest.approx(0.763, abs=1e-3)
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and 0.0 < hi < 0.35
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


# ----- facts and memory ---------------------------------------------------------------------------------------------
def test_answer_recall_and_holds_answer():
    from lib.eval.metrics import answer_recall, content_units, holds_answer

    assert content_units("works as a Nurse") == {"works", "nurse"}  # function words dropped, case folded
    assert content_units("喜欢吃火锅") == {"喜欢", "欢吃", "吃火", "火锅"} and content_units("猫") == {"猫"}
    assert answer_recall("我最喜欢吃火锅了！", "喜欢吃火锅") == 1.0  # the value itself, normalised
    assert answer_recall("ＬＯＶＥＳ  hotpot", "loves hotpot") == 1.0  # NFKC, case and spaces
    assert answer_recall("she is a nurse", "works as a nurse") == 0.5
    assert answer_recall("no idea", "works as a nurse") == 0.0 and answer_recall("x", "") == 0.0
    assert holds_answer("she is a nurse", ["loves hotpot", "works as a nurse"]) == (True, 0.5)
    assert holds_answer("nothing", ["loves hotpot"]) == (False, 0.0) and holds_answer("x", []) == (False, 0.0)
