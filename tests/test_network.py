"""Tests for nn_core/network.py and nn_core/activations.py: shapes, known values, the notebook's bugs."""

import numpy as np
import pytest

from nn_core import network
from nn_core.activations import ACTIVATIONS, softmax, softmax_notebook
from nn_core.network import (
    SMALL_PRODUCT,
    backward_prop,
    compute_loss,
    forward_prop,
    get_accuracy,
    get_predictions,
    init_params,
    matmul,
    matmul_transposed,
    one_hot,
    update_params,
)


def small_batch(m=7, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((784, m), dtype=np.float32), rng.integers(0, 10, m)


def test_init_params_shapes_and_dtype():
    params = init_params()
    assert {k: v.shape for k, v in params.items()} == {
        "W1": (10, 784), "b1": (10, 1), "W2": (10, 10), "b2": (10, 1)}
    assert all(v.dtype == np.float32 for v in params.values())


def test_init_params_deeper_network_goes_on_with_W3():
    params = init_params((784, 32, 16, 10), dtype=np.float64)
    assert params["W3"].shape == (10, 16) and params["b3"].shape == (10, 1)
    assert params["W1"].dtype == np.float64


def test_init_notebook_is_uniform_in_minus_half_to_half_and_he_has_zero_bias():
    nb = init_params(init="notebook", seed=1)
    assert all(-0.5 <= v.min() and v.max() < 0.5 for v in nb.values())
    assert nb["b1"].std() > 0.1
    he = init_params(init="he", seed=1)
    assert np.all(he["b1"] == 0)
    assert he["W1"].std() == pytest.approx(np.sqrt(2 / 784), rel=0.05)


def test_init_is_repeatable_with_a_seed_and_rejects_unknown_init():
    a, b = init_params(seed=3), init_params(seed=3)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["W1"], init_params(seed=4)["W1"])
    with pytest.raises(ValueError, match="init"):
        init_params(init="zeros")


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_forward_prop_shapes_and_probabilities(activation):
    X, _ = small_batch()
    cache = forward_prop(init_params(seed=0), X, activation)
    assert set(cache) == {"Z1", "A1", "Z2", "A2"}
    assert all(v.shape == (10, 7) for v in cache.values())
    np.testing.assert_allclose(cache["A2"].sum(axis=0), 1, rtol=1e-5)
    assert (cache["A2"] >= 0).all()


def test_forward_prop_computes_the_lesson_formulas():
    X, _ = small_batch()
    p = init_params(seed=2)
    cache = forward_prop(p, X)
    Z1 = p["W1"] @ X + p["b1"]
    np.testing.assert_allclose(cache["Z1"], Z1, rtol=1e-6)
    np.testing.assert_allclose(cache["A1"], np.maximum(Z1, 0))
    Z2 = p["W2"] @ cache["A1"] + p["b2"]
    np.testing.assert_allclose(cache["A2"], np.exp(Z2) / np.exp(Z2).sum(axis=0), rtol=1e-5)


def test_known_values_of_activations():
    Z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(ACTIVATIONS["relu"][0](Z), [[0, 0, 3]])
    np.testing.assert_array_equal(ACTIVATIONS["relu"][1](Z), [[0, 0, 1]])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"][0](Z), 1 / (1 + np.exp(-Z)))
    assert ACTIVATIONS["sigmoid"][1](np.zeros((1, 1)))[0, 0] == pytest.approx(0.25)
    assert ACTIVATIONS["tanh"][1](np.zeros((1, 1)))[0, 0] == pytest.approx(1.0)
    np.testing.assert_array_equal(ACTIVATIONS["linear"][0](Z), Z)


def test_softmax_known_value_and_column_sums():
    A = softmax(np.array([[0.0, 1.0], [np.log(3), 1.0]]))
    np.testing.assert_allclose(A[:, 0], [0.25, 0.75])
    np.testing.assert_allclose(A[:, 1], [0.5, 0.5])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_stays_finite_for_huge_logits(dtype):
    Z = np.array([[1e4, -1e4], [0.0, 0.0], [-1e4, 1e4]], dtype=dtype)
    A = softmax(Z)
    assert np.isfinite(A).all()
    np.testing.assert_allclose(A.sum(axis=0), 1)
    np.testing.assert_allclose(A[:, 0], [1, 0, 0])


