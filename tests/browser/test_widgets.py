"""In JupyterLab, in headless Chromium: moving a cs.widgets.explorer slider redraws the figure."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

TOKEN = "cs324scale-test"
EXPLORER_CELL = """\
import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
import cs324scale as cs

def plot_power_law(alpha=0.5):
    n = np.logspace(0, 4, 50)
    plt.figure(figsize=(6, 4))
    plt.loglog(n, n ** -alpha)
    plt.title(f"alpha = {alpha:.2f}")

cs.widgets.explorer(plot_power_law, alpha=w.FloatSlider(value=0.5, min=0.1, max=2.0, step=0.1, description="alpha"))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(EXPLORER_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "explorer.ipynb")
    port = free_port()
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
           f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}", "--LabApp.news_url=",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.extension_manager=readonly", "--allow-root"]
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("JupyterLab did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def wait_for_idle_kernel(url: str, timeout: float = 120) -> None:
    """Block until the notebook's kernel has started and is idle (JupyterLab's REST API)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        sessions = json.load(urllib.request.urlopen(f"{url}/api/sessions?token={TOKEN}", timeout=5))
        if sessions and sessions[0]["kernel"]["execution_state"] == "idle":
            return
        time.sleep(0.5)
    pytest.fail("the notebook kernel never became idle")


@pytest.mark.browser
def test_slider_change_redraws_figure(browser, jupyterlab):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{jupyterlab}/lab/tree/explorer.ipynb?token={TOKEN}", timeout=120_000)
    cell = page.locator(".jp-Notebook .jp-Cell").first
    cell.wait_for(timeout=120_000)
    wait_for_idle_kernel(jupyterlab)
    cell.click()
    page.keyboard.press("Shift+Enter")

    image = page.locator(".cs324scale-explorer img").first
    image.wait_for(timeout=120_000)
    before = image.get_attribute("src")
    assert before and before.startswith("data:image/png"), "the explorer drew no figure"
    page.screenshot(path=str(_shots() / "widget-before.png"))

    handle = page.locator(".cs324scale-explorer .noUi-handle").first
    handle.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "(old) => { const i = document.querySelector('.cs324scale-explorer img');"
        " return i && i.src !== old; }", arg=before, timeout=60_000)
    readout = page.locator(".cs324scale-explorer .widget-readout").first.inner_text()
    page.screenshot(path=str(_shots() / "widget-after.png"))
    page.close()
    assert float(readout) > 0.5, f"the slider did not move (readout {readout})"


def _shots():
    from .conftest import BUILD

    out = BUILD / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out
