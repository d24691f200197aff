"""➡️ Forward pass: one digit goes through the network, and every number on the way is on screen.

A0 = X -> Z1 = W1 A0 + b1 -> A1 = g(Z1) -> ... -> Z_L = W_L A_(L-1) + b_L -> A_L = softmax(Z_L) -> the answer.
Every array shown is one that nn_core.forward_prop returns (its cache), for this visitor's own network.
"""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import ui
from nn_core import activations
from nn_core.network import forward_prop, layer_count

FONT = dict(size=16)  # readable from the back of a classroom
BLUE, RED, GREY, ORANGE = "#2166ac", "#b2182b", "#9a9a9a", "#e08214"  # from the colour-blind-safe RdBu/PuOr
ACTIVATION_TEX = {"relu": r"\mathrm{ReLU}", "sigmoid": r"\sigma", "tanh": r"\tanh", "linear": r"\mathrm{linear}"}
ACTIVATION_NAME = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh", "linear": "linear (none)"}
MAX_UNIT_IMAGES = 20  # W1 rows drawn as 28 x 28 images; wider layers show their most active units
CHOICES = {
    "index": "🔢 By index in the dev set",
    "random": "🎲 At random",
    "class": "🏷️ One of a chosen digit",
    "drawn": "✏️ The last digit you drew",
}


# ---------------------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------------------


def show(fig, key, height):
    """Draw a plotly figure at full column width, with projector-sized text and no toolbar."""
    top = 40 if fig.layout.title.text or fig.layout.annotations else 10
    layout = dict(height=height, font=FONT, margin=dict(l=10, r=10, t=top, b=10), legend=dict(font=dict(size=16)))
    if any(getattr(trace, "coloraxis", None) for trace in fig.data):
        layout["coloraxis"] = dict(colorbar=dict(tickfont=dict(size=15)))
    fig = ui.restyled(fig, layout, axes=dict(tickfont=dict(size=15), title=dict(font=dict(size=16))),
                      traces={"heatmap": dict(colorbar=dict(tickfont=dict(size=15)))})
    st.plotly_chart(ui.style_figure(fig), width="stretch", key=key, config={"displayModeBar": False})


def table(df, **kwargs):
    """Show a DataFrame without its index, every float with 4 decimals so the columns line up."""
    floats = {c: st.column_config.NumberColumn(format="%.4f") for c in df.columns if df[c].dtype.kind == "f"}
    st.dataframe(df, hide_index=True, width="stretch", column_config=floats, **kwargs)


def symmetric(values):
    """The largest |value|, so that a diverging scale puts 0 exactly in its white middle."""
    return float(np.max(np.abs(values))) or 1.0


def digit_image(column, title=""):
    """A (784, 1) column drawn as the 28 x 28 image, white ink on black as MNIST stores it."""
    return go.Figure(go.Heatmap(z=ui.image_of(column), colorscale="Greys", reversescale=True, zmin=0, zmax=1,
                                colorbar=dict(title="x"),
                                hovertemplate="row %{y}, col %{x}<br>x = %{z:.2f}<extra></extra>"),
                     layout=picture_layout(title))


def weight_image(row, title="", what="weight"):
    """784 numbers (a row of W1, or its terms w * x) as a 28 x 28 image on a diverging scale centred on 0."""
    limit = symmetric(row)
    return go.Figure(go.Heatmap(z=ui.image_of(row), colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit,
                                colorbar=dict(title=what),
                                hovertemplate="row %{y}, col %{x}<br>" + what + " = %{z:.3f}<extra></extra>"),
                     layout=picture_layout(title))


def picture_layout(title):
    """Square pixels, row 0 at the top, no tick labels: a picture, not a plot."""
    hidden = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="", constrain="domain")
    return dict(title=dict(text=title, font=dict(size=17)), xaxis=hidden,
                yaxis=dict(hidden, autorange="reversed", scaleanchor="x"))


def pixel_strip(X):
    """The 784 numbers of X (784, 1) as one tall thin column, pixel 0 at the top."""
    return go.Figure(go.Heatmap(z=X, colorscale="Greys", reversescale=True, zmin=0, zmax=1, showscale=False,
                                hovertemplate="x<sub>%{y}</sub> = %{z:.2f}<extra></extra>"),
                     layout=dict(xaxis=dict(showticklabels=False),
                                 yaxis=dict(autorange="reversed", title="pixel index i",
                                            tickvals=[0, 140, 280, 420, 560, 700, 783])))


