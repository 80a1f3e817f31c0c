"""The table a sweep returns: one row per trial, columns as numpy arrays."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path

import numpy as np

from .models import _REGISTRY
from .optim import Optimizer, Schedule


def config_from_dict(model: str, fields: dict):
    """Rebuild a registered config from its class name and fields."""
    for cls in _REGISTRY:
        if cls.__name__ == model:
            return cls(**fields)
    raise ValueError(f"No registered model config is called {model!r}.")


def _optimizer_of(record: dict) -> Optimizer:
    """A record's optimizer; records written before it had its own field name it in provenance."""
    if record.get("optimizer") is not None:
        return Optimizer.from_description(record["optimizer"])
    prov = record.get("provenance") or {}
    if prov.get("optimizer") == "sgd":
        return Optimizer("sgd", (("momentum", float(prov["momentum"])),))
    return Optimizer()


@dataclasses.dataclass(frozen=True)
class SweepResults:
    """Results of a sweep, one entry per trial (config x learning rate x seed).

    Attributes:
        configs: the model config of each trial, length ``n``.
        lr: learning rates ``(n,)``.
        seed: seeds ``(n,)``.
        final_loss: validation loss after training ``(n,)``; NaN for diverged trials.
        train_loss: mean training loss over the last curve interval ``(n,)``.
        diverged: True where a loss became NaN or infinite ``(n,)``.
        diverged_at: first step with a non-finite loss, -1 if none ``(n,)``.
        curve: training loss averaged over intervals ``(n, points)`` (finite steps only);
            NaN for intervals wholly after a divergence.
        curve_steps: step count at the end of each interval ``(points,)``.
        flops: training FLOPs of each trial ``(n,)``.
        steps: optimiser steps of each trial ``(n,)`` (-1 where a file predates the field).
        batch_size: windows per step ``(n,)`` (-1 likewise).
        dataset_size: training tokens the trial could read ``(n,)`` (-1 likewise).
        sampling: how it read them, ``"random"`` windows or ``"sequential"`` (each token
            once, in order) ``(n,)``.
        cached: True where the trial was loaded from the store, not trained now ``(n,)``.
        key: the store key of each trial ``(n,)``.
        optimizers: the :class:`~cs324scale.train.optim.Optimizer` of each trial.
        schedules: the :class:`~cs324scale.train.optim.Schedule` of each trial.
        provenance: per-trial provenance dicts (versions, git commit, device, date, wall time).
    """

    configs: tuple
    lr: np.ndarray
    seed: np.ndarray
    final_loss: np.ndarray
    train_loss: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    curve: np.ndarray
    curve_steps: np.ndarray
    flops: np.ndarray
    cached: np.ndarray
    key: np.ndarray
    provenance: tuple
    optimizers: tuple = ()
    schedules: tuple = ()
    steps: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, int))
    batch_size: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, int))
    dataset_size: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, int))
    sampling: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, str))

    def tokens_read(self) -> np.ndarray:
        """Training tokens each trial read: ``steps x batch x context`` predicted tokens plus
        one for the last target, as :func:`cs324scale.train.loop.tokens_read` counts them."""
        from .loop import tokens_read
        from .models import model_for

        return np.array([
            tokens_read(model_for(c).tokens_per_window(c) + 1, b, s)
            for c, b, s in zip(self.configs, self.batch_size, self.steps, strict=True)
        ])

    def __len__(self) -> int:
        return len(self.lr)

    @property
    def optimizer(self) -> np.ndarray:
        """Optimizer name of every trial (``"adam"``, ``"sgd"``, ...), shape ``(n,)``."""
        return np.array([o.name for o in self.optimizers], dtype=str)

    @property
    def schedule(self) -> np.ndarray:
        """Schedule kind of every trial (``"constant"``, ``"warmup_cosine"``, ``"wsd"``)."""
        return np.array([s.kind for s in self.schedules], dtype=str)

    def field(self, name: str) -> np.ndarray:
        """A config attribute for every trial, e.g. ``res.field("width")``, shape ``(n,)``."""
        return np.array([getattr(c, name) for c in self.configs])

    def grid(self, row: str = "width", value: str = "final_loss"):
        """Seed-averaged ``value`` on a (config field x learning rate) grid.

        Args:
            row: config attribute along the rows (e.g. ``"width"``).
            value: a per-trial column (``"final_loss"``, ``"train_loss"``, ...).

        Returns:
            ``(rows (R,), lrs (L,), table (R, L))``; a cell is NaN when every seed diverged
            (``nanmean`` over the finite seeds otherwise).
        """
        rows_all, vals = self.field(row), getattr(self, value)
        rows, lrs = np.unique(rows_all), np.unique(self.lr)
        table = np.full((len(rows), len(lrs)), np.nan)
        for i, r in enumerate(rows):
            for j, lr in enumerate(lrs):
                v = vals[(rows_all == r) & (self.lr == lr)]
                if np.isfinite(v).any():
                    table[i, j] = np.nanmean(v)
        return rows, lrs, table

    def to_records(self) -> list[dict]:
        """One JSON-friendly dict per trial."""
        out = []
        for i, c in enumerate(self.configs):
            out.append(
                {
                    "key": str(self.key[i]),
                    "model": type(c).__name__,
                    "config": dataclasses.asdict(c),
                    "lr": float(self.lr[i]),
                    "seed": int(self.seed[i]),
                    "final_loss": float(self.final_loss[i]),
                    "train_loss": float(self.train_loss[i]),
                    "diverged": bool(self.diverged[i]),
                    "diverged_at": int(self.diverged_at[i]),
                    "curve": [float(v) for v in self.curve[i]],
                    "curve_steps": [int(s) for s in self.curve_steps],
                    "flops": float(self.flops[i]),
                    **({} if len(self.steps) != len(self) else {
                        "steps": int(self.steps[i]),
                        "batch_size": int(self.batch_size[i]),
                        "dataset_size": int(self.dataset_size[i]),
                        "sampling": str(self.sampling[i]),
                    }),
                    "optimizer": self.optimizers[i].describe(),
                    "schedule": self.schedules[i].describe(),
                    "provenance": self.provenance[i],
                }
            )
        return out

    @classmethod
    def from_records(cls, records, *, cached=None) -> SweepResults:
        """Build a table from records as written by :meth:`to_records` or the store."""
        records = list(records)
        n = len(records)
        points = max((len(r["curve"]) for r in records), default=0)
        curve = np.full((n, points), np.nan)
        for i, r in enumerate(records):
            curve[i, : len(r["curve"])] = r["curve"]
        steps = records[0]["curve_steps"] if records else []
        return cls(
            configs=tuple(config_from_dict(r["model"], r["config"]) for r in records),
            lr=np.array([r["lr"] for r in records], float),
            seed=np.array([r["seed"] for r in records], int),
            final_loss=np.array([r["final_loss"] for r in records], float),
            train_loss=np.array([r["train_loss"] for r in records], float),
            diverged=np.array([r["diverged"] for r in records], bool),
            diverged_at=np.array([r["diverged_at"] for r in records], int),
            curve=curve,
            curve_steps=np.array(steps, int),
            flops=np.array([r["flops"] for r in records], float),
            cached=np.zeros(n, bool) if cached is None else np.asarray(cached, bool),
            key=np.array([r["key"] for r in records], str),
            provenance=tuple(r["provenance"] for r in records),
            optimizers=tuple(_optimizer_of(r) for r in records),
            schedules=tuple(Schedule.from_description(r.get("schedule")) for r in records),
            steps=np.array([r.get("steps", -1) for r in records], int),
            batch_size=np.array([r.get("batch_size", -1) for r in records], int),
            dataset_size=np.array([r.get("dataset_size", -1) for r in records], int),
            sampling=np.array([r.get("sampling", "random") for r in records], str),
        )

    def save(self, path: str | os.PathLike, **meta) -> None:
        """Write a small JSON file (atomically) with the records and extra ``meta`` data."""

        def clean(x):
            if isinstance(x, float) and not math.isfinite(x):
                return None
            if isinstance(x, list):
                return [clean(v) for v in x]
            if isinstance(x, dict):
                return {k: clean(v) for k, v in x.items()}
            return x

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(
            json.dumps(clean({"meta": meta, "records": self.to_records()}), separators=(",", ":"))
        )
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> SweepResults:
        """Read a file written by :meth:`save`."""

        def unclean(r):
            r = dict(r)
            r["curve"] = [math.nan if v is None else v for v in r["curve"]]
            for k in ("final_loss", "train_loss"):
                r[k] = math.nan if r[k] is None else r[k]
            return r

        data = json.loads(Path(path).read_text())
        return cls.from_records(
            [unclean(r) for r in data["records"]], cached=[True] * len(data["records"])
        )
