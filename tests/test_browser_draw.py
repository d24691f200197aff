"""The Draw page in a real browser: digits drawn with mouse strokes on the canvas are read correctly; on a phone
(390 x 844, touch) a digit drawn with a finger is answered right under the canvas, on the first screen; on a laptop
and a projector the canvas and the answer share the first screen.

Each digit is drawn as thick, well-formed strokes through points given as fractions of the canvas
(0, 0 is the top left corner), the way a person would draw it; the canvas is cleared in between, once with
the canvas's own toolbar and once with the page's button.
"""

import io
import re

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.browser

ONE = [[(0.53, 0.14), (0.50, 0.50), (0.47, 0.86)]]
ZERO = [[(0.5 + 0.24 * np.sin(t), 0.5 - 0.36 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 33)]]
SEVEN = [[(0.24, 0.18), (0.50, 0.18), (0.76, 0.18), (0.62, 0.50), (0.48, 0.86)]]  # top bar, then the diagonal


def draw(page, strokes):
    """Draw each stroke (a list of (x, y) fractions) on the page's own canvas, with the mouse button held down."""
    draw_on(page, page.locator("canvas.upper-canvas").first, strokes)


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


def wait_for_hint(app):
    from playwright.sync_api import expect

    expect(app.page.get_by_text("Draw a digit (0 to 9) on the black canvas")).to_be_visible()
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
    app.screenshot("draw-7")

    app.page.locator('[data-testid="stSelectbox"]').first.click()  # "What digit is it really?"
    app.page.keyboard.type("1")
    app.page.keyboard.press("Enter")
    app.wait_idle()
    app.page.get_by_role("button", name="Take one step").click()
    expect(app.page.get_by_role("button", name="Keep this change")).to_be_visible()
    app.wait_idle()
    app.assert_no_exception()
    expect(app.page.get_by_text("Prediction after the step")).to_have_count(1)
    app.page.get_by_text("Prediction after the step").scroll_into_view_if_needed()
    app.screenshot("draw-7-teach")


# ---------------------------------------------------------------------------------------------------------
# Your handwriting as a test set, and why a shifted digit fools it: on a laptop and on a projector
# ---------------------------------------------------------------------------------------------------------

LAPTOP = ({"width": 1600, "height": 1000}, "", "laptop")
PROJECTOR = ({"width": 1280, "height": 720}, "?presenter=1", "projector")
TWO = [[(0.28, 0.28), (0.38, 0.17), (0.55, 0.14), (0.70, 0.22), (0.72, 0.36), (0.60, 0.52), (0.25, 0.84),
        (0.78, 0.84)]]
THREE = [[(0.30, 0.18), (0.55, 0.13), (0.72, 0.24), (0.62, 0.42), (0.45, 0.48), (0.66, 0.56), (0.74, 0.72),
          (0.58, 0.86), (0.30, 0.84)]]
FOUR = [[(0.55, 0.14), (0.25, 0.62), (0.80, 0.62)], [(0.62, 0.30), (0.62, 0.88)]]
FIVE = [[(0.72, 0.15), (0.35, 0.15), (0.32, 0.45), (0.55, 0.42), (0.72, 0.55), (0.72, 0.74), (0.55, 0.87),
         (0.30, 0.82)]]
SIX = [[(0.65, 0.14), (0.45, 0.30), (0.33, 0.55), (0.34, 0.76), (0.50, 0.87), (0.66, 0.77), (0.66, 0.60),
        (0.50, 0.52), (0.35, 0.62)]]
EIGHT = [[(0.5 + 0.2 * np.sin(2 * t), 0.5 - 0.36 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 41)]]
NINE = [[(0.5 + 0.17 * np.cos(a), 0.32 - 0.16 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 21)]
        + [(0.66, 0.55), (0.62, 0.88)]]
DIGITS = [ZERO, ONE, TWO, THREE, FOUR, FIVE, SIX, SEVEN, EIGHT, NINE]


def visit(browser, app_url, screen, phone=False):
    """A fresh tab at this screen's size, on the Draw page (in presenter mode on the projector; with touch on a
    phone)."""
    from conftest import AppPage

    viewport, query, _ = screen
    app = AppPage(browser, app_url, viewport, phone)
    app.open(f"draw{query}")
    wait_for_hint(app)
    return app


