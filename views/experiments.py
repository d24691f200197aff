"""🧪 Experiments: honest numbers. How much one accuracy varies from run to run, and a ladder of baselines
that tells what a bigger network adds (capacity) from what better training adds (optimisation).

The runs are nn_core's training generator stepped a slice at a time: a fragment re-runs every TICK seconds
while a batch of runs is going, trains for about SLICE seconds, and redraws the progress bar. The batch (its
runs, their results, the run in progress) lives in st.session_state, so results survive reruns, and Stop
works between two slices, in the middle of a run.
"""

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import state, widgets
from nn_core.data import split_dev
from nn_core.network import forward_prop, init_params
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK, Hyperparams, evaluate, new_network, train

TICK = 0.1  # seconds between two slices while a batch runs
SLICE = 0.5  # seconds of training per slice: Stop waits at most this long (plus one gradient step)
DEV_SIZES = (100, 200, 500, 1000, 2000, 5000, 10000)
BIN = 0.5  # width of a histogram bar, in points of accuracy
FONT = dict(size=16, color="#262730")  # readable from the back of a classroom
BLUE, ORANGE, PURPLE, GREY = "#0072B2", "#E69F00", "#CC79A7", "#555555"  # Okabe-Ito: colour-blind safe

# The two control rungs: one mini-batch recipe for both small networks, long enough to get near their limits.
CONTROL = Hyperparams(hidden_sizes=(10,), method="mini-batch", alpha=0.01, epochs=10, batch_size=64,
                      momentum=0.9, init="he")
INITS = {"notebook": "notebook init", "he": "He init"}

# This page's session-state keys.
SEEDS, LADDER = "exp_seeds", "exp_ladder"  # the two batches of runs (a Batch each)
REVEALED = "exp_revealed"
# Shorter runs, for automated tests only: every full-batch run does this many iterations and every
# mini-batch run one epoch. Set it in st.session_state, or in the address (.../experiments?short_runs=20) for
# a browser. The page then says so in a warning, and the tables show the settings really used.
SHORT_RUNS = "exp_short_runs"
MAX_SHORT_RUNS = 500


# ---------------------------------------------------------------------------------------------------------
# A batch of runs, trained a slice at a time
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Job:
    """One training run to do: a name, the columns it starts its table row with, and its hyperparameters.
    hp.seed seeds both the dev split's shuffle and the initial weights."""

    name: str
    columns: dict
    hp: Hyperparams


@dataclass
class Batch:
    """Runs done one after the other on the same data: their results, and the run in progress.

    status : "running", "stopped", "finished" or "error" (message says why).
    rows : one table row per finished run. steps : nn_core's training generator of the run in progress.
    """

    jobs: list
    data_description: str
    dev_size: int
    short: int | None
    rows: list = field(default_factory=list)
    status: str = "running"
    message: str = ""
    split: object = None
    steps: object = None
    params: dict | None = None
    step: int = 0
    total: int = 0
    seconds: float = 0.0
    # Held while a slice trains. A click reruns the page in a new thread while the old one may still be
    # finishing its slice (Streamlit's fast reruns), so only one of them may touch the batch at a time.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def job(self):
        """The run in progress or the next to do (None when all are done)."""
        return self.jobs[len(self.rows)] if len(self.rows) < len(self.jobs) else None

    @property
    def running(self):
        return self.status == "running"


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


def steps_of(hp, m):
    """Gradient steps of a run on m training examples."""
    return hp.iterations if hp.method == "full-batch" else hp.epochs * math.ceil(m / hp.batch_size)


def start_job(batch):
    """Split the data with the next run's seed and set up its training generator (or end the batch)."""
    job = batch.job
    if job is None:
        batch.status = "finished"
        return
    if state.digits().description != batch.data_description:
        batch.status, batch.message = "error", (
            "The data in use changed while these runs were going, so they stopped: results measured on two "
            "different datasets cannot be compared. Clear them and run again.")
        return
    try:
        batch.split = state.data_split(batch.dev_size, job.hp.seed)
        params = new_network(job.hp)
    except ValueError as error:
        batch.status, batch.message = "error", f"{job.name} could not start: {error}"
        return
    batch.total = steps_of(job.hp, batch.split.X_train.shape[1])
    batch.steps = train(params, batch.split.X_train, batch.split.Y_train, job.hp, eval_every=batch.total)
    batch.params, batch.step, batch.seconds = params, 0, 0.0


