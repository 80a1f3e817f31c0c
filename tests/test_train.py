"""Tests for cs324scale.train: models, the sweep engine, the store and the budget.

CPU only, fixed seeds, tiny models (compilation dominates; each test compiles at most
a couple of programs).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cs324scale import train
from cs324scale.train import engine, sweep

TINY = dict(depth=1, context=3, embed_dim=4)
ENV = {**os.environ, "JAX_PLATFORMS": "cpu"}


# --- models -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "cfg",
    [
        train.MLPConfig(width=24, depth=3),
        train.TransformerConfig(d_model=32, n_layer=2, n_head=4, context=16),
        train.LSTMConfig(d_model=20, n_layer=2, context=16),
    ],
)
def test_param_counts_match_initialised_trees(cfg):
    model = train.models.model_for(cfg)
    params = jax.eval_shape(lambda k: model.init(cfg, key=k), jax.random.key(0))
    total = sum(x.size for x in jax.tree.leaves(params))
    assert train.param_count(cfg) == total
    n = train.param_count(cfg, embeddings=False)
    assert 0 < n < total
    if isinstance(cfg, train.TransformerConfig):  # Kaplan: N ~ 12 n_layer d^2
        assert n == pytest.approx(12 * cfg.n_layer * cfg.d_model**2, rel=0.05)
        attn = 6 * cfg.n_layer * cfg.context * cfg.d_model
        assert train.flops_per_token(cfg) == 6 * (n + cfg.d_model * cfg.vocab_size) + attn


def test_matching_lstm_has_the_transformers_non_embedding_size():
    tf = train.TransformerConfig(d_model=64, n_layer=2)
    lstm = train.matching_lstm(tf)
    ratio = train.param_count(lstm, embeddings=False) / train.param_count(tf, embeddings=False)
    assert abs(ratio - 1) < 0.03 and lstm.context == tf.context


def test_mup_coordinate_check_is_flat_in_width_and_standard_is_not():
    key = jax.random.key(0)
    kw = dict(lr=1e-2, steps=4, batch_size=64, key=key)
    widths = [32, 128, 512]
    sp = train.coordinate_check(train.MLPConfig(depth=2, base_width=32), widths, **kw)
    mup = train.coordinate_check(
        train.MLPConfig(depth=2, base_width=32, parametrization="mup"), widths, **kw
    )
    # identical at the base width, initialisation included
    np.testing.assert_allclose(sp.values[0, 0, :-1], mup.values[0, 0, :-1], rtol=1e-6)
    sp_slope, mup_slope = sp.slopes()[-1], mup.slopes()[-1]  # after 3 Adam steps
    assert sp_slope[-1] > 0.5  # SP logits grow ~ width^0.9
    assert np.all(np.abs(mup_slope) < 0.3)  # muP: every layer O(1)


# --- engine -----------------------------------------------------------------------


def test_population_equals_trials_run_one_by_one():
    cfg = train.MLPConfig(width=16, **TINY)
    data = train.shakespeare()
    toks = jnp.asarray(data.train)
    val = engine.eval_windows(data.val, cfg, n_windows=64, batch_size=32)
    lrs, seeds = [1e-3, 1e-3, 1e-2, 1e-2], [0, 1, 0, 1]
    steps = 100
    pop = engine.run_population(
        cfg, lrs, seeds, steps=steps, batch_size=32, train_tokens=toks, val_windows=val, chunk=4
    )  # all four vmapped together
    one = jax.jit(
        engine.make_trial(
            cfg, steps=steps, batch_size=32, optimizer=train.adam(), schedule=train.constant()
        )
    )
    alone = [
        one(toks, val, jnp.float32(lr), jnp.int32(s)) for lr, s in zip(lrs, seeds, strict=True)
    ]
    losses = np.stack([np.asarray(a[0]) for a in alone])
    vals = np.array([float(a[1]) for a in alone])
    # tight for the first steps ...
    np.testing.assert_allclose(pop.losses[:, :10], losses[:, :10], rtol=1e-5)
    # ... and seed-averaged final loss within tolerance over the whole curve
    np.testing.assert_allclose(
        pop.val_loss.reshape(2, 2).mean(1), vals.reshape(2, 2).mean(1), atol=2e-3
    )
    assert np.all(np.diff(pop.val_loss.reshape(2, 2).mean(1)) < 0)  # larger lr learns faster here


def test_chooser_vmaps_tiny_models_and_maps_large_ones_on_cpu():
    small, big = train.MLPConfig(width=16), train.MLPConfig(width=1024)
    assert engine.trials_per_chunk(small, 36, batch_size=128, platform="cpu") == 36
    assert engine.trials_per_chunk(big, 36, batch_size=128, platform="cpu") == 1
    assert engine.trials_per_chunk(big, 36, batch_size=128, platform="gpu") == 36
    tf = train.TransformerConfig(d_model=128, n_layer=2, n_head=4, context=32)
    lstm = train.LSTMConfig(d_model=128, n_layer=2, context=32)
    assert engine.trials_per_chunk(tf, 6, batch_size=64, platform="cpu") == 2  # pairs
    assert engine.trials_per_chunk(tf, 1, batch_size=64, platform="cpu") == 1
    assert engine.trials_per_chunk(lstm, 6, batch_size=64, platform="cpu") == 1


def test_device_chooser_uses_every_device_up_to_one_per_trial():
    assert engine.devices_for(36, available=2) == 2
    assert engine.devices_for(1, available=2) == 1
    assert engine.devices_for(36, available=8) == 8
    assert engine.devices_for(5, available=8) == 5


def test_two_forced_host_devices_give_the_same_results_as_one():
    script = textwrap.dedent(
        """
        import json, jax, jax.numpy as jnp
        from cs324scale import train
        from cs324scale.train import engine
        assert jax.local_device_count() == 2, jax.devices()
        cfg = train.MLPConfig(width=16, depth=1, context=3, embed_dim=4)
        d = train.shakespeare()
        val = engine.eval_windows(d.val, cfg, n_windows=32, batch_size=16)
        out = {}
        for n in (1, 2):
            r = engine.run_population(cfg, [1e-3, 3e-3, 1e-2], [0, 1, 2], steps=30, batch_size=16,
                                      train_tokens=jnp.asarray(d.train), val_windows=val, devices=n)
            out[n] = [r.losses.tolist(), r.val_loss.tolist()]
        print(json.dumps(out))
        """
    )
    env = {**ENV, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(out["2"][0], out["1"][0], rtol=1e-5)
    np.testing.assert_allclose(out["2"][1], out["1"][1], rtol=1e-5)


# --- sweeps: divergence, store, budget, bad input ----------------------------------


def test_diverging_lr_is_recorded_not_raised_and_budget_is_charged_once(capsys, tmp_path):
    cfg = train.MLPConfig(width=16, **TINY)
    budget = train.FlopBudget(1e12)
    store = train.ResultStore(tmp_path / "s.sqlite")
    kw = dict(
        steps=20,
        batch_size=16,
        eval_size=16,
        curve_points=20,
        store=store,
        budget=budget,
        progress=False,
    )
    res = train.run_sweep(cfg, [1e-3, 1e30], [0, 1], **kw)
    assert "cost estimate" in capsys.readouterr().out
    assert res.diverged.tolist() == [False, False, True, True]
    assert np.all(np.isfinite(res.final_loss[:2])) and np.all(np.isnan(res.final_loss[2:]))
    for i in (2, 3):  # the curve is kept up to the divergence, NaN after it
        k = res.diverged_at[i]
        assert 0 < k < 20
        assert np.all(np.isfinite(res.curve[i, :k])) and np.all(np.isnan(res.curve[i, k:]))
    cost = 4 * train.trial_flops(cfg, steps=20, batch_size=16)
    assert budget.spent == pytest.approx(cost)
    # rerun: everything cached, nothing charged, same numbers
    again = train.run_sweep(cfg, [1e-3, 1e30], [0, 1], **kw)
    assert again.cached.all() and budget.spent == pytest.approx(cost)
    np.testing.assert_array_equal(again.final_loss, res.final_loss)
    # overspending is refused before anything runs
    with pytest.raises(train.BudgetExceeded, match="FLOPs"):
        train.run_sweep(cfg, [2e-3], [0], **{**kw, "budget": train.FlopBudget(cost / 100)})
    # provenance and the results file round trip
    prov = res.provenance[0]
    assert {"package_version", "git_commit", "device_kind", "date", "wall_time_s"} <= set(prov)
    res.save(tmp_path / "r.json", name="demo")
    back = train.SweepResults.load(tmp_path / "r.json")
    np.testing.assert_array_equal(back.final_loss, res.final_loss)
    np.testing.assert_array_equal(back.curve, res.curve)
    assert back.configs == res.configs
    widths, lrs, table = res.grid("width")
    assert table.shape == (1, 2) and np.isnan(table[0, 1])


def test_kill_9_mid_sweep_then_rerun_loses_and_duplicates_nothing(tmp_path):
    db = tmp_path / "sweep.sqlite"
    script = textwrap.dedent(
        f"""
        from cs324scale import train
        cfg = train.MLPConfig(width=16, depth=1, context=3, embed_dim=4)
        train.run_sweep(cfg, [1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2], [0, 1], steps=400, batch_size=16, eval_size=16,
                        store={str(db)!r}, max_trials_per_call=1, progress=False)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], env=ENV)
    n_at_kill, deadline = 0, time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as c:
                    n_at_kill = c.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
            except sqlite3.OperationalError:
                n_at_kill = 0
            if n_at_kill >= 3:
                break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 3 <= n_at_kill < 12, "the sweep should be killed part-way"

    cfgs = train.MLPConfig(width=16, **TINY)
    kw = dict(steps=400, batch_size=16, eval_size=16, max_trials_per_call=1, progress=False)
    resumed = train.run_sweep(cfgs, [1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2], [0, 1], store=db, **kw)
    assert resumed.cached.sum() >= 3 and not resumed.cached.all()
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM trials").fetchone() == (12, 12)
    fresh = train.run_sweep(cfgs, [1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2], [0, 1], store=None, **kw)
    np.testing.assert_array_equal(resumed.key, fresh.key)
    np.testing.assert_allclose(resumed.final_loss, fresh.final_loss, rtol=1e-6)
    np.testing.assert_allclose(resumed.curve, fresh.curve, rtol=1e-6)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: train.MLPConfig(width=0), "width"),
        (lambda: train.MLPConfig(parametrization="ntk"), "parametrization"),
        (lambda: train.run_sweep(train.MLPConfig(), [-1e-3], steps=5), "learning_rates"),
        (lambda: train.run_sweep(train.MLPConfig(), [float("nan")], steps=5), "learning_rates"),
        (lambda: train.run_sweep(train.MLPConfig(), [float("inf")], steps=5), "learning_rates"),
        (lambda: train.run_sweep(train.MLPConfig(), [], steps=5), "learning_rates"),
        (lambda: train.run_sweep([], [1e-3], steps=5), "empty"),
        (lambda: train.run_sweep(train.MLPConfig(), [1e-3], seeds=[], steps=5), "seeds"),
        (lambda: train.run_sweep(train.MLPConfig(), [1e-3], steps=0), "steps"),
        (lambda: train.run_sweep("mlp", [1e-3], steps=5), "registered"),
        (lambda: train.metz_grid(widths=[64, 0], steps=5), "widths"),
        (lambda: train.metz_grid(parametrization="sp", steps=5), "parametrization"),
    ],
)
def test_bad_input_raises_before_compiling(monkeypatch, call, match):
    def boom(*a, **k):
        raise AssertionError("compiled or ran before validating")

    monkeypatch.setattr(sweep, "run_population", boom)
    with pytest.raises(ValueError, match=match):
        call()


