"""The Training page's hidden layer's map of the digits (in "What the network learned"): A1 of the dev digits,
10 numbers each, drawn in 2-D by PCA (nn_core.pca), at any step of the run kept with W1 and b1.
"""


import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.pictures import pixelated
from dashboard.plotly_charts import projector_sized
from dashboard.widgets import explain, numbers_box, presenter, show_code, style_figure
from nn_core.network import forward_prop, layer_count
from nn_core.pca import hidden_activations, nearest_centroid_accuracy, pca, project

MAP_DIGITS = 1000  # dev digits on the map (the notebook's dev set is exactly this size)
CENTRE_DIGITS = 2000  # training digits that place each digit's centre for the map's score
CHOSEN = "tr_map_digit"  # the dev digit shown beside the map
CLICKED = "tr_map_clicked"  # the last point clicked on the map, once it has been followed
MAP = "tr_map"  # the map's chart, and its selection (the point clicked)


def first_layers(run, params):
    """{step: (W1, b1, the whole network at that step or None)}: the first layer at every snapshot of the run that
    holds all of it, and as it is now.

    run : the Training page's run these params come from, or None (an untrained network: now only).
    """
    layers = {}
    if run is not None:
        for step, W1, b1, rest in run.snapshots:
            if W1.shape[0] == params["W1"].shape[0]:  # a wide layer's snapshots keep only its first rows
                layers[step] = (W1, b1, None if rest is None else {**rest, "W1": W1, "b1": b1})
        layers[run.step] = (params["W1"], params["b1"], params)
    else:
        layers[0] = (params["W1"], params["b1"], params)
    return layers


def _follow_click(Y):
    """Before the page draws the map: a point clicked on it (the chart's selection, kept under its key) becomes
    the chosen dev digit, once; and the chosen digit stays within the m digits of Y (m,).

    Traces 0-9 of the map hold the digits 0-9, so (trace, point) gives the digit's column in Y."""
    st.session_state.setdefault(CHOSEN, 0)
    selection = st.session_state.get(MAP) or {}
    points = [p for p in selection.get("selection", {}).get("points", []) if p.get("curve_number", 10) < 10]
    if points:
        clicked = (points[0]["curve_number"], points[0]["point_index"])
        where = np.flatnonzero(Y == clicked[0])
        if clicked != st.session_state.get(CLICKED) and clicked[1] < where.size:
            st.session_state[CLICKED], st.session_state[CHOSEN] = clicked, int(where[clicked[1]])
    if not 0 <= st.session_state[CHOSEN] < Y.size:
        st.session_state[CHOSEN] = 0


def _scrubber(layers, run, n):
    """The step whose map is drawn: a slider through the kept steps, or the only one there is (and why)."""
    steps = sorted(layers)
    if len(steps) > 1:
        return st.select_slider("Training step (the map)", steps, value=steps[-1], key="tr_map_step",
                                help="The map of the hidden layer, and the network's answers beside it, as they "
                                     "were at the step shown. The marks are the steps training kept (0, 1, 2, 5, 10, "
                                     "20, 50, ... and the last), so the slider is not even in steps. Slide from "
                                     "step 0 to the end and watch the ten clouds pull apart.")
    if run is None:
        st.caption("Train a network above (▶️ Train) to slide the map through its training, step by step.")
    elif n > run.snapshots[0][1].shape[0]:
        st.caption(f"Training keeps only the first {run.snapshots[0][1].shape[0]} rows of W1 at each step, so "
                   "for this wide layer the map shows the network as it is now.")
    return steps[0]


