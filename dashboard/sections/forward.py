"""The Forward pass page's longer parts: one hidden unit's sum with the real numbers, the three "under the
hood" tabs (activation functions, softmax step by step, why a network needs a non-linearity), and the network
as a picture with the numbers of the node the visitor opens in it.
"""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import figures, widgets
from dashboard.figures import ORANGE, RDBU_BLUE
from dashboard.widgets import show, table
from nn_core import activations
from nn_core.evaluation import collapse_linear
from nn_core.network import forward_prop, layer_count

ACTIVATION_NAME = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh", "linear": "linear (none)"}
ACTIVATION_TEX = {"relu": r"\mathrm{ReLU}", "sigmoid": r"\sigma", "tanh": r"\tanh", "linear": r"\mathrm{linear}"}


def unit_terms(W1, b1, X, j):
    """The 784 terms w_ji * x_i of hidden unit j, their sum plus b_j computed in float64, and a table of pixels."""
    terms = W1[j].astype(np.float64) * X[:, 0].astype(np.float64)  # (784,)
    z_j = terms.sum() + float(b1[j, 0])
    pixels = pd.DataFrame({"pixel i": np.arange(784), "row": np.arange(784) // 28, "col": np.arange(784) % 28,
                           "w_ji": W1[j], "x_i": X[:, 0], "w_ji · x_i": terms})
    return terms, z_j, pixels


def tex_products(rows):
    """Terms of the sum as LaTeX, '0.21 · 0.99 + (-0.15) · 1.00', from rows of the unit's pixel table."""
    return " + ".join(f"{tex_number(w)}\\cdot{x:.2f}" for w, x in zip(rows["w_ji"], rows["x_i"], strict=True))


def tex_number(x, digits=2):
    """A number for LaTeX, negative ones in brackets so that '+ (-0.12)' reads clearly."""
    return f"({x:.{digits}f})" if x < 0 else f"{x:.{digits}f}"


def one_unit(W1, b1, Z1, X, j, key="forward_unit"):
    """Hidden unit j's z_j = sum over the 784 pixels of w_ji x_i, plus b_j, written out with the real numbers.

    W1 : (n1, 784), b1 and Z1 : (n1, 1), X : (784, 1). key : the start of its charts' keys, so that the network
    picture and Step 1 can both open a unit.
    """
    terms, z_j, pixels = unit_terms(W1, b1, X, j)
    top = pixels.loc[pixels["w_ji · x_i"] > 0].nlargest(3, "w_ji · x_i")
    bottom = pixels.loc[pixels["w_ji · x_i"] < 0].nsmallest(3, "w_ji · x_i")
    positive, negative = terms[terms > 0], terms[terms < 0]
    zero = terms.size - positive.size - negative.size

    st.latex(rf"z_{{{j}}} = \sum_{{i=0}}^{{783}} w_{{{j},i}}\, x_i + b_{{{j}}}")
    st.latex(
        rf"= \underbrace{{{tex_products(top) or '0'} + \dots}}_{{\text{{the largest terms}}}}"
        rf"\; + \; \underbrace{{{tex_products(bottom) or '0'} + \dots}}_{{\text{{the most negative terms}}}}"
        rf"\; + \; \underbrace{{{tex_number(float(b1[j, 0]), 3)}}}_{{b_{{{j}}}}}"
    )
    st.latex(
        rf"= \underbrace{{{positive.sum():.3f}}}_{{\text{{{positive.size} positive terms}}}}"
        rf"\; \underbrace{{-\,{abs(negative.sum()):.3f}}}_{{\text{{{negative.size} negative terms}}}}"
        rf"\; + \underbrace{{0}}_{{\text{{{zero} terms with }} x_i = 0}}"
        rf"\; + \; {tex_number(float(b1[j, 0]), 3)} \;=\; {z_j:.4f}"
    )
    difference = abs(z_j - float(Z1[j, 0]))
    if difference < 1e-4 * max(1.0, abs(z_j)):
        st.success(f"✓ The 784 products add up to **{z_j:.4f}**, and forward_prop's Z1[{j}] is "
                   f"**{float(Z1[j, 0]):.4f}**: the same number (they differ by {difference:.1e}, rounding in "
                   f"float32).")
    else:
        st.error(f"The sum {z_j:.4f} differs from Z1[{j}] = {float(Z1[j, 0]):.4f} by {difference:.2e}.")
    w_col, x_col, t_col = st.columns(3)
    with w_col:
        widgets.picture(W1[j], f"row {j} of W1: what unit {j} looks for", "weight")
    with x_col:
        widgets.picture(X, "the input x", "x", grey=True)
    with t_col:
        widgets.picture(terms, f"w[{j}, i] · x[i]: each pixel's term", "term")
    st.caption("Right: the 784 terms of the sum. Where the image is black (x_i = 0) the term is 0, whatever the "
               "weight; blue terms raise z_j, red terms lower it.")
    if box := widgets.numbers_box(f"The 5 largest and the 5 most negative of unit {j}'s 784 terms",
                                  f"{key}_numbers_top_terms"):
        with box:
            table(pd.concat([pixels.nlargest(5, "w_ji · x_i"), pixels.nsmallest(5, "w_ji · x_i")]))
    if box := widgets.numbers_box(f"All 784 terms of unit {j}, pixel by pixel (the numbers of the three pictures)",
                                  f"{key}_numbers_all_terms"):
        with box:
            table(pixels, height=260)


