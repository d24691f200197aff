"""Tests of what train() prepares around the lesson's functions: it must not change their numbers.

train() steps with forward_prop, backward_prop and update_params, but reads each batch from a row-ordered copy
of X, makes the one-hot labels once and keeps momentum's velocity between steps. The reference below is the
lesson written out: forward_prop, backward_prop, then update_params with momentum, on X[:, batch] for each
mini-batch. train() must land on the same params, to float32 rounding.
"""

import gc
import math
import weakref

import numpy as np
import pytest

from nn_core import training
from nn_core.network import backward_prop, forward_prop, update_params
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK, example_rows, new_network, total_steps, train, train_to_end


def lesson_training(params, X, Y, hp, steps):
    """`steps` gradient steps with the lesson's functions only, in the order train() visits the examples."""
    rng = np.random.default_rng(hp.seed)
    velocity = None
    m = X.shape[1] + hp.dev_size if hp.notebook_bugs and hp.method == "full-batch" else None  # the notebook's m
    for step in range(steps):
        if hp.method == "full-batch":
            batch = slice(None)
        else:
            per_epoch = math.ceil(X.shape[1] / hp.batch_size)
            if step % per_epoch == 0:
                order = rng.permutation(X.shape[1])
            position = step % per_epoch
            batch = order[position * hp.batch_size:(position + 1) * hp.batch_size]
        X_batch, Y_batch = X[:, batch], Y[batch]
        cache = forward_prop(params, X_batch, hp.activation, hp.notebook_bugs)
        grads = backward_prop(params, cache, X_batch, Y_batch, hp.activation, hp.notebook_bugs, m=m)
        if hp.momentum > 0:
            velocity = grads if velocity is None else {k: hp.momentum * velocity[k] + grads[k] for k in grads}
            grads = velocity
        params = update_params(params, grads, hp.alpha)
    return params


