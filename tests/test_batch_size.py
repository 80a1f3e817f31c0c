"""Gradient noise scale (McCandlish et al. 2018) and the ``batch_size`` experiment."""

from __future__ import annotations

import json
from importlib import resources

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import cs324scale as cs
from cs324scale.experiments import batch_size as bs

D, SIGMA = 10, 0.5


def _lin_loss(w, batch):
    x, y = batch
    return 0.5 * jnp.mean((x @ w - y) ** 2)


def _regression(n, b_big, *, key=0):
    k1, k2 = jax.random.split(jax.random.key(key))
    x = jax.random.normal(k1, (n, b_big, D))
    y = SIGMA * jax.random.normal(k2, (n, b_big))  # w* = 0
    return x, y


def test_noise_scale_recovers_the_closed_form_of_linear_regression():
    # x ~ N(0, I), y = x.w* + N(0, s^2): per-example gradient g = x (x.(w - w*) - eps), so
    # G = delta = w - w*, tr Sigma = d (|delta|^2 + s^2) + |delta|^2 (Gaussian 4th moments).
    w = jnp.full(D, 0.3)
    delta2 = float(jnp.sum(w**2))
    trace = D * (delta2 + SIGMA**2) + delta2
    ns = cs.train.gradient_noise_scale(_lin_loss, w, _regression(200, 512), b_small=8)
    assert ns.b_small == 8 and ns.b_big == 512 and ns.g_small_sq.shape == (200,)
    assert ns.grad_sq == pytest.approx(delta2, rel=0.03)
    assert ns.trace_sigma == pytest.approx(trace, rel=0.03)
    assert ns.b_simple == pytest.approx(trace / delta2, rel=0.05)
    # the noise scale grows as the gradient signal shrinks (closer to the optimum)
    near = cs.train.gradient_noise_scale(_lin_loss, jnp.full(D, 0.1), _regression(200, 512), b_small=8)
    assert near.b_simple == pytest.approx((D * (0.1 + SIGMA**2) + 0.1) / 0.1, rel=0.1)
    assert near.b_simple > 2 * ns.b_simple


def test_noise_scale_estimators_are_exact_on_their_expectations():
    # E|G_B|^2 = |G|^2 + tr(Sigma) / B: feed the expectations, get G2 and tr Sigma back
    g2, tr = 0.4, 12.0
    ns = cs.train.noise_scale.noise_scale(g2 + tr / 4, g2 + tr / 64, b_small=4, b_big=64)
    assert ns.grad_sq == pytest.approx(g2) and ns.trace_sigma == pytest.approx(tr)
    assert ns.b_simple == pytest.approx(tr / g2)
    lost = cs.train.noise_scale.noise_scale(1.0, 1.0, b_small=4, b_big=64)  # no noise at all
    assert lost.trace_sigma == 0 and lost.b_simple == 0


def test_noise_scale_rejects_bad_batch_sizes():
    batches = _regression(2, 16)
    w = jnp.zeros(D)
    for b_small in (16, 5, 32):
        with pytest.raises(ValueError, match="b_small"):
            cs.train.gradient_norms(_lin_loss, w, batches, b_small=b_small)
    with pytest.raises(ValueError, match="same"):
        cs.train.gradient_norms(_lin_loss, w, (batches[0], batches[1][:, :8]), b_small=4)
    with pytest.raises(ValueError, match="b_small < b_big"):
        cs.train.noise_scale.noise_scale(1.0, 0.5, b_small=8, b_big=8)
    with pytest.raises(ValueError, match="finite"):
        cs.train.noise_scale.noise_scale([1.0, np.nan], [0.5, 0.5], b_small=1, b_big=8)


