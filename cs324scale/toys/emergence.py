"""Emergence as a choice of metric: smooth per-token accuracy, sharp exact match.

Schaeffer, Miranda & Koyejo (2023), "Are Emergent Abilities of Large Language Models a
Mirage?" (NeurIPS 2023, Sec. 2): suppose the per-token cross-entropy falls as a power
law in parameters, ``L(N) = (N / c)^(-alpha)``. Then the probability of getting one
token right is ``p(N) = exp(-L(N))``, a smooth curve in ``log N``, and the probability of
getting all ``k`` tokens of an answer right (exact match) is ``p(N)^k = exp(-k L(N))``.
On a log-``N`` axis the second curve sits near zero and then shoots up: an "emergent
ability" (Wei et al. 2022, "Emergent Abilities of Large Language Models") made by the
nonlinear metric, not by a sudden change in the model.

This module is the closed-form toy with Monte Carlo scoring (:func:`per_token_accuracy`,
:func:`mirage_curves`), a number for "sharp" (:func:`rise_share`) and the exact-match
scorer (:func:`exact_match_runs`). The same measurement on the kit's character-level
Transformers lives with the trainers: :mod:`cs324scale.train.emergence`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import as_array, as_int, as_positive_array, as_positive_float
from .._random import as_generator
from ._common import check_budget

__all__ = [
    "MirageCurves",
    "exact_match_runs",
    "mirage_curves",
    "per_token_accuracy",
    "rise_share",
]


# --------------------------------------------------------------------- closed-form toy


def per_token_accuracy(n_params, *, n_c: float = 1e6, alpha: float = 0.3) -> np.ndarray:
    """Probability of one correct token, ``p(N) = exp(-(N / n_c)^(-alpha))``.

    Schaeffer et al. (2023), Sec. 2: a power-law per-token cross-entropy
    ``L(N) = (N / n_c)^(-alpha)`` and ``p = exp(-L)``. The defaults are toy constants
    (not fitted to any model) chosen so that ``p`` climbs from about 0.6 to 0.97 as
    ``N`` goes from 1e7 to 1e11.

    Args:
        n_params: Model sizes, any shape, > 0.
        n_c: Scale constant (> 0).
        alpha: Exponent of the cross-entropy power law (> 0).

    Returns:
        ``p(N)``, same shape as ``n_params``, in ``(0, 1)``.
    """
    n = np.asarray(n_params, dtype=float)
    as_positive_array("n_params", n.ravel())
    n_c = as_positive_float("n_c", n_c)
    alpha = as_positive_float("alpha", alpha)
    return np.exp(-((n / n_c) ** (-alpha)))


class MirageCurves(NamedTuple):
    """Per-token accuracy and exact match of the same toy models.

    Attributes:
        n_params: Model sizes, shape ``(S,)``.
        k: Answer length in tokens.
        per_token: Measured fraction of correct tokens, shape ``(S,)``.
        exact_match: Measured fraction of answers with all ``k`` tokens right, ``(S,)``.
        per_token_theory: ``p(N)``, shape ``(S,)``.
        exact_match_theory: ``p(N)^k``, shape ``(S,)``.
    """

    n_params: np.ndarray
    k: int
    per_token: np.ndarray
    exact_match: np.ndarray
    per_token_theory: np.ndarray
    exact_match_theory: np.ndarray


def mirage_curves(
    n_params,
    *,
    k: int,
    n_examples: int = 1000,
    n_c: float = 1e6,
    alpha: float = 0.3,
    key,
) -> MirageCurves:
    """Score ``n_examples`` answers of ``k`` tokens per model size, two ways.

    Every token of every answer is right independently with probability
    :func:`per_token_accuracy` of the model size (one array of uniforms for all sizes,
    examples and tokens). The same draws are scored per token and by exact match.

    Args:
        n_params: Model sizes, shape ``(S,)``, > 0.
        k: Tokens per answer (>= 1).
        n_examples: Answers per model size (>= 1).
        n_c, alpha: Constants of :func:`per_token_accuracy`.
        key: An int seed or a jax PRNG key (see :mod:`cs324scale._random`).

    Returns:
        A :class:`MirageCurves`.

    Raises:
        ValueError: For non-positive sizes, ``k < 1``, ``n_examples < 1`` or a bad key.
    """
    n = as_positive_array("n_params", n_params)
    if n.ndim != 1:
        raise ValueError(f"n_params must be 1-D; got shape {n.shape}.")
    k = as_int("k", k, minimum=1)
    n_examples = as_int("n_examples", n_examples, minimum=1)
    p = per_token_accuracy(n, n_c=n_c, alpha=alpha)
    check_budget(n.size * n_examples * k, "mirage_curves")
    rng = as_generator(key)
    right = rng.random((n.size, n_examples, k)) < p[:, None, None]
    return MirageCurves(
        n_params=n,
        k=k,
        per_token=right.mean(axis=(1, 2)),
        exact_match=right.all(axis=2).mean(axis=1),
        per_token_theory=p,
        exact_match_theory=p**k,
    )


def rise_share(scale, values, *, factor: float) -> float:
    """Share of a curve's total rise that happens within the last ``factor`` of scale.

    With sizes ``s_1 < ... < s_S`` and values ``v``, this is
    ``(v(s_S) - v(s_S / factor)) / (v(s_S) - v(s_1))``, where ``v`` between measured
    sizes is interpolated linearly in ``log s``. A straight line in ``log s`` spanning
    ``R`` = ``s_S / s_1`` gives ``log(factor) / log(R)``; a curve that sits flat and
    then jumps at the end gives nearly 1. That is what "sharp" means here.

    Args:
        scale: Sizes, shape ``(S,)``, > 0, strictly increasing, ``S >= 2``.
        values: The metric at each size, shape ``(S,)``, with ``v_S != v_1``.
        factor: How far back from the largest size to look (``1 < factor <= s_S / s_1``).

    Returns:
        The share, a float (1 when all the rise is in the last ``factor``; can leave
        ``[0, 1]`` for a non-monotone curve).

    Raises:
        ValueError: For unsorted or mismatched inputs, a flat curve or a bad ``factor``.
    """
    s = as_positive_array("scale", scale, min_size=2)
    v = as_array("values", values, min_size=2)
    if s.shape != v.shape or s.ndim != 1:
        raise ValueError(f"scale {s.shape} and values {v.shape} must be 1-D and the same length.")
    if np.any(np.diff(s) <= 0):
        raise ValueError("scale must be strictly increasing; sort the models by size first.")
    factor = as_positive_float("factor", factor)
    span = s[-1] / s[0]
    if not 1 < factor <= span * (1 + 1e-12):
        raise ValueError(f"factor must be in (1, {span:.4g}] (the range of scale); got {factor}.")
    total = v[-1] - v[0]
    if total == 0:
        raise ValueError(
            "values do not change from the smallest to the largest size; no rise to share."
        )
    v_back = np.interp(np.log(s[-1] / factor), np.log(s), v)
    return float((v[-1] - v_back) / total)


# ------------------------------------------------------------------ character models


def exact_match_runs(correct, k: int, *, start: int = 0) -> np.ndarray:
    """For each row, which ``k``-token runs are entirely correct.

    Under teacher forcing, ``correct[b, t]`` says whether the model's top next token at
    position ``t`` equals the true one. A greedy continuation of ``k`` tokens from the
    prefix ending at ``t - 1`` reproduces the text exactly if and only if the ``k``
    teacher-forced predictions at ``t .. t+k-1`` are all correct (each greedy step then
    sees the true prefix), so exact match needs one forward pass, not ``k``.

    Args:
        correct: Boolean array ``(B, T)``.
        k: Run length, ``1 <= k <= T - start``.
        start: First position a run may start at (the shortest prompt).

    Returns:
        Boolean array ``(B, T - start - k + 1)``: run starting at ``start + j`` all correct.
    """
    c = np.asarray(correct, dtype=bool)
    if c.ndim != 2:
        raise ValueError(f"correct must be 2-D (windows, positions); got shape {c.shape}.")
    start = as_int("start", start, minimum=0)
    k = as_int("k", k, minimum=1)
    if start + k > c.shape[1]:
        raise ValueError(f"start + k = {start + k} exceeds the {c.shape[1]} positions per window.")
    cs = np.concatenate([np.zeros((c.shape[0], 1), int), np.cumsum(c[:, start:], axis=1)], axis=1)
    return (cs[:, k:] - cs[:, :-k]) == k
