"""Measure how far lecture 02's shipped-versus-live check drifts on this machine's jax.

Lecture 02 retrains a slice of the shipped ``metz_sp`` sweep live and compares final
losses. Training is chaotic: another jax version, another device, or the same trials
batched differently (vmapped in one program, or one trial per program) round differently
and give slightly different losses. This tool measures both on the running jax and
writes one JSON record; ``cs324scale/results/shipped_vs_live_drift.json`` collects the
records, and the lecture's tolerance is derived from them (see ``drift_tolerance``).

Usage::

    CS324SCALE_FAST=1 JAX_PLATFORMS=cpu python tools/measure_drift.py --out drift-jax.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys

import jax
import numpy as np

import cs324scale as cs
from cs324scale import experiments as lx

SLICE_WIDTHS = (16, 128)  # the lecture's live slice
SLICE_LRS = tuple(cs.train.METZ_LEARNING_RATES[5:8])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    sp = lx.results("metz_sp", rerun=False)
    vmapped = lx.lecture2.metz_run(SLICE_WIDTHS, SLICE_LRS, seeds=(0,), progress=False)
    shipped = {(c.width, lr, s): v for c, lr, s, v in zip(sp.configs, sp.lr, sp.seed, sp.final_loss, strict=True)}
    trials = []
    for c, lr, s, v in zip(vmapped.configs, vmapped.lr, vmapped.seed, vmapped.final_loss, strict=True):
        plain = lx.lecture2.metz_run((c.width,), (float(lr),), seeds=(int(s),), progress=False).final_loss[0]
        seeds = [shipped[(c.width, lr, k)] for k in sorted({int(x) for x in sp.seed})]
        trials.append({
            "width": int(c.width), "lr": float(lr), "seed": int(s),
            "shipped": float(shipped[(c.width, lr, s)]), "vmapped": float(v), "plain": float(plain),
            "seed_sd": float(np.std(seeds, ddof=1)),
        })
    record = {
        "jax": jax.__version__, "jaxlib": jax.lib.__version__ if hasattr(jax.lib, "__version__") else None,
        "numpy": np.__version__, "python": platform.python_version(),
        "device": jax.devices()[0].device_kind, "platform": jax.devices()[0].platform,
        "trials": trials,
        "max_shipped_vs_vmapped": max(abs(t["shipped"] - t["vmapped"]) for t in trials),
        "max_vmapped_vs_plain": max(abs(t["vmapped"] - t["plain"]) for t in trials),
        # the statistic lecture 02's cross-build tolerance uses (lx.reproduction_check)
        "pooled_seed_sd": float(np.sqrt(np.mean([t["seed_sd"] ** 2 for t in trials]))),
    }
    with open(args.out, "w") as fh:
        json.dump(record, fh, indent=1)
    print(json.dumps({k: v for k, v in record.items() if k != "trials"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
