"""What every lab check shares: failing with a message, printing success, reading answers.

A check fails by raising ``AssertionError`` with a sentence that names the likely
mistake (so a lab cell shows the student a reason, not a bare ``assert``) and succeeds
by printing one line that starts with ``OK:``.
"""

from __future__ import annotations

from typing import NoReturn

import numpy as np


def fail(msg: str) -> NoReturn:
    """Raise the check's ``AssertionError`` with ``msg``."""
    raise AssertionError(msg)


def ok(msg: str) -> None:
    """Print the one line that says what a passing check verified."""
    print(f"OK: {msg}")


def returned(value, what: str):
    """Return ``value``; fail when it is ``None`` (a function without ``return``)."""
    if value is None:
        fail(f"{what} is None: did you forget the `return` statement?")
    return value


def array(value, what: str, shape: tuple, *, nonfinite: str = "") -> np.ndarray:
    """``value`` as a float array of exactly ``shape`` with finite entries.

    Args:
        value: The student's answer.
        what: How the message names it, e.g. ``"find_lr_star(lrs, table)"``.
        shape: The expected shape.
        nonfinite: Likely cause appended to the message when an entry is NaN or inf.
    """
    arr = np.asarray(returned(value, what), dtype=float)
    if arr.shape != tuple(shape):
        fail(f"{what} has shape {arr.shape}; expected {tuple(shape)}.")
    bad = ~np.isfinite(arr)
    if bad.any():
        where = np.flatnonzero(bad).tolist()
        fail(
            f"{what} contains NaN or inf (at flat positions {where}).{' ' + nonfinite if nonfinite else ''}"
        )
    return arr


def scalar(value, what: str) -> float:
    """``value`` as one finite float."""
    arr = np.asarray(returned(value, what), dtype=float)
    if arr.size != 1:
        fail(f"{what} has shape {arr.shape}; expected a single number.")
    out = float(arr.ravel()[0])
    if not np.isfinite(out):
        fail(f"{what} is {out}; expected a finite number. Did a fit fail?")
    return out


def interval(value, what: str) -> tuple[float, float]:
    """``value`` as a finite pair ``(low, high)`` with ``low <= high``."""
    if value is None:
        fail(f"{what} is None: return the interval as a pair (low, high).")
    arr = np.asarray(value, dtype=float).ravel()
    if arr.size != 2:
        fail(f"{what} has {arr.size} value(s); expected a pair (low, high).")
    lo, hi = float(arr[0]), float(arr[1])
    if not (np.isfinite(lo) and np.isfinite(hi)):
        fail(f"{what} = ({lo}, {hi}) is not finite; check the bootstrap resamples.")
    if lo > hi:
        fail(f"{what} has low > high; return (low, high) in that order.")
    return lo, hi


def close(a, b, rtol: float) -> bool:
    """``|a - b| <= rtol |b|`` elementwise-all (``b`` is the reference)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return bool(np.all(np.abs(a - b) <= rtol * np.maximum(np.abs(b), 1e-300)))


def diagnose(got, mistakes: dict, rtol: float) -> str | None:
    """The first mistake whose answer equals ``got``, or ``None``.

    Args:
        got: The student's answer (number or array).
        mistakes: Description of a mistake -> the answer that mistake produces.
        rtol: Relative tolerance of "equals".
    """
    got = np.asarray(got, float)
    for why, alt in mistakes.items():
        alt = np.asarray(alt, float)
        if alt.shape == got.shape and np.all(np.isfinite(alt)) and close(got, alt, rtol):
            return why
    return None
