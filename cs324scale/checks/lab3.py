"""Checks for lab 3, compute-optimal scaling (``labs/03_compute_optimal_scaling``).

The lab fits the Chinchilla law to Epoch AI's reconstruction of Hoffmann et al.'s runs,
puts bootstrap intervals on it, splits a compute budget, and predicts a run of its own:

* Task 1, :func:`check_objective`: ``objective(theta, logN, logD, logL, delta)`` equals
  the summed Huber loss of Hoffmann et al. (both branches); names a mean, a squared
  error, either Huber branch off.
* Task 2, :func:`check_chinchilla_fit`: every fitted ``E, A, B, alpha, beta`` inside
  Epoch's 95% intervals; names log-space values, ``A``/``B`` swapped, a missing key.
* Task 3, :func:`check_intervals`: ordered pairs that contain the estimate, of plausible
  width; names reversed ends, a permutation instead of resampling, failed refits.
* Task 4, :func:`check_compute_optimal`: ``(N_opt, D_opt)`` spends ``C = 6ND`` and
  minimises the student's law on it; names swapped outputs, ``C`` for ``C/6``, the
  exponent ``alpha/(alpha+beta)``.
* Task 5, :func:`check_isoflop_points`: every IsoFLOP point its own run, with the
  budget's steps in model FLOPs, warmup + cosine over exactly those steps, fresh tokens
  read once and the width's tuned rate; names each way of breaking that protocol.
* Task 6, :func:`check_exponent`: a fitted over the budgets with interior minima only;
  names edge budgets kept, D_opt or the loss fitted instead of N_opt, a line in linear C.
* Task 7, :func:`commit_prediction` then :func:`check_final_run`: a positive prediction
  recorded before the final run; the run's loss compared with it (a miss is a result),
  rejecting what cannot be that loss (an array, NaN, <= 0, the prediction itself, a log).

Every check raises ``AssertionError`` naming the likely mistake, or prints ``OK: ...``.
"""

from __future__ import annotations

import time

import numpy as np

from ..published import epoch_intervals
from ._feedback import diagnose, fail, ok, returned, scalar

__all__ = [
    "check_chinchilla_fit",
    "check_compute_optimal",
    "check_exponent",
    "check_final_run",
    "check_intervals",
    "check_isoflop_points",
    "check_objective",
    "commit_prediction",
]

_COMMITTED: dict = {}
_NAMES = ("E", "A", "B", "alpha", "beta")


def _objective_cases():
    """Data and thetas for :func:`check_objective`: far from the law, and near it."""
    rng = np.random.default_rng(0)
    n = 50
    logN, logD = rng.uniform(17, 24, n), rng.uniform(20, 27, n)
    far = np.log(rng.uniform(2.0, 3.5, n))
    theta = np.array([6.0, 7.5, 0.6, 0.35, 0.37])
    law = np.logaddexp.reduce(
        [theta[0] - theta[3] * logN, theta[1] - theta[4] * logD, np.full(n, theta[2])]
    )
    near = law + rng.normal(0, 1.5e-3, n)  # residuals on both sides of delta = 1e-3
    yield theta, logN, logD, far
    yield np.array([5.0, 9.0, 0.3, 0.5, 0.4]), logN, logD, far
    yield theta, logN, logD, near


