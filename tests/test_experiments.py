"""Lecture-2 experiments: registered, shipped with provenance, and their analysis helpers."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from cs324scale import train
from cs324scale.train import lecture_experiments as lx

NAMES = lx.LECTURE_EXPERIMENTS


@pytest.mark.parametrize("name", NAMES)
def test_experiment_is_registered(name):
    assert name in train.EXPERIMENTS


@pytest.mark.parametrize("name", NAMES)
def test_shipped_results_load_and_carry_provenance(name):
    path = resources.files("cs324scale") / "results" / f"{name}.json"
    assert path.is_file(), f"run `python -m cs324scale.train.lecture_experiments {name}`"
    assert path.stat().st_size < 2_000_000
    meta = json.loads(path.read_text())["meta"]
    assert meta.get("experiment", meta.get("name")) == name and name in meta["command"]
    res = train.load_results(name)
    assert len(res) == meta["trials"] > 0
    for p in res.provenance:
        for key in ("package_version", "jax_version", "git_commit", "device_kind", "date", "wall_time_s"):
            assert key in p, (name, key)
    assert np.isfinite(res.final_loss).mean() > 0.8


def test_metz_grids_are_the_full_12_by_12_by_3():
    for name in ("metz_sp", "metz_mup"):
        res = train.load_results(name)
        w, lrs, table = res.grid("width")
        assert table.shape == (12, 12) and len(np.unique(res.seed)) == 3


def test_optimal_lr_recovers_a_parabola_minimum():
    lrs = np.geomspace(1e-4, 1e-1, 12)
    true = np.array([3e-3, 1e-2])
    table = (np.log(lrs)[None, :] - np.log(true)[:, None]) ** 2
    np.testing.assert_allclose(lx.optimal_lr(lrs, table), true, rtol=1e-6)


def test_sgd_sweep_is_deterministic_and_tagged():
    cfg = train.MLPConfig(width=8, depth=1, context=2, embed_dim=2)
    kw = dict(steps=5, batch_size=8, eval_size=8)
    a = lx.run_sgd_sweep([cfg], [0.1, 0.3], **kw)
    b = lx.run_sgd_sweep([cfg], [0.1, 0.3], **kw)
    np.testing.assert_array_equal(a.final_loss, b.final_loss)
    assert list(lx.optimizer_of(a)) == ["sgd", "sgd"]
    assert a.final_loss[0] != a.final_loss[1]


def test_epoch_intervals_are_read_from_the_data_readme():
    ci = lx.epoch_intervals()
    assert ci["E"] == (1.769, 1.871) and ci["alpha"] == (0.317, 0.373) and ci["beta"] == (0.331, 0.415)


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
