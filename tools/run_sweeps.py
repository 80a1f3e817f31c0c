"""Run the registered sweeps and ship their results (``make sweeps``).

Each experiment registered with :func:`cs324scale.train.register_experiment` (or found
in :data:`cs324scale.train.experiments.EXPERIMENT_MODULES`) is run at the largest scale
that fits: full scale when jax sees a GPU/TPU (or ``CS324SCALE_FAST=0``), its CPU scale
otherwise. Trials go to a resumable SQLite store, so an interrupted run loses nothing;
the results, with each trial's provenance, are written to
``cs324scale/results/<name>.json``::

    python tools/run_sweeps.py --list
    python tools/run_sweeps.py                 # every registered sweep
    python tools/run_sweeps.py metz_demo --fast
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    from cs324scale import scale, train
    from cs324scale.train.experiments import discover
    from cs324scale.train.store import provenance

    registry = discover()
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", help="experiments to run (default: all)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help="full scale even on a CPU")
    size.add_argument("--fast", action="store_true", help="CPU scale even on an accelerator")
    p.add_argument(
        "--store", default=str(ROOT / "build" / "sweeps.sqlite"), help="resumable trial store"
    )
    p.add_argument(
        "--out", default=str(ROOT / "cs324scale" / "results"), help="folder for <name>.json"
    )
    p.add_argument("--list", action="store_true", help="list the registered experiments and exit")
    p.add_argument(
        "--cpu-devices",
        type=int,
        default=os.cpu_count() or 1,
        help="CPU devices jax exposes (one per core: trials then run side by side)",
    )
    args = p.parse_args(argv)
    import jax

    jax.config.update("jax_num_cpu_devices", args.cpu_devices)  # before the backend starts

    if args.list:
        for name, fn in sorted(registry.items()):
            doc = (fn.__doc__ or "").strip().splitlines()
            print(f"{name:28s} {doc[0] if doc else ''}")
        return 0
    names = args.names or sorted(registry)
    unknown = [n for n in names if n not in registry]
    if unknown:
        p.error(f"unknown experiment(s) {unknown}; registered: {sorted(registry)}")
    full = True if args.full else False if args.fast else not scale.is_fast()
    store = train.ResultStore(args.store)
    for name in names:
        t0 = time.perf_counter()
        print(f"== {name} ({'full' if full else 'CPU'} scale) ==", flush=True)
        res = train.run_experiment(name, full=full, store=store)
        meta = {
            "name": name,
            "scale": "full" if full else "cpu",
            "command": f"python tools/run_sweeps.py {name}" + ("" if full else " --fast"),
            "trials": len(res),
            **provenance(wall_time_s=time.perf_counter() - t0),
        }
        out = Path(args.out) / f"{name}.json"
        res.save(out, **meta)
        print(f"wrote {out} ({len(res)} trials, {out.stat().st_size / 1024:.0f} KiB)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
