"""Readable from the back row: on a projector (1280 x 720, presenter mode) every label in a picture is drawn at
20 px or more, nothing is cut at the right edge, and each page's main thing is on the first screen; on a phone
(390 x 844) the Training page's charts stand one per row and the sidebar folds once a page is chosen in it.
One fresh tab per page. Screenshots: test-artifacts/readable-*.png.
"""

import re

import pytest
from conftest import AppPage, keep_screenshot
from script_runs import IDLE, IDLE_AFTER_RELEASE, STILL

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}
PAGES = ["", "data", "forward", "training", "experiments", "class", "draw"]
SMALLEST_LABEL_PX = 20
CURVES = [f".st-key-tr_curves_{panel}" for panel in ("loss", "accuracy", "update")]  # Training's live curves

# The size on screen of every label of every picture on the page: the font size of each SVG <text> times the
# scale its picture is drawn at (a picture placed in the page, with getScreenCTM; a picture shown as an image,
# its width on screen over the width of its viewBox) and each text of a plotly chart. Hidden ones (a closed tab's)
# are left out.
LABEL_SIZES = """async () => {
  const sizes = [];
  const roots = [document, ...[...document.querySelectorAll('*')].filter(e => e.shadowRoot).map(e => e.shadowRoot)];
  for (const root of roots) {
    for (const text of root.querySelectorAll(root === document ? '[data-testid="stMain"] svg text' : 'svg text')) {
      const matrix = text.getScreenCTM();
      if (!matrix || text.getBoundingClientRect().width === 0) continue;
      sizes.push({size: parseFloat(getComputedStyle(text).fontSize) * Math.hypot(matrix.a, matrix.b),
                  text: text.textContent});
    }
  }
  for (const img of document.querySelectorAll('[data-testid="stMain"] img[src^="data:image/svg"]')) {
    const shown = img.getBoundingClientRect();
    if (shown.width === 0) continue;
    const svg = new DOMParser().parseFromString(await (await fetch(img.src)).text(), 'image/svg+xml').documentElement;
    const scale = shown.width / parseFloat(svg.getAttribute('viewBox').split(/[ ,]+/)[2]);
    for (const text of svg.querySelectorAll('text')) {
      let node = text, size = null;
      while (node && node.getAttribute && size === null) {
        size = node.getAttribute('font-size');
        node = node.parentNode;
      }
      sizes.push({size: parseFloat(size || 16) * scale, text: text.textContent});
    }
  }
  return sizes;
}"""

# What sticks out past the right edge of the window: the page itself, or a box whose content is wider than the
# box (a formula cut, or scrolled sideways). Boxes that scroll sideways on purpose (data.head()'s 785 columns, the
# data grids) and text kept for screen readers only (1 px wide) are not counted.
CUT = """() => {
  const cut = [];
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth) cut.push('the page');
  for (const e of document.querySelectorAll('[data-testid="stMain"] *')) {
    if (e.clientWidth <= 2 || e.closest('.scrolling-table, [data-testid="stDataFrame"], .katex-mathml')) continue;
    const style = getComputedStyle(e);
    if (style.overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 3)
      cut.push(`${e.className} (${e.scrollWidth} px in ${e.clientWidth}): ${e.innerText.slice(0, 40)}`);
  }
  return cut;
}"""


def tab(browser, viewport, phone=False):
    """A fresh tab (its own context) whose script runs are counted (conftest.AppPage): (context, page)."""
    app = AppPage(browser, "", viewport, phone)
    return app.context, app.page


# Every picture of the page drawn: no placeholder left, every image in, every chart and picture with its SVG.
DRAWN = """() => !document.querySelector('[data-testid="stSkeleton"]')
    && [...document.querySelectorAll('[data-testid="stMain"] img')].every(img => img.complete)
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))
    && [...document.querySelectorAll('[data-testid="stMain"] [data-testid^="stBidiComponent"]')]
         .every(c => (c.shadowRoot || c).querySelector('svg'))"""


def open_page(page, url):
    """Open a page and wait until it is drawn: its script has run, every picture is in, nothing moves any more."""
    page.goto(url)
    page.wait_for_selector('[data-testid="stMain"] h1')
    page.wait_for_function(IDLE)
    page.wait_for_function(DRAWN)
    page.wait_for_function(STILL)


def tenth_percentile(values):
    ordered = sorted(values)
    return ordered[int(0.1 * (len(ordered) - 1))]


def assert_readable(page, name):
    labels = page.evaluate(LABEL_SIZES)
    if labels:
        sizes = [label["size"] for label in labels]
        smallest = sorted(labels, key=lambda label: label["size"])[:5]
        assert tenth_percentile(sizes) >= SMALLEST_LABEL_PX, (name, smallest)
        assert min(sizes) >= SMALLEST_LABEL_PX - 0.5, (name, smallest)  # none far below, either
    assert page.evaluate(CUT) == [], name


def box(locator):
    found = locator.bounding_box()
    assert found is not None
    return found


