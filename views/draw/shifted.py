"""The Draw page's "Why a shifted digit fools it": the drawing, as the 784 numbers the network reads, moved by a
few pixels, turned and thickened (nn_core.preprocessing), read again beside the unmoved version; and the
accuracy on a thousand dev digits moved by 0 to 6 pixels, computed once per network.
"""

import hashlib

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import state, widgets
from dashboard.colours import BLUE, LIGHT, LINE_DASHES, RDBU_BLUE, VERMILLION
from dashboard.pictures import pixelated
from dashboard.widgets import show
from nn_core.evaluation import DIRECTIONS, shifted_accuracy
from nn_core.network import forward_prop, layer_count
from nn_core.preprocessing import centre_of_mass, move_digit, rotate, shift, thicken

SHIFTS = range(7)  # 0 to 6 pixels
DEV_DIGITS = 1_000  # dev digits moved for the chart
OPEN = "draw_moved_open"  # the expander: its content is built only while it is open
CONTROLS = {"draw_move_right": 0, "draw_move_down": 0, "draw_turn": 0, "draw_thickness": 0}
THICKNESS = {-2: "much thinner", -1: "thinner", 0: "as drawn", 1: "thicker", 2: "much thicker"}


def network_fingerprint(params):
    """A short digest of every weight and bias: two networks with the same numbers share it, and a network
    changed by a single step (🎓 Teach it, a step on your handwriting) gets a new one."""
    digest = hashlib.blake2b(digest_size=16)
    for name in sorted(params):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(params[name]).tobytes())
    return digest.hexdigest()


@st.cache_data(max_entries=64, show_spinner="Moving 1,000 dev digits by 0 to 6 pixels in four directions...")
def shifted_accuracy_of(network, activation, digits, _params, _X, _Y):
    """shifted_accuracy for one network (`network`: its fingerprint) on one set of dev digits (`digits` names
    them): computed once, then shared by every visitor who reads with the same weights. Returns (7, 4)."""
    return shifted_accuracy(_params, _X, _Y, SHIFTS, activation)


def reset_controls():
    """Put the drawing back as drawn."""
    for key, value in CONTROLS.items():
        st.session_state[key] = value


def moved_digit(model, x, A, k):
    """The whole part, in an expander whose content is built only while it is open: controls that move, turn
    and thicken the drawing x (784, 1), whose probabilities are A (10, 1) and answer k; the moved version read
    beside it; and the chart of accuracy against shift."""
    box = st.expander("🔀 Why a shifted digit fools it: move, turn and thicken your drawing", key=OPEN,
                      on_change="rerun")
    if not box.open:
        return
    with box:
        widgets.explain(
            "These controls change the **784 numbers** the network reads, after all the preparation: move the "
            "digit a few pixels, turn it, make its strokes thinner or thicker. To you it is the same digit. To "
            "the network, whose every weight in W1 belongs to one pixel position, it is a new input.")
        params, hp = model.params, model.hp
        right_column, down_column, turn_column, thick_column = st.columns(4)
        right = right_column.slider("Move right (pixels; − is left)", -6, 6, 0, key="draw_move_right",
                                    help="Moves every pixel sideways by whole pixels: no number changes, only "
                                         "where it sits. Ink pushed off the 28 x 28 field is lost.")
        down = down_column.slider("Move down (pixels; − is up)", -6, 6, 0, key="draw_move_down",
                                  help="Moves every pixel up or down by whole pixels.")
        degrees = turn_column.slider("Turn (degrees; − is clockwise)", -30, 30, 0, step=5, key="draw_turn",
                                     help="Turns the digit about the centre of mass of its ink, by bilinear "
                                          "interpolation (nn_core.preprocessing.rotate).")
        thickness = thick_column.select_slider("Strokes", list(THICKNESS), value=0, format_func=THICKNESS.get,
                                               key="draw_thickness",
                                               help="Each step takes, for every pixel, the largest (thicker) or "
                                                    "smallest (thinner) value among it and its four neighbours: "
                                                    "about a pixel more or less on each side of every stroke.")
        moved = move_digit(x, right, down, degrees, thickness)  # (784, 1)
        L = layer_count(params)
        A_moved = forward_prop(params, moved, hp.activation)[f"A{L}"]  # (10, 1)
        k_moved = int(np.argmax(A_moved))
        # The answers first, then the pictures, small enough that both stay on a projector's screen.
        drawn_column, moved_column, bars_column = st.columns([1, 1, 2])
        drawn_column.metric("Reads, as drawn", k, delta=f"{A[k, 0]:.0%} sure", delta_color="off", delta_arrow="off")
        drawn_column.image(pixelated(x.reshape(28, 28), 168), caption="as drawn: x", width=168,
                           alt="your drawing as the network reads it")
        moved_column.metric("Reads, moved", k_moved, delta=f"{A_moved[k_moved, 0]:.0%} sure", delta_color="off",
                            delta_arrow="off")
        moved_column.image(pixelated(moved.reshape(28, 28), 168), caption="moved: the new 784 numbers", width=168,
                           alt="your drawing moved, turned and thickened")
        if moved.sum() < 1:
            moved_column.warning("Almost no ink is left: thinner strokes vanish, and a digit moved far loses its "
                                 "edge. The network still answers, but about nothing.")
        with bars_column:
            show(moved_bars(A, A_moved), "draw_moved_bars", 300)
            if box := widgets.numbers_box("The numbers behind the bars", "draw_numbers_moved"):
                with box:
                    widgets.table(pd.DataFrame({"digit": np.arange(10), "as drawn": A[:, 0], "moved": A_moved[:, 0]}))
        st.button("↺ Back to as drawn", key="draw_moved_reset", on_click=reset_controls,
                  help="Sets every control above back to 0: the drawing as the network first read it.")
        describe_change(x, moved, k, k_moved)
        widgets.show_code(move_digit, shift, rotate, thicken,
                          title="The code that moves, turns and thickens (nn_core.preprocessing)")
        chart(model)


