"""Tests for training_runs/runs.py, the Training page's live run: stepping, training in the workers, Stop, snapshots,
the run history, and the short runs and batches of the other pages."""

import threading
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK, new_network, train_to_end
from training_runs import pool
from training_runs.runs import (
    advance,
    compare_notebook_bugs,
    history_row,
    redraw_interval,
    runs_in_progress,
    score,
    snapshot_steps,
    start_run,
    start_training,
    stop_training,
    total_steps,
    train_quietly,
)


def wait_until(condition, timeout=60):
    """Wait for a worker to get somewhere (a busy machine gives a low-priority worker little time)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def one_thread(monkeypatch):
    """The workers on one BLAS thread, as the_same_run below: both then add up the same terms in the same order (a
    lone run on a quiet machine would otherwise take a thread per core, and its sums would be split between them)."""
    monkeypatch.setattr(pool, "CORES", 1)


def the_same_run(hp, split, dev=False):
    """(params, records) of train_to_end from a fresh network of hp on one BLAS thread (with the dev set: dev=True):
    what a run in the workers, under one_thread, must come to."""
    with threadpool_limits(1, user_api="blas"):
        return train_to_end(new_network(hp), split.X_train, split.Y_train, hp,
                            *((split.X_dev, split.Y_dev) if dev else ()))


def test_snapshots_are_log_spaced_and_include_both_ends():
    assert sorted(snapshot_steps(500)) == [0, 1, 2, 5, 10, 20, 50, 100, 200, 500]
    assert sorted(snapshot_steps(7)) == [0, 1, 2, 5, 7]


def test_total_steps_counts_iterations_or_mini_batches():
    assert total_steps(NOTEBOOK, 9000) == 500
    assert total_steps(FAST_AND_ACCURATE, 9000) == 3 * 141


def test_stepping_by_hand_gives_the_same_network_as_training_to_the_end(sample_split, one_thread):
    hp = NOTEBOOK.with_changes(iterations=12)
    run = start_run(1, hp, sample_split, "sample")
    while advance(run):
        pass
    assert run.status == "finished" and run.step == 12 and not advance(run)
    params, records = the_same_run(hp, sample_split, dev=True)
    assert [r.loss for r in records] == pytest.approx([r.loss for r in run.records], rel=1e-5)
    np.testing.assert_allclose(params["W1"], run.params["W1"], rtol=1e-5, atol=1e-6)
    assert [s for s, *_ in run.snapshots] == [0, 1, 2, 5, 10, 12]
    for _, W1, b1, rest in run.snapshots:  # the first layer as it was at that step: b1 with W1, and the rest
        assert W1.shape == (10, 784) and b1.shape == (10, 1) and set(rest) == {"W2", "b2"}
    np.testing.assert_allclose(run.snapshots[-1][2], run.params["b1"], rtol=1e-6)
    np.testing.assert_allclose(run.snapshots[-1][3]["W2"], run.params["W2"], rtol=1e-6)
    assert not np.allclose(run.snapshots[0][2], run.snapshots[-1][2])


def test_a_wide_layers_snapshots_keep_its_first_rows_only_and_not_the_rest():
    from training_runs.worker_loop import SNAPSHOT_UNITS, first_layer

    step, W1, b1, rest = first_layer(3, new_network(NOTEBOOK.with_changes(hidden_sizes=(100,))))
    assert (step, W1.shape, b1.shape, rest) == (3, (SNAPSHOT_UNITS, 784), (SNAPSHOT_UNITS, 1), None)


def test_the_thread_trains_to_the_end_and_stop_pauses_it_between_steps(sample_split, one_thread):
    run = start_run(1, NOTEBOOK.with_changes(iterations=5), sample_split, "sample")
    start_training(run)
    run.worker.join(60)
    assert run.status == "finished" and run.step == 5 and run.wall_seconds >= run.seconds > 0
    long_run = start_run(2, NOTEBOOK.with_changes(iterations=100_000), sample_split, "sample")
    start_training(long_run)
    assert long_run.training and long_run.status == "running"
    assert stop_training(long_run, timeout=30) is True
    assert long_run.status == "paused" and 0 <= long_run.step < 100_000
    steps = long_run.step
    first_weights = long_run.params["W1"].copy()
    start_training(long_run)  # carries on from where it stopped
    deadline = time.monotonic() + 30
    while long_run.step < steps + 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert stop_training(long_run, timeout=30) is True
    assert long_run.status == "paused" and not long_run.training
    assert long_run.step >= steps + 3, (steps, long_run.step)  # it moved on after the restart
    assert [r.step for r in long_run.records] == list(range(1, long_run.step + 1))  # numbered on from the stop
    assert not np.array_equal(long_run.params["W1"], first_weights)
    same_length = long_run.hp.with_changes(iterations=long_run.step)
    params, records = the_same_run(same_length, sample_split)  # one run: the same path as without a stop
    assert [r.loss for r in records] == pytest.approx([r.loss for r in long_run.records], rel=1e-5)
    np.testing.assert_allclose(params["W1"], long_run.params["W1"], rtol=1e-5, atol=1e-6)


def test_an_unwatched_run_pauses_by_itself(sample_split):
    run = start_run(1, NOTEBOOK.with_changes(iterations=100_000), sample_split, "sample")
    start_training(run, unwatched_after=0.3)
    run.worker.join(30)
    assert run.status == "paused" and not run.training


def test_a_run_pauses_when_its_tab_is_closed(sample_split):
    run = start_run(1, NOTEBOOK.with_changes(iterations=100_000), sample_split, "sample")
    tab_open = threading.Event()
    tab_open.set()
    start_training(run, connected=tab_open.is_set)
    wait_until(lambda: run.step > 0)
    assert run.training
    tab_open.clear()  # the visitor closes the tab
    run.worker.join(30)
    assert run.status == "paused" and not run.training and run.step < 100_000


def test_the_live_charts_share_a_redraw_budget(sample_split):
    assert runs_in_progress() == 0 and redraw_interval() == pytest.approx(0.25)  # alone: 4 redraws a second
    runs = [start_run(n, NOTEBOOK.with_changes(iterations=100_000), sample_split, "sample") for n in range(20)]
    for run in runs:
        start_training(run)
    try:
        deadline = time.monotonic() + 30
        while runs_in_progress() < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert runs_in_progress() == 20
        assert redraw_interval() == pytest.approx(2.1)  # 21 charts (one more starting) share 10 redraws a second
    finally:
        for run in runs:
            stop_training(run)
    assert runs_in_progress() == 0


def test_divergence_keeps_the_last_good_weights_and_scores_them(sample_split):
    hp = NOTEBOOK.with_changes(alpha=10.0, activation="linear", iterations=100)
    run = start_run(1, hp, sample_split, "sample")
    while advance(run):
        pass
    assert run.status == "diverged" and run.diverged_record.step == run.step + 1
    assert all(np.isfinite(v).all() for v in run.params.values())
    scores = score(run, sample_split)
    assert set(scores) == {"train", "dev"}
    row = history_row(run)
    assert row["status"] == "diverged" and "test accuracy" not in row


@pytest.mark.parametrize("hp", [NOTEBOOK, NOTEBOOK.with_changes(hidden_sizes=(16, 8))])
def test_the_notebook_bugs_side_by_side(sample_split, hp):
    result = compare_notebook_bugs(hp, sample_split, iterations=3)
    notebook, corrected = result["notebook"], result["corrected"]
    assert notebook["m"] == 10_000 and corrected["m"] == 9_000
    last = f"db{len(hp.hidden_sizes) + 1}"
    assert np.ndim(notebook["db"]["db1"]) == 0 and corrected["db"]["db1"].shape == (hp.hidden_sizes[0], 1)
    assert abs(float(notebook["db"][last])) < 1e-6  # A - one_hot(Y) sums to 0 in every column
    assert 0 < notebook["dev_accuracy"] <= 1 and notebook["steps"] == corrected["steps"] == 3


def test_a_short_run_a_page_waits_for_reports_its_progress(sample_split, one_thread):
    hp = NOTEBOOK.with_changes(iterations=60)
    seen = []
    params, records = train_quietly(hp, sample_split.X_train, sample_split.Y_train, sample_split.X_dev,
                                    sample_split.Y_dev, progress=lambda step, total: seen.append((step, total)))
    assert seen == [(step, 60) for step in range(1, 61)] and [r.step for r in records] == list(range(1, 61))
    assert [r.step for r in records if r.dev_accuracy is not None] == [50, 60]  # every 50 steps and at the end
    expected, _ = the_same_run(hp, sample_split)
    np.testing.assert_allclose(params["W1"], expected["W1"], rtol=1e-5, atol=1e-6)


def test_a_short_run_that_diverges_ends_with_its_diverged_record(sample_split):
    hp = NOTEBOOK.with_changes(alpha=10.0, activation="linear", iterations=100)
    params, records = train_quietly(hp, sample_split.X_train, sample_split.Y_train)
    assert records[-1].diverged and not any(r.diverged for r in records[:-1])
    assert all(np.isfinite(v).all() for v in params.values())


def test_a_live_chart_takes_a_new_pace_when_the_class_s_runs_start_or_end(monkeypatch):
    from training_runs import runs

    monkeypatch.setattr(runs, "runs_in_progress", lambda: 0)
    assert not runs.pace_changed(None) and not runs.pace_changed(0.25)  # alone: 4 redraws a second
    monkeypatch.setattr(runs, "runs_in_progress", lambda: 20)  # the class has pressed Train since
    assert runs.redraw_interval() == pytest.approx(2.1) and runs.pace_changed(0.25)
    assert not runs.pace_changed(2.1) and not runs.pace_changed(1.5)
    monkeypatch.setattr(runs, "runs_in_progress", lambda: 1)  # most have finished
    assert runs.pace_changed(2.1)


def test_a_run_is_judged_by_its_dev_accuracy_with_the_cause_it_shows():
    """Below 30% (chance + 20 points) a finished run went wrong, once it had 100 steps or shows a cause that more
    steps cannot cure; the cause is the first one the run shows."""
    from training_runs.runs import judge

    notebook, one_unit = NOTEBOOK, NOTEBOOK.with_changes(hidden_sizes=(1,))
    assert judge(notebook, 500, 0.848, 0, 2.81, 0.47) is None
    assert judge(notebook, 10, 0.232, 0, 2.81, 2.27) is None  # a short run: low because it is short
    assert str(judge(NOTEBOOK.with_changes(alpha=5.0), 20, 0.112, 8, 2.81, 2.40)) == \
        "8 of 10 ReLU units dead (α 5 too large)"
    assert judge(NOTEBOOK.with_changes(alpha=2.0), 500, 0.9, 9, 2.81, 2.30) is None  # dead, but it still reads
    assert judge(NOTEBOOK.with_changes(alpha=2.0), 20, 0.11, 1, 2.81, 3.5).cause == "alpha too large"
    assert str(judge(one_unit, 500, 0.233, 0, 2.44, 1.99)) == "only 1 hidden unit, too few for ten digits"
    assert str(judge(NOTEBOOK.with_changes(alpha=0.001), 500, 0.199, 0, 2.81, 2.40)) == \
        "α 0.001 too small for 500 steps"
    assert judge(NOTEBOOK.with_changes(init="he"), 500, 0.25, 0, 2.3, 2.0).cause == "unknown"
    assert judge(notebook, 500, None, 0, 2.81, 0.47) is None  # no dev set, no verdict
