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
        errors: (K,) message where the fit failed (rmse nan there), else "";
        far_error: (K,) absolute log error at the farthest held-out point (largest x);
        extrapolation: (K,) that point's x over the largest fitted x;
        log_errors: (K,) list of log(prediction) - log(y) at the held-out points sorted
        by x (None where the fit failed), from which :func:`combine_backtests` scores an
        ensemble.
    """

    names: list
    rmse: np.ndarray
    se: np.ndarray
    n_test: np.ndarray
    errors: list
    far_error: np.ndarray
    extrapolation: np.ndarray
    log_errors: list

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


def _factory(estimator_factory) -> Callable[[], Estimator]:
    if isinstance(estimator_factory, Estimator):
        return estimator_factory.clone
    if not callable(estimator_factory):
        raise ValueError(
            f"estimator_factory must be an estimator or a callable returning one (e.g. "
            f"cs.fit.PowerLaw); got {type(estimator_factory).__name__}."
        )
    return estimator_factory


def _log_errors(make, x_fit, y_fit, x_new, y_new) -> np.ndarray:
    """log(prediction) - log(y_new) of a fresh fit; ValueError where the log is undefined."""
    pred = np.asarray(make().fit(x_fit, y_fit).predict(x_new), dtype=float)
    if np.any(pred <= 0) or not np.all(np.isfinite(pred)):
        raise ValueError("prediction is not positive and finite, so its log is undefined")
    return np.log(pred) - np.log(np.asarray(y_new, dtype=float))


def _scores(err) -> tuple[float, float, float]:
    """(RMSE, its Revisiting-NSL standard error, |error| at the last point) of log errors."""
    if err is None:
        return np.nan, np.nan, np.nan
    sq = err**2
    m = sq.mean()
    se = np.sqrt(m + sq.std() / np.sqrt(sq.size)) - np.sqrt(m)
    return float(np.sqrt(m)), float(se), float(abs(err[-1]))


def backtest(estimator_factory: Callable[[], Estimator] | Estimator, curves) -> BacktestResult:
    """Fit on each curve's early part, score its held-out later part (Alabdulmohsin et al. 2022).

    Args:
        estimator_factory: a callable returning a fresh estimator (e.g. ``cs.fit.M4``),
            or an estimator instance (cloned per curve).
        curves: iterable of objects with ``x_train, y_train, x_test, y_test`` (e.g.
            ``cs324scale.published.revisiting_nsl_curves()``) or 4-tuples.

    Returns:
        :class:`BacktestResult` with RMSE of log loss per curve and the error at the
        farthest held-out point.

    References:
        Revisiting Neural Scaling Laws in Language and Vision, Sec. 5:
        https://arxiv.org/abs/2209.06640
    """
    make = _factory(estimator_factory)
    names, nt, errs, ratio, logs = [], [], [], [], []
    for c in curves:
        name, (xtr, ytr, xte, yte) = _curve_parts(c)
        names.append(name)
        xte, yte = np.asarray(xte, dtype=float), np.asarray(yte, dtype=float)
        order = np.argsort(xte, kind="stable")  # the farthest point last
        xte, yte = xte[order], yte[order]
        nt.append(xte.size)
        ratio.append(float(xte.max() / np.max(xtr)) if xte.size else np.nan)
        try:
            logs.append(_log_errors(make, xtr, ytr, xte, yte))
            errs.append("")
        except ValueError as e:
            logs.append(None)
            errs.append(str(e))
    rmse, se, far = (np.array(v) for v in zip(*map(_scores, logs), strict=True))
    return BacktestResult(names, rmse, se, np.array(nt), errs, far, np.array(ratio), logs)


def min_points(estimator: Estimator) -> int:
    """The fewest points an estimator's ``fit`` accepts (its own input checks decide).

    Found by offering the estimator's input checks ever more points of a clean, strictly
    decreasing curve, y = 0.5 + 0.4 x^-0.5 on distinct x (inside (0, 1), so that laws of
    losses and of accuracies both accept it).
    """
    for m in range(1, 65):
        x = np.geomspace(1.0, 1e3, m) if m > 1 else np.array([1.0])
        try:
            estimator._prepare(x, 0.5 + 0.4 * x**-0.5)
        except ValueError:
            continue
        return m
    raise ValueError(
        f"{type(estimator).__name__} accepted no curve of up to 64 points; is it a "
        "single-variable law fitted with fit(x, y)?"
    )


def origin_index(x, fraction: float) -> int:
    """Points fitted at a rolling origin placed at ``fraction`` of the log-x span.

    Args:
        x: (n,) sizes, > 0 (any order).
        fraction: in (0, 1); the origin is log x_min + fraction (log x_max - log x_min).

    Returns:
        k, the number of points with log x at or below the origin.
    """
    if not 0.0 < float(fraction) < 1.0:
        raise ValueError(
            f"fraction must lie strictly between 0 and 1 (a share of the log-x span); got "
            f"{fraction!r}. Pass e.g. fractions=(0.5, 0.7, 0.85)."
        )
    lx = np.log(np.asarray(x, dtype=float))
    cut = lx.min() + float(fraction) * (lx.max() - lx.min())
    return int(np.sum(lx <= cut + 1e-12 * max(1.0, abs(cut))))


class RollingBacktest(NamedTuple):
    """Output of :func:`rolling_backtest`: K curves x J origins.

    Attributes:
        names: (K,) curve labels.
        n_points: (K,) points per curve (fitted and predicted together).
        k: (K, J) points fitted at each origin (the first k by x).
        rmse: (K, J) root mean squared error of log loss on the remaining n - k points.
        far_error: (K, J) absolute log error at the farthest point (largest x).
        extrapolation: (K, J) the farthest x over the largest fitted x.
        errors: (K, J) nested lists; the message where a fit failed (nan there), else "".
        log_errors: (K, J) nested lists of log(prediction) - log(y) at the predicted
            points (None where the fit failed), for :func:`combine_backtests`.
    """

    names: list
    n_points: np.ndarray
    k: np.ndarray
    rmse: np.ndarray
    far_error: np.ndarray
    extrapolation: np.ndarray
    errors: list
    log_errors: list


def _all_points(c):
    """(name, x, y) of a curve, train and test together, sorted by x."""
    if isinstance(c, tuple) and len(c) == 2:
        name, x, y = "curve", c[0], c[1]
    else:
        name, (xtr, ytr, xte, yte) = _curve_parts(c)
        x, y = np.r_[xtr, xte], np.r_[ytr, yte]
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"curve {name!r}: x has {x.size} points but y has {y.size}.")
    order = np.argsort(x, kind="stable")
    return name, x[order], y[order]


def rolling_backtest(
    estimator_factory: Callable[[], Estimator] | Estimator,
    curves,
    *,
    ks=None,
    fractions=None,
) -> RollingBacktest:
    """Rolling-origin backtest: fit the first k points of each curve, predict the rest.

    Every curve's points (train and test together, sorted by x) are cut at several
    origins; at each, a fresh estimator is fitted on the first k points and scored on
    the other n - k by the RMSE of natural-log loss (the score of Alabdulmohsin et al.
    2022) and by the absolute log error at the farthest point, the one a forecast is
    usually made for. Rolling (or "evaluation on a rolling forecasting origin") is the
    time-series practice of Tashman (2000): one split says little, several say how the
    error grows with the distance extrapolated.

    Args:
        estimator_factory: a callable returning a fresh estimator, or an estimator
            instance (cloned per fit).
        curves: objects with ``x_train, y_train, x_test, y_test`` (e.g.
            ``cs324scale.published.revisiting_nsl_curves()``), 4-tuples of those
            arrays, or ``(x, y)`` pairs.
        ks: numbers of fitted points, the same for every curve; or
        fractions: origins as shares of each curve's log-x span (see
            :func:`origin_index`). Exactly one of ``ks`` and ``fractions``.

    Returns:
        :class:`RollingBacktest`.

    Raises:
        ValueError: where an origin leaves fewer points than the estimator needs, or
            nothing to predict (k >= n); before any fit is run.

    References:
        Alabdulmohsin, Neyshabur & Zhai 2022, Revisiting Neural Scaling Laws, Sec. 5:
        https://arxiv.org/abs/2209.06640 ; Tashman 2000, Out-of-sample tests of
        forecasting accuracy, Int. J. Forecasting 16(4).
    """
    if (ks is None) == (fractions is None):
        raise ValueError("Pass exactly one of ks= (points fitted) and fractions= (of log-x span).")
    make = _factory(estimator_factory)
    need = min_points(make())
    origins = np.atleast_1d(ks if ks is not None else fractions).tolist()
    if not origins:
        raise ValueError("No origins given; pass e.g. ks=[5, 8] or fractions=(0.5, 0.7).")
    parts = [_all_points(c) for c in curves]
    K, J = len(parts), len(origins)
    kk = np.zeros((K, J), dtype=int)
    for i, (name, x, _) in enumerate(parts):
        for j, o in enumerate(origins):
            if ks is not None:
                if not float(o).is_integer():
                    raise ValueError(f"ks must hold whole numbers of points; got {o!r}.")
                k = int(o)
            else:
                k = origin_index(x, o)
            where = f"fraction {o!r} leaves k = {k}" if ks is None else f"k = {k}"
            if k < need:
                raise ValueError(
                    f"Curve {name!r}: {where} fitted point(s), but "
                    f"{type(make()).__name__} needs at least {need}. Use a larger k "
                    "(or fraction)."
                )
            if k >= x.size:
                raise ValueError(
                    f"Curve {name!r}: {where} fitted points of its {x.size}, leaving none to "
                    f"predict. Use k <= {x.size - 1} (or a smaller fraction)."
                )
            kk[i, j] = k
    ratio = np.full((K, J), np.nan)
    errs = [["" for _ in range(J)] for _ in range(K)]
    logs = [[None for _ in range(J)] for _ in range(K)]
    for i, (_, x, y) in enumerate(parts):
        for j in range(J):
            k = kk[i, j]
            ratio[i, j] = x[-1] / x[k - 1]
            try:
                logs[i][j] = _log_errors(make, x[:k], y[:k], x[k:], y[k:])
            except ValueError as e:
                errs[i][j] = str(e)
    rmse, _, far = _score_grid(logs)
    return RollingBacktest(
        [p[0] for p in parts],
        np.array([p[1].size for p in parts]),
        kk,
        rmse,
        far,
        ratio,
        errs,
        logs,
    )


def _score_grid(logs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RMSE, standard error and far-point error for a (K, J) nested list of log errors."""
    out = np.array([[_scores(e) for e in row] for row in logs], dtype=float)
    return out[..., 0], out[..., 1], out[..., 2]


