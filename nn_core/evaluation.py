"""Judging a network: its scores on each part of the data, where it goes wrong, and what it would be without
activations.

    confusion      the 10 x 10 table of (true digit, predicted digit) counts
    per_digit      how many of each digit there are, and the share of each read right
    confused_pairs the commonest mistakes: (true digit, read as, count), most frequent first
    scores         loss and accuracy on train, dev and (when there is one) test
    dead_units     hidden units that output 0 for every example: "dead" ReLUs
    collapse_linear  a network with no activation folded into one matrix W and one bias b
    shifted_accuracy the accuracy on digits moved by 0, 1, 2, ... pixels: what one weight per pixel costs
"""

import numpy as np

from nn_core.network import forward_prop, get_accuracy, get_predictions, layer_count
from nn_core.preprocessing import shift
from nn_core.training import evaluate


def confusion(Y, predictions):
    """The 10 x 10 confusion matrix: row = true digit, column = predicted digit, entries = counts.

    Y, predictions : (m,) digits 0-9. The diagonal holds the right answers; np.trace / m is the accuracy.
    """
    return np.bincount(np.asarray(Y) * 10 + np.asarray(predictions), minlength=100).reshape(10, 10)


def per_digit(Y, predictions):
    """For each digit 0-9: how many of Y (m,) there are, and the share of them the predictions (m,) got right.

    Returns (counts (10,) int, accuracy (10,) float); accuracy is NaN for a digit with no example (not 0%: there
    is nothing to be right about).
    """
    counts = confusion(Y, predictions)
    total = counts.sum(axis=1)  # (10,): examples of each true digit
    with np.errstate(invalid="ignore", divide="ignore"):
        return total, np.where(total > 0, np.diag(counts) / total, np.nan)


def confused_pairs(Y, predictions, top=3):
    """The `top` commonest mistakes as [(true digit, read as, count), ...], most frequent first (ties: the smaller
    true digit, then the smaller answer, first). Only mistakes: a digit read right is never a pair."""
    counts = confusion(Y, predictions)
    np.fill_diagonal(counts, 0)
    pairs = [(int(t), int(p), int(counts[t, p])) for t, p in zip(*np.nonzero(counts), strict=True)]
    return sorted(pairs, key=lambda pair: (-pair[2], pair[0], pair[1]))[:top]


def scores(params, split, activation="relu"):
    """{"train": (loss, accuracy), "dev": (...), "test": (...)} of the network on a Split; "test" only where
    the data has a real test set (full MNIST). The last good weights of a diverged run may overflow: their
    scores come out as NaN or a chance-level accuracy, not an error."""
    sets = {"train": (split.X_train, split.Y_train), "dev": (split.X_dev, split.Y_dev)}
    if split.X_test is not None:
        sets["test"] = (split.X_test, split.Y_test)
    with np.errstate(over="ignore", invalid="ignore"):
        return {name: evaluate(params, X, Y, activation) for name, (X, Y) in sets.items() if Y.size}


def dead_units(params, X, activation="relu"):
    """How many units of the first hidden layer output 0 for every column of X (784, m): "dead" ReLUs.

    A dead unit's gradient is 0 for every example (ReLU'(z) = 0 for z < 0), so it can never come back.
    """
    if activation != "relu":
        return 0
    with np.errstate(over="ignore", invalid="ignore"):
        A1 = forward_prop(params, X, activation)["A1"]
    return int(np.sum(~(A1.max(axis=1) > 0)))  # NaN counts as dead too


def collapse_linear(params):
    """W and b such that W @ X + b equals the whole network run with no activation at all.

    W2 @ (W1 @ X + b1) + b2 = (W2 @ W1) @ X + (W2 @ b1 + b2); deeper networks repeat the same step.
    Returns W of shape (10, 784) and b of shape (10, 1).
    """
    W, b = params["W1"], params["b1"]
    for l in range(2, layer_count(params) + 1):
        W, b = params[f"W{l}"] @ W, params[f"W{l}"] @ b + params[f"b{l}"]  # (n_l, 784), (n_l, 1)
    return W, b


DIRECTIONS = {"right": (1, 0), "left": (-1, 0), "down": (0, 1), "up": (0, -1)}  # (right, down) per pixel


def shifted_accuracy(params, X, Y, shifts=range(7), activation="relu"):
    """The accuracy on the digits X (784, m), labels Y (m,), moved by k pixels, for each k of `shifts`, in each
    of the four DIRECTIONS.

    The network has one weight per pixel position, so a digit moved by a few pixels meets other weights than
    the ones it was trained on: its accuracy falls quickly with k, towards chance (10%).
    Returns an array of shape (len(shifts), 4): row k, one column per direction (right, left, down, up).
    """
    accuracy = np.empty((len(shifts), len(DIRECTIONS)))
    L = layer_count(params)
    for i, k in enumerate(shifts):
        for j, (right, down) in enumerate(DIRECTIONS.values()):
            A = forward_prop(params, shift(X, right * k, down * k), activation)[f"A{L}"]  # (10, m)
            accuracy[i, j] = get_accuracy(get_predictions(A), Y)
    return accuracy
