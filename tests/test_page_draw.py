"""The Draw page, driven with Streamlit's AppTest, and the quality of its drawing-to-input pipeline.

In AppTest the canvas is an element AppTest does not know; a drawing is injected the way the browser sends one:
the canvas's session-state key is set to {"drawing": {"raw": ..., "data": "data:image/png;base64,<PNG>"}} and the
page runs again. The network used is the one the page trains itself on a first visit (bundled sample).
"""

import base64
import io
import json
import os
import re

import numpy as np
import pytest
from class_runs import forget_writer
from PIL import Image
from streamlit.testing.v1 import AppTest

import board_store
from dashboard import state
from nn_core import preprocessing, training
from nn_core.evaluation import shifted_accuracy
from nn_core.network import backward_prop, forward_prop, update_params
from nn_core.preprocessing import canvas_to_input
from training_runs import runs
from views.draw import class_set, handwriting, networks, shifted

PAGE = "../views/draw/page.py"
TIMEOUT = 120


# ---------------------------------------------------------------------------------------------------------
# Drawings
# ---------------------------------------------------------------------------------------------------------


def enlarge(n_in, n_out):
    """An (n_out, n_in) matrix that enlarges a line of pixels by linear interpolation, as a browser would."""
    centres = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5  # where each new pixel falls among the old ones
    return np.stack([np.interp(centres, np.arange(n_in), e) for e in np.eye(n_in)], axis=1)


def on_canvas(column, side=280):
    """A digit (784,) in [0, 1] drawn on a (side, side, 4) uint8 canvas: white on opaque black, smooth edges."""
    M = enlarge(28, side)
    grey = np.clip(np.round(M @ column.reshape(28, 28) @ M.T * 255), 0, 255).astype(np.uint8)
    canvas = np.zeros((side, side, 4), dtype=np.uint8)
    canvas[..., :3] = grey[..., None]
    canvas[..., 3] = 255
    return canvas


