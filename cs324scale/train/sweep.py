"""The public sweep API: train a grid of (config x learning rate x seed) trials.

:func:`run_sweep` validates everything, skips trials already in the store, checks the
FLOP budget, then runs each model shape as one compiled program (see
:mod:`cs324scale.train.engine`) and commits every finished trial to the store.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Sequence

import jax
import numpy as np

from .._checks import as_int, as_int_array, as_positive_array
from . import distributed
from .budget import FlopBudget
from .checkpoint import Checkpointer
from .checkpoint import call_id as checkpoint_call_id
from .data import CharData, shakespeare
from .engine import eval_windows, run_population
from .flops import trial_flops
from .loop import tokens_read
from .mlp import MLPConfig
from .models import model_for
from .optim import Optimizer, Schedule
from .progress import SweepProgress
from .results import SweepResults
from .store import ResultStore, provenance, trial_key

# A width x learning-rate x seed grid the size of Luke Metz's (his post gives only "12
# sizes x 12 learning rates x 3 seeds"). The values are the kit's own choice: 12 widths
# sqrt(2) apart from 23 to 1024, 12 Adam learning rates log-spaced from 1e-4 to 1e-1.
METZ_WIDTHS = (23, 32, 45, 64, 91, 128, 181, 256, 362, 512, 724, 1024)
METZ_LEARNING_RATES = tuple(float(f"{x:.3g}") for x in np.geomspace(1e-4, 1e-1, 12))
METZ_SEEDS = (0, 1, 2)


def _as_configs(configs) -> list:
    if dataclasses.is_dataclass(configs) and not isinstance(configs, type):
        configs = [configs]
    configs = list(configs)
    if not configs:
        raise ValueError("configs is empty; pass at least one model config.")
    for c in configs:
        model_for(c)  # raises ValueError for unregistered types
    return configs


def _curve(losses: np.ndarray, points: int):
    """Interval means of a loss curve, the interval ends, and the first non-finite step (-1)."""
    steps = len(losses)
    points = min(points, steps)
    edges = np.linspace(0, steps, points + 1).astype(int)
    bad = ~np.isfinite(losses)
    first = int(np.argmax(bad)) if bad.any() else -1
    clean = losses.astype(float).copy()
    if first >= 0:
        clean[first:] = np.nan
    # interval means over the finite steps, so the interval holding the divergence keeps
    # the losses before it; intervals wholly after it are NaN
    sums = np.add.reduceat(np.nan_to_num(clean), edges[:-1])
    counts = np.add.reduceat(np.isfinite(clean), edges[:-1])
    curve = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return curve, edges[1:], first


def run_sweep(
    configs,
    learning_rates: Sequence[float],
    seeds: Sequence[int] = (0,),
    *,
    steps: int,
    batch_size: int = 128,
    optimizer: Optimizer | None = None,
    schedule: Schedule | None = None,
    dataset_size: int | None = None,
    data: CharData | None = None,
    store: ResultStore | str | None = None,
    budget: FlopBudget | None = None,
    curve_points: int = 50,
    eval_size: int = 1024,
    devices: int | None = None,
    max_trials_per_call: int | None = None,
    progress: bool = True,
    sampling: str = "random",
    checkpoints: Checkpointer | str | os.PathLike | bool | None = None,
) -> SweepResults:
    """Train every (config, learning rate, seed) combination and return a results table.

    Each trial trains with ``optimizer`` (Adam by default) at ``lr x schedule(t)``
    (constant by default) on windows drawn from ``data`` with its seed's key, then is
    evaluated on fixed validation windows. Trials already in ``store`` are loaded, not
    retrained (and cost no budget).

    Args:
        configs: one model config (``MLPConfig``, ``TransformerConfig``, ``LSTMConfig``
            or any registered type) or a sequence of them.
        learning_rates: (peak) learning rates, each finite and > 0.
        seeds: non-negative integer seeds (initialisation and data order).
        steps: optimiser steps per trial; a schedule spans exactly these.
        batch_size: windows per step.
        optimizer: an :class:`~cs324scale.train.optim.Optimizer` (``cs.train.adam()``
            when None; ``cs.train.sgd(momentum=0.9)``, ``cs.train.adamw(...)``).
        schedule: a :class:`~cs324scale.train.optim.Schedule` (``cs.train.constant()``
            when None; ``cs.train.warmup_cosine(...)``, ``cs.train.wsd(...)``).
        dataset_size: train on only the first ``D`` training characters (None: all).
        data: a :class:`~cs324scale.train.data.CharData`; tiny Shakespeare by default.
        store: a :class:`~cs324scale.train.store.ResultStore`, a path to one, or None
            (keep results in memory only).
        budget: a :class:`~cs324scale.train.budget.FlopBudget` to charge; the sweep
            prints its estimated cost and raises ``BudgetExceeded`` before running if
            the new trials cost more than remains.
        curve_points: intervals the training-loss curve is averaged over.
        eval_size: validation windows used for ``final_loss``.
        devices: local devices to spread trials over (None: every local device, see
            :func:`~cs324scale.train.engine.devices_for`).
        max_trials_per_call: at most this many trials per compiled call (default: all
            trials of a shape); smaller calls commit results more often.
        progress: show a ``tqdm`` progress bar: trials done, trials in flight and their
            step, the time left; and say what a resumed sweep reused.
        sampling: ``"random"`` (default): each step draws windows at random starts with
            the seed's data key, so a long run revisits text. ``"sequential"``: every
            trial reads the training tokens once, in order (the seed then sets only the
            initialisation); the data must hold ``steps x batch_size x (window - 1) + 1``
            tokens, so no token is trained on twice.
        checkpoints: mid-call checkpoints, so a call killed part-way resumes from its
            last save (:mod:`~cs324scale.train.checkpoint`). None (default): every 3 s of
            training, in the folder ``<store>.checkpoints`` beside a store file, and none
            for an in-memory store; a folder: there; a
            :class:`~cs324scale.train.checkpoint.Checkpointer`: as configured; False: none.

    Under ``jax.distributed`` (several processes, each with its own devices) every
    process calls ``run_sweep`` with the same arguments and the same ``store`` path: the
    store as process 0 reads it decides what is left, each call's trials are spread over
    every process's devices, and each process commits the trials its devices trained.

    Returns:
        A :class:`~cs324scale.train.results.SweepResults`, trials ordered config-major,
        then learning rate, then seed.

    Raises:
        ValueError: bad input (empty grid, non-positive or non-finite learning rate,
            width < 1, unknown parametrisation, ...), before anything is compiled.
        BudgetExceeded: the budget cannot pay for the new trials.
    """
    configs = _as_configs(configs)
    lrs = as_positive_array("learning_rates", learning_rates)
    seed_arr = as_int_array("seeds", seeds, minimum=0)
    steps = as_int("steps", steps)
    batch_size = as_int("batch_size", batch_size)
    curve_points = as_int("curve_points", curve_points)
    eval_size = as_int("eval_size", eval_size)
    if max_trials_per_call is not None:
        max_trials_per_call = as_int("max_trials_per_call", max_trials_per_call)
    optimizer = Optimizer() if optimizer is None else optimizer
    schedule = Schedule() if schedule is None else schedule
    if not isinstance(optimizer, Optimizer):
        raise ValueError(
            f"optimizer must be a cs.train Optimizer such as cs.train.adam(); got {optimizer!r}."
        )
    if not isinstance(schedule, Schedule):
        raise ValueError(
            f"schedule must be a cs.train Schedule such as cs.train.constant(); got {schedule!r}."
        )
    if sampling not in ("random", "sequential"):
        raise ValueError(f"sampling must be 'random' or 'sequential'; got {sampling!r}.")
    data = shakespeare() if data is None else data
    data = data.subset(dataset_size)
    for c in configs:
        if getattr(c, "vocab_size", data.vocab_size) != data.vocab_size:
            raise ValueError(
                f"{c} has vocab_size={c.vocab_size} but the data has {data.vocab_size} characters."
            )
        if model_for(c).window_length(c) > len(data.train):
            raise ValueError(f"dataset_size={len(data.train)} is shorter than one window of {c}.")
        need = tokens_read(model_for(c).window_length(c), batch_size, steps)
        if sampling == "sequential" and need > len(data.train):
            raise ValueError(
                f"sequential sampling of {steps} steps x {batch_size} windows of {c} reads "
                f"{need:,} tokens but the data has {len(data.train):,}; use a longer corpus "
                "(e.g. cs.train.ZipfPhrases().corpus(n)), fewer steps, or sampling='random'."
            )
    if store is None or not isinstance(store, ResultStore):
        store = ResultStore(store)
    checkpointer = _checkpointer(checkpoints, store)

    train = {
        "steps": steps,
        "batch_size": batch_size,
        "data": data.fingerprint,
        "eval_size": eval_size,
        "curve_points": curve_points,
        "optimizer": optimizer.describe(),
        "schedule": schedule.describe(),
    }
    if sampling != "random":  # random-window trials keep the keys they always had
        train["sampling"] = sampling
    trials = [
        (c, float(lr), int(s), trial_key(c, lr=float(lr), seed=int(s), train=train))
        for c in configs
        for lr in lrs
        for s in seed_arr
    ]
    keys = [t[3] for t in trials]
    if len(set(keys)) != len(keys):
        raise ValueError("The grid repeats a (config, learning rate, seed); pass each once.")
    found = store.get_many(keys)
    # every process runs the same calls: the store as process 0 sees it decides
    done = np.asarray(distributed.agree(np.array([k in found for k in keys], bool)), bool)
    todo = [t for t, d in zip(trials, done, strict=True) if not d]
    cost = sum(trial_flops(t[0], steps=steps, batch_size=batch_size) for t in todo)
    lead = jax.process_index() == 0
    if budget is not None:
        if lead:
            print(
                f"Sweep cost estimate: {cost:.3g} FLOPs for {len(todo)} new trial(s) "
                f"({int(done.sum())} cached, free); budget remaining {budget.remaining:.3g} FLOPs."
            )
        budget.check(cost, "this sweep")

    bar = SweepProgress(len(trials), int(done.sum()), steps, enabled=progress and lead and bool(todo))
    with bar:
        for c in configs:
            mine = [t for t in todo if t[0] == c]
            size = max_trials_per_call or max(1, len(mine))
            for i in range(0, len(mine), size):
                _run_call(
                    mine[i : i + size],
                    c,
                    data,
                    store,
                    budget,
                    steps,
                    batch_size,
                    optimizer,
                    schedule,
                    curve_points,
                    eval_size,
                    devices,
                    sampling,
                    checkpointer,
                    bar,
                )

    records = store.get_many(keys)
    missing = [k for k in keys if k not in records]
    if missing:
        raise ValueError(
            f"{len(missing)} trial(s) are not in the store at {store.path}; under jax.distributed "
            "every process must use the same store file (a folder every host can write)."
        )
    return SweepResults.from_records([records[k] for k in keys], cached=[bool(d) for d in done])


def _checkpointer(checkpoints, store: ResultStore) -> Checkpointer | None:
    if checkpoints is False:
        return None
    if isinstance(checkpoints, Checkpointer):
        return checkpoints
    if checkpoints is None or checkpoints is True:
        if store.path is None:
            return None
        return Checkpointer(store.path.with_name(store.path.name + ".checkpoints"))
    if not isinstance(checkpoints, (str, os.PathLike)):
        raise ValueError(
            "checkpoints must be None (beside the store), False (none), a folder or a "
            f"cs.train.Checkpointer; got {checkpoints!r}."
        )
    return Checkpointer(checkpoints)


def _run_call(
    call, cfg, data, store, budget, steps, batch_size, optimizer, schedule, curve_points,
    eval_size, devices, sampling, checkpointer, bar,
):
    import jax.numpy as jnp

    val = eval_windows(data.val, cfg, n_windows=eval_size, batch_size=batch_size)
    base = checkpoint_call_id({
        "trials": [t[3] for t in call],
        "devices": devices,
        "device_count": jax.device_count(),
        "processes": jax.process_count(),
    })
    cid = base if jax.process_count() == 1 else f"{base}-p{jax.process_index()}"  # each saves its shards
    bar.start_call(len(call))
    t0 = time.perf_counter()
    out = run_population(
        cfg,
        [t[1] for t in call],
        [t[2] for t in call],
        steps=steps,
        batch_size=batch_size,
        optimizer=optimizer,
        schedule=schedule,
        train_tokens=jnp.asarray(data.train),
        val_windows=val,
        devices=devices,
        sampling=sampling,
        checkpointer=checkpointer,
        call_id=cid,
        on_step=bar.step,
        on_resume=bar.resumed,
    )
    prov = provenance(wall_time_s=(time.perf_counter() - t0) / len(call))
    prov["trials_in_call"] = len(call)
    prov["resumed_step"] = out.resumed_step  # > 0: the call resumed from a mid-call checkpoint
    for (c, lr, seed, key), losses, v, mine in zip(call, out.losses, out.val_loss, out.local, strict=True):
        if mine:  # under jax.distributed each process commits its own devices' trials
            store.put(
                trial_record(
                    key, c, lr=lr, seed=seed, losses=losses, val_loss=v, batch_size=batch_size,
                    optimizer=optimizer, schedule=schedule, dataset_size=len(data.train),
                    curve_points=curve_points, provenance=prov, sampling=sampling,
                )
            )
    if checkpointer is not None:
        checkpointer.discard(cid)  # after the commits: a kill in between resumes, then skips
    distributed.barrier(f"cs324scale sweep call {base}")  # every process's commits are in
    bar.end_call(len(call))
    if budget is not None:
        flops = trial_flops(cfg, steps=steps, batch_size=batch_size)
        budget.charge(flops * len(call), f"{len(call)} trial(s) of {cfg}")


def trial_record(
    key: str, cfg, *, lr: float, seed: int, losses, val_loss: float, batch_size: int,
    optimizer: Optimizer, schedule: Schedule, dataset_size: int, curve_points: int,
    provenance: dict, sampling: str = "random",
) -> dict:
    """The one record of a finished trial, as the store and :class:`SweepResults` keep it.

    A trial whose training loss became non-finite, or whose validation loss is not
    finite, is recorded as diverged (``final_loss`` NaN, ``diverged_at`` its first bad
    step, or ``steps`` when only the validation loss failed); it never raises.
    """
    losses = np.asarray(losses)
    steps = len(losses)
    curve, curve_steps, first = _curve(losses, curve_points)
    if first < 0 and not np.isfinite(val_loss):
        first = steps
    diverged = first >= 0
    return {
        "key": key,
        "model": type(cfg).__name__,
        "config": dataclasses.asdict(cfg),
        "lr": float(lr),
        "seed": int(seed),
        "steps": steps,
        "batch_size": int(batch_size),
        "optimizer": optimizer.describe(),
        "schedule": schedule.describe(),
        "dataset_size": int(dataset_size),
        "sampling": sampling,
        "final_loss": float("nan") if diverged else float(val_loss),
        "train_loss": float(curve[-1]),
        "diverged": diverged,
        "diverged_at": first,
        "curve": curve,
        "curve_steps": curve_steps,
        "flops": trial_flops(cfg, steps=steps, batch_size=batch_size),
        "provenance": provenance,
    }


def metz_grid(
    widths: Sequence[int] = METZ_WIDTHS,
    learning_rates: Sequence[float] = METZ_LEARNING_RATES,
    seeds: Sequence[int] = METZ_SEEDS,
    *,
    steps: int,
    depth: int = 3,
    parametrization: str = "standard",
    base_width: int = 64,
    **kwargs,
) -> SweepResults:
    """A width x learning-rate x seed sweep of an n-gram MLP on tiny Shakespeare, after Metz.

    Metz ("The difficulty of extrapolation in NN scaling", 2022) trained 3-hidden-layer
    MLPs with Adam over widths and learning rates and showed that the best learning rate
    moves with width in standard parametrisation; with ``parametrization="mup"`` it
    stays put (Yang et al. 2022). The default grid has his grid's size, 12 x 12 x 3 = 432
    trials; its widths and rates are the kit's choice (his post does not list them).

    Args:
        widths: hidden sizes, each >= 1.
        learning_rates: Adam learning rates.
        seeds: seeds per (width, learning rate).
        steps: optimiser steps per trial.
        depth: hidden layers.
        parametrization: ``"standard"`` or ``"mup"``.
        base_width: muP's base width (SP and muP coincide there).
        **kwargs: passed to :func:`run_sweep` (``batch_size``, ``store``, ``budget``, ...).

    Returns:
        A :class:`~cs324scale.train.results.SweepResults`; ``res.grid("width")`` gives
        the seed-averaged (width x learning rate) loss table.
    """
    widths = as_int_array("widths", widths, minimum=1)
    configs = [
        MLPConfig(width=int(w), depth=depth, parametrization=parametrization, base_width=base_width)
        for w in widths
    ]
    return run_sweep(configs, learning_rates, seeds, steps=steps, **kwargs)
