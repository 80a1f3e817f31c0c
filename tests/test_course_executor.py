"""The course executor (tools/notebook_exec.py) must never wait between cells.

With stock nbclient, the cell after a widget cell of lecture 01 started only when the
per-cell timeout ran out when the machine was busy (1 to 3 runs in 3 with three busy
processes beside it; tools/notebook_exec.py explains why). These tests load the CPU the way a 2-core build machine is loaded, run lecture 01
through the executor with a short stall limit, and check that the stall detector itself
fires on a notebook whose timing shows a wait.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from notebook_exec import ExecutorStall, cell_gaps, check_stalls, execute_notebook

ROOT = Path(__file__).resolve().parents[1]
LECTURE = ROOT / "lectures" / "01_data_scaling_laws.ipynb"


def _timed_cell(busy: str, idle: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("print('hi')")
    cell.metadata["execution"] = {"iopub.status.busy": busy, "iopub.status.idle": idle}
    return cell


def test_stall_detector_names_the_cell_that_waited():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _timed_cell("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.000Z"),
        _timed_cell("2026-01-01T00:00:01.100Z", "2026-01-01T00:00:02.000Z"),
        _timed_cell("2026-01-01T00:09:59.000Z", "2026-01-01T00:10:00.000Z"),
    ]
    assert [round(g, 3) for _, g in cell_gaps(nb)] == [0.1, 597.0]
    check_stalls(nb, "demo.ipynb", stall_limit=600)  # within the limit: no error
    with pytest.raises(ExecutorStall, match=r"demo.ipynb: cell 2 .* 597 s"):
        check_stalls(nb, "demo.ipynb", stall_limit=5)


@pytest.mark.slow
def test_widget_cells_do_not_stall_the_executor_under_load():
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(3)]
    try:
        env_fast = os.environ.get("CS324SCALE_FAST")
        os.environ["CS324SCALE_FAST"] = "1"
        nb = execute_notebook(LECTURE, LECTURE.parent, timeout=120, stall_limit=3.0)
    finally:
        for p in busy:
            p.kill()
        if env_fast is None:
            os.environ.pop("CS324SCALE_FAST", None)
        else:
            os.environ["CS324SCALE_FAST"] = env_fast
    widget_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "widgets." in c.source]
    assert widget_cells, "lecture 01 no longer has a widget cell; point this test at one that does"
    assert max(g for _, g in cell_gaps(nb)) < 3.0