def draw_on(page, canvas, strokes):
    """Draw the strokes (lists of (x, y) fractions) on one canvas element, with the mouse button held down: one
    mouse move to each point (the canvas joins them with a smooth curve)."""
    canvas.evaluate("element => element.scrollIntoView({block: 'center', behavior: 'instant'})")  # all on screen
    canvas.hover(trial=True)  # waits until it stays in place and nothing covers it
    stroke_with_the_mouse(page, canvas.bounding_box(), strokes)


def on_screen(box, strokes):
    """The strokes' points (fractions of the canvas) as points of the window, for a canvas shown in `box`."""
    return [[(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points] for points in strokes]


def stroke_with_the_mouse(page, box, strokes):
    """Draw the strokes on the canvas shown in `box` (the window's pixels), with the mouse button held down."""
    for points in on_screen(box, strokes):
        page.mouse.move(*points[0])
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(x, y)
        page.mouse.up()


def stroke_with_a_finger(app, box, strokes):
    """Draw the strokes on the canvas shown in `box` with a finger: touch events, as a phone's screen sends them (a
    context made with touch, AppPage(..., phone=True))."""
    touch = app.context.new_cdp_session(app.page)
    for points in on_screen(box, strokes):
        for kind, (x, y) in zip(["touchStart"] + ["touchMove"] * (len(points) - 1), points, strict=True):
            touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    touch.detach()


def draw_and_send(app, canvas, strokes, tries=3):
    """Draw the strokes on the canvas and wait until it has sent the drawing to the server. A canvas put in place a
    moment ago on a busy machine may not yet listen to the mouse, and then nothing is sent: draw again, as a person
    would whose stroke did not show."""
    for attempt in range(1, tries + 1):
        draw_on(app.page, canvas, strokes)
        try:
            app.wait_drawn(timeout_ms=20_000)
            return
        except AssertionError:
            if attempt == tries:
                raise


def open_part(app, title):
    """Open one of the page's folded parts by its title, and bring it to the top of the screen."""
    header = app.page.locator('[data-testid="stExpander"] summary', has_text=title).first
    header.click()
    app.wait_idle()
    app.wait_still()  # the part has slid open
    header.evaluate("element => element.scrollIntoView({block: 'start', behavior: 'instant'})")
    return header


def scroll_to(app, locator):
    """Scroll until the element is at the top of the screen, below Streamlit's header bar."""
    locator.evaluate("element => { element.scrollIntoView({block: 'start', behavior: 'instant'}); "
                     "for (const box of document.querySelectorAll('[data-testid=\"stMain\"], "
                     "[data-testid=\"stAppViewContainer\"]')) box.scrollBy(0, -80); }")


@pytest.mark.parametrize("screen", [LAPTOP, PROJECTOR], ids=lambda s: s[2])
def test_your_handwriting_drawn_with_the_mouse_is_scored(browser, app_url, screen):
    from playwright.sync_api import expect

    app = visit(browser, app_url, screen)
    name = screen[2]
    page = app.page
    open_part(app, "Your handwriting as a test set")
    expect(page.get_by_text("Now draw a 0")).to_have_count(1)
    page.get_by_role("button", name="Keep this as my 0").click()  # nothing drawn: a message, not a score
    expect(page.get_by_text("The canvas is empty: draw a 0 first")).to_have_count(1)
    for digit, strokes in enumerate(DIGITS):
        canvas = page.locator("canvas.upper-canvas").nth(1)  # the guided canvas, below the page's own
        draw_and_send(app, canvas, strokes)  # the drawing has reached the server: Keep reads it
        if digit == 3:
            scroll_to(app, page.locator('[data-testid="stExpander"] summary', has_text="Your handwriting").first)
            app.screenshot(f"{name}-draw-handwriting-collect")
        canvas.evaluate("element => { element.dataset.drawnOn = 'yes'; }")
        page.get_by_role("button", name=f"Keep this as my {digit}").click()
        app.wait_idle()
        expect(page.locator("canvas.upper-canvas[data-drawn-on]")).to_have_count(0)  # a fresh canvas in its place
        if digit < 9:
            expect(page.get_by_text(f"Now draw a {digit + 1}")).to_have_count(1)
            expect(page.get_by_text(f"{digit + 1} of 10 drawn")).to_have_count(1)
    app.assert_no_exception()
    score = page.locator('[data-testid="stMetric"]', has_text="Accuracy on your ten")
    expect(score).to_have_count(1)
    scroll_to(app, score)
    app.screenshot(f"{name}-draw-handwriting-score")
    marks = page.locator('[data-testid="stPlotlyChart"] text', has_text="your ")
    expect(marks).to_have_count(10)
    read = marks.all_text_contents()  # "your 3: ✓ 3", "your 8: ✗ 3", ...
    right = sum("✓" in mark for mark in read)
    expect(score.locator('[data-testid="stMetricValue"]')).to_have_text(f"{right * 10}%")  # scored by its labels
    for digit in (0, 1, 7):  # drawn as well as on the page's own canvas, where the notebook's network reads them
        assert f"your {digit}: ✓ {digit}" in read, read
    why = page.get_by_text("Why it can do worse on yours")
    if name == "projector":  # in presenter mode it is folded into an "Explanation" for the teacher to say
        expect(why).to_be_hidden()
        page.locator('[data-testid="stExpander"]', has=why).last.locator("summary").first.click()
    expect(why).to_be_visible()
    scroll_to(app, why)
    app.screenshot(f"{name}-draw-handwriting-why")

    step = page.get_by_role("button", name="One step on my ten")
    step.click()
    app.wait_idle()
    app.assert_no_exception()
    after = page.locator('[data-testid="stMetric"]', has_text="Dev accuracy after the step")
    expect(after).to_be_visible()  # (on failure, expect says what the page shows)
    expect(page.get_by_text("Does learning your handwriting cost the others?")).to_have_count(1)
    expect(page.get_by_text("Your copy of the notebook's network")).to_have_count(1)
    scroll_to(app, page.get_by_text("Learn your handwriting: one step on all ten"))
    app.screenshot(f"{name}-draw-handwriting-step")
    page.get_by_role("button", name="Undo: put the network back").click()
    app.wait_idle()
    expect(page.get_by_text("Undone: the network is as it was")).to_have_count(1)
    expect(page.get_by_text("Your copy of the notebook's network")).to_have_count(0)
    app.assert_no_exception()
    app.close()


@pytest.mark.parametrize("screen", [LAPTOP, PROJECTOR], ids=lambda s: s[2])
def test_a_shifted_drawing_is_read_again_beside_the_unmoved_one(browser, app_url, screen):
    from playwright.sync_api import expect

    app = visit(browser, app_url, screen)
    name = screen[2]
    page = app.page
    draw(page, SEVEN)
    expect_prediction(app, "7")
    header = open_part(app, "Why a shifted digit fools it")
    moved = page.locator('[data-testid="stMetric"]', has_text="Reads, moved")
    expect(moved.locator('[data-testid="stMetricValue"]')).to_have_text("7")
    expect(page.get_by_text("0 of the 784 numbers changed")).to_have_count(1)
    thumb = page.locator('[data-testid="stSlider"]', has_text="Move right").get_by_role("slider")
    thumb.focus()
    for _ in range(4):
        thumb.press("ArrowRight")
    expect(thumb).to_have_value("4")
    # the slider sends its value a moment after the last key press: wait for the run that moves the ink 4 columns
    page.wait_for_function("""() => [...document.querySelectorAll('p')].some(p => {
        const m = p.innerText.match(/column ([\\d.]+) to row [\\d.]+, column ([\\d.]+)/);
        return m && Math.abs(parseFloat(m[2]) - parseFloat(m[1]) - 4) < 0.11; })""")
    app.wait_idle()
    expect(page.get_by_text(re.compile(r"[1-9]\d* of the 784 numbers changed"))).to_have_count(1)
    centres = re.search(r"column ([\d.]+) to row [\d.]+, column ([\d.]+)",
                        page.locator("p", has_text="of the 784 numbers changed").first.inner_text())
    assert float(centres.group(2)) - float(centres.group(1)) == pytest.approx(4, abs=0.11)
    app.assert_no_exception()
    scroll_to(app, header)
    app.screenshot(f"{name}-draw-shifted")
    chart_title = page.get_by_text("Accuracy on dev digits moved by 0 to 6 pixels")
    expect(chart_title).to_have_count(1)
    scroll_to(app, chart_title)
    expect(page.locator('[data-testid="stPlotlyChart"] text', has_text="chance: 10%")).to_be_visible()
    app.screenshot(f"{name}-draw-shifted-chart")
    app.close()


# ---------------------------------------------------------------------------------------------------------
# The answer after a drawing: on a phone right under the canvas, on a laptop and a projector beside it
# ---------------------------------------------------------------------------------------------------------

PHONE = ({"width": 390, "height": 844}, "", "phone")
SMALL_LAPTOP = ({"width": 1280, "height": 800}, "", "laptop-1280")
HEADER_PX = 60  # Streamlit's bar across the top of the window, over the page


def inside(box, viewport):
    """True when the box lies wholly inside the window."""
    return box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] and \
        box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]


