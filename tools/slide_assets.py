"""Local copies of reveal.js, require.js and MathJax so slide decks work offline.

The packages come from the npm registry (``npm pack``), are unpacked under
``build/slides/vendor/`` and referenced by relative URLs, so a deck opened from disk in a
classroom with no network loads nothing from the internet.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR_DIR = ROOT / "build" / "slides" / "vendor"
# npm package spec -> folder name under vendor/
PACKAGES = {
    "reveal.js@4.6.0": "reveal.js",
    "requirejs@2.3.7": "requirejs",
    "mathjax@2.7.9": "mathjax",
    "jquery@2.2.4": "jquery",
}
TEMPLATES = ROOT / "tools" / "templates"


def ensure_assets() -> Path:
    """Download (once) and unpack the slide assets; return the vendor folder."""
    missing = {spec: name for spec, name in PACKAGES.items() if not (VENDOR_DIR / name).is_dir()}
    if not missing:
        return VENDOR_DIR
    if shutil.which("npm") is None:
        raise SystemExit(
            "Offline slides need npm (Node.js) once, to fetch reveal.js, require.js and MathJax "
            "from the npm registry. Install Node.js, or run `python tools/build_course.py --online`."
        )
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", "--silent", *missing], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        for spec, name in missing.items():
            tgz = next(Path(tmp).glob(spec.split("@")[0].replace(".", "?") + "-*.tgz"))
            with tarfile.open(tgz) as tar:
                tar.extractall(tmp, filter="data")
            shutil.move(str(Path(tmp) / "package"), VENDOR_DIR / name)
    return VENDOR_DIR


def exporter_options() -> dict:
    """``SlidesExporter`` options that point every asset at the local copies (URLs relative to the deck)."""
    return {
        "extra_template_basedirs": [str(TEMPLATES)],
        "template_name": "cs324_slides",
        "reveal_url_prefix": "vendor/reveal.js",
        "reveal_theme": "white",  # its fonts ship with reveal.js; "simple" loads Google Fonts
        "jquery_url": "vendor/jquery/dist/jquery.min.js",
        "require_js_url": "vendor/requirejs/require.js",
        "mathjax_url": "vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    }
