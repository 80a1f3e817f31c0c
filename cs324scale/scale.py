"""The one switch that decides how big a notebook's experiments are.

``CS324SCALE_FAST=1`` selects fast mode (CI, laptops: about a minute per notebook on two
CPU cores); ``CS324SCALE_FAST=0`` selects full mode (sized for a Colab GPU). With the
variable unset, full mode is chosen when jax sees a GPU or TPU and fast mode otherwise.
Notebooks never branch on the mode themselves; they call :func:`pick`::

    WIDTHS = cs.scale.pick(fast=[16, 32, 64], full=[16, 32, 64, 128, 256, 512])
"""

from __future__ import annotations

import functools
import os
from typing import TypeVar

T = TypeVar("T")

ENV_VAR = "CS324SCALE_FAST"


@functools.cache
def _accelerator_present() -> bool:
    import jax  # imported only when the variable is unset

    return any(d.platform in ("gpu", "tpu", "cuda", "rocm") for d in jax.devices())


def is_fast() -> bool:
    """True when notebooks should run at their fast (CI) scale."""
    value = os.environ.get(ENV_VAR, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    if value:
        raise ValueError(
            f"{ENV_VAR} must be 1 (fast) or 0 (full); got {value!r}. Unset it to auto-detect."
        )
    return not _accelerator_present()


def mode() -> str:
    """``"fast"`` or ``"full"``."""
    return "fast" if is_fast() else "full"


def pick(*, fast: T, full: T) -> T:
    """Return ``fast`` in fast mode and ``full`` in full mode."""
    return fast if is_fast() else full
