"""Activation functions, each beside its derivative, and softmax for the output layer.

Every function works element-wise on a matrix Z of shape (units, m): one column per example.
"""

import numpy as np


def relu(Z):
    """ReLU(z) = max(z, 0): negative inputs are switched off."""
    return np.maximum(Z, 0)


def relu_deriv(Z):
    """ReLU'(z) = 1 where z > 0, else 0 (we take 0 at the kink z = 0)."""
    return (Z > 0).astype(Z.dtype)


def sigmoid(Z):
    """sigmoid(z) = 1 / (1 + e^-z), squashing any number into (0, 1).

    Written as exp(-log(1 + e^-z)) so that a large negative z does not overflow.
    """
    return np.exp(-np.logaddexp(0, -Z)).astype(Z.dtype)


def sigmoid_deriv(Z):
    """sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)), at most 0.25."""
    s = sigmoid(Z)
    return s * (1 - s)


def tanh(Z):
    """tanh(z) squashes any number into (-1, 1), centred on 0."""
    return np.tanh(Z)


def tanh_deriv(Z):
    """tanh'(z) = 1 - tanh(z)^2."""
    return 1 - np.tanh(Z) ** 2


def linear(Z):
    """No activation at all: the layer stays a linear map (to show why we need one)."""
    return Z


def linear_deriv(Z):
    """The derivative of z is 1 everywhere."""
    return np.ones_like(Z)


# name -> (g, g'): the hidden-layer activations a visitor can choose from.
ACTIVATIONS = {
    "relu": (relu, relu_deriv),
    "sigmoid": (sigmoid, sigmoid_deriv),
    "tanh": (tanh, tanh_deriv),
    "linear": (linear, linear_deriv),
}


def softmax(Z):
    """Turn each column of scores Z (10, m) into probabilities that sum to 1.

    softmax(z)_k = e^(z_k) / sum_j e^(z_j). Subtracting the column's largest score first changes nothing
    mathematically (it cancels in the division) but keeps e^z from overflowing: logits of 1e4 stay finite.
    """
    E = np.exp(Z - Z.max(axis=0, keepdims=True))  # (10, m), every entry in (0, 1]
    return E / E.sum(axis=0, keepdims=True)


def softmax_notebook(Z):
    """The notebook's softmax, with no max-shift: e^z overflows to inf for z > ~88 (float32), giving NaN.

    Kept only so the app can show that bug beside the corrected softmax above.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(Z) / np.sum(np.exp(Z), axis=0, keepdims=True)
