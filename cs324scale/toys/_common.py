"""Pieces shared by the toy generators: argument checks, draw budget and the result type."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import as_int, as_int_array


class ToyCurve(NamedTuple):
    """A Monte Carlo learning curve: error against sample size.

    Attributes:
        n: Sample sizes, shape ``(S,)``, int64.
        mse: Mean over trials of the squared error at each size, shape ``(S,)``.
        stderr: Standard error of that mean over trials, shape ``(S,)``.
        per_trial: The error of every trial, shape ``(trials, S)``.
        theory: The closed-form prediction at each size where the toy has one, shape
            ``(S,)``; ``None`` otherwise.
    """

    n: np.ndarray
    mse: np.ndarray
    stderr: np.ndarray
    per_trial: np.ndarray
    theory: np.ndarray | None = None


def check_sizes(ns, *, minimum: int = 1) -> np.ndarray:
    """Validate sample sizes: whole numbers >= ``minimum``; returns int64 ``(S,)``."""
    return as_int_array("ns", ns, minimum=minimum)


def check_trials(trials) -> int:
    """Validate the number of Monte Carlo trials (an int >= 1)."""
    return as_int("trials", trials, minimum=1)


MAX_DRAWS = 50_000_000  # random numbers per call: about 400 MB of float64


def check_budget(count: int, what: str) -> None:
    """Raise ``ValueError`` when a call would draw more than :data:`MAX_DRAWS` numbers."""
    if count > MAX_DRAWS:
        raise ValueError(
            f"{what} needs {count:,} random numbers (limit {MAX_DRAWS:,}); use fewer "
            "trials or smaller sizes."
        )


def summarise(per_trial, n: np.ndarray, theory=None) -> ToyCurve:
    """Turn per-trial errors ``(trials, S)`` into a :class:`ToyCurve`."""
    per_trial = np.asarray(per_trial, dtype=float)
    trials = per_trial.shape[0]
    mse = per_trial.mean(axis=0)
    if trials > 1:
        stderr = per_trial.std(axis=0, ddof=1) / np.sqrt(trials)
    else:
        stderr = np.full_like(mse, np.nan)
    th = None if theory is None else np.asarray(theory, dtype=float)
    return ToyCurve(n=np.asarray(n), mse=mse, stderr=stderr, per_trial=per_trial, theory=th)


def prefix_blocks(ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split ``range(max(ns))`` into contiguous blocks ending at each distinct size.

    Returns:
        ``(edges, where)``: ``edges`` are the sorted distinct sizes with a leading 0,
        shape ``(U + 1,)``; ``where[s]`` is the index into ``edges[1:]`` of ``ns[s]``,
        so a quantity accumulated block by block and cumulated gives the value for the
        first ``ns[s]`` samples at position ``where[s]``.
    """
    uniq = np.unique(ns)
    edges = np.concatenate([[0], uniq])
    where = np.searchsorted(uniq, ns)
    return edges, where
