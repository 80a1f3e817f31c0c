"""The notebook pipeline: generated files in sync, no outputs, labs leak-free, stubs raise."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import build_notebooks as bn
import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9]*.py"))
ALL_SOURCES = sorted((ROOT / "lectures").glob("[0-9]*.py")) + SOLUTIONS
ALL_IPYNB = sorted(p for d in ("lectures", "solutions", "labs") for p in (ROOT / d).glob("*.ipynb"))


# ---------------------------------------------------------------- sync and outputs


def test_generated_files_match_a_fresh_regeneration(capsys):
    status = bn.main(["--check"])
    assert status == 0, "generated notebooks are out of date:\n" + capsys.readouterr().out


def test_check_mode_notices_an_edited_generated_file(tmp_path, monkeypatch):
    lab_or_lecture = next(p for p in ALL_IPYNB)
    original = lab_or_lecture.read_text()
    try:
        lab_or_lecture.write_text(original.replace('"source": [', '"source": [\n    "# edited by hand\\n",', 1))
        assert bn.main(["--check"]) == 1
    finally:
        lab_or_lecture.write_text(original)


def notebook_outputs(path: Path) -> list[int]:
    nb = json.loads(path.read_text())
    return [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]


@pytest.mark.parametrize("path", ALL_IPYNB, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_notebook_has_no_outputs(path):
    assert notebook_outputs(path) == [], f"{path.name} carries outputs; run `make notebooks`"


def test_output_check_detects_outputs(tmp_path):
    nb = json.loads(ALL_IPYNB[0].read_text())
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}]
    bad = tmp_path / "bad.ipynb"
    bad.write_text(json.dumps(nb))
    assert notebook_outputs(bad) != []


# ------------------------------------------------------------ headers and Colab


@pytest.mark.parametrize("src", ALL_SOURCES + sorted((ROOT / "labs").glob("[0-9]*.py")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_opens_with_badge_and_setup_cell(src):
    nb = jupytext.read(src)
    title, setup = nb.cells[0], nb.cells[1]
    assert title.cell_type == "markdown" and title.source.startswith("# ")
    assert f"blob/{bn.read_settings()['ref']}/{src.parent.name}/{src.stem}.ipynb" in title.source
    assert bn.SETUP_TAG in setup.metadata.get("tags", [])
    assert setup.source.index("XLA_PYTHON_CLIENT_PREALLOCATE") < setup.source.index("import jax")
    for pkg in ("jax", "jaxlib", "numpy", "matplotlib", "ipywidgets"):
        assert f"pip install {pkg}" not in setup.source


def test_setup_cell_is_a_no_op_outside_colab(tmp_path):
    """Executed outside Colab, the cell must not call pip; it prints the devices."""
    setup = jupytext.read(ALL_SOURCES[0]).cells[1].source
    guard = "import subprocess\ndef _refuse(*a, **k):\n    raise SystemExit('pip was called')\nsubprocess.run = _refuse\n"
    script = tmp_path / "setup_cell.py"
    script.write_text(guard + setup)
    env = {k: v for k, v in os.environ.items() if k != "CS324SCALE_FORCE_COLAB"}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "devices" in out.stdout and "No GPU or TPU attached" in out.stdout


# ------------------------------------------------------------------------- labs


def solution_spans(text: str) -> tuple[list[list[str]], set[str]]:
    """(lines of each span, lines outside spans), stripped, markers and hints excluded."""
    spans, outside, current = [], set(), None
    for line in text.splitlines():
        s = line.strip()
        if s == bn.BEGIN:
            current = []
        elif s == bn.END:
            spans.append(current)
            current = None
        elif current is not None:
            if s and not s.startswith(bn.HINT):
                current.append(s)
        elif s:
            outside.add(s)
    return spans, outside


def leaked_lines(solution_texts: list[str], lab_texts: list[str]) -> set[str]:
    """Lines found only inside solution spans that appear in a lab."""
    inside, outside = set(), set()
    for text in solution_texts:
        spans, out = solution_spans(text)
        inside |= {s for span in spans for s in span}
        outside |= out
    only_inside = inside - outside
    return {s.strip() for t in lab_texts for s in t.splitlines()} & only_inside


def lab_texts() -> list[str]:
    return [p.read_text() for p in sorted((ROOT / "labs").glob("*")) if p.suffix in (".py", ".ipynb")]


def lab_ipynb_lines() -> list[str]:
    out = []
    for p in sorted((ROOT / "labs").glob("*.ipynb")):
        out += ["".join(c["source"]) for c in json.loads(p.read_text())["cells"]]
    return out


def test_labs_do_not_leak_solution_lines():
    solutions = [p.read_text() for p in SOLUTIONS]
    leaks = leaked_lines(solutions, lab_texts() + lab_ipynb_lines())
    assert not leaks, f"solution lines found in labs/: {sorted(leaks)[:5]}"


def test_leak_scan_catches_a_leak():
    solution = "x = 1\n### BEGIN SOLUTION\nsecret = compute_answer(x)\n### END SOLUTION\n"
    assert leaked_lines([solution], ["x = 1\nsecret = compute_answer(x)\n"]) == {"secret = compute_answer(x)"}
    assert leaked_lines([solution], ["x = 1\nraise NotImplementedError\n"]) == set()


def stubs_of(text: str) -> list[ast.Raise]:
    cells = [c.source for c in jupytext.reads(text, fmt="py:percent").cells if c.cell_type == "code"]
    found = []
    for src in cells:
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.Raise) and "NotImplementedError" in ast.unparse(node):
                found.append(node)
    return found


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_every_solution_span_becomes_a_raising_stub(solution):
    spans, _ = solution_spans(solution.read_text())
    lab = ROOT / "labs" / solution.name
    stubs = stubs_of(lab.read_text())
    assert len(spans) >= 1, f"{solution.name} has no solution spans"
    assert len(stubs) == len(spans), f"{len(spans)} spans but {len(stubs)} NotImplementedError stubs in {lab.name}"
    for stub in stubs:
        with pytest.raises(NotImplementedError) as info:
            exec(compile(ast.Module([stub], []), lab.name, "exec"), {})
        assert str(info.value).strip(), "a stub must carry a hint for the student"


def test_stub_generator_raises_with_the_hint():
    src = "def f(x):\n    ### BEGIN SOLUTION\n    ### HINT: square it\n    return x * x\n    ### END SOLUTION\n"
    stripped = bn.strip_solutions(src, "example")
    assert "x * x" not in stripped and "square it" in stripped
    namespace = {}
    exec(stripped, namespace)
    with pytest.raises(NotImplementedError, match="square it"):
        namespace["f"](3)


def test_unbalanced_markers_are_rejected():
    with pytest.raises(SystemExit, match="without"):
        bn.strip_solutions("### BEGIN SOLUTION\nx = 1\n", "example")
