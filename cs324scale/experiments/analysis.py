"""Analysis helpers for the lecture-2 experiments, built on the :mod:`cs324scale.fit` estimators.

* learning-rate transfer: :func:`optimal_lr`, :func:`lr_trend` (a :class:`~cs324scale.fit.PowerLaw`
  lr*(width)), :func:`loss_at_lr`;
* Metz's extrapolation: :func:`metz_extrapolation` (a :class:`~cs324scale.fit.LogLinear` law
  fitted at a fixed learning rate and at the tuned one);
* model comparisons: :func:`best_final`, :func:`tuning_report` (is every optimum
  interior to its learning-rate grid?), :func:`log_scatter`;
* compute: :func:`model_data_table` (loss against tokens per model, read off long runs);
  compute-optimal analysis of schedule-matched runs is in :mod:`.compute`.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import NamedTuple

import numpy as np

from ..fit import LogLinear, PowerLaw
from ..train.flops import flops_per_step, flops_per_token, param_count
from ..train.results import SweepResults
from .lecture2 import LM_BATCH


def optimal_lr(lrs, table) -> np.ndarray:
    """Best learning rate per row, refined between grid points.

    The vertex of the parabola (in log learning rate) through the grid minimum and its
    two neighbours gives lr* finer than the grid spacing; at a grid edge, or where a
    neighbour diverged, the grid minimum itself.

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
        if j == 0 or j == len(x) - 1 or not np.isfinite(row[j - 1 : j + 2]).all():
            out.append(np.exp(x[j]))
            continue
        (x0, x1, x2), (y0, y1, y2) = x[j - 1 : j + 2], row[j - 1 : j + 2]
        num = (x1 - x0) ** 2 * (y1 - y2) - (x1 - x2) ** 2 * (y1 - y0)
        den = (x1 - x0) * (y1 - y2) - (x1 - x2) * (y1 - y0)
        best = x1 - 0.5 * num / den if den != 0 else x1
        out.append(np.exp(np.clip(best, x0, x2)))
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
    law = PowerLaw().fit(w, star)  # lr* = A w^(-alpha): slope -alpha in log-log
    step = np.log(lrs[1] / lrs[0])
    return LRTrend(
        w, star, -float(law.alpha_), float(np.log(law.A_)), float(step / np.log(w[-1] / w[0]))
    )


def _seed_cube(res: SweepResults, widths, lrs) -> np.ndarray:
    """Final loss of every (width, learning rate, seed), ``(W, L, S)``; NaN where not run."""
    w_all, seeds = res.field("width"), np.unique(res.seed)
    cube = np.full((len(widths), len(lrs), len(seeds)), np.nan)
    for i, v in enumerate(widths):
        for j, lr in enumerate(lrs):
            for k, s in enumerate(seeds):
                hit = res.final_loss[(w_all == v) & (res.lr == lr) & (res.seed == s)]
                cube[i, j, k] = hit[0] if len(hit) else np.nan
    return cube


class LRTrendInterval(NamedTuple):
    """Bootstrap of the lr*(width) slope over seeds (:func:`lr_trend_interval`).

    Attributes:
        trend: the trend fitted to every seed.
        slopes: the slope refitted on each resample ``(n_resamples,)``.
        interval: ``(low, high)`` percentile interval of the slope at ``level``.
        band: ``(low, high)`` arrays of lr* predicted at ``trend.widths``, same level.
        level: the interval's coverage.
    """

    trend: LRTrend
    slopes: np.ndarray
    interval: tuple[float, float]
    band: tuple[np.ndarray, np.ndarray]
    level: float


