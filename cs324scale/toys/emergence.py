"""Emergence as a choice of metric: smooth per-token accuracy, sharp exact match.

Schaeffer, Miranda & Koyejo (2023), "Are Emergent Abilities of Large Language Models a
Mirage?" (NeurIPS 2023, Sec. 2): suppose the per-token cross-entropy falls as a power
law in parameters, ``L(N) = (N / c)^(-alpha)``. Then the probability of getting one
token right is ``p(N) = exp(-L(N))``, a smooth curve in ``log N``, and the probability of
getting all ``k`` tokens of an answer right (exact match) is ``p(N)^k = exp(-k L(N))``.
On a log-``N`` axis the second curve sits near zero and then shoots up: an "emergent
ability" (Wei et al. 2022, "Emergent Abilities of Large Language Models") made by the
nonlinear metric, not by a sudden change in the model.

Two halves:

* the closed-form toy with Monte Carlo scoring (:func:`per_token_accuracy`,
  :func:`mirage_curves`) and a number for "sharp" (:func:`rise_share`);
* the same measurement on the kit's character-level Transformers
  (:func:`train_char_lm`, :func:`continuation_metrics`): log loss, greedy next-character
  accuracy and exact match of ``k``-character continuations, from the same models.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .._checks import as_array, as_int, as_int_array, as_positive_array, as_positive_float
from .._random import as_generator
from ._common import check_budget

__all__ = [
    "CharLMScores",
    "MirageCurves",
    "continuation_metrics",
    "exact_match_runs",
    "mirage_curves",
    "per_token_accuracy",
    "rise_share",
    "train_char_lm",
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
    rng = as_rng(key)
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


def _jax():
    import jax
    import jax.numpy as jnp
    import optax

    return jax, jnp, optax


@functools.lru_cache(maxsize=32)
def _segment_fn(cfg, batch_size: int):
    jax, jnp, optax = _jax()
    from ..train.data import sample_windows
    from ..train.models import model_for

    model = model_for(cfg)
    length = model.window_length(cfg)
    loss_fn = functools.partial(model.loss, cfg)

    def segment(params, state, tokens, lr, k_data, t0, t1):
        opt = optax.adam(lr)

        def step(t, carry):
            params, state = carry
            w = sample_windows(tokens, length, batch_size, key=jax.random.fold_in(k_data, t))
            grads = jax.grad(loss_fn)(params, w)
            updates, state = opt.update(grads, state, params)
            return optax.apply_updates(params, updates), state

        return jax.lax.fori_loop(t0, t1, step, (params, state))  # t1 traced: one compile

    return jax.jit(segment)


def train_char_lm(
    cfg,
    *,
    checkpoints: Sequence[int],
    learning_rate: float = 3e-3,
    batch_size: int = 32,
    data=None,
    key,
) -> list:
    """Train one character-level model with Adam and keep its weights at checkpoints.

    The kit's sweep engine (:func:`cs324scale.train.run_sweep`) returns losses only; the
    emergence demo needs trained weights to score continuations, so this trains one
    model (constant-rate Adam, batches drawn from ``key`` as the sweep engine does) and
    returns a copy of the parameters after each checkpoint's number of steps. One
    compilation serves every checkpoint, so a learning curve over compute costs about
    as much as one training run.

    Args:
        cfg: A registered language-model config (e.g. ``TransformerConfig``).
        checkpoints: Step counts, strictly increasing, >= 1.
        learning_rate: Adam learning rate (> 0).
        batch_size: Windows per step.
        data: A :class:`~cs324scale.train.CharData`; tiny Shakespeare by default.
        key: An int seed or a jax PRNG key (initialisation and batches).

    Returns:
        A list of parameter pytrees, one per checkpoint.

    Raises:
        ValueError: For unsorted or non-positive checkpoints, a bad rate, size or key.
    """
    jax, jnp, optax = _jax()
    from ..train.data import shakespeare
    from ..train.models import model_for

    model = model_for(cfg)  # ValueError for an unregistered config
    ckpt = as_int_array("checkpoints", checkpoints, minimum=1)
    if np.any(np.diff(ckpt) <= 0):
        raise ValueError(f"checkpoints must be strictly increasing; got {ckpt.tolist()}.")
    batch_size = as_int("batch_size", batch_size, minimum=1)
    lr = as_positive_float("learning_rate", learning_rate)
    data = shakespeare() if data is None else data
    k_init, k_data = jax.random.split(_as_jax_key(key))
    params = model.init(cfg, key=k_init)
    state = optax.adam(lr).init(params)
    segment = _segment_fn(cfg, batch_size)
    tokens = jnp.asarray(data.train)
    out, t = [], 0
    for c in ckpt.tolist():
        params, state = segment(params, state, tokens, lr, k_data, t, c)
        out.append(params)
        t = c
    return out


def _as_jax_key(key):
    jax, jnp, _ = _jax()
    if isinstance(key, int) and not isinstance(key, bool):
        if key < 0:
            raise ValueError(f"key as an int seed must be >= 0; got {key}.")
        return jax.random.key(key)
    if hasattr(key, "dtype") and jnp.issubdtype(key.dtype, jax.dtypes.prng_key) and key.shape == ():
        return key
    if hasattr(key, "dtype") and key.dtype == jnp.uint32 and key.shape == (2,):
        return jax.random.wrap_key_data(key)
    raise ValueError(f"key must be an int seed or a single jax PRNG key; got {type(key).__name__}.")


class CharLMScores(NamedTuple):
    """Scores of one character model on held-out text.

    Attributes:
        log_loss: Mean next-character cross-entropy (nats).
        per_token: Fraction of positions where the top prediction is the true character.
        exact_match: Fraction of ``k``-character greedy continuations that equal the text.
        k: Continuation length.
    """

    log_loss: float
    per_token: float
    exact_match: float
    k: int


@functools.lru_cache(maxsize=32)
def _score_fn(cfg):
    jax, jnp, optax = _jax()
    from ..train import transformer

    if not isinstance(cfg, transformer.TransformerConfig):
        raise ValueError(
            f"continuation_metrics scores TransformerConfig models; got {type(cfg).__name__}."
        )

    def score(params, windows):
        x, y = windows[:, :-1], windows[:, 1:]
        logits = transformer.apply(cfg, params, x)
        nll = optax.softmax_cross_entropy_with_integer_labels(logits, y)
        return nll, jnp.argmax(logits, -1) == y

    return jax.jit(score)


def continuation_metrics(
    cfg, params, *, k, n_windows: int = 512, min_prompt: int | None = None, data=None, key=0
) -> CharLMScores | list[CharLMScores]:
    """Log loss, per-character accuracy and exact match of ``k``-char continuations.

    Windows of ``context + 1`` validation characters are drawn with ``key`` (the same
    windows for every model given the same key and context). Every score uses the
    positions after the first ``min_prompt`` of each window, so every prompt has at
    least ``min_prompt`` characters. Per-character accuracy is greedy next-character
    accuracy; exact match is the fraction of ``k``-character continuations that greedy
    decoding reproduces exactly (see :func:`exact_match_runs`).

    Args:
        cfg: The model's ``TransformerConfig``.
        params: Its trained parameters.
        k: Continuation length, an int or a sequence of ints (then one result per k),
            each in ``1 .. context - min_prompt``.
        n_windows: Validation windows to score.
        min_prompt: Shortest prompt, ``0 <= min_prompt < context``; ``context // 2``
            when None.
        data: A :class:`~cs324scale.train.CharData`; tiny Shakespeare by default.
        key: Int seed or jax key choosing the windows.

    Returns:
        A :class:`CharLMScores`, or a list of them when ``k`` is a sequence.
    """
    _, jnp, _ = _jax()
    from ..train.data import sample_windows, shakespeare

    ks = [k] if np.ndim(k) == 0 else list(k)
    if not ks:
        raise ValueError("k is empty; pass a continuation length such as k=4.")
    half = cfg.context // 2 if min_prompt is None else as_int("min_prompt", min_prompt, minimum=0)
    if half >= cfg.context:
        raise ValueError(f"min_prompt must be < context = {cfg.context}; got {half}.")
    ks = [as_int("k", kk, minimum=1) for kk in ks]
    if max(ks) > cfg.context - half:
        raise ValueError(
            f"k must be <= context - min_prompt = {cfg.context - half}; got {max(ks)}."
        )
    n_windows = as_int("n_windows", n_windows, minimum=1)
    data = shakespeare() if data is None else data
    windows = sample_windows(
        jnp.asarray(data.val), cfg.context + 1, n_windows, key=_as_jax_key(key)
    )
    nll, correct = _score_fn(cfg)(params, windows)
    nll, correct = np.asarray(nll)[:, half:], np.asarray(correct)
    out = [
        CharLMScores(
            log_loss=float(nll.mean()),
            per_token=float(correct[:, half:].mean()),
            exact_match=float(exact_match_runs(correct, kk, start=half).mean()),
            k=kk,
        )
        for kk in ks
    ]
    return out[0] if np.ndim(k) == 0 else out
