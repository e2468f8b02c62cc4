"""Suggested drops for conversation curation: which conversations are poor training material, and why.

Segmentation already excludes conversations that are too short in turns, have no text or lack one side
(:mod:`lib.segment`). What passes that step can still teach the twin little or the wrong thing, so the curation page
offers these *suggestions*; the owner decides. Each suggestion carries figures the owner can check at a glance.

- ``too_short``: my side says almost nothing ("嗯", "ok"): the twin would learn one-word answers.
- ``placeholders_only``: my side is only stickers, images, voice... or bracket emoji (``[微笑]``): no words to learn.
- ``no_me``: no message of mine at all (shown as a suggestion too, so the reason is visible in one place).
- ``topic_jump``: a long silence inside a conversation after which the words change entirely; two unrelated talks
  glued together teach the twin to answer off topic. ``at_message`` is where a split would go.
- ``duplicate``: the same (or nearly the same) conversation imported twice, e.g. from two overlapping exports or a
  forwarded chat log; duplicates over-weight one exchange. The earliest copy is the one kept.

Why these measures:

- Topic overlap is the Jaccard index of *character bigrams*: Chinese has no spaces, and bigrams catch shared words
  (报告, 数据) in any script without a tokenizer. Each side is limited to the text nearest the gap
  (:data:`TOPIC_WINDOW_CHARS`): long sides share common bigrams (了吗, 的是) by chance and would never look disjoint.
- Near duplicates use character 5-gram shingles, MinHash signatures and banded LSH, so candidate pairs come from
  hash buckets instead of comparing every pair (100k conversations would be 5·10⁹ pairs); every candidate is then
  verified with the exact shingle Jaccard, so a suggestion is never a hashing accident.
- Conversations with fewer than :data:`MIN_DUP_CHARS` characters of text are never duplicates: "hi / hello" repeats
  legitimately and is no over-weighting.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.segment import NONTEXT_KINDS, PLACEHOLDERS

REASONS: tuple[str, ...] = ("too_short", "placeholders_only", "no_me", "topic_jump", "duplicate")

MIN_DUP_CHARS = 20  # text characters a conversation needs to be a duplicate candidate
TOPIC_WINDOW_CHARS = 300  # characters of text each side of a gap that the topic overlap looks at
SHINGLE = 5  # characters per shingle for near duplicates
BANDS, ROWS = 8, 3  # LSH: 24 MinHash values; a pair at Jaccard 0.9 shares a band with probability > 0.9999
BUCKET_PARTNERS = 4  # each conversation is paired with at most this many earlier members of an LSH bucket

# Placeholder tags of any language and WeChat-style bracket emoji ("[微笑]", "[Smile]"): not words.
_TAGS = re.compile("|".join(re.escape(t) for t in sorted({v for lang in PLACEHOLDERS.values() for v in lang.values()},
                                                         key=len, reverse=True)) + r"|\[[^\[\]\s]{1,10}\]")
_WORD = re.compile(r"[^\W_]")  # a letter or digit in any script
_NON_WORDS = re.compile(r"[\W_]+")
# Whitespace as literal characters, so the pattern means the same to Python's re and to pyarrow's RE2.
_SPACE = "[\t\n\r\f\v \u00a0\u2000-\u200b\u3000]+"
_KIND_MARK = {k: chr(0xE000 + i) for i, k in enumerate(NONTEXT_KINDS)}  # one private-use character per kind
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class DropRules:
    """Thresholds of the suggestions (defaults chosen so that a suggestion is usually right, not exhaustive)."""

    min_my_chars: int = 4  # my side says almost nothing ("嗯", "ok")
    max_gap_minutes: float = 20.0  # a silence this long inside a conversation is a candidate topic jump
    max_overlap: float = 0.05  # ... when the character-bigram Jaccard of the text before and after is at most this
    near_duplicate: float = 0.9  # shingle Jaccard at or above: near-duplicate conversation


COLUMNS: tuple[str, ...] = ("conv_id", "reason", "detail", "at_message", "other_conv")


def empty_suggestions() -> pd.DataFrame:
    """The result frame with no rows (same columns and dtypes as a full one)."""
    return pd.DataFrame({"conv_id": pd.Series(dtype="int64"), "reason": pd.Series(dtype=str),
                         "detail": pd.Series(dtype=str), "at_message": pd.Series(dtype="int64"),
                         "other_conv": pd.Series(dtype="int64")})


def suggest_drops(messages: pd.DataFrame, rules: DropRules = DropRules()) -> pd.DataFrame:
    """Suggested drops, one row per (conversation, reason).

    ``messages``: kept messages of many conversations with columns ``id``, ``conv_id``, ``time`` (ISO string),
    ``is_me`` (bool), ``kind``, ``text``, ``turn`` (any order). Returns columns ``conv_id``, ``reason`` (one of
    :data:`REASONS`), ``detail`` (short English text with figures), ``at_message`` (first message after a topic jump,
    the suggested split point; else -1) and ``other_conv`` (the kept original of a duplicate; else -1), sorted by
    conversation and reason. ``no_me``, ``placeholders_only`` and ``too_short`` exclude one another (the first that
    applies, in that order); the other two can come on top.
    """
    s = _sorted(messages)
    if s is None:
        return empty_suggestions()
    rows: list[pd.DataFrame] = [_my_side(s, rules), _topic_jumps(s, rules), _duplicates(s, rules)]
    rows = [r for r in rows if len(r)]
    if not rows:
        return empty_suggestions()
    out = pd.concat(rows, ignore_index=True)
    out["_r"] = out["reason"].map({r: i for i, r in enumerate(REASONS)})
    out = out.sort_values(["conv_id", "_r"], kind="stable").drop(columns="_r").reset_index(drop=True)
    return out.astype({"conv_id": "int64", "at_message": "int64", "other_conv": "int64",
                       "reason": str, "detail": str})[list(COLUMNS)]


def duplicates(messages: pd.DataFrame, rules: DropRules = DropRules()) -> pd.DataFrame:
    """Only the ``duplicate`` rows of :func:`suggest_drops` (same input, same columns): the export's near-duplicate
    pass needs nothing else, and the other rules cost a second of a records build at 1,000,000 messages."""
    s = _sorted(messages)
    if s is None:
        return empty_suggestions()
    out = _duplicates(s, rules)
    if not len(out):
        return empty_suggestions()
    out = out.sort_values("conv_id", kind="stable").reset_index(drop=True)
    return out.astype({"conv_id": "int64", "at_message": "int64", "other_conv": "int64",
                       "reason": str, "detail": str})[list(COLUMNS)]


def _sorted(messages: pd.DataFrame) -> _Sorted | None:
    """The messages that belong to a conversation, sorted by conversation, time and id; None when there are none."""
    if messages.empty:
        return None
    m = messages.loc[messages["conv_id"].notna(), ["id", "conv_id", "time", "is_me", "kind", "text"]]
    m.attrs = {}  # pandas deep-copies attrs on every operation: seconds per run when a caller keeps data there
    if m.empty:
        return None
    ts = _times_ns(m["time"])
    order = np.lexsort((m["id"].to_numpy(np.int64), ts, m["conv_id"].to_numpy(np.int64)))
    return _Sorted(m.iloc[order].reset_index(drop=True), ts[order])


# ---------------------------------------------------------------------------------------------------------------------
# Shared sorted view

class _Sorted:
    """Messages sorted by conversation, time and id, with the per-conversation index arrays every rule needs."""

    def __init__(self, df: pd.DataFrame, ts: np.ndarray) -> None:
        self.df = df
        self.ts = ts  # int64 ns; NaT as the minimum
        self.ids = df["id"].to_numpy(np.int64)
        conv = df["conv_id"].to_numpy(np.int64)
        new = np.ones(len(conv), dtype=bool)
        new[1:] = conv[1:] != conv[:-1]
        self.starts = np.flatnonzero(new)  # first row of each conversation
        self.conv_ids = conv[self.starts]
        self.cidx = np.cumsum(new) - 1  # conversation index of every row
        self.n_conv = len(self.starts)
        self.is_me = df["is_me"].fillna(False).astype(bool).to_numpy()
        self.kind = df["kind"].fillna("").astype(str)
        self.is_text = (self.kind == "text").to_numpy()
        self.text = df["text"].fillna("").astype(str)
        self.text_obj = self.text.to_numpy(dtype=object)  # Python strings, converted once for the per-message loops

    def count(self, mask: np.ndarray) -> np.ndarray:
        """Per-conversation count of rows where ``mask`` holds."""
        return np.bincount(self.cidx[mask], minlength=self.n_conv)


def _times_ns(time: pd.Series) -> np.ndarray:
    """ISO times as int64 nanoseconds (unparseable or empty: the minimum, i.e. first and never a gap)."""
    t = pd.to_datetime(time, format="%Y-%m-%dT%H:%M:%S", errors="coerce")
    bad = t.isna() & time.notna() & (time.astype(str).str.len() > 0)
    if bad.any():  # other ISO spellings (space separator, fractions): slower, so only for those rows
        try:
            t[bad] = pd.to_datetime(time[bad], format="ISO8601", errors="coerce")
        except (TypeError, ValueError):  # mixed time zones and the like: those rows stay without a time
            pass
    return t.to_numpy(dtype="datetime64[ns]").view(np.int64)


def _frame(conv_ids, reason: str, details, at_message=None, other_conv=None) -> pd.DataFrame:
    n = len(conv_ids)
    return pd.DataFrame({
        "conv_id": np.asarray(conv_ids, dtype=np.int64), "reason": [reason] * n, "detail": list(details),
        "at_message": np.full(n, -1, np.int64) if at_message is None else np.asarray(at_message, dtype=np.int64),
        "other_conv": np.full(n, -1, np.int64) if other_conv is None else np.asarray(other_conv, dtype=np.int64)})


# ---------------------------------------------------------------------------------------------------------------------
# My side: no_me, placeholders_only, too_short

def _words(text: str) -> str:
    """A message's text without placeholder tags or bracket emoji, stripped: what counts as something I said."""
    return (_TAGS.sub("", text) if "[" in text else text).strip()


