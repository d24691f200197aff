"""Read handwritten digits with a network trained in the app. Needs nothing but NumPy.

    python predict.py network.npz digits.csv

network.npz : the file the app's Training page downloads (W1, b1, W2, b2, ... and the hyperparameters).
digits.csv  : one digit per row, 784 pixel values from 0 to 255, row by row of the 28 x 28 image. A header
              line and a first `label` column are allowed, as in Kaggle's train.csv and test.csv.
It prints one predicted digit per row, and the accuracy when the file has labels.
"""

import json
import sys

import numpy as np

HIDDEN_ACTIVATIONS = {
    "relu": lambda Z: np.maximum(Z, 0),
    "sigmoid": lambda Z: 1 / (1 + np.exp(-Z)),
    "tanh": np.tanh,
    "linear": lambda Z: Z,
}


def load_network(path):
    """The weights and biases {"W1": (n1, 784), "b1": (n1, 1), ...} and the hidden activation's name."""
    with np.load(path, allow_pickle=False) as saved:
        hyperparams = json.loads(str(saved["hyperparams"]))
        params = {name: saved[name] for name in saved.files if name != "hyperparams"}
    return params, hyperparams["activation"]


def predict(params, activation, X):
    """Forward propagation, X (784, m) of pixels / 255 -> the predicted digit of each column, (m,)."""
    g = HIDDEN_ACTIVATIONS[activation]
    L = len(params) // 2
    A = X
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = g(Z) if l < L else Z  # softmax keeps the order of the scores, so argmax can skip it
    return np.argmax(A, axis=0)


def read_digits(path):
    """(X (784, m) pixels / 255, labels (m,) or None) from a CSV of 784 or 785 columns."""
    with open(path) as f:
        first = f.readline()
    has_header = any(c.isalpha() for c in first)
    rows = np.loadtxt(path, delimiter=",", skiprows=int(has_header), ndmin=2)
    labels = rows[:, 0].astype(int) if rows.shape[1] == 785 else None
    pixels = rows[:, -784:]
    return (pixels / 255).T.astype(np.float32), labels


def main(network_path, csv_path):
    params, activation = load_network(network_path)
    X, labels = read_digits(csv_path)
    predictions = predict(params, activation, X)
    print("\n".join(str(p) for p in predictions))
    if labels is not None:
        print(f"accuracy: {np.mean(predictions == labels):.4f} on {labels.size} digits", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
