"""Tests for cs324scale.checks: every lab check passes the reference answer (the
solution's) and rejects typical wrong answers with a message naming the mistake."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import cs324scale as cs
from cs324scale import train
from cs324scale._random import as_generator
from cs324scale.checks import lab1, lab2, lab3, lab4


def fails(match: str):
    return pytest.raises(AssertionError, match=match)


# ============================================================================== lab 1


def _mc(ns, *, sigma, trials, rng, scale=None, axis=1):
    """The solution's Monte Carlo; ``scale`` and ``axis`` inject the classic mistakes."""
    s = sigma if scale is None else scale
    return np.array([np.mean((s * rng.standard_normal((trials, n))).mean(axis) ** 2) for n in ns])


def test_mean_estimation_accepts_the_solution(capsys):
    lab1.check_mean_estimation(_mc)
    assert capsys.readouterr().out.startswith("OK:")


def test_mean_estimation_names_mistakes():
    def single_samples(ns, *, sigma, trials, rng):
        return np.array([np.mean((sigma * rng.standard_normal(trials)) ** 2) for n in ns])

    with fails("single samples"):
        lab1.check_mean_estimation(single_samples)
    with fails("factor sigma\\^2"):
        lab1.check_mean_estimation(
            lambda ns, *, sigma, **kw: _mc(ns, sigma=sigma, scale=sigma**2, **kw)
        )
    with fails("does not grow with sigma"):
        lab1.check_mean_estimation(lambda ns, *, sigma, **kw: _mc(ns, sigma=sigma, scale=1.0, **kw))
    with fails("trial axis \\(axis 0\\)"):
        lab1.check_mean_estimation(lambda ns, **kw: _mc(ns, axis=0, **kw))
    with fails("without Monte Carlo noise"):
        lab1.check_mean_estimation(lambda ns, *, sigma, **kw: sigma**2 / np.asarray(ns))
    with fails("shape"):
        lab1.check_mean_estimation(lambda ns, **kw: np.zeros(2))
    with fails("return"):
        lab1.check_mean_estimation(lambda ns, **kw: None)


def test_slope_accepts_and_names_mistakes(capsys):
    lab1.check_slope(-0.98, -1.0, tol=0.05)
    lab1.check_slope(np.log(4.0) + 0.05, np.log(4.0), tol=0.15, what="the intercept log A")
    assert capsys.readouterr().out.count("OK:") == 2
    with fails("off by \\+0.200"):
        lab1.check_slope(-0.8, -1.0, tol=0.05)
    with fails("sign is wrong.*alpha"):
        lab1.check_slope(1.0, -1.0, tol=0.05)
    with fails("pass log\\(A\\), not A"):
        lab1.check_slope(4.0, np.log(4.0), tol=0.15, what="the intercept log A")
    with fails("base-10"):
        lab1.check_slope(np.log10(4.0), np.log(4.0), tol=0.15, what="the intercept log A")
    with fails("fit failed"):
        lab1.check_slope(np.nan, -1.0, tol=0.05)


def _box_solution(x_train, y_train, x_query, side):
    """Task 3 of solutions/01_data_scaling_laws.py."""
    m = int(np.ceil(1.0 / side - 1e-9))
    powers = m ** np.arange(x_train.shape[1])

    def box_of(x):
        return np.clip(np.floor(x / side).astype(int), 0, m - 1) @ powers

    sums = np.bincount(box_of(x_train), weights=y_train, minlength=m ** x_train.shape[1])
    counts = np.bincount(box_of(x_train), minlength=m ** x_train.shape[1])
    means = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return means[box_of(x_query)]


def _boxes(x, y, xq, side, *, m=None, to_int=np.floor, empty=0.0):
    m = int(np.ceil(1.0 / side - 1e-9)) if m is None else m
    base = m ** np.arange(x.shape[1])

    def cell(z):
        return np.clip(to_int(z / side).astype(int), 0, m - 1) @ base

    counts = np.bincount(cell(x), minlength=m ** x.shape[1])
    sums = np.bincount(cell(x), weights=y, minlength=m ** x.shape[1])
    return np.where(counts > 0, sums / np.maximum(counts, 1), empty)[cell(xq)]


def test_box_estimator_accepts_the_solution_and_the_library(capsys):
    lab1.check_box_estimator(_box_solution)
    lab1.check_box_estimator(cs.toys.box_estimate)
    assert capsys.readouterr().out.count("OK:") == 2


def test_box_estimator_names_mistakes():
    with fails("global mean"):
        lab1.check_box_estimator(lambda x, y, xq, side: np.full(len(xq), y.mean()))
    with fails("shape"):
        lab1.check_box_estimator(lambda x, y, xq, side: np.zeros((len(xq), 1)))
    with fails("NaN predictions"):
        lab1.check_box_estimator(lambda x, y, xq, side: _boxes(x, y, xq, side, empty=np.nan))
    with fails("box without training points must be predicted as 0"):
        lab1.check_box_estimator(lambda x, y, xq, side: _boxes(x, y, xq, side, empty=y.mean()))
    with fails("ceil\\(1/side\\)"):
        lab1.check_box_estimator(lambda x, y, xq, side: _boxes(x, y, xq, side, m=int(1 / side)))
    with fails("floor\\(x / side\\), not round"):
        lab1.check_box_estimator(lambda x, y, xq, side: _boxes(x, y, xq, side, to_int=np.round))
    with fails("only the first coordinate"):
        lab1.check_box_estimator(lambda x, y, xq, side: _boxes(x[:, :1], y, xq[:, :1], side))
    with fails("return"):
        lab1.check_box_estimator(lambda x, y, xq, side: None)


