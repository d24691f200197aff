"""📉 Training: forward, backward, update, again and again, with live curves and a look inside every step.

Each visitor trains their own network: the run (nn_core's training generator and what it yielded) lives in
st.session_state. Train starts a background thread that steps it (training_run.start_training); a fragment
re-runs every redraw_interval() seconds (4 times a second, less often while many visitors train at once) to
redraw the curves, so drawing never pauses training; Stop asks the thread to stop after its current step.
Figures and the "look inside" sections are in training_views.py, the run itself in training_run.py.
"""

import numpy as np
import pandas as pd
import streamlit as st

import links
import take_it_home
import training_views as views
import ui
from nn_core.persistence import MAX_FILE_BYTES, load_model, save_model
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK, Hyperparams
from training_run import (
    advance,
    dead_units,
    history_row,
    redraw_interval,
    score,
    start_run,
    start_training,
    stop_training,
)

RUN, HISTORY, CONTROLS = "training_run", "training_history", "training_controls"
LOADED, LOAD_ERROR = "training_loaded_file", "training_load_error"

ALPHAS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
ITERATIONS = (1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 1000, 2000)
BATCH_SIZES = (16, 32, 64, 128, 256, 512, 1024)
MOMENTA = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
DEV_SIZES = (100, 200, 500, 1000, 2000, 5000, 10000)
METHODS = {"full-batch": "full batch (the notebook)", "mini-batch": "mini-batches"}
INITS = {"notebook": "notebook: rand − 0.5", "he": "He: normal × √(2 / n)"}


# ---------------------------------------------------------------------------------------------------------
# Controls: widget keys <-> one frozen Hyperparams
# ---------------------------------------------------------------------------------------------------------


def nearest(options, value, log=False):
    """The option closest to value (on a log scale for learning rates): a saved value may fall between."""
    f = np.log if log else float
    return min(options, key=lambda option: abs(f(option) - f(value)))


def dev_options():
    """Dev-set sizes that leave most of the data in use for training (and the one the pages share)."""
    return ui.dev_options(DEV_SIZES)


def widget_values(hp: Hyperparams):
    """The value of every control that shows hp (snapped to the nearest choice the controls offer)."""
    return {
        "tr_alpha": nearest(ALPHAS, hp.alpha, log=True), "tr_iterations": nearest(ITERATIONS, hp.iterations),
        "tr_epochs": min(max(hp.epochs, 1), 20), "tr_hidden": min(max(hp.hidden_sizes[0], 1), 256),
        "tr_layers": min(len(hp.hidden_sizes), 2), "tr_activation": hp.activation, "tr_method": hp.method,
        "tr_batch": nearest(BATCH_SIZES, hp.batch_size), "tr_momentum": nearest(MOMENTA, hp.momentum),
        "tr_init": hp.init, "tr_dev": nearest(dev_options(), hp.dev_size), "tr_seed": hp.seed,
        "tr_bugs": hp.notebook_bugs,
    }


def set_controls(hp: Hyperparams):
    """Move every control to hp (presets and loaded files use this; it runs before the widgets are drawn)."""
    st.session_state.update(widget_values(hp))


def init_controls():
    """Give the controls their values: the last ones this visitor used (kept across pages), else the notebook's."""
    values = widget_values(st.session_state.get(CONTROLS, NOTEBOOK))
    for key, value in values.items():
        st.session_state.setdefault(key, value)
    if ui.dev_size_from_elsewhere("training"):  # the Data page (or a link) changed the dev-set size
        st.session_state["tr_dev"] = nearest(dev_options(), ui.dev_size())
    if st.session_state["tr_dev"] not in dev_options():
        st.session_state["tr_dev"] = values["tr_dev"]


def hyperparams_from_widgets() -> Hyperparams:
    """The one place where the controls become Hyperparams."""
    s = st.session_state
    return Hyperparams(
        hidden_sizes=(int(s["tr_hidden"]),) * int(s["tr_layers"]), activation=s["tr_activation"],
        alpha=float(s["tr_alpha"]), method=s["tr_method"], iterations=int(s["tr_iterations"]),
        epochs=int(s["tr_epochs"]), batch_size=int(s["tr_batch"]), momentum=float(s["tr_momentum"]),
        init=s["tr_init"], dev_size=int(s["tr_dev"]), seed=int(s["tr_seed"]), notebook_bugs=bool(s["tr_bugs"]),
    )


