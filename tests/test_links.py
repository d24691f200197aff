"""A link reproduces a run: the settings live in the address (?alpha=0.5&hidden_sizes=32...), a bad value falls
back to its default with a visible warning, and ?presenter=1 opens the app in presenter mode.

First the pure text <-> Hyperparams functions of links.py, then the pages through AppTest: a visitor opens a
link (AppTest.query_params), the controls show it, the address mirrors every change, and two visitors opening
the same link and pressing Train get the same curves.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import links, state
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK, Hyperparams

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TRAINING = str(ROOT / "views" / "training" / "page.py")
RUN = "training_run"


# ---------------------------------------------------------------------------------------------------------
# Text <-> Hyperparams
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("hp", [Hyperparams(), NOTEBOOK, FAST_AND_ACCURATE,
                                NOTEBOOK.with_changes(hidden_sizes=(32, 16), alpha=0.002, activation="tanh",
                                                      notebook_bugs=True, seed=123456)])
def test_every_hyperparameter_survives_the_trip_through_the_address(hp):
    address = links.address_of(hp)
    assert set(address) == set(links.HYPERPARAMS)
    assert all(isinstance(text, str) for text in address.values())
    back, problems = links.hyperparams_from_address(address)
    assert problems == []
    assert back == hp


def test_the_address_is_short_and_readable():
    address = links.address_of(NOTEBOOK.with_changes(hidden_sizes=(32, 32), alpha=0.5))
    assert address["alpha"] == "0.5" and address["hidden_sizes"] == "32,32"
    assert address["method"] == "full-batch" and address["notebook_bugs"] in ("0", "1")


@pytest.mark.parametrize("name, text, words", [
    ("alpha", "fast", "alpha=fast"),
    ("alpha", "-1", "alpha=-1"),
    ("alpha", "1e9", "alpha=1e9"),
    ("hidden_sizes", "0", "hidden_sizes=0"),
    ("hidden_sizes", "ten", "hidden_sizes=ten"),
    ("activation", "softplus", "activation=softplus"),
    ("method", "adam", "method=adam"),
    ("iterations", "2.5", "iterations=2.5"),
    ("seed", "-4", "seed=-4"),
    ("notebook_bugs", "maybe", "notebook_bugs=maybe"),
])
def test_a_bad_value_falls_back_to_its_default_and_says_why(name, text, words):
    base = NOTEBOOK.with_changes(seed=7)
    hp, problems = links.hyperparams_from_address({name: text, "seed": "7"} if name != "seed" else {name: text},
                                                  base)
    assert getattr(hp, name) == getattr(links.DEFAULTS, name)
    assert len(problems) == 1 and words in problems[0] and "default" in problems[0]
    if name != "seed":
        assert hp.seed == 7  # the rest of the link still applies


def test_an_unknown_name_is_ignored_with_a_warning_naming_the_known_ones():
    hp, problems = links.hyperparams_from_address({"colour": "blue", "alpha": "0.5"}, NOTEBOOK)
    assert hp == NOTEBOOK.with_changes(alpha=0.5)
    assert len(problems) == 1 and "colour=blue" in problems[0] and "alpha" in problems[0]


# ---------------------------------------------------------------------------------------------------------
# The Training page
# ---------------------------------------------------------------------------------------------------------


def open_page(path=TRAINING, **query):
    at = AppTest.from_file(path, default_timeout=120)
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def control(at, key):
    return next(w for kind in ("select_slider", "slider", "radio", "number_input", "toggle", "selectbox")
                for w in getattr(at, kind) if w.key == key)


def warnings(at):
    return " ".join(w.value for w in at.warning)


def test_a_link_sets_every_control_and_the_address_keeps_all_of_them():
    link = {"alpha": "0.5", "hidden_sizes": "32,32", "activation": "tanh", "method": "mini-batch", "epochs": "2",
            "batch_size": "128", "momentum": "0.9", "init": "he", "seed": "3"}
    at = open_page(**link)
    assert not at.warning, warnings(at)
    assert control(at, "tr_alpha").value == 0.5
    assert control(at, "tr_hidden").value == 32 and control(at, "tr_layers").value == 2
    assert control(at, "tr_activation").value == "tanh"
    assert control(at, "tr_method").value == "mini-batch"
    assert control(at, "tr_epochs").value == 2 and control(at, "tr_batch").value == 128
    assert control(at, "tr_momentum").value == 0.9 and control(at, "tr_init").value == "he"
    assert control(at, "tr_seed").value == 3
    assert set(at.query_params) == set(links.HYPERPARAMS)  # defaults too: the link means the same run later
    for name, text in link.items():
        assert at.query_params[name] == text, name


def test_moving_a_control_rewrites_the_address():
    at = open_page(alpha="0.5")
    control(at, "tr_alpha").set_value(0.02)
    control(at, "tr_hidden").set_value(64)
    at.run()
    assert not at.exception
    assert at.query_params["alpha"] == "0.02" and at.query_params["hidden_sizes"] == "64"
    assert not at.warning  # an ordinary rerun does not read the old link again
    assert control(at, "tr_alpha").value == 0.02


def test_an_address_that_lags_behind_the_controls_never_moves_them_back():
    """Quick key presses on a slider: the browser may send a rerun with the address of a few presses ago."""
    at = open_page(alpha="0.5")
    control(at, "tr_alpha").set_value(0.1)
    at.run()
    at.query_params["alpha"] = "0.5"  # the browser had not caught up with the last rewrite yet
    control(at, "tr_hidden").set_value(20)
    at.run()
    assert not at.exception
    assert control(at, "tr_alpha").value == 0.1  # the slider keeps what the visitor chose ...
    assert at.query_params["alpha"] == "0.1"  # ... and the address follows it again
    at.button(key="tr_step").click().run()
    assert at.session_state[RUN].hp.alpha == 0.1  # Step trains with what the slider shows


def test_a_preset_rewrites_the_address():
    at = open_page()
    at.button(key="tr_preset_fast").click()
    at.run()
    back, problems = links.hyperparams_from_address(at.query_params)
    assert problems == []
    assert back.hidden_sizes == FAST_AND_ACCURATE.hidden_sizes and back.method == "mini-batch"


def test_a_malformed_link_warns_on_the_page_and_keeps_the_good_parts():
    at = open_page(alpha="fast", hidden_sizes="-3", activation="softplus", seed="12", colour="blue")
    text = warnings(at)
    for words in ("alpha=fast", "hidden_sizes=-3", "activation=softplus", "colour=blue"):
        assert words in text, words
    assert control(at, "tr_alpha").value == links.DEFAULTS.alpha
    assert control(at, "tr_hidden").value == links.DEFAULTS.hidden_sizes[0]
    assert control(at, "tr_activation").value == links.DEFAULTS.activation
    assert control(at, "tr_seed").value == 12
    assert "colour" not in at.query_params and at.query_params["alpha"] == links.as_text(links.DEFAULTS.alpha)
    at.run()  # the warnings were about the link: once it is read, they go
    assert not at.warning


def test_a_value_between_the_controls_choices_is_snapped_with_a_notice():
    at = open_page(iterations="37")
    assert "iterations=37" in warnings(at) and "closest" in warnings(at)
    assert control(at, "tr_iterations").value == 50
    assert at.query_params["iterations"] == "50"


def test_two_visitors_opening_the_same_link_train_the_same_curves():
    link = {"hidden_sizes": "16", "alpha": "0.2", "iterations": "20", "seed": "5", "init": "notebook"}
    runs = []
    for _ in range(2):
        at = open_page(**link)
        at.button(key="tr_train").click()
        at.run()
        run = at.session_state[RUN]
        if run.worker is not None:
            run.worker.join(120)
        runs.append(run)
    first, second = runs
    assert first.step == second.step == 20
    assert [r.loss for r in first.records] == [r.loss for r in second.records]
    assert [r.dev_accuracy for r in first.records] == [r.dev_accuracy for r in second.records]
    np.testing.assert_array_equal(first.params["W1"], second.params["W1"])


def test_the_data_page_keeps_its_dev_set_size_in_the_address():
    at = open_page(str(ROOT / "views" / "data" / "page.py"), dev_size="500")
    assert not at.warning
    assert at.session_state[state.DEV_SIZE][0] == 500 and at.query_params["dev_size"] == "500"
    bad = open_page(str(ROOT / "views" / "data" / "page.py"), dev_size="lots")
    assert "dev_size=lots" in warnings(bad)


# ---------------------------------------------------------------------------------------------------------
# Presenter mode, through the whole app
# ---------------------------------------------------------------------------------------------------------


def test_presenter_mode_from_a_link_and_from_the_toggle():
    at = open_page(APP, presenter="1")
    toggle = at.sidebar.toggle(key=state.PRESENTER)
    assert toggle.value is True
    assert at.query_params["presenter"] == "1"
    assert any("presenter-mode" in html.proto.body for html in at.get("html"))  # the larger-text CSS
    home_expanders = [e.label for e in at.expander]
    assert any("Explanation" in label for label in home_expanders), home_expanders

    toggle.set_value(False)
    at.run()
    assert not at.exception
    assert "presenter" not in at.query_params  # off: the shorter link
    assert not any("presenter-mode" in html.proto.body for html in at.get("html"))
    assert not any("Explanation" in e.label for e in at.expander)


def test_presenter_mode_makes_the_charts_larger_and_the_network_picture_fit_the_screen():
    pages = []
    for link in ({}, {"presenter": "1"}):
        at = open_page(APP, **link)
        at.switch_page("views/forward/page.py")
        at.session_state["forward_pick_out"] = 3  # output 3 opened: its softmax steps are a plotly chart
        at.run()
        assert not at.exception
        pages.append(at)
    normal, big = pages
    assert big.sidebar.toggle(key=state.PRESENTER).value is True  # it stays on from page to page
    heights = []
    for at in (normal, big):
        chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("forward_picture_softmax"))
        heights.append(json.loads(chart.proto.spec)["layout"].get("height", 450))
    assert heights[1] > heights[0]
    pictures = [json.loads(next(e for e in at.get("bidi_component")).proto.json)["svg"] for at in (normal, big)]
    assert 'viewBox="0 0 840 580"' in pictures[0] and 'viewBox="0 0 622 274"' in pictures[1]  # larger text


def test_a_bad_presenter_value_warns_and_stays_off():
    at = open_page(APP, presenter="sometimes")
    assert at.sidebar.toggle(key=state.PRESENTER).value is False
    assert "presenter=sometimes" in warnings(at)


# ---------------------------------------------------------------------------------------------------------
# The link box: an address the class can open, or a warning that says how to get one
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("address, local", [
    ("http://127.0.0.1:8501/training", True), ("http://localhost:8501/", True), ("http://[::1]:8501/class", True),
    ("http://127.0.1.1:8501/training", True), ("http://192.168.1.20:8501/training", False),
    ("https://class.example.org/training", False), ("/training", False),
])
def test_this_computers_own_address_is_recognised(address, local):
    assert links.this_computer_only(address) is local


def link_box_page(monkeypatch, address):
    monkeypatch.setattr(links, "browser_address", lambda: address)
    at = AppTest.from_file(TRAINING, default_timeout=120)
    at.session_state["training_link_box"] = True  # the box opened
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_link_to_this_computer_warns_that_students_cannot_open_it_and_says_how_to_serve_them(monkeypatch):
    at = link_box_page(monkeypatch, "http://127.0.0.1:8501/training")
    link = next(code.value for code in at.code if "?hidden_sizes=" in code.value)
    assert link.startswith("http://127.0.0.1:8501/training?hidden_sizes=10&")
    warning = next(w.value for w in at.warning if "Students cannot open this link" in w.value)
    assert "127.0.0.1 is this computer's own address" in warning
    assert "`streamlit run app.py --server.address 0.0.0.0`" in warning and "Network URL" in warning
    assert not any("Send it to the class" in c.value for c in at.caption)


def test_a_link_on_the_network_is_offered_to_the_class_without_a_warning(monkeypatch):
    at = link_box_page(monkeypatch, "http://192.168.1.20:8501/training")
    link = next(code.value for code in at.code if "?hidden_sizes=" in code.value)
    assert link.startswith("http://192.168.1.20:8501/training?") and not at.warning
    assert any("Send it to the class" in c.value for c in at.caption)


def test_a_teachers_link_locks_the_settings_it_names_and_ignores_unknown_names_with_a_warning():
    at = open_page(alpha="5", lock="alpha,hidden_sizes,colour")
    assert control(at, "tr_alpha").value == 5.0
    locked = {key for key in ("tr_alpha", "tr_hidden", "tr_layers") if control(at, key).disabled}
    assert locked == {"tr_alpha", "tr_hidden", "tr_layers"}  # hidden_sizes is set by two controls
    assert not control(at, "tr_activation").disabled and not control(at, "tr_seed").disabled
    assert any("Set by your teacher: alpha, hidden_sizes" in c.value for c in at.caption)
    assert "**lock=colour** in the link was ignored: this page has no setting called “colour”" in warnings(at)
    assert all(b.disabled for b in at.button if b.key in ("tr_preset_notebook", "tr_preset_fast"))
    assert at.query_params["lock"] == "alpha,hidden_sizes"  # the address keeps the lock, so the link can be passed on
    control(at, "tr_seed").set_value(3).run()  # the rest stays the student's
    assert not at.exception and control(at, "tr_alpha").disabled and at.query_params["seed"] == "3"


def test_a_link_without_a_lock_leaves_every_control_free():
    at = open_page(alpha="5")
    assert not control(at, "tr_alpha").disabled and "lock" not in at.query_params
    assert not any("Set by your teacher" in c.value for c in at.caption)


def layout(at):
    """The kinds of the parts of the page's main area, in order: where each part sits."""
    return [part.type for part in at.main.children.values()]


def test_a_links_arrival_leaves_every_part_of_the_training_page_where_the_next_run_puts_it():
    # A part that moves between two runs breaks a fragment's redraw asked for before the move (the live curves,
    # the class's challenges): Streamlit's page then stops in the browser.
    at = open_page(alpha="2", iterations="50", colour="blue")
    arrival = layout(at)
    assert warnings(at)  # the arrival's warning about colour=blue, in its place
    at.run()
    assert not at.warning and layout(at) == arrival