def combine_backtests(results, combine: str = "median"):
    """Score the ensemble of several laws from their backtests, without refitting.

    At every held-out point the ensemble's log forecast is the median (or mean) of the
    members' log forecasts, so its log error is the median (mean) of their log errors:
    the same numbers as backtesting :class:`LawEnsemble` of those laws (where every
    member's forecast is positive), at no extra fitting cost. A cell where any member
    failed is a failure of the ensemble.

    Args:
        results: :class:`BacktestResult` or :class:`RollingBacktest` of each law, all of
            the same kind, on the same curves (and origins).
        combine: ``"median"`` or ``"mean"``.

    Returns:
        A result of the same kind as ``results[0]``.

    References:
        Alabdulmohsin, Neyshabur & Zhai 2022, Revisiting Neural Scaling Laws in Language
        and Vision: https://arxiv.org/abs/2209.06640
    """
    results = list(results)
    if combine not in ("median", "mean"):
        raise ValueError(f"combine must be 'median' or 'mean'; got {combine!r}.")
    if not results:
        raise ValueError("Pass the backtests of at least one law.")
    kind = type(results[0])
    if kind not in (BacktestResult, RollingBacktest) or any(type(r) is not kind for r in results):
        raise ValueError(
            "results must all be BacktestResult (cs.fit.backtest) or all RollingBacktest "
            f"(cs.fit.rolling_backtest); got {sorted({type(r).__name__ for r in results})}."
        )
    first = results[0]
    shape = first.n_test if kind is BacktestResult else first.k
    for r in results[1:]:
        same = r.n_test if kind is BacktestResult else r.k
        if r.names != first.names or not np.array_equal(same, shape):
            raise ValueError(
                "The backtests differ in their curves or origins; run every law on the same "
                "curves (and the same ks or fractions) before combining."
            )
    agg = np.median if combine == "median" else np.mean

    def cell(errs, msgs):
        if any(e is None for e in errs):
            bad = next(m for m in msgs if m)
            return None, f"a member failed: {bad}"
        return agg(np.stack(errs), axis=0), ""

    if kind is BacktestResult:
        pairs = [
            cell([r.log_errors[i] for r in results], [r.errors[i] for r in results])
            for i in range(len(first.names))
        ]
        logs, errs = [p[0] for p in pairs], [p[1] for p in pairs]
        rmse, se, far = (np.array(v) for v in zip(*map(_scores, logs), strict=True))
        return BacktestResult(
            first.names, rmse, se, first.n_test, errs, far, first.extrapolation, logs
        )
    K, J = first.k.shape
    grid = [
        [
            cell([r.log_errors[i][j] for r in results], [r.errors[i][j] for r in results])
            for j in range(J)
        ]
        for i in range(K)
    ]
    logs = [[g[0] for g in row] for row in grid]
    errs = [[g[1] for g in row] for row in grid]
    rmse, _, far = _score_grid(logs)
    return RollingBacktest(
        first.names, first.n_points, first.k, rmse, far, first.extrapolation, errs, logs
    )


