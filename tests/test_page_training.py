"""AppTest of views/training/page.py: every control, both presets, Train / Stop / Step / Reset, divergence, the
look-inside tabs, and saving and loading a network (good and bad files).

AppTest does not tick a fragment's run_every, so the tests wait for the training thread themselves
(`finish_training`) and then run the page once more, which is what the next tick does in a browser.
Runs are kept short (a few iterations) so the file stays fast.
"""

import io
import json
import pickle
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from network_svg import SVG
from streamlit.testing.v1 import AppTest

import nn_core.data
import nn_core.mnist_files
from dashboard import state
from nn_core.persistence import load_model, save_model
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK, new_network
from training_runs.runs import training_of

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "views" / "training" / "page.py")
SAMPLE = ROOT / "data" / "mnist_sample.npz"
RUN = "training_run"
TABS = ["🔁 Backpropagation step by step", "🩺 Gradient check", "🐞 The notebook's bugs",
        "🧠 What the network learned", "💾 Save / load"]


@pytest.fixture
def at(data_dir):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    yield at
    run = at.session_state[RUN] if RUN in at.session_state else None
    if run is not None:
        run.stop_request.set()  # never leave a training thread behind


def run_ok(at):
    at.run()
    assert not at.exception, at.exception
    return at


def click(at, key):
    at.button(key=key).click()
    return run_ok(at)


def finish_training(at, timeout=120):
    """Wait for the training thread, then run the page as its next redraw would."""
    run = at.session_state[RUN]
    if run.worker is not None:
        run.worker.join(timeout)
    assert not run.training
    return run_ok(at)


def texts(at):
    return " ".join(e.value for kind in ("markdown", "success", "error", "warning", "info", "caption")
                    for e in getattr(at, kind))


def frame_with(at, column):
    """The first table on the page with this column."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def history(at):
    """The run-history table (one row per run of this visitor)."""
    return frame_with(at, "seed")


def open_tab(at, label):
    at.session_state["tr_tab"] = label
    return run_ok(at)


def test_page_starts_with_the_notebook_recipe_and_every_control(at):
    assert at.title[0].value == "📉 Training"
    assert at.session_state["training_controls"] == NOTEBOOK
    keys = {w.key for kind in ("select_slider", "slider", "radio", "selectbox", "number_input", "toggle")
            for w in getattr(at, kind)}
    assert {"tr_alpha", "tr_iterations", "tr_epochs", "tr_hidden", "tr_layers", "tr_activation", "tr_method",
            "tr_batch", "tr_momentum", "tr_init", "tr_dev", "tr_seed", "tr_bugs"} <= keys
    assert at.button(key="tr_stop").disabled and not at.button(key="tr_train").disabled
    assert "No network trained yet" in texts(at)


def test_every_control_reaches_the_hyperparameters(at):
    at.select_slider(key="tr_alpha").set_value(0.5)
    at.select_slider(key="tr_iterations").set_value(20)
    run_ok(at)  # before the method changes and disables it
    at.slider(key="tr_hidden").set_value(32)
    at.radio(key="tr_layers").set_value(2)
    at.selectbox(key="tr_activation").set_value("tanh")
    at.radio(key="tr_method").set_value("mini-batch")
    run_ok(at)
    at.slider(key="tr_epochs").set_value(2)
    at.select_slider(key="tr_batch").set_value(128)
    at.select_slider(key="tr_momentum").set_value(0.9)
    at.radio(key="tr_init").set_value("he")
    at.select_slider(key="tr_dev").set_value(500)
    at.number_input(key="tr_seed").set_value(7)
    at.toggle(key="tr_bugs").set_value(True)
    run_ok(at)
    assert at.session_state["training_controls"] == NOTEBOOK.with_changes(
        alpha=0.5, iterations=20, hidden_sizes=(32, 32), activation="tanh", method="mini-batch", epochs=2,
        batch_size=128, momentum=0.9, init="he", dev_size=500, seed=7, notebook_bugs=True)
    assert at.select_slider(key="tr_iterations").disabled  # full-batch only
    assert not at.slider(key="tr_epochs").disabled


def test_presets_set_every_control(at):
    click(at, "tr_preset_fast")
    assert at.session_state["training_controls"] == FAST_AND_ACCURATE
    assert at.slider(key="tr_hidden").value == 128 and at.radio(key="tr_method").value == "mini-batch"
    at.select_slider(key="tr_alpha").set_value(5.0)
    run_ok(at)
    click(at, "tr_preset_notebook")
    assert at.session_state["training_controls"] == NOTEBOOK


def test_train_a_short_run_shows_curves_results_and_history(at):
    at.select_slider(key="tr_iterations").set_value(10)
    click(at, "tr_train")
    assert at.button(key="tr_train").disabled and not at.button(key="tr_stop").disabled
    finish_training(at)
    run = at.session_state[RUN]
    assert run.status == "finished" and run.step == 10
    assert "Finished 10 steps" in at.success[0].value
    assert "✅ finished · step 10 of 10" in at.get("progress")[0].proto.text
    if run.scores["dev"][1] < 0.3:  # 10 steps are a run's very start (about 23% on the sample): low, and said why
        assert "Only 10 steps, so the accuracy is still low" in at.success[0].value
    assert all("<path class=\"curve\"" in curves_picture(at, name) for name in ("loss", "accuracy", "update"))
    table = history(at)
    assert list(table["run"]) == [1] and table["steps"][0] == "10 of 10"
    assert 0 < table["dev accuracy"][0] <= 1 and "test accuracy" not in table.columns
    model = at.session_state["model"]
    assert model.params is run.params and model.dev_accuracy == run.scores["dev"][1]
    assert [s for s, *_ in run.snapshots] == [0, 1, 2, 5, 10]


def test_the_presets_exercise_finds_both_runs_and_their_seconds_in_the_table(at):
    """"Press 📓 The notebook, train; press ⚡ Fast and accurate, train: how long did each take? (The table of your
    runs lists both.)" Shortened here (20 iterations, 1 epoch), each run is one row with its seconds."""
    exercise = next(m.value for m in at.markdown if "Fast and accurate** and train again" in m.value)
    assert "how long did each take" in exercise and "how many more seconds" not in exercise
    for preset, shorten in (("tr_preset_notebook", ("select_slider", "tr_iterations", 20)),
                            ("tr_preset_fast", ("slider", "tr_epochs", 1))):
        click(at, preset)
        kind, key, value = shorten
        getattr(at, kind)(key=key).set_value(value)
        run_ok(at)
        click(at, "tr_train")
        finish_training(at)
    table = history(at)
    assert table["network"].tolist() == ["784-10-10 relu", "784-128-10 relu"]
    assert table["method"].tolist() == ["full-batch", "mini-batch 64"] and (table["seconds"] >= 0).all()
    assert table["seconds"].tolist()[-1] == round(at.session_state[RUN].seconds, 1)


