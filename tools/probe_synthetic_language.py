"""Does the Zipf-phrase language give clean scaling laws on the kit's Transformers?

Trains 2-layer character Transformers of several widths for several run lengths, each
run its own warmup + cosine schedule, reading a :class:`cs.train.ZipfPhrases` corpus
once, in order (``sampling="sequential"``: no token is trained on twice), and prints the final validation loss table with the language's
entropy floor, the fitted L(N) exponent at the longest runs and the L(D) exponent at
the widest model. Usage::

    python tools/probe_synthetic_language.py [--steps 500 2000 8000] [--widths 8 16 32 64]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import cs324scale as cs
from cs324scale.experiments import lecture2 as LE


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", type=int, nargs="+", default=[8, 16, 32, 64])
    ap.add_argument("--steps", type=int, nargs="+", default=[500, 2000, 8000])
    ap.add_argument("--lrs", type=float, nargs="+", default=[3e-3, 1e-2])
    ap.add_argument("--exponent", type=float, default=1.3)
    ap.add_argument("--phrases", type=int, default=2**14)
    args = ap.parse_args(argv)
    lang = cs.train.ZipfPhrases(n_phrases=args.phrases, exponent=args.exponent)
    window = LE.LM_CONTEXT + 1
    data = lang.corpus(cs.train.loop.tokens_read(window, LE.LM_BATCH, max(args.steps)))
    print(f"language: {lang}; entropy floor {lang.entropy_floor:.3f} nats/token; "
          f"corpus {len(data.train):,} tokens, read once by the longest run")
    table = np.full((len(args.widths), len(args.steps)), np.nan)
    n_params = []
    for i, d in enumerate(args.widths):
        cfg = LE.transformer(d)
        n_params.append(cs.train.param_count(cfg, embeddings=False))
        for j, steps in enumerate(args.steps):
            t0 = time.perf_counter()
            res = cs.train.run_sweep(cfg, args.lrs, (0,), steps=steps, batch_size=LE.LM_BATCH, data=data,
                                     schedule=cs.train.warmup_cosine(warmup=0.05), sampling="sequential",
                                     progress=False)
            table[i, j] = np.nanmin(res.final_loss)
            best = float(np.asarray(args.lrs)[np.nanargmin(res.final_loss)])
            print(f"d_model {d:3d} (N = {n_params[-1]:6d}), {steps:5d} steps: loss {table[i, j]:.3f} "
                  f"at lr {best:g} ({time.perf_counter() - t0:.0f} s)", flush=True)
    n_params = np.array(n_params, float)
    above = table - lang.entropy_floor
    if len(args.widths) > 1:
        s = np.polyfit(np.log(n_params), np.log(above[:, -1]), 1)[0]
        print(f"L - floor ~ N^{s:.3f} at {args.steps[-1]} steps")
    if len(args.steps) > 1:
        s = np.polyfit(np.log(args.steps), np.log(above[-1]), 1)[0]
        print(f"L - floor ~ D^{s:.3f} at d_model {args.widths[-1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
