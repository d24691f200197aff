"""The Home page, driven through Streamlit's AppTest: the network as a picture on a real digit (the visitor's
network when they have one, the lesson's untrained one otherwise) beside the structure diagram."""

from pathlib import Path

import network_svg
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_page_forward import picture

from dashboard import state
from nn_core import Hyperparams
from nn_core.network import forward_prop
from nn_core.training import NOTEBOOK, new_network

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def bundled_sample(monkeypatch):
    monkeypatch.delenv("MNIST_PATH", raising=False)


def run_home(**state_values):
    at = AppTest.from_file(str(ROOT / "views" / "home" / "page.py"), default_timeout=120)
    for key, value in state_values.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def first_dev_digit():
    from nn_core.data import split_dev
    from nn_core.mnist_files import load_sample

    split = split_dev(load_sample(ROOT / "data" / "mnist_sample.npz"), dev_size=1000, seed=0)
    return split.X_dev[:, :1], int(split.Y_dev[0])


def nodes(at, name):
    return network_svg.nodes(picture(at, "home_picture"), name)


def test_without_a_network_home_pictures_the_lessons_untrained_network_beside_the_structure():
    at = run_home()
    assert [tab.label[:2] for tab in at.tabs] == ["🖼️", "🕸️"]
    assert [e.type for e in at.tabs[1].children.values()][0] == "image"  # the diagram of every connection
    X, label = first_dev_digit()
    cache = forward_prop(new_network(NOTEBOOK), X)
    np.testing.assert_allclose(nodes(at, "A1")[:, 1], cache["A1"][:, 0], rtol=1e-5)
    caption = next(c.value for c in at.caption if "reading the dev set's first digit" in c.value)
    assert "as it starts" in caption and f"(a {label} ✓)" in caption


def test_with_a_network_home_pictures_the_visitors_own_weights():
    hp = Hyperparams(hidden_sizes=(64,), init="he", seed=5)
    model = state.Model(new_network(hp), hp)
    at = run_home(**{state.MODEL: model})
    X, _ = first_dev_digit()
    cache = forward_prop(model.params, X)
    drawn = nodes(at, "A1")
    assert len(drawn) == 10  # a 64-unit layer: its 10 strongest units, said in the caption
    np.testing.assert_allclose(drawn[:, 1], cache["A1"][drawn[:, 0].astype(int), 0], rtol=1e-5)
    np.testing.assert_allclose(nodes(at, "A2")[:, 1], cache["A2"][:, 0], rtol=1e-5)
    unit, rgb = network_svg.weight_pictures(picture(at, "home_picture"))[0]
    assert unit == int(drawn[0, 0])
    assert network_svg.follows_the_signs(rgb, model.params["W1"][unit].reshape(28, 28))
    caption = next(c.value for c in at.caption if "reading the dev set's first digit" in c.value)
    assert "Your network" in caption and "10 strongest of 64 units" in caption
    assert at.button(key="home_forward").label.startswith("➡️")
