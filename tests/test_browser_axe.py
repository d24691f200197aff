"""Accessibility checked by axe-core, the engine browsers' own audits use: every page, in normal and in presenter
mode, has no serious or critical violation (text contrast, heading order, names of controls, ...).

axe-core comes from the npm registry (`npm install --no-save axe-core@4.14.1` in the project folder; .ci/run does
it). Without it these tests skip and say so; in CI they must run. With SCREENSHOTS set, each page's report is
saved there as axe-*.json.
"""

import json
import os
from pathlib import Path

import pytest
from conftest import ROOT, SCREENSHOTS, AppPage

pytestmark = pytest.mark.browser

AXE = Path(os.environ.get("AXE_CORE_PATH", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
PAGES = ["", "data", "forward", "training", "experiments", "class", "draw"]
BLOCKING = ("serious", "critical")


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


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_no_serious_accessibility_violation(browser, app_url, axe_source, path, presenter):
    app = AppPage(browser, app_url, {"width": 1600, "height": 1000})
    page = app.page
    app.open(path + ("?presenter=1" if presenter else ""))
    page.wait_for_selector("style#readable", state="attached")  # the app's own CSS, in place
    app.wait_still()  # no element still fading in: its colours are measured as they finally are
    violations = audit(page, axe_source)
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        name = f"axe-{path or 'home'}-{'presenter' if presenter else 'normal'}.json"
        (Path(SCREENSHOTS) / name).write_text(json.dumps(violations, indent=1))
    blocking = [f"{v['impact']}: {v['id']} ({len(v['nodes'])}x) e.g. {v['nodes'][0]['target']}: "
                f"{v['nodes'][0]['failureSummary'][:200]}" for v in violations if v["impact"] in BLOCKING]
    app.close()
    assert not blocking, "\n".join(blocking)
