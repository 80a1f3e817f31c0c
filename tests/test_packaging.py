"""pyproject.toml is the one dependency list; environment.yml must say the same."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQ = re.compile(r"^([A-Za-z0-9_.\-]+)\s*(.*)$")


def parse(spec: str) -> tuple[str, str]:
    name, rest = REQ.match(spec.strip()).groups()
    return name.lower().replace("_", "-"), rest.replace(" ", "")


def pyproject_requirements(text: str) -> dict[str, str]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    project = tomllib.loads(text)["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    return dict(parse(s) for s in specs)


def environment_requirements(text: str) -> dict[str, str]:
    out = {}
    for line in text.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"^\s*-\s+([A-Za-z][^#:]*?)\s*(#.*)?$", line)
        if m and not m.group(1).startswith(("python", "pip", "-")):
            name, spec = parse(m.group(1))
            out[name] = spec
    return out


def test_environment_yml_matches_pyproject():
    py = pyproject_requirements((ROOT / "pyproject.toml").read_text())
    env = environment_requirements((ROOT / "environment.yml").read_text())
    assert py == env, (
        f"only in pyproject: {set(py.items()) - set(env.items())}; only in environment.yml: {set(env.items()) - set(py.items())}"
    )


def test_the_comparison_notices_a_disagreement():
    text = (ROOT / "environment.yml").read_text()
    env, n = re.subn(r"(?m)^(\s*-\s+numpy)>=[0-9.]+", r"\1>=1.20", text)
    assert n == 1, "environment.yml has no numpy floor to alter"
    assert environment_requirements(env) != pyproject_requirements(
        (ROOT / "pyproject.toml").read_text()
    )


def test_floors_only_no_exact_pins():
    py = pyproject_requirements((ROOT / "pyproject.toml").read_text())
    pinned = {k: v for k, v in py.items() if "==" in v or "<" in v}
    assert not pinned, f"exact or upper pins break Colab: {pinned}"


def test_import_is_light():
    """`import cs324scale` must not pull in jax or matplotlib (they load on first use)."""
    code = "import sys, cs324scale; print(sorted(m for m in ('jax', 'matplotlib', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
