"""The data page in a real browser: it runs without an exception, the head() table and the digit grid render.

With SCREENSHOTS set, data-page.png is saved there for a person to look at: is it readable on a projector?
"""

import pytest

pytestmark = pytest.mark.browser

GRID = 20  # digits in the sample grid
SHARP = 112  # each grid image is 28 x 28 pixels drawn 4 x 4 times larger


def open_data_page(app):
    from playwright.sync_api import expect

    app.open("data")
    expect(app.page.get_by_text("Look at the digits")).to_be_visible()
    expect(app.page.locator('[data-testid="stImage"] img[alt^="Bars of the number of images"]')).to_be_visible()
    app.assert_no_exception()


def test_data_page_renders_the_table_and_the_digits(app):
    import re

    from playwright.sync_api import expect

    open_data_page(app)
    page = app.page

    # the head() table (785 columns in a box that scrolls sideways) with the shape beside it
    table = page.locator(".scrolling-table").first
    expect(table).to_be_visible()
    expect(table.locator("th")).to_have_count(785)
    assert table.evaluate("box => box.scrollWidth > 5 * box.clientWidth")  # far wider than its box: it scrolls
    table.evaluate("box => box.scrollTo(box.scrollWidth, 0)")  # to pixel783: the label column stays in view
    label = table.locator("th").first.bounding_box()
    box = table.bounding_box()
    assert box["x"] - 1 <= label["x"] <= box["x"] + 2, (label, box)
    table.evaluate("box => box.scrollTo(0, 0)")
    expect(page.locator("p", has_text="data.shape is").first).to_contain_text(", 785)")

    # the grid: 20 sharp digits, each with its label
    images = page.locator('[data-testid="stImage"] img')
    expect(images.nth(GRID + 1 + 10)).to_be_attached()  # grid, enlarged digit, ten averages, X_train[:, 0]
    page.wait_for_function(  # every picture of the grid has arrived
        "n => { const i = [...document.querySelectorAll('[data-testid=\"stImage\"] img')].slice(0, n);"
        " return i.length === n && i.every(img => img.complete && img.naturalWidth > 0); }", arg=GRID)
    sizes = page.evaluate(
        "n => [...document.querySelectorAll('[data-testid=\"stImage\"] img')].slice(0, n).map(img => img.naturalWidth)",
        GRID)
    assert sizes == [SHARP] * GRID
    captions = page.locator('[data-testid="stImageCaption"]')
    for i in range(GRID):
        expect(captions.nth(i)).to_have_text(re.compile(r"^label \d$"))

    page.get_by_text("Look at the digits").scroll_into_view_if_needed()
    app.screenshot("data-page")


def test_picking_a_class_redraws_the_grid(app):
    open_data_page(app)
    app.page.locator('[data-testid="stButtonGroup"]').first.get_by_role("radio", name="7", exact=True).click()
    app.page.wait_for_function(  # the grid is redrawn with sevens only
        "n => { const c = [...document.querySelectorAll('[data-testid=\"stImageCaption\"]')].slice(0, n);"
        " return c.length === n && c.every(e => e.innerText === 'label 7'); }", arg=GRID)
    app.wait_idle()
    app.assert_no_exception()
