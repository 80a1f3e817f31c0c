"""Check functions for lab 2 (hyperparameter transfer) and lab 3 (compute-optimal scaling).

Every check recomputes what the student's answer should be consistent with and, on a
mismatch, raises ``AssertionError`` with what is wrong (a shape, how far a value is off,
the likely cause), never the expected answer itself. On success it prints one line.
"""

from __future__ import annotations

import time

import numpy as np

_COMMITTED: dict = {}


def _fail(msg: str):
    raise AssertionError(msg)


def _shape(name: str, x, shape) -> np.ndarray:
    x = np.asarray(x, float)
    if x.shape != tuple(shape):
        _fail(f"{name} has shape {x.shape}; it should have shape {tuple(shape)}.")
    if not np.all(np.isfinite(x)):
        _fail(f"{name} contains NaN or inf; a learning rate may be so high that training diverged.")
    return x


# ---------------------------------------------------------------------------- lab 2


def check_population(train_population, *, steps: int = 10) -> None:
    """Check a ``train_population(cfg, lrs, seeds, steps=...) -> (L, S)`` implementation.

    It is run on a width-16 MLP for a few steps and compared with the kit's sweep engine
    on the same trials; then, with every ``mlp.lr_scales`` multiplier temporarily set to
    zero, training must leave the model at its initialisation (so muP's per-layer rates
    really reach the updates).
    """
    import jax

    from . import mlp
    from .sweep import run_sweep

    lrs, seeds = [1e-3, 1e-2], [0, 1]
    cfg = mlp.MLPConfig(width=16)
    out = _shape("train_population(cfg, 2 lrs, 2 seeds)", train_population(cfg, lrs, seeds, steps=steps), (2, 2))
    if np.any(out > np.log(cfg.vocab_size) + 0.5):
        _fail(f"losses {np.round(out, 2).tolist()} are above ln(65) = 4.17 (uniform guessing) "
              "after training: is the optimiser update applied to the parameters?")
    if np.allclose(out[0], out[1], atol=1e-6):
        _fail("both learning rates give identical losses: the learning rate never reaches the optimiser.")
    if np.allclose(out[:, 0], out[:, 1], atol=1e-7):
        _fail("both seeds give identical losses: derive the init and batch keys from the seed.")
    ref = run_sweep(cfg, lrs, seeds, steps=steps, batch_size=64, progress=False).final_loss.reshape(2, 2)
    gap = float(np.max(np.abs(out - ref)))
    if gap > 0.1:
        _fail(f"your losses differ from the engine's on the same trials by up to {gap:.3f} nats "
              f"after {steps} steps, more than seed noise. Check the number of steps, the batch "
              "size, that the loss is the validation loss, and that each step uses a new batch.")
    original = mlp.lr_scales
    mlp.lr_scales = lambda c: jax.tree.map(lambda s: 0.0, original(c))
    try:
        frozen = np.asarray(train_population(cfg, lrs, seeds[:1], steps=3), float)
    finally:
        mlp.lr_scales = original
    if not np.allclose(frozen[0], frozen[1], atol=1e-6):
        _fail("with every lr_scales multiplier set to 0 the model still trained: multiply each "
              "Adam update by `scales` (jax.tree.map) before applying it; muP needs it.")
    print(f"train_population: shapes, learning rates, seeds and per-layer scales all work; "
          f"max difference from the engine {gap:.2g} nats after {steps} steps.")


def check_lr_star(find_lr_star, lrs, table) -> None:
    """Check ``find_lr_star(lrs, table) -> (W,)`` against the grid it was given."""
    lrs, table = np.asarray(lrs, float), np.asarray(table, float)
    got = _shape("find_lr_star(lrs, table)", find_lr_star(lrs, table), (table.shape[0],))
    step = np.log(lrs[1] / lrs[0])
    best = lrs[np.nanargmin(table, axis=1)]
    off = np.abs(np.log(got / best)) / step
    bad = np.flatnonzero(off > 1.0)
    if bad.size:
        i = bad[0]
        _fail(f"row {i}: your lr* is {off[i]:.1f} grid steps away from that row's lowest loss. "
              "Take the minimum over learning rates (axis=1), per width, not over widths.")
    if np.any(got < lrs.min() * 0.999) or np.any(got > lrs.max() * 1.001):
        _fail("some lr* lie outside the learning-rate grid; keep refinements inside it.")
    print(f"find_lr_star: {len(got)} widths, each within one grid step of its minimum.")


