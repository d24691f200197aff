"""➡️ Forward pass: one digit goes through the network, and every number on the way is on screen.

A0 = X -> Z1 = W1 A0 + b1 -> A1 = g(Z1) -> ... -> Z_L = W_L A_(L-1) + b_L -> A_L = softmax(Z_L) -> the answer.
Every array shown is one that nn_core.forward_prop returns (its cache), for this visitor's own network.
"""

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import pictures, state, tables, widgets
from dashboard.tables import layer_table
from dashboard.widgets import table
from nn_core import activations
from nn_core.network import forward_prop, layer_count
from views.forward import one_unit, picture, under_the_hood
from views.forward.arrays import column_with_shape, layer_numbers, matrix_with_shape, switched_off
from views.forward.under_the_hood import ACTIVATION_NAME, ACTIVATION_TEX

MAX_UNIT_IMAGES = 20  # W1 rows drawn as 28 x 28 images; wider layers show their most active units
CHOICES = {
    "index": "🔢 By index in the dev set",
    "random": "🎲 At random",
    "class": "🏷️ One of a chosen digit",
    "drawn": "✏️ The last digit you drew",
}


def start_of_W1(model):
    """W1 as it was at step 0 of the run these weights come from (every row), or None when it is not known: an
    untrained network, or one with no run of the Training page behind it (a file saved without its log)."""
    run = model.run
    if run is None or not model.trained or run.params is not model.params or (run.loaded and not run.records):
        return None
    return run.start_params["W1"]


def rows_caption(model, view, W1, start):
    """What the rows show and why, with this network's own numbers."""
    if not model.trained:
        return ("An untrained network's rows are its random start: noise. Train it on the 📉 Training page, then "
                "come back to see what training changed.")
    if start is None:
        return ("These rows mix the random start with what training added, and this network's start is not "
                "known here (it has no run of the 📉 Training page behind it), so the change cannot be shown.")
    change, before = float(np.sqrt(np.mean(np.square(W1 - start)))), float(np.sqrt(np.mean(np.square(start))))
    sizes = f"Here training moved the weights by {change:.3f} on average (RMS), from a start of {before:.3f}."
    if change == 0:
        return f"{sizes} No gradient has reached layer 1 yet: its rows are still exactly their random start."
    if view == "change":
        return (f"What training added to the random start. {sizes} Pixels that no training digit ever inks, such "
                "as the border, get no gradient: they stay exactly 0 (white). The shapes in the middle are the "
                "ink each unit learned to look for.")
    return (f"W1 as it is: the random start plus what training added. {sizes} "
            + (f"The start is {before / change:.0f} times the change, so the rows still look like their random "
               "start: pick W1 − W1 at step 0 to see what was learned." if 2 * change < before else
               "The change is not small beside the start, so what was learned shows in W1 too."))


st.title("➡️ Forward pass: one digit, number by number")
# On a projector the picture comes first, right under what kind of network it is (untrained: its answer a guess).
notice_slot, picture_slot = (st.container(), st.container()) if widgets.presenter() else (None, None)
widgets.explain(
    "Follow one image through the network. Every matrix below is the real one: the weights of **your** network "
    "and the numbers `forward_prop` computes from them. Going **forward** means only multiplying, adding and "
    "applying an activation, layer after layer, until ten probabilities come out. (Learning, the backward "
    "pass, is on the 📉 Training page.)"
)

# --- The network --------------------------------------------------------------------------------------------
model = state.model_or_untrained()
params, hp = model.params, model.hp
L = layer_count(params)
g, g_deriv = activations.ACTIVATIONS[hp.activation]
G = ACTIVATION_TEX[hp.activation]

st.header("The network")
notice = notice_slot or st  # on a projector, above the picture
if model.trained:
    notice.success(f"**Your network:** {model.describe()}" + (" Its weights change while it trains: this page "
                   "shows them as they are now." if model.training else ""))
