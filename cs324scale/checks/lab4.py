"""Checks for lab 4, forecasting with scaling laws (``labs/04_forecasting``).

The lab forecasts held-out points of the Revisiting-NSL learning curves (Alabdulmohsin
et al. 2022), backtests laws on them, and computes when a GPT-3 benchmark trend would
reach a target:

* Part 1, :func:`check_forecast`: ``forecast_point(curve, x, *, n_resamples, key)`` is
  :func:`cs324scale.fit.extrapolate`'s saturating-law forecast and 95% prediction
  interval; names a fit that saw held-out points, the observed loss, a pure power law,
  the confidence interval, another level, the key not passed on.
* Part 2, :func:`check_heldout_rmse`: ``heldout_rmse(estimator, curve)`` is the RMSE of
  natural-log loss on held-out points (names MSE, log10, loss units, training points);
  :func:`check_origin_errors`: ``origin_errors(estimator, curve, k)`` is one rolling
  origin, fit on the first k points and score the rest (names a fit on held-out points,
  k - 1 or k + 1 points, loss units, the mean or a signed error where the far point is
  asked); :func:`check_rolling_table`: far-point errors per curve and origin, in order;
  :func:`check_beats_baseline`: how often each law beats the last value;
  :func:`check_winners`: the lowest mean error per domain.
* Part 3, :func:`check_crossing`: ``crossing_params(n_params, acc, target)`` solves the
  least-squares line in log N (names log N returned, a flipped sign, swapped
  coefficients, a line in N); :func:`check_crossing_interval`: a 95% percentile
  bootstrap interval (names other percentiles, log values, a too narrow interval).

Each check compares the answer with a reference computed with :mod:`cs324scale.fit`.
On failure it raises ``AssertionError`` with a message that says what is wrong and the
likely cause (fitted on held-out points, a confidence interval where a prediction
interval was asked for, log base, ...) without printing the expected value; on success
it prints one line starting with ``OK:``.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._random import as_generator
from ._feedback import close as _close
from ._feedback import fail as _fail
from ._feedback import interval as _interval
from ._feedback import ok
from ._feedback import returned as _returned
from ._feedback import scalar as _scalar

__all__ = [
    "check_beats_baseline",
    "check_crossing",
    "check_crossing_interval",
    "check_forecast",
    "check_heldout_rmse",
    "check_origin_errors",
    "check_rolling_table",
    "check_winners",
]


def _fit():
    from .. import fit  # imported on first use: it pulls in jax

    return fit


# ------------------------------------------------------------- part 1: one forecast


def _same_interval(got, ref, tol: float = 1e-3) -> bool:
    """Both ends within ``tol`` times the reference interval's width."""
    width = max(ref[1] - ref[0], 1e-300)
    return abs(got[0] - ref[0]) <= tol * width and abs(got[1] - ref[1]) <= tol * width


