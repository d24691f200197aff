"""The Training page's "Save / load" tab: the network as one .npz file (NumPy arrays and JSON text, no
pickles) to download and load back, and what the page hands out with it: predict.py and the training log.
"""

from pathlib import Path

import pandas as pd
import streamlit as st

from nn_core.persistence import MAX_FILE_BYTES, load_network, save_model
from training_runs.runs import training_of
from views.training.controls import CONTROLS, set_controls
from views.training.run_buttons import load_run

LOADED, LOAD_ERROR = "training_loaded_file", "training_load_error"
SCRIPT = Path(__file__).resolve().parents[2] / "take_home" / "predict.py"
LOG_COLUMNS = ("step", "epoch", "loss", "train_accuracy", "dev_accuracy")


def on_upload():
    """Read an uploaded network; on success it becomes the visitor's network and sets the controls."""
    file = st.session_state.get("tr_upload")
    if file is None:
        return
    try:
        params, hp, training = load_network(file)
    except ValueError as error:
        st.session_state[LOAD_ERROR] = f"**{file.name}** was not loaded: {error}"
        return
    st.session_state.pop(LOAD_ERROR, None)
    set_controls(hp)
    st.session_state[CONTROLS] = hp
    load_run(file.name, params, hp, training)
    st.session_state[LOADED] = f"Loaded **{file.name}**: {'-'.join(map(str, hp.layer_sizes))} {hp.activation}" + (
        f", {training.steps:,} steps with their log." if training else
        ": the file keeps no training log (an older version of the app saved it).")


def network_file(model):
    """The bytes of the model's .npz: its weights, its hyperparameters, and its training when the model is a run's
    current weights (steps, seconds, how it ended, the log). Raises ValueError when it cannot be saved."""
    run = model.run
    return save_model(model.params, model.hp, training_of(run) if run is not None and run.params is model.params
                      else None)


def save_and_load(model):
    left, right = st.columns(2)
    with left:
        st.markdown("**💾 Save** the current network: its weights, its hyperparameters and its training log in one "
                    ".npz file (NumPy arrays and JSON text; no pickles).")
        arch = "-".join(map(str, model.hp.layer_sizes))
        try:
            data = network_file(model)
        except ValueError as error:
            st.error(f"This network cannot be saved: {error}")
        else:
            st.download_button("⬇️ Download the network", data, file_name=f"network-{arch}.npz",
                               mime="application/octet-stream", key="tr_download", on_click="ignore",
                               help="A file you can load back here later, or share with the class.")
    with right:
        st.file_uploader("📂 Load a network saved by this app", type=["npz"], key="tr_upload", on_change=on_upload,
                         max_upload_size=MAX_FILE_BYTES // 1_000_000,
                         help="It replaces your current network (and sets the controls to its hyperparameters). "
                              "A file that is not a valid network is refused and your network stays.")
        if LOAD_ERROR in st.session_state:
            st.error(st.session_state[LOAD_ERROR])
        elif LOADED in st.session_state:
            st.success(st.session_state[LOADED])
    take_home(model)


def log_table(records):
    """The StepRecords of a run as a table: one row per gradient step, and one update_size_W<l> column per
    weight matrix (the RMS of its gradient). Accuracies are empty at steps where they were not measured."""
    layers = list(records[0].update_size) if records else []
    columns = [*LOG_COLUMNS, *(f"update_size_{name}" for name in layers)]
    rows = [(r.step, r.epoch, r.loss, r.train_accuracy, r.dev_accuracy, *(r.update_size[n] for n in layers))
            for r in records]
    return pd.DataFrame(rows, columns=columns)


def log_csv(records) -> bytes:
    """The training log as the bytes of a CSV file (a header line, then one line per step)."""
    return log_table(records).to_csv(index=False).encode()


def take_home(model):
    """The three download buttons, with how to use the files at home."""
    st.subheader("🎒 Take it home")
    st.markdown("Three files to keep working without this app: your network, a short script that reads digits "
                "with it using nothing but NumPy, and the log of its training (one row per step).")
    arch = "-".join(map(str, model.hp.layer_sizes))
    file_name = f"network-{arch}.npz"
    c1, c2, c3 = st.columns(3)
    try:
        c1.download_button("⬇️ The network (.npz)", network_file(model), file_name=file_name,
                           mime="application/octet-stream", key="tr_home_network", on_click="ignore",
                           width="stretch", help="W1, b1, W2, b2, ... and the hyperparameters that made them, with "
                                                 "the training's steps, seconds and log, so a load shows its curves.")
    except ValueError as error:
        c1.error(f"This network cannot be saved: {error}")
    c2.download_button("⬇️ predict.py", SCRIPT.read_bytes(), file_name="predict.py", mime="text/x-python",
                       key="tr_home_script", on_click="ignore", width="stretch",
                       help="Forward propagation in a page of NumPy: the same predictions as this app.")
    c3.download_button("⬇️ Training log (.csv)", log_csv(model.history), file_name=f"training-log-{arch}.csv",
                       mime="text/csv", key="tr_home_log", on_click="ignore", width="stretch",
                       disabled=not model.history,
                       help="step, epoch, loss, train and dev accuracy, and each layer's update size: plot it in "
                            "a spreadsheet or with pandas. Empty until the network has been trained here.")
    st.markdown("At home, with Python and NumPy, and a CSV of digits (784 pixel values 0-255 per row, like "
                "Kaggle's train.csv; a header line and a `label` column are allowed):")
    st.code(f"python predict.py {file_name} digits.csv", language="bash")
    st.caption("It prints one predicted digit per row, and the accuracy when the file has labels.")
    st.markdown("**On Kaggle.** The notebook's digits come from Kaggle's *Digit Recognizer* competition. Download "
                "its test.csv (28,000 digits, no labels) and write the file Kaggle scores:")
    st.code(f"python predict.py {file_name} test.csv --submission submission.csv", language="bash")
    st.caption("submission.csv has a header `ImageId,Label` and one row per digit; upload it on the competition's "
               "Submit page. An existing file is never replaced unless you add --overwrite.")