def test_box_exponents_accepts_and_names_mistakes(capsys):
    lab1.check_box_exponents([1, 2, 3], [-0.66, -0.5, -0.41])
    assert "OK:" in capsys.readouterr().out
    with fails("every slope is positive"):
        lab1.check_box_exponents([1, 2, 3], [0.66, 0.5, 0.41])
    with fails("d = 1 is off the optimal-side rate.*n\\*\\*\\(-1/\\(d\\+2\\)\\)"):
        lab1.check_box_exponents([1, 2, 3], [-0.5, -0.5, -0.38])  # the lecture's side in d = 1
    with fails("shallower"):
        lab1.check_box_exponents([1, 2, 3], [-0.62, -0.43, -0.45])
    with fails("shape"):
        lab1.check_box_exponents([1, 2, 3], [-0.66, -0.5])


def test_intrinsic_dimension_from_the_mystery_curve(capsys):
    """The solution's estimate (Task 5) on the shipped mystery data passes the check."""
    curve = lab1.mystery_manifold_curve(np.logspace(2, 3.7, 6).astype(int), key=0)
    k_hat = -2.0 / -cs.fit.PowerLaw().fit(curve.n, curve.mse).alpha_
    lab1.check_intrinsic_dimension(k_hat)
    assert "OK:" in capsys.readouterr().out
    with fails("far too large"):
        lab1.check_intrinsic_dimension(24.0)  # the number of coordinates
    with fails("not -1/slope"):
        lab1.check_intrinsic_dimension(k_hat / 2)  # -1/slope
    with fails("a dimension is positive"):
        lab1.check_intrinsic_dimension(-k_hat)  # 2/slope
    with pytest.raises(TypeError, match="key"):
        lab1.mystery_manifold_curve([100, 200])  # randomness needs an explicit key


# ============================================================================== lab 2


SCHEDULE = cs.train.warmup_cosine(warmup=0.05)  # the lab's schedule


def _population(mode: str = "solution"):
    """Task 1 of solutions/02_hyperparameter_transfer.py; ``mode`` injects one mistake."""
    import jax
    import jax.numpy as jnp
    import optax

    data = cs.train.shakespeare()
    tokens = jnp.asarray(data.train)

    def train_population(cfg, lrs, seeds, *, steps, batch_size=64):
        val = jnp.asarray(
            cs.train.engine.eval_windows(data.val, cfg, n_windows=1024, batch_size=batch_size)
        )
        scales = cs.train.mlp.lr_scales(cfg)
        mult = SCHEDULE.multiplier(steps)

        def one(lr, seed):
            key = jax.random.key(0) if mode == "same_seed" else jax.random.key(seed)
            k_init, k_data = jax.random.split(key)
            params = cs.train.mlp.init(cfg, key=k_init)
            opt = optax.adam(lr if mode == "constant_rate" else (lambda t: lr * mult(t)))

            def step(carry, t):
                params, state = carry
                w = cs.train.sample_windows(
                    tokens, cfg.context + 1, batch_size, key=jax.random.fold_in(k_data, t)
                )
                loss, grads = jax.value_and_grad(lambda p: cs.train.mlp.loss(cfg, p, w))(params)
                if mode == "scaled_gradients":
                    grads = jax.tree.map(lambda g, s: g * s, grads, scales)
                updates, state = opt.update(grads, state, params)
                if mode == "inverted_scales":
                    updates = jax.tree.map(lambda u, s: u / s, updates, scales)
                elif mode not in ("scaled_gradients", "ignored_scales"):
                    updates = jax.tree.map(lambda u, s: u * s, updates, scales)
                return (optax.apply_updates(params, updates), state), loss

            (params, _), losses = jax.lax.scan(step, (params, opt.init(params)), jnp.arange(steps))
            if mode == "train_loss":
                return losses[-1]
            return jax.lax.map(lambda w: cs.train.mlp.loss(cfg, params, w), val).mean()

        lr_grid, seed_grid = np.meshgrid(
            np.asarray(lrs, np.float32), np.asarray(seeds, np.int32), indexing="ij"
        )
        out = jax.jit(jax.vmap(one))(jnp.asarray(lr_grid.ravel()), jnp.asarray(seed_grid.ravel()))
        out = np.asarray(out).reshape(len(lrs), len(seeds))
        return out.T if mode == "transposed" else out

    return train_population


@pytest.mark.slow
def test_population_accepts_the_solution_and_patches_nothing(capsys):
    """The solution passes, and the check runs it as the lab does: during every call
    ``mlp.lr_scales`` is the kit's own function (a function that captured it at import
    gets the same verdict as one that looks it up)."""
    kit_lr_scales = cs.train.mlp.lr_scales
    solution, seen = _population(), []

    def watched(cfg, *args, **kwargs):
        seen.append((cfg.parametrization, cs.train.mlp.lr_scales is kit_lr_scales))
        return solution(cfg, *args, **kwargs)

    lab2.check_population(watched, SCHEDULE)
    assert "OK: train_population" in capsys.readouterr().out
    assert seen == [("mup", True), ("standard", True)]