def controls(disabled):
    """Presets, then every hyperparameter; returns the Hyperparams they make."""
    left, right, _ = st.columns([1, 1, 2])
    left.button("📓 The notebook", key="tr_preset_notebook", on_click=set_controls, args=(NOTEBOOK,),
                disabled=disabled, width="stretch",
                help="784-10-10, ReLU, full batch, alpha 0.10, 500 iterations, notebook init: Samson Zhang's "
                     "recipe. Expect about 83-85% on the dev set after a few seconds of training.")
    right.button("⚡ Fast and accurate", key="tr_preset_fast", on_click=set_controls, args=(FAST_AND_ACCURATE,),
                 disabled=disabled, width="stretch",
                 help="784-128-10, He init, mini-batches of 64 with momentum 0.9, 3 epochs: about 96-97% "
                      "on the dev set.")
    mini = st.session_state["tr_method"] == "mini-batch"
    c1, c2, c3, c4 = st.columns(4)
    c1.select_slider("Learning rate α", ALPHAS, key="tr_alpha", disabled=disabled,
                     help="How far each step moves the weights: W ← W − α dW. Too small: slow. "
                          "Too large (try 5 or 10): the steps overshoot and training breaks down.")
    c1.select_slider("Iterations (full batch)", ITERATIONS, key="tr_iterations", disabled=disabled or mini,
                     help="Gradient steps, each on every training example. The notebook does 500. More "
                          "steps: the loss keeps falling, ever more slowly, and training takes longer.")
    c1.slider("Epochs (mini-batch)", 1, 20, key="tr_epochs", disabled=disabled or not mini,
              help="Passes over the training set; each pass takes m / batch size steps. More epochs: higher "
                   "accuracy that levels off after a few, and a longer wait.")
    c2.slider("Hidden units per layer", 1, 256, key="tr_hidden", disabled=disabled,
              help="The notebook has 10. More units can learn more patterns, and each step costs more.")
    c2.radio("Hidden layers", (1, 2), key="tr_layers", horizontal=True, disabled=disabled,
             help="1: 784 → hidden → 10 as in the notebook. 2: a second hidden layer of the same size.")
    c2.selectbox("Activation g", ("relu", "sigmoid", "tanh", "linear"), key="tr_activation", disabled=disabled,
                 help="The non-linearity of the hidden layers. 'linear' means none: the network collapses "
                      "into one linear map and stalls near 90%.")
    c3.radio("Method", tuple(METHODS), format_func=METHODS.get, key="tr_method", disabled=disabled,
             help="Full batch: every step uses all m training examples (the notebook). Mini-batches: many "
                  "small, noisy but cheap steps per pass.")
    c3.select_slider("Batch size", BATCH_SIZES, key="tr_batch", disabled=disabled or not mini,
                     help="Examples per mini-batch step: smaller batches mean more, noisier steps.")
    c3.select_slider("Momentum", MOMENTA, key="tr_momentum", disabled=disabled,
                     format_func=lambda v: "off" if v == 0 else f"{v:g}",
                     help="0 = plain gradient descent. 0.9 = each step also keeps 90% of the previous one, "
                          "which smooths the zig-zags and speeds training up.")
    c4.radio("Initialisation", tuple(INITS), format_func=INITS.get, key="tr_init", disabled=disabled,
             help="Notebook: every weight and bias uniform in [−0.5, 0.5). He: weights scaled to the layer's "
                  "size, biases 0 (trains faster, and safer for deep ReLU networks).")
    c4.select_slider("Dev-set size", dev_options(), key="tr_dev", disabled=disabled,
                     help="Digits held out, never trained on, to judge the network (the notebook keeps 1,000). "
                          "Larger: a more precise dev accuracy, and fewer digits left to train on.")
    c4.number_input("Random seed", 0, 2**31 - 1, step=1, key="tr_seed", disabled=disabled,
                    help="Fixes the initial weights and the mini-batch order: the same seed gives the same "
                         "run. The dev split itself is fixed (seed 0), so runs are compared on the same digits.")
    c4.toggle("Notebook bugs", key="tr_bugs", disabled=disabled,
              help="On: train with the original notebook's three bugs (scalar db, m counted before the dev "
                   "split, softmax without the max-shift). The 'notebook's bugs' tab compares both.")
    hp = hyperparams_from_widgets()
    st.session_state[CONTROLS] = hp
    return hp


# ---------------------------------------------------------------------------------------------------------
# The run: Train, Stop, Step, Reset
# ---------------------------------------------------------------------------------------------------------


def split_for(hp):
    """The data in use split with hp's dev size, or with a size this data allows (a loaded network's may not)."""
    dev_size = hp.dev_size if hp.dev_size in dev_options() else st.session_state["tr_dev"]
    return ui.data_split(dev_size)


def current_run():
    return st.session_state.get(RUN)


