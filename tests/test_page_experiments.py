"""The Experiments page through Streamlit's AppTest: N seeds (run, carry on, stop, clear, other settings), the
ladder of baselines (its rows, its charts, a test column only with a real test set), the predict-then-reveal
question, and a ValueError from nn_core shown as an error instead of a traceback.

Runs are shortened through the page's test setting (session key "exp_short_runs": every full-batch run does that
many iterations, every mini-batch run one epoch); the page shows a warning whenever it is on. AppTest does not
tick fragments, so each at.run() waits for news of a running batch (at most half a second) while the workers train.
"""

import json
import os
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import training_runs.batches
from dashboard import state
from nn_core.data import DigitSet
from nn_core.mnist_files import load_sample

PAGE = "../views/experiments/page.py"
SHORT = "exp_short_runs"
FULL_MNIST = os.environ.get("MNIST_PATH")  # read before the fixture below hides it


@pytest.fixture(autouse=True)
def bundled_sample(monkeypatch):
    """The page uses the bundled sample here (quick to load); it works on full MNIST too, only slower."""
    monkeypatch.delenv("MNIST_PATH", raising=False)


def open_page(short=3, **state):
    at = AppTest.from_file(PAGE, default_timeout=120)
    if short is not None:
        at.session_state[SHORT] = short
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def run_to_end(at, key, seconds=300):
    """Rerun until the batch of runs under `key` has stopped running (each rerun waits for the workers' news)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        at.run()
        assert not at.exception, at.exception
        if at.session_state[key].status != "running":
            return at.session_state[key]
    pytest.fail(f"{key} still running after {seconds} s")


def table(at, column):
    """The table (a dataframe, or a static table) that has this column, as a pandas DataFrame."""
    frames = [element.value for element in [*at.dataframe, *at.table] if column in element.value.columns]
    assert frames, f"no table with a column {column!r}"
    return frames[0]


def chart(at, key):
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith("-" + key):
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart with key {key}")


def texts(at):
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def test_page_opens_with_explanations_and_no_results():
    at = open_page(short=None)
    assert at.title[0].value.startswith("🧪 Experiments")
    assert not at.warning, "no 'short runs' warning without the test setting"
    assert not at.dataframe and not at.get("plotly_chart")
    assert at.button(key="exp_seeds_stop").disabled and at.button(key="exp_seeds_clear").disabled
    assert "784-10-10" in texts(at) and "seed" in texts(at)
    assert at.slider(key="exp_n").value == 5 and at.select_slider(key="exp_dev").value == 1000
    for widget in (at.slider(key="exp_n"), at.select_slider(key="exp_dev"), at.toggle(key="exp_controls"),
                   at.number_input(key="exp_ladder_seed"), at.radio(key="exp_answer")):
        assert widget.help, widget.key


def test_seeds_give_a_histogram_metrics_and_a_table_and_carry_on():
    at = open_page()
    assert "Short runs" in at.warning[0].value
    at.slider(key="exp_n").set_value(2)
    at.button(key="exp_seeds_run").click()
    batch = run_to_end(at, "exp_seeds")
    assert batch.status == "finished"

    rows = table(at, "seed")
    assert list(rows["seed"]) == [0, 1]
    assert {"dev accuracy", "train accuracy", "seconds", "steps"} <= set(rows.columns)
    assert "test accuracy" not in rows.columns  # the sample has no test set
    assert list(rows["steps"]) == [3, 3]  # the shortened runs, as the table says
    assert rows["dev accuracy"].between(0, 100).all()
    metrics = {m.label: m.value for m in at.metric}
    dev = rows["dev accuracy"].to_numpy()
    assert metrics["Mean dev accuracy"] == f"{dev.mean():.1f}%"
    assert metrics["Standard deviation"] == f"{np.std(dev, ddof=1):.2f} points"
    assert metrics["Lowest"] == f"{dev.min():.1f}%" and metrics["Highest"] == f"{dev.max():.1f}%"
    figure = chart(at, "exp_spread")
    assert figure["data"][0]["type"] == "histogram" and len(figure["data"][0]["x"]) == 2
    assert f"mean {dev.mean():.1f}%" in json.dumps(figure["layout"]["annotations"], ensure_ascii=False)
    assert "√(p(1 − p)/n)" in texts(at)

    # More seeds: the two measured ones are kept, one more is added.
    at.slider(key="exp_n").set_value(3)
    at.run()
    assert at.button(key="exp_seeds_run").label == "▶️ Run 1 more seed"
    at.button(key="exp_seeds_run").click()
    run_to_end(at, "exp_seeds")
    more = table(at, "seed")
    assert list(more["seed"]) == [0, 1, 2]
    assert list(more["dev accuracy"][:2]) == list(rows["dev accuracy"])
    assert at.button(key="exp_seeds_run").disabled  # N seeds are measured
    assert at.button(key="exp_seeds_run").label == "✅ 3 seeds measured"

    # Other settings: the results stay, and running again needs a Clear first.
    at.select_slider(key="exp_dev").set_value(500)
    at.run()
    assert at.button(key="exp_seeds_run").disabled
    assert "Clear them" in texts(at)
    assert len(table(at, "seed")) == 3

    at.button(key="exp_seeds_clear").click()
    at.run()
    assert not at.exception
    assert "exp_seeds" not in at.session_state
    assert not at.dataframe and not at.metric
    assert not at.button(key="exp_seeds_run").disabled


def test_stop_drops_the_run_in_progress_and_run_carries_on():
    at = open_page(short=400)  # 400 full-batch steps take longer than one half-second slice
    at.slider(key="exp_n").set_value(2)
    at.button(key="exp_seeds_run").click()
    at.run()
    for _ in range(60):  # the workers train; each rerun waits half a second for their news
        if at.session_state["exp_seeds"].step > 0:
            break
        at.run()
    batch = at.session_state["exp_seeds"]
    assert batch.status == "running" and 0 < batch.step < 400
    assert not at.button(key="exp_seeds_stop").disabled
    assert at.button(key="exp_ladder_run").disabled  # one batch at a time

    at.button(key="exp_seeds_stop").click()
    at.run()
    batch = at.session_state["exp_seeds"]
    assert batch.status == "stopped" and batch.rows == [] and batch.steps is None
    assert "Stopped during seed 0" in at.info[0].value and "not counted" in at.info[0].value
    assert at.button(key="exp_seeds_stop").disabled and not at.button(key="exp_seeds_run").disabled

    at.button(key="exp_seeds_run").click()  # carries on with the same seeds
    at.run()
    assert at.session_state["exp_seeds"].status == "running"
    at.button(key="exp_seeds_clear").click()  # Clear also stops
    at.run()
    assert "exp_seeds" not in at.session_state and not at.exception


def test_the_ladder_has_three_rungs_charts_and_no_test_column_on_the_sample():
    at = open_page()
    at.button(key="exp_ladder_run").click()
    batch = run_to_end(at, "exp_ladder")
    assert batch.status == "finished"
    rows = table(at, "rung")
    assert list(rows["network"]) == ["784-10", "784-10-10", "784-128-10"]
    assert list(rows["parameters"]) == [7850, 7960, 101770]
    assert rows["training"][0].startswith("full batch, 3 iterations, α 0.1")
    assert rows["training"][2].startswith("mini-batches of 64, 1 epoch, α 0.1, momentum 0.9")
    assert list(rows["steps"]) == [3, 3, 141]  # 9,000 training digits / 64 per step = 141 steps per epoch
    assert "test accuracy" not in rows.columns
    bars = chart(at, "exp_ladder_accuracy")["data"]
    assert [trace["name"] for trace in bars] == ["train accuracy", "dev accuracy"]
    assert len(chart(at, "exp_ladder_seconds")["data"][0]["x"]) == 3
    assert "test" not in " ".join(map(str, rows.columns))

    at.toggle(key="exp_controls").set_value(True)
    at.button(key="exp_ladder_run").click()
    run_to_end(at, "exp_ladder")
    rows = table(at, "rung")
    assert [r.split(" ")[0] for r in rows["rung"]] == ["①", "①c", "②", "②c", "③"]
    assert rows["training"][1].startswith("mini-batches of 64, 1 epoch, α 0.01, momentum 0.9")

    at.button(key="exp_ladder_clear").click()
    at.run()
    assert "exp_ladder" not in at.session_state and not at.table


def test_a_real_test_set_adds_a_test_column(monkeypatch):
    """Digits that come with a test set (as the full MNIST does): the ladder gains test accuracy, and only then."""
    sample = load_sample(state.DATA_DIR / "mnist_sample.npz")
    with_test = DigitSet(sample.images[:3000], sample.labels[:3000], sample.images[3000:3500],
                         sample.labels[3000:3500], "uploaded CSV", "3,000 digits with a 500-digit test set.")
    at = open_page(**{state.SOURCE: "uploaded CSV", state.UPLOADED: with_test})
    at.button(key="exp_ladder_run").click()
    run_to_end(at, "exp_ladder")
    rows = table(at, "rung")
    assert "test accuracy" in rows.columns and rows["test accuracy"].between(0, 100).all()
    assert [t["name"] for t in chart(at, "exp_ladder_accuracy")["data"]] == ["train accuracy", "dev accuracy",
                                                                             "test accuracy"]
    assert "real MNIST test set" in texts(at)


def test_predict_then_reveal_checks_the_answer_against_the_measured_ladder():
    at = open_page()
    at.button(key="exp_reveal").click()
    at.run()
    assert "Run the ladder first" in at.info[0].value

    at.button(key="exp_ladder_run").click()
    run_to_end(at, "exp_ladder")
    at.button(key="exp_reveal").click()
    at.run()
    assert "Choose an answer first" in texts(at)

    rows = table(at, "rung")
    gap = rows["dev accuracy"][1] - rows["dev accuracy"][0]
    answers = at.radio(key="exp_answer").options
    right = answers[0 if gap > 5 else 1 if gap > 0 else 2]
    at.radio(key="exp_answer").set_value(right)
    at.run()
    assert at.success and f"{gap:+.1f} points" in at.success[0].value
    wrong = next(a for a in answers if a != right)
    at.radio(key="exp_answer").set_value(wrong)
    at.run()
    assert not at.success and "Not this time" in texts(at) and right in texts(at)


def test_a_value_error_from_nn_core_is_an_error_message_and_results_stay(monkeypatch):
    at = open_page()
    at.slider(key="exp_n").set_value(2)
    at.button(key="exp_seeds_run").click()
    run_to_end(at, "exp_seeds")

    def refuse(hp):
        raise ValueError("init must be 'he' or 'notebook', not 'zeros'")

    monkeypatch.setattr(training_runs.batches, "new_network", refuse)  # where the runs start a network
    at.slider(key="exp_n").set_value(3)
    at.run()
    at.button(key="exp_seeds_run").click()
    batch = run_to_end(at, "exp_seeds")
    assert batch.status == "error"
    assert "seed 2 could not start" in at.error[0].value and "'zeros'" in at.error[0].value
    assert list(table(at, "seed")["seed"]) == [0, 1]


def test_a_bad_short_runs_address_is_refused_with_a_message():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["short_runs"] = "lots"
    at.run()
    assert not at.exception
    assert "whole number from 1 to 500" in at.error[0].value
    assert SHORT not in at.session_state


@pytest.mark.full_mnist
@pytest.mark.skipif(not FULL_MNIST, reason="needs the full MNIST: set MNIST_PATH")
def test_on_the_full_mnist_the_seeds_table_has_real_test_accuracy(monkeypatch):
    monkeypatch.setenv("MNIST_PATH", FULL_MNIST)
    state.shared_sources.clear()  # the loaded datasets are cached per process: load them again with MNIST_PATH
    try:
        at = open_page(short=2)
        assert "Full MNIST" in at.caption[0].value
        at.slider(key="exp_n").set_value(2)
        at.button(key="exp_seeds_run").click()
        run_to_end(at, "exp_seeds")
        rows = table(at, "seed")
        assert rows["test accuracy"].between(0, 100).all()
    finally:
        state.shared_sources.clear()