def _members(estimators) -> tuple[list, list]:
    """(names, unfitted estimators) from a dict name -> factory or a sequence of them."""
    if isinstance(estimators, dict):
        names, items = [str(n) for n in estimators], list(estimators.values())
    else:
        items = list(estimators)
        names = [
            type(e).__name__ if isinstance(e, Estimator) else getattr(e, "__name__", str(e))
            for e in items
        ]
    if not items:
        raise ValueError("Pass at least one estimator (a dict name -> factory, or a list).")
    return names, [_factory(e)() for e in items]


class LawEnsemble(Estimator):
    """Several laws fitted to the same points; forecasts combined across the laws.

    The forecast is the median (or mean) across laws of their log predictions (of the
    predictions themselves where some law's response may be negative). The spread of
    the members is the uncertainty that comes from the choice of law, which a
    bootstrap of one law does not see. Bootstrapping the ensemble refits every member
    on every resample.

    Args:
        estimators: dict name -> estimator factory (class) or instance, or a sequence.
        combine: ``"median"`` or ``"mean"``.

    Attributes:
        members_: the fitted laws, in the order given; names: their names.

    References:
        Alabdulmohsin, Neyshabur & Zhai 2022, Revisiting Neural Scaling Laws in Language
        and Vision: https://arxiv.org/abs/2209.06640
    """

    def __init__(self, estimators, combine: str = "median"):
        if combine not in ("median", "mean"):
            raise ValueError(f"combine must be 'median' or 'mean'; got {combine!r}.")
        self.names, self._templates = _members(estimators)
        self.combine = combine
        self._residual_space = (
            "log" if all(m._residual_space == "log" for m in self._templates) else "linear"
        )

    def _prepare(self, *arrays):
        return tuple(m._prepare(*arrays) for m in self._templates)

    def _response(self, data):
        return self._templates[0]._response(data[0])

    def _inputs(self, data):
        return self._templates[0]._inputs(data[0])

    def _fit_batch(self, data, weights, init=None):
        fitted = getattr(self, "members_", None) or [m.clone() for m in self._templates]
        thetas, convs = [], []
        for m, d in zip(fitted, data, strict=True):
            warm = getattr(m, "local_optima_", None)
            t, c = m._fit_batch(d, weights, init=None if warm is None else warm[:4])
            thetas.append(np.asarray(t, dtype=float))
            convs.append(np.asarray(c, dtype=bool))
        self._widths = [t.shape[1] for t in thetas]
        return np.concatenate(thetas, axis=1), np.all(convs, axis=0)

    def _set_theta(self, theta, converged):
        self._check_fitted()
        cuts = np.cumsum(self._widths)[:-1]
        parts = np.split(np.asarray(theta, dtype=float), cuts)
        self.members_ = [
            m.with_theta(t, converged) for m, t in zip(self.members_, parts, strict=True)
        ]
        self.converged_ = bool(converged)
        self.theta_ = np.asarray(theta, dtype=float)

    def fit(self, *arrays) -> LawEnsemble:
        """Fit a fresh copy of every law to the same points; returns self."""
        self.members_ = [m.clone().fit(*arrays) for m in self._templates]
        self._widths = [np.size(m.theta_) for m in self.members_]
        self.theta_ = np.concatenate([np.ravel(m.theta_) for m in self.members_])
        self.converged_ = all(m.converged_ for m in self.members_)
        self.n_points_ = self.members_[0].n_points_
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "members_"):
            raise ValueError("This LawEnsemble is not fitted yet; call .fit(...) first.")

    @property
    def params_(self) -> dict[str, float]:
        """Every member's parameters, named ``"<law>.<parameter>"``."""
        self._check_fitted()
        return {
            f"{n}.{k}": v
            for n, m in zip(self.names, self.members_, strict=True)
            for k, v in m.params_.items()
        }

    def member_predictions(self, *query) -> np.ndarray:
        """(L, ...) every member's prediction at ``query``, in the order of ``names``."""
        self._check_fitted()
        return np.stack([np.asarray(m.predict(*query), dtype=float) for m in self.members_])

    def predict(self, *query) -> np.ndarray:
        """Median (or mean) across laws of the log predictions (of the predictions if any is <= 0)."""
        p = self.member_predictions(*query)
        agg = np.median if self.combine == "median" else np.mean
        if np.all(p > 0):
            return np.exp(agg(np.log(p), axis=0))
        return agg(p, axis=0)

    def __repr__(self) -> str:
        return f"LawEnsemble({', '.join(self.names)}; {self.combine})"


