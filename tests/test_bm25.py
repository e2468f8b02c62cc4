"""The shared BM25 field (lib/bm25.py): its postings are built by sorting keys that carry each token's weight level;
they must equal the plain unique-and-sum construction, whatever the weights, and score documents as BM25 does."""
from __future__ import annotations

import math

import numpy as np
import pytest

from lib import bm25
from lib.bm25 import Bm25Field, _postings


def _reference(key: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, inv = np.unique(key, return_inverse=True)
    return uniq, np.bincount(inv, weights=weight, minlength=len(uniq))


@pytest.mark.parametrize("levels", [1, 3, bm25.WEIGHT_LEVELS, 500])  # 500 distinct weights: the general path
def test_postings_equal_the_unique_and_sum_construction(levels: int):
    rng = np.random.default_rng(levels)
    key = rng.integers(0, 5_000, 40_000)
    weight = rng.choice(rng.random(levels) + 0.1, len(key))
    got, want = _postings(key, weight, 5_000), _reference(key, weight)
    assert np.array_equal(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)


def test_postings_of_nothing_and_keys_too_wide_for_the_packed_sort():
    empty = _postings(np.zeros(0, dtype=np.int64), np.zeros(0), 10)
    assert len(empty[0]) == 0 and len(empty[1]) == 0
    key = np.array([2 ** 61, 5, 2 ** 61, 5, 7], dtype=np.int64)  # packing two weight levels would overflow
    weight = np.array([1.0, 0.5, 0.5, 1.0, 1.0])
    got = _postings(key, weight, 2 ** 62)
    assert got[0].tolist() == [5, 7, 2 ** 61] and got[1].tolist() == [1.5, 1.0, 1.5]


def test_a_field_scores_documents_by_bm25():
    # doc 0: "a a b" (a twice), doc 1: "b", doc 2: "c"; term ids a=0, b=1, c=2
    doc = np.array([0, 0, 0, 1, 2])
    term = np.array([0, 0, 1, 1, 2])
    field = Bm25Field(doc, term, np.ones(5), 3, 3)
    scores = field.score({0: 1.0}, 3)
    avgdl = 5 / 3
    idf = math.log1p((3 - 1 + 0.5) / (1 + 0.5))
    tf, dl = 2.0, 3.0
    want = idf * tf * (bm25.K1 + 1) / (tf + bm25.K1 * (1 - bm25.B + bm25.B * dl / avgdl))
    assert scores[0] == pytest.approx(want, rel=1e-6) and scores[1] == 0 and scores[2] == 0
    assert field.score({1: 1.0}, 3)[1] > field.score({1: 1.0}, 3)[0] > 0  # "b" alone beats "b" in a longer doc
