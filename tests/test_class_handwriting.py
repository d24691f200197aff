"""Tests for training_runs/class_handwriting.py: the seeded 80/20 split of the class's digits, repeating a digit as
weighting its gradient, teach() refusing a set too small to score, and teach() on a fixed made-up class (MNIST
sample digits drawn with a fatter pen), which it learns to read better."""

import numpy as np
import pytest

from nn_core.network import backward_prop, forward_prop, init_params
from nn_core.preprocessing import move_digit
from nn_core.training import NOTEBOOK, Hyperparams
from training_runs.class_handwriting import MIN_DIGITS, TooFewDigitsError, split_class, teach, with_class_digits


def test_the_split_keeps_a_fifth_out_the_same_way_every_time():
    for n in (30, 31, 57, 100, 1000):
        taught, held_out = split_class(n)
        assert held_out.size == round(0.2 * n) and taught.size == n - held_out.size
        assert sorted(np.concatenate([taught, held_out])) == list(range(n))  # each digit once, in one of the two
        again = split_class(n)
        assert np.array_equal(again[0], taught) and np.array_equal(again[1], held_out)  # reproducible
    assert not np.array_equal(split_class(100, seed=1)[1], split_class(100)[1])  # another seed, another fifth


def test_a_digit_repeated_k_times_counts_as_its_gradient_weighted_k_times():
    rng = np.random.default_rng(0)
    X, Y = rng.random((784, 40)), rng.integers(0, 10, 40)
    x, y, k = rng.random((784, 3)), np.array([7, 1, 4]), 10
    X_more, Y_more = with_class_digits(X, Y, x, y, k)
    assert X_more.shape == (784, 40 + 3 * k) and list(Y_more[40:]) == [7] * k + [1] * k + [4] * k
    params = init_params((784, 10, 10), seed=0)

    def grads(X, Y):
        return backward_prop(params, forward_prop(params, X), X, Y)

    repeated, mnist, ours = grads(X_more, Y_more), grads(X, Y), grads(x, y)
    for name in repeated:  # the average over m + 3k columns = (m * MNIST's average + k * 3 * ours) / (m + 3k)
        weighted = (40 * mnist[name] + k * 3 * ours[name]) / (40 + 3 * k)
        np.testing.assert_allclose(repeated[name], weighted, rtol=1e-6, atol=1e-9)


def test_fewer_than_thirty_digits_say_how_many_more_are_needed(sample_split):
    X, Y = sample_split.X_dev[:, :MIN_DIGITS - 1], sample_split.Y_dev[:MIN_DIGITS - 1]
    with pytest.raises(TooFewDigitsError) as refused:
        teach(NOTEBOOK, sample_split.X_train, sample_split.Y_train, sample_split.X_dev, sample_split.Y_dev, X, Y)
    assert refused.value.more == 1 and "1 more is needed" in str(refused.value)
    assert TooFewDigitsError(0).more == MIN_DIGITS


@pytest.mark.parametrize("weight", [0, 21, 2.5])
def test_a_weight_outside_one_to_twenty_is_refused(sample_split, weight):
    X, Y = sample_split.X_dev[:, :40], sample_split.Y_dev[:40]
    with pytest.raises(ValueError, match="1 to 20"):
        teach(NOTEBOOK, X, Y, X, Y, X, Y, weight=weight)


def test_only_full_batch_is_taught(sample_split):
    X, Y = sample_split.X_dev[:, :40], sample_split.Y_dev[:40]
    with pytest.raises(ValueError, match="full batch"):
        teach(Hyperparams(method="mini-batch"), X, Y, X, Y, X, Y)


@pytest.fixture(scope="module")
def fat_pen_class(sample_split):
    """A made-up class of 100 digits: sample digits no run trains on, each drawn with a pen two pixels fatter."""
    X = np.clip(move_digit(sample_split.X_train[:, 8000:8100], thickness=2), 0, 1).astype(np.float32)
    return X, sample_split.Y_train[8000:8100]


def test_teaching_the_class_handwriting_reads_the_held_out_fifth_better(sample_split, fat_pen_class):
    hp = NOTEBOOK.with_changes(iterations=250)  # the Draw page's notebook network, as state.notebook_network runs it
    X, Y = sample_split.X_train[:, :8000], sample_split.Y_train[:8000]
    taught = teach(hp, X, Y, sample_split.X_dev, sample_split.Y_dev, *fat_pen_class, weight=10)
    assert (taught.taught, taught.held_out, taught.weight, taught.mnist, taught.steps) == (80, 20, 10, 8000, 250)
    before, after = taught.before, taught.after
    print(f"held-out class digits {before.held_out:.0%} -> {after.held_out:.0%}, dev {before.dev:.1%} -> "
          f"{after.dev:.1%}, {taught.seconds:.1f} s")
    assert after.held_out >= before.held_out + 0.10  # measured: 55% -> 75%
    assert abs(after.dev - before.dev) < 0.03  # MNIST's own digits pay little for it
    # "before" is the network trained on MNIST alone: the same weights whatever the class drew
    again = teach(hp, X, Y, sample_split.X_dev, sample_split.Y_dev, *fat_pen_class, weight=1)
    assert again.before == before

