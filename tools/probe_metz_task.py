"""Does a candidate Metz task keep improving with width once the learning rate is tuned?

Lecture 2's width sweep needs a task on which the *best-tuned* loss keeps falling over
the whole width range; otherwise there is no law to extrapolate and the fixed-rate miss
is mostly saturation. This probe trains a width x learning-rate grid of n-gram MLPs with
the given context, steps and schedule, and prints per width the tuned loss, its
learning rate (and whether it sits on the grid edge), and the slope of the tuned loss
against log2(width) between neighbouring widths. A usable task has slopes that stay
clearly negative up to the largest width.

    python tools/probe_metz_task.py --context 16 --steps 2000 --schedule warmup_cosine

Trials are kept in ``--store`` (``build/probe_metz.sqlite``), so a rerun with more
widths or rates trains only the new ones.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from cs324scale import experiments as lx
from cs324scale.train import MLPConfig, constant, run_sweep, warmup_cosine


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--widths", type=int, nargs="+", default=[16, 32, 64, 128, 256, 512, 1024])
    ap.add_argument("--lrs", type=float, nargs="+", default=[3e-4, 1e-3, 3e-3, 1e-2, 3e-2])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--context", type=int, default=8)
    ap.add_argument("--embed-dim", type=int, default=16)
    ap.add_argument("--parametrization", default="standard")
    ap.add_argument("--schedule", choices=("constant", "warmup_cosine"), default="constant")
    ap.add_argument("--store", default="build/probe_metz.sqlite")
    args = ap.parse_args()

    schedule = warmup_cosine(warmup=0.05) if args.schedule == "warmup_cosine" else constant()
    configs = [
        MLPConfig(
            width=w,
            context=args.context,
            embed_dim=args.embed_dim,
            parametrization=args.parametrization,
        )
        for w in args.widths
    ]
    t = time.perf_counter()
    res = run_sweep(
        configs,
        args.lrs,
        args.seeds,
        steps=args.steps,
        batch_size=args.batch,
        schedule=schedule,
        curve_points=10,
        store=args.store,
        progress=False,
    )
    print(
        f"context {args.context}, {args.steps} steps x batch {args.batch}, {schedule.label}, "
        f"{args.parametrization}; {len(res)} trials in {time.perf_counter() - t:.0f} s"
    )
    print(f"{'width':>6} {'tuned':>7} {'lr*':>8} {'edge':>5} {'slope/log2':>11}")
    tuned = lx.tuning_report(res)
    for prev, cur in zip([None, *tuned[:-1]], tuned, strict=True):
        w = cur.config.width
        slope = (
            ""
            if prev is None
            else f"{(cur.loss - prev.loss) / np.log2(w / prev.config.width):+.4f}"
        )
        edge = "" if cur.interior else "yes"
        print(f"{w:>6} {cur.loss:7.4f} {cur.lr_best:8.1e} {edge:>5} {slope:>11}")
    widths, lrs, table = res.grid("width")
    print("loss table (rows widths, columns lrs " + " ".join(f"{x:g}" for x in lrs) + "):")
    for w, row in zip(widths, table, strict=True):
        print(f"{w:>6} " + " ".join(f"{v:7.4f}" for v in row))


if __name__ == "__main__":
    main()
