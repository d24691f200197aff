"""Tests for nn_core/training.py: training really learns, repeats exactly, and stops cleanly on divergence."""

from collections import Counter

import numpy as np
import pytest

from nn_core import training
from nn_core.network import backward_prop, forward_prop, init_params
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK, full_batch_gradients, new_network, train, train_to_end


def run(hp, split, **kwargs):
    return train_to_end(new_network(hp), split.X_train, split.Y_train, hp, split.X_dev, split.Y_dev, **kwargs)


def test_the_notebook_recipe_learns_on_the_sample(sample_split):
    """784-10-10, full batch, alpha 0.1, 500 iterations: the notebook's ~83% on the dev set."""
    _, records = run(NOTEBOOK, sample_split, eval_every=100)
    assert len(records) == 500
    assert records[-1].dev_accuracy >= 0.80
    assert records[-1].loss < records[0].loss / 2


def test_mini_batch_learns_in_one_epoch(sample_split):
    hp = FAST_AND_ACCURATE.with_changes(epochs=1)
    _, records = run(hp, sample_split, eval_every=50)
    assert len(records) == int(np.ceil(sample_split.X_train.shape[1] / hp.batch_size))
    assert records[-1].dev_accuracy >= 0.88
    assert records[-1].epoch == pytest.approx(1.0)


@pytest.mark.parametrize("hp", [NOTEBOOK.with_changes(iterations=15),
                                FAST_AND_ACCURATE.with_changes(epochs=1, hidden_sizes=(16, 8))])
def test_seeded_runs_are_identical(hp, sample_split):
    params_a, records_a = run(hp, sample_split, eval_every=5)
    params_b, records_b = run(hp, sample_split, eval_every=5)
    assert records_a == records_b
    assert all(np.array_equal(params_a[k], params_b[k]) for k in params_a)


def test_records_follow_eval_every(sample_split):
    _, records = run(NOTEBOOK.with_changes(iterations=10), sample_split, eval_every=4)
    assert [r.step for r in records] == list(range(1, 11))
    assert [r.dev_accuracy is not None for r in records] == [s % 4 == 0 or s == 10 for s in range(1, 11)]
    assert all(r.train_accuracy is not None for r in records)  # free on a full batch
    assert set(records[0].update_size) == {"W1", "W2"}


def test_full_batch_gradients_in_slices_equal_one_big_backward_prop():
    rng = np.random.default_rng(0)
    X, Y = rng.random((784, 1000)), rng.integers(0, 10, 1000)
    params = init_params(seed=0, dtype=np.float64)
    whole = backward_prop(params, forward_prop(params, X), X, Y)
    sliced, loss, accuracy = full_batch_gradients(params, X, Y, chunk=300)
    for k in whole:
        np.testing.assert_allclose(sliced[k], whole[k], rtol=1e-10, atol=1e-14)
    assert 0 <= accuracy <= 1 and loss > 0


def test_a_huge_learning_rate_diverges_and_keeps_the_last_good_weights(sample_split):
    hp = NOTEBOOK.with_changes(alpha=1e4, iterations=50, activation="linear")
    params, records = run(hp, sample_split)
    assert records[-1].diverged
    assert not any(r.diverged for r in records[:-1])
    assert len(records) < 50
    assert all(np.isfinite(v).all() for v in params.values())


def test_momentum_changes_the_path_but_still_learns(sample_split):
    hp = NOTEBOOK.with_changes(iterations=60, init="he", momentum=0.9)
    _, with_momentum = run(hp, sample_split, eval_every=60)
    _, without = run(hp.with_changes(momentum=0.0), sample_split, eval_every=60)
    assert with_momentum[-1].loss != without[-1].loss
    assert with_momentum[-1].dev_accuracy > 0.8


def test_training_can_resume_where_it_stopped(sample_split):
    hp = NOTEBOOK.with_changes(iterations=5)
    params, first = run(hp, sample_split)
    _, record = next(train(params, sample_split.X_train, sample_split.Y_train, hp, start_step=5))
    assert record.step == 6


@pytest.mark.parametrize("hp", [
    NOTEBOOK.with_changes(iterations=7),
    NOTEBOOK.with_changes(iterations=7, notebook_bugs=True, momentum=0.9),
    FAST_AND_ACCURATE.with_changes(epochs=2, batch_size=100, hidden_sizes=(16,)),
    FAST_AND_ACCURATE.with_changes(epochs=1, batch_size=128, notebook_bugs=True),
], ids=["full-batch", "full-batch-notebook-bugs", "mini-batch", "mini-batch-notebook-bugs"])
def test_every_step_is_one_forward_prop_one_backward_prop_and_one_update_params(hp, sample_split, monkeypatch):
    """train() computes each step with the lesson's functions, the code the Training page shows: once each."""
    calls = Counter()

    def counting(name, function):
        def counted(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return counted

    for name in ("forward_prop", "backward_prop", "update_params", "evaluate"):
        monkeypatch.setattr(training, name, counting(name, getattr(training, name)))
    X, Y = sample_split.X_train[:, :1000], sample_split.Y_train[:1000]
    calls_before = Counter()
    for _, record in train(new_network(hp), X, Y, hp, eval_every=3):
        step_calls = calls - calls_before
        calls_before = calls.copy()
        evaluations = step_calls["evaluate"]  # each runs a forward_prop of its own, on other examples
        assert evaluations == (hp.method == "mini-batch" and record.train_accuracy is not None)
        assert step_calls["forward_prop"] == 1 + evaluations, record.step
        assert step_calls["backward_prop"] == 1 and step_calls["update_params"] == 1, record.step
    assert record.step == training.total_steps(hp, 1000) and record.step > 1
