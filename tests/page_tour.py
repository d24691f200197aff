"""A tour of every page in AppTest, in the states that show all of its controls and charts: with a trained
network, with a digit drawn, with runs finished, with each tab of the Training page open. The help test and
the accessibility test read what the tour saw; it runs once per test session (about half a minute).

Each view records the page's widgets (type, key, label, help), its plotly figures (key, figure as JSON), the
captions of its images, and its sections: the charts and the tables under each title, header or subheader.
"""

import base64
import functools
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Dataframe, Header, Subheader, Table, Title, Widget

from dashboard import state, widgets
from nn_core import Hyperparams, train
from nn_core.data import split_dev
from nn_core.mnist_files import load_sample
from nn_core.training import new_network
from views.draw import handwriting, shifted

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120
FORWARD_TABS = {
    "forward_layer1_tab": ["🔍 One hidden unit, number by number", "🖼️ What each hidden unit looks for",
                           "🔢 The numbers"],
    "forward_hood_tab": ["📈 Activation functions", "🧮 Softmax step by step", "📏 Why non-linearity?"],
}
TRAINING_TABS = ["🔁 Backpropagation step by step", "🩺 Gradient check", "🐞 The notebook's bugs",
                 "🧠 What the network learned", "💾 Save / load"]
# The pages the tour visits, known without running it: tests are parametrized by these names when they are
# collected, and the tour itself runs only when a test asks for it (tour()).
PAGES = ("class_page", "data", "draw", "experiments", "forward", "home", "training")


@dataclass
class View:
    """What one page showed in one state."""

    page: str
    state: str
    widgets: list = field(default_factory=list)  # (type, key, label, help)
    charts: list = field(default_factory=list)  # (key, figure dict)
    images: list = field(default_factory=list)  # the captions of each st.image call
    sections: list = field(default_factory=list)  # (heading, chart keys, tables as DataFrames)

    @property
    def name(self):
        return f"{self.page} ({self.state})"


def walk(node):
    """Every element under node, in the order of the page."""
    yield node
    if isinstance(node, Block):
        for index in sorted(node.children):
            yield from walk(node.children[index])


def chart_key(element):
    return element.proto.id.split("-", 2)[-1]  # "$$ID-<hash>-<key>": the key may hold dashes itself


def look(at, page, state):
    """A View of the page as AppTest last ran it (failing loudly if the page raised)."""
    assert not at.exception, f"{page} ({state}): {at.exception}"
    view = View(page, state)
    heading, charts, tables = "(top of the page)", [], []
    for node in walk(at._tree):
        if isinstance(node, (Title, Header, Subheader)):
            view.sections.append((heading, charts, tables))
            heading, charts, tables = node.value, [], []
        elif isinstance(node, Widget):
            proto = node.proto
            view.widgets.append((node.type, node.key, getattr(proto, "label", ""), getattr(proto, "help", "")))
        elif getattr(node, "type", None) == "plotly_chart":
            view.charts.append((chart_key(node), json.loads(node.proto.spec)))
            charts.append(chart_key(node))
        elif isinstance(node, (Dataframe, Table)):
            tables.append(node.value)
        elif getattr(node, "type", None) == "image":
            view.images.append(list(node.captions))
    view.sections.append((heading, charts, tables))
    return view


def opened(page, **state):
    at = AppTest.from_file(f"../views/{page}/page.py", default_timeout=TIMEOUT)
    at.session_state[widgets.ALL_NUMBERS] = True  # every "numbers behind" table built, for the checks to read
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def trained_network():
    """A 784-10-10 trained for a few steps on 2,000 digits of the sample, as the Training page stores one."""
    split = split_dev(load_sample(ROOT / "data" / "mnist_sample.npz"), dev_size=1000, seed=0)
    hp = Hyperparams(iterations=10, alpha=0.5, init="he")
    steps = list(train(new_network(hp), split.X_train[:, :2000], split.Y_train[:2000], hp))
    return state.Model(steps[-1][0], hp, [record for _, record in steps], dev_accuracy=0.6), split


def drawing(column):
    """A digit (784,) in [0, 1] as the canvas sends it: a PNG of a 280 x 280 white-on-black image, as a data URL."""
    grey = np.kron(np.round(column.reshape(28, 28) * 255), np.ones((10, 10))).astype(np.uint8)
    rgba = np.dstack([grey, grey, grey, np.full_like(grey, 255)])
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    return {"drawing": {"raw": {"objects": []}, "data": url}}


def run_until_done(at, key, most=60):
    for _ in range(most):
        at.run()
        if at.session_state[key].status != "running":
            return at
    raise AssertionError(f"the runs under {key} did not finish")


def tour_home(model):
    return [look(opened("home", **{state.MODEL: model}), "home", "with a network")]


def tour_data():
    return [look(opened("data"), "data", "bundled sample")]


