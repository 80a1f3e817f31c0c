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
