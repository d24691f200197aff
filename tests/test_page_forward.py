"""The forward-pass page, driven through Streamlit's AppTest: every way of choosing a digit, the hidden-unit
select, untrained / trained / deeper networks, and the numbers the page checks for itself."""

import base64
import json
import re
from pathlib import Path

import network_svg
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from nn_core import Hyperparams, train
from nn_core.training import new_network

PAGE = str(Path(__file__).resolve().parents[1] / "views" / "forward" / "page.py")


@pytest.fixture(autouse=True)
def bundled_sample(monkeypatch):
    """The page reads the bundled sample (quick to load); it works on full MNIST too, only slower."""
    monkeypatch.delenv("MNIST_PATH", raising=False)


@pytest.fixture(scope="module")
def trained_model(sample_split):
    """A 784-10-10 network trained for a few full-batch steps on 2,000 digits, as the Training page stores it."""
    hp = Hyperparams(iterations=8, alpha=0.5, init="he")
    X, Y = sample_split.X_train[:, :2000], sample_split.Y_train[:2000]
    steps = list(train(new_network(hp), X, Y, hp))  # [(params, StepRecord), ...], one per gradient step
    params = steps[-1][0]
    return state.Model(params, hp, [record for _, record in steps], dev_accuracy=0.6)


ROWS_TAB, LINEAR_TAB = "🖼️ What each hidden unit looks for", "📏 Why non-linearity?"


def run_page(**state):
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def chart(at, key):
    """The plotly figure (as a dict) of the chart with this key."""
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith("-" + key):
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart with key {key}")


def values(array):
    """A plotly array from a figure's JSON: a plain list, or NumPy data as {"dtype", "bdata" (base64), "shape"}."""
    if not isinstance(array, dict):
        return np.asarray(array)
    flat = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    shape = array.get("shape")
    return flat.reshape([int(n) for n in str(shape).split(",")]) if shape else flat


def svg_of(image):
    """The SVG text of a picture the page drew with st.image."""
    return base64.b64decode(image.value[0].split(",", 1)[1]).decode()


def bar_values(at, alt_start):
    """The heights of the bars of the picture (pictures.bar_picture) whose alt text starts with alt_start."""
    image = next(image for image in at.image if image.proto.imgs[0].alt.startswith(alt_start))
    return [float(bar.get("data-value")) for bar in network_svg.bars(svg_of(image))]


def metric(at, label_start):
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def shown_column(at):
    """The dev-set column the page says it is showing."""
    text = " ".join(m.value for m in at.markdown)
    return int(re.search(r"column (\d+) of the dev set", text).group(1))


def raster(image):
    """The pixels (greys) of a picture the page drew with pictures.matrix_picture, from the PNG inside its SVG."""
    import io

    from PIL import Image

    svg = svg_of(image)
    png = re.search(r'href="data:image/png;base64,([^"]+)"', svg).group(1)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(png))).convert("L")).astype(float)


