"""Forward pass, one unit at a time: hidden unit j's sum with the real numbers (784 products, a bias, an
activation), and a deeper layer's units the same way.
"""

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import widgets
from dashboard.widgets import table
from views.forward.arrays import column_with_shape, layer_numbers, matrix_with_shape, switched_off
from views.forward.under_the_hood import ACTIVATION_NAME, ACTIVATION_TEX


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
    largest = rf"\underbrace{{{tex_products(top) or '0'} + \dots}}_{{\text{{the largest terms}}}}"
    rest = (rf"+ \; \underbrace{{{tex_products(bottom) or '0'} + \dots}}_{{\text{{the most negative terms}}}}"
            rf"\; + \; \underbrace{{{tex_number(float(b1[j, 0]), 3)}}}_{{b_{{{j}}}}}")
    # In presenter mode's larger text the sum is wider than the screen on one line: it takes two.
    st.latex(rf"\begin{{aligned}} &= {largest} \\ &\quad {rest} \end{{aligned}}" if widgets.presenter() else
             rf"= {largest} \; {rest}")
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
    off_l = switched_off(Z, activation)
    with w_col:
        matrix_with_shape(f"W{l}", W, f"W{l}", f"unit of layer {l}", f"unit of layer {l - 1}")
    with z_col:
        column_with_shape(f"Z{l}", Z, f"Z{l}", "unit", f"forward_Z{l}")
    with a_col:
        column_with_shape(f"A{l} = {name}(Z{l})", A, f"A{l}", "unit", f"forward_A{l}", off=off_l)
    st.caption(f"Same rule as layer 1, with A{l - 1} in place of the pixels. b{l} {b.shape} = ["
               + ", ".join(f"{x:.2f}" for x in b[:12, 0]) + (", ...]" if b.shape[0] > 12 else "]")
               + (f". ReLU switched off {off_l.size} of {Z.shape[0]} units." if off_l is not None else ""))
    layer_numbers(f"The numbers: b{l}, Z{l}, A{l} and W{l}, one row per unit of layer {l}", f"forward_numbers_layer{l}",
                  ("unit", np.arange(W.shape[0])), {f"b{l}": b, f"Z{l}": Z, f"A{l}": A}, W, f"W{l}[j, {{}}]")