def lopsided_seven(side=320):
    """A thick 7 with a heavy top bar, drawn high on the canvas: its centre of mass is far above its middle."""
    canvas = np.zeros((side, side, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    canvas[40:80, 60:260, :3] = 255  # the bar
    for row in range(80, 290):  # the diagonal, 26 pixels wide
        centre = 240 - (row - 80) * 0.55
        canvas[row, int(centre) - 13:int(centre) + 13, :3] = 255
    return canvas


def as_data_url(rgba):
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def canvas_key(at):
    generation = at.session_state["draw_canvas_generation"] if "draw_canvas_generation" in at.session_state else 0
    return f"draw_canvas_{generation}"


def draw(at, rgba=None, data_url=None):
    """Send a drawing to the page as the canvas would, and run the page again."""
    data_url = data_url or as_data_url(rgba)
    at.session_state[canvas_key(at)] = {"drawing": {"raw": {"objects": []}, "data": data_url}}
    return at.run()


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def texts(elements):
    return " ".join(e.value for e in elements)


def image_captions(at):
    return " ".join(caption for image in at.image for caption in image.captions)


# ---------------------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def first_visit():
    """The page opened by a visitor with no network of their own, on the bundled sample: it reads drawings with
    the notebook's 784-10-10, trained on the server."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("MNIST_PATH", raising=False)
        state.shared_sources.clear()  # the sample, whatever an earlier test loaded
        state.notebook_network.clear()
        at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
        at.run()
    yield at
    state.shared_sources.clear()  # later tests load the data their own environment asks for


def servers_notebook_network():
    """The notebook's network the page trained on this server for the sample (cached: not trained again)."""
    return state.notebook_network(state.shared_sources()["bundled sample"].description, 1000, None)


@pytest.fixture(scope="module")
def own_network(sample_split):
    """A visitor's own network, as the Training page's "Fast and accurate" preset leaves it (2 epochs)."""
    hp = training.FAST_AND_ACCURATE.with_changes(epochs=2)
    params, history = runs.train_quietly(hp, sample_split.X_train, sample_split.Y_train, sample_split.X_dev,
                                         sample_split.Y_dev)
    return state.Model(params, hp, history, history[-1].dev_accuracy, "bundled sample")


@pytest.fixture
def page(first_visit, own_network, monkeypatch):
    """The page for a visitor who has trained a network of their own."""
    monkeypatch.delenv("MNIST_PATH", raising=False)
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state[state.MODEL] = own_network
    return at.run()


@pytest.fixture(scope="module")
def sure_digits(own_network, sample_split):
    """Dev digits (columns, labels) of three classes that the network reads right, and is sure of, fed directly."""
    model = own_network
    A = forward_prop(model.params, sample_split.X_dev)["A2"]
    chosen = []
    for label in (3, 6, 0):
        index = np.flatnonzero((sample_split.Y_dev == label) & (A[label] > 0.99))[0]
        chosen.append((sample_split.X_dev[:, index], label))
    return chosen


# ---------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------


def test_first_visit_reads_with_the_notebooks_network_and_says_so(first_visit):
    at = first_visit
    assert not at.exception and not at.error
    assert "Draw a digit (0 to 9)" in texts(at.info)
    assert state.MODEL not in at.session_state  # no network is made up and called the visitor's
    assert at.radio(key="draw_network").options == ["📓 The notebook's 784-10-10"]
    model, _ = servers_notebook_network()
    assert model.hp.layer_sizes == (784, 10, 10) and model.hp.method == "full-batch"
    assert model.dev_accuracy > 0.75
    assert f"**📓 The notebook's 784-10-10:** {model.describe()}" in texts(at.markdown)
    assert "once for every visitor" in texts(at.caption)
    assert "no network of your own yet" in texts(at.caption)
    assert not at.metric  # nothing to predict yet


def test_a_drawn_digit_is_read_and_explained(page, sure_digits):
    at = page
    for column, label in sure_digits:
        draw(at, on_canvas(column))
        assert not at.exception
        assert metric(at, "Prediction") == str(label)
        assert metric(at, "Confidence").endswith("%")
    rgba = on_canvas(sure_digits[-1][0])
    x = canvas_to_input(rgba)
    np.testing.assert_array_equal(at.session_state[state.DRAWN], x)  # what the forward page will show
    assert at.session_state[state.DRAWN].dtype == np.float32
    captions = image_captions(at)
    for step in ("the canvas", "in grey", "cropped to the ink", "scaled to fit 20 x 20", "centred by mass",
                 "a real MNIST 0"):
        assert step in captions, step
    assert texts(at.success).count("✓ The bars add up to") == 1  # the answer's terms add up (its tab is the open one)
    assert "10 largest terms" in texts(at.caption)  # 128 hidden units: the top 10 are shown
    assert not at.get("plotly_chart")  # the answer's waterfall and its unit images are pictures
    bars = next(image.proto.imgs[0].alt for image in at.image if image.proto.imgs[0].alt.startswith("The ten prob"))
    assert f"The answer is {at.metric[0].value}" in bars  # the probabilities, as a picture
    runner_up = next(tab.label for tab in at.tabs if tab.label.startswith("🥈 Why not"))
    at.session_state["draw_why_tab"] = runner_up  # the other tab is built only once it is opened
    at.run()
    assert not at.exception
    assert texts(at.success).count("✓ The bars add up to") == 1  # the runner-up's terms add up too


def test_pen_width_and_clear_button(page, sure_digits):
    at = page
    at.slider(key="draw_stroke").set_value(30).run()
    draw(at, on_canvas(sure_digits[0][0]))
    assert metric(at, "Prediction") == "3"
    at.button(key="draw_clear").click().run()  # a fresh canvas, under a new key
    assert not at.exception
    assert "Draw a digit (0 to 9)" in texts(at.info)
    assert not at.metric


def test_skipping_the_centring_shows_both_predictions(page):
    at = draw(page, lopsided_seven())
    centred = canvas_to_input(lopsided_seven())
    np.testing.assert_array_equal(at.session_state[state.DRAWN], centred)
    at.toggle(key="draw_skip_centring").set_value(True).run()
    assert not at.exception
    warning = texts(at.warning)
    assert "**Without centring**" in warning and "**With centring**" in warning
    by_box = canvas_to_input(lopsided_seven(), center=False)
    np.testing.assert_array_equal(at.session_state[state.DRAWN], by_box)  # the network now reads this one
    assert not np.array_equal(by_box, centred)
    captions = image_captions(at)
    assert "centred by box" in captions and "with centring by mass" in captions


def test_switching_to_the_notebook_network(page, sure_digits):
    at = draw(page, on_canvas(sure_digits[0][0]))
    yours = at.session_state[state.MODEL]
    assert f"**🧠 Your network, from 📉 Training:** {yours.describe()}" in texts(at.markdown)
    at.radio(key="draw_network").set_value("notebook").run()
    assert not at.exception
    notebook, _ = servers_notebook_network()
    assert notebook.hp.hidden_sizes == (10,) and len(notebook.history) == state.NOTEBOOK_STEPS
    assert f"**📓 The notebook's 784-10-10:** {notebook.describe()}" in texts(at.markdown)
    assert at.session_state[state.MODEL] is yours  # the visitor's own network is untouched
    x = canvas_to_input(on_canvas(sure_digits[0][0]))
    A2 = forward_prop(notebook.params, x, notebook.hp.activation)["A2"]
    assert metric(at, "Prediction") == str(int(np.argmax(A2)))  # the notebook's network reads the drawing
    assert "Each unit's weights W1[j]" in texts(at.markdown)  # 10 hidden units: every one explained
    assert "largest terms" not in texts(at.caption)
    at.toggle(key="draw_times_x").set_value(True).run()
    assert not at.exception
    assert "W1[j] * x" in texts(at.markdown)
    at.radio(key="draw_network").set_value("yours").run()
    assert "**🧠 Your network, from 📉 Training:**" in texts(at.markdown)


def test_teach_it_throw_away_then_keep(page, sure_digits):
    column, label = sure_digits[0]
    at = draw(page, on_canvas(column))
    before = at.session_state[state.MODEL]
    wrong = (label + 1) % 10
    at.selectbox(key="draw_true_digit").set_value(wrong)
    at.slider(key="draw_alpha").set_value(0.5)
    at.button(key="draw_teach").click().run()
    assert not at.exception
    assert metric(at, f"Probability of {wrong}, before").endswith("%")
    x = canvas_to_input(on_canvas(column))
    stepped = update_params(before.params, backward_prop(before.params, forward_prop(before.params, x), x,
                                                         np.array([wrong])), 0.5)
    assert metric(at, "Prediction after the step") == str(int(np.argmax(forward_prop(stepped, x)["A2"])))
    assert metric(at, "Dev accuracy after the step").endswith("%")

    at.button(key="draw_discard").click().run()
    assert "Thrown away" in texts(at.success)
    assert at.session_state[state.MODEL] is before
    assert not [b for b in at.button if b.key == "draw_keep"]

    at.button(key="draw_teach").click().run()
    at.button(key="draw_keep").click().run()
    assert not at.exception
    assert "Kept." in texts(at.success)
    kept = at.session_state[state.MODEL]
    x = canvas_to_input(on_canvas(column))
    cache = forward_prop(before.params, x)
    expected = update_params(before.params, backward_prop(before.params, cache, x, np.array([wrong])), 0.5)
    for name, value in expected.items():
        np.testing.assert_allclose(kept.params[name], value, rtol=1e-6, atol=1e-7)
    assert kept.hp == before.hp and kept.history == before.history
    split = state.data_split(kept.hp.dev_size)
    assert kept.dev_accuracy == training.evaluate(kept.params, split.X_dev, split.Y_dev)[1]  # measured again
    A_after = forward_prop(kept.params, x)["A2"]
    assert A_after[wrong, 0] > cache["A2"][wrong, 0]  # the step pushed the true digit up
    assert metric(at, "Prediction") == str(int(np.argmax(A_after)))  # the page now reads with the kept network


def test_open_on_the_forward_page(page, sure_digits):
    at = draw(page, on_canvas(sure_digits[1][0]))
    at.button(key="draw_open_forward").click().run()
    assert not at.exception
    np.testing.assert_array_equal(at.session_state[state.DRAWN], canvas_to_input(on_canvas(sure_digits[1][0])))
    assert at.session_state["forward_source"] == "drawn"
    # Run alone (not through app.py) the page has no navigation to switch to: it says so instead of failing.
    assert "not part of this app run" in texts(at.error)


def test_a_broken_image_gives_an_error_not_a_traceback(page):
    at = draw(page, data_url="data:image/png;base64,bm90IGFuIGltYWdl")
    assert not at.exception
    assert "could not be read as an image" in texts(at.error)
    assert "Draw a digit (0 to 9)" in texts(at.info)


def test_an_untrained_network_with_two_hidden_layers(monkeypatch):
    monkeypatch.delenv("MNIST_PATH", raising=False)
    hp = training.Hyperparams(hidden_sizes=(16, 12), init="he", seed=3)
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state[state.MODEL] = state.Model(training.new_network(hp), hp)
    at.run()
    assert "untrained" in texts(at.warning)
    draw(at, lopsided_seven())
    assert not at.exception
    assert "**last** hidden layer" in texts(at.info)
    assert "largest terms" in texts(at.caption)  # 12 units: the 10 largest, and the other 2 together
    assert texts(at.success).count("✓ The bars add up to") == 1  # the open tab (the answer): its terms add up
    y, alpha = at.selectbox(key="draw_true_digit").value, at.slider(key="draw_alpha").value
    at.button(key="draw_teach").click().run()
    assert not at.exception
    x = canvas_to_input(lopsided_seven())
    params = at.session_state[state.MODEL].params
    stepped = update_params(params, backward_prop(params, forward_prop(params, x), x, np.array([y])), alpha)
    assert len(stepped) == 6  # three layers: W1, b1, W2, b2, W3, b3
    assert metric(at, "Prediction after the step") == str(int(np.argmax(forward_prop(stepped, x)["A3"])))


# ---------------------------------------------------------------------------------------------------------
# Quality: real digits drawn on the canvas are read as well as the digits themselves
# ---------------------------------------------------------------------------------------------------------


def quality_digits(sample_split, n=1000):
    """(X (784, n), Y (n,)): MNIST test digits with MNIST_PATH, else the sample's dev digits (never trained on)."""
    if os.environ.get("MNIST_PATH"):
        with np.load(os.environ["MNIST_PATH"]) as data:
            return data["x_test"][:n].reshape(n, 784).T / np.float32(255), data["y_test"][:n].astype(np.int64)
    return sample_split.X_dev[:, :n], sample_split.Y_dev[:n]


def test_the_canvas_pipeline_keeps_accuracy_within_two_points(own_network, sample_split):
    params = own_network.params  # trained on the sample
    X, Y = quality_digits(sample_split)
    X_canvas = np.hstack([canvas_to_input(on_canvas(X[:, i])) for i in range(X.shape[1])])  # (784, n)
    direct = np.mean(np.argmax(forward_prop(params, X)["A2"], axis=0) == Y)
    through_canvas = np.mean(np.argmax(forward_prop(params, X_canvas)["A2"], axis=0) == Y)
    assert X.shape[1] >= 500
    assert abs(direct - through_canvas) <= 0.02, (
        f"on {X.shape[1]} digits: {direct:.1%} fed directly, {through_canvas:.1%} through the canvas")


# ---------------------------------------------------------------------------------------------------------
# Your handwriting as a test set
# ---------------------------------------------------------------------------------------------------------


def mine_canvas_key(at):
    generation = at.session_state[handwriting.GENERATION] if handwriting.GENERATION in at.session_state else 0
    return f"draw_mine_canvas_{generation}"


def keep(at, rgba):
    """Draw on the guided canvas as the browser would, then press "Keep this as my ..."."""
    at.session_state[mine_canvas_key(at)] = {"drawing": {"raw": {"objects": []}, "data": as_data_url(rgba)}}
    at.run()
    return at.button(key="draw_mine_keep").click().run()


def chart_spec(at, name):
    """The plotly figure (a dict) of the chart that has a trace called `name`."""
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if any(trace.get("name") == name for trace in spec["data"]):
            return spec
    raise AssertionError(f"no chart with a trace named {name!r}")


def numbers(values):
    """A plotly figure's list of numbers, which plotly may store as {"dtype": ..., "bdata": base64}."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


@pytest.fixture(scope="module")
def ten_digits(own_network, sample_split):
    """For each label 0..9, a dev digit (784,) that the visitor's network reads right and is sure of."""
    A = forward_prop(own_network.params, sample_split.X_dev)["A2"]
    return [sample_split.X_dev[:, np.flatnonzero((sample_split.Y_dev == d) & (A[d] > 0.95))[0]] for d in range(10)]


def test_your_ten_drawings_are_scored_against_their_labels(page, ten_digits, own_network):
    at = page
    at.session_state[handwriting.OPEN] = True
    at.run()
    assert not at.exception
    assert "Now draw a **0**" in texts(at.markdown)
    at.button(key="draw_mine_keep").click().run()  # nothing drawn yet: a clear message, no score
    assert "The canvas is empty: draw a 0 first" in texts(at.warning)
    keep(at, on_canvas(np.zeros(784)))  # an empty canvas sent by the browser: the same
    assert "The canvas is empty" in texts(at.warning)
    assert not [m for m in at.metric if m.label == "Accuracy on your ten"]

    drawings = [on_canvas(ten_digits[5 if d == 3 else d]) for d in range(10)]  # a 5 where the 3 should be
    for d in range(10):
        assert f"Now draw a **{d}**" in texts(at.markdown)
        keep(at, drawings[d])
        assert not at.exception
        if d < 9:
            assert f"{d + 1} of 10 drawn" in texts(at.info)
    X = np.hstack([canvas_to_input(rgba) for rgba in drawings])  # (784, 10), what the page kept
    mine = at.session_state[handwriting.MINE]
    np.testing.assert_array_equal(np.hstack([mine[d] for d in range(10)]), X)
    predicted = np.argmax(forward_prop(own_network.params, X)["A2"], axis=0)
    assert predicted[3] == 5 and np.all(np.delete(predicted, 3) == np.delete(np.arange(10), 3))
    assert metric(at, "Accuracy on your ten") == "90%"
    assert metric(at, "Accuracy on the dev set (1,000 MNIST digits)") == f"{own_network.dev_accuracy:.1%}"
    assert "It gets 1 of yours wrong" in texts(at.markdown)
    assert "another distribution" in texts(at.markdown)
    assert not any("read as" in frame.value.columns for frame in at.dataframe)  # built only once opened
    at.session_state["draw_numbers_handwriting"] = True  # the visitor opens "The numbers behind these pictures"
    at.run()
    table = next(frame.value for frame in at.dataframe if "read as" in frame.value.columns)
    assert list(table["read as"]) == list(predicted)

    at.session_state[handwriting.TARGET] = 3  # redo the 3
    at.run()
    assert "Now draw a **3**" in texts(at.markdown)
    keep(at, on_canvas(ten_digits[3]))
    assert metric(at, "Accuracy on your ten") == "100%"
    assert "It reads all ten of yours right" in texts(at.success)


def test_one_step_on_your_ten_changes_your_network_and_can_be_undone(page, ten_digits, own_network):
    at = page
    at.session_state[handwriting.OPEN] = True
    at.session_state[handwriting.MINE] = {d: canvas_to_input(on_canvas(ten_digits[d])) for d in range(10)}
    at.run()
    before = at.session_state[state.MODEL]
    at.slider(key="draw_mine_alpha").set_value(0.5).run()
    at.button(key="draw_mine_step").click().run()
    assert not at.exception
    X = np.hstack([at.session_state[handwriting.MINE][d] for d in range(10)])
    expected = update_params(before.params, backward_prop(before.params, forward_prop(before.params, X), X,
                                                          np.arange(10)), 0.5)
    after = at.session_state[state.MODEL]
    for name, value in expected.items():
        np.testing.assert_allclose(after.params[name], value, rtol=1e-6, atol=1e-7)
    split = state.data_split(before.hp.dev_size)
    dev_after = training.evaluate(after.params, split.X_dev, split.Y_dev)[1]
    assert after.dev_accuracy == dev_after
    assert metric(at, "Dev accuracy before the step") == f"{before.dev_accuracy:.1%}"
    assert metric(at, "Dev accuracy after the step") == f"{dev_after:.1%}"
    assert "Does learning your handwriting cost the others?" in texts(at.markdown)
    at.button(key="draw_mine_step").click().run()  # a second step goes on from the first
    assert "After 2 steps" in texts(at.markdown)
    at.button(key="draw_mine_undo").click().run()
    assert not at.exception
    assert at.session_state[state.MODEL] is before  # exactly the network it was
    assert "Undone" in texts(at.success)
    assert not [b for b in at.button if b.key == "draw_mine_undo"]


def test_a_step_on_the_notebooks_network_changes_only_this_visitors_copy(first_visit, ten_digits):
    shared, _ = servers_notebook_network()
    weights = {name: value.copy() for name, value in shared.params.items()}
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state[handwriting.OPEN] = True
    at.session_state[handwriting.MINE] = {d: canvas_to_input(on_canvas(ten_digits[d])) for d in range(10)}
    at.run()
    assert metric(at, "Accuracy on your ten").endswith("%")
    at.button(key="draw_mine_step").click().run()
    assert not at.exception
    copy = at.session_state[networks.NOTEBOOK_MODEL]
    assert copy.params is not shared.params and not np.array_equal(copy.params["W1"], weights["W1"])
    for name, value in weights.items():  # every other visitor still reads the original
        np.testing.assert_array_equal(servers_notebook_network()[0].params[name], value)
    assert "Your copy of the notebook's network" in texts(at.caption)
    at.button(key="draw_mine_undo").click().run()
    assert networks.NOTEBOOK_MODEL not in at.session_state
    assert "Your copy" not in texts(at.caption)


# ---------------------------------------------------------------------------------------------------------
# Your digits in the class's set
# ---------------------------------------------------------------------------------------------------------


def ink_shape(rgba):
    """(h, w) of the ink's bounding box on a canvas, as the preprocessing crops it."""
    return preprocessing.crop_to_ink(preprocessing.to_grey(rgba)).shape


def black_canvas(side=320):
    canvas = np.zeros((side, side, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    return canvas


def a_dot(diameter=48, side=320):
    """One tap of the fattest pen (48 px): a white disc in the middle of the canvas."""
    canvas = black_canvas(side)
    rows, cols = np.ogrid[:side, :side]
    canvas[(rows - side / 2) ** 2 + (cols - side / 2) ** 2 <= (diameter / 2) ** 2, :3] = 255
    return canvas


def a_tick(side=320):
    """A short stroke of the usual pen (24 px wide, 50 px long, slanting)."""
    canvas = black_canvas(side)
    for row in range(140, 190):
        canvas[row, 150 + (row - 140) // 3:174 + (row - 140) // 3, :3] = 255
    return canvas


def small_but_a_digit(column, height=72, side=320):
    """A digit (784,) drawn small: its 20-pixel box becomes about `height` canvas pixels, in a corner."""
    canvas = black_canvas(side)
    drawn = on_canvas(column, side=round(height * 28 / 20))
    canvas[10:10 + drawn.shape[0], 10:10 + drawn.shape[1]] = drawn
    return canvas


@pytest.fixture
def class_board(tmp_path, monkeypatch):
    """This test's own class board file; its writer is closed afterwards."""
    path = tmp_path / "class_board.sqlite3"
    monkeypatch.setenv("CLASS_BOARD_PATH", str(path))
    yield path
    forget_writer(path, timeout=2)


def test_a_dot_or_a_tick_is_too_small_to_be_a_digit_and_a_small_digit_is_not(ten_digits):
    side = handwriting.CANVAS_SIDE
    for rgba in (a_dot(), a_dot(24), a_tick()):
        assert class_set.too_small(ink_shape(rgba), rgba.shape), ink_shape(rgba)
    for d in (1, 7, 8):
        rgba = small_but_a_digit(ten_digits[d])
        assert max(ink_shape(rgba)) < 0.25 * side  # a quarter of the canvas, or less
        assert not class_set.too_small(ink_shape(rgba), rgba.shape), (d, ink_shape(rgba))


def test_a_near_empty_drawing_is_not_kept_and_so_never_added(page, ten_digits, class_board):
    at = page
    at.session_state[handwriting.OPEN] = True
    at.run()
    keep(at, a_dot())
    assert "Too small to be a digit" in texts(at.warning) and "It is not kept" in texts(at.warning)
    assert at.session_state[handwriting.MINE] == {}
    assert at.button(key="draw_class_add").disabled  # nothing kept: nothing to add
    keep(at, small_but_a_digit(ten_digits[0]))
    assert not at.warning and list(at.session_state[handwriting.MINE]) == [0]
    assert not at.button(key="draw_class_add").disabled
    assert at.button(key="draw_class_add").label == "➕ Add my 1 digit to the class's set"


def test_adding_my_digits_to_the_class_set_and_taking_them_back(page, ten_digits, class_board):
    at = page
    at.session_state[handwriting.OPEN] = True
    at.run()
    assert at.button(key="draw_class_take_back").disabled  # none of mine in the set yet
    for d in range(3):
        keep(at, on_canvas(ten_digits[d]))
    assert "Never your drawing's image" in texts(at.caption)
    at.button(key="draw_class_add").click().run()
    assert not at.exception
    assert "Added: your 3 digits are in the class's set" in texts(at.success)
    assert "Yours in the class's set now: 3 digits" in texts(at.caption)
    board = board_store.Board(class_board)
    X, Y = board.class_digits()
    assert list(Y) == [0, 1, 2]  # the labels confirmed with Keep, and nothing else
    mine = at.session_state[handwriting.MINE]
    np.testing.assert_allclose(X, np.hstack([mine[d] for d in range(3)]), atol=0.5 / 255)  # kept as 0..255
    assert {row["who"] for row in board.class_digits_table()} == {"student 1"}

    at.button(key="draw_class_add").click().run()  # the same drawings again: nothing new
    assert "Nothing new: your 3 digits were in the class's set already" in texts(at.success)
    assert board.class_digits()[1].size == 3
    keep(at, on_canvas(ten_digits[8]))  # the page asks for the 3 next; keeping it as a 3 confirms that label
    at.session_state[handwriting.TARGET] = 1  # and a new drawing of the 1
    at.run()
    keep(at, on_canvas(ten_digits[1]))
    at.button(key="draw_class_add").click().run()
    assert "2 digits added. The other 2 were in the class's set already" in texts(at.success)
    assert sorted(board.class_digits()[1]) == [0, 1, 1, 2, 3]

    at.button(key="draw_class_take_back").click().run()
    assert not at.exception
    assert "Taken back" in texts(at.success) and "Yours in the class's set now: 0 digits" in texts(at.caption)
    assert board.class_digits()[1].size == 0
    assert at.button(key="draw_class_take_back").disabled


# ---------------------------------------------------------------------------------------------------------
# Why a shifted digit fools it
# ---------------------------------------------------------------------------------------------------------


def centres(at):
    """(row, column) of the ink's centre of mass as drawn and moved, as the page writes them."""
    found = re.search(r"from row ([\d.]+), column ([\d.]+) to row ([\d.]+), column ([\d.]+)", texts(at.markdown))
    return tuple(map(float, found.groups()))


def test_moving_the_drawing_changes_the_784_numbers_and_the_answer(page, sure_digits, own_network, sample_split):
    column, label = sure_digits[0]
    at = draw(page, on_canvas(column))
    at.session_state[shifted.OPEN] = True
    at.run()
    assert not at.exception
    assert metric(at, "Reads, as drawn") == metric(at, "Reads, moved") == str(label)
    assert "**0 of the 784 numbers changed**" in texts(at.markdown)
    x = canvas_to_input(on_canvas(column))
    params = own_network.params
    at.slider(key="draw_move_right").set_value(3).run()
    row, col, row_moved, col_moved = centres(at)
    assert (row_moved - row, col_moved - col) == pytest.approx((0, 3), abs=0.11)  # moved by 3 pixels, right
    moved = preprocessing.shift(x, 3, 0)
    assert metric(at, "Reads, moved") == str(int(np.argmax(forward_prop(params, moved)["A2"])))
    at.slider(key="draw_move_down").set_value(-2).run()
    row, col, row_moved, col_moved = centres(at)
    assert (row_moved - row, col_moved - col) == pytest.approx((-2, 3), abs=0.11)
    at.slider(key="draw_turn").set_value(15)
    at.select_slider(key="draw_thickness").set_value(1).run()
    assert not at.exception
    moved = preprocessing.move_digit(x, 3, -2, 15, 1)
    assert metric(at, "Reads, moved") == str(int(np.argmax(forward_prop(params, moved)["A2"])))
    assert f"ink {x.sum():.0f} → {moved.sum():.0f}" in texts(at.markdown)

    spec = chart_spec(at, "average of the four")
    average = numbers(next(trace["y"] for trace in spec["data"] if trace["name"] == "average of the four"))
    expected = shifted_accuracy(params, sample_split.X_dev, sample_split.Y_dev).mean(axis=1)
    np.testing.assert_allclose(average, expected)
    assert np.all(np.diff(average) < 0.01) and average[0] - average[6] > 0.4, average  # it falls with the shift

    at.button(key="draw_moved_reset").click().run()
    assert at.slider(key="draw_move_right").value == 0 and at.select_slider(key="draw_thickness").value == 0
    assert "**0 of the 784 numbers changed**" in texts(at.markdown)


def test_the_shifted_accuracy_is_computed_once_per_network(own_network, sample_split):
    params = own_network.params
    same = {name: value.copy() for name, value in params.items()}
    assert shifted.network_fingerprint(same) == shifted.network_fingerprint(params)
    stepped = dict(params, b2=params["b2"] + np.float32(1e-3))
    assert shifted.network_fingerprint(stepped) != shifted.network_fingerprint(params)
