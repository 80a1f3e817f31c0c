"""Compute-optimal scaling from the ``compute_optimal`` runs (lecture 2 part 5, lab 3).

Hoffmann et al. (2022, Sec. 3) estimate how a compute budget C should be split between
parameters and tokens, N_opt ~ C^a and D_opt ~ C^b, in three ways, and find that they
agree. This module applies all three to the same runs, each with a bootstrap interval:

* :func:`approach1`: the envelope of the training curves (their Sec. 3.1, Fig. 2);
* :func:`approach2`: IsoFLOP parabolas (Sec. 3.2, Fig. 3), :func:`cs324scale.fit.isoflop_analysis`;
* :func:`approach3`: the parametric law E + A/N^alpha + B/D^beta, Huber loss, multi-start
  L-BFGS (Sec. 3.3), :class:`cs324scale.fit.ChinchillaLaw`.

:func:`ablations` then switches one protocol choice at a time to Kaplan et al. (2020)'s
and measures how a moves, the kit's own version of the ladder of Porian et al. (2024,
arXiv:2406.19146; :func:`cs324scale.published.porian2024_ladder`): non-embedding versus
total parameters (Pearce & Song 2024), intermediate points of long runs versus
schedule-matched runs, FLOPs with or without the readout and attention, one learning
rate versus a tuned one per size.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from ..fit import ChinchillaLaw, bootstrap, isoflop_analysis
from ..flops import six_n
from ..train import flops_per_step, flops_per_token, param_count
from ..train.results import SweepResults
from .lecture2 import LM_BATCH, compute_optimal_grid, transformer

LEVEL = 0.95


@dataclasses.dataclass(frozen=True)
class ComputeRuns:
    """The ``compute_optimal`` runs, one row per (budget, width) run.

    Attributes:
        d_model: width of each run ``(R,)``.
        N, N_total: non-embedding and total parameters ``(R,)``.
        budget: the design budget C (model FLOPs) each run belongs to ``(R,)``.
        steps, tokens: optimiser steps and training tokens ``D`` (every one fresh) ``(R,)``.
        fpt: model FLOPs per token ``(R,)``; ``fpt * tokens`` is the run's compute.
        lrs: the peak learning rates tried ``(L,)``.
        final: validation loss per learning rate ``(R, L)`` (NaN: diverged).
        curve: training loss on fresh tokens, interval means, per rate ``(R, L, P)``.
        curve_tokens: tokens seen at the end of each curve interval ``(R, P)``.
    """

    d_model: np.ndarray
    N: np.ndarray
    N_total: np.ndarray
    budget: np.ndarray
    steps: np.ndarray
    tokens: np.ndarray
    fpt: np.ndarray
    lrs: np.ndarray
    final: np.ndarray
    curve: np.ndarray
    curve_tokens: np.ndarray

    @property
    def best(self) -> np.ndarray:
        """Validation loss at each run's best learning rate ``(R,)``."""
        return np.nanmin(self.final, axis=1)

    @property
    def best_lr(self) -> np.ndarray:
        """Each run's best learning rate ``(R,)``."""
        return self.lrs[np.nanargmin(self.final, axis=1)]

    @property
    def lr_interior(self) -> np.ndarray:
        """True where the best rate is not the smallest or largest tried ``(R,)``."""
        j = np.nanargmin(self.final, axis=1)
        return (j > 0) & (j < len(self.lrs) - 1)

    @property
    def budgets(self) -> np.ndarray:
        """The distinct design budgets, ascending."""
        return np.unique(self.budget)

    def subset(self, mask) -> ComputeRuns:
        """The runs where ``mask`` is True."""
        m = np.asarray(mask, bool)
        return dataclasses.replace(
            self, **{f.name: getattr(self, f.name)[m] for f in dataclasses.fields(self) if f.name != "lrs"}
        )