def resumable_run():
    """The visitor's run if Train or Step can carry on with it (same controls, same data, not ended)."""
    run = current_run()
    if run and not run.ended and run.hp == hyperparams_from_widgets() \
            and run.data_description == ui.digits().description:
        return run
    return None


def new_run(params=None, hp=None):
    """A run at step 0 from a fresh network of the controls (or from params, e.g. a loaded network)."""
    hp = hp or hyperparams_from_widgets()
    run = start_run(None, hp, split_for(hp), ui.digits().description, params)
    st.session_state[RUN] = run
    sync_model(run)
    return run


def sync_model(run):
    """Share the run's network with the other pages (ui.Model: Forward pass and Draw use it)."""
    dev = run.scores.get("dev", (None, None))[1]
    if dev is None and run.records:
        dev = next((r.dev_accuracy for r in reversed(run.records) if r.dev_accuracy is not None), None)
    ui.set_model(ui.Model(run.params, run.hp, run.records, dev, run.data_description))


def finish(run):
    """After Stop, Step, the last step or divergence: score the weights, fill the history table, share them."""
    score(run, split_for(run.hp))
    history = st.session_state.setdefault(HISTORY, {})
    if run.number is None:
        run.number = len(history) + 1
    history[run.number] = history_row(run)
    sync_model(run)


def on_train():
    start_training(resumable_run() or new_run(), connected=ui.tab_connected())


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
    b1, b2, b3, b4, _ = st.columns([1, 1, 1, 1, 3])
    b1.button("▶️ Train", key="tr_train", on_click=on_train, disabled=running, type="primary", width="stretch",
              help="Train with the controls above, watching the curves. Carries on after Stop or Step when "
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
        sync_model(run)
    st.progress(min(run.step / max(run.total, 1), 1.0), text=progress_text(run))
    figure = views.curves_figure(list(run.records), run.total)  # a copy: the thread appends
    views.show(figure, key="tr_curves")
    if run.worker is None and run.records:  # once training has stopped: the numbers behind the curves
        with st.expander("The numbers behind the curves, one row per step"):
            st.dataframe(take_it_home.log_table(run.records), hide_index=True, width="stretch", height=260)
            st.caption("update_size_W: the RMS of dW, each layer's curve in the right-hand chart.")


def progress_text(run):
    icon = {"running": "⏳", "finished": "✅", "diverged": "💥", "paused": "⏸️", "ready": "🆕"}[run.status]
    text = f"{icon} step {run.step:,} of {run.total:,}"
    if run.records:
        last = run.records[-1]
        dev = next((r.dev_accuracy for r in reversed(run.records) if r.dev_accuracy is not None), None)
        text += f" · loss {last.loss:.3f}"
        text += f" · dev accuracy {dev:.1%}" if dev is not None else ""
    return text + f" · {run.seconds:.1f} s of training"


def outcome(run):
    """What happened, in words: finished, stopped, diverged (with why), or a network that died."""
    if run.status == "diverged":
        bad = run.diverged_record
        st.error(
            f"💥 **Training diverged at step {bad.step}**: the loss became {bad.loss:g} (inf or NaN means the numbers "
            f"no longer fit in a float). With α = {run.hp.alpha:g} each step overshoots the bottom of the loss, lands "
            "higher up the other side, and the next step overshoots even more, until the weights overflow"
            + (" (and the notebook's softmax, without its max-shift, overflows even sooner)"
               if run.hp.notebook_bugs else "")
            + f". Training stopped and the network keeps the last good weights, from step {run.step}, all finite. "
              "Try a learning rate 10 times smaller.")
        return
    if run.status in ("ready", "running") or not run.scores:
        return
    columns = st.columns(2 + len(run.scores))
    columns[0].metric("Steps", f"{run.step:,} of {run.total:,}", border=True)
    columns[1].metric("Training time", f"{run.seconds:.1f} s", border=True)
    for column, (name, (loss, accuracy)) in zip(columns[2:], run.scores.items(), strict=True):
        column.metric(f"{name} accuracy", f"{accuracy:.1%}", f"loss {loss:.3f}", delta_color="off",
                      delta_arrow="off", border=True)
    split = split_for(run.hp)
    dead = dead_units(run.params, split.X_train[:, :10_000], run.hp.activation)
    units = run.hp.hidden_sizes[0]
    if 2 * dead >= units:
        st.error(f"☠️ **{dead} of the {units} ReLU units of layer 1 are dead**: each outputs 0 for every training "
                 f"digit. Steps too large (α = {run.hp.alpha:g}) pushed their weights so far that Z1 < 0 for all "
                 "inputs; there ReLU'(Z1) = 0, so no gradient reaches them and they can never recover. With "
                 "(almost) no units left the network can hardly tell digits apart. Reset with a smaller α.")
    elif dead:
        st.caption(f"{dead} of the {units} ReLU units of layer 1 are dead (0 for every training digit).")
    if len(run.records) > 1 and run.records[-1].loss > run.records[0].loss:
        st.warning("📈 The loss went **up**, not down: the learning rate is too large for this network.")
    if run.status == "finished":
        st.success(f"✅ Finished {run.step:,} steps in {run.seconds:.1f} s: dev accuracy "
                   f"{run.scores['dev'][1]:.1%}.")


def history_table():
    rows = list(st.session_state.get(HISTORY, {}).values())
    if not rows:
        return
    st.subheader("Runs in this session")
    st.caption("Each run you train (or step) is listed, so a class can compare hyperparameters. "
               "'test' appears only when the full MNIST with its real test set is in use.")
    columns = {c: st.column_config.NumberColumn(format="percent") for c in rows[-1] if c.endswith("accuracy")}
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config=columns)


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
    take_it_home.section(model)


