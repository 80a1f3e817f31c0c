"""Checks for lab 2, hyperparameter transfer (``labs/02_hyperparameter_transfer``).

The lab trains populations of n-gram MLPs in one vmapped JAX program, finds the best
learning rate per width, fits its trend and predicts a wider model:

* Task 1, :func:`check_population`: ``train_population(cfg, lrs, seeds, *, steps)``
  gives the kit's engine's losses on the same trials (warmup + cosine decay), on a muP
  config (width 32, base width 8) and an SP one; names a transposed table, the last
  training batch's loss, identical seeds, a constant rate (the schedule ignored), and
  muP's ``lr_scales`` ignored, applied to the gradients or inverted.
* Task 3, :func:`check_lr_star`: ``find_lr_star(lrs, table)`` is within 0.75 grid steps
  of each row's minimum; names the index, the loss, ``log(lr)``, ``argmax``, off by one.
* Task 4, :func:`check_lr_trend`: ``fit_lr_trend(widths, lr_star)`` is the log-log
  least-squares line; names a linear fit, swapped outputs, base-10 logs.
* Task 5, :func:`check_fixed_rate`: ``fixed_rate_index(table, n_tune)`` is the column
  with the lowest loss averaged over the ``n_tune`` middle widths; names the smallest
  or all widths, the wrong axis and argmax.
* Task 6, :func:`check_prediction`: losses at ``BIG_WIDTH`` from ``a - b log(width)``
  fits and lr from the lr* trend; names swapped curves, width for log width, the widest
  trained lr*.

Every check recomputes what the answer should be consistent with and, on a mismatch,
raises ``AssertionError`` naming the likely mistake (never the expected answer itself);
on success it prints one line starting with ``OK:``.
"""

from __future__ import annotations

import functools

import numpy as np

from ._feedback import array, diagnose, fail, ok, returned

__all__ = [
    "check_fixed_rate",
    "check_lr_star",
    "check_lr_trend",
    "check_population",
    "check_prediction",
]


_LRS, _SEEDS = (1e-3, 3e-3, 1e-2), (0, 1)  # the population every check call trains
_BATCH = 64
_SP = {"width": 16}  # standard parametrisation: every lr_scales multiplier is 1
_MUP = {"width": 32, "parametrization": "mup", "base_width": 8}  # hidden Adam rates / 4
_NEAR = 0.02  # nats: same keys agree to rounding (5e-6 on a CPU); mistakes move 0.06+
_STEPS = 20  # steps per check trial: one warmup step, then cosine decay


@functools.lru_cache(maxsize=8)
def _engine(cfg_items: tuple, steps: int, schedule) -> np.ndarray:
    """The kit's sweep engine on the check's trials: final validation losses ``(L, S)``."""
    from ..train import MLPConfig
    from ..train.sweep import run_sweep

    res = run_sweep(
        MLPConfig(**dict(cfg_items)),
        _LRS,
        _SEEDS,
        steps=steps,
        batch_size=_BATCH,
        schedule=schedule,
        progress=False,
    )
    return np.asarray(res.final_loss, float).reshape(len(_LRS), len(_SEEDS))


