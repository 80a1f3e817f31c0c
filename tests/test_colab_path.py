"""Simulate the Colab path: a fresh environment that already has jax, numpy, matplotlib and
ipywidgets at Colab's own versions (``.ci/colab-runtime.txt``) runs a notebook's setup cell
with the Colab branch forced.

The cell must install cs324scale and change no installed package (the full ``pip freeze``,
less the cs324scale line, is the same before and after), and ``import cs324scale`` must work
afterwards. Needs the package registry (PyPI) for the fresh environment; takes about a
minute. It runs on the current Python: Colab's pins all have wheels for 3.11 and newer.
``tools/run_colab_runtime.py`` runs every notebook in Colab's full runtime on Python 3.13.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import jupytext
import pytest
from refresh_colab_pins import canonical, read_pin_file

ROOT = Path(__file__).resolve().parents[1]
# What the setup cell must never install, upgrade or downgrade (CONVENTIONS, section 2),
# plus scipy and optax, all at Colab's versions. Colab's ipywidgets 7.7.1 once
# broke the setup cell while this test pre-installed ipywidgets 8.
PROTECTED = ("jax", "jaxlib", "numpy", "matplotlib", "ipywidgets", "scipy", "optax")
# Colab has every dependency of the kit, so the cell has nothing to add but cs324scale.
PREINSTALLED_NAMES = (*PROTECTED, "tqdm", "pooch")
COLAB_VERSIONS = {canonical(name): version for name, version in read_pin_file().items()}
PREINSTALLED = tuple(f"{name}=={COLAB_VERSIONS[canonical(name)]}" for name in PREINSTALLED_NAMES)


def pip_freeze(python: Path) -> list[str]:
    """The environment's ``pip freeze``, less cs324scale."""
    out = subprocess.run([str(python), "-m", "pip", "freeze", "--disable-pip-version-check"],
                         capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if not canonical(line).startswith("cs324scale")]


@pytest.mark.slow
def test_forced_colab_setup_cell_leaves_jax_and_friends_alone(tmp_path):
    env_dir = tmp_path / "colab-like"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + list(PREINSTALLED), check=True)
    before = pip_freeze(python)
    installed = dict(line.split("==") for line in before if "==" in line)
    installed = {canonical(name): version for name, version in installed.items()}
    assert {p: installed.get(p) for p in PREINSTALLED_NAMES} == {p: COLAB_VERSIONS[p] for p in PREINSTALLED_NAMES}

    setup_cell = jupytext.read(ROOT / "lectures" / "00_overview.py").cells[1].source
    script = tmp_path / "setup_cell.py"
    script.write_text(setup_cell)
    # PIP_NO_CACHE_DIR: pip caches a wheel built from a folder whose path looks like
    # name-version (a clone in /tmp/ci-1234) and would install that stale kit next time.
    env = dict(os.environ, CS324SCALE_FORCE_COLAB="1", CS324SCALE_INSTALL_SOURCE=ROOT.as_uri(),
               JAX_PLATFORMS="cpu", PIP_NO_CACHE_DIR="1")
    env.pop("CS324SCALE_FAST", None)
    run = subprocess.run([str(python), str(script)], capture_output=True, text=True, env=env, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "devices" in run.stdout

    after = pip_freeze(python)
    assert after == before, (
        f"the setup cell changed installed packages: removed {sorted(set(before) - set(after))}, "
        f"added {sorted(set(after) - set(before))}"
    )
    check = subprocess.run([str(python), "-c", "import cs324scale as cs; print(cs.published.kaplan_constants()['alpha_N'])"],
                           capture_output=True, text=True, env=env)
    assert check.stdout.strip() == "0.076", check.stderr
    assert sys.executable != str(python)