@pytest.mark.slow
@pytest.mark.parametrize(
    "mode, match",
    [
        ("scaled_gradients", "scales applied to the gradients.*Adam \\*updates\\*"),
        ("ignored_scales", "per-layer scales ignored: multiply each Adam update"),
        ("inverted_scales", "dividing the updates by `scales`"),
        ("same_seed", "both seeds give identical losses"),
        ("transposed", "shape \\(2, 3\\); expected \\(3, 2\\)"),
        ("train_loss", "last training batch's loss.*validation windows"),
        ("constant_rate", "match a constant learning rate"),
    ],
)
def test_population_names_mistakes(mode, match):
    with fails(match):
        lab2.check_population(_population(mode), SCHEDULE)


def test_population_needs_the_labs_schedule():
    with fails("needs the lab's schedule"):
        lab2.check_population(_population(), 0.05)


@pytest.mark.slow
def test_population_mistakes_are_far_from_the_engine():
    """The muP config separates the mistakes from the engine by far more than rounding."""
    key = tuple(sorted(lab2._MUP.items()))
    steps = lab2._STEPS
    ref, variants = lab2._engine(key, steps, SCHEDULE), lab2._variants(key, steps, SCHEDULE)
    assert lab2._gap(variants["updates"], ref) < 1e-3
    for name in ("ignored", "gradients", "inverted", "constant", "train_loss"):
        assert lab2._gap(variants[name], ref) > 3 * lab2._NEAR, name


LRS = np.geomspace(1.5e-3, 4.8e-2, 6)
WIDTHS = np.array([12, 24, 48, 96])


def _table():
    """A loss table (widths x rates) whose minimum moves to lower rates with width."""
    x = np.log(LRS)[None, :]
    centre = np.log(2e-2) - 0.5 * np.log(WIDTHS / 12.0)[:, None]
    return 2.5 - 0.1 * np.log(WIDTHS)[:, None] + 0.05 * (x - centre) ** 2


def _lr_star(lrs, table):
    """Task 3 of the solution: grid minimum refined by a parabola in log lr."""
    x = np.log(lrs)
    out = []
    for row in table:
        j = int(np.clip(np.nanargmin(row), 1, len(x) - 2))
        c2, c1, _ = np.polyfit(x[j - 1 : j + 2], row[j - 1 : j + 2], 2)
        best = -c1 / (2 * c2) if c2 > 0 else x[np.nanargmin(row)]
        out.append(np.exp(np.clip(best, x[0], x[-1])))
    return np.array(out)


def test_lr_star_accepts_the_solution_and_the_grid_minimum(capsys):
    lab2.check_lr_star(_lr_star, LRS, _table())
    lab2.check_lr_star(lambda lrs, t: lrs[np.argmin(t, axis=1)], LRS, _table())
    assert capsys.readouterr().out.count("OK:") == 2


def test_lr_star_names_mistakes():
    table = _table()
    with fails("shape \\(6,\\); expected \\(4,\\)"):
        lab2.check_lr_star(lambda lrs, t: lrs[np.argmin(t, axis=0)], LRS, table)  # over widths
    with fails("column index"):
        lab2.check_lr_star(lambda lrs, t: np.argmin(t, axis=1), LRS, table)
    with fails("argmax"):
        lab2.check_lr_star(lambda lrs, t: lrs[np.argmax(t, axis=1)], LRS, table)
    with fails("lowest loss; return the learning rate"):
        lab2.check_lr_star(lambda lrs, t: t.min(axis=1), LRS, table)
    with fails("log\\(lr\\*\\)"):
        lab2.check_lr_star(lambda lrs, t: np.log(lrs[np.argmin(t, axis=1)]), LRS, table)
    with fails("off by one"):
        lab2.check_lr_star(lambda lrs, t: lrs[np.argmin(t, axis=1) + 1], LRS, table)


def _trend(widths, lr_star):
    slope, intercept = np.polyfit(np.log(widths), np.log(lr_star), 1)
    return float(slope), float(intercept)


def test_lr_trend_accepts_and_names_mistakes(capsys):
    star = _lr_star(LRS, _table())
    lab2.check_lr_trend(_trend, WIDTHS, star)
    assert "OK:" in capsys.readouterr().out
    with fails("linear space"):
        lab2.check_lr_trend(lambda w, s: tuple(np.polyfit(w, s, 1)), WIDTHS, star)
    with fails("swapped"):
        lab2.check_lr_trend(lambda w, s: _trend(w, s)[::-1], WIDTHS, star)
    with fails("log10"):
        lab2.check_lr_trend(
            lambda w, s: tuple(np.polyfit(np.log10(w), np.log10(s), 1)), WIDTHS, star
        )
    with fails("return \\(slope, intercept\\)"):
        lab2.check_lr_trend(lambda w, s: _trend(w, s)[0], WIDTHS, star)


def _loglinear_at(widths, losses, width):
    slope, a = np.polyfit(np.log(widths), losses, 1)
    return float(a + slope * np.log(width))


def _prediction(big=512):
    table = _table()
    star = _lr_star(LRS, table)
    j = int(np.argmin(table[:2].mean(axis=0)))
    fixed, tuned = table[:, j], table.min(axis=1)
    s, i = _trend(WIDTHS, star)
    pred = {
        "fixed": _loglinear_at(WIDTHS, fixed, big),
        "tuned": _loglinear_at(WIDTHS, tuned, big),
        "lr_big": float(np.exp(i + s * np.log(big))),
    }
    return pred, (WIDTHS, fixed, tuned, big), star


def _fixed_rate_index(table, n_tune):
    """Task 5 of the solution."""
    lo = (len(table) - n_tune) // 2
    return int(np.nanargmin(np.nanmean(table[lo : lo + n_tune], axis=0)))