def test_mini_batch_with_momentum_learns(at):
    click(at, "tr_preset_fast")
    at.slider(key="tr_hidden").set_value(32)
    at.slider(key="tr_epochs").set_value(1)
    run_ok(at)
    click(at, "tr_train")
    finish_training(at)
    run = at.session_state[RUN]
    assert run.status == "finished" and run.step == int(np.ceil(9000 / 64))
    assert run.scores["dev"][1] > 0.85
    curves = {path.get("data-name"): path for path in ET.fromstring(curves_picture(at, "accuracy")).iter(SVG + "path")}
    assert int(curves["train accuracy"].get("data-points")) >= 10  # evaluated steps
    assert int(curves["dev accuracy"].get("data-points")) >= 10
    assert int(curves["train accuracy"].get("data-last")) == run.step


def test_step_goes_one_iteration_at_a_time_and_train_carries_on(at):
    at.select_slider(key="tr_iterations").set_value(5)
    click(at, "tr_step")
    click(at, "tr_step")
    run = at.session_state[RUN]
    assert run.step == 2 and run.status == "paused"
    assert "step 2 of 5" in at.get("progress")[0].proto.text
    click(at, "tr_train")
    finish_training(at)
    assert at.session_state[RUN] is run and run.step == 5 and run.status == "finished"
    assert len(history(at)) == 1  # one run, updated in place


def test_stop_pauses_midway_and_a_changed_control_starts_a_new_network(at):
    at.select_slider(key="tr_iterations").set_value(2000)
    click(at, "tr_train")
    click(at, "tr_stop")
    run = at.session_state[RUN]
    assert run.status == "paused" and not run.training and 0 < run.step < 2000
    assert at.button(key="tr_stop").disabled and not at.button(key="tr_train").disabled
    assert history(at)["status"][0] == "paused"
    at.select_slider(key="tr_alpha").set_value(0.2)
    run_ok(at)
    assert "start a new network" in texts(at)
    click(at, "tr_step")
    assert at.session_state[RUN] is not run and at.session_state[RUN].step == 1