def lr_trend_interval(
    res: SweepResults, *, widths=None, n_resamples: int = 200, level: float = 0.95, seed: int = 0
) -> LRTrendInterval:
    """Bootstrap the lr*(width) trend by resampling seeds within every (width, lr) cell.

    Each resample draws, for every width, as many seeds as the sweep has, with
    replacement, averages the loss table over them and refits lr* and its power law
    (Efron & Tibshirani 1993, the nonparametric bootstrap over independent runs).

    Args:
        res: a width x learning-rate x seed sweep with at least 2 seeds.
        widths: restrict the fit to these widths (all by default).
        n_resamples: bootstrap resamples.
        level: coverage of the percentile interval, in (0, 1).
        seed: seed of the resampling.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1); got {level}.")
    trend = lr_trend(res, widths=widths)
    if len(np.unique(res.seed)) < 2:
        raise ValueError("the bootstrap over seeds needs a sweep with at least 2 seeds.")
    lrs = np.unique(res.lr)
    cube = _seed_cube(res, trend.widths, lrs)
    n_seeds = cube.shape[2]
    rng = np.random.default_rng(seed)
    slopes, preds = [], []
    for _ in range(int(n_resamples)):
        pick = rng.integers(0, n_seeds, size=(len(trend.widths), n_seeds))
        sample = np.take_along_axis(cube, pick[:, None, :].repeat(len(lrs), 1), axis=2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a cell where every draw diverged
            table = np.nanmean(sample, axis=2)
        law = PowerLaw().fit(trend.widths, optimal_lr(lrs, table))
        slopes.append(-float(law.alpha_))
        preds.append(law.predict(trend.widths))
    slopes, preds = np.array(slopes), np.array(preds)
    q = (100 * (1 - level) / 2, 100 * (1 + level) / 2)
    lo, hi = np.percentile(slopes, q)
    band = tuple(np.percentile(preds, q, axis=0))
    return LRTrendInterval(trend, slopes, (float(lo), float(hi)), band, float(level))


def loss_at_lr(lrs, table, lr) -> np.ndarray:
    """Loss per row at learning rate(s) ``lr``, interpolated linearly in log lr.

    Cells that are NaN (not run, or every seed diverged) are skipped, so a row run on
    part of the grid interpolates between its own rates; NaN when ``lr`` lies outside
    them.

    Args:
        lrs: ``(L,)`` grid; table: ``(R, L)``; lr: scalar or ``(R,)``.
    """
    lr = np.broadcast_to(np.asarray(lr, float), (table.shape[0],))
    x = np.log(lrs)
    out = []
    for v, row in zip(lr, table, strict=True):
        ok = np.isfinite(row)
        inside = ok.any() and x[ok][0] <= np.log(v) <= x[ok][-1]
        out.append(np.interp(np.log(v), x[ok], row[ok]) if inside else np.nan)
    return np.array(out)


@dataclasses.dataclass(frozen=True)
class Extrapolation:
    """Metz's experiment: a law fitted on small widths, checked on the large ones.

    Attributes:
        widths: ``(R,)``; fit_mask: True for the widths the law was fitted on ``(R,)``.
        tune_mask: True for the widths the fixed learning rate was chosen on ``(R,)``.
        lr_fixed: the learning rate chosen on ``tune_mask``'s widths.
        fixed: seed-mean loss at ``lr_fixed`` per width ``(R,)``;
        fixed_seeds: per-seed losses ``(R, S)``.
        tuned: seed-mean loss at lr*(width) predicted by the small-width trend ``(R,)``.
        law_fixed, law_tuned: ``(a, b)`` of loss = a - b log(width) fitted on the small
            widths of ``fixed`` and ``tuned``.
        trend: the lr*(width) trend fitted on the small widths.
    """

    widths: np.ndarray
    fit_mask: np.ndarray
    tune_mask: np.ndarray
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

    @property
    def seed_sd(self) -> np.ndarray:
        """Standard deviation over seeds (ddof 1) of the fixed-lr loss, per width ``(R,)``."""
        return np.std(self.fixed_seeds, axis=1, ddof=1)

    @property
    def miss_sds(self) -> np.ndarray:
        """The fixed-lr miss in seed standard deviations of that width, ``(R,)``."""
        return self.miss / self.seed_sd

    @property
    def r2_fixed(self) -> float:
        """R^2 of the fixed-lr law on the widths it was fitted on."""
        y = self.fixed[self.fit_mask]
        resid = y - self.predict(self.widths[self.fit_mask])
        return float(1 - np.sum(resid**2) / np.sum((y - y.mean()) ** 2))

    def miss_parts(self, i: int = -1) -> dict:
        """Split the fixed-lr miss at width index ``i`` into three parts that sum to it.

        ``mistuning``: fixed-lr loss minus the loss at the trend's lr*; ``curvature``:
        that tuned loss minus the tuned law's prediction (the tuned curve bending away
        from a line in log width); ``law_gap``: the tuned law's prediction minus the
        fixed law's (the two fits differ on the small widths).
        """
        w = self.widths[i]
        return {
            "mistuning": float(self.fixed[i] - self.tuned[i]),
            "curvature": float(self.tuned_miss[i]),
            "law_gap": float(self.predict(w, "tuned") - self.predict(w)),
        }


def metz_extrapolation(
    res: SweepResults, n_fit: int = 4, start: int = 0, n_tune: int | None = None
) -> Extrapolation:
    """Fix the learning rate on small widths, fit a law on ``n_fit`` widths, extrapolate.

    The learning rate is the grid value with the lowest loss averaged over the ``n_tune``
    middle widths of the fitting range (Metz tuned on hidden sizes 64, 128 and 256 and
    kept lr = 3e-4). The law is the blog's loss = a - b log(width)
    (``cs.fit.LogLinear`` form), fitted by least squares.

    Args:
        res: a Metz width x learning-rate x seed sweep.
        n_fit: number of widths the law is fitted on (at least 2).
        start: index of the smallest width used (0: the grid's smallest).
        n_tune: the learning rate is chosen on the middle ``n_tune`` of the fitted
            widths (None: on all of them).
    """
    w, lrs, table = res.grid("width")
    if n_fit < 2 or start < 0 or start + n_fit > len(w):
        raise ValueError(f"need 2 <= n_fit and start + n_fit <= {len(w)}; got {start=}, {n_fit=}.")
    n_tune = n_fit if n_tune is None else int(n_tune)
    if not 1 <= n_tune <= n_fit:
        raise ValueError(f"n_tune must be between 1 and n_fit={n_fit}; got {n_tune}.")
    fit = (np.arange(len(w)) >= start) & (np.arange(len(w)) < start + n_fit)
    first = start + (n_fit - n_tune) // 2
    tune = (np.arange(len(w)) >= first) & (np.arange(len(w)) < first + n_tune)
    j = int(np.nanargmin(np.nanmean(table[tune], axis=0)))
    per_seed = _seed_cube(res, w, lrs)[:, j, :]
    fixed = per_seed.mean(axis=1)
    trend = lr_trend(res, widths=w[fit])
    tuned = loss_at_lr(lrs, table, trend.predict(w))

    def loglinear(y):
        law = LogLinear().fit(w[fit], y[fit])
        return float(law.a_), float(law.b_)

    return Extrapolation(
        w,
        fit,
        tune,
        float(lrs[j]),
        fixed,
        per_seed,
        tuned,
        loglinear(fixed),
        loglinear(tuned),
        trend,
    )


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
    best: dict = {}
    for t in tuning_report(res, mask=mask):
        c = t.config
        if model and type(c).__name__ != model:
            continue
        if n_layer is not None and getattr(c, "n_layer", None) != n_layer:
            continue
        best[c] = min(best.get(c, np.inf), t.loss)  # the best optimizer, if several
    rows = sorted((param_count(c, embeddings=embeddings), loss) for c, loss in best.items())
    return np.array([r[0] for r in rows], float), np.array([r[1] for r in rows], float)


class TunedConfig(NamedTuple):
    """One configuration's learning-rate tuning (:func:`tuning_report`).

    Attributes:
        config: the model config; optimizer: its optimizer's name.
        lrs: the learning rates it was trained at, increasing.
        losses: seed-mean final loss at each (``inf`` where every seed diverged).
        lr_best: the best of them; loss: its seed-mean final loss.
        interior: True when ``lr_best`` has a trained rate on either side, so the
            optimum is bracketed by the grid rather than sitting on its edge.
    """

    config: object
    optimizer: str
    lrs: np.ndarray
    losses: np.ndarray
    lr_best: float
    loss: float
    interior: bool


def tuning_report(res: SweepResults, *, mask=None) -> list[TunedConfig]:
    """Where each configuration's best learning rate sits on its grid.

    A comparison of tuned models (Transformer vs LSTM, Adam vs SGD, depth) is only as
    good as the tuning: a best rate on the grid's edge means a better one may lie
    beyond it. Notebooks assert ``all(t.interior for t in tuning_report(res))``.

    Args:
        res: sweep results.
        mask: keep only these trials, boolean ``(n,)``.

    Returns:
        One :class:`TunedConfig` per (config, optimizer), in order of first appearance.
    """
    keep = np.ones(len(res), bool) if mask is None else np.asarray(mask, bool)
    groups: dict = {}
    for i in np.flatnonzero(keep):
        key = (res.configs[i], str(res.optimizer[i]))
        groups.setdefault(key, {}).setdefault(float(res.lr[i]), []).append(res.final_loss[i])
    out = []
    for (cfg, opt), by_lr in groups.items():
        lrs = np.array(sorted(by_lr))
        losses = np.array(
            [np.nanmean(by_lr[v]) if np.isfinite(by_lr[v]).any() else np.inf for v in lrs]
        )
        j = int(np.argmin(losses))
        out.append(
            TunedConfig(
                cfg, opt, lrs, losses, float(lrs[j]), float(losses[j]), 0 < j < len(lrs) - 1
            )
        )
    return out


def log_scatter(n, loss) -> float:
    """RMS residual of log loss around one power law ``loss = A n^-alpha`` fitted to all points."""
    law = PowerLaw().fit(n, loss)
    return float(np.sqrt(np.mean((np.log(loss) - np.log(law.predict(n))) ** 2)))


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