def compute_runs(res: SweepResults, *, full: bool | None = None) -> ComputeRuns:
    """Collect ``compute_optimal`` trials into one row per (budget, width) run.

    ``full`` picks the design grid the runs belong to (None: whichever grid matches).
    """
    grids = [compute_optimal_grid(False), compute_optimal_grid(True)] if full is None else [
        compute_optimal_grid(full)
    ]
    lrs = np.unique(res.lr)
    rows: dict = {}
    for i, c in enumerate(res.configs):
        steps = int(round(res.flops[i] / flops_per_step(c, LM_BATCH)))
        rows.setdefault((c.d_model, steps), {})[float(res.lr[i])] = i
    design = {}
    for grid in grids:
        for C, cfg, steps in grid:
            design.setdefault((cfg.d_model, steps), C)
    missing = [k for k in rows if k not in design]
    if missing:
        raise ValueError(f"trials {missing} (d_model, steps) are not in the compute_optimal grid.")
    keys = sorted(rows, key=lambda k: (design[k], k[0]))
    P = res.curve.shape[1]
    out = {name: [] for name in ("d", "N", "Nt", "C", "steps", "fpt", "final", "curve", "ct")}
    for d, steps in keys:
        cfg = transformer(d)
        idx = [rows[(d, steps)].get(float(lr)) for lr in lrs]
        out["d"].append(d)
        out["N"].append(param_count(cfg, embeddings=False))
        out["Nt"].append(param_count(cfg))
        out["C"].append(design[(d, steps)])
        out["steps"].append(steps)
        out["fpt"].append(flops_per_token(cfg))
        out["final"].append([np.nan if j is None else res.final_loss[j] for j in idx])
        out["curve"].append([np.full(P, np.nan) if j is None else res.curve[j] for j in idx])
        edges = np.linspace(0, steps, P + 1).astype(int)[1:]  # as the engine's intervals
        out["ct"].append(edges * LM_BATCH * cfg.context)
    steps = np.array(out["steps"])
    tokens = steps * LM_BATCH * transformer(8).context
    return ComputeRuns(
        np.array(out["d"]), np.array(out["N"], float), np.array(out["Nt"], float),
        np.array(out["C"], float), steps, tokens.astype(float), np.array(out["fpt"], float),
        lrs, np.array(out["final"], float), np.array(out["curve"], float), np.array(out["ct"], float),
    )


def family_flops_per_token(*, total: bool = False):
    """``N -> model FLOPs per token`` for the lecture's 2-layer Transformer family.

    Interpolated in log-log over every width 1-4096 (exact at each integer width), so
    that laws fitted in N can be spent under the kit's FLOP count. ``total=True``: N
    counts the embeddings and readout.
    """
    ds = np.arange(4, 4097, 4)
    cfgs = [transformer(int(d)) for d in ds]
    lN = np.log([param_count(c, embeddings=total) for c in cfgs])
    lf = np.log([flops_per_token(c) for c in cfgs])

    def fpt(N):
        return np.exp(np.interp(np.log(np.asarray(N, float)), lN, lf))

    return fpt


class Estimate(NamedTuple):
    """One estimate of the allocation exponents, with bootstrap percentile intervals.

    Attributes:
        a, b: N_opt ~ C^a and D_opt ~ C^b.
        a_interval, b_interval: (low, high) at :data:`LEVEL`.
        a_samples, b_samples: the bootstrap values ``(R,)``.
        detail: what the estimate was computed from (an IsoflopResult, a fitted law, ...).
    """

    a: float
    b: float
    a_interval: tuple
    b_interval: tuple
    a_samples: np.ndarray
    b_samples: np.ndarray
    detail: object

    def __str__(self) -> str:
        lo, hi = self.a_interval
        blo, bhi = self.b_interval
        return f"a = {self.a:.3f} [{lo:.3f}, {hi:.3f}], b = {self.b:.3f} [{blo:.3f}, {bhi:.3f}]"