def test_reset_gives_a_fresh_untrained_network(at):
    at.select_slider(key="tr_iterations").set_value(2000)
    click(at, "tr_train")
    old = at.session_state[RUN]
    click(at, "tr_reset")  # while it trains: it stops, and stays in the history
    run = at.session_state[RUN]
    assert run is not old and not old.training and old.status == "paused"
    assert history(at)["status"].tolist() == ["paused"]
    assert run.step == 0 and run.status == "ready"
    np.testing.assert_array_equal(run.params["W1"], new_network(NOTEBOOK)["W1"])
    assert not at.session_state["model"].trained


def test_a_diverging_learning_rate_is_explained_and_keeps_the_last_good_weights(at):
    at.select_slider(key="tr_alpha").set_value(10.0)
    at.selectbox(key="tr_activation").set_value("linear")
    at.select_slider(key="tr_iterations").set_value(100)
    run_ok(at)
    click(at, "tr_train")
    finish_training(at)
    run = at.session_state[RUN]
    assert run.status == "diverged" and run.step < 100
    message = at.error[0].value
    assert f"diverged at step {run.step + 1}" in message and "last good weights" in message
    assert all(np.isfinite(v).all() for v in at.session_state["model"].params.values())
    assert at.session_state["model"].params is run.params
    assert history(at)["status"][0] == "diverged"


def test_dead_relu_units_are_explained(at):
    at.select_slider(key="tr_alpha").set_value(10.0)
    at.select_slider(key="tr_iterations").set_value(20)
    run_ok(at)
    click(at, "tr_train")
    finish_training(at)
    assert "ReLU units of layer 1 are dead" in at.error[0].value
    run = at.session_state[RUN]
    assert f"training went wrong: {run.dead} of 10 ReLU units dead (α 10 too large)" in at.warning[0].value
    assert history(at)["status"][0].startswith("went wrong: ")


def test_one_hidden_unit_finishes_but_is_not_called_a_success(at):
    """One hidden unit: the run trains to its end, near chance (10.5% after 100 steps on the sample, 23% after
    500), so the page says it went wrong and why, and the history table says the same."""
    at.slider(key="tr_hidden").set_value(1)
    at.select_slider(key="tr_iterations").set_value(100)
    run_ok(at)
    click(at, "tr_train")
    finish_training(at)
    run = at.session_state[RUN]
    assert run.status == "finished" and run.scores["dev"][1] < 0.3 and run.dead == 0
    cause = "only 1 hidden unit, too few for ten digits"
    assert not at.success and f"but training went wrong: {cause}" in at.warning[0].value
    assert "every digit reaches the output layer as only 1 number" in at.error[0].value
    assert at.get("progress")[0].proto.text.startswith(f"⚠️ went wrong ({cause}) · step 100 of 100")
    assert history(at)["status"].tolist() == [f"went wrong: {cause}"]


def test_backprop_tab_for_a_chosen_digit(at):
    click(at, "tr_step")
    open_tab(at, TABS[0])
    assert "gives exactly backward_prop's dW" in texts(at)
    pictures = [image.captions[0].split(":")[0] for image in at.image]
    assert pictures == ["dZ2", "dW2", "db2", "dZ1", "dW1", "db1", "−α dW1", "−α dW2"]  # from the output back
    first = at.image[4].value  # dW1
    at.selectbox(key="tr_bp_batch").set_value(3)
    run_ok(at)
    assert "m = **256**" in texts(at)
    assert at.image[4].value != first  # another batch, other gradients


def test_gradient_check_tab(at):
    open_tab(at, TABS[1])
    at.selectbox(key="tr_gc_name").set_value("W2")
    run_ok(at)
    at.number_input(key="tr_gc_row").set_value(3)
    at.number_input(key="tr_gc_col").set_value(4)
    click(at, "tr_gc_one")
    table = frame_with(at, "entry")
    assert list(table["entry"]) == ["(3, 4)"] and table["relative error"][0] < 1e-6
    click(at, "tr_gc_random")
    table = frame_with(at, "entry")
    assert len(table) == 12 and set(table["parameter"]) == {"W1", "b1", "W2", "b2"}
    assert "backpropagation is right" in texts(at) and set(table["agree"]) == {"✅"}


