"""📉 Training: forward, backward, update, again and again, with live curves and a look inside every step.

Each visitor trains their own network: the run (their view of what a worker process trains, see
training_runs/runs.py) lives in st.session_state. Train hands it to the workers (run_buttons.py); a fragment
re-runs every redraw_interval() seconds (4 times a second, less often while many visitors train at once) to
redraw the curves from what has arrived (live_curve.py), so drawing never pauses training; Stop asks the
workers to stop after the current step. What the run came to is results.py; the "look inside" tabs are
look_inside.py, learned.py (with hidden_map.py) and save_load.py; the hyperparameters' widgets, controls.py; the
class's open challenges and where this visitor stands, challenge_box.py.
"""

import numpy as np
import streamlit as st

from dashboard import links, state, widgets
from training_runs.runs import redraw_interval
from views.training import learned, look_inside, results
from views.training.challenge_box import challenge_box
from views.training.controls import controls, hyperparams_from_widgets, init_controls, set_controls
from views.training.live_curve import live_panel
from views.training.run_buttons import REDRAW_EVERY, buttons, current_run, resumable_run, split_for
from views.training.save_load import save_and_load

# ---------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------

st.title("📉 Training")
top = st.container() if widgets.presenter() else None  # on a projector the buttons and curves come first
widgets.explain(
    """
Training is four moves repeated: **forward** (compute A2 for the training examples), **loss** (how wrong
A2 is, the cross-entropy), **backward** (backpropagation: how much each weight and bias contributed to the
error, dW and db) and **update**: every parameter takes a small step against its gradient. The learning rate α
is chosen by people, not learned. The dev set is never trained on: its accuracy tells whether the network
generalises to digits it has not seen.
"""
)
if not widgets.presenter():  # on a projector the curves come first; the teacher says the rule out loud
    st.latex(r"W^{[l]} \leftarrow W^{[l]} - \alpha\, dW^{[l]} \qquad b^{[l]} \leftarrow b^{[l]} - \alpha\, db^{[l]}")
    st.caption(f"Data in use: {state.digits().description}")
init_controls()
arrival = links.follow_hyperparams(hyperparams_from_widgets, set_controls)  # a link: /training?alpha=0.5
run = current_run()
running = bool(run and run.training)

if not widgets.presenter():  # on a projector the buttons say it, and the curves need the room
    st.header("Train")
# One container per part, drawn or empty, so that each part keeps its place from run to run (as
# links.follow_hyperparams explains), the live fragments above all.
with top or st.container():
    buttons(running)
    if not widgets.presenter():  # the class's open challenges, if any, one line each beside Train
        challenge_box()
    with st.container():
        if run and not running and not resumable_run() and not run.ended and run.step:
            st.caption("The controls (or the data) differ from this run's: ▶️ Train and ⏭️ Step start a new "
                       "network.")
    every = st.session_state[REDRAW_EVERY] = redraw_interval() if running else None
    widgets.live_part(live_panel, every)
    with st.container():
        if run and not running:
            results.outcome(run)
    if widgets.presenter():  # on a projector, below the curves
        challenge_box()

st.header("The hyperparameters")
hp = controls(disabled=running, locked=links.locked())
state.set_dev_size(hp.dev_size, "training")
links.mirror_hyperparams(hp, arrival)  # the address always shows the controls, so it can be sent as a link
links.link_box("training")
results.history_table(state.run_history())

st.header("Look inside")
model = state.model_or_untrained(hp)
if running:
    st.caption("⏳ The details below appear when training stops (press ⏹️ Stop, or wait for the end).")
else:
    st.caption(f"Your network: {model.describe()}")
    tabs = st.tabs(["🔁 Backpropagation step by step", "🩺 Gradient check", "🐞 The notebook's bugs",
                    "🧠 What the network learned", "💾 Save / load"], key="tr_tab", on_change="rerun")
    split = split_for(model.hp)
    sections = [lambda: look_inside.backprop_section(model, split), lambda: look_inside.gradcheck_section(model, split),
                lambda: look_inside.bugs_section(model.hp, split), lambda: learned.learned_section(model, run, split),
                lambda: save_and_load(model)]
    if run and run.status == "diverged" and model.params is run.params:
        st.warning("These are the last weights that were still finite numbers, but they are so large that a "
                   "forward pass overflows: expect NaN (blank) in the pictures below. 🔄 Reset to start again.")
    for tab, section in zip(tabs, sections, strict=True):
        if tab.open:
            with tab, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                section()

widgets.try_this(
    "Press **📓 The notebook**, then **▶️ Train**, and note the dev accuracy (about 83-85%). Then press **⚡ Fast and "
    "accurate** and train again: how much better is it, and how long did each take? (The table of your runs lists "
    "both: a step of 64 digits costs far less than a step of all of them.)",
    "Set α to **5** (or 10) and train: watch the loss curve, and read what the page says went wrong. Back at α 0.1, "
    "switch the activation to **linear** and train: does one matrix beat the notebook's ReLU network? The "
    "activation's ⓘ and the ➡️ Forward pass page's \"Why non-linearity?\" tab say when it does.",
    "Train, then open **🧠 What the network learned** and slide the hidden layer's map from step 0 to the end. "
    "Which digit's cloud pulls away first? Which two clouds stay mixed, and does the confusion matrix below show "
    "the network confusing that same pair?",
)
W1_shape = model.params["W1"].shape  # dW1 always has the shape of W1
widgets.quiz("What is the shape of dW1 for this network?",
        [f"({W1_shape[0]}, 784)", f"(784, {W1_shape[0]})", f"({W1_shape[0]}, m)", f"({W1_shape[0]}, 1)"],
        str(W1_shape),
        f"dW1 = dZ1 · Xᵀ / m: ({W1_shape[0]} x m) times (m x 784) gives ({W1_shape[0]} x 784), the shape of W1: one "
        "gradient per weight, so W1 − α dW1 subtracts entry by entry. The m examples are summed away and divided by "
        "m: the gradient is an average over the batch.", key="tr_quiz_dW1")
widgets.quiz("What happens if you train the notebook's network with α = 5?",
        ["It learns about 50 times faster than with α = 0.1",
         "The loss jumps around or blows up (NaN), and accuracy collapses",
         "Nothing: α only sets how long each step takes to compute"],
        "The loss jumps around or blows up (NaN), and accuracy collapses",
        "Each step moves the weights by α dW. Larger steps learn faster only up to a point (about 1 here: on the "
        "bundled sample 500 steps reach about 91% at α 1, 11% at α 2); at α = 5 the first steps overshoot the bottom "
        "of the loss and land higher up the other side (the loss jumps from 2.8 to 12 by step 3), and on the way "
        "most ReLU units die: 9 of 10 by step 50. The loss then sits at 2.30 ≈ ln 10: every digit gets about the "
        "same ten probabilities, the answer is always 1, and accuracy is the 11% of dev digits that are 1s. Set α "
        "to 5 and press Train to see it: the page says the run went wrong, and why.", key="tr_quiz_alpha")
