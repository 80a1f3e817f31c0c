"""Checks for lab 1, data scaling laws (``labs/01_data_scaling_laws``).

The lab implements the toy experiments of lecture 1 and measures their exponents:

* Task 1, :func:`check_mean_estimation`: the Monte Carlo MSE of the sample mean is
  simulated (not the formula) and matches ``sigma^2 / n`` within Monte Carlo noise;
  names single samples scored, ``sigma`` squared or missing, the wrong mean axis.
* Task 2, :func:`check_slope`: a fitted slope (``-1``) or intercept (``log sigma^2``)
  within a tolerance; names a flipped sign, ``A`` for ``log A``, base-10 logs.
* Task 3, :func:`check_box_estimator`: the box estimator equals
  :func:`cs324scale.toys.box_estimate` in d = 1, 2, 3 (edges, an empty box); names
  the global mean, ``floor(1/side)`` boxes, ``round``, one coordinate, NaN in empty boxes.
* Task 4, :func:`check_box_exponents`: exponents near ``-2/(d+2)`` and shallower as ``d``
  grows; names positive slopes and the lecture's side ``n^(-1/d)``.
* Task 5, :func:`mystery_manifold_curve` (the data) and
  :func:`check_intrinsic_dimension`: the dimension read off the fitted slope within 0.5;
  names the ambient dimension and ``k = 2/slope`` or ``-1/slope``.

Each check raises ``AssertionError`` naming the likely mistake, or prints ``OK: ...``.
"""

from __future__ import annotations

import numpy as np

from ..toys.box import box_estimate, target
from ..toys.intrinsic_dimension import manifold_knn_mse
from ._feedback import array, diagnose, fail, ok, returned

__all__ = [
    "check_box_estimator",
    "check_box_exponents",
    "check_intrinsic_dimension",
    "check_mean_estimation",
    "check_slope",
    "mystery_manifold_curve",
]

_MYSTERY = (3, 24)  # intrinsic and ambient dimension of the lab's mystery data set


def check_slope(slope: float, expected: float, *, tol: float, what: str = "the slope") -> None:
    """Check a fitted log-log slope (or intercept) against its predicted value.

    Verifies ``|slope - expected| <= tol``. On failure it names a wrong sign (the
    exponent ``alpha`` passed where the slope ``-alpha`` was expected), ``A`` passed
    where ``log A`` was expected, and a base-10 logarithm.

    Args:
        slope: The measured value.
        expected: The predicted value.
        tol: Allowed absolute difference.
        what: Name used in the message.
    """
    slope = float(returned(slope, what))
    if not np.isfinite(slope):
        fail(f"{what} is {slope}; the fit failed. Are all errors positive and finite?")
    off = slope - expected
    if abs(off) <= tol:
        ok(f"{what} = {slope:.3f} (expected {expected:.3f} +/- {tol}).")
        return
    if slope * expected < 0 and abs(slope + expected) <= tol:
        hint = (
            "The sign is wrong: errors fall with n, so the slope is negative. Did you pass "
            "the exponent alpha (positive) where the slope -alpha was expected?"
            if expected < 0
            else "The sign is wrong."
        )
    elif abs(slope - np.exp(expected)) <= tol * abs(np.exp(expected)):
        hint = "That is exp of the expected value: pass log(A), not A (np.log(law.A_))."
    elif abs(slope - expected / np.log(10)) <= tol:
        hint = "That looks like a base-10 logarithm; use natural logs (np.log)."
    else:
        hint = "Check that you fitted log(error) against log(n) over the full range of n."
    fail(f"{what} = {slope:.3f}, expected {expected:.3f} +/- {tol} (off by {off:+.3f}). {hint}")