def deeper_layer(l, params, cache, activation):
    """Hidden layer l >= 2, compactly: the same rule as layer 1, with A_(l-1) in place of the pixels."""
    name, G = ACTIVATION_NAME[activation], ACTIVATION_TEX[activation]
    W, b, Z, A = params[f"W{l}"], params[f"b{l}"], cache[f"Z{l}"], cache[f"A{l}"]
    st.header(f"Step {l} · hidden layer {l}: Z{l} = W{l} · A{l - 1} + b{l}, A{l} = {name}"
              f"(Z{l})")
    st.latex(
        rf"\underbrace{{Z^{{[{l}]}}}}_{{{W.shape[0]} \times 1}} = \underbrace{{W^{{[{l}]}}}}_{{{W.shape[0]} \times "
        rf"{W.shape[1]}}}\,\underbrace{{A^{{[{l - 1}]}}}}_{{{W.shape[1]} \times 1}} + "
        rf"\underbrace{{b^{{[{l}]}}}}_{{{W.shape[0]} \times 1}} \qquad A^{{[{l}]}} = {G}\left(Z^{{[{l}]}}\right)"
    )
    w_col, z_col, a_col = st.columns([1.6, 1, 1])
    with w_col:
        st.markdown(f"### W{l}, shape {W.shape}")
        widgets.matrix(W, f"W{l}", f"unit of layer {l}", f"unit of layer {l - 1}", width=520)
    with z_col:
        st.markdown(f"### Z{l}, shape {Z.shape}")
        widgets.vector(Z, f"Z{l}", "unit", f"forward_Z{l}", 420)
    with a_col:
        off_l = np.flatnonzero(Z[:, 0] <= 0) if activation == "relu" else None
        st.markdown(f"### A{l} = {name}(Z{l}), shape {A.shape}")
        widgets.vector(A, f"A{l}", "unit", f"forward_A{l}", 420, off_l)
    st.caption(f"Same rule as layer 1, with A{l - 1} in place of the pixels. b{l} {b.shape} = ["
               + ", ".join(f"{x:.2f}" for x in b[:12, 0]) + (", ...]" if b.shape[0] > 12 else "]")
               + (f". ReLU switched off {off_l.size} of {Z.shape[0]} units." if off_l is not None else ""))
    if box := widgets.numbers_box(f"The numbers: b{l}, Z{l}, A{l} and W{l}, one row per unit of layer {l}",
                                  f"forward_numbers_layer{l}"):
        with box:
            table(pd.concat([pd.DataFrame({"unit": np.arange(W.shape[0]), f"b{l}": b[:, 0], f"Z{l}": Z[:, 0],
                                           f"A{l}": A[:, 0]}),
                             pd.DataFrame(W, columns=[f"W{l}[j, {u}]" for u in range(W.shape[1])])], axis=1))


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
        "pixels, and the boundaries it can draw between digits are flat (straight lines and planes). The "
        "activation between the layers is what lets a network learn curved, complicated patterns."
    )


