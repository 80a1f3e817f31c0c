"""Benchmark of the sweep engine on populations of MLPs, Transformers and LSTMs.

Each population is one model shape trained at several learning rates x seeds:

* **MLP**: Luke Metz's grid, 12 learning rates x 3 seeds (36 trials) of a
  3-hidden-layer n-gram MLP per width, batch 128;
* **Transformer** and **LSTM**: the lecture's character LMs (context 32; a Transformer
  of 2 blocks and 4 heads, an LSTM of 2 layers), 3 learning rates x 4 seeds (12 trials)
  per width, ``--lm-batch`` windows per step (64 by default, 2048 predicted tokens).

Every population is trained, with Adam at a constant rate, by

(a) a plain jitted training step called in a Python loop, one trial after another (the
    kit's own step, :func:`cs324scale.train.loop.make_loop`, so the work is the same);
(b) the engine, :func:`cs324scale.train.engine.run_population` (one compiled program
    per shape, ``lax.scan`` over steps, vmap or lax.map over trials, sharded over devices,
    all chosen by the engine itself);
(c) a PyTorch CPU loop for the MLP, if torch is installed.

Both (a) and (b) do the same work per trial: initialise, train (recording the loss of
every step), then evaluate the validation loss on the same fixed windows. It prints
trial-steps/s, the engine's achieved GFLOP/s (model FLOPs: 6N per token plus attention,
see :mod:`cs324scale.flops`) and that as a fraction of this machine's own matmul peak,
measured in the same run (a large float32 ``jnp`` matmul on one jax CPU device, which
uses every core, as does the engine on one device). Compile time is excluded everywhere
(reported separately for the engine). Run::

    JAX_PLATFORMS=cpu python bench/bench_train.py              # all three models
    JAX_PLATFORMS=cpu python bench/bench_train.py --quick      # fewer steps
    JAX_PLATFORMS=cpu python bench/bench_train.py --models mlp --widths 64 128
    JAX_PLATFORMS=cpu python bench/bench_train.py --models     # only the checkpoint table

Each trial runs at least ``--min-steps`` steps (default 50; the kit's own CPU Metz grid
runs 300), so the per-trial initialisation and evaluation, which both loops do but the
FLOP count leaves out, weigh as little in the rate as in a real sweep.

On a CPU, jax is asked for one CPU device per core (``jax_num_cpu_devices``), and the
engine is timed both on one device and sharded over all of them (one trial per core at
a time instead of one multi-threaded trial); column (b) is the one the engine picks
itself (:func:`cs324scale.train.engine.devices_for`), not the better of the two. Other
processes sharing the CPU make the numbers noisy; each rate is the best of ``--rounds``
interleaved timings. The last lines add each model's sizes up into one grid: the time
(a) and (b) would take for all of it; with ``--widths`` set to all 12 Metz widths the MLP
line is the 432-trial grid. A last table (``--checkpoint-steps``) prices the engine's
segments and its default mid-call checkpoints against one unbroken segment.

Compile times are cold: the persistent compilation cache
(:func:`cs324scale.storage.compilation_cache_dir`) is off unless
``CS324SCALE_COMPILATION_CACHE`` is set.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("CS324SCALE_COMPILATION_CACHE", "off")  # before the kit compiles anything

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from cs324scale.experiments.lecture2 import LM_CONTEXT, LM_LRS, METZ_BATCH  # noqa: E402
from cs324scale.train import (  # noqa: E402
    METZ_LEARNING_RATES,
    METZ_SEEDS,
    LSTMConfig,
    MLPConfig,
    Optimizer,
    Schedule,
    TransformerConfig,
    engine,
    shakespeare,
)
from cs324scale.train.data import sample_windows  # noqa: E402
from cs324scale.train.flops import flops_per_step, param_count  # noqa: E402
from cs324scale.train.loop import make_loop  # noqa: E402

LM_SEEDS = (0, 1, 2, 3)


class Population(NamedTuple):
    """One model shape and the learning rates x seeds the benchmark trains it at."""

    model: str  # "MLP", "Transformer" or "LSTM"
    cfg: object
    lrs: np.ndarray  # (n,) one per trial
    seeds: np.ndarray  # (n,)
    batch: int


def populations(args) -> list[Population]:
    """The benchmark's populations, in the order of ``--models``."""
    grid = {}
    lrs = np.repeat(METZ_LEARNING_RATES, len(METZ_SEEDS))
    seeds = np.tile(METZ_SEEDS, len(METZ_LEARNING_RATES))
    grid["mlp"] = [
        Population("MLP", MLPConfig(width=w), lrs, seeds, METZ_BATCH) for w in args.widths
    ]
    lm_lrs = np.repeat(LM_LRS, len(LM_SEEDS))
    lm_seeds = np.tile(LM_SEEDS, len(LM_LRS))
    lm_configs = {
        "transformer": lambda d: TransformerConfig(
            d_model=d, n_layer=2, n_head=4, context=LM_CONTEXT
        ),
        "lstm": lambda d: LSTMConfig(d_model=d, n_layer=2, context=LM_CONTEXT),
    }
    for name, make in lm_configs.items():
        cfgs = [make(d) for d in args.lm_widths]
        grid[name] = [
            Population(type(c).__name__.removesuffix("Config"), c, lm_lrs, lm_seeds, args.lm_batch)
            for c in cfgs
        ]
    return [p for m in args.models for p in grid[m]]


