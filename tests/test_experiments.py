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


def test_metz_grids_are_the_full_12_by_12_by_3():
    for name in ("metz_sp", "metz_mup"):
        res = lx.load_results(name)
        w, lrs, table = res.grid("width")
        assert table.shape == (12, 12) and len(np.unique(res.seed)) == 3


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
    exact = lx.reproduction_check(sp, live)
    assert exact.same_build and exact.max_gap == 0.0 and exact.tolerance == lx.SAME_BUILD_TOLERANCE
    nudged = dc.replace(live, final_loss=live.final_loss + 1e-3)
    assert lx.reproduction_check(sp, nudged).max_gap > lx.SAME_BUILD_TOLERANCE  # the tight check fails

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
