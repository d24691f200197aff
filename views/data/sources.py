"""The Data page's sources of digits: switching between the bundled sample and full MNIST, a CSV upload
(checked, the data in use kept when it is refused), and the full MNIST's download.
"""

import streamlit as st

import nn_core.csv_digits
import nn_core.mnist_files
from dashboard import state

# This page's session-state keys (the shared ones live in dashboard/state.py).
SOURCE_PICK = "data_source_pick"
UPLOAD = "data_csv_upload"
UPLOAD_ERROR = "data_upload_error"
DOWNLOAD_NOTE = "data_download_note"  # (kind, message) about the last download, shown once


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
        state.use_upload(nn_core.csv_digits.digitset_from_csv(file.getvalue(), name=file.name))
    except ValueError as error:
        st.session_state[UPLOAD_ERROR] = (
            f"**{file.name}** could not be used. {error} The data in use has not changed: {state.digits().description}."
        )


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