def matrix_heatmap(M, x_title, y_title):
    """A weight matrix on the diverging RdBu scale centred on 0 (blue positive, red negative)."""
    limit = symmetric(M)
    return go.Figure(go.Heatmap(
        z=M, colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit, colorbar=dict(title="weight"),
        hovertemplate=y_title + " %{y}, " + x_title + " %{x}<br>weight %{z:.3f}<extra></extra>"),
        layout=dict(xaxis=dict(title=x_title, dtick=1 if M.shape[1] <= 16 else None),
                    yaxis=dict(title=y_title, autorange="reversed", dtick=1 if M.shape[0] <= 16 else None)))


def column_bars(values, unit_title, off=None):
    """A column vector (n, 1) as horizontal bars, unit 0 at the top like the column in the math.

    off : indices of units an activation switched off; they get a grey ✕ at 0.
    """
    v = np.ravel(values).astype(float)
    n = v.size
    few = n <= 16
    bars = [go.Bar(x=v, y=np.arange(n), orientation="h", marker_color=np.where(v >= 0, BLUE, RED),
                   text=[f"{x:.2f}" if off is None or u not in off else "" for u, x in enumerate(v)] if few else None,
                   textposition="outside", cliponaxis=False,
                   hovertemplate=unit_title + " %{y}: %{x:.4f}<extra></extra>")]
    if off is not None and len(off):
        bars.append(go.Scatter(x=np.zeros(len(off)), y=off, mode="markers+text" if few else "markers",
                               marker=dict(symbol="x", size=14 if few else 8, color=GREY), text=["off"] * len(off),
                               textposition="middle right", textfont=dict(color="#555555"),
                               hovertemplate=unit_title + " %{y}: switched off<extra></extra>"))
    low, high = min(v.min(), 0), max(v.max(), 0)
    pad = 0.5 * (high - low or 1)  # room for the numbers beside the bars
    return go.Figure(bars, layout=dict(
        showlegend=False,
        xaxis=dict(range=[low - (pad if low < 0 else 0.05 * pad), high + pad], zeroline=True, zerolinecolor="#444444"),
        yaxis=dict(title=unit_title, range=[n - 0.5, -0.5], dtick=1 if few else None)))  # unit 0 at the top


def probability_bars(A2, predicted, label=None):
    """The ten probabilities as bars over the digits 0..9; the prediction stands out, the label is marked."""
    p = np.ravel(A2)
    colors = [ORANGE if k == predicted else BLUE for k in range(10)]
    names = [f"{k}" + (" ★" if k == predicted else "") + (" ✓ label" if k == label else "") for k in range(10)]
    return go.Figure(go.Bar(x=names, y=p, marker_color=colors, text=[f"{x:.1%}" for x in p], textposition="outside",
                            textfont_size=15, constraintext="none", cliponaxis=False,
                            hovertemplate="digit %{x}: %{y:.2%}<extra></extra>"),
                     layout=dict(xaxis=dict(title="digit k (★ the network's answer)", type="category"),
                                 yaxis=dict(title="probability", range=[0, 1.15], tickformat=".0%")))


# ---------------------------------------------------------------------------------------------------------
# The arithmetic the page spells out (nn_core does the real forward pass)
# ---------------------------------------------------------------------------------------------------------


def unit_terms(W1, b1, X, j):
    """The 784 terms w_ji * x_i of hidden unit j, their sum plus b_j computed in float64, and a table of pixels."""
    terms = W1[j].astype(np.float64) * X[:, 0].astype(np.float64)  # (784,)
    z_j = terms.sum() + float(b1[j, 0])
    pixels = pd.DataFrame({"pixel i": np.arange(784), "row": np.arange(784) // 28, "col": np.arange(784) % 28,
                           "w_ji": W1[j], "x_i": X[:, 0], "w_ji · x_i": terms})
    return terms, z_j, pixels


def collapse_linear(params):
    """W and b such that W @ X + b equals the whole network run with no activation at all.

    W2 @ (W1 @ X + b1) + b2 = (W2 @ W1) @ X + (W2 @ b1 + b2); deeper networks repeat the same step.
    Returns W of shape (10, 784) and b of shape (10, 1).
    """
    W, b = params["W1"], params["b1"]
    for l in range(2, layer_count(params) + 1):
        W, b = params[f"W{l}"] @ W, params[f"W{l}"] @ b + params[f"b{l}"]  # (n_l, 784), (n_l, 1)
    return W, b


