"""🧪 Experiments: honest numbers. How much one accuracy varies from run to run, and a ladder of baselines
that tells what a bigger network adds (capacity) from what better training adds (optimisation).

The runs are trained by worker processes, one after the other: a fragment re-runs every TICK seconds while a
batch of runs is going, waits up to SLICE seconds for news of the run in progress, and redraws the progress
bar. The batch (its runs, their results, the run in progress) lives in st.session_state, so results survive
reruns, and Stop works at any moment, in the middle of a run.
The runs themselves (Job, Batch, work) are in training_runs/batches.py, the results' sections in results.py
and their charts in charts.py, beside this script.
"""

import streamlit as st

from dashboard import board_posts, state, widgets
from nn_core.data import split_dev
from nn_core.network import forward_prop, init_params
from nn_core.training import NOTEBOOK
from training_runs.batches import Batch, Job, fail_batch, stop_batch, work
from training_runs.runs import shared_runs_note
from views.experiments.results import (
    ANSWERS,
    ladder_results,
    parameters,
    reading_the_ladder,
    reveal,
    rungs,
    seed_results,
    training_text,
)

TICK = 0.1  # seconds between two slices while a batch runs
SLICE = 0.5  # seconds the fragment waits for news of the runs: Stop waits at most this long
DEV_SIZES = (100, 200, 500, 1000, 2000, 5000, 10000)

# This page's session-state keys.
SEEDS, LADDER = "exp_seeds", "exp_ladder"  # the two batches of runs (a Batch each)
REVEALED = "exp_revealed"
# Shorter runs, for automated tests only: every full-batch run does this many iterations and every
# mini-batch run one epoch. Set it in st.session_state, or in the address (.../experiments?short_runs=20) for
# a browser. The page then says so in a warning, and the tables show the settings really used.
SHORT_RUNS = "exp_short_runs"
MAX_SHORT_RUNS = 500


def short_runs():
    return st.session_state.get(SHORT_RUNS)


def read_short_runs_from_address():
    """Take the test setting ?short_runs=N from the address, once: it is kept in st.session_state from then on."""
    value = st.query_params.get("short_runs")
    if value is None:
        return
    if value.isdigit() and 1 <= int(value) <= MAX_SHORT_RUNS:
        st.session_state[SHORT_RUNS] = int(value)
    else:
        st.error(f"short_runs in the address must be a whole number from 1 to {MAX_SHORT_RUNS}, not “{value}”: "
                 "the runs keep their normal length.")


def shortened(hp, short):
    """hp as run: unchanged, or cut to `short` iterations (full batch) / one epoch (mini-batch) in tests."""
    if not short:
        return hp
    return hp.with_changes(iterations=int(short)) if hp.method == "full-batch" else hp.with_changes(epochs=1)


def stop(key):
    batch = st.session_state.get(key)
    if batch is not None:
        stop_batch(batch)


def clear(key):
    stop(key)
    st.session_state.pop(key, None)
    if key == LADDER:
        st.session_state.pop(REVEALED, None)


def busy():
    """True while either batch is running: one batch at a time, so the two never share the processor."""
    return any(st.session_state.get(key) is not None and st.session_state[key].running for key in (SEEDS, LADDER))


def progress(batch, what):
    """The progress bar of a batch, with what it is doing in words."""
    done, n = len(batch.rows), len(batch.jobs)
    fraction = (done + (batch.step / batch.total if batch.steps is not None and batch.total else 0)) / max(n, 1)
    if batch.running:
        text = f"⏳ {what} {done + 1} of {n}: {batch.job.name}"
        text += f" · step {batch.step:,} of {batch.total:,} · {batch.seconds:.1f} s" if batch.steps else ""
    else:
        icon = {"finished": "✅", "stopped": "⏹️", "error": "⚠️"}[batch.status]
        text = f"{icon} {done} of {n} {what}s done · {sum(r['seconds'] for r in batch.rows):.1f} s of training"
    st.progress(min(fraction, 1.0), text=text)
    if batch.shared:
        st.caption(shared_runs_note(batch.shared))
    if batch.status == "error":
        st.error(batch.message)
    elif batch.status == "stopped" and batch.message:
        st.info(batch.message)


