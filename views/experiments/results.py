"""The Experiments page's results: the spread of the notebook's recipe over seeds, the ladder of baselines
with what each rung adds, and the predict-then-reveal question checked against the visitor's own ladder.
"""

import math

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.widgets import show
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK, Hyperparams
from views.experiments.charts import accuracy_figure, seconds_figure, spread_figure

INITS = {"notebook": "notebook init", "he": "He init"}
# The two control rungs: one mini-batch recipe for both small networks, long enough to get near their limits.
CONTROL = Hyperparams(hidden_sizes=(10,), method="mini-batch", alpha=0.01, epochs=10, batch_size=64,
                      momentum=0.9, init="he")


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
        show(figure, "exp_spread")
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


def ladder_results(batch):
    rows = batch.rows
    if not rows:
        return
    left, right = st.columns([3, 2])
    with left:
        show(accuracy_figure(rows), "exp_ladder_accuracy")
    with right:
        show(seconds_figure(rows), "exp_ladder_seconds")
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
    def pct(value, what):
        """ (84.1% dev)" once that rung has run; nothing before, so the text reads the same without numbers."""
        return f" (**{value:.1f}%**{' ' + what if what else ''})" if value is not None else ""

    st.markdown(
        f"""
**How to read it.** Two gaps tell two different stories.

- **Train − dev = overfitting.** A network that does much better on the digits it trained on than on the dev
  digits has memorised part of its training set. Compare ③'s train{pct(train_of(rows, "③"), "")} and
  dev{pct(dev_of(rows, "③"), "")} accuracies: with 101,770 parameters, it has room to memorise.
- **Low train accuracy = underfitting**, and it has two possible causes. *Capacity*: the model cannot represent
  a better answer. *Optimisation*: it could, but training has not got there yet. Training longer or better
  tells them apart: if the train accuracy still rises, it was optimisation.

**What each rung adds.** ① softmax regression{pct(dev_of(rows, "①"), "dev")} is one linear map W X + b and a
softmax: 7,850 parameters. Well trained, a linear model tops out at about 92% on MNIST; that ceiling is its
capacity. ② the notebook's network{pct(dev_of(rows, "②"), "dev")} adds a hidden layer of 10 ReLU units: it is
non-linear, but every digit is squeezed through 10 numbers, and 500 full-batch steps at α 0.10 stop before
either small model reaches its limit. Look at its train and dev accuracies: close together and both low is
underfitting, not overfitting. ③ changes two things at once, capacity (128 units) and optimisation
(mini-batches of 64 with momentum, He init), so the ladder alone cannot say which of them bought the gain.
The control rungs ①c{pct(dev_of(rows, "①c"), "dev")} and ②c{pct(dev_of(rows, "②c"), "dev")} can: they train ① and ② with
mini-batches. If they land near each other and well above ② trained full batch, the notebook's network was
limited by full-batch optimisation speed, not by its size.
"""
    )


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
