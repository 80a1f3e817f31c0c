"""The Chinchilla law L(N, D) = E + A / N^alpha + B / D^beta (Hoffmann et al. 2022)."""

from __future__ import annotations

import itertools

import jax.numpy as jnp
import numpy as np
from scipy.optimize import minimize_scalar

from .._checks import as_positive_float
from ..flops import six_n, tokens_for_budget
from ._base import as_query, huber
from ._multistart import LossLawND

#: Epoch's start grid (Besiroglu et al. 2024, Sec. 2; Hoffmann et al. 2022, App. D.2):
#: alpha, beta in {0, 0.5, ..., 2}; e in {-1, -0.5, ..., 1}; a, b in {0, 5, ..., 25}.
EPOCH_GRID = {
    "a": np.arange(0.0, 30.0, 5.0),
    "b": np.arange(0.0, 30.0, 5.0),
    "e": np.arange(-1.0, 1.5, 0.5),
    "alpha": np.arange(0.0, 2.5, 0.5),
    "beta": np.arange(0.0, 2.5, 0.5),
}


def epoch_start_grid() -> np.ndarray:
    """The 4500 starts (a, b, e, alpha, beta) of Epoch's replication, shape (4500, 5)."""
    g = EPOCH_GRID
    return np.array(list(itertools.product(g["a"], g["b"], g["e"], g["alpha"], g["beta"])))


def chinchilla_objective(theta, data, w):
    """Summed Huber loss of log residuals (Hoffmann et al. 2022, App. D.2, Eq. 10).

    Args:
        theta: (5,) = (a, b, e, alpha, beta) with A = e^a, B = e^b, E = e^e.
        data: (log N (n,), log D (n,), log L (n,), delta ()).
        w: (n,) point weights (ones for a plain fit, counts for a bootstrap resample).

    Returns:
        sum_i w_i Huber_delta(LSE(a - alpha log N_i, b - beta log D_i, e) - log L_i).
        The terms are summed, not averaged: averaging shrinks the objective so much that
        L-BFGS's default relative-decrease test stops it far from the optimum.
    """
    logN, logD, logL, delta = data
    a, b, e, alpha, beta = theta[0], theta[1], theta[2], theta[3], theta[4]
    # plain log(sum(exp)) is safe here: a diverging trial step gives inf, which the
    # line search rejects; it is twice as fast as the max-shifted form
    pred = jnp.log(jnp.exp(a - alpha * logN) + jnp.exp(b - beta * logD) + jnp.exp(e))
    return jnp.sum(w * huber(pred - logL, delta))


