"""Tests for nn_core/evaluation.py: scores, the confusion matrix, dead units, and the linear collapse."""

import numpy as np
import pytest

from nn_core.evaluation import (
    DIRECTIONS,
    collapse_linear,
    confused_pairs,
    confusion,
    dead_units,
    per_digit,
    scores,
    shifted_accuracy,
)
from nn_core.network import forward_prop, get_accuracy, get_predictions, init_params
from nn_core.preprocessing import shift
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK, new_network, train_to_end


def test_confusion_counts_each_true_and_predicted_pair():
    Y = np.array([0, 0, 1, 2, 2, 2])
    predictions = np.array([0, 1, 1, 2, 2, 0])
    counts = confusion(Y, predictions)
    assert counts.shape == (10, 10) and counts.sum() == 6
    assert counts[0, 0] == 1 and counts[0, 1] == 1 and counts[1, 1] == 1 and counts[2, 2] == 2 and counts[2, 0] == 1
    assert np.trace(counts) / Y.size == get_accuracy(predictions, Y)


# A fixed class's set: twelve digits and what a network read. 7 is read as 1 twice, 4 as 9 twice, 3 as 5 once;
# there is no 8 at all.
CLASS_Y = np.array([0, 1, 1, 3, 3, 4, 4, 4, 7, 7, 7, 9])
CLASS_READ = np.array([0, 1, 1, 3, 5, 9, 9, 4, 1, 1, 7, 9])


def test_per_digit_counts_each_digit_and_the_share_read_right():
    counts, accuracy = per_digit(CLASS_Y, CLASS_READ)
    assert counts.tolist() == [1, 2, 0, 2, 3, 0, 0, 3, 0, 1]
    assert accuracy[[0, 1, 3, 4, 7, 9]] == pytest.approx([1, 1, 0.5, 1 / 3, 1 / 3, 1])
    assert np.isnan(accuracy[[2, 5, 6, 8]]).all()  # no example: nothing to be right about, not 0%
    assert np.nansum(accuracy * counts) == (CLASS_Y == CLASS_READ).sum()  # the same 6 right answers


def test_confused_pairs_are_the_commonest_mistakes_first():
    assert confused_pairs(CLASS_Y, CLASS_READ) == [(4, 9, 2), (7, 1, 2), (3, 5, 1)]  # a tie: the smaller digit first
    assert confused_pairs(CLASS_Y, CLASS_READ, top=1) == [(4, 9, 2)]
    assert confused_pairs(CLASS_Y, CLASS_Y) == []  # no mistake, no pair


def test_scores_give_train_and_dev_and_test_only_when_there_is_one(sample_split):
    params = new_network(NOTEBOOK)
    result = scores(params, sample_split)
    assert set(result) == {"train", "dev"}  # the sample has no test set
    A = forward_prop(params, sample_split.X_dev)["A2"]
    assert result["dev"][1] == pytest.approx(get_accuracy(get_predictions(A), sample_split.Y_dev))
    with_test = sample_split.__class__(sample_split.X_train, sample_split.Y_train, sample_split.X_dev,
                                       sample_split.Y_dev, sample_split.X_dev[:, :50], sample_split.Y_dev[:50])
    assert set(scores(params, with_test)) == {"train", "dev", "test"}


def test_scores_of_overflowing_weights_are_numbers_not_errors(sample_split):
    params = {k: v * 1e30 for k, v in new_network(NOTEBOOK).items()}
    with np.errstate(over="raise", invalid="raise"):  # an overflow that escaped would be an error here
        result = scores(params, sample_split)
    assert 0 <= result["dev"][1] <= 1


def test_dead_units_counts_relu_units_that_never_fire(sample_split):
    params = new_network(NOTEBOOK)
    dead = dict(params, b1=np.full((10, 1), -1e3, np.float32))
    assert dead_units(dead, sample_split.X_dev) == 10
    half = dict(params, b1=np.where(np.arange(10)[:, None] < 5, -1e3, 1e3).astype(np.float32))
    assert dead_units(half, sample_split.X_dev) == 5
    assert dead_units(dead, sample_split.X_dev, "tanh") == 0  # only ReLU units die


@pytest.mark.parametrize("sizes", [(784, 10, 10), (784, 16, 8, 10), (784, 10)])
def test_collapse_linear_is_the_network_without_activations(sizes):
    params = init_params(sizes, seed=3, init="notebook", dtype=np.float64)
    X = np.random.default_rng(0).random((784, 7))
    W, b = collapse_linear(params)
    assert W.shape == (10, 784) and b.shape == (10, 1)
    L = len(sizes) - 1
    assert np.allclose(W @ X + b, forward_prop(params, X, "linear")[f"Z{L}"])
    if L > 1:  # with ReLU between the layers no single matrix does it
        assert not np.allclose(W @ X + b, forward_prop(params, X, "relu")[f"Z{L}"])


def test_a_trained_network_reads_digits_worse_the_further_they_are_shifted(sample_split):
    hp = FAST_AND_ACCURATE.with_changes(epochs=1, hidden_sizes=(32,))
    params, _ = train_to_end(new_network(hp), sample_split.X_train[:, :4000], sample_split.Y_train[:4000], hp)
    X, Y = sample_split.X_dev, sample_split.Y_dev
    accuracy = shifted_accuracy(params, X, Y)  # (7, 4): shifts 0..6, right, left, down, up
    assert accuracy.shape == (7, len(DIRECTIONS))
    unmoved = get_accuracy(get_predictions(forward_prop(params, X)["A2"]), Y)
    np.testing.assert_allclose(accuracy[0], unmoved)  # a shift by 0 is the ordinary dev accuracy
    right_by_3 = get_accuracy(get_predictions(forward_prop(params, shift(X, 3, 0))["A2"]), Y)
    assert accuracy[3, 0] == pytest.approx(right_by_3)
    mean = accuracy.mean(axis=1)
    assert unmoved > 0.85
    assert np.all(np.diff(mean) < 0.01), mean  # every pixel further costs accuracy (up to noise near chance)
    assert mean[2] < unmoved - 0.15 and mean[6] < 0.3, mean
