"""Training FLOPs of every registered experiment at full scale, without training anything.

Each lecture experiment (``cs324scale.experiments.lecture2``, ``.data_limited``, ``.batch_size``) is called with ``full=True``
while the sweep function it uses is replaced by a ledger that adds up ``cs.train.trial_flops`` over the configs, learning
rates and seeds it was asked for (the kit's model FLOPs, :mod:`cs324scale.flops`;
evaluation passes are not counted). The expected GPU time divides by an assumed sustained rate,
printed with the table, because no GPU timing is available to check it.

Usage::

    python tools/full_mode_costs.py [--tflops 4.0]
"""

from __future__ import annotations

import argparse
import sys

import cs324scale.train as T
import cs324scale.train.sweep as S
from cs324scale import experiments as X
from cs324scale.experiments import batch_size as BS
from cs324scale.experiments import data_limited as DL
from cs324scale.experiments import lecture2 as LE


class Ledger:
    def __init__(self):
        self.flops = 0.0
        self.trials = 0

    def sweep(self, configs, learning_rates, seeds=(0,), *, steps, batch_size=128, **_):
        configs = configs if isinstance(configs, (list, tuple)) else [configs]
        n = len(learning_rates) * len(seeds)
        self.flops += n * sum(T.trial_flops(c, steps=steps, batch_size=batch_size) for c in configs)
        self.trials += n * len(configs)
        return T.SweepResults.from_records([])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tflops", type=float, default=4.0,
                    help="assumed sustained float32 TFLOP/s of the GPU for these small models")
    args = ap.parse_args(argv)
    print(f"| experiment | trials | training FLOPs | GPU time at {args.tflops:g} TFLOP/s |")
    print("|---|---:|---:|---:|")
    total = 0.0
    names = [n for n, fn in sorted(X.EXPERIMENTS.items()) if fn.__module__ in (LE.__name__, DL.__name__, BS.__name__)]
    for name in names:
        ledger = Ledger()
        saved = LE.run_sweep, S.run_sweep, DL.run_sweep, BS.run_sweep  # lecture2: directly and via metz_grid
        LE.run_sweep = S.run_sweep = DL.run_sweep = BS.run_sweep = ledger.sweep
        try:
            X.EXPERIMENTS[name](full=True, store=None)
        finally:
            LE.run_sweep, S.run_sweep, DL.run_sweep, BS.run_sweep = saved
        total += ledger.flops
        print(f"| {name} | {ledger.trials} | {ledger.flops:.2e} | {ledger.flops / (args.tflops * 1e12) / 60:.0f} min |")
    print(f"| **all** | | {total:.2e} | {total / (args.tflops * 1e12) / 60:.0f} min |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
