"""The lesson's network: initialise, forward propagation, backpropagation, and the update step.

Shapes follow the lesson: X holds one example per column, so X is (784, m) and Y is (m,).
With the default layer sizes (784, 10, 10):
    W1 (10, 784)  b1 (10, 1)  Z1, A1 (10, m)
    W2 (10, 10)   b2 (10, 1)  Z2, A2 (10, m)
Deeper networks simply go on with W3, b3, Z3, A3, ... The last layer is always softmax.

`notebook=True` reproduces the original notebook's bugs so the app can show them beside the
corrected math: softmax with no max-shift, and every bias gradient summed into one scalar.
(Its third bug, m counted before the dev split, is a wrong `m` passed in by the caller.)
"""

import numpy as np

from nn_core.activations import ACTIVATIONS, softmax, softmax_notebook

__all__ = [
    "init_params", "forward_prop", "backward_prop", "update_params", "one_hot",
    "get_predictions", "get_accuracy", "compute_loss", "softmax", "layer_count",
]


def init_params(layer_sizes=(784, 10, 10), seed=0, init="he", dtype=np.float32):
    """Create the weights and biases of a fresh, untrained network.

    layer_sizes : (784, hidden..., 10). Layer l has W_l of shape (n_l, n_(l-1)) and b_l of shape (n_l, 1).
    seed : an int (or a numpy Generator), so that a run can be repeated exactly.
    init : "he"       -> W ~ normal(0, sqrt(2 / n_inputs)), b = 0: keeps ReLU signals at a steady size.
           "notebook" -> every W and b uniform in [-0.5, 0.5), the notebook's `np.random.rand(...) - 0.5`.
    Returns a dict {"W1", "b1", "W2", "b2", ...} of arrays of the given dtype.
    """
    if init not in ("he", "notebook"):
        raise ValueError(f"init must be 'he' or 'notebook', not {init!r}")
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(layer_sizes)):
        n_in, n_out = layer_sizes[l - 1], layer_sizes[l]
        if init == "notebook":
            W = rng.random((n_out, n_in)) - 0.5
            b = rng.random((n_out, 1)) - 0.5
        else:
            W = rng.standard_normal((n_out, n_in)) * np.sqrt(2 / n_in)
            b = np.zeros((n_out, 1))
        params[f"W{l}"] = W.astype(dtype)
        params[f"b{l}"] = b.astype(dtype)
    return params


def activation_pair(activation):
    """(g, g') for a hidden activation's name: "relu", "sigmoid", "tanh" or "linear"."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {activation!r}: choose one of {', '.join(ACTIVATIONS)}.")
    return ACTIVATIONS[activation]


def layer_count(params):
    """How many layers have parameters: 2 for the lesson's network (the input is layer 0)."""
    return len(params) // 2


# OpenBLAS, NumPy's matrix library, has a faster path for products of up to 100**3 multiply-adds, on processors
# with AVX-512 (what NumPy calls x86-64 level 4) only. Elsewhere every product takes the ordinary path.
SMALL_PRODUCT = 100**3
_SIMD = np.__config__.CONFIG["SIMD Extensions"]
SMALL_PATH = bool({"X86_V4", "AVX512_SKX"} & {*_SIMD["baseline"], *_SIMD["found"]})


def matmul(A, B):
    """A @ B. Where OpenBLAS has its path for small products (SMALL_PATH), a product just too big for it (W1 @ X_batch
    of 784-10-10 for 128 examples: 10 x 784 x 128 multiply-adds) is done as two halves of B's columns, each small
    enough: the same numbers, W1 @ X_batch in a third of the time. Without that path, two halves cost more than
    one product (71 against 57 microseconds, measured on an AVX2 processor), so it is one product."""
    if SMALL_PATH and SMALL_PRODUCT < A.shape[0] * A.shape[1] * B.shape[1] <= 2 * SMALL_PRODUCT:
        half = B.shape[1] // 2
        return np.concatenate([A @ B[:, :half], A @ B[:, half:]], axis=1)
    return A @ B


def matmul_transposed(dZ, A):
    """dZ @ A.T, a weight gradient's sum over the examples. When A holds its rows side by side in memory (a full
    batch's X, a layer's A) and the product is not a small one, OpenBLAS adds up the same terms faster as
    (A @ dZ.T).T: a third less time for dW1 of a full batch."""
    if A.flags.c_contiguous and dZ.shape[0] * dZ.shape[1] * A.shape[0] > SMALL_PRODUCT:
        return (A @ dZ.T).T
    return matmul(dZ, A.T)


