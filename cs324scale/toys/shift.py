"""Composition and distribution shift move the offset of a scaling law, not its slope.

The input space ``[0, 1]^d`` is split into two domains along the first coordinate:
``A = {x_1 < 1/2}`` and ``B = {x_1 >= 1/2}``. Training data are a mixture that draws a
point from ``B`` with probability ``train_share`` (from ``A`` otherwise); the error is
measured on a test mixture with share ``test_share`` of ``B``. The learner is the box
estimator of :mod:`cs324scale.toys.box`, its side set by the total ``n``.

Both error terms keep their exponent ``-2/(d+2)``: the variance in ``B`` is about
``sigma^2 * (boxes in B) / (train_share * n)`` and the bias does not depend on the mix.
Changing either share therefore multiplies the error by a constant: the log-log line
shifts up or down and stays parallel. Kaplan et al. 2020 ("Scaling Laws for Neural
Language Models", arXiv:2001.08361, Sec. 3.2.2, Fig. 8) see the same for language
models evaluated on other text distributions: a roughly constant offset in the loss
and the same trend. With ``train_share = 0`` nothing in the test domain is ever seen and
the law breaks (the error stops falling).
"""

from __future__ import annotations

import numbers

import numpy as np

from .._checks import as_int, as_positive_float
from .._random import as_generator
from ._common import ToyCurve, check_budget, check_sizes, check_trials, summarise
from .box import box_means, box_predict, box_side, grid_offset, target


def _share(name: str, x) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not 0.0 <= float(x) <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1]; got {x!r}.")
    return float(x)


def sample_mixture(rng: np.random.Generator, trials: int, n: int, d: int, share_b: float):
    """Uniform points in ``A`` (prob. ``1 - share_b``) or ``B`` (prob. ``share_b``).

    Returns:
        Points, shape ``(trials, n, d)``.
    """
    x = rng.random((trials, n, d))
    in_b = rng.random((trials, n)) < share_b
    x[..., 0] = 0.5 * x[..., 0] + 0.5 * in_b
    return x


def composition_mse(
    ns,
    *,
    train_share: float,
    test_share: float = 1.0,
    d: int = 2,
    side="optimal",
    sigma: float = 1.0,
    trials: int = 16,
    n_test: int = 4096,
    key,
) -> ToyCurve:
    """Test error of the box estimator when training and test mixtures differ.

    Args:
        ns: Training-set sizes, shape ``(S,)``, whole numbers >= 1.
        train_share: Probability that a training point comes from domain ``B``, in
            ``[0, 1]``.
        test_share: Probability that a test point comes from domain ``B``, in ``[0, 1]``
            (1.0: test on ``B`` only).
        d: Input dimension (>= 1).
        side: Box side rule, as in :func:`~cs324scale.toys.box_estimator_mse`.
        sigma: Noise standard deviation of the training targets (> 0).
        trials: Number of Monte Carlo trials (>= 1).
        n_test: Test points per trial (>= 1); the error is their mean of
            ``(f_hat(x) - f(x))^2``.
        key: An ``int`` seed or a jax PRNG key (see :mod:`cs324scale._random`).

    Returns:
        A :class:`~cs324scale.toys.ToyCurve` (``theory`` is ``None``).
    """
    ns = check_sizes(ns)
    train_share = _share("train_share", train_share)
    test_share = _share("test_share", test_share)
    d = as_int("d", d, minimum=1)
    sigma = as_positive_float("sigma", sigma)
    trials = check_trials(trials)
    n_test = as_int("n_test", n_test, minimum=1)
    h = box_side(ns, d=d, side=side)
    n_max = int(ns.max())
    check_budget(trials * (n_max + n_test) * (d + 2), f"{trials} trials of n = {n_max}")
    rng = as_generator(key)
    x = sample_mixture(rng, trials, n_max, d, train_share)
    y = target(x) + sigma * rng.standard_normal((trials, n_max))
    offset = grid_offset(rng, trials, d, True)
    means, m_max = box_means(x, y, ns, h, offset)
    x_test = sample_mixture(rng, trials, n_test, d, test_share)
    pred = box_predict(means, x_test, h, offset, m_max)  # (T, S, Q)
    err = np.mean((pred - target(x_test)[:, None, :]) ** 2, axis=-1)
    return summarise(err, ns)