def test_notebook_bugs_tab_trains_both_and_shows_softmax_overflow(at):
    open_tab(at, TABS[2])
    at.select_slider(key="tr_bugs_n").set_value(50)
    click(at, "tr_bugs_run")
    side_by_side = at.table[0].value
    assert list(side_by_side.columns) == ["🐞 notebook", "✅ corrected"]
    assert "one scalar" in side_by_side.loc["db1, first step", "🐞 notebook"]
    assert "one per unit" in side_by_side.loc["db2, first step", "✅ corrected"]
    assert side_by_side.loc["m dividing the gradients"].tolist() == ["10,000", "9,000"]
    at.slider(key="tr_bugs_logit").set_value(150)
    run_ok(at)
    softmaxes = at.table[1].value
    assert softmaxes["e^z (float32)"].iloc[0] == "inf"
    assert softmaxes["softmax_notebook (no shift)"].iloc[0] == "NaN"
    assert softmaxes["softmax (max-shift)"].iloc[0] == "1"
    assert "inf / inf = NaN" in at.error[0].value
    at.slider(key="tr_bugs_logit").set_value(20)
    run_ok(at)
    assert at.table[1].value["softmax_notebook (no shift)"].tolist() == \
        at.table[1].value["softmax (max-shift)"].tolist()


def figure_array(array):
    """An array of a plotly figure's JSON: a plain (nested) list, or NumPy data as {"dtype", "bdata", "shape"}."""
    import base64

    if not isinstance(array, dict):
        return np.array(array, dtype=float)  # None (a gap) becomes NaN
    flat = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    shape = array.get("shape")
    return flat.reshape([int(n) for n in str(shape).split(",")]) if shape else flat


def curves_picture(at, panel):
    """The SVG text of one of the live curves' pictures ("loss", "accuracy" or "update")."""
    element = next(e for e in at.get("bidi_component") if e.proto.id.endswith(f"-tr_curves_{panel}"))
    return json.loads(element.proto.json)["svg"]


def chart(at, key):
    """The figure (a dict) of the plotly chart with this key."""
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith("-" + key):
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart with key {key}")


def first_tile(figure):
    """The first 28 x 28 image of a mosaic of W1 rows: hidden unit 0."""
    return figure_array(figure["data"][0]["z"])[:28, :28]


def test_what_the_network_learned_tab_scrubs_through_snapshots(at):
    at.select_slider(key="tr_iterations").set_value(20)
    click(at, "tr_train")
    finish_training(at)
    open_tab(at, TABS[3])
    assert at.select_slider(key="tr_w1_step").options == ["0", "1", "2", "5", "10", "20"]
    snapshots = {step: W1 for step, W1, *_ in at.session_state[RUN].snapshots}
    at.radio(key="tr_w1_view").set_value("weights")
    run_ok(at)
    at_the_end = chart(at, "tr_w1")
    assert "step 20" in at_the_end["layout"]["title"]["text"]
    np.testing.assert_allclose(first_tile(at_the_end), snapshots[20][0].reshape(28, 28), rtol=1e-6)
    at.select_slider(key="tr_w1_step").set_value(0)
    run_ok(at)
    at_the_start = chart(at, "tr_w1")
    assert at_the_start != at_the_end  # the slider redrew the chart
    assert "step 0" in at_the_start["layout"]["title"]["text"]
    np.testing.assert_allclose(first_tile(at_the_start), snapshots[0][0].reshape(28, 28), rtol=1e-6)
    assert not np.allclose(snapshots[0][0], snapshots[20][0])  # training moved the weights the chart shows
    at.select_slider(key="tr_w1_step").set_value(5)
    at.radio(key="tr_w1_view").set_value("change")
    run_ok(at)
    change = chart(at, "tr_w1")
    assert "step 5, minus step 0" in change["layout"]["title"]["text"]
    np.testing.assert_allclose(first_tile(change), (snapshots[5][0] - snapshots[0][0]).reshape(28, 28),
                               rtol=1e-6, atol=1e-7)
    keys = {c.key for c in at.get("plotly_chart")}
    assert {"tr_w1", "tr_confusion_dev", "tr_mistakes_fig"} <= keys
    assert "Mistakes on the dev set" in texts(at)
    at.radio(key="tr_mistakes").set_value("first")
    run_ok(at)