def _shifting_table():
    """Six widths whose best rate moves a column every width: each mistake lands apart."""
    widths, cols = np.arange(6), np.arange(8)
    return 2.0 + 0.05 * (cols[None, :] - (6 - widths[:, None])) ** 2 + 0.01 * cols[None, :]


def test_fixed_rate_accepts_the_solution(capsys):
    lab2.check_fixed_rate(_fixed_rate_index, _shifting_table(), 3)
    assert "OK: fixed_rate_index" in capsys.readouterr().out


def test_fixed_rate_names_mistakes():
    t = _shifting_table()
    with fails("over the smallest widths"):
        lab2.check_fixed_rate(lambda tab, n: int(np.argmin(tab[:n].mean(axis=0))), t, 3)
    with fails("averaged over every width"):
        lab2.check_fixed_rate(lambda tab, n: int(np.argmin(tab.mean(axis=0))), t, 3)
    with fails("worst rate \\(argmax\\)"):
        lab2.check_fixed_rate(lambda tab, n: int(np.argmax(tab[1:4].mean(axis=0))), t, 3)
    with fails("average over the rates \\(axis 1\\)"):
        lab2.check_fixed_rate(lambda tab, n: int(np.argmin(tab[1:4].mean(axis=1))), t, 3)
    with fails("one column index"):
        lab2.check_fixed_rate(lambda tab, n: tab[1:4].mean(axis=0), t, 3)
    with fails("not the rate with the lowest loss"):
        lab2.check_fixed_rate(lambda tab, n: 7, t, 3)
    with pytest.raises(ValueError, match="n_tune must be between 1 and the 6 rows"):
        lab2.check_fixed_rate(_fixed_rate_index, t, 7)


def test_prediction_accepts_the_solution(capsys):
    pred, args, star = _prediction()
    lab2.check_prediction(pred, *args, lr_star=star)
    assert "OK:" in capsys.readouterr().out


def test_prediction_names_mistakes():
    pred, args, star = _prediction()
    with fails("'tuned' prediction"):
        lab2.check_prediction({**pred, "fixed": pred["tuned"]}, *args, lr_star=star)
    with fails("lacks 'lr_big'"):
        lab2.check_prediction({"fixed": pred["fixed"], "tuned": pred["tuned"]}, *args, lr_star=star)
    with fails("widest width you trained"):  # lr* of the last trained width: not extrapolated
        lab2.check_prediction({**pred, "lr_big": star[-1]}, *args, lr_star=star)
    with fails("positive learning rate"):  # the log of the rate
        lab2.check_prediction({**pred, "lr_big": np.log(pred["lr_big"])}, *args, lr_star=star)
    widths, fixed, _, big = args
    slope, a = np.polyfit(widths, fixed, 1)
    with fails("linear in log\\(width\\)"):
        lab2.check_prediction({**pred, "fixed": a + slope * big}, *args, lr_star=star)
    s, i = _trend(widths, star)
    with fails("at log\\(BIG_WIDTH\\), not at BIG_WIDTH"):
        lab2.check_prediction({**pred, "lr_big": float(np.exp(i + s * big))}, *args, lr_star=star)
    with fails("is a list; make it a dict"):
        lab2.check_prediction(list(pred.values()), *args, lr_star=star)


# ============================================================================== lab 3


def _objective(theta, logN, logD, logL, delta=1e-3, *, quad=0.5, lin=0.5, huber=True, mean=False):
    """Task 1 of solutions/03_compute_optimal_scaling.py; keywords inject mistakes."""
    a, b, e, alpha, beta = theta
    pred = np.logaddexp.reduce(
        np.stack([a - alpha * logN, b - beta * logD, np.full_like(logN, e)]), axis=0
    )
    r = np.abs(pred - logL)
    terms = np.where(r <= delta, quad * r**2, delta * (r - lin * delta)) if huber else 0.5 * r**2
    return float(np.mean(terms) if mean else np.sum(terms))


def test_objective_accepts_the_solution(capsys):
    lab3.check_objective(_objective)
    assert "OK:" in capsys.readouterr().out


@pytest.mark.parametrize(
    "mistake, match",
    [
        ({"mean": True}, "mean of the Huber terms"),
        ({"huber": False}, "squared error"),
        ({"quad": 1.0}, "quadratic branch"),
        ({"lin": 0.0}, "linear branch"),
    ],
)
def test_objective_names_mistakes(mistake, match):
    with fails(match):
        lab3.check_objective(lambda *a: _objective(*a, **mistake))


def test_objective_rejects_swapped_exponents():
    with fails("off by a factor"):
        lab3.check_objective(lambda th, *a: _objective(np.asarray(th)[[0, 1, 2, 4, 3]], *a))


# Epoch's replication (shipped data README): the solution's fit lands on it.
EPOCH = {"E": 1.817, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}


def test_chinchilla_fit_accepts_and_names_mistakes(capsys):
    lab3.check_chinchilla_fit(EPOCH)
    assert "OK:" in capsys.readouterr().out
    with fails("looks like log A"):
        lab3.check_chinchilla_fit({**EPOCH, "A": np.log(EPOCH["A"])})
    with fails("A and B look swapped"):
        lab3.check_chinchilla_fit({**EPOCH, "A": EPOCH["B"], "B": EPOCH["A"]})
    with fails("E = 1.69.*below Epoch's 95% interval"):
        lab3.check_chinchilla_fit({**EPOCH, "E": 1.69})  # Hoffmann et al.'s value, not this data's
    with fails("lacks 'beta'"):
        lab3.check_chinchilla_fit({k: v for k, v in EPOCH.items() if k != "beta"})


