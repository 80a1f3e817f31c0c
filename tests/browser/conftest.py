"""Real-browser tests: headless Chromium from Debian's packages, driven by Playwright.

They read what `make course` wrote under build/ and are run by `make check-browser`.
Without Chromium they skip, unless CS324SCALE_REQUIRE_BROWSER=1 (set by CI), which turns
the skip into a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
CHROMIUM = os.environ.get("CS324SCALE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a sandboxed machine with no network (Chromium's background services stay off).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def need_browser():
    if not Path(CHROMIUM).exists():
        msg = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CS324SCALE_REQUIRE_BROWSER") == "1":
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="session")
def browser():
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def build_server():
    """Serve build/ on a loopback port; yields the base URL."""
    if not (BUILD / "slides").is_dir():
        pytest.fail("build/slides is missing: run `make course` first")
    handler = functools.partial(_QuietHandler, directory=str(BUILD))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
