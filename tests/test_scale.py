import pytest

from cs324scale import scale


def test_pick_follows_the_environment_variable(monkeypatch):
    monkeypatch.setenv(scale.ENV_VAR, "1")
    assert scale.pick(fast=1, full=2) == 1 and scale.mode() == "fast"
    monkeypatch.setenv(scale.ENV_VAR, "0")
    assert scale.pick(fast=1, full=2) == 2 and scale.mode() == "full"


def test_unset_variable_picks_fast_on_cpu(monkeypatch):
    monkeypatch.delenv(scale.ENV_VAR, raising=False)
    assert scale.is_fast()  # tests run with JAX_PLATFORMS=cpu


def test_bad_value_is_rejected(monkeypatch):
    monkeypatch.setenv(scale.ENV_VAR, "maybe")
    with pytest.raises(ValueError, match="CS324SCALE_FAST"):
        scale.is_fast()
