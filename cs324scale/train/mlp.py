"""An n-gram MLP language model in standard parametrisation and in muP.

The model is Bengio et al. (2003)'s neural n-gram model: ``context`` previous characters
are embedded (a fixed-size table, not scaled with width), concatenated and passed through
``depth`` hidden layers of ``width`` ReLU units to logits over the vocabulary. Luke Metz's
width x learning-rate x seed experiment sweeps ``width``.

Two parametrisations (Yang et al. 2022, "Tensor Programs V", Table 3 and the ``mup``
reference implementation's ``MuReadout`` + ``MuAdam``), with ``m = width / base_width``:

==================  ======================  ======================
layer               standard (SP)           muP
==================  ======================  ======================
init variance       1 / fan_in everywhere   1 / fan_in everywhere
input layer Adam    lr                      lr
hidden weights Adam lr                      lr / m
output multiplier   1                       1 / m
biases, embedding   lr                      lr
==================  ======================  ======================

The output multiplier ``1/m`` with an unscaled Adam rate is Table 3's output row (Adam
lr ``∝ 1/fan_in``) rewritten with TP5's abc-symmetry; it starts from a smaller, still
admissible, output initialisation. At ``width == base_width`` both parametrisations are
the same model. :func:`cs324scale.train.coordinate_check` measures which one keeps
activations O(1).
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._checks import as_int, one_of
from .data import ngram_batch

PARAMETRIZATIONS = ("standard", "mup")


@dataclasses.dataclass(frozen=True)
class MLPConfig:
    """Shape of an n-gram MLP; everything about a trial except learning rate and seed."""

    width: int = 128  # hidden units per layer (Metz's "hsize"); muP scales with it
    depth: int = 3  # number of hidden layers (Metz used 3)
    context: int = 8  # characters of context fed to the model
    embed_dim: int = 16  # embedding size per context character (fixed across widths)
    vocab_size: int = 65  # characters in the vocabulary (tiny Shakespeare has 65)
    parametrization: str = "standard"  # "standard" (SP) or "mup" (Yang et al. 2022)
    base_width: int = 64  # muP base width: SP and muP coincide at this width

    def __post_init__(self):
        as_int("width", self.width, minimum=1)
        as_int("depth", self.depth, minimum=1)
        as_int("context", self.context, minimum=1)
        as_int("embed_dim", self.embed_dim, minimum=1)
        as_int("vocab_size", self.vocab_size, minimum=2)
        as_int("base_width", self.base_width, minimum=1)
        one_of("parametrization", self.parametrization, PARAMETRIZATIONS)

    @property
    def width_mult(self) -> float:
        """muP width multiplier ``m = width / base_width`` (1.0 in SP)."""
        return self.width / self.base_width if self.parametrization == "mup" else 1.0


def _dims(cfg: MLPConfig) -> list[tuple[int, int]]:
    d_in = cfg.context * cfg.embed_dim
    sizes = [d_in] + [cfg.width] * cfg.depth + [cfg.vocab_size]
    return list(zip(sizes[:-1], sizes[1:], strict=True))


def init(cfg: MLPConfig, *, key: jax.Array) -> dict:
    """Initialise parameters (jitted; ``cfg`` is static): weights ``N(0, 1/fan_in)``, zero biases, ``N(0, 1)`` embedding.

    Returns:
        ``{"embed": (vocab, embed_dim), "layers": [{"w": (fan_in, fan_out), "b": (fan_out,)}, ...]}``
        with ``depth + 1`` layers, the last one the readout.
    """
    # SP and muP share the initialisation (and so its compilation)
    return _init(dataclasses.replace(cfg, parametrization="standard", base_width=1), key)


@functools.partial(jax.jit, static_argnums=0)
def _init(cfg: MLPConfig, key: jax.Array) -> dict:
    keys = jax.random.split(key, cfg.depth + 2)
    layers = [
        {
            "w": jax.random.normal(k, (a, b), jnp.float32) / np.sqrt(a),
            "b": jnp.zeros((b,), jnp.float32),
        }
        for k, (a, b) in zip(keys[1:], _dims(cfg), strict=True)
    ]
    embed = jax.random.normal(keys[0], (cfg.vocab_size, cfg.embed_dim), jnp.float32)
    return {"embed": embed, "layers": layers}


def lr_scales(cfg: MLPConfig) -> dict:
    """Per-tensor Adam learning-rate multipliers, same tree structure as :func:`init`.

    In muP the hidden (width x width) weights get ``1/m`` (Yang et al. 2022, Table 3);
    everything else, and every tensor in SP, gets 1.
    """
    scales = []
    for i in range(cfg.depth + 1):
        hidden = 0 < i < cfg.depth
        scales.append({"w": 1.0 / cfg.width_mult if hidden else 1.0, "b": 1.0})
    return {"embed": 1.0, "layers": scales}


def apply(cfg: MLPConfig, params: dict, contexts: jax.Array, *, with_activations: bool = False):
    """Logits for a batch of contexts.

    Args:
        cfg: the model shape.
        params: as returned by :func:`init`.
        contexts: int array ``(B, context)`` of token ids.
        with_activations: also return each layer's output (hidden ReLUs, then logits).

    Returns:
        logits ``(B, vocab_size)``, or ``(logits, [h_1, ..., h_depth, logits])``.
    """
    logits, acts = _forward(params, contexts, 1.0 / cfg.width_mult)
    return (logits, acts) if with_activations else logits


def _forward(params: dict, contexts: jax.Array, out_mult):
    h = params["embed"][contexts].reshape(contexts.shape[0], -1)
    acts = []
    for layer in params["layers"][:-1]:
        h = jax.nn.relu(h @ layer["w"] + layer["b"])
        acts.append(h)
    out = params["layers"][-1]
    logits = (h @ out["w"] + out["b"]) * out_mult
    acts.append(logits)
    return logits, acts


def loss(cfg: MLPConfig, params: dict, windows: jax.Array) -> jax.Array:
    """Mean next-character cross-entropy (nats) on windows ``(B, context + 1)``."""
    x, y = ngram_batch(windows)
    logits = apply(cfg, params, x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def param_count(cfg: MLPConfig, *, embeddings: bool = True) -> int:
    """Number of parameters, with or without the character embedding table."""
    n = sum(a * b + b for a, b in _dims(cfg))
    return n + (cfg.vocab_size * cfg.embed_dim if embeddings else 0)
