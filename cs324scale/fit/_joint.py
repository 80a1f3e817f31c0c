"""Joint model-data laws besides Chinchilla: Kaplan et al. 2020 and Rosenfeld et al. 2020."""

from __future__ import annotations

import itertools

import jax.numpy as jnp
import numpy as np

from .._checks import as_positive_float
from ._base import as_query, check_distinct, check_points, huber
from ._multistart import LossLawND, MultiStartEstimator


def kaplan_objective(theta, data, w):
    """Summed Huber loss of log residuals for Kaplan et al. 2020, Eq. 1.5.

    log L = alpha_D * log((N_c/N)^(alpha_N/alpha_D) + D_c/D), theta = (log N_c,
    log D_c, alpha_N, alpha_D); data = (log N, log D, log L, delta).
    """
    logN, logD, logL, delta = data
    lnc, ldc, aN, aD = theta[0], theta[1], theta[2], theta[3]
    inner = jnp.exp(aN / aD * (lnc - logN)) + jnp.exp(ldc - logD)
    return jnp.sum(w * huber(aD * jnp.log(inner) - logL, delta))


class KaplanLaw(LossLawND):
    """L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D (Kaplan et al. 2020, Eq. 1.5).

    Kaplan et al.'s fit of this form (Sec. 4.2, Table 2; ``published.kaplan_constants("joint")``)
    has alpha_N = 0.076, alpha_D = 0.103, N_c = 6.4e13, D_c = 1.8e13. (alpha_D = 0.095 belongs
    to the one-variable L(D) of Eq. 1.2, not to this joint fit.) This is the law of
    early-stopped runs on D-token datasets; single fixed-schedule runs follow L(N, S),
    Eq. 1.6. Fitted by summed Huber loss of log residuals from a start grid.

    Args:
        delta: Huber threshold on log residuals; max_evals: evaluations per start.

    Attributes:
        N_c_, D_c_, alpha_N_, alpha_D_, converged_.
    """

    _param_names = ("logN_c_", "logD_c_", "alpha_N_", "alpha_D_")
    _objective = staticmethod(kaplan_objective)

    n_params = 4

    def __init__(self, delta: float = 1e-3, max_evals: int = 1500):
        self.delta = delta
        self.max_evals = max_evals

    @classmethod
    def from_params(cls, *, N_c: float, D_c: float, alpha_N: float, alpha_D: float) -> KaplanLaw:
        """A law with known constants (e.g. Kaplan's 6.4e13, 1.8e13, 0.076, 0.095)."""
        law = cls()
        law._set_theta(
            np.array(
                [
                    np.log(as_positive_float("N_c", N_c)),
                    np.log(as_positive_float("D_c", D_c)),
                    as_positive_float("alpha_N", alpha_N),
                    as_positive_float("alpha_D", alpha_D),
                ]
            ),
            True,
        )
        return law

    def _starts(self, data):
        return np.array(
            list(
                itertools.product(
                    [20.0, 26.0, 32.0, 38.0],
                    [20.0, 26.0, 32.0, 38.0],
                    [0.05, 0.1, 0.3],
                    [0.05, 0.1, 0.3],
                )
            )
        )

    def _set_theta(self, theta, converged):
        super()._set_theta(theta, converged)
        self.N_c_, self.D_c_ = float(np.exp(self.logN_c_)), float(np.exp(self.logD_c_))

    @property
    def params_(self):
        self._check_fitted()
        return {
            "N_c": self.N_c_,
            "D_c": self.D_c_,
            "alpha_N": self.alpha_N_,
            "alpha_D": self.alpha_D_,
        }

    def fit(self, N, D, loss) -> KaplanLaw:
        """Fit to parameters ``N``, tokens ``D`` and losses ``loss``, each (n,) > 0."""
        return super().fit(N, D, loss)

    def predict(self, N, D) -> np.ndarray:
        """Kaplan's L(N, D); ``N`` and ``D`` broadcast together."""
        self._check_fitted()
        N, D = as_query("N", N), as_query("D", D)
        return ((self.N_c_ / N) ** (self.alpha_N_ / self.alpha_D_) + self.D_c_ / D) ** self.alpha_D_

    def overfitting_penalty(self, N, D) -> np.ndarray:
        """dL = L(N, D) / L(N, inf) - 1 = [1 + (N/N_c)^(alpha_N/alpha_D) D_c/D]^alpha_D - 1.

        Kaplan et al. 2020, Eq. 4.3: how much worse an early-stopped model of ``N``
        parameters does on ``D`` tokens than on unlimited data. ``N`` and ``D`` broadcast.
        """
        self._check_fitted()
        N, D = as_query("N", N), as_query("D", D)
        return (1 + (N / self.N_c_) ** (self.alpha_N_ / self.alpha_D_) * self.D_c_ / D) ** self.alpha_D_ - 1

    def data_requirement_law(self, penalty: float = 0.02) -> tuple[float, float]:
        """``(coefficient, exponent)`` of D = coefficient x N^exponent, where dL = ``penalty``.

        Solving Eq. 4.3 for D gives D = D_c (N/N_c)^(alpha_N/alpha_D) / ((1 + penalty)^(1/alpha_D)
        - 1): a power law in N with exponent alpha_N/alpha_D. Kaplan et al. 2020 (Eq. 4.4,
        Table 2 constants) round it to D >~ (5 x 10^3) N^0.74 for a penalty of 0.02.

        Raises:
            ValueError: ``penalty`` not finite and > 0.
        """
        self._check_fitted()
        penalty = as_positive_float("penalty", penalty)
        exponent = self.alpha_N_ / self.alpha_D_
        gap = np.expm1(np.log1p(penalty) / self.alpha_D_)  # (1 + penalty)^(1/alpha_D) - 1
        return float(self.D_c_ * self.N_c_**-exponent / gap), float(exponent)

    def data_requirement(self, N, penalty: float = 0.02) -> np.ndarray:
        """Tokens D at which the overfitting penalty of Eq. 4.3 equals ``penalty`` (Eq. 4.4).

        Larger datasets overfit less; a model of ``N`` parameters needs at least this D
        to stay within ``penalty`` of its unlimited-data loss. Shape of ``N``.

        Raises:
            ValueError: ``N`` not finite and > 0, or ``penalty`` not finite and > 0.
        """
        coefficient, exponent = self.data_requirement_law(penalty)
        return coefficient * as_query("N", N) ** exponent