def layer_table(params):
    """One row per layer: what it is, how many units, and which parameters it has (the input has none)."""
    L = layer_count(params)
    rows = [{"layer": 0, "role": "input", "units": 784, "parameters": "none", "learned": 0}]
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        rows.append({"layer": l, "role": "output" if l == L else "hidden", "units": W.shape[0],
                     "parameters": f"W{l} {W.shape}, b{l} {b.shape}", "learned": W.size + b.size})
    return pd.DataFrame(rows)


def tex_products(rows):
    """Terms of the sum as LaTeX, '0.21 · 0.99 + (-0.15) · 1.00', from rows of the unit's pixel table."""
    return " + ".join(f"{tex_number(w)}\\cdot{x:.2f}" for w, x in zip(rows["w_ji"], rows["x_i"], strict=True))


def tex_number(x, digits=2):
    """A number for LaTeX, negative ones in brackets so that '+ (-0.12)' reads clearly."""
    return f"({x:.{digits}f})" if x < 0 else f"{x:.{digits}f}"


# ---------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------

st.title("➡️ Forward pass: one digit, number by number")
ui.explain(
    "Follow one image through the network. Every matrix below is the real one: the weights of **your** network "
    "and the numbers `forward_prop` computes from them. Going **forward** means only multiplying, adding and "
    "applying an activation, layer after layer, until ten probabilities come out. (Learning, the backward "
    "pass, is on the 📉 Training page.)"
)

# --- The network --------------------------------------------------------------------------------------------
model = ui.model_or_untrained()
params, hp = model.params, model.hp
L = layer_count(params)
g, g_deriv = activations.ACTIVATIONS[hp.activation]
G = ACTIVATION_TEX[hp.activation]

st.header("The network")
left, right = st.columns([1, 1.2])
with left:
    if model.trained:
        st.success(f"**Your trained network:** {model.describe()}")
    else:
        st.warning(
            "**This network is untrained.** Its weights are random numbers from initialisation, so its "
            "prediction below is a guess (about 1 in 10 right). The arithmetic is exactly the same as for a "
            "trained network. Train one on the **📉 Training** page and come back to see the same digit "
            "recognised."
        )
        st.caption("Network shown: " + model.describe())
    ui.explain(
        f"**Layer 0** is the input: 784 units, one per pixel. **Layers 1 to {L}** each have a weight matrix W "
        f"and a bias column b. A *layer* is something with parameters; the input has none, so it is layer 0 "
        f"and this network counts as a {L}-layer network."
    )
with right:
    table(layer_table(params))
    st.caption(f"learned: how many numbers training adjusts in that layer. Hidden activation g = "
               f"{ACTIVATION_NAME[hp.activation]}; output activation = softmax.")

# --- Choose a digit ---------------------------------------------------------------------------------------
st.header("Choose a digit")
drawn = st.session_state.get(ui.DRAWN)
if drawn is not None and np.shape(drawn) != (784, 1):
    st.error(f"The drawn digit has shape {np.shape(drawn)}, not (784, 1); draw it again on the ✏️ Draw page.")
    drawn = None

