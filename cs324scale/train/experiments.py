"""Named experiments whose results ship with the package (``make sweeps``).

An experiment is a function ``fn(*, full: bool, store) -> SweepResults`` registered under
a name. ``tools/run_sweeps.py`` runs each one (full scale on an accelerator, otherwise the
largest scale that fits) and writes ``cs324scale/results/<name>.json`` with provenance;
notebooks read it back with :func:`load_results` in fast mode and recompute it with
:func:`run_experiment` in full mode::

    @register_experiment("my_sweep")
    def my_sweep(*, full, store):
        return run_sweep(MLPConfig(width=64), [1e-3, 3e-3], steps=2000 if full else 200, store=store)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib import resources

from .results import SweepResults
from .sweep import METZ_LEARNING_RATES, metz_grid

EXPERIMENTS: dict[str, Callable[..., SweepResults]] = {}
# modules imported on demand so that their experiments register themselves
EXPERIMENT_MODULES: list[str] = ["cs324scale.train.lecture_experiments"]


def discover() -> dict[str, Callable[..., SweepResults]]:
    """Import every module in :data:`EXPERIMENT_MODULES` that exists; return the registry."""
    for name in EXPERIMENT_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:
                raise
    return EXPERIMENTS


def register_experiment(name: str):
    """Decorator registering ``fn(*, full, store) -> SweepResults`` under ``name``."""

    def deco(fn):
        EXPERIMENTS[name] = fn
        return fn

    return deco


def run_experiment(name: str, *, full: bool = True, store=None) -> SweepResults:
    """Run (or resume, with a ``store``) the registered experiment ``name``."""
    if name not in discover():
        raise ValueError(f"Unknown experiment {name!r}; registered: {sorted(EXPERIMENTS)}.")
    return EXPERIMENTS[name](full=full, store=store)


def load_results(name: str) -> SweepResults:
    """The shipped results of experiment ``name`` (``cs324scale/results/<name>.json``)."""
    path = resources.files("cs324scale") / "results" / f"{name}.json"
    if not path.is_file():
        raise ValueError(
            f"No shipped results for {name!r}; run `python tools/run_sweeps.py {name}` "
            "(or `make sweeps`) to produce them."
        )
    with resources.as_file(path) as p:
        return SweepResults.load(p)


@register_experiment("metz_demo")
def metz_demo(*, full: bool, store=None) -> SweepResults:
    """Metz's width x learning-rate x seed grid, SP; 432 trials in full, 4 x 6 x 2 otherwise."""
    if full:
        return metz_grid(steps=3000, store=store)
    return metz_grid(
        widths=(32, 64, 128, 256),
        learning_rates=METZ_LEARNING_RATES[::2],
        seeds=(0, 1),
        steps=300,
        store=store,
    )
