"""Walk every slide deck in headless Chromium: no JS error, no network, no broken image,
no empty slide. Screenshots of the first slide and the first figure slide of each deck go
to build/screenshots/."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from .conftest import BUILD

DECKS = sorted((BUILD / "slides").glob("*.slides.html"))
SHOTS = BUILD / "screenshots"

SLIDE_INFO = """() => {
  const s = Reveal.getCurrentSlide();
  const imgs = [...s.querySelectorAll('img')];
  return {
    text: s.innerText.trim().length,
    head: s.innerText.trim().split(String.fromCharCode(10))[0].slice(0, 50),
    images: imgs.length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => (i.src || '').slice(0, 80)),
    figures: s.querySelectorAll('img, svg, canvas').length,
    overflow: s.scrollHeight - Reveal.getConfig().height,
  };
}"""


@pytest.mark.browser
@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name.split(".")[0])
def test_deck_walks_cleanly_offline(browser, build_server, deck: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors, outside, failed = [], [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("requestfailed", lambda req: failed.append(req.url))

    def only_loopback(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith("data:") or host == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    page.goto(f"{build_server}/slides/{deck.name}", wait_until="load")
    page.wait_for_selector(".reveal.ready", state="attached", timeout=30_000)
    # nbconvert's template loads reveal.js with require.js; fetch the same instance.
    page.evaluate("() => { window.Reveal = require('vendor/reveal.js/dist/reveal.js');"
                  " Reveal.configure({transition: 'none', backgroundTransition: 'none'}); }")
    total = page.evaluate("() => Reveal.getTotalSlides()")
    assert total >= 3, f"{deck.name}: only {total} slides"

    SHOTS.mkdir(parents=True, exist_ok=True)
    stem = deck.name.split(".")[0]
    empty, broken, cut_off, figure_shot = [], [], [], None
    slides = page.evaluate("() => Reveal.getSlides().map(s => Reveal.getIndices(s))")
    for n, idx in enumerate(slides):
        page.evaluate(f"() => Reveal.slide({idx['h']}, {idx.get('v') or 0}, 99)")
        page.wait_for_timeout(100)
        info = page.evaluate(SLIDE_INFO)
        if info["text"] == 0 and info["figures"] == 0:
            empty.append(n)
        broken += info["broken"]
        if info["overflow"] > 20:  # pixels of content below the slide's bottom edge
            cut_off.append((n, info["overflow"], info["head"]))
        if n == 0:
            page.screenshot(path=str(SHOTS / f"{stem}-first.png"))
        if figure_shot is None and info["images"] > 0 and not info["broken"]:
            figure_shot = SHOTS / f"{stem}-figure.png"
            page.screenshot(path=str(figure_shot))
    page.close()

    assert not errors, f"JavaScript errors in {deck.name}: {errors[:3]}"
    assert not outside, f"{deck.name} requested the network: {outside[:3]}"
    assert not failed, f"failed requests in {deck.name}: {failed[:3]}"
    assert not broken, f"broken images in {deck.name}: {broken[:3]}"
    assert not empty, f"empty slides (0-based) in {deck.name}: {empty}"
    assert not cut_off, f"slides whose content runs off the bottom (index, pixels, first line) in {deck.name}: {cut_off}"
    assert figure_shot is not None, f"{deck.name} has no slide with a figure"
    for shot in (SHOTS / f"{stem}-first.png", figure_shot):
        assert shot.stat().st_size > 10_000, f"{shot.name} looks blank"