def tour_forward(model, split):
    at = opened("forward", **{state.MODEL: model, state.DRAWN: split.X_dev[:, :1], "forward_hood_open": True})
    views = [look(at, "forward", "a dev digit by index")]
    for choice in ("random", "class", "drawn"):
        at.radio(key="forward_choice").set_value(choice)
        views.append(look(at.run(), "forward", f"choice {choice}"))
    for key, tabs in FORWARD_TABS.items():  # only the open tab is drawn: open each of the others in turn
        for tab in tabs[1:]:
            at.session_state[key] = tab
            views.append(look(at.run(), "forward", f"tab {tab}"))
    for key, node in (("forward_pick_1", 2), ("forward_pick_out", 3)):  # a node opened in the network picture
        at.pills(key=key).set_value(node)
        views.append(look(at.run(), "forward", f"picture, {key} = {node}"))
    return views


def tour_training():
    at = opened("training")
    for _ in range(2):
        at.button(key="tr_step").click()
        at.run()
    views = []
    for tab in TRAINING_TABS:
        at.session_state["tr_tab"] = tab
        views.append(look(at.run(), "training", f"two steps, tab {tab}"))
        if tab == TRAINING_TABS[0]:
            every_matrix_table(at, views[-1])
    return views


def every_matrix_table(at, view):
    """The backpropagation tab shows the numbers of one matrix at a time, the one picked in a select box: add the
    table of every choice to the view's sections, as a reader going down the list sees them all."""
    for option in at.selectbox(key="tr_bp_numbers").options:
        at.selectbox(key="tr_bp_numbers").set_value(option)
        shown = look(at.run(), view.page, view.state)
        assert [s[0] for s in shown.sections] == [s[0] for s in view.sections]
        for (_, _, tables), (_, _, more) in zip(view.sections, shown.sections, strict=True):
            tables.extend(more)


def tour_experiments():
    at = opened("experiments", exp_short_runs=2)
    at.slider(key="exp_n").set_value(2)
    at.run()
    at.button(key="exp_seeds_run").click()
    run_until_done(at, "exp_seeds")
    at.button(key="exp_ladder_run").click()
    run_until_done(at, "exp_ladder")
    at.radio(key="exp_answer").set_value(at.radio(key="exp_answer").options[0])
    at.button(key="exp_reveal").click()
    return [look(at.run(), "experiments", "two seeds and the ladder run, answer revealed")]


def tour_draw(model, split):
    at = opened("draw", **{state.MODEL: model, "draw_canvas_0": drawing(split.X_dev[:, 0])})
    at.toggle(key="draw_skip_centring").set_value(True)
    at.run()
    at.button(key="draw_teach").click()
    views = [look(at.run(), "draw", "a digit drawn, centring skipped, one step taught")]
    # Both folded parts open: ten digits of the dev set as the visitor's handwriting, one step on them, and the
    # drawing moved, turned and thickened.
    at = opened("draw", **{state.MODEL: model, "draw_canvas_0": drawing(split.X_dev[:, 0]), handwriting.OPEN: True,
                           shifted.OPEN: True, handwriting.MINE: {
                               d: split.X_dev[:, np.flatnonzero(split.Y_dev == d)[:1]] for d in range(10)}})
    at.slider(key="draw_move_right").set_value(3)
    at.slider(key="draw_turn").set_value(10)
    at.run()
    at.button(key="draw_mine_step").click()
    return views + [look(at.run(), "draw", "your ten scored, one step on them, the drawing moved")]


def tour_class_page():
    """A class's board (30 runs) seen by the teacher (the server's key in the address): every control shows."""
    from class_runs import a_class, fill, forget_writer

    import board_store

    saved = {name: os.environ.get(name) for name in ("CLASS_BOARD_PATH", "CLASS_KEY")}
    folder = tempfile.TemporaryDirectory(prefix="tour-board-")  # removed afterwards
    path = Path(folder.name) / "class_board.sqlite3"
    os.environ.update(CLASS_BOARD_PATH=str(path), CLASS_KEY="tour")
    try:
        fill(board_store.Board(path), a_class(30))
        at = AppTest.from_file("../views/class_page/page.py", default_timeout=TIMEOUT)
        at.query_params["key"] = "tour"
        return [look(at.run(), "class_page", "30 runs, with the teacher's key")]
    finally:
        forget_writer(path, timeout=5)
        folder.cleanup()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@functools.cache
def tour():
    """Every page in every state above, as a tuple of Views (the bundled sample as the data)."""
    saved = os.environ.pop("MNIST_PATH", None)
    state.shared_sources.clear()
    try:
        model, split = trained_network()
        return tuple(tour_home(model) + tour_data() + tour_forward(model, split) + tour_training()
                     + tour_experiments() + tour_class_page() + tour_draw(model, split))
    finally:
        if saved is not None:
            os.environ["MNIST_PATH"] = saved
        state.shared_sources.clear()