def npz_upload(at, name, content):
    at.file_uploader(key="tr_upload").upload(name, content)
    return run_ok(at)


def keep_downloads(monkeypatch):
    """AppTest gives every run a fresh in-memory store for the files behind download buttons, and forgets it
    once the run is over. Keep each run's store, so a test can fetch a download as a browser would, by its url."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    stores = []

    class KeptStorage(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", KeptStorage)
    return stores


def downloaded(stores, button):
    """The file (bytes, and the name the browser saves it under) behind a download button of the last run."""
    assert button.proto.url, f"the button {button.proto.label!r} offers no file"
    file = stores[-1].get_file(button.proto.url.rsplit("/", 1)[-1])
    return file.content, file.filename


def test_save_then_load_a_network_sets_the_controls(at, monkeypatch):
    stores = keep_downloads(monkeypatch)
    at.select_slider(key="tr_alpha").set_value(0.5)
    at.slider(key="tr_hidden").set_value(32)
    at.selectbox(key="tr_activation").set_value("tanh")
    at.select_slider(key="tr_iterations").set_value(5)
    run_ok(at)
    click(at, "tr_train")
    finish_training(at)
    trained = at.session_state["model"]
    assert trained.hp.hidden_sizes == (32,) and trained.history
    open_tab(at, TABS[4])
    button = next(b for b in at.get("download_button") if b.proto.label == "⬇️ Download the network")
    content, file_name = downloaded(stores, button)
    assert file_name == "network-784-32-10.npz"
    expected = save_model(trained.params, trained.hp, training_of(at.session_state[RUN]))
    with np.load(io.BytesIO(content)) as got, np.load(io.BytesIO(expected)) as saved:
        assert sorted(got.files) == sorted(saved.files)  # the file save_model writes for the trained network
        for name in saved.files:
            np.testing.assert_array_equal(got[name], saved[name])
    params, hp = load_model(content)  # what a visitor's browser saves is the trained network
    assert hp == trained.hp
    assert params.keys() == trained.params.keys()
    for name, value in trained.params.items():
        np.testing.assert_array_equal(params[name], value)

    click(at, "tr_preset_notebook")  # back to the notebook's controls and a fresh 784-10-10
    click(at, "tr_reset")
    assert at.slider(key="tr_hidden").value == 10 and at.session_state["model"].hp == NOTEBOOK
    npz_upload(at, file_name, content)  # and load the downloaded file back
    assert f"Loaded **{file_name}**" in at.success[-1].value
    assert at.session_state["training_controls"] == trained.hp
    assert at.slider(key="tr_hidden").value == 32 and at.selectbox(key="tr_activation").value == "tanh"
    assert at.select_slider(key="tr_alpha").value == 0.5
    loaded = at.session_state["model"]
    assert loaded.hp == trained.hp
    for name, value in trained.params.items():
        np.testing.assert_array_equal(loaded.params[name], value)


def test_a_loaded_network_shows_its_own_steps_accuracies_and_curves(at, monkeypatch):
    """Loading shows the network as it was saved: its step (not "step 0 of 500"), its accuracies measured on the
    data in use, and its curves from the file's log; the run history says the same."""
    stores = keep_downloads(monkeypatch)
    at.select_slider(key="tr_iterations").set_value(20)
    run_ok(at)
    click(at, "tr_train")
    finish_training(at)
    trained = at.session_state[RUN]
    open_tab(at, TABS[4])
    button = next(b for b in at.get("download_button") if b.proto.label == "⬇️ Download the network")
    content, file_name = downloaded(stores, button)
    click(at, "tr_reset")
    assert "step 0 of 20" in at.get("progress")[0].proto.text
    npz_upload(at, file_name, content)
    run = at.session_state[RUN]
    assert run.status == "loaded" and run.step == 20 and not at.exception
    dev = run.scores["dev"][1]
    assert dev == trained.scores["dev"][1]  # the same weights, scored on the same data
    loss = trained.records[-1].loss
    assert at.get("progress")[0].proto.text.startswith(f"📂 loaded · step 20 of 20 · loss {loss:.3f} · dev accuracy "
                                                       f"{dev:.1%}")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Steps"] == "20 of 20" and metrics["dev accuracy"] == f"{dev:.1%}"
    assert f"Loaded from {file_name}.** It had trained 20 of 20 steps" in texts(at)
    loss_curve = next(path for path in ET.fromstring(curves_picture(at, "loss")).iter(SVG + "path")
                      if path.get("data-name") == "loss (cross-entropy)")
    assert (loss_curve.get("data-points"), loss_curve.get("data-last")) == ("20", "20")  # the file's 20 steps
    np.testing.assert_allclose([r.loss for r in run.records], [r.loss for r in trained.records], rtol=1e-6)
    row = history(at).iloc[-1]
    assert (row["steps"], row["status"], row["dev accuracy"]) == ("20 of 20", "loaded, finished when saved", dev)
    click(at, "tr_step")  # a loaded network is not trained on: Step starts a new one from its settings
    assert at.session_state[RUN] is not run and at.session_state[RUN].step == 1


