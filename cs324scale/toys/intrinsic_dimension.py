"""Intrinsic dimension: the exponent follows the data manifold, not the ambient space.

Inputs lie on a ``k``-dimensional manifold curved through ``D >= 2k`` ambient dimensions:
``z ~ U[0, 1]^k`` is mapped to ``psi(z) = (cos(pi z_j), sin(pi z_j))_j / pi`` in
``R^(2k)`` (each coordinate traces half a circle, so ``psi`` preserves lengths) and then
rotated into ``R^D`` by a random orthonormal matrix. The target is noiseless,
``y = sum_j sin(2 pi z_j) / sqrt(k)``, and the learner is 1-nearest-neighbour regression
in the ambient space: it knows nothing about ``k``.

The nearest of ``n`` points on a ``k``-manifold is at distance ``~ n^(-1/k)``, so the
squared error scales as ``n^(-2/k)``, whatever ``D`` is: the "resolution-limited" regime of
Bahri, Dyer, Kaplan, Lee & Sharma 2021 ("Explaining Neural Scaling Laws",
arXiv:2102.06701, Sec. 2) and the data-manifold argument of Sharma & Kaplan 2020
("A Neural Scaling Law from the Dimension of the Data Manifold", arXiv:2004.10802).
A method that saw ``D`` would instead predict ``-2/(D+2)`` (the box-estimator rate).
Inverting the law, ``k_hat = -2 / slope`` estimates the intrinsic dimension.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_int
from .._random import as_generator
from ._common import (
    ToyCurve,
    check_budget,
    check_sizes,
    check_trials,
    prefix_blocks,
    summarise,
)

_CHUNK = 4096  # training points per distance block: memory trials x n_test x _CHUNK


def knn_rate_exponent(k: int) -> float:
    """The predicted MSE exponent ``-2/k`` of noiseless 1-NN regression on a k-manifold."""
    return -2.0 / as_int("k", k, minimum=1)


def intrinsic_dimension_from_slope(slope) -> np.ndarray | float:
    """Invert ``slope = -2/k``: the intrinsic dimension implied by a fitted log-log slope.

    Args:
        slope: Fitted exponent(s) of MSE against n (negative), scalar or array.

    Returns:
        ``-2 / slope``, same shape as ``slope``.

    Raises:
        ValueError: If any slope is not negative (the error must fall with n).
    """
    s = np.asarray(slope, dtype=float)
    if not np.all(np.isfinite(s)) or np.any(s >= 0):
        raise ValueError(f"slope must be negative (error falling with n); got {slope!r}.")
    k = -2.0 / s
    return float(k) if k.ndim == 0 else k


def sample_manifold(rng: np.random.Generator, trials: int, n: int, k: int, rotation: np.ndarray):
    """Points on the curved k-manifold in ``R^D`` and their targets.

    Args:
        rng: A NumPy generator.
        trials: Number of independent data sets.
        n: Points per data set.
        k: Intrinsic dimension.
        rotation: Orthonormal columns, shape ``(D, 2k)``.

    Returns:
        ``(x, y)`` with shapes ``(trials, n, D)`` and ``(trials, n)``.
    """
    z = rng.random((trials, n, k))
    psi = np.concatenate([np.cos(np.pi * z), np.sin(np.pi * z)], axis=-1) / np.pi
    y = np.sum(np.sin(2 * np.pi * z), axis=-1) / np.sqrt(k)
    return psi @ rotation.T, y


def nearest_neighbour_mse(x, y, x_test, y_test, ns) -> np.ndarray:
    """Squared error of 1-NN regression fitted on the first ``n`` points, for every n.

    The training set is scanned in blocks between consecutive sizes (and chunks of at
    most ``4096`` points); a running minimum over blocks gives the nearest neighbour among
    the first ``n`` points. Every step is batched over trials and test points.

    Args:
        x: Training inputs, shape ``(T, N, D)``, ``N >= max(ns)``.
        y: Training targets, shape ``(T, N)``.
        x_test: Test inputs, shape ``(T, Q, D)``.
        y_test: Test targets, shape ``(T, Q)``.
        ns: Sample sizes, int ``(S,)``.

    Returns:
        Mean squared error over the test points, shape ``(T, S)``.
    """
    edges, where = prefix_blocks(np.asarray(ns))
    trials, q = y_test.shape
    best_d2 = np.full((trials, q), np.inf)
    best_y = np.zeros((trials, q))
    at_edge = []
    test_sq = np.sum(x_test**2, axis=-1)[:, :, None]
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        for lo in range(int(a), int(b), _CHUNK):
            hi = min(lo + _CHUNK, int(b))
            xb = x[:, lo:hi]
            d2 = test_sq + np.sum(xb**2, axis=-1)[:, None, :] - 2 * x_test @ xb.transpose(0, 2, 1)
            j = np.argmin(d2, axis=-1)  # (T, Q)
            cand_d2 = np.take_along_axis(d2, j[..., None], axis=-1)[..., 0]
            cand_y = np.take_along_axis(y[:, lo:hi], j, axis=1)
            closer = cand_d2 < best_d2
            best_d2 = np.where(closer, cand_d2, best_d2)
            best_y = np.where(closer, cand_y, best_y)
        at_edge.append(np.mean((best_y - y_test) ** 2, axis=1))
    return np.stack(at_edge, axis=1)[:, where]


def manifold_knn_mse(ns, *, k: int, D: int, trials: int = 8, n_test: int = 256, key) -> ToyCurve:
    """Learning curve of 1-NN regression on a k-dimensional manifold in D dimensions.

    Args:
        ns: Training-set sizes, shape ``(S,)``, whole numbers >= 1.
        k: Intrinsic dimension of the data manifold (>= 1).
        D: Ambient dimension (>= 2k; the manifold needs 2k coordinates).
        trials: Number of Monte Carlo trials (>= 1), each with fresh data.
        n_test: Test points per trial (>= 1).
        key: An ``int`` seed or a jax PRNG key (see :mod:`cs324scale._random`).

    Returns:
        A :class:`~cs324scale.toys.ToyCurve` of test mean squared error; ``theory`` is
        ``None`` (the law is ``~ n^(-2/k)``, see :func:`knn_rate_exponent`).
    """
    ns = check_sizes(ns)
    k = as_int("k", k, minimum=1)
    D = as_int("D", D, minimum=1)
    if D < 2 * k:
        raise ValueError(
            f"D must be >= 2k = {2 * k} to embed the curved {k}-manifold; got D = {D}."
        )
    trials = check_trials(trials)
    n_test = as_int("n_test", n_test, minimum=1)
    n_max = int(ns.max())
    check_budget(trials * (n_max + n_test) * D, f"{trials} trials of n = {n_max} in D = {D}")
    rng = as_generator(key)
    rotation, _ = np.linalg.qr(rng.standard_normal((D, 2 * k)))
    x, y = sample_manifold(rng, trials, n_max, k, rotation)
    x_test, y_test = sample_manifold(rng, trials, n_test, k, rotation)
    return summarise(nearest_neighbour_mse(x, y, x_test, y_test, ns), ns)
