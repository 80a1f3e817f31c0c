"""Tests for the emergence toy and the character-model scores."""

from __future__ import annotations

import jax
import numpy as np
import pytest

import cs324scale as cs
from cs324scale.toys import emergence as em

SIZES = np.geomspace(1e6, 1e10, 9)


# ------------------------------------------------------------------ closed-form toy


def test_per_token_accuracy_is_schaeffers_formula():
    p = em.per_token_accuracy(SIZES, n_c=1e6, alpha=0.3)
    np.testing.assert_allclose(p, np.exp(-((SIZES / 1e6) ** -0.3)))
    assert np.all(np.diff(p) > 0) and np.all((0 < p) & (p < 1))
    assert em.per_token_accuracy(1e8).shape == ()


def test_mirage_curves_match_theory_and_are_reproducible():
    a = em.mirage_curves(SIZES, k=5, n_examples=4000, key=3)
    b = em.mirage_curves(SIZES, k=5, n_examples=4000, key=jax.random.key(3))
    np.testing.assert_array_equal(a.exact_match, b.exact_match)  # int seed == jax key
    assert not np.array_equal(
        a.per_token, em.mirage_curves(SIZES, k=5, n_examples=4000, key=4).per_token
    )
    np.testing.assert_allclose(a.exact_match_theory, a.per_token_theory**5)
    se_tok = np.sqrt(a.per_token_theory * (1 - a.per_token_theory) / (4000 * 5))
    se_em = np.sqrt(a.exact_match_theory * (1 - a.exact_match_theory) / 4000)
    assert np.all(np.abs(a.per_token - a.per_token_theory) < 5 * se_tok + 1e-9)
    assert np.all(np.abs(a.exact_match - a.exact_match_theory) < 5 * se_em + 1e-3)
    assert np.all(a.exact_match <= a.per_token + 1e-12)


def test_k_equal_one_makes_both_metrics_the_same():
    m = em.mirage_curves(SIZES, k=1, n_examples=500, key=0)
    np.testing.assert_array_equal(m.per_token, m.exact_match)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_params": [1e6, -1.0], "k": 3},
        {"n_params": [1e6, np.nan], "k": 3},
        {"n_params": SIZES, "k": 0},
        {"n_params": SIZES, "k": 2.5},
        {"n_params": SIZES, "k": 3, "n_examples": 0},
        {"n_params": SIZES, "k": 3, "alpha": -0.3},
        {"n_params": SIZES, "k": 3, "key": -1},
        {"n_params": SIZES, "k": 3, "key": "seed"},
        {"n_params": np.ones((2, 2)), "k": 3},
    ],
)
def test_mirage_curves_rejects_bad_input(kwargs):
    kwargs = {"key": 0, **kwargs}
    with pytest.raises(ValueError):
        em.mirage_curves(**kwargs)


def test_rise_share_of_a_straight_line_and_of_a_jump():
    s = np.geomspace(1, 1e4, 9)
    assert em.rise_share(s, np.log(s), factor=10) == pytest.approx(0.25)
    assert em.rise_share(s, -np.log(s), factor=100) == pytest.approx(0.5)  # falls work too
    jump = np.r_[np.zeros(8), 1.0]
    assert em.rise_share(s, jump, factor=s[-1] / s[-2]) == pytest.approx(1.0)
    m = em.mirage_curves(SIZES, k=10, n_examples=2000, key=0)
    half = np.sqrt(SIZES[-1] / SIZES[0])
    assert em.rise_share(SIZES, m.exact_match, factor=half) > 0.75
    assert em.rise_share(SIZES, m.per_token, factor=half) < 0.4


@pytest.mark.parametrize(
    "scale, values, factor",
    [
        ([1, 10, 5], [0, 1, 2], 2),  # unsorted
        ([1, 10, 100], [1, 1, 1], 2),  # flat
        ([1, 10, 100], [0, 1, 2], 1.0),  # factor not > 1
        ([1, 10, 100], [0, 1, 2], 1000),  # factor beyond the range
        ([1, 10], [0, 1, 2], 2),  # mismatched
        ([0, 10, 100], [0, 1, 2], 2),  # non-positive scale
    ],
)
def test_rise_share_rejects_bad_input(scale, values, factor):
    with pytest.raises(ValueError):
        em.rise_share(scale, values, factor=factor)


def test_exact_match_runs_against_a_loop():
    rng = np.random.default_rng(0)
    c = rng.random((6, 12)) < 0.7
    for k, start in ((1, 0), (3, 2), (5, 4), (8, 4)):
        got = em.exact_match_runs(c, k, start=start)
        want = np.array(
            [[c[b, t : t + k].all() for t in range(start, 12 - k + 1)] for b in range(6)]
        )
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError):
        em.exact_match_runs(c, 13)
    with pytest.raises(ValueError):
        em.exact_match_runs(c[0], 2)
    with pytest.raises(ValueError):
        em.exact_match_runs(c, 0)


# --------------------------------------------------------------- character models

