"""Forward pass's folded "Under the hood" tabs: the activation functions, softmax step by step (and the
notebook's softmax overflowing), and why a network needs a non-linearity.
"""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import widgets
from dashboard.colours import ORANGE, RDBU_BLUE
from dashboard.widgets import show, table
from nn_core import activations
from nn_core.evaluation import collapse_linear
from nn_core.network import forward_prop, layer_count

ACTIVATION_NAME = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh", "linear": "linear (none)"}
ACTIVATION_TEX = {"relu": r"\mathrm{ReLU}", "sigmoid": r"\sigma", "tanh": r"\tanh", "linear": r"\mathrm{linear}"}


def activations_tab(activation):
    """ReLU, sigmoid and tanh side by side (and their derivatives, on request), with the numbers."""
    st.markdown(
        "An activation function g bends each unit's output. The usual candidates for hidden layers are "
        "**ReLU**, **sigmoid** and **tanh**; the output layer uses **softmax** (next tab). "
        f"This network uses **{ACTIVATION_NAME[activation]}**."
    )
    with_derivs = st.toggle("Show the derivatives too", key="forward_derivs",
                            help="Adds g'(z) as dashed lines: the slope that backpropagation multiplies by. "
                                 "Where it is 0 (ReLU for z < 0, sigmoid far from 0), no learning signal passes.")
    z = np.linspace(-5, 5, 401, dtype=np.float32)
    fig = go.Figure()
    for name, color in (("relu", RDBU_BLUE), ("sigmoid", ORANGE), ("tanh", "#5e3c99")):
        f, f_deriv = activations.ACTIVATIONS[name]
        fig.add_trace(go.Scatter(x=z, y=f(z), name=ACTIVATION_NAME[name], line=dict(color=color, width=4)))
        if with_derivs:
            fig.add_trace(go.Scatter(x=z, y=f_deriv(z), name=f"{ACTIVATION_NAME[name]}'",
                                     line=dict(color=color, width=3, dash="dash")))
    fig.layout.xaxis = dict(title="z", zeroline=True, zerolinecolor="#444444")
    fig.layout.yaxis = dict(title="g(z)", range=[-1.2, 3], zeroline=True, zerolinecolor="#444444")
    show(fig, "forward_activations", 420)
    if box := widgets.numbers_box("The numbers behind the curves, at whole values of z", "forward_numbers_activations"):
        with box:
            z_whole = np.arange(-5, 6, dtype=np.float32)
            curves = {"z": z_whole}
            for name in ("relu", "sigmoid", "tanh"):
                f, f_deriv = activations.ACTIVATIONS[name]
                curves[ACTIVATION_NAME[name]] = f(z_whole)
                if with_derivs:
                    curves[f"{ACTIVATION_NAME[name]}'"] = f_deriv(z_whole)
            table(pd.DataFrame(curves))
    st.latex(r"\mathrm{ReLU}(z) = \max(z, 0) \qquad \sigma(z) = \frac{1}{1 + e^{-z}} \qquad "
             r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}")
    widgets.show_code(activations.relu, activations.relu_deriv, activations.sigmoid, activations.sigmoid_deriv,
                 activations.tanh, activations.tanh_deriv, title="The code (nn_core.activations)")


def softmax_tab(Z_out, L):
    """Softmax on this digit's scores Z_L (10, 1), step by step, and why the max-shift matters."""
    softmax_steps(Z_out, L)
    overflow_demo(Z_out, L)