def check_forecast(fn, curve, *, n_resamples: int, key) -> None:
    """Check ``fn(curve, x, *, n_resamples, key) -> (prediction, (low, high))``.

    Verifies the forecast (relative 1e-3) of :class:`~cs324scale.fit.SaturatingPowerLaw`
    fitted to the curve's training points only, at ``x`` = its last held-out point, and
    the 95% *prediction* interval that :func:`~cs324scale.fit.extrapolate` gives with
    the same ``n_resamples`` and ``key`` (the bootstrap is reproducible, so both ends
    must match within 1e-3 of its width). Names: a fit that saw the held-out points, a
    pure power law, the first held-out point, the observed loss, the confidence
    interval, and an interval at another level (68, 80, 90 or 99%).

    Args:
        fn: The student's function.
        curve: A Revisiting-NSL curve (``x_train, y_train, x_test, y_test``).
        n_resamples: Bootstrap resamples passed to ``fn`` and to the reference.
        key: The randomness passed to ``fn`` and to the reference (an int seed or a jax
            key, see :mod:`cs324scale._random`).
    """
    fit = _fit()
    x = float(curve.x_test[-1])
    out = fn(curve, x, n_resamples=n_resamples, key=key)
    if not isinstance(out, tuple) or len(out) != 2:
        _fail("Return a pair: (prediction, (low, high)).")
    pred, (lo, hi) = _scalar(out[0], "prediction"), _interval(out[1], "the interval")

    def reference(**level):
        return fit.extrapolate(
            fit.SaturatingPowerLaw(),
            curve.x_train,
            curve.y_train,
            at=x,
            n_resamples=n_resamples,
            key=key,
            **level,
        )

    ref = reference()
    want = float(ref.prediction)
    if not _close(pred, want, 1e-3):
        if _close(pred, float(curve.y_test[-1]), 1e-9):
            _fail(
                "Your prediction is not the expected forecast: you returned the observed loss, not the forecast."
            )
        x_all = np.r_[curve.x_train, curve.x_test]
        y_all = np.r_[curve.y_train, curve.y_test]
        leaked = fit.SaturatingPowerLaw().fit(x_all, y_all).predict(x)
        straight = fit.PowerLaw().fit(curve.x_train, curve.y_train).predict(x)
        first = ref.bootstrap.estimate.predict(curve.x_test[0])
        alternatives = {
            "you fitted on all points, held-out ones included: fit on x_train, y_train only": leaked,
            "that is a pure power law's forecast; use the saturating law E + A x^-alpha": straight,
            "you forecast at the first held-out point; use the last one, curve.x_test[-1]": first,
        }
        for why, alt in alternatives.items():
            if _close(pred, float(alt), 1e-3):
                _fail(f"Your prediction is not the expected forecast: {why}.")
        _fail(
            f"Your prediction is {100 * (pred / want - 1):+.1f}% off the forecast of a "
            "saturating law fitted to the training points. Check which law, which points "
            "and which x you used."
        )
    if not lo <= pred <= hi:
        _fail("Your interval does not contain your own prediction; is it (low, high) at x?")
    ci, pi = [float(v) for v in ref.ci], [float(v) for v in ref.pi]
    if _same_interval((lo, hi), pi):
        ok(f"forecast at x = {x:.3g} and its 95% prediction interval.")
        return
    if _same_interval((lo, hi), ci):
        _fail(
            "That is the confidence interval of the fitted curve (`.ci`). A new observation "
            "also scatters around the curve: return the prediction interval (`.pi`)."
        )
    for level in (0.68, 0.8, 0.9, 0.99):
        other = reference(level=level)
        for kind in ("pi", "ci"):
            if _same_interval((lo, hi), [float(v) for v in getattr(other, kind)]):
                what = "prediction" if kind == "pi" else "confidence"
                _fail(
                    f"That is a {100 * level:.0f}% {what} interval; the task asks for the 95% "
                    "prediction interval (`.pi` with the default level=0.95)."
                )
    width, ref_width = np.log(hi / lo), np.log(pi[1] / pi[0])
    _fail(
        f"Your interval is {width / ref_width:.2f} times as wide (in log loss) as, and not "
        "the same as, the 95% prediction interval cs.fit.extrapolate gives with these "
        "settings. Pass n_resamples=n_resamples and key=key, keep the default "
        "level=0.95, and return `.pi`."
    )


# ---------------------------------------------------------------- part 2: backtest


def check_heldout_rmse(fn, curves) -> None:
    """Check ``fn(estimator, curve) -> float``: RMSE of log loss on held-out points.

    Compared with :func:`cs324scale.fit.backtest` (fit on ``x_train, y_train``, predict
    ``x_test``, root mean squared natural-log error) for a power law and a log-linear
    law on each of ``curves``.
    """
    fit = _fit()
    for make in (fit.PowerLaw, fit.LogLinear):
        for c in curves:
            got = _scalar(fn(make(), c), f"fn({make.__name__}(), curve)")
            want = float(fit.backtest(make, [c]).rmse[0])
            if _close(got, want, 1e-6):
                continue
            law = make().fit(c.x_train, c.y_train)
            pred = law.predict(c.x_test)
            err = np.log(pred) - np.log(c.y_test)
            everything = make().fit(np.r_[c.x_train, c.x_test], np.r_[c.y_train, c.y_test])
            leaked = np.log(everything.predict(c.x_test)) - np.log(c.y_test)
            on_train = np.log(law.predict(c.x_train)) - np.log(c.y_train)
            causes = {
                "you returned the mean squared error: take the square root": np.mean(err**2),
                "the error is in loss units: compare log(prediction) with log(y_test)": np.sqrt(
                    np.mean((pred - c.y_test) ** 2)
                ),
                "you used log10; the benchmark uses natural logs (np.log)": want / np.log(10),
                "that is a mean absolute error: square, average, then take the root": np.mean(
                    np.abs(err)
                ),
                "the law was fitted on the held-out points too: fit on x_train only": np.sqrt(
                    np.mean(leaked**2)
                ),
                "you scored the training points; score the held-out x_test, y_test": np.sqrt(
                    np.mean(on_train**2)
                ),
            }
            for why, alt in causes.items():
                if _close(got, float(alt), 1e-6):
                    _fail(f"{make.__name__} on {c.domain} / {c.model}: {why}.")
            _fail(
                f"{make.__name__} on {c.domain} / {c.model}: your RMSE is "
                f"{got / want:.2f} times the expected one. Fit on the training points, "
                "predict x_test, and take sqrt(mean((log pred - log y_test)^2))."
            )
    ok(f"held-out RMSE of log loss matches on {len(curves)} curves for two laws.")


