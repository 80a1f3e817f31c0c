"""tools/floor_constraints.py: the lowest-floors job's constraints come from pyproject.toml."""

from __future__ import annotations

from importlib import metadata

import floor_constraints as fc
import pytest
from packaging.requirements import Requirement

PROJECT = {
    "requires-python": ">=3.10",
    "dependencies": ["numpy>=1.25", "jax >= 0.6.1", "tomli>=2.0; python_version < '3.11'"],
    "optional-dependencies": {"dev": ["pytest>=7.4", "numpy>=1.25"], "docs": ["sphinx>=7"]},
}


def test_every_requirement_is_pinned_to_its_floor():
    text = fc.constraints(PROJECT, ["dev"])
    assert text.splitlines() == [
        "numpy==1.25",
        "jax==0.6.1",
        'tomli==2.0 ; python_version < "3.11"',
        "pytest==7.4",
    ]
    assert "sphinx" not in text


def test_the_real_pyproject_gives_one_pin_per_dependency_and_extra():
    project = fc.load_project()
    extras = sorted(project["optional-dependencies"])
    lines = fc.constraints(project, extras).splitlines()
    reqs = fc.requirements(project, extras)
    assert len(lines) == len(reqs) >= len(project["dependencies"])
    for line, req in zip(lines, reqs, strict=True):
        assert line.startswith(f"{req.name}=={fc.floor(req)}")
        assert req.specifier.contains(fc.floor(req))


def test_a_requirement_without_one_floor_is_refused():
    with pytest.raises(ValueError, match="floor"):
        fc.floor(Requirement("numpy"))
    with pytest.raises(ValueError, match="floor"):
        fc.floor(Requirement("numpy<3"))
    with pytest.raises(ValueError, match="unknown extras"):
        fc.requirements(PROJECT, ["gpu"])


def test_lowest_python_is_the_lowest_version_that_requires_python_allows(monkeypatch):
    versions = {
        "py39": "3.9.18",
        "py313": "3.13.0",
        "py310": "3.10.13",
        "broken": None,
        "py311": "3.11.7",
    }
    monkeypatch.setattr(fc, "python_version", lambda p: versions[p] and fc.Version(versions[p]))
    assert fc.lowest_python(">=3.10", list(versions)) == "py310"
    assert fc.lowest_python(">=3.11", list(versions)) == "py311"
    with pytest.raises(SystemExit, match="requires-python"):
        fc.lowest_python(">=3.14", list(versions))


def test_installed_report_names_a_package_off_its_floor():
    have = metadata.version("pytest")
    project = {
        "dependencies": [f"pytest>={have}"],
        "optional-dependencies": {"x": ["pytest>=0.0.1"]},
    }
    table, bad = fc.installed_report(project, [])
    assert have in table and bad == []
    project["dependencies"] = ["pytest>=0.0.1"]
    _, bad = fc.installed_report(project, [])
    assert bad == [f"pytest {have} (floor 0.0.1)"]


def test_cli_writes_the_constraints_file(tmp_path):
    out = tmp_path / "sub" / "floors.txt"
    assert fc.main(["--extras", "dev,notebooks", "-o", str(out)]) == 0
    text = out.read_text()
    assert "jax==" in text and "pytest==" in text and "jupytext==" in text
    assert not any(op in text for op in (">=", "<", "~="))