def all_text(at):
    parts = [e.value for kind in ("header", "markdown", "caption", "info", "success", "warning", "error", "latex")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_untrained_network_runs_and_says_its_answer_is_a_guess(data_dir):
    at = run_page()
    warnings = " ".join(w.value for w in at.warning)
    assert "untrained" in warnings and "guess" in warnings
    assert "Training" in warnings
    assert len(at.radio(key="forward_choice").options) == 3  # no drawing yet: index, random, class
    text = all_text(at)
    for heading in ("W1, shape (10, 784)", "b1, shape (10, 1)", "Z1 = W1 · A0 + b1, shape (10, 1)",
                    "A1 = ReLU(Z1), shape (10, 1)", "W2, shape (10, 10)", "b2, shape (10, 1)", "Z2, shape (10, 1)",
                    "A2 = softmax(Z2), shape (10, 1)", "X, shape (784, 1)"):
        assert heading in text, heading
    assert re.search(r"ReLU switched off (\d+ of 10 units|\*\*no unit)", text)
    assert shown_column(at) == 0
    from nn_core.data import split_dev
    from nn_core.mnist_files import load_sample
    from nn_core.network import forward_prop, get_predictions

    split = split_dev(load_sample(data_dir / "mnist_sample.npz"), dev_size=1000, seed=0)  # as the page splits
    dev = split.X_dev
    untrained = new_network(Hyperparams())  # the page's network when the visitor has none: seeded, so the same
    right = np.mean(get_predictions(forward_prop(untrained, dev)["A2"]) == split.Y_dev)  # 17.3%: chance, by luck
    assert f"(it gets {right:.1%} of the dev set right, where guessing gives 10%)" in warnings
    for column in (0, 7, 42):
        at.number_input(key="forward_index").set_value(column).run()
        A2 = forward_prop(untrained, dev[:, column:column + 1])["A2"]
        assert metric(at, "The network's answer") == str(int(np.argmax(A2)))
        assert metric(at, "Its probability") == f"{A2.max():.1%}"
    # the plug-in formula checks its own sum against forward_prop's Z1[j]
    assert any("✓ The 784 products add up to" in s.value for s in at.success)
    assert "A1 = ReLU(Z1)" in text


def test_trained_network_is_named_and_not_called_a_guess(trained_model):
    at = run_page(**{state.MODEL: trained_model})
    assert any("Your network:" in s.value and "steps" in s.value for s in at.success)
    assert not any("untrained" in w.value for w in at.warning)
    probabilities = bar_values(at, "The ten probabilities")
    assert len(probabilities) == 10 and abs(sum(probabilities) - 1) < 1e-4
    answer = int(metric(at, "The network's answer"))
    assert max(range(10), key=lambda k: probabilities[k]) == answer


def test_choosing_by_index_follows_that_column():
    at = run_page()
    at.number_input(key="forward_index").set_value(7).run()
    assert not at.exception
    assert shown_column(at) == 7
    assert "column 7 of the dev set (label **" + metric(at, "The label") + "**)" in all_text(at)


def test_random_button_picks_new_columns():
    at = run_page()
    at.radio(key="forward_choice").set_value("random").run()
    picks = {shown_column(at)}
    for _ in range(3):
        at.button(key="forward_random").click().run()
        assert not at.exception
        picks.add(shown_column(at))
    assert len(picks) >= 2 and all(0 <= i < 1000 for i in picks)


def test_choosing_a_digit_class_shows_digits_with_that_label():
    at = run_page()
    at.radio(key="forward_choice").set_value("class").run()
    at.selectbox(key="forward_class").set_value(3).run()
    first = shown_column(at)
    assert metric(at, "The label") == "3"
    at.number_input(key="forward_class_nth").set_value(2).run()
    assert not at.exception
    assert metric(at, "The label") == "3" and shown_column(at) != first


def test_hidden_unit_select_plugs_in_that_units_numbers():
    at = run_page()
    at.selectbox(key="forward_unit").set_value(4).run()
    assert not at.exception
    assert any(r"z_{4} = \sum" in e.value for e in at.latex)
    check = next(s.value for s in at.success if "784 products" in s.value)
    total, from_cache = re.findall(r"\*\*(-?\d+\.\d+)\*\*", check)
    assert "Z1[4]" in check and total == from_cache
    pictures = [image.captions[0] for image in at.image]
    assert any(c.startswith("weight:") for c in pictures) and any(c.startswith("term:") for c in pictures)


def test_arriving_from_the_draw_page_shows_the_drawing(sample_split):
    drawn = sample_split.X_dev[:, 11:12].copy()  # (784, 1) float32, like the Draw page stores
    at = run_page(**{state.DRAWN: drawn, "forward_source": "drawn"})
    assert at.radio(key="forward_choice").value == "drawn"
    assert "your drawing" in all_text(at)
    assert not any(m.label == "The label" for m in at.metric)  # a drawing has no label
    picture = next(image for image in at.image if "the digit as a picture" in image.proto.imgs[0].alt)
    assert np.array_equal(raster(picture), np.rint(drawn.reshape(28, 28) * 255))  # the drawing's own pixels
    # the request is honoured once; afterwards the visitor can pick something else
    at.radio(key="forward_choice").set_value("index").run()
    assert not at.exception and shown_column(at) == 0


def test_a_drawing_is_offered_but_not_forced_without_the_draw_pages_request(sample_split):
    at = run_page(**{state.DRAWN: sample_split.X_dev[:, :1].copy()})
    assert "✏️ The last digit you drew" in at.radio(key="forward_choice").options
    assert at.radio(key="forward_choice").value == "index"


def test_a_drawing_of_the_wrong_shape_is_reported_not_crashed_on():
    at = run_page(**{state.DRAWN: np.zeros((28, 28), np.float32), "forward_source": "drawn"})
    assert any("(28, 28)" in e.value for e in at.error)
    assert at.radio(key="forward_choice").value == "index"


def test_two_hidden_layers_of_32_and_16_units():
    hp = Hyperparams(hidden_sizes=(32, 16), init="he")
    at = run_page(**{state.MODEL: state.Model(new_network(hp), hp)})
    text = all_text(at)
    for heading in ("W1, shape (32, 784)", "hidden layer 2", "W2, shape (16, 32)", "A2 = ReLU(Z2), shape (16, 1)",
                    "output layer 3", "W3, shape (10, 16)", "A3 = softmax(Z3), shape (10, 1)"):
        assert heading in text, heading
    at.selectbox(key="forward_unit").set_value(31).run()
    assert not at.exception and any("Z1[31]" in s.value for s in at.success)
    def rows_pictures():
        return [image for image in at.image if "pictures of 28 x 28 numbers (weight)" in image.proto.imgs[0].alt]

    assert not rows_pictures()  # only the open tab is built
    at.session_state["forward_layer1_tab"] = ROWS_TAB
    at.run()
    # 32 units: the 20 most active are drawn as images
    assert rows_pictures()[0].proto.imgs[0].alt.startswith("20 pictures of 28 x 28 numbers (weight)")


def test_linear_collapse_differs_only_by_rounding(trained_model):
    at = run_page(**{state.MODEL: trained_model, "forward_hood_open": True, "forward_hood_tab": LINEAR_TAB})
    gap = float(metric(at, "Largest difference: the 2 layers without activation"))
    assert gap < 1e-4
    assert float(metric(at, "Largest difference: the real network")) > 1e-3  # ReLU breaks the shortcut


def test_linear_network_collapses_too_and_is_explained():
    hp = Hyperparams(hidden_sizes=(12,), activation="linear", init="he")
    at = run_page(**{state.MODEL: state.Model(new_network(hp), hp), "forward_hood_open": True,
                     "forward_hood_tab": LINEAR_TAB})
    assert float(metric(at, "Largest difference")) < 1e-4
    assert any("no unit is switched off" in i.value for i in at.info)


def test_under_the_hood_is_built_when_opened_and_its_derivative_toggle_and_softmax_overflow_demo_work():
    at = run_page()
    assert not any(c.proto.id.endswith("forward_activations") for c in at.get("plotly_chart"))  # folded
    at.session_state["forward_hood_open"] = True  # the visitor opens "Under the hood"
    at.run()
    assert len(chart(at, "forward_activations")["data"]) == 3
    at.toggle(key="forward_derivs").set_value(True).run()
    assert not at.exception
    assert len(chart(at, "forward_activations")["data"]) == 6
    at.session_state["forward_hood_tab"] = "🧮 Softmax step by step"
    at.run()
    overflow = next(df.value for df in at.dataframe if "softmax_notebook: no shift" in df.value.columns)
    assert (overflow["softmax_notebook: no shift"] == "nan").all()
    assert abs(overflow["softmax: max-shift"].sum() - 1) < 1e-4


def uploaded(n):
    """The first n digits of the bundled sample, as if the visitor had uploaded them as a CSV."""
    from nn_core.data import DigitSet
    from nn_core.mnist_files import load_sample

    sample = load_sample(Path(PAGE).parents[2] / "data" / "mnist_sample.npz")
    return DigitSet(sample.images[:n], sample.labels[:n], None, None, "uploaded CSV", f"{n} uploaded digits")


def test_small_uploaded_data_gets_a_smaller_dev_set_with_a_warning():
    at = run_page(**{state.SOURCE: "uploaded CSV", state.UPLOADED: uploaded(60)})
    assert any("dev set of 6 instead" in w.value for w in at.warning)
    at.number_input(key="forward_index").set_value(5).run()
    assert not at.exception and shown_column(at) == 5


def test_too_little_data_is_an_error_but_a_drawing_still_goes_through(sample_split):
    at = run_page(**{state.SOURCE: "uploaded CSV", state.UPLOADED: uploaded(5)})
    assert any("no digits to show" in e.value for e in at.error)
    drawn = sample_split.X_dev[:, :1].copy()
    at = run_page(**{state.SOURCE: "uploaded CSV", state.UPLOADED: uploaded(5), state.DRAWN: drawn})
    assert any("dev set cannot be made" in e.value for e in at.error)
    assert at.radio(key="forward_choice").value == "drawn"
    assert any(m.label == "The network's answer" for m in at.metric)


def picture(at, key="forward_picture"):
    """The SVG text of the network picture (widgets.svg_picture) with this key."""
    element = next(e for e in at.get("bidi_component") if e.proto.id.endswith("-" + key))
    return json.loads(element.proto.json)["svg"]


def picture_nodes(at, name):
    """The nodes of the network picture's layer `name` ("A1", "A2", ...): (unit or digit, value) rows."""
    return network_svg.nodes(picture(at), name)


def dev_digit(column=0):
    """Dev-set column `column` as the page splits the bundled sample, (784, 1), and its label."""
    from nn_core.data import split_dev
    from nn_core.mnist_files import load_sample

    split = split_dev(load_sample(Path(PAGE).parents[2] / "data" / "mnist_sample.npz"), dev_size=1000, seed=0)
    return split.X_dev[:, column:column + 1], int(split.Y_dev[column])


def test_the_network_picture_is_drawn_from_the_visitors_weights_and_the_chosen_digit(trained_model):
    from nn_core.network import forward_prop

    at = run_page(**{state.MODEL: trained_model})
    at.number_input(key="forward_index").set_value(7).run()
    X, label = dev_digit(7)
    cache = forward_prop(trained_model.params, X)
    nodes = picture_nodes(at, "A1")
    np.testing.assert_array_equal(nodes[:, 0], np.arange(10))
    np.testing.assert_allclose(nodes[:, 1], cache["A1"][:, 0], rtol=1e-5)  # each node's strength is its A1
    np.testing.assert_allclose(picture_nodes(at, "A2")[:, 1], cache["A2"][:, 0], rtol=1e-5)
    svg = picture(at)
    for j, rgb in network_svg.weight_pictures(svg):  # every hidden unit is drawn as its own row of W1
        assert network_svg.follows_the_signs(rgb, trained_model.params["W1"][j].reshape(28, 28))
    answer = int(np.argmax(cache["A2"]))
    strong = network_svg.edges(svg)
    assert len(strong) == int((cache["A1"] > 0).sum())  # one edge into the answer from every unit that is on
    for _, k, j, c, _ in strong:
        assert k == answer
        assert np.isclose(c, trained_model.params["W2"][answer, j] * cache["A1"][j, 0], rtol=1e-5)
    assert not any("Not every unit is drawn" in i.value for i in at.info)
    assert f"the answer {answer} ★" in all_text(at)


def test_opening_a_hidden_unit_in_the_picture_shows_its_sum_and_opening_an_output_its_softmax(trained_model):
    at = run_page(**{state.MODEL: trained_model})
    assert not any("number by number" in s.value for s in at.subheader)  # nothing open at first
    at.pills(key="forward_pick_1").set_value(4).run()
    assert not at.exception
    assert any(s.value == "Hidden unit 4 of layer 1, number by number" for s in at.subheader)
    check = next(s.value for s in at.success if "784 products" in s.value and "Z1[4]" in s.value)
    total, from_cache = re.findall(r"\*\*(-?\d+\.\d+)\*\*", check)
    assert total == from_cache
    assert any(image.captions[0].startswith("term:") for image in at.image)  # the unit's three pictures
    assert network_svg.ring(picture(at)) == network_svg.centre(picture(at), "1:4")
    assert at.session_state["forward_unit_kept"] == 4  # Step 1's "one hidden unit" follows the picture

    at.pills(key="forward_pick_out").set_value(3).run()
    assert not at.exception
    assert at.pills(key="forward_pick_1").value is None  # one node open at a time
    assert any(s.value.startswith("Output 3: its score Z2[3]") for s in at.subheader)
    assert any("Z2[3] is" in s.value for s in at.success)  # the edges and the bias add up to forward_prop's score
    steps = next(df.value for df in at.dataframe if "÷ sum = probability" in df.value.columns)
    assert abs(steps["÷ sum = probability"].sum() - 1) < 1e-4
    assert chart(at, "forward_picture_softmax")["data"][0]["type"] == "bar"


def test_the_picture_of_two_hidden_layers_and_of_a_wide_layer_draws_the_strongest_units_with_a_note():
    from nn_core.network import forward_prop

    hp = Hyperparams(hidden_sizes=(32, 16), init="he")
    model = state.Model(new_network(hp), hp)
    at = run_page(**{state.MODEL: model})
    cache = forward_prop(model.params, dev_digit(0)[0])
    note = next(i.value for i in at.info if "Not every unit is drawn" in i.value)
    assert "layer 1 has 32 units" in note and "layer 2 has 16 units" in note
    for l in (1, 2):
        nodes = picture_nodes(at, f"A{l}")
        A = cache[f"A{l}"][:, 0]
        assert len(nodes) == 10 and A[nodes[:, 0].astype(int)].min() >= np.delete(A, nodes[:, 0].astype(int)).max()
        np.testing.assert_allclose(nodes[:, 1], A[nodes[:, 0].astype(int)], rtol=1e-5)
    np.testing.assert_allclose(picture_nodes(at, "A3")[:, 1], cache["A3"][:, 0], rtol=1e-5)
    unit = int(picture_nodes(at, "A2")[0, 0])
    at.pills(key="forward_pick_2").set_value(unit).run()
    assert not at.exception
    assert any(s.value == f"Hidden unit {unit} of layer 2, edge by edge" for s in at.subheader)
    assert any(f"Z2[{unit}] is" in s.value for s in at.success)

    hp = Hyperparams(hidden_sizes=(64,), init="he")
    at = run_page(**{state.MODEL: state.Model(new_network(hp), hp)})
    assert any("layer 1 has 64 units: the 10 strongest" in i.value for i in at.info)
    assert len(picture_nodes(at, "A1")) == 10 and len(at.pills(key="forward_pick_1").options) == 10


def test_in_presenter_mode_the_picture_comes_first():
    at = run_page(**{state.PRESENTER: True})
    order = [e.proto.id if e.type == "bidi_component" else e.type
             for e in at.main if e.type in ("header", "bidi_component")]
    first_picture = next(i for i, kind in enumerate(order) if kind != "header")
    assert order[first_picture].endswith("-forward_picture")
    assert "header" not in order[:first_picture]  # before "The network" and "Choose a digit"
    # Shorter, to fit a projector's first screen, and in fewer units, so its text is drawn larger.
    assert 'viewBox="0 0 622 274"' in picture(at)
    assert 'viewBox="0 0 840 580"' in picture(run_page())


def test_a_click_in_the_picture_opens_that_node_as_its_control_would():
    from views.forward.picture import OUTPUT_PICK, pick_key, picture_click

    assert picture_click("1:4", 2) == (pick_key(1), 4)
    assert picture_click("out:3", 2) == (OUTPUT_PICK, 3)
    assert picture_click("2:5", 3) == (pick_key(2), 5)
    for mark in (None, "", "2:5", "0:1", "out:", "1:x", "nonsense"):  # L = 2: no hidden layer 2
        assert picture_click(mark, 2) is None

    at = run_page(forward_picture={"clicked": "out:3"})  # the picture's state on the run a click starts
    assert at.pills(key="forward_pick_out").value == 3
    assert any(s.value.startswith("Output 3: its score Z2[3]") for s in at.subheader)


def test_the_linear_exercise_says_which_of_the_visitors_own_runs_won(data_dir):
    """"Which scored higher, linear or ReLU?": once the visitor has trained both (short runs, same settings but the
    activation), the exercise names both dev accuracies from their run history and says which won, and why."""
    from visitors import Visitor

    visitor = Visitor("forward")
    exercise = next(m.value for m in visitor.at.markdown if "Take the activation away" in m.value)
    assert "Guess before you train." in exercise and "stays below" not in exercise
    visitor.open("training")
    visitor.at.select_slider(key="tr_iterations").set_value(20)
    for activation in ("relu", "linear"):
        visitor.at.selectbox(key="tr_activation").set_value(activation)
        visitor.run()
        visitor.click("tr_train")
        run = visitor.state["training_run"]
        run.worker.join(120)
        visitor.run()
        assert run.status == "finished" and run.hp.activation == activation
    history = visitor.state[state.RUN_HISTORY]
    relu, linear = (row["dev accuracy"] for row in history.values())
    visitor.open("forward")
    exercise = next(m.value for m in visitor.at.markdown if "Take the activation away" in m.value)
    assert f"linear **{linear:.1%}**, ReLU **{relu:.1%}** on the dev set" in exercise
    assert "784-10-10, full-batch, α 0.1, 20 steps" in exercise
    if linear >= relu:
        assert "One matrix did as well or better" in exercise
    else:
        assert "ReLU won" in exercise


def tiles(image):
    """The 28 x 28 RGB tiles of a units picture (pictures.units_picture), in order; the colour bar left out."""
    import io

    from PIL import Image

    pngs = re.findall(r'<image x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="([\d.]+)" style="image-rendering:'
                      r'pixelated" href="data:image/png;base64,([^"]+)"', svg_of(image))
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(png))).convert("RGB")) for _, _, png in pngs]