def kaplan_steps_objective(theta, data, w):
    """Summed Huber loss of log residuals for Kaplan et al. 2020, Eq. 1.6.

    log L = log((N_c/N)^alpha_N + (S_c/S)^alpha_S), theta = (log N_c, log S_c, alpha_N,
    alpha_S); data = (log N, log S, log L, delta).
    """
    logN, logS, logL, delta = data
    lnc, lsc, aN, aS = theta[0], theta[1], theta[2], theta[3]
    pred = jnp.logaddexp(aN * (lnc - logN), aS * (lsc - logS))
    return jnp.sum(w * huber(pred - logL, delta))


class KaplanStepsLaw(LossLawND):
    """L(N, S) = (N_c/N)^alpha_N + (S_c/S)^alpha_S (Kaplan et al. 2020, Eq. 1.6).

    The law of single fixed-schedule runs read along their training curves: S is the
    optimiser step (Kaplan's S_min, steps at a batch far above the critical one; with one
    fixed batch, the step itself). Kaplan et al.'s fit (Sec. 5, Table 3;
    ``published.kaplan_constants("steps")``): alpha_N = 0.077, alpha_S = 0.76, N_c =
    6.5e13, S_c = 2.1e3. Fitted by summed Huber loss of log residuals from a start grid;
    ``fit(N, S, loss)`` and ``predict(N, S)`` take steps where :class:`KaplanLaw` takes tokens.

    Attributes:
        N_c_, S_c_, alpha_N_, alpha_S_, converged_.
    """

    _param_names = ("logN_c_", "logS_c_", "alpha_N_", "alpha_S_")
    _objective = staticmethod(kaplan_steps_objective)

    n_params = 4

    def __init__(self, delta: float = 1e-3, max_evals: int = 1500):
        self.delta = delta
        self.max_evals = max_evals

    @classmethod
    def from_params(cls, *, N_c: float, S_c: float, alpha_N: float, alpha_S: float) -> KaplanStepsLaw:
        """A law with known constants (e.g. Kaplan's Table 3: 6.5e13, 2.1e3, 0.077, 0.76)."""
        law = cls()
        law._set_theta(
            np.array([
                np.log(as_positive_float("N_c", N_c)),
                np.log(as_positive_float("S_c", S_c)),
                as_positive_float("alpha_N", alpha_N),
                as_positive_float("alpha_S", alpha_S),
            ]),
            True,
        )
        return law

    def _starts(self, data):
        return np.array(
            list(itertools.product([10.0, 20.0, 30.0, 40.0], [2.0, 5.0, 8.0, 12.0],
                                   [0.05, 0.1, 0.3], [0.1, 0.3, 0.8]))
        )

    def _set_theta(self, theta, converged):
        super()._set_theta(theta, converged)
        self.N_c_, self.S_c_ = float(np.exp(self.logN_c_)), float(np.exp(self.logS_c_))

    @property
    def params_(self):
        self._check_fitted()
        return {"N_c": self.N_c_, "S_c": self.S_c_, "alpha_N": self.alpha_N_, "alpha_S": self.alpha_S_}

    def fit(self, N, S, loss) -> KaplanStepsLaw:
        """Fit to parameters ``N``, steps ``S`` and losses ``loss``, each (n,) > 0."""
        return super().fit(N, S, loss)

    def predict(self, N, S) -> np.ndarray:
        """Kaplan's L(N, S); ``N`` and ``S`` broadcast together."""
        self._check_fitted()
        N, S = as_query("N", N), as_query("S", S)
        return (self.N_c_ / N) ** self.alpha_N_ + (self.S_c_ / S) ** self.alpha_S_


