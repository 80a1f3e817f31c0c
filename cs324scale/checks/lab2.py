"""Checks for lab 2, hyperparameter transfer (``labs/02_hyperparameter_transfer``).

The lab trains populations of n-gram MLPs in one vmapped JAX program, finds the best
learning rate per width, fits its trend and predicts a wider model:

* Task 1, :func:`check_population`: ``train_population(cfg, lrs, seeds, *, steps)``.
* Task 3, :func:`check_lr_star`: ``find_lr_star(lrs, table)``, lr* per width.
* Task 4, :func:`check_lr_trend`: ``fit_lr_trend(widths, lr_star)``, log-log slope and
  intercept.
* Task 5, :func:`check_prediction`: the losses predicted at ``BIG_WIDTH`` and the learning
  rate to use there.

Every check recomputes what the answer should be consistent with and, on a mismatch,
raises ``AssertionError`` naming the likely mistake (never the expected answer itself);
on success it prints one line starting with ``OK:``.
"""

from __future__ import annotations

import numpy as np

from ._feedback import array, diagnose, fail, ok, returned

__all__ = ["check_lr_star", "check_lr_trend", "check_population", "check_prediction"]


def check_population(train_population, *, steps: int = 10) -> None:
    """Check a ``train_population(cfg, lrs, seeds, *, steps) -> (L, S)`` implementation.

    Verifies, on a width-16 MLP trained for ``steps`` steps with three learning rates
    and two seeds: the shape ``(3, 2)`` (learning rates by seeds, not transposed),
    losses below uniform guessing, that both the learning rate and the seed change the
    result, agreement with the kit's sweep engine on the same trials (same keys) within
    0.02 nats (so the validation loss, not the last training batch's, is returned),
    and that ``mlp.lr_scales`` multiplies the Adam *updates*: with every multiplier
    halved and the learning rate doubled, training must give the same losses (scaling
    the gradients instead does nothing under Adam, so muP would not take effect).
    """
    import jax

    from ..train import mlp
    from ..train.sweep import run_sweep

    lrs, seeds = [1e-3, 3e-3, 1e-2], [0, 1]
    cfg = mlp.MLPConfig(width=16)
    out = array(
        train_population(cfg, lrs, seeds, steps=steps),
        "train_population(cfg, 3 lrs, 2 seeds)",
        (3, 2),
        nonfinite="A learning rate may be so high that training diverged.",
    )
    if np.any(out > np.log(cfg.vocab_size) + 0.5):
        fail(
            f"losses {np.round(out, 2).tolist()} are above ln(65) = 4.17 (uniform guessing) "
            "after training: is the optimiser update applied to the parameters?"
        )
    if np.allclose(out[0], out[-1], atol=1e-6):
        fail(
            "different learning rates give identical losses: the learning rate never reaches the optimiser."
        )
    if np.allclose(out[:, 0], out[:, 1], atol=1e-7):
        fail("both seeds give identical losses: derive the init and batch keys from the seed.")
    ref = run_sweep(cfg, lrs, seeds, steps=steps, batch_size=64, progress=False).final_loss.reshape(
        3, 2
    )
    gap = float(np.max(np.abs(out - ref)))
    if gap > 0.02:  # same keys: float rounding only (2e-6 on a CPU); seeds differ by 0.15+
        fail(
            f"your losses differ from the engine's on the same trials by up to {gap:.3f} nats "
            f"after {steps} steps; with the same keys they agree to rounding. Check the keys "
            "(split jax.random.key(seed) into init and data keys, batch t from "
            "jax.random.fold_in(data_key, t)), the number of steps, the batch size, and that "
            "you return the mean loss over the validation windows, not a training batch's."
        )
    original = mlp.lr_scales
    mlp.lr_scales = lambda c: jax.tree.map(lambda s: 0.5 * s, original(c))
    try:
        halved = np.asarray(
            train_population(cfg, [2 * lrs[0], 2 * lrs[2]], seeds[:1], steps=steps), float
        )
    finally:
        mlp.lr_scales = original
    if not np.allclose(halved.ravel(), out[[0, 2], 0], atol=1e-4):
        fail(
            "with every lr_scales multiplier halved and the learning rate doubled the losses "
            "changed: multiply each Adam *update* by `scales` (jax.tree.map, after "
            "opt.update, not the gradients before it) so that muP's per-layer rates take effect."
        )
    ok(
        f"train_population: shapes, learning rates, seeds and per-layer scales all work; "
        f"max difference from the engine {gap:.2g} nats after {steps} steps."
    )


