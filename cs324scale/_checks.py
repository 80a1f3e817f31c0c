"""Argument validation shared by every module.

Each check raises ``ValueError`` with a message that names the argument, says what
was wrong and what to do instead, before any expensive work (or compilation) starts.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def as_array(name: str, x, *, min_size: int = 1) -> np.ndarray:
    """Return ``x`` as a 1-D float array after checking it is non-empty and finite."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be an array of numbers; got {type(x).__name__}.") from err
    arr = np.atleast_1d(arr)
    if arr.size < min_size:
        raise ValueError(
            f"{name} has {arr.size} value(s) but at least {min_size} are needed; pass more points."
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(
            f"{name} contains {int(bad.sum())} NaN or infinite value(s) (first at index "
            f"{int(np.flatnonzero(bad.ravel())[0])}); drop or fix those points before fitting."
        )
    return arr


def as_positive_array(name: str, x, *, min_size: int = 1) -> np.ndarray:
    """Like :func:`as_array`, and every value must be > 0 (logs are taken of it)."""
    arr = as_array(name, x, min_size=min_size)
    if (arr <= 0).any():
        i = int(np.flatnonzero(arr.ravel() <= 0)[0])
        raise ValueError(
            f"{name} must be positive because its logarithm is taken; {name}[{i}] = "
            f"{arr.ravel()[i]!r}. Remove non-positive points or shift the data."
        )
    return arr


def same_length(**arrays) -> int:
    """Check that every named array has the same length; return that length."""
    lengths = {k: len(np.atleast_1d(v)) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"len({k}) = {n}" for k, n in lengths.items())
        raise ValueError(f"Arrays must have the same length but {desc}; pass matching arrays.")
    return next(iter(lengths.values()))


def as_int(name: str, x, *, minimum: int = 1) -> int:
    """Return ``x`` as a Python int >= ``minimum``; reject floats with a fractional part."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {x!r}.")
    if isinstance(x, numbers.Integral) or float(x).is_integer():
        value = int(x)
    else:
        raise ValueError(f"{name} must be a whole number; got {x!r}. Round it, e.g. {name}={round(x)}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}.")
    return value


def as_int_array(name: str, x, *, minimum: int = 1) -> np.ndarray:
    """Return a 1-D int64 array of whole numbers >= ``minimum`` (sample sizes, widths)."""
    arr = as_array(name, x)
    if not np.all(arr == np.round(arr)):
        i = int(np.flatnonzero(arr != np.round(arr))[0])
        raise ValueError(f"{name} must hold whole numbers; {name}[{i}] = {arr[i]!r}. Round the sizes.")
    if (arr < minimum).any():
        i = int(np.flatnonzero(arr < minimum)[0])
        raise ValueError(f"{name} must be >= {minimum} everywhere; {name}[{i}] = {int(arr[i])}.")
    return arr.astype(np.int64)


def as_positive_float(name: str, x) -> float:
    """Return ``x`` as a finite float > 0."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(float(x)):
        raise ValueError(f"{name} must be a finite positive number; got {x!r}.")
    if float(x) <= 0:
        raise ValueError(f"{name} must be > 0; got {x!r}.")
    return float(x)


def one_of(name: str, x, choices) -> str:
    """Check that ``x`` is one of ``choices`` (strings)."""
    if x not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}; got {x!r}.")
    return x
