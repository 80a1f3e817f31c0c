"""An LSTM character language model, sized to match a Transformer (Kaplan et al. 2020, Fig. 7).

Kaplan et al. compare LSTMs with Transformers of equal non-embedding parameter count.
One LSTM layer of width ``d`` has ``8 d² + 4 d`` non-embedding parameters (four gates, each
with input and recurrent weights, Hochreiter & Schmidhuber 1997), against ``12 d² + 13 d``
for a Transformer block, so :func:`matching` picks ``d ≈ √1.5 d_model``.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._checks import as_int
from .data import lm_batch


@dataclasses.dataclass(frozen=True)
class LSTMConfig:
    """Shape of a character LSTM language model; everything but lr and seed."""

    d_model: int = 64  # hidden and cell size (also the embedding size)
    n_layer: int = 2  # stacked LSTM layers
    context: int = 64  # training sequence length (truncated backprop window)
    vocab_size: int = 65  # characters in the vocabulary

    def __post_init__(self):
        for name in ("d_model", "n_layer", "context"):
            as_int(name, getattr(self, name), minimum=1)
        as_int("vocab_size", self.vocab_size, minimum=2)


@functools.partial(jax.jit, static_argnums=0)
def init(cfg: LSTMConfig, *, key: jax.Array) -> dict:
    """Uniform(±1/√d) weights, forget-gate bias 1 (Jozefowicz et al. 2015), N(0, 1) embedding.

    Returns:
        ``{"wte": (vocab, d), "layers": [{"wx": (d, 4d), "wh": (d, 4d), "b": (4d,)}, ...],
        "head": (d, vocab), "head_b": (vocab,)}``.
    """
    d = cfg.d_model
    keys = jax.random.split(key, 2 + 2 * cfg.n_layer)
    bound = 1.0 / np.sqrt(d)

    def unif(k, shape):
        return jax.random.uniform(k, shape, jnp.float32, -bound, bound)

    layers = [
        {
            "wx": unif(keys[2 + 2 * i], (d, 4 * d)),
            "wh": unif(keys[3 + 2 * i], (d, 4 * d)),
            "b": jnp.zeros((4 * d,)).at[d : 2 * d].set(1.0),
        }
        for i in range(cfg.n_layer)
    ]
    return {
        "wte": jax.random.normal(keys[0], (cfg.vocab_size, d), jnp.float32),
        "layers": layers,
        "head": unif(keys[1], (d, cfg.vocab_size)),
        "head_b": jnp.zeros((cfg.vocab_size,)),
    }


def lr_scales(cfg: LSTMConfig) -> None:
    """Per-tensor learning-rate multipliers: none (standard parametrisation)."""
    return None


def apply(cfg: LSTMConfig, params: dict, tokens: jax.Array) -> jax.Array:
    """Logits ``(B, T, vocab)`` for token ids ``(B, T)``; the state starts at zero."""
    B, _ = tokens.shape
    d = cfg.d_model
    x = params["wte"][tokens]  # (B, T, d)
    for lyr in params["layers"]:
        xw = x @ lyr["wx"] + lyr["b"]  # input projections for all steps at once

        def cell(carry, xw_t, wh=lyr["wh"]):
            h, c = carry
            z = xw_t + h @ wh
            i, f, g, o = jnp.split(z, 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), h

        zeros = jnp.zeros((B, d), x.dtype)
        _, hs = jax.lax.scan(cell, (zeros, zeros), jnp.swapaxes(xw, 0, 1))
        x = jnp.swapaxes(hs, 0, 1)
    return x @ params["head"] + params["head_b"]


def loss(cfg: LSTMConfig, params: dict, windows: jax.Array) -> jax.Array:
    """Mean next-character cross-entropy (nats) on windows ``(B, context + 1)``."""
    x, y = lm_batch(windows)
    return optax.softmax_cross_entropy_with_integer_labels(apply(cfg, params, x), y).mean()


def param_count(cfg: LSTMConfig, *, embeddings: bool = True) -> int:
    """Parameters with embeddings, or the non-embedding count ``n_layer (8 d² + 4 d)``."""
    d = cfg.d_model
    n = cfg.n_layer * (8 * d * d + 4 * d)
    return n + (cfg.vocab_size * d + d * cfg.vocab_size + cfg.vocab_size if embeddings else 0)


def matching(cfg, *, n_layer: int | None = None) -> LSTMConfig:
    """The LSTM whose non-embedding parameter count is closest to a Transformer's.

    Args:
        cfg: a :class:`~cs324scale.train.transformer.TransformerConfig`.
        n_layer: LSTM depth (defaults to the Transformer's).

    Returns:
        An :class:`LSTMConfig` with the same context and vocabulary.
    """
    from .transformer import param_count as tf_count

    n_layer = cfg.n_layer if n_layer is None else as_int("n_layer", n_layer)
    target = tf_count(cfg, embeddings=False) / n_layer
    d = max(1, int(round((-4 + np.sqrt(16 + 32 * target)) / 16)))
    return LSTMConfig(d_model=d, n_layer=n_layer, context=cfg.context, vocab_size=cfg.vocab_size)
