"""The networks that can read a drawing on the Draw page: the visitor's own (from Training), or the
notebook's 784-10-10 trained here; and the page's own state (the canvas, a message shown once).
"""

import time

import streamlit as st

from dashboard import state
from nn_core import training
from training_runs import runs

NOTEBOOK_STEPS = 250  # full-batch steps for the notebook's network here (the notebook runs 500)
NOTEBOOK_DIGITS = 9_000  # training digits for it: every full-batch step reads all of them
# This page's own session-state keys (the shared ones live in dashboard/state.py).
NOTEBOOK_MODEL = "draw_notebook_model"  # the notebook's 784-10-10, trained here, kept apart from the visitor's
CANVAS_GENERATION = "draw_canvas_generation"  # bumped by "Clear": a new canvas key gives a fresh canvas
FLASH = "draw_flash"  # a message from a button, shown once
PENDING = "draw_pending_step"  # the "Teach it" copy of the network, until kept or thrown away
NETWORKS = {"yours": "🧠 Your network, from 📉 Training", "notebook": "📓 The notebook's 784-10-10"}


@st.cache_resource(max_entries=4, show_spinner=False)
def notebook_network(data_description, dev_size, _split):
    """The notebook's preset (784-10-10, full batch, alpha 0.1, seed 0), shortened to a few seconds, trained once
    per server and per data: every visitor's Draw page reads the same weights. Returns (Model, note)."""
    hp = training.NOTEBOOK.with_changes(dev_size=dev_size)
    m = min(_split.X_train.shape[1], NOTEBOOK_DIGITS)
    steps = min(hp.iterations, NOTEBOOK_STEPS)
    note = ""
    if steps < hp.iterations or m < _split.X_train.shape[1]:
        note = (f"The notebook runs {hp.iterations} full-batch steps on all its training digits; to keep the "
                f"wait short this page ran {steps} steps on {m:,} digits, so it is a little less accurate. The "
                "📉 Training page runs the whole recipe.")
        hp = hp.with_changes(iterations=steps)
    start = time.perf_counter()
    params, history = runs.train_quietly(hp, _split.X_train[:, :m], _split.Y_train[:m], _split.X_dev, _split.Y_dev)
    model = state.Model(params, hp, history, state.dev_accuracy_of(params, hp), data_description)
    return model, f"Trained on this server in {time.perf_counter() - start:.1f} s, once for every visitor. {note}"


def networks():
    """The networks a drawing can go to: the visitor's own (once they have one) and the notebook's."""
    return ["yours", "notebook"] if state.get_model() is not None else ["notebook"]


def network_in_use(which, split, description):
    """The chosen network: the visitor's own (from the Training page), or the notebook's, trained on this server
    (or the copy this visitor changed on this page). Returns (Model, note)."""
    if which == "yours":
        return state.get_model(), ""
    if NOTEBOOK_MODEL in st.session_state and st.session_state[NOTEBOOK_MODEL].data_description == description:
        return st.session_state[NOTEBOOK_MODEL], ("Your copy of the notebook's network, changed on this page (🎓 "
                                                  "Teach it, or a step on your handwriting). Everyone else reads "
                                                  "the original.")
    with st.spinner("Training the notebook's 784-10-10 on this server (a few seconds, once for everyone)..."):
        try:
            return notebook_network(description, split.X_dev.shape[1], split)
        except runs.TrainingError as error:
            st.error(f"The notebook's network could not be trained: {error} Reload the page to try again.")
            st.stop()


def store(which, model):
    """Put a changed network back where it came from: the visitor's own, or this page's notebook copy."""
    if which == "notebook":
        st.session_state[NOTEBOOK_MODEL] = model
    else:
        state.set_model(model)


def clear_canvas():
    """A new key gives a new, empty canvas; a taught step for the old drawing is dropped."""
    st.session_state[CANVAS_GENERATION] = st.session_state.get(CANVAS_GENERATION, 0) + 1
    st.session_state.pop(PENDING, None)


def percent_text(value):
    """0.948 -> "94.8%"; None -> "unknown"."""
    return "unknown" if value is None else f"{value:.1%}"
