"""Benchmark of the sweep engine on Luke Metz's width x learning-rate x seed grid.

For each width, the 12 learning rates x 3 seeds of the Metz grid (36 trials of a
3-hidden-layer n-gram MLP, batch 128, Adam) are trained by

(a) a plain jitted training step called in a Python loop, one trial after another;
(b) the engine, :func:`cs324scale.train.engine.run_population` (one compiled program
    per width, ``lax.scan`` over steps, vmap or lax.map over trials, sharded over devices,
    all chosen by the engine itself);
(c) a PyTorch CPU loop, if torch is installed.

Both (a) and (b) do the same work per trial: initialise, train (recording the loss of
every step), then evaluate the validation loss on the same fixed windows. It prints
trial-steps/s, the engine's achieved GFLOP/s (model FLOPs, 6N per example,
see :mod:`cs324scale.train.flops`) and that as a fraction of this machine's own matmul
peak, measured in the same run (a large float32 ``jnp`` matmul on one jax CPU device,
which uses every core, as does the engine on one device). Compile time is
excluded everywhere (reported separately for the engine). Run::

    JAX_PLATFORMS=cpu python bench/bench_train.py            # widths 64..1024
    JAX_PLATFORMS=cpu python bench/bench_train.py --quick    # fewer steps

Each trial runs at least ``--min-steps`` steps (default 50; the kit's own CPU Metz grid
runs 300), so the per-trial initialisation and evaluation, which both loops do but the
FLOP count leaves out, weigh as little in the rate as in a real sweep.

On a CPU, jax is asked for one CPU device per core (``jax_num_cpu_devices``), and the
engine is timed both on one device and sharded over all of them (one trial per core at
a time instead of one multi-threaded trial); column (b) is the one the engine picks
itself (:func:`cs324scale.train.engine.devices_for`), not the better of the two. Other
processes sharing the CPU make the numbers noisy; each rate is the best of ``--rounds``
interleaved timings. The last line adds the widths up into one grid (36 trials per
width, the steps of each row): the time (a) and (b) would take for the whole grid; with
``--widths`` set to all 12 Metz widths that is the 432-trial grid.
"""

from __future__ import annotations

import argparse
import os
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from cs324scale.train import METZ_LEARNING_RATES, METZ_SEEDS, MLPConfig, engine, mlp, shakespeare
from cs324scale.train.data import sample_windows
from cs324scale.train.flops import flops_per_step

BATCH = 128


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


def plain_loop(cfg, lrs, seeds, steps, tokens, val, repeats):
    """(a) trial-steps/s of a jitted step in a Python loop, one trial at a time.

    Same work per trial as the engine: init, ``steps`` steps (each returning its loss),
    then the validation loss on the fixed windows ``val`` ``(n_chunks, batch, L)``.
    """
    opt = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)
    length = cfg.context + 1

    @jax.jit
    def start(lr, seed):
        params = mlp.init(cfg, key=jax.random.key(seed))
        state = opt.init(params)
        state.hyperparams["learning_rate"] = lr
        return params, state, jax.random.key(seed + 1)

    @jax.jit
    def step(params, state, key, i):
        w = sample_windows(tokens, length, BATCH, key=jax.random.fold_in(key, i))
        loss, g = jax.value_and_grad(lambda p: mlp.loss(cfg, p, w))(params)
        u, state = opt.update(g, state, params)
        return optax.apply_updates(params, u), state, loss

    @jax.jit
    def evaluate(params):
        return jax.lax.map(lambda w: mlp.loss(cfg, params, w), val).mean()

    params, state, key = start(jnp.float32(lrs[0]), jnp.int32(seeds[0]))  # compile both
    jax.block_until_ready(evaluate(step(params, state, key, 0)[0]))
    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        for lr, seed in zip(lrs, seeds, strict=True):
            params, state, key = start(jnp.float32(lr), jnp.int32(seed))
            losses = []
            for i in range(steps):
                params, state, loss = step(params, state, key, i)
                losses.append(loss)
            v = evaluate(params)
        jax.block_until_ready((losses, v))
        best = max(best, len(lrs) * steps / (time.perf_counter() - t))
    return best


