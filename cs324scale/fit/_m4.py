"""The estimators M2 and M4 of Alabdulmohsin, Neyshabur & Zhai 2022 (Revisiting Neural Scaling Laws).

Both are fitted the way the paper's code fits them: alternate between a closed-form
least-squares solve for (log beta, c[, alpha]) at fixed limits, and small projected
steps on the limits err_inf (and err_0) at fixed (beta, c, alpha): 100 rounds of 1000
gradient-descent steps with learning rate 1e-8, then rounds of 100 damped Newton steps
(learning rate 0.1) until beta changes by less than 1e-10. err_inf starts just below the
smallest observed loss, and the tiny steps keep it near there: that starting point and
the path from it, not the objective alone, give M4 its extrapolations (a free global
minimisation of the same objective often ends at err_inf = 0, alpha = 0, a plain power
law). Every lane of a batch (bootstrap resamples are lanes) runs in one jitted
``jax.lax`` program in float64.

References:
    Revisiting Neural Scaling Laws in Language and Vision:
    https://arxiv.org/abs/2209.06640 (code: google-research/google-research,
    ``revisiting_neural_scaling_laws/methods/m2.py`` and ``m4.py``).
"""

from __future__ import annotations

import functools
import itertools
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from ._base import Estimator, FitConvergenceWarning, as_query, check_distinct, check_points
from ._lbfgs import _enable_x64, _pad_points

_MARGIN = 1e-3  # the paper's ERR_MARGIN: err_inf <= min(y) - 1e-3, err_0 >= max(y) + 1e-3
_EPS = 1e-5  # the paper's EPS: Newton steps skip a curvature below this (M4)
_LR_GD, _EPOCHS_GD, _GD_ROUNDS = 1e-8, 1000, 100
_LR_NEWTON, _EPOCHS_NEWTON = 0.1, 100
_STOP = 1e-10  # stop when |beta - previous beta| < 1e-10 (after the gradient rounds)
_REL_SETTLED = 1e-9  # converged_ also when the last round moved beta by < 1e-9 beta


def _projections(A: np.ndarray, weights: np.ndarray, nonneg: bool) -> np.ndarray:
    """Least-squares solution maps, one per candidate support of the coefficients.

    For design ``A`` (n, p) and point weights (R, n), returns (R, S, p, n) matrices
    ``P`` with ``P @ labels`` the weighted least-squares coefficients using only the
    columns of support ``s`` (zero elsewhere). Without ``nonneg`` there is one support
    (all columns). With it, all 2^p supports (the empty one included): the
    non-negative least-squares solution is the feasible one of least residual
    (Lawson & Hanson 1974, the problem ``scipy.optimize.nnls`` solves).
    """
    p = A.shape[1]
    masks = np.array(list(itertools.product([0.0, 1.0], repeat=p)) if nonneg else [[1.0] * p])
    sw = np.sqrt(weights)  # (R, n)
    M = sw[:, None, :, None] * A[None, None] * masks[None, :, None, :]  # (R, S, n, p)
    P = np.linalg.pinv(M, rcond=1e-13)  # (R, S, p, n)
    return P * sw[:, None, None, :], masks


def _wmean(w, v):
    return jnp.sum(w * v) / jnp.sum(w)


