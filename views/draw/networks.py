"""The networks that can read a drawing on the Draw page: the visitor's own (from Training), or the
notebook's 784-10-10 trained here; and the page's own state (the canvas, a message shown once).
"""

import streamlit as st

from dashboard import state
from training_runs import runs

# This page's own session-state keys (the shared ones live in dashboard/state.py).
NOTEBOOK_MODEL = "draw_notebook_model"  # the notebook's 784-10-10, trained here, kept apart from the visitor's
CANVAS_GENERATION = "draw_canvas_generation"  # bumped by "Clear": a new canvas key gives a fresh canvas
FLASH = "draw_flash"  # a message from a button, shown once
PENDING = "draw_pending_step"  # the "Teach it" copy of the network, until kept or thrown away
NETWORKS = {"yours": "🧠 Your network, from 📉 Training", "notebook": "📓 The notebook's 784-10-10"}


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
            return state.notebook_network(description, split.X_dev.shape[1], split)
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