def _my_side(s: _Sorted, rules: DropRules) -> pd.DataFrame:
    n_me = s.count(s.is_me)
    my_text = s.is_me & s.is_text
    rows = np.flatnonzero(my_text)
    words = [_words(t) for t in s.text_obj[rows]]
    chars = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    has_word = np.fromiter((_WORD.search(w) is not None for w in words), dtype=bool, count=len(words))
    my_chars = np.bincount(s.cidx[rows], weights=chars, minlength=s.n_conv).astype(np.int64)
    my_worded = np.bincount(s.cidx[rows[has_word]], minlength=s.n_conv)

    no_me = n_me == 0
    placeholders = ~no_me & (my_worded == 0)
    too_short = ~no_me & ~placeholders & (my_chars < rules.min_my_chars)
    out = []
    if no_me.any():
        n_them = s.count(~s.is_me)[no_me]
        out.append(_frame(s.conv_ids[no_me], "no_me",
                          [f"no message from my side ({k} from theirs)" for k in n_them]))
    if placeholders.any():
        sel = placeholders[s.cidx] & s.is_me
        kinds = s.kind.to_numpy(dtype=object)[sel]
        kinds = np.where(kinds == "text", "emoji text", kinds)
        counts = pd.crosstab(s.cidx[sel], kinds)
        details = [f"my side has {int(r.sum())} message{'s' if r.sum() != 1 else ''} and no words: "
                   + ", ".join(f"{k} ×{int(v)}" for k, v in r[r > 0].sort_values(ascending=False).items())
                   for _, r in counts.iterrows()]
        out.append(_frame(s.conv_ids[counts.index.to_numpy()], "placeholders_only", details))
    if too_short.any():
        out.append(_frame(s.conv_ids[too_short], "too_short",
                          [f"my side has {k} character{'s' if k != 1 else ''}" for k in my_chars[too_short]]))
    return pd.concat(out, ignore_index=True) if out else empty_suggestions()