def test_notebook_softmax_overflows_to_nan():
    assert np.isnan(softmax_notebook(np.array([[1e4], [0.0]]))).any()


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise"):
        s = ACTIVATIONS["sigmoid"][0](np.array([[-1e4, 1e4]], dtype=np.float32))
    np.testing.assert_allclose(s, [[0, 1]])


def test_one_hot():
    np.testing.assert_array_equal(one_hot(np.array([2, 0])).T[:, :3], [[0, 0, 1], [1, 0, 0]])
    assert one_hot(np.array([9, 9, 1])).shape == (10, 3)
    assert one_hot(np.array([9, 9, 1])).sum() == 3


def test_backward_prop_shapes_match_params_with_one_bias_gradient_per_unit():
    X, Y = small_batch()
    p = init_params((784, 16, 10))
    grads = backward_prop(p, forward_prop(p, X), X, Y)
    assert {k: v.shape for k, v in grads.items()} == {"d" + k: v.shape for k, v in p.items()}


def test_backward_prop_output_layer_formulas():
    X, Y = small_batch(m=5)
    p = init_params(seed=1)
    cache = forward_prop(p, X)
    grads = backward_prop(p, cache, X, Y)
    dZ2 = cache["A2"] - one_hot(Y)
    np.testing.assert_allclose(grads["dW2"], dZ2 @ cache["A1"].T / 5, rtol=1e-5)
    np.testing.assert_allclose(grads["db2"], dZ2.mean(axis=1, keepdims=True), rtol=1e-5, atol=1e-7)


def test_backward_prop_hands_back_every_layers_dZ_on_request():
    X, Y = small_batch(m=6)
    p = init_params((784, 16, 8, 10), seed=2)
    cache = forward_prop(p, X)
    grads, dZ = backward_prop(p, cache, X, Y, keep_dZ=True)
    assert {k: v.shape for k, v in dZ.items()} == {"dZ1": (16, 6), "dZ2": (8, 6), "dZ3": (10, 6)}
    np.testing.assert_allclose(dZ["dZ3"], cache["A3"] - one_hot(Y), rtol=1e-6)
    np.testing.assert_allclose(dZ["dZ2"], p["W3"].T @ dZ["dZ3"] * (cache["Z2"] > 0), rtol=1e-5, atol=1e-8)
    for l, A_prev in ((1, X), (2, cache["A1"]), (3, cache["A2"])):  # each dW is its dZ times the layer's input
        np.testing.assert_allclose(grads[f"dW{l}"], dZ[f"dZ{l}"] @ A_prev.T / 6, rtol=1e-5, atol=1e-8)
    without = backward_prop(p, cache, X, Y)
    assert all(np.array_equal(without[k], grads[k]) for k in grads)


def test_notebook_mode_gives_scalar_db_and_corrected_mode_does_not():
    X, Y = small_batch()
    p = init_params()
    cache = forward_prop(p, X)
    notebook = backward_prop(p, cache, X, Y, notebook=True)
    corrected = backward_prop(p, cache, X, Y)
    assert np.ndim(notebook["db1"]) == 0 and np.ndim(notebook["db2"]) == 0
    assert corrected["db1"].shape == (10, 1)
    assert notebook["db2"] == pytest.approx(float(corrected["db2"].sum()), abs=1e-6)
    # the scalar moves every bias by the same amount:
    new_b1 = update_params(p, notebook, 0.1)["b1"] - p["b1"]
    assert np.allclose(new_b1, new_b1[0])


