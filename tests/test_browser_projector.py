"""The app as a class sees it on a projector (1280 x 720, presenter mode from ?presenter=1) and on a laptop
(1600 x 1000): nothing wider than the screen, each page's main thing on the first screen, the key numbers
large, and one network that every page describes truthfully while it trains. Screenshots (with SCREENSHOTS):
each page's first screen, and the Training page running and finished."""

import re

import pytest
from conftest import AppPage, use_seed

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}
LAPTOP = {"width": 1600, "height": 1000}
PAGES = ["", "data", "forward", "training", "experiments", "class", "draw"]
LARGE_NUMBERS_PX = 40


def open_page(app, path):
    """Open a page and wait until it has run and shows its own content (not an empty frame)."""
    from playwright.sync_api import expect

    app.open(path)
    expect(app.page.locator('[data-testid="stMain"] h1').first).to_be_visible()


def widest(page):
    """How wide the page is drawn, in CSS pixels (more than the window means a sideways scroll)."""
    return page.evaluate("() => Math.max(document.documentElement.scrollWidth, "
                         "document.querySelector('[data-testid=\"stMain\"]').scrollWidth)")


def metric_sizes(page):
    """The font size of every st.metric value on the page, in pixels."""
    return page.locator('[data-testid="stMetricValue"]').evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e.querySelector('p') || e).fontSize))")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_every_page_fits_the_screen_in_presenter_mode_and_on_a_laptop(browser, app_url, path):
    for viewport, query, name in ((PROJECTOR, "?presenter=1", "projector"), (LAPTOP, "", "laptop")):
        app = AppPage(browser, app_url, viewport)
        open_page(app, f"{path}{query}")
        app.assert_no_exception()
        assert widest(app.page) <= viewport["width"], f"{path or 'home'} is wider than the {name}'s screen"
        app.screenshot(f"{name}-{path or 'home'}")  # the first screen, as the class sees it
        app.close()


def test_the_canvas_of_draw_a_digit_is_on_the_first_screen(browser, app_url):
    app = AppPage(browser, app_url, PROJECTOR)
    open_page(app, "draw?presenter=1")
    box = app.page.locator("canvas.upper-canvas").first.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"], box
    app.close()


def test_training_shows_its_live_curves_on_the_first_screen_and_large_results(browser, app_url):
    from playwright.sync_api import expect

    app = AppPage(browser, app_url, PROJECTOR)
    page = app.page
    open_page(app, "training?presenter=1")
    page.get_by_role("button", name="📓 The notebook").click()
    app.wait_idle()
    page.get_by_role("button", name="▶️ Train").click()
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    expect(chart).to_be_visible()
    box = chart.evaluate("e => { const r = e.getBoundingClientRect(); return {y: r.y, height: r.height}; }")
    app.screenshot("projector-training-running")  # (the chart is redrawn 4 times a second: read in one go)
    on_screen = min(box["y"] + box["height"], PROJECTOR["height"]) - box["y"]
    assert box["y"] >= 0 and on_screen >= 0.6 * box["height"], box  # most of the chart, without scrolling
    expect(page.get_by_text(re.compile(r"step 500 of 500")).first).to_be_visible(timeout=180_000)
    expect(page.locator('[data-testid="stMetricValue"]').nth(2)).to_be_visible()
    sizes = metric_sizes(page)
    assert sizes and min(sizes) >= LARGE_NUMBERS_PX, sizes
    app.screenshot("projector-training-finished")

    open_page(app, "forward?presenter=1")  # the same visitor: the network just trained
    expect(page.locator('[data-testid="stMetricValue"]').nth(1)).to_be_visible()
    sizes = metric_sizes(page)
    assert sizes and min(sizes) >= LARGE_NUMBERS_PX, sizes
    app.close()


def test_every_page_describes_the_network_as_it_is_while_it_trains_and_after(browser, app_url):
    """Train, then go to other pages while the run goes on, then after it ends: Draw, Forward pass and Home
    describe the visitor's one network truthfully (its step, and at the end the Training page's accuracy)."""
    from playwright.sync_api import expect

    app = AppPage(browser, app_url, LAPTOP)
    page = app.page
    open_page(app, "training")
    page.get_by_role("button", name="📓 The notebook").click()
    app.wait_idle()
    use_seed(page, 101)  # a run of its own, still in progress when the other pages describe it
    page.get_by_role("button", name="▶️ Train").click()
    expect(page.get_by_text(re.compile(r"step [1-9]\d* of 500")).first).to_be_visible()

    page.get_by_role("link", name="Draw a digit").click()  # through the app's own navigation: the same session
    described = page.get_by_text(re.compile(r"training: step [\d,]+ of 500")).first
    expect(described).to_be_visible()
    expect(page.get_by_text("still training on the 📉 Training page").first).to_be_visible()
    first = int(re.search(r"training: step ([\d,]+)", described.inner_text()).group(1).replace(",", ""))
    app.screenshot("laptop-draw-while-training")

    page.get_by_role("link", name="Forward pass").click()
    described = page.get_by_text(re.compile(r"training: step [\d,]+ of 500")).first
    expect(described).to_be_visible()
    later = int(re.search(r"training: step ([\d,]+)", described.inner_text()).group(1).replace(",", ""))
    assert later >= first  # the page reads the run as it is now (a busy machine may not have stepped in between)

    page.get_by_role("link", name="Training").click()
    finished = page.get_by_text("Finished 500 steps").first
    expect(finished).to_be_visible(timeout=240_000)
    accuracy = re.search(r"dev accuracy ([\d.]+%)", finished.inner_text()).group(1)

    for link in ("Forward pass", "Draw a digit", "Home"):
        page.get_by_role("link", name=link).click()
        line = page.get_by_text(re.compile(r"500 steps, dev accuracy")).first
        expect(line).to_contain_text(f"dev accuracy {accuracy}")
        expect(page.get_by_text(re.compile("training: step"))).to_have_count(0)
    app.screenshot("laptop-home-after-training")
    app.close()
