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
    monkeypatch.delenv(storage.STORE_ENV, raising=False)
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
