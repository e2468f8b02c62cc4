"""Does the twin sound like its owner? Pure metrics over the twin's replies and the owner's real replies.

Every function takes plain strings (a reply may hold several lines: one line per chat bubble) so the same metrics
serve the offline benchmark, the "which one is me" game and tests. Nothing here calls a model; all numbers are
counted, so a change in the score is a change in the replies, not noise from a judge.

What each metric answers:

* :func:`style_profile` / :func:`style_distance`: are the habits (length, emoji, stickers, punctuation, catchphrases,
  bubbles per reply) the same? Uses the regexes of :mod:`lib.persona.traits`, so the persona card and the evaluation
  agree on what "uses tildes" means.
* :func:`chrf` / :func:`corpus_chrf`: does the twin say what the owner said, character by character (chrF works
  for Chinese without a word segmenter)?
* :func:`discriminator_accuracy` / :func:`twin_vs_real_pick_rate`: can a simple judge tell the twin from the owner?
* :func:`leaks`: did an original PII value (which redaction replaced) come out of the twin?
* :func:`wilson_interval`: how sure is a fooling rate measured on a few dozen game rounds?

Scales: every score and distance is on 0..1 (chrF too: sacrebleu's 100-point number divided by 100).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from lib.segment import PLACEHOLDERS
from lib.persona.traits import _BRACKET, _EMOJI, PUNCTUATION

# ----- style profile --------------------------------------------------------------------------------------------------
# Reply length (characters, bubbles joined, line breaks not counted) is bucketed on near-doubling edges: chat replies
# are mostly short, so the fine bins sit at the short end. Fixed edges make histograms of two profiles comparable.
LENGTH_EDGES: tuple[int, ...] = (0, 1, 3, 6, 11, 21, 41, 81)
LENGTH_BINS: tuple[str, ...] = ("0", "1-2", "3-5", "6-10", "11-20", "21-40", "41-80", "81+")
# A sticker sent as a placeholder, in both export languages plus MemoTrace's full-width spelling.
STICKERS: frozenset[str] = frozenset({PLACEHOLDERS["zh"]["sticker"], PLACEHOLDERS["en"]["sticker"], "【表情包】",
                                      "[动画表情]", "[Sticker]"})
# Any media placeholder ([图片], [语音] ...) looks like a bracket emoji to the regex; it is not one.
_NOT_BRACKET_EMOJI: frozenset[str] = frozenset(v for lang in PLACEHOLDERS.values() for v in lang.values()) | STICKERS
_PUNCT = [(name, re.compile(rx, re.IGNORECASE)) for name, rx in PUNCTUATION]
TOP = 10  # top items kept in a profile
TOP_COMPARED = 5  # top items compared by style_distance (the head of the list is the habit; the tail is noise)


def _lines(reply: str) -> list[str]:
    return [ln.strip() for ln in str(reply).splitlines() if ln.strip()]


def _reply_length(reply: str) -> int:
    return sum(len(ln) for ln in _lines(reply))


def _length_bin(length: int) -> int:
    return int(np.searchsorted(LENGTH_EDGES, length, side="right")) - 1


def _emoji(reply: str) -> list[str]:
    return [e.replace("\uFE0F", "") for e in _EMOJI.findall(reply)]


def _brackets(reply: str) -> list[str]:
    return [b for b in _BRACKET.findall(reply) if b not in _NOT_BRACKET_EMOJI]


def _has_sticker(reply: str) -> bool:
    return any(s in reply for s in STICKERS)


def _punctuation(reply: str) -> list[bool]:
    """Each habit of :data:`lib.persona.traits.PUNCTUATION` on the whole reply; the end-anchored ones ("full stop at
    end") therefore look at the last bubble, which is where a reply visibly ends."""
    text = "\n".join(_lines(reply))
    return [bool(rx.search(text)) for _, rx in _PUNCT]


def _has_catchphrase(reply: str, phrases: Sequence[str]) -> bool:
    low = reply.lower()
    return any(p.lower() in low for p in phrases)


def style_profile(replies: Sequence[str], catchphrases: Sequence[str] | None = None) -> dict:
    """The habits of a set of replies, as plain numbers (so profiles can be saved as JSON and compared).

    Rates are per reply: ``emoji_rate`` and ``bracket_rate`` count items per reply (can exceed 1); ``sticker_rate``,
    ``catchphrase_rate`` and every ``punctuation`` entry are the share of replies that show the habit at least once.
    ``catchphrase_rate`` is None when no catchphrases are given (unknown, not zero). ``lines_per_reply`` is the
    burstiness: bubbles per reply.
    """
    replies = [str(r) for r in replies]
    n = len(replies)
    lengths = np.array([_reply_length(r) for r in replies], dtype=float)
    hist = np.bincount([_length_bin(int(x)) for x in lengths], minlength=len(LENGTH_BINS)).astype(float)
    emoji = [e for r in replies for e in _emoji(r)]
    brackets = [b for r in replies for b in _brackets(r)]
    punct = np.array([_punctuation(r) for r in replies], dtype=float).reshape(n, len(_PUNCT))
    phrases = [p for p in (catchphrases or []) if p and p.strip()]
    return {
        "n": n,
        "length_median": float(np.median(lengths)) if n else 0.0,
        "length_mean": float(lengths.mean()) if n else 0.0,
        "length_bins": list(LENGTH_BINS),
        "length_hist": (hist / n).tolist() if n else hist.tolist(),
        "emoji_rate": len(emoji) / n if n else 0.0,
        "top_emoji": Counter(emoji).most_common(TOP),
        "bracket_rate": len(brackets) / n if n else 0.0,
        "top_bracket": Counter(brackets).most_common(TOP),
        "sticker_rate": sum(_has_sticker(r) for r in replies) / n if n else 0.0,
        "punctuation": {name: float(punct[:, i].mean()) if n else 0.0 for i, (name, _) in enumerate(_PUNCT)},
        "catchphrase_rate": (sum(_has_catchphrase(r, phrases) for r in replies) / n if n else 0.0)
        if phrases else None,
        "lines_per_reply": sum(len(_lines(r)) for r in replies) / n if n else 0.0,
    }


# ----- style distance -------------------------------------------------------------------------------------------------
# Weights of the overall distance (they sum to 1). Punctuation and length carry most: they are the habits a reader
# notices first and the ones with enough data in every chat; emoji/bracket item sets are noisy on small samples, so
# they weigh little. A component missing on either side (catchphrase rate without catchphrases) is left out and the
# remaining weights are renormalised.
WEIGHTS: dict[str, float] = {
    "length": 0.20,        # Jensen–Shannon divergence (base 2) of the length histograms
    "punctuation": 0.25,   # mean |Δ share| over the habits either side uses
    "emoji_rate": 0.10,    # |Δ| / max(1, rates)
    "emoji_items": 0.05,   # Jaccard distance of the top-5 emoji
    "bracket_rate": 0.05,  # |Δ| / max(1, rates)
    "bracket_items": 0.05,  # Jaccard distance of the top-5 bracket emoji
    "sticker_rate": 0.10,  # |Δ share|
    "burstiness": 0.10,    # |Δ lines per reply| / max(lines per reply)
    "catchphrase": 0.10,   # |Δ share|
}


def js_divergence(p: Sequence[float], q: Sequence[float]) -> float:
    """Jensen–Shannon divergence with log base 2: symmetric, finite when a bin is empty on one side, and in [0, 1]."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.sum() == 0 or q.sum() == 0:
        return 0.0 if p.sum() == q.sum() else 1.0
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        nz = a > 0
        return float((a[nz] * np.log2(a[nz] / m[nz])).sum())

    return min(1.0, max(0.0, (kl(p) + kl(q)) / 2))


def _rate_gap(a: float, b: float) -> float:
    # Dividing by max(1, ...) keeps shares (≤ 1) as plain differences and bounds per-reply counts to [0, 1].
    return abs(a - b) / max(1.0, a, b)


def _jaccard_distance(a: Iterable, b: Iterable) -> float:
    a, b = set(a), set(b)
    return 1.0 - len(a & b) / len(a | b) if a | b else 0.0


def _items(top: Sequence) -> list[str]:
    return [str(item[0]) for item in list(top)[:TOP_COMPARED]]


def style_distance(twin: dict, real: dict) -> dict:
    """Per-component distances in [0, 1] between two :func:`style_profile` results, plus ``overall``: their mean
    weighted by :data:`WEIGHTS`. 0 means the same habits; about 0.3 and more is a clearly different writer.

    Punctuation compares only the habits at least one side shows: habits neither side has must not dilute a real
    difference (a tilde addict against someone who never uses one is far apart even if both avoid ellipses).
    """
    out: dict[str, float] = {"length": js_divergence(twin["length_hist"], real["length_hist"])}
    pt, pr = twin["punctuation"], real["punctuation"]
    used = [k for k in pr if pt.get(k, 0.0) > 0 or pr[k] > 0]
    out["punctuation"] = float(np.mean([abs(pt.get(k, 0.0) - pr[k]) for k in used])) if used else 0.0
    out["emoji_rate"] = _rate_gap(twin["emoji_rate"], real["emoji_rate"])
    out["emoji_items"] = _jaccard_distance(_items(twin["top_emoji"]), _items(real["top_emoji"]))
    out["bracket_rate"] = _rate_gap(twin["bracket_rate"], real["bracket_rate"])
    out["bracket_items"] = _jaccard_distance(_items(twin["top_bracket"]), _items(real["top_bracket"]))
    out["sticker_rate"] = abs(twin["sticker_rate"] - real["sticker_rate"])
    a, b = twin["lines_per_reply"], real["lines_per_reply"]
    out["burstiness"] = abs(a - b) / max(a, b) if max(a, b) > 0 else 0.0
    if twin.get("catchphrase_rate") is not None and real.get("catchphrase_rate") is not None:
        out["catchphrase"] = abs(twin["catchphrase_rate"] - real["catchphrase_rate"])
    total = sum(WEIGHTS[k] for k in out)
    out["overall"] = sum(WEIGHTS[k] * v for k, v in out.items()) / total
    return out


# ----- chrF -----------------------------------------------------------------------------------------------------------
def _char_ngrams(text: str, n: int) -> Counter[str]:
    s = "".join(text.split())  # whitespace removed, as sacrebleu's chrF default (whitespace=False)
    return Counter(s[i:i + n] for i in range(len(s) - n + 1))


def _chrf_stats(hypothesis: str, reference: str, n: int) -> np.ndarray:
    """Per order 1..n: (hypothesis n-grams, reference n-grams, matched n-grams), the sufficient statistics."""
    stats = np.zeros((n, 3), dtype=float)
    for order in range(1, n + 1):
        h, r = _char_ngrams(hypothesis, order), _char_ngrams(reference, order)
        stats[order - 1] = (sum(h.values()), sum(r.values()), sum((h & r).values()))
    return stats


def _chrf_score(stats: np.ndarray, beta: float) -> float:
    """sacrebleu's ``CHRF._compute_f_score`` (without eps smoothing): precision and recall averaged over the orders
    that both sides have (a 3-character reply has no 4-grams and is not punished for it), then one F-beta."""
    eps = 1e-16
    factor = beta ** 2
    avg_prec = avg_rec = 0.0
    effective = 0
    for n_hyp, n_ref, n_match in stats:
        avg_prec += n_match / n_hyp if n_hyp > 0 else eps
        avg_rec += n_match / n_ref if n_ref > 0 else eps
        effective += int(n_hyp > 0 and n_ref > 0)
    if not effective or not stats[:, 2].any():  # nothing shared: 0, not sacrebleu's 1e-16 from its eps
        return 0.0
    avg_prec /= effective
    avg_rec /= effective
    if avg_prec + avg_rec == 0:
        return 0.0
    return min(1.0, (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec))


def chrf(hypothesis: str, reference: str, n: int = 6, beta: float = 2.0) -> float:
    """Sentence chrF (Popović 2015; sacrebleu's default chrF: character 1..6-grams, whitespace removed, beta 2) on a
    0..1 scale (sacrebleu's number / 100). Identical strings give 1.0, no shared character 0.0; an empty side 0.0."""
    return _chrf_score(_chrf_stats(hypothesis, reference, n), beta)


def corpus_chrf(hyps: Sequence[str], refs: Sequence[str], n: int = 6, beta: float = 2.0) -> float:
    """Corpus chrF, 0..1: the n-gram statistics are summed over all pairs first and the F-score taken once (as
    sacrebleu's ``corpus_score``), so long replies weigh more than in an average of sentence scores."""
    if len(hyps) != len(refs):
        raise ValueError(f"{len(hyps)} hypotheses but {len(refs)} references")
    stats = np.zeros((n, 3), dtype=float)
    for h, r in zip(hyps, refs):
        stats += _chrf_stats(h, r, n)
    return _chrf_score(stats, beta)


# ----- discriminator --------------------------------------------------------------------------------------------------
# The judge scores a candidate reply with three terms, each in [0, 1], added with equal weight:
#   style      geometric-mean probability of the reply's habits (each punctuation habit, has emoji, has bracket
#              emoji, has sticker, several bubbles, length bin) under the owner's shares, add-one smoothed
#              (a naive-Bayes "how typical of me is this");
#   vocabulary share of the reply's distinct character 1..3-grams the owner has used (language, script, pet words);
#   context    share of the reply's distinct character 1..2-grams found in the context (does it answer *this*).
# The owner's shares and n-grams come only from real replies of OTHER items, and not from items whose real reply is a
# distractor in the same round: a candidate must never be judged against a profile containing itself.
# Simple on purpose: it is a floor a twin should pass, not a strong classifier.
_VOCAB_N = (1, 2, 3)
_CONTEXT_N = (1, 2)


def _grams(text: str, orders: Sequence[int]) -> set[str]:
    out: set[str] = set()
    for n in orders:
        out.update(_char_ngrams(text, n))
    return out


def _features(reply: str) -> list[bool]:
    return _punctuation(reply) + [bool(_emoji(reply)), bool(_brackets(reply)), _has_sticker(reply),
                                  len(_lines(reply)) > 1]


class _Judge:
    """The owner's real replies, pre-counted so a leave-some-out profile is a subtraction, not a recount."""

    def __init__(self, real: Sequence[str]) -> None:
        self.n = len(real)
        self.features = np.array([_features(r) for r in real], dtype=float).reshape(self.n, -1)
        self.bins = np.array([_length_bin(_reply_length(r)) for r in real], dtype=int)
        self.grams = [_grams(r, _VOCAB_N) for r in real]
        self.df: Counter[str] = Counter(g for gs in self.grams for g in gs)

    def score(self, candidate: str, context: str, exclude: Sequence[int]) -> float:
        exclude = list(exclude)
        n = self.n - len(exclude)
        counts = self.features.sum(0) - self.features[exclude].sum(0)
        x = np.array(_features(candidate), dtype=float)
        p_yes = (counts + 1) / (n + 2)
        logp = np.log(np.where(x > 0, p_yes, 1 - p_yes)).tolist()
        bin_counts = np.bincount(self.bins, minlength=len(LENGTH_BINS)) - np.bincount(
            self.bins[exclude], minlength=len(LENGTH_BINS))
        b = _length_bin(_reply_length(candidate))
        logp.append(math.log((bin_counts[b] + 1) / (n + len(LENGTH_BINS))))
        style = math.exp(sum(logp) / len(logp))

        grams = _grams(candidate, _VOCAB_N)
        if grams:
            removed = Counter(g for j in exclude for g in self.grams[j] if g in grams)
            vocab = sum(self.df[g] - removed[g] > 0 for g in grams) / len(grams)
        else:
            vocab = 0.0
        cgrams = _grams(candidate, _CONTEXT_N)
        ctx = _grams(context, _CONTEXT_N)
        context_score = len(cgrams & ctx) / len(cgrams) if cgrams else 0.0
        return style + vocab + context_score


def _as_list(candidates: str | Sequence[str] | None) -> list[str]:
    if candidates is None:
        return []
    return [candidates] if isinstance(candidates, str) else [str(c) for c in candidates]


def _check(contexts: Sequence[str], real: Sequence[str], other: Sequence) -> None:
    if not (len(contexts) == len(real) == len(other)):
        raise ValueError(f"lengths differ: {len(contexts)} contexts, {len(real)} real replies, {len(other)} others")


def discriminator_accuracy(contexts: Sequence[str], real: Sequence[str],
                           candidates_by_item: Sequence[str | Sequence[str]], k: int = 4, seed: int = 0) -> float:
    """How often the judge (see the comment above ``_Judge``) picks the owner's real reply among ``k`` candidates.

    Per item the candidates are the real reply, then the item's own candidates (``candidates_by_item[i]``: the
    twin's reply, or several; at most ``k - 1`` used), then real replies of other items drawn at random (``seed``)
    to fill ``k``. Chance is ``1 / k``; near chance with the twin in the pool means the twin passes for the owner.
    Ties share the credit (a twin identical to the real reply earns the judge half a point), so the result is
    deterministic for a given seed.
    """
    _check(contexts, real, candidates_by_item)
    if k < 2:
        raise ValueError("k must be at least 2")
    judge = _Judge(real)
    rng = np.random.default_rng(seed)
    credit = []
    for i, (context, truth) in enumerate(zip(contexts, real)):
        given = _as_list(candidates_by_item[i])[:k - 1]
        need = k - 1 - len(given)
        pool = [j for j in range(len(real)) if j != i and real[j].strip() != truth.strip()]
        if len(pool) < need:
            raise ValueError(f"item {i}: {need} distractors needed but only {len(pool)} other real replies differ")
        sources = [int(j) for j in rng.choice(pool, size=need, replace=False)] if need else []
        candidates = [truth, *given, *(real[j] for j in sources)]
        exclude = [i, *sources]
        scores = np.array([judge.score(c, context, exclude) for c in candidates])
        tied = np.flatnonzero(scores >= scores.max() - 1e-12)
        credit.append(1.0 / len(tied) if 0 in tied else 0.0)
    return float(np.mean(credit)) if credit else 0.0


def twin_vs_real_pick_rate(contexts: Sequence[str], real: Sequence[str], twin: Sequence[str]) -> float:
    """Two-way judge: the share of items where the twin's reply looks more like the owner than the real one does
    (ties count half). 0.5 means indistinguishable; near 0 means the twin is easy to spot; above 0.5 the twin is a
    caricature the judge prefers (more typical of the owner than the owner is)."""
    _check(contexts, real, twin)
    judge = _Judge(real)
    picks = []
    for i, (context, truth, fake) in enumerate(zip(contexts, real, twin)):
        s_real, s_twin = judge.score(truth, context, [i]), judge.score(str(fake), context, [i])
        picks.append(0.5 if abs(s_real - s_twin) <= 1e-12 else float(s_twin > s_real))
    return float(np.mean(picks)) if picks else 0.5


# ----- privacy --------------------------------------------------------------------------------------------------------
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")  # spaces and dashes people put inside numbers


def _normal(text: str) -> str:
    # NFKC folds full-width digits and letters (１３８, ＡＢ) to ASCII; only ASCII is lower-cased, as asked.
    return unicodedata.normalize("NFKC", text).translate(_ASCII_LOWER)


def leaks(replies: Sequence[str], secrets: Sequence[str]) -> list[tuple[int, str]]:
    """``(reply index, secret)`` for every original PII value found in a reply (one pair per secret per reply).

    Matching is a case-insensitive (ASCII) substring test; a secret containing a digit is compared with spaces and
    dashes removed on both sides, so "138 1234 5678" and "138-1234-5678" both leak "13812345678".
    """
    prepared: list[tuple[str, str, bool]] = []
    for s in dict.fromkeys(str(s).strip() for s in secrets):
        if not s:
            continue
        norm = _normal(s)
        digits = any(c.isdigit() for c in norm)
        prepared.append((s, _SEPARATORS.sub("", norm) if digits else norm, digits))
    out: list[tuple[int, str]] = []
    for i, reply in enumerate(replies):
        text = _normal(str(reply))
        squeezed = _SEPARATORS.sub("", text)
        out.extend((i, s) for s, needle, digits in prepared if needle and needle in (squeezed if digits else text))
    return out


# ----- facts and memory -----------------------------------------------------------------------------------------------
# A fact's value is free text ("works as a nurse", "喜欢吃火锅"); a reply "holds" it when the value, normalised, is in
# the reply, or when most of its content units are: Latin words (minus a few function words) and CJK bigrams (single
# characters for a one-character run). Counted, not judged, like every metric here.
HOLDS_AT = 0.5  # share of the value's content units a reply must show to count as holding it
_STOP = frozenset("a an the and or of to in on at for with is are was were be been my your i me you it its this that "
                  "his her their our we they he she do does did have has had as by from".split())
_CONTENT = re.compile(r"([\u3400-\u9fff\uf900-\ufaff]+)|([0-9a-z]+)")


def content_units(text: str) -> set[str]:
    """The content units of ``text`` (see above): what a reply must show to hold it as a fact's value."""
    out: set[str] = set()
    for cjk, word in _CONTENT.findall(_normal(str(text)).lower()):
        if cjk:
            out.update([cjk] if len(cjk) == 1 else (cjk[i:i + 2] for i in range(len(cjk) - 1)))
        elif word not in _STOP:
            out.add(word)
    return out


def answer_recall(reply: str, value: str) -> float:
    """Share (0..1) of ``value``'s content units found in ``reply``; 1.0 when the normalised value is in the reply."""
    squeeze = lambda t: "".join(_normal(str(t)).lower().split())  # noqa: E731
    if squeeze(value) and squeeze(value) in squeeze(reply):
        return 1.0
    want = content_units(value)
    return len(want & content_units(reply)) / len(want) if want else 0.0


def holds_answer(reply: str, values: Sequence[str], at: float = HOLDS_AT) -> tuple[bool, float]:
    """(does ``reply`` hold any of ``values``, the best recall): one question may have several true answers."""
    best = max((answer_recall(reply, v) for v in values), default=0.0)
    return best >= at, best


# ----- statistics -----------------------------------------------------------------------------------------------------
def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (default 95 %): unlike p ± z·se it stays inside [0, 1] and behaves at
    0/n and n/n, which matters for a fooling rate from a few game rounds. ``n == 0`` gives (0, 1): nothing known."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be within 0..{n}, got {successes}")
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    center = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, center - half), min(1.0, center + half)
