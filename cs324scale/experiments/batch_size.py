"""Batch size: more steps or bigger batches? (lecture 2 part 7).

Two measurements on the lecture's character Transformer (``lecture2.transformer``):

* ``batch_size`` (registered): a batch-size x learning-rate sweep, each batch size
  trained for long enough to reach the same losses, recording the training curve. For
  a target loss, each batch size's best rate reaches it after ``S`` steps and ``E = B S``
  examples; McCandlish et al. 2018 (Eq. 2.11) and Kaplan et al. 2020 (Eqs. 5.1-5.3)
  predict the hyperbola ``(S/S_min - 1)(E/E_min - 1) = 1`` with the critical batch
  ``B_crit = E_min / S_min``. :class:`StepsExamplesFit` fits it; :func:`tradeoff` reads
  ``S`` and ``E`` off the curves.
* The gradient noise scale along one of those runs: :func:`noise_scale_run` retrains
  the sweep's ``B = NOISE_BATCH`` trial (same loop, same keys) with snapshots and
  measures ``B_simple = tr Σ / |G|²`` (McCandlish Eq. 2.8, App. A.1 estimators,
  :func:`cs324scale.train.gradient_noise_scale`) at each. The measurements ship as
  ``cs324scale/results/batch_size_noise.json``, written by
  ``python -m cs324scale.experiments.batch_size`` (``make sweeps``) and read back by
  :func:`load_noise`. :func:`noise_trend` fits Kaplan's ``B_crit(L) = B* / L^(1/α_B)``
  (Eq. 1.4, Sec. 5.1) to them with a bootstrap interval.

Batch sizes count windows of ``LM_CONTEXT`` characters; ``x LM_CONTEXT`` gives
predicted tokens, Kaplan's unit (his tokens are BPE tokens of WebText2, ours characters
of tiny Shakespeare, so only exponents can be compared).

References: McCandlish et al. 2018, https://arxiv.org/abs/1812.06162; Kaplan et al.
2020, https://arxiv.org/abs/2001.08361 (Sec. 5.1).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .._checks import as_positive_array
from ..fit import PowerLaw
from ..train import run_sweep, shakespeare, train_snapshots
from ..train.models import model_for
from ..train.noise_scale import gradient_norms, noise_scale
from ..train.results import SweepResults
from ..train.store import provenance
from .lecture2 import LM_CONTEXT, transformer
from .registry import register_experiment

# CPU grid (two shared cores, about 15 minutes): d_model 32, six batch sizes 32x apart,
# four Adam rates each on a sqrt(B) ladder (Adam's best rate grows roughly like sqrt(B)),
# two trials per compiled call (one per core: pairs vectorised on one core ran far slower).
BS_WIDTH = 32
BS_BATCHES = (8, 16, 32, 64, 128, 256)  # windows of LM_CONTEXT characters per step
BS_LR_16 = 4e-3  # centre of the rate ladder at B = 16 (lecture 2's LM rates span 1e-3-1e-2)
BS_LR_FACTORS = (0.35, 0.7, 1.4, 2.8)  # x BS_LR_16 x sqrt(B / 16)
# Run length: E0 examples plus E0 / B_GUESS steps, so small batches see about E0 windows
# and large ones at least E0 / B_GUESS steps (a guess at B_crit, measured below).
BS_E0 = 16_000
BS_B_GUESS = 64
BS_STEP_QUANTUM = 25  # run lengths are multiples of this (snapshots reuse one program)
BS_CURVE_POINTS = 100
BS_EVAL_SIZE = 1024
# Full mode (a GPU): a wider model, batch sizes 4-512, five times the examples, four rates.
FULL_BS_WIDTH = 64
FULL_BS_BATCHES = (4, 8, 16, 32, 64, 128, 256, 512)
FULL_BS_E0 = 80_000
FULL_BS_LR_FACTORS = (0.35, 0.7, 1.4, 2.8)

# The noise-scale run: the sweep's trial at this batch size and its best rate.
NOISE_BATCH = 32
# |G|^2 at one parameter point swings with Adam's oscillations (measured: 10x between
# neighbouring snapshots while tr Sigma moved smoothly), so each measurement averages the
# norms over NOISE_POINTS points NOISE_SPACING steps apart, as McCandlish et al. average
# over training steps; the bootstrap resamples those points.
NOISE_GROUPS = 8  # measurements, log-spaced along the run (the last ends at its end)
NOISE_POINTS = 6  # parameter points per measurement
NOISE_SPACING = 10  # steps between them, at least (all snapshot steps are multiples)
NOISE_N_BATCHES = 16  # big batches per point
NOISE_B_BIG = 128  # windows per big batch
NOISE_B_SMALL = 1  # windows per micro-batch (per-window gradients)
NOISE_FILE = "batch_size_noise.json"
TOKENS_PER_WINDOW = LM_CONTEXT  # predicted characters per window: windows x this = tokens


def grid(full: bool = False):
    """``(width, [(batch, steps, learning_rates), ...])`` of the ``batch_size`` sweep."""
    width, batches, e0, factors = (
        (FULL_BS_WIDTH, FULL_BS_BATCHES, FULL_BS_E0, FULL_BS_LR_FACTORS) if full
        else (BS_WIDTH, BS_BATCHES, BS_E0, BS_LR_FACTORS)
    )
    runs = []
    for b in batches:
        steps = e0 / b + e0 / BS_B_GUESS
        steps = int(BS_STEP_QUANTUM * max(1, round(steps / BS_STEP_QUANTUM)))
        lrs = tuple(float(f"{BS_LR_16 * f * np.sqrt(b / 16):.3g}") for f in factors)
        runs.append((b, steps, lrs))
    return width, runs


def batch_run(width: int, batch: int, steps: int, learning_rates, *, store=None, **kwargs) -> SweepResults:
    """One batch size of the sweep: constant Adam rates, seed 0, random windows."""
    return run_sweep(
        [transformer(width)], learning_rates, (0,), steps=steps, batch_size=batch,
        curve_points=BS_CURVE_POINTS, eval_size=BS_EVAL_SIZE, store=store,
        **{"max_trials_per_call": 2, **kwargs},
    )


@register_experiment("batch_size")
def batch_size(*, full: bool, store=None) -> SweepResults:
    """Batch sizes x Adam rates of one Transformer: steps and examples to each loss."""
    width, runs = grid(full)
    records = []
    for b, steps, lrs in runs:
        records += batch_run(width, b, steps, lrs, store=store).to_records()
    return SweepResults.from_records(records)


# ------------------------------------------------------------------ steps vs examples
def curve_steps(res: SweepResults, i: int) -> np.ndarray:
    """Mid-points (in steps) of trial ``i``'s curve intervals (the sweep's own edges)."""
    points = min(int(np.isfinite(res.curve[i]).size), int(res.steps[i]))
    edges = np.linspace(0, int(res.steps[i]), points + 1).astype(int)
    return 0.5 * (edges[:-1] + edges[1:])


def steps_to_loss(steps, curve, target: float) -> float:
    """First step at which the running minimum of ``curve`` reaches ``target``.

    Interpolated linearly in (log step, loss) between the two intervals around the
    crossing; NaN when the curve never gets there (or starts below it).
    """
    env = np.fmin.accumulate(np.where(np.isfinite(curve), curve, np.inf))
    hit = np.flatnonzero(env <= target)
    if hit.size == 0 or hit[0] == 0:
        return float("nan")
    j = hit[0]
    x0, x1, y0, y1 = np.log(steps[j - 1]), np.log(steps[j]), env[j - 1], env[j]
    return float(np.exp(x0 + (x1 - x0) * (y0 - target) / (y0 - y1)))


class StepsExamplesFit:
    """``S = S_min (1 + B_crit / B)``, i.e. ``(S/S_min - 1)(E/E_min - 1) = 1`` with ``E = B S``.

    McCandlish et al. 2018, Eq. 2.11; Kaplan et al. 2020, Eqs. 5.1-5.3, with
    ``B_crit = E_min / S_min``. Fitted by least squares in ``log S``: for each ``B_crit``
    on a fine log grid the best ``log S_min`` is closed-form, and the best pair wins.

    Attributes (after :meth:`fit`):
        S_min_, E_min_, B_crit_: fitted minimum steps, minimum examples, critical batch.
        batch_, steps_: the points fitted.
        resid_: ``log S - log S_fit`` per point; rms_: their root mean square.
        product_: ``(S/S_min - 1)(E/E_min - 1)`` per point (1 on the hyperbola).
    """

    def __init__(self, b_crit_range=(1e-2, 1e5), grid_points: int = 4001):
        self.b_crit_range = b_crit_range
        self.grid_points = grid_points

    def fit(self, batch, steps) -> StepsExamplesFit:
        """Fit to batch sizes ``batch (n,)`` and steps ``steps (n,)`` to one loss (n >= 3)."""
        b = as_positive_array("batch", batch, min_size=3)
        s = as_positive_array("steps", steps, min_size=3)
        if b.shape != s.shape:
            raise ValueError(f"batch and steps need one length; got {b.size} and {s.size}.")
        if np.unique(b).size < 3:
            raise ValueError("the hyperbola needs at least 3 distinct batch sizes.")
        bc = np.geomspace(*self.b_crit_range, self.grid_points)
        shape = np.log1p(bc[:, None] / b[None, :])  # (grid, n)
        log_smin = np.mean(np.log(s)[None, :] - shape, axis=1)
        sse = np.sum((np.log(s)[None, :] - log_smin[:, None] - shape) ** 2, axis=1)
        k = int(np.argmin(sse))
        self.B_crit_, self.S_min_ = float(bc[k]), float(np.exp(log_smin[k]))
        self.E_min_ = self.S_min_ * self.B_crit_
        self.on_edge_ = k in (0, bc.size - 1)
        self.batch_, self.steps_ = b, s
        self.resid_ = np.log(s) - np.log(self.predict(b))
        self.rms_ = float(np.sqrt(np.mean(self.resid_**2)))
        self.product_ = (s / self.S_min_ - 1) * (b * s / self.E_min_ - 1)
        return self

    def predict(self, batch) -> np.ndarray:
        """Steps to the loss at batch size ``batch``: ``S_min (1 + B_crit / B)``."""
        return self.S_min_ * (1 + self.B_crit_ / np.asarray(batch, float))

    def curve(self, n: int = 200):
        """``(E, S)`` along the fitted hyperbola, for batch sizes 1e-3 to 1e3 x B_crit."""
        b = self.B_crit_ * np.geomspace(1e-3, 1e3, n)
        s = self.predict(b)
        return b * s, s


class TradeOff(NamedTuple):
    """Steps and examples to each target loss, one fit per target (:func:`tradeoff`).

    Attributes:
        batches: batch sizes (windows) ``(nb,)``.
        targets: target losses ``(nt,)``, high to low.
        steps: best-rate steps to each target ``(nt, nb)``, NaN where no rate got there.
        best_lr: the rate that got there first ``(nt, nb)``.
        fits: a :class:`StepsExamplesFit` per target.
        b_crit: ``E_min / S_min`` per target ``(nt,)``, windows.
    """

    batches: np.ndarray
    targets: np.ndarray
    steps: np.ndarray
    best_lr: np.ndarray
    fits: list
    b_crit: np.ndarray

    @property
    def examples(self) -> np.ndarray:
        """``E = B S`` windows to each target ``(nt, nb)``."""
        return self.steps * self.batches[None, :]


def tradeoff(res: SweepResults, targets=None, *, n_targets: int = 5, min_batches: int = 5,
             min_intervals: int = 4) -> TradeOff:
    """Read ``S`` (best rate per batch size) off the curves and fit a hyperbola per target.

    Args:
        res: ``batch_size`` results.
        targets: target losses; by default ``n_targets`` log-spaced from the highest loss
            that no trial reaches within its first ``min_intervals`` curve intervals (so
            every ``S`` is resolved by the curve) to the loss that ``min_batches`` batch
            sizes still reach.
        n_targets, min_batches, min_intervals: see ``targets``; a target is fitted on
            the batch sizes that reach it.
    """
    batches = np.unique(res.batch_size)
    reach = np.array([np.nanmin(res.curve[res.batch_size == b]) for b in batches])
    if targets is None:
        lo = np.sort(reach)[min_batches - 1] + 0.01  # reached by min_batches batch sizes
        start = float(np.nanmin(res.curve[:, :min_intervals])) - 0.01
        targets = np.geomspace(start, lo, n_targets)
    targets = np.sort(as_positive_array("targets", targets))[::-1]
    steps = np.full((targets.size, batches.size), np.nan)
    best_lr = np.full_like(steps, np.nan)
    for j, b in enumerate(batches):
        for i in np.flatnonzero(res.batch_size == b):
            x = curve_steps(res, i)
            for t, target in enumerate(targets):
                s = steps_to_loss(x, res.curve[i], target)
                if np.isfinite(s) and not s >= steps[t, j]:
                    steps[t, j], best_lr[t, j] = s, res.lr[i]
    fits = []
    for t in range(targets.size):
        ok = np.isfinite(steps[t])
        fits.append(StepsExamplesFit().fit(batches[ok], steps[t, ok]))
    return TradeOff(batches, targets, steps, best_lr, fits, np.array([f.B_crit_ for f in fits]))


# ------------------------------------------------------------------ noise scale
@functools.lru_cache(maxsize=8)
def _loss_fn(cfg):
    return functools.partial(model_for(cfg).loss, cfg)


def noise_windows(cfg, *, n_batches: int = NOISE_N_BATCHES, b_big: int = NOISE_B_BIG, seed: int = 1):
    """``(n_batches, b_big, L)`` training windows drawn with a fixed key (not the runs')."""
    import jax
    import jax.numpy as jnp

    from ..train.data import sample_windows

    length = model_for(cfg).window_length(cfg)
    w = sample_windows(jnp.asarray(shakespeare().train), length, n_batches * b_big,
                       key=jax.random.fold_in(jax.random.key(seed), 12345))
    return w.reshape(n_batches, b_big, length)


def noise_steps(steps: int) -> np.ndarray:
    """``(NOISE_GROUPS, NOISE_POINTS)`` snapshot steps, multiples of ``NOISE_SPACING``.

    Group ends are log-spaced from ``6 x NOISE_SPACING`` to ``steps``; a group's points
    are ``NOISE_SPACING x max(1, round(end / 250))`` steps apart (at most ~20% of its
    end step), so early groups may share points.
    """
    sp = NOISE_SPACING
    ends = np.round(np.geomspace(6 * sp, steps, NOISE_GROUPS) / sp).astype(int) * sp
    gaps = sp * np.maximum(1, np.round(ends / 250)).astype(int)
    out = ends[:, None] - gaps[:, None] * np.arange(NOISE_POINTS)[::-1][None, :]
    if out.min() < 1:
        raise ValueError(f"a run of {steps} steps is too short for the noise-scale snapshots.")
    return out


def noise_scale_run(res: SweepResults) -> dict:
    """Gradient norms along the sweep's ``B = NOISE_BATCH`` run (its best final rate).

    The run is retrained by :func:`~cs324scale.train.train_snapshots` with the trial's
    seed, which repeats the sweep's trial (same loop, same keys), keeping the weights at
    :func:`noise_steps`; at each, :func:`~cs324scale.train.gradient_norms` on fixed
    training windows (``NOISE_N_BATCHES`` big batches of ``NOISE_B_BIG`` windows, micro-
    batches of ``NOISE_B_SMALL``).

    Returns:
        A JSON-friendly dict: the run, ``b_small``, ``b_big`` and one entry per snapshot
        with its ``step``, ``loss`` (mean over the windows) and per-batch norms, and
        ``groups``, the steps of each measurement (:func:`noise_steps`).
    """
    import jax

    rows = np.flatnonzero(res.batch_size == NOISE_BATCH)
    i = int(rows[np.nanargmin(res.final_loss[rows])])
    cfg, lr, steps = res.configs[i], float(res.lr[i]), int(res.steps[i])
    groups = noise_steps(steps)
    snap = np.unique(groups)
    params = train_snapshots(cfg, snapshot_steps=snap, lr=lr, batch_size=NOISE_BATCH, key=int(res.seed[i]))
    windows = noise_windows(cfg)
    loss = _loss_fn(cfg)
    mean_loss = jax.jit(lambda p, w: jax.lax.map(lambda b: loss(p, b), w).mean())
    out = []
    for s, p in zip(snap, params, strict=True):
        small, big = gradient_norms(loss, p, windows, b_small=NOISE_B_SMALL)
        out.append({"step": int(s), "loss": float(mean_loss(p, windows)),
                    "g_small_sq": small.tolist(), "g_big_sq": big.tolist()})
    return {"run": {"d_model": cfg.d_model, "batch_size": NOISE_BATCH, "lr": lr, "seed": int(res.seed[i]),
                    "steps": steps, "key": str(res.key[i])},
            "b_small": NOISE_B_SMALL, "b_big": NOISE_B_BIG, "groups": groups.tolist(), "snapshots": out}


def load_noise() -> dict:
    """The shipped noise-scale measurements (``cs324scale/results/batch_size_noise.json``)."""
    path = resources.files("cs324scale") / "results" / NOISE_FILE
    if not path.is_file():
        raise ValueError(f"No shipped {NOISE_FILE}; run `python -m cs324scale.experiments.batch_size`.")
    return json.loads(path.read_text())


class NoiseTrend(NamedTuple):
    """``B_simple`` along a run and Kaplan's Eq. 1.4 fitted to it (:func:`noise_trend`).

    Attributes:
        step, loss, b_simple: per measurement (group of points) ``(k,)``: mean step, mean
            loss, ``B_simple`` in windows from the norms averaged over the group.
        b_simple_interval: bootstrap 95% interval of each ``b_simple`` ``(k, 2)``.
        law: the :class:`~cs324scale.fit.PowerLaw` ``B = A L^(-1/α_B)`` (``alpha_ = 1/α_B``).
        alpha_B: fitted ``α_B``; alpha_B_interval: its bootstrap 95% interval.
        fitted: mask of the measurements fitted.
    """

    step: np.ndarray
    loss: np.ndarray
    b_simple: np.ndarray
    b_simple_interval: np.ndarray
    law: PowerLaw
    alpha_B: float
    alpha_B_interval: tuple
    fitted: np.ndarray


def noise_trend(noise: dict, *, n_resamples: int = 1000, seed: int = 0, max_loss: float | None = None) -> NoiseTrend:
    """``B_simple`` per measurement and ``B_crit(L) = B* / L^(1/α_B)`` fitted in log-log.

    The norms are averaged over a group's points and batches, then App. A.1's ratio is
    taken. The bootstrap resamples each group's parameter points (with all their
    batches), the dominant source of spread, and refits the law each time.

    Args:
        noise: from :func:`noise_scale_run` or :func:`load_noise`.
        n_resamples: bootstrap resamples.
        seed: bootstrap seed.
        max_loss: fit only measurements at or below this loss (None: all).
    """
    kw = dict(b_small=int(noise["b_small"]), b_big=int(noise["b_big"]))
    at = {s["step"]: s for s in noise["snapshots"]}
    groups = noise.get("groups") or [[s] for s in sorted(at)]
    small = [np.array([np.mean(at[s]["g_small_sq"]) for s in g]) for g in groups]
    big = [np.array([np.mean(at[s]["g_big_sq"]) for s in g]) for g in groups]
    loss = np.array([np.mean([at[s]["loss"] for s in g]) for g in groups])
    step = np.array([np.mean(g) for g in groups])
    b = np.array([noise_scale(sm, bg, **kw).b_simple for sm, bg in zip(small, big, strict=True)])
    fitted = np.isfinite(b) & (b > 0) & (loss <= (np.inf if max_loss is None else max_loss))
    law = PowerLaw().fit(loss[fitted], b[fitted])
    rng = np.random.default_rng(seed)
    alphas, draws = [], []
    one = np.ones((1, int(fitted.sum())))
    for _ in range(n_resamples):
        idx = [rng.integers(0, sm.size, sm.size) for sm in small]
        bb = np.array([noise_scale(sm[j], bg[j], **kw).b_simple for sm, bg, j in zip(small, big, idx, strict=True)])
        draws.append(bb)
        if np.all(np.isfinite(bb[fitted]) & (bb[fitted] > 0)):  # PowerLaw's own OLS, without its checks
            alphas.append(1.0 / float(PowerLaw()._fit_batch((loss[fitted], bb[fitted]), one)[0][0, 1]))
    lo, hi = np.percentile(alphas, [2.5, 97.5])
    band = np.nanpercentile(np.array(draws), [2.5, 97.5], axis=0).T
    return NoiseTrend(step, loss, b, band, law, 1.0 / law.alpha_, (float(lo), float(hi)), fitted)


def main(argv=None) -> int:
    """Run (or resume) the ``batch_size`` sweep and write ``batch_size_noise.json``."""
    import argparse

    import jax

    p = argparse.ArgumentParser(prog="python -m cs324scale.experiments.batch_size")
    p.add_argument("--full", action="store_true", help="full scale")
    p.add_argument("--store", default=None, help="resumable trial store (default: cs324scale.storage.store_path())")
    p.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results"))
    args = p.parse_args(argv)
    try:  # one CPU device per core, as `python -m cs324scale.experiments` does
        jax.config.update("jax_num_cpu_devices", os.cpu_count() or 1)
    except RuntimeError:
        pass
    t0 = time.perf_counter()
    from ..storage import store_path

    res = batch_size(full=args.full, store=args.store or store_path())
    noise = noise_scale_run(res)
    noise["meta"] = {"name": "batch_size_noise", "scale": "full" if args.full else "cpu",
                     "command": "python -m cs324scale.experiments.batch_size" + (" --full" if args.full else ""),
                     **provenance(wall_time_s=time.perf_counter() - t0)}
    out = Path(args.out) / NOISE_FILE
    out.write_text(json.dumps(noise, separators=(",", ":")))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
