"""take_home/predict.py, run on its own in a subprocess, gives exactly the app's predictions; the training log
the page hands out with it has one row per step."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.downloads import log_csv
from nn_core.mnist_files import load_sample
from nn_core.network import forward_prop, get_predictions
from nn_core.persistence import save_model
from nn_core.training import NOTEBOOK, new_network, train, train_to_end

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
    params, _ = train_to_end(new_network(hp), X, labels.astype(np.int64), hp)
    (tmp_path / "network.npz").write_bytes(save_model(params, hp))
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