# --- optimizers and schedules ------------------------------------------------------


def test_schedules_have_the_documented_shape():
    steps = 100
    cos = train.warmup_cosine(warmup=0.1, final=0.1).multiplier(steps)
    wsd = train.wsd(warmup=0.1, decay=0.2).multiplier(steps)
    c = np.array([float(cos(t)) for t in range(steps + 1)])
    w = np.array([float(wsd(t)) for t in range(steps + 1)])
    assert c[0] == 0 and c[10] == pytest.approx(1.0) and c[-1] == pytest.approx(0.1)
    assert np.all(np.diff(c[:11]) > 0) and np.all(np.diff(c[10:]) <= 1e-7)
    assert w[0] == 0 and np.allclose(w[10:80], 1.0) and w[-1] == pytest.approx(0.0)
    assert np.all(np.diff(w[80:]) < 0)
    assert train.constant().multiplier(steps) is None


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: train.Schedule("linear"), "unknown schedule"),
        (lambda: train.warmup_cosine(warmup=1.0), "warmup"),
        (lambda: train.wsd(decay=0.0), "decay"),
        (lambda: train.wsd(warmup=0.5, decay=0.6), "warmup \\+ decay"),
        (lambda: train.Schedule("constant", warmup=0.1), "constant schedule"),
        (lambda: train.Optimizer("lamb"), "unknown optimizer"),
        (lambda: train.run_sweep(train.MLPConfig(), [1e-3], steps=5, optimizer="sgd"), "Optimizer"),
        (lambda: train.run_sweep(train.MLPConfig(), [1e-3], steps=5, schedule="cosine"), "Schedule"),
    ],
)
def test_bad_optimizer_or_schedule_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_optimizer_and_schedule_are_part_of_the_trial():
    cfg = train.MLPConfig(width=8, depth=1, context=2, embed_dim=2)
    kw = dict(steps=20, batch_size=8, eval_size=8, progress=False)
    store = train.ResultStore()
    adam = train.run_sweep(cfg, [0.03], store=store, **kw)
    again = train.run_sweep(cfg, [0.03], optimizer=train.adam(), schedule=train.constant(),
                            store=store, **kw)
    assert again.cached.all() and again.final_loss[0] == adam.final_loss[0]
    sgd = train.run_sweep(cfg, [0.03], optimizer=train.sgd(momentum=0.9), store=store, **kw)
    cos = train.run_sweep(cfg, [0.03], schedule=train.warmup_cosine(warmup=0.2), store=store, **kw)
    assert len(store) == 3 and len({adam.key[0], sgd.key[0], cos.key[0]}) == 3
    assert not sgd.cached.any() and sgd.final_loss[0] != adam.final_loss[0]
    assert cos.final_loss[0] != adam.final_loss[0]
    assert list(sgd.optimizer) == ["sgd"] and sgd.optimizers[0].label == "sgd(momentum=0.9)"
    assert list(cos.schedule) == ["warmup_cosine"]
    back = train.SweepResults.from_records(sgd.to_records())
    assert back.optimizers == sgd.optimizers and back.schedules == sgd.schedules