def _interval(x) -> tuple:
    tail = 100 * (1 - LEVEL) / 2
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (np.nan, np.nan)
    lo, hi = np.percentile(x, [tail, 100 - tail])
    return (float(lo), float(hi))


def _estimate(a, b, a_s, b_s, detail) -> Estimate:
    return Estimate(float(a), float(b), _interval(a_s), _interval(b_s), np.asarray(a_s), np.asarray(b_s), detail)


def approach2(N, C, loss, fpt, *, n_resamples: int = 1000, seed: int = 0) -> Estimate:
    """IsoFLOP parabolas (Hoffmann et al. 2022, approach 2) with a residual bootstrap.

    Each budget's profile is fitted with a parabola in log N (:func:`isoflop_analysis`,
    which drops budgets whose minimum is on the grid's edge); a resample adds, to each
    budget's fitted parabola, its own residuals drawn with replacement (inflated by
    ``sqrt(n / (n - 3))`` for the three fitted coefficients), and refits everything.
    Resamples draw the same indices for any inputs of the same layout, so two protocols
    on the same runs give a paired difference.

    Args:
        N, C, loss: one entry per run (``C`` the design budget, shared within a budget).
        fpt: per-run FLOPs per token (turns ``N_opt`` into ``D_opt``).
    """
    N, C, loss, fpt = (np.asarray(v, float) for v in (N, C, loss, fpt))
    keep = np.isfinite(loss)
    N, C, loss, fpt = N[keep], C[keep], loss[keep], fpt[keep]
    iso = isoflop_analysis(N, C, loss, flops_per_token=fpt)
    fitted = np.empty_like(loss)
    resid = np.empty_like(loss)
    for k, g in enumerate(iso.groups):
        fitted[g] = iso.profile(k, N[g])
        resid[g] = (loss[g] - fitted[g]) * np.sqrt(g.size / max(g.size - 3, 1))
    rng = np.random.default_rng(seed)
    a_s, b_s = [], []
    for _ in range(n_resamples):
        y = loss.copy()
        for g in iso.groups:
            y[g] = fitted[g] + resid[g][rng.integers(0, g.size, g.size)]
        r = isoflop_analysis(N, C, y, flops_per_token=fpt)
        a_s.append(r.a)
        b_s.append(r.b)
    return _estimate(iso.a, iso.b, a_s, b_s, iso)


def envelope(runs: ComputeRuns, C_grid, *, fpt=None, curves=None, skip: int = 4):
    """The lowest training-curve loss at each compute in ``C_grid``, and whose it is.

    Every run's smoothed curve (at its best rate, or ``curves``, ``(R, P)``) is
    interpolated in log compute; points before the run's ``skip``-th interval are not
    used (early interval means average a fast-falling loss).

    Returns:
        ``(loss, row)``: the envelope ``(G,)`` and the run index on it ``(G,)`` (-1 where
        no run covers that compute).
    """
    fpt = runs.fpt if fpt is None else np.asarray(fpt, float)
    curves = _best_curve(runs) if curves is None else np.asarray(curves, float)
    lc = np.log(np.asarray(C_grid, float))
    vals = np.full((len(runs.N), lc.size), np.inf)
    for r in range(len(runs.N)):
        x = np.log(fpt[r] * runs.curve_tokens[r])
        ok = np.isfinite(curves[r])
        if ok.sum() < 2:
            continue
        v = np.interp(lc, x[ok], curves[r][ok])
        inside = (lc >= x[skip]) & (lc <= x[-1])
        vals[r] = np.where(inside, v, np.inf)
    row = np.argmin(vals, axis=0)
    best = vals[row, np.arange(lc.size)]
    row = np.where(np.isfinite(best), row, -1)
    return np.where(np.isfinite(best), best, np.nan), row


def _envelope_exponents(runs, C_grid, N, fpt, curves):
    _, row = envelope(runs, C_grid, fpt=fpt, curves=curves)
    ok = row >= 0
    lc = np.log(np.asarray(C_grid, float)[ok])
    a = np.polyfit(lc, np.log(N[row[ok]]), 1)[0]
    b = np.polyfit(lc, lc - np.log(fpt[row[ok]]), 1)[0]
    return a, b


