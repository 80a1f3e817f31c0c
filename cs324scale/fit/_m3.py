"""The estimator M3 of Alabdulmohsin, Neyshabur & Zhai 2022 (Revisiting Neural Scaling Laws)."""

from __future__ import annotations

import warnings

import numpy as np

from ._base import Estimator, FitConvergenceWarning, as_query, check_distinct, check_points

_STOP = 1e-10  # stop when |beta - previous beta| < 1e-10, as the paper's code


class M3(Estimator):
    """M3: y = beta (1/x + gamma)^c, c >= 0 (Alabdulmohsin et al. 2022).

    For x << 1/gamma this is the power law beta x^-c; for x >> 1/gamma it levels off at
    beta gamma^c, so gamma sets where the curve starts to saturate. Fitted as the
    paper's code fits it: alternate an ordinary least-squares solve of log y on
    log(1/x + gamma) for (log beta, c), with c clipped at 0, and a search over gamma
    among the values that solve the law exactly at each single fitted point (those
    >= 0), keeping the one that lowers sum (log y - log f)^2 most; start at gamma = 0
    (M1) and stop when beta changes by less than 1e-10. Every row of a batch
    (bootstrap resamples) runs side by side in numpy.

    Args:
        max_iterations: alternating rounds allowed (the paper's 10,000).

    Attributes:
        beta_, c_ (>= 0), gamma_ (>= 0), objective_ (sum of squared log residuals),
        rounds_, converged_.

    References:
        Revisiting Neural Scaling Laws in Language and Vision:
        https://arxiv.org/abs/2209.06640 (code: google-research/google-research,
        ``revisiting_neural_scaling_laws/methods/m3.py``).
    """

    _param_names = ("log_beta_", "c_", "gamma_")

    def __init__(self, max_iterations: int = 10_000):
        self.max_iterations = max_iterations

    def _prepare(self, x, y):
        d = check_points(3, x=(x, True), y=(y, True))
        check_distinct("x", d["x"], 3)
        return d["x"], d["y"]

    def _inputs(self, data):
        return (data[0],)

    @staticmethod
    def _line(u, v, w):
        """Weighted least squares v ~ b0 + b1 u per row; u, v, w (R, n)."""
        s0 = w.sum(1)
        su, sv = (w * u).sum(1), (w * v).sum(1)
        mu, mv = su / s0, sv / s0
        du, dv = u - mu[:, None], v - mv[:, None]
        b1 = (w * du * dv).sum(1) / (w * du * du).sum(1)
        return mv - b1 * mu, b1

    def _fit_batch(self, data, weights, init=None):
        x, y = data
        R, n = weights.shape
        w = np.asarray(weights, dtype=float)
        logy, inv_x = np.log(y)[None, :], (1.0 / x)[None, :]

        def objective(log_beta, c, gamma):  # (R,), (R,), (R, K) -> (R, K)
            with np.errstate(divide="ignore", invalid="ignore"):
                logf = log_beta[:, None, None] + c[:, None, None] * np.log(
                    inv_x[:, None, :] + gamma[:, :, None]
                )
                return np.sum(w[:, None, :] * (logy[:, None, :] - logf) ** 2, axis=2)

        gamma = np.zeros(R)
        old_beta = np.ones(R)
        log_beta, c = np.zeros(R), np.zeros(R)
        active = np.ones(R, bool)
        k = np.zeros(R, int)
        for _ in range(self.max_iterations):
            lb, cc = self._line(np.log(inv_x + gamma[:, None]), np.broadcast_to(logy, (R, n)), w)
            cc = np.maximum(0.0, cc)
            log_beta, c = np.where(active, lb, log_beta), np.where(active, cc, c)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                cand = (y[None, :] / np.exp(log_beta)[:, None]) ** (1.0 / c[:, None]) - inv_x
            cand = np.where((cand >= 0) & (w > 0), cand, np.nan)  # points of the resample
            best = objective(log_beta, c, gamma[:, None])[:, 0]
            loss = np.where(np.isnan(cand), np.inf, objective(log_beta, c, np.nan_to_num(cand)))
            # the paper's loop keeps the first candidate that improves strictly on the best so far
            take = np.full(R, -1)
            run = best.copy()
            for j in range(n):
                better = loss[:, j] < run
                take = np.where(better, j, take)
                run = np.where(better, loss[:, j], run)
            new_gamma = np.where(take >= 0, cand[np.arange(R), np.maximum(take, 0)], gamma)
            gamma = np.where(active, new_gamma, gamma)
            beta = np.exp(log_beta)
            k = k + active
            done = np.abs(beta - old_beta) < _STOP
            old_beta = np.where(active, beta, old_beta)
            active &= ~done
            if not active.any():
                break
        self._last_rounds = k
        theta = np.stack([log_beta, c, gamma], axis=1)
        return theta, ~active & np.all(np.isfinite(theta), axis=1)

    def fit(self, x, y) -> M3:
        """Fit to sizes ``x`` (n,) > 0 and losses ``y`` (n,) > 0, n >= 3; returns self."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitConvergenceWarning)
            super().fit(x, y)
        xv, yv = self._prepare(x, y)
        self.rounds_ = int(self._last_rounds[0])
        self.objective_ = float(np.sum((np.log(yv) - np.log(self.predict(xv))) ** 2))
        if not self.converged_:
            warnings.warn(
                f"M3 stopped after max_iterations={self.max_iterations} rounds before beta "
                "settled to 1e-10; check converged_ or raise max_iterations.",
                FitConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _set_theta(self, theta, converged):
        super()._set_theta(theta, converged)
        self.beta_ = float(np.exp(self.log_beta_))

    @property
    def params_(self):
        self._check_fitted()
        return {"beta": self.beta_, "c": self.c_, "gamma": self.gamma_}

    def predict(self, x) -> np.ndarray:
        """beta (1/x + gamma)^c at ``x`` (any shape, > 0)."""
        self._check_fitted()
        return self.beta_ * (1.0 / as_query("x", x) + self.gamma_) ** self.c_
