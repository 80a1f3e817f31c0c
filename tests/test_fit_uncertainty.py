"""Bootstrap, forecasting, backtests, IsoFLOP analysis and the vectorised L-BFGS."""

import jax
import numpy as np
import pytest

import cs324scale.fit as F
from cs324scale import published
from cs324scale._random import as_generator
from cs324scale.flops import six_n

RNG = np.random.default_rng(2)


def test_vectorised_lbfgs_lanes_equal_single_runs():
    grid = F.epoch_start_grid()[::300]
    N = np.repeat(np.logspace(7, 10, 5), 4)
    D = np.tile(np.logspace(9, 12, 4), 5)
    L = F.ChinchillaLaw.from_params(E=1.8, A=480, B=2100, alpha=0.35, beta=0.37).predict(N, D)
    data = (np.log(N), np.log(D), np.log(L), np.array(1e-3))
    together = F.minimize_lanes(F.chinchilla_objective, data, grid, np.ones((1, N.size)))
    for i in (0, 7, 14):
        alone = F.minimize_lanes(
            F.chinchilla_objective, data, grid[i : i + 1], np.ones((1, N.size))
        )
        assert np.allclose(alone.x[0], together.x[i], atol=1e-8)


def test_bootstrap_power_law_matches_refits_one_by_one():
    x = np.logspace(6, 10, 20)
    y = 400.0 * x**-0.34 * np.exp(RNG.normal(0, 0.03, x.size))
    res = F.bootstrap(F.PowerLaw(), x, y, n_resamples=50, key=0, predict=lambda m: m.predict(1e12))
    W = F.resample_weights(x.size, 50, rng=as_generator(0))  # key=0's documented stream
    for r in (0, 17, 49):
        idx = np.repeat(np.arange(x.size), W[r].astype(int))
        one = F.PowerLaw().fit(x[idx], y[idx])
        assert one.alpha_ == pytest.approx(res.params["alpha"][r], rel=1e-9)
    lo, hi = res.intervals["alpha"]
    se = res.estimate.alpha_se_
    assert lo < res.estimate.alpha_ < hi
    assert hi - lo == pytest.approx(2 * 1.96 * se, rel=0.5)
    assert res.predictions.shape == (50,)


def test_bootstrap_needs_a_key():
    with pytest.raises(TypeError, match="key"):
        F.bootstrap(F.PowerLaw(), [1, 2, 3], [3, 2, 1])
    with pytest.raises(TypeError, match="seed"):
        F.bootstrap(F.PowerLaw(), [1, 2, 3], [3, 2, 1], seed=0)
    with pytest.raises(ValueError, match=r"jax\.random\.key\(0\)"):
        F.bootstrap(F.PowerLaw(), [1, 2, 3], [3, 2, 1], key=-1)


def test_bootstrap_same_key_same_resamples():
    x = np.logspace(6, 10, 10)
    y = 400.0 * x**-0.34 * np.exp(RNG.normal(0, 0.03, x.size))
    a = F.bootstrap(F.PowerLaw(), x, y, n_resamples=20, key=5)
    b = F.bootstrap(F.PowerLaw(), x, y, n_resamples=20, key=jax.random.key(5))
    c = F.bootstrap(F.PowerLaw(), x, y, n_resamples=20, key=6)
    np.testing.assert_array_equal(a.params["alpha"], b.params["alpha"])
    assert not np.array_equal(a.params["alpha"], c.params["alpha"])


def test_bootstrap_saturating_covers_truth_and_extrapolates():
    x = np.logspace(6, 10, 20)
    noise = np.random.default_rng(11).normal(0, 0.01, x.size)  # independent of test order
    y = 1.8 + 60.0 * x**-0.3 * np.exp(noise)
    fc = F.extrapolate(
        F.SaturatingPowerLaw(), x, y, at=np.array([1e11, 1e12]), n_resamples=60, key=1
    )
    truth = 1.8 + 60.0 * np.array([1e11, 1e12]) ** -0.3
    assert np.all(fc.ci[0] <= fc.prediction) and np.all(fc.prediction <= fc.ci[1])
    assert np.all(fc.pi[0] <= fc.ci[0] + 1e-12) and np.all(fc.ci[1] <= fc.pi[1] + 1e-12)
    assert np.all((fc.pi[0] < truth) & (truth < fc.pi[1]))
    assert fc.bootstrap.converged.mean() > 0.9


def test_crossing_interval_brackets_estimate():
    x = np.logspace(6, 9, 12)
    y = 30.0 * x**-0.25 * np.exp(RNG.normal(0, 0.02, x.size))
    res = F.crossing_interval(F.PowerLaw(), x, y, target=0.3, n_resamples=200, key=3)
    assert isinstance(res, F.CrossingInterval)
    est, (lo, hi), samples = res  # unpacks like a tuple too
    assert res.estimate == est and res.interval == (lo, hi) and samples.shape == (200,)
    assert lo < est < hi
    assert (lo, hi) == tuple(np.percentile(samples, [2.5, 97.5]))
    assert est == pytest.approx((30.0 / 0.3) ** (1 / 0.25), rel=1.0)


