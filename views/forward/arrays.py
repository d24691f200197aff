"""How Forward pass writes every array of a layer: its name and shape as a heading, a matrix as a picture, a column
as bars, and the layer's numbers in one table (built when its box is opened)."""

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import widgets


def matrix_with_shape(heading, M, title, rows, columns, width=520):
    """A weight matrix under its heading and shape ("### W2, shape (10, 10)")."""
    st.markdown(f"### {heading}, shape {M.shape}")
    widgets.matrix(M, title, rows, columns, width=width)


def column_with_shape(heading, v, name, unit_title, key, height=420, off=None, width=380):
    """A column vector (n, 1) under its heading and shape, as bars; `off`: the units an activation switched off.
    width : about the screen pixels of its column."""
    st.markdown(f"### {heading}, shape {v.shape}")
    widgets.vector(v, name, unit_title, key, height, off, width)


def layer_numbers(label, key, index, columns, W, weight_name):
    """The layer's numbers in one table, a row per unit: `index` (name, values), the columns {name: (n, 1)}, and
    the unit's row of W (its weights, named weight_name.format(u) for input u)."""
    if box := widgets.numbers_box(label, key):
        with box:
            per_unit = pd.DataFrame({index[0]: index[1], **{name: v[:, 0] for name, v in columns.items()}})
            weights = pd.DataFrame(W, columns=[weight_name.format(u) for u in range(W.shape[1])])
            widgets.table(pd.concat([per_unit, weights], axis=1))


def switched_off(Z, activation):
    """The units whose Z is 0 or less, which ReLU switches off (None for another activation)."""
    return np.flatnonzero(Z[:, 0] <= 0) if activation == "relu" else None
