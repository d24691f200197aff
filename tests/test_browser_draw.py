"""The Draw page in a real browser: digits drawn with mouse strokes on the canvas are read correctly.

Each digit is drawn as thick, well-formed strokes through points given as fractions of the canvas
(0, 0 is the top left corner), the way a person would draw it; the canvas is cleared in between, once with
the canvas's own toolbar and once with the page's button.
"""

import io

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.browser

ONE = [[(0.53, 0.14), (0.50, 0.50), (0.47, 0.86)]]
ZERO = [[(0.5 + 0.24 * np.sin(t), 0.5 - 0.36 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 33)]]
SEVEN = [[(0.24, 0.18), (0.50, 0.18), (0.76, 0.18), (0.62, 0.50), (0.48, 0.86)]]  # top bar, then the diagonal


def draw(page, strokes):
    """Draw each stroke (a list of (x, y) fractions) with the mouse button held down."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.evaluate("element => element.scrollIntoView({block: 'center', behavior: 'instant'})")  # all on screen
    page.wait_for_timeout(300)
    box = canvas.bounding_box()
    for points in strokes:
        xs = [box["x"] + fx * box["width"] for fx, _ in points]
        ys = [box["y"] + fy * box["height"] for _, fy in points]
        page.mouse.move(xs[0], ys[0])
        page.mouse.down()
        for x, y in zip(xs[1:], ys[1:], strict=True):
            page.mouse.move(x, y, steps=8)
        page.mouse.up()


def ink_on_canvas(page):
    """The fraction of the canvas, as shown on screen (inside its thin light border), that is white ink."""
    picture = Image.open(io.BytesIO(page.locator("canvas.upper-canvas").first.screenshot())).convert("L")
    return float(np.mean(np.asarray(picture)[4:-4, 4:-4] > 128))


def wait_for_ink(page, enough, seconds=10):
    """Look at the canvas until `enough(ink)` holds (it is redrawn a moment after a stroke or a reset); fail with
    the last amount of ink seen."""
    ink = ink_on_canvas(page)
    for _ in range(int(seconds / 0.25)):
        if enough(ink):
            return ink
        page.wait_for_timeout(250)
        ink = ink_on_canvas(page)
    assert enough(ink), f"the canvas holds {ink:.2%} ink"
    return ink


def expect_prediction(app, digit):
    """Wait until the metric labelled "Prediction" shows `digit` (the page reads the drawing, then answers)."""
    from playwright.sync_api import expect

    metric = app.page.locator('[data-testid="stMetric"]', has_text="Prediction").first
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text(digit, timeout=60_000)
    app.wait_idle()


def screenshot_whole_page(app, name):
    """Save a screenshot of the whole page, however long: the window is made as tall as the page first."""
    height = app.page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    app.page.set_viewport_size({"width": 1440, "height": max(900, height)})
    app.wait_idle()  # the charts redraw at the new size
    app.screenshot(name)
    app.page.set_viewport_size({"width": 1440, "height": 900})


def wait_for_hint(app):
    app.page.get_by_text("Draw a digit (0 to 9) on the black canvas").wait_for(timeout=60_000)
    app.wait_idle()


def test_drawn_digits_are_read_correctly(app):
    from playwright.sync_api import expect

    app.open("")
    app.page.get_by_role("link", name="Draw a digit").click()  # through the app's navigation, as a visitor would
    wait_for_hint(app)  # with no network of its own, the visitor's drawing goes to the notebook's 784-10-10
    app.assert_no_exception()
    expect(app.page.get_by_text("The notebook's 784-10-10:")).to_have_count(1)

    draw(app.page, ONE)
    expect_prediction(app, "1")
    wait_for_ink(app.page, lambda ink: ink > 0.02)  # the drawing stays on the canvas after the page has answered
    app.assert_no_exception()
    app.screenshot("draw-1")

    app.page.locator("canvas.upper-canvas").first.hover()
    app.page.get_by_role("button", name="Reset canvas & history").click()  # the canvas's own toolbar
    wait_for_hint(app)
    wait_for_ink(app.page, lambda ink: ink < 0.001)

    draw(app.page, ZERO)
    expect_prediction(app, "0")
    app.assert_no_exception()
    app.screenshot("draw-0")

    app.page.get_by_role("button", name="🧽 Clear").click()  # the page's button
    wait_for_hint(app)

    draw(app.page, SEVEN)
    expect_prediction(app, "7")
    app.assert_no_exception()
    screenshot_whole_page(app, "draw-7")

    app.page.locator('[data-testid="stSelectbox"]').first.click()  # "What digit is it really?"
    app.page.keyboard.type("1")
    app.page.keyboard.press("Enter")
    app.wait_idle()
    app.page.get_by_role("button", name="Take one step").click()
    app.page.get_by_role("button", name="Keep this change").wait_for()
    app.wait_idle()
    app.assert_no_exception()
    expect(app.page.get_by_text("Prediction after the step")).to_have_count(1)
    screenshot_whole_page(app, "draw-7-teach")
