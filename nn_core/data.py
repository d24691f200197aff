"""The digits the network learns from, and how they become X and Y: the lesson's part of the data.

Every MNIST digit is a 28 x 28 greyscale image: 784 numbers from 0 (black) to 255 (white), plus a label 0..9.
Stored on disk, one image is one ROW of 784 numbers, so m images make an (m, 784) matrix. The network wants
the opposite orientation: one example per COLUMN, X of shape (784, m), each pixel divided by 255.

``split_dev`` does what the notebook does: shuffle, hold out a dev set that is never trained on, transpose so
each example is a column, and divide by 255. Where the digits come from (full MNIST, the bundled sample, a CSV,
a download) is in nn_core/mnist_files.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIDE = 28  # each image is SIDE x SIDE pixels
PIXELS = SIDE * SIDE  # 784 inputs, one per pixel


@dataclass(frozen=True)
class DigitSet:
    """A set of labelled digits as stored: one image per row.

    images : ndarray of shape (n, 784), uint8 0..255
    labels : ndarray of shape (n,), uint8 0..9
    test_images, test_labels : the same for a real test set (full MNIST only), else None
    source : "full MNIST", "bundled sample" or "uploaded CSV"
    description : one sentence for the page
    warning : why a better source was not used (empty when nothing went wrong)
    """

    images: np.ndarray
    labels: np.ndarray
    test_images: np.ndarray | None
    test_labels: np.ndarray | None
    source: str
    description: str
    warning: str = ""


@dataclass(frozen=True)
class Split:
    """The digits as the network sees them: one example per column, pixels scaled to [0, 1].

    X_train : ndarray of shape (784, m_train), float32    Y_train : ndarray of shape (m_train,), int64
    X_dev   : ndarray of shape (784, m_dev), float32      Y_dev   : ndarray of shape (m_dev,), int64
    X_test  : ndarray of shape (784, n_test), float32, or None (only full MNIST has a test set)
    Y_test  : ndarray of shape (n_test,), int64, or None
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    X_dev: np.ndarray
    Y_dev: np.ndarray
    X_test: np.ndarray | None
    Y_test: np.ndarray | None


# ---------------------------------------------------------------------------------------------------------
# From stored digits to X and Y: the notebook's preparation
# ---------------------------------------------------------------------------------------------------------


def _as_columns(images):
    """(n, 784) uint8 rows -> X of shape (784, n), float32 in [0, 1]: transpose, then divide by 255."""
    return np.divide(images.T, 255, dtype=np.float32, order="C")  # C order: W1 @ X runs faster


def split_dev(data: DigitSet, dev_size=1000, seed=0) -> Split:
    """Shuffle the digits, hold out the first `dev_size` as the dev set, and train on the rest.

    The dev set is never trained on: it tells us how well the network does on digits it has not seen.
    Each set becomes X with one example per column, (784, m), pixels / 255, and Y, the (m,) labels.
    A real test set (full MNIST) is converted the same way but never mixed into training or dev.
    """
    m = len(data.labels)
    if isinstance(dev_size, bool) or not isinstance(dev_size, (int, np.integer)) or not 1 <= dev_size < m:
        raise ValueError(
            f"The dev set must hold between 1 and {m - 1:,} digits (there are {m:,} digits, and at least one "
            f"must stay for training), but dev_size is {dev_size!r}."
        )
    order = np.random.default_rng(seed).permutation(m)
    dev, train = order[:dev_size], order[dev_size:]
    X_test = Y_test = None
    if data.test_images is not None:
        X_test, Y_test = _as_columns(data.test_images), data.test_labels.astype(np.int64)
    return Split(
        X_train=_as_columns(data.images[train]),  # (784, m - dev_size)
        Y_train=data.labels[train].astype(np.int64),
        X_dev=_as_columns(data.images[dev]),  # (784, dev_size)
        Y_dev=data.labels[dev].astype(np.int64),
        X_test=X_test,
        Y_test=Y_test,
    )
