"""Tests for nn_core/pca.py: PCA by SVD against known maps and a covariance eigen-decomposition, and the issue's
check that training separates the digits on the hidden layer's map."""

import numpy as np
import pytest

from nn_core.network import forward_prop
from nn_core.pca import hidden_activations, nearest_centroid_accuracy, pca, project
from nn_core.training import NOTEBOOK, new_network, train_to_end


def test_points_on_a_line_keep_all_the_variance_on_the_first_direction():
    t = np.linspace(-3, 5, 40)
    direction = np.array([[1.0], [2.0], [-2.0]]) / 3  # unit length
    A = np.array([[4.0], [0.0], [1.0]]) + direction * t  # (3, 40), every point on one line
    found = pca(A)
    np.testing.assert_allclose(found.kept, [1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(np.abs(found.directions[:, 0]), np.abs(direction[:, 0]))
    np.testing.assert_allclose(np.abs(found.P[0]), np.abs(t - t.mean()))  # the coordinate along the line
    np.testing.assert_allclose(found.P[1], 0, atol=1e-12)
    np.testing.assert_allclose(found.mean, A.mean(axis=1, keepdims=True))
    assert found.directions[:, 0][np.abs(found.directions[:, 0]).argmax()] > 0  # the sign rule


def test_a_known_spread_gives_known_shares():
    """Points spread by 3 along x and by 1 along y (standard deviations): variances 9 and 1, so the map
    keeps 90% then 10%, and the directions are the axes."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((2, 20_000)) * np.array([[3.0], [1.0]])
    A = (A - A.mean(axis=1, keepdims=True)) / A.std(axis=1, keepdims=True) * np.array([[3.0], [1.0]])
    A[1] -= np.dot(A[1], A[0]) / np.dot(A[0], A[0]) * A[0]  # exactly uncorrelated
    found = pca(A)
    np.testing.assert_allclose(found.kept, [0.9, 0.1], rtol=1e-3)
    np.testing.assert_allclose(found.variance, [9.0, 1.0], rtol=1e-3)
    np.testing.assert_allclose(np.abs(found.directions), np.eye(2), atol=1e-3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_directions_are_orthonormal_and_match_the_covariance_eigenvectors(seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((10, 10)) @ rng.standard_normal((10, 500)) + rng.standard_normal((10, 1))  # (10, 500)
    found = pca(A, k=3)
    U = found.directions
    np.testing.assert_allclose(U.T @ U, np.eye(3), atol=1e-12)  # unit length, at right angles
    A_c = A - A.mean(axis=1, keepdims=True)
    C = A_c @ A_c.T / A.shape[1]  # the covariance matrix, (10, 10)
    values, vectors = np.linalg.eigh(C)  # ascending
    values, vectors = values[::-1], vectors[:, ::-1]
    np.testing.assert_allclose(found.variance, values[:3], rtol=1e-10)
    np.testing.assert_allclose(found.kept, values[:3] / values.sum(), rtol=1e-10)
    np.testing.assert_allclose(np.abs(U.T @ vectors[:, :3]), np.eye(3), atol=1e-8)  # same lines, up to sign
    np.testing.assert_allclose(found.P.var(axis=1), values[:3], rtol=1e-10)
    np.testing.assert_allclose(found.P @ found.P.T / A.shape[1], np.diag(values[:3]), atol=1e-8)  # uncorrelated


def test_project_puts_the_maps_own_points_where_pca_put_them():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((10, 200))
    found = pca(A)
    np.testing.assert_allclose(project(found, A), found.P, atol=1e-12)
    np.testing.assert_allclose(project(found, found.mean), 0, atol=1e-12)  # the mean point is the map's origin


def test_no_spread_or_too_few_units_give_zero_directions_not_errors():
    dead = pca(np.zeros((10, 50)))  # every ReLU unit dead: all of A1 is 0
    assert dead.P.shape == (2, 50) and not dead.P.any() and not dead.kept.any()
    one_unit = pca(np.arange(6.0).reshape(1, 6))  # a hidden layer of one unit: one direction only
    np.testing.assert_allclose(one_unit.kept, [1.0, 0.0])
    assert one_unit.directions.shape == (1, 2) and not one_unit.P[1].any()
    with pytest.raises(ValueError, match="NaN"):
        pca(np.array([[1.0, np.nan], [0.0, 1.0]]))


def test_hidden_activations_are_forward_props_A1():
    params = new_network(NOTEBOOK.with_changes(activation="tanh", hidden_sizes=(16, 8)))
    X = np.random.default_rng(0).random((784, 30)).astype(np.float32)
    np.testing.assert_allclose(hidden_activations(params["W1"], params["b1"], X, "tanh"),
                               forward_prop(params, X, "tanh")["A1"])


def test_nearest_centroid_accuracy_on_clouds_we_placed():
    centres = np.array([[0.0, 10.0, 0.0], [0.0, 0.0, 10.0]])  # three digits, far apart
    Y = np.repeat([0, 1, 2], 20)
    P = centres[:, Y] + np.random.default_rng(0).standard_normal((2, 60))
    assert nearest_centroid_accuracy(P, Y, P, Y) == 1.0
    assert nearest_centroid_accuracy(P, Y, centres, np.array([1, 2, 0])) == 0.0  # each centre called wrongly
    assert nearest_centroid_accuracy(P, Y, np.array([[4.0], [0.0]]), [0]) == 1.0  # nearer 0's centre than 1's


def map_accuracy(params, split):
    """The issue's measure: the hidden layer's map fitted on 3,000 training digits, each digit's centre taken
    there, then the share of dev digits nearest their own digit's centre."""
    W1, b1 = params["W1"], params["b1"]
    found = pca(hidden_activations(W1, b1, split.X_train[:, :3000]))
    P_dev = project(found, hidden_activations(W1, b1, split.X_dev))
    return nearest_centroid_accuracy(found.P, split.Y_train[:3000], P_dev, split.Y_dev)


def test_training_separates_the_digits_on_the_hidden_layers_map(sample_split):
    hp = NOTEBOOK.with_changes(iterations=100, init="he")
    untrained = new_network(hp)
    before = map_accuracy(untrained, sample_split)
    trained, _ = train_to_end(untrained, sample_split.X_train[:, :3000], sample_split.Y_train[:3000], hp)
    after = map_accuracy(trained, sample_split)
    assert after > before + 0.1, (before, after)  # measured: about 23% before, 44% after
    assert after > 0.3