def test_on_a_phone_a_digit_drawn_with_a_finger_is_answered_right_under_the_canvas(browser, app_url):
    """At 390 x 844 Streamlit stacks the page's two columns, so the answer beside the canvas on a wider screen
    comes after the canvas's settings; the line under the canvas says it. Measured in the window's pixels: the page
    is scrolled only if the canvas is not wholly below the header bar as it opens (then to put it in the middle of
    the screen), the digit is drawn with a finger there, and right after the drawing's run, with no scrolling, the
    line "Read as 7, 94% sure" must start below the canvas's bottom edge and end above the window's (844)."""
    from playwright.sync_api import expect

    app = visit(browser, app_url, PHONE, phone=True)
    page = app.page
    viewport = PHONE[0]
    expect(page.get_by_text("Draw a digit with your mouse or finger")).to_be_visible()  # a phone's visitor can
    expect(page.get_by_text("as soon as you lift the mouse button or your finger")).to_be_visible()
    read_as = page.locator(".st-key-draw_read_as")
    expect(read_as).to_have_text("✏️ Draw a digit above.")
    canvas = page.locator("canvas.upper-canvas").first
    canvas.evaluate(f"""element => {{ const box = element.getBoundingClientRect();
        if (box.top < {HEADER_PX} || box.bottom > innerHeight)
          element.scrollIntoView({{block: 'center', behavior: 'instant'}}); }}""")
    app.wait_still()
    drawn_at = canvas.bounding_box()
    assert drawn_at["y"] >= HEADER_PX and inside(drawn_at, viewport), drawn_at

    stroke_with_a_finger(app, drawn_at, SEVEN)
    app.wait_drawn()
    expect(read_as).to_have_text(re.compile(r"^Read as 7, \d+% sure$"))
    app.wait_still()
    app.assert_no_exception()
    assert canvas.bounding_box() == drawn_at  # nothing scrolled or moved while the page answered
    line = read_as.bounding_box()
    canvas_bottom = drawn_at["y"] + drawn_at["height"]
    where = f"canvas {drawn_at['y']:.0f} to {canvas_bottom:.0f} px, answer {line['y']:.0f} to " \
            f"{line['y'] + line['height']:.0f} px, window {viewport['height']} px"
    assert canvas_bottom <= line["y"] and inside(line, viewport), where
    clear = page.get_by_role("button", name="🧽 Clear")
    assert inside(clear.bounding_box(), viewport)  # and the next digit is one tap away
    confidence = page.locator('[data-testid="stMetric"]', has_text="Confidence").locator(
        '[data-testid="stMetricValue"]').inner_text()  # "93.9%", further down: the line says the same
    assert abs(int(re.search(r"(\d+)% sure", read_as.inner_text()).group(1)) - float(confidence[:-1])) <= 0.55
    app.screenshot("phone-draw-drawn")

    clear.tap()
    app.wait_idle()
    expect(read_as).to_have_text("✏️ Draw a digit above.")
    wait_for_ink(page, lambda ink: ink < 0.001)
    app.assert_no_exception()
    app.close()