# ---------------------------------------------------------------------------------------------------------------------
# Topic jumps

def _topic_text(text: str) -> str:
    """Lowercased letters and digits only: punctuation and spacing say nothing about the topic."""
    return _NON_WORDS.sub("", _words(text).lower())


def bigram_overlap(a: str, b: str) -> float:
    """Jaccard index of the character-bigram sets of two texts (1.0 when both have none)."""
    x = {a[i:i + 2] for i in range(len(a) - 1)}
    y = {b[i:i + 2] for i in range(len(b) - 1)}
    if not x and not y:
        return 1.0
    return len(x & y) / len(x | y)


def _side(texts: np.ndarray, rows: range, backwards: bool = False) -> str:
    """Concatenated topic text of ``rows``, nearest the gap first, until :data:`TOPIC_WINDOW_CHARS` are collected;
    returned in reading order."""
    parts: list[str] = []
    n = 0
    for r in rows:
        t = _topic_text(texts[r])
        if t:
            parts.append(t)
            n += len(t)
            if n >= TOPIC_WINDOW_CHARS:
                break
    return "".join(parts[::-1] if backwards else parts)


def _topic_jumps(s: _Sorted, rules: DropRules) -> pd.DataFrame:
    n = len(s.ids)
    if n < 2:
        return empty_suggestions()
    nat = np.iinfo(np.int64).min
    same = s.cidx[1:] == s.cidx[:-1]
    valid = same & (s.ts[1:] != nat) & (s.ts[:-1] != nat)
    gap_min = np.where(valid, (s.ts[1:] - s.ts[:-1]) / 6e10, 0.0)
    after = np.flatnonzero(gap_min > rules.max_gap_minutes) + 1  # first row after each candidate gap
    if len(after) == 0:
        return empty_suggestions()
    ends = np.append(s.starts[1:], n)
    texts = np.where(s.is_text, s.text_obj, "")
    best: dict[int, tuple[float, int, float]] = {}  # conversation index -> (gap, row after it, overlap)
    for j, p in enumerate(after):
        c = s.cidx[p]
        lo = after[j - 1] if j > 0 and s.cidx[after[j - 1]] == c else s.starts[c]  # blocks end at neighbouring gaps
        hi = after[j + 1] if j + 1 < len(after) and s.cidx[after[j + 1]] == c else ends[c]
        before_text = _side(texts, range(p - 1, lo - 1, -1), backwards=True)
        after_text = _side(texts, range(p, hi))
        if len(before_text) < 2 or len(after_text) < 2:
            continue  # no words on one side: nothing to compare, no evidence of a new topic
        ov = bigram_overlap(before_text, after_text)
        gap = float(gap_min[p - 1])
        if ov <= rules.max_overlap and (c not in best or gap > best[c][0]):
            best[c] = (gap, int(p), ov)
    if not best:
        return empty_suggestions()
    cs = np.fromiter(best, dtype=np.int64, count=len(best))
    time = s.df["time"]
    details, at = [], []
    for c in cs:
        gap, p, ov = best[int(c)]
        t, prev = str(time.iat[p]), str(time.iat[p - 1])
        when = t[11:16] if t[:10] == prev[:10] else f"{t[:10]} {t[11:16]}"
        details.append(f"{gap:.0f} min silence and {ov:.2f} overlap at {when}")
        at.append(s.ids[p])
    return _frame(s.conv_ids[cs], "topic_jump", details, at_message=at)