def check_lr_star(find_lr_star, lrs, table) -> None:
    """Check ``find_lr_star(lrs, table) -> (W,)`` against the grid it was given.

    Verifies one positive learning rate per row (width), inside the grid, within 0.75
    grid steps of that row's lowest loss (a parabola through the minimum and its
    neighbours moves it at most half a step). Names a minimum over the wrong axis, the
    column index or the loss returned instead of the rate, ``argmax``, a neighbouring
    grid point, and ``log(lr)``.
    """
    lrs, table = np.asarray(lrs, float), np.asarray(table, float)
    got = array(find_lr_star(lrs, table), "find_lr_star(lrs, table)", (table.shape[0],))
    j = np.nanargmin(table, axis=1)
    best = lrs[j]
    mistakes = {
        "you returned the column index of the minimum; return lrs[index]": j,
        "you returned the lowest loss; return the learning rate where it occurs": np.nanmin(
            table, axis=1
        ),
        "you returned log(lr*); return the learning rate itself": np.log(best),
        "that is the highest loss per row (argmax): take the lowest (argmin)": lrs[
            np.nanargmax(table, axis=1)
        ],
    }
    why = diagnose(got, mistakes, 1e-6)
    if why:
        fail(f"find_lr_star: {why}.")
    if np.any(got <= 0) or np.any(got < lrs.min() * 0.999) or np.any(got > lrs.max() * 1.001):
        fail("some lr* lie outside the learning-rate grid; keep refinements inside it.")
    step = np.log(lrs[1] / lrs[0])
    off = np.abs(np.log(got / best)) / step
    bad = np.flatnonzero(off > 0.75)
    if bad.size:
        i = bad[0]
        hint = (
            "That is a neighbouring grid point: check the index (off by one?)."
            if abs(off[i] - 1) < 1e-6
            else "Take the minimum over learning rates (axis=1), per width, not over widths."
        )
        fail(
            f"row {i}: your lr* is {off[i]:.1f} grid steps away from that row's lowest loss. {hint}"
        )
    ok(f"find_lr_star: {len(got)} widths, each within 0.75 grid steps of its minimum.")


def check_lr_trend(fit_lr_trend, widths, lr_star) -> None:
    """Check ``fit_lr_trend(widths, lr_star) -> (slope, intercept)`` (log-log least squares).

    Verifies the slope within 1e-3 and the intercept within 1e-2 of a least-squares
    line through ``(log width, log lr*)``. Names a fit in linear space, ``(intercept,
    slope)`` in the wrong order, and base-10 logarithms.
    """
    widths, lr_star = np.asarray(widths, float), np.asarray(lr_star, float)
    out = returned(fit_lr_trend(widths, lr_star), "fit_lr_trend(widths, lr_star)")
    if np.ndim(out) != 1 or len(out) != 2:
        fail(f"fit_lr_trend returned {np.size(out)} value(s); return (slope, intercept).")
    slope, icpt = (float(v) for v in out)
    ref_s, ref_i = np.polyfit(np.log(widths), np.log(lr_star), 1)
    if abs(slope - ref_i) < 1e-6 and abs(icpt - ref_s) < 1e-6:
        fail(
            "slope and intercept are swapped: np.polyfit returns the slope first; return (slope, intercept)."
        )
    if abs(slope - ref_s) > 1e-3:
        lin = np.polyfit(widths, lr_star, 1)[0]
        cause = (
            "it matches a fit in linear space; fit log(lr*) against log(width)"
            if abs(slope - lin) < 1e-6
            else "fit log(lr*) against log(width) with natural logs"
        )
        fail(
            f"slope is off by {slope - ref_s:+.3f} from a least-squares line through "
            f"(log width, log lr*); {cause}."
        )
    if abs(icpt - ref_i) > 1e-2:
        base10 = abs(icpt - ref_i / np.log(10)) < 1e-3
        fail(
            f"intercept is off by {icpt - ref_i:+.3f}"
            + ("; it looks like log10: use natural logs (np.log)." if base10 else ".")
        )
    ok("fit_lr_trend: slope and intercept agree with a log-log least-squares fit.")


