"""Rewrite ``.ci/colab-runtime.txt`` from Colab's published ``pip freeze``.

Colab publishes its runtime's packages in the public repository ``googlecolab/backend-info``
(file ``pip-freeze.gpu.txt``). The pin file keeps, as exact ``name==version`` pins, only the
packages the kit touches (``PACKAGES``); ``tools/run_colab_runtime.py`` installs them into
a fresh venv and runs every notebook there.

Usage::

    python tools/refresh_colab_pins.py path/to/pip-freeze.gpu.txt --date 2026-08-19 --python 3.13

A package of ``PACKAGES`` that the freeze lacks is an error. ``--earlier FILE --earlier-commit
SHA [--earlier-python 3.12]`` names an older stored freeze to take such packages from; the header says which.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN_FILE = ROOT / ".ci" / "colab-runtime.txt"
SOURCE = "googlecolab/backend-info, pip-freeze.gpu.txt"

# What the kit imports or runs on Colab, as Colab spells the names.
# fmt: off
PACKAGES = (
    # the kit's dependencies, and the ones the Colab setup cell must never touch
    "jax", "jaxlib", "ml_dtypes", "opt_einsum", "numpy", "scipy", "matplotlib",
    "optax", "absl-py", "tqdm", "pooch",
    # widgets and the kernel the notebooks run in
    "ipywidgets", "widgetsnbextension", "jupyterlab_widgets", "ipython", "ipykernel",
    "traitlets", "matplotlib-inline", "jupyter_client", "jupyter_core", "pyzmq", "tornado",
    "debugpy", "nest-asyncio", "psutil",
    # notebook tooling the kit's tools use
    "nbclient", "nbconvert", "nbformat", "jupytext", "pytest",
)
# fmt: on

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def canonical(name: str) -> str:
    """PEP 503 normalised name: ``ml_dtypes`` and ``ML-Dtypes`` are the same package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_freeze(text: str) -> dict[str, tuple[str, str]]:
    """``{canonical name: (name as written, version)}`` for every ``name==version`` line.

    Comments, blank lines and direct references (``name @ URL``) are skipped.
    """
    pins = {}
    for line in text.splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[canonical(match.group(1))] = (match.group(1), match.group(2))
    return pins


def select(
    freeze: dict[str, tuple[str, str]],
    earlier: dict[str, tuple[str, str]] | None = None,
    packages: tuple[str, ...] = PACKAGES,
) -> tuple[dict[str, str], list[str]]:
    """Pins of ``packages`` from ``freeze``, else from ``earlier``.

    Returns:
        ``({name: version} in the order of packages, [names taken from earlier])``.

    Raises:
        ValueError: naming every package found in neither freeze.
    """
    pins, from_earlier, missing = {}, [], []
    for name in packages:
        key = canonical(name)
        if key in freeze:
            pins[name] = freeze[key][1]
        elif earlier is not None and key in earlier:
            pins[name] = earlier[key][1]
            from_earlier.append(name)
        else:
            missing.append(name)
    if missing:
        raise ValueError(
            f"the Colab freeze has no pin for {', '.join(missing)}; a package the kit needs is "
            "no longer preinstalled on Colab (or was renamed): check the freeze, then edit "
            "PACKAGES in tools/refresh_colab_pins.py"
        )
    return pins, from_earlier


def render(
    pins: dict[str, str],
    date: str,
    python: str,
    from_earlier: list[str] = (),
    earlier_commit: str | None = None,
    earlier_python: str | None = None,
) -> str:
    """The pin file's text: a header saying where the pins come from, then one pin a line."""
    lines = [
        "# Colab's runtime, cut to the packages the kit touches: exact pins that",
        "# tools/run_colab_runtime.py installs into a fresh venv (make colab-runtime).",
        f"# Source: {SOURCE}, the {date} update (Python {python}).",
    ]
    if from_earlier:
        lines += [
            "# Not in that update's list, so taken from the earlier stored freeze of the same file",
            f"# (commit {earlier_commit}"
            + (f", Python {earlier_python}" if earlier_python else "")
            + "):",
        ]
        lines += [
            f"#   {' '.join(from_earlier[i : i + 8])}" for i in range(0, len(from_earlier), 8)
        ]
    lines += [
        "# Regenerate from a newer freeze (do not edit by hand; fails if a package is missing):",
        f"#   python tools/refresh_colab_pins.py path/to/pip-freeze.gpu.txt --date {date} --python {python}",
        "",
    ]
    lines += [f"{name}=={version}" for name, version in pins.items()]
    return "\n".join(lines) + "\n"


def read_pin_file(path: Path = PIN_FILE) -> dict[str, str]:
    """``{name as written: version}`` from a pin file such as ``.ci/colab-runtime.txt``."""
    return {name: version for name, version in parse_freeze(path.read_text()).values()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("freeze", type=Path, help="Colab's pip-freeze.gpu.txt")
    parser.add_argument("--date", required=True, help="the freeze's update date, YYYY-MM-DD")
    parser.add_argument("--python", required=True, help="Colab's Python version, e.g. 3.13")
    parser.add_argument(
        "--earlier", type=Path, help="an older freeze for packages the newer one lacks"
    )
    parser.add_argument("--earlier-commit", help="the backend-info commit of --earlier")
    parser.add_argument("--earlier-python", help="the Python version of --earlier, for the header")
    parser.add_argument("--out", type=Path, default=PIN_FILE)
    args = parser.parse_args(argv)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.date):
        parser.error(f"--date must be YYYY-MM-DD, got {args.date!r}")
    if args.earlier is not None and not args.earlier_commit:
        parser.error(
            "--earlier needs --earlier-commit, so the header can say where the pins came from"
        )
    earlier = parse_freeze(args.earlier.read_text()) if args.earlier else None
    try:
        pins, from_earlier = select(parse_freeze(args.freeze.read_text()), earlier)
    except ValueError as err:
        raise SystemExit(f"{args.freeze}: {err}") from None
    args.out.write_text(
        render(pins, args.date, args.python, from_earlier, args.earlier_commit, args.earlier_python)
    )
    print(f"wrote {len(pins)} pins to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
