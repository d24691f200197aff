"""The notebook's bugs as nn_core reproduces them (Hyperparams(notebook_bugs=True)), checked against a copy of the
notebook's own algorithm written out here in plain NumPy, independently of nn_core: the network 784-10-10 with
ReLU, trained by full-batch gradient descent with

- the softmax computed without subtracting the largest score first (it overflows for large scores);
- each bias gradient summed over every unit and every example into one scalar, db = 1/m * np.sum(dZ);
- m counted on the whole file, before the dev rows were split off (10,000 for the sample, not 9,000).

The notebook works in float64; nn_core in float32. Both start from the same weights, so after a few steps they
differ only by float32 rounding.
"""

import numpy as np

from nn_core.activations import softmax, softmax_notebook
from nn_core.training import NOTEBOOK, new_network, train

STEPS = 5


def notebook_step(W1, b1, W2, b2, X, Y, m, alpha):
    """One gradient-descent step of the notebook: forward, backward and update, as it writes them."""
    Z1 = W1.dot(X) + b1
    A1 = np.maximum(Z1, 0)
    Z2 = W2.dot(A1) + b2
    A2 = np.exp(Z2) / sum(np.exp(Z2))  # no max-shift; Python's sum adds up the rows
    one_hot_Y = np.eye(10)[Y].T  # (10, examples): a 1 in the row of each example's label
    dZ2 = A2 - one_hot_Y
    dW2 = 1 / m * dZ2.dot(A1.T)
    db2 = 1 / m * np.sum(dZ2)  # a scalar: every unit and every example together
    dZ1 = W2.T.dot(dZ2) * (Z1 > 0)
    dW1 = 1 / m * dZ1.dot(X.T)
    db1 = 1 / m * np.sum(dZ1)
    return W1 - alpha * dW1, b1 - alpha * db1, W2 - alpha * dW2, b2 - alpha * db2


def test_training_with_the_notebook_bugs_follows_the_notebook(sample_split):
    hp = NOTEBOOK.with_changes(iterations=STEPS, notebook_bugs=True)
    X, Y = sample_split.X_train, sample_split.Y_train
    m = X.shape[1] + sample_split.X_dev.shape[1]  # the rows of the whole file, dev set included
    assert m == 10_000 and X.shape[1] == 9_000
    start = new_network(hp)
    reference = [start[name].astype(np.float64) for name in ("W1", "b1", "W2", "b2")]
    X64 = X.astype(np.float64)
    steps = list(train({name: value.copy() for name, value in start.items()}, X, Y, hp))
    assert len(steps) == STEPS and not any(record.diverged for _, record in steps)
    for step, (params, _) in enumerate(steps, start=1):
        reference = notebook_step(*reference, X64, Y, m, hp.alpha)
        for name, expected in zip(("W1", "b1", "W2", "b2"), reference, strict=True):
            np.testing.assert_allclose(params[name], expected, rtol=2e-5, atol=2e-6,
                                       err_msg=f"{name} after step {step}")
        moved = params["b1"] - start["b1"]
        assert np.allclose(moved, moved[0])  # one scalar db moved every bias of the layer alike
    assert not np.allclose(steps[-1][0]["W1"], start["W1"])  # it did train


def test_the_notebook_softmax_overflows_where_the_shifted_one_does_not():
    Z = np.array([[100.0, 1.0], [0.0, 2.0], [-3.0, 0.5]], dtype=np.float32)  # e^100 is inf in float32
    with np.errstate(over="ignore", invalid="ignore"):
        notebook = np.exp(Z) / sum(np.exp(Z))
        ours = softmax_notebook(Z)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(notebook))
    assert np.isnan(ours[:, 0]).any() and not np.isnan(ours[:, 1]).any()
    np.testing.assert_allclose(ours[:, 1], notebook[:, 1], rtol=1e-6)
    shifted = softmax(Z)
    assert np.isfinite(shifted).all() and np.allclose(shifted.sum(axis=0), 1)


def test_training_with_the_notebook_bugs_breaks_down_where_the_notebook_does(sample_split):
    """Scores far beyond e^88 (the largest float32): the notebook's softmax gives NaN, and so does training with
    the notebook's bugs, which stops at its first step; the corrected training carries on."""
    hp = NOTEBOOK.with_changes(iterations=2, notebook_bugs=True)
    start = new_network(hp)
    start["W2"] = start["W2"] * np.float32(1000)
    X, Y = sample_split.X_train[:, :500], sample_split.Y_train[:500]
    with np.errstate(over="ignore", invalid="ignore"):
        reference = notebook_step(start["W1"], start["b1"], start["W2"], start["b2"], X, Y, 500 + hp.dev_size, hp.alpha)
    assert np.isnan(reference[2]).any()  # W2 after the notebook's step
    steps = list(train(dict(start), X, Y, hp))
    assert [(record.step, record.diverged) for _, record in steps] == [(1, True)]
    assert steps[0][0]["W2"] is start["W2"]  # it keeps the last good weights
    corrected = [record for _, record in train(dict(start), X, Y, hp.with_changes(notebook_bugs=False))]
    assert len(corrected) == 2 and not any(record.diverged for record in corrected)
