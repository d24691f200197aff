"""Tests for nn_core/persistence.py: a saved network comes back exactly, and every bad file is refused clearly."""

import io
import json
import pickle
import zipfile

import numpy as np
import pytest

from nn_core.network import init_params
from nn_core.persistence import Training, hyperparams_from_dict, load_model, load_network, save_model
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK, Hyperparams, StepRecord, new_network


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def saved_arrays(hp=NOTEBOOK, **changes):
    """The arrays of a good saved file, with some replaced (None removes one)."""
    arrays = {**new_network(hp), "hyperparams": np.array(json.dumps(hp.as_dict()))}
    arrays.update(changes)
    return {k: v for k, v in arrays.items() if v is not None}


@pytest.mark.parametrize("hp", [NOTEBOOK, FAST_AND_ACCURATE, NOTEBOOK.with_changes(hidden_sizes=(32, 16),
                                                                                     activation="tanh",
                                                                                     notebook_bugs=True)])
def test_save_then_load_gives_back_the_same_network(hp):
    params = new_network(hp)
    loaded, loaded_hp = load_model(save_model(params, hp))
    assert loaded_hp == hp
    assert set(loaded) == set(params)
    for name in params:
        assert loaded[name].dtype == np.float32
        np.testing.assert_array_equal(loaded[name], params[name])


def test_load_accepts_a_path_and_an_open_file(tmp_path):
    path = tmp_path / "net.npz"
    path.write_bytes(save_model(new_network(NOTEBOOK), NOTEBOOK))
    assert load_model(path)[1] == NOTEBOOK
    assert load_model(str(path))[1] == NOTEBOOK
    with open(path, "rb") as f:
        assert load_model(f)[1] == NOTEBOOK


def test_the_file_is_a_plain_npz_with_json_hyperparameters():
    raw = save_model(new_network(NOTEBOOK), NOTEBOOK)
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        assert sorted(npz.files) == ["W1", "W2", "b1", "b2", "hyperparams"]
        assert json.loads(str(npz["hyperparams"]))["alpha"] == 0.1


def test_float64_weights_are_saved_as_float32():
    params = init_params(seed=1, dtype=np.float64)
    loaded, _ = load_model(save_model(params, NOTEBOOK))
    assert all(v.dtype == np.float32 for v in loaded.values())


@pytest.mark.parametrize("content, message", [
    (pickle.dumps({"W1": np.zeros((10, 784))}), "not an .npz"),
    (b"", "not an .npz"),
    (b"label,pixel0\n1,0\n", "not an .npz"),
    (np.lib.format.magic(1, 0) + b"rest of a lone .npy", "not an .npz"),
])
def test_files_that_are_not_npz_are_refused(content, message):
    with pytest.raises(ValueError, match=message):
        load_model(content)


def test_a_pickled_object_array_inside_the_npz_is_refused():
    objects = np.array([{"W1": 1}, None], dtype=object)
    with pytest.raises(ValueError, match="pickled"):
        load_model(npz_bytes(**saved_arrays(W1=objects)))


def test_a_zip_of_other_files_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(ValueError, match="not NumPy arrays"):
        load_model(buffer.getvalue())


@pytest.mark.parametrize("changes, message", [
    ({"hyperparams": None}, "no 'hyperparams'"),
    ({"W2": None}, "missing W2"),
    ({"W3": np.zeros((10, 10), np.float32)}, "unexpected W3"),
    ({"W1": np.zeros((10, 783), np.float32)}, r"W1 has shape \(10, 783\).*\(10, 784\)"),
    ({"b2": np.zeros((10,), np.float32)}, r"b2 has shape \(10,\)"),
    ({"W2": np.full((10, 10), np.nan, np.float32)}, "W2 contains inf or NaN"),
    ({"b1": np.full((10, 1), 1e300)}, "b1 contains inf or NaN"),
    ({"W2": np.array([["a"] * 10] * 10)}, "W2 must hold numbers"),
    ({"hyperparams": np.array("{not json")}, "not valid JSON"),
    ({"hyperparams": np.array([1.0, 2.0])}, "one piece of JSON text"),
])
def test_wrong_keys_shapes_or_values_are_refused_with_a_clear_message(changes, message):
    with pytest.raises(ValueError, match=message):
        load_model(npz_bytes(**saved_arrays(**changes)))


def test_shapes_must_match_the_saved_hidden_sizes():
    hp = NOTEBOOK.with_changes(hidden_sizes=(32,))
    with pytest.raises(ValueError, match="784-32-10"):
        load_model(npz_bytes(**saved_arrays(hyperparams=np.array(json.dumps(hp.as_dict())))))


