"""cs324scale: runnable scaling-law science for CS324 "Week 6: Scaling laws".

Submodules load lazily so that ``import cs324scale`` stays fast and does not pull in
jax until a trainer or fitter is actually used::

    import cs324scale as cs
    cs.scale.pick(fast=8, full=64)   # notebook scale switch
    cs.published.chinchilla_points() # Epoch's replication of Hoffmann et al. Fig. 4
    cs.fit.PowerLaw().fit(x, y)      # scaling-law fitting (imports jax on first use)
    cs.checks.lab1.check_slope(...)  # the labs' check cells (course code, beside the library)
    cs.storage.store_path()          # where sweeps keep results ($CS324SCALE_STORE)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_SUBMODULES = ("scale", "published", "fit", "toys", "train", "plotting", "widgets", "checks", "flops", "experiments",
               "storage")

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from . import (  # noqa: F401
        checks,
        experiments,
        fit,
        flops,
        published,
        scale,
        storage,
        toys,
        train,
    )


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'cs324scale' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_SUBMODULES))
