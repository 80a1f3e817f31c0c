"""Single-variable laws: parameter recovery on synthetic data, bad input, convergence."""

import numpy as np
import pytest

import cs324scale.fit as F

RNG = np.random.default_rng(0)


def test_power_law_recovers_parameters_and_standard_errors():
    x = np.logspace(6, 10, 30)
    y = 400.0 * x**-0.34 * np.exp(RNG.normal(0, 0.02, x.size))
    law = F.PowerLaw().fit(x, y)
    assert law.alpha_ == pytest.approx(0.34, abs=3 * law.alpha_se_)
    assert law.A_ == pytest.approx(400.0, rel=0.3)
    assert 0.0008 < law.alpha_se_ < 0.002  # OLS SE ~ 0.02 / (sd(log x) sqrt(n)) = 0.0013
    assert np.allclose(law.predict(x), law.A_ * x**-law.alpha_)


def test_log_linear_recovers_metz_line():
    h = np.logspace(1, 5, 20)
    y = 7.0 - 0.275 * np.log(h) + RNG.normal(0, 0.01, h.size)
    law = F.LogLinear().fit(h, y)
    assert law.a_ == pytest.approx(7.0, abs=0.05)
    assert law.b_ == pytest.approx(0.275, abs=0.01)


def test_saturating_power_law_recovers_parameters():
    x = np.logspace(6, 11, 25)
    y = 1.8 + 60.0 * x**-0.3 * np.exp(RNG.normal(0, 0.003, x.size))
    law = F.SaturatingPowerLaw().fit(x, y)
    assert law.converged_
    assert law.E_ == pytest.approx(1.8, abs=0.05)
    assert law.alpha_ == pytest.approx(0.3, abs=0.03)
    assert law.predict(1e13) == pytest.approx(1.8 + 60.0 * 1e13**-0.3, rel=0.01)


def test_m4_recovers_curve_and_limit():
    truth = dict(err_inf=0.5, err_0=1.0, beta=8.0, c=-0.35, alpha=0.6)
    x = np.logspace(3, 8, 20)
    # invert the M4 relation (y - e_inf) / (e_0 - y)^alpha = beta x^c by bisection
    f = truth["beta"] * x ** truth["c"]
    lo, hi = np.zeros_like(x), np.full_like(x, 0.5)
    for _ in range(80):
        mid = (lo + hi) / 2
        up = mid - f * (0.5 - mid) ** truth["alpha"] > 0
        hi, lo = np.where(up, mid, hi), np.where(up, lo, mid)
    y = (0.5 + lo) * np.exp(RNG.normal(0, 0.002, x.size))
    law = F.M4().fit(x, y)
    assert law.c_ < 0 and law.alpha_ >= 0
    assert law.err_inf_ == pytest.approx(0.5, abs=0.02)
    assert np.allclose(law.predict(x), y, rtol=0.01)
    assert law.predict(1e10) == pytest.approx(0.5017, abs=0.01)  # 100x beyond the data


def test_sigmoid_log_law_recovers_and_crosses():
    x = np.logspace(7, 12, 15)
    true = 0.25 + (0.8 - 0.25) / (1 + np.exp(-2.0 * (np.log(x) - np.log(1e10))))
    law = F.SigmoidLogLaw(floor=0.25, fit_ceiling=True).fit(x, true + RNG.normal(0, 0.01, x.size))
    assert law.slope_ == pytest.approx(2.0, rel=0.2)
    assert law.midpoint_ == pytest.approx(1e10, rel=0.3)
    assert law.ceiling_ == pytest.approx(0.8, abs=0.03)
    x_half = F.crossing_scale(law, 0.25 + (law.ceiling_ - 0.25) / 2)
    assert x_half == pytest.approx(law.midpoint_, rel=1e-9)
    assert F.crossing_scale(law, 0.95) == np.inf


def test_crossing_scale_of_power_laws():
    law = F.PowerLaw().fit([1e6, 1e8], [4.0, 2.0])
    x = F.crossing_scale(law, 1.0)
    assert law.predict(x) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "x, y, match",
    [
        ([1, 2, -3], [1, 2, 3], "x must be positive"),
        ([1, 2, 3], [1, 0, 3], "y must be positive"),
        ([1, 2, np.nan], [1, 2, 3], "NaN"),
        ([1, 2, 3], [1, 2], "same length"),
        ([], [], "at least"),
        ([5, 5, 5], [1, 2, 3], "distinct"),
        ([1], [1], "at least 2"),
    ],
)
def test_bad_input_names_argument(x, y, match):
    with pytest.raises(ValueError, match=match):
        F.PowerLaw().fit(x, y)


