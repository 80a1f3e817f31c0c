"""The model registry: what the sweep engine needs to know about each config type.

A notebook author who adds a model registers its config class once::

    register_model(MyConfig, Model(init=..., loss=..., lr_scales=..., param_count=...,
                                   window_length=..., tokens_per_window=...,
                                   flops_per_token=...))

and can then pass ``MyConfig`` instances to :func:`~cs324scale.train.run_sweep`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from .. import flops
from . import lstm, mlp, transformer


class Model(NamedTuple):
    """Pure functions describing one model family (all take the config first).

    Attributes:
        init: ``init(cfg, *, key) -> params`` (a pytree of float32 arrays).
        loss: ``loss(cfg, params, windows) -> scalar`` mean loss on int windows ``(B, L)``.
        lr_scales: ``lr_scales(cfg) -> pytree of floats | None`` per-tensor Adam lr multipliers.
        param_count: ``param_count(cfg, *, embeddings) -> int``.
        window_length: ``window_length(cfg) -> L`` tokens per training window.
        tokens_per_window: ``tokens_per_window(cfg) -> int`` predicted tokens per window.
        flops_per_token: ``flops_per_token(cfg) -> float`` training FLOPs per predicted token.
    """

    init: Callable[..., Any]
    loss: Callable[..., Any]
    lr_scales: Callable[..., Any]
    param_count: Callable[..., int]
    window_length: Callable[..., int]
    tokens_per_window: Callable[..., int]
    flops_per_token: Callable[..., float]


_REGISTRY: dict[type, Model] = {}


def register_model(config_type: type, model: Model) -> None:
    """Make configs of ``config_type`` runnable by the sweep engine."""
    _REGISTRY[config_type] = model


def model_for(cfg) -> Model:
    """The :class:`Model` registered for ``type(cfg)``; ``ValueError`` if there is none."""
    try:
        return _REGISTRY[type(cfg)]
    except KeyError:
        known = ", ".join(t.__name__ for t in _REGISTRY)
        raise ValueError(
            f"{type(cfg).__name__} is not a registered model config (known: {known}); "
            "pass one of those or call register_model first."
        ) from None


register_model(
    mlp.MLPConfig,
    Model(
        init=mlp.init,
        loss=mlp.loss,
        lr_scales=mlp.lr_scales,
        param_count=mlp.param_count,
        window_length=lambda c: c.context + 1,
        tokens_per_window=lambda c: 1,
        flops_per_token=lambda c: flops.mlp_flops_per_token(mlp.param_count(c, embeddings=False)),
    ),
)
register_model(
    transformer.TransformerConfig,
    Model(
        init=transformer.init,
        loss=transformer.loss,
        lr_scales=transformer.lr_scales,
        param_count=transformer.param_count,
        window_length=lambda c: c.context + 1,
        tokens_per_window=lambda c: c.context,
        flops_per_token=lambda c: flops.transformer_flops_per_token(
            transformer.param_count(c, embeddings=False),
            d_model=c.d_model,
            vocab_size=c.vocab_size,
            n_layer=c.n_layer,
            context=c.context,
        ),
    ),
)
register_model(
    lstm.LSTMConfig,
    Model(
        init=lstm.init,
        loss=lstm.loss,
        lr_scales=lstm.lr_scales,
        param_count=lstm.param_count,
        window_length=lambda c: c.context + 1,
        tokens_per_window=lambda c: c.context,
        flops_per_token=lambda c: flops.lstm_flops_per_token(
            lstm.param_count(c, embeddings=False), d_model=c.d_model, vocab_size=c.vocab_size
        ),
    ),
)
