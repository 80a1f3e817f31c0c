"""The store's one setting: $CS324SCALE_STORE, and Google Drive on Colab."""

from __future__ import annotations

import sys
import types

import pytest

from cs324scale import storage


@pytest.fixture
def fake_colab(monkeypatch, tmp_path):
    """A stand-in for google.colab whose drive.mount makes a MyDrive folder (or fails)."""
    mounts = []

    def mount(where):
        if getattr(mount, "fail", False):
            raise RuntimeError("mount failed: credential propagation was unsuccessful")
        mounts.append(where)
        (tmp_path / "drive" / "MyDrive").mkdir(parents=True)

    colab = types.ModuleType("google.colab")
    colab.drive = types.SimpleNamespace(mount=mount)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setattr(storage, "DRIVE_MOUNT", str(tmp_path / "drive"))
    monkeypatch.setenv(storage.STORE_ENV, "")  # recorded, so the store use_google_drive sets is undone
    monkeypatch.delenv(storage.STORE_ENV)
    return mount


def test_store_path_reads_the_environment_variable_else_the_default(monkeypatch, tmp_path):
    monkeypatch.delenv(storage.STORE_ENV, raising=False)
    assert storage.store_path() == storage.DEFAULT_STORE
    monkeypatch.setenv(storage.STORE_ENV, str(tmp_path / "s.sqlite"))
    assert storage.store_path() == tmp_path / "s.sqlite"
    assert "this machine's disk" in storage.describe()


def test_google_drive_off_colab_says_so_and_changes_nothing(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.delenv(storage.STORE_ENV, raising=False)
    assert storage.use_google_drive() == storage.DEFAULT_STORE
    assert "only available on Colab" in capsys.readouterr().out
    assert storage.STORE_ENV not in __import__("os").environ


def test_google_drive_on_colab_moves_the_store_and_describe_says_it_survives(fake_colab, tmp_path):
    assert "deleted when the runtime disconnects" in storage.describe()  # before: the VM's disk
    path = storage.use_google_drive("course")
    assert path == tmp_path / "drive" / "MyDrive" / "course" / "sweeps.sqlite"
    assert storage.store_path() == path and storage.on_google_drive()
    assert "survives a disconnect" in storage.describe()


def test_a_failed_mount_is_said_plainly_and_keeps_the_local_store(fake_colab, capsys):
    fake_colab.fail = True
    assert storage.use_google_drive() == storage.DEFAULT_STORE
    out = capsys.readouterr().out
    assert "NOT mounted" in out and "lost if the runtime disconnects" in out
    assert not storage.on_google_drive()


def test_compilation_cache_lies_beside_the_store_named_for_the_cpu_or_where_the_variable_says(
        monkeypatch, tmp_path):
    monkeypatch.delenv(storage.CACHE_ENV, raising=False)
    monkeypatch.setenv(storage.STORE_ENV, str(tmp_path / "s.sqlite"))
    assert storage.compilation_cache_dir() == tmp_path / f"xla-cache-{storage.cpu_features().replace(':', '-')}"
    monkeypatch.setenv(storage.CACHE_ENV, str(tmp_path / "elsewhere"))
    assert storage.compilation_cache_dir() == tmp_path / "elsewhere"
    monkeypatch.setenv(storage.CACHE_ENV, "off")
    assert storage.compilation_cache_dir() is None


def test_the_compilation_cache_follows_the_store_to_google_drive(fake_colab, monkeypatch, tmp_path):
    monkeypatch.delenv(storage.CACHE_ENV, raising=False)
    storage.use_google_drive("course")
    assert tmp_path / "drive" / "MyDrive" / "course" in storage.compilation_cache_dir().parents


def test_a_cache_folder_the_user_chose_is_left_alone(monkeypatch, tmp_path):
    import jax
    from jax.experimental.compilation_cache import compilation_cache

    before = jax.config.jax_compilation_cache_dir
    try:
        jax.config.update("jax_compilation_cache_dir", str(tmp_path / "mine"))
        monkeypatch.setenv(storage.CACHE_ENV, str(tmp_path / "kit"))
        assert storage.use_compilation_cache() == tmp_path / "mine"
        assert jax.config.jax_compilation_cache_dir == str(tmp_path / "mine")
    finally:
        jax.config.update("jax_compilation_cache_dir", before)
        compilation_cache.reset_cache()


CACHED_RUN = """
import json, os
from cs324scale import train
res = train.run_sweep(train.MLPConfig(width=16), [1e-3, 3e-3], [0], steps=40, batch_size=8, progress=False)
print(json.dumps({"curve": res.curve.tolist(), "val": res.final_loss.tolist()}))
"""


def test_a_program_loaded_from_the_compilation_cache_trains_the_same_numbers(tmp_path):
    """Two fresh processes: the first compiles and fills the cache, the second loads from it
    (no new entry) and its losses equal the first's, bit for bit."""
    import json
    import os
    import subprocess

    cache = tmp_path / "xla"
    env = {**os.environ, "JAX_PLATFORMS": "cpu", storage.STORE_ENV: str(tmp_path / "s.sqlite"),
           storage.CACHE_ENV: str(cache), "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0"}
    env.pop("JAX_COMPILATION_CACHE_DIR", None)

    def run(store):
        env[storage.STORE_ENV] = str(tmp_path / store)  # a new store: the trials train again
        out = subprocess.run([sys.executable, "-c", CACHED_RUN], env=env, capture_output=True, text=True,
                             check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    first = run("a.sqlite")
    entries = sorted(p.name for p in cache.iterdir())
    assert any(name.startswith("jit_segment") for name in entries), entries
    second = run("b.sqlite")
    assert sorted(p.name for p in cache.iterdir()) == entries  # every program came from the cache
    assert second == first