def _lane(
    P,
    masks,
    A,
    logx,
    y,
    w,
    bounds,
    e_start,
    *,
    nonneg,
    c_sign,
    has_alpha,
    fit_inf,
    fit_0,
    guard,
    max_iter,
):
    """One fit by the paper's alternating scheme; returns (theta (5,), converged, rounds)."""
    lo_inf, hi_inf, lo_0, hi_0 = bounds[0], bounds[1], bounds[2], bounds[3]

    def project(e_inf, e_0):
        e_inf = jnp.minimum(jnp.maximum(e_inf, lo_inf), hi_inf)
        return e_inf, jnp.minimum(jnp.maximum(e_0, lo_0), hi_0)

    def solve(e_inf):
        labels = jnp.log(y - e_inf)
        z = P @ labels  # (S, p)
        if nonneg:
            rss = jnp.sum(w * (z @ A.T - labels) ** 2, axis=1)
            ok = jnp.all((z >= 0) | (masks == 0), axis=1)
            z = jnp.maximum(z[jnp.argmin(jnp.where(ok, rss, jnp.inf))], 0.0)
        else:
            z = z[0]
        alpha = z[2] if has_alpha else jnp.zeros(())
        return z[0], c_sign * z[1], alpha

    def residual(e_inf, e_0, log_f, alpha):
        log_g = jnp.log(y - e_inf)
        if has_alpha:
            log_g = log_g - alpha * jnp.log(e_0 - y)
        return log_g - log_f

    def gd_step(_, s):
        e_inf, e_0, log_f, alpha = s
        r = residual(e_inf, e_0, log_f, alpha)
        g_inf = -_wmean(w, r / (y - e_inf))
        e_inf = e_inf - _LR_GD * g_inf if fit_inf else e_inf
        g_0 = -alpha * _wmean(w, r / (e_0 - y)) if fit_0 else 0.0
        e_0 = e_0 - _LR_GD * g_0 if fit_0 else e_0
        return (*project(e_inf, e_0), log_f, alpha)

    def newton_step(_, s):
        e_inf, e_0, log_f, alpha = s
        r = residual(e_inf, e_0, log_f, alpha)
        g_inf = -_wmean(w, r / (y - e_inf))
        h_inf = _wmean(w, (1 - r) / (y - e_inf) ** 2)
        if fit_inf:
            step = _LR_NEWTON * g_inf / h_inf
            e_inf = e_inf - (jnp.where(jnp.abs(h_inf) > _EPS, step, 0.0) if guard else step)
        if fit_0:
            g_0 = -alpha * _wmean(w, r / (e_0 - y))
            h_0 = alpha * _wmean(w, (alpha + r) / (e_0 - y) ** 2)
            step = _LR_NEWTON * g_0 / jnp.where(h_0 == 0, 1.0, h_0)
            e_0 = e_0 - jnp.where(jnp.abs(h_0) > _EPS, step, 0.0)
        return (*project(e_inf, e_0), log_f, alpha)

    def round_(k, s, inner, epochs):
        e_inf, e_0, log_beta, c, alpha, old_beta, stop, _ = s
        log_beta, c, alpha = solve(e_inf)
        log_f = log_beta + c * logx
        e_inf, e_0, _, _ = jax.lax.fori_loop(0, epochs, inner, (e_inf, e_0, log_f, alpha))
        beta = jnp.exp(log_beta)
        stop = (jnp.abs(beta - old_beta) < _STOP) & (k > _GD_ROUNDS + 1)
        return (e_inf, e_0, log_beta, c, alpha, beta, stop, jnp.abs(beta - old_beta) / beta)

    zero = jnp.zeros(())
    s = (e_start[0], e_start[1], zero, zero, zero, jnp.ones(()), jnp.zeros((), bool), zero)
    n_gd = min(_GD_ROUNDS, max_iter)
    s = jax.lax.fori_loop(0, n_gd, lambda k, s: round_(k, s, gd_step, _EPOCHS_GD), s)

    def cond(c):
        return (c[0] < max_iter) & ~c[1][6]

    def body(c):
        k, s = c
        return k + 1, round_(k, s, newton_step, _EPOCHS_NEWTON)

    k, s = jax.lax.while_loop(cond, body, (jnp.asarray(n_gd), s))
    e_inf, e_0, log_beta, c, alpha, _, stop, rel = s
    # settled: the paper's absolute test, or beta moving by < 1e-9 of itself in the last
    # round (the absolute 1e-10 can sit below float64 resolution when beta is large)
    return jnp.stack([e_inf, e_0, log_beta, c, alpha]), stop | (rel < _REL_SETTLED), k


