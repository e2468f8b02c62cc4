"""The recognizer side of redaction: what a detection is, and the helpers every recognizer shares.

Design after Presidio: *recognizers* find spans and say why (kind, span, score, reason); *operators*
(:mod:`lib.pii.operators`) decide what replaces them; the *analyzer* (:mod:`lib.pii.analyzer`) runs the recognizers and
resolves overlaps. Unlike Presidio, boundaries are CJK-aware: Python's ``\\b`` sees no boundary between ``号`` and
``6``, so recognizers use explicit ASCII look-arounds (:data:`NOT_ALNUM_BEFORE` and friends) instead.

Recognizers receive text that went through :func:`fold_width` (full-width ASCII folded to half-width, same length), so
``１３８…`` is matched by ASCII patterns and offsets still point into the original text.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from operator import add
from dataclasses import dataclass, field
from typing import Iterable, Protocol


# Score conventions shared by all recognizers (the analyzer drops hits below its threshold, 0.5 by default):
SCORE_VALIDATED = 1.0  # a checksum or a parser validated it (GB 11643, Luhn, mod-97, phonenumbers VALID)
SCORE_CONTEXT = 0.85   # a distinctive shape plus a context word nearby
SCORE_PATTERN = 0.6    # a distinctive shape on its own
SCORE_WEAK = 0.4       # a plausible shape with no support: kept below the default threshold

# CJK-aware boundaries: a value may touch Han characters or punctuation, but not ASCII letters or digits.
NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
NOT_DIGIT_BEFORE = r"(?<![0-9])"
NOT_DIGIT_AFTER = r"(?![0-9])"


@dataclass(frozen=True, slots=True)
class Hit:
    """One detection: ``text[start:end]`` is PII of ``kind``.

    ``norm`` is the grouping key: two hits with the same kind and norm are the same value (``138 1234 5678`` and
    ``+8613812345678`` are one phone), so one review decision and one placeholder cover both. Empty means "use
    :func:`default_norm` of the surface text".
    """

    kind: str
    start: int
    end: int
    score: float
    reason: str
    norm: str = ""

    @property
    def length(self) -> int:
        return self.end - self.start


class Recognizer(Protocol):
    """Finds one kind (or a few closely related kinds) of PII in a single message."""

    kinds: tuple[str, ...]

    def analyze(self, text: str) -> list[Hit]:
        """Every candidate in ``text`` (already width-folded), in any order, overlaps allowed."""
        ...

    # Optional: ``analyze_many(batch: Batch) -> dict[int, list[Hit]]``, the same hits as ``analyze`` on each text of the
    # batch (keyed by its index; texts without hits left out), found with one scan over the whole batch. The analyzer
    # uses it for batches of messages; it is worth it for a recognizer that runs on every line (``needs = ""``) and
    # whose pattern is rare: the per-line Python calls cost more than the scan.
    #
    # Optional: ``hint`` (a compiled pattern, or a tuple of them) and/or ``hint_lower`` (searched in the lower-cased
    # text): a pattern that every text ``analyze`` finds something in matches. In a batch the analyzer calls the
    # recognizer only on the texts one scan finds a hint in (tests/test_pii_batch.py checks each hint holds).


class Batch:
    """Many texts joined into one string, so one ``re`` scan in C covers a whole batch of messages.

    Texts are joined with NUL, which no chat text holds and which no recognizer's pattern matches (it is no letter,
    digit, space or Han character), so a match never spans two texts and a boundary look-around at a text's end sees
    what it sees at the end of the single text.
    """

    SEP = "\x00"

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.joined = self.SEP.join(texts)
        self._lowered: str | None = None
        # text k starts after the k texts before it and their k separators (C loops: no Python step per text)
        self.starts = list(map(add, accumulate(map(len, texts[:-1]), initial=0), range(len(texts)))) if texts else []

    def fold(self) -> None:
        """Width-fold every text (:func:`fold_width`: one character for one, so offsets stay)."""
        self.joined = fold_width(self.joined)
        self._lowered = None

    def lowered(self) -> str | None:
        """The joined texts lower-cased, computed once for every recognizer that looks for words in any case; None
        when a letter lowers to more than one character (``İ``), so positions would not carry over."""
        if self._lowered is None:
            low = self.joined.lower()
            self._lowered = low if len(low) == len(self.joined) else ""
        return self._lowered or None

    def text(self, k: int) -> str:
        """Text ``k`` as the recognizers read it (folded when the batch is)."""
        start = self.starts[k]
        return self.joined[start:start + len(self.texts[k])]

    def line(self, pos: int) -> int:
        """The index of the text that holds joined position ``pos``."""
        return bisect_right(self.starts, pos) - 1


@dataclass(frozen=True)
class Term:
    """An owner-kept term: a literal (matched as a plain substring, CJK-safe) or a regular expression.

    Also a value the workspace already knows (``norm`` set: a phone found once with context is the same value, with
    the same placeholder, wherever else it appears)."""

    pattern: str
    kind: str = "CUSTOM"
    is_regex: bool = False
    norm: str = ""


@dataclass
class AnalyzerConfig:
    """Everything that changes what a scan finds; its :meth:`fingerprint` decides when a full rescan is due."""

    regions: tuple[str, ...] = ("CN",)
    names: tuple[str, ...] = ()          # PERSON gazetteer: contacts, remarks, nicknames, owner's list
    terms: tuple[Term, ...] = ()         # CUSTOM: owner's terms and regexes
    allow: frozenset[str] = field(default_factory=frozenset)  # never flagged (compared by default_norm)
    threshold: float = 0.5


_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20  # ideographic space


_WIDE_CHAR = re.compile("[\uff01-\uff5e\u3000]")
_HALF = {chr(k): chr(v) for k, v in _FOLD.items()}.__getitem__


def fold_width(text: str) -> str:
    """Full-width ASCII (``１３８``, ``＠``) to half-width, one character for one, so offsets are unchanged.

    Not ``str.translate``, which looks up every character of CJK text in a dict (4-5x slower on chat text, where
    full-width characters are a few punctuation marks), nor a substitution with a callable (a Python call per mark:
    a batch of Chinese chat has thousands of ``，``): ``str.replace`` per distinct mark, a handful per text."""
    found = _WIDE_CHAR.findall(text)
    if not found:
        return text
    for wide in set(found):
        text = text.replace(wide, _HALF(wide))
    return text


_SPACE = re.compile(r"\s+")


def default_norm(value: str) -> str:
    """Grouping key for a surface value: width-folded, case-folded, whitespace removed."""
    return _SPACE.sub("", fold_width(value)).casefold()


def digits(value: str) -> str:
    """Only the ASCII digits of ``value`` (after width folding)."""
    return "".join(ch for ch in fold_width(value) if "0" <= ch <= "9")


def context_word(text: str, start: int, end: int, words: Iterable[str], before: int = 12, after: int = 0) -> str | None:
    """The first of ``words`` found (case-insensitively) within ``before`` chars before or ``after`` chars after the
    span, or None. Substring search, so it works on Chinese without tokenising (``卡号``, ``银行卡``)."""
    window = text[max(0, start - before):start].casefold()
    if after:
        window += " " + text[end:end + after].casefold()
    for w in words:
        if w in window:
            return w
    return None


def __getattr__(name: str) -> tuple[str, ...]:
    """``KINDS``: every kind the redaction stage knows, in the review page's order. Derived from the kinds the
    recognizer modules declare (:mod:`lib.pii.kinds`), so a new kind is one new module."""
    if name == "KINDS":
        from lib.pii.kinds import kind_names

        return kind_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
