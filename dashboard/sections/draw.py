"""The Draw page's longer parts: the networks that read a drawing (the visitor's, or the notebook's trained
here), why the network gave its answer (the terms of a score), and one learning step taught from the drawing.
"""

import time

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import figures, state, widgets
from dashboard.figures import RDBU_BLUE, RDBU_RED, before_after_bars, matrix_heatmap, size
from dashboard.widgets import adds_up, numbers_box, show
from nn_core import training
from nn_core.network import forward_prop, one_hot
from training_runs import runs

NOTEBOOK_STEPS = 250  # full-batch steps for the notebook's network here (the notebook runs 500)
NOTEBOOK_DIGITS = 9_000  # training digits for it: every full-batch step reads all of them
SHOWN_UNITS = 10  # hidden units explained one by one; wider layers show the 10 largest terms

# This page's own session-state keys (the shared ones live in dashboard/state.py).
NOTEBOOK_MODEL = "draw_notebook_model"  # the notebook's 784-10-10, trained here, kept apart from the visitor's
CANVAS_GENERATION = "draw_canvas_generation"  # bumped by "Clear": a new canvas key gives a fresh canvas
PENDING = "draw_pending_step"  # the "Teach it" copy of the network, until kept or thrown away
FLASH = "draw_flash"  # a message from a button, shown once

NETWORKS = {"yours": "🧠 Your network, from 📉 Training", "notebook": "📓 The notebook's 784-10-10"}


# ---------------------------------------------------------------------------------------------------------
# The networks
# ---------------------------------------------------------------------------------------------------------


@st.cache_resource(max_entries=4, show_spinner=False)
def notebook_network(data_description, dev_size, _split):
    """The notebook's preset (784-10-10, full batch, alpha 0.1, seed 0), shortened to a few seconds, trained once
    per server and per data: every visitor's Draw page reads the same weights. Returns (Model, note)."""
    hp = training.NOTEBOOK.with_changes(dev_size=dev_size)
    m = min(_split.X_train.shape[1], NOTEBOOK_DIGITS)
    steps = min(hp.iterations, NOTEBOOK_STEPS)
    note = ""
    if steps < hp.iterations or m < _split.X_train.shape[1]:
        note = (f"The notebook runs {hp.iterations} full-batch steps on all its training digits; to keep the "
                f"wait short this page ran {steps} steps on {m:,} digits, so it is a little less accurate. The "
                "📉 Training page runs the whole recipe.")
        hp = hp.with_changes(iterations=steps)
    start = time.perf_counter()
    params, history = runs.train_quietly(hp, _split.X_train[:, :m], _split.Y_train[:m], _split.X_dev, _split.Y_dev)
    model = state.Model(params, hp, history, state.dev_accuracy_of(params, hp), data_description)
    return model, f"Trained on this server in {time.perf_counter() - start:.1f} s, once for every visitor. {note}"


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
            return notebook_network(description, split.X_dev.shape[1], split)
        except runs.TrainingError as error:
            st.error(f"The notebook's network could not be trained: {error} Reload the page to try again.")
            st.stop()


def store(which, model):
    """Put a changed network back where it came from: the visitor's own, or this page's notebook copy."""
    if which == "notebook":
        st.session_state[NOTEBOOK_MODEL] = model
    else:
        state.set_model(model)


# ---------------------------------------------------------------------------------------------------------
# Buttons' actions (they run before the page is drawn again)
# ---------------------------------------------------------------------------------------------------------


def clear_canvas():
    """A new key gives a new, empty canvas; a taught step for the old drawing is dropped."""
    st.session_state[CANVAS_GENERATION] = st.session_state.get(CANVAS_GENERATION, 0) + 1
    st.session_state.pop(PENDING, None)


def percent(value):
    """0.948 -> "94.8%"; None -> "unknown"."""
    return "unknown" if value is None else f"{value:.1%}"


def keep_step(which, model):
    """Make the taught copy the network in use, with the dev accuracy it was measured at."""
    pending = st.session_state.pop(PENDING)
    store(which, state.Model(pending["params"], model.hp, model.history, pending["dev_accuracy"],
                          model.data_description))
    before, after = percent(model.dev_accuracy), percent(pending["dev_accuracy"])
    st.session_state[FLASH] = (f"✅ Kept. The network learned that this drawing is a {pending['y']}. "
                               f"Its dev accuracy went from {before} to {after}.")


def throw_away_step():
    """Forget the taught copy."""
    st.session_state.pop(PENDING, None)
    st.session_state[FLASH] = "🗑️ Thrown away: the network is exactly as it was."