@functools.partial(
    jax.jit,
    static_argnames=("nonneg", "c_sign", "has_alpha", "fit_inf", "fit_0", "guard", "max_iter"),
)
def _alternate(P, masks, A, logx, y, w, bounds, e_start, **static):
    lane = functools.partial(_lane, **static)
    return jax.vmap(lane, in_axes=(0, None, None, None, None, 0, 0, 0))(
        P, masks, A, logx, y, w, bounds, e_start
    )


def _lane_bounds(y, weights, lower, e0_max):
    """Per-lane projection box: err_inf in [lower, min y - 1e-3], err_0 in [max y + 1e-3, e0_max]."""
    present = weights > 0
    y_min = np.where(present, y, np.inf).min(1)
    y_max = np.where(present, y, -np.inf).max(1)
    R = weights.shape[0]
    return np.stack(
        [np.full(R, lower), y_min - _MARGIN, y_max + _MARGIN, np.full(R, e0_max)], axis=1
    )


def run_alternating(
    A, x, y, weights, *, e_start, bounds, nonneg, c_sign, has_alpha, fit_inf, fit_0, guard, max_iter
):
    """Run the paper's alternating fit for every row of ``weights`` (R, n).

    Returns (theta (R, 5) = (err_inf, err_0, log beta, c, alpha), converged (R,), rounds (R,)).
    """
    data, w = _pad_points((A, np.log(x), y), weights)
    A_p, logx_p, y_p = data
    P, masks = _projections(A_p, w, nonneg)
    with _enable_x64():
        theta, stop, k = _alternate(
            jnp.asarray(P),
            jnp.asarray(masks),
            jnp.asarray(A_p),
            jnp.asarray(logx_p),
            jnp.asarray(y_p),
            jnp.asarray(w),
            jnp.asarray(bounds, dtype=jnp.float64),
            jnp.asarray(e_start, dtype=jnp.float64),
            nonneg=nonneg,
            c_sign=c_sign,
            has_alpha=has_alpha,
            fit_inf=fit_inf,
            fit_0=fit_0,
            guard=guard,
            max_iter=int(max_iter),
        )
    theta = np.asarray(theta)
    finite = np.all(np.isfinite(theta[:, [0, 2, 3, 4]]), axis=1)  # err_0 is inf in M2
    return theta, np.asarray(stop) & finite, np.asarray(k)