@pytest.mark.parametrize("screen", [SMALL_LAPTOP, PROJECTOR], ids=lambda s: s[2])
def test_on_a_laptop_and_a_projector_the_canvas_and_the_answer_share_the_first_screen(browser, app_url, screen):
    """Drawn with the mouse on the page as it opens (nothing scrolled): the canvas, the answer and its confidence,
    and 🧽 Clear are all on the first screen, and the phone's line under the canvas is not shown (the answer stands
    beside the canvas, larger)."""
    from playwright.sync_api import expect

    app = visit(browser, app_url, screen)
    page = app.page
    viewport, _, name = screen
    canvas = page.locator("canvas.upper-canvas").first
    canvas.hover(trial=True)
    drawn_at = canvas.bounding_box()
    stroke_with_the_mouse(page, drawn_at, SEVEN)
    app.wait_drawn()
    expect_prediction(app, "7")
    app.wait_still()
    app.assert_no_exception()
    assert canvas.bounding_box() == drawn_at
    metrics = page.locator('[data-testid="stMetric"]')
    for thing in (canvas, metrics.filter(has_text="Prediction"), metrics.filter(has_text="Confidence"),
                  page.get_by_role("button", name="🧽 Clear")):
        assert inside(thing.bounding_box(), viewport), thing
    expect(page.locator(".st-key-draw_read_as")).to_be_hidden()
    app.screenshot(f"{name}-draw-drawn")
    app.close()
