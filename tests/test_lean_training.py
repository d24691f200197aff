"""Tests for nn_core/fast_step.py: the training loop's lean step gives the lesson's numbers.

The reference below is the lesson written out: forward_prop, backward_prop, then update_params with momentum,
on X[:, batch] for each mini-batch. train() must land on the same params, to float32 rounding.
"""

import gc
import math
import weakref

import numpy as np
import pytest

from nn_core.fast_step import example_rows, gradients, loss, one_hot_rows, right_answers, weight_gradient
from nn_core.network import (
    backward_prop,
    compute_loss,
    forward_prop,
    get_accuracy,
    get_predictions,
    init_params,
    one_hot,
    update_params,
)
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK, new_network, total_steps, train, train_to_end


def lesson_training(params, X, Y, hp, steps):
    """`steps` gradient steps with the lesson's functions only, in the order train() visits the examples."""
    rng = np.random.default_rng(hp.seed)
    velocity = None
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
        cache = forward_prop(params, X_batch, hp.activation)
        grads = backward_prop(params, cache, X_batch, Y_batch, hp.activation)
        if hp.momentum > 0:
            velocity = grads if velocity is None else {k: hp.momentum * velocity[k] + grads[k] for k in grads}
            grads = velocity
        params = update_params(params, grads, hp.alpha)
    return params


def assert_same_params(lean, lesson):
    for name in lesson:
        assert lean[name].dtype == lesson[name].dtype == np.float32
        np.testing.assert_allclose(lean[name], lesson[name], rtol=1e-4, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("hp", [
    NOTEBOOK.with_changes(iterations=50),
    NOTEBOOK.with_changes(iterations=50, init="he", momentum=0.9, hidden_sizes=(16, 8)),
    NOTEBOOK.with_changes(iterations=50, activation="tanh", alpha=0.5),
], ids=["notebook", "momentum-two-layers", "tanh"])
def test_full_batch_lean_training_gives_the_lessons_params_after_50_steps(hp, sample_split):
    X, Y = sample_split.X_train[:, :3000], sample_split.Y_train[:3000]
    lean, records = train_to_end(new_network(hp), X, Y, hp, eval_every=10)
    assert len(records) == 50 and not records[-1].diverged
    assert_same_params(lean, lesson_training(new_network(hp), X, Y, hp, 50))


@pytest.mark.parametrize("hp", [
    FAST_AND_ACCURATE.with_changes(hidden_sizes=(10,), batch_size=128, alpha=0.05),
    FAST_AND_ACCURATE.with_changes(activation="sigmoid", momentum=0.0, alpha=0.5),
], ids=["relu-momentum", "sigmoid"])
def test_mini_batch_lean_training_gives_the_lessons_params_after_50_steps(hp, sample_split):
    X, Y = sample_split.X_train[:, :1000], sample_split.Y_train[:1000]  # 50 steps cross an epoch's end
    hp = hp.with_changes(epochs=math.ceil(50 / math.ceil(1000 / hp.batch_size)))
    lean = next(params for params, record in train(new_network(hp), X, Y, hp, eval_every=20) if record.step == 50)
    assert_same_params(lean, lesson_training(new_network(hp), X, Y, hp, 50))


def test_one_lean_step_equals_forward_and_backward_prop():
    rng = np.random.default_rng(0)
    X, Y = rng.random((784, 40)), rng.integers(0, 10, 40)
    params = init_params((784, 12, 10), seed=0, dtype=np.float64)
    expected = backward_prop(params, forward_prop(params, X), X, Y)
    grads, A_L = gradients(params, X, one_hot(Y, dtype=np.float64))
    for k in expected:
        np.testing.assert_allclose(grads[k], expected[k], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(A_L, forward_prop(params, X)["A2"], rtol=1e-12)


def test_right_answers_count_as_get_accuracy_does_ties_and_nan_included():
    rng = np.random.default_rng(2)
    A = rng.random((10, 500)).astype(np.float32)
    A[:, :50] = 0.1  # ten-way ties: get_predictions says 0
    A[3, 50:60] = A[7, 50:60] = 2.0  # two-way ties: 3
    A[5, 60:70] = np.nan
    Y = rng.integers(0, 10, 500)
    Y[:20], Y[50:55], Y[55:60] = 0, 3, 7
    assert right_answers(A, Y) == round(get_accuracy(get_predictions(A), Y) * 500)


def test_rows_are_the_columns_of_X():
    rng = np.random.default_rng(1)
    X, Y = rng.random((784, 5000)).astype(np.float32), rng.integers(0, 10, 5000)
    rows = example_rows(X, block=300)
    assert rows.shape == (5000, 784) and rows.flags.c_contiguous
    batch = rng.permutation(5000)[:64]
    np.testing.assert_array_equal(rows[batch].T, X[:, batch])
    np.testing.assert_array_equal(one_hot_rows(Y)[batch].T, one_hot(Y[batch]))
    assert example_rows(rows.T) is not rows and np.shares_memory(example_rows(rows.T), rows)  # no copy needed


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


@pytest.mark.parametrize("b", [128, 100, 37])
def test_weight_gradient_in_two_halves_adds_up_the_same_terms(b):
    rng = np.random.default_rng(b)
    dZ, rows = rng.standard_normal((10, b)).astype(np.float32), rng.random((b, 784)).astype(np.float32)
    np.testing.assert_allclose(weight_gradient(dZ, rows.T), dZ.astype(np.float64) @ rows.astype(np.float64),
                               rtol=1e-4, atol=1e-5)


def test_lean_loss_is_compute_loss():
    rng = np.random.default_rng(4)
    A = rng.random((10, 128)).astype(np.float32)
    A /= A.sum(axis=0)
    A[:, 0] = 0.0  # a probability that underflowed
    Y = rng.integers(0, 10, 128)
    assert loss(A.copy(), Y) == pytest.approx(compute_loss(A, Y), rel=1e-6)


@pytest.mark.parametrize("hp", [NOTEBOOK.with_changes(iterations=12),
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
