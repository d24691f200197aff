"""Real-browser test of the Training page: train the notebook preset on the sample, watch the curves move,
press Stop midway, and look at the results and the details. Screenshots: training-running, training-stopped
(with the backpropagation walkthrough, the first tab) and training-details (in test-artifacts/).
"""

import re

import pytest

pytestmark = pytest.mark.browser

PROGRESS = '[data-testid="stProgress"]'


def progress_text(page):
    return page.locator(PROGRESS).first.inner_text()


def step_of(text):
    return int(re.search(r"step ([\d,]+) of 500", text).group(1).replace(",", ""))


def test_train_the_notebook_preset_stop_midway_and_look_inside(app):
    page = app.page
    page.set_viewport_size({"width": 1440, "height": 2100})  # tall enough to show controls, curves and results
    app.open("training")  # a deep link, as a teacher would share it
    app.assert_no_exception()
    page.get_by_role("button", name="📓 The notebook").click()
    app.wait_idle()
    page.get_by_role("button", name="▶️ Train").click()

    # While it trains, the progress text and the curves change several times, without any click.
    page.wait_for_function(f"() => /step [1-9][\\d,]* of 500/.test(document.querySelector('{PROGRESS}')?.innerText)")
    seen = {progress_text(page)}
    for _ in range(40):
        page.wait_for_timeout(100)
        seen.add(progress_text(page))
        if len(seen) >= 4:
            break
    assert len(seen) >= 3, seen
    assert page.get_by_role("button", name="⏹️ Stop").is_enabled()
    app.screenshot("training-running")

    page.get_by_role("button", name="⏹️ Stop").click()
    app.wait_idle()
    app.assert_no_exception()
    stopped = progress_text(page)
    assert stopped.startswith("⏸️") and 0 < step_of(stopped) < 500, stopped
    page.wait_for_timeout(1500)
    assert progress_text(page) == stopped  # Stop really stopped: nothing moves any more
    assert re.search(r"dev accuracy \d+\.\d%", stopped)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    assert charts.count() >= 1 and "Loss (lower is better)" in charts.first.inner_text()
    metrics = page.locator('[data-testid="stMetric"]')
    assert "dev accuracy" in metrics.all_inner_texts()[3] and "%" in metrics.all_inner_texts()[3]
    assert page.get_by_text("Runs in this session").is_visible()
    assert page.get_by_text("gives exactly backward_prop's dW").is_visible()  # the first tab
    assert page.locator(".katex-error").count() == 0  # every formula rendered
    app.screenshot("training-stopped")

    page.get_by_role("tab", name="🧠 What the network learned").click()
    app.wait_idle()
    app.assert_no_exception()
    page.get_by_text("Mistakes on the dev set").wait_for()
    page.get_by_role("tab", name="🧠 What the network learned").scroll_into_view_if_needed()
    app.screenshot("training-details")

