"""Are IsoFLOP minima interior on the Zipf-phrase language? A design probe for lecture 2 part 5.

For each compute budget C (model FLOPs, ``cs.train.trial_flops``) and each 2-layer
Transformer width, one run of ``steps = C / flops_per_step`` steps with its own warmup +
cosine schedule, reading a :class:`cs.train.ZipfPhrases` corpus once, in order
(``sampling="sequential"``), best of a few learning rates. Prints each budget's losses
and whether its minimum lies inside the width grid. Usage::

    python tools/probe_isoflop_zipf.py [--budgets 1e11 1e12] [--widths 8 12 16 24 32 48 64]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import cs324scale as cs
from cs324scale.experiments import lecture2 as LE


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budgets", type=float, nargs="+", default=[1e11, 1e12])
    ap.add_argument("--widths", type=int, nargs="+", default=[8, 12, 16, 24, 32, 48, 64])
    ap.add_argument("--lrs", type=float, nargs="+", default=[3e-3, 1e-2, 3e-2])
    args = ap.parse_args(argv)
    lang = cs.train.ZipfPhrases()
    window, batch = LE.LM_CONTEXT + 1, LE.LM_BATCH
    cfgs = [LE.transformer(d) for d in args.widths]
    per_step = {c: cs.train.flops.flops_per_step(c, batch) for c in cfgs}
    longest = max(int(C // min(per_step.values())) for C in args.budgets)
    data = lang.corpus(cs.train.loop.tokens_read(window, batch, longest))
    print(f"{lang}; floor {lang.entropy_floor:.3f}; corpus {len(data.train):,} tokens")
    for C in args.budgets:
        losses, ns = [], []
        for c in cfgs:
            steps = max(int(C // per_step[c]), 10)
            t0 = time.perf_counter()
            res = cs.train.run_sweep(c, args.lrs, (0,), steps=steps, batch_size=batch, data=data,
                                     schedule=cs.train.warmup_cosine(warmup=0.05), sampling="sequential",
                                     progress=False)
            j = int(np.nanargmin(res.final_loss))
            losses.append(float(res.final_loss[j]))
            ns.append(cs.train.param_count(c, embeddings=False))
            print(f"C = {C:.1e}: d_model {c.d_model:3d} (N = {ns[-1]:6d}), {steps:6d} steps, "
                  f"loss {losses[-1]:.3f} at lr {args.lrs[j]:g} ({time.perf_counter() - t0:.0f} s)", flush=True)
        i = int(np.argmin(losses))
        where = "interior" if 0 < i < len(losses) - 1 else "ON THE EDGE"
        print(f"C = {C:.1e}: minimum at d_model {args.widths[i]} (N = {ns[i]}), {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
