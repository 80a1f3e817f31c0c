"""Single-variable laws: power law, log-linear law, saturating power law.

All take a size ``x`` (parameters, tokens, examples, compute) and a response ``y``
(loss or error) and fit one curve y(x).
"""

from __future__ import annotations

import itertools

import jax.numpy as jnp
import numpy as np

from ._base import Estimator, as_query, check_distinct, check_points, huber
from ._multistart import MultiStartEstimator


def _weighted_line(u: np.ndarray, v: np.ndarray, weights: np.ndarray):
    """Weighted least squares v ~ c0 + c1 u for every row of ``weights`` (R, n).

    Returns (c0 (R,), c1 (R,), ok (R,)), ok False where the weighted points hold fewer
    than two distinct u (a degenerate bootstrap resample).
    """
    W = weights
    s0 = W.sum(1)
    su, sv = W @ u, W @ v
    suu, suv = W @ (u * u), W @ (u * v)
    det = s0 * suu - su * su
    ok = det > 1e-12 * np.maximum(s0 * suu, 1e-300)
    safe = np.where(ok, det, 1.0)
    c1 = (s0 * suv - su * sv) / safe
    c0 = (sv - c1 * su) / np.where(s0 > 0, s0, 1.0)
    return np.where(ok, c0, np.nan), np.where(ok, c1, np.nan), ok


class PowerLaw(Estimator):
    """y = A x^(-alpha), fitted by ordinary least squares in log-log space.

    log y = log A - alpha log x is a straight line (Kaplan et al. 2020, Eqs. 1.1-1.3 use
    this form for L(N), L(D), L(C)). Standard errors come from the OLS covariance
    sigma^2 (X^T X)^-1 with sigma^2 = RSS / (n - 2); ``A_se_`` is the delta-method
    error A * se(log A).

    Attributes:
        A_, alpha_: fitted coefficient and exponent.
        logA_se_, A_se_, alpha_se_: standard errors (nan with only 2 points).
        converged_: always True (closed form).
    """

    _param_names = ("A_", "alpha_")

    def _prepare(self, x, y):
        d = check_points(2, x=(x, True), y=(y, True))
        check_distinct("x", d["x"])
        return d["x"], d["y"]

    def _inputs(self, data):
        return (data[0],)

    def _fit_batch(self, data, weights, init=None):
        x, y = data
        c0, c1, ok = _weighted_line(-np.log(x), np.log(y), weights)
        return np.stack([np.exp(c0), c1], axis=1), ok

    def fit(self, x, y) -> PowerLaw:
        """Fit to sizes ``x`` (n,) > 0 and responses ``y`` (n,) > 0; returns self."""
        super().fit(x, y)
        xv, yv = self._prepare(x, y)
        n = xv.size
        X = np.stack([np.ones(n), -np.log(xv)], axis=1)
        resid = np.log(yv) - X @ np.array([np.log(self.A_), self.alpha_])
        if n > 2:
            cov = resid @ resid / (n - 2) * np.linalg.inv(X.T @ X)
            self.logA_se_, self.alpha_se_ = np.sqrt(np.diag(cov))
        else:
            self.logA_se_ = self.alpha_se_ = float("nan")
        self.logA_se_, self.alpha_se_ = float(self.logA_se_), float(self.alpha_se_)
        self.A_se_ = float(self.A_ * self.logA_se_)
        return self

    def predict(self, x) -> np.ndarray:
        """A x^(-alpha) at ``x`` (any shape, > 0)."""
        self._check_fitted()
        return self.A_ * as_query("x", x) ** (-self.alpha_)


M1 = PowerLaw
"""M1 of Alabdulmohsin et al. 2022, y = beta x^c: the paper's code fits it by the
same ordinary least squares of log y on log x, so M1 is :class:`PowerLaw` (beta = A,
c = -alpha)."""


