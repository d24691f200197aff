"""One learning step taught from the drawing: the gradient of the drawing's loss, the update it makes, the
probabilities before and after, and the choice to keep the step or throw it away.
"""


import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import state, tables, widgets
from dashboard.colours import LIGHT, RDBU_BLUE, RDBU_RED
from dashboard.pictures import symmetric
from dashboard.widgets import numbers_box, show
from nn_core.network import forward_prop, one_hot
from views.draw.networks import FLASH, PENDING, percent_text, store
from views.draw.why import SHOWN_UNITS


def size(array):
    """An array's shape the way the pages write it: "28 x 28"."""
    return " x ".join(str(n) for n in array.shape)


def keep_step(which, model):
    """Make the taught copy the network in use, with the dev accuracy it was measured at."""
    pending = st.session_state.pop(PENDING)
    store(which, state.Model(pending["params"], model.hp, model.history, pending["dev_accuracy"],
                          model.data_description))
    before, after = percent_text(model.dev_accuracy), percent_text(pending["dev_accuracy"])
    st.session_state[FLASH] = (f"✅ Kept. The network learned that this drawing is a {pending['y']}. "
                               f"Its dev accuracy went from {before} to {after}.")


def throw_away_step():
    """Forget the taught copy."""
    st.session_state.pop(PENDING, None)
    st.session_state[FLASH] = "🗑️ Thrown away: the network is exactly as it was."


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
    dev_column.metric("Dev accuracy after the step", percent_text(dev_after),
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
            st.dataframe(tables.wide_table(dW1[rows], [f"pixel {i}" for i in range(dW1.shape[1])],
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


def matrix_heatmap(M, x_title, y_title, what="weight", title=""):
    """A matrix as a heatmap, row 0 at the top as printed, on RdBu centred on 0 (blue positive, red negative)."""
    M = np.atleast_2d(np.asarray(M, dtype=np.float64))
    limit = symmetric(M)
    return go.Figure(go.Heatmap(
        z=M, colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit, colorbar=dict(title=what),
        hovertemplate=f"{y_title} %{{y}}, {x_title} %{{x}}<br>{what} = %{{z:.4g}}<extra></extra>"),
        layout=dict(title=dict(text=f"<b>{title}</b>" if title else ""),
                    xaxis=dict(title=x_title, showticklabels=M.shape[1] > 1, dtick=1 if 1 < M.shape[1] <= 16 else None),
                    yaxis=dict(title=y_title, autorange="reversed", dtick=1 if M.shape[0] <= 16 else None)))


def before_after_bars(A_before, A_after, y):
    """A (10, 1) before and after one learning step, side by side, with the true digit marked."""
    fig = go.Figure()
    fig.add_bar(x=np.arange(10), y=A_before[:, 0], name="before the step", marker_color=LIGHT,
                hovertemplate="digit %{x}: %{y:.2%}<extra>before</extra>")
    fig.add_bar(x=np.arange(10), y=A_after[:, 0], name="after the step", marker_color=RDBU_BLUE,
                text=[f"{v:.0%}" if v >= 0.005 else "" for v in A_after[:, 0]], textposition="outside",
                constraintext="none", cliponaxis=False,
                hovertemplate="digit %{x}: %{y:.2%}<extra>after</extra>")
    fig.update_layout(barmode="group", showlegend=True, legend=dict(orientation="h", y=1.15, x=0, font=dict(size=16)))
    fig.update_xaxes(title=f"digit (the true one, {y}, is the one the step pushes up)", dtick=1)
    fig.update_yaxes(title="probability", range=[0, 1.15], tickformat=".0%")
    return fig