def test_sgd_sweep_is_deterministic_and_applies_mup_scales():
    kw = dict(steps=5, batch_size=8, eval_size=8, optimizer=train.sgd(momentum=0.9), progress=False)
    cfg = train.MLPConfig(width=8, depth=2, context=2, embed_dim=2)
    a = train.run_sweep(cfg, [0.1, 0.3], **kw)
    b = train.run_sweep(cfg, [0.1, 0.3], **kw)
    np.testing.assert_array_equal(a.final_loss, b.final_loss)
    assert a.final_loss[0] != a.final_loss[1]
    mup = train.MLPConfig(width=16, depth=2, context=2, embed_dim=2, parametrization="mup", base_width=4)
    sp = train.MLPConfig(width=16, depth=2, context=2, embed_dim=2, base_width=4)
    assert train.run_sweep(mup, [0.1], **kw).final_loss[0] != train.run_sweep(sp, [0.1], **kw).final_loss[0]


def test_loop_reads_the_models_lr_scales_when_built(monkeypatch):
    """Per-tensor multipliers reach the updates however a model registers them."""
    from cs324scale.train import loop, models

    cfg = train.MLPConfig(width=8, depth=1, context=2, embed_dim=2)
    base = models.model_for(cfg)
    halved = base._replace(lr_scales=lambda c: jax.tree.map(lambda s: 0.5 * s, base.lr_scales(c)))
    monkeypatch.setitem(models._REGISTRY, type(cfg), halved)
    built = loop.make_loop(cfg, optimizer=train.adam(), schedule=train.constant(), steps=3)
    params, state = built.init(jnp.float32(2e-2), jax.random.key(0))
    w = train.sample_windows(jnp.asarray(train.shakespeare().train), 3, 8, key=jax.random.key(1))
    p1, _, _ = built.step(params, state, jnp.float32(2e-2), w)
    monkeypatch.setitem(models._REGISTRY, type(cfg), base)
    full = loop.make_loop(cfg, optimizer=train.adam(), schedule=train.constant(), steps=3)
    params, state = full.init(jnp.float32(1e-2), jax.random.key(0))
    p2, _, _ = full.step(params, state, jnp.float32(1e-2), w)
    np.testing.assert_allclose(np.asarray(p1["embed"]), np.asarray(p2["embed"]), rtol=1e-5, atol=1e-7)