def check_mean_estimation(fn) -> None:
    """Check ``fn(ns, *, sigma, trials, rng)``, a Monte Carlo MSE of the sample mean.

    Verifies that ``fn`` returns one mean squared error per entry of ``ns`` that matches
    ``sigma^2 / n`` up to Monte Carlo noise, and that it is simulated (not the formula).
    Names single samples scored instead of their mean, a missing or squared ``sigma``,
    and a mean over the wrong axis.
    """
    ns = np.array([4, 40, 400])
    sigma, trials = 2.0, 4000
    out = array(
        fn(ns, sigma=sigma, trials=trials, rng=np.random.default_rng(0)), "fn(ns, ...)", (3,)
    )
    exact = sigma**2 / ns
    ratio = out / exact
    tol = 5 * np.sqrt(2.0 / trials)  # relative sd of a mean of chi-square(1) draws
    if np.allclose(ratio, 1.0, rtol=0, atol=1e-9):
        fail(
            "fn returns sigma^2 / n exactly, without Monte Carlo noise: the task is to "
            "simulate it (draw the data with rng, average the squared errors of the mean)."
        )
    if np.all(np.abs(ratio - 1) < tol):
        ok(f"MSE / (sigma^2 / n) = {np.round(ratio, 3).tolist()} for n = {ns.tolist()}.")
        return
    causes = []
    if np.allclose(ratio, ns, rtol=0.2):
        causes.append(
            "the error is about sigma^2, not sigma^2/n: you may be scoring single samples, not their mean"
        )
    if np.allclose(ratio, ns / trials, rtol=0.75):  # the n = 4 entry is noisy
        causes.append(
            "the error is about sigma^2/trials: you averaged over the trial axis (axis 0); "
            "average each data set over its n points (axis 1)"
        )
    if np.allclose(ratio * sigma**2, 1.0, rtol=0.2):
        causes.append("the error does not grow with sigma: multiply the standard normals by sigma")
    if np.allclose(ratio, sigma**2, rtol=0.2):
        causes.append(
            "off by a factor sigma^2: scale the standard normals by sigma (the sd), not sigma^2"
        )
    if np.allclose(ratio, 1 / sigma, rtol=0.2) or np.allclose(ratio, sigma, rtol=0.2):
        causes.append(
            "off by a factor sigma: square the error, and scale the data by sigma (not sigma^2)"
        )
    if np.allclose(ratio, ratio[0], rtol=0.2) and not causes:
        causes.append(
            f"off by a constant factor {ratio[0]:.2f}: check the mean over trials and the squaring"
        )
    if not causes:
        causes.append("did you average over the trial axis (not over n), and compare with mu = 0?")
    fail(
        f"MSE / (sigma^2/n) = {np.round(ratio, 3).tolist()}, expected 1 within {tol:.2f}. Likely: {causes[0]}."
    )


def _box_variant(x, y, xq, side, *, m: int, to_int=np.floor, empty=0.0):
    """The box estimator with one detail changed: ``m`` boxes per axis, rounding, empty value."""
    base = m ** np.arange(x.shape[1])

    def cell(z):
        return np.clip(to_int(z / side).astype(int), 0, m - 1) @ base

    sums = np.bincount(cell(x), weights=y, minlength=m ** x.shape[1])
    counts = np.bincount(cell(x), minlength=m ** x.shape[1])
    return np.where(counts > 0, sums / np.maximum(counts, 1), empty)[cell(xq)]


def _box_cases():
    """The three data sets of :func:`check_box_estimator`; d = 1 has an empty box on purpose."""
    rng = np.random.default_rng(1)
    for d, n, side in ((1, 50, 0.1), (2, 400, 0.15), (3, 300, 0.3)):
        x, xq = rng.random((n, d)), rng.random((200, d))
        xq[:3] = [[0.0] * d, [1.0] * d, [side] * d]  # corners and a box edge
        if d == 1:
            x[(x >= 0.5) & (x < 0.6)] -= 0.1  # box [0.5, 0.6) holds no training point
            xq[3] = [0.55]
        y = np.asarray(target(x)) + 0.1 * rng.standard_normal(n)
        yield d, side, x, y, xq


def check_box_estimator(fn) -> None:
    """Check ``fn(x_train, y_train, x_query, side)`` against the lab's box estimator.

    Verifies agreement with :func:`cs324scale.toys.box_estimate` to 1e-8 on three data
    sets (d = 1, 2, 3), including the corners, a point on a box boundary and a query in
    an empty box. Names: the global mean everywhere, an empty box not predicted as 0,
    ``floor(1/side)`` boxes per axis instead of ``ceil``, ``round`` instead of
    ``floor``, and only the first coordinate used.
    """
    for d, side, x, y, xq in _box_cases():
        want = box_estimate(x, y, xq, side)
        got = returned(fn(x, y, xq, side), "the prediction of your function")
        got = np.asarray(got, dtype=float)
        if got.shape != want.shape:
            fail(
                f"d = {d}: predictions have shape {got.shape}, expected {want.shape} (one per query point)."
            )
        if np.isnan(got).any():
            fail(f"d = {d}: NaN predictions: an empty box divides 0 by 0; predict 0 there instead.")
        bad = ~np.isclose(got, want, atol=1e-8)
        if not bad.any():
            continue
        m = int(np.ceil(1.0 / side - 1e-9))
        empty = _box_variant(x, y, xq, side, m=m, empty=np.nan)
        mistakes = {
            "every prediction is the global mean: group the points by box first": np.full(
                len(xq), np.mean(y)
            ),
            f"use ceil(1/side) = {m} boxes per axis; the last box is cut off at 1, not merged "
            "with its neighbour": _box_variant(x, y, xq, side, m=int(np.floor(1.0 / side + 1e-9))),
            "a box index is floor(x / side), not round(x / side)": _box_variant(
                x, y, xq, side, m=m, to_int=np.round
            ),
        }
        if d > 1:
            mistakes[
                "only the first coordinate picks the box: combine all coordinates into one box index"
            ] = _box_variant(x[:, :1], y, xq[:, :1], side, m=m)
        why = diagnose(got, mistakes, 1e-8)
        i = int(np.flatnonzero(bad)[0])
        if why is None and np.all(np.isnan(empty[bad])):
            why = "a query in a box without training points must be predicted as 0"
        if why is None:
            why = (
                "the edge points (x = 0, x = 1 or exactly on a box boundary) land in the wrong box; "
                "use floor(x / side), clipped to the last box"
                if i < 3
                else "compare the box index of a training point and of a query point in the same box"
            )
        fail(
            f"d = {d}, side = {side}: {int(bad.sum())} of {bad.size} predictions differ "
            f"(query {i} at {np.round(xq[i], 3).tolist()}: got {got[i]:.4f}, expected {want[i]:.4f}). Likely: {why}."
        )
    ok(
        "your box estimator agrees with the reference in d = 1, 2, 3, edges and an empty box included."
    )