split, split_problem = None, ""
for dev_size in (hp.dev_size, len(ui.digits().labels) // 10):  # the network's dev set, else a tenth of the data
    try:
        split = ui.data_split(dev_size)
        break
    except ValueError as problem:
        split_problem = str(problem)

options = (["index", "random", "class"] if split is not None else []) + (["drawn"] if drawn is not None else [])
if not options:
    st.error(f"There are no digits to show. {split_problem} Choose other data on the 🔢 Data page, or draw a "
             "digit on the ✏️ Draw page.")
    st.stop()
if split is None and split_problem:
    st.error(f"The dev set cannot be made from the data in use: {split_problem}")
elif split_problem:
    st.warning(f"This network was made with a dev set of {hp.dev_size:,} digits, more than the data in use "
               f"allows; the digits below come from a dev set of {split.X_dev.shape[1]:,} instead, which may "
               "include digits the network trained on.")

if st.session_state.pop("forward_source", None) == "drawn" and drawn is not None:
    st.session_state["forward_choice"] = "drawn"  # the Draw page sent the visitor here with a fresh drawing
if st.session_state.get("forward_choice") not in options:
    st.session_state["forward_choice"] = options[0]

choice_col, detail_col = st.columns([1.3, 2])
with choice_col:
    choice = st.radio("Which digit goes through the network?", options, format_func=CHOICES.get,
                      key="forward_choice",
                      help="Every chart below follows the digit you pick here. The dev set is the held-out part "
                           "of the data that training never touches.")

label, where = None, ""
with detail_col:
    if choice == "drawn":
        X = np.asarray(drawn, dtype=np.float32)
        where = "your drawing from the ✏️ Draw page (it has no label)"
        st.caption("The digit you drew, after the Draw page shrank and centred it to 28 x 28 like MNIST.")
    else:
        X_dev, Y_dev = split.X_dev, split.Y_dev
        m_dev = X_dev.shape[1]
        if choice == "index":
            i = st.number_input(f"Index in the dev set (0 to {m_dev - 1})", min_value=0, max_value=m_dev - 1,
                                value=0, step=1, key="forward_index",
                                help="Column i of X_dev. Step through with the + and - buttons: each click sends "
                                     "a different digit through the same weights.")
        elif choice == "random":
            again = st.button("🎲 Pick another random digit", key="forward_random",
                              help="Draws a new dev-set column at random; the page recomputes everything for it.")
            if again or st.session_state.get("forward_random_pick", m_dev) >= m_dev:  # none yet, or other data
                st.session_state["forward_random_pick"] = int(np.random.default_rng().integers(m_dev))
            i = st.session_state["forward_random_pick"]
        else:
            digit = st.selectbox("Digit", range(10), key="forward_class",
                                 help="Only dev-set images with this label are offered below; the box beside "
                                      "it steps through them, the first one is shown now.")
            matching = np.flatnonzero(Y_dev == digit)
            if matching.size == 0:
                st.error(f"The dev set has no {digit}s; pick another digit.")
                st.stop()
            nth = st.number_input(f"Which of the dev set's {matching.size} {digit}s", min_value=1,
                                  max_value=int(matching.size), value=1, step=1, key="forward_class_nth",
                                  help="Step through every image of this digit, to find ones the network gets "
                                       "wrong.")
            i = int(matching[min(nth, matching.size) - 1])
        i = int(i)
        X, label = X_dev[:, i:i + 1], int(Y_dev[i])  # (784, 1): one example is one column
        where = f"column {i} of the dev set (label **{label}**)"
    st.markdown(f"Going through the network: {where}.")

cache = forward_prop(params, X, hp.activation)  # {"Z1", "A1", ..., f"Z{L}", f"A{L}"}
A_out = cache[f"A{L}"]
predicted = int(np.argmax(A_out[:, 0]))

# --- Layer 0 ----------------------------------------------------------------------------------------------
st.header("Step 0 · the input: A0 = X")
image_col, strip_col, text_col = st.columns([1.3, 0.9, 1.9])
with image_col:
    st.markdown("#### The image · 28 x 28")
    show(digit_image(X), "forward_image", 360)
with strip_col:
    st.markdown(f"#### X · {X.shape}")
    show(pixel_strip(X), "forward_strip", 360)
with text_col:
    st.latex(r"A^{[0]} = X \quad (784 \times 1)")
    ink = int(np.count_nonzero(X))
    st.markdown(
        f"The 28 x 28 image is read row by row (pixels 0 to 27 are the top row, 28 to 55 the next, ...) into "
        f"**784 numbers**, each a pixel's brightness / 255, from 0 (black) to 1 (white). One example is one "
        f"**column**: X has shape {X.shape}. Only **{ink} of the 784** pixels have ink (x_i > 0); all the "
        f"others are 0 and will add nothing below."
    )
with st.expander("The numbers behind these pictures: X as 28 rows of 28"):
    st.dataframe(ui.wide_table(ui.image_of(X).round(2), range(28)), width="stretch")

# --- Layer 1 ----------------------------------------------------------------------------------------------
W1, b1, Z1, A1 = params["W1"], params["b1"], cache["Z1"], cache["A1"]
n1 = W1.shape[0]
st.header(f"Step 1 · hidden layer 1: Z1 = W1 · A0 + b1, A1 = {ACTIVATION_NAME[hp.activation]}(Z1)")
st.latex(
    rf"\underbrace{{Z^{{[1]}}}}_{{{n1} \times 1}} = \underbrace{{W^{{[1]}}}}_{{{n1} \times 784}}"
    rf"\,\underbrace{{A^{{[0]}}}}_{{784 \times 1}} + \underbrace{{b^{{[1]}}}}_{{{n1} \times 1}}"
    rf"\qquad A^{{[1]}} = {G}\left(Z^{{[1]}}\right)"
)
st.markdown(f"#### W1 · {W1.shape}")
show(matrix_heatmap(W1, "input pixel i", "hidden unit j"), "forward_W1", min(520, 140 + 24 * n1))
st.caption(
    "Row j holds hidden unit j's 784 weights, one per pixel. **Blue** (positive): ink on that pixel pushes "
    "z_j up; **red** (negative): ink there pulls it down. The unit's z_j is row j times the column X, plus b_j."
)
b_col, z_col, a_col = st.columns(3)
with b_col:
    st.markdown(f"#### b1 · {b1.shape}")
    show(column_bars(b1, "unit j"), "forward_b1", min(520, 120 + 28 * n1))
with z_col:
    st.markdown(f"#### Z1 = W1 · A0 + b1 · {Z1.shape}")
    show(column_bars(Z1, "unit j"), "forward_Z1", min(520, 120 + 28 * n1))
with a_col:
    off = np.flatnonzero(Z1[:, 0] <= 0) if hp.activation == "relu" else None
    st.markdown(f"#### A1 = {ACTIVATION_NAME[hp.activation]}(Z1) · {A1.shape}")
    show(column_bars(A1, "unit j", off), "forward_A1", min(520, 120 + 28 * n1))
if hp.activation == "relu" and off.size:
    which = ", ".join(str(j) for j in off) if off.size <= 16 else "listed in 🔢 The numbers"
    st.info(
        f"**ReLU switched off {off.size} of {n1} units** ({which}): their Z1 was negative (or 0), so their A1 "
        f"is 0 (grey ✕) and they pass nothing on. The other {n1 - off.size} pass their value through unchanged."
    )
elif hp.activation == "relu":
    st.info("ReLU switched off **no unit** for this digit: every Z1 was positive, so A1 = Z1.")
else:
    st.info(f"With {ACTIVATION_NAME[hp.activation]}, no unit is switched off completely: each A1 value is "
            f"{ACTIVATION_NAME[hp.activation]} of its Z1.")

# Of the first two tabs, only the open one is computed (on_change="rerun"), so a whole class opening this page
# at once waits less; the numbers tab is always filled.
unit_tab, rows_tab, numbers_tab = st.tabs(
    ["🔍 One hidden unit, number by number", "🖼️ What each hidden unit looks for", "🔢 The numbers"],
    key="forward_layer1_tab", on_change="rerun")
j = min(st.session_state.get("forward_unit_kept", 0), n1 - 1)  # the unit chosen last, also while its tab is shut
if unit_tab.open:
    with unit_tab:
        j = st.selectbox("Hidden unit j", range(n1), index=j, format_func=lambda u: f"unit {u}", key="forward_unit",
                         help="Pick one row of W1: the page multiplies its 784 weights with the 784 pixels and adds "
                              "them up, to show where that unit's Z1 value comes from.")
        st.session_state["forward_unit_kept"] = j
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
            show(weight_image(W1[j], f"row {j} of W1: what unit {j} looks for"), "forward_unit_w", 330)
        with x_col:
            show(digit_image(X, "the input x"), "forward_unit_x", 330)
        with t_col:
            show(weight_image(terms, f"w<sub>{j},i</sub> · x<sub>i</sub>: each pixel's term", "term"),
                 "forward_unit_terms", 330)
        st.caption("Right: the 784 terms of the sum. Where the image is black (x_i = 0) the term is 0, whatever the "
                   "weight; blue terms raise z_j, red terms lower it.")
        with st.expander(f"The 5 largest and the 5 most negative of unit {j}'s 784 terms"):
            table(pd.concat([pixels.nlargest(5, "w_ji · x_i"), pixels.nsmallest(5, "w_ji · x_i")]))
        with st.expander(f"All 784 terms of unit {j}, pixel by pixel (the numbers of the three pictures)"):
            table(pixels, height=260)

if rows_tab.open:
    with rows_tab:
        if n1 <= MAX_UNIT_IMAGES:
            shown = np.arange(n1)
            st.markdown(f"Each of the {n1} rows of W1, reshaped to 28 x 28: the pattern of ink that turns that "
                        "unit on (blue) or off (red).")
        else:
            shown = np.sort(np.argsort(-Z1[:, 0])[:MAX_UNIT_IMAGES])
            st.markdown(f"Layer 1 has {n1} units; here are the {MAX_UNIT_IMAGES} with the largest Z1 for this "
                        "digit, each row of W1 reshaped to 28 x 28 (blue: ink here turns the unit on; red: off). "
                        "Any unit can be studied in the first tab.")
        per_line = min(5, shown.size)
        fig = ui.unit_images(W1[shown], [f"unit {u}: z = {Z1[u, 0]:.2f}" for u in shown], "weight", per_line, FONT)
        show(fig, "forward_W1_rows", 60 + 230 * int(np.ceil(shown.size / per_line)))
        st.caption("An untrained network's rows are noise; after training, many look like strokes or blobs of "
                   "digits: the shapes those units have learned to detect.")

with numbers_tab:  # always filled: the numbers behind the charts above belong on the page
    st.markdown("**b1, Z1 and A1, unit by unit**")
    table(pd.DataFrame({"unit j": np.arange(n1), "b1": b1[:, 0], "Z1": Z1[:, 0], "A1": A1[:, 0],
                        "switched off": Z1[:, 0] <= 0 if hp.activation == "relu" else False}))
    st.markdown(f"**W1 · {W1.shape}** (one row per hidden unit, one column per pixel)")
    st.dataframe(ui.wide_table(W1, [f"w{i}" for i in range(784)]), width="stretch", height=260)

# --- Further hidden layers, compactly -----------------------------------------------------------------------
for l in range(2, L):
    W, b, Z, A = params[f"W{l}"], params[f"b{l}"], cache[f"Z{l}"], cache[f"A{l}"]
    st.header(f"Step {l} · hidden layer {l}: Z{l} = W{l} · A{l - 1} + b{l}, A{l} = {ACTIVATION_NAME[hp.activation]}"
              f"(Z{l})")
    st.latex(
        rf"\underbrace{{Z^{{[{l}]}}}}_{{{W.shape[0]} \times 1}} = \underbrace{{W^{{[{l}]}}}}_{{{W.shape[0]} \times "
        rf"{W.shape[1]}}}\,\underbrace{{A^{{[{l - 1}]}}}}_{{{W.shape[1]} \times 1}} + "
        rf"\underbrace{{b^{{[{l}]}}}}_{{{W.shape[0]} \times 1}} \qquad A^{{[{l}]}} = {G}\left(Z^{{[{l}]}}\right)"
    )
    w_col, z_col, a_col = st.columns([1.6, 1, 1])
    with w_col:
        st.markdown(f"#### W{l} · {W.shape}")
        show(matrix_heatmap(W, f"unit of layer {l - 1}", f"unit of layer {l}"), f"forward_W{l}", 420)
    with z_col:
        st.markdown(f"#### Z{l} · {Z.shape}")
        show(column_bars(Z, "unit"), f"forward_Z{l}", 420)
    with a_col:
        off_l = np.flatnonzero(Z[:, 0] <= 0) if hp.activation == "relu" else None
        st.markdown(f"#### A{l} = {ACTIVATION_NAME[hp.activation]}(Z{l}) · {A.shape}")
        show(column_bars(A, "unit", off_l), f"forward_A{l}", 420)
    st.caption(f"Same rule as layer 1, with A{l - 1} in place of the pixels. b{l} {b.shape} = ["
               + ", ".join(f"{x:.2f}" for x in b[:12, 0]) + (", ...]" if b.shape[0] > 12 else "]")
               + (f". ReLU switched off {off_l.size} of {Z.shape[0]} units." if off_l is not None else ""))
    with st.expander(f"The numbers: b{l}, Z{l}, A{l} and W{l}, one row per unit of layer {l}"):
        table(pd.concat([pd.DataFrame({"unit": np.arange(W.shape[0]), f"b{l}": b[:, 0], f"Z{l}": Z[:, 0],
                                       f"A{l}": A[:, 0]}),
                         pd.DataFrame(W, columns=[f"W{l}[j, {u}]" for u in range(W.shape[1])])], axis=1))

# --- Output layer ------------------------------------------------------------------------------------------
W_out, b_out, Z_out = params[f"W{L}"], params[f"b{L}"], cache[f"Z{L}"]
st.header(f"Step {L} · output layer {L}: Z{L} = W{L} · A{L - 1} + b{L}, A{L} = softmax(Z{L})")
st.latex(
    rf"\underbrace{{Z^{{[{L}]}}}}_{{10 \times 1}} = \underbrace{{W^{{[{L}]}}}}_{{10 \times {W_out.shape[1]}}}"
    rf"\,\underbrace{{A^{{[{L - 1}]}}}}_{{{W_out.shape[1]} \times 1}} + \underbrace{{b^{{[{L}]}}}}_{{10 \times 1}}"
    rf"\qquad A^{{[{L}]}} = \mathrm{{softmax}}\left(Z^{{[{L}]}}\right),\quad "
    rf"A^{{[{L}]}}_k = \frac{{e^{{Z^{{[{L}]}}_k}}}}{{\sum_{{i=0}}^{{9}} e^{{Z^{{[{L}]}}_i}}}}"
)
w_col, b_col, z_col = st.columns([1.6, 1, 1])
with w_col:
    st.markdown(f"#### W{L} · {W_out.shape}")
    show(matrix_heatmap(W_out, f"unit of layer {L - 1}", "output unit k (digit)"), "forward_W_out", 420)
with b_col:
    st.markdown(f"#### b{L} · {b_out.shape}")
    show(column_bars(b_out, "digit k"), "forward_b_out", 420)
with z_col:
    st.markdown(f"#### Z{L} · {Z_out.shape}")
    show(column_bars(Z_out, "digit k"), "forward_Z_out", 420)
st.caption(f"Row k of W{L} weighs the {W_out.shape[1]} values of A{L - 1} as evidence for digit k. Z{L} holds ten "
           "scores (logits): any real numbers. Softmax turns them into probabilities.")
with st.expander(f"The numbers: W{L}, b{L}, Z{L} and A{L}, one row per digit"):
    output_numbers = pd.DataFrame({"digit k": np.arange(10), f"b{L}": b_out[:, 0], f"Z{L}": Z_out[:, 0],
                                   f"A{L}": A_out[:, 0]})
    weights = pd.DataFrame(W_out, columns=[f"W{L}[k, {u}]" for u in range(W_out.shape[1])])
    table(pd.concat([output_numbers, weights], axis=1))

prob_col, answer_col = st.columns([2.2, 1])
with prob_col:
    st.markdown(f"#### A{L} = softmax(Z{L}) · {A_out.shape}")
    show(probability_bars(A_out, predicted, label), "forward_A_out", 380)
with answer_col:
    st.markdown("#### The prediction")
    st.metric("The network's answer", predicted,
              help=f"The most probable digit: get_predictions takes the argmax of the ten probabilities in A{L}.")
    st.metric("Its probability", f"{A_out[predicted, 0]:.1%}",
              help="How sure the network is. Sure is not the same as right.")
    if label is not None:
        right = predicted == label
        st.metric("The label", label, delta="✓ right" if right else "✗ wrong", delta_arrow="off",
                  delta_color="blue" if right else "orange", help="The digit a person wrote down for this image.")
    if not model.trained:
        st.warning("Untrained network: this answer is a guess.")
    st.caption(f"The ten probabilities are each between 0 and 1 and add up to {A_out.sum():.4f}.")

code_left, code_right = st.columns(2)
with code_left:
    ui.show_code(forward_prop, title="The code of the whole forward pass (nn_core.network.forward_prop)")
with code_right:
    ui.show_code(g, activations.softmax,
                 title=f"The activations it calls: {ACTIVATION_NAME[hp.activation]} and softmax "
                       "(nn_core.activations)")

# --- Under the hood ---------------------------------------------------------------------------------------
st.header("Under the hood")
act_tab, softmax_tab, linear_tab = st.tabs(["📈 Activation functions", "🧮 Softmax step by step",
                                            "📏 Why non-linearity?"], key="forward_hood_tab", on_change="rerun")

if act_tab.open:
    with act_tab:
        st.markdown(
            "An activation function g bends each unit's output. The usual candidates for hidden layers are "
            "**ReLU**, **sigmoid** and **tanh**; the output layer uses **softmax** (next tab). "
            f"This network uses **{ACTIVATION_NAME[hp.activation]}**."
        )
        with_derivs = st.toggle("Show the derivatives too", key="forward_derivs",
                                help="Adds g'(z) as dashed lines: the slope that backpropagation multiplies by. "
                                     "Where it is 0 (ReLU for z < 0, sigmoid far from 0), no learning signal passes.")
        z = np.linspace(-5, 5, 401, dtype=np.float32)
        fig = go.Figure()
        for name, color in (("relu", BLUE), ("sigmoid", ORANGE), ("tanh", "#5e3c99")):
            f, f_deriv = activations.ACTIVATIONS[name]
            fig.add_trace(go.Scatter(x=z, y=f(z), name=ACTIVATION_NAME[name], line=dict(color=color, width=4)))
            if with_derivs:
                fig.add_trace(go.Scatter(x=z, y=f_deriv(z), name=f"{ACTIVATION_NAME[name]}'",
                                         line=dict(color=color, width=3, dash="dash")))
        fig.layout.xaxis = dict(title="z", zeroline=True, zerolinecolor="#444444")
        fig.layout.yaxis = dict(title="g(z)", range=[-1.2, 3], zeroline=True, zerolinecolor="#444444")
        show(fig, "forward_activations", 420)
        with st.expander("The numbers behind the curves, at whole values of z"):
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
        ui.show_code(activations.relu, activations.relu_deriv, activations.sigmoid, activations.sigmoid_deriv,
                     activations.tanh, activations.tanh_deriv, title="The code (nn_core.activations)")

if softmax_tab.open:
    with softmax_tab:
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
            fig = go.Figure([go.Bar(x=np.arange(10), y=E, marker_color=BLUE),  # two charts side by side
                             go.Bar(x=np.arange(10), y=E / E.sum(), marker_color=ORANGE, xaxis="x2", yaxis="y2")],
                            layout=dict(showlegend=False, annotations=titles,
                                        xaxis=dict(digit_axis, domain=[0, 0.45]), yaxis=dict(anchor="x"),
                                        xaxis2=dict(digit_axis, domain=[0.55, 1]), yaxis2=dict(anchor="x2")))
            show(fig, "forward_softmax_steps", 340)
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
        ui.show_code(activations.softmax, activations.softmax_notebook,
                     title="The two softmaxes (nn_core.activations)")

if linear_tab.open:
    with linear_tab:
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
        if hp.activation != "linear":
            real_col.metric(
                f"Largest difference: the real network (with {ACTIVATION_NAME[hp.activation]}) vs W · X + b",
                f"{real_gap:.3g}", help="The activation breaks the shortcut: no single matrix does this.")
        table(pd.DataFrame({"digit k": np.arange(10), f"Z{L}, layers with no activation": linear_out[:, 0],
                            "W · X + b, one matrix": collapsed[:, 0], f"Z{L}, the real network": Z_out[:, 0]}))
        st.markdown(
            "So a stack of linear layers, however deep, is one linear map: each digit's score is a weighted sum of "
            "pixels, and the boundaries it can draw between digits are flat (straight lines and planes). The "
            "activation between the layers is what lets a network learn curved, complicated patterns."
        )

ui.try_this(
    "**Find a mistake.** Choose *One of a chosen digit*, pick 8 (or 5), and step through them until the answer is "
    f"wrong. Which hidden units were switched on, and which row of W{L} outvoted the right digit?",
    "**Take the activation away.** On the 📉 Training page train a network with the *linear* activation, then come "
    "back: the \"Why non-linearity?\" tab shows it is one matrix, and its dev accuracy stays below ReLU's.",
)
ui.quiz(
    "What is the shape of Z1 for the one digit above?",
    list(dict.fromkeys([f"({n1}, 1)", "(784, 1)", f"(1, {n1})", f"({n1}, 784)"])), str(Z1.shape),
    f"Z1 = W1 · A0 + b1: ({n1} x 784) times (784 x 1) gives ({n1} x 1), one number per hidden unit, and adding "
    f"b1 ({n1} x 1) keeps that shape. With m digits at once, one per column, it would be ({n1}, m).",
    key="forward_quiz_Z1")
if L >= 2:  # a network with no hidden layer has no unit to vote
    A_last = cache[f"A{L - 1}"]  # what the last hidden layer passes on, (n, 1)
    v = min(j, W_out.shape[1] - 1)  # the unit chosen above (a deeper network asks about its last hidden layer)
    votes = W_out[:, v]  # column v of W_L: unit v's weight into each of the ten scores
    top, bottom = int(np.argmax(votes)), int(np.argmin(votes))
    ui.quiz(
        f"Which digit does hidden unit {v} of layer {L - 1} vote for: whose score does it raise the most when it "
        "fires?" + (" (Pick another unit in 🔍 One hidden unit above.)" if L == 2 else ""), list(range(10)), top,
        f"Column {v} of W{L} holds unit {v}'s ten weights into the scores Z{L}: the largest is W{L}[{top}, {v}] = "
        f"{votes.max():.3f}, for digit {top}, and the most negative W{L}[{bottom}, {v}] = {votes.min():.3f}, for "
        f"{bottom}. Whatever the unit outputs is multiplied by these weights and added to every score, so a positive "
        f"output raises {top} most. For this digit it outputs A{L - 1}[{v}] = {A_last[v, 0]:.3f}"
        + (" (switched off: no vote this time)." if A_last[v, 0] == 0 else "."),
        key="forward_quiz_vote")
