"""Tests for cs324scale.toys: the toy generators reproduce their scaling laws."""

from __future__ import annotations

import numpy as np
import pytest

from cs324scale import toys
from cs324scale._random import as_generator


def loglog_fit(n, err):
    """Least-squares slope and intercept of log(err) against log(n)."""
    slope, intercept = np.polyfit(np.log(n), np.log(err), 1)
    return slope, intercept


NS = np.unique(np.logspace(1, 4, 10).astype(int))


# --- mean estimation ---------------------------------------------------------------


def test_mean_estimation_slope_and_intercept():
    sigma = 2.0
    curve = toys.mean_estimation_mse(NS, sigma=sigma, trials=2000, key=0)
    slope, intercept = loglog_fit(curve.n, curve.mse)
    assert abs(slope + 1) < 0.05
    assert abs(intercept - np.log(sigma**2)) < 0.15
    np.testing.assert_allclose(curve.theory, sigma**2 / NS)


def test_mean_estimation_matches_exact_within_noise():
    curve = toys.mean_estimation_mse(NS, sigma=0.5, trials=2000, key=1)
    z = (curve.mse - curve.theory) / curve.stderr
    assert np.all(np.abs(z) < 4.5)
    assert curve.per_trial.shape == (2000, len(NS))


def test_sizes_in_any_order_and_repeated():
    ns = [100, 10, 100, 1000]
    errs = toys.sample_mean_errors(ns, trials=5, key=3)
    np.testing.assert_array_equal(errs[:, 0], errs[:, 1 + 1])
    sorted_errs = toys.sample_mean_errors([10, 100, 1000], trials=5, key=3)
    np.testing.assert_allclose(errs[:, [1, 0, 3]], sorted_errs)


# --- regression ----------------------------------------------------------------------


def test_regression_is_p_sigma2_over_n():
    ns = np.unique(np.logspace(1.5, 3.5, 6).astype(int))
    curve = toys.regression_excess_risk(ns, p=4, sigma=1.5, trials=400, key=0)
    slope, _ = loglog_fit(curve.n, curve.mse)
    assert abs(slope + 1) < 0.1
    np.testing.assert_allclose(curve.mse / curve.theory, 1.0, atol=0.15)


# --- box estimator -------------------------------------------------------------------

BOX_NS = np.unique(np.logspace(2.5, 4.5, 6).astype(int))


def test_box_exponents_order_by_d_and_match_optimal_rate():
    slopes = []
    for d in (1, 2, 3):
        curve = toys.box_estimator_mse(BOX_NS, d=d, side="optimal", trials=6, key=d)
        slope, _ = loglog_fit(curve.n, curve.mse)
        assert abs(slope - toys.rate_exponent(d, "optimal")) < 0.06, (d, slope)
        slopes.append(slope)
    assert slopes[0] < slopes[1] < slopes[2]


def test_box_lecture_side_follows_one_over_d():
    curve = toys.box_estimator_mse(BOX_NS, d=3, side="lecture", trials=6, key=0)
    slope, _ = loglog_fit(curve.n, curve.mse)
    assert abs(slope - toys.rate_exponent(3, "lecture")) < 0.06
    optimal = toys.box_estimator_mse(BOX_NS, d=3, side="optimal", trials=6, key=0)
    assert optimal.mse[-1] < curve.mse[-1]  # the optimal side wins at large n


def test_box_side_rules():
    n = np.array([16, 256])
    np.testing.assert_allclose(toys.box_side(n, d=2, side="lecture"), n**-0.25)
    np.testing.assert_allclose(toys.box_side(n, d=2, side="optimal"), n**-0.25)
    np.testing.assert_allclose(toys.box_side(n, d=3, side="optimal"), n**-0.2)
    np.testing.assert_allclose(toys.box_side(n, d=3, side=0.1), [0.1, 0.1])


def test_box_theory_tracks_measurement_and_fixed_grid_runs():
    curve = toys.box_estimator_mse(BOX_NS, d=2, trials=4, key=0)
    np.testing.assert_allclose(curve.mse / curve.theory, 1.0, atol=0.2)
    fixed = toys.box_estimator_mse(BOX_NS, d=2, trials=4, random_offset=False, key=0)
    assert np.all(np.isfinite(fixed.mse)) and np.all(fixed.mse > 0)


# --- intrinsic dimension -------------------------------------------------------------


def test_intrinsic_dimension_exponent_follows_k_not_D():
    ns = np.unique(np.logspace(2, 3.7, 6).astype(int))
    for k, dims in ((1, (2, 32)), (2, (4, 32))):
        for D in dims:
            curve = toys.manifold_knn_mse(ns, k=k, D=D, trials=4, n_test=128, key=D)
            slope, _ = loglog_fit(curve.n, curve.mse)
            assert abs(slope - toys.knn_rate_exponent(k)) < 0.15 * abs(toys.knn_rate_exponent(k))
            assert abs(toys.intrinsic_dimension_from_slope(slope) - k) < 0.3


def test_intrinsic_dimension_from_slope_rejects_non_negative():
    assert toys.intrinsic_dimension_from_slope(-0.5) == pytest.approx(4.0)
    with pytest.raises(ValueError):
        toys.intrinsic_dimension_from_slope(0.1)


# --- composition and shift -----------------------------------------------------------


