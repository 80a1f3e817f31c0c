"""Forecasting: extrapolation with intervals, backtests, threshold crossings."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.optimize import brentq

from .._random import as_generator
from ._base import Estimator
from ._bootstrap import BootstrapResult, bootstrap


class Forecast(NamedTuple):
    """Output of :func:`extrapolate`; arrays have the shape of the query.

    Attributes:
        prediction: point forecast from the full-data fit.
        ci: (low, high) bootstrap interval of the fitted curve (parameter uncertainty).
        pi: (low, high) prediction interval for a new observation: the bootstrap curves
            plus a resampled full-fit residual (in log space for positive responses).
        bootstrap: the underlying :class:`BootstrapResult`.
    """

    prediction: np.ndarray
    ci: tuple
    pi: tuple
    bootstrap: BootstrapResult


def _as_args(at) -> tuple:
    return tuple(at) if isinstance(at, tuple) else (at,)


def extrapolate(
    estimator: Estimator,
    *arrays,
    at,
    n_resamples: int = 1000,
    key,
    level: float = 0.95,
) -> Forecast:
    """Forecast ``estimator``'s law at new inputs ``at`` with confidence and prediction intervals.

    Args:
        estimator: any estimator; refitted on ``arrays``.
        *arrays: the fit's arrays (``x, y`` or ``N, D, loss``).
        at: query for ``predict``: an array, or a tuple ``(N, D)`` for joint laws.
        n_resamples, key, level: as in :func:`bootstrap` (``key`` required).

    Returns:
        :class:`Forecast`.
    """
    args = _as_args(at)
    res = bootstrap(
        estimator,
        *arrays,
        n_resamples=n_resamples,
        key=key,
        predict=lambda m: m.predict(*args),
        level=level,
    )
    est = res.estimate
    data = est._prepare(*arrays)
    y, fitted = est._response(data), est._predict_data(data)
    # residual draws use a stream derived from the bootstrap's own randomness
    rng = np.random.default_rng(as_generator(key).integers(2**31, size=2).tolist())
    tail = 100 * (1 - level) / 2
    if est._residual_space == "log":
        resid = np.log(y) - np.log(fitted)
        draws = res.predictions * np.exp(rng.choice(resid, size=res.predictions.shape))
    else:
        resid = y - fitted
        draws = res.predictions + rng.choice(resid, size=res.predictions.shape)
    pi = tuple(np.nanpercentile(draws, [tail, 100 - tail], axis=0))
    return Forecast(np.asarray(est.predict(*args)), res.prediction_interval, pi, res)


class BacktestResult(NamedTuple):
    """Output of :func:`backtest`, one entry per curve.

    Attributes:
        names: curve labels; rmse: (K,) root mean squared error of log loss on held-out
        points; se: (K,) its standard error as in the Revisiting-NSL README,
        sqrt(mean + std/sqrt(n)) - sqrt(mean) of the squared log errors; n_test: (K,);
        errors: (K,) message where the fit failed (rmse nan there), else "".
    """

    names: list
    rmse: np.ndarray
    se: np.ndarray
    n_test: np.ndarray
    errors: list

    @property
    def mean_rmse(self) -> float:
        """Mean RMSE over the curves that were scored."""
        return float(np.nanmean(self.rmse))


def _curve_parts(c):
    if isinstance(c, tuple) and len(c) == 4 and not hasattr(c, "x_train"):
        return "curve", c
    name = (
        " / ".join(str(getattr(c, k)) for k in ("domain", "task", "model") if hasattr(c, k))
        or "curve"
    )
    return name, (c.x_train, c.y_train, c.x_test, c.y_test)


def backtest(estimator_factory: Callable[[], Estimator] | Estimator, curves) -> BacktestResult:
    """Fit on each curve's early part, score its held-out later part (Alabdulmohsin et al. 2022).

    Args:
        estimator_factory: a callable returning a fresh estimator (e.g. ``cs.fit.M4``),
            or an estimator instance (cloned per curve).
        curves: iterable of objects with ``x_train, y_train, x_test, y_test`` (e.g.
            ``cs324scale.published.revisiting_nsl_curves()``) or 4-tuples.

    Returns:
        :class:`BacktestResult` with RMSE of log loss per curve.
    """
    make = (
        estimator_factory.clone if isinstance(estimator_factory, Estimator) else estimator_factory
    )
    names, rmse, se, nt, errs = [], [], [], [], []
    for c in curves:
        name, (xtr, ytr, xte, yte) = _curve_parts(c)
        names.append(name)
        yte = np.asarray(yte, dtype=float)
        nt.append(yte.size)
        try:
            pred = np.asarray(make().fit(xtr, ytr).predict(xte), dtype=float)
            if np.any(pred <= 0) or not np.all(np.isfinite(pred)):
                raise ValueError("prediction is not positive and finite, so its log is undefined")
        except ValueError as err:
            rmse.append(np.nan)
            se.append(np.nan)
            errs.append(str(err))
            continue
        sq = (np.log(pred) - np.log(yte)) ** 2
        m = sq.mean()
        rmse.append(np.sqrt(m))
        se.append(np.sqrt(m + sq.std() / np.sqrt(sq.size)) - np.sqrt(m))
        errs.append("")
    return BacktestResult(names, np.array(rmse), np.array(se), np.array(nt), errs)


def crossing_scale(
    fitted: Estimator, target: float, *, lo: float = 1e-3, hi: float = 1e40
) -> float:
    """The x at which a fitted single-variable law reaches ``target``.

    Uses the closed form where there is one (:class:`SigmoidLogLaw`), otherwise a root
    of predict(x) - target on a log-x bracket [lo, hi]. Returns ``inf`` when the curve
    does not reach the target inside the bracket (e.g. a target below a saturating law's
    floor E), and ``lo`` when it is already past the target at ``lo``.
    """
    if hasattr(fitted, "crossing_scale"):
        return fitted.crossing_scale(target)
    fitted._check_fitted()

    def g(u):
        return float(fitted.predict(np.exp(u))) - target

    ga, gb = g(np.log(lo)), g(np.log(hi))
    if ga == 0:
        return lo
    if np.sign(ga) == np.sign(gb):
        return float("inf")  # never crosses inside the bracket
    return float(np.exp(brentq(g, np.log(lo), np.log(hi), xtol=1e-10)))


class CrossingInterval(NamedTuple):
    """Output of :func:`crossing_interval`.

    Attributes:
        estimate: the x at which the law fitted to all points reaches ``target``.
        interval: (low, high) percentile bootstrap interval of that x at ``level``;
            ``high`` is ``inf`` when too many resampled curves never reach the target.
        samples: (R,) crossing of each resample's curve, ``inf`` where it never reaches
            the target inside :func:`crossing_scale`'s bracket.
    """

    estimate: float
    interval: tuple[float, float]
    samples: np.ndarray


def crossing_interval(
    estimator: Estimator,
    x,
    y,
    target: float,
    *,
    n_resamples: int = 1000,
    key,
    level: float = 0.95,
) -> CrossingInterval:
    """Point estimate and percentile bootstrap interval of :func:`crossing_scale`.

    Args:
        estimator: a single-variable law (fitted or not; refitted on ``x, y``).
        x, y: the points, each (n,).
        target: the value of the law whose crossing is sought.
        n_resamples, key, level: as in :func:`bootstrap` (``key`` required).

    Returns:
        :class:`CrossingInterval`.
    """
    res = bootstrap(
        estimator,
        x,
        y,
        n_resamples=n_resamples,
        key=key,
        predict=lambda m: crossing_scale(m, target),
        level=level,
    )
    tail = 100 * (1 - level) / 2
    s = res.predictions
    lo, hi = (float(v) for v in np.percentile(s, [tail, 100 - tail]))
    return CrossingInterval(crossing_scale(res.estimate, target), (lo, hi), s)