def size_of(cfg) -> int:
    return cfg.width if isinstance(cfg, MLPConfig) else cfg.d_model


def matmul_peak_gflops(n: int = 2048, repeats: int = 5) -> float:
    """Best float32 GFLOP/s of an ``n x n`` by ``n x n`` jitted matmul."""
    a = jax.random.normal(jax.random.key(0), (n, n), jnp.float32)
    f = jax.jit(lambda x: x @ x)
    f(a).block_until_ready()
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(4):
            out = f(a)
        out.block_until_ready()
        best = min(best, (time.perf_counter() - t) / 4)
    return 2 * n**3 / best / 1e9


def plain_loop(pop: Population, n_trials: int, steps: int, tokens, val) -> float:
    """(a) trial-steps/s of a jitted step in a Python loop, one trial at a time.

    The kit's own step (the engine's, without scan or vmap) and the engine's keys: init,
    ``steps`` steps (each returning its loss), then the validation loss on the fixed
    windows ``val`` ``(n_chunks, batch, L)``.
    """
    loop = make_loop(pop.cfg, optimizer=Optimizer(), schedule=Schedule(), steps=steps)
    lrs, seeds = pop.lrs[:n_trials], pop.seeds[:n_trials]

    @jax.jit
    def start(lr, seed):
        k_init, k_data = jax.random.split(jax.random.key(seed))
        params, state = loop.init(lr, k_init)
        return params, state, k_data

    @jax.jit
    def step(params, state, lr, k_data, t):
        w = sample_windows(tokens, loop.window_length, pop.batch, key=jax.random.fold_in(k_data, t))
        return loop.step(params, state, lr, w)

    @jax.jit
    def evaluate(params):
        return jax.lax.map(lambda w: loop.loss(params, w), val).mean()

    lr0 = jnp.float32(lrs[0])
    params, state, k = start(lr0, jnp.int32(seeds[0]))  # compile all three
    jax.block_until_ready(evaluate(step(params, state, lr0, k, 0)[0]))
    t = time.perf_counter()
    for lr, seed in zip(lrs, seeds, strict=True):
        lr = jnp.float32(lr)
        params, state, k = start(lr, jnp.int32(seed))
        losses = []
        for i in range(steps):
            params, state, loss = step(params, state, lr, k, i)
            losses.append(loss)
        v = evaluate(params)
    jax.block_until_ready((losses, v))
    return len(lrs) * steps / (time.perf_counter() - t)


def torch_loop(pop: Population, n_trials: int, steps: int, tokens_np) -> float | None:
    """(c) trial-steps/s of the same MLP in PyTorch (CPU); None without torch or for LMs."""
    try:
        import torch
    except ImportError:
        return None
    if not isinstance(pop.cfg, MLPConfig):
        return None
    cfg = pop.cfg
    toks = torch.from_numpy(tokens_np.astype(np.int64))
    best = 0.0
    # best of one thread and all threads (OpenMP threads spin badly on a shared machine)
    for threads in sorted({1, os.cpu_count() or 1}):
        torch.set_num_threads(threads)
        t = time.perf_counter()
        for lr in pop.lrs[:n_trials]:
            dims = [cfg.context * cfg.embed_dim] + [cfg.width] * cfg.depth
            layers = [torch.nn.Embedding(cfg.vocab_size, cfg.embed_dim), torch.nn.Flatten()]
            for a, b in zip(dims[:-1], dims[1:], strict=True):
                layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
            model = torch.nn.Sequential(*layers, torch.nn.Linear(cfg.width, cfg.vocab_size))
            opt = torch.optim.Adam(model.parameters(), lr=float(lr))
            for _ in range(steps):
                starts = torch.randint(0, len(toks) - cfg.context, (pop.batch,))
                w = toks[starts[:, None] + torch.arange(cfg.context + 1)]
                loss = torch.nn.functional.cross_entropy(model(w[:, :-1]), w[:, -1])
                opt.zero_grad()
                loss.backward()
                opt.step()
        best = max(best, n_trials * steps / (time.perf_counter() - t))
    return best


