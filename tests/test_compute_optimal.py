"""cs.experiments.compute: Chinchilla's three approaches and the Kaplan-vs-Chinchilla ablations.

Synthetic runs drawn from a known law check that each approach recovers its exponent;
the shipped ``compute_optimal`` results are checked for the protocol the lecture claims.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cs324scale import experiments as lx
from cs324scale.experiments import compute as co
from cs324scale.train import param_count

E, A, B, ALPHA, BETA = 1.0, 60.0, 40.0, 0.45, 0.35  # a = beta / (alpha + beta) = 0.4375
WIDTHS = (8, 12, 16, 24, 32, 48, 64, 96, 128)


def law(N, D):
    return E + A * N**-ALPHA + B * D**-BETA


def synthetic_runs(noise=0.0, seed=0) -> co.ComputeRuns:
    """Five budgets x five widths, two rates (the second 0.05 worse), from ``law``."""
    rng = np.random.default_rng(seed)
    rows = [(C, d) for k, C in enumerate(np.geomspace(1e10, 3e11, 5)) for d in WIDTHS[k : k + 5]]
    out = dict(d=[], N=[], Nt=[], C=[], steps=[], fpt=[], final=[], curve=[], ct=[])
    for C, d in rows:
        cfg = lx.lecture2.transformer(d)
        n = param_count(cfg, embeddings=False)
        tokens = C / (6 * n)
        steps = int(tokens // 512)
        loss = law(n, steps * 512) + noise * rng.normal()
        out["d"].append(d)
        out["N"].append(n)
        out["Nt"].append(param_count(cfg))
        out["C"].append(C)
        out["steps"].append(steps)
        out["fpt"].append(6.0 * n)
        out["final"].append([loss, loss + 0.05])
        ct = np.linspace(0, steps, 51)[1:] * 512
        out["curve"].append([law(n, ct), law(n, ct) + 0.05])
        out["ct"].append(ct)
    arr = {k: np.array(v, float) for k, v in out.items()}
    return co.ComputeRuns(arr["d"].astype(int), arr["N"], arr["Nt"], arr["C"], arr["steps"].astype(int),
                          arr["steps"] * 512, arr["fpt"], np.array([1e-2, 3e-2]), arr["final"], arr["curve"], arr["ct"])


def test_approach2_recovers_the_laws_exponent_and_its_interval_holds_it():
    runs = synthetic_runs(noise=0.003)
    est = co.approach2(runs.N, runs.budget, runs.best, runs.fpt, n_resamples=300)
    a_true = BETA / (ALPHA + BETA)
    assert est.a == pytest.approx(a_true, abs=0.05)
    assert est.a_interval[0] < a_true < est.a_interval[1]
    assert est.b == pytest.approx(1 - a_true, abs=0.05)  # C = 6ND: a + b = 1
    assert est.detail.on_edge.sum() == 1  # the smallest budget's optimum lies below its widths


def test_approach2_resamples_are_paired_by_seed():
    runs = synthetic_runs(noise=0.003)
    x = co.approach2(runs.N, runs.budget, runs.best, runs.fpt, n_resamples=50, seed=3)
    y = co.approach2(runs.N, runs.budget, runs.best + 0.1, runs.fpt, n_resamples=50, seed=3)
    np.testing.assert_allclose(x.a_samples, y.a_samples, atol=1e-9)  # a constant shift moves no minimum


def test_approach3_recovers_a_closed_form_and_numerically():
    runs = synthetic_runs()
    est = co.approach3(runs, flops="6N", n_resamples=20)
    assert est.a == pytest.approx(BETA / (ALPHA + BETA), abs=0.01)
    law_fit = est.detail
    assert law_fit.alpha_ == pytest.approx(ALPHA, abs=0.02) and law_fit.beta_ == pytest.approx(BETA, abs=0.02)
    with pytest.raises(ValueError, match="flops must be"):
        co.approach3(runs, flops="7N")


def test_approach1_envelope_follows_the_law():
    runs = synthetic_runs()
    est = co.approach1(runs, n_resamples=20)
    # the envelope picks among nine discrete widths, so the slope is coarse
    assert est.a == pytest.approx(BETA / (ALPHA + BETA), abs=0.12)


def test_long_run_readings_read_the_longest_runs_curve_at_each_budgets_tokens():
    runs = synthetic_runs()
    got = co.long_run_readings(runs)
    for r in range(len(runs.N)):
        rows = np.flatnonzero(runs.d_model == runs.d_model[r])
        longest = rows[np.argmax(runs.budget[rows])]
        n = runs.N[longest]
        share = runs.tokens[r] / runs.tokens[longest]  # early on, the 5-interval mean lags the curve
        assert got[r] == pytest.approx(law(n, runs.tokens[r]), rel=0.005 if share > 0.3 else 0.05)
    assert np.allclose(co.curve_end(runs), runs.best, rtol=0.02)


def test_single_rate_picks_the_rate_best_on_average_and_counts_divergence_against_it():
    runs = synthetic_runs()
    lr, losses = co.single_rate_losses(runs)
    assert lr == 1e-2 and np.array_equal(losses, runs.final[:, 0])
    final = runs.final.copy()
    final[:, 0] = np.nan  # the better rate diverges everywhere
    lr, _ = co.single_rate_losses(dataclasses.replace(runs, final=final))
    assert lr == 3e-2


def test_smoothed_keeps_a_line_and_averages_noise():
    x = np.arange(20.0)
    np.testing.assert_allclose(co.smoothed(x[None])[0, 2:-2], x[2:-2])
    noisy = np.random.default_rng(0).normal(size=(1, 2000))
    assert co.smoothed(noisy).std() < 0.6 * noisy.std()


# -- the shipped compute_optimal runs ----------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return co.compute_runs(lx.load_results("compute_optimal"), full=False)


def test_shipped_runs_never_repeat_a_token_and_cover_the_designed_grid(shipped):
    res = lx.load_results("compute_optimal")
    assert set(res.sampling) == {"sequential"}
    assert np.all(res.tokens_read() <= res.dataset_size)
    grid = lx.lecture2.compute_optimal_grid(False)
    assert len(shipped.N) == len(grid) and len(shipped.budgets) >= 5
    assert shipped.budgets[-1] / shipped.budgets[0] >= 30
    assert all((shipped.budget == C).sum() >= 5 for C in shipped.budgets)
    assert set(res.schedule) == {"warmup_cosine"}


def test_shipped_isoflop_minima_are_interior_at_every_budget(shipped):
    for C in shipped.budgets:
        rows = np.flatnonzero(shipped.budget == C)
        i = int(np.argmin(shipped.best[rows]))
        assert 0 < i < rows.size - 1, f"budget {C:.1e}: minimum at the edge"
    est = co.approach2(shipped.N, shipped.budget, shipped.best, shipped.fpt, n_resamples=50)
    assert not est.detail.on_edge.any()
