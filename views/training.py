"""📉 Training: forward, backward, update, again and again, with live curves and a look inside every step.

Each visitor trains their own network: the run (their view of what a worker process trains, see
dashboard/runs.py) lives in st.session_state. Train hands it to the workers (training_runs.runs.start_training); a
fragment re-runs every redraw_interval() seconds (4 times a second, less often while many visitors train at
once) to redraw the curves from what has arrived, so drawing never pauses training; Stop asks the workers to
stop after the current step. Figures are in dashboard/figures.py, the "look inside" tabs in
dashboard/sections/training.py, the run itself in dashboard/runs.py.
"""

import numpy as np
import streamlit as st

from dashboard import board_posts, downloads, figures, links, state, widgets
from dashboard.sections import training as views
from dashboard.sections.training_controls import (
    CONTROLS,
    controls,
    dev_options,
    hyperparams_from_widgets,
    init_controls,
    presets,
    set_controls,
)
from nn_core.persistence import MAX_FILE_BYTES, load_model, save_model
from training_runs.runs import (
    SHARED_NOTE,
    advance,
    history_row,
    pace_changed,
    redraw_interval,
    score,
    start_run,
    start_training,
    stop_training,
)

RUN, HISTORY = "training_run", "training_history"
LOADED, LOAD_ERROR = "training_loaded_file", "training_load_error"
REDRAW_EVERY = "training_redraw_every"  # seconds between two redraws of the live chart, as last set up



# ---------------------------------------------------------------------------------------------------------
# The run: Train, Stop, Step, Reset
# ---------------------------------------------------------------------------------------------------------


def split_for(hp):
    """The data in use split with hp's dev size, or with a size this data allows (a loaded network's may not)."""
    dev_size = hp.dev_size if hp.dev_size in dev_options() else st.session_state["tr_dev"]
    return state.data_split(dev_size)


def current_run():
    return st.session_state.get(RUN)


def resumable_run():
    """The visitor's run if Train or Step can carry on with it (same controls, same data, not ended)."""
    run = current_run()
    if run and not run.ended and run.hp == hyperparams_from_widgets() \
            and run.data_description == state.digits().description:
        return run
    return None


def new_run(params=None, hp=None):
    """A run at step 0 from a fresh network of the controls (or from params, e.g. a loaded network)."""
    hp = hp or hyperparams_from_widgets()
    run = start_run(None, hp, split_for(hp), state.digits().description, params)
    st.session_state[RUN] = run
    sync_model(run)
    return run


def sync_model(run):
    """Share the run's network with the other pages: they follow it through state.get_model() as it trains."""
    state.set_model(state.model_of_run(run, run.data_description))


def finish(run):
    """After Stop, Step, the last step or divergence: score the weights, fill the history table, share them."""
    score(run, split_for(run.hp))
    history = st.session_state.setdefault(HISTORY, {})
    if run.number is None:
        run.number = len(history) + 1
    history[run.number] = history_row(run)
    sync_model(run)
    board_posts.post_training_run(run)  # to the Class page's board (written off this thread)


def on_train():
    start_training(resumable_run() or new_run(), connected=state.tab_connected())


def on_stop():
    run = current_run()
    if run and run.training:
        stop_training(run)
        run.worker = None
        finish(run)


def on_step():
    run = resumable_run() or new_run()
    advance(run)  # exactly one step
    if not run.ended:
        run.status = "paused"
    finish(run)


def on_reset():
    on_stop()  # a run still training is stopped, and listed in the history
    new_run()


def buttons(running):
    """The presets, then Train, Stop, Step and Reset, in one row."""
    p1, p2, b1, b2, b3, b4 = st.columns([1.25, 1.55, 1, 1, 1, 1])
    presets(p1, p2, disabled=running)
    b1.button("▶️ Train", key="tr_train", on_click=on_train, disabled=running, type="primary", width="stretch",
              help="Train with the controls below, watching the curves. Carries on after Stop or Step when "
                   "the controls are unchanged; otherwise starts a new network.")
    b2.button("⏹️ Stop", key="tr_stop", on_click=on_stop, disabled=not running, width="stretch",
              help="Pause training within a fraction of a second; Train carries on from there.")
    b3.button("⏭️ Step", key="tr_step", on_click=on_step, disabled=running, width="stretch",
              help="One gradient step (one iteration, or one mini-batch): forward, backward, update.")
    b4.button("🔄 Reset", key="tr_reset", on_click=on_reset, width="stretch",
              help="Throw the network away and start again from freshly initialised weights (step 0).")