def test_the_rows_tab_shows_what_training_changed_and_says_which_it_shows(data_dir, sample_split):
    """After a run of the Training page the tab shows W1 − W1 at step 0 (the run's own start), and says so: the
    pictures are exactly those differences, and pixels no training digit inks stay 0 (white), as its caption says.
    W1 itself is one click away, with how large the start is beside the change."""
    from visitors import Visitor

    from dashboard.pictures import image_of, rdbu_rgb, symmetric

    visitor = Visitor("training")
    visitor.at.select_slider(key="tr_iterations").set_value(20)
    visitor.run()
    visitor.click("tr_train")
    run = visitor.state["training_run"]
    run.worker.join(120)
    visitor.run()
    visitor.open("forward")
    visitor.state["forward_layer1_tab"] = ROWS_TAB
    at = visitor.run()
    assert at.radio(key="forward_rows_view").value == "change"
    model = visitor.state[state.MODEL]
    start, W1 = run.start_params["W1"], model.params["W1"]
    np.testing.assert_array_equal(start, new_network(run.hp)["W1"])  # the run's step 0
    change = W1 - start
    picture = next(image for image in at.image if "(change), for units" in image.proto.imgs[0].alt)
    drawn = tiles(picture)
    assert len(drawn) == 10
    for unit, tile in enumerate(drawn):
        np.testing.assert_array_equal(tile, rdbu_rgb(image_of(change[unit]), symmetric(change)))
    never_inked = ~np.any(sample_split.X_train > 0, axis=1)  # pixels no training digit inks (the app's split)
    assert never_inked[0] and np.all(change[:, never_inked] == 0)  # the corner among them: white in every tile
    caption = next(c.value for c in at.caption if "What training added to the random start" in c.value)
    rms = float(np.sqrt(np.mean(np.square(change))))
    assert f"moved the weights by {rms:.3f}" in caption and "stay exactly 0" in caption

    at.radio(key="forward_rows_view").set_value("weights")
    at = visitor.run()
    picture = next(image for image in at.image if "(weight), for units" in image.proto.imgs[0].alt)
    np.testing.assert_array_equal(tiles(picture)[3], rdbu_rgb(image_of(W1[3]), symmetric(W1)))
    caption = next(c.value for c in at.caption if "W1 as it is: the random start plus" in c.value)
    before = float(np.sqrt(np.mean(np.square(start))))
    assert f"The start is {before / rms:.0f} times the change" in caption  # 20 steps: W1 is still mostly its start


def test_the_rows_tab_of_an_untrained_or_unknown_start_shows_w1_and_says_why(trained_model):
    at = run_page(forward_layer1_tab=ROWS_TAB)
    assert at.radio(key="forward_rows_view").options == ["W1 as it is now"]
    assert any("An untrained network's rows are its random start: noise" in c.value for c in at.caption)
    at = run_page(**{state.MODEL: trained_model, "forward_layer1_tab": ROWS_TAB})
    assert at.radio(key="forward_rows_view").options == ["W1 as it is now"]
    assert any("this network's start is not known here" in c.value for c in at.caption)
