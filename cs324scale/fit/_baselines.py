"""Trivial forecasters that a scaling law has to beat in a backtest.

A law that extrapolates no better than "the loss stays where it was last seen" has not
earned its parameters. The other natural baseline, a straight line in log-log space, is
:class:`~cs324scale.fit.PowerLaw` itself (M1 of Alabdulmohsin et al. 2022).
"""

from __future__ import annotations

import numpy as np

from ._base import Estimator, as_query, check_points


class LastValue(Estimator):
    """Predicts, at every x, the response observed at the largest fitted x.

    The persistence forecast of time-series backtests: no trend at all. With point
    weights (a bootstrap resample) it is the response at the largest x that has a
    positive weight.

    Attributes:
        value_: the last observed response; x_last_: the x it was observed at.
        converged_: always True.

    References:
        Hyndman & Athanasopoulos, Forecasting: Principles and Practice (3rd ed.), Sec. 5.2
        ("naive method"): https://otexts.com/fpp3/simple-methods.html
    """

    _param_names = ("value_",)

    def _prepare(self, x, y):
        d = check_points(1, x=(x, True), y=(y, True))
        order = np.argsort(d["x"], kind="stable")
        return d["x"][order], d["y"][order]

    def _inputs(self, data):
        return (data[0],)

    def _fit_batch(self, data, weights, init=None):
        _, y = data
        w = np.atleast_2d(weights) > 0
        ok = w.any(axis=1)
        last = y.size - 1 - np.argmax(w[:, ::-1], axis=1)  # last positive weight, x sorted
        return np.where(ok, y[last], np.nan)[:, None], ok

    def fit(self, x, y) -> LastValue:
        """Remember the response at the largest of ``x`` (n,) > 0; ``y`` (n,) > 0."""
        super().fit(x, y)
        self.x_last_ = float(np.max(np.asarray(x, dtype=float)))
        return self

    def predict(self, x) -> np.ndarray:
        """``value_`` at every ``x`` (any shape, > 0)."""
        self._check_fitted()
        q = as_query("x", x)
        return np.full(q.shape, self.value_)
