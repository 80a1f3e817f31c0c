"""Kill a sweep with SIGKILL and rerun it: what survives, what it costs, what changes.

Two measurements, each in fresh processes (start-up and compilation included, as a
student's rerun after a Colab disconnect would pay them):

* ``--mode mid-call``: one compiled call of 4 trials x 12,000 steps (MLP width 192,
  batch 128). Times an uninterrupted run, then kills a second run at 70% of that wall
  time and times the rerun; compares the final losses with the uninterrupted run's.
* ``--mode random``: the same sweep as 4 calls of 1 trial, killed ``--kills`` times at
  random moments (within the time its remaining trials need) and rerun each time; then
  counts lost, duplicated and different trials against an uninterrupted run.

Run::

    JAX_PLATFORMS=cpu python tools/probe_kill_resume.py --mode mid-call
    JAX_PLATFORMS=cpu python tools/probe_kill_resume.py --mode random --kills 5

Every run compiles its program, as on a fresh machine; ``--compilation-cache DIR`` keeps
the programs in JAX's persistent cache instead, so the killed run and the rerun load
what the first run compiled (a rerun on the same machine, or with the store on Drive).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORKER = """
import json, sys, time
from cs324scale import train
store, steps, per_call = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
res = train.run_sweep(train.MLPConfig(width=192), [1e-3, 2e-3, 3e-3, 5e-3], [0], steps=steps,
                      batch_size=128, store=store, max_trials_per_call=per_call, progress=False)
print(json.dumps({"final": res.final_loss.tolist(), "curve": res.curve.tolist()}))
"""


CACHE = {"CS324SCALE_COMPILATION_CACHE": "off"}  # every run compiles, unless --compilation-cache


def start(store: Path, steps: int, per_call: int) -> subprocess.Popen:
    env = {**os.environ, "JAX_PLATFORMS": os.environ.get("JAX_PLATFORMS", "cpu"), **CACHE}
    return subprocess.Popen([sys.executable, "-c", WORKER, str(store), str(steps), str(per_call)],
                            env=env, stdout=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"worker failed with status {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1])


def timed_run(store: Path, steps: int, per_call: int) -> tuple[dict, float]:
    t = time.perf_counter()
    out = finish(start(store, steps, per_call))
    return out, time.perf_counter() - t


def kill_at(store: Path, steps: int, per_call: int, seconds: float) -> None:
    proc = start(store, steps, per_call)
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def mid_call(args, tmp: Path) -> None:
    ref, wall = timed_run(tmp / "ref.sqlite", args.steps, 4)
    print(f"uninterrupted: 4 trials x {args.steps} steps in one call, {wall:.1f} s (fresh process)")
    store = tmp / "killed.sqlite"
    kill_at(store, args.steps, 4, args.at * wall)
    ckpts = sorted((tmp / "killed.sqlite.checkpoints").glob("*.npz"))
    saved = [int(__import__("numpy").load(p)["__step__"]) for p in ckpts]
    print(f"killed at {args.at:.0%} of that ({args.at * wall:.1f} s); checkpoint at step {saved}")
    again, rerun = timed_run(store, args.steps, 4)
    same = again["final"] == ref["final"] and again["curve"] == ref["curve"]
    print(f"rerun: {rerun:.1f} s = {rerun / wall:.0%} of the uninterrupted wall time; "
          f"final losses {'identical to' if same else 'DIFFERENT from'} the uninterrupted run's")
    print("final losses:", [round(v, 6) for v in again["final"]])


def random_kills(args, tmp: Path) -> None:
    ref, wall = timed_run(tmp / "ref.sqlite", args.steps, 1)
    store = tmp / "killed.sqlite"
    rng = random.Random(args.seed)
    n = 0
    for k in range(args.kills):  # a random moment within what is left to train
        when = rng.uniform(0.05, 0.95) * wall * max(4 - n, 1) / 4
        kill_at(store, args.steps, 1, when)
        if store.exists():
            with sqlite3.connect(store) as c:
                n = c.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
        print(f"kill {k + 1}: at {when:.1f} s, {n} trial(s) committed", flush=True)
    out, _ = timed_run(store, args.steps, 1)
    with sqlite3.connect(store) as c:
        rows, distinct = c.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM trials").fetchone()
    lost = 4 - distinct
    different = sum(a != b for a, b in zip(out["final"], ref["final"], strict=True))
    print(f"after {args.kills} kills and a rerun: {lost} lost, {rows - distinct} duplicated, "
          f"{different} different from the uninterrupted run")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=("mid-call", "random"), default="mid-call")
    p.add_argument("--steps", type=int, default=12_000)
    p.add_argument("--at", type=float, default=0.7, help="kill at this fraction of the wall time")
    p.add_argument("--kills", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--compilation-cache", metavar="DIR", default=None,
                   help="keep compiled programs in DIR (a fresh folder): the rerun then loads its "
                        "program instead of compiling it, as on a second run of a notebook")
    args = p.parse_args()
    if args.compilation_cache:
        CACHE["CS324SCALE_COMPILATION_CACHE"] = str(Path(args.compilation_cache).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        (mid_call if args.mode == "mid-call" else random_kills)(args, Path(tmp))


if __name__ == "__main__":
    main()