def test_intervals_accept_and_name_mistakes(capsys):
    epoch = cs.published.epoch_intervals()
    lab3.check_intervals(epoch, EPOCH)
    assert "OK:" in capsys.readouterr().out
    with fails("low must be below high"):
        lab3.check_intervals({k: v[::-1] for k, v in epoch.items()}, EPOCH)
    tiny = {
        k: (EPOCH[k] * (1 - 1e-4), EPOCH[k] * (1 + 1e-4)) for k in EPOCH
    }  # permuted, not resampled
    with fails("with replacement"):
        lab3.check_intervals(tiny, EPOCH)
    logs = {k: tuple(np.log(v)) for k, v in epoch.items()}
    with fails("outside its own bootstrap interval"):
        lab3.check_intervals(logs, EPOCH)
    with fails("wider than half its value"):
        lab3.check_intervals({**epoch, "E": (0.5, 3.0)}, EPOCH)
    with fails("intervals\\['alpha'\\] has 1 value\\(s\\); expected a pair"):
        lab3.check_intervals({**epoch, "alpha": EPOCH["alpha"]}, EPOCH)  # the estimate only
    with fails("lacks 'beta'"):
        lab3.check_intervals({k: v for k, v in epoch.items() if k != "beta"}, EPOCH)


def _compute_optimal(params, C, *, exponent="beta", c6=6.0):
    al, be = params["alpha"], params["beta"]
    G = (al * params["A"] / (be * params["B"])) ** (1 / (al + be))
    n_opt = G * (C / c6) ** ((be if exponent == "beta" else al) / (al + be))
    return n_opt, C / (6 * n_opt)


def test_compute_optimal_accepts_and_names_mistakes(capsys):
    lab3.check_compute_optimal(_compute_optimal, EPOCH)
    assert "OK:" in capsys.readouterr().out
    with fails("\\(D_opt, N_opt\\)"):
        lab3.check_compute_optimal(lambda p, C: _compute_optimal(p, C)[::-1], EPOCH)
    with fails("use C / 6"):
        lab3.check_compute_optimal(lambda p, C: _compute_optimal(p, C, c6=1.0), EPOCH)
    with fails("exponent of N_opt is beta"):
        lab3.check_compute_optimal(lambda p, C: _compute_optimal(p, C, exponent="alpha"), EPOCH)
    with fails("spend the whole budget"):
        lab3.check_compute_optimal(
            lambda p, C: (_compute_optimal(p, C)[0], C / _compute_optimal(p, C)[0]), EPOCH
        )


def test_commit_then_final_run(capsys):
    lab3._COMMITTED.clear()
    with fails("no committed 'loss'"):
        lab3.check_final_run(2.3)
    lab3.commit_prediction(N_opt=2.0e4, loss=2.30)
    assert lab3.check_final_run(2.32) == pytest.approx(0.02)
    assert "within" in capsys.readouterr().out
    assert lab3.check_final_run(np.array([2.50])) == pytest.approx(0.20)  # a miss is a result
    assert "outside" in capsys.readouterr().out
    assert lab3.check_final_run(3.9) == pytest.approx(1.6)  # a bad miss too, not an error
    assert "outside" in capsys.readouterr().out
    lab3._COMMITTED.clear()


@pytest.mark.parametrize(
    "measured, match",
    [
        (float("nan"), "diverged"),
        (float("inf"), "diverged"),
        (np.array([2.31, 2.45, 2.6]), "has 3 values.*not a whole profile"),
        ({"loss": 2.31}, "is a dict; pass one number"),
        (None, "None"),
        (-0.02, "cross-entropy is positive"),
        (0.0, "cross-entropy is positive"),
        (2.30, "equals the committed prediction"),  # the prediction passed back
        (float(np.log(2.31)), "log of a loss that would match"),  # np.log of the loss
        (0.3, "below the Zipf-phrase language.s entropy.*not the error"),  # the error, not the loss
        (4.6, "above ln\\(65\\).*learned nothing"),  # an untrained model
    ],
)
def test_final_run_rejects_what_is_not_the_final_runs_loss(measured, match):
    lab3._COMMITTED.clear()
    lab3.commit_prediction(N_opt=2.0e4, loss=2.30)
    with fails(match):
        lab3.check_final_run(measured)
    lab3._COMMITTED.clear()


def test_commit_and_final_run_name_mistakes():
    lab3._COMMITTED.clear()
    with fails("commit at least one"):
        lab3.commit_prediction()
    with fails("finite"):
        lab3.commit_prediction(N_opt=2.0e4, loss=float("nan"))
    with fails("not positive"):
        lab3.commit_prediction(N_opt=2.0e4, loss=-0.2)
    with fails("one finite number"):
        lab3.commit_prediction(N_opt=2.0e4, loss=[2.3, 2.4])
    lab3.commit_prediction(N_opt=2.0e4, loss=float(np.log(2.31)))  # forgot np.exp
    with fails("committed loss is the log"):
        lab3.check_final_run(2.31)
    lab3._COMMITTED.clear()


# ============================================================================== lab 4


@pytest.fixture(scope="module")
def lm_curve():
    return next(c for c in cs.published.revisiting_nsl_curves("LM") if c.model == "1.07e+09")


