"""Pieces shared by the toy generators: PRNG keys, trial keys and the result type."""

from __future__ import annotations

import numbers
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


def as_rng(key) -> np.random.Generator:
    """Return the NumPy generator that ``key`` names.

    Args:
        key: Either a non-negative ``int`` seed or a jax PRNG key (a typed key from
            ``jax.random.key`` or a raw ``uint32[2]`` key from ``jax.random.PRNGKey``).
            The key's data words seed a ``numpy.random.Generator`` (PCG64 through a
            ``SeedSequence``), so the same key always gives the same numbers, and the
            int seed ``s`` gives the same numbers as ``jax.random.key(s)``. Sampling
            in NumPy keeps each call free of XLA compilation, which would otherwise
            dominate these small experiments.

    Returns:
        A fresh ``numpy.random.Generator``.

    Raises:
        ValueError: If ``key`` is neither an int seed nor a single jax PRNG key.
    """
    if isinstance(key, numbers.Integral) and not isinstance(key, bool):
        seed = int(key)
        if not 0 <= seed < 2**64:
            raise ValueError(f"key as an int seed must be in [0, 2**64); got {seed}.")
        words = [(seed >> 32) & 0xFFFFFFFF, seed & 0xFFFFFFFF]  # = jax.random.key(seed) data
        return np.random.default_rng(words)
    if type(key).__module__.startswith("jax"):
        import jax  # only when a jax key was passed
        import jax.numpy as jnp

        if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) and key.shape == ():
            return np.random.default_rng(np.asarray(jax.random.key_data(key)).ravel().tolist())
        if key.dtype == jnp.uint32 and key.shape == (2,):
            return np.random.default_rng(np.asarray(key).tolist())
    raise ValueError(
        "key must be an int seed or a single jax PRNG key (e.g. jax.random.key(0)); "
        f"got {type(key).__name__}{getattr(key, 'shape', '')}."
    )


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
