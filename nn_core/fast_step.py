"""The lean training step: the numbers of forward_prop, backward_prop and update_params, with less work.

The lesson's functions are written to be read, one equation per line. Training calls them thousands of times,
so the loop in training.py uses this module instead, which computes the same gradients and the same update:
    * mini-batches are read from a copy of X with one example per row (784 numbers side by side in memory),
      so the 128 examples of a batch are 128 contiguous rows, not 128 columns scattered over all of X;
      `.T` of those rows is the lesson's X_batch (784, b), at no cost; the copy of the app's (read-only) data
      is made once and kept for the next run;
    * the labels are turned into one-hot columns once, not at every step;
    * dZ of the last layer is A_L - one_hot(Y), divided by m once, so no dW needs its own division;
    * momentum's velocity v is updated in place, and each new weight is made as one new array;
    * the loss is computed in place on the right digits' probabilities, which it picks out once;
    * two products are written the way OpenBLAS runs them fastest (times, weight_gradient): the same sums.
Each step still returns a new params dict of new arrays, so a params dict handed out is never changed later.
"""

import weakref

import numpy as np

from nn_core.network import activation_pair, compute_loss, get_predictions, layer_count, one_hot

# The row-ordered copies of read-only X's trained on lately: {id(X): (weak reference to X, its rows)}.
_ROWS_KEPT = 2
_kept_rows = {}


def example_rows(X, block=2048):
    """X (784, m), one example per column -> (m, 784), one example per row: X.T with its rows contiguous.

    When X is itself the transpose of such rows, that is X.T, at no cost. Otherwise it is a copy, made a block
    of columns at a time, so that each block is read and written while it sits in the cache. The copy of a
    read-only X (the app's data: it cannot change) is kept while X lives, for the next run on the same digits;
    the copies of the last two such X's are kept.
    """
    if X.T.flags.c_contiguous:
        return X.T
    kept = _kept_rows.get(id(X))
    if kept is not None and kept[0]() is X:
        return kept[1]
    rows = np.empty((X.shape[1], X.shape[0]), X.dtype)
    for start in range(0, X.shape[1], block):
        rows[start:start + block] = X[:, start:start + block].T
    if not X.flags.writeable:
        while len(_kept_rows) >= _ROWS_KEPT:
            _kept_rows.pop(next(iter(_kept_rows)))
        key = id(X)
        _kept_rows[key] = (weakref.ref(X, lambda _, key=key: _kept_rows.pop(key, None)), rows)
    return rows


def one_hot_rows(Y, dtype=np.float32):
    """Labels (m,) -> (m, 10): one_hot(Y) with one example per row, to be gathered like example_rows."""
    return np.ascontiguousarray(one_hot(Y, dtype=dtype).T)


def loss(A_L, Y):
    """compute_loss(A_L, Y) with fewer steps: -log of the right digit's probability, averaged over the b columns."""
    p = A_L[Y, np.arange(Y.size)]
    np.maximum(p, np.finfo(p.dtype).tiny, out=p)
    return -float(np.log(p, out=p).sum()) / p.size


# OpenBLAS multiplies small matrices, up to 100 x 100 x 100 multiply-adds, without first repacking them.
SMALL_PRODUCT = 100**3


def in_two_halves(multiply_adds):
    """True for a product just too big for OpenBLAS's path for small products, which two halves would each fit."""
    return SMALL_PRODUCT < multiply_adds <= 2 * SMALL_PRODUCT


