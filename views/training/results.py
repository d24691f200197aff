"""What a run came to, under the live curve: finished, stopped or diverged, in words with the cause the page
can see; and every run of this visitor's session in one table.
"""

import pandas as pd
import streamlit as st

from nn_core.evaluation import dead_units


def outcome(run, split):
    """What happened, in words: finished, stopped, diverged (with why), a network that died, or a run whose
    worker process died."""
    if run.status == "failed":
        st.error(f"⚠️ **This run stopped at step {run.step:,}.** {run.message}")
        return
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
        dev = run.scores["dev"][1]
        if 2 * dead >= units or run.records[-1].loss > run.records[0].loss:
            st.warning(f"⚠️ Finished {run.step:,} steps in {run.seconds:.1f} s, but training went wrong: dev "
                       f"accuracy {dev:.1%} (guessing gives 10%). See why above.")
        else:
            st.success(f"✅ Finished {run.step:,} steps in {run.seconds:.1f} s: dev accuracy {dev:.1%}.")


def history_table(rows):
    """Every run this visitor trained (or stepped), one row each, so a class can compare hyperparameters."""
    if not rows:
        return
    st.subheader("Runs in this session")
    st.caption("Each run you train (or step) is listed, so a class can compare hyperparameters. "
               "'test' appears only when the full MNIST with its real test set is in use.")
    columns = {c: st.column_config.NumberColumn(format="percent") for c in rows[-1] if c.endswith("accuracy")}
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config=columns)
