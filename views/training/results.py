"""What a run came to, under the live curve: finished, stopped or diverged, in words with the cause the page
can see; and every run of this visitor's session in one table.
"""

import pandas as pd
import streamlit as st

from training_runs.runs import CHANCE, JUDGED_AFTER, POOR


def outcome(run):
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
    unknown = run.loaded and not run.records  # a file saved without its training
    columns = st.columns(2 + len(run.scores))
    columns[0].metric("Steps", "not in the file" if unknown else f"{run.step:,} of {run.total:,}", border=True)
    columns[1].metric("Training time", "not in the file" if unknown else f"{run.seconds:.1f} s", border=True)
    for column, (name, (loss, accuracy)) in zip(columns[2:], run.scores.items(), strict=True):
        column.metric(f"{name} accuracy", f"{accuracy:.1%}", f"loss {loss:.3f}", delta_color="off",
                      delta_arrow="off", border=True)
    dev = run.scores["dev"][1] if "dev" in run.scores else None
    if run.loaded:
        trained = ("The file does not say how it was trained (an older version of the app saved it), so there are "
                   "no curves." if unknown else
                   f"It had trained {run.step:,} of {run.total:,} steps in {run.seconds:.1f} s"
                   + (f" ({run.ending} when saved)" if run.ending else "") + ": the curves above are its log.")
        st.info(f"📂 **Loaded from {run.loaded}.** {trained} The accuracies are measured now, on the data in use. "
                "▶️ Train and ⏭️ Step start a new network with these settings.")
    elif run.outcome == "went wrong":
        st.warning(f"⚠️ **Finished {run.step:,} steps in {run.seconds:.1f} s, but training went wrong: "
                   f"{run.problem}.** Dev accuracy {dev:.1%}, where guessing gives {CHANCE:.0%}.")
        _why(run)
    elif run.status == "finished":
        short = (f" Only {run.step:,} steps, so the accuracy is still low: the notebook trains 500."
                 if dev is not None and dev < POOR and run.step < JUDGED_AFTER else "")
        st.success(f"✅ Finished {run.step:,} steps in {run.seconds:.1f} s: dev accuracy {dev:.1%}.{short}")
    units = run.hp.hidden_sizes[0]
    if run.dead and not (run.problem and run.problem.cause == "dead units"):
        st.caption(f"{run.dead} of the {units} ReLU units of layer 1 are dead (0 for every training digit).")
    if run.records and run.records[-1].loss > run.records[0].loss and not run.problem:
        st.warning("📈 The loss went **up**, not down: the learning rate is too large for this network.")


def _why(run):
    """The cause of a run that went wrong, explained with what the page can see."""
    hp, cause = run.hp, run.problem.cause
    if cause == "dead units":
        pushed = (f"Steps too large (α = {hp.alpha:g}) pushed their weights so far that Z1 < 0" if hp.alpha > 1
                  else "Their weights ended where Z1 < 0")
        st.error(f"☠️ **{run.dead} of the {hp.hidden_sizes[0]} ReLU units of layer 1 are dead**: each outputs 0 "
                 f"for every training digit. {pushed} for all inputs; there ReLU'(Z1) = 0, so no gradient reaches "
                 "them and they can never recover. With so few units left the network can hardly tell digits "
                 "apart. Reset" + (" with a smaller α (the notebook's is 0.1)." if hp.alpha > 1 else "."))
    elif cause == "alpha too large":
        st.error(f"📈 **The loss went up, not down**: with α = {hp.alpha:g} each step overshoots the bottom of the "
                 "loss and lands higher up the other side. Try a learning rate 10 times smaller.")
    elif cause == "too few units":
        n = min(hp.hidden_sizes)
        st.error(f"🔢 **{n} hidden unit{'s' if n > 1 else ''}**: every digit reaches the output layer as only {n} "
                 f"number{'s' if n > 1 else ''}, too few to keep ten digits apart, however long it trains. The "
                 "notebook has 10.")
    elif cause == "alpha too small":
        st.error(f"🐌 **α = {hp.alpha:g} takes tiny steps**: after {run.step:,} of them the weights have hardly "
                 f"moved (the loss went from {run.records[0].loss:.2f} to {run.records[-1].loss:.2f}). Try a "
                 "larger α, or many more steps.")
    else:
        st.error("The page sees no dead units, no rising loss and no narrow layer, yet the dev accuracy stayed "
                 "far below what a network of this size reaches. Compare with 📓 The notebook's settings.")


def history_table(rows):
    """Every run this visitor trained (or stepped), one row each, so a class can compare hyperparameters."""
    if not rows:
        return
    st.subheader("Runs in this session")
    st.caption("Each run you train (or step) is listed, so a class can compare hyperparameters. "
               "'test' appears only when the full MNIST with its real test set is in use.")
    columns = {c: st.column_config.NumberColumn(format="percent") for c in rows[-1] if c.endswith("accuracy")}
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config=columns)
