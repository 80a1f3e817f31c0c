"""cs.train.ZipfPhrases: a seeded phrase language with Zipf frequencies and fresh text."""

from __future__ import annotations

import numpy as np
import pytest

import cs324scale as cs


def test_text_is_phrases_from_the_table_with_zipf_frequencies():
    lang = cs.train.ZipfPhrases(n_phrases=64, phrase_length=4, exponent=1.5)
    text = lang.sample(4 * 20_000, seed=3).reshape(-1, 4)
    rows = {tuple(r): k for k, r in enumerate(lang.table)}
    idx = np.array([rows[tuple(r)] for r in text])  # every 4-token chunk is a table row
    freq = np.bincount(idx, minlength=64) / len(idx)
    np.testing.assert_allclose(freq[:4], lang.probabilities[:4], rtol=0.1)
    slope = np.polyfit(np.log(np.arange(1, 9)), np.log(freq[:8]), 1)[0]
    assert slope == pytest.approx(-1.5, abs=0.15)


def test_corpora_are_seeded_fresh_and_fingerprinted():
    lang = cs.train.ZipfPhrases()
    a, b = lang.corpus(5000, 1000), lang.corpus(5000, 1000)
    np.testing.assert_array_equal(a.train, b.train)
    assert a.fingerprint == b.fingerprint and a.vocab_size == 65
    assert not np.array_equal(a.train[:1000], a.val)  # validation is an independent stream
    other = lang.corpus(5000, 1000, seed=1)
    assert other.fingerprint != a.fingerprint and not np.array_equal(other.train, a.train)
    assert cs.train.ZipfPhrases(seed=1).corpus(5000, 1000).fingerprint != a.fingerprint
    assert len(lang.corpus(123, 45).train) == 123


def test_entropy_floor_is_the_phrase_entropy_per_token():
    lang = cs.train.ZipfPhrases(n_phrases=2, phrase_length=2, exponent=2.0)
    p = np.array([1.0, 0.25]) / 1.25
    assert lang.entropy_floor == pytest.approx(-(p * np.log(p)).sum() / 2)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"exponent": 1.0}, "exponent must be a number > 1"),
        ({"vocab_size": 100}, "vocab_size must be at most 65"),
        ({"n_phrases": 1}, "n_phrases"),
        ({"phrase_length": 1}, "phrase_length"),
    ],
)
def test_bad_language_parameters_say_what_to_do(kwargs, match):
    with pytest.raises(ValueError, match=match):
        cs.train.ZipfPhrases(**kwargs)
