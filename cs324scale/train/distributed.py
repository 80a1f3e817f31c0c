"""What a sweep needs from JAX's multi-process runtime (``jax.distributed``).

Under ``jax.distributed`` every process runs the same Python program and must call the
same compiled programs in the same order, so every decision a process makes from its
own clock or disk (what is left to train, how long the next segment is, whether to
save a checkpoint) is taken by process 0 and shared. In a single process each helper
returns its argument unchanged and costs nothing.
"""

from __future__ import annotations

import jax
import numpy as np


def agree(value):
    """Process 0's ``value`` (a numpy scalar or array) on every process."""
    if jax.process_count() == 1:
        return value
    from jax.experimental import multihost_utils

    return multihost_utils.broadcast_one_to_all(np.asarray(value))


def gather(value: int) -> np.ndarray:
    """Every process's integer ``value``, in process order."""
    if jax.process_count() == 1:
        return np.array([value])
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.process_allgather(np.array([value], np.int64))).ravel()


def barrier(name: str) -> None:
    """Wait until every process reaches the barrier ``name``."""
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices(name)


def to_host(x: jax.Array) -> np.ndarray:
    """The whole of ``x`` as a numpy array, gathered from every process if need be."""
    if x.is_fully_addressable:
        return np.asarray(x)
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.process_allgather(x, tiled=True))
