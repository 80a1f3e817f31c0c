"""The experiments behind lecture 2 (hyperparameter and model scaling) and labs 2-3.

Each experiment is registered with :func:`~cs324scale.train.register_experiment`, so a
notebook loads its shipped results with ``cs.train.load_results(name)`` (fast mode) or
reruns it with ``cs.train.run_experiment(name)`` (full mode). The shipped files in
``cs324scale/results/`` were produced on two CPU cores, at "the largest scale that
fits", by::

    JAX_PLATFORMS=cpu python -m cs324scale.train.lecture_experiments            # all
    JAX_PLATFORMS=cpu python -m cs324scale.train.lecture_experiments metz_sp    # one

which resumes from ``build/lecture_sweeps.sqlite`` (every finished trial is kept, so an
interrupted run loses nothing) and writes ``cs324scale/results/<name>.json`` with each
trial's provenance. ``python tools/run_sweeps.py NAME --fast`` (``make sweeps``) does the
same with its own store, ``build/sweeps.sqlite``; every trial is a pure function of
(config, learning rate, seed), so both commands give the same numbers. ``full=True`` (a
GPU) uses the grids of the original papers; ``full=False`` the CPU grids below.

Registered experiments:

* ``metz_sp``: Luke Metz's width x learning-rate x seed grid (12 x 12 x 3) of a 3-layer
  n-gram MLP on tiny Shakespeare in standard parametrisation ("On the difficulty of
  extrapolation with NN scaling", 2022).
* ``metz_mup``: the same grid in muP (Yang et al. 2022, Tensor Programs V).
* ``model_data_grid``: character Transformers of seven widths, each trained on fresh
  windows for a long run whose loss curve gives L(N, D) for every D along the way
  (Kaplan et al. 2020; Hoffmann et al. 2022 approach 2 reads IsoFLOP slices off it).
* ``arch_transformer_lstm``: LSTMs matched in non-embedding parameters to those
  Transformers (Kaplan et al. 2020, Fig. 7).
* ``depth``: Transformers of 1 and 4 layers beside the 2-layer ones (Kaplan et al. 2020,
  Fig. 6: depth matters little at fixed non-embedding N, except one layer).
* ``optimizer_adam_sgd``: the Metz MLP trained with SGD + momentum beside Adam.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .experiments import register_experiment
from .mlp import MLPConfig
from .results import SweepResults
from .store import ResultStore, provenance, trial_key
from .sweep import METZ_LEARNING_RATES, METZ_SEEDS, METZ_WIDTHS, run_sweep
from .transformer import TransformerConfig

# ------------------------------------------------------------------ experiment grids

# CPU scale: 12 widths sqrt(2) apart from 8 to 362 (Metz's grid is 23 to 1024, which
# costs ~8x more per step at the top); 12 Adam learning rates, 3 seeds = 432 trials.
CPU_METZ_WIDTHS = (8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256, 362)
CPU_METZ_STEPS = 300  # optimiser steps per trial (Metz: 30k)
FULL_METZ_STEPS = 3000
METZ_BATCH = 128
MUP_BASE_WIDTH = 64  # muP and SP coincide at this width

# Character LM for the design-procedure and compute experiments.
LM_CONTEXT = 32  # characters per training window
LM_BATCH = 16  # windows per step: 512 predicted tokens per step
LM_STEPS = 2000  # ~1M tokens, about one pass over tiny Shakespeare's training text
LM_WIDTHS = (8, 12, 16, 24, 32, 48, 64, 96)  # Transformer d_model
FULL_LM_WIDTHS = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
ARCH_WIDTHS = (16, 32, 64, 96)  # Transformer d_model of the architecture comparison
LM_LRS = (1e-3, 3e-3, 1e-2)
LM_CURVE_POINTS = 100

SGD_MOMENTUM = 0.9
SGD_LRS = (0.01, 0.03, 0.1, 0.3, 1.0)
OPT_WIDTHS = (16, 32, 64, 128, 256)
OPT_ADAM_LRS = METZ_LEARNING_RATES[4:10]  # the region around Adam's optimum

DEFAULT_STORE = Path("build") / "lecture_sweeps.sqlite"


def _metz(parametrization: str, *, full: bool, store):
    widths = METZ_WIDTHS if full else CPU_METZ_WIDTHS
    configs = [
        MLPConfig(width=w, parametrization=parametrization, base_width=MUP_BASE_WIDTH)
        for w in widths
    ]
    return run_sweep(
        configs,
        METZ_LEARNING_RATES,
        METZ_SEEDS,
        steps=FULL_METZ_STEPS if full else CPU_METZ_STEPS,
        batch_size=METZ_BATCH,
        curve_points=25,
        store=store,
    )


@register_experiment("metz_sp")
def metz_sp(*, full: bool, store=None) -> SweepResults:
    """Metz's 12 x 12 x 3 width x learning-rate x seed grid, standard parametrisation."""
    return _metz("standard", full=full, store=store)


