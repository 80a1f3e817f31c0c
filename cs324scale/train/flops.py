"""Parameter counts and training-compute estimates for any registered model config.

Training compute is the model-FLOP count stated in :mod:`cs324scale.flops` (Kaplan et
al. 2020, Sec. 2.1 and Table 1): the sweep, the budget and the kit's compute-optimal
analysis all use it; :func:`cs324scale.flops.six_n` is the ``C = 6ND`` alternative.
"""

from __future__ import annotations

from .models import model_for


def param_count(cfg, *, embeddings: bool = True) -> int:
    """Parameters of the model ``cfg``; ``embeddings=False`` gives Kaplan's non-embedding N."""
    return int(model_for(cfg).param_count(cfg, embeddings=embeddings))


def flops_per_token(cfg) -> float:
    """Training FLOPs per predicted token (``6N`` plus the attention term)."""
    return float(model_for(cfg).flops_per_token(cfg))


def flops_per_step(cfg, batch_size: int) -> float:
    """Training FLOPs of one optimiser step on ``batch_size`` windows."""
    return flops_per_token(cfg) * model_for(cfg).tokens_per_window(cfg) * int(batch_size)


def trial_flops(cfg, *, steps: int, batch_size: int) -> float:
    """Training FLOPs of one trial: ``steps`` optimiser steps of ``batch_size`` windows."""
    return flops_per_step(cfg, batch_size) * int(steps)
