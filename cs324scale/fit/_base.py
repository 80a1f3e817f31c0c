"""Shared pieces of every estimator: input checks, the estimator base class, Huber loss.

Every estimator follows the scikit-learn shape: hyperparameters in ``__init__``,
``fit(...)`` returns ``self``, fitted values end in ``_``, ``predict(...)`` is separate.
Internally each one can also fit a *batch* of weightings of the same points at once
(``_fit_batch``), which is what makes :func:`cs324scale.fit.bootstrap` vectorised:
a bootstrap resample is the original points with multinomial count weights.
"""

from __future__ import annotations

import copy
import warnings

import jax.numpy as jnp
import numpy as np

from .._checks import as_array, as_positive_array, same_length


class FitConvergenceWarning(UserWarning):
    """A fit stopped before meeting its convergence test; see the ``converged_`` flag."""


def huber(r, delta):
    """Huber loss of residuals ``r`` (Huber 1964; as ``scipy.special.huber``).

    0.5 r^2 for |r| <= delta, delta (|r| - delta/2) beyond: quadratic near zero, linear
    in the tails, so a few outlying points cannot dominate the fit.
    """
    a = jnp.abs(r)
    return jnp.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def check_points(n_params: int, **named) -> dict[str, np.ndarray]:
    """Validate named 1-D arrays for a fit with ``n_params`` free parameters.

    Keyword values are ``(array, positive)`` pairs. Checks: finite, non-empty, positive
    where ``positive`` (logs are taken), equal lengths, more points than parameters.
    """
    out = {}
    for name, (arr, positive) in named.items():
        check = as_positive_array if positive else as_array
        a = check(name, arr)
        if a.ndim != 1:
            raise ValueError(f"{name} must be 1-D; got shape {a.shape}. Flatten it first.")
        out[name] = a
    n = same_length(**out)
    if n < n_params:
        raise ValueError(
            f"This law has {n_params} parameters but only {n} point(s) were given "
            f"({', '.join(out)}); pass at least {n_params} points."
        )
    return out


def check_distinct(name: str, x: np.ndarray, minimum: int = 2) -> None:
    """Raise unless ``x`` holds at least ``minimum`` distinct values (a slope needs 2)."""
    k = np.unique(x).size
    if k < minimum:
        raise ValueError(
            f"{name} has {k} distinct value(s) but the fit needs at least {minimum}; "
            f"measure at more than one {name} value."
        )


def as_query(name: str, x, positive: bool = True) -> np.ndarray:
    """Validate a prediction input (any shape, finite, positive if logs are taken)."""
    arr = np.asarray(x, dtype=float) if np.ndim(x) else np.atleast_1d(np.asarray(x, dtype=float))
    check = as_positive_array if positive else as_array
    check(name, arr.ravel())
    return arr if np.ndim(x) else arr.reshape(())


class Estimator:
    """Base class: cloning, fitted-state checks, the batch-fit protocol.

    Subclasses define ``_param_names`` (fitted attribute names, in ``theta`` order),
    ``_prepare(*arrays) -> data`` (validated arrays), ``_fit_batch(data, weights)``
    returning ``(theta (R, P), converged (R,))``, and ``_predict_theta``.
    ``_residual_space`` is ``"log"`` when the response is positive and errors are
    multiplicative, else ``"linear"``.
    """

    _param_names: tuple[str, ...] = ()
    _residual_space = "log"

    # -- protocol ----------------------------------------------------------------------
    def _prepare(self, *arrays) -> tuple:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit_batch(self, data: tuple, weights: np.ndarray, init=None):  # pragma: no cover
        raise NotImplementedError

    def _set_theta(self, theta: np.ndarray, converged: bool) -> None:
        for name, value in zip(self._param_names, np.asarray(theta, dtype=float), strict=True):
            setattr(self, name, float(value))
        self.converged_ = bool(converged)
        self.theta_ = np.asarray(theta, dtype=float)

    def _response(self, data: tuple) -> np.ndarray:
        """The observed response (y or loss) from prepared ``data``."""
        return data[-1]

    def _predict_data(self, data: tuple) -> np.ndarray:
        """Predictions at the points in prepared ``data``."""
        return self.predict(*self._inputs(data))

    def _inputs(self, data: tuple) -> tuple:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- public ------------------------------------------------------------------------
    def fit(self, *arrays):
        """Fit to the given points; returns ``self``. See the class docstring."""
        data = self._prepare(*arrays)
        n = len(self._response(data))
        theta, converged = self._fit_batch(data, np.ones((1, n)))
        self._set_theta(theta[0], converged[0])
        self.n_points_ = n
        if not self.converged_:
            warnings.warn(
                f"{type(self).__name__} did not converge (best start stopped before its "
                "tolerance); check converged_ and the data, or raise max_evals.",
                FitConvergenceWarning,
                stacklevel=2,
            )
        return self

    @property
    def params_(self) -> dict[str, float]:
        """Fitted parameters as a dict (names without the trailing underscore)."""
        self._check_fitted()
        return {k.rstrip("_"): getattr(self, k) for k in self._param_names}

    def with_theta(self, theta, converged: bool = True):
        """A fitted copy of this estimator with internal parameter vector ``theta``."""
        new = copy.copy(self)
        new._set_theta(theta, converged)
        return new

    def clone(self):
        """An unfitted copy with the same hyperparameters."""
        new = copy.copy(self)
        for k in list(vars(new)):
            if k.endswith("_") and not k.startswith("_"):
                delattr(new, k)
        return new

    def _check_fitted(self) -> None:
        if not hasattr(self, "theta_"):
            raise ValueError(f"This {type(self).__name__} is not fitted yet; call .fit(...) first.")

    def __repr__(self) -> str:
        if hasattr(self, "theta_"):
            vals = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
            return f"{type(self).__name__}({vals})"
        return f"{type(self).__name__}()"