# ---------------------------------------------------------------------------------------------------------
# The network as a picture, and the numbers of the node the visitor opens
# ---------------------------------------------------------------------------------------------------------

MAX_DRAWN = 10  # hidden units drawn per layer; a wider layer is drawn as its strongest units for the digit
OUTPUT_PICK = "forward_pick_out"  # the output digit opened from the picture
PICTURE = "forward_picture"  # the key of the picture, whose state holds the node just clicked


def pick_key(l):
    """The key (in st.session_state) of the control that opens a unit of hidden layer l."""
    return f"forward_pick_{l}"


def _keep_only(chosen, keys):
    """One node open at a time: choosing in one control clears the others; a unit of layer 1 is also the unit
    Step 1's "one hidden unit" tab shows."""
    for key in keys:
        if key != chosen:
            st.session_state[key] = None
    if chosen == pick_key(1) and st.session_state.get(chosen) is not None:
        st.session_state["forward_unit_kept"] = st.session_state[chosen]
        st.session_state.pop("forward_unit", None)  # Step 1's selector starts again from the kept unit


def picture_focus(shown, L, where):
    """The controls beside the picture (in the container `where`): one row of buttons per hidden layer (its
    drawn units) and one for the ten outputs. Returns the open node: None, ("hidden", l, j) or ("output", k).

    shown : {l: unit indices drawn} for l = 1 .. L-1. A node just clicked in the picture opens as if chosen here.
    """
    keys = [pick_key(l) for l in range(1, L)] + [OUTPUT_PICK]
    clicked = picture_click((st.session_state.get(PICTURE) or {}).get("clicked"), L)  # set on the click's run only
    if clicked:  # a node clicked in the picture opens as if chosen here
        key, node = clicked
        st.session_state[key] = node
        _keep_only(key, keys)
    focus = None
    with where:
        st.markdown("**Open a node's numbers**")
        for l in range(1, L):
            options = [int(j) for j in shown[l]]
            if st.session_state.get(pick_key(l)) not in options:
                st.session_state[pick_key(l)] = None  # another digit may draw other units of a wide layer
            j = st.pills(f"Hidden unit of layer {l}", options, key=pick_key(l), on_change=_keep_only,
                         args=(pick_key(l), keys), wrap=True,
                         help=f"Opens this unit's sum below the picture: how its Z{l} comes from "
                              f"{'the 784 pixels' if l == 1 else f'the units of layer {l - 1}'}. Clicking the "
                              "unit's node in the picture does the same; click it again here to close it.")
            if j is not None:
                focus = ("hidden", l, j)
        k = st.pills("Output digit", list(range(10)), key=OUTPUT_PICK, on_change=_keep_only,
                     args=(OUTPUT_PICK, keys), wrap=True,
                     help=f"Opens this digit's score Z{L}[k], edge by edge, and softmax turning the scores into "
                          "probabilities. Click it again to close it.")
        if k is not None:
            focus = ("output", k)
    return focus


def picture_click(node, L):
    """The control that opens a node clicked in the picture, as (its key, unit or digit), or None.

    node : the clicked node's data-node mark (figures.network_picture): "l:j" for unit j of hidden layer l,
    "out:k" for output k; None when nothing was just clicked.
    """
    if not node:
        return None
    layer, _, index = node.partition(":")
    if not index.isdigit() or not (layer == "out" or layer.isdigit() and 1 <= int(layer) < L):
        return None
    return (OUTPUT_PICK if layer == "out" else pick_key(int(layer))), int(index)