else:
    untrained = state.dev_accuracy_of(params, hp)  # random weights score near chance, more or less by luck
    notice.warning("**This network is untrained**: its weights are random numbers from initialisation, so its "
                   "prediction below is a guess" + (f" (it gets {untrained:.1%} of the dev set right, where "
                                                    "guessing gives 10%)" if untrained is not None else "")
                   + "; the arithmetic is the same as for a trained one. "
                   f"Train one on the **📉 Training** page and come back. Shown: {model.describe()}.")
with st.expander(f"Its layers: {' → '.join(map(str, hp.layer_sizes))}, and what a layer is",
                 expanded=not widgets.presenter()):
    left, right = st.columns([1, 1.2])
    left.markdown(
        f"**Layer 0** is the input: 784 units, one per pixel. **Layers 1 to {L}** each have a weight matrix W "
        f"and a bias column b. A *layer* is something with parameters; the input has none, so it is layer 0 "
        f"and this network counts as a {L}-layer network.")
    with right:
        st.table(layer_table(params), hide_index=True)  # a few rows: a plain table, drawn at once
        st.caption(f"learned: how many numbers training adjusts in that layer. Hidden activation g = "
                   f"{ACTIVATION_NAME[hp.activation]}; output activation = softmax.")

# --- Choose a digit ---------------------------------------------------------------------------------------
st.header("Choose a digit")
drawn = st.session_state.get(state.DRAWN)
if drawn is not None and np.shape(drawn) != (784, 1):
    st.error(f"The drawn digit has shape {np.shape(drawn)}, not (784, 1); draw it again on the ✏️ Draw page.")
    drawn = None