def softmax_steps(Z_out, L, key="forward_softmax_steps"):
    """The three steps of softmax on this digit's scores Z_L (10, 1): shift by the max, exponentiate, divide by
    the sum; a table and two bar charts. key : the chart's key (the network picture opens these steps too)."""
    shifted = Z_out[:, 0] - Z_out[:, 0].max()
    E = np.exp(shifted)
    steps = pd.DataFrame({"digit k": np.arange(10), f"Z{L}_k": Z_out[:, 0], f"Z{L}_k - max": shifted,
                          "exp(Z_k - max)": E, "÷ sum = probability": E / E.sum()})
    st.markdown(
        f"Softmax makes the ten scores into ten probabilities: each between 0 and 1, together 1. "
        f"1) subtract the largest score ({Z_out.max():.3f}) from every score; 2) take e to the power of each; "
        f"3) divide each by their sum ({E.sum():.4f})."
    )
    st.latex(r"\mathrm{softmax}(z)_k = \frac{e^{z_k - \max(z)}}{\sum_{i=0}^{9} e^{z_i - \max(z)}}")
    table_col, chart_col = st.columns([1.2, 1])
    with table_col:
        table(steps)
    with chart_col:
        digit_axis = dict(title=dict(text="digit k"), dtick=1)
        titles = [dict(text=text, x=x, y=1, xref="paper", yref="paper", xanchor="center", yanchor="bottom",
                       showarrow=False)
                  for text, x in (("exp(Z<sub>k</sub> − max)", 0.225), ("÷ sum = probability", 0.775))]
        fig = go.Figure([go.Bar(x=np.arange(10), y=E, marker_color=RDBU_BLUE),  # two charts side by side
                         go.Bar(x=np.arange(10), y=E / E.sum(), marker_color=ORANGE, xaxis="x2", yaxis="y2")],
                        layout=dict(showlegend=False, annotations=titles,
                                    xaxis=dict(digit_axis, domain=[0, 0.45]), yaxis=dict(anchor="x"),
                                    xaxis2=dict(digit_axis, domain=[0.55, 1]), yaxis2=dict(anchor="x2")))
        show(fig, key, 340)


def overflow_demo(Z_out, L):
    """Why softmax subtracts the max: the same scores plus 1000 overflow e^z in the notebook's softmax."""
    st.markdown("**Why subtract the max?** Adding the same number to every score changes nothing (it cancels in "
                "the division), but e^z overflows: NumPy's e^1000 is `inf`. The notebook's softmax has no shift:")
    big = Z_out + 1000  # the same scores, all raised by 1000: the probabilities should not change
    with np.errstate(over="ignore"):
        e_1000, e_big = np.exp(np.float64(1000)), np.exp(big[:, 0])
    notebook_probabilities = activations.softmax_notebook(big)[:, 0]
    overflow = pd.DataFrame({"digit k": np.arange(10), f"Z{L}_k + 1000": big[:, 0],
                             f"exp(Z{L}_k + 1000)": [str(v) for v in e_big],
                             "softmax_notebook: no shift": [f"{v:.4f}" for v in notebook_probabilities],
                             "softmax: max-shift": activations.softmax(big)[:, 0]})
    over_col, over_text = st.columns([1.5, 1])
    with over_col:
        table(overflow)
    with over_text:
        st.code(f"np.exp(1000.0)\n# {e_1000}\n"
                f"softmax_notebook(Z{L} + 1000)\n# inf / inf = nan\n"
                f"softmax(Z{L} + 1000)\n# the same as A{L}", language="python")
        st.caption("e^z overflows above z = 88.7 in float32 (709 in float64). Scores that large appear when the "
                   "learning rate is too big, and the notebook's training then turns into NaN.")
    widgets.show_code(activations.softmax, activations.softmax_notebook,
                 title="The two softmaxes (nn_core.activations)")