# ---------------------------------------------------------------------------------------------------------------------
# Duplicates

def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads every input bit over the whole word (in place on a uint64 copy)."""
    h = h ^ (h >> np.uint64(30))
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


def _duplicates(s: _Sorted, rules: DropRules) -> pd.DataFrame:
    # Normalised sequence per message: a side mark, then the lowercased text without spacing (a non-text message is
    # one character for its kind). The side mark makes "I said X" and "they said X" different conversations.
    lowered = s.text.str.lower().str.replace(_SPACE, "", regex=True)
    text_chars = np.where(s.is_text, lowered.str.len().to_numpy(dtype=np.int64, na_value=0), 0)
    conv_chars = np.bincount(s.cidx, weights=text_chars, minlength=s.n_conv)
    cand = conv_chars >= MIN_DUP_CHARS
    if cand.sum() < 2:
        return empty_suggestions()
    rows = np.flatnonzero(cand[s.cidx])
    marks = pd.Series(np.where(s.is_me, ">", "<"), dtype=lowered.dtype)
    body = lowered.where(pd.Series(s.is_text), s.kind.map(_KIND_MARK).fillna("\ue0ff").astype(lowered.dtype))
    big = "".join((marks + body).iloc[rows].tolist())
    lengths = 1 + np.where(s.is_text, text_chars, 1)[rows]
    # Character ranges of the candidate conversations inside ``big`` (candidate index k = 0..K-1, in conv_id order).
    cand_idx = np.flatnonzero(cand)
    k_of_row = np.searchsorted(cand_idx, s.cidx[rows])
    conv_len = np.bincount(k_of_row, weights=lengths, minlength=len(cand_idx)).astype(np.int64)
    cstart = np.concatenate(([0], np.cumsum(conv_len)[:-1]))
    cend = cstart + conv_len
    seqs = pd.Series([big[a:b] for a, b in zip(cstart, cend)])

    # Exact duplicates: the same sequence; the first (lowest conv_id) is the group's representative.
    code = pd.factorize(seqs)[0]
    _, first_of_code = np.unique(code, return_index=True)  # codes are 0..G-1: index of each code's first occurrence
    rep = first_of_code[code]  # candidate index of each one's representative
    reps = np.flatnonzero(rep == np.arange(len(rep)))

    near = _near_duplicates(big, cstart, cend, reps, rules.near_duplicate)  # rep -> (kept rep, jaccard)

    conv_ids = s.conv_ids[cand_idx]
    out_conv, out_other, details = [], [], []
    for k in range(len(rep)):
        r = int(rep[k])
        if k == r and r not in near:
            continue
        if r in near:
            orig, jac = near[r]
            details.append(f"{jac:.2f} similar to conversation {conv_ids[orig]}")
        else:
            orig = r
            details.append(f"same as conversation {conv_ids[orig]}")
        out_conv.append(conv_ids[k])
        out_other.append(conv_ids[orig])
    if not out_conv:
        return empty_suggestions()
    return _frame(out_conv, "duplicate", details, other_conv=out_other)


def _near_duplicates(big: str, cstart: np.ndarray, cend: np.ndarray, reps: np.ndarray,
                     threshold: float) -> dict[int, tuple[int, float]]:
    """Near-duplicate representatives: ``{later: (earlier kept one, jaccard)}``, earliest kept original first.

    Work is bounded: shingle hashing and MinHash are linear in the text, each conversation gets at most
    ``BANDS * BUCKET_PARTNERS`` candidate partners, and only pairs whose MinHash estimate is near the threshold are
    verified exactly.
    """
    if len(reps) < 2:
        return {}
    cp = np.frombuffer(big.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    owner = np.repeat(np.arange(len(cstart)), cend - cstart)  # candidate index of every character
    keep_rep = np.zeros(len(cstart), dtype=bool)
    keep_rep[reps] = True
    n_sh = len(cp) - SHINGLE + 1
    if n_sh <= 0:
        return {}
    h = np.zeros(n_sh, dtype=np.uint64)
    for j in range(SHINGLE):  # polynomial hash of 5 code points, wrapping mod 2^64, then mixed
        h = h * np.uint64(0x100000001B3) + cp[j:j + n_sh]
    h = _mix(h)
    ok = (owner[:n_sh] == owner[SHINGLE - 1:]) & keep_rep[owner[:n_sh]]
    h, sh_owner = h[ok], owner[:n_sh][ok]
    if len(h) == 0:
        return {}
    # Shingle runs per representative (contiguous since ``big`` is in conversation order).
    present = np.flatnonzero(np.bincount(sh_owner, minlength=len(cstart)))
    run_start = np.searchsorted(sh_owner, present)
    run_end = np.append(run_start[1:], len(h))

    rng = np.random.default_rng(20240501)
    n_hash = BANDS * ROWS
    xors = rng.integers(0, 2**63, size=n_hash, dtype=np.int64).astype(np.uint64)
    mults = rng.integers(0, 2**63, size=n_hash, dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)
    sig = np.empty((len(present), n_hash), dtype=np.uint64)
    for k in range(n_hash):
        sig[:, k] = np.minimum.reduceat((h ^ xors[k]) * mults[k], run_start)

    # LSH: conversations sharing all ROWS values of a band land in one bucket; each is paired with the first few
    # (earliest) members of its bucket, which bounds the pairs even when thousands of copies share a bucket.
    pairs = []
    idx = np.arange(len(present))
    for b in range(BANDS):
        band = sig[:, b * ROWS:(b + 1) * ROWS]
        key = band[:, 0]
        for r in range(1, ROWS):
            key = _mix(key * np.uint64(0x9E3779B97F4A7C15) ^ band[:, r])
        order = np.argsort(key, kind="stable")  # stable: conv order (= conv_id order) inside a bucket
        ks = key[order]
        newb = np.ones(len(ks), dtype=bool)
        newb[1:] = ks[1:] != ks[:-1]
        gstart = np.maximum.accumulate(np.where(newb, idx, 0))
        for q in range(BUCKET_PARTNERS):
            partner = gstart + q
            sel = partner < idx
            pairs.append(np.stack([order[partner[sel]], order[idx[sel]]], axis=1))
    pairs = np.concatenate(pairs)
    if len(pairs) == 0:
        return {}
    code = np.unique(pairs[:, 0].astype(np.int64) * len(present) + pairs[:, 1])
    pairs = np.stack([code // len(present), code % len(present)], axis=1)
    est = (sig[pairs[:, 0]] == sig[pairs[:, 1]]).mean(axis=1)
    pairs = pairs[est >= threshold - 0.25]  # MinHash error at 24 values is ~0.06: 4 standard deviations of margin
    if len(pairs) == 0:
        return {}
    pairs = pairs[np.lexsort((pairs[:, 0], pairs[:, 1]))]  # by later, then earlier

    sets: dict[int, np.ndarray] = {}

    def shingles(i: int) -> np.ndarray:
        if i not in sets:
            sets[i] = np.unique(h[run_start[i]:run_end[i]])
        return sets[i]

    near: dict[int, tuple[int, float]] = {}  # later rep (candidate index) -> (kept earlier, jaccard)
    for a, b in pairs.tolist():
        later = int(present[b])
        if later in near:
            continue  # already matched to an earlier kept one
        earlier = int(present[a])
        if earlier in near:
            continue  # a dropped one is no original; its own original will be found through its own bucket
        x, y = shingles(a), shingles(b)
        if min(len(x), len(y)) < threshold * max(len(x), len(y)):
            continue  # sizes alone rule it out
        inter = len(np.intersect1d(x, y, assume_unique=True))
        jac = inter / (len(x) + len(y) - inter)
        if jac >= threshold:
            near[later] = (earlier, jac)
    return near