def test_backtest_on_revisiting_nsl_curves():
    curves = published.revisiting_nsl_curves(domain="NMT")
    res = F.backtest(F.PowerLaw, curves)
    assert len(res.rmse) == len(curves) > 0
    assert np.all(np.isfinite(res.rmse)) and np.all(res.rmse < 0.5)
    res_m4 = F.backtest(F.M4(), curves[:1])
    assert res_m4.rmse[0] < 0.5


def test_backtest_scores_log_rmse():
    curve = (
        np.array([1.0, 2.0, 4.0]),
        np.array([4.0, 2.0, 1.0]),
        np.array([8.0]),
        np.array([0.25]),
    )
    res = F.backtest(F.PowerLaw, [curve])  # exact power law predicts 0.5 at x=8
    assert res.rmse[0] == pytest.approx(abs(np.log(0.5) - np.log(0.25)))


def test_isoflop_analysis_recovers_allocation_exponents():
    law = F.ChinchillaLaw.from_params(E=1.8, A=480.0, B=2100.0, alpha=0.35, beta=0.37)
    Ns, Cs = [], []
    for C in np.logspace(19, 22, 7):
        N_opt = law.compute_optimal(C)[0]
        Ns.append(N_opt * np.logspace(-0.6, 0.6, 9))
        Cs.append(np.full(9, C))
    N, C = np.concatenate(Ns), np.concatenate(Cs)
    # the last budget's grid is shifted so its minimum sits on the edge
    N[-9:] *= 10.0
    L = law.predict(N, C / (6 * N))
    res = F.isoflop_analysis(N, C, L)
    assert len(res.C) == 7
    assert res.on_edge.tolist() == [False] * 6 + [True]
    a, b = law.exponents
    assert res.a == pytest.approx(a, abs=0.01) and res.b == pytest.approx(b, abs=0.01)
    assert np.allclose(res.N_opt[:6], law.compute_optimal(res.C[:6])[0], rtol=0.05)
    # each budget keeps its parabola: its minimum is N_opt, its value there loss_opt
    assert res.parabolas.shape == (7, 3)
    for k, g in enumerate(res.groups):
        c2, c1, c0 = np.polyfit(np.log(N[g]), L[g], 2)
        np.testing.assert_allclose(res.parabolas[k], (c2, c1, c0), rtol=1e-12)
        assert res.profile(k, res.N_opt[k]) == pytest.approx(res.loss_opt[k], rel=1e-12)
        np.testing.assert_allclose(res.profile(k, N[g]), np.polyval((c2, c1, c0), np.log(N[g])))
    assert np.isclose(np.exp(-res.parabolas[0, 1] / (2 * res.parabolas[0, 0])), res.N_opt[0])


def _isoflop_points():
    law = F.ChinchillaLaw.from_params(E=1.8, A=480.0, B=2100.0, alpha=0.35, beta=0.37)
    C = np.repeat(np.logspace(19, 22, 5), 9)
    N = np.concatenate(
        [law.compute_optimal(c)[0] * np.logspace(-0.6, 0.6, 9) for c in np.logspace(19, 22, 5)]
    )
    return N, C, law.predict(N, C / (6 * N))


def test_isoflop_flops_per_token_six_n_is_the_default():
    N, C, L = _isoflop_points()
    default = F.isoflop_analysis(N, C, L)
    explicit = F.isoflop_analysis(N, C, L, flops_per_token=six_n)
    per_point = F.isoflop_analysis(N, C, L, flops_per_token=6.0 * N)
    np.testing.assert_array_equal(default.D_opt, explicit.D_opt)
    np.testing.assert_allclose(per_point.D_opt, default.D_opt, rtol=1e-12)
    np.testing.assert_allclose(default.D_opt, default.C / (6 * default.N_opt), rtol=1e-12)


def test_isoflop_another_flop_definition_changes_d_opt_by_its_ratio():
    N, C, L = _isoflop_points()
    base = F.isoflop_analysis(N, C, L)
    # a callable: 6N plus a fixed 1e6 FLOPs per token (attention, readout)
    res = F.isoflop_analysis(N, C, L, flops_per_token=lambda n: 6.0 * n + 1e6)
    np.testing.assert_array_equal(res.N_opt, base.N_opt)  # the parabolas do not depend on it
    np.testing.assert_allclose(
        res.D_opt / base.D_opt, 6 * base.N_opt / (6 * base.N_opt + 1e6), rtol=1e-12
    )
    # per-point values N^1.1: interpolated in log-log at N_opt, exact for a power of N
    res = F.isoflop_analysis(N, C, L, flops_per_token=N**1.1)
    np.testing.assert_allclose(res.D_opt, base.C / base.N_opt**1.1, rtol=1e-9)
    with pytest.raises(ValueError, match="one value per point"):
        F.isoflop_analysis(N, C, L, flops_per_token=np.ones(3))
