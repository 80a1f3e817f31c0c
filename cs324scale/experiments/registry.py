"""Named experiments whose results ship with the package.

An experiment is a function ``fn(*, full: bool, store) -> SweepResults`` registered
under a name. ``python -m cs324scale.experiments`` (``make sweeps``) runs it, full scale
on an accelerator and otherwise the largest scale that fits two CPU cores, and writes
``cs324scale/results/<name>.json`` with each trial's provenance; notebooks read it back
with :func:`load_results` in fast mode and recompute it with :func:`run_experiment` in
full mode::

    @register_experiment("my_sweep")
    def my_sweep(*, full, store):
        return cs.train.run_sweep(cs.train.MLPConfig(width=64), [1e-3, 3e-3],
                                  steps=2000 if full else 200, store=store)
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import numpy as np

from ..train.results import SweepResults
from ..train.store import ResultStore

EXPERIMENTS: dict[str, Callable[..., SweepResults]] = {}


def register_experiment(name: str):
    """Decorator registering ``fn(*, full, store) -> SweepResults`` under ``name``."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"an experiment name must be a non-empty string; got {name!r}.")

    def deco(fn):
        EXPERIMENTS[name] = fn
        return fn

    return deco


def run_experiment(name: str, *, full: bool = True, store=None) -> SweepResults:
    """Run (or resume, with a ``store``: a :class:`ResultStore` or a path) experiment ``name``."""
    if name not in EXPERIMENTS:
        raise ValueError(f"Unknown experiment {name!r}; registered: {sorted(EXPERIMENTS)}.")
    if store is not None and not isinstance(store, ResultStore):
        store = ResultStore(store)
    return EXPERIMENTS[name](full=full, store=store)


def load_results(name: str) -> SweepResults:
    """The shipped results of experiment ``name`` (``cs324scale/results/<name>.json``)."""
    path = resources.files("cs324scale") / "results" / f"{name}.json"
    if not path.is_file():
        raise ValueError(
            f"No shipped results for {name!r}; run `python -m cs324scale.experiments {name}` "
            "(or `make sweeps`) to produce them."
        )
    with resources.as_file(path) as p:
        return SweepResults.load(p)


def results(name: str, *, rerun: bool, store=None) -> SweepResults:
    """Shipped results of ``name`` (``rerun=False``) or a fresh full-scale run."""
    return run_experiment(name, full=True, store=store) if rerun else load_results(name)


def scale_note(res: SweepResults) -> str:
    """One line saying where and when results were produced, and what they cost.

    The cost is the trials' training FLOPs and wall time summed (each trial's share of
    its compiled call), both from the per-trial records.
    """
    p = res.provenance[0]
    hours = sum(float(q.get("wall_time_s", 0.0)) for q in res.provenance) / 3600
    return (
        f"{len(res)} trials on {p.get('device_kind')}, cs324scale {p.get('package_version')}, "
        f"git {str(p.get('git_commit'))[:8]}, {str(p.get('date'))[:10]}; "
        f"{float(np.sum(res.flops)):.2g} training FLOPs in {hours:.2g} h"
    )
