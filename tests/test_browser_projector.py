"""The app as a class sees it on a projector (1280 x 720, presenter mode from ?presenter=1) and on a laptop
(1600 x 1000): nothing wider than the screen, each page's main thing on the first screen, the key numbers
large, and one network that every page describes truthfully while it trains. Screenshots: test-artifacts/."""

import re

import pytest
from conftest import ARTIFACTS, TIMEOUT_MS, use_seed

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}
LAPTOP = {"width": 1600, "height": 1000}
PAGES = ["", "data", "forward", "training", "experiments", "class", "draw"]
LARGE_NUMBERS_PX = 40


def tab(browser, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page


def open_page(page, url):
    page.goto(url)
    page.wait_for_selector('[data-testid="stMain"] h1')  # the page's own content, not an empty frame
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
    # and no grey placeholder left (one stands for a widget while its code loads into a fresh tab)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')")
    page.wait_for_timeout(300)


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
        context, page = tab(browser, viewport)
        open_page(page, f"{app_url}/{path}{query}")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert widest(page) <= viewport["width"], f"{path or 'home'} is wider than the {name}'s screen"
        page.screenshot(path=str(ARTIFACTS / f"{name}-{path or 'home'}.png"))  # the first screen, as the class sees it
        context.close()


def test_the_canvas_of_draw_a_digit_is_on_the_first_screen(browser, app_url):
    context, page = tab(browser, PROJECTOR)
    open_page(page, f"{app_url}/draw?presenter=1")
    box = page.locator("canvas.upper-canvas").first.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"], box
    context.close()


def test_training_shows_its_live_curves_on_the_first_screen_and_large_results(browser, app_url):
    context, page = tab(browser, PROJECTOR)
    open_page(page, f"{app_url}/training?presenter=1")
    page.get_by_role("button", name="📓 The notebook").click()
    page.wait_for_timeout(500)
    page.get_by_role("button", name="▶️ Train").click()
    page.locator(".st-key-tr_curves_loss path.curve[d*='L']").wait_for()  # the run's curve, a line (a picture)
    page.wait_for_timeout(1_000)
    box = page.locator(".st-key-tr_curves_loss").bounding_box()  # redrawn 4 times a second
    page.screenshot(path=str(ARTIFACTS / "projector-training-running.png"))
    on_screen = min(box["y"] + box["height"], PROJECTOR["height"]) - box["y"]
    assert box["y"] >= 0 and on_screen >= 0.6 * box["height"], box  # most of the chart, without scrolling
    page.get_by_text(re.compile(r"step 500 of 500")).first.wait_for(timeout=180_000)
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stMetricValue\"]').length >= 3",
                           timeout=60_000)
    sizes = metric_sizes(page)
    assert sizes and min(sizes) >= LARGE_NUMBERS_PX, sizes
    page.screenshot(path=str(ARTIFACTS / "projector-training-finished.png"))

    open_page(page, f"{app_url}/forward?presenter=1")  # the same visitor: the network just trained
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stMetricValue\"]').length >= 2")
    sizes = metric_sizes(page)
    assert sizes and min(sizes) >= LARGE_NUMBERS_PX, sizes
    context.close()


def test_every_page_describes_the_network_as_it_is_while_it_trains_and_after(browser, app_url):
    """Train, then go to other pages while the run goes on, then after it ends: Draw, Forward pass and Home
    describe the visitor's one network truthfully (its step, and at the end the Training page's accuracy)."""
    context, page = tab(browser, LAPTOP)
    open_page(page, f"{app_url}/training")
    page.get_by_role("button", name="📓 The notebook").click()
    page.wait_for_timeout(500)
    use_seed(page, 101)  # a run of its own, still in progress when the other pages describe it
    page.get_by_role("button", name="▶️ Train").click()
    page.get_by_text(re.compile(r"step [1-9]\d* of 500")).first.wait_for(timeout=TIMEOUT_MS)

    page.get_by_role("link", name="Draw a digit").click()  # through the app's own navigation: the same session
    page.get_by_text(re.compile(r"training: step [\d,]+ of 500")).first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("still training on the 📉 Training page").first.wait_for()
    first = int(re.search(r"training: step ([\d,]+)", page.get_by_text(re.compile("training: step")).first
                          .inner_text()).group(1).replace(",", ""))
    page.screenshot(path=str(ARTIFACTS / "laptop-draw-while-training.png"))

    page.get_by_role("link", name="Forward pass").click()
    described = page.get_by_text(re.compile(r"training: step [\d,]+ of 500")).first
    described.wait_for(timeout=TIMEOUT_MS)
    later = int(re.search(r"training: step ([\d,]+)", described.inner_text()).group(1).replace(",", ""))
    assert later >= first  # the page reads the run as it is now (a busy machine may not have stepped in between)

    page.get_by_role("link", name="Training").click()
    page.get_by_text(re.compile(r"step 500 of 500")).first.wait_for(timeout=240_000)
    page.get_by_text("Finished 500 steps").first.wait_for(timeout=60_000)
    finished = re.search(r"dev accuracy ([\d.]+%)", page.get_by_text("Finished 500 steps").first.inner_text()).group(1)

    for link in ("Forward pass", "Draw a digit", "Home"):
        page.get_by_role("link", name=link).click()
        line = page.get_by_text(re.compile(r"500 steps, dev accuracy")).first
        line.wait_for(timeout=TIMEOUT_MS)
        assert f"dev accuracy {finished}" in line.inner_text(), (link, line.inner_text(), finished)
        assert page.get_by_text(re.compile("training: step")).count() == 0
    page.screenshot(path=str(ARTIFACTS / "laptop-home-after-training.png"))
    context.close()
