"""Kaplan et al. 2020, Sec. 4: the data requirement (Eqs. 4.3-4.4) and the data_limited runs."""

from __future__ import annotations

import numpy as np
import pytest

import cs324scale as cs
from cs324scale import experiments as lx
from cs324scale.experiments import data_limited as dl


def kaplan_joint():
    return cs.fit.KaplanLaw.from_params(**cs.published.kaplan_constants("joint"))


def test_data_requirement_reproduces_kaplans_eq_4_4_from_table_2():
    law = kaplan_joint()
    coefficient, exponent = law.data_requirement_law(0.02)
    # Kaplan et al. 2020, Eq. 4.4: D >~ (5 x 10^3) N^0.74 (their rounding of 5.5e3 N^0.738)
    assert round(exponent, 2) == 0.74 and exponent == pytest.approx(0.076 / 0.103)
    assert 5e3 <= coefficient < 6e3 and round(coefficient, -3) in (5e3, 6e3)
    assert round(1 / exponent, 2) == 1.36  # N may grow as D^1.36 (the slide's direction, inverted)
    # a 1e9-parameter model: about 22B tokens (Sec. 4.2), 24B with the unrounded constants
    d9 = float(law.data_requirement(1e9))
    assert 2.2e10 < d9 < 2.5e10
    assert 5e3 * 1e9**0.74 == pytest.approx(2.29e10, rel=0.01)
    # the requirement is where the overfitting penalty of Eq. 4.3 equals 0.02
    assert float(law.overfitting_penalty(1e9, d9)) == pytest.approx(0.02, rel=1e-9)
    assert float(law.overfitting_penalty(1e9, 10 * d9)) < 0.02 < float(law.overfitting_penalty(1e9, d9 / 10))
    # penalty = L(N, D) / L(N, inf) - 1, with L(N, inf) = (N_c / N)^alpha_N (Eq. 1.5 at D -> inf)
    l_inf = (law.N_c_ / 1e9) ** law.alpha_N_
    assert float(law.predict(1e9, d9)) / l_inf - 1 == pytest.approx(0.02, rel=1e-9)
    np.testing.assert_allclose(law.data_requirement([1e6, 1e9]), coefficient * np.array([1e6, 1e9]) ** exponent)


@pytest.mark.parametrize("penalty", [0.0, -0.02, float("nan"), float("inf"), "0.02", True])
def test_data_requirement_rejects_a_bad_penalty(penalty):
    with pytest.raises(ValueError, match="penalty"):
        kaplan_joint().data_requirement(1e9, penalty=penalty)


@pytest.mark.parametrize("N", [0.0, -1e9, float("nan"), [1e9, -1.0]])
def test_data_requirement_rejects_a_bad_model_size(N):
    with pytest.raises(ValueError, match="N"):
        kaplan_joint().data_requirement(N)


def test_data_requirement_needs_a_fitted_law():
    with pytest.raises(ValueError, match="not fitted"):
        cs.fit.KaplanLaw().data_requirement(1e9)
    with pytest.raises(ValueError, match="D"):
        kaplan_joint().overfitting_penalty(1e9, 0.0)


def test_stopping_points_and_rates():
    for D in dl.DL_SIZES:
        s = dl.stopping_steps(D)
        assert s == tuple(sorted(s)) and s[-1] == dl.DL_MAX_STEPS and len(s) >= 2
    assert dl.stopping_steps(10_000)[0] < dl.stopping_steps(1_000_000)[0]
    assert set(dl.learning_rates(12)) | set(dl.learning_rates(96)) <= set(lx.lecture2.LM_LRS)
    with pytest.raises(ValueError, match="dataset_size"):
        dl.stopping_steps(0)
    with pytest.raises(ValueError, match="max_steps"):
        dl.stopping_steps(10_000, max_steps=8)