def live(key, what):
    """Train a slice (while the batch runs) and draw its progress; when it ends, redraw the whole page."""
    batch = st.session_state.get(key)
    if batch is None:
        return
    if batch.running and state.digits().description != batch.data_description:
        fail_batch(batch, "The data in use changed while these runs were going, so they stopped: results measured "
                          "on two different datasets cannot be compared. Clear them and run again.")
    if batch.running:
        work(batch, SLICE, lambda seed: state.data_split(batch.dev_size, seed))
        if not batch.running:
            st.rerun()
    progress(batch, what)


def seeds_live():
    live(SEEDS, "run")
    board_posts.post_seed_runs(st.session_state.get(SEEDS))  # each finished seed to the Class page's board


def ladder_live():
    live(LADDER, "rung")


# ---------------------------------------------------------------------------------------------------------
# Controls shared by both experiments
# ---------------------------------------------------------------------------------------------------------


def dev_size_control():
    """The dev-set size of both experiments: the size the pages share (set on the Data or Training page, or by a
    link) when this data allows it, else the nearest to the notebook's 1,000."""
    options = state.dev_options(DEV_SIZES)
    shared = state.dev_size_from_elsewhere("experiments")
    if shared in options:
        st.session_state["exp_dev"] = shared
    if st.session_state.get("exp_dev") not in options:
        st.session_state["exp_dev"] = min(options, key=lambda d: abs(d - 1000))
    size = st.select_slider(
        "Dev-set size", options, key="exp_dev", disabled=busy(),
        help="Digits held out, never trained on, to judge each run (the notebook keeps 1,000). Both experiments "
             "use it. Smaller: every dev accuracy gets noisier (a network scores ± √(p(1 − p)/n) just from which "
             "digits land in the dev set), so the spread between seeds grows. Larger: less data to train on.")
    state.set_dev_size(size, "experiments")
    return size


def same_settings(batch, dev_size):
    return (batch.data_description, batch.dev_size, batch.short) == (state.digits().description, dev_size,
                                                                     short_runs())


def new_batch(jobs, dev_size):
    return Batch(jobs, state.digits().description, dev_size, short_runs(), visitor=state.visitor())


# ---------------------------------------------------------------------------------------------------------
# 1 · The same recipe, N seeds
# ---------------------------------------------------------------------------------------------------------


def seed_jobs(n, dev_size):
    """The notebook's recipe with seeds 0 .. n - 1."""
    hp = shortened(NOTEBOOK.with_changes(dev_size=dev_size), short_runs())
    return [Job(f"seed {s}", {"seed": s}, hp.with_changes(seed=s)) for s in range(n)]


def on_run_seeds():
    """Run the seeds not measured yet (after a Stop, this carries on where it stopped)."""
    n, dev_size = st.session_state["exp_n"], st.session_state["exp_dev"]
    batch = st.session_state.get(SEEDS)
    if batch is None or not same_settings(batch, dev_size):
        batch = st.session_state[SEEDS] = new_batch([], dev_size)
    with batch.lock:
        batch.jobs = seed_jobs(max(n, len(batch.rows)), dev_size)
        batch.status, batch.message = "running", ""


def seed_buttons(n, dev_size):
    batch = st.session_state.get(SEEDS)
    done = len(batch.rows) if batch else 0
    mismatch = batch is not None and batch.rows and not same_settings(batch, dev_size)
    running = bool(batch and batch.running)
    if done >= n:
        label = f"✅ {done} seeds measured"
    else:
        label = f"▶️ Run {n} seeds" if done == 0 else f"▶️ Run {n - done} more seed{'s' if n - done > 1 else ''}"
    b1, b2, b3, _ = st.columns([1.2, 1, 1, 2])
    b1.button(label, key="exp_seeds_run", type="primary", width="stretch", on_click=on_run_seeds,
              disabled=busy() or mismatch or done >= n,
              help="Train the notebook's network once per seed, one seed after the other, and collect the "
                   "accuracies. Seeds already measured are kept, so after a Stop this carries on; raise N to "
                   "add more seeds.")
    b2.button("⏹️ Stop", key="exp_seeds_stop", width="stretch", on_click=stop, args=(SEEDS,), disabled=not running,
              help="Stop within about half a second. Finished seeds are kept; the seed in progress is dropped, "
                   "because a run cut short is not a run of the recipe.")
    b3.button("🗑️ Clear", key="exp_seeds_clear", width="stretch", on_click=clear, args=(SEEDS,),
              disabled=batch is None,
              help="Forget these results (and stop the runs if they are going), to start again.")
    if mismatch:
        st.caption(f"These {done} results were measured with a dev set of {batch.dev_size:,} on "
                   f"{batch.data_description.rstrip('.')}. 🗑️ Clear them to measure with the settings above.")
    elif done >= n and not running:
        st.caption(f"{done} seeds measured. Move N higher to add seeds.")


