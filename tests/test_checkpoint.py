"""Mid-call checkpoints: segments change nothing, a killed call resumes bit for bit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cs324scale import train
from cs324scale.train import engine
from cs324scale.train.checkpoint import Checkpointer, call_id

ENV = {**os.environ, "JAX_PLATFORMS": "cpu"}
CFG = train.MLPConfig(width=32, depth=2, context=4, embed_dim=8)


def _population(**kw):
    data = train.shakespeare()
    val = engine.eval_windows(data.val, CFG, n_windows=64, batch_size=32)
    return engine.run_population(
        CFG, [1e-3, 3e-3, 1e-2], [0, 1, 2], steps=300, batch_size=32,
        train_tokens=jnp.asarray(data.train), val_windows=val,
        schedule=train.warmup_cosine(warmup=0.1), **kw,
    )


def test_segments_and_a_restored_checkpoint_change_nothing(tmp_path):
    whole = _population(segment_s=1e9)  # one segment of 300 steps
    pieces = _population(segment_s=1e-6)  # one step per segment after the first 16
    np.testing.assert_array_equal(pieces.losses, whole.losses)
    np.testing.assert_array_equal(pieces.val_loss, whole.val_loss)

    saver = Checkpointer(tmp_path, every_s=1e-6)  # save after every segment
    steps_seen = []
    _population(segment_s=1e-6, checkpointer=saver, call_id="c", on_step=steps_seen.append)
    step, arrays = saver.load("c")
    assert 16 <= step < 300 and arrays, "the last save is before the final step"
    resumed = []
    again = _population(checkpointer=Checkpointer(tmp_path), call_id="c", on_resume=resumed.append)
    assert again.resumed_step == step and resumed == [step]
    np.testing.assert_array_equal(again.losses, whole.losses)
    np.testing.assert_array_equal(again.val_loss, whole.val_loss)


def test_checkpointer_writes_atomically_and_ignores_what_it_cannot_read(tmp_path):
    c = Checkpointer(tmp_path / "ck")
    assert c.load("x") is None
    c.save("x", 7, {"a": np.arange(3)})
    step, arrays = c.load("x")
    assert step == 7 and arrays["a"].tolist() == [0, 1, 2]
    assert [p.name for p in (tmp_path / "ck").iterdir()] == ["x.npz"]  # no temporary left
    (tmp_path / "ck" / "x.npz").write_bytes(b"not an npz")
    assert c.load("x") is None  # a damaged file: start afresh
    c.discard("x")
    assert not (tmp_path / "ck" / "x.npz").exists()
    assert call_id({"a": 1, "b": [2]}) == call_id({"b": [2], "a": 1}) != call_id({"a": 2})


@pytest.mark.parametrize(
    "kw, match",
    [({"every_s": 0}, "every_s"), ({"every_steps": 0}, "every_steps"), ({"max_overhead": 1.5}, "max_overhead")],
)
def test_checkpointer_rejects_bad_settings(tmp_path, kw, match):
    with pytest.raises(ValueError, match=match):
        Checkpointer(tmp_path, **kw)


def test_save_policy_fires_on_time_or_steps_and_caps_its_overhead(tmp_path):
    c = Checkpointer(tmp_path, every_s=3600, every_steps=100)
    c.start(0)
    assert not c.due(99) and c.due(100)
    c = Checkpointer(tmp_path, every_s=0.01, max_overhead=0.5)
    c.start(0)
    time.sleep(0.02)
    assert c.due(1)
    c._save_s = 10.0  # a slow save stretches the interval to save time / max_overhead
    assert not c.due(2) and c.seconds_until_due() > 15


def test_kill_9_mid_call_then_rerun_resumes_and_equals_an_unbroken_run(tmp_path):
    db = tmp_path / "sweep.sqlite"
    cfg = train.MLPConfig(width=128, depth=2, context=8, embed_dim=16)  # about 8 s on 2 cores
    grid = dict(steps=3000, batch_size=64, eval_size=64, schedule=train.warmup_cosine(warmup=0.05))
    # the rerun below resumes only a call laid out over as many devices as this process has
    # (an earlier test may have asked jax for one CPU device per core)
    script = textwrap.dedent(
        f"""
        import jax
        jax.config.update("jax_num_cpu_devices", {jax.device_count()})
        from cs324scale import train
        from cs324scale.train.checkpoint import Checkpointer
        cfg = train.MLPConfig(width=128, depth=2, context=8, embed_dim=16)
        train.run_sweep(cfg, [1e-3, 3e-3], [0, 1], steps=3000, batch_size=64, eval_size=64,
                        schedule=train.warmup_cosine(warmup=0.05), store={str(db)!r}, progress=False,
                        checkpoints=Checkpointer({str(tmp_path / "ck")!r}, every_s=0.2))
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], env=ENV)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None and not list((tmp_path / "ck").glob("*.npz")):
        time.sleep(0.02)
    time.sleep(1.0)  # a few more segments past the first save
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the sweep finished before it could be killed"
    assert len(train.ResultStore(db)) == 0, "one call: nothing is committed before it ends"
    saved = Checkpointer(tmp_path / "ck")
    (ck,) = (p.stem for p in (tmp_path / "ck").glob("*.npz"))
    step, _ = saved.load(ck)
    assert 0 < step < 3000

    resumed = train.run_sweep(cfg, [1e-3, 3e-3], [0, 1], store=db, progress=False,
                              checkpoints=tmp_path / "ck", **grid)
    assert {p["resumed_step"] for p in resumed.provenance} == {step}
    assert not list((tmp_path / "ck").glob("*.npz")), "the checkpoint is removed once committed"
    unbroken = train.run_sweep(cfg, [1e-3, 3e-3], [0, 1], store=None, progress=False, **grid)
    np.testing.assert_array_equal(resumed.final_loss, unbroken.final_loss)
    np.testing.assert_array_equal(resumed.curve, unbroken.curve)
    assert len(train.ResultStore(db)) == 4


def test_run_sweep_rejects_a_checkpoint_setting_it_cannot_use():
    with pytest.raises(ValueError, match="checkpoints must be"):
        train.run_sweep(CFG, [1e-3], steps=5, checkpoints=5, progress=False)