def _forecast(curve, x, *, n_resamples, key, kind="pi", level=0.95):
    """Part 1 of solutions/04_forecasting.py; ``kind`` and ``level`` inject mistakes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.fit.FitConvergenceWarning)
        f = cs.fit.extrapolate(
            cs.fit.SaturatingPowerLaw(),
            curve.x_train,
            curve.y_train,
            at=x,
            n_resamples=n_resamples,
            key=key,
            level=level,
        )
    return float(f.prediction), tuple(float(v) for v in getattr(f, kind))


def test_forecast_accepts_the_solution(lm_curve, capsys):
    lab4.check_forecast(_forecast, lm_curve, n_resamples=20, key=0)
    assert "OK:" in capsys.readouterr().out


def test_forecast_names_mistakes(lm_curve):
    kw = {"n_resamples": 20, "key": 0}
    with fails("confidence interval"):
        lab4.check_forecast(lambda *a, **k: _forecast(*a, kind="ci", **k), lm_curve, **kw)
    with fails("90% prediction interval"):
        lab4.check_forecast(lambda *a, **k: _forecast(*a, level=0.9, **k), lm_curve, **kw)
    with fails("key=key"):  # the key it was given is ignored
        lab4.check_forecast(
            lambda c, x, *, n_resamples, key: _forecast(c, x, n_resamples=n_resamples, key=key + 1),
            lm_curve,
            **kw,
        )

    def leaked(c, x, **k):
        law = cs.fit.SaturatingPowerLaw().fit(
            np.r_[c.x_train, c.x_test], np.r_[c.y_train, c.y_test]
        )
        p = float(law.predict(x))
        return p, (0.9 * p, 1.1 * p)

    with fails("held-out ones included"):
        lab4.check_forecast(leaked, lm_curve, **kw)
    with fails("observed loss"):
        lab4.check_forecast(lambda c, x, **k: (float(c.y_test[-1]), (0.0, 1e9)), lm_curve, **kw)
    with fails("Return a pair"):
        lab4.check_forecast(lambda c, x, **k: _forecast(c, x, **k)[0], lm_curve, **kw)


def _rmse(est, c):
    pred = est.clone().fit(c.x_train, c.y_train).predict(c.x_test)
    return float(np.sqrt(np.mean((np.log(pred) - np.log(c.y_test)) ** 2)))


def test_heldout_rmse_accepts_and_names_mistakes(capsys):
    curves = cs.published.revisiting_nsl_curves("NMT")[:2]
    lab4.check_heldout_rmse(_rmse, curves)
    assert "OK:" in capsys.readouterr().out
    with fails("square root"):
        lab4.check_heldout_rmse(lambda e, c: _rmse(e, c) ** 2, curves)
    with fails("log10"):
        lab4.check_heldout_rmse(lambda e, c: _rmse(e, c) / np.log(10), curves)

    def on_train(est, c):
        pred = est.clone().fit(c.x_train, c.y_train).predict(c.x_train)
        return float(np.sqrt(np.mean((np.log(pred) - np.log(c.y_train)) ** 2)))

    with fails("scored the training points"):
        lab4.check_heldout_rmse(on_train, curves)


def _origin(est, c, k, *, fit_on=None, space="log", far="abs", shift=0):
    """Part 2's origin_errors; the keywords inject the classic mistakes."""
    x, y = np.r_[c.x_train, c.x_test], np.r_[c.y_train, c.y_test]
    order = np.argsort(x)
    x, y = x[order], y[order]
    kf = k + shift
    sl = slice(None) if fit_on == "all" else slice(0, kf)
    pred = est.clone().fit(x[sl], y[sl]).predict(x[kf:])
    err = np.log(pred) - np.log(y[kf:]) if space == "log" else pred - y[kf:]
    rmse = float(np.sqrt(np.mean(err**2)))
    value = {"abs": abs(err[-1]), "signed": err[-1], "mean": rmse, "first": abs(err[0])}[far]
    return rmse, float(value)


def test_origin_errors_accepts_the_solution_and_names_mistakes(capsys):
    curves = cs.published.revisiting_nsl_curves("NMT")[:2]
    lab4.check_origin_errors(_origin, curves)
    assert "OK:" in capsys.readouterr().out
    cases = {
        "fitted on all points": {"fit_on": "all"},
        "first k - 1 points": {"shift": -1},
        "k \\+ 1 points": {"shift": 1},
        "loss units": {"space": "linear"},
        "mean error where the far point is asked": {"far": "mean"},
        "signed": {"far": "signed"},
        "LAST point": {"far": "first"},
    }
    for match, kw in cases.items():
        with fails(match):
            lab4.check_origin_errors(lambda e, c, k, kw=kw: _origin(e, c, k, **kw), curves)
    with fails("square root"):
        lab4.check_origin_errors(
            lambda e, c, k: (_origin(e, c, k)[0] ** 2, _origin(e, c, k)[1]), curves
        )
    with fails("pair"):
        lab4.check_origin_errors(lambda e, c, k: _origin(e, c, k)[1], curves)


def _far_table(ests, curves, fractions, **kw):
    def row(make, c):
        x_all = np.sort(np.r_[c.x_train, c.x_test])
        return [_origin(make(), c, cs.fit.origin_index(x_all, f), **kw)[1] for f in fractions]

    return {n: np.array([row(m, c) for c in curves]) for n, m in ests.items()}


