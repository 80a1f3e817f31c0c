"""Nonparametric bootstrap for any estimator, vectorised across resamples."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .._checks import as_int
from .._random import as_generator
from ._base import Estimator
from ._multistart import MultiStartEstimator


class BootstrapResult(NamedTuple):
    """Output of :func:`bootstrap`.

    Attributes:
        estimate: the estimator fitted to all points.
        params: dict name -> (R,) parameter values over resamples (``estimate.params_`` names).
        intervals: dict name -> (low, high) percentile interval at ``level``.
        predictions: (R, ...) values of ``predict(fitted)`` per resample, or None.
        prediction_interval: (low, high) arrays of ``predict``'s shape, or None.
        converged: (R,) True where the resample's fit converged (all resamples are kept;
            drop the others yourself if you wish).
        fits: the R fitted estimators.
        level: the interval's coverage.
    """

    estimate: Estimator
    params: dict
    intervals: dict
    predictions: np.ndarray | None
    prediction_interval: tuple | None
    converged: np.ndarray
    fits: list
    level: float


def resample_weights(n: int, n_resamples: int, *, rng: np.random.Generator) -> np.ndarray:
    """(R, n) multinomial counts: how often each of n points appears in each resample."""
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_resamples).astype(np.float64)


def bootstrap(
    estimator: Estimator,
    *arrays,
    n_resamples: int = 1000,
    key,
    predict: Callable | None = None,
    level: float = 0.95,
    n_starts: int = 4,
) -> BootstrapResult:
    """Resample points with replacement, refit, and report percentile intervals.

    A resample is the original points with multinomial count weights, so every resample
    has the same shapes and all of them are fitted in one vectorised call: closed-form
    laws solve R weighted least-squares problems at once; multi-start laws run one
    L-BFGS lane per (resample, start) pair. Starts per resample: the full-data optimum
    plus the next best distinct local optima of the full-data grid (``n_starts`` in all),
    the usual warm-started bootstrap (the full grid per resample would cost R times a
    full fit).

    Args:
        estimator: an estimator (fitted or not; it is refitted on all points first).
        *arrays: the fit's arrays, e.g. ``x, y`` or ``N, D, loss``, each (n,).
        n_resamples: R, number of resamples.
        key: the resampling's randomness: an int seed or a jax PRNG key (see
            :mod:`cs324scale._random`); required.
        predict: optional ``predict(fitted) -> array``, e.g. ``lambda m: m.predict(1e10)``
            or ``lambda m: m.compute_optimal(1e24)[0]``; evaluated on every resample fit.
        level: coverage of the percentile intervals.
        n_starts: starts per resample for multi-start laws.

    Returns:
        :class:`BootstrapResult`.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1); got {level!r}. Use e.g. level=0.95.")
    R = as_int("n_resamples", n_resamples, minimum=2)
    rng = as_generator(key)
    est = estimator.clone().fit(*arrays)
    data = est._prepare(*arrays)
    n = len(est._response(data))
    W = resample_weights(n, R, rng=rng)
    init = None
    if isinstance(est, MultiStartEstimator):
        init = est.local_optima_[: as_int("n_starts", n_starts)]
    theta, converged = est._fit_batch(data, W, init=init)
    fits = [est.with_theta(t, c) for t, c in zip(theta, converged, strict=True)]
    names = list(est.params_)
    params = {k: np.array([f.params_[k] for f in fits]) for k in names}
    tail = 100 * (1 - level) / 2
    intervals = {k: tuple(np.nanpercentile(v, [tail, 100 - tail])) for k, v in params.items()}
    preds = pi = None
    if predict is not None:
        preds = np.stack([np.asarray(predict(f), dtype=float) for f in fits])
        lo, hi = np.nanpercentile(preds, [tail, 100 - tail], axis=0)
        pi = (lo, hi)
    return BootstrapResult(est, params, intervals, preds, pi, np.asarray(converged), fits, level)
