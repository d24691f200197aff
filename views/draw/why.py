"""Why the network gave its answer: each output score is a sum with one term per unit of the last hidden
layer, shown term by term, for the answer and for the digit the visitor meant.
"""

import pandas as pd
import streamlit as st

from dashboard import tables, widgets
from dashboard.widgets import adds_up, numbers_box

SHOWN_UNITS = 10  # hidden units explained one by one; wider layers show the 10 largest terms


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
                st.dataframe(tables.wide_table(rows, [f"pixel {i}" for i in range(rows.shape[1])],
                                               [f"unit {j}" for j in units], "unit"), height=260)