def test_composition_moves_offset_not_slope():
    ns = np.unique(np.logspace(3, 4.3, 5).astype(int))
    half = toys.composition_mse(ns, train_share=0.5, trials=6, n_test=1024, key=0)
    few = toys.composition_mse(ns, train_share=0.15, trials=6, n_test=1024, key=0)
    s_half, b_half = loglog_fit(half.n, half.mse)
    s_few, b_few = loglog_fit(few.n, few.mse)
    assert abs(s_half - s_few) < 0.1
    assert b_few - b_half > np.log(1.5)


# --- subgroups -----------------------------------------------------------------------


def test_minimax_allocation_equalises_laws_and_moves_with_budget():
    gamma = toys.minimax_allocation((4.0, 1.0), (2 / 3, 0.5), np.array([1e3, 1e5]))
    for g, n in zip(gamma, (1e3, 1e5), strict=True):
        assert 4.0 * (g * n) ** (-2 / 3) == pytest.approx(1.0 * ((1 - g) * n) ** -0.5, rel=1e-6)
    assert gamma[1] < gamma[0]


def test_subgroup_best_split_shifts_towards_the_slower_group():
    fractions = np.linspace(0.1, 0.9, 9)
    small = toys.subgroup_allocation_mse(fractions, n_total=1000, trials=6, key=0)
    large = toys.subgroup_allocation_mse(fractions, n_total=30000, trials=6, key=0)
    assert small.mse.shape == (9, 2) and small.n.sum(axis=1).tolist() == [1000] * 9
    best_small = fractions[np.argmin(small.worst)]
    best_large = fractions[np.argmin(large.worst)]
    assert best_large < best_small


# --- keys and reproducibility ----------------------------------------------------------


def test_same_key_same_numbers_and_jax_keys():
    import jax

    a = toys.box_estimator_mse([100, 1000], d=2, trials=3, key=7)
    b = toys.box_estimator_mse([100, 1000], d=2, trials=3, key=7)
    c = toys.box_estimator_mse([100, 1000], d=2, trials=3, key=8)
    np.testing.assert_array_equal(a.per_trial, b.per_trial)
    assert not np.allclose(a.per_trial, c.per_trial)
    typed = toys.mean_estimation_mse([5, 50], trials=4, key=jax.random.key(7))
    raw = toys.mean_estimation_mse([5, 50], trials=4, key=jax.random.PRNGKey(7))
    seed = toys.mean_estimation_mse([5, 50], trials=4, key=7)
    np.testing.assert_array_equal(typed.per_trial, seed.per_trial)
    np.testing.assert_array_equal(raw.per_trial, seed.per_trial)


# --- bad input -----------------------------------------------------------------------

BAD_CALLS = {
    "n < 1": lambda: toys.mean_estimation_mse([0, 10], key=0),
    "non-integer n": lambda: toys.mean_estimation_mse([10.5, 20], key=0),
    "sigma = 0": lambda: toys.mean_estimation_mse([10], sigma=0.0, key=0),
    "sigma < 0": lambda: toys.regression_excess_risk([20], sigma=-1.0, key=0),
    "trials = 0": lambda: toys.mean_estimation_mse([10], trials=0, key=0),
    "non-integer trials": lambda: toys.box_estimator_mse([10], d=2, trials=2.5, key=0),
    "d = 0": lambda: toys.box_estimator_mse([10], d=0, key=0),
    "non-integer d": lambda: toys.box_estimator_mse([10], d=1.5, key=0),
    "bad side": lambda: toys.box_estimator_mse([10], d=2, side="widest", key=0),
    "side <= 0": lambda: toys.box_estimator_mse([10], d=2, side=0.0, key=0),
    "box n < 1": lambda: toys.box_estimator_mse([0], d=2, key=0),
    "regression n <= p + 1": lambda: toys.regression_excess_risk([5], p=4, key=0),
    "knn k < 1": lambda: toys.manifold_knn_mse([10], k=0, D=4, key=0),
    "knn D < 2k": lambda: toys.manifold_knn_mse([10], k=3, D=4, key=0),
    "share > 1": lambda: toys.composition_mse([10], train_share=1.5, key=0),
    "fraction 0": lambda: toys.subgroup_allocation_mse([0.0, 0.5], n_total=100, key=0),
    "bad key": lambda: toys.mean_estimation_mse([10], key="seed"),
    "negative seed": lambda: toys.mean_estimation_mse([10], key=-1),
    "too many draws": lambda: toys.mean_estimation_mse([10**7], trials=100, key=0),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_input_raises_value_error(case):
    with pytest.raises(ValueError):
        BAD_CALLS[case]()


# --- vectorised sweeps equal the plain computation ---------------------------------


def test_nested_mean_errors_equal_direct_computation():
    ns = [3, 30, 300]
    errs = toys.sample_mean_errors(ns, sigma=1.5, trials=4, key=11)
    z = as_generator(11).standard_normal((4, 300))
    direct = np.stack([(1.5 * z[:, :n].mean(axis=1)) ** 2 for n in ns], axis=1)
    np.testing.assert_allclose(errs, direct, rtol=1e-10)


def test_batched_box_means_equal_one_fit_at_a_time():
    from cs324scale.toys import box

    rng = np.random.default_rng(0)
    ns, d = np.array([50, 400]), 2
    x, y = box.sample_box_data(rng, 3, 400, d, 1.0)
    xq = rng.random((3, 64, d))
    h = box.box_side(ns, d=d)
    offset = np.zeros((3, d))
    means, m_max = box.box_means(x, y, ns, h, offset)
    pred = box.box_predict(means, xq, h, offset, m_max)
    for t in range(3):
        for s, n in enumerate(ns):
            want = toys.box_estimate(x[t, :n], y[t, :n], xq[t], h[s])
            np.testing.assert_allclose(pred[t, s], want)
