"""The forward-pass page, driven through Streamlit's AppTest: every way of choosing a digit, the hidden-unit
select, untrained / trained / deeper networks, and the numbers the page checks for itself."""

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from nn_core import Hyperparams, train
from nn_core.training import new_network

PAGE = str(Path(__file__).resolve().parents[1] / "views" / "forward.py")


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


def metric(at, label_start):
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def shown_column(at):
    """The dev-set column the page says it is showing."""
    text = " ".join(m.value for m in at.markdown)
    return int(re.search(r"column (\d+) of the dev set", text).group(1))


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
    from nn_core.network import forward_prop

    dev = split_dev(load_sample(data_dir / "mnist_sample.npz"), dev_size=1000, seed=0).X_dev  # as the page splits
    untrained = new_network(Hyperparams())  # the page's network when the visitor has none: seeded, so the same
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
    probabilities = values(chart(at, "forward_A_out")["data"][0]["y"])
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
    assert chart(at, "forward_unit_terms")["data"][0]["type"] == "heatmap"


def test_arriving_from_the_draw_page_shows_the_drawing(sample_split):
    drawn = sample_split.X_dev[:, 11:12].copy()  # (784, 1) float32, like the Draw page stores
    at = run_page(**{state.DRAWN: drawn, "forward_source": "drawn"})
    assert at.radio(key="forward_choice").value == "drawn"
    assert "your drawing" in all_text(at)
    assert not any(m.label == "The label" for m in at.metric)  # a drawing has no label
    image = values(chart(at, "forward_image")["data"][0]["z"])
    assert np.allclose(image, drawn.reshape(28, 28))
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
    assert not any(c.proto.id.endswith("-forward_W1_rows") for c in at.get("plotly_chart"))  # only the open tab
    at.session_state["forward_layer1_tab"] = ROWS_TAB
    at.run()
    # 32 units: the 20 most active are drawn as images
    assert len(chart(at, "forward_W1_rows")["data"]) == 20


def test_linear_collapse_differs_only_by_rounding(trained_model):
    at = run_page(**{state.MODEL: trained_model, "forward_hood_tab": LINEAR_TAB})
    gap = float(metric(at, "Largest difference: the 2 layers without activation"))
    assert gap < 1e-4
    assert float(metric(at, "Largest difference: the real network")) > 1e-3  # ReLU breaks the shortcut


def test_linear_network_collapses_too_and_is_explained():
    hp = Hyperparams(hidden_sizes=(12,), activation="linear", init="he")
    at = run_page(**{state.MODEL: state.Model(new_network(hp), hp), "forward_hood_tab": LINEAR_TAB})
    assert float(metric(at, "Largest difference")) < 1e-4
    assert any("no unit is switched off" in i.value for i in at.info)


def test_derivative_toggle_and_softmax_overflow_demo():
    at = run_page()
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

    sample = load_sample(Path(PAGE).parents[1] / "data" / "mnist_sample.npz")
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
