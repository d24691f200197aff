"""The Training page on a projector (1280 x 720, presenter mode from ?presenter=1): the live curves on the first
screen and the results large; and on a laptop (1600 x 1000), one network that every page describes truthfully
while it trains and once it has stopped. (Every page's fit to both screens: test_browser_axe.py.)"""

import re

import pytest
from conftest import AppPage

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}
LAPTOP = {"width": 1600, "height": 1000}
LARGE_NUMBERS_PX = 40
# The notebook's recipe, long enough to be still training when the test presses Stop, with a seed no other test
# trains (identical runs in progress are shared by the server's visitors).
LONG_RUN = "training?iterations=2000&seed={seed}"


def metric_sizes(page):
    """The font size of every st.metric value on the page, in pixels."""
    return page.locator('[data-testid="stMetricValue"]').evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e.querySelector('p') || e).fontSize))")


def stop(app):
    """Press Stop while the run trains; returns the step it stopped at (the page says '⏸️ step N of 2,000')."""
    from playwright.sync_api import expect

    app.page.get_by_role("button", name="⏹️ Stop").click()
    progress = app.page.locator('[data-testid="stProgress"]').first
    expect(progress).to_contain_text("⏸️")
    app.wait_idle()
    return int(re.search(r"step ([\d,]+) of 2,000", progress.inner_text()).group(1).replace(",", ""))


def test_training_shows_its_live_curves_on_the_first_screen_and_large_results(browser, app_url):
    from playwright.sync_api import expect

    app = AppPage(browser, app_url, PROJECTOR)
    page = app.page
    app.open(LONG_RUN.format(seed=103) + "&presenter=1")
    page.get_by_role("button", name="▶️ Train").click()
    chart = page.locator(".st-key-tr_curves_loss")
    expect(chart.locator("path.curve[d*='L']").first).to_be_visible()  # the run's curve, a line (a picture)
    expect(page.get_by_role("button", name="⏹️ Stop")).to_be_enabled()  # still training: the live layout
    box = chart.evaluate("e => { const r = e.getBoundingClientRect(); return {y: r.y, height: r.height}; }")
    app.screenshot("projector-training-running")  # (the chart is redrawn 4 times a second: read in one go)
    on_screen = min(box["y"] + box["height"], PROJECTOR["height"]) - box["y"]
    assert box["y"] >= 0 and on_screen >= 0.6 * box["height"], box  # most of the chart, without scrolling

    assert 0 < stop(app) < 2000  # the results of a stopped run are shown as those of a finished one
    expect(page.locator('[data-testid="stMetricValue"]').nth(2)).to_be_visible()
    sizes = metric_sizes(page)
    assert len(sizes) >= 3 and min(sizes) >= LARGE_NUMBERS_PX, sizes
    app.screenshot("projector-training-stopped")

    page.locator('[data-testid="stExpandSidebarButton"]').click()  # presenter mode keeps the sidebar closed
    page.get_by_role("link", name="Forward pass").click()  # the same visitor: the network just trained
    expect(page.get_by_text("Your network:").first).to_be_visible()
    expect(page.locator('[data-testid="stMetricValue"]').nth(1)).to_be_visible()
    app.wait_idle()
    sizes = metric_sizes(page)
    assert len(sizes) >= 2 and min(sizes) >= LARGE_NUMBERS_PX, sizes
    app.close()


def test_every_page_describes_the_network_as_it_is_while_it_trains_and_after(browser, app_url):
    """Train, then go to other pages while the run goes on, then stop it: Draw, Forward pass and Home describe the
    visitor's one network truthfully (its step while it trains; once stopped, its steps and the Training page's
    dev accuracy)."""
    from playwright.sync_api import expect

    app = AppPage(browser, app_url, LAPTOP)
    page = app.page
    app.open(LONG_RUN.format(seed=101))
    page.get_by_role("button", name="▶️ Train").click()
    expect(page.get_by_text(re.compile(r"step [1-9][\d,]* of 2,000")).first).to_be_visible()

    page.get_by_role("link", name="Draw a digit").click()  # through the app's own navigation: the same session
    described = page.get_by_text(re.compile(r"training: step [\d,]+ of 2,000")).first
    expect(described).to_be_visible()
    expect(page.get_by_text("still training on the 📉 Training page").first).to_be_visible()
    first = int(re.search(r"training: step ([\d,]+)", described.inner_text()).group(1).replace(",", ""))
    app.screenshot("laptop-draw-while-training")

    page.get_by_role("link", name="Forward pass").click()
    described = page.get_by_text(re.compile(r"training: step [\d,]+ of 2,000")).first
    expect(described).to_be_visible()
    later = int(re.search(r"training: step ([\d,]+)", described.inner_text()).group(1).replace(",", ""))
    assert later >= first  # the page reads the run as it is now (a busy machine may not have stepped in between)

    page.get_by_role("link", name="Training").click()
    expect(page.get_by_role("button", name="⏹️ Stop")).to_be_enabled()
    steps = stop(app)  # still training: its 2,000 steps take far longer than the two pages
    dev = page.locator('[data-testid="stMetric"]', has_text="dev accuracy").locator('[data-testid="stMetricValue"]')
    expect(dev).to_have_text(re.compile(r"^\d+\.\d%$"))
    accuracy = dev.inner_text()

    for link in ("Forward pass", "Draw a digit", "Home"):
        page.get_by_role("link", name=link).click()
        line = page.get_by_text(re.compile(r"\d steps, dev accuracy")).first
        expect(line).to_contain_text(f"{steps:,} steps, dev accuracy {accuracy}")
        expect(page.get_by_text(re.compile("training: step"))).to_have_count(0)
    app.screenshot("laptop-home-after-training")
    app.close()
