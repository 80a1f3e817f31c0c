"""Run a population of trials of one model shape as compiled, sharded programs.

A *trial* is a pure function of (config, optimizer, schedule, steps, learning rate,
seed): the seed gives the initialisation key and the key of every batch; the learning
rate is traced data, so one compilation serves every learning rate and seed of a
shape. The training loop is the kit's one loop (:mod:`cs324scale.train.loop`).

A population is trained by one compiled program per shape that advances every trial by
a segment of steps (a ``fori_loop`` whose first step and length are traced, so segments
of any length share the compilation; the first segment also initialises, the last also
evaluates; the trial's parts are :func:`trial_parts`). The host runs the segments back
to back, about a second each, and between them can report progress and save a
checkpoint (:mod:`cs324scale.train.checkpoint`), so an interrupted call resumes from its
last save. Each program maps over the trials as ``jax.lax.map(...,
batch_size=k)``: ``k`` trials at a time are vectorised with ``vmap`` and the chunks run
one after another. :func:`trials_per_chunk` chooses ``k`` (all trials on accelerators
and for tiny models on CPU, where batching pays; on CPU for larger models, pairs of
Transformers, whose attention matmuls stay small, and 1 for the others, where batched
matmuls lose to plain ones). The trial axis is split across devices with
``jax.shard_map`` over a one-axis :class:`jax.sharding.Mesh`; :func:`devices_for`
chooses how many (every device, up to one per trial). Under ``jax.distributed`` the
mesh spans every process's devices: each process trains the trials of its own devices.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import PartitionSpec as P

from .. import storage
from . import distributed
from .checkpoint import Checkpointer
from .data import sample_windows
from .flops import flops_per_step
from .loop import make_loop, sampled_windows, sequential_windows
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
# A device's share of the starting state up to this size is written from host memory;
# larger ones are made on the device by a small compiled program (0.3 s to compile).
HOST_ZEROS_MAX_BYTES = 256 * 2**20


class TrialOutput(NamedTuple):
    """Per-trial outputs of :func:`run_population` (leading axis = trials).

    Attributes:
        losses: training loss at every step, ``(n, steps)`` (non-finite after divergence).
        val_loss: validation loss after the last step, ``(n,)``.
        compile_s: seconds spent compiling (0 when the program was in memory; loading it
            from the persistent compilation cache, :mod:`cs324scale.storage`, counts here).
        run_s: seconds from the first step to the results on the host, checkpoints included.
        resumed_step: the step the call resumed from (0: it started afresh).
        checkpoint_s: seconds of ``run_s`` spent saving checkpoints.
        local: ``(n,)`` bool, the trials this process's devices trained (all of them in a
            single-process run; a share of them under ``jax.distributed``).
    """

    losses: np.ndarray
    val_loss: np.ndarray
    compile_s: float = 0.0
    run_s: float = 0.0
    resumed_step: int = 0
    checkpoint_s: float = 0.0
    local: np.ndarray | None = None


class TrialParts(NamedTuple):
    """One trial as three pure, unjitted functions (from :func:`trial_parts`).

    Attributes:
        init: ``init(lr, seed) -> carry``, the state before step 0: ``(params, opt_state,
            losses)`` with ``losses`` a ``(steps,)`` buffer of zeros.
        advance: ``advance(train_tokens, carry, lr, seed, start, n) -> carry``, steps
            ``start .. start + n - 1`` (``start`` and ``n`` may be traced, so one compiled
            program runs segments of any length), each step's loss written into the buffer.
        evaluate: ``evaluate(val_windows, carry) -> val_loss``, the mean validation loss.
    """

    init: Callable
    advance: Callable
    evaluate: Callable


def trial_parts(cfg, *, steps: int, batch_size: int, optimizer: Optimizer, schedule: Schedule,
                sampling: str = "random") -> TrialParts:
    """The parts of one trial that the engine compiles; see :class:`TrialParts`.

    Args:
        cfg: a registered model config.
        steps: optimiser steps (static); the schedule spans exactly these.
        batch_size: windows per step (static).
        optimizer, schedule: see :mod:`cs324scale.train.optim`.
        sampling: ``"random"`` (windows at random starts, drawn with the seed's data key)
            or ``"sequential"`` (the tokens read once, in order, the same for every seed).

    Batch ``t`` depends only on the seed and ``t``, so a run split into segments at any
    steps computes exactly what one unbroken loop computes.
    """
    loop = make_loop(cfg, optimizer=optimizer, schedule=schedule, steps=steps)

    def init(lr, seed):
        k_init, _ = jax.random.split(jax.random.key(seed))
        params, state = loop.init(lr, k_init)
        return params, state, jnp.zeros((steps,), jnp.float32)

    def advance(train_tokens, carry, lr, seed, start, n):
        if sampling == "sequential":
            windows_at = sequential_windows(loop, train_tokens, batch_size)
        else:
            windows_at = sampled_windows(loop, train_tokens, batch_size, jax.random.split(jax.random.key(seed))[1])

        def body(t, c):
            params, state, losses = c
            params, state, loss = loop.step(params, state, lr, windows_at(t))
            return params, state, losses.at[t].set(loss.astype(jnp.float32))

        return jax.lax.fori_loop(start, start + n, body, carry)

    def evaluate(val_windows, carry):
        params = carry[0]
        return jax.lax.map(lambda w: loop.loss(params, w), val_windows).mean()

    return TrialParts(init, advance, evaluate)


def make_trial(cfg, *, steps: int, batch_size: int, optimizer: Optimizer, schedule: Schedule,
               sampling: str = "random"):
    """Build ``trial(train_tokens, val_windows, lr, seed) -> (losses (steps,), val_loss ())``.

    The parts of :func:`trial_parts` run back to back, as one pure, unjitted function: a
    reference for the engine's segmented programs (``val_windows`` is ``(n_eval_chunks,
    batch, L)`` int32, the same for every trial).
    """
    parts = trial_parts(cfg, steps=steps, batch_size=batch_size, optimizer=optimizer,
                        schedule=schedule, sampling=sampling)

    def trial(train_tokens, val_windows, lr, seed):
        carry = parts.advance(train_tokens, parts.init(lr, seed), lr, seed, 0, steps)
        return carry[2], parts.evaluate(val_windows, carry)

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
    """How many devices to split a population's trials over: all of them.

    The one place that chooses the device count (with :func:`trials_per_chunk` for the
    vmap/lax.map choice on each device). Every device is used, on CPU too: with
    ``jax_num_cpu_devices`` set to the number of cores, trials running side by side (one
    per core) beat one trial at a time with every core on each matmul at every Metz
    width measured (64 to 1024). Measured on two quiet cores (Metz MLP, batch 128, marginal ms per trial-step,
    1 device vs 2): width 256 1.37 vs 0.97, width 512 4.52 vs 3.51, width 1024 14.1 vs
    11.9; ``bench/bench_train.py`` prints both columns. Under ``jax.distributed`` the
    devices are every process's (``jax.device_count()``).

    Args:
        n_trials: trials in the population.
        available: devices (``jax.device_count()``: every process's, when None).

    Returns:
        A device count in ``1..min(available, n_trials)``.
    """
    available = jax.device_count() if available is None else int(available)
    return max(1, min(available, int(n_trials)))


def _mesh_devices(n_devices: int) -> list:
    """The first ``n_devices`` devices of this process, or of every process under
    ``jax.distributed`` (a global mesh: each process runs its own devices' share)."""
    pool = jax.devices() if jax.process_count() > 1 else jax.local_devices()
    return pool[:n_devices]


class _Program(NamedTuple):
    segment: Callable  # (tokens, val, carry, lrs, seeds, start, n) -> (carry, val_loss)
    zeros: Callable  # () -> a carry of zeros for every trial, to start the first segment
    mesh: jax.sharding.Mesh


@functools.lru_cache(maxsize=64)
def _program(cfg, steps, batch_size, optimizer, schedule, per_device, n_devices, chunk,
             sampling="random") -> _Program:
    """One compiled program per shape: a segment of steps for every trial.

    The first segment (``start == 0``) initialises the trials and the last one
    (``start + n == steps``) evaluates them, each behind a ``lax.cond`` on the traced,
    unbatched ``start`` and ``n`` (so only the taken branch runs); one program instead of
    three keeps the compilation time of a whole-run program.
    """
    parts = trial_parts(cfg, steps=steps, batch_size=batch_size, optimizer=optimizer,
                        schedule=schedule, sampling=sampling)
    size = chunk if chunk > 1 else None
    val_dtype = jax.eval_shape(lambda: jnp.zeros((), jnp.float32)).dtype

    def segment(tokens, val_windows, carry, lrs, seeds, start, n):
        def one(a):
            c, lr, seed = a
            c = jax.lax.cond(start == 0, lambda: parts.init(lr, seed), lambda: c)
            c = parts.advance(tokens, c, lr, seed, start, n)
            v = jax.lax.cond(start + n == steps, lambda: parts.evaluate(val_windows, c).astype(val_dtype),
                             lambda: jnp.zeros((), val_dtype))
            return c, v

        return jax.lax.map(one, (carry, lrs, seeds), batch_size=size)

    mesh = jax.sharding.Mesh(np.array(_mesh_devices(n_devices)), (TRIAL_AXIS,))
    t, r = P(TRIAL_AXIS), P()
    donate = {} if mesh.devices.flat[0].platform == "cpu" else {"donate_argnums": (2,)}
    fn = jax.jit(jax.shard_map(segment, mesh=mesh, in_specs=(r, r, t, t, t, r, r), out_specs=t,
                               check_vma=False), **donate)
    shapes = jax.eval_shape(parts.init, jax.ShapeDtypeStruct((), jnp.float32), jax.ShapeDtypeStruct((), jnp.int32))
    n_total, split = per_device * n_devices, jax.sharding.NamedSharding(mesh, t)
    shard_bytes = per_device * sum(x.size * x.dtype.itemsize for x in jax.tree.leaves(shapes))
    if shard_bytes <= HOST_ZEROS_MAX_BYTES:  # copied from the host: no program to compile
        def zeros():
            return jax.tree.map(lambda x: jax.make_array_from_callback(
                (n_total, *x.shape), split,
                lambda idx: np.zeros((len(range(n_total)[idx[0]]), *x.shape), x.dtype)), shapes)
    else:  # made on the devices: a large state never passes through host memory
        zeros = jax.jit(lambda: jax.tree.map(lambda x: jnp.zeros((n_total, *x.shape), x.dtype), shapes),
                        out_shardings=split)
    return _Program(fn, zeros, mesh)


def _global(host: np.ndarray, sharding) -> jax.Array:
    """A (possibly multi-process) global array whose every process holds all of ``host``."""
    host = np.asarray(host)
    return jax.make_array_from_callback(host.shape, sharding, lambda idx: host[idx])


def _local_arrays(carry) -> dict[str, np.ndarray]:
    """This process's shards of every leaf of ``carry``, named ``"<leaf>@<first trial>"``."""
    out = {}
    for i, leaf in enumerate(jax.tree.leaves(carry)):
        for shard in leaf.addressable_shards:
            start = shard.index[0].start or 0
            out[f"{i}@{start}"] = np.asarray(shard.data)
    return out


def _restore(arrays: dict[str, np.ndarray], like) -> object | None:
    """The carry saved by :func:`_local_arrays`, sharded like ``like``; None on mismatch."""
    leaves, treedef = jax.tree.flatten(like)
    out = []
    for i, leaf in enumerate(leaves):
        mine = {}
        for shard in leaf.addressable_shards:
            start = shard.index[0].start or 0
            data = arrays.get(f"{i}@{start}")
            if data is None or data.shape != shard.data.shape or data.dtype != shard.data.dtype:
                return None
            mine[start] = data
        out.append(jax.make_array_from_callback(
            leaf.shape, leaf.sharding, lambda idx, mine=mine: mine[idx[0].start or 0]))
    return jax.tree.unflatten(treedef, out)


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
    checkpointer: Checkpointer | None = None,
    call_id: str | None = None,
    on_step: Callable[[int], None] | None = None,
    on_resume: Callable[[int], None] | None = None,
    segment_s: float = 1.0,
) -> TrialOutput:
    """Train every (learning rate, seed) pair for one model shape.

    One compiled program per shape advances every trial by a segment of steps, sharded
    over the devices (the first segment initialises, the last evaluates); the host runs the segments back to back, choosing
    their length so each takes about ``segment_s`` seconds (no recompilation: the
    segment's first step and length are traced). Between segments the state may be
    checkpointed and the progress reported. How the steps are cut into segments never
    changes the numbers: a resumed run equals an unbroken one, bit for bit on a CPU.

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
        devices: how many devices to shard over; chosen by :func:`devices_for` when None.
            Under ``jax.distributed`` always every process's devices (each process takes
            part in every program), padding a call with fewer trials than devices.
        chunk: trials vectorised together per device; chosen by :func:`trials_per_chunk`
            when None.
        sampling: ``"random"`` or ``"sequential"`` windows (:func:`trial_parts`).
        checkpointer: saves the state between segments and resumes from it
            (:class:`~cs324scale.train.checkpoint.Checkpointer`); None: no checkpoints.
        call_id: names this call's checkpoint (required with ``checkpointer``; under
            ``jax.distributed`` each process needs its own, since each saves its shards).
        on_step: called with the step reached after every segment.
        on_resume: called with the step restored from a checkpoint, if any.
        segment_s: target seconds per segment.

    Returns:
        A :class:`TrialOutput` with numpy arrays.
    """
    optimizer = Optimizer() if optimizer is None else optimizer
    schedule = Schedule() if schedule is None else schedule
    if checkpointer is not None and not call_id:
        raise ValueError("run_population(checkpointer=...) needs a call_id naming the call's checkpoint.")
    lrs = np.asarray(learning_rates, np.float32)
    sds = np.asarray(seeds, np.int32)
    n = len(lrs)
    if devices is None:
        devices = devices_for(n)
    n_dev = max(1, min(int(devices), jax.device_count(), n))
    if jax.process_count() > 1:  # every process runs every program: each needs a shard
        n_dev = jax.device_count()
    per_device = -(-n // n_dev)
    pad = per_device * n_dev - n
    if pad:  # repeat the last trial so every device gets the same number
        lrs = np.concatenate([lrs, np.repeat(lrs[-1:], pad)])
        sds = np.concatenate([sds, np.repeat(sds[-1:], pad)])
    if chunk is None:
        chunk = trials_per_chunk(cfg, per_device, batch_size=batch_size)
    chunk = int(min(max(chunk, 1), per_device))
    steps = int(steps)
    storage.use_compilation_cache()  # a shape compiled before, in any session, is loaded
    setup = (cfg, steps, int(batch_size), optimizer, schedule, per_device, n_dev, chunk, sampling)
    prog = _program(*setup)
    rep = jax.sharding.NamedSharding(prog.mesh, P())
    split = jax.sharding.NamedSharding(prog.mesh, P(TRIAL_AXIS))
    tokens = _global(np.asarray(train_tokens, np.int32), rep)
    val = _global(np.asarray(val_windows, np.int32), rep)
    g_lrs, g_sds = _global(lrs, split), _global(sds, split)

    t0 = time.perf_counter()
    carry = prog.zeros()
    key = setup + (tokens.shape, val.shape)
    advance = _EXECUTABLES.get(key)
    if advance is None:  # compile ahead of time, so compile and run times are reported apart
        advance = prog.segment.lower(tokens, val, carry, g_lrs, g_sds, np.int32(0), np.int32(1)).compile()
        if len(_EXECUTABLES) >= 32:
            _EXECUTABLES.pop(next(iter(_EXECUTABLES)))
        _EXECUTABLES[key] = advance
    t1 = time.perf_counter()

    step, ckpt_s = 0, 0.0
    if checkpointer is not None:
        saved = checkpointer.load(call_id)
        restored = None if saved is None else _restore(saved[1], carry)
        everyone = distributed.gather(saved[0] if restored is not None else 0)
        if everyone[0] > 0 and np.all(everyone == everyone[0]):  # all resume, or none does
            step, carry = int(everyone[0]), restored
            if on_resume is not None:
                on_resume(step)
        checkpointer.start(step)
    resumed = step
    n_next = min(steps - step, 16)  # a short first segment measures the speed
    while step < steps:
        n_seg = int(distributed.agree(np.int32(min(n_next, steps - step))))
        s0 = time.perf_counter()
        carry, vals = advance(tokens, val, carry, g_lrs, g_sds, np.int32(step), np.int32(n_seg))
        jax.block_until_ready(carry)
        per_step = (time.perf_counter() - s0) / n_seg
        step += n_seg
        if on_step is not None:
            on_step(step)
        target = segment_s
        if checkpointer is not None and step < steps:
            if bool(distributed.agree(np.bool_(checkpointer.due(step)))):
                c0 = time.perf_counter()
                checkpointer.save(call_id, step, _local_arrays(carry))
                ckpt_s += time.perf_counter() - c0
            target = min(target, max(checkpointer.seconds_until_due(), 0.05))
        n_next = max(1, int(target / max(per_step, 1e-9)))
    losses = carry[2]  # the last segment evaluated: ``vals`` holds the validation losses
    local = np.zeros(len(lrs), bool)
    for shard in vals.addressable_shards:
        local[shard.index[0]] = True
    losses, vals = distributed.to_host(losses)[:n], distributed.to_host(vals)[:n]
    return TrialOutput(losses, vals, t1 - t0, time.perf_counter() - t1, resumed, ckpt_s, local[:n])


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
