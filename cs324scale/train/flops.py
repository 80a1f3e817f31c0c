"""Parameter counts and training-compute estimates for any registered model config.

Training compute follows Kaplan et al. (2020, Sec. 2.1, Table 1): ``C ≈ 6 N`` FLOPs per
token for the forward and backward pass (2N forward, 4N backward), plus, for attention,
``6 n_layer n_ctx d_model`` per token. Embedding lookups cost nothing.
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