def describe_change(x, moved, k, k_moved):
    """In words: how far the ink's centre of mass moved, how much ink there is, how many numbers changed."""
    (row, col), (row_moved, col_moved) = ((float(r[0]), float(c[0])) for r, c in
                                          (centre_of_mass(x), centre_of_mass(moved)))
    changed = int(np.sum(~np.isclose(x, moved, atol=1e-3)))
    where = (f"the ink's centre of mass went from row {row:.1f}, column {col:.1f} to row {row_moved:.1f}, column "
             f"{col_moved:.1f}" if np.isfinite(row_moved) else "no ink is left")
    st.markdown(f"**{changed} of the 784 numbers changed**; {where}; ink {x.sum():.0f} → {moved.sum():.0f} "
                f"(the sum of the 784 numbers). The answer: {k} → **{k_moved}**"
                + (" (the same)." if k == k_moved else " (changed)."))


def chart(model):
    """Accuracy on 1,000 dev digits moved by 0 to 6 pixels, for the network in use, with why it falls."""
    st.subheader("📉 Accuracy on dev digits moved by 0 to 6 pixels")
    try:
        split = state.data_split(model.hp.dev_size)
    except ValueError as error:
        st.error(f"The digits in use give no dev set for this network: {error}")
        return
    X, Y = split.X_dev[:, :DEV_DIGITS], split.Y_dev[:DEV_DIGITS]
    digits = f"{state.digits().description}, dev set of {split.Y_dev.size}, first {Y.size}"
    accuracy = shifted_accuracy_of(network_fingerprint(model.params), model.hp.activation, digits, model.params, X, Y)
    show(shifted_accuracy_figure(SHIFTS, accuracy, list(DIRECTIONS)), "draw_shifted_accuracy", 380)
    st.caption(f"{Y.size:,} dev digits, each moved right, left, down and up by 0 to 6 pixels (28 x 4 passes "
               "through the network, computed once per network). The thick line is the average of the four.")
    if box := widgets.numbers_box("The numbers behind the chart", "draw_numbers_shifted"):
        with box:
            table = pd.DataFrame(accuracy, columns=[f"moved {name}" for name in DIRECTIONS])
            table.insert(0, "pixels", list(SHIFTS))
            table["average"] = accuracy.mean(axis=1)
            widgets.table(table)
    widgets.explain(
        "**One weight per pixel position.** W1 has a separate weight for every one of the 784 positions, so what "
        "the network learned about a stroke at column 10 says nothing about the same stroke at column 13. "
        "MNIST's digits are all centred the same way, so it never had to learn a digit anywhere else; moved by "
        "three pixels, a digit falls on weights that never saw it, and the accuracy drops towards chance. A "
        "network built like this would have to relearn every digit at every place. **Convolutional networks** "
        "share their weights instead: one small filter (say 5 x 5) slides over the whole image, so a pattern "
        "learned in one place is recognised in every place, and pooling then forgives a pixel or two.")


def moved_bars(A_drawn, A_moved):
    """The ten probabilities of a drawing as drawn (10, 1) and after it was moved (10, 1), side by side, each
    answer marked with ★ above its bar (so neither depends on colour alone)."""
    fig = go.Figure()
    for A, name, colour in ((A_drawn, "as drawn", LIGHT), (A_moved, "moved", RDBU_BLUE)):
        p = np.ravel(A)
        fig.add_bar(x=np.arange(10), y=p, name=name, marker_color=colour, cliponaxis=False,
                    text=["★" if k == p.argmax() else "" for k in range(10)], textposition="outside",
                    textfont=dict(size=16), hovertemplate="digit %{x}: %{y:.1%}<extra>" + name + "</extra>")
    fig.update_layout(barmode="group", showlegend=True, legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"))
    fig.update_xaxes(title="digit (★ the answer)", dtick=1)
    fig.update_yaxes(title="probability", range=[0, 1.12], tickformat=".0%")
    return fig

def shifted_accuracy_figure(shifts, accuracy, directions):
    """Accuracy (len(shifts), len(directions)) on digits moved by each number of pixels: the average over the
    directions as a thick line with its values, each direction as a thin dotted one, and chance (10%)."""
    fig = go.Figure()
    greys = ("#555555", "#777777", "#999999", "#444444")
    for j, name in enumerate(directions):
        fig.add_scatter(x=list(shifts), y=accuracy[:, j], mode="lines", name=f"moved {name}",
                        line=dict(color=greys[j % len(greys)], width=1.5, dash=LINE_DASHES[(j + 1) % 4]),
                        hovertemplate="%{x} px " + name + ": %{y:.1%}<extra></extra>")
    mean = accuracy.mean(axis=1)
    fig.add_scatter(x=list(shifts), y=mean, mode="lines+markers+text", name="average of the four",
                    line=dict(color=BLUE, width=4), marker=dict(size=10), text=[f"{v:.0%}" for v in mean],
                    textposition="top right", textfont=dict(size=16, color=BLUE), cliponaxis=False,
                    hovertemplate="%{x} px: %{y:.1%} on average<extra></extra>")
    fig.add_hline(y=0.1, line=dict(color=VERMILLION, dash="dash"), annotation_text="chance: 10%",
                  annotation_position="bottom left", annotation_font=dict(size=15, color=VERMILLION))
    fig.update_xaxes(title="pixels moved", dtick=1, range=[-0.3, max(shifts) + 0.6])
    fig.update_yaxes(title="dev accuracy", range=[0, 1.05], tickformat=".0%")
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"), plot_bgcolor="white")
    return fig
