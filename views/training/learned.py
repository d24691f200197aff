"""The Training page's "What the network learned" tab: the rows of W1 as images (as trained, or as changed
since step 0), the hidden layer's map of the digits, confusion matrices, and the mistakes.
"""


import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.pictures import mosaic, symmetric
from dashboard.plotly_charts import PICTURE, mistakes_figure, projector_sized
from dashboard.tables import wide_table
from dashboard.widgets import numbers_box, show
from nn_core.evaluation import confusion
from nn_core.network import forward_prop, get_predictions, layer_count
from training_runs.runs import SNAPSHOT_UNITS
from views.training.hidden_map import hidden_map_section


def _unit_rows(run, params, step_choice):
    if run is not None and step_choice is not None:
        for step, rows, _, _ in run.snapshots:
            if step == step_choice:
                return rows
    return params["W1"][:SNAPSHOT_UNITS]


def learned_section(model, run, split):
    """W1's rows as images (scrubbing back through training), confusion matrices, and the worst mistakes."""
    params, hp = model.params, model.hp
    st.markdown("**Each row of W1 as a 28 × 28 image.** Unit k computes Z1_k = W1_k · x + b1_k: blue pixels "
                "push it up, red ones down. Training adds blobs and strokes where digits have ink; with the "
                "notebook's init they are small beside the random start, so W1 − W1 at step 0 shows them.")
    mine = run is not None and run.params is params
    steps = [snapshot[0] for snapshot in run.snapshots] if mine else []
    if mine and run.step not in steps:
        steps.append(run.step)
    step = None
    c1, c2 = st.columns([3, 2])
    if len(steps) > 1:
        step = c1.select_slider("Training step", steps, value=steps[-1], key="tr_w1_step",
                                help="W1 as it was at these steps (kept at roughly log-spaced steps: the "
                                     "slider's marks are steps, not evenly spaced). Slide to step 0 for the random "
                                     "start; showing the change, later steps show what training added, growing.")
    start = mine and bool(run.snapshots)  # W1 at step 0 is known (a file saved without its log does not say)
    view = c2.radio("Show", ["weights", "change"], key="tr_w1_view", horizontal=True, disabled=not start,
                    index=1 if start and hp.init == "notebook" else 0,
                    format_func={"weights": "W1", "change": "W1 − W1 at step 0"}.get,
                    help="W1 itself, or what training added to the random start. With the notebook's init "
                         "(every weight in ±0.5) the start is much larger than what 500 steps add (RMS 0.29 "
                         "against 0.07 on the bundled sample), so W1 still looks like noise and only the change "
                         "shows the blobs and strokes learned.")
    rows = _unit_rows(run if mine else None, params, step)
    title = f"W1 rows at step {step if step is not None else (run.step if mine else 'now')}"
    if view == "change" and start:
        rows, title = rows - run.snapshots[0][1], title + ", minus step 0"
    if params["W1"].shape[0] > len(rows):
        title += f" (first {len(rows)} of {params['W1'].shape[0]} units)"
    show(units_figure(rows, title, "change" if view == "change" and start else "weight",
                      per_line=5 if len(rows) <= 10 else 10), key="tr_w1")
    if box := numbers_box("The numbers: one row per unit, one column per pixel", "training_numbers_units"):
        with box:
            st.dataframe(wide_table(rows, [f"pixel {i}" for i in range(rows.shape[1])],
                                       [f"unit {k}" for k in range(len(rows))]), height=260)
    hidden_map_section(model, run, split)
    sets = [("dev", split.X_dev, split.Y_dev)]
    if split.X_test is not None:
        sets.append(("test", split.X_test, split.Y_test))
    L = layer_count(params)
    for column, (name, X, Y) in zip(st.columns(len(sets)), sets, strict=True):
        predictions = get_predictions(forward_prop(params, X, hp.activation)[f"A{L}"])
        counts = confusion(Y, predictions)
        with column:
            show(confusion_figure(counts, f"Confusion matrix, {name} set: {np.trace(counts) / len(Y):.1%} right"),
                 key=f"tr_confusion_{name}")
            if box := numbers_box(f"The numbers ({name})", f"training_numbers_{name}"):
                with box:
                    st.dataframe(pd.DataFrame(counts, index=[f"true {d}" for d in range(10)],
                                              columns=[f"said {d}" for d in range(10)]))
    _mistakes(params, hp, split)


def _mistakes(params, hp, split):
    A = forward_prop(params, split.X_dev, hp.activation)[f"A{layer_count(params)}"]
    predictions = get_predictions(A)
    wrong = np.flatnonzero(predictions != split.Y_dev)
    st.markdown(f"**Mistakes on the dev set: {len(wrong):,} of {len(split.Y_dev):,}.** Under each digit, A2: "
                "the ten probabilities (✗ vermilion: the answer given, ✓ bluish green: the right digit).")
    if not len(wrong):
        return
    order = st.radio("Which ones", ["confident", "first"], key="tr_mistakes", horizontal=True,
                     format_func={"confident": "most confidently wrong", "first": "first in the dev set"}.get,
                     help="Which of the dev set's mistakes to show. Confidently wrong digits are often badly "
                          "written, or mislabelled.")
    if order == "confident":
        wrong = wrong[np.argsort(-A[predictions[wrong], wrong])]
    show(mistakes_figure(split.X_dev, split.Y_dev, A, wrong[:8]), key="tr_mistakes_fig")
    if box := numbers_box("The numbers behind these mistakes", "training_numbers_mistakes"):
        with box:
            st.dataframe(pd.DataFrame({"dev column": wrong[:8], "true digit": split.Y_dev[wrong[:8]],
                                       "said": predictions[wrong[:8]]}).join(pd.DataFrame(
                                           A[:, wrong[:8]].T, columns=[f"P({d})" for d in range(10)])),
                         hide_index=True, column_config={f"P({d})": st.column_config.NumberColumn(format="%.3f")
                                                         for d in range(10)})


def units_figure(rows, title, what="weight", per_line=10):
    """Rows of W1 (one per hidden unit) as 28 x 28 images: which pixels push each unit up (blue) or down (red)."""
    image = mosaic(rows, per_line)
    limit = symmetric(image)
    fig = go.Figure(go.Heatmap(z=image, colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit,
                               colorbar=dict(title=what), hoverongaps=False,
                               hovertemplate=what + " = %{z:.3f}<extra></extra>"), layout=PICTURE)
    lines = int(np.ceil(len(rows) / per_line))
    return projector_sized(fig, 90 + lines * (850 // per_line), title)


def confusion_figure(counts, title):
    """Counts of (true, predicted) pairs; the diagonal holds the right answers."""
    fig = go.Figure(go.Heatmap(
        z=counts, x=list(range(10)), y=list(range(10)), colorscale="Viridis", colorbar=dict(title="digits"),
        text=counts, texttemplate="%{text}", textfont=dict(size=13),
        hovertemplate="true %{y}, predicted %{x}: %{z} digits<extra></extra>"),
        layout=dict(xaxis=dict(title="predicted digit", dtick=1, side="bottom"),
                    yaxis=dict(title="true digit", dtick=1, autorange="reversed")))
    return projector_sized(fig, 480, title)
