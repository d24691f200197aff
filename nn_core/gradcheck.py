"""Numerical gradient check: is backpropagation right? Compare it with a finite-difference estimate.

For one entry w of a parameter, nudge it both ways and watch the loss:
    dL/dw  ~  (L(w + eps) - L(w - eps)) / (2 eps)       (central difference, error of order eps^2)
Backpropagation computes the same number exactly, for every entry at once. If the two agree to about
1e-7 relative error (in float64), the backward pass is almost surely correct.
"""

import numpy as np

from nn_core.network import backward_prop, compute_loss, forward_prop


def loss_at(params, X, Y, activation="relu"):
    """The cross-entropy loss of the network on (X, Y)."""
    return compute_loss(forward_prop(params, X, activation)[f"A{len(params) // 2}"], Y)


def numerical_gradient(params, X, Y, name, index, activation="relu", eps=1e-6):
    """Central-difference estimate of dLoss/d params[name][index], computed in float64."""
    params = {k: v.astype(np.float64) for k, v in params.items()}
    X = X.astype(np.float64)
    original = params[name][index]
    params[name][index] = original + eps
    loss_plus = loss_at(params, X, Y, activation)
    params[name][index] = original - eps
    loss_minus = loss_at(params, X, Y, activation)
    return (loss_plus - loss_minus) / (2 * eps)


def relative_error(a, b):
    """|a - b| / (|a| + |b|): 0 when equal, 1 when one of them is 0 and the other is not."""
    denominator = abs(a) + abs(b)
    return 0.0 if denominator == 0 else abs(a - b) / denominator


def gradient_check(params, X, Y, entries, activation="relu", eps=1e-6):
    """Compare backprop's gradient with the numerical estimate at chosen entries.

    entries : a list of (name, index) such as ("W1", (3, 400)) or ("b2", (7, 0)).
    Returns one dict per entry: name, index, analytic, numerical, relative_error.
    """
    params64 = {k: v.astype(np.float64) for k, v in params.items()}
    X64 = X.astype(np.float64)
    grads = backward_prop(params64, forward_prop(params64, X64, activation), X64, Y, activation)
    rows = []
    for name, index in entries:
        analytic = float(grads["d" + name][index])
        numerical = float(numerical_gradient(params64, X64, Y, name, index, activation, eps))
        rows.append({
            "name": name, "index": tuple(index), "analytic": analytic, "numerical": numerical,
            "relative_error": relative_error(analytic, numerical),
        })
    return rows