def _sorted_points(c):
    x, y = np.r_[c.x_train, c.x_test], np.r_[c.y_train, c.y_test]
    order = np.argsort(x, kind="stable")
    return x[order], y[order]


def _origin_alternatives(make, c, k) -> dict:
    """Answers of the usual mistakes at one origin: why -> (rmse, far)."""
    x, y = _sorted_points(c)

    def scores(x_fit, y_fit, x_new, y_new, space="log"):
        pred = make().fit(x_fit, y_fit).predict(x_new)
        err = np.log(pred) - np.log(y_new) if space == "log" else pred - y_new
        return float(np.sqrt(np.mean(err**2))), float(abs(err[-1])), err

    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        r, f, err = scores(x[:k], y[:k], x[k:], y[k:])
        out["the RMSE is squared: take the square root of the mean"] = (r**2, f)
        out["the far-point error is signed: return its absolute value"] = (r, float(err[-1]))
        out["that is the mean error where the far point is asked: return abs(err[-1])"] = (r, r)
        out["the far point is the LAST point (largest x), not the first predicted one"] = (
            r,
            float(abs(err[0])),
        )
        out["you used log10; the benchmark uses natural logs (np.log)"] = (
            r / np.log(10),
            f / np.log(10),
        )
        out["the errors are in loss units: compare log(prediction) with log(y)"] = scores(
            x[:k], y[:k], x[k:], y[k:], "linear"
        )[:2]
        out["the law was fitted on all points, the predicted ones included: fit on the first k"] = (
            scores(x, y, x[k:], y[k:])[:2]
        )
        if k > 1:
            out["you fitted the first k - 1 points (x[:k-1]); fit on x[:k], predict x[k:]"] = (
                scores(x[: k - 1], y[: k - 1], x[k - 1 :], y[k - 1 :])[:2]
            )
            out["you fitted the first k - 1 points but predicted x[k:]; fit on x[:k]"] = scores(
                x[: k - 1], y[: k - 1], x[k:], y[k:]
            )[:2]
        if k + 1 < x.size:
            out["you fitted k + 1 points (x[:k+1]); fit on x[:k], predict x[k:]"] = scores(
                x[: k + 1], y[: k + 1], x[k + 1 :], y[k + 1 :]
            )[:2]
        xs, ys = np.r_[c.x_train, c.x_test], np.r_[c.y_train, c.y_test]
        if not np.array_equal(xs, x):
            out["the points are not sorted by x: sort train and held-out points together"] = scores(
                xs[:k], ys[:k], xs[k:], ys[k:]
            )[:2]
    return out


