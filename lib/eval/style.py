"""A style detector: does a reply read like the owner or like the people they talk to?

A multinomial naive Bayes over character 1..4-grams (pure Python and numpy, no model to download), trained on the
training split only: the owner's turns (``gpt``) against the other side's (``human``) in the export records, so it
learns spelling, casing, emoji, punctuation and pet words, not topics of the held-out part. Classes weigh equally
(no prior), so a rate of 0.5 on a set of replies means "no idea" and the owner's own held-out replies show how high a
perfect twin could go. Used by the fidelity report and ``bench/bench_twin_fidelity.py``: a twin whose replies the
detector calls "owner" about as often as the owner's real ones has the owner's surface style.
"""
from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ORDERS = (1, 2, 3, 4)
ALPHA = 0.5  # additive smoothing: an n-gram one class never used is evidence, not a veto
_SKIP = frozenset({"(starts the chat)", "（开始聊天）"})  # the neutral opening turn is the export's, nobody wrote it


def grams(text: str) -> Counter[str]:
    """Character 1..4-grams of the NFKC-normalised text with boundary marks (case kept: capitals are style)."""
    s = "\x02" + " ".join(unicodedata.normalize("NFKC", str(text)).split()) + "\x03"
    out: Counter[str] = Counter()
    for n in ORDERS:
        out.update(s[i:i + n] for i in range(len(s) - n + 1))
    return out


@dataclass
class StyleDetector:
    """Log-odds per n-gram (owner over others) and the default for unseen n-grams."""

    log_odds: dict[str, float] = field(default_factory=dict)
    unseen: float = 0.0
    n_owner: int = 0
    n_other: int = 0

    @classmethod
    def fit(cls, owner: Iterable[str], other: Iterable[str]) -> StyleDetector:
        """Train on the owner's texts against the others' texts."""
        c_own, c_oth = Counter(), Counter()
        n_own = n_oth = 0
        for t in owner:
            if str(t).strip() and t not in _SKIP:
                c_own.update(grams(t))
                n_own += 1
        for t in other:
            if str(t).strip() and t not in _SKIP:
                c_oth.update(grams(t))
                n_oth += 1
        vocab = set(c_own) | set(c_oth)
        v = len(vocab) + 1
        tot_own, tot_oth = sum(c_own.values()) + ALPHA * v, sum(c_oth.values()) + ALPHA * v
        lo = {g: math.log((c_own[g] + ALPHA) / tot_own) - math.log((c_oth[g] + ALPHA) / tot_oth) for g in vocab}
        return cls(lo, 0.0, n_own, n_oth)  # an n-gram neither side used is no evidence either way

    @classmethod
    def train(cls, records: Iterable) -> StyleDetector:
        """From export records (the training split: held-out conversations are never records)."""
        owner, other = [], []
        for rec in records:
            if getattr(rec, "source", "chat") != "chat":
                continue
            for t in rec.turns:
                (owner if t.role == "gpt" else other).append(t.text)
        return cls.fit(owner, other)

    def score(self, text: str) -> float:
        """Log-odds that ``text`` is the owner's, averaged per n-gram (long and short texts on one scale)."""
        if not str(text).strip():
            return 0.0
        g = grams(text)
        total = sum(g.values())
        if not total:
            return 0.0
        return sum(self.log_odds.get(k, self.unseen) * c for k, c in g.items()) / total

    def is_owner(self, text: str) -> bool:
        return self.score(text) > 0

    def owner_rate(self, texts: Sequence[str]) -> float:
        """Share of ``texts`` the detector calls the owner's (0..1)."""
        texts = [t for t in texts if str(t).strip()]
        return sum(self.is_owner(t) for t in texts) / len(texts) if texts else 0.0

    def accuracy(self, owner: Sequence[str], other: Sequence[str]) -> float:
        """Balanced accuracy on labelled texts (mean of the two classes' hit rates)."""
        owner = [t for t in owner if str(t).strip() and t not in _SKIP]
        other = [t for t in other if str(t).strip() and t not in _SKIP]
        if not owner or not other:
            return 0.0
        return (self.owner_rate(owner) + 1 - self.owner_rate(other)) / 2

    def accuracy_holdout(self, ws) -> float:
        """Balanced accuracy on the held-out conversations' turns: how well the detector knows the owner at all."""
        from lib.export import holdout_records

        owner, other = [], []
        for rec in holdout_records(ws):
            if rec.source == "chat":
                for t in rec.turns:
                    (owner if t.role == "gpt" else other).append(t.text)
        return self.accuracy(owner, other)


__all__ = ["StyleDetector", "grams"]
