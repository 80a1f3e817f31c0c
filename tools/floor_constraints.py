"""The floors of pyproject.toml as a pip constraints file, for the lowest-floors job.

Every dependency (and every requirement of the extras asked for) is pinned to its floor,
the version after ``>=`` in pyproject.toml, so ``.ci/floors`` installs the oldest
versions the kit claims to support without a hand-kept list. Dependencies of
dependencies are left to pip (the newest that fit), as a user's ``pip install`` would.

    python tools/floor_constraints.py --extras dev,notebooks -o build/floors.txt
    python tools/floor_constraints.py --lowest-python      # interpreter for the job
    build/floors-venv/bin/python tools/floor_constraints.py --installed  # check the venv

Needs only a Python with pip: ``packaging`` and ``tomli`` fall back to pip's vendored
copies, so it runs before any venv exists (and on Python 3.10, which has no tomllib).
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        from pip._vendor import tomli as tomllib
try:
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version
except ModuleNotFoundError:  # a bare interpreter: pip ships its own copy
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.specifiers import SpecifierSet
    from pip._vendor.packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def load_project(pyproject: Path = ROOT / "pyproject.toml") -> dict:
    """The ``[project]`` table of a pyproject.toml."""
    return tomllib.loads(Path(pyproject).read_text())["project"]


def floor(req: Requirement) -> str:
    """The floor of one requirement: the version of its single ``>=`` clause.

    Raises:
        ValueError: when the requirement has no ``>=`` floor, or more than one.
    """
    floors = [s.version for s in req.specifier if s.operator == ">="]
    if len(floors) != 1:
        raise ValueError(f"{req}: expected exactly one '>=' floor, found {len(floors)}")
    return floors[0]


def requirements(project: dict, extras: list[str]) -> list[Requirement]:
    """Direct dependencies plus those of ``extras``, in pyproject order, without repeats."""
    optional = project.get("optional-dependencies", {})
    unknown = sorted(set(extras) - set(optional))
    if unknown:
        raise ValueError(f"unknown extras {unknown}; pyproject has {sorted(optional)}")
    specs = list(project.get("dependencies", []))
    for extra in extras:
        specs += optional[extra]
    out, seen = [], set()
    for spec in specs:
        req = Requirement(spec)
        key = req.name.lower().replace("_", "-")
        if key not in seen:
            seen.add(key)
            out.append(req)
    return out


def constraints(project: dict, extras: list[str]) -> str:
    """Constraint lines ``name==floor`` (markers kept), one per requirement."""
    lines = []
    for req in requirements(project, extras):
        marker = f" ; {req.marker}" if req.marker else ""
        lines.append(f"{req.name}=={floor(req)}{marker}")
    return "\n".join(lines) + "\n"


def candidate_pythons() -> list[str]:
    """Interpreters on this machine: every pyenv version, then ``python3.X`` on PATH."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin", "python3")))
    found += [shutil.which(f"python3.{minor}") for minor in range(8, 20)]
    return [p for p in found if p]


def python_version(python: str) -> Version | None:
    """The full version of an interpreter, or None when it does not run."""
    try:
        out = subprocess.run(
            [python, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Version(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


def lowest_python(requires_python: str, pythons: list[str] | None = None) -> str:
    """The interpreter with the lowest version that ``requires_python`` allows."""
    allowed = SpecifierSet(requires_python)
    best = None
    for python in candidate_pythons() if pythons is None else pythons:
        version = python_version(python)
        if version is not None and version in allowed and (best is None or version < best[0]):
            best = (version, python)
    if best is None:
        raise SystemExit(
            f"no interpreter on this machine satisfies requires-python {requires_python}"
        )
    return best[1]


def installed_report(project: dict, extras: list[str]) -> tuple[str, list[str]]:
    """A table of floor vs installed version for this interpreter, and the mismatches."""
    from importlib import metadata

    rows, bad = [f"{'package':<14} {'floor':<10} installed"], []
    for req in requirements(project, extras):
        if req.marker and not req.marker.evaluate():
            continue
        try:
            have = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            have = "missing"
        if have == "missing" or Version(have) != Version(floor(req)):
            bad.append(f"{req.name} {have} (floor {floor(req)})")
        rows.append(f"{req.name:<14} {floor(req):<10} {have}")
    return "\n".join(rows), bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    parser.add_argument("--extras", default="", help="comma-separated extras to pin too")
    parser.add_argument("-o", "--out", type=Path, help="write here instead of stdout")
    parser.add_argument(
        "--lowest-python",
        action="store_true",
        help="print the lowest available interpreter that requires-python allows",
    )
    parser.add_argument(
        "--installed",
        action="store_true",
        help="print floor vs installed versions here; exit 1 if any differ",
    )
    args = parser.parse_args(argv)
    project = load_project(args.pyproject)
    extras = [e for e in args.extras.split(",") if e]
    if args.lowest_python:
        print(lowest_python(project.get("requires-python", ">=3")))
        return 0
    if args.installed:
        table, bad = installed_report(project, extras)
        print(table)
        if bad:
            print("not at the floor: " + ", ".join(bad), file=sys.stderr)
        return 1 if bad else 0
    text = constraints(project, extras)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
