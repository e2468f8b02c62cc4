"""Batch detection (Analyzer.analyze_batch, Recognizer.analyze_many) finds exactly what line-by-line detection finds."""
from __future__ import annotations

import random

import pytest

from lib.pii.analyzer import Analyzer
from lib.pii.base import AnalyzerConfig, Batch, Term
from lib.pii.recognizers.custom import CustomRecognizer
from lib.pii.recognizers.person import PersonRecognizer
from lib.pii.recognizers.person_zh import ChineseNameRecognizer

LINES = [
    "明天跟张晓明一起吃火锅", "王医生说我这个要复查", "还在加班明天见", "好的", "", "哈哈哈哈", "晓明到了吗",
    "Dr. Daniel Okafor wants to see me again", "ask my sister Emma Rossi", "Daniel said hi", "will do", "Mark my words",
    "我手机13812345678，有事打我", "邮箱ｘｉａｏｙｕ＠ｅｘａｍｐｌｅ．ｃｏｍ", "张晓明：到了",
    "what's the wifi password",
    "sunflower42", "打１３８１２３４５６７８就行", "王老师好", "Emma", "老王说的", "@Daniel 看这个",
    "Flat 2, 14 Elm Road, Leeds LS6 2AB",
    "张", "晓", "明天", "Okafor", "Daniel Okafor's car", "sk-abcdefghijklmnop1234", "身份证11010519491231002X发你了",
    "QQ 12345678", "微信号 rain_2024", "我家在北京市朝阳区建国路88号3栋2单元501室",
]
NAMES = ("张晓明", "Daniel Okafor", "Emma Rossi", "阿杰")
TERMS = (Term("sunflower42", "SECRET", norm="sunflower42"), Term("rain_2024", "WECHAT_ID"),
         Term(r"[0-9]{3}-[0-9]{4}", "CUSTOM", is_regex=True))


def stream(seed: int, n: int = 400) -> list[tuple[str, str | None]]:
    """Lines in random order, each with the one before it as its context (as a scan passes them)."""
    rnd = random.Random(seed)
    texts = [rnd.choice(LINES) for _ in range(n)]
    return [(t, texts[i - 1] if i else None) for i, t in enumerate(texts)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_equals_line_by_line(seed: int) -> None:
    analyzer = Analyzer(AnalyzerConfig(names=NAMES, terms=TERMS, regions=("CN", "GB")))
    items = stream(seed)
    expected = [analyzer.analyze(t, p) for t, p in items]
    assert analyzer.analyze_batch(items) == expected
    assert sum(map(len, expected)) > 50  # the lines hold something to find


def test_names_and_values_only_batch_equals_line_by_line() -> None:
    """The scan that looks for names and values found elsewhere (no per-line recognizer at all)."""
    analyzer = Analyzer(AnalyzerConfig(), recognizers=[PersonRecognizer(NAMES), CustomRecognizer(TERMS)])
    items = stream(4)
    assert analyzer.analyze_batch(items) == [analyzer.analyze(t, p) for t, p in items]


def test_a_match_never_spans_two_texts() -> None:
    """Texts are joined with NUL: a name cut between two messages ("说到张" | "晓明来了") is found only where a text
    holds a known form of it on its own (晓明, the given name), never as the whole name across the cut."""
    texts = ["说到张", "晓明来了", "Dr", "Okafor"]
    rec = PersonRecognizer(["张晓明", "Daniel Okafor"])
    found = rec.analyze_many(Batch(texts))
    assert found == {k: rec.analyze(t) for k, t in enumerate(texts) if rec.analyze(t)}
    assert 0 not in found and [(h.start, h.end) for h in found[1]] == [(0, 2)]
    assert ChineseNameRecognizer().analyze_many(Batch(["约了张", "伟一起吃饭"])) == {}


def test_batch_offsets_are_per_text() -> None:
    texts = ["你好", "明天跟张晓明一起吃火锅", "", "张晓明说"]
    batch = Batch(texts)
    found = ChineseNameRecognizer().analyze_many(batch)
    assert {k: [(h.start, h.end) for h in hits] for k, hits in found.items()} == {1: [(3, 6)], 3: [(0, 3)]}
    assert batch.text(1) == texts[1] and batch.line(batch.starts[3]) == 3 and batch.line(batch.starts[3] - 1) == 2


HINT_LINES = LINES + [
    "wx: rain_2024", "加我微信 rain_2024", "WeChat ID is Rain_2024", "VX号 abc_123456", "wxid_abcdefg123 是我",
    "密码是 hunter22", "the PIN is 4821", "Password: s3cr3t!x", "验证码 482913", "your otp code is 123456",
    "https://user:pa55@example.com/x", "see https://example.com/cb?access_token=abcDEF123456 ok",
    "token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "AKIAABCDEFGHIJKLMNOP", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5",
    "İstanbul PIN 4821", "ＰＡＳＳＷＯＲＤ：abc12345",
]


def test_every_hint_holds_in_every_text_its_recognizer_finds_something_in() -> None:
    """A recognizer's ``hint`` / ``hint_lower`` must match every text it finds a value in: the batch path calls it
    only on texts that hold the hint, so a hint that missed would be a silent leak."""
    from lib.pii.analyzer import _line_rx
    from lib.pii.base import fold_width
    from lib.pii.registry import default_recognizers

    hinted = [r for r in default_recognizers(AnalyzerConfig(regions=("CN", "GB")))
              if getattr(r, "hint", None) is not None or getattr(r, "hint_lower", None) is not None]
    assert {type(r).__name__ for r in hinted} >= {"UrlRecognizer", "WechatIdRecognizer", "SecretRecognizer"}
    for rec in hinted:
        found = 0
        for line in HINT_LINES:
            text = fold_width(line)
            if not rec.analyze(text):
                continue
            found += 1
            hit = any(rx.search(text) for rx in _line_rx(getattr(rec, "hint", None))) or any(
                rx.search(text.lower()) for rx in _line_rx(getattr(rec, "hint_lower", None)))
            assert hit, (type(rec).__name__, line)
        assert found, type(rec).__name__  # the lines exercise it


def test_answer_gate_over_a_batch_equals_the_gate_per_text() -> None:
    from lib.pii.recognizers.followup import FollowupRecognizer

    texts = [t for t, _ in stream(5, 300)] + ["abcDef", "a.b", "路口", "x" * 130 + "1", "1 2 3 4 5 6 7 8 9 10"]
    batch = Batch(texts)
    assert FollowupRecognizer.wants_many(batch) == {k for k, t in enumerate(texts) if FollowupRecognizer.wants(t)}
