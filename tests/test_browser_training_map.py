"""Real-browser test of the hidden layer's map (Training, "What the network learned"): train a short run, slide
the map from the last step to step 0 and back, hover a point for its number and the network's answer, click it
to see the digit. On a laptop (1600 x 1000) and on a projector (1280 x 720, ?presenter=1). Screenshots (with
SCREENSHOTS): training-map-laptop-end, -start, -chosen and training-map-projector.
"""

import re

import pytest
from conftest import AppPage

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}
LAPTOP = {"width": 1600, "height": 1000}
STEPS = 50  # a short run from a link: the map has a step 0, steps kept in between, and the last one


def train_and_open_the_map(app, query=""):
    """Train the notebook's recipe for STEPS steps (a link sets them), open the tab, and return the map."""
    from playwright.sync_api import expect

    page = app.page
    app.open(f"training?iterations={STEPS}{query}")
    page.get_by_role("button", name="▶️ Train").click()
    expect(page.locator('[data-testid="stProgress"]').first).to_contain_text(f"✅ finished · step {STEPS} of {STEPS}")
    app.wait_idle()
    page.get_by_role("tab", name="🧠 What the network learned").click()
    app.wait_idle()
    app.assert_no_exception()
    chart = page.locator('[data-testid="stPlotlyChart"]', has_text="dev digits at step").last
    expect(chart).to_contain_text(f"at step {STEPS}")
    page.get_by_text("The hidden layer's map of the digits.").evaluate(
        "e => e.scrollIntoView({block: 'start', behavior: 'instant'})")
    return chart


def scrubber(page):
    return page.locator('[data-testid="stSlider"]', has_text="Training step (the map)").get_by_role("slider")


def scrub_to(app, chart, key, step):
    """Move the map's step slider with the keyboard (Home: step 0, End: the last) and wait for the map to show it."""
    from playwright.sync_api import expect

    scrubber(app.page).focus()
    app.page.keyboard.press(key)
    expect(chart).to_contain_text(f"at step {step}")
    app.wait_idle()
    app.assert_no_exception()


def hover_a_point(page, chart):
    """Move the mouse over points of the map until plotly shows one's label; return (x, y, the label)."""
    from playwright.sync_api import Error

    points = chart.locator(".textpoint")
    label = chart.locator(".hoverlayer .hovertext", has_text="dev digit #").first
    for k in range(0, points.count(), 37):
        box = points.nth(k).bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        try:  # plotly shows the label of the point under the mouse (another point may lie on top of this one)
            label.wait_for(timeout=2_000)
        except Error:
            continue
        return x, y, " ".join(chart.locator(".hoverlayer .hovertext").all_text_contents())
    raise AssertionError("no point of the map showed its label")


def test_the_map_scrubs_through_training_and_shows_a_hovered_and_clicked_digit(app):
    from playwright.sync_api import expect

    page = app.page
    page.set_viewport_size(LAPTOP)
    chart = train_and_open_the_map(app)
    expect(chart).to_contain_text("of the variance")
    assert chart.locator(".textpoint").count() >= 1000  # every dev digit, drawn as its digit
    keeps = page.locator('[data-testid="stMetric"]', has_text="Variance the map keeps")
    expect(keeps).to_contain_text(re.compile(r"\d+%"))
    app.screenshot("training-map-laptop-end")

    scrub_to(app, chart, "Home", 0)
    app.screenshot("training-map-laptop-start")
    scrub_to(app, chart, "End", STEPS)

    x, y, label = hover_a_point(page, chart)
    number = re.search(r"dev digit #(\d+)", label).group(1)
    assert f"the network at step {STEPS} says" in label
    page.mouse.click(x, y)
    chosen = page.locator('[data-testid="stNumberInput"]', has_text="Dev digit #").locator("input")
    expect(chosen).to_have_value(number)
    expect(page.get_by_text(re.compile(f"dev digit #{number}: an? \\d"))).to_be_visible()
    app.assert_no_exception()
    app.screenshot("training-map-laptop-chosen")


def test_the_map_on_a_projector(browser, app_url):
    from playwright.sync_api import expect

    app = AppPage(browser, app_url, PROJECTOR)
    page = app.page
    try:
        chart = train_and_open_the_map(app, "&presenter=1")
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PROJECTOR["width"], box
        expect(page.locator('[data-testid="stMetric"]', has_text="Digits nearest their own centre")).to_be_visible()
        app.screenshot("training-map-projector")
        scrub_to(app, chart, "Home", 0)
    finally:
        app.close()
