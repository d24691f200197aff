"""What the Training page shows: live curves, matrices as heatmaps, W1 rows as images, and the "look inside"
sections (backpropagation step by step, gradient check, the notebook's bugs, what the network learned).

The figure functions return a plotly figure (or a plain dict, where speed matters) and draw nothing; the
*_section functions draw with Streamlit, for views/training.py. Colours: a diverging scale centred on 0
for weights and gradients ("RdBu"), greys for digits (white ink on black, as MNIST stores them), and the
Okabe-Ito palette for curves, all safe for colour-blind viewers.
"""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import ui
from nn_core.activations import ACTIVATIONS, softmax, softmax_notebook
from nn_core.gradcheck import gradient_check
from nn_core.network import (
    backward_prop,
    forward_prop,
    get_predictions,
    layer_count,
    one_hot,
    update_params,
)
from training_run import SNAPSHOT_UNITS, compare_notebook_bugs

FONT_SIZE = 16  # readable from the back of a classroom
BLUE, ORANGE, GREEN, VERMILLION, PURPLE = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7"
LAYER_COLOURS = (BLUE, VERMILLION, GREEN, PURPLE)
LAYER_DASHES = ("solid", "dot", "dash", "dashdot")  # the layers' curves differ in pattern too, not only colour
MAX_CURVE_POINTS = 250  # a longer run is thinned for drawing (a light figure redraws faster)


# ---------------------------------------------------------------------------------------------------------
# Live curves: one light figure (a plain dict), redrawn several times a second while training runs
# ---------------------------------------------------------------------------------------------------------


def _thin(records):
    every = max(1, int(np.ceil(len(records) / MAX_CURVE_POINTS)))
    kept = records[::every]
    return kept if not records or kept[-1] is records[-1] else [*kept, records[-1]]


def _line(x, y, name, colour, axis, dash="solid"):
    legend = "legend" if axis == 1 else f"legend{axis}"  # one legend under each panel
    return {"type": "scatter", "mode": "lines", "x": x, "y": y, "name": name, "xaxis": f"x{axis}",
            "yaxis": f"y{axis}", "legend": legend, "line": {"color": colour, "width": 3, "dash": dash}}


