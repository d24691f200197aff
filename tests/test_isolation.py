"""Thirty students on one server: each visitor's work stays theirs, and the digits are loaded only once.

Two AppTest instances of the whole app are two visitors (two sessions) of the same server process. They
upload different data, train different networks at the same time and load files; each must see only its
own weights, curves, history and uploads. The shared datasets, in contrast, must be one object for
everyone: no copy per visitor and none per rerun.
"""

import time

import numpy as np
import pytest
import visitors
from streamlit.testing.v1 import AppTest
from test_page_data import write_fake_full_mnist

import nn_core.mnist_files
from dashboard import state
from nn_core.persistence import save_model
from nn_core.training import NOTEBOOK, new_network
from training_runs import computations

RUN, HISTORY = "training_run", "training_history"
HELD_AT = 5  # steps after which Ben's long run waits for the workers (the first test)
SAVE_LOAD_TAB = "💾 Save / load"


class Visitor(visitors.Visitor):
    def training_run(self):
        return self.state[RUN]

    def wait_for_training(self, timeout=120):
        """Wait for the training thread, then run the page as its next redraw in a browser would."""
        run = self.training_run()
        if run.worker is not None:
            run.worker.join(timeout)
        assert not run.training
        return self.run()


def history_table(visitor):
    """The run-history table of the Training page (the one with a seed column)."""
    return next(frame.value for frame in visitor.at.dataframe if "seed" in frame.value.columns)


def set_controls(visitor, **values):
    """Move training controls by key (tr_hidden=16, ...) and rerun once."""
    at = visitor.at
    for key, value in values.items():
        widget = next(w for kind in ("slider", "select_slider", "number_input") for w in getattr(at, kind)
                      if w.key == key)
        widget.set_value(value)
    visitor.run()


def test_two_visitors_training_at_once_each_see_only_their_own_work(data_dir, monkeypatch):
    # Ben's run of 2,000 steps trains its first HELD_AT steps, then waits for the workers, however fast the
    # machine is: it is still in progress while Anna trains hers, and he stops it midway.
    wanted_until = computations.Computation.wanted_until
    monkeypatch.setattr(computations.Computation, "wanted_until",
                        lambda c: min(wanted_until(c), HELD_AT) if c.total == 2000 else wanted_until(c))
    anna, ben = Visitor(), Visitor()

    # Anna uploads her own digits; Ben keeps the bundled sample.
    anna.open("data")
    anna.at.file_uploader(key="data_csv_upload").set_value(("anna.csv", visitors.csv_of_sample_digits(300), "text/csv"))
    anna.run()
    assert "300 labelled digits from anna.csv" in anna.at.info[0].value
    ben.open("data")
    assert "Bundled sample" in ben.at.info[0].value
    assert ben.at.radio(key="data_source_pick").options == ["bundled sample (10,000 digits)"]
    assert state.UPLOADED not in ben.state

    # Different networks, trained at the same time: Ben's long run is still going while Anna trains hers.
    ben.open("training")
    set_controls(ben, tr_hidden=8, tr_seed=2, tr_iterations=2000)
    ben.click("tr_train")
    anna.open("training")
    set_controls(anna, tr_hidden=16, tr_seed=1, tr_iterations=20)
    anna.click("tr_train")
    assert ben.training_run().training, "Ben's run should still be training while Anna's starts"
    anna.wait_for_training()
    anna_run, ben_run = anna.training_run(), ben.training_run()
    assert ben_run.training
    deadline = time.monotonic() + 120
    while ben_run.step < HELD_AT:
        assert time.monotonic() < deadline, f"Ben's run is at step {ben_run.step}, not {HELD_AT}"
        time.sleep(0.05)
    ben.run()
    ben.click("tr_stop")  # Ben stops his run midway; Anna's run has already finished
    assert anna_run is not ben_run
    assert anna_run.status == "finished" and anna_run.step == 20
    assert ben_run.status == "paused" and ben_run.step == HELD_AT

    # Weights: each network has its own shapes and numbers.
    anna_model, ben_model = anna.state[state.MODEL], ben.state[state.MODEL]
    assert anna_model.params["W1"].shape == (16, 784) and ben_model.params["W1"].shape == (8, 784)
    assert anna_model.params is anna_run.params and ben_model.params is ben_run.params
    assert not np.shares_memory(anna_model.params["W2"], ben_model.params["W2"])
    assert "anna.csv" in anna_model.data_description and "Bundled sample" in ben_model.data_description

    # Curves and history: one run each, with its own seed and step count.
    assert len(anna_run.records) == 20 and len(ben_run.records) == ben_run.step
    anna_history, ben_history = history_table(anna), history_table(ben)
    assert list(anna_history["seed"]) == [1] and list(anna_history["steps"]) == ["20 of 20"]
    assert list(ben_history["seed"]) == [2] and list(ben_history["network"]) == ["784-8-10 relu"]

    # Ben loads a network from a file: Anna's network does not move.
    anna_W1 = anna_model.params["W1"].copy()
    hp = NOTEBOOK.with_changes(hidden_sizes=(12,), seed=5)
    ben.state["tr_tab"] = SAVE_LOAD_TAB
    ben.run()
    ben.at.file_uploader(key="tr_upload").set_value(("ben.npz", save_model(new_network(hp), hp),
                                                     "application/octet-stream"))
    ben.run()
    assert "Loaded **ben.npz**" in ben.at.success[-1].value
    assert ben.state[state.MODEL].params["W1"].shape == (12, 784)
    anna.run()
    assert anna.state[state.MODEL].params["W1"].shape == (16, 784)
    np.testing.assert_array_equal(anna.state[state.MODEL].params["W1"], anna_W1)
    assert len(anna.state[HISTORY]) == 1 and "training_loaded_file" not in anna.state

    # Back on the data page, each still has their own data in use.
    anna.open("data")
    ben.open("data")
    assert "anna.csv" in anna.at.info[0].value and "Bundled sample" in ben.at.info[0].value