def test_a_shorter_constant_rate_run_is_the_start_of_a_longer_one():
    """The premise of the stopping points: same seed, constant rate, same batches."""
    cfg = lx.lecture2.transformer(8)
    kw = dict(batch_size=4, dataset_size=2000, eval_size=16, progress=False)
    short = cs.train.run_sweep(cfg, [3e-3], steps=12, curve_points=12, **kw)
    long = cs.train.run_sweep(cfg, [3e-3], steps=24, curve_points=24, **kw)
    np.testing.assert_allclose(long.curve[0, :12], short.curve[0], rtol=1e-5)


def test_shipped_grid_holds_early_stopped_curves_at_every_width_and_size():
    res = lx.load_results("data_limited")
    assert "data_limited" in lx.LECTURE_EXPERIMENTS
    grid = dl.early_stopped(res)
    assert tuple(grid.d_model) == dl.DL_WIDTHS and tuple(grid.D.astype(int)) == dl.DL_SIZES
    assert len(grid.N) >= 4 and len(grid.D) >= 5 and grid.N[-1] / grid.N[0] > 30
    assert set(res.schedule) == {"constant"} and set(res.sampling) == {"random"}
    for (i, j), (steps, loss) in grid.curves.items():
        assert tuple(steps) == dl.stopping_steps(int(grid.D[j])) and np.isfinite(loss).all()
        assert grid.loss[i, j] == loss.min() and grid.best_steps[i, j] == steps[np.argmin(loss)]
    assert np.isfinite(grid.loss).all() and grid.loss.shape == (len(grid.N), len(grid.D))
    # every cell is the minimum over both rates and all stopping points
    for i, w in enumerate(grid.d_model):
        for j, D in enumerate(grid.D):
            m = (np.array([c.d_model for c in res.configs]) == w) & (res.dataset_size == D)
            assert m.sum() == 2 * len(dl.stopping_steps(int(D)))
            assert grid.loss[i, j] == np.nanmin(res.final_loss[m])


def test_onset_measured_is_the_smallest_size_from_which_all_are_within_the_penalty():
    D = np.array([1e4, 1e5, 1e6, 1e7])
    loss = np.array([[2.2, 2.03, 2.05, 2.0], [2.5, 2.3, 2.1, 2.0]])
    grid = dl.EarlyStopped(np.array([8, 16]), np.array([1e3, 1e4]), D, loss, None, None, {}, None)
    np.testing.assert_array_equal(dl.onset_measured(grid, penalty=0.03), [1e5, 1e7])
    np.testing.assert_array_equal(dl.onset_measured(grid, penalty=0.06), [1e5, 1e6])
    # interpolated in log D: row 2 has penalties 0.15 at 1e5 and 0.05 at 1e6, so 0.06 at 10^5.9
    np.testing.assert_allclose(dl.onset_measured(grid, penalty=0.06, interpolate=True)[1], 10**5.9)
    assert dl.onset_measured(grid, penalty=0.2, interpolate=True)[0] == 1e4  # already within at 1e4
    with pytest.raises(ValueError, match="penalty"):
        dl.onset_measured(grid, penalty=-1)


def test_shuffled_text_permutes_whole_blocks_and_keeps_the_validation_text():
    data = cs.train.shakespeare()
    mixed = dl.shuffled_text(data, block=1000, seed=3)
    n = len(data.train) // 1000
    assert len(mixed.train) == n * 1000 and np.array_equal(mixed.val, data.val)
    blocks = {bytes(b) for b in data.train[: n * 1000].reshape(n, 1000)}
    assert {bytes(b) for b in mixed.train.reshape(n, 1000)} == blocks
    assert not np.array_equal(mixed.train[:1000], data.train[:1000])
    assert np.array_equal(dl.shuffled_text(data, block=1000, seed=3).train, mixed.train)
    assert mixed.fingerprint != data.fingerprint != dl.shuffled_text(data, block=1000, seed=4).fingerprint
    with pytest.raises(ValueError, match="block"):
        dl.shuffled_text(data, block=len(data.train) + 1)
    with pytest.raises(ValueError, match="block"):
        dl.shuffled_text(data, block=1)
