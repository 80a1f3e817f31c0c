"""The coordinate check of Yang et al. 2022 (Tensor Programs V, Sec. 7 and Fig. 5).

For each width, train the n-gram MLP for a few Adam steps on one fixed batch with the
kit's training loop (:mod:`cs324scale.train.loop`, muP's per-layer rates included) and
record the mean absolute value of every layer's output before each step. Under muP the
curves are flat in width; in standard parametrisation they grow with it.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import as_int, as_positive_float
from .data import ngram_batch, sample_windows, shakespeare
from .loop import make_loop, run_steps
from .mlp import MLPConfig, apply
from .optim import Optimizer, Schedule


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
    if not isinstance(cfg, MLPConfig):
        raise ValueError(f"coordinate_check takes an MLPConfig; got {type(cfg).__name__}.")
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
    rows = [
        np.asarray(_coordinates(dataclasses.replace(cfg, width=w), steps, k_init, windows, lr))
        for w in widths
    ]
    names = tuple(f"hidden {i + 1}" for i in range(cfg.depth)) + ("logits",)
    return CoordCheck(np.asarray(widths), names, np.asarray(rows, dtype=float))


@functools.partial(jax.jit, static_argnums=(0, 1))
def _coordinates(cfg: MLPConfig, steps: int, key, windows, lr):
    """Mean |output| of every layer before each of ``steps`` steps, ``(steps, depth + 1)``."""
    loop = make_loop(cfg, optimizer=Optimizer("adam"), schedule=Schedule(), steps=steps)
    params, state = loop.init(lr, key)
    contexts, _ = ngram_batch(windows)

    def observe(p):
        _, acts = apply(cfg, p, contexts, with_activations=True)
        return jnp.stack([jnp.abs(a).mean() for a in acts])

    *_, coords = run_steps(
        loop, params, state, lr, windows_at=lambda t: windows, n=steps, observe=observe
    )
    return coords