def check_prediction(pred: dict, widths, losses_fixed, losses_tuned, big_width, *, lr_star) -> None:
    """Check the predictions at ``big_width``: ``pred = {"fixed", "tuned", "lr_big"}``.

    Verifies ``pred["fixed"]`` and ``pred["tuned"]`` against least-squares fits
    ``loss = a - b log(width)`` of ``losses_fixed`` and ``losses_tuned`` evaluated at
    ``big_width`` (within 1e-3 nats), and ``pred["lr_big"]`` against the log-log trend
    of ``lr_star`` evaluated there (within 1%). Names swapped curves, a law in width
    instead of log width, lr* of the widest trained width instead of the extrapolation,
    and a trend evaluated at ``big_width`` instead of ``log(big_width)``.

    Args:
        pred: The student's predictions.
        widths: The trained widths, shape ``(W,)``.
        losses_fixed: Loss at the fixed learning rate per width, ``(W,)``.
        losses_tuned: Best loss per width, ``(W,)``.
        big_width: The width predicted for.
        lr_star: lr* per width, ``(W,)`` (the answer of ``find_lr_star``).
    """
    if not isinstance(pred, dict):
        fail(f"pred is a {type(pred).__name__}; make it a dict with 'fixed', 'tuned' and 'lr_big'.")
    for key in ("fixed", "tuned", "lr_big"):
        if key not in pred:
            fail(f"the prediction dict lacks {key!r}; it needs 'fixed', 'tuned' and 'lr_big'.")
    w = np.asarray(widths, float)
    x = np.log(w)

    def at_big(y):
        slope, a = np.polyfit(x, np.asarray(y, float), 1)
        return a + slope * np.log(big_width)

    want = {"fixed": at_big(losses_fixed), "tuned": at_big(losses_tuned)}
    for key, other in (("fixed", "tuned"), ("tuned", "fixed")):
        got = float(pred[key])
        if abs(got - want[key]) <= 1e-3:
            continue
        slope, a = np.polyfit(
            w, np.asarray(losses_fixed if key == "fixed" else losses_tuned, float), 1
        )
        mistakes = {
            f"that is the {other!r} prediction: 'fixed' uses the fixed-rate column, 'tuned' the best loss per width": want[
                other
            ],
            "the law must be linear in log(width), not in width": a + slope * big_width,
        }
        why = diagnose(got, mistakes, 1e-6)
        fail(
            f"pred[{key!r}] is off by {got - want[key]:+.3f} nats from a least-squares "
            "loss = a - b log(width) through that curve, evaluated at BIG_WIDTH"
            + (f": {why}." if why else ".")
        )
    lr_big = float(pred["lr_big"])
    if not lr_big > 0:
        fail(
            "pred['lr_big'] must be a positive learning rate from your lr* trend (exponentiate it)."
        )
    s, i = np.polyfit(x, np.log(np.asarray(lr_star, float)), 1)
    want_lr = np.exp(i + s * np.log(big_width))
    if abs(np.log(lr_big / want_lr)) > 0.01:
        with np.errstate(over="ignore", under="ignore"):
            unlogged = np.exp(i + s * big_width)
        mistakes = {
            "that is lr* at the widest width you trained; extrapolate the trend to BIG_WIDTH": np.asarray(
                lr_star
            )[np.argmax(w)],
            "evaluate the trend at log(BIG_WIDTH), not at BIG_WIDTH": unlogged,
        }
        why = diagnose(lr_big, mistakes, 1e-6)
        fail(
            f"pred['lr_big'] is {lr_big / want_lr:.3g} times the value of the log-log lr* trend "
            "at BIG_WIDTH"
            + (f": {why}." if why else "; use exp(intercept + slope * log(BIG_WIDTH)).")
        )
    ok(
        "predictions: both losses follow from loss = a - b log(width) fits, lr_big from the lr* trend."
    )