def probe():
    """A tiny page that keeps what the app's state hands this visitor: the shared datasets and the sample's split."""
    import streamlit as st

    from dashboard import state  # noqa: F811 (AppTest runs this function's source on its own)

    st.session_state["seen"] = (state.shared_sources(), state.digits(), state.data_split(1000, 0))


def test_the_digits_are_one_object_for_every_visitor_and_every_rerun(data_dir):
    first, second = AppTest.from_function(probe), AppTest.from_function(probe)
    first.run()
    second.run()
    sources_1, digits_1, split_1 = first.session_state["seen"]
    first.run()  # a rerun, as after any click
    sources_again, digits_again, split_again = first.session_state["seen"]
    sources_2, digits_2, split_2 = second.session_state["seen"]

    assert sources_1 is sources_2 is sources_again  # loaded once per server, not per visitor or rerun
    assert digits_1 is digits_2 is digits_again is sources_1["bundled sample"]
    assert split_1 is split_2 is split_again  # X_train (784, 9000) is prepared once and shared
    for name in ("X_train", "Y_train", "X_dev", "Y_dev"):
        assert np.shares_memory(getattr(split_1, name), getattr(split_2, name)), name
    assert split_1.X_train.shape == (784, 9000) and split_1.X_train.dtype == np.float32


def test_the_shared_digits_are_read_only(data_dir):
    first = AppTest.from_function(probe)
    first.run()
    sources, digits, split = first.session_state["seen"]
    for array in (digits.images, digits.labels, split.X_train, split.Y_train, split.X_dev, split.Y_dev):
        assert not array.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0


def test_a_download_switches_only_the_visitor_who_downloaded(data_dir, monkeypatch):
    monkeypatch.setattr(nn_core.mnist_files, "download_mnist", lambda dest, progress=None: write_fake_full_mnist(dest))
    anna, ben = visitors.Visitor("data"), visitors.Visitor("training")  # both start on the sample
    sample = ben.state[state.SOURCE]
    ben_split = state._shared_split("bundled sample", 1000, 0)
    anna.click("data_get_full")
    assert "Now in use: Full MNIST" in anna.at.success[0].value and "Full MNIST" in anna.at.info[0].value

    ben.open("data")  # Ben had not chosen a source: he keeps his, and is told
    assert ben.state[state.SOURCE] == sample == "bundled sample"
    assert "Bundled sample" in ben.at.info[0].value
    assert [t.value for t in ben.at.toast] and "Full MNIST" in ben.at.toast[0].value
    assert state._shared_split("bundled sample", 1000, 0) is ben_split  # the sample's cached split was not reloaded
    ben.run()
    assert not ben.at.toast  # said once
    assert not ben.at.button(key="data_use_full").disabled  # one click away
    carl = visitors.Visitor("data")  # a newcomer gets the best data the server has now
    assert "Full MNIST" in carl.at.info[0].value