def check_objective(objective) -> None:
    """Check ``objective(theta, logN, logD, logL, delta)`` against Hoffmann et al.'s loss.

    Verifies agreement (relative 1e-3) with :func:`cs324scale.fit.chinchilla_objective`,
    the summed Huber loss (``delta = 1e-3``) of log residuals of the log-sum-exp form
    (Hoffmann et al. 2022, App. D.2), for two parameter vectors on data far from the law
    and one on data whose residuals straddle ``delta`` (so both Huber branches count).
    Names a mean instead of a sum, a squared error instead of Huber, and a Huber loss
    whose quadratic or linear branch is off.
    """
    import jax.numpy as jnp

    from ..fit import chinchilla_objective

    delta = 1e-3
    for theta, logN, logD, logL in _objective_cases():
        n = len(logN)
        ref = float(
            chinchilla_objective(jnp.asarray(theta), (logN, logD, logL, delta), jnp.ones(n))
        )
        got = float(returned(objective(theta, logN, logD, logL, delta), "objective(...)"))
        if not np.isfinite(got):
            fail(
                "objective returned NaN/inf; use np.logaddexp (log-sum-exp) rather than exp then log."
            )
        if np.isclose(got, ref, rtol=1e-3):
            continue
        a, b, e, alpha, beta = theta
        r = np.abs(np.logaddexp.reduce([a - alpha * logN, b - beta * logD, np.full(n, e)]) - logL)
        small = r <= delta
        mistakes = {
            "objective is the mean of the Huber terms; sum them (a mean makes L-BFGS stop early)": ref
            / n,
            "objective is a squared error; use the Huber loss (linear beyond delta)": np.sum(
                0.5 * r**2
            ),
            "the quadratic branch of Huber is 0.5 r^2 (for |r| <= delta), not r^2": np.sum(
                np.where(small, r**2, delta * (r - 0.5 * delta))
            ),
            "the linear branch of Huber is delta (|r| - delta/2), not delta |r|": np.sum(
                np.where(small, 0.5 * r**2, delta * r)
            ),
        }
        why = diagnose(got, mistakes, 1e-3)
        fail(
            why + "."
            if why
            else f"objective is off by a factor {got / ref:.3g}. Check: the prediction is "
            "LSE(a - alpha logN, b - beta logD, e), the residual is prediction - logL, and "
            "Huber is 0.5 r^2 for |r| <= delta, delta (|r| - delta/2) otherwise."
        )
    ok("objective: matches the summed Huber loss of the log-sum-exp form, both branches.")


def check_chinchilla_fit(params: dict) -> None:
    """Check fitted ``{"E", "A", "B", "alpha", "beta"}`` against Epoch's 95% intervals.

    Verifies every parameter lies inside Epoch's 95% bootstrap interval (Besiroglu et
    al. 2024). Names a missing key, ``A``/``B``/``E`` left in log space, ``A`` and ``B``
    swapped, and the usual causes of a bad fit (outliers kept, ``D != C / (6N)``, too
    few starts, a mean instead of a sum).
    """
    if not isinstance(params, dict):
        fail(f"params is a {type(params).__name__}; make it a dict with E, A, B, alpha, beta.")
    ci = epoch_intervals()
    for name in _NAMES:
        if name not in params:
            fail(f"params lacks {name!r}; return E, A, B, alpha, beta.")
    p = {k: float(params[k]) for k in _NAMES}
    if ci["A"][0] <= p["B"] <= ci["A"][1] and ci["B"][0] <= p["A"] <= ci["B"][1]:
        fail(
            "A and B look swapped: A multiplies N^-alpha (parameters), B multiplies D^-beta (tokens)."
        )
    for name in _NAMES:
        v = p[name]
        lo, hi = ci[name]
        if lo <= v <= hi:
            continue
        if name in ("E", "A", "B") and lo <= np.exp(v) <= hi:
            fail(f"{name} = {v:.4g} looks like log {name}: return {name} = exp({name.lower()}).")
        side = "below" if v < lo else "above"
        fail(
            f"{name} = {v:.4g} is {side} Epoch's 95% interval by "
            f"{(lo - v) if v < lo else (v - hi):.3g}. Likely causes: outliers not dropped "
            "(drop the 5 highest losses), D not equal to C / (6 N), too few starts, or a "
            "mean instead of a sum in the objective."
        )
    ok("fit: E, A, B, alpha and beta lie inside Epoch's 95% bootstrap intervals.")


