"""Run every lecture and solution notebook in Colab's runtime, rebuilt from its published pins.

Colab's packages are not the newest: ipywidgets 7, IPython 7, ipykernel 6, an older jax.
A kit tested only on the newest releases can break on the first Colab cell. This job:

1. finds Python 3.13 (pyenv's ``versions/3.13*``, else ``python3.13`` on PATH), creates a
   fresh venv in ``build/colab-venv`` (an old one is deleted first, so every run starts
   from scratch) and installs ``.ci/colab-runtime.txt`` (exact pins, refreshed by
   ``tools/refresh_colab_pins.py``);
2. checks every pinned version is the one installed and records the venv's ``pip freeze``;
3. executes each ``lectures/[0-9]*.ipynb`` and ``solutions/[0-9]*.ipynb`` with
   ``notebook_exec.execute_notebook`` in a kernel that runs the venv's Python, with
   ``CS324SCALE_FORCE_COLAB=1`` so that each notebook's own setup cell takes its Colab
   branch and pip-installs cs324scale from this checkout (``CS324SCALE_INSTALL_SOURCE``),
   every other package frozen by the cell's constraints file;
4. checks that afterwards the venv's ``pip freeze`` is the one before plus a
   ``cs324scale`` line (the setup cell changed no package Colab brought) and that the
   installed kit's modules are this checkout's.

It prints each notebook's wall time and the total, writes the executed notebooks and both
freezes to ``build/colab-runtime/``, and exits non-zero naming each failed notebook and its
error. Run it with the kit's own venv (it needs nbclient)::

    make colab-runtime          # or: .ci/colab, or .venv/bin/python tools/run_colab_runtime.py
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_exec import MISSED_WAKEUPS, execute_notebook  # noqa: E402
from refresh_colab_pins import PIN_FILE, canonical, read_pin_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "build" / "colab-venv"
OUT = ROOT / "build" / "colab-runtime"
PYTHON_VERSION = "3.13"
KERNEL_NAME = "cs324scale-colab"
NOTEBOOK_GLOBS = ("lectures/[0-9]*.ipynb", "solutions/[0-9]*.ipynb")
KERNEL_ENV = {
    "CS324SCALE_FORCE_COLAB": "1",  # take the setup cell's Colab branch
    "CS324SCALE_INSTALL_SOURCE": ROOT.as_uri(),  # ... and install the kit from this checkout
    "CS324SCALE_FAST": "1",
    "JAX_PLATFORMS": "cpu",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # ipykernel 6's debugpy: no frozen-modules warning
    # pip caches the wheel it builds from a local folder whose path looks like name-version
    # (/tmp/colab-wt: "colab", "wt") and would install that stale kit on the next run.
    "PIP_NO_CACHE_DIR": "1",
}


class JobFailure(SystemExit):
    """The job cannot go on; the message says why."""

    def __init__(self, message: str):
        super().__init__(f"colab-runtime: {message}")


def find_python(version: str = PYTHON_VERSION) -> Path:
    """Python ``version``: pyenv's newest ``versions/<version>*``, else ``python<version>`` on PATH."""
    candidates = []
    if shutil.which("pyenv"):
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
        if root:
            candidates += sorted(glob.glob(f"{root}/versions/{version}*/bin/python"), reverse=True)
    if shutil.which(f"python{version}"):
        candidates.append(shutil.which(f"python{version}"))
    for candidate in candidates:
        run = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True,
        )
        if run.returncode == 0 and run.stdout.strip() == version:
            return Path(candidate)
    raise JobFailure(
        f"no Python {version} found (looked for $(pyenv root)/versions/{version}*/bin/python and "
        f"python{version} on PATH); install it, e.g. `pyenv install {version}`"
    )


def run(cmd: list[str], what: str, **kw) -> subprocess.CompletedProcess:
    """Run ``cmd``; on failure stop the job, showing its output."""
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise JobFailure(f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}{proc.stderr[-4000:]}")
    return proc


def create_venv(python: Path) -> Path:
    """A fresh venv at ``VENV`` with the pins installed; returns its Python."""
    if VENV.exists():
        shutil.rmtree(VENV)
    run([str(python), "-m", "venv", str(VENV)], f"creating {VENV}")
    venv_python = VENV / "bin" / "python"
    run([str(venv_python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", str(PIN_FILE)], f"pip install -r {PIN_FILE.relative_to(ROOT)}")
    return venv_python


def installed_versions(venv_python: Path) -> dict[str, str]:
    """``{canonical name: version}`` of every distribution in the venv."""
    code = "import importlib.metadata as m, json; print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    found = json.loads(run([str(venv_python), "-c", code], "listing the venv's packages").stdout)
    return {canonical(name): version for name, version in found.items()}


def check_pins(venv_python: Path) -> None:
    installed = installed_versions(venv_python)
    wrong = [
        f"{name}=={want} (installed: {installed.get(canonical(name), 'none')})"
        for name, want in read_pin_file().items()
        if installed.get(canonical(name)) != want
    ]
    if wrong:
        raise JobFailure("the venv does not hold the pinned versions: " + ", ".join(wrong))


def pip_freeze(venv_python: Path) -> list[str]:
    return run([str(venv_python), "-m", "pip", "freeze", "--disable-pip-version-check"],
               "pip freeze").stdout.splitlines()


def write_kernelspec(folder: Path, venv_python: Path) -> None:
    """A kernelspec ``KERNEL_NAME`` under ``folder/kernels`` that starts the venv's ipykernel."""
    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": [str(venv_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Colab runtime (Python {PYTHON_VERSION})",
        "language": "python",
        "env": KERNEL_ENV,
    }, indent=1))


