"""Tables the pages share, built and returned, never drawn (no Streamlit here): a wide matrix as an Arrow
table (784 columns draw fast), a small one as plain HTML, and the network's layers with their shapes.
"""

import html

import numpy as np
import pandas as pd
import pyarrow as pa


def wide_table(values, columns, row_names=None, row_title=""):
    """A matrix with many columns (784 pixels, say) as a table for st.dataframe, built directly in Arrow, the
    format st.dataframe sends to the browser. From a pandas DataFrame it is converted column by column: 75 ms
    for 785 columns, against 6 ms this way.

    values : (rows, len(columns)). row_names : labels for the rows, shown as a first column titled row_title.
    """
    values = np.atleast_2d(values)
    table = {row_title: [str(name) for name in row_names]} if row_names is not None else {}
    table.update({str(name): values[:, j] for j, name in enumerate(columns)})
    return pa.table(table)


def html_table(values, columns):
    """A few rows of numbers with many columns as an HTML table (text, for st.html): a header row of column
    names, then one row per row of `values`, every number written out. The browser draws it at once.

    values : (rows, len(columns)) numbers.
    """
    head = "".join(f"<th>{html.escape(str(name))}</th>" for name in columns)
    body = "".join("<tr>" + "".join(f"<td>{value}</td>" for value in row) + "</tr>"
                   for row in np.atleast_2d(values).tolist())
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def layer_table(params):
    """One row per layer: what it is, how many units, and which parameters it has (the input has none)."""
    L = len(params) // 2
    rows = [{"layer": 0, "role": "input", "units": 784, "parameters": "none", "learned": 0}]
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        rows.append({"layer": l, "role": "output" if l == L else "hidden", "units": W.shape[0],
                     "parameters": f"W{l} {W.shape}, b{l} {b.shape}", "learned": W.size + b.size})
    return pd.DataFrame(rows)