# ---------------------------------------------------------------------------------------------------------
# 2 · A ladder of baselines
# ---------------------------------------------------------------------------------------------------------


def ladder_jobs(seed, dev_size, controls):
    jobs = []
    for label, short_name, hp in rungs(controls):
        hp = shortened(hp.with_changes(seed=seed, dev_size=dev_size), short_runs())
        columns = {"rung": label, "network": "-".join(map(str, hp.layer_sizes)), "parameters": parameters(hp),
                   "training": training_text(hp), "label": short_name}
        jobs.append(Job(label, columns, hp))
    return jobs


def on_run_ladder():
    """Run every rung from the start (a ladder run before is replaced)."""
    s = st.session_state
    jobs = ladder_jobs(int(s["exp_ladder_seed"]), s["exp_dev"], s["exp_controls"])
    s[LADDER] = new_batch(jobs, s["exp_dev"])
    st.session_state.pop(REVEALED, None)


def ladder_buttons():
    batch = st.session_state.get(LADDER)
    running = bool(batch and batch.running)
    b1, b2, b3, _ = st.columns([1.2, 1, 1, 2])
    b1.button("▶️ Run the ladder", key="exp_ladder_run", type="primary", width="stretch", on_click=on_run_ladder,
              disabled=busy(),
              help="Train every rung, one after the other, on the same split (about half a minute on the "
                   "10,000-digit sample; six times longer on the full MNIST). It replaces the ladder shown below.")
    b2.button("⏹️ Stop", key="exp_ladder_stop", width="stretch", on_click=stop, args=(LADDER,), disabled=not running,
              help="Stop within about half a second; finished rungs are kept, the rung in progress is dropped.")
    b3.button("🗑️ Clear", key="exp_ladder_clear", width="stretch", on_click=clear, args=(LADDER,),
              disabled=batch is None, help="Forget the ladder's results (and stop it if it is running).")


# ---------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------

st.title("🧪 Experiments: honest numbers")
st.markdown(
    """
"The notebook reaches about 85%" sounds like a fact about the network. It is one draw from a distribution:
train again and you get another number. This page measures that spread, then compares the notebook's network
with simpler and stronger baselines on the same data, to see what its 85% is made of.
"""
)
read_short_runs_from_address()
data = state.digits()
st.caption(f"Data in use: {data.description.rstrip('.')}. Change it on the 🔢 The data page.")
if short_runs():
    st.warning(f"Short runs (a setting for automated tests): every full-batch run does only {short_runs()} "
               "iterations and every mini-batch run one epoch. The numbers below are not the recipes' real results.")
dev_size = dev_size_control()

st.header("1 · How sure is “about 85%”?")
st.markdown(
    """
The notebook seeds nothing, so every re-run shuffles a different dev set out of the data and starts from
different random weights. Here **seed s** stands for one re-run: it fixes both the shuffle of the dev split
and the initial weights, so the run can be repeated exactly. N seeds = N re-runs of the notebook's recipe
(784-10-10, full batch, α 0.10, 500 iterations, weights uniform in [−0.5, 0.5)). Report the mean and the
spread, not one run:
"""
)
st.latex(r"\bar a = \frac{1}{N}\sum_{s=1}^{N} a_s \qquad "
         r"\mathrm{SD} = \sqrt{\frac{1}{N-1}\sum_{s=1}^{N} (a_s - \bar a)^2} \qquad "
         r"\text{dev-set noise} \approx \sqrt{\frac{p\,(1-p)}{n_\text{dev}}}")
