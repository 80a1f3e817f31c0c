"""Feedback for the lab's check cells.

Each ``check_*`` function runs or inspects a student's answer, and on failure raises an
``AssertionError`` whose message says what is wrong (shape, by how much a slope is off,
the likely cause) instead of a bare ``assert``. On success it prints one line saying
what was verified.
"""

from __future__ import annotations

import numpy as np

from .box import target
from .intrinsic_dimension import manifold_knn_mse

__all__ = [
    "check_box_estimator",
    "check_box_exponents",
    "check_intrinsic_dimension",
    "check_mean_estimation",
    "check_slope",
    "mystery_manifold_curve",
    "reference_box_predict",
]

_MYSTERY = (3, 24)  # intrinsic and ambient dimension of the lab's mystery data set


def _fail(msg: str):
    raise AssertionError(msg)


def _as_result(out, name: str, shape: tuple) -> np.ndarray:
    if out is None:
        _fail(f"{name} returned None: did you forget the `return` statement?")
    arr = np.asarray(out, dtype=float)
    if arr.shape != shape:
        _fail(f"{name} returned shape {arr.shape}, expected {shape} (one value per input).")
    if not np.all(np.isfinite(arr)):
        _fail(
            f"{name} returned NaN or inf at positions {np.flatnonzero(~np.isfinite(arr)).tolist()}."
        )
    return arr


def check_slope(slope: float, expected: float, *, tol: float, what: str = "the slope") -> None:
    """Check a fitted exponent against its expected value.

    Args:
        slope: The measured log-log slope.
        expected: The predicted slope.
        tol: Allowed absolute difference.
        what: Name used in the message.
    """
    slope = float(slope)
    if not np.isfinite(slope):
        _fail(f"{what} is {slope}; the fit failed. Are all errors positive and finite?")
    off = slope - expected
    if abs(off) > tol:
        hint = (
            "The sign is wrong: errors should fall with n, so the slope is negative. "
            "Did you fit n against the error, or pass the exponent alpha (positive) "
            "where the slope -alpha was expected?"
            if slope * expected < 0
            else "Check that you fitted log(error) against log(n) over the full range of n."
        )
        _fail(
            f"{what} = {slope:.3f}, expected {expected:.3f} +/- {tol} (off by {off:+.3f}). {hint}"
        )
    print(f"OK: {what} = {slope:.3f} (expected {expected:.3f} +/- {tol}).")


def check_mean_estimation(fn) -> None:
    """Check ``fn(ns, *, sigma, trials, rng)``, a Monte Carlo MSE of the sample mean.

    ``fn`` must return one mean squared error per entry of ``ns`` and match
    ``sigma^2 / n`` up to Monte Carlo noise.
    """
    ns = np.array([4, 40, 400])
    sigma, trials = 2.0, 4000
    out = _as_result(fn(ns, sigma=sigma, trials=trials, rng=np.random.default_rng(0)), "fn", (3,))
    exact = sigma**2 / ns
    ratio = out / exact
    tol = 5 * np.sqrt(2.0 / trials)  # relative sd of a mean of chi-square(1) draws
    if np.all(np.abs(ratio - 1) < tol):
        print(f"OK: MSE / (sigma^2 / n) = {np.round(ratio, 3).tolist()} for n = {ns.tolist()}.")
        return
    causes = []
    if np.allclose(ratio, ns, rtol=0.2):
        causes.append(
            "the error is about sigma^2, not sigma^2/n: you may be scoring single samples, not their mean"
        )
    if np.allclose(ratio * sigma**2, 1.0, rtol=0.2):
        causes.append("the error does not grow with sigma: multiply the standard normals by sigma")
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
    _fail(
        f"MSE / (sigma^2/n) = {np.round(ratio, 3).tolist()}, expected 1 within {tol:.2f}. Likely: {causes[0]}."
    )


def reference_box_predict(x_train, y_train, x_query, side):
    """Box estimator on one data set, boxes anchored at 0 (the lab's specification).

    Box ``k`` along an axis is ``[k side, (k+1) side)``; ``ceil(1/side)`` boxes per axis,
    the last one cut off at 1 (a point at exactly 1 goes to the last box). A query in a
    box without training points is predicted as 0.

    Args:
        x_train: ``(n, d)`` in ``[0, 1]``; y_train: ``(n,)``; x_query: ``(q, d)``.
        side: Box side length, in ``(0, 1]``.

    Returns:
        Predictions, shape ``(q,)``.
    """
    x_train, x_query = np.asarray(x_train, float), np.asarray(x_query, float)
    m = int(np.ceil(1.0 / side - 1e-9))
    base = m ** np.arange(x_train.shape[1])
    cell = lambda x: np.clip(np.floor(x / side).astype(int), 0, m - 1) @ base  # noqa: E731
    sums = np.bincount(cell(x_train), weights=y_train, minlength=m ** x_train.shape[1])
    counts = np.bincount(cell(x_train), minlength=m ** x_train.shape[1])
    means = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return means[cell(x_query)]


