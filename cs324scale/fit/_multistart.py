"""Base class for laws fitted by multi-start L-BFGS (all starts in one JAX program)."""

from __future__ import annotations

import numpy as np

from ._base import Estimator, check_distinct, check_points
from ._lbfgs import minimize_lanes


def distinct_optima(x: np.ndarray, fun: np.ndarray, k: int, rtol: float = 1e-3) -> np.ndarray:
    """Up to ``k`` best finite end points of a multi-start run that differ from each other.

    Args:
        x: (L, P) end points; fun: (L,) objective values.
        k: how many to keep; rtol: points closer than ``rtol`` (relative, max-norm) to a
            kept one count as the same optimum.

    Returns:
        (K, P) array, best first, K <= k.
    """
    order = np.argsort(np.where(np.isfinite(fun), fun, np.inf))
    kept: list[np.ndarray] = []
    for i in order:
        if not np.isfinite(fun[i]) or len(kept) >= k:
            break
        if all(np.max(np.abs(x[i] - y) / (1.0 + np.abs(y))) > rtol for y in kept):
            kept.append(x[i])
    return np.array(kept).reshape(len(kept), x.shape[1])


class MultiStartEstimator(Estimator):
    """An estimator whose ``fit`` minimises ``_objective`` from a grid of starts.

    Subclasses set ``_objective`` (a module-level ``f(theta, data, w) -> scalar``, summed
    over points with weights ``w``), and define ``_starts(data) -> (S, P)`` and
    ``_objective_data(data) -> tuple``. After ``fit``, ``local_optima_`` holds the best
    few distinct end points of the grid (best first) and ``objective_`` the minimum.
    ``converged_`` is True when the best start met a stopping test, or when a start that
    did reached the same objective to 1e-9 relative (the starts agree on the optimum).
    """

    _objective = None
    max_evals = 1000

    def _starts(self, data: tuple) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _objective_data(self, data: tuple) -> tuple:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit_batch(self, data: tuple, weights: np.ndarray, init=None):
        starts = np.atleast_2d(self._starts(data) if init is None else init)
        R, K, P = weights.shape[0], starts.shape[0], starts.shape[1]
        res = minimize_lanes(
            type(self)._objective,
            self._objective_data(data),
            np.tile(starts, (R, 1)),
            weights,
            np.repeat(np.arange(R), K),
            max_evals=self.max_evals,
        )
        fun = np.where(np.isfinite(res.fun), res.fun, np.inf).reshape(R, K)
        best = np.argmin(fun, axis=1)
        rows = np.arange(R)
        theta = res.x.reshape(R, K, P)[rows, best]
        best_fun = fun[rows, best]
        # A start that met a stopping test certifies the optimum it reached; the best start
        # counts as converged when one of them (itself included) reached its objective, so
        # a best start stalled on a rounding-level line search in an ill-conditioned valley
        # is not reported as a failure.
        certified = res.converged.reshape(R, K) & (
            fun <= (best_fun + 1e-9 * np.abs(best_fun) + 1e-300)[:, None]
        )
        converged = certified.any(axis=1) & np.isfinite(best_fun)
        if R == 1:
            self._last_run = (res.x, res.fun, fun[0, best[0]])
        return theta, converged

    def fit(self, *arrays):
        super().fit(*arrays)
        x, fun, best = self._last_run
        del self._last_run
        self.local_optima_ = distinct_optima(x, fun, k=8)
        self.objective_ = float(best)
        return self


class LossLawND(MultiStartEstimator):
    """A multi-start law L(N, D) fitted to (parameters, tokens, loss) on log residuals.

    Subclasses set :attr:`n_params` and a Huber threshold ``self.delta``.
    """

    n_params: int

    def _prepare(self, N, D, loss):
        d = check_points(self.n_params, N=(N, True), D=(D, True), loss=(loss, True))
        check_distinct("N", d["N"])
        check_distinct("D", d["D"])
        return d["N"], d["D"], d["loss"]

    def _inputs(self, data):
        return data[0], data[1]

    def _objective_data(self, data):
        N, D, loss = data
        return np.log(N), np.log(D), np.log(loss), np.array(self.delta)
