"""The nonparametric box estimator and its dimension-dependent rate.

``x`` is uniform on ``[0, 1]^d`` and ``y = f(x) + sigma * eps`` with the smooth additive
target ``f(x) = sum_j sin(2 pi x_j) / sqrt(d)`` (variance 1/2 over the cube for every d).
The estimator cuts the cube into boxes of side ``h`` and predicts, inside each box, the
average ``y`` of the training points that fell in it (0 in an empty box).

Its mean squared error is a bias term ``~ h^2`` (``f`` varies inside a box) plus a
variance term ``~ sigma^2 / (n h^d)`` (about ``n h^d`` points per box). Two rules for the
side are supported:

* ``side="optimal"``: ``h = n^(-1/(d+2))`` balances the two terms and gives the
  textbook rate ``MSE ~ n^(-2/(d+2))`` for Lipschitz ``f`` (Gyorfi, Kohler, Krzyzak &
  Walk 2002, *A Distribution-Free Theory of Nonparametric Regression*, Thm. 4.3; Stone
  1982, Ann. Statist. 10(4), for its optimality).
* ``side="lecture"``: the CS324 slide's choice, ``h = n^(-1/4)`` in 2D, i.e. ``sqrt(n)``
  boxes holding ``sqrt(n)`` points each. In d dimensions that is ``h = n^(-1/(2d))``,
  whose squared bias ``~ n^(-1/d)`` dominates for ``d >= 2``: the slide's heuristic
  error ``~ n^(-1/d)``. The two rules agree at ``d = 2``.

Boxes have exactly side ``h`` and the grid is shifted by a random fraction of a box in
every trial; boxes are cut off at the faces of the cube. Averaged over trials, the error
then changes smoothly with ``n`` instead of jumping whenever ``1/h`` crosses an integer.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._checks import as_int, as_positive_float
from .._random import as_generator
from ._common import ToyCurve, check_budget, check_sizes, check_trials, summarise

_MAX_CELLS = 60_000_000  # trials x sizes x boxes above this would not fit a laptop


def target(x):
    """The smooth target ``f(x) = sum_j sin(2 pi x_j) / sqrt(d)``.

    Args:
        x: Points, shape ``(..., d)``.

    Returns:
        ``f(x)``, shape ``(...)``.
    """
    d = x.shape[-1]
    return np.sum(np.sin(2 * np.pi * x), axis=-1) / np.sqrt(d)


def rate_exponent(d: int, side: str = "optimal") -> float:
    """The predicted MSE exponent of the box estimator (negative).

    Args:
        d: Input dimension (>= 1).
        side: ``"optimal"`` for the textbook ``-2/(d+2)``; ``"lecture"`` for the
            slide's heuristic ``-1/d`` (``-1/2`` for ``d = 1``, where variance dominates).

    Returns:
        The exponent ``a`` in ``MSE ~ n^a``.
    """
    d = as_int("d", d, minimum=1)
    if side == "optimal":
        return -2.0 / (d + 2)
    if side == "lecture":
        return -min(1.0 / d, 0.5)
    raise ValueError(f"side must be 'optimal' or 'lecture'; got {side!r}.")


def box_side(ns, *, d: int, side="optimal") -> np.ndarray:
    """Side length of the boxes used at each sample size.

    Args:
        ns: Sample sizes, shape ``(S,)``.
        d: Input dimension (>= 1).
        side: ``"optimal"`` (``n^(-1/(d+2))``), ``"lecture"`` (``n^(-1/(2d))``) or a fixed
            positive number used at every size.

    Returns:
        Side lengths ``h``, shape ``(S,)``, float64.
    """
    ns = check_sizes(ns)
    d = as_int("d", d, minimum=1)
    n = ns.astype(float)
    if isinstance(side, str):
        if side == "optimal":
            return n ** (-1.0 / (d + 2))
        if side == "lecture":
            return n ** (-1.0 / (2 * d))
        raise ValueError(f"side must be 'optimal', 'lecture' or a positive number; got {side!r}.")
    if isinstance(side, numbers.Real) and not isinstance(side, bool):
        return np.full(n.shape, as_positive_float("side", side))
    raise ValueError(f"side must be 'optimal', 'lecture' or a positive number; got {side!r}.")


def _intervals(h: np.ndarray, offset: np.ndarray, m_max: int):
    """End points of the grid intervals, clipped to ``[0, 1]``.

    Interval ``k`` along axis ``j`` of trial ``t`` at size ``s`` is
    ``[(k - u_tj) h_s, (k + 1 - u_tj) h_s]``, ``u = offset``. Shapes ``(T, S, d, m_max)``.
    """
    k = np.arange(m_max)[None, None, None, :]
    u = offset[:, None, :, None]
    hh = h[None, :, None, None]
    return np.clip((k - u) * hh, 0.0, 1.0), np.clip((k + 1 - u) * hh, 0.0, 1.0)


def _interval_stats(lo: np.ndarray, hi: np.ndarray, d: int):
    """Length, mean and variance of ``g(u) = sin(2 pi u) / sqrt(d)`` on ``[lo, hi]``.

    Computed in float64 (the within-box variances are tiny); empty intervals get 0.
    """
    length = hi - lo
    safe = np.where(length > 0, length, 1.0)
    mean = (np.cos(2 * np.pi * lo) - np.cos(2 * np.pi * hi)) / (2 * np.pi * safe)
    mean_sq = 0.5 - (np.sin(4 * np.pi * hi) - np.sin(4 * np.pi * lo)) / (8 * np.pi * safe)
    var = np.maximum(mean_sq - mean**2, 0.0) / d
    mean = mean / np.sqrt(d)
    return length, np.where(length > 0, mean, 0.0), np.where(length > 0, var, 0.0)


def _boxes_per_axis(h: np.ndarray) -> np.ndarray:
    """Grid intervals per axis that can meet ``[0, 1]`` for any offset in ``[0, 1)``."""
    return np.ceil(1.0 / h - 1e-9).astype(np.int64).clip(min=1) + 1


def _box_index(x, h, offset, m_max: int):
    """Flat box index (base ``m_max``) of points ``x (..., d)``; ``h (...)``, ``offset (..., d)``."""
    cell = np.floor(x / h[..., None] + offset).astype(np.int64)
    cell = np.clip(cell, 0, m_max - 1)
    return cell @ (m_max ** np.arange(x.shape[-1], dtype=np.int64))


def box_means(x, y, ns, h, offset):
    """Fit the box estimator for many trials and nested sizes at once.

    For every trial ``t`` and size ``s`` the estimator is fitted on the first ``ns[s]``
    points of trial ``t``, with grid lines at ``(k - offset[t, j]) * h[s]`` along axis
    ``j``. The points of all sizes are laid out in one ragged batch and averaged per box
    with one ``np.bincount``.

    Args:
        x: Inputs in ``[0, 1]^d``, shape ``(T, N, d)`` with ``N >= max(ns)``.
        y: Targets, shape ``(T, N)``.
        ns: Sample sizes, int array ``(S,)``.
        h: Box side per size, shape ``(S,)``.
        offset: Grid offset per trial and axis in units of ``h``, in ``[0, 1)``, shape
            ``(T, d)`` (zeros: boxes start at 0).

    Returns:
        ``(means, m_max)``: the per-box averages, shape ``(T, S, m_max**d)`` (0 for
        empty boxes and for slots outside the cube), and ``m_max``, the base of the flat
        box index.
    """
    trials, _, d = x.shape
    ns = np.asarray(ns)
    m_max = int(_boxes_per_axis(h).max())
    n_boxes = m_max**d
    n_seg = trials * len(ns) * n_boxes
    if n_seg > _MAX_CELLS:
        raise ValueError(
            f"{trials} trials x {len(ns)} sizes x {n_boxes} boxes is too many cells; use "
            "fewer trials, fewer or smaller sizes, or a larger side."
        )
    point = np.concatenate([np.arange(n) for n in ns])  # ragged layout, length sum(ns)
    size_of = np.repeat(np.arange(len(ns)), ns)
    box = _box_index(x[:, point], h[size_of][None, :], offset[:, None, :], m_max)  # (T, L)
    seg = (np.arange(trials)[:, None] * len(ns) + size_of[None, :]) * n_boxes + box
    sums = np.bincount(seg.ravel(), weights=y[:, point].ravel(), minlength=n_seg)
    counts = np.bincount(seg.ravel(), minlength=n_seg)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return means.reshape(trials, len(ns), n_boxes), m_max


def box_predict(means, x_query, h, offset, m_max):
    """Predict at query points from fitted box means.

    Args:
        means: Output of :func:`box_means`, shape ``(T, S, B)``.
        x_query: Query points, shape ``(T, Q, d)``.
        h: Box side per size, shape ``(S,)``.
        offset: The grid offsets used in :func:`box_means`, shape ``(T, d)``.
        m_max: Base of the flat box index, from :func:`box_means`.

    Returns:
        Predictions, shape ``(T, S, Q)``.
    """
    hs = np.asarray(h, dtype=float)[None, :, None]
    box = _box_index(x_query[:, None, :, :], hs, offset[:, None, None, :], m_max)
    return np.take_along_axis(means, box, axis=2)


def box_estimate(x_train, y_train, x_query, side):
    """The box estimator on one data set, boxes anchored at 0 (readable version).

    Box ``k`` along an axis is ``[k side, (k+1) side)``; there are ``ceil(1/side)``
    boxes per axis, the last one cut off at 1 (a point at exactly 1 goes to the last
    box). A query in a box without training points is predicted as 0. It equals
    :func:`box_means` and :func:`box_predict` with zero offset for one trial and one
    size, except at points exactly on the face ``x_j = 1``.

    Args:
        x_train: Inputs in ``[0, 1]^d``, shape ``(n, d)``.
        y_train: Targets, shape ``(n,)``.
        x_query: Query points in ``[0, 1]^d``, shape ``(q, d)``.
        side: Box side length, in ``(0, 1]``.

    Returns:
        Predictions, shape ``(q,)``.
    """
    x_train, x_query = np.asarray(x_train, float), np.asarray(x_query, float)
    m = int(np.ceil(1.0 / side - 1e-9))
    base = m ** np.arange(x_train.shape[1])

    def cell(x):
        return np.clip(np.floor(x / side).astype(int), 0, m - 1) @ base

    sums = np.bincount(cell(x_train), weights=y_train, minlength=m ** x_train.shape[1])
    counts = np.bincount(cell(x_train), minlength=m ** x_train.shape[1])
    means = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return means[cell(x_query)]


def grid_offset(rng: np.random.Generator, trials: int, d: int, random_offset: bool) -> np.ndarray:
    """Per-trial grid offsets ``(T, d)``: uniform in ``[0, 1)``, or zeros."""
    return rng.random((trials, d)) if random_offset else np.zeros((trials, d))


def sample_box_data(rng: np.random.Generator, trials: int, n: int, d: int, sigma: float):
    """Draw ``trials`` data sets of ``n`` points: ``x ~ U[0,1]^d``, ``y = f(x) + sigma eps``.

    Returns:
        ``(x, y)`` with shapes ``(trials, n, d)`` and ``(trials, n)``.
    """
    check_budget(trials * n * (d + 1), f"{trials} trials of n = {n} points in d = {d}")
    x = rng.random((trials, n, d))
    return x, target(x) + sigma * rng.standard_normal((trials, n))


def box_estimator_mse(
    ns,
    *,
    d: int,
    side="optimal",
    sigma: float = 1.0,
    trials: int = 16,
    random_offset: bool = True,
    key,
) -> ToyCurve:
    """Monte Carlo mean squared error of the box estimator against ``n``.

    The error of each fitted estimator is computed exactly, not on a test sample:
    ``integral over [0,1]^d of (f_hat - f)^2`` is, box by box, the volume times
    ``(c_b - mean_b f)^2 + var_b f``, and the box means and variances of ``f`` have
    closed forms. Only the training data (and the grid offset) are random.

    Args:
        ns: Sample sizes, shape ``(S,)``, whole numbers >= 1.
        d: Input dimension (>= 1).
        side: ``"optimal"``, ``"lecture"`` or a fixed side length (see module docs).
        sigma: Noise standard deviation (> 0).
        trials: Number of Monte Carlo trials (>= 1).
        random_offset: Shift the grid by a uniform random fraction of a box in every
            trial (default). Averaged over trials this smooths out the wiggles that a
            grid anchored at 0 shows whenever ``1/h`` crosses an integer. ``False``
            anchors the boxes at 0 (the last box along each axis is then cut off at 1).
        key: An ``int`` seed or a jax PRNG key (see :mod:`cs324scale._random`).

    Returns:
        A :class:`~cs324scale.toys.ToyCurve`. ``theory`` is the bias-variance
        approximation ``integrated var_b f + sigma^2 * sum_b min(vol_b, 1/n)``
        (about ``sigma^2 * (number of boxes) / n``), averaged over the trials' grids.
    """
    ns = check_sizes(ns)
    d = as_int("d", d, minimum=1)
    sigma = as_positive_float("sigma", sigma)
    trials = check_trials(trials)
    h = box_side(ns, d=d, side=side)
    rng = as_generator(key)
    x, y = sample_box_data(rng, trials, int(ns.max()), d, sigma)
    offset = grid_offset(rng, trials, d, random_offset)
    means, m_max = box_means(x, y, ns, h, offset)

    lo, hi = _intervals(h, offset, m_max)
    length, mean, var = _interval_stats(lo, hi, d)  # (T, S, d, m_max) float64
    cells = np.unravel_index(np.arange(m_max**d), (m_max,) * d, order="F")  # d x (B,)
    vol = np.prod([length[:, :, j, c] for j, c in enumerate(cells)], axis=0)  # (T, S, B)
    box_mean_f = np.sum([mean[:, :, j, c] for j, c in enumerate(cells)], axis=0)
    bias = np.sum(length * var, axis=(2, 3))  # integrated within-box variance of f, (T, S)
    per_trial = np.sum(vol * (means - box_mean_f) ** 2, axis=-1) + bias
    # Variance: a box expecting n*vol >= 1 points adds vol * sigma^2 / (n vol) = sigma^2/n;
    # thinner boxes (cut off by the cube's faces) add at most their volume times sigma^2.
    variance = sigma**2 * np.sum(np.minimum(vol, 1.0 / ns[:, None]), axis=-1)
    return summarise(per_trial, ns, theory=np.mean(bias + variance, axis=0))
