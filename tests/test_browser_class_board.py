"""The Class page in a real browser. Two visitors train short runs on the Training page at the same time, and a
third, who only watches the board, sees both appear without a click (the board reads itself every 2 s). Then a
class's worth of runs on a laptop (1600 x 1000) and on a projector (1280 x 720 in presenter mode): nothing cut off
or wider than the page, the charts drawn (screenshots class-board and class-board-presenter, with SCREENSHOTS).

The server the browser tests share writes its board to a temporary file (conftest.class_board_file); the test
reads and fills that file directly too, as a second app process on the machine would.
"""

import pytest
from class_runs import a_class, fill
from conftest import TIMEOUT_MS, AppPage
from playwright.sync_api import expect

import board_store

pytestmark = pytest.mark.browser
expect.set_options(timeout=TIMEOUT_MS)  # a busy 2-core machine: every wait is long

RUNS = (("alpha=0.02&hidden_sizes=7&iterations=20", 0.02, 7), ("alpha=0.005&hidden_sizes=13&iterations=20", 0.005, 13))
SCREEN = {"width": 1440, "height": 900}


def metric(app, label):
    return app.page.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')


def test_two_visitors_runs_appear_on_a_third_visitors_board_without_a_click(browser, app_url, class_board_file):
    tabs = []
    try:
        watcher = AppPage(browser, app_url, SCREEN)
        tabs.append(watcher)
        watcher.open("class")
        watcher.assert_no_exception()
        expect(metric(watcher, "Runs")).to_be_visible()
        before = int(metric(watcher, "Runs").inner_text().replace(",", ""))
        # The board reads itself again every 2 s (a fragment's timer, which the server starts in the page).
        intervals = watcher.page.evaluate("() => window.scriptRuns.autoRerun")
        assert intervals and set(intervals) == {2.0}, intervals

        trainers = []
        for query, _, _ in RUNS:
            trainer = AppPage(browser, app_url, SCREEN)
            tabs.append(trainer)
            trainer.open(f"training?{query}")
            trainer.assert_no_exception()
            trainers.append(trainer)
        for trainer in trainers:  # both train at once
            trainer.page.get_by_role("button", name="▶️ Train").click()
        for trainer in trainers:
            expect(trainer.page.locator('[data-testid="stProgress"]').first).to_contain_text(
                "✅ finished · step 20 of 20", timeout=120_000)
            # The page has scored the run, listed it in its history and posted it to the board.
            expect(trainer.page.get_by_text("Runs in this session")).to_be_visible()

        expect(metric(watcher, "Runs")).to_have_text(f"{before + 2:,}")  # no click on the board
        watcher.assert_no_exception()

        posted = board_store.Board(class_board_file).runs()[-2:]  # the file says whose they are
        assert sorted((r["alpha"], r["hidden_units"]) for r in posted) == sorted((a, h) for _, a, h in RUNS)
        assert len({r["visitor"] for r in posted}) == 2
        assert all(r["status"] == "finished" and r["steps"] == 20 and r["page"] == "training" for r in posted)
        watcher.screenshot("class-board-two-visitors")
    finally:
        for tab in tabs:
            tab.close()


def not_cut(app):
    """Texts that overflow their box (cut with an ellipsis or hidden), and charts wider than the page's column."""
    return app.page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect();
        const cut = [...document.querySelectorAll('[data-testid="stMetricLabel"] p, [data-testid="stMetricValue"] p, '
                                                + '[data-testid="stHeading"] h2, [data-testid="stHeading"] h3')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText);
        const wide = [...document.querySelectorAll('[data-testid="stPlotlyChart"], [data-testid="stDataFrame"]')]
            .filter(e => e.getBoundingClientRect().right > main.right + 1).map(e => e.dataset.testid);
        return cut.concat(wide);
    }""")


def test_a_class_of_runs_on_the_board_for_the_projector(app, class_board_file):
    store = board_store.Board(class_board_file)
    store.new_board()  # this class's board: the runs of the tests before are archived
    fill(store, a_class(60, students=24, seed=19))

    app.page.set_viewport_size({"width": 1600, "height": 1000})
    app.open("class")
    app.assert_no_exception()
    expect(metric(app, "Runs")).to_have_text("60")
    expect(app.page.locator('[data-testid="stPlotlyChart"]')).to_have_count(2)
    expect(app.page.locator(".js-plotly-plot .scatterlayer .point").first).to_be_visible()
    assert not_cut(app) == []
    app.screenshot("class-board")  # the first screen

    app.page.set_viewport_size({"width": 1280, "height": 720})
    app.open("class?presenter=1")
    app.assert_no_exception()
    expect(app.page.locator("#presenter-mode")).to_have_count(1)
    expect(metric(app, "Best on dev")).to_be_visible()
    expect(app.page.locator(".js-plotly-plot .scatterlayer .point").first).to_be_attached()
    assert not_cut(app) == []
    app.screenshot("class-board-presenter")
