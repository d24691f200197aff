"""The numbers the pages state about runs they do not compute live (help texts, quizzes, the "Why non-linearity?"
tab), trained again the way the app trains: nn_core.training.train_to_end on the bundled sample, split as the
app splits it (dev set of 1,000, seed 0). A change to the sample or to nn_core that moves one of them makes the
text false: this file then fails, naming the text to rewrite."""

import re
from pathlib import Path

import numpy as np
import pytest

from nn_core.evaluation import dead_units
from nn_core.network import forward_prop, get_predictions
from nn_core.pca import hidden_activations, nearest_centroid_accuracy, pca, project
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK, evaluate, new_network, train, train_to_end

ROOT = Path(__file__).resolve().parents[1]


def text_of(*parts):
    """A module's source with its string literals' line breaks joined ("a " "b" reads "a b"), to find sentences."""
    return re.sub(r'"\s*\n\s*f?"', "", ROOT.joinpath(*parts).read_text())


CONTROLS = text_of("views", "training", "controls.py")
HOOD = text_of("views", "forward", "under_the_hood.py")
TRAINING_PAGE = text_of("views", "training", "page.py")
LEARNED = text_of("views", "training", "learned.py")
HIDDEN_MAP = text_of("views", "training", "hidden_map.py")


def dev_accuracy(hp, split):
    params, _ = train_to_end(new_network(hp), split.X_train, split.Y_train, hp, eval_every=hp.iterations)
    return evaluate(params, split.X_dev, split.Y_dev, hp.activation)[1], params


@pytest.fixture(scope="module")
def notebook(sample_split):
    """The notebook's run, 500 full-batch steps, with its network at step 0 and at the end."""
    start = new_network(NOTEBOOK)
    accuracy, params = dev_accuracy(NOTEBOOK, sample_split)
    return start, params, accuracy


def test_linear_against_relu_as_the_activation_help_and_the_linear_tab_say(sample_split, notebook):
    relu = notebook[2]
    linear, _ = dev_accuracy(NOTEBOOK.with_changes(activation="linear"), sample_split)
    fast, _ = dev_accuracy(FAST_AND_ACCURATE, sample_split)
    fast_linear, _ = dev_accuracy(FAST_AND_ACCURATE.with_changes(activation="linear"), sample_split)
    assert [f"{a:.1%}" for a in (linear, relu, fast, fast_linear)] == ["87.0%", "84.8%", "94.8%", "88.3%"]
    for text in (CONTROLS, HOOD):
        assert "87.0%" in text and "84.8%" in text and "94.8%" in text and "88.3%" in text


def test_what_alpha_1_2_and_5_do_as_the_alpha_quiz_says(sample_split):
    at_1, _ = dev_accuracy(NOTEBOOK.with_changes(alpha=1.0), sample_split)
    at_2, _ = dev_accuracy(NOTEBOOK.with_changes(alpha=2.0), sample_split)
    # float32 sums taken in another order (another BLAS thread count) move the last digit: the text rounds
    assert abs(at_1 - 0.914) < 0.005 and abs(at_2 - 0.112) < 0.005
    assert "about 91% at α 1, 11% at α 2" in TRAINING_PAGE
    hp = NOTEBOOK.with_changes(alpha=5.0, iterations=50)
    steps = list(train(new_network(hp), sample_split.X_train, sample_split.Y_train, hp))
    losses = [record.loss for _, record in steps]
    assert losses[0] == pytest.approx(2.8, abs=0.05) and losses[2] == pytest.approx(12, abs=0.5)  # 2.8 to 12
    params = steps[-1][0]
    assert dead_units(params, sample_split.X_train) == 9  # "9 of 10 by step 50"
    answers = get_predictions(forward_prop(params, sample_split.X_dev)["A2"])
    assert set(answers) == {1} and f"{np.mean(sample_split.Y_dev == 1):.0%}" == "11%"  # always 1: the 11% of 1s
    assert "from 2.8 to 12 by step 3" in TRAINING_PAGE and "9 of 10 by step 50" in TRAINING_PAGE


def test_w1_after_the_notebooks_500_steps_is_mostly_its_start_as_the_w1_help_says(notebook):
    start, params, _ = notebook
    rms = [float(np.sqrt(np.mean(np.square(W)))) for W in (start["W1"], params["W1"] - start["W1"])]
    assert [f"{r:.2f}" for r in rms] == ["0.29", "0.07"]
    assert "RMS 0.29 against 0.07 on the bundled sample" in LEARNED


def test_the_hidden_maps_separation_at_step_0_and_500_as_its_text_says(sample_split, notebook):
    start, params, _ = notebook

    def separated(network):
        def A1(X):
            return hidden_activations(network["W1"], network["b1"], X)

        found = pca(A1(sample_split.X_dev[:, :1000]))
        centres = project(found, A1(sample_split.X_train[:, :2000]))
        return nearest_centroid_accuracy(centres, sample_split.Y_train[:2000], found.P, sample_split.Y_dev[:1000])

    assert (f"{separated(start):.1%}", f"{separated(params):.1%}") == ("18.5%", "46.5%")
    assert "18.5% at step 0" in HIDDEN_MAP and "46.5% at step 500" in HIDDEN_MAP