def test_rolling_table_beats_and_winners(capsys):
    curves = (
        cs.published.revisiting_nsl_curves("NMT")[:2] + cs.published.revisiting_nsl_curves("BB")[:1]
    )
    ests = {"last value": cs.fit.LastValue, "power law": cs.fit.PowerLaw}
    origins = (0.5, 0.75)
    far = _far_table(ests, curves, origins)
    lab4.check_rolling_table(far, ests, curves, origins)
    with fails("transpose"):
        lab4.check_rolling_table({n: v.T for n, v in far.items()}, ests, curves, origins)
    with fails("RMSE over the predicted points"):
        lab4.check_rolling_table(
            _far_table(ests, curves, origins, far="mean"), ests, curves, origins
        )
    with fails("wrong order"):
        lab4.check_rolling_table({n: v[::-1] for n, v in far.items()}, ests, curves, origins)
    with fails("no entry for \\['power law'\\]"):
        lab4.check_rolling_table({"last value": far["last value"]}, ests, curves, origins)

    def by_points(make, c):
        n = c.x_train.size + c.x_test.size
        return [_origin(make(), c, int(round(f * n)))[1] for f in origins]

    with fails("shares of the number of points"):
        lab4.check_rolling_table(
            {n: np.array([by_points(m, c) for c in curves]) for n, m in ests.items()},
            ests,
            curves,
            origins,
        )
    beats = {"power law": int(np.sum(far["power law"] < far["last value"]))}
    lab4.check_beats_baseline(beats, far, "last value")
    with fails("WORSE"):
        lab4.check_beats_baseline(
            {"power law": int(np.sum(far["power law"] > far["last value"]))}, far, "last value"
        )
    with fails("share"):
        lab4.check_beats_baseline(
            {"power law": beats["power law"] / far["power law"].size}, far, "last value"
        )
    with fails("baseline"):
        lab4.check_beats_baseline({**beats, "last value": 0}, far, "last value")
    table = {n: v.mean(axis=1) for n, v in far.items()}
    winners = {
        d: min(table, key=lambda n, d=d: table[n][[c.domain == d for c in curves]].mean())
        for d in ("BB", "NMT")
    }
    lab4.check_winners(winners, table, curves)
    assert capsys.readouterr().out.count("OK:") == 3
    loser = {d: next(n for n in table if n != w) for d, w in winners.items()}
    with fails("lowest mean error"):
        lab4.check_winners(loser, table, curves)
    with fails("one per domain"):
        lab4.check_winners({"LM": winners["NMT"]}, table, curves)
    with fails("not one of the estimators"):
        lab4.check_winners({d: ests[w] for d, w in winners.items()}, table, curves)  # the class


def _crossing(n, acc, target):
    b, a = np.polyfit(np.log(n), acc, 1)
    return float(np.exp((target - a) / b))


def test_crossing_accepts_the_answer_and_names_mistakes(capsys):
    lab4.check_crossing(_crossing)
    assert "OK" in capsys.readouterr().out
    with fails("log10"):
        lab4.check_crossing(lambda n, a, t: np.log10(_crossing(n, a, t)))
    with fails("log N, not in N"):
        lab4.check_crossing(lambda n, a, t: (t - np.polyfit(n, a, 1)[1]) / np.polyfit(n, a, 1)[0])
    with fails("sign is flipped"):
        lab4.check_crossing(lambda n, a, t: 1 / _crossing(n, a, t))
    with fails("np.polyfit returns the slope first"):
        lab4.check_crossing(
            lambda n, a, t: float(
                np.exp((t - np.polyfit(np.log(n), a, 1)[0]) / np.polyfit(np.log(n), a, 1)[1])
            )
        )
    with fails("return"):
        lab4.check_crossing(lambda n, a, t: None)


def _winogrande():
    rows = cs.published.gpt3_table_h1("WinoGrande", "zero-shot")
    return np.array([r.n_params for r in rows]), np.array([r.accuracy_pct for r in rows])


def _crossing_interval(n, acc, target, *, n_resamples, key, q=2.5, rng=None):
    """Part 3 of the solution; ``q`` injects the wrong percentiles."""
    rng = np.random.default_rng(key) if rng is None else rng
    samples = []
    for _ in range(n_resamples):
        idx = rng.integers(0, len(n), size=len(n))
        if np.unique(n[idx]).size > 1:
            samples.append(_crossing(n[idx], acc[idx], target))
    low, high = np.percentile(samples, [q, 100 - q])
    return float(low), float(high)


def test_crossing_interval_accepts_the_solution_and_an_own_bootstrap(capsys):
    n, acc = _winogrande()
    lab4.check_crossing_interval(_crossing_interval, n, acc, 79.0, n_resamples=500, key=1)

    def with_choice(n, acc, target, *, n_resamples, key):  # another valid resampling
        rng = np.random.default_rng(key + 100)
        idx = [rng.choice(len(n), len(n)) for _ in range(n_resamples)]
        xs = [_crossing(n[i], acc[i], target) for i in idx if np.unique(n[i]).size > 1]
        return tuple(np.percentile(xs, [2.5, 97.5]))

    lab4.check_crossing_interval(with_choice, n, acc, 79.0, n_resamples=2000, key=1)
    assert capsys.readouterr().out.count("OK:") == 2