def test_sweep_results_keep_steps_batch_corpus_size_and_sampling(tmp_path):
    data = train.ZipfPhrases().corpus(train.loop.tokens_read(33, 4, 6), n_val=2048)
    cfg = train.TransformerConfig(d_model=8, n_layer=1, n_head=2, context=32)
    store = tmp_path / "s.sqlite"
    res = train.run_sweep(cfg, [1e-2], steps=6, batch_size=4, data=data, sampling="sequential",
                          eval_size=8, curve_points=3, store=store, progress=False)
    assert res.steps.tolist() == [6] and res.batch_size.tolist() == [4]
    assert res.sampling.tolist() == ["sequential"] and res.dataset_size.tolist() == [len(data.train)]
    assert res.tokens_read().tolist() == [len(data.train)]  # read to the last token, never past it
    again = train.run_sweep(cfg, [1e-2], steps=6, batch_size=4, data=data, sampling="sequential",
                            eval_size=8, curve_points=3, store=store, progress=False)
    assert again.cached.all() and again.sampling.tolist() == ["sequential"]  # from the store
    res.save(tmp_path / "r.json")
    back = train.SweepResults.load(tmp_path / "r.json")
    assert back.sampling.tolist() == ["sequential"] and back.steps.tolist() == [6]
    rnd = train.run_sweep(cfg, [1e-2], steps=2, batch_size=4, data=data, eval_size=8, curve_points=2,
                          progress=False)
    assert rnd.sampling.tolist() == ["random"]