def one_step(batch):
    """One gradient step of the run in progress; the run is scored when it reaches its last step."""
    start = time.perf_counter()
    try:
        batch.params, record = next(batch.steps)
    except StopIteration:
        return finish_job(batch, "")
    except ValueError as error:
        batch.status, batch.message, batch.steps = "error", f"{batch.job.name} failed: {error}", None
        return
    finally:
        batch.seconds += time.perf_counter() - start
    batch.step = record.step
    if record.diverged:
        finish_job(batch, f"diverged at step {record.step}")
    elif record.step >= batch.total:
        finish_job(batch, "")


def finish_job(batch, note):
    """Score the finished run on train, dev and (full MNIST only) test, and add its row to the table."""
    split, job = batch.split, batch.job
    row = dict(job.columns)
    sets = {"train": (split.X_train, split.Y_train), "dev": (split.X_dev, split.Y_dev)}
    if split.X_test is not None:
        sets["test"] = (split.X_test, split.Y_test)
    for name, (X, Y) in sets.items():
        row[f"{name} accuracy"] = 100 * evaluate(batch.params, X, Y, job.hp.activation)[1]
    row["steps"] = batch.step
    row["seconds"] = round(batch.seconds, 2)
    if note:
        row["note"] = note
    batch.rows.append(row)
    batch.steps = batch.params = batch.split = None
    if batch.job is None:
        batch.status = "finished"


def work(batch, seconds):
    """Train for about `seconds`: steps of the run in progress, starting the next run when one ends.
    Does nothing when another thread is already training this batch."""
    if not batch.lock.acquire(blocking=False):
        return
    try:
        deadline = time.perf_counter() + seconds
        while batch.running and time.perf_counter() < deadline:
            if batch.steps is None:
                start_job(batch)
            else:
                one_step(batch)
    finally:
        batch.lock.release()


def stop(key):
    """Stop a batch (after the slice being trained, if any): finished runs are kept; the run in progress
    is dropped, because it did not finish."""
    batch = st.session_state.get(key)
    if batch is None:
        return
    with batch.lock:
        if not batch.running:
            return
        batch.status = "stopped"
        if batch.steps is not None:
            batch.message = (f"Stopped during {batch.job.name}, at step {batch.step:,} of {batch.total:,}: that "
                             "run did not finish, so it is not counted.")
        batch.steps = batch.params = batch.split = None


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
    if batch.status == "error":
        st.error(batch.message)
    elif batch.status == "stopped" and batch.message:
        st.info(batch.message)


def live(key, what):
    """Train a slice (while the batch runs) and draw its progress; when it ends, redraw the whole page."""
    batch = st.session_state.get(key)
    if batch is None:
        return
    if batch.running:
        work(batch, SLICE)
        if not batch.running:
            st.rerun()
    progress(batch, what)


def seeds_live():
    live(SEEDS, "run")


def ladder_live():
    live(LADDER, "rung")


# ---------------------------------------------------------------------------------------------------------
# Controls shared by both experiments
# ---------------------------------------------------------------------------------------------------------


