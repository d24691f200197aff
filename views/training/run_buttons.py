"""The Training page's run: Train, Stop, Step and Reset, and what happens when a run stops (its scores, the
history table, the network shared with the other pages, the post to the class board). The run itself is
trained in the workers (training_runs.runs); the visitor's view of it lives in st.session_state.
"""

import streamlit as st

from dashboard import board_posts, links, state
from training_runs.runs import (
    advance,
    history_row,
    loaded_run,
    score,
    start_run,
    start_training,
    stop_training,
)
from views.training.controls import dev_options, hyperparams_from_widgets, presets

RUN, HISTORY = state.TRAINING_RUN, state.RUN_HISTORY
REDRAW_EVERY = "training_redraw_every"  # seconds between two redraws of the live chart, as last set up


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


def new_run():
    """A run at step 0 from a fresh network of the controls."""
    hp = hyperparams_from_widgets()
    run = start_run(None, hp, split_for(hp), state.digits().description)
    st.session_state[RUN] = run
    sync_model(run)
    return run


def load_run(name, params, hp, training):
    """A network read from the file `name` becomes the visitor's run: with its own steps, seconds and log when the
    file keeps them (training), scored on the data in use, listed in the history."""
    run = st.session_state[RUN] = loaded_run(None, hp, params, state.digits().description, name, training)
    finish(run)
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
    presets(p1, p2, disabled=running or bool(links.locked()))  # a preset would move locked settings
    b1.button("▶️ Train", key="tr_train", on_click=on_train, disabled=running, type="primary", width="stretch",
              help="Train with the controls below, watching the curves. Carries on after Stop or Step when "
                   "the controls are unchanged; otherwise starts a new network.")
    b2.button("⏹️ Stop", key="tr_stop", on_click=on_stop, disabled=not running, width="stretch",
              help="Pause training within a fraction of a second; Train carries on from there.")
    b3.button("⏭️ Step", key="tr_step", on_click=on_step, disabled=running, width="stretch",
              help="One gradient step (one iteration, or one mini-batch): forward, backward, update.")
    b4.button("🔄 Reset", key="tr_reset", on_click=on_reset, width="stretch",
              help="Throw the network away and start again from freshly initialised weights (step 0).")
