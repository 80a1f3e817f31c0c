"""The Colab pin file and the tool that refreshes it from Colab's published ``pip freeze``."""

from __future__ import annotations

import pytest
import refresh_colab_pins as pins

SAMPLE_FREEZE = """\
# Do not modify this file directly; it is generated via
#  $ python3 -m pip freeze
absl-py==1.4.0
cucim-cu12 @ https://pypi.nvidia.com/cucim-cu12/cucim_cu12-26.2.0-cp313-cp313-manylinux_2_28_x86_64.whl
jax==0.8.0
jaxlib==0.8.0
numpy==2.3.1
ml-dtypes==0.5.4
"""


def test_refresh_keeps_only_the_listed_packages_with_their_versions(tmp_path):
    freeze = tmp_path / "pip-freeze.gpu.txt"
    freeze.write_text(SAMPLE_FREEZE)
    out = tmp_path / "colab-runtime.txt"
    packages = ("jax", "jaxlib", "numpy", "ml_dtypes")
    pinned, _ = pins.select(pins.parse_freeze(freeze.read_text()), packages=packages)
    out.write_text(pins.render(pinned, "2027-01-02", "3.14"))

    text = out.read_text()
    assert "googlecolab/backend-info" in text and "2027-01-02" in text and "Python 3.14" in text
    assert "tools/refresh_colab_pins.py" in text
    body = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert body == ["jax==0.8.0", "jaxlib==0.8.0", "numpy==2.3.1", "ml_dtypes==0.5.4"]


def test_refresh_fails_naming_a_package_missing_from_the_freeze(tmp_path):
    freeze = tmp_path / "pip-freeze.gpu.txt"
    freeze.write_text(SAMPLE_FREEZE)
    with pytest.raises(SystemExit, match="ipywidgets"):
        pins.main([str(freeze), "--date", "2027-01-02", "--python", "3.14", "--out", str(tmp_path / "x")])
    assert not (tmp_path / "x").exists()


def test_refresh_takes_missing_packages_from_an_earlier_freeze_and_says_so():
    freeze = pins.parse_freeze(SAMPLE_FREEZE)
    earlier = pins.parse_freeze("ipywidgets==7.7.1\njax==0.4.0\n")
    pinned, from_earlier = pins.select(freeze, earlier, packages=("jax", "ipywidgets"))
    assert pinned == {"jax": "0.8.0", "ipywidgets": "7.7.1"}
    assert from_earlier == ["ipywidgets"]
    assert "commit abc" in pins.render(pinned, "2027-01-02", "3.14", from_earlier, "abc")


def test_shipped_pin_file_pins_colabs_runtime():
    shipped = pins.read_pin_file()
    assert shipped["ipywidgets"] == "7.7.1"
    assert shipped["jax"] == "0.7.2" and shipped["jaxlib"] == "0.7.2"
    assert {pins.canonical(n) for n in shipped} == {pins.canonical(n) for n in pins.PACKAGES}
    assert "2026-08-19" in pins.PIN_FILE.read_text()


def test_colab_job_accepts_only_an_added_cs324scale_line():
    from run_colab_runtime import freeze_change

    before = ["ipywidgets==7.7.1", "jax==0.7.2"]
    assert freeze_change(before, ["cs324scale @ file:///src", *before]) is None
    assert "not installed" in freeze_change(before, before)
    changed = freeze_change(before, ["cs324scale==0.1.0", "ipywidgets==8.1.5", "jax==0.7.2"])
    assert "ipywidgets==7.7.1" in changed and "ipywidgets==8.1.5" in changed
