"""Benchmark accuracy as a sigmoid in log scale, between a chance floor and a ceiling."""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np

from ._base import as_query, check_distinct, check_points
from ._multistart import MultiStartEstimator


def sigmoid_objective(theta, data, w):
    """Summed squared error of acc = floor + (ceil - floor) sigmoid(k (log x - m)).

    theta = (log k, m, ceiling logit); data = (log x, y, floor, ceiling, fit_ceiling).
    With ``fit_ceiling`` the ceiling is floor + (1 - floor) sigmoid(theta[2]).
    """
    logx, y, floor, ceiling, fit_ceiling = data
    k, m = jnp.exp(theta[0]), theta[1]
    top = jnp.where(fit_ceiling > 0, floor + (1.0 - floor) * jax.nn.sigmoid(theta[2]), ceiling)
    pred = floor + (top - floor) * jax.nn.sigmoid(k * (logx - m))
    return jnp.sum(w * (pred - y) ** 2)


class SigmoidLogLaw(MultiStartEstimator):
    """acc(x) = floor + (ceiling - floor) / (1 + exp(-k (log x - log x0))).

    The usual shape of few-shot benchmark accuracy against scale: at chance for small
    models, a rise that looks sudden on a log axis, then a plateau below 1 (e.g. the
    BIG-bench curves in Wei et al. 2022, Emergent Abilities; Srivastava et al. 2022).
    Fitted by least squares in accuracy from a grid of starts.

    Args:
        floor: chance accuracy (e.g. 0.25 for 4-way multiple choice); fixed.
        ceiling: maximum accuracy (fixed unless ``fit_ceiling``).
        fit_ceiling: learn the ceiling in (floor, 1).
        max_evals: evaluations per start.

    Attributes:
        slope_ (k, per unit natural log x), midpoint_ (x0: halfway between floor and
        ceiling), ceiling_, converged_.
    """

    _param_names = ("log_slope_", "log_midpoint_", "ceiling_logit_")
    _residual_space = "linear"
    _objective = staticmethod(sigmoid_objective)

    def __init__(
        self,
        floor: float = 0.0,
        ceiling: float = 1.0,
        fit_ceiling: bool = False,
        max_evals: int = 1000,
    ):
        if not 0.0 <= floor < ceiling <= 1.0 + 1e-12:
            raise ValueError(
                f"Need 0 <= floor < ceiling <= 1; got floor={floor!r}, ceiling={ceiling!r}."
            )
        self.floor = floor
        self.ceiling = ceiling
        self.fit_ceiling = fit_ceiling
        self.max_evals = max_evals

    def _prepare(self, x, y):
        d = check_points(3 if self.fit_ceiling else 2, x=(x, True), y=(y, False))
        check_distinct("x", d["x"], 3 if self.fit_ceiling else 2)
        return d["x"], d["y"]

    def _inputs(self, data):
        return (data[0],)

    def _objective_data(self, data):
        x, y = data
        return (
            np.log(x),
            y,
            np.array(self.floor),
            np.array(self.ceiling),
            np.array(float(self.fit_ceiling)),
        )

    def _starts(self, data):
        lx = np.log(data[0])
        mids = np.quantile(lx, [0.0, 0.25, 0.5, 0.75, 1.0])
        mids = np.concatenate([mids, [lx.max() + 0.5 * np.ptp(lx)]])
        ceil = [-1.0, 1.0, 3.0] if self.fit_ceiling else [0.0]
        return np.array(list(itertools.product(np.log([0.3, 1.0, 3.0, 10.0]), mids, ceil)))

    def _set_theta(self, theta, converged):
        super()._set_theta(theta, converged)
        self.slope_ = float(np.exp(self.log_slope_))
        self.midpoint_ = float(np.exp(self.log_midpoint_))
        if self.fit_ceiling:
            self.ceiling_ = float(
                self.floor + (1 - self.floor) / (1 + np.exp(-self.ceiling_logit_))
            )
        else:
            self.ceiling_ = float(self.ceiling)

    @property
    def params_(self):
        self._check_fitted()
        return {"slope": self.slope_, "midpoint": self.midpoint_, "ceiling": self.ceiling_}

    def fit(self, x, y) -> SigmoidLogLaw:
        """Fit to scales ``x`` (n,) > 0 and accuracies ``y`` (n,); returns self."""
        return super().fit(x, y)

    def predict(self, x) -> np.ndarray:
        """Accuracy at scale ``x`` (any shape, > 0)."""
        self._check_fitted()
        z = self.slope_ * (np.log(as_query("x", x)) - self.log_midpoint_)
        return self.floor + (self.ceiling_ - self.floor) / (1.0 + np.exp(-z))

    def crossing_scale(self, target: float) -> float:
        """The scale x where predicted accuracy equals ``target`` (inf if never)."""
        self._check_fitted()
        q = (target - self.floor) / (self.ceiling_ - self.floor)
        if q <= 0:
            return 0.0
        if q >= 1:
            return float("inf")
        return float(self.midpoint_ * np.exp(np.log(q / (1 - q)) / self.slope_))