widgets.show_code(split_dev, init_params,
                  title="Where the seed goes (nn_core.data.split_dev, nn_core.network.init_params)")
n = st.slider("Number of seeds N", 2, 20, 5, key="exp_n", disabled=busy(),
              help="How many times to train the notebook's network, with seeds 0, 1, ..., N − 1. More runs show "
                   "the spread more faithfully (the standard deviation of 2 runs is little more than a guess); each "
                   "run takes a few seconds on the sample, about a minute on the full MNIST.")
seed_buttons(n, dev_size)
widgets.live_part(seeds_live, TICK if st.session_state.get(SEEDS) and st.session_state[SEEDS].running else None)
if st.session_state.get(SEEDS) and not st.session_state[SEEDS].running:
    seed_results(st.session_state[SEEDS])

st.header("2 · A ladder of baselines")
st.markdown(
    """
An accuracy means more beside the baselines it is compared with. Each rung trains on the same split, from
the same seed:

① **softmax regression**: no hidden layer, 784 → 10, trained like the notebook (full batch, α 0.10, 500
iterations). ② **the notebook's network**, 784 → 10 ReLU → 10, trained the same way. ③ **784 → 128 ReLU → 10
with mini-batches**: the Training page's "fast and accurate" preset.
"""
)
st.latex(r"\text{①} \; A = \mathrm{softmax}(W^{[1]} X + b^{[1]}) \qquad W^{[1]}: 10 \times 784")
st.latex(r"\text{②, ③} \; A^{[2]} = \mathrm{softmax}\big(W^{[2]}\, \mathrm{ReLU}(W^{[1]} X + b^{[1]}) + b^{[2]}\big)"
         r"\qquad W^{[1]}: n_1 \times 784,\; W^{[2]}: 10 \times n_1,\; n_1 = 10 \text{ or } 128")
widgets.show_code(forward_prop, title="One function runs every rung: with one layer (L = 1) its loop goes straight "
                                 "to softmax (nn_core.network.forward_prop)")
c1, c2 = st.columns([1, 2])
c1.number_input(
    "Seed for the ladder", 0, 2**31 - 1, 0, step=1, key="exp_ladder_seed", disabled=busy(),
    help="Fixes the dev split and the initial weights of every rung. Another seed gives slightly different "
         "numbers (section 1 shows how much); the order of the rungs is what to look at.")
c2.toggle(
    "Add ①c and ②c: mini-batch controls", key="exp_controls", disabled=busy(),
    help="Adds ①c and ②c: the same two small networks, trained with mini-batches of 64, momentum 0.9, α 0.01, "
         "He init, 10 epochs (one recipe for both, a few seconds each). They show what ① and ② can reach when "
         "optimisation is not the bottleneck.")
st.caption("Before you run it, answer the question at the bottom of the page.")
ladder_buttons()
widgets.live_part(ladder_live, TICK if st.session_state.get(LADDER) and st.session_state[LADDER].running else None)
ladder = st.session_state.get(LADDER)
ladder_rows = ladder.rows if ladder and not ladder.running else []
if ladder_rows:
    ladder_results(ladder)
reading_the_ladder(ladder_rows)

st.header("3 · Your turn")
st.markdown(
    """
**Try this.**
1. Run 20 seeds. How many runs land within one standard deviation of the mean? Is the spread larger or smaller
   than the dev-set noise in the caption? Then set the dev-set size to 200 and run 20 seeds again.
2. Switch on the control rungs and run the ladder. Which limited the notebook's network more: its size, or
   500 full-batch steps? Run the ladder with seeds 1 and 2: does the order of the rungs change?
"""
)
st.subheader("Predict, then reveal")
answer = st.radio(
    "Before you run the ladder: will the notebook's 784-10-10 beat softmax regression (no hidden layer) by more "
    "than 5 points of dev accuracy, both trained the notebook's way?", ANSWERS, index=None, key="exp_answer",
    help="Pick your prediction; the reveal checks it against the ladder you measured above.")
if st.button("👀 Reveal", key="exp_reveal", help="Compare your prediction with rungs ① and ② of your ladder."):
    st.session_state[REVEALED] = True
if st.session_state.get(REVEALED):
    reveal(ladder_rows, answer)