def test_a_file_without_its_training_still_loads_and_says_what_it_lacks(at):
    """A network saved by an older version (weights and hyperparameters only): its accuracies are measured, and the
    page says its steps are not in the file instead of showing step 0."""
    open_tab(at, TABS[4])
    npz_upload(at, "old.npz", save_model(new_network(NOTEBOOK), NOTEBOOK))
    run = at.session_state[RUN]
    assert run.status == "loaded" and not run.records and "dev" in run.scores
    assert "its steps are not in the file" in at.get("progress")[0].proto.text
    assert "step 0 of" not in at.get("progress")[0].proto.text
    assert {m.label: m.value for m in at.metric}["Steps"] == "not in the file"
    assert "keeps no training log" in texts(at)
    assert history(at).iloc[-1]["steps"] == "not in the file"


@pytest.mark.parametrize("content", [
    pickle.dumps({"W1": np.zeros((10, 784))}),
    b"not a network",
])
def test_a_bad_file_is_refused_and_the_network_stays(at, content):
    click(at, "tr_step")
    before = at.session_state["model"].params
    open_tab(at, TABS[4])
    npz_upload(at, "bad.npz", content)
    assert "bad.npz** was not loaded" in at.error[0].value and "not an .npz" in at.error[0].value
    assert at.session_state["model"].params is before


def test_a_network_with_nan_weights_is_refused(at):
    params = new_network(NOTEBOOK)
    params["W2"][0, 0] = np.nan
    buffer = io.BytesIO()
    np.savez(buffer, hyperparams=np.array('{"alpha": 0.1}'), **params)
    open_tab(at, TABS[4])
    npz_upload(at, "nan.npz", buffer.getvalue())
    assert "W2 contains inf or NaN" in at.error[0].value
    assert "model" not in at.session_state


def test_full_mnist_adds_a_test_column_and_a_test_confusion_matrix(data_dir, tmp_path, monkeypatch):
    sample = nn_core.mnist_files.load_sample(SAMPLE)
    images = sample.images.reshape(-1, 28, 28)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=images[:600], y_train=sample.labels[:600], x_test=images[600:800],
             y_test=sample.labels[600:800])
    monkeypatch.setenv("MNIST_PATH", str(path))
    state.shared_sources.clear()
    at = AppTest.from_file(PAGE, default_timeout=120)
    run_ok(at)
    assert at.select_slider(key="tr_dev").value == 200  # the choices adapt to 600 digits
    at.select_slider(key="tr_iterations").set_value(5)
    click(at, "tr_train")
    finish_training(at)
    assert "test accuracy" in history(at).columns
    open_tab(at, TABS[3])
    assert "tr_confusion_test" in {c.key for c in at.get("plotly_chart")}


def test_take_it_home_offers_the_network_the_script_and_the_log(at):
    open_tab(at, TABS[4])
    labels = {button.proto.label: button.proto.disabled for button in at.get("download_button")}
    assert labels["⬇️ Training log (.csv)"] is True  # nothing trained yet: no log
    at.select_slider(key="tr_iterations").set_value(5)
    click(at, "tr_train")
    finish_training(at)
    open_tab(at, TABS[4])
    labels = {button.proto.label: button.proto.disabled for button in at.get("download_button")}
    assert {"⬇️ The network (.npz)", "⬇️ predict.py", "⬇️ Training log (.csv)"} <= set(labels)
    assert not any(labels.values())
    assert "python predict.py network-784-10-10.npz digits.csv" in [code.value for code in at.code]
