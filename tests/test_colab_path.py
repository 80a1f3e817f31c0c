"""Simulate the Colab path: a fresh environment that already has jax, numpy, matplotlib and
ipywidgets (as Colab does) runs a notebook's setup cell with the Colab branch forced.

The cell must install cs324scale without installing, upgrading or downgrading any of those
packages, and ``import cs324scale`` must work afterwards. Needs the package registry (PyPI)
for the fresh environment; takes about a minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
PROTECTED = ("jax", "jaxlib", "numpy", "matplotlib", "ipywidgets")
# Deliberately not the newest releases, so an upgrade by the setup cell would show.
PREINSTALLED = ("jax==0.6.2", "jaxlib==0.6.2", "numpy==2.2.6", "matplotlib==3.10.3", "ipywidgets==8.1.5")


def versions(python: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json;"
        f"print(json.dumps({{p: m.version(p) for p in {PROTECTED!r}}}))"
    )
    return json.loads(subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout)


@pytest.mark.slow
def test_forced_colab_setup_cell_leaves_jax_and_friends_alone(tmp_path):
    env_dir = tmp_path / "colab-like"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + list(PREINSTALLED), check=True)
    before = versions(python)

    setup_cell = jupytext.read(ROOT / "lectures" / "00_overview.py").cells[1].source
    script = tmp_path / "setup_cell.py"
    script.write_text(setup_cell)
    env = dict(os.environ, CS324SCALE_FORCE_COLAB="1", CS324SCALE_INSTALL_SOURCE=ROOT.as_uri(), JAX_PLATFORMS="cpu")
    env.pop("CS324SCALE_FAST", None)
    run = subprocess.run([str(python), str(script)], capture_output=True, text=True, env=env, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "devices" in run.stdout

    assert versions(python) == before, "the setup cell changed a protected package"
    check = subprocess.run([str(python), "-c", "import cs324scale as cs; print(cs.published.kaplan_constants()['alpha_N'])"],
                           capture_output=True, text=True, env=env)
    assert check.stdout.strip() == "0.076", check.stderr
    assert sys.executable != str(python)