class _Alternating(Estimator):
    """Shared fit/bookkeeping of M2 and M4 (the paper's alternating least squares)."""

    _param_names = ("err_inf_", "err_0_", "log_beta_", "c_", "alpha_")

    def _inputs(self, data):
        return (data[0],)

    def fit(self, x, y):
        """Fit to sizes ``x`` (n,) > 0 and losses ``y`` (n,) > lower; returns self."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitConvergenceWarning)
            super().fit(x, y)
        xv, yv = self._prepare(x, y)
        self.rounds_ = int(self._last_rounds[0])
        r = self._log_residuals(xv, yv)
        self.objective_ = float(np.sum(r**2))
        if not self.converged_:
            warnings.warn(
                f"{type(self).__name__} stopped after max_iterations={self.max_iterations} "
                "rounds with beta still moving; check converged_ or raise max_iterations.",
                FitConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _set_theta(self, theta, converged):
        super()._set_theta(theta, converged)
        self.beta_ = float(np.exp(self.log_beta_))

    def _log_residuals(self, x, y):
        """log of the law's left side minus log beta x^c (the paper's objective terms)."""
        g = (y - self.err_inf_) / (self.err_0_ - y) ** self.alpha_
        return np.log(g) - (self.log_beta_ + self.c_ * np.log(x))


class M2(_Alternating):
    """M2: y = err_inf + beta x^c (Alabdulmohsin et al. 2022), fitted as the paper's code.

    The same law as :class:`SaturatingPowerLaw` (E = err_inf, A = beta, alpha = -c) with
    the paper's fit: least squares of log(y - err_inf) - log(beta x^c), alternating an
    ordinary least-squares solve for (log beta, c) with small projected gradient and
    Newton steps on err_inf from err_inf = min(y) - 1e-3 (see the module docstring).
    :class:`SaturatingPowerLaw` instead minimises a Huber loss of log y from a grid of
    starts (Hoffmann et al. 2022); the two can end far apart on the same curve.

    Args:
        lower: lower bound on err_inf (0 for losses and error rates).
        max_iterations: alternating rounds allowed (the paper's 10,000).

    Attributes:
        err_inf_, beta_, c_ (the fitted exponent, < 0 for a falling curve), log_beta_,
        objective_ (sum of squared log residuals), rounds_, converged_ (beta settled:
        the paper's stopping test, or a last round moving beta by < 1e-9 of itself).
        ``err_0_`` and ``alpha_`` are inf and 0.
    """

    def __init__(self, lower: float = 0.0, max_iterations: int = 10_000):
        self.lower = lower
        self.max_iterations = max_iterations

    def _prepare(self, x, y):
        d = check_points(3, x=(x, True), y=(y, True))
        check_distinct("x", d["x"], 3)
        x, y = d["x"], d["y"]
        if y.min() - _MARGIN < self.lower:
            raise ValueError(
                f"M2 needs every y at least lower + {_MARGIN} = {self.lower + _MARGIN}; "
                f"min(y) = {y.min()!r}. Lower `lower` or drop those points."
            )
        return x, y

    def _fit_batch(self, data, weights, init=None):
        x, y = data
        A = np.stack([np.ones_like(x), np.log(x)], axis=1)
        bounds = _lane_bounds(y, weights, self.lower, np.inf)
        e_start = np.stack([bounds[:, 1], np.full(len(bounds), np.inf)], axis=1)
        theta, conv, k = run_alternating(
            A,
            x,
            y,
            weights,
            e_start=e_start,
            bounds=bounds,
            nonneg=False,
            c_sign=1.0,
            has_alpha=False,
            fit_inf=True,
            fit_0=False,
            guard=False,
            max_iter=self.max_iterations,
        )
        self._last_rounds = k
        return theta, conv

    @property
    def params_(self):
        self._check_fitted()
        return {"err_inf": self.err_inf_, "beta": self.beta_, "c": self.c_}

    def predict(self, x) -> np.ndarray:
        """err_inf + beta x^c at ``x`` (any shape, > 0)."""
        self._check_fitted()
        return self.err_inf_ + self.beta_ * as_query("x", x) ** self.c_


class M4(_Alternating):
    """M4: (y - err_inf) / (err_0 - y)^alpha = beta x^c (Alabdulmohsin et al. 2022).

    A power law in x for the *normalised* excess loss: near the random-guess loss
    ``err_0`` the curve bends down slowly, at large x it approaches ``err_inf``
    (alpha = 0 gives M2, y = err_inf + beta x^c). Fitted as the paper's code fits it:
    least squares of log(y - err_inf) - alpha log(err_0 - y) - log beta - c log x,
    alternating a non-negative least-squares solve for (log beta, -c, alpha) with small
    projected gradient and Newton steps on err_inf (from min(y) - 1e-3) and err_0 (see
    the module docstring). As in that code, the regression's log(err_0 - y) column is
    built once from the starting err_0, and log beta >= 0 (beta >= 1).

    Args:
        err_0: starting (or, with ``fit_err_0=False``, fixed) random-guess loss; must
            exceed max(y). None: 1.0 (the paper's value for error rates and normalised
            losses) when max(y) + 1e-3 < 1, else max(y) + 1e-3.
        fit_err_0: learn err_0 (the paper's ``update_err_0``).
        err_0_max: upper bound on a learned err_0 (the paper's ``up_bound`` + 1e-3,
            1.001 for error rates); None: unbounded, as the paper's code for
            log-perplexity and cross-entropy.
        lower: lower bound on err_inf (0 for losses and error rates).
        max_iterations: alternating rounds allowed (the paper's 10,000).

    Attributes:
        err_inf_, err_0_, beta_, c_ (<= 0), alpha_ (>= 0), log_beta_, objective_ (sum
        of squared log residuals), rounds_, converged_ (beta settled: the paper's
        stopping test, or a last round moving beta by < 1e-9 of itself).
    """

    def __init__(
        self,
        err_0=None,
        fit_err_0: bool = True,
        err_0_max=None,
        lower: float = 0.0,
        max_iterations: int = 10_000,
    ):
        self.err_0 = err_0
        self.err_0_max = err_0_max
        self.fit_err_0 = fit_err_0
        self.lower = lower
        self.max_iterations = max_iterations

    def _prepare(self, x, y):
        d = check_points(4, x=(x, True), y=(y, True))
        check_distinct("x", d["x"], 3)
        x, y = d["x"], d["y"]
        if y.min() - _MARGIN < self.lower:
            raise ValueError(
                f"M4 needs every y at least lower + {_MARGIN} = {self.lower + _MARGIN}; "
                f"min(y) = {y.min()!r}. Lower `lower` or drop those points."
            )
        if self.err_0 is not None and self.err_0 <= y.max():
            raise ValueError(
                f"err_0 = {self.err_0!r} must exceed max(y) = {y.max()!r} (log(err_0 - y) "
                "is taken); raise it or leave err_0=None."
            )
        if self.err_0_max is not None and self.err_0_max < y.max() + _MARGIN:
            raise ValueError(
                f"err_0_max = {self.err_0_max!r} must be at least max(y) + {_MARGIN} = "
                f"{y.max() + _MARGIN!r}; raise it or leave it None."
            )
        return x, y

    def _start_err_0(self, y):
        if self.err_0 is not None:
            return float(self.err_0)
        top = float(y.max()) + _MARGIN
        return 1.0 if top < 1.0 else top

    def _fit_batch(self, data, weights, init=None):
        x, y = data
        e0 = self._start_err_0(y)
        A = np.stack([np.ones_like(x), -np.log(x), np.log(e0 - y)], axis=1)
        top = np.inf if self.err_0_max is None else float(self.err_0_max)
        bounds = _lane_bounds(y, weights, self.lower, top)
        if not self.fit_err_0:
            bounds[:, 2] = bounds[:, 3] = e0
        e_start = np.stack([bounds[:, 1], np.full(len(bounds), e0)], axis=1)
        theta, conv, k = run_alternating(
            A,
            x,
            y,
            weights,
            e_start=e_start,
            bounds=bounds,
            nonneg=True,
            c_sign=-1.0,
            has_alpha=True,
            fit_inf=True,
            fit_0=bool(self.fit_err_0),
            guard=True,
            max_iter=self.max_iterations,
        )
        self._last_rounds = k
        return theta, conv

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

    def predict(self, x) -> np.ndarray:
        """Solve M4 for y at ``x`` (any shape, > 0), by bisection on w = y - err_inf.

        w / (b - w)^alpha = beta x^c with b = err_0 - err_inf has one root in (0, b)
        because the left side increases from 0 to infinity (the paper's code takes the
        best of 10,000 grid points instead; alpha = 0 gives w = beta x^c directly).
        """
        self._check_fitted()
        x = as_query("x", x)
        f = self.beta_ * x**self.c_
        if self.alpha_ == 0.0:
            return self.err_inf_ + f
        b = self.err_0_ - self.err_inf_
        lo, hi = np.zeros_like(f), np.full_like(f, b)
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            above = mid - f * (b - mid) ** self.alpha_ > 0
            hi, lo = np.where(above, mid, hi), np.where(above, lo, mid)
        return self.err_inf_ + 0.5 * (lo + hi)
