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
the same model. :func:`coordinate_check` measures which one keeps activations O(1).
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._checks import as_int, as_positive_float, one_of
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


@dataclasses.dataclass(frozen=True)
class CoordCheck:
    """Result of :func:`coordinate_check`.

    Attributes:
        widths: int array ``(n_widths,)``.
        layers: layer names, ``("hidden 1", ..., "logits")``.
        values: mean |activation|, array ``(n_widths, steps, n_layers)``; step 0 is at init.
    """

    widths: np.ndarray
    layers: tuple[str, ...]
    values: np.ndarray

    def slopes(self) -> np.ndarray:
        """Log-log slope of mean |activation| against width, array ``(steps, n_layers)``.

        Near 0 means the layer's coordinates stay O(1) as width grows (muP's promise);
        clearly positive means they blow up with width (SP under Adam).
        """
        x = np.log(self.widths)
        y = np.log(self.values)
        xc = x - x.mean()
        return np.einsum("w,wsl->sl", xc, y - y.mean(0)) / (xc @ xc)


def coordinate_check(
    cfg: MLPConfig,
    widths,
    *,
    lr: float = 1e-2,
    steps: int = 4,
    batch_size: int = 256,
    key: jax.Array,
    data=None,
) -> CoordCheck:
    """Mean |activation| per layer versus width over the first Adam steps.

    The "coordinate check" of Yang et al. 2022 (Tensor Programs V, Sec. 7 / Fig. 5): for
    each width, train for ``steps - 1`` Adam steps on one fixed batch and record the mean
    absolute value of every layer's output before each step. Under muP the curves are
    flat in width; in SP they grow with width.

    Args:
        cfg: model shape; its ``width`` is replaced by each of ``widths``.
        widths: the widths to compare (at least 2).
        lr: Adam learning rate (scaled per layer as in training).
        steps: number of recorded points (the first is at initialisation).
        batch_size: size of the fixed batch.
        key: PRNG key for the batch and each width's initialisation.
        data: a :class:`~cs324scale.train.data.CharData`; tiny Shakespeare by default.

    Returns:
        A :class:`CoordCheck`.
    """
    from .data import sample_windows, shakespeare

    widths = [int(w) for w in np.atleast_1d(np.asarray(widths))]
    if len(widths) < 2:
        raise ValueError("coordinate_check needs at least two widths to compare.")
    for w in widths:
        as_int("width", w, minimum=1)
    lr = as_positive_float("lr", lr)
    steps = as_int("steps", steps, minimum=1)
    data = shakespeare() if data is None else data
    k_data, k_init = jax.random.split(key)
    windows = sample_windows(
        jnp.asarray(data.train), cfg.context + 1, as_int("batch_size", batch_size), key=k_data
    )
    x, y = ngram_batch(windows)
    rows = []
    for w in widths:
        c = dataclasses.replace(cfg, width=w)
        shape = dataclasses.replace(c, parametrization="standard", base_width=1)
        coords = _coord_run(shape, steps, k_init, lr_scales(c), 1.0 / c.width_mult, x, y, lr)
        rows.append(np.asarray(coords))
    names = tuple(f"hidden {i + 1}" for i in range(cfg.depth)) + ("logits",)
    return CoordCheck(np.asarray(widths), names, np.asarray(rows, dtype=float))


_COORD_OPT = optax.inject_hyperparams(optax.adam)(learning_rate=1.0)


@functools.partial(jax.jit, static_argnums=(0, 1))
def _coord_run(shape: MLPConfig, steps: int, key, scales, out_mult, x, y, lr):
    """Coordinates ``(steps, depth + 1)`` for one width; SP and muP share the compilation."""

    def objective(p):
        logits, acts = _forward(p, x, out_mult)
        ce = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
        return ce, jnp.stack([jnp.abs(a).mean() for a in acts])

    def step(carry, _):
        params, state = carry
        (_, coords), grads = jax.value_and_grad(objective, has_aux=True)(params)
        updates, state = _COORD_OPT.update(grads, state, params)
        updates = jax.tree.map(lambda u, m: u * m, updates, scales)
        return (optax.apply_updates(params, updates), state), coords

    params = _init(shape, key)
    state = _COORD_OPT.init(params)
    state.hyperparams["learning_rate"] = jnp.asarray(lr, jnp.float32)
    _, coords = jax.lax.scan(step, (params, state), None, length=steps)
    return coords