class LawSpread(NamedTuple):
    """Output of :func:`law_spread`: forecasts of several laws at one query.

    Attributes:
        names: (L,) law names; predictions: (L, ...) each law's forecast;
        low, median, high: (...) smallest, median and largest forecast across the laws.
    """

    names: list
    predictions: np.ndarray
    low: np.ndarray
    median: np.ndarray
    high: np.ndarray


def law_spread(estimators, *arrays, at) -> LawSpread:
    """Fit every law to the same points and report the spread of their forecasts at ``at``.

    The range across plausible laws is the model-choice uncertainty of a forecast
    (Alabdulmohsin et al. 2022 find no single law best on every curve); put it beside
    a bootstrap interval (:func:`extrapolate`), which only sees the noise of the points.

    Args:
        estimators: dict name -> estimator factory (class) or instance, or a sequence.
        *arrays: the fit's arrays, e.g. ``x, y``.
        at: query for ``predict`` (an array, or a tuple for joint laws).

    Returns:
        :class:`LawSpread`.

    References:
        Alabdulmohsin, Neyshabur & Zhai 2022, Revisiting Neural Scaling Laws in Language
        and Vision: https://arxiv.org/abs/2209.06640
    """
    ens = LawEnsemble(estimators).fit(*arrays)
    p = ens.member_predictions(*_as_args(at))
    return LawSpread(ens.names, p, p.min(axis=0), np.median(p, axis=0), p.max(axis=0))


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