def assert_same_params(trained, lesson):
    for name in lesson:
        assert trained[name].dtype == lesson[name].dtype == np.float32
        np.testing.assert_allclose(trained[name], lesson[name], rtol=1e-4, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("hp", [
    NOTEBOOK.with_changes(iterations=50),
    NOTEBOOK.with_changes(iterations=50, init="he", momentum=0.9, hidden_sizes=(16, 8)),
    NOTEBOOK.with_changes(iterations=50, activation="tanh", alpha=0.5),
    NOTEBOOK.with_changes(iterations=50, notebook_bugs=True, momentum=0.9),
], ids=["notebook", "momentum-two-layers", "tanh", "notebook-bugs-momentum"])
def test_full_batch_training_gives_the_lessons_params_after_50_steps(hp, sample_split):
    X, Y = sample_split.X_train[:, :3000], sample_split.Y_train[:3000]
    trained, records = train_to_end(new_network(hp), X, Y, hp, eval_every=10)
    assert len(records) == 50 and not records[-1].diverged
    assert_same_params(trained, lesson_training(new_network(hp), X, Y, hp, 50))


@pytest.mark.parametrize("hp", [
    FAST_AND_ACCURATE.with_changes(hidden_sizes=(10,), batch_size=128, alpha=0.05),
    FAST_AND_ACCURATE.with_changes(activation="sigmoid", momentum=0.0, alpha=0.5),
], ids=["relu-momentum", "sigmoid"])
def test_mini_batch_training_gives_the_lessons_params_after_50_steps(hp, sample_split):
    X, Y = sample_split.X_train[:, :1000], sample_split.Y_train[:1000]  # 50 steps cross an epoch's end
    hp = hp.with_changes(epochs=math.ceil(50 / math.ceil(1000 / hp.batch_size)))
    trained = next(params for params, record in train(new_network(hp), X, Y, hp, eval_every=20) if record.step == 50)
    assert_same_params(trained, lesson_training(new_network(hp), X, Y, hp, 50))


def test_rows_are_the_columns_of_X():
    rng = np.random.default_rng(1)
    X, Y = rng.random((784, 5000)).astype(np.float32), rng.integers(0, 10, 5000)
    rows = example_rows(X, block=300)
    assert rows.shape == (5000, 784) and rows.flags.c_contiguous
    assert example_rows(rows.T) is not rows and np.shares_memory(example_rows(rows.T), rows)  # no copy needed
    hp = FAST_AND_ACCURATE.with_changes(batch_size=64)
    batch = rng.permutation(5000)[:64]
    X_batch, Y_batch, one_hot_Y = training._step_examples(X, Y, training._prepared(X, Y, hp, np.float32), batch)
    np.testing.assert_array_equal(X_batch, X[:, batch])
    np.testing.assert_array_equal(Y_batch, Y[batch])
    assert one_hot_Y is None  # a batch's few labels are made one-hot by backward_prop


def test_the_rows_of_a_read_only_X_are_copied_once_and_dropped_with_X():
    X = np.random.default_rng(3).random((784, 3000)).astype(np.float32)
    assert example_rows(X) is not example_rows(X)  # X may still change: copied every time
    X.flags.writeable = False  # as the app's data: the copy is kept for the next run on X
    rows = example_rows(X)
    assert example_rows(X) is rows
    np.testing.assert_array_equal(rows, X.T)
    kept = weakref.ref(rows)
    del X, rows
    gc.collect()
    assert kept() is None  # X gone, its rows are gone too


def test_train_makes_the_rows_of_a_read_only_X_once_for_every_run_on_it(sample_split):
    X, Y = sample_split.X_train[:, :2000].copy(), sample_split.Y_train[:2000]
    X.flags.writeable = False
    hp = FAST_AND_ACCURATE.with_changes(epochs=1, hidden_sizes=(16,))
    train_to_end(new_network(hp), X, Y, hp, eval_every=100)
    rows = example_rows(X)  # the copy the first run made and kept
    train_to_end(new_network(hp), X, Y, hp.with_changes(seed=1), eval_every=100)
    assert example_rows(X) is rows


@pytest.mark.parametrize("hp", [NOTEBOOK.with_changes(iterations=12),
                                NOTEBOOK.with_changes(iterations=12, notebook_bugs=True, momentum=0.9),
                                FAST_AND_ACCURATE.with_changes(epochs=1, hidden_sizes=(16,))])
def test_params_handed_out_are_never_changed_afterwards(hp, sample_split):
    X, Y = sample_split.X_train[:, :800], sample_split.Y_train[:800]
    start = new_network(hp)
    start_copy = {k: v.copy() for k, v in start.items()}
    kept = [(params, {k: v.copy() for k, v in params.items()}) for params, _ in train(start, X, Y, hp, eval_every=5)]
    for params, copy in [(start, start_copy), *kept]:
        assert all(np.array_equal(params[k], copy[k]) for k in params)


def test_update_size_is_measured_at_evaluation_steps_and_repeated_between(sample_split):
    hp = FAST_AND_ACCURATE.with_changes(epochs=1)
    records = [r for _, r in train(new_network(hp), sample_split.X_train[:, :1000], sample_split.Y_train[:1000],
                                   hp, eval_every=4)]
    assert all(set(r.update_size) == {"W1", "W2"} for r in records)
    assert records[1].update_size == records[0].update_size  # step 2 repeats step 1's
    assert records[3].update_size != records[2].update_size  # step 4 evaluates


def test_divergence_between_evaluations_is_caught_with_finite_params(sample_split):
    hp = NOTEBOOK.with_changes(alpha=1e4, iterations=50, activation="linear")
    params, records = train_to_end(new_network(hp), sample_split.X_train, sample_split.Y_train, hp, eval_every=1000)
    assert records[-1].diverged and not any(r.diverged for r in records[:-1])
    assert len(records) < 50
    assert all(np.isfinite(v).all() for v in params.values())


def test_total_steps_counts_iterations_or_mini_batches():
    assert total_steps(NOTEBOOK, 9000) == 500
    assert total_steps(FAST_AND_ACCURATE, 9000) == 3 * 141
    assert total_steps(FAST_AND_ACCURATE.with_changes(batch_size=128, epochs=1), 59_000) == 461


def test_a_run_resumed_mid_epoch_keeps_the_epochs_in_step(sample_split):
    hp = FAST_AND_ACCURATE.with_changes(epochs=2, batch_size=100)
    X, Y = sample_split.X_train[:, :1000], sample_split.Y_train[:1000]
    records = [r for _, r in train(new_network(hp), X, Y, hp, start_step=15)]
    assert [r.step for r in records] == list(range(16, 36))
    assert records[-1].epoch == pytest.approx(3.5)