def test_hyperbola_fit_recovers_s_min_and_b_crit():
    b = np.array([4, 8, 16, 32, 64, 128, 256.0])
    s = 300 * (1 + 40 / b)
    fit = bs.StepsExamplesFit().fit(b, s)
    assert fit.B_crit_ == pytest.approx(40, rel=0.01) and fit.S_min_ == pytest.approx(300, rel=0.01)
    assert fit.E_min_ == pytest.approx(12000, rel=0.02) and fit.rms_ < 1e-2
    np.testing.assert_allclose(fit.product_, 1.0, rtol=0.05)  # (S/S_min - 1)(E/E_min - 1) = 1
    E, S = fit.curve()
    assert np.all(E >= fit.E_min_ * 0.999) and np.all(S >= fit.S_min_ * 0.999)
    with pytest.raises(ValueError, match="3 distinct"):
        bs.StepsExamplesFit().fit([8, 8, 16], [1, 2, 3])


def test_steps_to_loss_reads_the_first_crossing_of_the_running_minimum():
    steps = np.array([10, 20, 40, 80.0])
    curve = np.array([3.0, 2.5, 2.6, 2.0])  # the bump at 40 does not count
    assert bs.steps_to_loss(steps, curve, 2.5) == pytest.approx(20)
    assert bs.steps_to_loss(steps, curve, 2.25) == pytest.approx(np.sqrt(40 * 80))  # from the plateau's end
    assert np.isnan(bs.steps_to_loss(steps, curve, 1.0)) and np.isnan(bs.steps_to_loss(steps, curve, 3.5))


def test_batch_size_is_registered_and_its_grid_spans_32x_in_batch():
    assert "batch_size" in cs.experiments.EXPERIMENTS
    assert "batch_size" in cs.experiments.LECTURE_EXPERIMENTS
    width, runs = bs.grid()
    batches = [b for b, _, _ in runs]
    assert width == bs.BS_WIDTH and batches[-1] / batches[0] >= 32
    for b, steps, lrs in runs:
        assert steps % bs.BS_STEP_QUANTUM == 0 and len(lrs) == len(bs.BS_LR_FACTORS)
        assert b * steps >= bs.BS_E0 * 0.95 and steps >= bs.BS_E0 / bs.BS_B_GUESS * 0.95


def test_shipped_batch_size_results_hold_the_grid_with_a_curve_per_trial():
    res = cs.experiments.load_results("batch_size")
    width, runs = bs.grid()
    assert len(res) == sum(len(lrs) for _, _, lrs in runs)
    for b, steps, lrs in runs:
        rows = np.flatnonzero(res.batch_size == b)
        assert set(res.steps[rows]) == {steps}
        np.testing.assert_allclose(np.sort(res.lr[rows]), np.sort(lrs))
        assert all(res.configs[i].d_model == width for i in rows)
    assert res.curve.shape == (len(res), bs.BS_CURVE_POINTS)
    finite = np.isfinite(res.curve).all(axis=1)
    assert finite.mean() >= 0.8  # a few of the highest rates may diverge
    assert np.all(np.diff(bs.curve_steps(res, 0)) > 0)


def test_shipped_noise_measurements_match_their_run():
    path = resources.files("cs324scale") / "results" / bs.NOISE_FILE
    noise = json.loads(path.read_text())
    res = cs.experiments.load_results("batch_size")
    assert noise["run"]["key"] in set(res.key) and noise["run"]["batch_size"] == bs.NOISE_BATCH
    snaps = noise["snapshots"]
    groups = np.array(noise["groups"])
    np.testing.assert_array_equal(groups, bs.noise_steps(noise["run"]["steps"]))
    assert groups.shape == (bs.NOISE_GROUPS, bs.NOISE_POINTS) and groups.max() == noise["run"]["steps"]
    assert [s["step"] for s in snaps] == sorted(set(groups.ravel().tolist()))
    for s in snaps:
        assert len(s["g_small_sq"]) == len(s["g_big_sq"]) == bs.NOISE_N_BATCHES
    for key in ("package_version", "git_commit", "date", "wall_time_s"):
        assert key in noise["meta"]
    trend = bs.noise_trend(noise, n_resamples=20)
    assert trend.alpha_B_interval[0] <= trend.alpha_B <= trend.alpha_B_interval[1]
