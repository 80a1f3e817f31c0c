"""Training compute: the kit's one FLOP definition, and the papers' ``C = 6ND`` beside it.

Two ways of counting training FLOPs appear in the scaling-law literature, and they
disagree most for small models:

* **model FLOPs** (the kit's definition; :func:`mlp_flops_per_token`,
  :func:`transformer_flops_per_token`, :func:`lstm_flops_per_token`): every matmul the
  forward and backward passes do, 3x the forward count (Kaplan et al. 2020, Sec. 2.1
  and Table 1). For a Transformer that is ``6 (N + d_model V) + 6 n_layer n_ctx
  d_model`` per token: the non-embedding parameters, the untied readout and attention
  over the context. The sweep engine charges it, :class:`~cs324scale.train.FlopBudget`
  spends it, and the kit's compute-optimal analysis converts budgets to tokens with it.
* **6N** (:func:`six_n`): Kaplan's ``C ≈ 6 N`` per token with ``N`` the non-embedding
  parameters, which Hoffmann et al. 2022 use as ``C = 6 N D``. The published tables
  (Chinchilla, Epoch's replication) are in these units; for the kit's models it leaves
  out the readout and attention, which is most of the cost at d_model 16.

Everything that turns a budget into tokens takes ``flops_per_token`` (one of these
functions, or per-point values), so the two definitions can be compared on the same
runs. No jax here: this module is imported by ``cs.fit`` and ``cs.train`` alike.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "lstm_flops_per_token",
    "mlp_flops_per_token",
    "six_n",
    "tokens_for_budget",
    "transformer_flops_per_token",
]


def six_n(n_params):
    """Kaplan et al. 2020 (Eq. 2.1 footnote, Sec. 2.1): ``6 N`` training FLOPs per token."""
    return 6.0 * np.asarray(n_params, dtype=float)


def mlp_flops_per_token(n_nonembedding: int) -> float:
    """n-gram MLP: every non-embedding weight is in one matmul per example, so ``6 N``."""
    return 6.0 * float(n_nonembedding)


def transformer_flops_per_token(
    n_nonembedding: int, *, d_model: int, vocab_size: int, n_layer: int, context: int
) -> float:
    """Kaplan et al. 2020, Table 1, x3 for training, with the untied readout counted.

    Forward: ``2 N + 2 n_layer n_ctx d_model`` per token (N non-embedding); the readout
    matmul adds ``2 d_model V``; the backward pass is twice the forward.
    """
    n = float(n_nonembedding) + float(d_model) * float(vocab_size)
    return 6.0 * n + 6.0 * float(n_layer) * float(context) * float(d_model)


def lstm_flops_per_token(n_nonembedding: int, *, d_model: int, vocab_size: int) -> float:
    """LSTM: ``6 N`` for the recurrent weights plus the readout (weights and bias)."""
    return 6.0 * (float(n_nonembedding) + float(d_model) * (float(vocab_size) + 1.0))


def tokens_for_budget(C, N, *, flops_per_token=six_n):
    """Tokens ``D`` that a budget of ``C`` FLOPs buys a model of ``N`` parameters.

    Args:
        C: budgets, any shape.
        N: parameters, broadcastable with ``C``.
        flops_per_token: a function ``N -> FLOPs per token`` (default :func:`six_n`,
            giving ``D = C / 6N``).

    Returns:
        ``C / flops_per_token(N)`` as a float array.
    """
    return np.asarray(C, dtype=float) / np.asarray(flops_per_token(np.asarray(N, float)), float)