def approach1(runs: ComputeRuns, *, C_grid=None, N=None, fpt=None, n_resamples: int = 1000,
              seed: int = 0) -> Estimate:
    """The envelope of the training curves (Hoffmann et al. 2022, approach 1).

    For 40 log-spaced budgets across the design's range, the run whose smoothed training
    curve is lowest there gives N_opt (and D_opt = C / FLOPs-per-token); straight lines in
    log-log give a and b. N_opt can only take the ladder's widths, so the envelope is a
    staircase. A resample redraws each curve's noise: its residuals around the smoothed
    curve, with replacement, added back and smoothed again, which changes which run wins
    where two are close.

    Args:
        C_grid: budgets to read the envelope at (default: 40 from the smallest to the
            largest design budget).
        N: parameter count per run (default non-embedding ``runs.N``).
        fpt: FLOPs per token per run (default model FLOPs ``runs.fpt``); e.g.
            ``6 * runs.N`` counts Kaplan's ``C = 6ND``.
    """
    C_grid = np.geomspace(runs.budgets[0], runs.budgets[-1], 40) if C_grid is None else C_grid
    N = runs.N if N is None else np.asarray(N, float)
    fpt = runs.fpt if fpt is None else np.asarray(fpt, float)
    j = np.nanargmin(runs.final, axis=1)
    raw = runs.curve[np.arange(len(j)), j]
    smooth = smoothed(raw)
    resid = raw - smooth
    a, b = _envelope_exponents(runs, C_grid, N, fpt, smooth)
    rng = np.random.default_rng(seed)
    a_s, b_s = [], []
    P = raw.shape[1]
    for _ in range(n_resamples):
        idx = rng.integers(0, P, raw.shape)
        noisy = smooth + np.take_along_axis(np.nan_to_num(resid), idx, axis=1)
        x, y = _envelope_exponents(runs, C_grid, N, fpt, smoothed(noisy))
        a_s.append(x)
        b_s.append(y)
    return _estimate(a, b, a_s, b_s, dict(C=np.asarray(C_grid), envelope=envelope(runs, C_grid, fpt=fpt)))


def law_exponents(law: ChinchillaLaw, C_grid, flops_per_token) -> tuple[float, float]:
    """Slopes of log N_opt and log D_opt against log C over ``C_grid`` under a FLOP count."""
    n, d = law.compute_optimal(np.asarray(C_grid, float), flops_per_token=flops_per_token)
    lc = np.log(C_grid)
    return float(np.polyfit(lc, np.log(n), 1)[0]), float(np.polyfit(lc, np.log(d), 1)[0])


def approach3(runs: ComputeRuns, *, total: bool = False, flops: str = "model",
              n_resamples: int = 200, seed: int = 0) -> Estimate:
    """The parametric fit (Hoffmann et al. 2022, approach 3) and its exponents.

    Fits E + A/N^alpha + B/D^beta to every run's best validation loss (Huber loss,
    Epoch's 4500-start L-BFGS grid), then spends each budget in the design's range on
    it. With ``flops="6N"`` that gives Hoffmann's closed form a = beta/(alpha+beta); with
    ``flops="model"`` (the kit's count, readout and attention included) the optimum is
    found numerically and a is the fitted slope over the budgets. Intervals: the
    point bootstrap of :func:`cs324scale.fit.bootstrap`.

    Args:
        total: count N with the embeddings and readout.
        flops: ``"model"`` or ``"6N"``.
    """
    if flops not in ("model", "6N"):
        raise ValueError(f"flops must be 'model' or '6N'; got {flops!r}.")
    N = runs.N_total if total else runs.N
    fn = family_flops_per_token(total=total) if flops == "model" else six_n
    C_grid = np.geomspace(runs.budgets[0], runs.budgets[-1], 9)
    law = ChinchillaLaw()
    bs = bootstrap(law, N, runs.tokens, runs.best, n_resamples=n_resamples, key=seed,
                   predict=lambda m: np.array(law_exponents(m, C_grid, fn)))
    a, b = law_exponents(bs.estimate, C_grid, fn)
    return _estimate(a, b, bs.predictions[:, 0], bs.predictions[:, 1], bs.estimate)