def check_box_exponents(dims, slopes, *, tol: float = 0.08) -> None:
    """Check measured box-estimator exponents, one per dimension, with the optimal side.

    Verifies each slope is within ``tol`` of the textbook ``-2/(d+2)`` and that the
    slopes get shallower as ``d`` grows; the message says for each ``d`` whether the
    slope is nearer the textbook rate or the lecture's ``-1/d``, and names positive
    slopes (``alpha`` passed for ``-alpha``).
    """
    dims = [int(d) for d in dims]
    slopes = array(slopes, "slopes (one fitted slope per d)", (len(dims),))
    if np.all(slopes > 0):
        fail(
            f"every slope is positive ({np.round(slopes, 3).tolist()}): errors fall with n, so "
            "the slopes are negative. Pass -law.alpha_, not the exponent alpha_."
        )
    lines = []
    for d, s in zip(dims, slopes, strict=True):
        textbook, lecture = -2 / (d + 2), -1 / d
        nearer = "textbook -2/(d+2)" if abs(s - textbook) <= abs(s - lecture) else "lecture -1/d"
        lines.append(
            f"d = {d}: slope {s:.3f}, textbook {textbook:.3f}, lecture {lecture:.3f} -> nearer the {nearer}"
        )
        if abs(s - textbook) > tol:
            fail(
                "\n".join(lines)
                + f"\nd = {d} is off the optimal-side rate by {s - textbook:+.3f}. "
                "Is the side n**(-1/(d+2)) (not n**(-1/d))? Is the error measured on fresh test points against f, not noisy y?"
            )
    if np.any(np.diff(slopes[np.argsort(dims)]) <= 0):
        fail("\n".join(lines) + "\nSlopes should get shallower (closer to 0) as d grows.")
    ok("\n" + "\n".join(lines))


def mystery_manifold_curve(ns, *, trials: int = 4, key):
    """The lab's mystery data: a 1-NN learning curve on a manifold of unknown dimension.

    Args:
        ns: Training-set sizes.
        trials: Data sets averaged per size.
        key: An int seed or a jax PRNG key (see :mod:`cs324scale._random`); required.

    Returns:
        A :class:`~cs324scale.toys.ToyCurve` from
        :func:`~cs324scale.toys.manifold_knn_mse` with a hidden ``k`` and ``D``.
    """
    k, D = _MYSTERY
    return manifold_knn_mse(ns, k=k, D=D, trials=trials, key=key)


def check_intrinsic_dimension(k_hat: float) -> None:
    """Check an intrinsic-dimension estimate for the mystery data set.

    Verifies ``k_hat`` is within 0.5 of the manifold's dimension. Names a non-positive
    value (``2/slope``), the ambient dimension (the number of coordinates), and a wrong
    inversion of ``slope = -2/k`` (``-1/slope``).
    """
    k, D = _MYSTERY
    k_hat = float(returned(k_hat, "k_hat"))
    if not np.isfinite(k_hat) or k_hat <= 0:
        fail(f"k_hat = {k_hat}: a dimension is positive. From slope = -2/k, k = -2/slope.")
    if abs(k_hat - D) < abs(k_hat - k) or k_hat > 2 * k + 1:
        fail(
            f"k_hat = {k_hat:.2f} is far too large: the exponent -2/k must be read from the fitted slope, not from the number of coordinates."
        )
    if abs(k_hat - k) > 0.5:
        direction = "steeper" if k_hat < k else "shallower"
        fail(
            f"k_hat = {k_hat:.2f} is off by {k_hat - k:+.2f}; your slope looks {direction} than the data's. "
            "Check k = -2/slope (not -1/slope or 2/slope) and that the fit uses log(MSE) vs log(n)."
        )
    ok(f"k_hat = {k_hat:.2f}; the data live on a {k}-dimensional manifold in {D} dimensions.")