def on_first_screen(found, viewport=PROJECTOR):
    """True when the box lies wholly inside the window, as it opens (nothing scrolled)."""
    return found["y"] >= 0 and found["y"] + found["height"] <= viewport["height"] + 1 and \
        found["x"] >= 0 and found["x"] + found["width"] <= viewport["width"] + 1


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_every_label_in_a_picture_is_20_px_and_nothing_is_cut_on_a_projector(browser, app_url, path):
    context, page = tab(browser, PROJECTOR)
    open_page(page, f"{app_url}/{path}?presenter=1")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert_readable(page, path or "home")
    if path == "":  # the diagram of every connection, its labels (under the bottom row of nodes) included
        assert on_first_screen(box(page.get_by_role("img", name=re.compile("A diagram of the network"))))
    elif path == "data":  # the digits; the set-up folded below them
        grid = page.get_by_role("img", name=re.compile(r"a handwritten \d, 28 x 28 pixels"))
        assert grid.count() == 20 and all(on_first_screen(box(grid.nth(k))) for k in (0, 19))
        setup = page.locator('[data-testid="stExpander"]', has_text="Choose other digits")
        assert box(setup)["y"] > box(grid.nth(19))["y"] and not setup.locator("details[open]").count()
    elif path == "forward":  # "untrained" above the picture, and the whole picture
        picture = page.locator(".st-key-forward_picture")
        warning = page.locator('[data-testid="stAlert"]', has_text="This network is untrained")
        assert box(warning)["y"] + box(warning)["height"] <= box(picture)["y"]
        assert on_first_screen(box(picture))
    elif path == "training":  # the three charts, their titles, legends and the step axis, before a run
        for panel in CURVES:
            assert on_first_screen(box(page.locator(f"{panel} svg")))
            assert page.locator(f"{panel} .legend").count() >= 1
    keep_screenshot(page, f"readable-projector-{path or 'home'}")
    context.close()


def test_draw_shows_the_answer_and_its_bars_on_the_first_screen_and_the_toolbar_covers_no_text(browser, app_url):
    context, page = tab(browser, PROJECTOR)
    open_page(page, f"{app_url}/draw?presenter=1")
    canvas = box(page.locator("canvas.upper-canvas").first)
    assert on_first_screen(canvas)
    page.mouse.move(canvas["x"] + 0.53 * canvas["width"], canvas["y"] + 0.15 * canvas["height"])  # a 1
    page.mouse.down()
    page.mouse.move(canvas["x"] + 0.47 * canvas["width"], canvas["y"] + 0.85 * canvas["height"], steps=10)
    page.mouse.up()
    page.locator('[data-testid="stMetric"]', has_text="Prediction").wait_for()
    page.wait_for_function(IDLE_AFTER_RELEASE)  # the drawing's run has ended
    page.wait_for_function(DRAWN)
    page.wait_for_function(STILL)
    bars = page.get_by_role("img", name=re.compile("The ten probabilities as bars"))
    for thing in (page.locator('[data-testid="stMetric"]', has_text="Prediction"), bars):
        assert on_first_screen(box(thing))
    assert_readable(page, "draw, with a drawing")
    toolbar = box(page.locator(".dc-toolbar-card").first)  # shown above the canvas while the mouse is on it
    covered = page.evaluate("""(bar) => [...document.querySelectorAll(
        '[data-testid="stMain"] :is(p, h1, h2, h3, summary, label, span)')].filter(e => {
          const r = e.getBoundingClientRect();
          return e.innerText.trim() && r.right > bar.x && r.x < bar.x + bar.width && r.bottom > bar.y
            && r.y < bar.y + bar.height; }).map(e => e.innerText.slice(0, 40))""", toolbar)
    assert covered == []
    keep_screenshot(page, "readable-projector-draw-drawn")
    context.close()


def test_training_shows_its_curves_with_their_legends_and_axes_on_the_first_screen(browser, app_url):
    context, page = tab(browser, PROJECTOR)
    open_page(page, f"{app_url}/training?presenter=1&iterations=50&seed=211")
    page.get_by_role("button", name="▶️ Train").click()
    page.locator(f"{CURVES[0]} path.curve[d*='L']").wait_for()  # the run's first curve, a line
    keep_screenshot(page, "readable-projector-training-running")
    page.get_by_text("step 50 of 50").first.wait_for(timeout=180_000)  # then the page stands still
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
    for panel, legend in zip(CURVES, ("loss", "dev accuracy", "dW2"), strict=True):
        picture = page.locator(f"{panel} svg")
        assert on_first_screen(box(picture))
        assert legend in picture.text_content() and "gradient step" in picture.text_content()
        assert page.locator(f"{panel} path.curve[d*='L']").count() >= 1
    assert_readable(page, "training, after a run")
    context.close()


def test_on_a_phone_the_training_charts_stand_one_per_row_and_the_sidebar_folds_after_a_choice(browser, app_url):
    context, page = tab(browser, PHONE, phone=True)
    open_page(page, app_url)
    sidebar = page.locator('[data-testid="stSidebar"]')
    page.get_by_test_id("stExpandSidebarButton").click()
    page.wait_for_function("() => document.querySelector('[data-testid=\"stSidebar\"]').getBoundingClientRect()"
                           ".right > 200")  # open, over the page
    page.locator('[data-testid="stSidebarNav"] a', has_text="Training").tap()
    page.get_by_role("heading", name="📉 Training").wait_for()
    page.wait_for_function("() => document.querySelector('[data-testid=\"stSidebar\"]').getBoundingClientRect()"
                           ".right <= 0")  # folded away
    assert page.get_by_test_id("stExpandSidebarButton").is_visible() and box(sidebar)["x"] + box(sidebar)["width"] <= 0
    page.locator(f"{CURVES[2]} svg").wait_for()
    boxes = [box(page.locator(f"{panel} svg")) for panel in CURVES]
    assert [b["x"] for b in boxes] == [boxes[0]["x"]] * 3  # one column
    assert all(upper["y"] + upper["height"] <= lower["y"] + 1 for upper, lower in zip(boxes, boxes[1:], strict=False))
    assert all(b["width"] >= 0.8 * PHONE["width"] for b in boxes)
    for k, panel in enumerate(CURVES):  # each title fits inside its chart
        title = box(page.locator(f"{panel} .title"))
        assert title["x"] >= boxes[k]["x"] and title["x"] + title["width"] <= boxes[k]["x"] + boxes[k]["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator(CURVES[0]).scroll_into_view_if_needed()
    keep_screenshot(page, "readable-phone-training")
    context.close()
