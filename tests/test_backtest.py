"""Rolling-origin backtests, trivial baselines and the spread across laws (cs324scale.fit)."""

import warnings

import numpy as np
import pytest

import cs324scale as cs

X = np.geomspace(1e3, 1e8, 12)
Y_POWER = 3.0 * X**-0.3  # an exact power law
Y_SAT = 0.5 + 40.0 * X**-0.4


def test_rolling_origin_on_an_exact_power_law_has_zero_error():
    res = cs.fit.rolling_backtest(cs.fit.PowerLaw, [(X, Y_POWER)], ks=[2, 5, 9])
    assert res.k.tolist() == [[2, 5, 9]]
    np.testing.assert_allclose(res.rmse, 0.0, atol=1e-10)
    np.testing.assert_allclose(res.far_error, 0.0, atol=1e-10)
    np.testing.assert_allclose(res.extrapolation, [[X[-1] / X[1], X[-1] / X[4], X[-1] / X[8]]])


def test_rolling_origin_uses_train_and_test_points_sorted_by_x():
    curve = cs.published.revisiting_nsl_curves("LM")[-1]
    x = np.r_[curve.x_train, curve.x_test]
    y = np.r_[curve.y_train, curve.y_test]
    perm = np.random.default_rng(0).permutation(x.size)
    a = cs.fit.rolling_backtest(cs.fit.PowerLaw, [curve], ks=[6])
    b = cs.fit.rolling_backtest(cs.fit.PowerLaw(), [(x[perm], y[perm])], ks=[6])
    np.testing.assert_allclose(a.rmse, b.rmse)
    assert a.n_points.tolist() == [x.size]


def test_far_error_is_the_last_points_error_and_rmse_the_mean():
    k = 6
    res = cs.fit.rolling_backtest(cs.fit.PowerLaw, [(X, Y_SAT)], ks=[k])
    err = np.log(cs.fit.PowerLaw().fit(X[:k], Y_SAT[:k]).predict(X[k:])) - np.log(Y_SAT[k:])
    assert res.far_error[0, 0] == pytest.approx(abs(err[-1]), rel=1e-12)
    assert res.rmse[0, 0] == pytest.approx(np.sqrt(np.mean(err**2)), rel=1e-12)
    # a power law fitted to a flattening curve undershoots more the farther it goes
    assert res.far_error[0, 0] > res.rmse[0, 0]


def test_fractions_place_origins_on_the_log_x_span():
    assert cs.fit.origin_index(X, 0.5) == 6  # log-spaced: half the span is half the points
    res = cs.fit.rolling_backtest(cs.fit.PowerLaw, [(X, Y_POWER)], fractions=(0.5, 0.75))
    assert res.k.tolist() == [[6, 9]]
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        cs.fit.origin_index(X, 1.0)


def test_single_split_backtest_reports_the_far_point():
    c = (X[:6], Y_SAT[:6], X[6:], Y_SAT[6:])
    res = cs.fit.backtest(cs.fit.PowerLaw, [c])
    roll = cs.fit.rolling_backtest(cs.fit.PowerLaw, [(X, Y_SAT)], ks=[6])
    assert res.far_error[0] == pytest.approx(roll.far_error[0, 0])
    assert res.rmse[0] == pytest.approx(roll.rmse[0, 0])
    assert res.extrapolation[0] == pytest.approx(X[-1] / X[5])


def test_last_value_predicts_the_last_observed_value():
    perm = np.array([3, 0, 11, 5, 1])
    lv = cs.fit.LastValue().fit(X[perm], Y_SAT[perm])
    assert lv.value_ == Y_SAT[11] and lv.x_last_ == X[11]
    np.testing.assert_array_equal(lv.predict(np.array([1.0, 1e12])), [Y_SAT[11]] * 2)
    res = cs.fit.rolling_backtest(cs.fit.LastValue, [(X, Y_SAT)], ks=[1, 4])
    want = abs(np.log(Y_SAT[3]) - np.log(Y_SAT[-1]))
    assert res.far_error[0, 1] == pytest.approx(want)


def test_last_value_bootstrap_takes_the_largest_resampled_x():
    w = np.zeros((2, X.size))
    w[0, [0, 2, 4]] = 1
    w[1, [1, 11]] = [2, 1]
    theta, ok = cs.fit.LastValue()._fit_batch((X, Y_SAT), w)
    assert ok.all() and theta[:, 0].tolist() == [Y_SAT[4], Y_SAT[11]]


def test_ensemble_of_identical_laws_equals_the_law():
    law = cs.fit.PowerLaw().fit(X, Y_SAT)
    for combine in ("median", "mean"):
        ens = cs.fit.LawEnsemble([cs.fit.PowerLaw] * 3, combine=combine).fit(X, Y_SAT)
        np.testing.assert_allclose(ens.predict(X * 10), law.predict(X * 10), rtol=1e-12)
    a = cs.fit.rolling_backtest(cs.fit.PowerLaw, [(X, Y_SAT)], ks=[4, 8])
    b = cs.fit.rolling_backtest(
        cs.fit.LawEnsemble({"a": cs.fit.PowerLaw, "b": cs.fit.PowerLaw()}), [(X, Y_SAT)], ks=[4, 8]
    )
    np.testing.assert_allclose(a.rmse, b.rmse, rtol=1e-12)


