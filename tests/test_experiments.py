"""cs.experiments: registered, shipped with provenance, its runner, and its analysis helpers."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from cs324scale import experiments as lx
from cs324scale import train

NAMES = lx.LECTURE_EXPERIMENTS


@pytest.mark.parametrize("name", NAMES)
def test_experiment_is_registered(name):
    assert name in lx.EXPERIMENTS


@pytest.mark.parametrize("name", NAMES)
def test_shipped_results_load_and_carry_provenance(name):
    path = resources.files("cs324scale") / "results" / f"{name}.json"
    assert path.is_file(), f"run `python -m cs324scale.experiments {name} --fast`"
    assert path.stat().st_size < 2_000_000
    meta = json.loads(path.read_text())["meta"]
    assert meta.get("experiment", meta.get("name")) == name and name in meta["command"]
    res = lx.load_results(name)
    assert len(res) == meta["trials"] > 0
    for p in res.provenance:
        for key in ("package_version", "jax_version", "git_commit", "device_kind", "date", "wall_time_s"):
            assert key in p, (name, key)
    assert np.isfinite(res.final_loss).mean() > 0.8


def test_metz_grids_are_15_widths_by_12_rates_by_3_seeds_and_sp_goes_8x_beyond_the_fit():
    for name in ("metz_sp", "metz_mup"):
        res = lx.load_results(name)
        w, lrs, table = res.grid("width")
        assert len(lrs) == 12 and len(np.unique(res.seed)) == 3
        assert tuple(w[:15]) == lx.lecture2.METZ_WIDTHS_CPU
        assert np.isfinite(table[:15]).sum() >= 15 * 12 - 15  # at most one diverged cell per row
    w, lrs, table = lx.load_results("metz_sp").grid("width")
    assert tuple(w[15:]) == lx.lecture2.METZ_WIDE and w[-1] >= 8 * 256
    np.testing.assert_array_equal(np.isfinite(table[15:]), np.isin(lrs, lx.lecture2.METZ_WIDE_LRS)[None].repeat(2, 0))


def test_loss_at_lr_interpolates_over_the_rates_a_row_was_run_on():
    lrs = np.array([1e-3, 1e-2, 1e-1])
    table = np.array([[1.0, np.nan, 3.0], [2.0, 4.0, np.nan]])
    got = lx.loss_at_lr(lrs, table, [np.sqrt(1e-3 * 1e-1), 0.05])
    assert got[0] == pytest.approx(2.0) and np.isnan(got[1])  # 0.05 lies beyond row 2's rates


def test_optimal_lr_recovers_a_parabola_minimum():
    lrs = np.geomspace(1e-4, 1e-1, 12)
    true = np.array([3e-3, 1e-2])
    table = (np.log(lrs)[None, :] - np.log(true)[:, None]) ** 2
    np.testing.assert_allclose(lx.optimal_lr(lrs, table), true, rtol=1e-6)


def test_lr_trend_is_a_power_law_fit():
    sp = lx.load_results("metz_sp")
    trend = lx.lr_trend(sp)
    law = lx.analysis.PowerLaw().fit(trend.widths, trend.lr_star)
    assert trend.slope == pytest.approx(-law.alpha_)
    np.testing.assert_allclose(trend.predict(trend.widths), law.predict(trend.widths), rtol=1e-9)
    assert -0.8 < trend.slope < -0.2  # SP: lr* falls with width


def test_lr_trend_interval_brackets_the_slope_and_narrows_with_agreeing_seeds():
    sp = lx.load_results("metz_sp")
    boot = lx.lr_trend_interval(sp, n_resamples=60, seed=1)
    lo, hi = boot.interval
    assert lo <= boot.trend.slope <= hi and hi < 0  # SP: the interval excludes a flat lr*
    assert boot.band[0].shape == boot.trend.widths.shape
    assert np.all(boot.band[0] <= boot.band[1])
    # three copies of one seed: every resample sees the same table, so no spread at all
    recs = [r for r in sp.to_records() if r["seed"] == 0]
    copies = [dict(r, seed=s) for r in recs for s in (0, 1, 2)]
    same = lx.lr_trend_interval(train.SweepResults.from_records(copies), n_resamples=20)
    assert np.ptp(same.slopes) == 0.0
    with pytest.raises(ValueError, match="at least 2 seeds"):
        lx.lr_trend_interval(train.SweepResults.from_records(recs))
    with pytest.raises(ValueError, match="level"):
        lx.lr_trend_interval(sp, level=1.5)


def test_extrapolation_tunes_on_the_middle_widths_and_splits_its_miss():
    sp = lx.load_results("metz_sp")
    ex = lx.metz_extrapolation(sp, n_fit=6, start=1, n_tune=3)
    assert ex.fit_mask.sum() == 6 and ex.tune_mask.sum() == 3
    assert list(np.flatnonzero(ex.tune_mask)) == [2, 3, 4]  # middle of fitted indices 1-6
    w, lrs, table = sp.grid("width")
    assert ex.lr_fixed == lrs[np.nanargmin(np.nanmean(table[2:5], axis=0))]
    for i in (-1, 3):
        parts = ex.miss_parts(i)
        assert sum(parts.values()) == pytest.approx(ex.miss[i], abs=1e-12)
    assert ex.miss_sds[-1] == pytest.approx(ex.miss[-1] / np.std(ex.fixed_seeds[-1], ddof=1))
    assert 0 < ex.r2_fixed <= 1
    # a perfect line in log width has R^2 = 1 and no miss anywhere
    recs = []
    for r in sp.to_records():
        loss = 3.0 - 0.1 * np.log(r["config"]["width"]) + 0.01 * r["seed"]
        recs.append(dict(r, final_loss=loss if r["lr"] == lrs[5] else loss + 1.0))
    line = lx.metz_extrapolation(train.SweepResults.from_records(recs), n_fit=6, n_tune=3)
    assert line.lr_fixed == lrs[5] and line.r2_fixed == pytest.approx(1.0)
    np.testing.assert_allclose(line.miss, 0.0, atol=1e-9)
    with pytest.raises(ValueError, match="n_tune"):
        lx.metz_extrapolation(sp, n_fit=4, n_tune=5)


def test_tuning_report_flags_optima_on_the_grid_edge():
    opt = lx.tuning_report(lx.load_results("optimizer_adam_sgd"))
    assert len(opt) == 10 and {t.optimizer for t in opt} == {"adam", "sgd"}
    assert all(t.interior for t in opt)  # both optimizers bracketed at every width
    for t in opt:
        assert t.loss == t.losses.min() and t.lr_best == t.lrs[np.argmin(t.losses)]
    sp = lx.load_results("metz_sp")
    one = lx.tuning_report(sp, mask=sp.field("width") == 64)
    assert len(one) == 1 and len(one[0].lrs) == 12
    low = lx.tuning_report(sp, mask=(sp.field("width") == 8) & (sp.lr < 2e-4))  # the 2 lowest rates
    assert len(low[0].lrs) == 2 and low[0].lr_best == low[0].lrs[-1] and not low[0].interior


@pytest.mark.parametrize("name", ["depth", "arch_transformer_lstm", "metz_depth_mup"])
def test_design_comparisons_bracket_every_optimum(name):
    report = lx.tuning_report(lx.load_results(name))
    assert len(report) >= 6 and all(t.interior for t in report), [
        (t.config, t.lr_best) for t in report if not t.interior
    ]
    sizes = {getattr(t.config, "d_model", None) for t in report}
    assert name == "metz_depth_mup" or len(sizes) >= 4  # at least 4 sizes per architecture


def test_optimizer_experiment_tags_each_trial_with_its_optimizer():
    opt = lx.load_results("optimizer_adam_sgd")
    assert set(opt.optimizer) == {"adam", "sgd"}
    assert {o.label for o in opt.optimizers if o.name == "sgd"} == {"sgd(momentum=0.9)"}


def test_unknown_experiment_and_missing_results_raise():
    with pytest.raises(ValueError, match="Unknown experiment"):
        lx.run_experiment("no_such_sweep")
    with pytest.raises(ValueError, match="python -m cs324scale.experiments"):
        lx.load_results("no_such_sweep")


def test_runner_lists_and_ships_a_registered_experiment(tmp_path, capsys):
    from cs324scale.experiments import __main__ as runner

    @lx.register_experiment("tiny_test_sweep")
    def tiny(*, full, store):
        cfg = train.MLPConfig(width=8, depth=1, context=2, embed_dim=2)
        return train.run_sweep(cfg, [1e-2], steps=3, batch_size=4, eval_size=4, store=store,
                               progress=False)

    try:
        assert runner.main(["--list"]) == 0
        assert "tiny_test_sweep" in capsys.readouterr().out
        store = tmp_path / "s.sqlite"
        args = ["tiny_test_sweep", "--fast", "--store", str(store), "--out", str(tmp_path)]
        assert runner.main(args) == 0
        shipped = train.SweepResults.load(tmp_path / "tiny_test_sweep.json")
        assert len(shipped) == 1 and np.isfinite(shipped.final_loss).all()
        assert runner.main(args) == 0  # a rerun trains nothing new
        assert len(train.ResultStore(store)) == 1
    finally:
        lx.EXPERIMENTS.pop("tiny_test_sweep")


def _slice_of(res, n):
    import dataclasses as dc

    fields = {f.name: getattr(res, f.name) for f in dc.fields(res)}
    return dc.replace(res, **{k: (v[:n] if k not in ("curve_steps",) else v) for k, v in fields.items()})


def test_reproduction_check_same_build_is_tight_and_other_builds_use_the_seed_spread(monkeypatch):
    import dataclasses as dc

    import jax

    sp = lx.results("metz_sp", rerun=False)
    live = _slice_of(sp, 6)
    built = sp.provenance[0]
    monkeypatch.setattr(jax, "__version__", built["jax_version"])
    here = jax.devices()[0]
    if built["device_kind"] != f"{here.platform}:{here.device_kind}":
        pytest.skip("the shipped sweep was made on another device kind")
    from cs324scale.experiments import reproduction

    for record in sp.provenance:  # the same CPU and engine as the shipped sweep's
        monkeypatch.setitem(record, "cpu", "x86_64:avx512f")
        monkeypatch.setitem(record, "engine", reproduction.ENGINE_VERSION)
    monkeypatch.setattr(reproduction, "cpu_features", lambda: "x86_64:avx512f")
    exact = lx.reproduction_check(sp, live)
    assert exact.same_build and exact.max_gap == 0.0 and exact.tolerance == lx.SAME_BUILD_TOLERANCE
    nudged = dc.replace(live, final_loss=live.final_loss + 1e-3)
    assert lx.reproduction_check(sp, nudged).max_gap > lx.SAME_BUILD_TOLERANCE  # the tight check fails

    monkeypatch.setattr(reproduction, "cpu_features", lambda: "x86_64:avx2")  # same jax, other CPU
    assert not lx.reproduction_check(sp, nudged).same_build
    monkeypatch.setattr(reproduction, "cpu_features", lambda: "x86_64:avx512f")
    for record in sp.provenance:  # same jax and CPU, another engine version
        monkeypatch.setitem(record, "engine", reproduction.ENGINE_VERSION - 1)
    assert not lx.reproduction_check(sp, nudged).same_build
    monkeypatch.setattr(jax, "__version__", "0.0.1")
    other = lx.reproduction_check(sp, nudged)
    assert not other.same_build
    assert other.tolerance == pytest.approx(lx.CROSS_BUILD_SDS * np.sqrt(2) * other.seed_sd)
    assert 0.005 < other.seed_sd < 0.1 and other.max_gap < other.tolerance
    far = dc.replace(live, final_loss=live.final_loss + 2 * other.tolerance)
    assert lx.reproduction_check(sp, far).max_gap > other.tolerance


def test_reproduction_check_refuses_trials_not_in_the_shipped_sweep():
    import dataclasses as dc

    sp = lx.results("metz_sp", rerun=False)
    stranger = dc.replace(_slice_of(sp, 2), seed=np.array([99, 99]))
    with pytest.raises(ValueError, match="not in the shipped sweep"):
        lx.reproduction_check(sp, stranger)
