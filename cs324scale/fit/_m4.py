"""The M4 estimator of Alabdulmohsin, Neyshabur & Zhai 2022 (Revisiting Neural Scaling Laws)."""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np

from ._base import as_query, check_distinct, check_points
from ._multistart import MultiStartEstimator

_MARGIN = 1e-3  # the paper's code keeps err_inf <= min(y) - 1e-3 and err_0 >= max(y) + 1e-3


def m4_objective(theta, data, w):
    """Least squares in M4's linearised form (Alabdulmohsin et al. 2022, Eq. 5).

    M4 says (y - e_inf) / (e_0 - y)^alpha = beta x^c. Taking logs, the residual is
    log(y - e_inf) - alpha log(e_0 - y) - log beta - c log x. ``log beta`` is profiled
    out (its weighted least-squares value is a weighted mean).

    Args:
        theta: (4,) = (u, v, log(-c), log alpha) with e_inf = lo + (hi - lo) sigmoid(u)
            and e_0 = e0_base + (e0_max - e0_base) sigmoid(v) (v is ignored when e_0 is
            fixed).
        data: (log x, y, lo, hi, e0_base, e0_max, fit_e0).
        w: (n,) point weights.
    """
    logx, y, lo, hi, e0_base, e0_max, fit_e0 = data
    u, v, q, p = theta[0], theta[1], theta[2], theta[3]
    e_inf = lo + (hi - lo) * jax.nn.sigmoid(u)
    e_0 = e0_base + jnp.where(fit_e0 > 0, (e0_max - e0_base) * jax.nn.sigmoid(v), 0.0)
    c = -jnp.exp(q)
    alpha = jnp.exp(p)
    z = jnp.log(y - e_inf) - alpha * jnp.log(e_0 - y) - c * logx
    log_beta = jnp.sum(w * z) / jnp.sum(w)
    return jnp.sum(w * (z - log_beta) ** 2)