def test_crossing_interval_names_mistakes():
    n, acc = _winogrande()
    kw = {"n_resamples": 500, "key": 1}
    with fails("percentiles 25 and 75"):
        lab4.check_crossing_interval(
            lambda *a, **k: _crossing_interval(*a, q=25, **k), n, acc, 79.0, **kw
        )
    with fails("percentiles 16 and 84"):  # drawn with the kit's key converter
        lab4.check_crossing_interval(
            lambda *a, key, **k: _crossing_interval(*a, key=key, q=16, rng=as_generator(key), **k),
            n,
            acc,
            79.0,
            **kw,
        )
    with fails("percentiles 0 and 100"):
        lab4.check_crossing_interval(
            lambda *a, **k: _crossing_interval(*a, q=0, **k), n, acc, 79.0, **kw
        )
    with fails("tiny for parameter counts"):
        lab4.check_crossing_interval(
            lambda *a, **k: tuple(np.log(_crossing_interval(*a, **k))), n, acc, 79.0, **kw
        )

    def narrow(n, acc, target, **kwargs):
        mid = _crossing(n, acc, target)
        return mid / 1.2, mid * 1.2

    with fails("narrower"):
        lab4.check_crossing_interval(narrow, n, acc, 79.0, **kw)

    def permuted(n, acc, target, *, n_resamples, key):  # no replacement: every resample equal
        rng = np.random.default_rng(key)
        xs = [
            _crossing(n[i], acc[i], target)
            for i in (rng.permutation(len(n)) for _ in range(n_resamples))
        ]
        return tuple(np.percentile(xs, [2.5, 97.5]))

    with fails("does not contain the crossing|narrower"):
        lab4.check_crossing_interval(permuted, n, acc, 79.0, **kw)


# -- lab 3, tasks 5-6: the IsoFLOP protocol and the exponent --------------------------

_LAB3_C = 2e8  # a tiny budget: width 8 trains for 23 steps


def _lab3_point(width=8, *, C=_LAB3_C, lr=1e-2, steps=None, schedule=None, sampling="sequential",
                corpus_steps=None):
    cfg = train.TransformerConfig(d_model=width, n_layer=2, n_head=4, context=32)
    steps = int(C // train.flops_per_step(cfg, 16)) if steps is None else steps
    need = train.loop.tokens_read(33, 16, corpus_steps or steps)
    data = train.ZipfPhrases().corpus(need if sampling == "sequential" else need + 64, n_val=4096)
    return train.run_sweep(cfg, [lr], [0], steps=steps, batch_size=16, data=data, eval_size=16,
                           schedule=schedule or train.warmup_cosine(warmup=0.05), sampling=sampling,
                           curve_points=5, progress=False)


def _lab3_rates(w):
    return {8: 1e-2, 12: 3e-2}[w]


def test_lab3_isoflop_points_accept_the_protocol(capsys):
    lab3.check_isoflop_points({(_LAB3_C, 8): _lab3_point(8), (_LAB3_C, 12): _lab3_point(12, lr=3e-2)},
                              _lab3_rates)
    assert "OK" in capsys.readouterr().out


def test_lab3_isoflop_points_name_each_broken_protocol():
    cfg = train.TransformerConfig(d_model=8, n_layer=2, n_head=4, context=32)
    six_n_steps = int(_LAB3_C // (6 * train.param_count(cfg, embeddings=False) * 16 * 32))
    with fails("count of C = 6ND"):
        lab3.check_isoflop_points({(_LAB3_C, 8): _lab3_point(steps=six_n_steps)}, _lab3_rates)
    with fails("the budget buys"):
        lab3.check_isoflop_points({(_LAB3_C, 8): _lab3_point(steps=5)}, _lab3_rates)
    with fails("'constant' schedule"):
        lab3.check_isoflop_points({(_LAB3_C, 8): _lab3_point(schedule=train.constant())}, _lab3_rates)
    with fails("no warmup"):
        lab3.check_isoflop_points({(_LAB3_C, 8): _lab3_point(schedule=train.warmup_cosine(warmup=0.0))},
                                  _lab3_rates)
    with fails("random windows"):
        lab3.check_isoflop_points({(_LAB3_C, 8): _lab3_point(sampling="random")}, _lab3_rates)
    with fails("not lr_for\\(12\\)"):
        lab3.check_isoflop_points({(_LAB3_C, 8): _lab3_point(8), (_LAB3_C, 12): _lab3_point(12)}, _lab3_rates)
    with fails("the key is \\(width, C\\)"):
        lab3.check_isoflop_points({(8, _LAB3_C): _lab3_point(8)}, _lab3_rates)
    with fails("trained d_model 8, not 12"):
        lab3.check_isoflop_points({(_LAB3_C, 12): _lab3_point(8)}, _lab3_rates)
    with fails("non-empty dict"):
        lab3.check_isoflop_points([], _lab3_rates)
    with fails("None"):
        lab3.check_isoflop_points({(_LAB3_C, 8): None}, _lab3_rates)


def _exponent_solution(iso):
    use = ~iso.on_edge
    return float(np.polyfit(np.log(iso.C[use]), np.log(iso.N_opt[use]), 1)[0])


def test_lab3_exponent_accepts_interior_budgets_and_names_mistakes(capsys):
    lab3.check_exponent(_exponent_solution)
    assert "OK" in capsys.readouterr().out
    ok_all = lambda iso: float(np.polyfit(np.log(iso.C), np.log(iso.N_opt), 1)[0])  # noqa: E731
    with fails("edge budget is in the fit"):
        lab3.check_exponent(ok_all)
    with fails("you fitted D_opt"):
        lab3.check_exponent(lambda iso: float(np.polyfit(np.log(iso.C[~iso.on_edge]),
                                                         np.log(iso.D_opt[~iso.on_edge]), 1)[0]))
    with fails("log-log"):
        lab3.check_exponent(lambda iso: float(np.polyfit(iso.C[~iso.on_edge], iso.N_opt[~iso.on_edge], 1)[0]))
    with fails("None"):
        lab3.check_exponent(lambda iso: None)
