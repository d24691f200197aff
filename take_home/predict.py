"""Read handwritten digits with a network trained in the app. Needs nothing but NumPy.

    python predict.py network.npz digits.csv
    python predict.py network.npz test.csv --submission submission.csv [--overwrite]

network.npz : the file the app's Training page downloads (W1, b1, W2, b2, ... and the hyperparameters).
digits.csv  : one digit per row, 784 pixel values from 0 to 255, row by row of the 28 x 28 image. A header
              line and a first `label` column are allowed, as in Kaggle's train.csv and test.csv.
It prints one predicted digit per row, and the accuracy when the file has labels.

With --submission it prints nothing per row and writes Kaggle's submission file instead (digit-recognizer
competition): a header `ImageId,Label`, then one line per row of test.csv, ImageId counted from 1. test.csv
must have no label column. An existing file is never replaced unless --overwrite is given.
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
KAGGLE_TEST_ROWS = 28_000  # the digits in Kaggle's test.csv


class BadInputError(Exception):
    """A file the script cannot use; its message says which and why, in one line."""


def load_network(path):
    """The weights and biases {"W1": (n1, 784), "b1": (n1, 1), ...} and the hidden activation's name."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            hyperparams = json.loads(str(saved["hyperparams"]))
            params = {name: saved[name] for name in saved.files  # W1, b1, W2, b2, ...: not the training log
                      if name[0] in "Wb" and name[1:].isdigit()}
        return params, hyperparams["activation"]
    except OSError as error:
        raise BadInputError(f"cannot read {path}: {error.strerror or error}") from None
    except (ValueError, KeyError):
        raise BadInputError(f"{path} is not a network saved by the app (download it from the Training page)") from None


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
    try:
        with open(path) as f:
            first, second = f.readline(), f.readline()
        has_header = any(c.isalpha() for c in first)
        if not (second if has_header else first).strip():
            raise BadInputError(f"{path} has no digits in it")
        rows = np.loadtxt(path, delimiter=",", skiprows=int(has_header), ndmin=2)
    except OSError as error:
        raise BadInputError(f"cannot read {path}: {error.strerror or error}") from None
    except ValueError as error:  # a cell that is not a number, or rows of different lengths
        raise BadInputError(f"{path} is not a CSV of numbers: {str(error).splitlines()[0]}") from None
    if rows.size == 0:
        raise BadInputError(f"{path} has no digits in it")
    if rows.shape[1] not in (784, 785):
        raise BadInputError(f"{path} has {rows.shape[1]} columns: expected 784 pixels (785 with a label first)")
    labels = rows[:, 0].astype(int) if rows.shape[1] == 785 else None
    pixels = rows[:, -784:]
    return (pixels / 255).T.astype(np.float32), labels


def write_submission(path, predictions, overwrite=False):
    """Kaggle's submission file: `ImageId,Label`, then "1,7", "2,2", ... one line per digit, in row order.
    Mode "x" creates the file and fails if it exists, so nothing is replaced unless `overwrite` says so."""
    lines = ["ImageId,Label"] + [f"{i},{p}" for i, p in enumerate(predictions, start=1)]
    try:
        with open(path, "w" if overwrite else "x") as f:
            f.write("\n".join(lines) + "\n")
    except FileExistsError:
        raise BadInputError(f"{path} already exists: give another name, or add --overwrite to replace it") from None
    except OSError as error:
        raise BadInputError(f"cannot write {path}: {error.strerror or error}") from None


def main(network_path, csv_path, submission=None, overwrite=False):
    params, activation = load_network(network_path)
    X, labels = read_digits(csv_path)
    if submission is not None and labels is not None:
        raise BadInputError(f"{csv_path} has a label column (785 columns): that is train.csv; a submission is made "
                       "from Kaggle's test.csv, which has 784")
    predictions = predict(params, activation, X)
    if submission is None:
        print("\n".join(str(p) for p in predictions))
        if labels is not None:
            print(f"accuracy: {np.mean(predictions == labels):.4f} on {labels.size} digits", file=sys.stderr)
        return
    write_submission(submission, predictions, overwrite)
    print(f"wrote {submission}: {predictions.size} predictions, ImageId 1 to {predictions.size}")
    if predictions.size != KAGGLE_TEST_ROWS:
        print(f"note: Kaggle's test.csv has {KAGGLE_TEST_ROWS} digits, this file had {predictions.size}: Kaggle "
              "will refuse a submission with another number of rows", file=sys.stderr)


def arguments(argv):
    """(network, csv, submission or None, overwrite) from the command line, or None when it is not as above."""
    args, submission = list(argv), None
    overwrite = "--overwrite" in args
    if overwrite:
        args.remove("--overwrite")
    if "--submission" in args:
        at = args.index("--submission")
        if at + 1 == len(args):
            return None
        submission = args.pop(at + 1)
        args.pop(at)
    if len(args) != 2 or any(a.startswith("--") for a in args) or (overwrite and submission is None):
        return None
    return args[0], args[1], submission, overwrite


if __name__ == "__main__":
    parsed = arguments(sys.argv[1:])
    if parsed is None:
        sys.exit(__doc__)
    try:
        main(*parsed)
    except BadInputError as error:
        sys.exit(f"predict.py: {error}")