@pytest.mark.parametrize("field, value, message", [
    ("alpha", -0.1, "alpha must be a number"),
    ("alpha", float("inf"), "alpha"),
    ("alpha", "0.1", "alpha"),
    ("hidden_sizes", [], "hidden_sizes must list"),
    ("hidden_sizes", [0], "hidden_sizes"),
    ("hidden_sizes", [10.5], "hidden_sizes"),
    ("activation", "softplus", "activation must be one of relu"),
    ("method", "adam", "method"),
    ("momentum", 1.0, "momentum"),
    ("iterations", True, "iterations"),
    ("seed", -1, "seed"),
    ("init", "zeros", "init"),
    ("notebook_bugs", "yes", "notebook_bugs"),
    ("learning_rate", 0.1, "Unknown hyperparameter"),
])
def test_hyperparameters_out_of_range_are_refused(field, value, message):
    values = {**NOTEBOOK.as_dict(), field: value}
    with pytest.raises(ValueError, match=message):
        hyperparams_from_dict(values)


def test_missing_hyperparameters_take_the_defaults():
    assert hyperparams_from_dict({"alpha": 0.5}) == Hyperparams(alpha=0.5)
    with pytest.raises(ValueError, match="named values"):
        hyperparams_from_dict([0.1])


def test_save_refuses_params_that_do_not_fit_the_hyperparameters():
    with pytest.raises(ValueError, match="W1 has shape"):
        save_model(new_network(NOTEBOOK), NOTEBOOK.with_changes(hidden_sizes=(20,)))


def test_a_file_that_is_too_big_is_refused():
    from nn_core import persistence

    with pytest.raises(ValueError, match="larger than"):
        load_model(b"0" * (persistence.MAX_FILE_BYTES + 1))


# ---------------------------------------------------------------------------------------------------------
# The training a file keeps: steps, seconds, how it ended, and the log
# ---------------------------------------------------------------------------------------------------------


def a_training(steps=3, total=5, layers=2):
    records = tuple(StepRecord(k, float(k), 2.5 - 0.1 * k, 0.1 * k, 0.2 if k == steps else None,
                               {f"W{l}": 0.01 * k + l for l in range(1, layers + 1)}) for k in range(1, steps + 1))
    return Training(steps, total, 0.75, "paused", records, tuple(0.25 * k for k in range(1, steps + 1)))


@pytest.mark.parametrize("hp", [NOTEBOOK, NOTEBOOK.with_changes(hidden_sizes=(16, 8))])
def test_a_network_keeps_its_steps_seconds_ending_and_log(hp):
    training = a_training(layers=len(hp.layer_sizes) - 1)
    params, loaded_hp, loaded = load_network(save_model(new_network(hp), hp, training))
    assert loaded_hp == hp and loaded == training
    assert loaded.records[0].dev_accuracy is None and loaded.records[-1].dev_accuracy == 0.2  # not measured: None
    assert set(load_model(save_model(new_network(hp), hp, training))[0]) == set(params)  # load_model as before


def test_an_older_file_without_training_still_loads():
    params, hp, training = load_network(save_model(new_network(NOTEBOOK), NOTEBOOK))
    assert hp == NOTEBOOK and training is None and set(params) == {"W1", "b1", "W2", "b2"}
    old = npz_bytes(**saved_arrays())  # written the way the app wrote files before it kept the training
    assert load_network(old)[2] is None


def training_arrays(**changes):
    raw = save_model(new_network(NOTEBOOK), NOTEBOOK, a_training())
    with np.load(io.BytesIO(raw)) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays.update(changes)
    return npz_bytes(**{k: v for k, v in arrays.items() if v is not None})


@pytest.mark.parametrize("changes, message", [
    ({"log": None}, "but not both"),
    ({"training": None}, "but not both"),
    ({"training": np.array("{not json")}, "not valid JSON"),
    ({"training": np.array(json.dumps({"steps": 3, "total": 5, "seconds": 1.0}))}, "steps, total, seconds and ending"),
    ({"training": np.array(json.dumps({"steps": 6, "total": 5, "seconds": 1.0, "ending": "finished"}))},
     "0 <= steps <= total"),
    ({"training": np.array(json.dumps({"steps": 3, "total": 5, "seconds": -1, "ending": "finished"}))},
     "seconds must be a number from 0 up"),
    ({"training": np.array(json.dumps({"steps": 3, "total": 5, "seconds": 1.0, "ending": "won"}))},
     "ending must be one of"),
    ({"log": np.zeros((2, 8))}, "must be 3 rows"),
    ({"log": np.ones((3, 8))}, "count its steps 1, 2, 3"),
])
def test_a_training_that_does_not_fit_is_refused_clearly(changes, message):
    with pytest.raises(ValueError, match=message):
        load_network(training_arrays(**changes))


def test_accuracies_in_the_log_must_lie_between_0_and_1():
    log = save_model(new_network(NOTEBOOK), NOTEBOOK, a_training())
    with np.load(io.BytesIO(log)) as npz:
        bad = npz["log"].copy()
    bad[0, 3] = 1.5
    with pytest.raises(ValueError, match="accuracies from 0 to 1"):
        load_network(training_arrays(log=bad))