split, split_problem = None, ""
for dev_size in (hp.dev_size, len(state.digits().labels) // 10):  # the network's dev set, else a tenth of the data
    try:
        split = state.data_split(dev_size)
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

with np.errstate(over="ignore", invalid="ignore"):  # a diverged network's huge weights overflow: said below
    cache = forward_prop(params, X, hp.activation)  # {"Z1", "A1", ..., f"Z{L}", f"A{L}"}
if not all(np.isfinite(value).all() for value in cache.values()):
    st.warning("This network's weights are so large that the forward pass overflows: the numbers below include "
               "inf and NaN (blank). Train it again on the 📉 Training page with a smaller learning rate α.")
A_out = cache[f"A{L}"]
predicted = int(np.argmax(A_out[:, 0]))
with picture_slot or st.container():
    picture.network_picture(params, cache, X, label, hp.activation)

# --- Layer 0 ----------------------------------------------------------------------------------------------
st.header("Step 0 · the input: A0 = X")
image_col, strip_col, text_col = st.columns([1.3, 0.9, 1.9])
with image_col:
    st.markdown("### The image · 28 x 28")
    widgets.picture(X, "the digit as a picture", "x", grey=True, width=360)
with strip_col:
    st.markdown(f"### X, shape {X.shape}")
    widgets.matrix(X, "X, one column", "pixel index i", "column 0", name="x", width=250, grey=True)
with text_col:
    st.latex(r"A^{[0]} = X \quad (784 \times 1)")
    ink = int(np.count_nonzero(X))
    st.markdown(
        f"The 28 x 28 image is read row by row (pixels 0 to 27 are the top row, 28 to 55 the next, ...) into "
        f"**784 numbers**, each a pixel's brightness / 255, from 0 (black) to 1 (white). One example is one "
        f"**column**: X has shape {X.shape}. Only **{ink} of the 784** pixels have ink (x_i > 0); all the "
        f"others are 0 and will add nothing below."
    )
if box := widgets.numbers_box("The numbers behind these pictures: X as 28 rows of 28", "forward_numbers_X"):
    with box:
        st.dataframe(tables.wide_table(pictures.image_of(X).round(2), range(28)), width="stretch")

# --- Layer 1 ----------------------------------------------------------------------------------------------
W1, b1, Z1, A1 = params["W1"], params["b1"], cache["Z1"], cache["A1"]
n1 = W1.shape[0]
st.header(f"Step 1 · hidden layer 1: Z1 = W1 · A0 + b1, A1 = {ACTIVATION_NAME[hp.activation]}(Z1)")
st.latex(
    rf"\underbrace{{Z^{{[1]}}}}_{{{n1} \times 1}} = \underbrace{{W^{{[1]}}}}_{{{n1} \times 784}}"
    rf"\,\underbrace{{A^{{[0]}}}}_{{784 \times 1}} + \underbrace{{b^{{[1]}}}}_{{{n1} \times 1}}"
    rf"\qquad A^{{[1]}} = {G}\left(Z^{{[1]}}\right)"
)
matrix_with_shape("W1", W1, f"W1, {n1} rows of 784 weights", "hidden unit j", "input pixel i", width=1200)
st.caption(
    "Row j holds hidden unit j's 784 weights, one per pixel. **Blue** (positive): ink on that pixel pushes "
    "z_j up; **red** (negative): ink there pulls it down. The unit's z_j is row j times the column X, plus b_j."
)
b_col, z_col, a_col = st.columns(3)
height = min(520, 120 + 28 * n1)
off = switched_off(Z1, hp.activation)
with b_col:
    column_with_shape("b1", b1, "b1", "unit j", "forward_b1", height)
with z_col:
    column_with_shape("Z1 = W1 · A0 + b1", Z1, "Z1", "unit j", "forward_Z1", height)
with a_col:
    column_with_shape(f"A1 = {ACTIVATION_NAME[hp.activation]}(Z1)", A1, "A1", "unit j", "forward_A1", height, off)
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

# Only the open tab is computed (on_change="rerun"), so a whole class opening this page at once waits less.
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
        one_unit.one_unit(W1, b1, Z1, X, j)

if rows_tab.open:
    with rows_tab:
        start = start_of_W1(model)
        if n1 <= MAX_UNIT_IMAGES:
            shown = np.arange(n1)
            st.markdown(f"Each of the {n1} rows of W1, reshaped to 28 x 28: the pattern of ink that turns that "
                        "unit on (blue) or off (red).")
        else:
            shown = np.sort(np.argsort(-Z1[:, 0])[:MAX_UNIT_IMAGES])
            st.markdown(f"Layer 1 has {n1} units; here are the {MAX_UNIT_IMAGES} with the largest Z1 for this "
                        "digit, each row of W1 reshaped to 28 x 28 (blue: ink here turns the unit on; red: off). "
                        "Any unit can be studied in the first tab.")
        views = ["change", "weights"] if start is not None else ["weights"]
        if st.session_state.get("forward_rows_view") not in views:
            st.session_state["forward_rows_view"] = views[0]
        view = st.radio("Show", views, key="forward_rows_view",
                        horizontal=True, format_func={"change": "W1 − W1 at step 0: what training changed",
                                                      "weights": "W1 as it is now"}.get,
                        help="W1 itself mixes the random start with what training added to it; W1 minus its "
                             "step-0 value shows only what training added (the start is known for a network "
                             "trained on the Training page).")
        per_line = min(5, shown.size)
        rows, what = (W1[shown] - start[shown], "change") if view == "change" else (W1[shown], "weight")
        widgets.units(rows, [f"unit {u}: z = {Z1[u, 0]:.2f}" for u in shown], what, shown,
                      f"Each row of W1{' − W1 at step 0' if view == 'change' else ''} as 28 x 28: blue positive, "
                      "red negative, white 0.", per_line)
        st.caption(rows_caption(model, view, W1, start))
if numbers_tab.open or st.session_state.get(widgets.ALL_NUMBERS):  # like every table of numbers: when asked for
    with numbers_tab:
        st.markdown("**b1, Z1 and A1, unit by unit**")
        table(pd.DataFrame({"unit j": np.arange(n1), "b1": b1[:, 0], "Z1": Z1[:, 0], "A1": A1[:, 0],
                            "switched off": Z1[:, 0] <= 0 if hp.activation == "relu" else False}))
        st.markdown(f"**W1, shape {W1.shape}** (one row per hidden unit, one column per pixel)")
        st.dataframe(tables.wide_table(W1, [f"w{i}" for i in range(784)]), width="stretch", height=260)

# --- Further hidden layers, compactly -----------------------------------------------------------------------
for l in range(2, L):
    one_unit.deeper_layer(l, params, cache, hp.activation)

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
    matrix_with_shape(f"W{L}", W_out, f"W{L}", "output unit k (digit)", f"unit of layer {L - 1}")
with b_col:
    column_with_shape(f"b{L}", b_out, f"b{L}", "digit k", "forward_b_out", width=320)
with z_col:
    column_with_shape(f"Z{L}", Z_out, f"Z{L}", "digit k", "forward_Z_out", width=320)
st.caption(f"Row k of W{L} weighs the {W_out.shape[1]} values of A{L - 1} as evidence for digit k. Z{L} holds ten "
           "scores (logits): any real numbers. Softmax turns them into probabilities.")
layer_numbers(f"The numbers: W{L}, b{L}, Z{L} and A{L}, one row per digit", "forward_numbers_output",
              ("digit k", np.arange(10)), {f"b{L}": b_out, f"Z{L}": Z_out, f"A{L}": A_out}, W_out, f"W{L}[k, {{}}]")

prob_col, answer_col = st.columns([2.2, 1])
with prob_col:
    st.markdown(f"### A{L} = softmax(Z{L}), shape {A_out.shape}")
    widgets.probabilities(A_out, predicted, label, height=460, width=800)
with answer_col:
    st.markdown("### The prediction")
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
    widgets.show_code(forward_prop, title="The code of the whole forward pass (nn_core.network.forward_prop)")
with code_right:
    widgets.show_code(g, activations.softmax,
                 title=f"The activations it calls: {ACTIVATION_NAME[hp.activation]} and softmax "
                       "(nn_core.activations)")

# --- Under the hood ---------------------------------------------------------------------------------------
st.header("Under the hood")
hood = st.expander("📈 Activation functions · 🧮 Softmax step by step · 📏 Why non-linearity?",
                   key="forward_hood_open", on_change="rerun")  # folded, and built only when opened
if hood.open:
    with hood:
        act_tab, softmax_tab, linear_tab = st.tabs(["📈 Activation functions", "🧮 Softmax step by step",
                                                    "📏 Why non-linearity?"], key="forward_hood_tab", on_change="rerun")
        if act_tab.open:
            with act_tab:
                under_the_hood.activations_tab(hp.activation)
        if softmax_tab.open:
            with softmax_tab:
                under_the_hood.softmax_tab(Z_out, L)
        if linear_tab.open:
            with linear_tab:
                under_the_hood.linear_tab(params, X, Z_out, hp.activation)

widgets.try_this(
    "**Find a mistake.** Choose *One of a chosen digit*, pick 8 (or 5), and step through them until the answer is "
    f"wrong. Which hidden units were switched on, and which row of W{L} outvoted the right digit?",
    "**Take the activation away.** On the 📉 Training page train the notebook's network with ReLU, then again with "
    "the *linear* activation, and come back: the \"Why non-linearity?\" tab shows the linear one is one matrix. "
    "Which scored higher on the dev set, and why? "
    + (under_the_hood.linear_against_relu_text(state.run_history()) or "Guess before you train."),
)
widgets.quiz(
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
    widgets.quiz(
        f"Which digit does hidden unit {v} of layer {L - 1} vote for: whose score does it raise the most when it "
        "fires?" + (" (Pick another unit in 🔍 One hidden unit above.)" if L == 2 else ""), list(range(10)), top,
        f"Column {v} of W{L} holds unit {v}'s ten weights into the scores Z{L}: the largest is W{L}[{top}, {v}] = "
        f"{votes.max():.3f}, for digit {top}, and the most negative W{L}[{bottom}, {v}] = {votes.min():.3f}, for "
        f"{bottom}. Whatever the unit outputs is multiplied by these weights and added to every score, so a positive "
        f"output raises {top} most. For this digit it outputs A{L - 1}[{v}] = {A_last[v, 0]:.3f}"
        + (" (switched off: no vote this time)." if A_last[v, 0] == 0 else "."),
        key="forward_quiz_vote")
