"""Subgroup scaling: how to split a data budget between two groups.

Each group has its own learning problem and hence its own scaling law: here group ``g``
is a box-estimation problem in ``dims[g]`` dimensions with noise ``sigmas[g]``, so its
error falls like ``n_g^(-2/(dims[g]+2))`` in its own sample size ``n_g`` (no transfer
between groups). A budget of ``n_total`` points is split, a fraction ``gamma`` to group 0
and the rest to group 1. The population-average error and the worst group's error are
minimised by different splits, and because the two exponents differ, the best split
moves with the budget. This is the setting of Rolf, Worledge, Recht & Jordan 2021
("Representation Matters: Assessing the Importance of Subgroup Allocations in Training
Data", ICML, arXiv:2103.03399), who fit per-group power laws
``L_g ~ a_g n_g^(-p_g) + ...`` and choose allocations from the fitted laws.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import as_array, as_int, as_positive_float
from .._random import as_generator
from .box import box_estimator_mse


class SubgroupCurves(NamedTuple):
    """Per-group errors over a grid of allocations.

    Attributes:
        fractions: Share of the budget given to group 0, shape ``(S,)``.
        n: Points per group, int ``(S, 2)``.
        mse: Mean squared error per group, ``(S, 2)``.
        stderr: Its standard error over trials, ``(S, 2)``.
        worst: ``max`` over groups of ``mse``, ``(S,)``.
        average: Population-weighted mean of ``mse``, ``(S,)``.
    """

    fractions: np.ndarray
    n: np.ndarray
    mse: np.ndarray
    stderr: np.ndarray
    worst: np.ndarray
    average: np.ndarray


def subgroup_allocation_mse(
    fractions,
    *,
    n_total: int,
    dims=(1, 2),
    sigmas=(3.0, 1.0),
    population=(0.5, 0.5),
    trials: int = 16,
    key,
) -> SubgroupCurves:
    """Per-group box-estimator error for every split of a fixed budget.

    Args:
        fractions: Shares of ``n_total`` given to group 0, shape ``(S,)``, strictly
            between 0 and 1 such that both groups get at least one point.
        n_total: The data budget (>= 2).
        dims: Input dimension of each group's problem, two ints >= 1.
        sigmas: Noise standard deviation of each group, two numbers > 0.
        population: Each group's share of the test population (for ``average``), two
            non-negative numbers summing to 1.
        trials: Number of Monte Carlo trials (>= 1).
        key: An ``int`` seed or a jax PRNG key (see :mod:`cs324scale._random`); the
            two groups draw from two int seeds taken from ``key``'s generator.

    Returns:
        A :class:`SubgroupCurves`.
    """
    n_total = as_int("n_total", n_total, minimum=2)
    fr = as_array("fractions", fractions)
    if np.any((fr <= 0) | (fr >= 1)):
        raise ValueError(f"fractions must lie strictly between 0 and 1; got {fractions!r}.")
    if len(dims) != 2 or len(sigmas) != 2 or len(population) != 2:
        raise ValueError("dims, sigmas and population must each have two entries (two groups).")
    pop = as_array("population", population)
    if np.any(pop < 0) or not np.isclose(pop.sum(), 1.0):
        raise ValueError(
            f"population must be two non-negative shares summing to 1; got {population!r}."
        )
    n0 = np.round(fr * n_total).astype(np.int64)
    n = np.stack([n0, n_total - n0], axis=1)
    if n.min() < 1:
        raise ValueError(
            f"every group needs at least one point; n_total = {n_total} is too small for {fractions!r}."
        )
    seeds = as_generator(key).integers(0, 2**32, size=2)
    curves = [
        box_estimator_mse(
            n[:, g],
            d=as_int(f"dims[{g}]", dims[g]),
            sigma=as_positive_float(f"sigmas[{g}]", sigmas[g]),
            trials=trials,
            key=int(seeds[g]),
        )
        for g in range(2)
    ]
    mse = np.stack([c.mse for c in curves], axis=1)
    stderr = np.stack([c.stderr for c in curves], axis=1)
    return SubgroupCurves(fr, n, mse, stderr, mse.max(axis=1), mse @ pop)


def equal_error_share(curves: SubgroupCurves) -> float:
    """The share of group 0 at which the two measured group errors cross.

    With errors falling in each group's own sample size, the worst group's error is
    smallest where the two are equal. The crossing is located by linear interpolation of
    ``log(mse_0) - log(mse_1)`` between grid points, which is steadier than the arg-min
    of ``worst`` on a coarse grid.

    Returns:
        The interpolated share (NaN when the curves do not cross on the grid).
    """
    order = np.argsort(curves.fractions)
    fr = curves.fractions[order]
    gap = np.log(curves.mse[order, 0]) - np.log(curves.mse[order, 1])
    change = np.flatnonzero((gap[:-1] > 0) & (gap[1:] <= 0))
    if change.size == 0:
        return float("nan")
    i = int(change[0])
    return float(fr[i] + (fr[i + 1] - fr[i]) * gap[i] / (gap[i] - gap[i + 1]))


def minimax_allocation(amplitudes, exponents, n_total) -> np.ndarray | float:
    """The split that equalises two fitted laws ``a_g * n_g^(-alpha_g)``.

    With both errors falling in their own ``n_g``, the worst group's error is smallest
    where the two are equal; the equation is solved by bisection on ``gamma``.

    Args:
        amplitudes: ``(a_0, a_1)``, both > 0.
        exponents: ``(alpha_0, alpha_1)``, both > 0 (errors fall as ``n^-alpha``).
        n_total: Budget(s), scalar or array ``(B,)``.

    Returns:
        The share ``gamma`` of the budget for group 0, same shape as ``n_total``.
    """
    a0, a1 = (as_positive_float("amplitudes", a) for a in amplitudes)
    e0, e1 = (as_positive_float("exponents", e) for e in exponents)
    budget = as_array("n_total", n_total)
    if np.any(budget <= 0):
        raise ValueError(f"n_total must be positive; got {n_total!r}.")
    lo, hi = np.zeros_like(budget), np.ones_like(budget)
    for _ in range(60):  # bisection: gap(gamma) decreases in gamma
        mid = 0.5 * (lo + hi)
        gap = np.log(a0) - e0 * np.log(mid * budget) - np.log(a1) + e1 * np.log((1 - mid) * budget)
        lo, hi = np.where(gap > 0, mid, lo), np.where(gap > 0, hi, mid)
    gamma = 0.5 * (lo + hi)
    return float(gamma[0]) if np.ndim(n_total) == 0 else gamma
