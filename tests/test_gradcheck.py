"""Tests for nn_core/gradcheck.py: backpropagation agrees with finite differences."""

import numpy as np
import pytest

from nn_core.gradcheck import gradient_check, relative_error
from nn_core.network import init_params


def entries_of(params, rng, per_param=4):
    out = []
    for name, value in params.items():
        for _ in range(per_param):
            out.append((name, tuple(int(rng.integers(0, n)) for n in value.shape)))
    return out


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "linear"])
@pytest.mark.parametrize("layer_sizes", [(784, 10, 10), (784, 12, 8, 10)])
def test_backprop_agrees_with_central_differences(activation, layer_sizes):
    rng = np.random.default_rng(42)
    X = rng.random((784, 6))
    Y = rng.integers(0, 10, 6)
    params = init_params(layer_sizes, seed=1, init="he", dtype=np.float64)
    # nonzero biases, so that db is checked on a real value
    params = {k: v + (0.1 * rng.standard_normal(v.shape) if k.startswith("b") else 0) for k, v in params.items()}
    rows = gradient_check(params, X, Y, entries_of(params, rng), activation)
    worst = max(r["relative_error"] for r in rows)
    assert worst < 1e-6, rows


def test_gradient_check_catches_a_wrong_gradient(monkeypatch):
    import nn_core.gradcheck as gc

    real = gc.backward_prop

    def off_by_two(*args, **kwargs):
        grads = real(*args, **kwargs)
        return {k: 2 * v for k, v in grads.items()}

    monkeypatch.setattr(gc, "backward_prop", off_by_two)
    rng = np.random.default_rng(0)
    params = init_params(seed=0, dtype=np.float64)
    rows = gc.gradient_check(params, rng.random((784, 4)), np.array([1, 2, 3, 4]), [("W2", (1, 2))], "sigmoid")
    assert rows[0]["relative_error"] == pytest.approx(1 / 3)  # |2g - g| / (|2g| + |g|)


def test_relative_error():
    assert relative_error(1.0, 1.0) == 0
    assert relative_error(0.0, 0.0) == 0
    assert relative_error(1.0, 0.0) == 1
    assert relative_error(1.0, 3.0) == pytest.approx(0.5)
