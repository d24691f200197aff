"""Forward pass's network picture: which units it draws, the node a click opens, and below it that node's
numbers (an edge's sum, or what a unit passes on).
"""

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import network_drawing, widgets
from dashboard.widgets import MAX_DRAWN, picture_numbers, table
from nn_core.network import layer_count
from views.forward.one_unit import one_unit, tex_number
from views.forward.under_the_hood import softmax_steps

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

    node : the clicked node's data-node mark (network_drawing.network_picture): "l:j" for unit j of hidden layer l,
    "out:k" for output k; None when nothing was just clicked.
    """
    if not node:
        return None
    layer, _, index = node.partition(":")
    if not index.isdigit() or not (layer == "out" or layer.isdigit() and 1 <= int(layer) < L):
        return None
    return (OUTPUT_PICK if layer == "out" else pick_key(int(layer))), int(index)


def network_picture(params, cache, X, label, activation):
    """The network as one picture for this digit (network_drawing.network_picture) with the controls beside it, then
    the numbers of the node the visitor opened: a unit of layer 1 gets its 784-term sum (one_unit), a deeper
    unit or an output the sum of its edges, an output also the softmax steps.

    params, cache : the visitor's network and forward_prop's cache for X (784, 1). label : X's label, or None.
    """
    L = layer_count(params)
    shown = {l: network_drawing.strongest_units(cache[f"A{l}"], MAX_DRAWN) for l in range(1, L)}
    if not widgets.presenter():  # on a projector the picture is the first thing on the screen, under the title
        st.header("The network as a picture")
    picture_col, pick_col = st.columns([3.6, 1.4], vertical_alignment="center")
    focus = picture_focus(shown, L, pick_col)
    with picture_col:
        # On a projector the picture fits the first screen under the title, its text at the presenter's size.
        width, height = widgets.in_units(840), widgets.in_units(370 if widgets.presenter() else 580)
        svg = network_drawing.network_picture(X, params, cache, shown, focus, label, width=width, height=height)
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