class M4(MultiStartEstimator):
    """M4: (y - err_inf) / (err_0 - y)^alpha = beta x^c (Alabdulmohsin et al. 2022, Eq. 5).

    A power law in x for the *normalised* excess loss: near the random-guess loss
    ``err_0`` the curve bends down slowly, at large x it approaches ``err_inf``
    (alpha = 0 gives y = err_inf + beta x^c). Fitted by least squares in the log form
    with err_inf in [lower, min(y) - 1e-3] and err_0 >= max(y) + 1e-3 as in the paper's
    code, here by multi-start L-BFGS over all parameters at once.

    Args:
        err_0: random-guess loss. None: learned (starting just above max(y)); a number
            with ``fit_err_0=False`` fixes it (must exceed max(y)).
        fit_err_0: learn err_0 (the paper's ``update_err_0``).
        err_0_max: upper bound on a learned err_0 (default 2 max(y)). Unbounded, err_0
            and alpha can run off together to a degenerate limit that fits slightly
            better and extrapolates badly.
        lower: lower bound on err_inf (0 for losses and error rates).
        max_evals: objective evaluations allowed per start.

    Attributes:
        err_inf_, err_0_, beta_, c_ (< 0), alpha_ (>= 0), converged_.
    """

    _param_names = ("u_", "v_", "q_", "p_", "log_beta_")
    _objective = staticmethod(m4_objective)

    def __init__(
        self,
        err_0=None,
        fit_err_0: bool = True,
        err_0_max=None,
        lower: float = 0.0,
        max_evals: int = 2000,
    ):
        self.err_0 = err_0
        self.err_0_max = err_0_max
        self.fit_err_0 = fit_err_0
        self.lower = lower
        self.max_evals = max_evals

    def _prepare(self, x, y):
        d = check_points(4, x=(x, True), y=(y, True))
        check_distinct("x", d["x"], 3)
        x, y = d["x"], d["y"]
        if y.min() - _MARGIN <= self.lower:
            raise ValueError(
                f"M4 needs every y above lower + {_MARGIN} = {self.lower + _MARGIN}; "
                f"min(y) = {y.min()!r}. Lower `lower` or drop those points."
            )
        if self.err_0 is not None and not self.fit_err_0 and self.err_0 <= y.max():
            raise ValueError(
                f"err_0 = {self.err_0!r} must exceed max(y) = {y.max()!r}; raise it or "
                "set fit_err_0=True."
            )
        return x, y

    def _inputs(self, data):
        return (data[0],)

    def _bounds(self, y):
        lo, hi = self.lower, y.min() - _MARGIN
        if self.fit_err_0:
            base = y.max() + _MARGIN
            if self.err_0 is not None and self.err_0 > base:
                base = min(base, float(self.err_0))
        else:
            base = float(self.err_0) if self.err_0 is not None else y.max() + _MARGIN
        return lo, hi, base

    def _top(self, y, base):
        top = 2.0 * y.max() if self.err_0_max is None else float(self.err_0_max)
        return max(top, base + _MARGIN)

    def _objective_data(self, data):
        x, y = data
        lo, hi, base = self._bounds(y)
        return (
            np.log(x),
            y,
            np.array(lo),
            np.array(hi),
            np.array(base),
            np.array(self._top(y, base)),
            np.array(float(self.fit_err_0)),
        )

    def _starts(self, data):
        x, y = data
        v0 = [-4.0, -1.0, 1.0]
        if not self.fit_err_0:
            v0 = [0.0]
        return np.array(
            list(
                itertools.product(
                    [-3.0, 0.0, 3.0], v0, np.log([0.1, 0.3, 1.0]), np.log([0.01, 0.3, 1.0])
                )
            )
        )

    def _fit_batch(self, data, weights, init=None):
        if init is not None:
            init = np.atleast_2d(init)[:, :4]
        theta, converged = super()._fit_batch(data, weights, init)
        x, y = data
        lo, hi, base = self._bounds(y)
        e_inf = lo + (hi - lo) / (1.0 + np.exp(-theta[:, :1]))
        top = self._top(y, base)
        e_0 = base + ((top - base) / (1.0 + np.exp(-theta[:, 1:2])) if self.fit_err_0 else 0.0)
        z = (
            np.log(y - e_inf)
            - np.exp(theta[:, 3:4]) * np.log(e_0 - y)
            + np.exp(theta[:, 2:3]) * np.log(x)
        )
        log_beta = np.sum(weights * z, axis=1) / np.sum(weights, axis=1)  # profiled out
        return np.concatenate([theta, log_beta[:, None]], axis=1), converged

    def _set_theta(self, theta, converged):
        super()._set_theta(theta, converged)
        self.err_inf_ = float(self._lo + (self._hi - self._lo) / (1.0 + np.exp(-self.u_)))
        span = (self._top_ - self._base) / (1.0 + np.exp(-self.v_))
        self.err_0_ = float(self._base + (span if self.fit_err_0 else 0.0))
        self.c_ = float(-np.exp(self.q_))
        self.alpha_ = float(np.exp(self.p_))
        self.beta_ = float(np.exp(self.log_beta_))

    @property
    def params_(self):
        self._check_fitted()
        return {
            "err_inf": self.err_inf_,
            "err_0": self.err_0_,
            "beta": self.beta_,
            "c": self.c_,
            "alpha": self.alpha_,
        }

    def fit(self, x, y) -> M4:
        """Fit to sizes ``x`` (n,) > 0 and losses ``y`` (n,) > lower; returns self."""
        yv = self._prepare(x, y)[1]
        self._lo, self._hi, self._base = self._bounds(yv)
        self._top_ = self._top(yv, self._base)
        return super().fit(x, y)

    def predict(self, x) -> np.ndarray:
        """Solve M4 for y at ``x`` (any shape, > 0), by bisection on w = y - err_inf.

        w / (b - w)^alpha = beta x^c with b = err_0 - err_inf has one root in (0, b)
        because the left side increases from 0 to infinity.
        """
        self._check_fitted()
        x = as_query("x", x)
        f = self.beta_ * x**self.c_
        b = self.err_0_ - self.err_inf_
        lo, hi = np.zeros_like(f), np.full_like(f, b)
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            above = mid - f * (b - mid) ** self.alpha_ > 0
            hi, lo = np.where(above, mid, hi), np.where(above, lo, mid)
        return self.err_inf_ + 0.5 * (lo + hi)