def rosenfeld_objective(theta, data, w):
    """Squared log residuals of Rosenfeld et al. 2020, Eqs. 5-6.

    theta = (log A, alpha, log B, beta, log C, log eta); data = (log N, log D, log err,
    eps0, envelope flag). Without the envelope the law is A N^-alpha + B D^-beta + C.
    """
    logN, logD, logy, eps0, env = data
    la, alpha, lb, beta, lc, leta = theta[0], theta[1], theta[2], theta[3], theta[4], theta[5]
    e_tilde = jnp.exp(la - alpha * logN) + jnp.exp(lb - beta * logD) + jnp.exp(lc)
    log_env = jnp.log(eps0) + jnp.log(e_tilde) - 0.5 * jnp.log(e_tilde**2 + jnp.exp(2 * leta))
    pred = jnp.where(env > 0, log_env, jnp.log(e_tilde))
    return jnp.sum(w * (pred - logy) ** 2)


class RosenfeldLaw(MultiStartEstimator):
    """err(N, D) = A N^-alpha + B D^-beta + C, optionally inside Rosenfeld's envelope.

    Rosenfeld et al. 2020 (Eq. 5) write eps~(m, n) = a n^-alpha + b m^-beta + c_inf for
    model size m and data size n; here N is the model size and D the data size, so the
    model term carries (A, alpha). With ``eps0`` (the random-guess error) the fitted
    curve is their envelope (Eq. 6) eps0 |eps~ / (eps~ - i eta)| = eps0 eps~ / sqrt(eps~^2 +
    eta^2), which saturates at eps0 for tiny models or data. Fitted by least squares on
    log error (relative error, as they do) from a start grid.

    Args:
        eps0: random-guess error, or None for the plain additive form.
        max_evals: evaluations per start.

    Attributes:
        A_, alpha_, B_, beta_, C_, eta_ (nan without the envelope), converged_.
    """

    _param_names = ("logA_", "alpha_", "logB_", "beta_", "logC_", "logeta_")
    _objective = staticmethod(rosenfeld_objective)

    def __init__(self, eps0=None, max_evals: int = 1500):
        self.eps0 = eps0
        self.max_evals = max_evals

    def _prepare(self, N, D, err):
        k = 6 if self.eps0 is not None else 5
        d = check_points(k, N=(N, True), D=(D, True), err=(err, True))
        check_distinct("N", d["N"])
        check_distinct("D", d["D"])
        if self.eps0 is not None and self.eps0 <= d["err"].max():
            raise ValueError(f"eps0 = {self.eps0!r} must exceed max(err) = {d['err'].max()!r}.")
        return d["N"], d["D"], d["err"]

    def _inputs(self, data):
        return data[0], data[1]

    def _objective_data(self, data):
        N, D, err = data
        env = self.eps0 is not None
        return (
            np.log(N),
            np.log(D),
            np.log(err),
            np.array(self.eps0 if env else 1.0),
            np.array(float(env)),
        )

    def _starts(self, data):
        N, D, err = data
        lc = np.log(err.min()) + np.log([0.1, 0.7])
        leta = [0.0] if self.eps0 is None else [np.log(self.eps0), np.log(3 * self.eps0)]
        return np.array(
            list(itertools.product([0.0, 5.0], [0.2, 0.6], [0.0, 5.0], [0.2, 0.6], lc, leta))
        )

    def _set_theta(self, theta, converged):
        super()._set_theta(theta, converged)
        self.A_, self.B_, self.C_ = (float(np.exp(v)) for v in (self.logA_, self.logB_, self.logC_))
        self.eta_ = float(np.exp(self.logeta_)) if self.eps0 is not None else float("nan")

    @property
    def params_(self):
        self._check_fitted()
        return {
            "A": self.A_,
            "alpha": self.alpha_,
            "B": self.B_,
            "beta": self.beta_,
            "C": self.C_,
            "eta": self.eta_,
        }

    def fit(self, N, D, err) -> RosenfeldLaw:
        """Fit to model sizes ``N``, data sizes ``D`` and errors ``err``, each (n,) > 0."""
        return super().fit(N, D, err)

    def predict(self, N, D) -> np.ndarray:
        """The fitted error at (N, D); ``N`` and ``D`` broadcast together."""
        self._check_fitted()
        N, D = as_query("N", N), as_query("D", D)
        e = self.A_ * N ** (-self.alpha_) + self.B_ * D ** (-self.beta_) + self.C_
        if self.eps0 is None:
            return e
        return self.eps0 * e / np.sqrt(e**2 + self.eta_**2)
