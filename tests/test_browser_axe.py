"""Every page as a class first sees it, on a projector (1280 x 720, presenter mode from ?presenter=1) and on a
laptop (1600 x 1000), each opened once in a fresh tab: no exception, nothing wider than the screen, no text cut
off, on the projector the page's main element on the first screen, and no serious or critical accessibility
violation found by axe-core, the engine browsers' own audits use (text contrast, heading order, names of
controls, ...).

axe-core comes from the npm registry (`npm install --no-save axe-core@4.14.1` in the project folder; .ci/run does
it). Without it these tests skip and say so; in CI they must run. With SCREENSHOTS set, each page's first screen
and axe-core's report are saved there.
"""

import json
import os
from pathlib import Path

import pytest
from conftest import ROOT, SCREENSHOTS, AppPage

pytestmark = pytest.mark.browser

AXE = Path(os.environ.get("AXE_CORE_PATH", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
BLOCKING = ("serious", "critical")
PROJECTOR = ({"width": 1280, "height": 720}, "?presenter=1", "projector")
LAPTOP = ({"width": 1600, "height": 1000}, "", "laptop")
# Each page's main element, on the projector's first screen without scrolling (in presenter mode explanations fold
# away; on a laptop they come first, and the main element may be further down).
MAIN = {
    "": '[data-testid="stButton"]:has-text("Begin the lesson")',  # where to start
    "data": 'h2:has-text("Look at the digits")',  # the digits themselves (in presenter mode, their set-up below)
    "forward": ".st-key-forward_picture",  # the whole network as one picture
    "training": '[data-testid="stButton"]:has-text("Train")',  # the presets and Train (the curves: projector test)
    "experiments": 'h2:has-text("How sure is")',  # the first experiment
    "class": '[data-testid="stMetric"]:has-text("Runs")',  # the class's runs
    "draw": "canvas.upper-canvas",  # where the class draws
}


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        message = (f"axe-core tests skipped: no {AXE}. Run `npm install --no-save axe-core@4.14.1` in the project "
                   "folder (or set AXE_CORE_PATH)")
        if os.environ.get("CI"):
            pytest.fail(message + " (in CI they must run)")
        pytest.skip(message)
    return AXE.read_text()


def audit(page, axe_source):
    """Run axe-core on the page as it is now; returns its violations."""
    page.add_script_tag(content=axe_source)
    return page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")


def widest(page):
    """How wide the page is drawn, in CSS pixels (more than the window means a sideways scroll)."""
    return page.evaluate("() => Math.max(document.documentElement.scrollWidth, "
                         "document.querySelector('[data-testid=\"stMain\"]').scrollWidth)")


def cut_off(page):
    """Texts that overflow their box (cut with an ellipsis, or hidden), and charts or tables wider than the page's
    column."""
    return page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect();
        const cut = [...document.querySelectorAll('[data-testid="stMetricLabel"] p, [data-testid="stMetricValue"] p, '
                                                + 'h1, [data-testid="stHeading"] h2, [data-testid="stHeading"] h3, '
                                                + '[data-testid="stButton"] button p')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText);
        const wide = [...document.querySelectorAll('[data-testid="stPlotlyChart"], [data-testid="stDataFrame"], '
                                                 + '[data-testid="stImage"] img')]
            .filter(e => e.getBoundingClientRect().right > main.right + 1)
            .map(e => e.dataset.testid || e.alt);
        return cut.concat(wide);
    }""")


@pytest.mark.parametrize("screen", [PROJECTOR, LAPTOP], ids=lambda s: s[2])
@pytest.mark.parametrize("path", list(MAIN), ids=lambda p: p or "home")
def test_every_page_fits_its_screen_and_has_no_serious_accessibility_violation(browser, app_url, axe_source, path,
                                                                              screen):
    from playwright.sync_api import expect

    viewport, query, name = screen
    app = AppPage(browser, app_url, viewport)
    page = app.page
    try:
        app.open(path + query)
        expect(page.locator('[data-testid="stMain"] h1').first).to_be_visible()  # the page's own content
        page.wait_for_selector("style#readable", state="attached")  # the app's own CSS, in place
        expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0)  # no widget still loading its code
        app.wait_still()
        app.assert_no_exception()
        assert app.errors == [], f"{path or 'home'}: its page's scripts reported errors"
        assert widest(page) <= viewport["width"], f"{path or 'home'} is wider than the {name}'s screen"
        assert cut_off(page) == []
        if name == "projector":
            main = page.locator(MAIN[path]).first
            expect(main).to_be_visible()
            box = main.bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (MAIN[path], box)
        app.screenshot(f"{name}-{path or 'home'}")  # the first screen, as the class sees it

        violations = audit(page, axe_source)
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            (Path(SCREENSHOTS) / f"axe-{path or 'home'}-{name}.json").write_text(json.dumps(violations, indent=1))
        blocking = [f"{v['impact']}: {v['id']} ({len(v['nodes'])}x) e.g. {v['nodes'][0]['target']}: "
                    f"{v['nodes'][0]['failureSummary'][:200]}" for v in violations if v["impact"] in BLOCKING]
        assert not blocking, "\n".join(blocking)
    finally:
        app.close()
