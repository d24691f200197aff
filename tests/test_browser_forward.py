"""The forward-pass page in a real browser: it runs without an exception, its charts and formulas render, a
click sends another digit through, and the network's picture of a trained network opens a unit's and an output's
numbers, on a laptop and on a projector. Screenshots (with SCREENSHOTS): forward-page and forward-picture-*."""

import pytest

pytestmark = pytest.mark.browser


def expected_reading(column):
    """(answer, its probability, label) of dev-set column `column` as nn_core computes them for the page's network:
    a visitor without a network of their own sees the untrained, seeded 784-10-10 of Hyperparams()."""
    from pathlib import Path

    import numpy as np

    from nn_core.data import split_dev
    from nn_core.mnist_files import load_default
    from nn_core.network import forward_prop
    from nn_core.training import Hyperparams, new_network

    hp = Hyperparams()
    data = load_default(Path(__file__).resolve().parents[1] / "data", environ={})  # as the test server loads it
    split = split_dev(data, dev_size=hp.dev_size, seed=0)
    A2 = forward_prop(new_network(hp), split.X_dev[:, column:column + 1])["A2"]
    return str(int(np.argmax(A2))), f"{A2.max():.1%}", str(int(split.Y_dev[column]))


def expect_reading(page, column):
    """The page shows dev column `column` and the answer, probability and label nn_core computes for it."""
    from playwright.sync_api import expect

    answer, probability, label = expected_reading(column)
    for name, value in (("The network's answer", answer), ("Its probability", probability), ("The label", label)):
        metric = page.locator('[data-testid="stMetric"]', has_text=name).first
        expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text(value)


def shown_column(page):
    import re

    from playwright.sync_api import expect

    where = page.get_by_text("Going through the network").first
    expect(where).to_contain_text(re.compile(r"column \d+ of the dev set"))
    return int(re.search(r"column (\d+) of the dev set", where.inner_text()).group(1))