def hidden_map_section(model, run, split):
    """The map: a scrubber through the run's snapshots, the map of that step, the chosen digit beside it, how
    much the map keeps and how well it separates the digits, and the numbers."""
    params, hp = model.params, model.hp
    n = params["W1"].shape[0]
    st.markdown("**The hidden layer's map of the digits.**")
    explain(
        f"For each dev digit the hidden layer computes A1: {n} numbers, a point in a {n}-dimensional space nobody "
        "can draw. PCA (principal component analysis) finds the two directions in which these points spread the "
        "most, and draws each digit at its two coordinates along them, as the digit itself. Slide through "
        "training: at step 0 the digits lie mostly mixed together; as the network learns, digits of one kind "
        "gather into clouds that pull apart, though on a flat map many still overlap. The score \"digits nearest "
        "their own centre\" measures it (the notebook's network on the bundled sample: 18.5% at step 0, where "
        "chance is 10%, and 46.5% at step 500)."
        + (" (This network has more than one hidden layer: the map shows the first.)" if layer_count(params) > 2
           else ""))
    mine = run is not None and run.params is params
    layers = first_layers(run if mine else None, params)
    X, Y = split.X_dev[:, :MAP_DIGITS], split.Y_dev[:MAP_DIGITS]
    _follow_click(Y)
    top_left, top_right = st.columns([3, 1], vertical_alignment="bottom")
    with top_left:
        step = _scrubber(layers, run if mine else None, n)
    i = top_right.number_input("Dev digit #", 0, Y.size - 1, key=CHOSEN,
                               help="The digit shown below: click a point on the map, or type its number (0 to "
                                    f"{Y.size - 1}). Hovering a point also says its number.")
    W1, b1, network = layers[step]
    A1 = hidden_activations(W1, b1, X, hp.activation)  # (n, m)
    try:
        found = pca(A1)
    except ValueError:
        st.warning(f"At step {step} A1 holds numbers too large for a computer's floats (the run diverged): "
                   "there is no map to draw. Slide to an earlier step.")
        return
    P_train = project(found, hidden_activations(W1, b1, split.X_train[:, :CENTRE_DIGITS], hp.activation))
    separated = nearest_centroid_accuracy(P_train, split.Y_train[:CENTRE_DIGITS], found.P, Y)
    if network is None:  # never for the steps the slider offers; said plainly if it ever were
        network, now = params, f"the network at step {run.step:,} (step {step:,} keeps only its first layer)"
    else:
        now = f"the network at step {step:,}" if mine else "this network"
    with np.errstate(over="ignore", invalid="ignore"):
        A = forward_prop(network, X, hp.activation)[f"A{layer_count(network)}"]
    predictions, probabilities = A.argmax(axis=0), A.max(axis=0)

    left, right = st.columns([3, 1])
    with right:
        st.image(pixelated(X[:, i].reshape(28, 28), side=168),
                 caption=f"dev digit #{i}: a {Y[i]}, at ({found.P[0, i]:.2f}, {found.P[1, i]:.2f}) on the map")
        verdict = "✓ right" if predictions[i] == Y[i] else "✗ wrong"
        st.markdown(f"{now.capitalize()} says **{predictions[i]}** ({probabilities[i]:.0%}): {verdict}.")
        st.metric("Variance the map keeps", f"{found.kept.sum():.0%}", border=True,
                  help=f"Direction 1 keeps {found.kept[0]:.1%} of the spread of A1, direction 2 "
                       f"{found.kept[1]:.1%}. The rest lies in directions the flat map cannot show: points that "
                       "overlap here may be apart there, and the network reads all of A1.")
        st.metric("Digits nearest their own centre", f"{separated:.0%}", border=True,
                  help="How well the map alone separates the digits: the share of these dev digits whose nearest "
                       f"centre is their own digit's (each centre: the mean of {CENTRE_DIGITS:,} training digits "
                       "placed on the same map). 10% is chance; it grows as the clouds pull apart.")
    with left:
        map_area = st.container()  # the map goes above the digits' switches, which it needs first
        shown = st.pills("Digits on the map", range(10), selection_mode="multi", default=list(range(10)),
                         key="tr_map_digits", help="Show only some digits, e.g. 4 and 9, to see where two clouds "
                                                   "overlap (the digits the network mixes up).")
    with map_area:
        figure = hidden_map_figure(found.P, Y, found.kept, f"A1 of {Y.size:,} dev digits at step {step:,}",
                                   said=(predictions, probabilities, now), chosen=i, shown=shown,
                                   height=380 if presenter() else 600)
        st.plotly_chart(style_figure(figure), key=MAP, on_select="rerun", selection_mode="points",
                        width="stretch", config={"displayModeBar": False})
    st.caption(f"The two axes keep {found.kept.sum():.0%} of A1's variance (direction 1: {found.kept[0]:.0%}, "
               f"direction 2: {found.kept[1]:.0%}). Each point is drawn as its true digit, so the map reads "
               "without colours; each digit's centre is circled. Hover a point for its number and the "
               "network's answer; click it to see the digit.")
    if box := numbers_box("The numbers behind the map", "training_numbers_map"):
        with box:
            st.markdown("Each point's coordinates are P = Uᵀ (A1 − mean): the two directions U (one column each, "
                        "below) applied to the centred A1.")
            st.dataframe(pd.DataFrame({"dev digit #": np.arange(Y.size), "true digit": Y,
                                       "direction 1": found.P[0], "direction 2": found.P[1],
                                       "said": predictions, "probability": probabilities}),
                         hide_index=True, height=260, column_config={
                             "probability": st.column_config.NumberColumn(format="percent")})
            present = [d for d in range(10) if np.any(Y == d)]
            st.markdown("Each digit's centre (circled on the map): the mean of its points.")
            st.dataframe(pd.DataFrame({"digit": present,
                                       "direction 1": [found.P[0, Y == d].mean() for d in present],
                                       "direction 2": [found.P[1, Y == d].mean() for d in present]}), hide_index=True)
            st.dataframe(pd.DataFrame(found.directions, columns=["direction 1", "direction 2"],
                                      index=[f"unit {k}" for k in range(found.directions.shape[0])]))
    show_code(hidden_activations, pca)