def error_summary(err: BaseException) -> str:
    """The error's last lines: for a failed cell, nbclient's traceback ends with the exception."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(err))  # IPython colours its tracebacks
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n".join(lines[-12:]) if lines else type(err).__name__


def freeze_change(before: list[str], after: list[str]) -> str | None:
    """``None`` if ``after`` is ``before`` plus one ``cs324scale`` line, else what differs."""
    added_kit = [line for line in after if canonical(line.split("==")[0].split(" @ ")[0]) == "cs324scale"]
    rest = [line for line in after if line not in added_kit]
    if not added_kit:
        return "cs324scale is not installed in the venv after the notebooks ran"
    if rest != before:
        gone = sorted(set(before) - set(rest))
        new = sorted(set(rest) - set(before))
        return f"the setup cells changed packages: removed/replaced {gone}, added {new}"
    return None


def stale_kit_files(venv_python: Path) -> list[str]:
    """The kit's modules whose installed copy in the venv differs from this checkout's."""
    code = "import cs324scale, os; print(os.path.dirname(cs324scale.__file__))"
    installed = Path(run([str(venv_python), "-c", code], "importing cs324scale", cwd=VENV).stdout.strip())
    source = ROOT / "cs324scale"
    modules = {p.relative_to(source) for p in source.rglob("*.py")} | {
        p.relative_to(installed) for p in installed.rglob("*.py")
    }
    return sorted(
        str(m) for m in modules
        if not (source / m).is_file() or not (installed / m).is_file()
        or (source / m).read_bytes() != (installed / m).read_bytes()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: every lecture and solution)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds one cell may run")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or [Path(p) for g in NOTEBOOK_GLOBS for p in sorted(glob.glob(str(ROOT / g)))]
    notebooks = [nb.resolve() for nb in notebooks]
    start = time.perf_counter()

    python = find_python()
    print(f"Python {PYTHON_VERSION}: {python}", flush=True)
    venv_python = create_venv(python)
    check_pins(venv_python)
    before = pip_freeze(venv_python)
    OUT.mkdir(parents=True, exist_ok=True)
    OUT.joinpath("freeze-before.txt").write_text("\n".join(before) + "\n")
    print(f"{VENV.relative_to(ROOT)}: {len(read_pin_file())} pins as pinned, {len(before)} packages "
          f"in all ({time.perf_counter() - start:.0f} s)", flush=True)

    times, failures = {}, {}
    with tempfile.TemporaryDirectory(prefix="colab-kernel-") as spec_dir:
        write_kernelspec(Path(spec_dir), venv_python)
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [spec_dir, os.environ.get("JUPYTER_PATH")]))
        # The kernel inherits this environment: it must see the Colab venv, not the kit's.
        os.environ.pop("PYTHONPATH", None)
        os.environ["VIRTUAL_ENV"] = str(VENV)
        os.environ["PATH"] = os.pathsep.join([str(VENV / "bin"), os.environ.get("PATH", "")])
        for src in notebooks:
            name = str(src.relative_to(ROOT))
            t0 = time.perf_counter()
            try:
                nb = execute_notebook(src, src.parent, timeout=args.timeout, kernel_name=KERNEL_NAME)
                target = OUT / name
                target.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, target)
            except Exception as err:  # a failed cell, a stall, a dead kernel: report and go on
                failures[name] = f"{type(err).__name__}: {error_summary(err)}"
            times[name] = time.perf_counter() - t0
            print(f"{'FAIL' if name in failures else 'ok  '} {times[name]:7.1f} s  {name}", flush=True)

    after = pip_freeze(venv_python)
    OUT.joinpath("freeze-after.txt").write_text("\n".join(after) + "\n")
    change = freeze_change(before, after)
    stale = None if change else stale_kit_files(venv_python)
    print("\nnotebook wall times (s)")
    for name, seconds in times.items():
        print(f"  {seconds:7.1f}  {name}")
    print(f"  {sum(times.values()):7.1f}  all {len(times)} notebooks; job total "
          f"{time.perf_counter() - start:.0f} s; missed wakeups recovered: {MISSED_WAKEUPS['count']}")
    print("pip freeze after the notebooks: " + (change or "unchanged except the added cs324scale line"))
    if stale is not None:
        print("installed cs324scale: " + (f"{len(stale)} module(s) differ from this checkout" if stale
                                          else "this checkout's modules"))
    for name, message in failures.items():
        print(f"\nFAILED {name}\n{message}", file=sys.stderr)
    if change:
        print(f"\nFAILED pip freeze check: {change}", file=sys.stderr)
    if stale:
        print(f"\nFAILED installed-kit check: not this checkout's {', '.join(stale[:8])}", file=sys.stderr)
    return 1 if failures or change or stale else 0


if __name__ == "__main__":
    sys.exit(main())