def test_m_counted_before_the_split_shrinks_every_gradient():
    X, Y = small_batch(m=10)
    p = init_params()
    cache = forward_prop(p, X)
    right = backward_prop(p, cache, X, Y)
    wrong = backward_prop(p, cache, X, Y, m=12)
    np.testing.assert_allclose(wrong["dW1"], right["dW1"] * 10 / 12, rtol=1e-5, atol=1e-8)


def test_backward_prop_with_the_one_hot_labels_made_beforehand_gives_the_same_gradients():
    rng = np.random.default_rng(0)
    X, Y = rng.random((784, 40)), rng.integers(0, 10, 40)
    params = init_params((784, 12, 10), seed=0, dtype=np.float64)
    cache = forward_prop(params, X)
    expected = backward_prop(params, cache, X, Y)
    grads = backward_prop(params, cache, X, Y, one_hot_Y=one_hot(Y, dtype=np.float64))
    assert all(np.array_equal(grads[k], expected[k]) for k in expected)


@pytest.mark.parametrize("small_path", [True, False])
@pytest.mark.parametrize("b", [128, 200, 37, 2000])
def test_the_products_of_forward_and_backward_prop_are_the_plain_products(b, small_path, monkeypatch):
    """matmul and matmul_transposed take other ways to the same numbers: two halves of a product just over
    OpenBLAS's limit for small products (b = 128, 200) where it has a path for them, the transposed product over
    a contiguous X (b = 2000)."""
    monkeypatch.setattr(network, "SMALL_PATH", small_path)
    halves, join = [], np.concatenate  # the products done as two halves, put side by side with np.concatenate
    rng = np.random.default_rng(b)
    W, dZ = rng.standard_normal((10, 784)).astype(np.float32), rng.standard_normal((10, b)).astype(np.float32)
    rows = rng.random((b, 784)).astype(np.float32)
    for X in (rows.T, np.ascontiguousarray(rows.T)):  # a batch gathered from rows, a full batch's X
        X64 = X.astype(np.float64)
        with monkeypatch.context() as spying:
            spying.setattr(np, "concatenate", lambda parts, axis: halves.append(axis) or join(parts, axis=axis))
            forward, gradient = matmul(W, X), matmul_transposed(dZ, X)
        np.testing.assert_allclose(forward, W.astype(np.float64) @ X64, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(gradient, dZ.astype(np.float64) @ X64.T, rtol=1e-4, atol=1e-4)
    assert (SMALL_PRODUCT < 10 * 784 * b <= 2 * SMALL_PRODUCT) == (b in (128, 200))
    # with the path: W @ X twice, and dZ @ X.T once (the gathered batch's); without it, never
    assert len(halves) == (3 if small_path and b in (128, 200) else 0)


def test_update_params_steps_against_the_gradient():
    p = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1))}
    g = {"dW1": np.full((2, 2), 2.0), "db1": np.ones((2, 1))}
    new = update_params(p, g, alpha=0.5)
    np.testing.assert_array_equal(new["W1"], np.zeros((2, 2)))
    np.testing.assert_array_equal(new["b1"], -0.5 * np.ones((2, 1)))
    np.testing.assert_array_equal(p["W1"], np.ones((2, 2)))  # the old params are untouched


def test_predictions_accuracy_and_loss():
    A2 = np.array([[0.9, 0.2, 0.5], [0.1, 0.8, 0.5]])
    assert get_predictions(A2).tolist() == [0, 1, 0]
    assert get_accuracy(get_predictions(A2), np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert compute_loss(A2, np.array([0, 1, 1])) == pytest.approx(-np.log([0.9, 0.8, 0.5]).mean())
    assert np.isfinite(compute_loss(np.array([[1.0], [0.0]]), np.array([1])))


def test_an_unknown_activation_gets_a_clear_message():
    X, Y = small_batch()
    params = init_params()
    with pytest.raises(ValueError, match="Unknown activation 'softplus'"):
        forward_prop(params, X, "softplus")
    with pytest.raises(ValueError, match="choose one of relu, sigmoid, tanh, linear"):
        backward_prop(params, forward_prop(params, X), X, Y, "softplus")
