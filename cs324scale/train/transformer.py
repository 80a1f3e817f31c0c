"""A tiny GPT-style character Transformer: pre-LayerNorm blocks, learned positions.

Follows GPT-2 (Radford et al. 2019) as distilled in nanoGPT: ``x + attn(ln(x))`` then
``x + mlp(ln(x))``, causal multi-head attention, a 4x GELU MLP, a final LayerNorm and an
untied linear readout. Parameter counts follow Kaplan et al. (2020, Sec. 2.1): the
"non-embedding" count leaves out the token and position embeddings and the readout
(which Kaplan's models tie to the token embedding), so it is ``≈ 12 n_layer d_model²``.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import optax

from .._checks import as_int
from .data import lm_batch


@dataclasses.dataclass(frozen=True)
class TransformerConfig:
    """Shape of a character-level GPT; everything about a trial except lr and seed."""

    d_model: int = 64  # residual stream width
    n_layer: int = 2  # number of transformer blocks
    n_head: int = 4  # attention heads (must divide d_model)
    context: int = 64  # sequence length n_ctx (learned positions for each)
    vocab_size: int = 65  # characters in the vocabulary

    def __post_init__(self):
        for name in ("d_model", "n_layer", "n_head", "context"):
            as_int(name, getattr(self, name), minimum=1)
        as_int("vocab_size", self.vocab_size, minimum=2)
        if self.d_model % self.n_head:
            raise ValueError(
                f"n_head={self.n_head} must divide d_model={self.d_model}; pick e.g. n_head=1."
            )


@functools.partial(jax.jit, static_argnums=0)
def init(cfg: TransformerConfig, *, key: jax.Array) -> dict:
    """GPT-2 initialisation: N(0, 0.02²), residual projections N(0, (0.02/√(2L))²).

    Returns:
        A dict with ``wte (vocab, d)``, ``wpe (context, d)``, ``blocks`` (a list of
        ``n_layer`` dicts of LayerNorm, attention and MLP weights), ``lnf`` and ``head (d, vocab)``.
    """
    d, L = cfg.d_model, cfg.n_layer
    keys = iter(jax.random.split(key, 3 + 4 * L))

    def normal(shape, std=0.02):
        return std * jax.random.normal(next(keys), shape, jnp.float32)

    def ln():
        return {"g": jnp.ones((d,)), "b": jnp.zeros((d,))}

    proj_std = 0.02 / (2 * L) ** 0.5
    blocks = [
        {
            "ln1": ln(),
            "qkv_w": normal((d, 3 * d)),
            "qkv_b": jnp.zeros((3 * d,)),
            "proj_w": normal((d, d), proj_std),
            "proj_b": jnp.zeros((d,)),
            "ln2": ln(),
            "fc_w": normal((d, 4 * d)),
            "fc_b": jnp.zeros((4 * d,)),
            "fc2_w": normal((4 * d, d), proj_std),
            "fc2_b": jnp.zeros((d,)),
        }
        for _ in range(L)
    ]
    return {
        "wte": normal((cfg.vocab_size, d)),
        "wpe": normal((cfg.context, d)),
        "blocks": blocks,
        "lnf": ln(),
        "head": normal((d, cfg.vocab_size)),
    }


def lr_scales(cfg: TransformerConfig) -> None:
    """Per-tensor learning-rate multipliers: none (standard parametrisation)."""
    return None


def _layer_norm(p, x, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) * jax.lax.rsqrt(var + eps) * p["g"] + p["b"]


def apply(cfg: TransformerConfig, params: dict, tokens: jax.Array) -> jax.Array:
    """Logits ``(B, T, vocab)`` for token ids ``(B, T)`` with ``T <= context``."""
    B, T = tokens.shape
    H, hd = cfg.n_head, cfg.d_model // cfg.n_head
    x = params["wte"][tokens] + params["wpe"][:T]
    mask = jnp.tril(jnp.ones((T, T), bool))
    for blk in params["blocks"]:
        h = _layer_norm(blk["ln1"], x) @ blk["qkv_w"] + blk["qkv_b"]
        q, k, v = (a.reshape(B, T, H, hd) for a in jnp.split(h, 3, axis=-1))
        att = jnp.einsum("bthd,bshd->bhts", q, k) / hd**0.5
        att = jax.nn.softmax(jnp.where(mask, att, -jnp.inf), axis=-1)
        y = jnp.einsum("bhts,bshd->bthd", att, v).reshape(B, T, cfg.d_model)
        x = x + y @ blk["proj_w"] + blk["proj_b"]
        h = jax.nn.gelu(_layer_norm(blk["ln2"], x) @ blk["fc_w"] + blk["fc_b"])
        x = x + h @ blk["fc2_w"] + blk["fc2_b"]
    return _layer_norm(params["lnf"], x) @ params["head"]


def loss(cfg: TransformerConfig, params: dict, windows: jax.Array) -> jax.Array:
    """Mean next-character cross-entropy (nats) on windows ``(B, context + 1)``."""
    x, y = lm_batch(windows)
    return optax.softmax_cross_entropy_with_integer_labels(apply(cfg, params, x), y).mean()


def param_count(cfg: TransformerConfig, *, embeddings: bool = True) -> int:
    """Parameters with embeddings, or Kaplan et al. (2020)'s non-embedding count.

    The non-embedding count is ``n_layer (12 d² + 13 d)`` (blocks incl. biases and
    LayerNorms) plus the final LayerNorm ``2 d``; embeddings add ``(vocab + context) d``
    and the untied readout ``d vocab``.
    """
    d = cfg.d_model
    n = cfg.n_layer * (12 * d * d + 13 * d) + 2 * d
    return n + ((cfg.vocab_size + cfg.context) * d + d * cfg.vocab_size if embeddings else 0)