def check_lr_trend(fit_lr_trend, widths, lr_star) -> None:
    """Check ``fit_lr_trend(widths, lr_star) -> (slope, intercept)`` (log-log least squares)."""
    out = fit_lr_trend(np.asarray(widths, float), np.asarray(lr_star, float))
    if len(out) != 2:
        _fail(f"fit_lr_trend returned {len(out)} values; return (slope, intercept).")
    slope, icpt = (float(v) for v in out)
    ref_s, ref_i = np.polyfit(np.log(widths), np.log(lr_star), 1)
    if abs(slope - ref_s) > 1e-3:
        lin = np.polyfit(widths, lr_star, 1)[0]
        cause = ("it matches a fit in linear space; fit log(lr*) against log(width)"
                 if abs(slope - lin) < 1e-6 else "fit log(lr*) against log(width) with natural logs")
        _fail(f"slope is off by {slope - ref_s:+.3f} from a least-squares line through "
              f"(log width, log lr*); {cause}.")
    if abs(icpt - ref_i) > 1e-2:
        base10 = abs(icpt - ref_i / np.log(10)) < 1e-3
        _fail(f"intercept is off by {icpt - ref_i:+.3f}"
              + ("; it looks like log10: use natural logs (np.log)." if base10 else "."))
    print("fit_lr_trend: slope and intercept agree with a log-log least-squares fit.")


def check_prediction(pred: dict, widths, losses_fixed, losses_tuned, big_width) -> None:
    """Check the two predicted losses at ``big_width`` against log-linear fits of the data."""
    for key in ("fixed", "tuned", "lr_big"):
        if key not in pred:
            _fail(f"the prediction dict lacks {key!r}; it needs 'fixed', 'tuned' and 'lr_big'.")
    x = np.log(np.asarray(widths, float))
    for key, y in (("fixed", losses_fixed), ("tuned", losses_tuned)):
        slope, a = np.polyfit(x, np.asarray(y, float), 1)
        want = a + slope * np.log(big_width)
        if abs(float(pred[key]) - want) > 1e-3:
            _fail(f"pred[{key!r}] is off by {float(pred[key]) - want:+.3f} nats from a least-squares "
                  "loss = a - b log(width) through that curve, evaluated at BIG_WIDTH.")
    if not float(pred["lr_big"]) > 0:
        _fail("pred['lr_big'] must be a positive learning rate from your lr* trend.")
    print("predictions: both follow from loss = a - b log(width) fits; now run the check.")


# ---------------------------------------------------------------------------- lab 3


def check_objective(objective) -> None:
    """Check ``objective(theta, logN, logD, logL, delta)`` against Hoffmann et al.'s Eq.

    The reference is the summed Huber loss of log residuals of the log-sum-exp form
    (Hoffmann et al. 2022, App. D.2).
    """
    import jax.numpy as jnp

    from ..fit import chinchilla_objective

    rng = np.random.default_rng(0)
    n = 50
    logN, logD = rng.uniform(17, 24, n), rng.uniform(20, 27, n)
    logL = np.log(rng.uniform(2.0, 3.5, n))
    for theta in (np.array([6.0, 7.5, 0.6, 0.35, 0.37]), np.array([5.0, 9.0, 0.3, 0.5, 0.4])):
        ref = float(chinchilla_objective(jnp.asarray(theta), (logN, logD, logL, 1e-3), jnp.ones(n)))
        got = float(objective(theta, logN, logD, logL, 1e-3))
        if not np.isfinite(got):
            _fail("objective returned NaN/inf; use np.logaddexp (log-sum-exp) rather than exp then log.")
        if np.isclose(got * n, ref, rtol=1e-3):
            _fail("objective is the mean of the Huber terms; sum them (a mean makes L-BFGS stop early).")
        if not np.isclose(got, ref, rtol=1e-3):
            _fail(f"objective is off by a factor {got / ref:.3g}. Check: the prediction is "
                  "LSE(a - alpha logN, b - beta logD, e), the residual is prediction - logL, and "
                  "Huber is 0.5 r^2 for |r| <= delta, delta (|r| - delta/2) otherwise.")
    print("objective: matches the summed Huber loss of the log-sum-exp form.")


