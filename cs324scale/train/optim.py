"""Optimizers and learning-rate schedules, as hashable descriptions the engine builds.

A trial's optimizer and schedule are part of what it *is*, so they are small frozen
dataclasses: they go into the trial key (a rerun with another schedule is another
trial), into every stored record, and into the one training loop
(:mod:`cs324scale.train.loop`), which builds the optax transformation from them with
the trial's learning rate as a traced value, so one compilation serves a whole
population of learning rates and seeds::

    cs.train.run_sweep(cfg, lrs, steps=2000,
                       optimizer=cs.train.sgd(momentum=0.9),
                       schedule=cs.train.warmup_cosine(warmup=0.05))

Optimizers are looked up by name in :data:`OPTIMIZERS` (``adam``, ``adamw``, ``sgd``);
:func:`register_optimizer` adds another optax factory. The learning rate a schedule
multiplies is the trial's peak rate: ``lr_t = lr * schedule(t)``, with ``schedule`` in
``[0, 1]``.

Schedules (each relative to the run's own length ``steps``, so one schedule suits
every run length, as Hoffmann et al. 2022 Sec. 3 and App. B require: cosine decayed
to the run's length):

* :func:`constant`: ``lr`` throughout (Kaplan et al. 2020's sweeps, Metz 2022);
* :func:`warmup_cosine`: linear warmup over ``warmup * steps`` steps, then cosine
  decay to ``final * lr`` at the last step (Hoffmann et al. 2022);
* :func:`wsd`: warmup, stable at ``lr``, then linear decay over the last
  ``decay * steps`` steps to ``final * lr`` (warmup-stable-decay; Hu et al. 2024,
  MiniCPM, Sec. 4; Hägele et al. 2024).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import optax

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "Optimizer",
    "Schedule",
    "adam",
    "adamw",
    "constant",
    "register_optimizer",
    "sgd",
    "warmup_cosine",
    "wsd",
]


OPTIMIZERS: dict[str, Callable] = {"adam": optax.adam, "adamw": optax.adamw, "sgd": optax.sgd}


def register_optimizer(name: str, factory: Callable) -> None:
    """Make ``Optimizer(name, ...)`` build ``factory(learning_rate, **hyper)``.

    ``factory`` returns an ``optax.GradientTransformation`` and must accept a traced
    scalar or a schedule function as ``learning_rate``.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"optimizer name must be a non-empty string; got {name!r}.")
    OPTIMIZERS[name] = factory


@dataclasses.dataclass(frozen=True)
class Optimizer:
    """An optimizer by name plus its hyperparameters other than the learning rate.

    Attributes:
        name: a key of :data:`OPTIMIZERS`.
        hyper: ``((name, value), ...)`` sorted by name, e.g. ``(("momentum", 0.9),)``.
    """

    name: str = "adam"
    hyper: tuple = ()

    def __post_init__(self):
        if self.name not in OPTIMIZERS:
            raise ValueError(
                f"unknown optimizer {self.name!r}; known: {sorted(OPTIMIZERS)} "
                "(register_optimizer adds one)."
            )
        pairs = tuple(sorted((str(k), v) for k, v in dict(self.hyper).items()))
        object.__setattr__(self, "hyper", pairs)

    def build(self, learning_rate):
        """The ``optax.GradientTransformation`` at ``learning_rate`` (a scalar or a schedule).

        Built with ``optax.inject_hyperparams``: numeric hyperparameters live in the
        optimizer state, so traced values serve one compilation; booleans and strings
        are static.
        """
        hyper = dict(self.hyper)
        static = tuple(k for k, v in hyper.items() if isinstance(v, (bool, str)))
        factory = optax.inject_hyperparams(OPTIMIZERS[self.name], static_args=static)
        return factory(learning_rate=learning_rate, **hyper)

    def describe(self) -> dict:
        """JSON-friendly description, part of the trial key and of every record."""
        return {"name": self.name, **dict(self.hyper)}

    @property
    def label(self) -> str:
        """Short text such as ``"sgd(momentum=0.9)"``."""
        args = ", ".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.hyper
        )
        return f"{self.name}({args})" if args else self.name

    @classmethod
    def from_description(cls, d: dict | str | None) -> Optimizer:
        """Inverse of :meth:`describe` (a bare name or None means default hyperparameters)."""
        if d is None:
            return cls()
        if isinstance(d, str):
            return cls(d)
        d = dict(d)
        return cls(d.pop("name"), tuple(d.items()))


def adam(**hyper) -> Optimizer:
    """Adam (Kingma & Ba 2015), ``optax.adam`` hyperparameters (``b1``, ``b2``, ``eps``)."""
    return Optimizer("adam", tuple(hyper.items()))