def forward_prop(params, X, activation="relu", notebook=False):
    """Push the examples X (784, m) through the network, keeping every intermediate.

    Z_l = W_l @ A_(l-1) + b_l, with A0 = X; A_l = g(Z_l) for hidden layers and softmax(Z_l) for the last.
    Returns {"Z1", "A1", "Z2", "A2", ...}; each column of the last A holds ten probabilities summing to 1.
    """
    g, _ = activation_pair(activation)
    L = layer_count(params)
    cache = {}
    A = X
    for l in range(1, L + 1):
        Z = matmul(params[f"W{l}"], A) + params[f"b{l}"]  # W_l @ A_(l-1) + b_l, (n_l, m): b_l added to every column
        if l < L:
            A = g(Z)
        else:
            A = softmax_notebook(Z) if notebook else softmax(Z)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return cache


def one_hot(Y, num_classes=10, dtype=np.float32):
    """Labels (m,) -> a (10, m) matrix with a single 1 per column, in the row of that column's label."""
    Y = np.asarray(Y)
    one_hot_Y = np.zeros((num_classes, Y.size), dtype=dtype)
    one_hot_Y[Y, np.arange(Y.size)] = 1
    return one_hot_Y


def backward_prop(params, cache, X, Y, activation="relu", notebook=False, m=None, keep_dZ=False, one_hot_Y=None):
    """Backpropagation: how much each weight and bias contributed to the error, averaged over m examples.

    Starting from the output (softmax with cross-entropy gives the simple dZ_L = A_L - one_hot(Y)):
        dW_l = dZ_l @ A_(l-1).T / m          same shape as W_l
        db_l = dZ_l summed over the columns / m   (n_l, 1): one bias gradient per unit
        dZ_(l-1) = W_l.T @ dZ_l * g'(Z_(l-1))   the error passed back one layer
    m defaults to the number of columns of X. The notebook's bugs, when notebook=True: db is summed over
    everything into one scalar, and the caller passes the m it counted before splitting off the dev set.
    one_hot_Y : one_hot(Y) (10, m), when the caller has made it already (training makes it once, not every step).
    Returns {"dW1", "db1", "dW2", "db2", ...}; with keep_dZ=True also the error signal of every layer,
    {"dZ1", "dZ2", ...}, as a second dict (the Training page draws them).
    """
    _, g_deriv = activation_pair(activation)
    L = layer_count(params)
    m = X.shape[1] if m is None else m
    grads, dZs = {}, {}
    A_L = cache[f"A{L}"]
    if one_hot_Y is None:
        one_hot_Y = one_hot(Y, A_L.shape[0], A_L.dtype)  # (10, m)
    dZ = A_L - one_hot_Y  # (10, m)
    for l in range(L, 0, -1):
        dZs[f"dZ{l}"] = dZ
        A_prev = X if l == 1 else cache[f"A{l - 1}"]
        grads[f"dW{l}"] = matmul_transposed(dZ / m, A_prev)  # (1/m) dZ_l @ A_(l-1).T, (n_l, n_(l-1))
        if notebook:
            grads[f"db{l}"] = np.sum(dZ) / m  # the notebook's bug: one scalar shared by every unit
        else:
            grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m  # (n_l, 1)
        if l > 1:
            dZ = params[f"W{l}"].T @ dZ * g_deriv(cache[f"Z{l - 1}"])  # (n_(l-1), m)
    return (grads, dZs) if keep_dZ else grads


def update_params(params, grads, alpha):
    """One step of gradient descent: W <- W - alpha * dW, b <- b - alpha * db. Returns new params.

    alpha, the learning rate, is chosen by people (a hyperparameter); it is not learned.
    """
    return {name: value - alpha * grads["d" + name] for name, value in params.items()}


def get_predictions(A2):
    """The predicted digit of each example: the row with the highest probability. (10, m) -> (m,)."""
    return np.argmax(A2, axis=0)


def get_accuracy(predictions, Y):
    """The fraction of predictions (m,) that equal the labels Y (m,), a float in [0, 1]."""
    return float(np.mean(np.asarray(predictions) == np.asarray(Y)))


def compute_loss(A2, Y):
    """Cross-entropy: the average of -log(probability given to the right digit), 0 when always sure and right.

    A2 : (10, m) probabilities. Y : (m,) labels. A probability that underflowed to 0 is read as the smallest
    positive number, so a hopeless prediction costs about 87 (float32) instead of infinity.
    """
    p = A2[np.asarray(Y), np.arange(A2.shape[1])]  # (m,): the probability given to the right digit
    return -float(np.log(np.maximum(p, np.finfo(A2.dtype).tiny)).sum()) / p.size  # the average of -log(p)