def live_panel():
    """Progress and curves. While training runs this is a fragment that redraws every redraw_interval() seconds."""
    run = current_run()
    if run is None:
        st.info("No network trained yet on this page. Press **▶️ Train**, or **⏭️ Step** to go one step at a time.")
        return
    if run.worker is not None:  # started by Train: still training, or just ended
        run.seen()
        run.redraws += 1
        if not run.training:
            run.worker = None
            finish(run)
            st.rerun()  # redraw the whole page: buttons, results, and no more ticking
        if pace_changed(st.session_state.get(REDRAW_EVERY)):
            st.rerun()  # the page sets the live chart's pace again, as the class's runs start and end
        sync_model(run)
    st.progress(min(run.step / max(run.total, 1), 1.0), text=progress_text(run))
    if run.shared:
        st.caption(SHARED_NOTE)
    figure = figures.curves_figure(list(run.records), run.total)  # a copy: the thread appends
    widgets.show(figure, key="tr_curves", height=300 if widgets.presenter() else None)  # on screen below the buttons
    if run.worker is None and run.records:  # once training has stopped: the numbers behind the curves
        if box := widgets.numbers_box("The numbers behind the curves, one row per step", "training_numbers_curves"):
            with box:
                st.dataframe(downloads.log_table(run.records), hide_index=True, width="stretch", height=260)
                st.caption("update_size_W: the RMS of dW, each layer's curve in the right-hand chart.")


def progress_text(run):
    """Where the run is, in one line. Once it has stopped, its dev accuracy is the score of its final weights
    (the same number as the card below); while it trains, the last one measured on the way."""
    icon = {"running": "⏳", "finished": "✅", "diverged": "💥", "paused": "⏸️", "ready": "🆕",
            "failed": "⚠️"}[run.status]
    text = f"{icon} step {run.step:,} of {run.total:,}"
    if run.records:
        dev = run.scores["dev"][1] if "dev" in run.scores and not run.training else next(
            (r.dev_accuracy for r in reversed(run.records) if r.dev_accuracy is not None), None)
        text += f" · loss {run.records[-1].loss:.3f}"
        text += f" · dev accuracy {dev:.1%}" if dev is not None else ""
    return text + f" · {run.seconds:.1f} s of training"


# ---------------------------------------------------------------------------------------------------------
# Save and load
# ---------------------------------------------------------------------------------------------------------


def on_upload():
    """Read an uploaded network; on success it becomes the visitor's network and sets the controls."""
    file = st.session_state.get("tr_upload")
    if file is None:
        return
    try:
        params, hp = load_model(file)
    except ValueError as error:
        st.session_state[LOAD_ERROR] = f"**{file.name}** was not loaded: {error}"
        return
    st.session_state.pop(LOAD_ERROR, None)
    set_controls(hp)
    st.session_state[CONTROLS] = hp
    run = new_run(params, hp)
    st.session_state[LOADED] = f"Loaded **{file.name}**: {'-'.join(map(str, hp.layer_sizes))} {hp.activation}."
    finish(run)


def save_and_load(model):
    left, right = st.columns(2)
    with left:
        st.markdown("**💾 Save** the current network: its weights and hyperparameters in one .npz file "
                    "(NumPy arrays and JSON text; no pickles).")
        arch = "-".join(map(str, model.hp.layer_sizes))
        try:
            data = save_model(model.params, model.hp)
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
    downloads.section(model)


# ---------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------

st.title("📉 Training")
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
buttons(running)
if run and not running and not resumable_run() and not run.ended and run.step:
    st.caption("The controls (or the data) differ from this run's: ▶️ Train and ⏭️ Step start a new network.")
every = st.session_state[REDRAW_EVERY] = redraw_interval() if running else None
st.fragment(live_panel, run_every=every)()
if run and not running:
    views.outcome(run, split_for(run.hp))

st.header("The hyperparameters")
hp = controls(disabled=running)
state.set_dev_size(hp.dev_size, "training")
links.mirror_hyperparams(hp, arrival)  # the address always shows the controls, so it can be sent as a link
links.link_box("training")
views.history_table(list(st.session_state.get(HISTORY, {}).values()))

st.header("Look inside")
model = state.model_or_untrained(hp)
if running:
    st.caption("⏳ The details below appear when training stops (press ⏹️ Stop, or wait for the end).")
else:
    st.caption(f"Your network: {model.describe()}")
    tabs = st.tabs(["🔁 Backpropagation step by step", "🩺 Gradient check", "🐞 The notebook's bugs",
                    "🧠 What the network learned", "💾 Save / load"], key="tr_tab", on_change="rerun")
    split = split_for(model.hp)
    sections = [lambda: views.backprop_section(model, split), lambda: views.gradcheck_section(model, split),
                lambda: views.bugs_section(model.hp, split), lambda: views.learned_section(model, run, split),
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
    "accurate** and train again: how much better is it, and how many more seconds did it take?",
    "Set α to **5** (or 10) and train: watch the loss curve, and read what the page says went wrong. Back at α 0.1, "
    "switch the activation to **linear**: where does the dev accuracy stall?",
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
        "Each step moves the weights by α dW. Larger steps learn faster only up to a point (about 1 here); at α = 5 "
        "each step overshoots the bottom of the loss and lands higher up the other side, the next gradient is "
        "larger still, and the weights grow until the scores overflow or the ReLU units die. Set α to 5 and press "
        "Train to see it: the page stops the run and explains.", key="tr_quiz_alpha")
