"""Run registered experiments and ship their results: ``python -m cs324scale.experiments``.

Each experiment runs at the largest scale that fits: full scale when jax sees a
GPU/TPU (or ``CS324SCALE_FAST=0``), its CPU scale otherwise. Trials go to a resumable
SQLite store, so an interrupted run loses nothing and a rerun trains only what is
missing; the results, with each trial's provenance, are written to
``cs324scale/results/<name>.json``::

    python -m cs324scale.experiments --list
    python -m cs324scale.experiments                 # every registered experiment
    python -m cs324scale.experiments metz_sp --fast  # one, at CPU scale
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    """Parse the command line, run the named experiments, write their result files."""
    p = argparse.ArgumentParser(
        prog="python -m cs324scale.experiments", description=__doc__.splitlines()[0]
    )
    p.add_argument("names", nargs="*", help="experiments to run (default: all)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help="full scale even on a CPU")
    size.add_argument("--fast", action="store_true", help="CPU scale even on an accelerator")
    p.add_argument("--store", default=None, help="resumable trial store (default: cs324scale.storage.store_path())")
    p.add_argument("--out", default=str(PACKAGE / "results"), help="folder for <name>.json")
    p.add_argument("--list", action="store_true", help="list the registered experiments and exit")
    p.add_argument(
        "--cpu-devices",
        type=int,
        default=os.cpu_count() or 1,
        help="CPU devices jax exposes (one per core: trials then run side by side)",
    )
    args = p.parse_args(argv)
    import jax

    try:  # only before jax's backend starts (a fresh process)
        jax.config.update("jax_num_cpu_devices", args.cpu_devices)
    except RuntimeError:
        print(f"jax has started already; running on its {jax.local_device_count()} device(s).")

    from .. import scale
    from ..train.store import ResultStore, provenance
    from . import EXPERIMENTS, run_experiment

    if args.list:
        for name, fn in sorted(EXPERIMENTS.items()):
            doc = (fn.__doc__ or "").strip().splitlines()
            print(f"{name:28s} {doc[0] if doc else ''}")
        return 0
    names = args.names or sorted(EXPERIMENTS)
    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown:
        p.error(f"unknown experiment(s) {unknown}; registered: {sorted(EXPERIMENTS)}")
    full = True if args.full else False if args.fast else not scale.is_fast()
    from ..storage import store_path

    store = ResultStore(args.store or store_path())
    print(f"store: {store.path} (resumable; set CS324SCALE_STORE or --store to move it)", flush=True)
    for name in names:
        t0 = time.perf_counter()
        print(f"== {name} ({'full' if full else 'CPU'} scale) ==", flush=True)
        res = run_experiment(name, full=full, store=store)
        meta = {
            "name": name,
            "scale": "full" if full else "cpu",
            "command": f"python -m cs324scale.experiments {name}" + ("" if full else " --fast"),
            "trials": len(res),
            **provenance(wall_time_s=time.perf_counter() - t0),
        }
        out = Path(args.out) / f"{name}.json"
        res.save(out, **meta)
        print(f"wrote {out} ({len(res)} trials, {out.stat().st_size / 1024:.0f} KiB)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