@functools.lru_cache(maxsize=8)
def _variants(cfg_items: tuple, steps: int, schedule) -> dict:
    """The lab's population with one detail changed: ``{name: final losses (L, S)}``.

    The training is the lab's own (``jax.random.key(seed)`` split into init and data
    keys, batch ``t`` from ``fold_in(data_key, t)``, ``optax.adam`` at ``lr x
    schedule(t)``, the engine's validation windows), written out so that where
    ``mlp.lr_scales(cfg)`` enters can change; the multipliers are traced, so all
    variants share one compilation:

    * ``"updates"``: the scales multiply Adam's updates (the right answer);
    * ``"ignored"``: no scales; ``"gradients"``: the scales multiply the gradients;
      ``"inverted"``: the updates are divided by the scales;
    * ``"constant"``: the scales right, the schedule ignored (a constant rate);
    * ``"train_loss"``: right training, the last training batch's loss returned.
    """
    import jax
    import jax.numpy as jnp
    import optax

    from ..train import MLPConfig, engine, mlp, sample_windows, shakespeare

    cfg = MLPConfig(**dict(cfg_items))
    data = shakespeare()
    tokens = jnp.asarray(data.train)
    val = jnp.asarray(engine.eval_windows(data.val, cfg, n_windows=1024, batch_size=_BATCH))
    s = mlp.lr_scales(cfg)
    one_tree = jax.tree.map(lambda v: 1.0, s)
    inv = jax.tree.map(lambda v: 1.0 / v, s)
    mult = schedule.multiplier(steps)
    kinds = {  # (multiplier of the gradients, of Adam's updates, schedule on: 1 or 0)
        "updates": (one_tree, s, 1.0),
        "ignored": (one_tree, one_tree, 1.0),
        "gradients": (s, one_tree, 1.0),
        "inverted": (one_tree, inv, 1.0),
        "constant": (one_tree, s, 0.0),
    }

    def one(g_scale, u_scale, on, lr, seed):
        k_init, k_data = jax.random.split(jax.random.key(seed))
        params = mlp.init(cfg, key=k_init)
        opt = optax.adam(lr if mult is None else (lambda t: lr * jnp.where(on > 0, mult(t), 1.0)))

        def step(carry, t):
            params, state = carry
            key = jax.random.fold_in(k_data, t)
            w = sample_windows(tokens, cfg.context + 1, _BATCH, key=key)
            loss, grads = jax.value_and_grad(lambda p: mlp.loss(cfg, p, w))(params)
            grads = jax.tree.map(lambda g, m: g * m, grads, g_scale)
            updates, state = opt.update(grads, state, params)
            updates = jax.tree.map(lambda u, m: u * m, updates, u_scale)
            return (optax.apply_updates(params, updates), state), loss

        (params, _), losses = jax.lax.scan(step, (params, opt.init(params)), jnp.arange(steps))
        return jax.lax.map(lambda w: mlp.loss(cfg, params, w), val).mean(), losses[-1]

    lr_grid, seed_grid = np.meshgrid(
        np.asarray(_LRS, np.float32), np.asarray(_SEEDS, np.int32), indexing="ij"
    )
    n_trials, n_kinds = lr_grid.size, len(kinds)

    def stacked(i):  # the i-th multiplier tree of every variant, each repeated per trial
        trees = [k[i] for k in kinds.values()]
        return jax.tree.map(lambda *v: jnp.repeat(jnp.asarray(v, jnp.float32), n_trials), *trees)

    val_loss, last = jax.jit(jax.vmap(one))(
        stacked(0),
        stacked(1),
        stacked(2),
        jnp.tile(jnp.asarray(lr_grid.ravel()), n_kinds),
        jnp.tile(jnp.asarray(seed_grid.ravel()), n_kinds),
    )
    shape = (n_kinds, len(_LRS), len(_SEEDS))
    out = dict(zip(kinds, np.asarray(val_loss, float).reshape(shape), strict=True))
    out["train_loss"] = np.asarray(last, float).reshape(shape)[0]
    return out