def test_ensemble_is_the_median_of_log_predictions_and_bootstraps():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.fit.FitConvergenceWarning)
        laws = {"M1": cs.fit.PowerLaw, "M2": cs.fit.SaturatingPowerLaw, "last": cs.fit.LastValue}
        ens = cs.fit.LawEnsemble(laws).fit(X[:8], Y_SAT[:8])
        each = ens.member_predictions(X[8:])
        assert each.shape == (3, 4)
        np.testing.assert_allclose(ens.predict(X[8:]), np.median(each, axis=0))  # odd count
        spread = cs.fit.law_spread(laws, X[:8], Y_SAT[:8], at=X[8:])
        assert spread.names == ["M1", "M2", "last"]
        np.testing.assert_allclose(spread.low, each.min(0))
        np.testing.assert_allclose(spread.high, each.max(0))
        assert cs.fit.min_points(ens) == 3  # the most any member needs
        fc = cs.fit.extrapolate(ens, X[:8], Y_SAT[:8], at=X[-1], n_resamples=20, key=0)
    assert fc.pi[0] <= fc.prediction <= fc.pi[1]
    assert "M2.alpha" in ens.params_


def test_bad_origins_raise_clear_errors():
    with pytest.raises(ValueError, match="needs at least 3"):
        cs.fit.rolling_backtest(cs.fit.SaturatingPowerLaw, [(X, Y_SAT)], ks=[2])
    with pytest.raises(ValueError, match="leaving none to predict"):
        cs.fit.rolling_backtest(cs.fit.PowerLaw, [(X, Y_SAT)], ks=[X.size])
    with pytest.raises(ValueError, match="needs at least 2"):
        cs.fit.rolling_backtest(cs.fit.PowerLaw, [(X, Y_SAT)], ks=[0])
    with pytest.raises(ValueError, match="fraction 0.1 leaves k = 2"):
        cs.fit.rolling_backtest(cs.fit.M4, [(X, Y_SAT)], fractions=[0.1])
    with pytest.raises(ValueError, match="exactly one"):
        cs.fit.rolling_backtest(cs.fit.PowerLaw, [(X, Y_SAT)])
    with pytest.raises(ValueError, match="whole numbers"):
        cs.fit.rolling_backtest(cs.fit.PowerLaw, [(X, Y_SAT)], ks=[2.5])
    with pytest.raises(ValueError, match="combine"):
        cs.fit.LawEnsemble([cs.fit.PowerLaw], combine="mode")
    needs = [cs.fit.min_points(e()) for e in (cs.fit.LastValue, cs.fit.PowerLaw, cs.fit.M4)]
    assert needs == [1, 2, 4]


def test_failed_fits_are_recorded_not_raised():
    # a log-linear law fitted on a steep early stretch predicts a negative loss far out
    y = np.maximum(1.0 - 0.1 * np.log(X / X[0]), 0.05)
    gentle = 2.0 - 0.01 * np.log(X)
    res = cs.fit.rolling_backtest(cs.fit.LogLinear, [(X, y), (X, gentle)], ks=[4])
    assert np.isnan(res.rmse[0, 0]) and "log is undefined" in res.errors[0][0]
    assert np.isfinite(res.rmse[1, 0]) and res.errors[1][0] == ""


def test_combined_backtests_equal_the_ensembles_backtest():
    laws = {"M1": cs.fit.PowerLaw, "M2": cs.fit.SaturatingPowerLaw, "last": cs.fit.LastValue}
    curves = [(X, Y_SAT), (X, Y_POWER * 1.1)]
    split = [(X[:7], Y_SAT[:7], X[7:], Y_SAT[7:])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.fit.FitConvergenceWarning)
        for combine in ("median", "mean"):
            each = [cs.fit.rolling_backtest(m, curves, ks=[4, 8]) for m in laws.values()]
            ens = cs.fit.rolling_backtest(cs.fit.LawEnsemble(laws, combine), curves, ks=[4, 8])
            got = cs.fit.combine_backtests(each, combine)
            np.testing.assert_allclose(got.rmse, ens.rmse, rtol=1e-9)
            np.testing.assert_allclose(got.far_error, ens.far_error, rtol=1e-9)
            single = cs.fit.combine_backtests(
                [cs.fit.backtest(m, split) for m in laws.values()], combine
            )
            ens1 = cs.fit.backtest(cs.fit.LawEnsemble(laws, combine), split)
            np.testing.assert_allclose(
                [single.rmse, single.se, single.far_error],
                [ens1.rmse, ens1.se, ens1.far_error],
                rtol=1e-9,
            )
    with pytest.raises(ValueError, match="same curves"):
        cs.fit.combine_backtests(
            [each[0], cs.fit.rolling_backtest(cs.fit.PowerLaw, curves, ks=[5, 8])]
        )
    with pytest.raises(ValueError, match="all be BacktestResult"):
        cs.fit.combine_backtests([each[0], single])
