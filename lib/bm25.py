"""BM25 over a CSR inverted index: built once with numpy, scored by one scatter-add per query token.

Shared by the offline twin (:mod:`lib.chat.offline`, replies by their prompt and context) and the memory index
(:mod:`lib.memory.index`, exchanges of the owner's history), so both rank text the same way.
"""
from __future__ import annotations

import numpy as np

K1 = 1.2   # term-frequency saturation
B = 0.75   # length normalisation


def gather(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices of several slices ``[start, start + length)`` of one flat array, concatenated: how both indexes
    lay each document's tokens out from per-text token runs without a Python step per token."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return np.arange(total, dtype=np.int64) + offsets


WEIGHT_LEVELS = 64  # at most this many distinct per-token weights take the sorting path of _postings


def _postings(key: np.ndarray, weight: np.ndarray, key_range: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (term, document) keys, sorted, and each one's summed weight.

    Why not ``np.unique(key, return_inverse=True)`` and a bincount: its argsort was most of an index build (4.7 s of
    20 million postings, against 0.6 s for a plain sort). A field's token weights take a few values (1 for the prompt,
    a decay per earlier turn), so each posting's weight level rides in the key's low bits, one in-place sort orders
    everything, and the weights come back from the bits. More levels than ``WEIGHT_LEVELS``, or keys that would not
    fit in 63 bits, take the general path."""
    if not len(key):
        return key, weight
    levels = np.unique(weight)  # a sort, no argsort
    n = len(levels)
    if n > WEIGHT_LEVELS or key_range * n >= 2 ** 62:
        uniq, inv = np.unique(key, return_inverse=True)
        return uniq, np.bincount(inv, weights=weight, minlength=len(uniq))
    packed = key * n + np.searchsorted(levels, weight)
    packed.sort()
    pair, w = packed // n, levels[packed % n]
    start = np.flatnonzero(np.concatenate(([True], pair[1:] != pair[:-1])))
    return pair[start], np.add.reduceat(w, start)


class Bm25Field:
    """One BM25 field as a CSR inverted index: the postings of token ``t`` are ``docs[indptr[t]:indptr[t + 1]]`` with
    their BM25 contribution (IDF and length normalisation already applied) in ``weight``."""

    def __init__(self, doc: np.ndarray, term: np.ndarray, tf: np.ndarray, n_docs: int, n_terms: int) -> None:
        uniq, tf = _postings(term.astype(np.int64) * max(n_docs, 1) + doc, np.asarray(tf, dtype=np.float64),
                             max(n_docs, 1) * max(n_terms, 1))
        term, doc = uniq // max(n_docs, 1), (uniq % max(n_docs, 1)).astype(np.int32)
        dl = np.bincount(doc, weights=tf, minlength=n_docs)
        avgdl = float(dl[dl > 0].mean()) if (dl > 0).any() else 1.0
        df = np.bincount(term, minlength=n_terms)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        self.weight = (idf[term] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl[doc] / avgdl))).astype(np.float32)
        self.docs = doc
        self.indptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)

    def score(self, query: dict[int, float], n_docs: int) -> np.ndarray:
        out = np.zeros(n_docs, dtype=np.float32)
        for t, w in query.items():
            lo, hi = self.indptr[t], self.indptr[t + 1]
            if hi > lo:
                out[self.docs[lo:hi]] += np.float32(w) * self.weight[lo:hi]
        return out