TINY = cs.train.TransformerConfig(d_model=8, n_layer=1, n_head=2, context=8)


@pytest.fixture(scope="module")
def tiny_models():
    return cs.train.train_snapshots(TINY, snapshot_steps=[2, 60], lr=1e-2, batch_size=16, key=0)


def test_snapshots_learn_and_are_deterministic(tiny_models):
    again = cs.train.train_snapshots(TINY, snapshot_steps=[2], lr=1e-2, batch_size=16, key=0)
    np.testing.assert_array_equal(np.asarray(again[0]["head"]), np.asarray(tiny_models[0]["head"]))
    scores = [
        cs.train.continuation_metrics(TINY, p, ks=[2], n_windows=256, key=1) for p in tiny_models
    ]
    early, late = scores
    assert late.log_loss < early.log_loss - 0.3
    assert late.per_token > early.per_token


def test_snapshot_run_is_the_engines_trial():
    """Same loop, same keys: the last snapshot is the sweep engine's trial of that seed."""
    import jax.numpy as jnp

    from cs324scale.train import engine

    data = cs.train.shakespeare()
    val = engine.eval_windows(data.val, TINY, n_windows=64, batch_size=16)
    sched = cs.train.warmup_cosine(warmup=0.1)
    out = engine.run_population(TINY, [3e-3], [5], steps=40, batch_size=16, schedule=sched,
                                train_tokens=jnp.asarray(data.train), val_windows=val)
    (params,) = cs.train.train_snapshots(TINY, snapshot_steps=[40], lr=3e-3, batch_size=16,
                                         schedule=sched, key=5)
    loss = cs.train.models.model_for(TINY).loss
    mine = np.mean([float(loss(TINY, params, w)) for w in val])
    assert mine == pytest.approx(float(out.val_loss[0]), abs=1e-5)
    chunked = cs.train.train_snapshots(TINY, snapshot_steps=[8, 16, 24, 40], lr=3e-3,
                                       batch_size=16, schedule=sched, key=5)
    np.testing.assert_allclose(np.asarray(chunked[-1]["head"]), np.asarray(params["head"]),
                               atol=1e-6)


def test_continuation_scores_are_consistent(tiny_models):
    s = cs.train.continuation_metrics(TINY, tiny_models[1], ks=[1, 2, 4], n_windows=256, key=1)
    assert s.exact(1) == pytest.approx(s.per_token)
    assert s.per_token >= s.exact(2) >= s.exact(4)
    assert s.ks == (1, 2, 4) and s.exact_match.shape == (3,)
    with pytest.raises(ValueError, match="was not scored"):
        s.exact(3)


def test_exact_match_equals_greedy_decoding(tiny_models):
    """A k-char greedy continuation matches the text iff all k teacher-forced tops do."""
    from cs324scale.train import transformer

    params, k, prompt = tiny_models[1], 3, 4
    data = cs.train.shakespeare()
    starts = np.arange(0, 4000, 40)
    windows = np.stack([data.val[s : s + TINY.context + 1] for s in starts])
    logits = np.asarray(transformer.apply(TINY, params, windows[:, :-1]))
    correct = logits.argmax(-1) == windows[:, 1:]
    fast = em.exact_match_runs(correct, k, start=prompt)[:, 0]
    seq = windows[:, : prompt + 1].copy()  # prompt + first target position
    for _ in range(k):
        nxt = np.asarray(transformer.apply(TINY, params, seq))[:, -1].argmax(-1)
        seq = np.concatenate([seq, nxt[:, None]], axis=1)
    greedy = (seq[:, prompt + 1 :] == windows[:, prompt + 1 : prompt + 1 + k]).all(axis=1)
    np.testing.assert_array_equal(fast, greedy)


def test_char_model_helpers_reject_bad_input(tiny_models):
    snap, score = cs.train.train_snapshots, cs.train.continuation_metrics
    with pytest.raises(ValueError, match="strictly increasing"):
        snap(TINY, snapshot_steps=[5, 3], lr=1e-2, key=0)
    with pytest.raises(ValueError, match="snapshot_steps"):
        snap(TINY, snapshot_steps=[0], lr=1e-2, key=0)
    with pytest.raises(ValueError, match="lr"):
        snap(TINY, snapshot_steps=[1], lr=0.0, key=0)
    with pytest.raises(ValueError, match="registered"):
        snap(object(), snapshot_steps=[1], lr=1e-2, key=0)
    with pytest.raises(ValueError, match="context - min_prompt"):
        score(TINY, tiny_models[0], ks=[5], key=0)  # > context - context // 2
    with pytest.raises(ValueError, match="min_prompt"):
        score(TINY, tiny_models[0], ks=[2], min_prompt=8, key=0)
    with pytest.raises(ValueError, match="non-empty"):
        score(TINY, tiny_models[0], ks=[], key=0)
    with pytest.raises(ValueError, match="non-empty"):
        score(TINY, tiny_models[0], ks=2, key=0)
