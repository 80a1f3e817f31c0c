"""Run a population of trials of one model shape as one compiled, sharded program.

A *trial* is a pure function of (config, optimizer, schedule, steps, learning rate,
seed): the seed gives the initialisation key and the key of every batch; the learning
rate is traced data, so one compilation serves every learning rate and seed of a
shape. The training loop is the kit's one loop (:mod:`cs324scale.train.loop`), run as a
``jax.lax.scan``.

A population of trials runs as ``jax.lax.map(trial, ..., batch_size=k)``: ``k`` trials
at a time are vectorised with ``vmap`` and the chunks run one after another.
:func:`trials_per_chunk` chooses ``k`` (all trials on accelerators and for tiny models on
CPU, where batching pays; on CPU for larger models, pairs of Transformers, whose
attention matmuls stay small, and 1 for the others, where batched matmuls lose to plain
ones). The trial axis is split across local devices with ``jax.shard_map`` over a
one-axis :class:`jax.sharding.Mesh`; :func:`devices_for` chooses how many (every local
device, up to one per trial).
"""

from __future__ import annotations

import functools
import time
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import PartitionSpec as P

from .data import sample_windows
from .flops import flops_per_step
from .loop import make_loop, run_steps, sampled_windows, sequential_windows
from .models import model_for
from .optim import Optimizer, Schedule

TRIAL_AXIS = "trials"
# Below this many training FLOPs per step a CPU trial is dominated by per-op overhead,
# and vectorising trials together (vmap) pays; above it, batched matmuls lose to plain ones.
CPU_VMAP_MAX_FLOPS_PER_STEP = 4e7
# Above that size Transformers still pay to pair trials on CPU: attention's per-head
# matmuls (context x head_dim) stay small. Measured on two cores, 12 trials, batch 64,
# context 32: pairs ran 1.18x, 1.23x and 1.11x the GFLOP/s of one trial at a time at
# d_model 64, 128 and 256; triples were slower than pairs; LSTMs and MLPs gained nothing.
CPU_CHUNK_ABOVE_VMAP_LIMIT = {"TransformerConfig": 2}


class TrialOutput(NamedTuple):
    """Per-trial outputs of :func:`run_population` (leading axis = trials).

    Attributes:
        losses: training loss at every step, ``(n, steps)`` (non-finite after divergence).
        val_loss: validation loss after the last step, ``(n,)``.
        compile_s: seconds spent compiling (0 when the program was cached).
        run_s: seconds spent running the compiled program.
    """

    losses: np.ndarray
    val_loss: np.ndarray
    compile_s: float = 0.0
    run_s: float = 0.0


def make_trial(cfg, *, steps: int, batch_size: int, optimizer: Optimizer, schedule: Schedule,
               sampling: str = "random"):
    """Build ``trial(train_tokens, val_windows, lr, seed) -> (losses (steps,), val_loss ())``.

    Args:
        cfg: a registered model config.
        steps: optimiser steps (static); the schedule spans exactly these.
        batch_size: windows per step (static).
        optimizer, schedule: see :mod:`cs324scale.train.optim`.
        sampling: ``"random"`` (windows at random starts, drawn with the seed's data key)
            or ``"sequential"`` (the tokens read once, in order, the same for every seed).

    Returns:
        A pure, unjitted function of one trial; ``val_windows`` is ``(n_eval_chunks,
        batch, L)`` int32, the same for every trial.
    """
    loop = make_loop(cfg, optimizer=optimizer, schedule=schedule, steps=steps)

    def trial(train_tokens, val_windows, lr, seed):
        k_init, k_data = jax.random.split(jax.random.key(seed))
        params, state = loop.init(lr, k_init)
        if sampling == "sequential":
            windows_at = sequential_windows(loop, train_tokens, batch_size)
        else:
            windows_at = sampled_windows(loop, train_tokens, batch_size, k_data)
        params, _, losses, _ = run_steps(loop, params, state, lr, windows_at=windows_at, n=steps)
        val = jax.lax.map(lambda w: loop.loss(params, w), val_windows).mean()
        return losses, val

    return trial


def trials_per_chunk(cfg, n_trials: int, *, batch_size: int, platform: str | None = None) -> int:
    """How many trials to vectorise together (``vmap``); the rest run in sequence.

    The one place that chooses between ``jax.vmap`` and ``jax.lax.map``: on GPU/TPU
    every trial of a device is batched; on CPU only models below
    :data:`CPU_VMAP_MAX_FLOPS_PER_STEP` training FLOPs per step are (measured on two
    cores: vmap of 36 trials is 0.6x a plain loop at width 1024, but wins at width 64);
    above it, a model type listed in :data:`CPU_CHUNK_ABOVE_VMAP_LIMIT` runs that many
    together (Transformers in pairs) and every other one trial at a time.

    Args:
        cfg: model config.
        n_trials: trials per device.
        batch_size: windows per step.
        platform: ``"cpu"``, ``"gpu"``, ``"tpu"``; the default device's when None.

    Returns:
        ``k`` in ``1..n_trials`` for ``jax.lax.map(..., batch_size=k)``.
    """
    platform = platform or jax.devices()[0].platform
    if platform != "cpu" or flops_per_step(cfg, batch_size) <= CPU_VMAP_MAX_FLOPS_PER_STEP:
        return max(1, n_trials)
    return max(1, min(n_trials, CPU_CHUNK_ABOVE_VMAP_LIMIT.get(type(cfg).__name__, 1)))


