"""Mean estimation: the simplest scaling law.

Draw ``x_1, ..., x_n ~ N(mu, sigma^2)`` and estimate ``mu`` by the sample mean. Its mean
squared error is exactly ``sigma^2 / n``, so on log-log axes

    log MSE = -1 * log n + 2 * log sigma,

a straight line with slope -1 and intercept ``log sigma^2`` (CS324 Week 6 slides,
"mean estimation"; any statistics text, e.g. Wasserman 2004, *All of Statistics*, Sec. 5).
"""

from __future__ import annotations

import numpy as np

from .._checks import as_positive_float
from .._random import as_generator
from ._common import (
    ToyCurve,
    check_budget,
    check_sizes,
    check_trials,
    prefix_blocks,
    summarise,
)


def sample_mean_errors(ns, *, sigma: float = 1.0, trials: int = 500, key) -> np.ndarray:
    """Squared errors of the sample mean, one per trial and size.

    Each trial draws one stream of ``max(ns)`` standard normals and reads the sample
    mean of its first ``n`` values for every ``n`` in ``ns`` (a nested design: like a
    learning curve, more data means the same data plus more). All trials and sizes are
    computed at once; nothing loops over trials.

    Args:
        ns: Sample sizes, shape ``(S,)``, whole numbers >= 1.
        sigma: Standard deviation of the data (> 0).
        trials: Number of Monte Carlo trials (>= 1).
        key: An ``int`` seed or a jax PRNG key (see :mod:`cs324scale._random`).

    Returns:
        ``(xbar - mu)^2`` for every trial and size, shape ``(trials, S)``. The error
        does not depend on ``mu``, so none is needed.
    """
    ns = check_sizes(ns)
    sigma = as_positive_float("sigma", sigma)
    trials = check_trials(trials)
    edges, where = prefix_blocks(ns)
    n_max = int(edges[-1])
    check_budget(trials * n_max, f"{trials} trials of up to n = {n_max}")
    z = as_generator(key).standard_normal((trials, n_max))  # (T, N)
    block_sums = np.add.reduceat(z, edges[:-1], axis=1)  # (T, U): sums between sizes
    prefix = np.cumsum(block_sums, axis=1)[:, where]  # (T, S): sum of the first n
    return (sigma * prefix / ns) ** 2


def mean_estimation_mse(ns, *, sigma: float = 1.0, trials: int = 500, key) -> ToyCurve:
    """Monte Carlo mean squared error of the sample mean, next to the exact ``sigma^2/n``.

    Args:
        ns: Sample sizes, shape ``(S,)``, whole numbers >= 1.
        sigma: Standard deviation of the data (> 0).
        trials: Number of Monte Carlo trials (>= 1).
        key: An ``int`` seed or a jax PRNG key (see :mod:`cs324scale._random`).

    Returns:
        A :class:`~cs324scale.toys.ToyCurve` with ``mse`` (the Monte Carlo estimate,
        shape ``(S,)``), its ``stderr``, the ``per_trial`` errors ``(trials, S)`` and
        ``theory = sigma**2 / n``.

    Example:
        >>> curve = mean_estimation_mse([10, 100, 1000], sigma=2.0, key=0)
        >>> curve.mse.shape
        (3,)
    """
    ns = check_sizes(ns)
    errors = sample_mean_errors(ns, sigma=sigma, trials=trials, key=key)
    return summarise(errors, ns, theory=sigma**2 / ns.astype(float))
