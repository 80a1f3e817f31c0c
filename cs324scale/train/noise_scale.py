"""The gradient noise scale: how large a batch is worth taking (McCandlish et al. 2018).

With per-example gradients of mean ``G`` and covariance ``Σ``, the gradient of a batch
of ``B`` examples has ``E|G_B|² = |G|² + tr(Σ)/B``. The *simple noise scale*

    B_simple = tr(Σ) / |G|²                                   (McCandlish et al., Eq. 2.8)

is the batch size at which the noise in ``G_B`` is as large as the signal; McCandlish et
al. find the critical batch size ``B_crit ≈ B_simple`` (within an order of magnitude),
and Kaplan et al. 2020 (Sec. 5.1) use it to trade steps against examples.

Neither ``tr Σ`` nor ``|G|²`` is observed, but the norms of gradients at two batch sizes
give unbiased estimates of both (McCandlish et al., App. A.1):

    |G|²  ≈ (B_big |G_big|² - B_small |G_small|²) / (B_big - B_small)
    tr Σ  ≈ (|G_small|² - |G_big|²) / (1/B_small - 1/B_big)

:func:`gradient_norms` computes both squared norms for many big batches in one compiled
program: each big batch is cut into micro-batches of ``B_small`` examples whose
gradients are taken together with ``jax.vmap``; their mean is the big batch's gradient
(for a loss that averages over examples). :func:`noise_scale` averages the norms over
batches first and then forms the ratio, as App. A.1 recommends (the ratio of averages is
far less noisy than the average of ratios).

References: McCandlish, Kaplan, Amodei et al. 2018, "An Empirical Model of Large-Batch
Training", https://arxiv.org/abs/1812.06162; Kaplan et al. 2020, "Scaling Laws for
Neural Language Models", https://arxiv.org/abs/2001.08361 (Sec. 5.1 and Eq. 1.4).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import as_int


class NoiseScale(NamedTuple):
    """Noise-scale estimate from gradient norms at two batch sizes (McCandlish App. A.1).

    Attributes:
        b_simple: ``tr Σ / |G|²``, in examples (Eq. 2.8); NaN when ``|G|²`` is estimated
            ``<= 0`` (the gradient signal is lost in the noise).
        trace_sigma: unbiased estimate of ``tr Σ`` (per-example gradient covariance).
        grad_sq: unbiased estimate of ``|G|²`` (true gradient, squared norm).
        g_small_sq: ``|G_small|²`` of each big batch's micro-batches, averaged ``(n,)``.
        g_big_sq: ``|G_big|²`` of each big batch ``(n,)``.
        b_small: examples per micro-batch.
        b_big: examples per big batch.
    """

    b_simple: float
    trace_sigma: float
    grad_sq: float
    g_small_sq: np.ndarray
    g_big_sq: np.ndarray
    b_small: int
    b_big: int


def _sq_norm(tree) -> jax.Array:
    return sum(jnp.sum(jnp.square(x)) for x in jax.tree.leaves(tree))


@functools.partial(jax.jit, static_argnames=("loss_fn", "b_small"))
def _norms(loss_fn, params, batches, b_small):
    def one(batch):
        micro = jax.tree.map(lambda x: x.reshape(-1, b_small, *x.shape[1:]), batch)
        grads = jax.vmap(jax.grad(loss_fn), in_axes=(None, 0))(params, micro)
        small = jnp.mean(jax.vmap(_sq_norm)(grads))
        big = _sq_norm(jax.tree.map(lambda g: jnp.mean(g, axis=0), grads))
        return small, big

    return jax.lax.map(one, batches)


def gradient_norms(loss_fn: Callable, params, batches, *, b_small: int):
    """Squared gradient norms at two batch sizes for each of ``n`` big batches.

    Args:
        loss_fn: ``loss_fn(params, batch) -> scalar``, the *mean* loss over the examples
            of ``batch`` (hashable: it is a static argument of the compiled program, so
            pass the same function object each time to reuse the compilation).
        params: the parameter pytree at which the gradients are taken.
        batches: a pytree of arrays, each of shape ``(n, B_big, ...)``: ``n`` big
            batches of ``B_big`` examples.
        b_small: examples per micro-batch; must divide ``B_big`` and be smaller.

    Returns:
        ``(g_small_sq (n,), g_big_sq (n,))``: the mean over micro-batches of
        ``|G_small|²`` and ``|G_big|²`` of the big batch (the mean micro-batch gradient).

    Raises:
        ValueError: ``b_small`` is not a proper divisor of ``B_big``, or the leaves of
            ``batches`` disagree in ``(n, B_big)``.
    """
    b_small = as_int("b_small", b_small, minimum=1)
    leaves = jax.tree.leaves(batches)
    if not leaves or any(np.ndim(x) < 2 for x in leaves):
        raise ValueError("batches must hold arrays of shape (n_batches, B_big, ...).")
    shapes = {tuple(np.shape(x)[:2]) for x in leaves}
    if len(shapes) != 1:
        raise ValueError(f"every leaf of batches needs the same (n_batches, B_big); got {sorted(shapes)}.")
    (_, b_big), = shapes
    if b_small >= b_big or b_big % b_small:
        raise ValueError(
            f"b_small={b_small} must divide B_big={b_big} and be smaller (two batch sizes are needed)."
        )
    small, big = _norms(loss_fn, params, batches, b_small)
    return np.asarray(small, float), np.asarray(big, float)


def noise_scale(g_small_sq, g_big_sq, *, b_small: int, b_big: int) -> NoiseScale:
    """McCandlish et al.'s App. A.1 estimators of ``|G|²``, ``tr Σ`` and ``B_simple``.

    Args:
        g_small_sq: ``|G_small|²`` per big batch ``(n,)`` (or a scalar), from
            :func:`gradient_norms`.
        g_big_sq: ``|G_big|²`` per big batch, same shape.
        b_small, b_big: the two batch sizes, ``1 <= b_small < b_big``.

    Returns:
        A :class:`NoiseScale`; both norms are averaged over batches before the ratio.
    """
    b_small = as_int("b_small", b_small, minimum=1)
    b_big = as_int("b_big", b_big, minimum=1)
    if b_small >= b_big:
        raise ValueError(f"need b_small < b_big; got b_small={b_small}, b_big={b_big}.")
    s = np.atleast_1d(np.asarray(g_small_sq, float))
    b = np.atleast_1d(np.asarray(g_big_sq, float))
    if s.shape != b.shape or s.size == 0 or not (np.all(np.isfinite(s)) and np.all(np.isfinite(b))):
        raise ValueError("g_small_sq and g_big_sq must be finite arrays of one non-empty shape.")
    ms, mb = float(s.mean()), float(b.mean())
    grad_sq = (b_big * mb - b_small * ms) / (b_big - b_small)
    trace = (ms - mb) / (1.0 / b_small - 1.0 / b_big)
    b_simple = trace / grad_sq if grad_sq > 0 else float("nan")
    return NoiseScale(float(b_simple), float(trace), float(grad_sq), s, b, b_small, b_big)


def gradient_noise_scale(loss_fn: Callable, params, batches, *, b_small: int) -> NoiseScale:
    """The simple noise scale ``B_simple = tr Σ / |G|²`` at ``params`` (McCandlish Eq. 2.8).

    Args:
        loss_fn, params, batches, b_small: as for :func:`gradient_norms`; ``B_big`` is
            the second axis of ``batches``.

    Returns:
        A :class:`NoiseScale` in units of the examples along ``batches``' second axis.

    Example::

        ns = cs.train.gradient_noise_scale(loss, params, windows.reshape(8, 256, -1), b_small=4)
        ns.b_simple  # examples
    """
    small, big = gradient_norms(loss_fn, params, batches, b_small=b_small)
    b_big = int(np.shape(jax.tree.leaves(batches)[0])[1])
    return noise_scale(small, big, b_small=b_small, b_big=b_big)