def test_forward_page_renders_the_whole_chain(app):
    from playwright.sync_api import expect

    app.open("forward")
    page = app.page
    expect(page.get_by_text("Step 0 · the input").first).to_be_visible()
    app.assert_no_exception()
    expect(page.get_by_text("This network is untrained").first).to_be_visible()
    expect(page.locator(".st-key-forward_picture svg image.weights")).to_have_count(10)  # the network, drawn
    expect(page.locator(".js-plotly-plot")).to_have_count(0)  # every chart of the first view is a picture
    pictures = page.locator('[data-testid="stImage"] img')
    expect(pictures.nth(9)).to_be_attached()  # X, W1, b1, Z1, A1, the unit's three, W2, b2, Z2, A2: pictures
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stImage"] img')]
        .every(img => img.complete && img.naturalWidth > 0)""", timeout=60_000)  # every one of them drawn
    expect(page.locator('[data-testid="stMetric"]').nth(1)).to_be_attached()
    expect(page.locator(".katex").nth(4)).to_be_attached()  # the formulas are typeset, not shown as raw LaTeX
    expect(page.locator(".katex-error")).to_have_count(0)
    assert shown_column(page) == 0
    expect_reading(page, 0)

    page.get_by_text("At random").first.click()
    expect(page.get_by_role("button", name="Pick another random digit")).to_be_visible()
    app.wait_idle()
    where = page.get_by_text("Going through the network").first
    first = where.inner_text()
    for _ in range(3):  # a new random column each click (three repeats in a row are one in a billion)
        page.get_by_role("button", name="Pick another random digit").click()
        try:
            expect(where).not_to_have_text(first, timeout=30_000)
            break
        except AssertionError:
            continue
    else:
        pytest.fail("the random button never changed the digit")
    app.wait_idle()
    expect_reading(page, shown_column(page))  # the answer follows the new digit
    app.assert_no_exception()

    page.mouse.move(5, 5)  # no tooltip left over the page
    app.screenshot("forward-page")

def test_the_network_picture_of_a_trained_network_on_a_laptop_and_on_a_projector(browser, app_url):
    """One visitor trains a small network, then: the Forward page's picture of it draws, a click on a hidden unit's
    button opens its sum below the picture, a click on an output's node in the picture opens its softmax; Home
    shows the small picture; switched to presenter mode at 1280 x 720, the whole picture and its controls are on
    the first screen, and a click on an output's button opens its softmax.
    Screenshots: forward-picture-laptop, forward-picture-unit-laptop, home-picture, forward-picture-projector,
    forward-picture-output-projector."""
    from conftest import TIMEOUT_MS, AppPage
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    app = AppPage(browser, app_url, {"width": 1600, "height": 1000})
    page = app.page
    app.open("training?iterations=20&alpha=0.5&init=he")  # a short run: what is checked is its picture
    page.get_by_role("button", name="▶️ Train").click()
    expect(page.get_by_text("Finished 20 steps").first).to_be_visible()

    def picture_page():
        """Go to the Forward pass page through the app's own navigation (the same visitor, the same network)."""
        page.get_by_role("link", name="Forward pass").click()
        expect(page.locator(".st-key-forward_picture svg image.weights").first).to_be_visible()
        app.wait_idle()
        app.assert_no_exception()

    picture_page()
    picture = page.locator(".st-key-forward_picture")
    units = page.get_by_role("radiogroup", name="Hidden unit of layer 1")
    outputs = page.get_by_role("radiogroup", name="Output digit")
    expect(units.get_by_role("radio")).to_have_count(10)
    expect(page.get_by_text("Your network:").first).to_be_visible()
    page.evaluate("() => document.querySelector('.st-key-forward_picture').scrollIntoView({block: 'center'})")
    page.mouse.move(5, 5)
    app.screenshot("forward-picture-laptop")
    units.get_by_role("radio", name="3", exact=True).click()
    expect(page.get_by_role("heading", name="Hidden unit 3 of layer 1, number by number")).to_be_visible()
    expect(page.get_by_text("The 784 products add up to").first).to_be_visible()
    expect(units.get_by_role("radio", name="3", exact=True)).to_have_attribute("aria-checked", "true")
    app.wait_idle()
    page.evaluate("() => document.querySelector('.st-key-forward_picture').scrollIntoView({block: 'start'})")
    app.screenshot("forward-picture-unit-laptop")
    picture.locator('[data-node="out:5"]').click()  # a click on output 5 in the picture itself
    expect(page.get_by_role("heading", name="Output 5: its score Z2[5], edge by edge, then softmax")).to_be_visible()
    expect(outputs.get_by_role("radio", name="5", exact=True)).to_have_attribute("aria-checked", "true")
    expect(units.get_by_role("radio", name="3", exact=True)).to_have_attribute("aria-checked", "false")
    app.wait_idle()
    picture.locator('[data-node="1:2"]').focus()  # the keyboard opens a node too
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hidden unit 2 of layer 1, number by number")).to_be_visible()
    expect(picture.locator("circle.ring")).to_have_count(1)  # the opened node is ringed
    app.wait_idle()

    page.get_by_role("link", name="Home").click()  # the small picture, the visitor's network first
    expect(page.locator(".st-key-home_picture svg image.weights").first).to_be_visible()
    app.wait_idle()
    app.assert_no_exception()
    expect(page.get_by_text("reading the dev set's first digit").first).to_be_visible()
    page.mouse.move(5, 5)
    app.screenshot("home-picture")

    picture_page()
    page.locator('[data-testid="stSidebar"]').get_by_text("📽️ Presenter mode").click()
    app.wait_idle()
    page.set_viewport_size({"width": 1280, "height": 720})
    # Presenter mode closes the sidebar: the projector's full width, as when a link opens the page in it.
    expect(page.locator('[data-testid="stSidebar"]')).to_have_attribute("data-collapsed", "true")
    page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, 0)")
    app.wait_still()  # the sidebar has slid away and the picture has taken the room
    for element in (picture, units, outputs):  # the picture and its controls fill the first screen
        box = element.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 720, box
    page.mouse.move(5, 5)
    app.screenshot("forward-picture-projector")
    outputs.get_by_role("radio", name="3", exact=True).click()
    expect(page.get_by_role("heading", name="Output 3: its score Z2[3], edge by edge, then softmax")).to_be_visible()
    expect(page.get_by_text("Z2[3] is").first).to_be_visible()  # checked against forward_prop
    expect(units.get_by_role("radio", name="3", exact=True)).to_have_attribute("aria-checked", "false")
    app.wait_idle()
    page.evaluate("() => document.querySelector('.st-key-forward_picture').scrollIntoView({block: 'start'})")
    app.screenshot("forward-picture-output-projector")
    app.assert_no_exception()
    app.close()