# ---------------------------------------------------------------------------------------------------------
# Why this answer, and what one step of learning changes
# ---------------------------------------------------------------------------------------------------------


def why_digit(digit, role, params, x, A_prev, Z, L, times_x):
    """The score Z_L[digit] as the sum of its terms W_L[digit, j] * A_(L-1)[j], checked against forward_prop;
    for one hidden layer, each unit's weights (or weights times the drawing x) as a 28 x 28 picture."""
    W, b = params[f"W{L}"], params[f"b{L}"]  # (10, n), (10, 1)
    n = W.shape[1]
    terms, units, rest, total = widgets.score_waterfall(W, b, A_prev, digit, L, SHOWN_UNITS, f"the score of {digit}")
    st.latex(rf"\underbrace{{{terms.sum():.4f}}}_{{\text{{sum of the {n} terms}}}} + "
             rf"\underbrace{{({b[digit, 0]:.4f})}}_{{b^{{[{L}]}}_{{{digit}}}}} = {total:.4f}")
    adds_up("The bars", total, f"Z{L}[{digit}]", float(Z[digit, 0]))
    if L == 2:
        if times_x:
            st.markdown("Each unit's weights times your drawing, W1[j] * x pixel by pixel, in the order of the "
                        "bars: what the unit found in your drawing (blue: evidence for firing, red: against). "
                        "These 784 numbers plus b1[j] add up to Z1[j]; A1[j] = ReLU(Z1[j]).")
        else:
            st.markdown(f"Each unit's weights W1[j] as a 28 x 28 picture, in the order of the bars (blue: ink "
                        f"there makes the unit fire more, red: less). Its activation A1[j] is how strongly it "
                        f"fired on your drawing; a unit that is off (A1 = 0) adds nothing to the score of {digit}.")
        titles = [f"unit {j}: off (A1 = 0)\nterm 0" if A_prev[j, 0] == 0 else
                  f"unit {j}: A1 = {A_prev[j, 0]:.2f}\nterm {terms[j]:+.2f}" for j in units]
        rows = params["W1"][units] * x[:, 0] if times_x else params["W1"][units]  # (10, 784)
        what = "W1 * x" if times_x else "W1"
        widgets.units(rows, titles, what, units, f"{what} of each unit, in the order of the bars: blue positive, "
                                                 "red negative, white 0.")
    label = "The numbers behind the bars" + (" and the pictures" if L == 2 else "")
    if box := numbers_box(label, f"draw_numbers_why_{role}"):
        with box:
            st.dataframe(pd.DataFrame({"unit j": units, f"A{L - 1}[j]": A_prev[units, 0],
                                       f"W{L}[{digit}, j]": W[digit, units], "term": terms[units]}),
                         hide_index=True)
            st.dataframe(pd.DataFrame({"bar": (["all other units"] if rest is not None else [])
                                       + [f"bias b{L}[{digit}]", f"= Z{L}[{digit}]"],
                                       "value": ([rest] if rest is not None else []) + [float(b[digit, 0]), total]}),
                         hide_index=True)
            if L == 2:
                st.caption(f"{'W1[j] * x' if times_x else 'W1[j]'} of each unit pictured above, one column per pixel:")
                st.dataframe(figures.wide_table(rows, [f"pixel {i}" for i in range(rows.shape[1])],
                                                [f"unit {j}" for j in units], "unit"), height=260)


