"""cs.train.ZipfPhrases: a seeded phrase language with Zipf frequencies and fresh text."""

from __future__ import annotations

import numpy as np
import pytest

import cs324scale as cs


def test_text_is_phrases_from_the_table_with_zipf_frequencies():
    lang = cs.train.ZipfPhrases(n_phrases=64, min_length=4, max_length=4, exponent=1.5)
    text = lang.sample(4 * 20_000, seed=3).reshape(-1, 4)
    rows = {tuple(lang.phrase(k)): k for k in range(64)}
    idx = np.array([rows[tuple(r)] for r in text])  # every 4-token chunk is a table row
    freq = np.bincount(idx, minlength=64) / len(idx)
    np.testing.assert_allclose(freq[:4], lang.probabilities[:4], rtol=0.1)
    slope = np.polyfit(np.log(np.arange(1, 9)), np.log(freq[:8]), 1)[0]
    assert slope == pytest.approx(-1.5, abs=0.15)


def test_phrases_of_several_lengths_are_concatenated_whole():
    lang = cs.train.ZipfPhrases(n_phrases=3, min_length=2, max_length=6, seed=2)
    text = lang.sample(200, seed=0)
    i, seen = 0, set()
    while i < len(text) - lang.max_length:  # parse the text back into phrases
        k = next(k for k in range(3) if np.array_equal(text[i : i + lang.lengths[k]], lang.phrase(k)))
        seen.add(int(lang.lengths[k]))
        i += lang.lengths[k]
    assert len(seen) > 1  # boundaries are not periodic


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
    lang = cs.train.ZipfPhrases(n_phrases=2, min_length=2, max_length=2, exponent=2.0)
    p = np.array([1.0, 0.25]) / 1.25
    assert lang.entropy_floor == pytest.approx(-(p * np.log(p)).sum() / 2)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"exponent": 1.0}, "exponent must be a number > 1"),
        ({"vocab_size": 100}, "vocab_size must be at most 65"),
        ({"n_phrases": 1}, "n_phrases"),
        ({"min_length": 1}, "min_length"),
        ({"min_length": 5, "max_length": 4}, "max_length \\(4\\) must be at least min_length"),
    ],
)
def test_bad_language_parameters_say_what_to_do(kwargs, match):
    with pytest.raises(ValueError, match=match):
        cs.train.ZipfPhrases(**kwargs)


def test_sequential_windows_make_every_token_a_target_once():
    import jax.numpy as jnp

    from cs324scale.train.loop import Loop, sequential_windows, tokens_read

    loop = Loop(init=None, step=None, loss=None, window_length=5)
    tokens = jnp.arange(tokens_read(5, 3, 4))
    windows = np.stack([np.asarray(sequential_windows(loop, tokens, 3)(t)) for t in range(4)])
    targets = windows.reshape(-1, 5)[:, 1:].ravel()
    np.testing.assert_array_equal(targets, np.arange(1, len(tokens)))  # each token once, in order
    np.testing.assert_array_equal(windows.reshape(-1, 5)[1:, 0], windows.reshape(-1, 5)[:-1, -1])


def test_sequential_sweep_reads_a_synthetic_corpus_once_and_refuses_a_short_one():
    cfg = cs.train.TransformerConfig(d_model=8, n_layer=1, n_head=2, context=8)
    need = cs.train.loop.tokens_read(9, 4, 20)
    data = cs.train.ZipfPhrases().corpus(need, 5000)
    kw = dict(steps=20, batch_size=4, data=data, eval_size=64, progress=False)
    seq = cs.train.run_sweep(cfg, [1e-2], (0,), sampling="sequential", **kw)
    rnd = cs.train.run_sweep(cfg, [1e-2], (0,), **kw)
    assert np.isfinite(seq.final_loss).all() and seq.final_loss[0] != rnd.final_loss[0]
    with pytest.raises(ValueError, match="reads 641 tokens but the data has 640"):
        cs.train.run_sweep(cfg, [1e-2], (0,), sampling="sequential", **{**kw, "data": data.subset(need - 1)})
    with pytest.raises(ValueError, match="sampling must be 'random' or 'sequential'"):
        cs.train.run_sweep(cfg, [1e-2], (0,), sampling="shuffled", **kw)