class LogLinear(Estimator):
    """y = a - b log x, by ordinary least squares (``y`` may take any sign).

    The form of Metz's extrapolation example, loss(h) = 7.0 - 0.275 log h: a straight
    line on a log-x axis, which never saturates and eventually goes negative.

    Attributes:
        a_, b_: intercept (value at x = 1) and slope per unit of natural log x.
    """

    _param_names = ("a_", "b_")
    _residual_space = "linear"

    def _prepare(self, x, y):
        d = check_points(2, x=(x, True), y=(y, False))
        check_distinct("x", d["x"])
        return d["x"], d["y"]

    def _inputs(self, data):
        return (data[0],)

    def _fit_batch(self, data, weights, init=None):
        x, y = data
        c0, c1, ok = _weighted_line(-np.log(x), y, weights)
        return np.stack([c0, c1], axis=1), ok

    def fit(self, x, y) -> LogLinear:
        """Fit to sizes ``x`` (n,) > 0 and values ``y`` (n,); returns self."""
        return super().fit(x, y)

    def predict(self, x) -> np.ndarray:
        """a - b log x at ``x`` (any shape, > 0)."""
        self._check_fitted()
        return self.a_ - self.b_ * np.log(as_query("x", x))


def _saturating_objective(theta, data, w):
    logx, logy, delta = data
    a, alpha, e = theta[0], theta[1], theta[2]
    pred = jnp.log(jnp.exp(a - alpha * logx) + jnp.exp(e))
    return jnp.sum(w * huber(pred - logy, delta))


class SaturatingPowerLaw(MultiStartEstimator):
    """y = E + A x^(-alpha): a power law that levels off at the irreducible value E.

    Fitted like Hoffmann et al. 2022 (Appendix D.2) fit their joint law: in log space,
    log y = LSE(a - alpha log x, e) with A = exp(a), E = exp(e), minimising the summed
    Huber loss of log residuals with L-BFGS from a grid of starts (all starts at once).

    Args:
        delta: Huber threshold on log residuals (1e-3 as Hoffmann et al.).
        max_evals: objective evaluations allowed per start.

    Attributes:
        E_, A_, alpha_: fitted parameters; converged_: convergence flag of the best start.
    """

    _param_names = ("a_", "alpha_", "e_")
    _objective = staticmethod(_saturating_objective)

    def __init__(self, delta: float = 1e-3, max_evals: int = 1000):
        self.delta = delta
        self.max_evals = max_evals

    def _prepare(self, x, y):
        d = check_points(3, x=(x, True), y=(y, True))
        check_distinct("x", d["x"], 3)
        return d["x"], d["y"]

    def _inputs(self, data):
        return (data[0],)

    def _objective_data(self, data):
        x, y = data
        return np.log(x), np.log(y), np.array(self.delta)

    def _starts(self, data):
        x, y = data
        lx = np.log(x)
        alphas = np.array([0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5])
        e = np.log(y.min()) + np.log([0.01, 0.3, 0.6, 0.9])
        grid = []
        for al, ee in itertools.product(alphas, e):
            # a chosen so that the power-law term matches the largest y at the smallest x
            a0 = np.log(max(y.max() - np.exp(ee), 1e-3 * y.max())) + al * lx.min()
            for da in (-2.0, 0.0, 2.0):
                grid.append([a0 + da, al, ee])
        return np.array(grid)

    def _set_theta(self, theta, converged):
        super()._set_theta(theta, converged)
        self.A_ = float(np.exp(self.a_))
        self.E_ = float(np.exp(self.e_))

    @property
    def params_(self):
        self._check_fitted()
        return {"E": self.E_, "A": self.A_, "alpha": self.alpha_}

    def fit(self, x, y) -> SaturatingPowerLaw:
        """Fit to sizes ``x`` (n,) > 0 and responses ``y`` (n,) > 0, n >= 3; returns self."""
        return super().fit(x, y)

    def predict(self, x) -> np.ndarray:
        """E + A x^(-alpha) at ``x`` (any shape, > 0)."""
        self._check_fitted()
        return self.E_ + self.A_ * as_query("x", x) ** (-self.alpha_)