def test_too_few_points_for_saturating_law():
    with pytest.raises(ValueError, match="3 parameters"):
        F.SaturatingPowerLaw().fit([1.0, 2.0], [3.0, 2.0])


def test_predict_before_fit_and_bad_query():
    with pytest.raises(ValueError, match="not fitted"):
        F.PowerLaw().predict(3.0)
    law = F.PowerLaw().fit([1, 2, 4], [3, 2, 1.4])
    with pytest.raises(ValueError, match="x must be positive"):
        law.predict([-1.0])


def test_non_convergence_warns_and_flags():
    x = np.logspace(6, 11, 25)
    y = 1.8 + 60.0 * x**-0.3
    with pytest.warns(F.FitConvergenceWarning):
        law = F.SaturatingPowerLaw(max_evals=3).fit(x, y)
    assert law.converged_ is False


def test_m1_is_the_power_law():
    assert F.M1 is F.PowerLaw


def test_m2_recovers_saturating_curve():
    x = np.logspace(6, 10, 20)
    y = 0.3 + 40.0 * x**-0.3 * np.exp(RNG.normal(0, 0.002, x.size))
    law = F.M2().fit(x, y)
    assert law.err_inf_ == pytest.approx(0.3, abs=0.03)
    assert law.c_ == pytest.approx(-0.3, abs=0.05)
    assert np.allclose(law.predict(x), y, rtol=0.01)
    assert law.err_inf_ <= y.min() - 1e-3  # the paper's projection box


def test_m3_recovers_curve_and_gamma():
    x = np.logspace(5, 9, 20)
    truth = dict(beta=3.0, gamma=1e-7, c=0.25)
    y = (
        truth["beta"]
        * (1 / x + truth["gamma"]) ** truth["c"]
        * np.exp(RNG.normal(0, 0.001, x.size))
    )
    law = F.M3().fit(x, y)
    assert law.converged_ and law.c_ >= 0 and law.gamma_ >= 0
    assert law.c_ == pytest.approx(0.25, abs=0.03)
    assert law.gamma_ == pytest.approx(1e-7, rel=0.5)
    assert np.allclose(law.predict(x), y, rtol=0.005)
    # a pure power law has gamma = 0 and M3 reduces to M1
    p = F.M3().fit(x, 3.0 * x**-0.25)
    assert p.gamma_ == pytest.approx(0.0, abs=1e-12) and p.c_ == pytest.approx(0.25)


def test_m4_batch_lanes_equal_single_fits_with_repeated_points():
    x = np.logspace(3, 8, 12)
    y = 0.5 + 0.4 * (x / 1e3) ** -0.3 * np.exp(RNG.normal(0, 0.003, x.size))
    counts = np.array([[1] * 12, [2, 0, 1, 1, 3, 1, 0, 1, 1, 1, 0, 1]], dtype=float)
    law = F.M4()
    theta, _ = law._fit_batch(law._prepare(x, y), counts)
    for row, w in zip(theta, counts, strict=True):
        one = F.M4().fit(np.repeat(x, w.astype(int)), np.repeat(y, w.astype(int)))
        np.testing.assert_allclose(row, one.theta_, rtol=1e-6, atol=1e-9)
    assert not np.allclose(theta[0], theta[1])  # the resample changed the fit


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(err_0=0.8), "err_0 = 0.8 must exceed max"),
        (dict(err_0_max=0.85), "err_0_max = 0.85 must be at least"),
        (dict(lower=0.4995), "at least lower"),  # min(y) = 0.5 leaves no room below it
    ],
)
def test_m4_bad_settings_say_what_to_change(kwargs, match):
    x = np.logspace(3, 6, 8)
    y = 0.45 + 0.4 * (x / 1e3) ** -0.3  # max(y) = 0.85, min(y) = 0.5
    with pytest.raises(ValueError, match=match):
        F.M4(**kwargs).fit(x, y)
