"""take_home/predict.py, run on its own in a subprocess, gives exactly the app's predictions; the training log
the page hands out with it has one row per step."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nn_core.mnist_files import load_sample
from nn_core.network import forward_prop, get_predictions
from nn_core.persistence import Training, save_model
from nn_core.training import NOTEBOOK, new_network, train, train_to_end
from views.training.save_load import log_csv

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "take_home" / "predict.py"


def write_csv(path, images, labels=None, header=True):
    columns = ([] if labels is None else ["label"]) + [f"pixel{i}" for i in range(784)]
    rows = images if labels is None else np.column_stack([labels, images])
    np.savetxt(path, rows, fmt="%d", delimiter=",", header=",".join(columns) if header else "", comments="")


@pytest.mark.parametrize("activation, hidden", [("relu", (10,)), ("tanh", (16, 8))])
@pytest.mark.parametrize("with_labels", [True, False])
def test_the_exported_script_gives_the_apps_predictions(tmp_path, activation, hidden, with_labels):
    digits = load_sample(ROOT / "data" / "mnist_sample.npz")
    images, labels = digits.images[:300], digits.labels[:300]
    X = (images.T / 255).astype(np.float32)
    hp = NOTEBOOK.with_changes(iterations=30, activation=activation, hidden_sizes=hidden, init="he")
    params, records = train_to_end(new_network(hp), X, labels.astype(np.int64), hp)
    training = Training(30, 30, 1.0, "finished", tuple(records), tuple(np.linspace(0, 1, 31)[1:]))
    (tmp_path / "network.npz").write_bytes(save_model(params, hp, training))  # the training log is skipped
    write_csv(tmp_path / "digits.csv", images, labels if with_labels else None, header=with_labels)

    out = subprocess.run([sys.executable, str(SCRIPT), "network.npz", "digits.csv"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60, check=True)
    printed = np.array(out.stdout.split(), dtype=int)
    expected = get_predictions(forward_prop(params, X, activation)["A2" if len(hidden) == 1 else "A3"])
    np.testing.assert_array_equal(printed, expected)
    assert ("accuracy:" in out.stderr) == with_labels


def test_the_script_needs_only_numpy():
    imports = [line for line in SCRIPT.read_text().splitlines() if line.startswith(("import ", "from "))]
    assert sorted(imports) == ["import json", "import numpy as np", "import sys"]


def test_without_arguments_it_prints_how_to_use_it():
    out = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "python predict.py network.npz digits.csv" in out.stderr


def test_the_training_log_has_one_row_per_step(tmp_path):
    digits = load_sample(ROOT / "data" / "mnist_sample.npz")
    X, Y = (digits.images[:500].T / 255).astype(np.float32), digits.labels[:500].astype(np.int64)
    hp = NOTEBOOK.with_changes(iterations=12)
    records = [record for _, record in train(new_network(hp), X, Y, hp, X[:, :100], Y[:100], eval_every=5)]
    (tmp_path / "log.csv").write_bytes(log_csv(records))
    log = pd.read_csv(tmp_path / "log.csv")
    assert list(log["step"]) == list(range(1, 13))
    assert list(log.columns[:5]) == ["step", "epoch", "loss", "train_accuracy", "dev_accuracy"]
    assert set(log.columns[5:]) == {"update_size_W1", "update_size_W2"}
    np.testing.assert_allclose(log["loss"], [r.loss for r in records], rtol=1e-6)
    assert log["dev_accuracy"].notna().sum() == sum(r.dev_accuracy is not None for r in records)


# ---------------------------------------------------------------------------------------------------------
# --submission: Kaggle's digit-recognizer round trip
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kaggle(tmp_path_factory):
    """A folder with a trained network.npz and a Kaggle-style test.csv (header pixel0..pixel783, no label)
    of 40 digits; returns (folder, the predictions nn_core makes for those digits)."""
    folder = tmp_path_factory.mktemp("kaggle")
    digits = load_sample(ROOT / "data" / "mnist_sample.npz")
    images, labels = digits.images[-40:], digits.labels[-40:]
    train_X = (digits.images[:1000].T / 255).astype(np.float32)
    hp = NOTEBOOK.with_changes(iterations=20, init="he")
    params, _ = train_to_end(new_network(hp), train_X, digits.labels[:1000].astype(np.int64), hp)
    (folder / "network.npz").write_bytes(save_model(params, hp))
    write_csv(folder / "test.csv", images)
    X = (images.T / 255).astype(np.float32)
    expected = get_predictions(forward_prop(params, X, hp.activation)["A2"])
    assert (folder / "test.csv").read_text().startswith("pixel0,pixel1,")
    return folder, expected, labels


def run_script(folder, *args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=folder, capture_output=True, text=True,
                          timeout=60)


def test_a_submission_has_kaggles_header_ids_and_the_networks_predictions(kaggle):
    folder, expected, _ = kaggle
    out = run_script(folder, "network.npz", "test.csv", "--submission", "submission.csv")
    assert out.returncode == 0, out.stderr
    assert "wrote submission.csv: 40 predictions" in out.stdout
    assert "Kaggle's test.csv has 28000 digits" in out.stderr  # a short file works, with a note
    written = pd.read_csv(folder / "submission.csv")
    assert list(written.columns) == ["ImageId", "Label"]
    assert list(written["ImageId"]) == list(range(1, 41))
    np.testing.assert_array_equal(written["Label"], expected)
    assert (folder / "submission.csv").read_text().splitlines()[:2] == ["ImageId,Label", f"1,{expected[0]}"]
    (folder / "submission.csv").unlink()


def test_without_submission_it_still_prints_one_digit_per_row(kaggle):
    folder, expected, _ = kaggle
    out = run_script(folder, "network.npz", "test.csv")
    assert out.returncode == 0, out.stderr
    np.testing.assert_array_equal(np.array(out.stdout.split(), dtype=int), expected)


def test_an_existing_file_is_kept_unless_overwrite_is_asked(kaggle):
    folder, expected, _ = kaggle
    (folder / "mine.csv").write_text("my notes\n")
    out = run_script(folder, "network.npz", "test.csv", "--submission", "mine.csv")
    assert out.returncode != 0
    assert out.stderr.strip() == ("predict.py: mine.csv already exists: give another name, or add --overwrite "
                                  "to replace it")
    assert (folder / "mine.csv").read_text() == "my notes\n"
    out = run_script(folder, "network.npz", "test.csv", "--submission", "mine.csv", "--overwrite")
    assert out.returncode == 0, out.stderr
    np.testing.assert_array_equal(pd.read_csv(folder / "mine.csv")["Label"], expected)


def bad_csv(folder, name, kind, kaggle_labels):
    digits = load_sample(ROOT / "data" / "mnist_sample.npz")
    path = folder / name
    if kind == "with labels":
        write_csv(path, digits.images[:5], kaggle_labels[:5])
    elif kind == "783 columns":
        write_csv(path, digits.images[:5, :783])
    elif kind == "words":
        path.write_text("pixel0,pixel1\nwhite,black\n")
    elif kind == "header only":
        path.write_text(",".join(f"pixel{i}" for i in range(784)) + "\n")
    return name


@pytest.mark.parametrize("kind, message", [
    ("with labels", "has a label column (785 columns): that is train.csv"),
    ("783 columns", "has 783 columns: expected 784 pixels"),
    ("words", "is not a CSV of numbers"),
    ("header only", "has no digits in it"),
    ("missing", "cannot read missing.csv: No such file or directory"),
])
def test_a_bad_test_csv_is_one_clear_line_and_no_file(kaggle, kind, message):
    folder, _, labels = kaggle
    name = bad_csv(folder, f"{kind.replace(' ', '_')}.csv", kind, labels) if kind != "missing" else "missing.csv"
    out = run_script(folder, "network.npz", name, "--submission", "out.csv")
    assert out.returncode != 0
    assert message in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert not (folder / "out.csv").exists()


def test_a_bad_network_file_or_an_unwritable_output_is_one_clear_line(kaggle):
    folder, _, _ = kaggle
    (folder / "notes.npz").write_text("not a network")
    out = run_script(folder, "notes.npz", "test.csv", "--submission", "out.csv")
    assert out.returncode != 0 and "notes.npz is not a network saved by the app" in out.stderr
    out = run_script(folder, "network.npz", "test.csv", "--submission", "no_such_folder/out.csv")
    assert out.returncode != 0 and out.stderr.startswith("predict.py: cannot write no_such_folder/out.csv")
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("args", [["network.npz", "test.csv", "--submission"],
                                  ["network.npz", "test.csv", "--overwrite"],
                                  ["network.npz", "--submission", "out.csv"]])
def test_an_incomplete_command_prints_how_to_use_it(kaggle, args):
    out = run_script(kaggle[0], *args)
    assert out.returncode != 0 and "--submission submission.csv" in out.stderr