def smoothed(curves, width: int = 5) -> np.ndarray:
    """Running mean over ``width`` curve intervals along the last axis (the edges use
    what is there): one interval of a short run holds a few steps of 512 tokens, and
    its mean scatters by several hundredths of a nat."""
    curves = np.asarray(curves, float)
    k = np.ones(width)
    pad = width // 2
    ok = np.isfinite(curves)
    x = np.pad(np.where(ok, curves, 0.0), [(0, 0)] * (curves.ndim - 1) + [(pad, pad)])
    m = np.pad(ok.astype(float), [(0, 0)] * (curves.ndim - 1) + [(pad, pad)])
    num = np.apply_along_axis(lambda v: np.convolve(v, k, "valid"), -1, x)
    den = np.apply_along_axis(lambda v: np.convolve(v, k, "valid"), -1, m)
    return np.where(den > 0, num / np.maximum(den, 1), np.nan)


def _best_curve(runs: ComputeRuns) -> np.ndarray:
    """Each run's smoothed training curve at its best rate (by validation loss) ``(R, P)``."""
    j = np.nanargmin(runs.final, axis=1)
    return smoothed(runs.curve[np.arange(len(j)), j])


def curve_end(runs: ComputeRuns) -> np.ndarray:
    """Each run's training loss at its end (smoothed curve, best rate) ``(R,)``."""
    return _best_curve(runs)[:, -1]


def long_run_readings(runs: ComputeRuns) -> np.ndarray:
    """Kaplan's protocol on the same runs: the loss of each (budget, width) read off one
    long run per width, at the step where that budget is spent.

    The long run of a width is its run at the largest budget it was trained for (one
    warmup + cosine schedule over all of it, its best rate there); smaller budgets read
    its smoothed training curve part-way, before the rate has decayed (Kaplan et al.
    2020 read IsoFLOP and L(C) points off such curves; Hoffmann et al. 2022, Sec. 3.1
    and App. A, show why that biases N_opt). ``(R,)``, NaN where the curve does not
    reach the budget.
    """
    curves = _best_curve(runs)
    out = np.full(len(runs.N), np.nan)
    for d in np.unique(runs.d_model):
        rows = np.flatnonzero(runs.d_model == d)
        longest = rows[np.argmax(runs.budget[rows])]
        x = np.log(runs.curve_tokens[longest])
        for r in rows:
            t = np.log(runs.tokens[r])
            if x[0] <= t <= x[-1]:
                out[r] = np.interp(t, x, curves[longest])
    return out


def single_rate_losses(runs: ComputeRuns) -> tuple[float, np.ndarray]:
    """One learning rate for every size: the rate whose losses are closest to each run's
    best on average (a diverged run counts as 1 nat worse), and every run's loss at it."""
    gap = np.where(np.isfinite(runs.final), runs.final - runs.best[:, None], 1.0)
    j = int(np.argmin(gap.mean(axis=0)))
    return float(runs.lrs[j]), runs.final[:, j]


class Ablation(NamedTuple):
    """One protocol choice switched from the kit's (Chinchilla's) to Kaplan's, or to the other count.

    Attributes:
        name: what was switched.
        approach: which of Hoffmann's approaches measured it (2 or 3).
        base, switched: the two estimates.
        delta_interval: percentile interval of the paired bootstrap difference in a.
        expected: the direction the literature reports for this switch, and who.
    """

    name: str
    approach: int
    base: Estimate
    switched: Estimate
    delta_interval: tuple
    expected: str

    @property
    def delta(self) -> float:
        """``switched.a - base.a``."""
        return self.switched.a - self.base.a


