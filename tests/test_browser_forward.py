"""The forward-pass page in a real browser: it runs without an exception, its charts and formulas render, a
click sends another digit through, and the whole page is screenshotted (test-artifacts/forward-page.png)
for a person to look at."""

import pytest

pytestmark = pytest.mark.browser


def show_whole_page(app):
    """Make the window as tall as the page: Streamlit scrolls inside its own container, so a 'full page'
    screenshot would otherwise stop at the first screen."""
    height = app.page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], [data-testid=\"stMain\"] *')]"
        ".map(e => e.scrollHeight))")
    app.page.set_viewport_size({"width": 1440, "height": min(int(height) + 100, 12_000)})
    app.page.wait_for_timeout(2500)  # plotly redraws at the new size


def test_forward_page_renders_the_whole_chain(app):
    app.open("")  # start where a visitor starts, so the app's navigation (and wide layout) is in place
    app.open("forward")
    page = app.page
    page.get_by_text("Step 0 · the input").first.wait_for()
    app.assert_no_exception()
    assert page.get_by_text("This network is untrained").count() >= 1
    page.wait_for_selector(".js-plotly-plot")
    assert page.locator(".js-plotly-plot").count() >= 10
    assert page.locator('[data-testid="stMetric"]').count() >= 2
    assert page.locator(".katex").count() >= 5  # the formulas are typeset, not shown as raw LaTeX

    page.get_by_text("At random").first.click()
    app.wait_idle()
    first = page.get_by_text("Going through the network").first.inner_text()
    for _ in range(3):  # a new random column each click (three repeats in a row are one in a billion)
        page.get_by_role("button", name="Pick another random digit").click()
        app.wait_idle()
        if page.get_by_text("Going through the network").first.inner_text() != first:
            break
    else:
        pytest.fail("the random button never changed the digit")
    app.assert_no_exception()

    page.mouse.move(5, 5)  # no tooltip left over the page
    show_whole_page(app)
    app.assert_no_exception()
    app.screenshot("forward-page")