def adamw(*, weight_decay: float = 1e-4, **hyper) -> Optimizer:
    """AdamW (Loshchilov & Hutter 2019); the decay is scaled by the schedule, as in optax."""
    return Optimizer("adamw", (("weight_decay", float(weight_decay)), *hyper.items()))


def sgd(*, momentum: float | None = None, nesterov: bool = False) -> Optimizer:
    """SGD, with heavy-ball momentum when ``momentum`` is given (``optax.sgd``)."""
    hyper = {} if momentum is None else {"momentum": float(momentum)}
    if nesterov:
        hyper["nesterov"] = True
    return Optimizer("sgd", tuple(hyper.items()))


SCHEDULES = ("constant", "warmup_cosine", "wsd")


@dataclasses.dataclass(frozen=True)
class Schedule:
    """A learning-rate multiplier over a run of ``steps`` steps, peak 1.

    Attributes:
        kind: one of :data:`SCHEDULES`.
        warmup: fraction of the run spent warming up linearly from 0 (``[0, 1)``).
        decay: ``wsd`` only: fraction of the run at the end spent decaying (``(0, 1]``).
        final: multiplier at the last step, ``[0, 1]`` (cosine and wsd).
    """

    kind: str = "constant"
    warmup: float = 0.0
    decay: float = 0.0
    final: float = 0.0

    def __post_init__(self):
        if self.kind not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.kind!r}; use one of {SCHEDULES}.")
        for name, lo, hi in (("warmup", 0.0, 1.0), ("decay", 0.0, 1.0), ("final", 0.0, 1.0)):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not lo <= v <= hi:
                raise ValueError(f"schedule {name} must be a number in [{lo}, {hi}]; got {v!r}.")
            object.__setattr__(self, name, float(v))
        if self.warmup >= 1.0:
            raise ValueError(f"warmup is a fraction of the run and must be < 1; got {self.warmup}.")
        if self.kind == "constant" and (self.warmup or self.decay or self.final):
            raise ValueError(
                "a constant schedule takes no warmup, decay or final; use wsd or warmup_cosine."
            )
        if self.kind == "wsd" and (self.decay <= 0 or self.warmup + self.decay > 1):
            raise ValueError(
                f"wsd needs 0 < decay and warmup + decay <= 1; got warmup={self.warmup}, decay={self.decay}."
            )

    def multiplier(self, steps: int):
        """``t -> lr multiplier`` for a run of ``steps`` steps; None for a constant rate.

        None (rather than a function returning 1) keeps a constant-rate trial's
        arithmetic exactly that of ``optax.adam(lr)``.
        """
        if self.kind == "constant":
            return None
        steps = int(steps)
        warm = int(round(self.warmup * steps))
        if self.kind == "warmup_cosine":
            return optax.warmup_cosine_decay_schedule(
                0.0, 1.0, warmup_steps=warm, decay_steps=max(steps, warm + 1), end_value=self.final
            )
        n_decay = max(1, int(round(self.decay * steps)))
        stable = max(0, steps - warm - n_decay)
        parts = [optax.linear_schedule(0.0, 1.0, max(warm, 1))] if warm else []
        parts += [optax.constant_schedule(1.0), optax.linear_schedule(1.0, self.final, n_decay)]
        bounds = ([warm] if warm else []) + [warm + stable]
        return optax.join_schedules(parts, bounds)

    def describe(self) -> dict:
        """JSON-friendly description, part of the trial key and of every record."""
        return dataclasses.asdict(self)

    @property
    def label(self) -> str:
        """Short text such as ``"warmup_cosine(warmup=0.05)"``."""
        args = [
            f"{k}={getattr(self, k):g}" for k in ("warmup", "decay", "final") if getattr(self, k)
        ]
        return f"{self.kind}({', '.join(args)})" if args else self.kind

    @classmethod
    def from_description(cls, d: dict | None) -> Schedule:
        """Inverse of :meth:`describe` (None means constant)."""
        return cls() if d is None else cls(**d)


def constant() -> Schedule:
    """The learning rate throughout the run."""
    return Schedule()


def warmup_cosine(*, warmup: float = 0.0, final: float = 0.0) -> Schedule:
    """Linear warmup over ``warmup`` of the run, cosine decay to ``final x lr`` at its end."""
    return Schedule("warmup_cosine", warmup=warmup, final=final)


def wsd(*, warmup: float = 0.0, decay: float = 0.2, final: float = 0.0) -> Schedule:
    """Warmup, stable, then linear decay over the last ``decay`` of the run to ``final x lr``."""
    return Schedule("wsd", warmup=warmup, decay=decay, final=final)