def _ablation(name, approach, base, switched, expected) -> Ablation:
    d = switched.a_samples - base.a_samples
    return Ablation(name, approach, base, switched, _interval(d), expected)


def ablations(runs: ComputeRuns, *, n_resamples: int = 1000, law_resamples: int = 200,
              seed: int = 0, combined: bool = True) -> list[Ablation]:
    """The four Kaplan-versus-Chinchilla switches on the same runs, each with its effect on a.

    Each compares the kit's protocol (non-embedding N, model FLOPs, schedule-matched runs,
    a tuned rate per run) with one choice changed; bootstrap resamples share their seed, so
    the difference's interval is paired:

    1. total parameters instead of non-embedding (approach 2; Pearce & Song 2024 find
       Kaplan's non-embedding count at small N behind much of a = 0.73, so total N should
       lower a);
    2. intermediate points of one long run per width instead of a run per budget
       (approach 2 on training curves both sides; Porian et al. 2024: Chinchilla-style
       decay moves a from 0.604 to 0.571, so long runs should raise it a little);
    3. C = 6ND instead of model FLOPs with the readout and attention (approach 3; Porian
       et al.: counting the last layer moves a from 0.834 to 0.701, so 6N should raise it);
    4. one learning rate for all sizes instead of each run's best (approach 2; Porian
       et al.: tuning moves a from 0.571 to 0.497, so one rate should raise it);
    5. (``combined``) switches 1 and 3 together, Porian et al.'s counting step: Kaplan's
       non-embedding N with C = 6ND against total N with the kit's model FLOPs.
    """
    kw = dict(n_resamples=n_resamples, seed=seed)
    base2 = approach2(runs.N, runs.budget, runs.best, runs.fpt, **kw)
    lr, one = single_rate_losses(runs)
    out = [
        _ablation("total parameters (embeddings and readout counted)", 2, base2,
                  approach2(runs.N_total, runs.budget, runs.best, runs.fpt, **kw),
                  "lower (Pearce & Song 2024)"),
        _ablation("intermediate points of one long run per width", 2,
                  approach2(runs.N, runs.budget, curve_end(runs), runs.fpt, **kw),
                  approach2(runs.N, runs.budget, long_run_readings(runs), runs.fpt, **kw),
                  "higher, by a little (Porian et al. 2024: 0.571 -> 0.604)"),
        _ablation("C = 6ND (readout and attention FLOPs left out)", 3,
                  approach3(runs, n_resamples=law_resamples, seed=seed),
                  approach3(runs, flops="6N", n_resamples=law_resamples, seed=seed),
                  "higher (Porian et al. 2024: 0.701 -> 0.834)"),
        _ablation(f"one learning rate ({lr:g}) for every size", 2, base2,
                  approach2(runs.N, runs.budget, one, runs.fpt, **kw),
                  "higher (Porian et al. 2024: 0.497 -> 0.571)"),
    ]
    if combined:
        out.append(_ablation(
            "Kaplan's count of both: non-embedding N and C = 6ND (base: total N, model FLOPs)", 3,
            approach3(runs, total=True, n_resamples=law_resamples, seed=seed),
            approach3(runs, flops="6N", n_resamples=law_resamples, seed=seed),
            "higher (Porian et al. 2024, last layer counted in N and C: 0.834 -> 0.701)"))
    return out


def tuned_rates(runs: ComputeRuns) -> dict[int, float]:
    """Each width's tuned peak rate: the rate closest to that width's best over all its
    budgets (a diverged run counts as 1 nat worse); lab 3 trains with these."""
    out = {}
    for d in np.unique(runs.d_model):
        rows = runs.d_model == d
        gap = np.where(np.isfinite(runs.final[rows]), runs.final[rows] - runs.best[rows, None], 1.0)
        out[int(d)] = float(runs.lrs[int(np.argmin(gap.mean(axis=0)))])
    return out