# Ten digits, ten colours from colour-blind-safe palettes: Paul Tol's "muted" (indigo, teal, green, olive, rose,
# wine, purple), Okabe-Ito's blue and orange in place of muted's pale cyan and sand (too faint as text on
# white), and a dark grey. No ten colours are told apart by every eye, so colour only helps: every point is
# drawn as its digit, and the map reads without colour.
DIGIT_COLOURS = ("#332288", "#0072B2", "#44AA99", "#117733", "#999933",
                 "#E69F00", "#CC6677", "#882255", "#AA4499", "#555555")

def hidden_map_figure(P, Y, kept, title, digits=None, said=None, chosen=None, shown=range(10), height=560):
    """The hidden layer's map: one point per digit at its two PCA coordinates, drawn as the digit itself (0-9)
    in its digit's colour. Trace d holds the points of the digit d (hidden unless d is in `shown`), so a click's
    trace number says which digit was clicked.

    P : (2, m) coordinates (nn_core.pca); Y : (m,) labels; kept : (2,) each direction's share of the variance.
    digits : (m,) each point's column in the dev set (default 0 .. m-1), shown on hover.
    said : (predictions (m,), probabilities (m,), a few words on which network said it), shown on hover.
    chosen : a position 0 .. m-1 to ring (the digit shown beside the map), or None. height : screen pixels.
    Each digit's centre (the mean of its points) is marked by its digit in a larger, bold, outlined circle.
    """
    P, Y = np.asarray(P, dtype=np.float64), np.asarray(Y)
    digits = np.arange(Y.size) if digits is None else np.asarray(digits)
    hover = "<b>%{text}</b>, dev digit #%{customdata[0]}"
    if said is not None:
        predictions, probabilities, who = said
        hover += f"<br>{who} says %{{customdata[1]}} (%{{customdata[2]:.0%}})"
    traces = []
    for d in range(10):
        where = np.flatnonzero(Y == d)
        extra = [digits[where]] + ([predictions[where], probabilities[where]] if said is not None else [])
        traces.append(go.Scatter(
            x=P[0, where], y=P[1, where], mode="text", text=[str(d)] * where.size, name=str(d),
            textfont=dict(color=DIGIT_COLOURS[d], size=15), customdata=np.column_stack(extra),
            hovertemplate=hover + "<extra></extra>", visible=d in shown, showlegend=False,
            unselected=dict(textfont=dict(color=DIGIT_COLOURS[d]))))  # a click does not fade the other points
    present = [d for d in shown if np.any(Y == d)]
    centres = np.stack([P[:, Y == d].mean(axis=1) for d in present], axis=1) if present else np.zeros((2, 0))
    traces.append(go.Scatter(
        x=centres[0], y=centres[1], mode="markers+text", text=[f"<b>{d}</b>" for d in present],
        marker=dict(size=30, color="white", opacity=0.9,
                    line=dict(width=3, color=[DIGIT_COLOURS[d] for d in present])),
        textfont=dict(size=18, color=[DIGIT_COLOURS[d] for d in present]), showlegend=False,
        hovertemplate="the centre of the %{text}s<extra></extra>"))
    if chosen is not None:
        traces.append(go.Scatter(
            x=[P[0, chosen]], y=[P[1, chosen]], mode="markers+text", text=[f"<b>#{digits[chosen]}</b>"],
            textposition="top right", textfont=dict(size=15, color="#000000"), showlegend=False,
            hoverinfo="skip", marker=dict(size=26, color="rgba(0,0,0,0)", line=dict(width=3, color="#000000"))))
    axis = dict(zeroline=False, gridcolor="#e5e5e5", tickfont=dict(size=14))
    layout = dict(
        xaxis=dict(axis, title=dict(text=f"direction 1: {kept[0]:.0%} of the variance")),
        yaxis=dict(axis, title=dict(text=f"direction 2: {kept[1]:.0%}"), scaleanchor="x", scaleratio=1),
        hovermode="closest", dragmode="pan")
    return projector_sized(go.Figure(traces, layout=layout), height, title)
