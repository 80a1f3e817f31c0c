"""Execute every lecture and render it as a reveal.js slide deck under ``build/``.

Writes ``build/lectures/NAME.ipynb`` (executed), ``build/slides/NAME.slides.html`` and
``build/index.html`` linking the decks, the executed lectures, the labs (Colab links) and
the solutions. The scale is whatever ``CS324SCALE_FAST`` says (``make course`` sets fast).

Usage::

    python tools/build_course.py [lectures/01_data_scaling_laws.ipynb ...]
"""

from __future__ import annotations

import argparse
import copy
import html
import sys
import time
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter

import cs324scale

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_notebooks import BADGE_RE, ROOT, badge, read_settings  # noqa: E402
from notebook_exec import MISSED_WAKEUPS, execute_notebook  # noqa: E402
from slide_assets import VENDOR_DIR, ensure_assets, exporter_options  # noqa: E402

BUILD = ROOT / "build"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


# One cell's own run time: fast-mode cells take seconds, full-mode cells (a Colab GPU) can
# train for many minutes. The wait *between* cells is bounded separately by STALL_LIMIT_S.
CELL_TIMEOUT_S = {"fast": 300, "full": 3600}
STALL_LIMIT_S = 5.0


def execute(src: Path) -> nbformat.NotebookNode:
    timeout = CELL_TIMEOUT_S[cs324scale.scale.mode()]
    return execute_notebook(src, ROOT / src.parent.name, timeout=timeout, stall_limit=STALL_LIMIT_S)


def render_slides(nb: nbformat.NotebookNode, offline: bool) -> str:
    nb = copy.deepcopy(nb)  # the Colab badge is for notebooks; a deck shows no external image
    nb.cells[0].source = "\n".join(ln for ln in nb.cells[0].source.splitlines() if not BADGE_RE.match(ln))
    # No slide depends on a live widget: drop widget state and views, or nbconvert would
    # load the widget manager from a CDN.
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            out.get("data", {}).pop(WIDGET_MIME, None)
    options = exporter_options() if offline else {}
    # Decks show prose and results; the code stays in the executed notebook next to the deck.
    exporter = SlidesExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, **options)
    body, _ = exporter.from_notebook_node(nb)
    return body


def write_index(decks: list[tuple[str, float]], settings: dict[str, str]) -> Path:
    rows = []
    for name, seconds in decks:
        rows.append(
            f"<li><b>{html.escape(name)}</b>: <a href='slides/{name}.slides.html'>slides</a> · "
            f"<a href='lectures/{name}.ipynb'>executed notebook</a> ({seconds:.0f} s)</li>"
        )
    labs = []
    for lab in sorted((ROOT / "labs").glob("[0-9]*.ipynb")):
        colab = badge(settings, f"labs/{lab.name}").split("](")[-1].rstrip(")")
        labs.append(
            f"<li>{html.escape(lab.stem)}: <a href='{colab}'>open lab in Colab</a> · "
            f"<a href='../labs/{lab.name}'>lab</a> · <a href='../solutions/{lab.name}'>solution</a></li>"
        )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>cs324scale course</title>"
        "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;font-size:18px}</style>"
        "</head><body><h1>CS324 Week 6: Scaling laws</h1><h2>Lectures</h2><ul>"
        + "".join(rows)
        + "</ul><h2>Labs</h2><ul>"
        + ("".join(labs) or "<li>no labs yet</li>")
        + "</ul></body></html>"
    )
    out = BUILD / "index.html"
    out.write_text(page)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--online", action="store_true", help="load reveal.js from a CDN instead of build/slides/vendor")
    args = parser.parse_args(argv)
    sources = args.notebooks or sorted((ROOT / "lectures").glob("[0-9]*.ipynb"))
    (BUILD / "lectures").mkdir(parents=True, exist_ok=True)
    (BUILD / "slides").mkdir(parents=True, exist_ok=True)
    offline = not args.online
    if offline:
        ensure_assets()
    decks = []
    for src in sources:
        src = src.resolve()
        t0 = time.perf_counter()
        print(f"executing {src.relative_to(ROOT)} ...", flush=True)
        nb = execute(src)
        seconds = time.perf_counter() - t0
        nbformat.write(nb, BUILD / "lectures" / src.name)
        (BUILD / "slides" / f"{src.stem}.slides.html").write_text(render_slides(nb, offline))
        decks.append((src.stem, seconds))
        print(f"  done in {seconds:.1f} s", flush=True)
    print("\nBuild times: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in decks)
          + f" (total {sum(s for _, s in decks):.0f} s; missed kernel-client wakeups recovered: "
          + f"{MISSED_WAKEUPS['count']})")
    index = write_index(decks, read_settings())
    print(f"\nExecuted lectures: {BUILD / 'lectures'}")
    print(f"Slide decks:       {BUILD / 'slides'} (offline assets in {VENDOR_DIR})")
    print(f"Open:              {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