def taught_step(pending, which, model, x, A, k, L):
    """One gradient step on the drawing x (m = 1): dZ, dW, the answer and the dev accuracy after it, and the
    buttons that keep the changed copy or throw it away."""
    hp = model.hp
    y, grads = pending["y"], pending["grads"]
    dZ = A - one_hot(np.array([y]), 10, A.dtype)  # (10, 1), the error at the output
    st.latex(rf"dZ^{{[{L}]}} = A^{{[{L}]}} - \mathrm{{one\_hot}}(y = {y}) \qquad "
             rf"dW^{{[{L}]}} = dZ^{{[{L}]}} A^{{[{L - 1}]\top}} \qquad dW^{{[1]}} = dZ^{{[1]}} X^\top"
             rf"\qquad (m = 1)")
    st.markdown(f"dZ{L} is negative for {y}, where A{L} should have been 1 (the step pushes it up), and positive "
                f"for every other digit (pushed down). With a single example, m = 1: no averaging.")
    error_column, dW_column = st.columns(2)
    with error_column:
        fig = go.Figure(go.Bar(x=np.arange(10), y=dZ[:, 0], marker_color=np.where(dZ[:, 0] >= 0, RDBU_RED, RDBU_BLUE),
                               text=[f"{v:+.2f}" if abs(v) >= 0.005 else "" for v in dZ[:, 0]],
                               textposition="outside", constraintext="none", cliponaxis=False,
                               hovertemplate="digit %{x}: %{y:+.4f}<extra></extra>"))
        fig.update_xaxes(title="digit", dtick=1)
        fig.update_yaxes(title=f"dZ{L} (10 x 1)", range=[-1.2, 1.2])
        fig.update_layout(title=f"dZ{L}: {size(dZ)}, one number per digit")
        show(fig, "draw_dZ", 360)
    with dW_column:
        dW = grads[f"dW{L}"]
        fig = matrix_heatmap(dW, f"hidden unit j of layer {L - 1}", "digit k", f"dW{L}")
        fig.update_layout(title=f"dW{L}: {size(dW)}, one row per digit")
        show(fig, "draw_dW_last", 360)
    dW1 = grads["dW1"]
    rows = np.argsort(-np.abs(dW1).sum(axis=1), kind="stable")[:SHOWN_UNITS]
    st.markdown(f"dW1 is {size(dW1)}: each row, one hidden unit's 784 weight changes, drawn as 28 x 28. It is "
                "your drawing scaled by that unit's error dZ1[j], so the change sits where you put ink; a unit "
                "that was switched off (A1 = 0) gets no change at all. The update subtracts α dW1: where a picture "
                "is blue, those weights go down; where it is red, they go up."
                + (f" The {len(rows)} rows with the largest changes are shown." if dW1.shape[0] > SHOWN_UNITS else ""))
    dZ1 = dW1 @ x[:, 0] / (x[:, 0] @ x[:, 0])  # with m = 1, dW1 = dZ1 x^T, so dW1 x = dZ1 (x . x)
    titles = [f"unit {j}\ndZ1 = {dZ1[j]:+.3g}" for j in rows]
    widgets.units(dW1[rows], titles, "dW1", rows, "dW1, one row per unit as 28 x 28: blue positive, red negative, "
                                                 "white 0.")
    st.latex(rf"W \leftarrow W - \alpha\, dW,\quad b \leftarrow b - \alpha\, db \qquad (\alpha = {pending['alpha']:g})")
    A_after = forward_prop(pending["params"], x, hp.activation)[f"A{L}"]
    k_after = int(np.argmax(A_after))
    before_column, after_column, dev_column = st.columns(3)
    before_column.metric(f"Probability of {y}, before", f"{A[y, 0]:.1%}")
    after_column.metric("Prediction after the step", k_after, delta=f"{A_after[y, 0] - A[y, 0]:+.1%} for {y}",
                        help=f"The answer of the changed copy, and how the probability of {y} moved.")
    dev_before, dev_after = model.dev_accuracy, pending["dev_accuracy"]
    dev_column.metric("Dev accuracy after the step", percent(dev_after),
                      delta=None if None in (dev_before, dev_after) else f"{dev_after - dev_before:+.1%}",
                      help="The changed copy measured on the dev set: what this one step did to every other "
                           "digit. A big step on one example can undo much of the training.")
    show(before_after_bars(A, A_after, y), "draw_before_after", 360)
    if box := numbers_box("The numbers behind these charts", "draw_numbers_teach"):
        with box:
            st.dataframe(pd.DataFrame({"digit": np.arange(10), f"dZ{L}": dZ[:, 0], f"A{L} before": A[:, 0],
                                       f"A{L} after": A_after[:, 0]}), hide_index=True, width="stretch")
            st.caption(f"dW{L} ({size(dW)}): row k is digit k, column j is hidden unit j.")
            st.dataframe(pd.DataFrame(dW, columns=[f"unit {j}" for j in range(dW.shape[1])]), width="stretch")
            st.caption("dW1 of each unit pictured above, one column per pixel:")
            st.dataframe(figures.wide_table(dW1[rows], [f"pixel {i}" for i in range(dW1.shape[1])],
                                            [f"unit {j}" for j in rows], "unit"), height=260)
    if k_after == y != k:
        st.info(f"One step on this one drawing was enough to turn the answer from {k} into {y}. That is why training "
                "averages the gradient over many examples and takes small steps: a single example pulls the whole "
                "network towards itself. The dev accuracy above shows what it cost on every other digit.")
    keep_column, discard_column = st.columns(2)
    keep_column.button("✅ Keep this change", key="draw_keep", on_click=keep_step, args=(which, model),
                       help="Make the changed copy your network (on every page). Its dev accuracy is measured "
                            "again, so you can see whether one drawing helped or hurt.")
    discard_column.button("🗑️ Throw it away", key="draw_discard", on_click=throw_away_step,
                          help="Forget the step; the network stays exactly as it was.")