def check_intervals(intervals: dict, params: dict) -> None:
    """Check bootstrap percentile intervals ``{name: (lo, hi)}`` around the point estimate.

    Verifies, for E, alpha and beta: ``lo < hi``, the point estimate inside, a width
    below half the value (no failed refits), and at least 0.25 times the width of Epoch's
    95% interval on the same data (a resample that is only a permutation of the points
    gives almost zero width).
    """
    if not isinstance(intervals, dict):
        fail(f"intervals is a {type(intervals).__name__}; make it a dict name -> (low, high).")
    ci = epoch_intervals()
    for name in ("E", "alpha", "beta"):
        if name not in intervals:
            fail(f"intervals lacks {name!r}.")
        pair = np.asarray(returned(intervals[name], f"intervals[{name!r}]"), float).ravel()
        if pair.size != 2:
            fail(f"intervals[{name!r}] has {pair.size} value(s); expected a pair (low, high).")
        lo, hi = (float(v) for v in pair)
        if not lo < hi:
            fail(
                f"interval for {name} is ({lo:.4g}, {hi:.4g}): low must be below high; did every "
                "resample return the same fit (resample the points with replacement)?"
            )
        if not lo <= float(params[name]) <= hi:
            fail(
                f"the point estimate of {name} lies outside its own bootstrap interval: use the "
                "2.5 and 97.5 percentiles of the resampled fits."
            )
        if (hi - lo) > 0.5 * abs(float(params[name])):
            fail(
                f"the interval for {name} is wider than half its value; some resample fits "
                "failed. Start each refit from the full-data optimum."
            )
        ratio = (hi - lo) / (ci[name][1] - ci[name][0])
        if ratio < 0.25:  # 20 correct resamples give 0.5 to 0.9; a permutation gives ~0
            fail(
                f"the interval for {name} is {ratio:.2f} times as wide as Epoch's 95% bootstrap "
                "interval on the same data: draw each resample with replacement "
                "(rng.integers(0, n, n), not a permutation) and take percentiles 2.5 and 97.5."
            )
    ok("intervals: ordered, contain the estimate, plausible widths.")


def check_compute_optimal(compute_optimal, params: dict, C: float = 1e24) -> None:
    """Check ``compute_optimal(params, C) -> (N_opt, D_opt)`` under C = 6 N D.

    Verifies ``6 N_opt D_opt = C`` and ``N_opt`` equal (relative 1e-3) to the minimiser
    of the student's own law along that line (Hoffmann et al. 2022, Eq. 4). Names
    ``(D_opt, N_opt)`` in the wrong order, ``C`` used where ``C/6`` belongs, and the two
    exponents swapped.
    """
    from ..fit import ChinchillaLaw

    out = returned(compute_optimal(params, C), "compute_optimal(params, C)")
    if np.size(out) != 2:
        fail(f"compute_optimal returned {np.size(out)} value(s); return (N_opt, D_opt).")
    n, d = (float(v) for v in np.ravel(out))
    if not np.isclose(6 * n * d, C, rtol=1e-3):
        fail(
            f"6 N_opt D_opt = {6 * n * d:.3g}, not the budget {C:.3g}: spend the whole budget (C = 6ND)."
        )
    p = {k: float(params[k]) for k in _NAMES}
    law = ChinchillaLaw.from_params(**p)
    ref_n = float(law.compute_optimal(C)[0])
    ratio = n / ref_n
    if not np.isclose(ratio, 1.0, rtol=1e-3):
        al, be = p["alpha"], p["beta"]
        G = (al * p["A"] / (be * p["B"])) ** (1 / (al + be))
        mistakes = {
            "you returned (D_opt, N_opt); return N_opt first": C / (6 * ref_n),
            "use C / 6 (tokens times parameters), not C, in N_opt = G (C/6)^(beta/(alpha+beta))": G
            * C ** (be / (al + be)),
            "the exponent of N_opt is beta/(alpha+beta), not alpha/(alpha+beta)": G
            * (C / 6) ** (al / (al + be)),
        }
        why = diagnose(n, mistakes, 1e-3)
        fail(
            f"N_opt is {ratio:.3g}x the loss minimiser along C = 6ND"
            + (
                f": {why}."
                if why
                else ". Check the exponent beta/(alpha+beta) and G = (alpha A / (beta B))^(1/(alpha+beta))."
            )
        )
    ok(f"compute_optimal: C = {C:.0e} -> N_opt and D_opt minimise the law along C = 6ND.")


