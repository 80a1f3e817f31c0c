"""Classical parametric rate: least-squares linear regression.

With ``x ~ N(0, I_p)``, ``y = <w, x> + sigma * eps`` and the ordinary least-squares fit
``w_hat`` on ``n`` points, the excess risk ``E[(<w_hat - w, x>)^2] = ||w_hat - w||^2`` has
expectation exactly ``p sigma^2 / (n - p - 1)`` for ``n > p + 1``, because
``E[(X^T X)^-1] = I / (n - p - 1)`` is the mean of an inverse-Wishart matrix (Anderson 2003,
*An Introduction to Multivariate Statistical Analysis*, 3rd ed., Ch. 7). That is
``~ p sigma^2 / n`` for ``n >> p``: "most classical models have 1/n scaling" (CS324 Week 6).
"""

from __future__ import annotations

import numpy as np

from .._checks import as_int, as_positive_float
from .._random import as_generator
from ._common import (
    ToyCurve,
    check_budget,
    check_sizes,
    check_trials,
    prefix_blocks,
    summarise,
)


def regression_excess_risk(
    ns, *, p: int = 5, sigma: float = 1.0, trials: int = 200, key
) -> ToyCurve:
    """Monte Carlo excess risk of least squares in ``p`` dimensions against ``n``.

    Each trial draws one design of ``max(ns)`` rows and fits on its first ``n`` rows for
    every ``n`` in ``ns``. Gram matrices are accumulated block by block between
    consecutive sizes, so the cost is one pass over the data, batched over trials.

    Args:
        ns: Sample sizes, shape ``(S,)``, whole numbers >= ``p + 2`` (below that the
            expected excess risk is infinite).
        p: Number of features (>= 1).
        sigma: Noise standard deviation (> 0).
        trials: Number of Monte Carlo trials (>= 1).
        key: An ``int`` seed or a jax PRNG key (see :mod:`cs324scale._random`).

    Returns:
        A :class:`~cs324scale.toys.ToyCurve`; ``mse`` is the excess risk
        ``||w_hat - w||^2`` averaged over trials, ``theory = p sigma^2 / (n - p - 1)``.
    """
    p = as_int("p", p, minimum=1)
    ns = check_sizes(ns, minimum=p + 2)
    sigma = as_positive_float("sigma", sigma)
    trials = check_trials(trials)
    edges, where = prefix_blocks(ns)
    n_max = int(edges[-1])
    check_budget(trials * n_max * (p + 1), f"{trials} trials of up to n = {n_max}, p = {p}")
    rng = as_generator(key)
    x = rng.standard_normal((trials, n_max, p))
    eps = rng.standard_normal((trials, n_max))
    # Only w_hat - w = (X^T X)^-1 X^T (sigma eps) matters, so w itself never appears.
    # Gram matrices and X^T eps are summed block by block between consecutive sizes
    # (a short loop over distinct sizes, each step batched over all trials).
    blocks = list(zip(edges[:-1], edges[1:], strict=True))
    grams = np.stack([x[:, a:b].transpose(0, 2, 1) @ x[:, a:b] for a, b in blocks], axis=1)
    cross = np.stack([np.einsum("tni,tn->ti", x[:, a:b], eps[:, a:b]) for a, b in blocks], 1)
    gram = np.cumsum(grams, axis=1)[:, where]  # (T, S, p, p)
    xeps = np.cumsum(cross, axis=1)[:, where]  # (T, S, p)
    delta = sigma * np.linalg.solve(gram, xeps[..., None])[..., 0]
    risk = np.sum(delta**2, axis=-1)  # (T, S)
    theory = p * sigma**2 / (ns - p - 1.0)
    return summarise(risk, ns, theory=theory)