def devices_for(n_trials: int, *, available: int | None = None) -> int:
    """How many local devices to split a population's trials over: all of them.

    The one place that chooses the device count (with :func:`trials_per_chunk` for the
    vmap/lax.map choice on each device). Every device is used, on CPU too: with
    ``jax_num_cpu_devices`` set to the number of cores, trials running side by side (one
    per core) beat one trial at a time with every core on each matmul at every Metz
    width measured (64 to 1024). Measured on two quiet cores (Metz MLP, batch 128, marginal ms per trial-step,
    1 device vs 2): width 256 1.37 vs 0.97, width 512 4.52 vs 3.51, width 1024 14.1 vs
    11.9; ``bench/bench_train.py`` prints both columns.

    Args:
        n_trials: trials in the population.
        available: local devices (``jax.local_device_count()`` when None).

    Returns:
        A device count in ``1..min(available, n_trials)``.
    """
    available = jax.local_device_count() if available is None else int(available)
    return max(1, min(available, int(n_trials)))


@functools.lru_cache(maxsize=64)
def _compiled(cfg, steps, batch_size, optimizer, schedule, per_device, n_devices, chunk,
              sampling="random"):
    trial = make_trial(
        cfg, steps=steps, batch_size=batch_size, optimizer=optimizer, schedule=schedule,
        sampling=sampling,
    )

    def local(train_tokens, val_windows, lrs, seeds):
        def one(args):
            return trial(train_tokens, val_windows, *args)

        return jax.lax.map(one, (lrs, seeds), batch_size=chunk if chunk > 1 else None)

    mesh = jax.make_mesh((n_devices,), (TRIAL_AXIS,), devices=jax.local_devices()[:n_devices])
    sharded = jax.shard_map(
        local,
        mesh=mesh,
        in_specs=(P(), P(), P(TRIAL_AXIS), P(TRIAL_AXIS)),
        out_specs=(P(TRIAL_AXIS), P(TRIAL_AXIS)),
        check_vma=False,
    )
    return jax.jit(sharded), mesh


def run_population(
    cfg,
    learning_rates,
    seeds,
    *,
    steps: int,
    batch_size: int,
    train_tokens,
    val_windows,
    optimizer: Optimizer | None = None,
    schedule: Schedule | None = None,
    devices: int | None = None,
    chunk: int | None = None,
    sampling: str = "random",
) -> TrialOutput:
    """Train every (learning rate, seed) pair for one model shape in one program.

    Args:
        cfg: model config shared by all trials.
        learning_rates: float array ``(n,)``.
        seeds: int array ``(n,)``.
        steps: optimiser steps per trial.
        batch_size: windows per step.
        train_tokens: int32 array ``(n_train,)``.
        val_windows: int32 array ``(n_chunks, batch, L)``.
        optimizer: an :class:`~cs324scale.train.optim.Optimizer` (Adam by default).
        schedule: a :class:`~cs324scale.train.optim.Schedule` (constant by default).
        devices: how many local devices to shard over; chosen by :func:`devices_for`
            when None.
        chunk: trials vectorised together per device; chosen by :func:`trials_per_chunk`
            when None.
        sampling: ``"random"`` or ``"sequential"`` windows (:func:`make_trial`).

    Returns:
        A :class:`TrialOutput` with numpy arrays.
    """
    optimizer = Optimizer() if optimizer is None else optimizer
    schedule = Schedule() if schedule is None else schedule
    lrs = np.asarray(learning_rates, np.float32)
    sds = np.asarray(seeds, np.int32)
    n = len(lrs)
    if devices is None:
        devices = devices_for(n)
    n_dev = max(1, min(int(devices), len(jax.local_devices()), n))
    per_device = -(-n // n_dev)
    pad = per_device * n_dev - n
    if pad:  # repeat the last trial so every device gets the same number
        lrs = np.concatenate([lrs, np.repeat(lrs[-1:], pad)])
        sds = np.concatenate([sds, np.repeat(sds[-1:], pad)])
    if chunk is None:
        chunk = trials_per_chunk(cfg, per_device, batch_size=batch_size)
    chunk = int(min(max(chunk, 1), per_device))
    setup = (cfg, int(steps), int(batch_size), optimizer, schedule, per_device, n_dev, chunk, sampling)
    fn, mesh = _compiled(*setup)
    rep = jax.sharding.NamedSharding(mesh, P())
    split = jax.sharding.NamedSharding(mesh, P(TRIAL_AXIS))
    args = (
        jax.device_put(jnp.asarray(train_tokens, jnp.int32), rep),
        jax.device_put(jnp.asarray(val_windows, jnp.int32), rep),
        jax.device_put(lrs, split),
        jax.device_put(sds, split),
    )
    sig = setup + tuple(a.shape for a in args[:2])
    t0 = time.perf_counter()
    exe = _EXECUTABLES.get(sig)
    if exe is None:  # compile ahead of time, so compile and run times are reported apart
        exe = fn.lower(*args).compile()
        if len(_EXECUTABLES) >= 32:
            _EXECUTABLES.pop(next(iter(_EXECUTABLES)))
        _EXECUTABLES[sig] = exe
    t1 = time.perf_counter()
    losses, val = exe(*args)
    losses, val = np.asarray(losses)[:n], np.asarray(val)[:n]
    return TrialOutput(losses, val, t1 - t0, time.perf_counter() - t1)


_EXECUTABLES: dict = {}


def eval_windows(tokens, cfg, *, n_windows: int, batch_size: int) -> np.ndarray:
    """Fixed validation windows ``(n_chunks, batch_size, L)`` shared by every trial.

    ``n_windows`` is rounded up to a multiple of ``batch_size``; the windows are drawn
    with a fixed key so every trial (and every rerun) sees the same ones.
    """
    length = model_for(cfg).window_length(cfg)
    n_chunks = max(1, -(-int(n_windows) // int(batch_size)))
    w = sample_windows(jnp.asarray(tokens), length, n_chunks * batch_size, key=jax.random.key(0))
    return np.asarray(w).reshape(n_chunks, batch_size, length)