def curves_figure(records, total):
    """Loss, train and dev accuracy, and the size of each layer's gradient, against the step (0 .. total).

    records : the StepRecords so far. The x axes span the whole run, so the curves grow left to right.
    """
    shown = _thin(records)
    steps = [r.step for r in shown]
    evaluated = _thin([r for r in records if r.dev_accuracy is not None])
    trained = _thin([r for r in records if r.train_accuracy is not None])
    layers = sorted(records[0].update_size) if records else []
    data = [
        _line(steps, [r.loss for r in shown], "loss (cross-entropy)", BLUE, 1),
        _line([r.step for r in trained], [r.train_accuracy for r in trained], "train accuracy", ORANGE, 2),
        _line([r.step for r in evaluated], [r.dev_accuracy for r in evaluated], "dev accuracy", GREEN, 2, "dash"),
    ] + [_line(steps, [r.update_size[name] for r in shown], f"d{name}", LAYER_COLOURS[i % 4], 3,
                 LAYER_DASHES[i % 4])
         for i, name in enumerate(layers)]
    axis = {"range": [0, max(total, 1)], "title": {"text": "gradient step"}, "gridcolor": "#e5e5e5"}
    titles = ("Loss (lower is better)", "Accuracy", "Update size: RMS of each dW")
    centres = (0.14, 0.5, 0.86)
    ticks = {"tickfont": {"size": 15}, "gridcolor": "#e5e5e5"}
    layout = {
        "height": 400, "font": {"size": FONT_SIZE}, "margin": {"l": 60, "r": 20, "t": 40, "b": 10},
        "plot_bgcolor": "white", "showlegend": True,
        "xaxis": {**axis, **ticks, "domain": [0, 0.28]}, "xaxis2": {**axis, **ticks, "domain": [0.36, 0.64]},
        "xaxis3": {**axis, **ticks, "domain": [0.72, 1]},
        "yaxis": {**ticks, "anchor": "x", "rangemode": "tozero"},
        "yaxis2": {**ticks, "anchor": "x2", "range": [0, 1], "tickformat": ".0%"},
        "yaxis3": {**ticks, "anchor": "x3", "type": "log", "dtick": 1, "exponentformat": "power"},
        "annotations": [{"text": f"<b>{t}</b>", "xref": "paper", "yref": "paper", "x": x, "y": 1.02,
                         "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 17}}
                        for t, x in zip(titles, centres, strict=True)],
    }
    for i, x in enumerate(centres, start=1):
        layout["legend" if i == 1 else f"legend{i}"] = {
            "orientation": "h", "x": x, "xanchor": "center", "y": -0.28, "font": {"size": FONT_SIZE}}
    # Drawn several times a second while training runs: plotly's checks of every property would take most of
    # the time of a redraw, and this figure is the same few properties each time (checked by the tests).
    return go.Figure({"data": data, "layout": layout}, _validate=False)


# ---------------------------------------------------------------------------------------------------------
# Matrices and images
# ---------------------------------------------------------------------------------------------------------


def _projector(fig, height, title=""):
    """Projector-sized text: 16 px labels, 15 px ticks, a bold title."""
    return ui.restyled(fig, dict(height=height, font=dict(size=FONT_SIZE), plot_bgcolor="white",
                                 margin=dict(l=10, r=10, t=50 if title else 10, b=10),
                                 title=dict(text=f"<b>{title}</b>" if title else "", font=dict(size=17))),
                       axes=dict(tickfont=dict(size=15), title=dict(font=dict(size=16))))


def symmetric(values):
    """The largest |value| (ignoring NaN), so that a diverging scale puts 0 exactly in its white middle."""
    finite = np.abs(np.asarray(values, dtype=np.float64))
    finite = finite[np.isfinite(finite)]
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def matrix_figure(M, title, row_label, column_label, name="value", height=320):
    """A matrix as a heatmap, rows top to bottom as printed, on "RdBu" centred on 0 (red < 0 < blue)."""
    M = np.atleast_2d(np.asarray(M, dtype=np.float64))
    limit = symmetric(M)
    fig = go.Figure(go.Heatmap(
        z=M, colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit, colorbar=dict(title=name),
        hovertemplate=f"{row_label} %{{y}}, {column_label} %{{x}}<br>{name} = %{{z:.4g}}<extra></extra>"),
        layout=dict(yaxis=dict(autorange="reversed", title=row_label, dtick=1 if M.shape[0] <= 12 else None),
                    xaxis=dict(title=column_label, showticklabels=M.shape[1] > 1,
                               dtick=1 if 1 < M.shape[1] <= 12 else None)))
    return _projector(fig, height, title)


def mosaic(rows, per_line=10, gap=2):
    """Rows of 784 numbers -> one image: each row as a 28 x 28 tile, tiles side by side, NaN between them."""
    rows = np.asarray(rows, dtype=np.float64)
    lines = int(np.ceil(len(rows) / per_line))
    size = 28 + gap
    image = np.full((lines * size - gap, min(len(rows), per_line) * size - gap), np.nan)
    for k, row in enumerate(rows):
        top, left = (k // per_line) * size, (k % per_line) * size
        image[top:top + 28, left:left + 28] = row.reshape(28, 28)
    return image


PICTURE_AXIS = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="", constrain="domain")
PICTURE = dict(xaxis=PICTURE_AXIS, yaxis=dict(PICTURE_AXIS, autorange="reversed", scaleanchor="x"))


def units_figure(rows, title, what="weight", per_line=10):
    """Rows of W1 (one per hidden unit) as 28 x 28 images: which pixels push each unit up (blue) or down (red)."""
    image = mosaic(rows, per_line)
    limit = symmetric(image)
    fig = go.Figure(go.Heatmap(z=image, colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit,
                               colorbar=dict(title=what), hoverongaps=False,
                               hovertemplate=what + " = %{z:.3f}<extra></extra>"), layout=PICTURE)
    lines = int(np.ceil(len(rows) / per_line))
    return _projector(fig, 90 + lines * (850 // per_line), title)


def confusion(Y, predictions):
    """The 10 x 10 confusion matrix: row = true digit, column = predicted digit, entries = counts."""
    return np.bincount(np.asarray(Y) * 10 + np.asarray(predictions), minlength=100).reshape(10, 10)


def confusion_figure(counts, title):
    """Counts of (true, predicted) pairs; the diagonal holds the right answers."""
    fig = go.Figure(go.Heatmap(
        z=counts, x=list(range(10)), y=list(range(10)), colorscale="Viridis", colorbar=dict(title="digits"),
        text=counts, texttemplate="%{text}", textfont=dict(size=13),
        hovertemplate="true %{y}, predicted %{x}: %{z} digits<extra></extra>"),
        layout=dict(xaxis=dict(title="predicted digit", dtick=1, side="bottom"),
                    yaxis=dict(title="true digit", dtick=1, autorange="reversed")))
    return _projector(fig, 480, title)


def mistakes_figure(X, Y, A, indices):
    """Each chosen example's image (white on black) above a bar chart of its ten probabilities A2.

    Every small chart gets its own pair of axes placed by hand (a `domain` on the page): the picture of
    make_subplots, built several times faster. Images use axes 1..n, the bar charts below them n+1..2n.
    """
    n = len(indices)
    width = (1 - 0.02 * (n - 1)) / n  # of one column, as a fraction of the figure
    traces, layout = [], dict(annotations=[])
    for col, i in enumerate(indices):
        left = col * (width + 0.02)
        said = A[:, i].argmax()
        image, bars = str(col + 1) if col else "", str(n + col + 1)  # plotly names the axes x, x2, x3, ...
        traces.append(go.Heatmap(z=X[:, i].reshape(28, 28), colorscale="gray", zmin=0, zmax=1, showscale=False,
                                 xaxis="x" + image, yaxis="y" + image, hovertemplate="x = %{z:.2f}<extra></extra>"))
        colours = [VERMILLION if d == said else GREEN if d == Y[i] else "#bbbbbb" for d in range(10)]
        marks = ["✗" if d == said else "✓" if d == Y[i] else "" for d in range(10)]  # not colour alone
        traces.append(go.Bar(x=list(range(10)), y=A[:, i], marker_color=colours, showlegend=False, text=marks,
                             textposition="outside", cliponaxis=False, textfont=dict(size=15),
                             xaxis="x" + bars, yaxis="y" + bars, hovertemplate="digit %{x}: %{y:.1%}<extra></extra>"))
        layout["xaxis" + image] = dict(PICTURE_AXIS, domain=[left, left + width], anchor="y" + image)
        layout["yaxis" + image] = dict(PICTURE_AXIS, domain=[0.494, 1], anchor="x" + image, autorange="reversed",
                                       scaleanchor="x" + image)
        layout["xaxis" + bars] = dict(domain=[left, left + width], anchor="y" + bars, dtick=1,
                                      tickfont=dict(size=12))
        layout["yaxis" + bars] = dict(domain=[0, 0.414], anchor="x" + bars, range=[0, 1], showticklabels=col == 0,
                                      tickformat=".0%")
        layout["annotations"].append(dict(text=f"true {Y[i]}, said {said}", x=left + width / 2, y=1, xref="paper",
                                          yref="paper", xanchor="center", yanchor="bottom", showarrow=False,
                                          font=dict(size=15)))
    return _projector(go.Figure(traces, layout=layout), 380)


# ---------------------------------------------------------------------------------------------------------
# The "look inside" sections of the page
# ---------------------------------------------------------------------------------------------------------

G_TEX = {"relu": r"\mathrm{ReLU}'", "sigmoid": r"\sigma'", "tanh": r"\tanh'", "linear": r"1 \cdot"}
BATCH = 256  # examples in the backpropagation walkthrough
MAX_ROWS = 32  # rows of a big gradient matrix drawn as a heatmap
CHECK_EXAMPLES = 32  # examples in the gradient check (float64, two forward passes per entry)


def show(fig, key, height=None):
    """Draw a plotly figure at full width, without the toolbar (less clutter on a projector)."""
    if height:
        fig.layout.height = height
    st.plotly_chart(ui.style_figure(fig), width="stretch", key=key, config={"displayModeBar": False})


def shape(array):
    return " × ".join(map(str, np.shape(array))) or "a single number"


def pick_batch(split, choice):
    """(X (784, b), Y (b,)): the first BATCH training examples, or the first BATCH of one digit."""
    if choice == "first":
        return split.X_train[:, :BATCH], split.Y_train[:BATCH]
    where = np.flatnonzero(split.Y_train == choice)[:BATCH]
    return split.X_train[:, where], split.Y_train[where]


def error_signals(params, cache, Y, activation):
    """dZ for every layer, from the output back: dZ_L = A_L - one_hot(Y); dZ_(l-1) = W_l.T dZ_l * g'(Z_(l-1)).

    nn_core.backward_prop computes these on the way to dW and db but returns only the gradients; the page
    recomputes them here to draw them, and checks that they give back backward_prop's dW exactly.
    """
    _, g_deriv = ACTIVATIONS[activation]
    L = layer_count(params)
    dZ = {L: cache[f"A{L}"] - one_hot(Y, cache[f"A{L}"].shape[0], cache[f"A{L}"].dtype)}  # (10, m)
    for l in range(L, 1, -1):
        dZ[l - 1] = params[f"W{l}"].T @ dZ[l] * g_deriv(cache[f"Z{l - 1}"])  # (n_(l-1), m)
    return dZ


def _matrix_step(formula, M, explanation, title, rows, columns, key, name):
    left, right = st.columns([2, 3])
    with left:
        st.latex(formula)
        st.markdown(f"**shape {shape(M)}** · {explanation}")
    with right:
        shown = np.atleast_2d(M)[:MAX_ROWS]
        if np.ndim(M) == 2 and M.shape[0] > MAX_ROWS:
            title += f" (first {MAX_ROWS} of {M.shape[0]} rows)"
        show(matrix_figure(shown, title, rows, columns, name=name), key=key,
             height=min(140 + 14 * shown.shape[0], 480))


def _layer(l, L):
    return "digit" if l == L else f"unit of layer {l}" if l > 0 else "pixel"


def backprop_section(model, split):
    """Backpropagation for the current network on a chosen batch: every dZ, dW, db and the update, with shapes."""
    params, hp = model.params, model.hp
    choice = st.selectbox("Batch", ["first", *range(10)], key="tr_bp_batch",
                          format_func=lambda c: f"the first {BATCH} training examples" if c == "first"
                          else f"{BATCH} training examples of the digit {c}",
                          help="The examples the gradients are averaged over. A batch of one digit shows what "
                               "the network would change to get that digit more right.")
    X, Y = pick_batch(split, choice)
    m, L = X.shape[1], layer_count(params)
    cache = forward_prop(params, X, hp.activation)
    grads = backward_prop(params, cache, X, Y, hp.activation)
    dZ = error_signals(params, cache, Y, hp.activation)
    st.markdown(f"m = **{m}** examples, one per column. The forward pass comes first: $A^{{[{L}]}} = "
                f"\\mathrm{{softmax}}(Z^{{[{L}]}})$ holds the ten probabilities of each example. Then, from the "
                "output back to the input:")
    if hp.notebook_bugs:
        st.caption("This network trains with the notebook's bugs; the walkthrough shows the corrected math "
                   "(the 🐞 tab compares the two).")
    matrices = {f"dZ{L}": dZ[L]}
    _matrix_step(rf"dZ^{{[{L}]}} = A^{{[{L}]}} - \mathrm{{one\_hot}}(Y)", dZ[L],
                 "the error of each probability: negative (red) for the right digit, positive for the others.",
                 f"dZ{L}", "digit", "example", f"tr_bp_dZ{L}", f"dZ{L}")
    for l in range(L, 0, -1):
        previous = "X^{T}" if l == 1 else f"A^{{[{l - 1}]T}}"
        _matrix_step(rf"dW^{{[{l}]}} = \frac{{1}}{{m}}\, dZ^{{[{l}]}} {previous}", grads[f"dW{l}"],
                     f"how the loss changes with each weight of W{l}, averaged over the m examples.",
                     f"dW{l}", _layer(l, L), _layer(l - 1, L), f"tr_bp_dW{l}", f"dW{l}")
        _matrix_step(rf"db^{{[{l}]}} = \frac{{1}}{{m}} \sum_{{i=1}}^{{m}} dZ^{{[{l}]}}_{{:,i}}", grads[f"db{l}"],
                     "one number per unit: the row sums of dZ, divided by m.", f"db{l}", _layer(l, L), "",
                     f"tr_bp_db{l}", f"db{l}")
        matrices.update({f"dW{l}": grads[f"dW{l}"], f"db{l}": grads[f"db{l}"]})
        if l > 1:
            _matrix_step(rf"dZ^{{[{l - 1}]}} = W^{{[{l}]T}} dZ^{{[{l}]}} \circ {G_TEX[hp.activation]}"
                         rf"(Z^{{[{l - 1}]}})", dZ[l - 1],
                         "the error sent back through W, switched off where the unit was not active "
                         "(∘ multiplies entry by entry).", f"dZ{l - 1}", _layer(l - 1, L), "example",
                         f"tr_bp_dZ{l - 1}", f"dZ{l - 1}")
            matrices[f"dZ{l - 1}"] = dZ[l - 1]
    same = all(np.allclose(dZ[l] @ (X if l == 1 else cache[f"A{l - 1}"]).T / m, grads[f"dW{l}"], atol=1e-6)
               for l in range(1, L + 1))
    st.caption(("✅ " if same else "⚠️ ") + "dZ recomputed above gives " + ("exactly " if same else "NOT ")
               + "the dW of nn_core's backward_prop.")
    st.markdown(f"**The update**, with α = {hp.alpha:g}: every weight moves a small step against its gradient.")
    for l in range(1, L + 1):
        step = -hp.alpha * grads[f"dW{l}"]
        _matrix_step(rf"W^{{[{l}]}} \leftarrow W^{{[{l}]}} - \alpha\, dW^{{[{l}]}}", step,
                     f"the change −α dW{l} (largest {np.abs(step).max():.2g}; the weights themselves are "
                     f"about {np.abs(params[f'W{l}']).mean():.2g} on average).", f"change of W{l}", _layer(l, L),
                     _layer(l - 1, L), f"tr_bp_update{l}", f"−α dW{l}")
        matrices[f"−α dW{l}"] = step
    with st.expander("The numbers behind these pictures"):
        name = st.selectbox("Matrix", list(matrices), key="tr_bp_numbers",
                            help="Pick a matrix shown above to read every one of its entries as a table; the "
                                 "pictures only show their signs and sizes as colours.")
        M = np.atleast_2d(matrices[name])
        st.dataframe(ui.wide_table(M, range(M.shape[1]), range(M.shape[0]), "row"), width="stretch")
    show_code(backward_prop, update_params)


def show_code(*functions):
    ui.show_code(*functions)


def random_entries(params, X, rng, per_parameter=3):
    """Distinct random entries of every parameter; W1's columns only where X (784, m) has ink somewhere.

    (A pixel that is 0 in every example gives a gradient of exactly 0 on both sides: nothing to check.)
    """
    entries = []
    for name, value in params.items():
        rows, columns = value.shape
        allowed = np.flatnonzero(X.max(axis=1) > 0) if name == "W1" else np.arange(columns)
        flat = rng.choice(rows * len(allowed), size=min(per_parameter, rows * len(allowed)), replace=False)
        entries += [(name, (int(k // len(allowed)), int(allowed[k % len(allowed)]))) for k in flat]
    return entries


def _agree(row):
    """Backprop and the finite difference agree: a small relative error, or a difference below rounding."""
    return row["relative_error"] < 1e-5 or abs(row["analytic"] - row["numerical"]) < 1e-9


def gradcheck_section(model, split):
    """Backprop's gradient beside a finite-difference estimate, at entries the visitor picks."""
    params, hp = model.params, model.hp
    st.markdown(
        "Is backpropagation right? Nudge one weight by ±ε and watch the loss: "
        r"$\frac{\partial L}{\partial w} \approx \frac{L(w+\varepsilon) - L(w-\varepsilon)}{2\varepsilon}$. "
        f"Computed in float64 on the first {CHECK_EXAMPLES} training examples.")
    names = list(params)
    c1, c2, c3 = st.columns(3)
    name = c1.selectbox("Parameter", names, key="tr_gc_name", help="Which weight matrix or bias vector to "
                        "check. Row and column below then choose one of its entries.")
    rows, cols = params[name].shape
    row = c2.number_input("Row (unit)", 0, rows - 1, 0, key="tr_gc_row",
                          help=f"Which row of {name} (0 to {rows - 1}): the unit of the layer this parameter feeds.")
    col = c3.number_input("Column (input)", 0, cols - 1, 0, key="tr_gc_col",
                          help=f"Which column of {name} (0 to {cols - 1}): for W1 the pixel, for W2 the hidden unit; "
                               "a bias vector has one column.",
                          disabled=cols == 1)
    left, right = st.columns(2)
    entries = None
    if left.button("🩺 Check this entry", key="tr_gc_one",
                   help="Computes this entry's gradient both ways, backprop and finite differences. Expect them "
                        "to agree to many digits."):
        entries = [(name, (int(row), int(col)))]
    if right.button("🎲 Check 3 random entries of every parameter", key="tr_gc_random",
                    help="A quick health check of the whole backward pass: each press picks other random "
                         "entries. Expect every relative error to be tiny (below about 1e-5)."):
        checks = st.session_state["tr_gc_count"] = st.session_state.get("tr_gc_count", 0) + 1
        entries = random_entries(params, split.X_train[:, :CHECK_EXAMPLES], np.random.default_rng(checks))
    if entries:
        X, Y = split.X_train[:, :CHECK_EXAMPLES], split.Y_train[:CHECK_EXAMPLES]
        st.session_state["tr_gc_rows"] = gradient_check(params, X, Y, entries, hp.activation)
    results = st.session_state.get("tr_gc_rows")
    if results:
        table = pd.DataFrame([{"parameter": r["name"], "entry": str(r["index"]), "backprop (analytic)": r["analytic"],
                               "finite difference": r["numerical"], "relative error": r["relative_error"],
                               "agree": "✅" if _agree(r) else "❌"} for r in results])
        st.dataframe(table, hide_index=True, width="stretch", height=38 + 35 * len(table), column_config={
            c: st.column_config.NumberColumn(format="%.3e") for c in table.columns[2:5]})
        good = all(_agree(r) for r in results)
        st.markdown(("✅ They agree: backpropagation is right." if good else "⚠️ Some entries disagree.")
                    + " In float64, a relative error below about 1e-7 means the two agree; up to 1e-5 can happen "
                    "where a ReLU input sits right at its kink (0). When both gradients are tiny (below about "
                    "1e-7), the finite difference's own rounding error dominates and a larger relative error means "
                    "nothing. A relative error above 1e-3 on a sizeable gradient would mean a bug in the backward "
                    "pass.")
    show_code(gradient_check)


def bugs_section(hp, split):
    """The notebook's three bugs: the same seed trained both ways, and softmax on a large score."""
    st.markdown(
        "- **Scalar db.** `db = np.sum(dZ) / m` sums over the units as well as the examples, so every bias of a "
        "layer gets the same gradient and moves together: the biases cannot learn different offsets.\n"
        "- **m before the split.** The notebook counts m on the whole file, then holds out the dev rows: every "
        "gradient is divided by m_train + dev instead of m_train, so every step is m_train / (m_train + dev) "
        "times too short.\n"
        "- **Softmax without max-shift.** `exp(Z) / sum(exp(Z))` overflows once a score passes about 88 (float32): "
        "inf / inf = NaN, and training is lost.")
    n = st.select_slider("Iterations for each run", (50, 100, 150, 200), key="tr_bugs_n",
                         value=100 if split.X_train.shape[1] <= 20_000 else 50,
                         help="Both runs are full batch, from the same seed, on the data in use. On full MNIST an "
                              "iteration takes about 0.1 s, so 100 iterations, twice, take about 20 s.")
    if st.button("🐞 Train both (notebook and corrected)", key="tr_bugs_run",
                 help="Trains the current architecture twice from the same starting weights, with and without "
                      "the bugs; the table below then compares their db, m, dev accuracy and loss."):
        with st.spinner("Training twice..."):
            st.session_state["tr_bugs_result"] = (n, compare_notebook_bugs(hp, split, n))
    if "tr_bugs_result" in st.session_state:
        n, result = st.session_state["tr_bugs_result"]
        names = sorted(result["corrected"]["db"])
        rows = {f"{db}, first step": [] for db in names}
        rows.update({"m dividing the gradients": [], f"dev accuracy after {n} iterations": [],
                     "loss at the last step": []})
        for name in ("notebook", "corrected"):
            r = result[name]
            for db in names:
                rows[f"{db}, first step"].append(_db_text(r["db"][db]))
            rows["m dividing the gradients"].append(f"{r['m']:,}")
            rows[f"dev accuracy after {n} iterations"].append(
                "diverged" if r["diverged"] else f"{r['dev_accuracy']:.1%}")
            rows["loss at the last step"].append(f"{r['loss']:.4f}")
        st.table(pd.DataFrame(rows, index=["🐞 notebook", "✅ corrected"]).T)
        st.caption("The output layer's scalar db is always 0: each column of A^[L] − one_hot(Y) sums to 1 − 1 = 0, "
                   "so with the notebook's bug the output biases never move at all.")
    st.markdown("**Softmax on a large score.** Move the largest score z₀ and compare:")
    z0 = st.slider("Largest score z₀", 0, 200, 100, key="tr_bugs_logit",
                   help="Scores (Z2) this large appear when the weights grow, e.g. with a large learning rate.")
    Z = np.array([[z0], [2.0], [1.0]], dtype=np.float32)
    st.table(pd.DataFrame({"score z": Z.ravel(), "e^z (float32)": np.exp(Z).ravel(),
                           "softmax_notebook (no shift)": softmax_notebook(Z).ravel(),
                           "softmax (max-shift)": softmax(Z).ravel()}, index=["z₀", "z₁", "z₂"]).map(_number))
    if not np.isfinite(softmax_notebook(Z)).all():
        st.error(f"e^{z0} is more than float32 can hold (about 3.4 × 10^38), so it becomes inf; inf / inf = NaN. "
                 "One NaN in A2 makes the loss, every gradient and then every weight NaN. The max-shift computes "
                 "e^(z − max z) instead: the same probabilities, with exponents never above 0.")
    show_code(softmax_notebook, softmax)


def _db_text(db):
    db = np.ravel(db)
    if db.size == 1:
        value = db[0] if abs(db[0]) > 1e-6 else 0.0  # rounding noise of a sum that is exactly 0 in theory
        return f"{value:.3g} (one scalar for all units)"
    shown = ", ".join(f"{v:+.3f}" for v in db[:10]) + (", ..." if db.size > 10 else "")
    return f"[{shown}] (one per unit)"


def _number(value):
    return "NaN" if np.isnan(value) else "inf" if np.isinf(value) else f"{value:.4g}"


def _unit_rows(run, params, step_choice):
    if run is not None and step_choice is not None:
        for step, rows in run.snapshots:
            if step == step_choice:
                return rows
    return params["W1"][:SNAPSHOT_UNITS]


def learned_section(model, run, split):
    """W1's rows as images (scrubbing back through training), confusion matrices, and the worst mistakes."""
    params, hp = model.params, model.hp
    st.markdown("**Each row of W1 as a 28 × 28 image.** Unit k computes Z1_k = W1_k · x + b1_k: blue pixels "
                "push it up, red ones down. Training turns the initial noise into strokes.")
    mine = run is not None and run.params is params
    steps = [s for s, _ in run.snapshots] if mine else []
    if mine and run.step not in steps:
        steps.append(run.step)
    step = None
    c1, c2 = st.columns([3, 2])
    if len(steps) > 1:
        step = c1.select_slider("Training step", steps, value=steps[-1], key="tr_w1_step",
                                help="W1 as it was at these steps (kept at roughly log-spaced steps). "
                                     "Slide to step 0 for the random start; later steps show strokes forming.")
    view = c2.radio("Show", ["weights", "change"], key="tr_w1_view", horizontal=True, disabled=not mine,
                    index=1 if mine and hp.init == "notebook" else 0,
                    format_func={"weights": "W1", "change": "W1 − W1 at step 0"}.get,
                    help="W1 itself, or what training added to the random start. With the notebook's init "
                         "(every weight in ±0.5) the start is so noisy that the change shows the strokes better.")
    rows = _unit_rows(run if mine else None, params, step)
    title = f"W1 rows at step {step if step is not None else (run.step if mine else 'now')}"
    if view == "change" and mine:
        rows, title = rows - run.snapshots[0][1], title + ", minus step 0"
    if params["W1"].shape[0] > len(rows):
        title += f" (first {len(rows)} of {params['W1'].shape[0]} units)"
    show(units_figure(rows, title, "change" if view == "change" and mine else "weight",
                      per_line=5 if len(rows) <= 10 else 10), key="tr_w1")
    with st.expander("The numbers: one row per unit, one column per pixel"):
        st.dataframe(ui.wide_table(rows, [f"pixel {i}" for i in range(rows.shape[1])],
                                   [f"unit {k}" for k in range(len(rows))]), height=260)
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
            with st.expander(f"The numbers ({name})"):
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
    with st.expander("The numbers behind these mistakes"):
        st.dataframe(pd.DataFrame({"dev column": wrong[:8], "true digit": split.Y_dev[wrong[:8]],
                                   "said": predictions[wrong[:8]]}).join(pd.DataFrame(
                                       A[:, wrong[:8]].T, columns=[f"P({d})" for d in range(10)])),
                     hide_index=True, column_config={f"P({d})": st.column_config.NumberColumn(format="%.3f")
                                                     for d in range(10)})