def check_origin_errors(fn, curves) -> None:
    """Check ``fn(estimator, curve, k) -> (rmse, far)``: one rolling origin.

    Compared with :func:`cs324scale.fit.rolling_backtest` (train and held-out points
    together, sorted by x; a fresh fit on the first ``k``; RMSE of natural-log loss over
    the rest and the absolute log error at the farthest point) for a power law and the
    last-value baseline, at two origins of each of ``curves``. Names: squared or log10
    errors, loss units, a signed far error, the mean or the first predicted point where
    the far point is asked, a fit that saw the predicted points, k - 1 or k + 1 fitted
    points, unsorted points.
    """
    fit = _fit()
    for make in (fit.PowerLaw, fit.LastValue):
        for c in curves:
            n = c.x_train.size + c.x_test.size
            for k in (max(3, n // 2), n - 2):
                what = f"fn({make.__name__}(), {c.domain} / {c.model}, k={k})"
                got = _returned(fn(make(), c, k), what)
                arr = np.asarray(got, dtype=float).ravel()
                if arr.size != 2:
                    _fail(f"{what} returned {arr.size} value(s); return the pair (rmse, far).")
                ref = fit.rolling_backtest(make, [c], ks=[k])
                want = (float(ref.rmse[0, 0]), float(ref.far_error[0, 0]))
                if _close(arr, want, 1e-6):
                    continue
                for why, alt in _origin_alternatives(make, c, k).items():
                    if np.all(np.isfinite(alt)) and _close(arr, alt, 1e-6):
                        _fail(f"{what}: {why}.")
                i = 0 if not _close(arr[0], want[0], 1e-6) else 1
                _fail(
                    f"{what}: your {('rmse', 'far')[i]} is {arr[i] / want[i]:.3g} "
                    "times the expected one. Sort all points by x, fit a fresh copy on the "
                    "first k, predict the others, and score log errors: sqrt(mean(err^2)) "
                    "and abs(err[-1])."
                )
    ok(f"rolling-origin errors match on {len(curves)} curves, 2 origins, two estimators.")


def check_rolling_table(far, estimators, curves, fractions) -> None:
    """Check ``far``: dict estimator name -> (curves, origins) far-point errors.

    Compared with :func:`cs324scale.fit.rolling_backtest` with ``fractions``; names the
    transposed table, the mean error where the far point is asked, another order of
    curves, and origins taken as shares of the points instead of the log-x span.

    Args:
        far: The student's table.
        estimators: The dict name -> estimator class the lab asked to compare.
        curves: The curves, in the order of the table's rows.
        fractions: The origins, in the order of its columns.
    """
    fit = _fit()
    if not isinstance(far, dict):
        _fail(f"far is a {type(far).__name__}; make it a dict: estimator name -> array.")
    missing = [n for n in estimators if n not in far]
    if missing:
        _fail(f"far has no entry for {missing}; add one array per estimator.")
    shape = (len(curves), len(fractions))
    for name, make in estimators.items():
        got = np.asarray(far[name], dtype=float)
        if got.shape == shape[::-1] and shape[0] != shape[1]:
            _fail(
                f"far[{name!r}] has shape {got.shape}: rows are curves, columns origins; transpose it."
            )
        if got.shape != shape:
            _fail(f"far[{name!r}] has shape {got.shape}; expected {shape} (curves x origins).")
        ref = fit.rolling_backtest(make, curves, fractions=fractions)
        if np.allclose(got, ref.far_error, rtol=1e-6):
            continue
        if np.allclose(got, ref.rmse, rtol=1e-6):
            _fail(
                f"far[{name!r}] holds the RMSE over the predicted points; the task asks for the far-point error."
            )
        if np.allclose(np.sort(got, axis=None), np.sort(ref.far_error, axis=None), rtol=1e-6):
            _fail(
                f"far[{name!r}] holds the right numbers in the wrong order; keep the order of SUBSET and ORIGINS."
            )
        first = curves[0]
        n = first.x_train.size + first.x_test.size
        try:  # origins as shares of the points, on the first curve
            by_points = [int(round(f * n)) for f in fractions]
            alt = fit.rolling_backtest(make, [_sorted_points(first)], ks=by_points).far_error[0]
        except ValueError:
            alt = None
        if alt is not None and np.allclose(got[0], alt, rtol=1e-6):
            _fail(
                f"far[{name!r}]: the origins are shares of the number of points; use "
                "k = cs.fit.origin_index(x_all, f), a share of the log-x span."
            )
        bad = np.argwhere(~np.isclose(got, ref.far_error, rtol=1e-6))[0]
        c = curves[bad[0]]
        _fail(
            f"far[{name!r}] differs on curve {bad[0]} ({c.domain} / {c.model}) at origin "
            f"{fractions[bad[1]]}: a factor {got[tuple(bad)] / ref.far_error[tuple(bad)]:.2f}. "
            "Use a fresh fit per cell and k = cs.fit.origin_index(sorted x of all points, f); "
            "your origin_errors passed its check, so reuse it."
        )
    ok(
        f"{len(estimators)} estimators x {len(curves)} curves x {len(fractions)} origins, every far-point error matches."
    )


def check_beats_baseline(beats, far, baseline: str) -> None:
    """Check ``beats``: dict law -> number of cells where its far error is below the baseline's.

    ``far`` is the (already checked) table of far-point errors; every estimator but
    ``baseline`` needs a count. Names: a share instead of a count, the opposite
    comparison, the baseline itself counted.
    """
    if not isinstance(beats, dict):
        _fail(f"beats is a {type(beats).__name__}; make it a dict: law name -> count.")
    laws = [n for n in far if n != baseline]
    if baseline in beats:
        _fail(f"beats has an entry for the baseline {baseline!r} itself; count only the laws.")
    missing = [n for n in laws if n not in beats]
    if missing:
        _fail(f"beats has no entry for {missing}; add one count per law.")
    base = np.asarray(far[baseline], dtype=float)
    for n in laws:
        v = np.asarray(far[n], dtype=float)
        want = int(np.sum(v < base))
        got = _scalar(beats[n], f"beats[{n!r}]")
        if got == want:
            continue
        if 0 < got < 1 or np.isclose(got, want / base.size):
            _fail(f"beats[{n!r}] looks like a share; the task asks for the number of cells.")
        if got == int(np.sum(v > base)):
            _fail(
                f"beats[{n!r}] counts the cells where {n} is WORSE than {baseline}; lower error is better."
            )
        _fail(
            f"beats[{n!r}] = {got:g} is not the number of (curve, origin) cells where its "
            f"far-point error is below {baseline!r}'s; compare far[{n!r}] < far[{baseline!r}] and sum."
        )
    ok(f"the number of cells in which each law beats {baseline!r}.")


def check_winners(winners, table, curves) -> None:
    """Check ``winners``: dict domain -> estimator name with the lowest mean error there.

    ``table`` maps estimator name -> one error per curve (an RMSE, or a curve's mean
    far-point error over origins).
    """
    if not isinstance(winners, dict):
        _fail(f"winners is a {type(winners).__name__}; make it a dict: domain -> estimator name.")
    domains = sorted({c.domain for c in curves})
    if sorted(winners) != domains:
        _fail(f"winners has keys {sorted(winners)}; expected one per domain: {domains}.")
    names = list(table)
    dom = np.array([c.domain for c in curves])
    for d in domains:
        means = {n: float(np.nanmean(np.asarray(table[n], float)[dom == d])) for n in names}
        best = min(means, key=means.get)
        if winners[d] not in means:
            _fail(f"winners[{d!r}] = {winners[d]!r} is not one of the estimators {names}.")
        if winners[d] != best:
            worst = max(means, key=means.get)
            hint = (
                " That is the highest mean error: lower is better."
                if winners[d] == worst
                else " Average the error over that domain's curves only, then take the smallest."
            )
            _fail(
                f"winners[{d!r}] = {winners[d]!r} does not have the lowest mean error on {d}.{hint}"
            )
    ok(f"the winner of each domain ({', '.join(domains)}) has the lowest mean error.")


# ------------------------------------------------------------- part 3: crossing a target


def check_crossing(fn) -> None:
    """Check ``fn(n_params, acc_pct, target_pct) -> parameters`` (linear in log N trend).

    Verifies the answer (relative 1e-4) on data on an exact line ``acc = a + b log N``
    (where the answer is known) and on noisy data, against
    :func:`cs324scale.fit.crossing_scale` of a :class:`~cs324scale.fit.LogLinear` fit.
    Names: log N (any base) returned instead of N, a flipped sign, ``10 **`` undoing a
    natural log, slope and intercept swapped, a line in N instead of log N, and a
    multiple of the largest model.
    """
    fit = _fit()
    n = np.array([1e8, 4e8, 1.6e9, 6.4e9, 2.56e10])
    rng = np.random.default_rng(7)
    cases = [
        ("an exact line", 40 + 2.0 * np.log2(n / 1e8), 60.0),
        ("noisy data", 50 + 3.0 * np.log2(n / 1e8) + rng.normal(0, 1.5, n.size), 90.0),
    ]
    for what, acc, target in cases:
        got = _scalar(fn(n, acc, target), f"fn(n_params, acc, {target})")
        want = fit.crossing_scale(fit.LogLinear().fit(n, acc), target)
        if _close(got, want, 1e-4):
            continue
        slope, icpt = np.polyfit(np.log(n), acc, 1)
        if got <= 0:
            _fail(f"On {what}: a number of parameters must be positive; got {got:.3g}.")
        causes = {
            "you returned log10(N); return N itself (10 ** ...)": np.log10(want),
            "you returned the natural log of N; return N itself (np.exp(...))": np.log(want),
            "you returned log2(N); return N itself (2 ** ...)": np.log2(want),
            "you returned a multiple of the largest model; return parameters": want / n[-1],
            "the sign is flipped: solve a + b log N = target, log N = (target - a) / b": 1 / want,
            "np.log was undone with 10 **; undo it with np.exp": 10 ** np.log(want),
            "slope and intercept are swapped: np.polyfit returns the slope first": np.exp(
                (target - slope) / icpt
            ),
        }
        for why, alt in causes.items():
            if _close(got, float(alt), 1e-4):
                _fail(f"On {what}: {why}.")
        line_in_n = np.polyfit(n, acc, 1)
        if _close(got, (target - line_in_n[1]) / line_in_n[0], 1e-4):
            _fail(f"On {what}: the line must be in log N, not in N: fit acc against np.log(n).")
        _fail(
            f"On {what}: your crossing is {got / want:.3g} times the expected parameter "
            "count. Fit acc = a + b log N by least squares, then solve a + b log N = target."
        )
    ok("the crossing of a linear-in-log-N trend is right on exact and noisy data.")


def _protocol_samples(n_params, acc, target, *, n_resamples: int, rng) -> np.ndarray:
    """Crossings over resamples drawn exactly as the lab says (one size only: skipped)."""
    n_params, acc = np.asarray(n_params, float), np.asarray(acc, float)
    out = []
    for _ in range(n_resamples):
        idx = rng.integers(0, len(n_params), size=len(n_params))
        if np.unique(n_params[idx]).size > 1:
            slope, icpt = np.polyfit(np.log(n_params[idx]), acc[idx], 1)
            out.append(np.exp((target - icpt) / slope))
    return np.asarray(out)


def check_crossing_interval(fn, n_params, acc, target, *, n_resamples: int, key) -> None:
    """Check ``fn(n_params, acc, target, *, n_resamples, key) -> (low, high)``.

    A 95% percentile bootstrap interval (models resampled with replacement) for the
    parameters at which the linear-in-log trend crosses ``target``. Verifies: values in
    parameters (not log parameters or accuracies), the crossing of the full-data line
    inside, and a width in log N within 0.85 to 1.2 times that of
    :func:`cs324scale.fit.crossing_interval` on the same data (different random
    resamples move a correct interval by less than that). When the resamples were drawn
    as the lab says (``rng.integers`` from ``rng = np.random.default_rng(key)``, or from
    the kit's :func:`cs324scale._random.as_generator`), names the percentiles used if
    they are not 2.5 and 97.5.
    """
    fit = _fit()
    lo, hi = _interval(fn(n_params, acc, target, n_resamples=n_resamples, key=key), "the interval")
    est, (rlo, rhi), _ = fit.crossing_interval(
        fit.LogLinear(), n_params, acc, target, n_resamples=n_resamples, key=key
    )
    if hi < 1e3:
        _fail(
            "The interval's values are tiny for parameter counts: return parameters (not "
            "log parameters, not accuracies)."
        )
    if not lo < est < hi:
        _fail(
            "Your interval does not contain the crossing of the line fitted to all models. "
            "Resample the models (pairs of N and accuracy) with replacement, refit, solve "
            "for the crossing each time, then take the 2.5th and 97.5th percentiles."
        )
    rngs = [lambda: as_generator(key)]  # the kit's reading of key
    if isinstance(key, numbers.Integral) and not isinstance(key, bool):
        rngs.append(lambda: np.random.default_rng(key))  # NumPy's, as the lab's cell does
    for make_rng in rngs:
        samples = _protocol_samples(n_params, acc, target, n_resamples=n_resamples, rng=make_rng())
        if _close([lo, hi], np.percentile(samples, [2.5, 97.5]), 1e-6):
            ok("a 95% bootstrap interval for the crossing.")
            return
        for q in (0.0, 0.5, 1.0, 5.0, 10.0, 16.0, 25.0):
            if _close([lo, hi], np.percentile(samples, [q, 100 - q]), 1e-6):
                _fail(
                    f"You took percentiles {q:g} and {100 - q:g} of the resampled crossings: a "
                    f"{100 - 2 * q:g}% interval. A 95% interval takes percentiles 2.5 and 97.5."
                )
    ratio = np.log(hi / lo) / np.log(rhi / rlo)
    if not 0.85 < ratio < 1.2:
        narrow = ratio < 1
        _fail(
            f"Your interval is {'narrower' if narrow else 'wider'} than a 95% bootstrap "
            f"interval by a factor {ratio if not narrow else 1 / ratio:.2f} (in log N). "
            + (
                "Did you resample the x and y of each model together, and use percentiles 2.5 and 97.5?"
                if narrow
                else "Did you use percentiles 2.5 and 97.5 (not 0 and 100), and refit each resample?"
            )
        )
    ok("a 95% bootstrap interval for the crossing, of the expected width.")