# ---------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------

st.title("📉 Training")
ui.explain(
    """
Training is four moves repeated: **forward** (compute A2 for the training examples), **loss** (how wrong
A2 is, the cross-entropy), **backward** (backpropagation: how much each weight and bias contributed to the
error, dW and db) and **update**: every parameter takes a small step against its gradient. The learning rate α
is chosen by people, not learned. The dev set is never trained on: its accuracy tells whether the network
generalises to digits it has not seen.
"""
)
st.latex(r"W^{[l]} \leftarrow W^{[l]} - \alpha\, dW^{[l]} \qquad b^{[l]} \leftarrow b^{[l]} - \alpha\, db^{[l]}")

data = ui.digits()
st.caption(f"Data in use: {data.description}")
init_controls()
arrival = links.follow_hyperparams(hyperparams_from_widgets, set_controls)  # a link: /training?alpha=0.5
run = current_run()
running = bool(run and run.training)

st.subheader("1 · Choose the hyperparameters")
hp = controls(disabled=running)
ui.set_dev_size(hp.dev_size, "training")
links.mirror_hyperparams(hp, arrival)  # the address always shows the controls, so it can be sent as a link
links.link_box("training")

st.subheader("2 · Train")
buttons(running)
if run and not running and not resumable_run() and not run.ended and run.step:
    st.caption("The controls (or the data) differ from this run's: ▶️ Train and ⏭️ Step start a new network.")
st.fragment(live_panel, run_every=redraw_interval() if running else None)()
if run and not running:
    outcome(run)
history_table()

st.subheader("3 · Look inside")
model = ui.model_or_untrained(hp)
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

ui.try_this(
    "Press **📓 The notebook**, then **▶️ Train**, and note the dev accuracy (about 83-85%). Then press **⚡ Fast and "
    "accurate** and train again: how much better is it, and how many more seconds did it take?",
    "Set α to **5** (or 10) and train: watch the loss curve, and read what the page says went wrong. Back at α 0.1, "
    "switch the activation to **linear**: where does the dev accuracy stall?",
)
W1_shape = model.params["W1"].shape  # dW1 always has the shape of W1
ui.quiz("What is the shape of dW1 for this network?",
        [f"({W1_shape[0]}, 784)", f"(784, {W1_shape[0]})", f"({W1_shape[0]}, m)", f"({W1_shape[0]}, 1)"],
        str(W1_shape),
        f"dW1 = dZ1 · Xᵀ / m: ({W1_shape[0]} x m) times (m x 784) gives ({W1_shape[0]} x 784), the shape of W1: one "
        "gradient per weight, so W1 − α dW1 subtracts entry by entry. The m examples are summed away and divided by "
        "m: the gradient is an average over the batch.", key="tr_quiz_dW1")
ui.quiz("What happens if you train the notebook's network with α = 5?",
        ["It learns about 50 times faster than with α = 0.1",
         "The loss jumps around or blows up (NaN), and accuracy collapses",
         "Nothing: α only sets how long each step takes to compute"],
        "The loss jumps around or blows up (NaN), and accuracy collapses",
        "Each step moves the weights by α dW. Larger steps learn faster only up to a point (about 1 here); at α = 5 "
        "each step overshoots the bottom of the loss and lands higher up the other side, the next gradient is "
        "larger still, and the weights grow until the scores overflow or the ReLU units die. Set α to 5 and press "
        "Train to see it: the page stops the run and explains.", key="tr_quiz_alpha")