def dev_options():
    """Dev-set sizes that leave at least half of the data in use for training."""
    m = len(state.digits().labels)
    return [d for d in DEV_SIZES if d <= m // 2] or [max(1, m // 5)]


def dev_size_control():
    options = dev_options()
    if st.session_state.get("exp_dev") not in options:
        st.session_state["exp_dev"] = min(options, key=lambda d: abs(d - 1000))
    return st.select_slider(
        "Dev-set size", options, key="exp_dev", disabled=busy(),
        help="Digits held out, never trained on, to judge each run (the notebook keeps 1,000). Both experiments "
             "use it. Smaller: every dev accuracy gets noisier (a network scores ± √(p(1 − p)/n) just from which "
             "digits land in the dev set), so the spread between seeds grows. Larger: less data to train on.")


def same_settings(batch, dev_size):
    return (batch.data_description, batch.dev_size, batch.short) == (state.digits().description, dev_size,
                                                                     short_runs())


def new_batch(jobs, dev_size):
    return Batch(jobs, state.digits().description, dev_size, short_runs())


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


def projector(fig, height):
    """Large, dark text on every axis and legend (Streamlit's theme would draw small grey ticks)."""
    fig.update_xaxes(tickfont=FONT, title_font=FONT, gridcolor="#e5e5e5")
    fig.update_yaxes(tickfont=FONT, title_font=FONT, gridcolor="#e5e5e5")
    fig.update_layout(height=height, font=FONT, legend_font=FONT, plot_bgcolor="white")
    return fig


def spread_figure(dev, seeds):
    """Histogram of the dev accuracies (in %), one dot per run under it, mean and ± 1 SD marked."""
    mean, sd = float(np.mean(dev)), float(np.std(dev, ddof=1))
    start = math.floor(min(dev) / BIN) * BIN
    top = int(np.histogram(dev, bins=np.arange(start, max(dev) + 2 * BIN, BIN))[0].max())
    fig = go.Figure()
    fig.add_vrect(x0=mean - sd, x1=mean + sd, fillcolor=ORANGE, opacity=0.18, line_width=0, layer="below")
    fig.add_trace(go.Histogram(x=dev, xbins=dict(start=start, size=BIN), marker=dict(color=BLUE, line=dict(
        color="white", width=1)), name="runs per bar", hovertemplate="%{x}: %{y} runs<extra></extra>"))
    fig.add_trace(go.Scatter(x=dev, y=[-0.35] * len(dev), mode="markers", name="one dot per run",
                             marker=dict(color="black", size=11, symbol="diamond"), customdata=seeds,
                             hovertemplate="seed %{customdata}: %{x:.1f}%<extra></extra>"))
    fig.add_vline(x=mean, line=dict(color=ORANGE, width=4))
    marks = [(mean, f"mean {mean:.1f}%", "center"), (mean - sd, "−1 SD", "right"), (mean + sd, "+1 SD", "left")]
    for x, text, side in marks:
        fig.add_annotation(x=x, y=1.0, yref="paper", yanchor="bottom", text=f"<b>{text}</b>", showarrow=False,
                           xanchor=side, font=dict(size=16, color="#9a6700" if "SD" in text else "black"))
    fig.update_xaxes(title="dev accuracy (%)")
    fig.update_yaxes(title="runs", dtick=1, range=[-0.8, top + 0.3], zeroline=True)
    fig.update_layout(bargap=0.05, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", y=-0.25, x=0.5, xanchor="center"))
    return projector(fig, 400)


def seed_results(batch):
    """Metrics, histogram and table of the finished seeds."""
    rows = batch.rows
    if not rows:
        return
    dev = np.array([r["dev accuracy"] for r in rows])
    seconds = np.mean([r["seconds"] for r in rows])
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric("Mean dev accuracy", f"{dev.mean():.1f}%", help=f"The average over the {len(dev)} runs.")
    if len(dev) >= 2:
        c2.metric("Standard deviation", f"{np.std(dev, ddof=1):.2f} points",
                  help="How far a run typically lands from the mean (divided by N − 1: the sample standard "
                       "deviation). With few runs this number is itself very uncertain.")
    c3.metric("Lowest", f"{dev.min():.1f}%", help="The worst of the runs.")
    c4.metric("Highest", f"{dev.max():.1f}%", help="The best of the runs.")
    c5.metric("Seconds per run", f"{seconds:.1f} s", help="Training time of one run on this machine, averaged.")
    if len(dev) >= 2:
        figure = spread_figure(dev, [r["seed"] for r in rows])
        st.plotly_chart(widgets.style_figure(figure), width="stretch", key="exp_spread",
                        config={"displayModeBar": False})
        noise = 100 * math.sqrt(dev.mean() / 100 * (1 - dev.mean() / 100) / batch.dev_size)
        st.caption(
            f"{len(dev)} runs of the same recipe, 784-10-10 trained full batch ({rows[0]['steps']} iterations at "
            f"α 0.10): dev accuracy from {dev.min():.1f}% to {dev.max():.1f}%, mean {dev.mean():.1f}% ± "
            f"{np.std(dev, ddof=1):.2f} (1 SD, orange band). On a dev set of {batch.dev_size:,} digits, one network "
            f"would score ± {noise:.1f} points (√(p(1 − p)/n)) just from which digits land in it: part of the spread "
            "is the dev set, not the network.")
    else:
        st.caption("One run so far: a spread needs at least two.")
    table(rows, "Each run of the notebook's recipe: the seed fixes the dev split and the initial weights. "
                "'test' appears only when the full MNIST, with its real test set, is in use.")


def table(rows, caption, wrapped=False):
    """The numbers behind a chart, accuracies in % with one decimal. wrapped: a static table whose long texts
    wrap, so that no column is hidden off screen (for a few rows); else a scrollable, sortable dataframe."""
    frame = pd.DataFrame(rows)
    accuracies = [c for c in frame if c.endswith("accuracy")]
    if wrapped:
        formats = {c: "{:.1f}%" for c in accuracies} | {"seconds": "{:.2f}", "parameters": "{:,}"}
        st.table(frame.style.format({c: f for c, f in formats.items() if c in frame}, na_rep=""), hide_index=True)
    else:
        columns = {c: st.column_config.NumberColumn(c, format="%.1f%%") for c in accuracies}
        columns["seconds"] = st.column_config.NumberColumn("seconds", format="%.2f")
        st.dataframe(frame, hide_index=True, width="stretch", column_config=columns)
    st.caption(caption)


# ---------------------------------------------------------------------------------------------------------
# 2 · A ladder of baselines
# ---------------------------------------------------------------------------------------------------------


def parameters(hp):
    """Weights and biases of a network: n_l x (n_(l-1) + 1) for each layer l."""
    sizes = hp.layer_sizes
    return sum(sizes[l] * (sizes[l - 1] + 1) for l in range(1, len(sizes)))


def training_text(hp):
    """The settings of a run, in words, for the table."""
    if hp.method == "full-batch":
        how = f"full batch, {hp.iterations} iterations"
    else:
        how = f"mini-batches of {hp.batch_size}, {hp.epochs} epoch{'s' if hp.epochs > 1 else ''}"
    momentum = f", momentum {hp.momentum:g}" if hp.momentum else ""
    return f"{how}, α {hp.alpha:g}{momentum}, {INITS[hp.init]}"


def rungs(controls):
    """(label, short name, hyperparameters) of each rung, in the order of the ladder."""
    ladder = [("① softmax regression", "① 784-10<br>full batch", NOTEBOOK.with_changes(hidden_sizes=())),
              ("② the notebook's network", "② 784-10-10<br>full batch", NOTEBOOK),
              ("③ wider, mini-batches", "③ 784-128-10<br>mini-batches", FAST_AND_ACCURATE)]
    if controls:
        ladder[1:1] = [("①c softmax regression, mini-batches", "①c 784-10<br>mini-batches",
                        CONTROL.with_changes(hidden_sizes=()))]
        ladder[3:3] = [("②c notebook's network, mini-batches", "②c 784-10-10<br>mini-batches", CONTROL)]
    return ladder


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


def accuracy_figure(rows):
    """Grouped bars: train, dev (and test, for full MNIST) accuracy of each rung."""
    fig = go.Figure()
    labels = [r["label"] for r in rows]
    sets = [("train", BLUE, ""), ("dev", ORANGE, "/"), ("test", PURPLE, "x")]
    for name, colour, pattern in sets:
        if f"{name} accuracy" in rows[0]:
            y = [r[f"{name} accuracy"] for r in rows]
            fig.add_trace(go.Bar(x=labels, y=y, name=f"{name} accuracy", marker=dict(color=colour, pattern=dict(
                shape=pattern, fgcolor="white", fillmode="overlay", solidity=0.3)), text=[f"{v:.1f}" for v in y],
                textposition="outside", textfont=FONT, hovertemplate="%{x}: %{y:.1f}%<extra>" + name + "</extra>"))
    fig.update_yaxes(title="accuracy (%)", range=[0, 109], dtick=20)
    fig.update_layout(barmode="group", bargap=0.25, title=dict(text="Accuracy of each rung (%)", font=dict(size=18)),
                      margin=dict(l=10, r=10, t=50, b=10), legend=dict(orientation="h", y=1.0, x=1, xanchor="right",
                                                                       yanchor="bottom"))
    return projector(fig, 460)


def seconds_figure(rows):
    """Seconds of training of each rung."""
    labels, seconds = [r["label"] for r in rows], [r["seconds"] for r in rows]
    fig = go.Figure(go.Bar(y=labels, x=seconds, orientation="h", marker_color=GREY,
                           text=[f"{s:.1f} s" for s in seconds], textposition="outside", textfont=FONT,
                           hovertemplate="%{y}: %{x:.2f} s<extra></extra>"))
    fig.update_xaxes(title="seconds", range=[0, max(seconds) * 1.35 + 0.01])
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(margin=dict(l=10, r=10, t=50, b=10),
                      title=dict(text="Seconds of training per run", font=dict(size=18)))
    return projector(fig, 460)


def ladder_results(batch):
    rows = batch.rows
    if not rows:
        return
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(widgets.style_figure(accuracy_figure(rows)), width="stretch", key="exp_ladder_accuracy",
                        config={"displayModeBar": False})
    with right:
        st.plotly_chart(widgets.style_figure(seconds_figure(rows)), width="stretch", key="exp_ladder_seconds",
                        config={"displayModeBar": False})
    has_test = "test accuracy" in rows[0]
    st.caption("Train accuracy in blue, dev in orange with stripes" + (", test (the real MNIST test set) in purple "
               "with crosses" if has_test else "") + ". Right: seconds of training on this machine, shared "
               "with other visitors, so compare them with each other rather than with your laptop.")
    table([{k: v for k, v in r.items() if k != "label"} for r in rows], wrapped=True, caption=
          f"The same split and seed ({batch.jobs[0].hp.seed}) for every rung; 'steps' counts gradient steps "
          f"(a mini-batch step uses {FAST_AND_ACCURATE.batch_size} digits, a full-batch step all of them). "
          + ("'test' is the real MNIST test set, never used to choose anything." if has_test else
             "No test column: only the full MNIST comes with a real test set."))


def dev_of(rows, prefix):
    """The dev accuracy of the rung whose label starts with prefix, or None when it has not run."""
    return next((r["dev accuracy"] for r in rows if r["rung"].startswith(prefix + " ")), None)


def train_of(rows, prefix):
    return next((r["train accuracy"] for r in rows if r["rung"].startswith(prefix + " ")), None)


def reading_the_ladder(rows):
    """What each rung adds, with the measured numbers when the ladder has run."""
    def pct(value):
        return f"**{value:.1f}%**" if value is not None else "(not run yet)"

    st.markdown(
        f"""
**How to read it.** Two gaps tell two different stories.

- **Train − dev = overfitting.** A network that does much better on the digits it trained on than on the dev
  digits has memorised part of its training set. ③ reaches {pct(train_of(rows, "③"))} on train and
  {pct(dev_of(rows, "③"))} on dev: with 101,770 parameters, it has room to memorise.
- **Low train accuracy = underfitting**, and it has two possible causes. *Capacity*: the model cannot represent
  a better answer. *Optimisation*: it could, but training has not got there yet. Training longer or better
  tells them apart: if the train accuracy still rises, it was optimisation.

**What each rung adds.** ① softmax regression ({pct(dev_of(rows, "①"))} dev) is one linear map W X + b and a
softmax: 7,850 parameters. Well trained, a linear model tops out at about 92% on MNIST; that ceiling is its
capacity. ② the notebook's network ({pct(dev_of(rows, "②"))} dev) adds a hidden layer of 10 ReLU units: it is
non-linear, but every digit is squeezed through 10 numbers, and 500 full-batch steps at α 0.10 stop before
either small model reaches its limit. Look at its train and dev accuracies: close together and both low is
underfitting, not overfitting. ③ changes two things at once, capacity (128 units) and optimisation
(mini-batches of 64 with momentum, He init), so the ladder alone cannot say which of them bought the gain.
The control rungs (①c {pct(dev_of(rows, "①c"))}, ②c {pct(dev_of(rows, "②c"))}) can: they train ① and ② with
mini-batches. If they land near each other and well above ② trained full batch, the notebook's network was
limited by full-batch optimisation speed, not by its size.
"""
    )


# ---------------------------------------------------------------------------------------------------------
# 3 · Predict, then reveal
# ---------------------------------------------------------------------------------------------------------

ANSWERS = ("Yes, by more than 5 points", "Yes, but by 5 points or fewer",
           "No: softmax regression does as well or better")


def measured_answer(rows):
    """(index of the right answer, the gap in points), from the ladder's dev accuracies, or None."""
    one, two = dev_of(rows, "①"), dev_of(rows, "②")
    if one is None or two is None:
        return None
    gap = two - one
    return (0 if gap > 5 else 1 if gap > 0 else 2), gap


def reveal(rows, choice):
    measured = measured_answer(rows)
    if measured is None:
        st.info("Run the ladder first (rungs ① and ② at least): the answer is your measurement, not ours.")
        return
    if choice is None:
        st.warning("Choose an answer first: predicting before you look is the point.")
        return
    right, gap = measured
    verdict = st.success if choice == ANSWERS[right] else st.warning
    verdict(f"{'✅ Right' if choice == ANSWERS[right] else '❌ Not this time'}: measured, ② {dev_of(rows, '②'):.1f}% "
            f"− ① {dev_of(rows, '①'):.1f}% = **{gap:+.1f} points**, so the answer is “{ANSWERS[right]}”.")
    st.markdown(
        "Ten ReLU units make the network non-linear, but they also squeeze each digit through only 10 numbers, "
        "and the notebook's 500 full-batch steps train neither model to its limit. A hidden layer is not "
        "automatically worth many points: what it can add depends on how wide it is and how well it is trained. "
        "Differences of a point or two on 1,000 dev digits are within the seed-to-seed spread of section 1.")


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
st.fragment(seeds_live, run_every=TICK if st.session_state.get(SEEDS) and st.session_state[SEEDS].running
            else None)()
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
st.latex(r"① \; A = \mathrm{softmax}(W^{[1]} X + b^{[1]}) \qquad W^{[1]}: 10 \times 784")
st.latex(r"②, ③ \; A^{[2]} = \mathrm{softmax}\big(W^{[2]}\, \mathrm{ReLU}(W^{[1]} X + b^{[1]}) + b^{[2]}\big)"
         r"\qquad W^{[1]}: n_1 \times 784,\; W^{[2]}: 10 \times n_1,\; n_1 = 10 \text{ or } 128")
widgets.show_code(forward_prop, title="One function runs every rung: with one layer (L = 1) its loop goes straight "
                                 "to softmax (nn_core.network.forward_prop)")
c1, c2 = st.columns([1, 2])
c1.number_input(
    "Seed for the ladder", 0, 2**31 - 1, 0, step=1, key="exp_ladder_seed", disabled=busy(),
    help="Fixes the dev split and the initial weights of every rung. Another seed gives slightly different "
         "numbers (section 1 shows how much); the order of the rungs is what to look at.")
c2.toggle(
    "Add the two control rungs: ① and ② trained with mini-batches", key="exp_controls", disabled=busy(),
    help="Adds ①c and ②c: the same two small networks, trained with mini-batches of 64, momentum 0.9, α 0.01, "
         "He init, 10 epochs (one recipe for both, a few seconds each). They show what ① and ② can reach when "
         "optimisation is not the bottleneck.")
st.caption("Before you run it, answer the question at the bottom of the page.")
ladder_buttons()
st.fragment(ladder_live, run_every=TICK if st.session_state.get(LADDER) and st.session_state[LADDER].running
            else None)()
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