def _gap(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def _sane(out: np.ndarray, what: str) -> None:
    """Fail unless ``out`` (L, S) is below uniform guessing and varies with lr and seed."""
    if np.any(out > np.log(65) + 0.5):
        fail(
            f"{what}: losses {np.round(out, 2).tolist()} are above ln(65) = 4.17 (uniform "
            "guessing) after training: is the optimiser update applied to the parameters?"
        )
    if np.allclose(out[0], out[-1], atol=1e-6):
        fail(
            f"{what}: different learning rates give identical losses: the learning rate never "
            "reaches the optimiser."
        )
    if np.allclose(out[:, 0], out[:, 1], atol=1e-7):
        fail(
            f"{what}: both seeds give identical losses: derive the init and batch keys from the seed."
        )


def check_population(train_population, schedule, *, steps: int = _STEPS) -> None:
    """Check a ``train_population(cfg, lrs, seeds, *, steps) -> (L, S)`` implementation.

    Trains three learning rates x two seeds for ``steps`` steps on two configs and
    compares each with the kit's sweep engine (:func:`cs324scale.train.run_sweep`, same
    trials, same keys, at ``lr x schedule(t)`` with the lab's ``schedule``, a
    :class:`cs324scale.train.Schedule`: they agree to rounding, so the tolerance is
    0.02 nats):

    * a width-32 muP MLP with base width 8, where ``mlp.lr_scales`` divides the hidden
      Adam rates by 4, so every piece of the answer shows in the losses. Verifies the
      shape ``(3, 2)`` (learning rates by seeds, not transposed), losses below uniform
      guessing, that the learning rate and the seed both change the result, and
      agreement with the engine. On a mismatch it names the one of these it matches:
      the scales ignored, applied to the gradients (Adam's normalisation cancels a
      constant factor there, so muP never takes effect), dividing the updates, the
      schedule ignored (a constant rate), or the last training batch's loss returned
      instead of the mean validation loss. Each of them lands 0.06 nats or more from
      the engine (tests/test_checks.py).
    * a width-16 MLP in standard parametrisation (every scale 1, the setting of Tasks
      2-5): the same shape, sanity and engine checks.

    Nothing is patched: the student's function runs as the lab calls it.
    """
    from ..train import MLPConfig, Schedule

    if not isinstance(schedule, Schedule):
        fail(
            f"check_population needs the lab's schedule (a cs.train.Schedule such as "
            f"cs.train.warmup_cosine(warmup=0.05)); got {type(schedule).__name__}."
        )

    def run(cfg_kw: dict, what: str) -> np.ndarray:
        return array(
            train_population(MLPConfig(**cfg_kw), list(_LRS), list(_SEEDS), steps=steps),
            f"train_population({what} cfg, 3 lrs, 2 seeds)",
            (len(_LRS), len(_SEEDS)),
            nonfinite="A learning rate may be so high that training diverged.",
        )

    cancel = (
        "Adam divides each gradient by its running RMS, so a constant factor on a "
        "gradient cancels and muP's per-layer rates never take effect"
    )
    why = {
        "ignored": "your muP losses match training with the per-layer scales ignored: "
        "multiply each Adam update by `scales` (jax.tree.map, after opt.update). "
        f"(Multiplying the gradients instead gives the same: {cancel}.)",
        "gradients": "your muP losses match training with the scales applied to the "
        f"gradients: {cancel}. Multiply the Adam *updates* by `scales` (after opt.update).",
        "inverted": "your muP losses match dividing the updates by `scales`: multiply "
        "each Adam update by its scale (u * s), so the hidden layers of a wider model "
        "learn more slowly.",
        "constant": "your losses match a constant learning rate: train at lr x "
        "schedule(t), e.g. optax.adam(lambda t: lr * mult(t)) with "
        "mult = SCHEDULE.multiplier(steps).",
        "train_loss": "your losses are the last training batch's loss of each trial: return "
        "the mean loss over the validation windows `val` (one batch per row), not a "
        "training batch's.",
    }
    gaps_to_engine = []
    for cfg_kw, what in ((_MUP, "a width-32 muP (base width 8)"), (_SP, "a width-16 SP")):
        key = tuple(sorted(cfg_kw.items()))
        out = run(cfg_kw, what)
        _sane(out, what)
        gap = _gap(out, _engine(key, steps, schedule))
        gaps_to_engine.append(gap)
        if gap <= _NEAR:
            continue
        variants = _variants(key, steps, schedule)
        gaps = {k: _gap(out, v) for k, v in variants.items() if k != "updates"}
        if cfg_kw is _SP:  # every scale is 1: the scale variants equal the right answer
            gaps = {k: gaps[k] for k in ("constant", "train_loss")}
        if schedule.multiplier(steps) is None:  # a constant schedule: nothing to ignore
            gaps.pop("constant")
        nearest = min(gaps, key=gaps.get)
        if gaps[nearest] <= _NEAR:
            fail(why[nearest])
        fail(
            f"on {what} config your losses differ from the engine's on the same trials by up "
            f"to {gap:.3f} nats after {steps} steps; with the same keys they agree to "
            "rounding. Check the keys (split jax.random.key(seed) into init and data keys, "
            "batch t from jax.random.fold_in(data_key, t)), the number of steps, the batch "
            "size, the rate lr x SCHEDULE.multiplier(steps)(t), that each Adam *update* is "
            "multiplied by `scales` = "
            "cs.train.mlp.lr_scales(cfg) of the cfg you were given, and that you return the "
            "mean loss over the validation windows."
        )
    ok(
        f"train_population: shapes, learning rates, the schedule, seeds and muP's per-layer "
        "scales all work; "
        f"max difference from the engine {max(gaps_to_engine):.2g} nats after {steps} steps."
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


def _middle(n_rows: int, n_tune: int) -> slice:
    """The ``n_tune`` middle rows of ``n_rows`` (the lecture's tuning widths)."""
    lo = (n_rows - n_tune) // 2
    return slice(lo, lo + n_tune)


def check_fixed_rate(fixed_rate_index, table, n_tune: int) -> None:
    """Check ``fixed_rate_index(table, n_tune) -> int``: Metz's protocol for the fixed rate.

    The answer is the column (learning rate) with the lowest loss averaged over the
    ``n_tune`` middle rows (widths) of ``table``, the middle of the fitting range, as
    Metz tuned on hidden sizes 64-256 of his 8 fitted sizes. With an even surplus the
    middle is rounded down: rows ``(W - n_tune) // 2`` onwards. Names the smallest or
    all widths, an average over the wrong axis, and argmax.
    """
    table = np.asarray(table, float)
    n_rows = table.shape[0]
    if not 1 <= n_tune <= n_rows:
        raise ValueError(f"n_tune must be between 1 and the {n_rows} rows of table; got {n_tune}.")
    mid = _middle(n_rows, n_tune)
    got = returned(fixed_rate_index(table, n_tune), "fixed_rate_index(table, n_tune)")
    if np.ndim(got) != 0 or not float(got).is_integer():
        fail(f"fixed_rate_index returned {got!r}; return one column index (an int).")
    got = int(got)
    want = int(np.nanargmin(np.nanmean(table[mid], axis=0)))
    if got == want:
        ok(f"fixed_rate_index: column {got}, the best rate over the {n_tune} middle widths.")
        return
    mistakes = {
        "that is the best rate over the smallest widths; average the n_tune *middle* rows": int(
            np.nanargmin(np.nanmean(table[:n_tune], axis=0))
        ),
        "that is the best rate averaged over every width; use only the n_tune middle rows": int(
            np.nanargmin(np.nanmean(table, axis=0))
        ),
        "that is the worst rate (argmax); take the lowest mean loss (argmin)": int(
            np.nanargmax(np.nanmean(table[mid], axis=0))
        ),
        "that looks like an average over the rates (axis 1); average over the middle widths "
        "(axis 0) and take the best column": int(
            np.nanargmin(np.nanmean(table[mid], axis=1))
        ),
    }
    for why, value in mistakes.items():
        if got == value:
            fail(f"fixed_rate_index: {why}.")
    fail(
        f"fixed_rate_index: column {got} is not the rate with the lowest loss averaged over "
        f"the {n_tune} middle widths (rows {mid.start}-{mid.stop - 1})."
    )


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