def network_picture(params, cache, X, label, activation):
    """The network as one picture for this digit (figures.network_picture) with the controls beside it, then
    the numbers of the node the visitor opened: a unit of layer 1 gets its 784-term sum (one_unit), a deeper
    unit or an output the sum of its edges, an output also the softmax steps.

    params, cache : the visitor's network and forward_prop's cache for X (784, 1). label : X's label, or None.
    """
    L = layer_count(params)
    shown = {l: figures.strongest_units(cache[f"A{l}"], MAX_DRAWN) for l in range(1, L)}
    if not widgets.presenter():  # on a projector the picture is the first thing on the screen, under the title
        st.header("The network as a picture")
    picture_col, pick_col = st.columns([3.6, 1.4], vertical_alignment="center")
    focus = picture_focus(shown, L, pick_col)
    with picture_col:
        svg = figures.network_picture(X, params, cache, shown, focus, label, height=360 if widgets.presenter() else 540)
        widgets.svg_picture(svg, PICTURE, clickable=True)  # a click reruns the page, picture_focus opens the node
    answer = int(np.argmax(cache[f"A{L}"][:, 0]))
    st.caption(
        "Left, the digit. Each hidden unit of layer 1 is drawn as its row of W1 (blue: ink there raises the unit, "
        f"red: lowers it) beside a node whose size and colour give its output A1 (a grey ✕ and a faded picture: "
        f"{'ReLU switched it off, A1 = 0' if activation == 'relu' else 'its output is 0'}). An edge is as thick as "
        "what it carries, W[i, j] · A[j]: blue and solid when it adds, red and dashed when it takes away. The edges "
        f"into the answer {answer} ★ (or into the output you open) are the strong ones; hover a unit for what it "
        "adds. **Click a node** (or its button beside the picture) to open its numbers below.")
    wide = [f"layer {l} has {cache[f'A{l}'].shape[0]} units: the {MAX_DRAWN} strongest for this digit "
            f"(largest |A{l}|) are drawn" for l in range(1, L) if cache[f"A{l}"].shape[0] > MAX_DRAWN]
    if wide:
        st.info("**Not every unit is drawn:** " + "; ".join(wide) + ". The edges and sums below count all of them.")
    picture_numbers(params, cache, shown, focus[1] if focus and focus[0] == "output" else answer)
    if focus is None:
        return
    if focus[0] == "hidden" and focus[1] == 1:
        j = focus[2]
        st.subheader(f"Hidden unit {j} of layer 1, number by number")
        one_unit(params["W1"], params["b1"], cache["Z1"], X, j, key="forward_picture_unit")
        passes_on(params, cache, 1, j, answer)
    elif focus[0] == "hidden":
        l, j = focus[1], focus[2]
        st.subheader(f"Hidden unit {j} of layer {l}, edge by edge")
        edge_sum(params, cache, l, j, f"unit {j} of layer {l}")
        passes_on(params, cache, l, j, answer)
    else:
        k = focus[1]
        st.subheader(f"Output {k}: its score Z{L}[{k}], edge by edge, then softmax")
        edge_sum(params, cache, L, k, f"the score of {k}")
        softmax_steps(cache[f"Z{L}"], L, key="forward_picture_softmax")
        A_out = cache[f"A{L}"]
        st.markdown(f"Digit {k}'s probability: **A{L}[{k}] = {A_out[k, 0]:.2%}**"
                    + (" (the answer ★)." if k == answer else f"; the answer {answer} has {A_out[answer, 0]:.2%}."))