def time_population(pop: Population, args, data, tokens, peak: float) -> dict:
    """Best rates of (a), (b) on 1 and on all devices, and (c), over interleaved rounds."""
    fps = flops_per_step(pop.cfg, pop.batch)
    n = len(pop.lrs)
    # each population costs ~1e11 training FLOPs (2.5e10 with --quick), at least --min-steps
    budget = 2.5e10 if args.quick else 1e11
    steps = max(args.min_steps, int(budget / (n * fps)) // 10 * 10)
    val = jnp.asarray(
        engine.eval_windows(data.val, pop.cfg, n_windows=pop.batch, batch_size=pop.batch)
    )
    k = min(args.plain_trials, n)
    n_dev = jax.local_device_count()
    best = {"a": 0.0, "b1": 0.0, "bn": 0.0, "c": None, "compile_s": 0.0, "peak": peak}
    for _ in range(args.rounds):  # interleave, so load from other processes hits all alike
        best["a"] = max(best["a"], plain_loop(pop, k, steps, tokens, val))
        for key, nd in (("b1", 1), ("bn", n_dev)):
            out = engine.run_population(
                pop.cfg,
                pop.lrs,
                pop.seeds,
                steps=steps,
                batch_size=pop.batch,
                train_tokens=tokens,
                val_windows=val,
                devices=nd,
            )
            best["compile_s"] = max(best["compile_s"], out.compile_s)
            best[key] = max(best[key], n * steps / out.run_s)
        c = torch_loop(pop, k, steps, data.train)
        best["c"] = None if c is None else max(best["c"] or 0.0, c)
        best["peak"] = max(best["peak"], matmul_peak_gflops(repeats=2))
    nd = engine.devices_for(n)  # the engine's own choice (run_population with devices=None)
    best["b"] = best["b1"] if nd == 1 else best["bn"]
    chunk = engine.trials_per_chunk(pop.cfg, -(-n // nd), batch_size=pop.batch)
    best["strategy"] = (
        f"vmap x{chunk}" if chunk > 1 else "lax.map"
    ) + f", {nd} device{'s' * (nd > 1)}"
    best.update(steps=steps, fps=fps, trials=n)
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--models",
        nargs="*",
        choices=("mlp", "transformer", "lstm"),
        default=["mlp", "transformer", "lstm"],
    )
    p.add_argument(
        "--widths", type=int, nargs="+", default=[64, 128, 256, 512, 1024], help="MLP widths"
    )
    p.add_argument(
        "--lm-widths",
        type=int,
        nargs="+",
        default=[64, 128, 256],
        help="Transformer and LSTM d_model",
    )
    p.add_argument("--lm-batch", type=int, default=64, help="windows per step of the LMs")
    p.add_argument("--quick", action="store_true", help="about 4x fewer steps")
    p.add_argument("--rounds", type=int, default=2, help="interleaved timing rounds (best kept)")
    p.add_argument("--plain-trials", type=int, default=12, help="trials timed for (a) and (c)")
    p.add_argument("--min-steps", type=int, default=50, help="fewest optimiser steps per trial")
    p.add_argument(
        "--cpu-devices",
        type=int,
        default=os.cpu_count() or 1,
        help="CPU devices jax exposes (one per core by default), for the sharded engine column",
    )
    p.add_argument(
        "--checkpoint-steps",
        type=int,
        default=6000,
        help="steps of the segments-and-checkpoints population (0: skip it)",
    )
    args = p.parse_args()
    jax.config.update("jax_num_cpu_devices", args.cpu_devices)  # before the backend starts

    data = shakespeare()
    tokens = jnp.asarray(data.train)
    n_dev = jax.local_device_count()
    peak = matmul_peak_gflops()
    dev = jax.devices()[0]
    print(
        f"# device: {dev.platform} ({dev.device_kind}) x{n_dev}, {os.cpu_count()} CPU threads; "
        f"jax {jax.__version__}"
    )
    rows = []
    for pop in populations(args):
        r = time_population(pop, args, data, tokens, peak)
        peak = r["peak"]
        rows.append((pop, r))
        print(
            f"{pop.model} {size_of(pop.cfg)}: plain {r['a']:.0f}, engine {r['b1']:.0f} (1 device) / "
            f"{r['bn']:.0f} ({n_dev} devices) trial-steps/s; engine's choice "
            f"{r['b'] / r['a']:.2f}x plain",
            flush=True,
        )

    if rows:
        print_tables(rows, args, peak, n_dev)
    if args.checkpoint_steps:
        checkpoint_overhead(args, data, tokens)


def print_tables(rows, args, peak: float, n_dev: int) -> None:
    """The throughput table and the whole-grid times."""
    print(
        f"\nMLP: Metz grid, 36 trials (12 lrs x 3 seeds) per width, 3 hidden layers, batch "
        f"{METZ_BATCH}. Transformer (2 blocks, 4 heads) and LSTM (2 layers): {len(LM_LRS) * len(LM_SEEDS)} trials ("
        f"{len(LM_LRS)} lrs x {len(LM_SEEDS)} seeds) per d_model, context {LM_CONTEXT}, batch {args.lm_batch}. Adam; "
        f"(a) and (b) both evaluate the validation loss after training. Matmul peak "
        f"{peak:.1f} GFLOP/s (best float32 2048^3 jnp matmul of the run, on one jax CPU "
        f"device, i.e. all {os.cpu_count()} cores, as the engine on one device).\n"
    )
    print(
        f"| model | width | params | steps | (a) plain jit loop | (b) engine, 1 device | "
        f"(b) engine, {n_dev} devices | (b)/(a), engine's choice | (c) PyTorch | engine GFLOP/s | "
        "% of matmul peak | strategy |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for pop, r in rows:
        g = r["b"] * r["fps"] / 1e9
        torch_cell = "n/a" if r["c"] is None else f"{r['c']:.0f}"
        print(
            f"| {pop.model} | {size_of(pop.cfg)} | {param_count(pop.cfg):,} | {r['steps']} | "
            f"{r['a']:.0f} | {r['b1']:.0f} | {r['bn']:.0f} | {r['b'] / r['a']:.2f}x | "
            f"{torch_cell} | {g:.1f} | {g / peak:.0%} | {r['strategy']} |"
        )
    print(
        f"\ntrial-steps/s, best of {args.rounds} interleaved rounds; compile excluded "
        f"(engine compile <= {max(r['compile_s'] for _, r in rows):.1f} s per shape)."
    )
    for model in dict.fromkeys(pop.model for pop, _ in rows):
        mine = [r for pop, r in rows if pop.model == model]
        t_plain = sum(r["trials"] * r["steps"] / r["a"] for r in mine)
        t_engine = sum(r["trials"] * r["steps"] / r["b"] for r in mine)
        print(
            f"whole {model} grid ({len(mine)} sizes, {sum(r['trials'] for r in mine)} trials): "
            f"(a) {t_plain:.1f} s, (b) {t_engine:.1f} s, {t_plain / t_engine:.2f}x"
        )


def checkpoint_overhead(args, data, tokens) -> None:
    """Cost of training in segments and of saving checkpoints between them.

    One population (Metz MLP width 192, 4 learning rates, batch 128), trained by the
    engine (i) in one segment, (ii) in its default segments of about a second and
    (iii) in those segments with the default checkpoints (every 3 s, to a temporary
    folder). Best of ``--rounds`` interleaved timings of each, run time only.
    """
    import tempfile

    from cs324scale.train.checkpoint import Checkpointer

    cfg = MLPConfig(width=192)
    lrs, seeds = [1e-3, 2e-3, 3e-3, 5e-3], [0, 0, 0, 0]
    steps = args.checkpoint_steps
    val = jnp.asarray(engine.eval_windows(data.val, cfg, n_windows=1024, batch_size=METZ_BATCH))
    best = {"one segment": None, "segments": None, "segments + checkpoints": None}
    saves = 0
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for name in best:
                ckpt = Checkpointer(tmp) if "checkpoints" in name else None
                out = engine.run_population(
                    cfg, lrs, seeds, steps=steps, batch_size=METZ_BATCH, train_tokens=tokens,
                    val_windows=val, segment_s=1e9 if name == "one segment" else 1.0,
                    checkpointer=ckpt, call_id=f"bench{r}" if ckpt else None,
                )
                if ckpt is not None:
                    saves = max(saves, sum(1 for _ in Path(tmp).glob("*.npz")))
                best[name] = out if best[name] is None or out.run_s < best[name].run_s else best[name]
    base = best["one segment"].run_s
    print(f"\nCheckpoints: MLP width 192, {len(lrs)} trials x {steps} steps, batch {METZ_BATCH}; run time, "
          f"best of {args.rounds}")
    print("| engine | run s | vs one segment | of which saving |")
    print("|---|---:|---:|---:|")
    for name, out in best.items():
        print(f"| {name} | {out.run_s:.2f} | {out.run_s / base - 1:+.1%} | "
              f"{out.checkpoint_s:.2f} s ({out.checkpoint_s / out.run_s:.1%}) |")
    print("(the differences between rows include the machine's noise; the saving column is timed directly)")


if __name__ == "__main__":
    main()