@register_experiment("metz_mup")
def metz_mup(*, full: bool, store=None) -> SweepResults:
    """The same grid in muP (Yang et al. 2022), base width :data:`MUP_BASE_WIDTH`."""
    return _metz("mup", full=full, store=store)


def lm_sweep(configs, learning_rates=LM_LRS, *, store=None, steps=LM_STEPS, **kwargs):
    """Train character-LM configs with the lecture's LM settings (context, batch, curve)."""
    return run_sweep(
        configs,
        learning_rates,
        (0,),
        steps=steps,
        batch_size=LM_BATCH,
        curve_points=LM_CURVE_POINTS,
        store=store,
        **kwargs,
    )


def transformer(d_model: int, n_layer: int = 2) -> TransformerConfig:
    """The lecture's character Transformer of width ``d_model`` (4 heads, context 32)."""
    return TransformerConfig(d_model=d_model, n_layer=n_layer, n_head=4, context=LM_CONTEXT)


# Small models are cheap per token and reach the compute optimum only after many
# tokens, so they train longer (several passes for the tiniest; harmless at ~2k params).
LM_STEPS_BY_WIDTH = {8: 4 * LM_STEPS, 12: 3 * LM_STEPS, 16: 2 * LM_STEPS, 24: 3 * LM_STEPS // 2}


@register_experiment("model_data_grid")
def model_data_grid(*, full: bool, store=None) -> SweepResults:
    """2-layer Transformers x learning rates; each curve gives L(N, D) along training.

    Widths below 32 train for longer (:data:`LM_STEPS_BY_WIDTH`), so that IsoFLOP
    slices at larger budgets still contain small models.
    """
    widths = FULL_LM_WIDTHS if full else LM_WIDTHS
    if store is not None and not isinstance(store, ResultStore):
        store = ResultStore(store)
    records = []
    for d in widths:
        steps = LM_STEPS_BY_WIDTH.get(d, LM_STEPS) * (4 if full else 1)
        records += lm_sweep([transformer(d)], store=store, steps=steps).to_records()
    return SweepResults.from_records(records)


@register_experiment("arch_transformer_lstm")
def arch_transformer_lstm(*, full: bool, store=None) -> SweepResults:
    """Transformers and LSTMs of matching non-embedding size (Kaplan et al. 2020, Fig. 7)."""
    from .lstm import matching

    widths = FULL_LM_WIDTHS[2:] if full else ARCH_WIDTHS
    tfs = [transformer(d) for d in widths]
    configs = [c for tf in tfs for c in (tf, matching(tf))]
    return lm_sweep(configs, store=store, steps=LM_STEPS * (4 if full else 1))


@register_experiment("depth")
def depth(*, full: bool, store=None) -> SweepResults:
    """Transformers of 1, 2 and 4 layers over widths (Kaplan et al. 2020, Fig. 6)."""
    widths = FULL_LM_WIDTHS if full else (16, 32, 64)
    configs = [transformer(d, n) for n in (1, 2, 4) for d in widths]
    return lm_sweep(configs, LM_LRS[:2], store=store, steps=LM_STEPS * (4 if full else 1))


# ------------------------------------------------------------- SGD (optimizer choice)


def run_sgd_sweep(
    configs,
    learning_rates,
    seeds=(0,),
    *,
    steps: int,
    batch_size: int,
    momentum: float = SGD_MOMENTUM,
    store: ResultStore | str | None = None,
    curve_points: int = 25,
    eval_size: int = 1024,
) -> SweepResults:
    """Like :func:`~cs324scale.train.run_sweep`, but with SGD + momentum instead of Adam.

    Every trial is vmapped over (learning rate, seed) per config; finished trials are
    committed to ``store`` under keys that name the optimiser, so reruns skip them.
    Each record's provenance carries ``"optimizer": "sgd"`` and the momentum.

    Returns:
        A :class:`~cs324scale.train.results.SweepResults` ordered config, lr, seed.
    """
    import jax
    import jax.numpy as jnp
    import optax

    from .data import sample_windows, shakespeare
    from .engine import eval_windows
    from .flops import trial_flops
    from .models import model_for
    from .sweep import _curve

    data = shakespeare()
    tokens = jnp.asarray(data.train)
    if store is None or not isinstance(store, ResultStore):
        store = ResultStore(store)
    train = {
        "steps": int(steps),
        "batch_size": int(batch_size),
        "data": data.fingerprint,
        "eval_size": int(eval_size),
        "curve_points": int(curve_points),
        "optimizer": f"sgd-momentum{momentum:g}",
    }
    keys = []
    for cfg in configs:
        model = model_for(cfg)
        grid = [(float(lr), int(s)) for lr in learning_rates for s in seeds]
        ks = [trial_key(cfg, lr=lr, seed=s, train=train) for lr, s in grid]
        keys += ks
        if all(k in store for k in ks):
            continue
        length = model.window_length(cfg)
        val = jnp.asarray(eval_windows(data.val, cfg, n_windows=eval_size, batch_size=batch_size))

        def trial(lr, seed, cfg=cfg, model=model, length=length, val=val):
            k_init, k_data = jax.random.split(jax.random.key(seed))
            params = model.init(cfg, key=k_init)
            opt = optax.inject_hyperparams(optax.sgd)(learning_rate=lr, momentum=momentum)
            state = opt.init(params)

            def step(carry, t):
                p, s = carry
                w = sample_windows(tokens, length, batch_size, key=jax.random.fold_in(k_data, t))
                loss, g = jax.value_and_grad(lambda q: model.loss(cfg, q, w))(p)
                u, s = opt.update(g, s, p)
                return (optax.apply_updates(p, u), s), loss

            (params, _), losses = jax.lax.scan(step, (params, state), jnp.arange(steps))
            return losses, jax.lax.map(lambda w: model.loss(cfg, params, w), val).mean()

        t0 = time.perf_counter()
        lrs = jnp.asarray([g[0] for g in grid], jnp.float32)
        sds = jnp.asarray([g[1] for g in grid], jnp.int32)
        losses, vals = jax.jit(jax.vmap(trial))(lrs, sds)
        losses, vals = np.asarray(losses), np.asarray(vals)
        prov = provenance(wall_time_s=(time.perf_counter() - t0) / len(grid))
        prov.update(optimizer="sgd", momentum=momentum, trials_in_call=len(grid))
        for (lr, s), key, ls, v in zip(grid, ks, losses, vals, strict=True):
            curve, curve_steps, first = _curve(ls, curve_points)
            if first < 0 and not np.isfinite(v):
                first = steps
            store.put(
                {
                    "key": key,
                    "model": type(cfg).__name__,
                    "config": dataclasses.asdict(cfg),
                    "lr": lr,
                    "seed": s,
                    "steps": steps,
                    "batch_size": batch_size,
                    "dataset_size": len(data.train),
                    "final_loss": float("nan") if first >= 0 else float(v),
                    "train_loss": float(curve[-1]),
                    "diverged": first >= 0,
                    "diverged_at": first,
                    "curve": curve,
                    "curve_steps": curve_steps,
                    "flops": trial_flops(cfg, steps=steps, batch_size=batch_size),
                    "provenance": prov,
                }
            )
    records = store.get_many(keys)
    return SweepResults.from_records([records[k] for k in keys])


@register_experiment("optimizer_adam_sgd")
def optimizer_adam_sgd(*, full: bool, store=None) -> SweepResults:
    """The Metz MLP at five widths under Adam and under SGD + momentum 0.9."""
    widths = METZ_WIDTHS[1::2] if full else OPT_WIDTHS
    steps = FULL_METZ_STEPS if full else CPU_METZ_STEPS
    configs = [MLPConfig(width=w, base_width=MUP_BASE_WIDTH) for w in widths]
    if store is not None and not isinstance(store, ResultStore):
        store = ResultStore(store)
    adam = run_sweep(
        configs,
        OPT_ADAM_LRS,
        (0,),
        steps=steps,
        batch_size=METZ_BATCH,
        curve_points=25,
        store=store,
    )
    sgd = run_sgd_sweep(configs, SGD_LRS, (0,), steps=steps, batch_size=METZ_BATCH, store=store)
    return SweepResults.from_records(adam.to_records() + sgd.to_records())


def optimizer_of(res: SweepResults) -> np.ndarray:
    """``"adam"`` or ``"sgd"`` for every trial of ``res``, shape ``(n,)``."""
    return np.array([p.get("optimizer", "adam") for p in res.provenance])


# ------------------------------------------------------------------ analysis helpers


def optimal_lr(lrs, table) -> np.ndarray:
    """Best learning rate per row, refined between grid points.

    A parabola in log learning rate through the grid minimum and its two neighbours
    (clipped to the grid) gives lr* at finer than the grid spacing.

    Args:
        lrs: learning rates ``(L,)``, increasing.
        table: losses ``(R, L)`` (NaN = diverged).

    Returns:
        lr* per row, shape ``(R,)``.
    """
    x = np.log(np.asarray(lrs, float))
    out = []
    for row in np.atleast_2d(np.asarray(table, float)):
        row = np.where(np.isfinite(row), row, np.inf)
        j = int(np.argmin(row))
        lo, hi = max(j - 1, 0), min(j + 1, len(x) - 1)
        if hi - lo < 2 or not np.isfinite(row[lo : hi + 1]).all():
            out.append(np.exp(x[j]))
            continue
        c2, c1, _ = np.polyfit(x[lo : hi + 1], row[lo : hi + 1], 2)
        best = -c1 / (2 * c2) if c2 > 0 else x[j]
        out.append(np.exp(np.clip(best, x[lo], x[hi])))
    return np.array(out)


@dataclasses.dataclass(frozen=True)
class LRTrend:
    """A power-law trend lr*(width) = A width^slope fitted in log-log space.

    Attributes:
        widths: ``(R,)``; lr_star: refined optimal learning rates ``(R,)``.
        slope: fitted d log lr* / d log width; intercept: log A.
        resolution: the slope that moves lr* by one learning-rate grid step across the
            whole width range; |slope| below it is "flat within the grid's resolution".
    """

    widths: np.ndarray
    lr_star: np.ndarray
    slope: float
    intercept: float
    resolution: float

    def predict(self, widths) -> np.ndarray:
        """lr* the trend predicts at ``widths``."""
        return np.exp(self.intercept + self.slope * np.log(np.asarray(widths, float)))


def lr_trend(res: SweepResults, *, widths=None) -> LRTrend:
    """Fit log lr* against log width for a width x learning-rate sweep.

    Args:
        res: sweep results with an MLP ``width`` field.
        widths: restrict the fit to these widths (all by default).
    """
    w, lrs, table = res.grid("width")
    keep = np.isin(w, w if widths is None else np.asarray(widths))
    w, table = w[keep], table[keep]
    star = optimal_lr(lrs, table)
    slope, intercept = np.polyfit(np.log(w), np.log(star), 1)
    step = np.log(lrs[1] / lrs[0])
    return LRTrend(w, star, float(slope), float(intercept), float(step / np.log(w[-1] / w[0])))


def loss_at_lr(lrs, table, lr) -> np.ndarray:
    """Loss per row at learning rate(s) ``lr``, interpolated linearly in log lr.

    Args:
        lrs: ``(L,)`` grid; table: ``(R, L)``; lr: scalar or ``(R,)``.
    """
    lr = np.broadcast_to(np.asarray(lr, float), (table.shape[0],))
    x = np.log(lrs)
    return np.array([np.interp(np.log(v), x, row) for v, row in zip(lr, table, strict=True)])


@dataclasses.dataclass(frozen=True)
class Extrapolation:
    """Metz's experiment: a law fitted on small widths, checked on the large ones.

    Attributes:
        widths: ``(R,)``; fit_mask: True for the widths the law was fitted on ``(R,)``.
        lr_fixed: the learning rate chosen on the small widths.
        fixed: seed-mean loss at ``lr_fixed`` per width ``(R,)``;
        fixed_seeds: per-seed losses ``(R, S)``.
        tuned: seed-mean loss at lr*(width) predicted by the small-width trend ``(R,)``.
        law_fixed, law_tuned: ``(a, b)`` of loss = a - b log(width) fitted on the small
            widths of ``fixed`` and ``tuned``.
        trend: the lr*(width) trend fitted on the small widths.
    """

    widths: np.ndarray
    fit_mask: np.ndarray
    lr_fixed: float
    fixed: np.ndarray
    fixed_seeds: np.ndarray
    tuned: np.ndarray
    law_fixed: tuple[float, float]
    law_tuned: tuple[float, float]
    trend: LRTrend

    def predict(self, widths, law: str = "fixed") -> np.ndarray:
        """Loss the ``"fixed"`` or ``"tuned"`` law predicts at ``widths``."""
        a, b = self.law_fixed if law == "fixed" else self.law_tuned
        return a - b * np.log(np.asarray(widths, float))

    @property
    def miss(self) -> np.ndarray:
        """Measured minus predicted loss at fixed lr, per width ``(R,)``."""
        return self.fixed - self.predict(self.widths)

    @property
    def tuned_miss(self) -> np.ndarray:
        """Tuned loss minus the tuned law's prediction, per width ``(R,)``."""
        return self.tuned - self.predict(self.widths, "tuned")

    @property
    def seed_spread(self) -> np.ndarray:
        """Max minus min over seeds of the fixed-lr loss, per width ``(R,)``."""
        return np.ptp(self.fixed_seeds, axis=1)


def metz_extrapolation(res: SweepResults, n_fit: int = 4, start: int = 0) -> Extrapolation:
    """Fix the learning rate on ``n_fit`` small widths, fit, extrapolate.

    The learning rate is the grid value with the lowest loss averaged over the small
    widths (Metz tuned on hidden sizes 64-256 and kept lr = 3e-4). The law is the blog's
    loss = a - b log(width) (``cs.fit.LogLinear`` form), fitted by least squares.

    Args:
        res: a Metz width x learning-rate x seed sweep.
        n_fit: number of widths used to choose lr and fit the law (at least 2).
        start: index of the smallest width used (0: the grid's smallest).
    """
    w, lrs, table = res.grid("width")
    if n_fit < 2 or start < 0 or start + n_fit > len(w):
        raise ValueError(f"need 2 <= n_fit and start + n_fit <= {len(w)}; got {start=}, {n_fit=}.")
    fit = (np.arange(len(w)) >= start) & (np.arange(len(w)) < start + n_fit)
    j = int(np.nanargmin(np.nanmean(table[fit], axis=0)))
    widths_all, seeds = res.field("width"), np.unique(res.seed)
    per_seed = np.array(
        [[res.final_loss[(widths_all == v) & (res.lr == lrs[j]) & (res.seed == s)][0]
          for s in seeds] for v in w]
    )
    fixed = per_seed.mean(axis=1)
    trend = lr_trend(res, widths=w[fit])
    tuned = loss_at_lr(lrs, table, trend.predict(w))

    def loglinear(y):
        slope, a = np.polyfit(np.log(w[fit]), y[fit], 1)
        return float(a), float(-slope)

    return Extrapolation(w, fit, float(lrs[j]), fixed, per_seed, tuned,
                         loglinear(fixed), loglinear(tuned), trend)


def best_final(
    res: SweepResults, *, model=None, mask=None, n_layer=None, embeddings: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Best (over learning rates) seed-mean final loss per config, against its size.

    Args:
        res: sweep results.
        model: keep configs of this class name only (e.g. ``"LSTMConfig"``).
        mask: keep only these trials, boolean ``(n,)``.
        n_layer: keep configs with this depth only (``n_layer`` field).
        embeddings: count embedding parameters too (Kaplan et al. 2020 leave them out).

    Returns:
        ``(N (K,), loss (K,))`` sorted by N.
    """
    from .flops import param_count

    keep = np.ones(len(res), bool) if mask is None else np.asarray(mask, bool)
    out = {}
    for i in np.flatnonzero(keep):
        c = res.configs[i]
        if model and type(c).__name__ != model:
            continue
        if n_layer is not None and getattr(c, "n_layer", None) != n_layer:
            continue
        out.setdefault(c, {}).setdefault(float(res.lr[i]), []).append(res.final_loss[i])
    rows = []
    for c, by_lr in out.items():
        means = [np.nanmean(v) if np.isfinite(v).any() else np.inf for v in by_lr.values()]
        rows.append((param_count(c, embeddings=embeddings), min(means)))
    rows.sort()
    return np.array([r[0] for r in rows], float), np.array([r[1] for r in rows], float)


def log_scatter(n, loss) -> float:
    """RMS residual of log loss around one power law ``loss = A n^-alpha`` fitted to all points."""
    slope, icpt = np.polyfit(np.log(n), np.log(loss), 1)
    return float(np.sqrt(np.mean((np.log(loss) - icpt - slope * np.log(n)) ** 2)))


def lm_tokens_per_step(cfg) -> int:
    """Predicted tokens per optimiser step of the lecture's LM sweeps."""
    return int(cfg.context) * LM_BATCH


@dataclasses.dataclass(frozen=True)
class ModelDataTable:
    """Loss against tokens seen for several model sizes, read off training curves.

    Attributes:
        configs: one config per row.
        N: non-embedding parameters per row ``(R,)``; N_total: with embeddings.
        D: tokens seen at each curve point (interval midpoints), per row ``(R, P)``.
        loss: training loss on random windows, best learning rate per point ``(R, P)``.
        flops_per_token: training FLOPs per token per row ``(R,)``.
    """

    configs: tuple
    N: np.ndarray
    N_total: np.ndarray
    D: np.ndarray
    loss: np.ndarray
    flops_per_token: np.ndarray

    def compute(self) -> np.ndarray:
        """Training FLOPs of every curve point, ``(R, P)``."""
        return self.flops_per_token[:, None] * self.D

    def loss_at(self, row: int, tokens) -> np.ndarray:
        """Loss of row ``row`` at ``tokens`` (interpolated in log tokens; NaN outside)."""
        x = np.log(self.D[row])
        t = np.log(np.asarray(tokens, float))
        out = np.interp(t, x, self.loss[row])
        return np.where((t >= x[0]) & (t <= x[-1]), out, np.nan)

    def grid(self, tokens) -> np.ndarray:
        """Loss of every row at the common ``tokens`` ``(T,)``: ``(R, T)``."""
        return np.array([self.loss_at(i, tokens) for i in range(len(self.N))])


def model_data_table(res: SweepResults, model: str | None = None, n_layer=None) -> ModelDataTable:
    """Collapse an LM sweep to loss-vs-tokens curves per model (min over learning rates).

    Args:
        res: results of an LM sweep (``model_data_grid``, ``arch_transformer_lstm``, ...).
        model: keep only configs of this class name (e.g. ``"LSTMConfig"``).
        n_layer: keep only configs with this many layers.
    """
    from .flops import flops_per_step, flops_per_token, param_count

    configs = []
    for c in res.configs:
        if c in configs or (model and type(c).__name__ != model):
            continue
        if n_layer is not None and c.n_layer != n_layer:
            continue
        configs.append(c)
    configs.sort(key=lambda c: param_count(c, embeddings=False))
    points = res.curve.shape[1]
    rows, tokens = [], []
    for c in configs:
        mine = np.array([rc == c for rc in res.configs])
        steps = int(round(res.flops[mine][0] / flops_per_step(c, LM_BATCH)))
        edges = np.linspace(0, steps, points + 1).astype(int)  # as the engine's curve
        tokens.append((edges[:-1] + edges[1:]) / 2 * lm_tokens_per_step(c))
        rows.append(np.nanmin(res.curve[mine], axis=0))
    return ModelDataTable(
        tuple(configs),
        np.array([param_count(c, embeddings=False) for c in configs], float),
        np.array([param_count(c) for c in configs], float),
        np.array(tokens),
        np.array(rows),
        np.array([flops_per_token(c) for c in configs], float),
    )


def isoflop_budgets(table: ModelDataTable, n: int = 5, *, min_models: int = 4, skip: int = 4):
    """``n`` log-spaced budgets at which at least ``min_models`` curves can be read.

    Model ``i`` covers budgets from ``flops_per_token[i] * D[skip]`` (early points are
    averages over fast-changing losses, so the first ``skip`` are not used) to
    ``flops_per_token[i] * D[-1]``.
    """
    lo = table.flops_per_token * table.D[:, skip]
    hi = table.flops_per_token * table.D[:, -1]
    cand = np.geomspace(lo.min(), hi.max(), 400)
    covered = ((cand[:, None] >= lo) & (cand[:, None] <= hi)).sum(axis=1)
    ok = cand[covered >= min_models]
    if ok.size == 0:
        raise ValueError(f"no budget is covered by {min_models} models; lower min_models.")
    return np.geomspace(ok[0], ok[-1], n)


def isoflop_points(
    table: ModelDataTable, budgets, *, skip: int = 4
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IsoFLOP slices of a model-data table (Hoffmann et al. 2022, approach 2).

    For each budget C and each model, the loss after ``D = C / flops_per_token`` tokens
    (interpolated along that model's curve); models whose curve does not reach or
    starts after D are left out of that budget.

    Returns:
        ``(N, C, loss)``, flat arrays of equal length.
    """
    N, C, L = [], [], []
    for c in np.asarray(budgets, float):
        for i in range(len(table.N)):
            d = c / table.flops_per_token[i]
            v = table.loss_at(i, d) if d >= table.D[i, skip] else np.nan
            if np.isfinite(v):
                N.append(table.N[i])
                C.append(c)
                L.append(float(v))
    return np.array(N), np.array(C), np.array(L)


# ------------------------------------------------------------------ command line


def ship(name: str, *, full: bool = False, store=DEFAULT_STORE, out_dir=None) -> Path:
    """Run (or resume) experiment ``name`` and write ``cs324scale/results/<name>.json``.

    The file's ``meta`` records the command, the scale and the total wall time; each
    trial keeps its own provenance (versions, git commit, device, date, wall time).
    """
    from .experiments import EXPERIMENTS

    out_dir = Path(out_dir) if out_dir else Path(__file__).resolve().parents[1] / "results"
    t0 = time.perf_counter()
    res = EXPERIMENTS[name](full=full, store=ResultStore(store))
    path = out_dir / f"{name}.json"
    res.save(
        path,
        experiment=name,
        scale="full" if full else "cpu",
        command=f"JAX_PLATFORMS=cpu python -m cs324scale.train.lecture_experiments {name}",
        trials=len(res),
        run_wall_time_s=round(time.perf_counter() - t0, 1),
    )
    return path


def main(argv=None) -> int:
    """Run the named experiments (all lecture-2 ones by default) and ship their results."""
    argv = list(sys.argv[1:] if argv is None else argv)
    full = "--full" in argv
    names = [a for a in argv if not a.startswith("--")] or list(LECTURE_EXPERIMENTS)
    for name in names:
        t0 = time.perf_counter()
        path = ship(name, full=full)
        size = path.stat().st_size / 1e6
        print(
            json.dumps(
                {
                    "experiment": name,
                    "file": str(path),
                    "MB": round(size, 2),
                    "wall_s": round(time.perf_counter() - t0, 1),
                }
            )
        )
    return 0


LECTURE_EXPERIMENTS = (
    "metz_sp",
    "metz_mup",
    "model_data_grid",
    "arch_transformer_lstm",
    "depth",
    "optimizer_adam_sgd",
)

if __name__ == "__main__":
    raise SystemExit(main())


def results(name: str, *, rerun: bool, store=None) -> SweepResults:
    """Shipped results of ``name`` (``rerun=False``) or a fresh full-scale run."""
    from .experiments import load_results, run_experiment

    return run_experiment(name, full=True, store=store) if rerun else load_results(name)


def scale_note(res: SweepResults) -> str:
    """One line saying where and when results were produced (from their provenance)."""
    p = res.provenance[0]
    return (f"{len(res)} trials on {p.get('device_kind')}, cs324scale {p.get('package_version')}, "
            f"git {str(p.get('git_commit'))[:8]}, {str(p.get('date'))[:10]}")


# Lecture 02 retrains a slice of a shipped sweep and compares final losses. On the build
# that produced the sweep (same jax, same device kind) the slice reproduces it to float32
# rounding: tools/measure_drift.py measured at most 2.4e-7 nats, vmapped or one trial per
# program (jax 0.10.2, CPU). SAME_BUILD_TOLERANCE leaves 400x room for that. On another
# build, rounding differs from the first step and training is chaotic, so the slice is a
# fresh draw of the same trials: compare it at the seed spread instead (see
# reproduction_check). The measured drifts are in results/shipped_vs_live_drift.json.
SAME_BUILD_TOLERANCE = 1e-4
CROSS_BUILD_SDS = 3.0


class Reproduction(NamedTuple):
    """How a live re-run of shipped trials compares with the shipped losses."""

    max_gap: float  # max |live - shipped| final loss over the trials, nats
    tolerance: float  # nats
    same_build: bool  # live run on the shipped sweep's jax version and device kind
    seed_sd: float  # pooled SD of the shipped final loss across seeds at the slice's configs
    basis: str  # one sentence: what the tolerance is and why


def reproduction_check(shipped: SweepResults, live: SweepResults) -> Reproduction:
    """Compare ``live`` trials with the same (config, lr, seed) in ``shipped``.

    Same build: tolerance ``SAME_BUILD_TOLERANCE``. Another build (jax version or device
    kind): two runs whose trajectories have decorrelated like two seeds differ with SD
    ``sqrt(2) * seed_sd``, so the tolerance is ``CROSS_BUILD_SDS * sqrt(2) * seed_sd``.
    """
    import jax

    def key(c):
        return json.dumps(dataclasses.asdict(c), sort_keys=True)

    finals = {(key(c), float(lr), int(s)): float(v)
              for c, lr, s, v in zip(shipped.configs, shipped.lr, shipped.seed, shipped.final_loss, strict=True)}
    seeds = sorted({int(s) for s in shipped.seed})
    gaps, variances = [], []
    for c, lr, s, v in zip(live.configs, live.lr, live.seed, live.final_loss, strict=True):
        k = key(c)
        if (k, float(lr), int(s)) not in finals:
            raise ValueError(f"live trial {c} lr={lr} seed={s} is not in the shipped sweep; "
                             "re-run a slice of the shipped grid.")
        gaps.append(abs(float(v) - finals[(k, float(lr), int(s))]))
        variances.append(np.var([finals[(k, float(lr), q)] for q in seeds], ddof=1))
    seed_sd = float(np.sqrt(np.mean(variances)))
    built = shipped.provenance[0]
    here = f"{jax.devices()[0].platform}:{jax.devices()[0].device_kind}"
    same = built.get("jax_version") == jax.__version__ and built.get("device_kind") == here
    if same:
        tol = SAME_BUILD_TOLERANCE
        basis = (f"same build as the shipped sweep (jax {jax.__version__}, {here}): float32 "
                 f"rounding only, tolerance {tol:g} nats")
    else:
        tol = CROSS_BUILD_SDS * np.sqrt(2) * seed_sd
        basis = (f"another build (shipped: jax {built.get('jax_version')}, {built.get('device_kind')}; "
                 f"here: jax {jax.__version__}, {here}): chaotic training decorrelates, so the "
                 f"tolerance is {CROSS_BUILD_SDS:g} x sqrt(2) x seed SD {seed_sd:.3f} = {tol:.3f} nats")
    return Reproduction(float(max(gaps)), float(tol), bool(same), seed_sd, basis)


def measured_drift() -> list[dict]:
    """The shipped drift measurements (``results/shipped_vs_live_drift.json``), one per build.

    Each record: ``jax``, ``python``, ``platform``, ``max_shipped_vs_vmapped`` (live slice
    against the shipped sweep), ``max_vmapped_vs_plain`` (the same trials vmapped in one
    program against one trial per program) and ``pooled_seed_sd``; written by
    ``tools/measure_drift.py``.
    """
    from importlib import resources

    path = resources.files("cs324scale") / "results" / "shipped_vs_live_drift.json"
    return json.loads(path.read_text())["records"]


def epoch_intervals() -> dict[str, tuple[float, float]]:
    """Epoch's 95% bootstrap intervals for the Chinchilla fit (Besiroglu et al. 2024).

    Read from the shipped data README (``_data/chinchilla/README.md``, the row
    "Epoch 95% bootstrap CI"), as ``{"A": (lo, hi), "B": ..., "E": ..., "alpha": ...,
    "beta": ...}``.
    """
    from ..published import data_path

    lines = data_path("chinchilla/README.md").read_text().splitlines()
    header = next(ln for ln in lines if ln.startswith("| source |"))
    row = next(ln for ln in lines if ln.startswith("| Epoch 95% bootstrap CI"))
    names = [c.strip() for c in header.strip("|").split("|")][1:]
    cells = [c.strip() for c in row.strip("|").split("|")][1:]
    return {n: tuple(float(v) for v in c.split("..")) for n, c in zip(names, cells, strict=True)}