def check_box_estimator(fn) -> None:
    """Check ``fn(x_train, y_train, x_query, side)`` against the lab's box estimator."""
    rng = np.random.default_rng(1)
    for d, n, side in ((1, 50, 0.1), (2, 400, 0.15), (3, 300, 0.3)):
        x, xq = rng.random((n, d)), rng.random((200, d))
        xq[:3] = [[0.0] * d, [1.0] * d, [side] * d]  # corners and a box edge
        y = np.asarray(target(x)) + 0.1 * rng.standard_normal(n)
        want = reference_box_predict(x, y, xq, side)
        got = fn(x, y, xq, side)
        if got is None:
            _fail("your function returned None: did you forget the `return` statement?")
        got = np.asarray(got, dtype=float)
        if got.shape != want.shape:
            _fail(
                f"d = {d}: predictions have shape {got.shape}, expected {want.shape} (one per query point)."
            )
        if np.isnan(got).any():
            _fail(
                f"d = {d}: NaN predictions: an empty box divides 0 by 0; predict 0 there instead."
            )
        bad = ~np.isclose(got, want, atol=1e-8)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            if np.allclose(got, np.mean(y)):
                cause = "every prediction is the global mean: group the points by box first"
            elif i < 3:
                cause = "the edge points (x = 0, x = 1 or exactly on a box boundary) land in the wrong box; use floor(x / side), clipped to the last box"
            elif d > 1 and bad.mean() > 0.5:
                cause = "most predictions differ only when d > 1: combine all coordinates into one box index"
            else:
                cause = (
                    "compare the box index of a training point and of a query point in the same box"
                )
            _fail(
                f"d = {d}, side = {side}: {int(bad.sum())} of {bad.size} predictions differ "
                f"(query {i} at {np.round(xq[i], 3).tolist()}: got {got[i]:.4f}, expected {want[i]:.4f}). Likely: {cause}."
            )
    print("OK: your box estimator agrees with the reference in d = 1, 2, 3, edges included.")


def check_box_exponents(dims, slopes, *, tol: float = 0.08) -> None:
    """Check measured box-estimator exponents, one per dimension, with the optimal side.

    Says for each ``d`` whether the slope is closer to the textbook ``-2/(d+2)`` or to
    the lecture's ``-1/d``, and fails when it is near neither or the order is wrong.
    """
    dims = [int(d) for d in dims]
    slopes = np.asarray(slopes, dtype=float)
    if slopes.shape != (len(dims),):
        _fail(f"slopes has shape {slopes.shape}, expected ({len(dims)},): one fitted slope per d.")
    lines = []
    for d, s in zip(dims, slopes, strict=True):
        textbook, lecture = -2 / (d + 2), -1 / d
        nearer = "textbook -2/(d+2)" if abs(s - textbook) <= abs(s - lecture) else "lecture -1/d"
        lines.append(
            f"d = {d}: slope {s:.3f}, textbook {textbook:.3f}, lecture {lecture:.3f} -> nearer the {nearer}"
        )
        if abs(s - textbook) > tol:
            _fail(
                "\n".join(lines)
                + f"\nd = {d} is off the optimal-side rate by {s - textbook:+.3f}. "
                "Is the side n**(-1/(d+2)) (not n**(-1/d))? Is the error measured on fresh test points against f, not noisy y?"
            )
    if np.any(np.diff(slopes[np.argsort(dims)]) <= 0):
        _fail("\n".join(lines) + "\nSlopes should get shallower (closer to 0) as d grows.")
    print("OK:\n" + "\n".join(lines))


def mystery_manifold_curve(ns, *, trials: int = 4, key=0):
    """The lab's mystery data: a 1-NN learning curve on a manifold of unknown dimension.

    Returns:
        A :class:`~cs324scale.toys.ToyCurve` from
        :func:`~cs324scale.toys.manifold_knn_mse` with a hidden ``k`` and ``D``.
    """
    k, D = _MYSTERY
    return manifold_knn_mse(ns, k=k, D=D, trials=trials, key=key)


def check_intrinsic_dimension(k_hat: float) -> None:
    """Check an intrinsic-dimension estimate for the mystery data set."""
    k, D = _MYSTERY
    k_hat = float(k_hat)
    if not np.isfinite(k_hat) or k_hat <= 0:
        _fail(f"k_hat = {k_hat}: a dimension is positive. From slope = -2/k, k = -2/slope.")
    if abs(k_hat - D) < abs(k_hat - k) or k_hat > 2 * k + 1:
        _fail(
            f"k_hat = {k_hat:.2f} is far too large: the exponent -2/k must be read from the fitted slope, not from the number of coordinates."
        )
    if abs(k_hat - k) > 0.5:
        direction = "steeper" if k_hat < k else "shallower"
        _fail(
            f"k_hat = {k_hat:.2f} is off by {k_hat - k:+.2f}; your slope looks {direction} than the data's. "
            "Check k = -2/slope (not -1/slope or 2/slope) and that the fit uses log(MSE) vs log(n)."
        )
    print(
        f"OK: k_hat = {k_hat:.2f}; the data live on a {k}-dimensional manifold in {D} dimensions."
    )