def edge_sum(params, cache, l, i, name):
    """Z_l[i] = sum over j of W_l[i, j] · A_(l-1)[j], plus b_l[i], as a waterfall of its largest terms, checked
    against forward_prop. l >= 2; cache holds A_(l-1) (n, 1) and Z_l."""
    W, b, Z = params[f"W{l}"], params[f"b{l}"], cache[f"Z{l}"]
    A_prev = cache[f"A{l - 1}"]
    terms, _, rest, total = widgets.score_waterfall(W, b, A_prev, i, l, MAX_DRAWN, name, "edge by edge", 400)
    if box := widgets.numbers_box(f"The numbers: each term W{l}[{i}, j] · A{l - 1}[j] of the sum, the bias and the "
                                  "total", f"forward_numbers_sum_{l}_{i}"):
        with box:
            order = np.argsort(-np.abs(terms), kind="stable")  # the bars' order: the largest terms first
            ends = [(f"bias b{l}[{i}]", np.nan, np.nan, float(b[i, 0])), (f"= Z{l}[{i}]", np.nan, np.nan, total)]
            if rest is not None:
                ends.insert(0, (f"all other {terms.size - MAX_DRAWN} units, together", np.nan, np.nan, rest))
            table(pd.DataFrame([(f"unit {j}", A_prev[j, 0], W[i, j], terms[j]) for j in order] + ends,
                               columns=["term", f"A{l - 1}[j]", f"W{l}[{i}, j]", "value"]))
    st.latex(rf"Z^{{[{l}]}}_{{{i}}} = \sum_j W^{{[{l}]}}_{{{i},j}} A^{{[{l - 1}]}}_j + b^{{[{l}]}}_{{{i}}} = "
             rf"{terms.sum():.4f} + {tex_number(float(b[i, 0]), 4)} = {total:.4f}")
    widgets.adds_up("The edges and the bias", total, f"Z{l}[{i}]", float(Z[i, 0]))


def passes_on(params, cache, l, j, answer):
    """One line: what hidden unit j of layer l passes to the next layer, and to the answer's score."""
    L = layer_count(params)
    a = float(cache[f"A{l}"][j, 0])
    if a == 0:
        st.info(f"Unit {j} is switched off for this digit (A{l}[{j}] = 0): it passes nothing on, so none of its "
                "edges is drawn.")
    elif l + 1 == L:
        w = float(params[f"W{L}"][answer, j])
        st.info(f"Unit {j} passes on A{l}[{j}] = {a:.3f}. Into the answer's score it adds W{L}[{answer}, {j}] · "
                f"A{l}[{j}] = {w:.3f} · {a:.3f} = **{w * a:+.3f}**: the edge to {answer} ★ in the picture.")
    else:
        st.info(f"Unit {j} passes on A{l}[{j}] = {a:.3f} to every unit of layer {l + 1}, through column {j} of "
                f"W{l + 1}.")


def picture_numbers(params, cache, shown, k):
    """The numbers behind the network picture, in an expander: every drawn hidden unit's Z and A (and, for the
    last hidden layer, its edge into output k's score), the ten outputs, and the W1 rows drawn as pictures.

    shown : {l: unit indices drawn} for the hidden layers. k : the output whose incoming edges are drawn strongly.
    """
    L = layer_count(params)
    if box := widgets.numbers_box("🔢 The numbers behind the picture", "forward_numbers_picture"):
        with box:
            for l in range(1, L):
                units = np.asarray(shown[l])
                rows = {"unit j": units, f"Z{l}[j]": cache[f"Z{l}"][units, 0], f"A{l}[j]": cache[f"A{l}"][units, 0]}
                if l == L - 1:
                    w = params[f"W{L}"][k, units]
                    with np.errstate(over="ignore", invalid="ignore"):  # a diverged run's last weights may overflow
                        edge = w * cache[f"A{l}"][units, 0]
                    rows |= {f"W{L}[{k}, j]": w, f"edge into {k}: W{L}[{k}, j] · A{l}[j]": edge}
                st.markdown(f"**Hidden layer {l}, the units drawn**")
                table(pd.DataFrame(rows))
            st.markdown(f"**The outputs: Z{L} and A{L} = softmax(Z{L})**")
            table(pd.DataFrame({"digit k": np.arange(10), f"Z{L}[k]": cache[f"Z{L}"][:, 0],
                                f"A{L}[k]": cache[f"A{L}"][:, 0]}))
            st.markdown("**The rows of W1 drawn as pictures** (one row per unit, one column per pixel)")
            st.dataframe(figures.wide_table(params["W1"][shown[1]], [f"w{i}" for i in range(784)],
                                            [f"unit {j}" for j in shown[1]], "W1 row"), width="stretch", height=260)