def check_isoflop_points(points: dict, lr_for) -> None:
    """Check ``{(C, width): SweepResults}`` against lecture 2's IsoFLOP protocol.

    Verifies, for every point: one trial of a width-``width`` Transformer; ``steps = C //
    flops_per_step(cfg, batch)`` (the budget in the kit's model FLOPs), and a training cost
    within one step of ``C``; a warmup + cosine schedule (it spans exactly the run's steps);
    sequential reading of a corpus that holds every token the run reads (no token twice);
    the rate ``lr_for(width)``. Names: the steps of ``C = 6ND`` (readout and attention left
    out), a constant rate or no warmup, random windows, one rate for every width, and the
    widths or budgets swapped in the keys.
    """
    from ..train import flops_per_step, param_count
    from ..train.models import model_for

    if not isinstance(points, dict) or not points:
        fail("points must be a non-empty dict {(C, width): the SweepResults of that run}.")
    rates = set()
    for key, res in points.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            fail(f"key {key!r}: use (C, width) tuples.")
        C, width = float(key[0]), int(key[1])
        returned(res, f"points[{key!r}]")
        if len(res) != 1:
            fail(f"points[{key!r}] holds {len(res)} trials; train one rate and one seed per point.")
        cfg = res.configs[0]
        if getattr(cfg, "d_model", None) != width:
            if getattr(cfg, "d_model", None) == key[0]:
                fail(f"points[{key!r}]: the key is (width, C); use (C, width).")
            fail(f"points[{key!r}] trained d_model {getattr(cfg, 'd_model', None)}, not {width}.")
        per_step = flops_per_step(cfg, int(res.batch_size[0]))
        steps, want = int(res.steps[0]), int(C // per_step)
        if steps != want:
            tokens_per_step = model_for(cfg).tokens_per_window(cfg) * int(res.batch_size[0])
            if steps == int(C // (6 * param_count(cfg, embeddings=False) * tokens_per_step)):
                fail(f"points[{key!r}] ran {steps} steps, the count of C = 6ND: the budget is model "
                     f"FLOPs (readout and attention too), so steps = C // flops_per_step(cfg, BATCH) = {want}.")
            fail(f"points[{key!r}] ran {steps} steps; the budget buys C // flops_per_step(cfg, BATCH) = {want}.")
        sched = res.schedules[0]
        if sched.kind != "warmup_cosine":
            fail(f"points[{key!r}] used a {sched.kind!r} schedule: each run warms up and decays over "
                 "its own steps (cs.train.warmup_cosine(warmup=WARMUP)).")
        if sched.warmup <= 0:
            fail(f"points[{key!r}] has no warmup: pass warmup=WARMUP to cs.train.warmup_cosine.")
        if res.sampling[0] != "sequential":
            fail(f"points[{key!r}] read random windows, so some tokens twice and others never: "
                 "pass sampling='sequential' and a corpus of exactly the tokens the run reads.")
        if res.tokens_read()[0] > res.dataset_size[0]:
            fail(f"points[{key!r}] read more tokens than its corpus holds.")
        if not np.isclose(float(res.lr[0]), float(lr_for(width)), rtol=1e-9):
            fail(f"points[{key!r}] trained at rate {float(res.lr[0]):g}, not lr_for({width}) = "
                 f"{float(lr_for(width)):g}: each width takes its own tuned rate.")
        rates.add((width, float(res.lr[0])))
    widths = {w for w, _ in rates}
    if len(widths) > 1 and len({lr for _, lr in rates}) == 1 and len({float(lr_for(w)) for w in widths}) > 1:
        fail("every width trained at one rate; use lr_for(width).")
    ok(f"{len(points)} IsoFLOP points: each its own warmup + cosine run on fresh tokens, "
       "budget in model FLOPs, each width at its tuned rate.")


def _exponent_case():
    """An IsoflopResult with four interior budgets on N_opt = C^0.5 and one edge budget far off."""
    from ..fit import isoflop_analysis

    rng = np.random.default_rng(1)
    N, C, L = [], [], []
    for c, centre in zip(np.geomspace(1e10, 1e12, 5), (None, 1.0, 1.0, 1.0, 1.0), strict=True):
        n_opt = 2e-1 * c**0.5 if centre else 2e-1 * 1e10**0.5 * 6  # the first budget's minimum
        grid = np.geomspace(n_opt / 8, n_opt * 8, 7) if centre else np.geomspace(n_opt / 60, n_opt / 1.1, 7)
        N += list(grid)
        C += [c] * 7
        L += list(1.0 + 0.05 * np.log(grid / n_opt) ** 2 + rng.normal(0, 1e-4, 7))
    return isoflop_analysis(np.array(N), np.array(C), np.array(L))


def check_exponent(fit_exponent) -> None:
    """Check ``fit_exponent(iso) -> a`` on a constructed IsoFLOP result.

    Four budgets lie on N_opt = k C^0.5 with interior minima; a fifth has its minimum
    beyond its largest width (on the edge), so its parabola minimum is an extrapolation.
    Verifies ``a`` equals the slope over the interior budgets (0.5). Names the edge
    budget kept, ``D_opt`` or ``loss_opt`` fitted instead of ``N_opt``, and a slope in
    linear rather than log-log coordinates.
    """
    iso = _exponent_case()
    a = scalar(fit_exponent(iso), "fit_exponent(iso)")
    use = ~iso.on_edge
    ref = float(np.polyfit(np.log(iso.C[use]), np.log(iso.N_opt[use]), 1)[0])
    if np.isclose(a, ref, atol=1e-6):
        ok(f"fit_exponent: a = {a:.3f} over the {int(use.sum())} interior budgets.")
        return
    ok_all = np.isfinite(iso.N_opt)
    mistakes = {
        "the edge budget is in the fit: keep only budgets with ~iso.on_edge": np.polyfit(
            np.log(iso.C[ok_all]), np.log(iso.N_opt[ok_all]), 1)[0],
        "you fitted D_opt; a is the exponent of N_opt": np.polyfit(
            np.log(iso.C[use]), np.log(iso.D_opt[use]), 1)[0],
        "you fitted loss_opt; a is the exponent of N_opt": np.polyfit(
            np.log(iso.C[use]), np.log(iso.loss_opt[use]), 1)[0],
        "fit the line in log-log coordinates (np.log of C and of N_opt)": np.polyfit(
            iso.C[use], iso.N_opt[use], 1)[0],
    }
    why = diagnose(a, mistakes, 1e-6)
    fail(f"fit_exponent gave a = {a:.4g}, expected {ref:.4g}" + (f": {why}." if why else "."))


def commit_prediction(**prediction) -> None:
    """Record a prediction (with the time) before the final check run; prints it back.

    Verifies at least one value is committed, and that every value is a finite positive
    number (a model size and a loss are both positive).
    """
    if not prediction:
        fail("commit at least one predicted number, e.g. commit_prediction(N_opt=..., loss=...).")
    for name, value in prediction.items():
        v = np.asarray(returned(value, name), float)
        if v.size != 1 or not np.isfinite(v).all():
            fail(
                f"{name} = {value!r}: commit one finite number (did the fit through the minima fail?)."
            )
        if float(v) <= 0:
            fail(f"{name} = {float(v):.4g} is not positive: exponentiate the log-log fit (np.exp).")
    _COMMITTED.clear()
    _COMMITTED.update(prediction, committed_at=time.time())
    print("committed:", {k: v for k, v in prediction.items()})


_UNIFORM = float(np.log(65))  # nats: guessing among the Zipf-phrase language's 65 tokens
_FLOOR = 0.5  # nats: just below that language's entropy floor (ZipfPhrases().entropy_floor, 0.503)


def check_final_run(measured_loss: float, *, tolerance: float = 0.05) -> float:
    """Compare the final run's loss with the committed prediction; returns the error.

    A missed prediction is a result, not an error: the check prints whether the
    measured loss lies within ``tolerance`` nats of the committed ``loss`` and returns
    ``measured - predicted``. It fails only on answers that cannot be the final run's
    validation loss in nats, naming: no committed ``loss``; more than one number (a
    whole profile, not the final run's one loss); a NaN or infinite loss (training
    diverged); a loss that is not positive (a cross-entropy is > 0); a loss above
    uniform guessing ``ln 65`` (the run learned nothing: zero steps, or a wrong
    budget) or below 0.5 nats (below the language's entropy floor, which no model reaches:
    the error passed instead); a loss equal to the committed prediction to 1e-9 (the prediction
    passed back, not measured); a measured loss that is the log of one that would match,
    or a committed loss that is the log of the measured one (``log(loss)`` fitted, not
    exponentiated).

    Args:
        measured_loss: The final run's validation loss in nats (``final_loss[0]``).
        tolerance: Nats within which the prediction counts as a hit.
    """
    if "loss" not in _COMMITTED:
        fail(
            "no committed 'loss' prediction: call commit_prediction(loss=...) before the final run."
        )
    try:
        arr = np.asarray(returned(measured_loss, "the measured loss"), float)
    except (TypeError, ValueError):
        fail(f"the measured loss is a {type(measured_loss).__name__}; pass one number.")
    if arr.size != 1:
        fail(
            f"the measured loss has {arr.size} values: pass the one validation loss of the final "
            "run (final_loss[0]), not a whole profile."
        )
    measured = float(arr.ravel()[0])
    if not np.isfinite(measured):
        fail(
            f"the final run's loss is {measured}: training diverged or the width is wrong; no comparison possible."
        )
    if measured <= 0:
        fail(
            f"the measured loss is {measured:.4g}: a cross-entropy is positive. Pass the run's "
            "validation loss, not the error measured - predicted or a log of it."
        )
    predicted = float(_COMMITTED["loss"])
    err = measured - predicted
    if abs(err) <= 1e-9 * predicted:
        fail(
            "the measured loss equals the committed prediction to the last digit: pass the loss "
            "the final run measured (final_loss[0]), not the prediction."
        )
    if abs(err) > tolerance and abs(np.exp(predicted) - measured) <= tolerance:
        fail(
            "the committed loss is the log of the loss you measured: you fitted log(loss_opt) "
            "against log C; commit np.exp of the fitted value."
        )
    if abs(err) > tolerance and abs(np.exp(measured) - predicted) <= tolerance:
        fail(
            "the measured loss is the log of a loss that would match your prediction: pass the "
            "validation loss itself (final_loss[0]), not np.log of it."
        )
    if measured < _FLOOR:
        fail(
            f"the measured loss {measured:.3f} nats is below the Zipf-phrase language's entropy "
            "floor (0.503 nats, cs.train.ZipfPhrases().entropy_floor), which no model reaches: "
            "pass the final run's validation loss, not the error measured - predicted."
        )
    if measured > _UNIFORM + 0.1:
        fail(
            f"the measured loss {measured:.3f} is above ln(65) = {_UNIFORM:.2f}, uniform guessing: "
            "the final run learned nothing. Did it train for 0 steps (steps = FINAL_BUDGET // "
            "flops_per_step(cfg, BATCH)) or on another budget?"
        )
    verdict = "within" if abs(err) <= tolerance else "outside"
    print(
        f"measured {measured:.3f} vs predicted {predicted:.3f}: "
        f"error {err:+.3f} nats ({verdict} +-{tolerance})."
    )
    return err
