"""Weights along one training run and their continuation scores: emergence by metric.

The closed-form half of the emergence demo is a toy (:mod:`cs324scale.toys.emergence`,
Schaeffer et al. 2023); this half measures the same thing on the kit's character
Transformers. :func:`train_snapshots` trains one model with the kit's training loop
(:mod:`cs324scale.train.loop`) and keeps its weights at chosen steps;
:func:`continuation_metrics` scores each snapshot by log loss, greedy next-character
accuracy and exact match of ``k``-character continuations, from the same windows.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._checks import as_int, as_int_array, as_positive_float
from .._random import as_jax_key
from ..toys.emergence import exact_match_runs
from .data import sample_windows, shakespeare
from .loop import make_loop, run_steps, sampled_windows
from .models import model_for
from .optim import Optimizer, Schedule
from .transformer import TransformerConfig, apply

# Chunks shorter than this would pay a dispatch per few steps; compile per segment instead.
_MIN_CHUNK = 8


def train_snapshots(
    cfg,
    *,
    snapshot_steps: Sequence[int],
    lr: float,
    batch_size: int = 32,
    optimizer: Optimizer | None = None,
    schedule: Schedule | None = None,
    data=None,
    key,
) -> list:
    """Train one model and return a copy of its parameters after each of ``snapshot_steps``.

    The trial is the sweep engine's (same loop, same keys: ``key=s`` trains exactly the
    engine's trial of seed ``s``), run to ``snapshot_steps[-1]``, with the schedule
    spanning that length. The run is cut into equal chunks of ``gcd(snapshot_steps)``
    steps, so one compilation serves every snapshot (one per distinct segment length
    when that gcd is below 8).

    Args:
        cfg: a registered model config (e.g. ``TransformerConfig``).
        snapshot_steps: step counts, strictly increasing, >= 1.
        lr: (peak) learning rate, > 0.
        batch_size: windows per step.
        optimizer: Adam when None; schedule: constant when None.
        data: a :class:`~cs324scale.train.CharData`; tiny Shakespeare by default.
        key: an int seed or a jax PRNG key (initialisation and batches).

    Returns:
        A list of parameter pytrees, one per snapshot.

    Raises:
        ValueError: for unsorted or non-positive steps, a bad rate, size, config or key.
    """
    model_for(cfg)  # ValueError for an unregistered config
    snaps = as_int_array("snapshot_steps", snapshot_steps, minimum=1)
    if snaps.size == 0 or np.any(np.diff(snaps) <= 0):
        raise ValueError(f"snapshot_steps must be strictly increasing; got {snaps.tolist()}.")
    batch_size = as_int("batch_size", batch_size, minimum=1)
    lr = as_positive_float("lr", lr)
    optimizer = Optimizer() if optimizer is None else optimizer
    schedule = Schedule() if schedule is None else schedule
    data = shakespeare() if data is None else data
    total = int(snaps[-1])
    chunk = math.gcd(*snaps.tolist())
    k_init, k_data = jax.random.split(as_jax_key(key))
    init, _ = _programs(cfg, batch_size, optimizer, schedule, total)
    params, state = init(jnp.float32(lr), k_init)
    tokens = jnp.asarray(data.train)
    out, t = [], 0
    for stop in snaps.tolist():
        while t < stop:
            n = chunk if chunk >= _MIN_CHUNK else stop - t
            advance = _programs(cfg, batch_size, optimizer, schedule, total)[1]
            params, state = advance(params, state, jnp.float32(lr), tokens, k_data, t, n)
            t += n
        out.append(params)
    return out


@functools.lru_cache(maxsize=16)
def _programs(cfg, batch_size, optimizer, schedule, total):
    loop = make_loop(cfg, optimizer=optimizer, schedule=schedule, steps=total)

    @functools.partial(jax.jit, static_argnums=6)
    def advance(params, state, lr, tokens, k_data, start, n):
        windows_at = sampled_windows(loop, tokens, batch_size, k_data)
        params, state, _, _ = run_steps(
            loop, params, state, lr, windows_at=windows_at, n=n, start=start
        )
        return params, state

    return jax.jit(loop.init), advance


class ContinuationScores(NamedTuple):
    """Scores of one character model on held-out windows.

    Attributes:
        log_loss: mean next-character cross-entropy (nats) after the prompt.
        per_token: fraction of those positions where the top prediction is the true character.
        exact_match: ``(len(ks),)`` fraction of ``k``-character greedy continuations that
            equal the text, one per ``k``.
        ks: the continuation lengths.
    """

    log_loss: float
    per_token: float
    exact_match: np.ndarray
    ks: tuple

    def exact(self, k: int) -> float:
        """Exact match at continuation length ``k`` (one of :attr:`ks`)."""
        if k not in self.ks:
            raise ValueError(f"k={k} was not scored; scored ks: {self.ks}.")
        return float(self.exact_match[self.ks.index(k)])


@functools.lru_cache(maxsize=32)
def _score_fn(cfg):
    def score(params, windows):
        x, y = windows[:, :-1], windows[:, 1:]
        logits = apply(cfg, params, x)
        nll = optax.softmax_cross_entropy_with_integer_labels(logits, y)
        return nll, jnp.argmax(logits, -1) == y

    return jax.jit(score)


def continuation_metrics(
    cfg,
    params,
    *,
    ks: Sequence[int],
    n_windows: int = 512,
    min_prompt: int | None = None,
    data=None,
    key,
) -> ContinuationScores:
    """Log loss, per-character accuracy and exact match of ``k``-char continuations.

    Windows of ``context + 1`` validation characters are drawn with ``key`` (the same
    windows for every model given the same key and context). Every score uses the
    positions after the first ``min_prompt`` of each window, so every prompt has at
    least ``min_prompt`` characters. Exact match is the fraction of ``k``-character
    continuations that greedy decoding reproduces exactly (see
    :func:`cs324scale.toys.emergence.exact_match_runs`).

    Args:
        cfg: the model's ``TransformerConfig``.
        params: its trained parameters.
        ks: continuation lengths, each in ``1 .. context - min_prompt``.
        n_windows: validation windows to score.
        min_prompt: shortest prompt, ``0 <= min_prompt < context``; ``context // 2``
            when None.
        data: a :class:`~cs324scale.train.CharData`; tiny Shakespeare by default.
        key: int seed or jax key choosing the windows.

    Returns:
        A :class:`ContinuationScores`.
    """
    if not isinstance(cfg, TransformerConfig):
        raise ValueError(
            f"continuation_metrics scores TransformerConfig models; got {type(cfg).__name__}."
        )
    if np.ndim(ks) != 1 or len(ks) == 0:
        raise ValueError(
            f"ks must be a non-empty sequence of lengths such as ks=(2, 4); got {ks!r}."
        )
    half = cfg.context // 2 if min_prompt is None else as_int("min_prompt", min_prompt, minimum=0)
    if half >= cfg.context:
        raise ValueError(f"min_prompt must be < context = {cfg.context}; got {half}.")
    ks = tuple(as_int("k", k, minimum=1) for k in ks)
    if max(ks) > cfg.context - half:
        raise ValueError(
            f"every k must be <= context - min_prompt = {cfg.context - half}; got {max(ks)}."
        )
    n_windows = as_int("n_windows", n_windows, minimum=1)
    data = shakespeare() if data is None else data
    windows = sample_windows(jnp.asarray(data.val), cfg.context + 1, n_windows, key=as_jax_key(key))
    nll, correct = _score_fn(cfg)(params, windows)
    nll, correct = np.asarray(nll)[:, half:], np.asarray(correct)
    return ContinuationScores(
        log_loss=float(nll.mean()),
        per_token=float(correct[:, half:].mean()),
        exact_match=np.array([exact_match_runs(correct, k, start=half).mean() for k in ks]),
        ks=ks,
    )