def linear_tab(params, X, Z_out, activation):
    """Without activations the layers fold into one matrix: computed with the visitor's weights and digit X."""
    L = layer_count(params)
    W, b = collapse_linear(params)
    linear_out = forward_prop(params, X, "linear")[f"Z{L}"]  # the layers one after another, no activation
    collapsed = W @ X + b  # (10, 1): one matrix instead of the layers
    gap = float(np.max(np.abs(linear_out - collapsed)))
    real_gap = float(np.max(np.abs(Z_out - collapsed)))
    st.markdown(
        "Take the activation away (g(z) = z). Then each layer is just a linear combination of the one before, "
        "and the layers fold into **one** matrix:"
    )
    if L == 2:
        st.latex(r"W^{[2]}\left(W^{[1]}X + b^{[1]}\right) + b^{[2]} = "
                 r"\underbrace{W^{[2]} W^{[1]}}_{W \; (10 \times 784)} X + "
                 r"\underbrace{W^{[2]} b^{[1]} + b^{[2]}}_{b \; (10 \times 1)}")
    else:
        st.latex(rf"W = W^{{[{L}]}} \cdots W^{{[1]}} \; (10 \times 784), \qquad "
                 rf"b = W^{{[{L}]}}\left(\cdots\left(W^{{[2]}} b^{{[1]}} + b^{{[2]}}\right)\cdots\right)"
                 rf" + b^{{[{L}]}}")
    st.markdown(f"Computed with **your network's weights** and the digit above (W {W.shape}, b {b.shape}):")
    gap_col, real_col = st.columns(2)
    gap_col.metric(f"Largest difference: the {L} layers without activation vs W · X + b", f"{gap:.1e}",
                   help="Only float32 rounding: the two are the same function.")
    if activation != "linear":
        real_col.metric(
            f"Largest difference: the real network (with {ACTIVATION_NAME[activation]}) vs W · X + b",
            f"{real_gap:.3g}", help="The activation breaks the shortcut: no single matrix does this.")
    table(pd.DataFrame({"digit k": np.arange(10), f"Z{L}, layers with no activation": linear_out[:, 0],
                        "W · X + b, one matrix": collapsed[:, 0], f"Z{L}, the real network": Z_out[:, 0]}))
    st.markdown(
        "So a stack of linear layers, however deep, is one linear map: each digit's score is a weighted sum of "
        "pixels, and the boundaries it can draw between digits are flat (straight lines and planes). A linear "
        "network is **softmax regression**, however many units it has, and can never do better than it (about "
        "92-93% on MNIST, trained long). The activation between the layers is what *lets* a network learn curved, "
        "complicated patterns; it does not promise a better score. " + LINEAR_AGAINST_RELU
    )


# Measured on the bundled sample (dev set of 1,000, seed 0): nn_core.training.train_to_end on the split the app uses.
LINEAR_AGAINST_RELU = (
    "On the bundled sample, with the notebook's 10 units and 500 full-batch steps at α 0.1, the linear network "
    "scores higher (87.0% on the dev set against ReLU's 84.8%): 10 ReLU units trained that briefly do not beat one "
    "matrix. With ⚡ Fast and accurate's 128 units, ReLU pulls ahead: 94.8% against the linear network's 88.3%.")

COMPARED = ("network sizes", "method", "alpha", "momentum", "init", "seed", "bugs", "steps")


def linear_against_relu(rows):
    """What the visitor's own runs say: (linear dev accuracy, ReLU dev accuracy, the shared settings' row) of the
    last pair of runs of the Training page (state.run_history() rows) that trained to their end with the same
    settings but the activation, or None when there is no such pair."""
    def settings(row):
        return tuple(row["network"].rsplit(" ", 1)[0] if name == "network sizes" else row.get(name)
                     for name in COMPARED)

    ended = [row for row in rows if str(row.get("status", "")).startswith(("finished", "went wrong"))
             and row.get("dev accuracy") is not None]
    for linear in reversed([row for row in ended if row["network"].endswith(" linear")]):
        relu = next((row for row in reversed(ended) if row["network"].endswith(" relu")
                     and settings(row) == settings(linear)), None)
        if relu is not None:
            return linear["dev accuracy"], relu["dev accuracy"], relu
    return None


def linear_against_relu_text(rows):
    """The visitor's own linear and ReLU runs compared in words, with why; None before they have both."""
    pair = linear_against_relu(rows)
    if pair is None:
        return None
    linear, relu, row = pair
    units = row["network"].split("-")[1]
    said = (f"Your two runs ({row['network'].rsplit(' ', 1)[0]}, {row['method']}, α {row['alpha']:g}, "
            f"{row['steps'].split(' of ')[0]} steps): linear **{linear:.1%}**, ReLU **{relu:.1%}** on the dev set. ")
    if linear >= relu:
        return said + (f"One matrix did as well or better: {units} ReLU units trained this way do not beat softmax "
                       "regression. Give ReLU more units (try ⚡ Fast and accurate's 128) and it can; a linear "
                       "network never can.")
    return said + ("ReLU won: its bends let the network draw boundaries that no single matrix can, and this run "
                   "was trained enough to use them.")