def torch_loop(cfg, lrs, steps, tokens_np, repeats):
    """(c) trial-steps/s of the same MLP in PyTorch (CPU), or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    toks = torch.from_numpy(tokens_np.astype(np.int64))
    best = 0.0
    # best of one thread and all threads (OpenMP threads spin badly on a shared machine)
    for threads in sorted({1, os.cpu_count() or 1}) * repeats:
        torch.set_num_threads(threads)
        t = time.perf_counter()
        for lr in lrs:
            dims = [cfg.context * cfg.embed_dim] + [cfg.width] * cfg.depth
            layers = [torch.nn.Embedding(cfg.vocab_size, cfg.embed_dim), torch.nn.Flatten()]
            for a, b in zip(dims[:-1], dims[1:], strict=True):
                layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
            model = torch.nn.Sequential(*layers, torch.nn.Linear(cfg.width, cfg.vocab_size))
            opt = torch.optim.Adam(model.parameters(), lr=float(lr))
            for _ in range(steps):
                starts = torch.randint(0, len(toks) - cfg.context, (BATCH,))
                w = toks[starts[:, None] + torch.arange(cfg.context + 1)]
                loss = torch.nn.functional.cross_entropy(model(w[:, :-1]), w[:, -1])
                opt.zero_grad()
                loss.backward()
                opt.step()
        best = max(best, len(lrs) * steps / (time.perf_counter() - t))
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--widths", type=int, nargs="+", default=[64, 128, 256, 512, 1024])
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
    args = p.parse_args()
    jax.config.update("jax_num_cpu_devices", args.cpu_devices)  # before the backend starts

    data = shakespeare()
    tokens = jnp.asarray(data.train)
    lrs = np.repeat(METZ_LEARNING_RATES, len(METZ_SEEDS))
    seeds = np.tile(METZ_SEEDS, len(METZ_LEARNING_RATES))
    n_dev = jax.local_device_count()
    peak = matmul_peak_gflops()
    dev = jax.devices()[0]
    print(
        f"# device: {dev.platform} ({dev.device_kind}) x{n_dev}, {os.cpu_count()} CPU threads; "
        f"jax {jax.__version__}"
    )
    rows = []
    for width in args.widths:
        cfg = MLPConfig(width=width)
        fps = flops_per_step(cfg, BATCH)
        # the 36-trial population costs ~1e11 FLOPs (2.5e10 with --quick), at least --min-steps
        budget = 2.5e10 if args.quick else 1e11
        steps = max(args.min_steps, int(budget / (36 * fps)) // 10 * 10)
        val = jnp.asarray(engine.eval_windows(data.val, cfg, n_windows=BATCH, batch_size=BATCH))
        k = min(args.plain_trials, len(lrs))
        best = {"a": 0.0, "b1": 0.0, "bn": 0.0, "c": None}
        compile_s = 0.0
        for _ in range(args.rounds):  # interleave, so load from other processes hits all alike
            best["a"] = max(best["a"], plain_loop(cfg, lrs[:k], seeds[:k], steps, tokens, val, 1))
            for key, nd in (("b1", 1), ("bn", n_dev)):
                out = engine.run_population(
                    cfg,
                    lrs,
                    seeds,
                    steps=steps,
                    batch_size=BATCH,
                    train_tokens=tokens,
                    val_windows=val,
                    devices=nd,
                )
                compile_s = max(compile_s, out.compile_s)
                best[key] = max(best[key], len(lrs) * steps / out.run_s)
            c = torch_loop(cfg, lrs[:k], steps, data.train, 1)
            best["c"] = None if c is None else max(best["c"] or 0.0, c)
            peak = max(peak, matmul_peak_gflops(repeats=2))
        # the engine's own choice (what run_population does with devices=None)
        nd = engine.devices_for(len(lrs))
        chunk = engine.trials_per_chunk(cfg, -(-len(lrs) // nd), batch_size=BATCH)
        rows.append((width, steps, best, nd, chunk, compile_s, fps))
        b = best["b1"] if nd == 1 else best["bn"]
        print(
            f"width {width}: plain {best['a']:.0f}, engine {best['b1']:.0f} (1 device) / "
            f"{best['bn']:.0f} ({n_dev} devices) trial-steps/s; engine's choice ({nd}) "
            f"{b / best['a']:.2f}x plain",
            flush=True,
        )

    print()
    print(
        f"Metz grid: 36 trials (12 lrs x 3 seeds) per width, 3-hidden-layer MLP, batch {BATCH}, "
        f"Adam; (a) and (b) both evaluate the validation loss after training. Matmul peak "
        f"{peak:.1f} GFLOP/s (best float32 2048^3 jnp matmul of the run, on one jax CPU "
        f"device, i.e. all {os.cpu_count()} cores, as the engine on one device).\n"
    )
    print(
        f"| width | steps | (a) plain jit loop | (b) engine, 1 device | (b) engine, {n_dev} devices | "
        "(b)/(a), engine's choice | (c) PyTorch | engine GFLOP/s | % of matmul peak | strategy |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for width, steps, best, nd, chunk, _comp, fps in rows:
        b = best["b1"] if nd == 1 else best["bn"]
        g = b * fps / 1e9
        torch_cell = "n/a" if best["c"] is None else f"{best['c']:.0f}"
        strat = (f"vmap x{chunk}" if chunk > 1 else "lax.map") + f", {nd} device{'s' * (nd > 1)}"
        print(
            f"| {width} | {steps} | {best['a']:.0f} | {best['b1']:.0f} | {best['bn']:.0f} | "
            f"{b / best['a']:.2f}x | {torch_cell} | {g:.1f} | {g / peak:.0%} | {strat} |"
        )
    print(
        f"\ntrial-steps/s, best of {args.rounds} interleaved rounds; compile excluded "
        f"(engine compile <= {max(r[5] for r in rows):.1f} s per width)."
    )
    trial_steps = [len(lrs) * steps for _w, steps, *_ in rows]
    t_plain = sum(n / r[2]["a"] for n, r in zip(trial_steps, rows, strict=True))
    t_engine = sum(
        n / (r[2]["b1"] if r[3] == 1 else r[2]["bn"])
        for n, r in zip(trial_steps, rows, strict=True)
    )
    print(
        f"whole grid ({len(rows)} widths x {len(lrs)} trials = {len(rows) * len(lrs)} trials): "
        f"(a) {t_plain:.1f} s, (b) {t_engine:.1f} s, {t_plain / t_engine:.2f}x"
    )


if __name__ == "__main__":
    main()
