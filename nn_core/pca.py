"""The hidden layer's map of the digits: principal component analysis (PCA) with NumPy's SVD.

For each digit the hidden layer computes A1, 10 numbers (n in general): a point in a 10-dimensional space that
no one can draw. PCA finds the two directions along which these points spread the most, and places each digit
at its two coordinates along them: a flat map that keeps as much of the spread as any flat map can.

    hidden_activations  A1 = g(W1 @ X + b1) from the first layer's weights alone (a snapshot has no more)
    pca                 centre, SVD, the first k directions, every point's coordinates, the share of variance kept
    project             other points onto directions found by pca
    nearest_centroid_accuracy   how well a map separates the digits: is each point nearest its own digit's centre?
"""

from dataclasses import dataclass

import numpy as np

from nn_core.network import activation_pair


def hidden_activations(W1, b1, X, activation="relu"):
    """A1 = g(W1 @ X + b1) for the examples X (784, m): the first hidden layer's output, (n, m).

    W1 : (n, 784), b1 : (n, 1). The rest of the network is not needed, so a copy of W1 and b1 kept at some
    step of training is enough to see the hidden layer as it was then.
    """
    g, _ = activation_pair(activation)
    return g(W1 @ X + b1)  # (n, m)


@dataclass(frozen=True)
class PCA:
    """What pca() found.

    mean       : (n, 1), the average point, subtracted first.
    directions : (n, k), the first k principal directions: unit length, at right angles to each other.
    P          : (k, m), each point's coordinates along them (column i: point i on the map).
    variance   : (k,), the variance of the points along each direction (the first is the largest).
    kept       : (k,), each direction's share of the total variance; kept.sum() is what the map keeps.
    """

    mean: np.ndarray
    directions: np.ndarray
    P: np.ndarray
    variance: np.ndarray
    kept: np.ndarray


def pca(A, k=2):
    """The k directions along which the m points A (n, m), one per column, spread the most.

    1. Centre: subtract the mean point, A_c = A - mean. PCA describes the spread around the middle.
    2. SVD: A_c = U @ diag(S) @ Vt, with the columns of U (n, n) unit length and at right angles, and
       S sorted from largest to smallest. The covariance matrix C = A_c @ A_c.T / m is then
       U @ diag(S**2 / m) @ U.T: the columns of U are C's eigenvectors, S**2 / m its eigenvalues.
    3. The first k columns of U are the directions; the coordinates are P = U[:, :k].T @ A_c (k, m).
       Along direction j the points have variance S[j]**2 / m.
    4. The total variance (the sum of every row's variance) is sum(S**2) / m, so direction j keeps the share
       S[j]**2 / sum(S**2) of it. Shares near 100% mean the flat map hides little.

    A direction and its opposite are equally good; each direction is turned so that its largest entry is
    positive, so the same points always give the same map. When n < k, or all the points are the same, the
    missing directions are zeros with 0% of the variance.
    """
    A = np.asarray(A, dtype=np.float64)
    if not np.isfinite(A).all():
        raise ValueError("A holds NaN or infinite numbers: PCA needs finite ones")
    n, m = A.shape
    mean = A.mean(axis=1, keepdims=True)  # (n, 1)
    A_c = A - mean  # (n, m)
    U, S, _ = np.linalg.svd(A_c, full_matrices=False)  # U (n, r), S (r,), r = min(n, m)
    total = np.sum(S ** 2)  # m times the total variance
    U, S = _with_zero_columns(U, S, k, n)
    U = U * np.where(U[np.abs(U).argmax(axis=0), range(k)] < 0, -1, 1)  # the largest entry of each column > 0
    kept = S ** 2 / total if total > 0 else np.zeros(k)
    return PCA(mean=mean, directions=U, P=U.T @ A_c, variance=S ** 2 / m, kept=kept)


def _with_zero_columns(U, S, k, n):
    """The first k columns of U and values of S; zero columns (and zero values) where there are fewer than k,
    or where S is 0 (no spread at all in that direction)."""
    U, S = U[:, :k], S[:k]
    S = np.where(S > S[:1] * 1e-12, S, 0.0) if S.size else S
    U = np.where(S > 0, U, 0.0)
    missing = k - S.size
    return np.hstack([U, np.zeros((n, missing))]), np.concatenate([S, np.zeros(missing)])


def project(found, A):
    """Coordinates on the map of pca's result `found` for other points A (n, m): (k, m).

    The same centring (by found.mean, not by A's own mean) and the same directions, so these points land where
    the map's own points would be.
    """
    return found.directions.T @ (np.asarray(A, dtype=np.float64) - found.mean)


def nearest_centroid_accuracy(P_fit, Y_fit, P, Y):
    """How well a map separates the digits: the share of the points P (k, m) whose nearest centre is their own
    digit's, Y (m,).

    Each digit's centre is the mean of its points in P_fit (k, m_fit) with labels Y_fit (m_fit,) (e.g. training
    digits, with P and Y the dev digits). A digit with no point in P_fit has no centre. 10% is chance for ten
    digits; 100% means every cloud is closer to its own centre than to any other.
    """
    digits = np.unique(Y_fit)
    centres = np.stack([P_fit[:, Y_fit == d].mean(axis=1) for d in digits], axis=1)  # (k, number of digits)
    distances = ((P[:, :, None] - centres[:, None, :]) ** 2).sum(axis=0)  # (m, number of digits)
    return float(np.mean(digits[distances.argmin(axis=1)] == np.asarray(Y)))
