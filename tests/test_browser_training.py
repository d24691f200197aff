"""Real-browser test of the Training page: train the notebook preset on the sample, watch the curves move,
press Stop midway, and look at the results and the details. Screenshots (with SCREENSHOTS): training-running,
training-stopped (with the backpropagation walkthrough, the first tab) and training-details.
"""

import re

import pytest
from conftest import use_seed

pytestmark = pytest.mark.browser

PROGRESS = '[data-testid="stProgress"]'


def progress_text(page):
    return page.locator(PROGRESS).first.inner_text()


def step_of(text):
    return int(re.search(r"step ([\d,]+) of 500", text).group(1).replace(",", ""))


def test_train_the_notebook_preset_stop_midway_and_look_inside(app):
    from playwright.sync_api import expect

    page = app.page
    app.open("training")  # a deep link, as a teacher would share it
    app.assert_no_exception()
    page.get_by_role("button", name="📓 The notebook").click()
    app.wait_idle()
    use_seed(page, 102)  # a run of its own: one another test trained would be shared, already finished
    page.get_by_role("button", name="▶️ Train").click()

    # While it trains, the progress text and the curves change several times, without any click.
    page.wait_for_function(f"() => /step [1-9][\\d,]* of 500/.test(document.querySelector('{PROGRESS}')?.innerText)")
    page.wait_for_function(  # the browser notes each progress text it shows, until it has seen three
        f"() => {{ const seen = window.progressSeen = window.progressSeen || new Set();"
        f" seen.add(document.querySelector('{PROGRESS}')?.innerText); return seen.size >= 3; }}", polling=100)
    expect(page.get_by_role("button", name="⏹️ Stop")).to_be_enabled()
    app.screenshot("training-running")

    page.get_by_role("button", name="⏹️ Stop").click()
    progress = page.locator(PROGRESS).first
    expect(progress).to_contain_text("⏸️")
    app.wait_idle()
    app.assert_no_exception()
    stopped = progress_text(page)
    assert 0 < step_of(stopped) < 500, stopped
    assert re.search(r"dev accuracy \d+\.\d%", stopped), stopped
    expect(page.locator(".st-key-tr_curves_loss svg").first).to_contain_text("Loss (lower is better)")
    metrics = page.locator('[data-testid="stMetric"]')
    expect(metrics.nth(3)).to_contain_text("dev accuracy")
    expect(metrics.nth(3)).to_contain_text("%")
    expect(page.get_by_text("Runs in this session")).to_be_visible()
    expect(page.get_by_text("gives exactly backward_prop's dW")).to_be_visible()  # the first tab
    expect(page.locator(".katex-error")).to_have_count(0)  # every formula rendered
    app.screenshot("training-stopped")

    page.get_by_role("tab", name="🧠 What the network learned").click()  # the page runs again
    expect(page.get_by_text("Mistakes on the dev set")).to_be_visible()
    app.wait_idle()
    app.assert_no_exception()
    assert progress_text(page) == stopped  # Stop really stopped: the run has not moved since
    page.get_by_role("tab", name="🧠 What the network learned").scroll_into_view_if_needed()
    app.screenshot("training-details")
