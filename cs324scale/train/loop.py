"""The kit's one training loop: every trainer in the package steps through it.

A loop is built for one model config, optimizer, schedule and run length; it is pure
and unjitted, so callers ``vmap``, ``lax.map``, ``shard_map`` and ``jit`` it as they
need:

* the sweep engine (:mod:`cs324scale.train.engine`) scans a whole trial and maps it over
  a population of learning rates and seeds;
* :func:`cs324scale.train.train_snapshots` stops at chosen steps to keep the weights
  (the emergence-by-metric demo scores them);
* :func:`cs324scale.train.coordinate_check` trains on one fixed batch and records each
  layer's activations before every step.

One step: draw windows, take the loss and its gradient, transform the gradient with
the optimizer at ``lr x schedule(t)``, multiply each tensor's update by the model's
per-tensor learning-rate multipliers (muP; Yang et al. 2022, Table 3: Adam's update is
linear in its rate, so scaling the update scales the rate), apply it. The learning
rate is a traced argument, never a compile-time constant.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from .data import sample_windows
from .models import model_for
from .optim import Optimizer, Schedule


class Loop(NamedTuple):
    """Pure functions of one training setup (from :func:`make_loop`).

    Attributes:
        init: ``init(lr, key) -> (params, opt_state)``.
        step: ``step(params, opt_state, lr, windows) -> (params, opt_state, loss)``, with
            the ``lr`` given to ``init`` (the optimizer state holds it).
        loss: ``loss(params, windows) -> scalar``, the model's mean loss.
        window_length: tokens per window.
    """

    init: Callable
    step: Callable
    loss: Callable
    window_length: int


def make_loop(cfg, *, optimizer: Optimizer, schedule: Schedule, steps: int) -> Loop:
    """The training step of ``cfg`` under ``optimizer`` and ``schedule`` over ``steps`` steps.

    The model's ``lr_scales`` are read here, when the loop is built (never captured at
    import), so a registered model's multipliers always take effect.
    """
    model = model_for(cfg)
    scales = model.lr_scales(cfg)
    multiplier = schedule.multiplier(steps)
    loss_fn = functools.partial(model.loss, cfg)

    def transform(lr):
        rate = lr if multiplier is None else (lambda t: lr * multiplier(t))
        return optimizer.build(rate)

    def init(lr, key):
        params = model.init(cfg, key=key)
        return params, transform(lr).init(params)

    def step(params, opt_state, lr, windows):
        loss, grads = jax.value_and_grad(loss_fn)(params, windows)
        updates, opt_state = transform(lr).update(grads, opt_state, params)
        if scales is not None:
            updates = jax.tree.map(lambda u, s: u * s, updates, scales)
        return optax.apply_updates(params, updates), opt_state, loss

    return Loop(init, step, loss_fn, model.window_length(cfg))


def sampled_windows(loop: Loop, tokens, batch_size: int, data_key) -> Callable:
    """``t -> windows``: batch ``t`` drawn from ``tokens`` with ``fold_in(data_key, t)``."""
    return lambda t: sample_windows(
        tokens, loop.window_length, batch_size, key=jax.random.fold_in(data_key, t)
    )


def sequential_windows(loop: Loop, tokens, batch_size: int) -> Callable:
    """``t -> windows``: batch ``t`` read in order, so no token is trained on twice.

    Window ``b`` of step ``t`` starts at ``(t * batch_size + b) * (L - 1)`` for windows of
    ``L`` tokens: consecutive windows share one token, so every token is a target once.
    A run of ``steps`` steps reads :func:`tokens_read` tokens.
    """
    length = loop.window_length
    offsets = jnp.arange(batch_size)[:, None] * (length - 1) + jnp.arange(length)[None, :]
    return lambda t: tokens[t * batch_size * (length - 1) + offsets]


def tokens_read(window_length: int, batch_size: int, steps: int) -> int:
    """Tokens that :func:`sequential_windows` reads in ``steps`` steps."""
    return int(steps) * int(batch_size) * (int(window_length) - 1) + 1


def run_steps(loop: Loop, params, opt_state, lr, *, windows_at, n: int, start=0, observe=None):
    """``n`` steps from step ``start`` as one ``lax.scan``.

    Args:
        loop: from :func:`make_loop`.
        params, opt_state: the state to continue from.
        lr: the trial's (peak) learning rate, traced.
        windows_at: ``t -> windows (B, L)`` for global step ``t``.
        n: number of steps (static).
        start: global index of the first step (may be traced).
        observe: optional ``params -> pytree`` recorded before every step.

    Returns:
        ``(params, opt_state, losses (n,), observed)``; ``observed`` is None without
        ``observe``, else its values stacked along a leading ``(n,)`` axis.
    """

    def body(carry, t):
        params, opt_state = carry
        seen = None if observe is None else observe(params)
        params, opt_state, loss = loop.step(params, opt_state, lr, windows_at(t))
        return (params, opt_state), (loss, seen)

    (params, opt_state), (losses, seen) = jax.lax.scan(
        body, (params, opt_state), start + jnp.arange(n)
    )
    return params, opt_state, losses, seen