def check_chinchilla_fit(params: dict) -> None:
    """Check fitted ``{"E", "A", "B", "alpha", "beta"}`` against Epoch's 95% intervals."""
    from .lecture_experiments import epoch_intervals

    ci = epoch_intervals()
    for name in ("E", "alpha", "beta"):
        if name not in params:
            _fail(f"params lacks {name!r}; return E, A, B, alpha, beta.")
        v = float(params[name])
        lo, hi = ci[name]
        if not lo <= v <= hi:
            side = "below" if v < lo else "above"
            _fail(f"{name} = {v:.4g} is {side} Epoch's 95% interval by "
                  f"{(lo - v) if v < lo else (v - hi):.3g}. Likely causes: outliers not dropped "
                  "(drop the 5 highest losses), D not equal to C / (6 N), too few starts, or a "
                  "mean instead of a sum in the objective.")
    print("fit: E, alpha and beta lie inside Epoch's 95% bootstrap intervals.")


def check_intervals(intervals: dict, params: dict) -> None:
    """Check bootstrap percentile intervals ``{name: (lo, hi)}`` around the point estimate."""
    for name in ("E", "alpha", "beta"):
        if name not in intervals:
            _fail(f"intervals lacks {name!r}.")
        lo, hi = (float(v) for v in intervals[name])
        if not lo < hi:
            _fail(f"interval for {name} is ({lo:.4g}, {hi:.4g}): low must be below high; did every "
                  "resample return the same fit (resample the points with replacement)?")
        if not lo <= float(params[name]) <= hi:
            _fail(f"the point estimate of {name} lies outside its own bootstrap interval: use the "
                  "2.5 and 97.5 percentiles of the resampled fits.")
        if (hi - lo) > 0.5 * abs(float(params[name])):
            _fail(f"the interval for {name} is wider than half its value; some resample fits "
                  "failed. Start each refit from the full-data optimum.")
    print("intervals: ordered, contain the estimate, plausible widths.")


def check_compute_optimal(compute_optimal, params: dict, C: float = 1e24) -> None:
    """Check ``compute_optimal(params, C) -> (N_opt, D_opt)`` under C = 6 N D."""
    from ..fit import ChinchillaLaw

    n, d = (float(v) for v in compute_optimal(params, C))
    if not np.isclose(6 * n * d, C, rtol=1e-3):
        _fail(f"6 N_opt D_opt = {6 * n * d:.3g}, not the budget {C:.3g}: spend the whole budget (C = 6ND).")
    law = ChinchillaLaw.from_params(**{k: float(params[k]) for k in ("E", "A", "B", "alpha", "beta")})
    ref_n, _ = law.compute_optimal(C)
    ratio = n / float(ref_n)
    if not np.isclose(ratio, 1.0, rtol=1e-3):
        _fail(f"N_opt is {ratio:.3g}x the loss minimiser along C = 6ND. Check the exponent "
              "beta/(alpha+beta) and G = (alpha A / (beta B))^(1/(alpha+beta)).")
    print(f"compute_optimal: C = {C:.0e} -> N_opt and D_opt minimise the law along C = 6ND.")


def commit_prediction(**prediction) -> None:
    """Record a prediction (with the time) before the final check run; prints it back."""
    if not prediction:
        _fail("commit at least one predicted number, e.g. commit_prediction(N_opt=..., loss=...).")
    _COMMITTED.clear()
    _COMMITTED.update(prediction, committed_at=time.time())
    print("committed:", {k: v for k, v in prediction.items()})


def check_final_run(measured_loss: float, *, tolerance: float = 0.05) -> float:
    """Compare the final run's loss with the committed prediction; returns the error."""
    if "loss" not in _COMMITTED:
        _fail("no committed 'loss' prediction: call commit_prediction(loss=...) before the final run.")
    err = float(measured_loss) - float(_COMMITTED["loss"])
    verdict = "within" if abs(err) <= tolerance else "outside"
    print(f"measured {float(measured_loss):.3f} vs predicted {float(_COMMITTED['loss']):.3f}: "
          f"error {err:+.3f} nats ({verdict} +-{tolerance}).")
    return err