class ChinchillaLaw(LossLawND):
    """L(N, D) = E + A / N^alpha + B / D^beta (Hoffmann et al. 2022, Eq. 2).

    ``fit`` follows Hoffmann et al. (Appendix D.2) and Epoch's replication (Besiroglu
    et al. 2024): log L = LSE(a - alpha log N, b - beta log D, e), summed Huber loss
    (delta = 1e-3) on log residuals, L-BFGS from every point of a start grid (by default
    Epoch's 4500 starts), all starts in one vectorised JAX program; the best end point
    wins.

    Args:
        delta: Huber threshold on log-loss residuals.
        starts: (S, 5) start grid of (a, b, e, alpha, beta); None for Epoch's grid.
        max_evals: objective evaluations allowed per start.

    Attributes:
        E_, A_, B_, alpha_, beta_: fitted constants. converged_: best start converged.
        objective_: the summed Huber loss at the optimum.
    """

    _param_names = ("a_", "b_", "e_", "alpha_", "beta_")
    _objective = staticmethod(chinchilla_objective)

    n_params = 5

    def __init__(self, delta: float = 1e-3, starts=None, max_evals: int = 1000):
        self.delta = delta
        self.starts = starts
        self.max_evals = max_evals

    @classmethod
    def from_params(
        cls, *, E: float, A: float, B: float, alpha: float, beta: float
    ) -> ChinchillaLaw:
        """A law with known constants, e.g. Hoffmann et al.'s E=1.69, A=406.4, B=410.7,
        alpha=0.34, beta=0.28 (their Eq. 10), ready for ``predict``/``compute_optimal``."""
        vals = {k: as_positive_float(k, v) for k, v in dict(E=E, A=A, B=B).items()}
        law = cls()
        law._set_theta(
            np.array(
                [
                    np.log(vals["A"]),
                    np.log(vals["B"]),
                    np.log(vals["E"]),
                    as_positive_float("alpha", alpha),
                    as_positive_float("beta", beta),
                ]
            ),
            True,
        )
        return law

    def _starts(self, data):
        return epoch_start_grid() if self.starts is None else np.asarray(self.starts, float)

    def _set_theta(self, theta, converged):
        super()._set_theta(theta, converged)
        self.A_, self.B_, self.E_ = (float(np.exp(v)) for v in (self.a_, self.b_, self.e_))

    @property
    def params_(self):
        self._check_fitted()
        return {"E": self.E_, "A": self.A_, "B": self.B_, "alpha": self.alpha_, "beta": self.beta_}

    def fit(self, N, D, loss) -> ChinchillaLaw:
        """Fit to parameters ``N``, tokens ``D`` and final losses ``loss``, each (n,) > 0."""
        return super().fit(N, D, loss)

    def predict(self, N, D) -> np.ndarray:
        """E + A N^-alpha + B D^-beta; ``N`` and ``D`` broadcast together."""
        self._check_fitted()
        N, D = as_query("N", N), as_query("D", D)
        return self.E_ + self.A_ * N ** (-self.alpha_) + self.B_ * D ** (-self.beta_)

    # -- compute-optimal allocation (Hoffmann et al. 2022, Eq. 4 and App. D.3) ----------
    @property
    def exponents(self) -> tuple[float, float]:
        """(a, b) with N_opt ~ C^a, D_opt ~ C^b: a = beta/(alpha+beta), b = alpha/(alpha+beta)."""
        self._check_fitted()
        s = self.alpha_ + self.beta_
        return self.beta_ / s, self.alpha_ / s

    def compute_optimal(self, C, *, flops_per_token=six_n):
        """Loss-minimising (N_opt, D_opt) under C = flops_per_token(N) D (Hoffmann et al. 2022, Eq. 4).

        With C = 6 N D (the default, the paper's units): N_opt = G (C/6)^a and
        D_opt = G^-1 (C/6)^b with G = (alpha A / (beta B))^(1/(alpha+beta)). The same
        closed form serves any ``flops_per_token`` proportional to N (``k N``, with
        ``C/k``); for any other function the loss ``E + A N^-alpha + B D^-beta`` with
        ``D = C / flops_per_token(N)`` is minimised over log N numerically.

        References:
            Hoffmann et al. 2022, https://arxiv.org/abs/2203.15556

        Args:
            C: compute budget(s) in FLOP, any shape, > 0.
            flops_per_token: a function ``N -> training FLOPs per token`` (default
                :func:`cs324scale.flops.six_n`), in the units of ``C``.

        Returns:
            (N_opt, D_opt), arrays of the shape of ``C``.
        """
        self._check_fitted()
        C = as_query("C", C)
        if not callable(flops_per_token):
            raise ValueError(
                "flops_per_token must be a function N -> FLOPs per token, e.g. "
                f"cs324scale.flops.six_n; got {type(flops_per_token).__name__}."
            )
        a, b = self.exponents
        G = (self.alpha_ * self.A_ / (self.beta_ * self.B_)) ** (1.0 / (self.alpha_ + self.beta_))
        probe = np.array([1e3, 1e12])
        k = np.asarray(flops_per_token(probe), dtype=float) / probe
        if k.shape == (2,) and np.all(k > 0) and np.isclose(k[0], k[1], rtol=1e-12):
            base = C / float(k[0])
            return G * base**a, base**b / G
        N_opt = np.vectorize(lambda c: self._argmin_n(c, flops_per_token, G * (c / 6.0) ** a))(C)
        return N_opt, tokens_for_budget(C, N_opt, flops_per_token=flops_per_token)

    def _argmin_n(self, C: float, flops_per_token, guess: float) -> float:
        """The N minimising the loss at budget C for a general FLOPs-per-token function."""

        def loss(u):
            n = np.exp(u)
            d = float(tokens_for_budget(C, n, flops_per_token=flops_per_token))
            return self.A_ * n ** (-self.alpha_) + self.B_ * d ** (-self.beta_)

        grid = np.log(guess) + np.linspace(-12.0, 12.0, 97)  # guess / e^12 .. guess e^12
        vals = np.array([loss(u) for u in grid])
        i = int(np.clip(np.nanargmin(vals), 1, grid.size - 2))
        res = minimize_scalar(
            loss, bounds=(grid[i - 1], grid[i + 1]), method="bounded", options={"xatol": 1e-10}
        )
        return float(np.exp(res.x))

    def tokens_per_parameter(self, C, *, flops_per_token=six_n) -> np.ndarray:
        """D_opt / N_opt at compute ``C``.

        At C = 1e24 FLOPs with D = C / 6N: about 98 for Hoffmann et al.'s rounded Eq. (10)
        constants, about 18 for Epoch's refit (Besiroglu et al. 2024); Hoffmann's Table 3
        (approach 1) projects 20-22 (tests/test_fit_joint.py computes all three).
        """
        N, D = self.compute_optimal(C, flops_per_token=flops_per_token)
        return D / N

    def optimal_loss(self, C, *, flops_per_token=six_n) -> np.ndarray:
        """The loss at the compute-optimal allocation for budget ``C``."""
        return self.predict(*self.compute_optimal(C, flops_per_token=flops_per_token))
