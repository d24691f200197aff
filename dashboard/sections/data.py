"""The Data page's computing and its controls' actions: the table as pandas shows it, counts per class and
pixel values (cached once per set of digits), the digit grid, the CSV upload and the full-MNIST download.
"""

import hashlib

import numpy as np
import streamlit as st

import nn_core.mnist_files
from dashboard import figures, state
from nn_core.data import PIXELS, SIDE, DigitSet

DIGITS = list(range(10))
# This page's session-state keys (the shared ones live in dashboard/state.py).
SOURCE_PICK = "data_source_pick"
UPLOAD = "data_csv_upload"
UPLOAD_ERROR = "data_upload_error"
DOWNLOAD_NOTE = "data_download_note"  # (kind, message) about the last download, shown once
GRID_DIGIT = "data_grid_digit"
GRID_SEED = "data_grid_seed"
ENLARGED = "data_enlarged"
DEV_SIZE = "data_dev_size"


def bigger(image, scale=4):
    """A 28 x 28 image with every pixel repeated scale x scale times, so it stays sharp when shown larger."""
    return np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)


def head_table(data: DigitSet, rows=5):
    """What `pd.read_csv("train.csv").head()` shows, as an HTML table (figures.html_table): a label column, then
    pixel0 ... pixel783.

    Only the first `rows` digits become a table; the whole one would be (m, 785).
    """
    return figures.html_table(np.column_stack([data.labels[:rows], data.images[:rows]]),
                              ["label"] + [f"pixel{k}" for k in range(PIXELS)])


def fingerprint(data: DigitSet):
    """A cheap key that tells two sets of digits apart: where they came from, their labels, some pixels."""
    some_rows = data.images[:: max(1, len(data.images) // 500)]
    digest = hashlib.sha1(data.labels.tobytes() + some_rows.tobytes()).hexdigest()
    return data.source, data.description, digest


@st.cache_resource(max_entries=4, show_spinner="Counting digits and pixels...")
def statistics(key, _data: DigitSet):
    """Digits per class (10,), how often each pixel value 0..255 occurs (256,), the average image of each class.

    Cached once per set of digits (`key` is its fingerprint): on full MNIST this reads 47 million pixels.
    """
    images, labels = _data.images, _data.labels
    per_class = np.bincount(labels, minlength=10)
    pixel_counts = np.zeros(256, dtype=np.int64)
    for start in range(0, len(images), 1000):  # a slice at a time: bincount on all 47 M at once is slow
        pixel_counts += np.bincount(images[start:start + 1000].ravel(), minlength=256)
    averages = np.zeros((10, SIDE, SIDE))
    for digit in DIGITS:
        if per_class[digit]:
            averages[digit] = images[labels == digit].mean(axis=0).reshape(SIDE, SIDE)
    return per_class, pixel_counts, averages


def pick_examples(labels, digit, count, seed):
    """Positions of `count` random digits (of every class, or only of `digit`); the same seed gives the same."""
    pool = np.arange(len(labels)) if digit == "all" else np.flatnonzero(labels == digit)
    return np.random.default_rng(seed).choice(pool, size=min(count, len(pool)), replace=False)


# ---------------------------------------------------------------------------------------------------------
# What the controls do
# ---------------------------------------------------------------------------------------------------------


def switch_source():
    """The source radio changed: make the picked source this visitor's data."""
    state.use_source(st.session_state[SOURCE_PICK])


def read_upload():
    """A CSV was uploaded: read it and make it the data in use; if it is not right, say why and keep the data."""
    st.session_state.pop(UPLOAD_ERROR, None)
    file = st.session_state.get(UPLOAD)
    if file is None:  # the file was removed from the uploader: the digits read from it stay in use
        return
    try:
        state.use_upload(nn_core.mnist_files.digitset_from_csv(file.getvalue(), name=file.name))
    except ValueError as error:
        st.session_state[UPLOAD_ERROR] = (
            f"**{file.name}** could not be used. {error} The data in use has not changed: {state.digits().description}."
        )


def reshuffle():
    """Draw another random set of digits for the grid."""
    st.session_state[GRID_SEED] = st.session_state.get(GRID_SEED, 0) + 1


def get_full_mnist():
    """Download the full MNIST into the data folder with a progress bar, then make it this visitor's data."""
    bar = st.progress(0.0, text="Connecting...")
    shown = {"percent": -1}

    def progress(done, total):
        total = total or nn_core.mnist_files.MNIST_BYTES
        percent = min(100, 100 * done // total)
        if percent != shown["percent"]:  # redraw once per percent, not once per 64 kB
            shown["percent"] = percent
            bar.progress(percent / 100, text=f"Downloading MNIST: {done / 1e6:.1f} of {total / 1e6:.1f} MB")

    try:
        nn_core.mnist_files.download_mnist(state.DATA_DIR / "mnist.npz", progress=progress)
    except ValueError as error:
        bar.empty()
        kept = state.digits().description
        st.session_state[DOWNLOAD_NOTE] = ("error", f"Could not get the full MNIST. {error} Still using: {kept}.")
        return
    state.reload_sources()  # the server offers full MNIST to everyone; only this visitor switches to it
    sources = state.shared_sources()
    if "full MNIST" in sources:
        state.use_source("full MNIST")
        st.session_state[DOWNLOAD_NOTE] = ("success", f"Downloaded. Now in use: {sources['full MNIST'].description}.")
    else:
        reason = next(iter(sources.values())).warning
        st.session_state[DOWNLOAD_NOTE] = ("error", f"The download finished but could not be used. {reason}")
    st.rerun()