def times(W, A):
    """W @ A, (n_l, b). When that product is just too big for OpenBLAS's path for small products (784-10-10's
    W1 @ X_batch with 128 examples: 10 x 784 x 128 multiply-adds), it is done in two halves of A's columns,
    each small enough: the same numbers, in 50 to 65% of the time."""
    n, b = W.shape[0], A.shape[1]
    if not in_two_halves(n * W.shape[1] * b):
        return W @ A
    Z = np.empty((n, b), np.result_type(W, A))
    np.matmul(W, A[:, :b // 2], out=Z[:, :b // 2])
    np.matmul(W, A[:, b // 2:], out=Z[:, b // 2:])
    return Z


def weight_gradient(dZ, A_prev):
    """dZ @ A_prev.T, (n_l, n_(l-1)): the sum over the b examples of each unit's error times each input.

    When A_prev holds its examples side by side in memory (a full batch of X), OpenBLAS is faster at the
    transposed product (A_prev @ dZ.T).T, which adds up the same terms. When the product is just too big for
    OpenBLAS's path for small products (as in times), the sum is split in two halves of the examples, each a
    small product, then added: the same terms in a different order, in about 60% of the time.
    """
    if A_prev.flags.c_contiguous:
        return (A_prev @ dZ.T).T
    b = dZ.shape[1]
    if not in_two_halves(dZ.shape[0] * A_prev.shape[0] * b):
        return dZ @ A_prev.T
    dW = dZ[:, :b // 2] @ A_prev[:, :b // 2].T
    dW += dZ[:, b // 2:] @ A_prev[:, b // 2:].T
    return dW


def forward(params, X, g):
    """[A0, A1, ..., A_L] for X (784, b): forward_prop's A's, with A0 = X. g is the hidden activation."""
    L = layer_count(params)
    A = [X]
    for l in range(1, L + 1):
        Z = times(params[f"W{l}"], A[-1])  # W_l @ A_(l-1), (n_l, b)
        Z += params[f"b{l}"]
        if l < L:
            A.append(g(Z))
        else:  # softmax, in place: the same steps as activations.softmax
            Z -= Z.max(axis=0, keepdims=True)
            np.exp(Z, out=Z)
            Z /= Z.sum(axis=0, keepdims=True)
            A.append(Z)
    return A


def backward(params, A, Y_hot, g_deriv, m):
    """backward_prop's gradients from forward's A's and the one-hot labels Y_hot (10, b), averaged over m.

    g_deriv gives g'(Z) from the layer's output A = g(Z) (see DERIVATIVES).
    """
    L = len(A) - 1
    dZ = A[L] - Y_hot  # (10, b)
    dZ /= m  # every gradient below is a product of dZ, so each is already divided by m
    grads = {}
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = weight_gradient(dZ, A[l - 1])  # dZ_l @ A_(l-1).T, (n_l, n_(l-1))
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)  # (n_l, 1)
        if l > 1:
            dZ = params[f"W{l}"].T @ dZ  # (n_(l-1), b)
            dZ *= g_deriv(A[l - 1])
    return grads


# g'(Z) written with the layer's output A = g(Z), which forward keeps (the values of activations.py's g').
DERIVATIVES = {
    "relu": lambda A: A > 0,
    "sigmoid": lambda A: A * (1 - A),
    "tanh": lambda A: 1 - A * A,
    "linear": lambda A: 1,
}


def gradients(params, X, Y_hot, activation="relu", m=None):
    """The gradients over the columns of X (784, b) with one-hot labels Y_hot (10, b), divided by m (b if None).

    Returns (grads, A_L): A_L (10, b) holds the probabilities the network gave before this update.
    """
    g, _ = activation_pair(activation)
    A = forward(params, X, g)
    grads = backward(params, A, Y_hot, DERIVATIVES[activation], X.shape[1] if m is None else m)
    return grads, A[-1]


def full_batch(params, X, Y, Y_hot, activation="relu", chunk=50_000):
    """gradients over all m columns of X (784, m), a slice of columns at a time, added up.

    One slice holds up to 50,000 examples: few NumPy calls per step, so little time in Python, while a
    784-128-10's Z1, A1 and dZ1 stay at 25 MB each. (10,000 per slice made the step 15 to 50% slower.)

    Y (m,) are the labels and Y_hot (10, m) the same as one-hot columns. Returns (grads, loss, accuracy),
    the loss and accuracy over all m examples, before the update.
    """
    m = X.shape[1]
    total, loss_sum, correct = None, 0.0, 0
    for start in range(0, m, chunk):
        part = slice(start, start + chunk)
        grads, A_L = gradients(params, X[:, part], Y_hot[:, part], activation, m)
        if total is None:
            total = grads
        else:
            for k in total:
                total[k] += grads[k]
        loss_sum += compute_loss(A_L, Y[part]) * A_L.shape[1]
        correct += right_answers(A_L, Y[part])
    return total, loss_sum / m, correct / m


def right_answers(A_L, Y):
    """How many columns of A_L (10, b) have their highest probability at the right digit Y (b,).

    The count behind get_accuracy(get_predictions(A_L), Y), without argmax walking down every column: a column
    is right when the right digit's probability equals the column's highest, and a column whose highest is
    shared (or is NaN) is left to get_predictions, which picks the first digit of a tie.
    """
    best = A_L.max(axis=0)  # (b,)
    right = A_L[Y, np.arange(Y.size)] == best
    unclear = (A_L == best).sum(axis=0) != 1
    if unclear.any():
        right[unclear] = get_predictions(A_L[:, unclear]) == Y[unclear]
    return int(right.sum())


def momentum_update(params, grads, velocity, alpha, momentum):
    """update_params with momentum: v <- momentum * v + grad (in place, in `velocity`), then W <- W - alpha * v.

    velocity : a dict of arrays like params (zeros at the start), unused without momentum. Returns new params,
    each made with one new array: (-alpha * v) + W, which is the same number as W - alpha * v.
    """
    new = {}
    for name, W in params.items():
        step = grads["d" + name]
        if momentum:
            step = velocity[name]
            step *= momentum
            step += grads["d" + name]
        new[name] = step * -alpha
        new[name] += W
    return new
