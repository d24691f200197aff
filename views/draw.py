"""✏️ Draw a digit: the network reads your handwriting, and shows why it answers what it does.

The drawing goes through nn_core.preprocessing.canvas_to_input (the steps MNIST's own digits went through),
then nn_core.network.forward_prop. Each output score is a sum with one term per unit of the last hidden layer,
so the page can show which units voted for the answer; one backward step on the drawing shows how the network
would learn from it.
"""

import time

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError
from streamlit_drawable_canvas import st_canvas

import ui
from nn_core import training
from nn_core.network import backward_prop, forward_prop, layer_count, one_hot, update_params
from nn_core.preprocessing import (
    EmptyCanvasError,
    canvas_to_input,
    crop_to_ink,
    fit_to_box,
    place_in_field,
    to_grey,
)

CANVAS_SIDE = 320  # canvas pixels: larger than the 280 x 280 minimum, over 300 px high, narrow enough for half a page
SMALL_DRAWING = 0.15  # ink whose longer side is under this fraction of the canvas is too small to judge
IMAGE_SIDE = 168  # preprocessing steps are resized to this many pixels (nearest neighbour) before showing
FONT = dict(size=16, color="#262730")  # dark and large: readable from the back of a classroom
BLUE, RED, GREY, LIGHT = "#2166ac", "#b2182b", "#8c8c8c", "#c6dbef"  # from the colour-blind-safe RdBu family
SHOWN_UNITS = 10  # hidden units explained one by one; wider layers show the 10 largest terms
STEP_BUDGET = 450  # mini-batch steps for the first network: 3 epochs of the sample, about 2 s
NOTEBOOK_STEPS = 250  # full-batch steps for the notebook's network here (the notebook runs 500)
NOTEBOOK_DIGITS = 9_000  # training digits for it: every full-batch step reads all of them

# This page's own session-state keys (the shared ones live in ui).
NOTEBOOK_MODEL = "draw_notebook_model"  # the notebook's 784-10-10, trained here, kept apart from the visitor's
NOTES = "draw_training_notes"  # what each network's training on this page did, for the captions
CANVAS_GENERATION = "draw_canvas_generation"  # bumped by "Clear": a new canvas key gives a fresh canvas
PENDING = "draw_pending_step"  # the "Teach it" copy of the network, until kept or thrown away
FLASH = "draw_flash"  # a message from a button, shown once

NETWORKS = {"yours": "🧠 Your network", "notebook": "📓 The notebook's 784-10-10"}


# ---------------------------------------------------------------------------------------------------------
# Training the network the page needs
# ---------------------------------------------------------------------------------------------------------


def train_model(hp, X, Y, X_dev, Y_dev, description):
    """Train a fresh network with hp on X (784, m) and Y (m,), with a progress bar; return a ui.Model."""
    steps_per_epoch = int(np.ceil(X.shape[1] / hp.batch_size)) if hp.method == "mini-batch" else 1
    total = hp.epochs * steps_per_epoch if hp.method == "mini-batch" else hp.iterations
    bar = st.progress(0.0, text="Training...")
    history, params = [], training.new_network(hp)
    steps = training.train(params, X, Y, hp, X_dev, Y_dev, eval_every=max(steps_per_epoch, 50))
    for new_params, record in steps:  # the last params yielded are the trained (or last good) ones
        params = new_params
        history.append(record)
        if record.step % max(1, total // 20) == 0:
            bar.progress(min(record.step / total, 1.0), text=f"Training: step {record.step:,} of {total:,}")
    bar.empty()
    return ui.Model(params, hp, history, history[-1].dev_accuracy, description)


def train_first_network(split, description):
    """FAST_AND_ACCURATE on the data in use, cut to about STEP_BUDGET steps. Returns (Model, note)."""
    hp = training.FAST_AND_ACCURATE
    m = split.X_train.shape[1]
    steps_per_epoch = int(np.ceil(m / hp.batch_size))
    epochs = max(1, min(hp.epochs, STEP_BUDGET // steps_per_epoch))
    note = ""
    if epochs < hp.epochs:
        note = (f"The recipe asks for {hp.epochs} epochs; on {m:,} training digits one epoch is already "
                f"{steps_per_epoch:,} steps, so this page stopped after {epochs} to keep the wait short.")
        hp = hp.with_changes(epochs=epochs)
    start = time.perf_counter()
    model = train_model(hp, split.X_train, split.Y_train, split.X_dev, split.Y_dev, description)
    return model, f"Trained here in {time.perf_counter() - start:.1f} s on {m:,} digits. {note}"


def train_notebook_network(split, description):
    """The notebook's preset (784-10-10, full batch, alpha 0.1), shortened to a few seconds. (Model, note)."""
    hp = training.NOTEBOOK
    m = min(split.X_train.shape[1], NOTEBOOK_DIGITS)
    steps = min(hp.iterations, NOTEBOOK_STEPS)
    note = ""
    if steps < hp.iterations or m < split.X_train.shape[1]:
        note = (f"The notebook runs {hp.iterations} full-batch steps on all its training digits; to keep the "
                f"wait to a few seconds this page ran {steps} steps on {m:,} digits, so it is a little less "
                "accurate. The 📉 Training page runs the whole thing.")
        hp = hp.with_changes(iterations=steps)
    start = time.perf_counter()
    model = train_model(hp, split.X_train[:, :m], split.Y_train[:m], split.X_dev, split.Y_dev, description)
    return model, f"Trained here in {time.perf_counter() - start:.1f} s. {note}"


def network_in_use(which, split, description):
    """The chosen network, training it first if this visitor has none yet. Returns (Model, note)."""
    notes = st.session_state.setdefault(NOTES, {})
    if which == "notebook":
        if NOTEBOOK_MODEL not in st.session_state:
            with st.spinner("Training the notebook's 784-10-10 (a few seconds)..."):
                st.session_state[NOTEBOOK_MODEL], notes["notebook"] = train_notebook_network(split, description)
        return st.session_state[NOTEBOOK_MODEL], notes.get("notebook", "")
    return ui.get_model(), notes.get("yours", "")


def store(which, model):
    """Put a changed network back where it came from: the visitor's own, or this page's notebook copy."""
    if which == "notebook":
        st.session_state[NOTEBOOK_MODEL] = model
    else:
        ui.set_model(model)


# ---------------------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------------------


def show(fig, key, height, axes=True):
    """Draw a plotly figure at full width, with projector-sized text and no toolbar.

    axes : False for a figure that styled its own (many) axes already.
    """
    top = fig.layout.margin.t or (50 if fig.layout.title.text else 30)
    fig = ui.restyled(fig, layout=dict(height=height, font=FONT, margin=dict(l=10, r=10, t=top, b=10)),
                      axes=dict(tickfont=dict(size=15, color=FONT["color"]), title=dict(font=FONT)) if axes else None)
    st.plotly_chart(ui.style_figure(fig), width="stretch", key=key, config={"displayModeBar": False})


def colorbar(title):
    """A colour bar with projector-sized, dark text."""
    return dict(title=dict(text=title, font=FONT), tickfont=dict(size=15, color=FONT["color"]))


def probability_bars(A, highlight):
    """The ten probabilities A (10, 1) as bars, the highlighted digit in blue."""
    p = A[:, 0]
    fig = go.Figure(go.Bar(x=np.arange(10), y=p, marker_color=[BLUE if k == highlight else GREY for k in range(10)],
                           text=[f"{v:.0%}" if v >= 0.005 else "" for v in p], textposition="outside",
                           constraintext="none", cliponaxis=False, hovertemplate="digit %{x}: %{y:.2%}<extra></extra>"))
    fig.update_xaxes(title="digit", dtick=1)
    fig.update_yaxes(title="probability", range=[0, 1.15], tickformat=".0%")
    return fig


def before_after_bars(A_before, A_after, y):
    """A (10, 1) before and after one learning step, side by side, with the true digit marked."""
    fig = go.Figure()
    fig.add_bar(x=np.arange(10), y=A_before[:, 0], name="before the step", marker_color=LIGHT,
                hovertemplate="digit %{x}: %{y:.2%}<extra>before</extra>")
    fig.add_bar(x=np.arange(10), y=A_after[:, 0], name="after the step", marker_color=BLUE,
                text=[f"{v:.0%}" if v >= 0.005 else "" for v in A_after[:, 0]], textposition="outside",
                constraintext="none", cliponaxis=False,
                hovertemplate="digit %{x}: %{y:.2%}<extra>after</extra>")
    fig.update_layout(barmode="group", showlegend=True, legend=dict(orientation="h", y=1.15, x=0, font=FONT))
    fig.update_xaxes(title=f"digit (the true one, {y}, is the one the step pushes up)", dtick=1)
    fig.update_yaxes(title="probability", range=[0, 1.15], tickformat=".0%")
    return fig


def waterfall(units, terms, off, rest, bias, Z, k, L):
    """The score Z_L[k] built up term by term: W_L[k, j] * A_(L-1)[j] for each unit j, the rest, and b_L[k].

    off : for each unit, True when it did not fire (A = 0), so its term is exactly 0.
    """
    labels = [f"unit {j}" for j in units] + (["all other units"] if rest is not None else [])
    values = list(terms) + ([rest] if rest is not None else [])
    text = ["off" if o else f"{v:+.2f}" for v, o in zip(values, list(off) + [False], strict=False)]
    labels += [f"bias b{L}[{k}]", f"= Z{L}[{k}]"]
    values += [bias, 0.0]
    text += [f"{bias:+.2f}", f"{Z:.2f}"]
    fig = go.Figure(go.Waterfall(
        x=labels, y=values, measure=["relative"] * (len(values) - 1) + ["total"],
        text=text, textposition="outside", cliponaxis=False,
        increasing=dict(marker=dict(color=BLUE)), decreasing=dict(marker=dict(color=RED)),
        totals=dict(marker=dict(color=GREY)), connector=dict(line=dict(color="#bbbbbb")),
        hovertemplate="%{x}: %{y:+.3f}<extra></extra>"))
    fig.update_yaxes(title=f"adds to the score of {k}", zeroline=True, zerolinecolor="#444444")
    fig.update_xaxes(tickangle=-35)
    return fig


def grid_height(n):
    """Screen pixels for n small images, five to a line."""
    return 60 + 230 * int(np.ceil(n / 5))


def matrix_heatmap(M, x_title, y_title, what):
    """A matrix on the diverging RdBu scale centred on 0 (blue positive, red negative)."""
    limit = float(np.max(np.abs(M))) or 1.0
    fig = go.Figure(go.Heatmap(z=M, colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit,
                               colorbar=colorbar(what),
                               hovertemplate=y_title + " %{y}, " + x_title + " %{x}<br>%{z:.4f}<extra></extra>"))
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title=y_title, autorange="reversed", dtick=1)
    return fig


def pixelated(image, side=IMAGE_SIDE):
    """A 2-D image in [0, 1] -> a (side, side, 3) uint8 picture: resized so its longer side is `side`, centred.

    Nearest neighbour keeps each of the 28 x 28 pixels a crisp square, instead of the blur a browser adds.
    A narrow image sits on a pale blue square (no grey level, so it cannot be mistaken for ink or background):
    every step shows at the same size, and its true shape.
    """
    h, w = image.shape
    scale = side / max(h, w)
    rows = np.minimum((np.arange(max(1, round(h * scale))) / scale).astype(int), h - 1)
    cols = np.minimum((np.arange(max(1, round(w * scale))) / scale).astype(int), w - 1)
    picture = np.empty((side, side, 3), dtype=np.uint8)
    picture[...] = (198, 219, 239)  # pale blue: outside the image
    top, left = (side - rows.size) // 2, (side - cols.size) // 2
    grey = np.round(np.clip(image[np.ix_(rows, cols)], 0, 1) * 255)
    picture[top:top + rows.size, left:left + cols.size] = grey[..., None]
    return picture


def size(array):
    """An array's shape the way the page writes it: "28 x 28"."""
    return " x ".join(str(n) for n in array.shape)


# ---------------------------------------------------------------------------------------------------------
# Buttons' actions (they run before the page is drawn again)
# ---------------------------------------------------------------------------------------------------------


def clear_canvas():
    """A new key gives a new, empty canvas; a taught step for the old drawing is dropped."""
    st.session_state[CANVAS_GENERATION] = st.session_state.get(CANVAS_GENERATION, 0) + 1
    st.session_state.pop(PENDING, None)


def percent(value):
    """0.948 -> "94.8%"; None -> "unknown"."""
    return "unknown" if value is None else f"{value:.1%}"


def dev_accuracy_of(params, hp):
    """Accuracy on the dev set this network is judged on, or None when the data in use cannot give one."""
    try:
        split = ui.data_split(hp.dev_size, hp.seed)
    except ValueError:
        return None
    return training.evaluate(params, split.X_dev, split.Y_dev, hp.activation)[1]


def keep_step(which, model):
    """Make the taught copy the network in use, with the dev accuracy it was measured at."""
    pending = st.session_state.pop(PENDING)
    store(which, ui.Model(pending["params"], model.hp, model.history, pending["dev_accuracy"],
                          model.data_description))
    before, after = percent(model.dev_accuracy), percent(pending["dev_accuracy"])
    st.session_state[FLASH] = (f"✅ Kept. The network learned that this drawing is a {pending['y']}. "
                               f"Its dev accuracy went from {before} to {after}.")


def throw_away_step():
    """Forget the taught copy."""
    st.session_state.pop(PENDING, None)
    st.session_state[FLASH] = "🗑️ Thrown away: the network is exactly as it was."


# ---------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------

st.title("✏️ Draw a digit")
ui.explain(
    """
Draw a digit with the mouse: white ink on black, like MNIST. The moment you lift the mouse, the drawing is
turned into the 784 numbers the network reads (the same way MNIST's own digits were prepared), and the
network answers. Below, you see **what it sees**, **why it answers what it does** (every output score is a
sum you can check), and what **one step of learning** from your drawing would change.
"""
)

# --- The network --------------------------------------------------------------------------------------------
st.subheader("🧠 The network that reads your digit")
# One container, however much it holds (spinners, progress bars, notes): the canvas below keeps its place
# on the page from one run to the next, so Streamlit does not redraw it empty.
with st.container():
    try:
        split = ui.data_split(training.FAST_AND_ACCURATE.dev_size, training.FAST_AND_ACCURATE.seed)
    except ValueError as error:
        st.error(f"The digits in use cannot be split into training and dev sets: {error}")
        st.stop()
    data = ui.digits()
    if ui.get_model() is None:
        with st.spinner("You have no network yet: training one for you (a couple of seconds)..."):
            first, first_note = train_first_network(split, data.description)
        st.session_state.setdefault(NOTES, {})["yours"] = first_note
        ui.set_model(first)

    which = st.radio("Which network reads your drawing?", list(NETWORKS), format_func=NETWORKS.get, horizontal=True,
                     key="draw_network",
                     help="Your network is the one from the 📉 Training page (or the one this page trained for you). "
                          "The notebook's 784-10-10 is the original, smaller network: switch to compare how the two "
                          "read the same drawing. The first switch trains it, which takes a few seconds.")
    model, note = network_in_use(which, split, data.description)
    params, hp = model.params, model.hp
    L = layer_count(params)
    st.markdown(f"**{NETWORKS[which]}:** {model.describe()}")
    if note:
        st.caption(note)
    if not model.trained:
        st.warning("This network is untrained (freshly initialised), so its answers are guesses. Train it on the "
                   "📉 Training page, or switch to the notebook's network above.")

# --- Draw -----------------------------------------------------------------------------------------------------
st.subheader("✏️ Draw")
left, right = st.columns(2, gap="medium")
with left:
    stroke = st.slider("Pen width (canvas pixels)", 8, 48, 24, key="draw_stroke",
                       help="How thick your strokes are. MNIST's strokes are about a tenth of the digit's height: "
                            "around 24 here. Very thin or very fat strokes look unlike MNIST, and the network "
                            "gets less sure. Changing it affects your next strokes only.")
    canvas = st_canvas(stroke_width=stroke, stroke_color="#FFFFFF", background_color="#000000",
                       height=CANVAS_SIDE, width=CANVAS_SIDE, drawing_mode="freedraw", update_streamlit=True,
                       return_image_data=True, key=f"draw_canvas_{st.session_state.get(CANVAS_GENERATION, 0)}")
    st.caption("Move the mouse over the canvas to see its toolbar (top right): ↶ undo a stroke, ↷ redo it, "
               "🗑 clear everything.")
    st.button("🧽 Clear the canvas", key="draw_clear", on_click=clear_canvas,
              help="Start again on an empty canvas (the same as the canvas toolbar's bin).")
    skip_centring = st.toggle("Skip the centring step", key="draw_skip_centring",
                              help="MNIST moved every digit so that the centre of mass of its ink sits at the "
                                   "middle of the 28 x 28 field. Switch this on to centre the ink's bounding box "
                                   "instead, and watch the prediction change: the network only knows digits "
                                   "centred the MNIST way.")

x = x_other = steps = None
try:
    rgba = canvas.image_data  # (H, W, 4) uint8, or None before the first stroke
except (OSError, ValueError) as error:  # an image the browser sent that cannot be decoded
    st.error(f"The drawing could not be read as an image ({error}). Clear the canvas and draw again.")
    rgba = None
started = time.perf_counter()
if rgba is not None:
    try:
        x, steps = canvas_to_input(rgba, center=not skip_centring, return_steps=True)  # x: (784, 1)
        x_other = canvas_to_input(rgba, center=skip_centring)  # the same drawing, centred the other way
    except EmptyCanvasError:
        x = None
    except ValueError as error:
        st.error(str(error))
        x = None

with right:
    if x is None:
        st.info("✏️ Draw a digit (0 to 9) on the black canvas. The network answers as soon as you lift the mouse.")
        st.stop()
    cache = forward_prop(params, x, hp.activation)
    A, Z = cache[f"A{L}"], cache[f"Z{L}"]  # (10, 1) probabilities and scores
    order = np.argsort(-A[:, 0])
    k, runner_up = int(order[0]), int(order[1])
    elapsed_ms = (time.perf_counter() - started) * 1000
    st.session_state[ui.DRAWN] = x.astype(np.float32)
    first_metric, second_metric = st.columns(2)
    first_metric.metric("Prediction", k, help="The digit with the highest probability: argmax of A.")
    second_metric.metric("Confidence", f"{A[k, 0]:.1%}", help=f"The probability the network gives to {k}.")
    show(probability_bars(A, k), "draw_probabilities", 320)
    with st.expander("The numbers behind the bars"):
        st.dataframe(pd.DataFrame({"digit": np.arange(10), f"Z{L} (score)": Z[:, 0], f"A{L} (probability)": A[:, 0]}),
                     hide_index=True, width="stretch")
    A_other = forward_prop(params, x_other, hp.activation)[f"A{L}"]
    k_other = int(np.argmax(A_other))
    if skip_centring:
        change = "a different answer" if k_other != k else "the same answer"
        if k_other == k and abs(A[k, 0] - A_other[k, 0]) < 0.005:
            change += ": for this drawing the two centres almost coincide (a 7, with its heavy top bar, shows it best)"
        st.warning(f"**Without centring** (bounding box in the middle) it reads **{k}** ({A[k, 0]:.0%}). "
                   f"**With centring** by mass, as MNIST did, it reads **{k_other}** ({A_other[k_other, 0]:.0%}): "
                   f"{change}.")
    st.caption(f"Prepared and read in {elapsed_ms:.0f} ms. Second guess: {runner_up} ({A[runner_up, 0]:.1%}).")
    ink_h, ink_w = steps["cropped to the ink"].shape
    if max(ink_h, ink_w) < SMALL_DRAWING * max(rgba.shape[:2]):
        st.warning(f"This drawing is small: {ink_h} x {ink_w} pixels of the {rgba.shape[0]} x {rgba.shape[1]} "
                   "canvas. Like every digit it is blown up to fill 20 x 20, so a dot becomes a blob and the answer "
                   "means little. Draw larger, over most of the canvas, for a fair test.")

# --- What the network sees ---------------------------------------------------------------------------------
st.subheader("👀 What the network sees")
ui.explain(
    "MNIST's digits were cropped to their ink, scaled so the longer side is 20 pixels, and placed in a 28 x 28 "
    "field with the centre of mass of the ink in the middle. Your drawing goes through the same steps; the last "
    "image is the column x of 784 numbers the network multiplies by W1."
)
images = [(rgba, f"① the canvas: {size(rgba)} numbers 0..255 (red, green, blue, opacity)")]
names = list(steps)
images += [(pixelated(steps[names[0]]), f"② in grey: {size(steps[names[0]])}, each pixel 0..1")]
images += [(pixelated(steps[names[1]]), f"③ cropped to the ink: {size(steps[names[1]])}")]
images += [(pixelated(steps[names[2]]), f"④ scaled to fit 20 x 20: {size(steps[names[2]])}")]
images += [(pixelated(steps[names[3]]), f"⑤ {names[3]}: what the network reads (x, 784 x 1)")]
if skip_centring:
    images += [(pixelated(x_other.reshape(28, 28)), f"with centring by mass: reads {k_other}")]
mnist_rows = np.flatnonzero(data.labels == k)
if mnist_rows.size:
    example = data.images[mnist_rows[0]].reshape(28, 28) / 255
    images += [(pixelated(example), f"a real MNIST {k}, for comparison ({data.source})")]
for start in range(0, len(images), 4):  # four to a row, so they stay large on a narrow screen too
    for column, (image, caption) in zip(st.columns(4), images[start:start + 4], strict=False):  # last row: fewer
        column.image(image, caption=caption, width="stretch")
ui.show_code(canvas_to_input, to_grey, crop_to_ink, fit_to_box, place_in_field,
             title="The code that prepares the drawing (nn_core.preprocessing)")

# --- Why this answer -----------------------------------------------------------------------------------------
st.subheader("🔍 Why this answer")
A_prev = x if L == 1 else cache[f"A{L - 1}"]  # the last hidden layer's activations, (n, 1)
W, b = params[f"W{L}"], params[f"b{L}"]  # (10, n), (10, 1)
n = W.shape[1]
ui.explain(
    f"The probabilities come from the scores Z{L} = W{L} A{L - 1} + b{L} by softmax, which keeps their order: the "
    f"largest score wins. Each score is a sum with **one term per hidden unit**: how strongly the unit fired "
    f"(A{L - 1}[j]) times how much the output trusts it (W{L}[k, j]), plus a bias."
)
st.latex(rf"Z^{{[{L}]}}_k = \sum_{{j=0}}^{{{n - 1}}} W^{{[{L}]}}_{{k,j}}\, A^{{[{L - 1}]}}_j + b^{{[{L}]}}_k")
ui.show_code(forward_prop, title="The code that computes the scores (nn_core.network.forward_prop)")
if L > 2:
    st.info(f"This network has {L - 1} hidden layers: the terms below come from the **last** hidden layer, "
            f"A{L - 1}. Its units look at layer {L - 2}, not at pixels, so they have no 28 x 28 picture.")
if n > SHOWN_UNITS:
    st.caption(f"The last hidden layer has {n} units: the bars show the {SHOWN_UNITS} largest terms (by size) and "
               f"add the other {n - SHOWN_UNITS} together.")
times_x = L == 2 and st.toggle(
    "Multiply each unit's weights by your drawing", key="draw_times_x",
    help="Off: each hidden unit's weights W1[j], what it looks for anywhere. On: W1[j] * x, pixel by pixel, what it "
         "found in your drawing; those 784 numbers plus the bias b1[j] add up to Z1[j].")
for tab, digit, role in zip(st.tabs([f"🥇 Why {k} (the answer)", f"🥈 Why not {runner_up} (the runner-up)"]),
                            (k, runner_up), ("answer", "runner-up"), strict=True):
    with tab:
        terms = W[digit] * A_prev[:, 0]  # (n,): W_L[k, j] * A_(L-1)[j]
        units = np.argsort(-np.abs(terms), kind="stable")[:SHOWN_UNITS]
        rest = float(terms.sum() - terms[units].sum()) if n > SHOWN_UNITS else None
        total = float(terms.sum() + b[digit, 0])
        show(waterfall(units, terms[units], A_prev[units, 0] == 0, rest, float(b[digit, 0]), total, digit, L),
             f"draw_terms_{role}", 420)
        st.latex(rf"\underbrace{{{terms.sum():.4f}}}_{{\text{{sum of the {n} terms}}}} + "
                 rf"\underbrace{{({b[digit, 0]:.4f})}}_{{b^{{[{L}]}}_{{{digit}}}}} = {total:.4f}")
        if np.isclose(total, Z[digit, 0], rtol=1e-4, atol=1e-4):
            st.markdown(f"✅ **Check:** the bars add up to {total:.4f}, and forward_prop computed "
                        f"Z{L}[{digit}] = {Z[digit, 0]:.4f}: the same number.")
        else:
            st.error(f"The bars add up to {total:.4f} but forward_prop computed Z{L}[{digit}] = {Z[digit, 0]:.4f}.")
        if L == 2:
            if times_x:
                st.markdown("Each unit's weights times your drawing, W1[j] * x pixel by pixel, in the order of the "
                            "bars: what the unit found in your drawing (blue: evidence for firing, red: against). "
                            "These 784 numbers plus b1[j] add up to Z1[j]; A1[j] = ReLU(Z1[j]).")
            else:
                st.markdown(f"Each unit's weights W1[j] as a 28 x 28 picture, in the order of the bars (blue: ink "
                            f"there makes the unit fire more, red: less). Its activation A1[j] is how strongly it "
                            f"fired on your drawing; a unit that is off (A1 = 0) adds nothing to the score of {digit}.")
            titles = [f"unit {j}: off (A1 = 0)<br>term 0" if A_prev[j, 0] == 0 else
                      f"unit {j}: A1 = {A_prev[j, 0]:.2f}<br>term {terms[j]:+.2f}" for j in units]
            rows = params["W1"][units] * x[:, 0] if times_x else params["W1"][units]  # (10, 784)
            show(ui.unit_images(rows, titles, "W1 * x" if times_x else "W1", font=FONT), f"draw_units_{role}",
                 grid_height(len(units)), axes=False)
        with st.expander("The numbers behind the bars" + (" and the pictures" if L == 2 else "")):
            st.dataframe(pd.DataFrame({"unit j": units, f"A{L - 1}[j]": A_prev[units, 0],
                                       f"W{L}[{digit}, j]": W[digit, units], "term": terms[units]}),
                         hide_index=True)
            st.dataframe(pd.DataFrame({"bar": (["all other units"] if rest is not None else [])
                                       + [f"bias b{L}[{digit}]", f"= Z{L}[{digit}]"],
                                       "value": ([rest] if rest is not None else []) + [float(b[digit, 0]), total]}),
                         hide_index=True)
            if L == 2:
                st.caption(f"{'W1[j] * x' if times_x else 'W1[j]'} of each unit pictured above, one column per pixel:")
                st.dataframe(ui.wide_table(rows, [f"pixel {i}" for i in range(rows.shape[1])],
                                           [f"unit {j}" for j in units], "unit"), height=260)

# --- Teach it ---------------------------------------------------------------------------------------------
st.subheader("🎓 Teach it")
ui.explain(
    "Tell the network what your digit really is, and see **one step of backpropagation on this single "
    "example**: the error at the output, the gradients it sends back, and the answer after the update. The step "
    "changes a copy of the network: keep it, or throw it away."
)
true_column, alpha_column, button_column = st.columns([2, 3, 2], vertical_alignment="bottom")
y = true_column.selectbox("What digit is it really?", range(10), index=k, key="draw_true_digit",
                          help="The label y for this one example. Pick the digit you meant; if the network got it "
                               "wrong, the step pushes its probability up.")
alpha = alpha_column.slider("Learning rate α for this step", 0.01, 1.0, float(min(max(hp.alpha, 0.01), 1.0)),
                            step=0.01, key="draw_alpha",
                            help=f"How big the step is: W ← W − α dW. It starts at your network's own α "
                                 f"({hp.alpha:g}). Larger steps change the answer more, and can spoil what the "
                                 "network learned from the other digits.")
if button_column.button("🎓 Take one step", key="draw_teach", type="primary",
                        help="Compute one gradient-descent step on your drawing with the label and α chosen here. "
                             "Nothing changes until you press Keep."):
    grads = backward_prop(params, cache, x, np.array([y]), hp.activation)  # m = 1
    new_params = update_params(params, grads, alpha)
    st.session_state[PENDING] = dict(x=x, y=y, alpha=alpha, which=which, base=params, grads=grads,
                                     params=new_params, dev_accuracy=dev_accuracy_of(new_params, hp))

pending = st.session_state.get(PENDING)
if pending is not None and (pending["which"] != which or pending["base"] is not params or pending["y"] != y
                            or pending["alpha"] != alpha or not np.array_equal(pending["x"], x)):
    st.session_state.pop(PENDING)  # the drawing, the network, y or alpha changed since: that step no longer applies
    pending = None
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))
if y == k and A[k, 0] > 0.99:
    st.caption(f"The network is already {A[k, 0]:.1%} sure it is a {k}, so a step with y = {k} changes almost "
               "nothing. Pick another digit to see the network being corrected.")
if pending is not None:
    y, grads = pending["y"], pending["grads"]
    dZ = A - one_hot(np.array([y]), 10, A.dtype)  # (10, 1), the error at the output
    st.latex(rf"dZ^{{[{L}]}} = A^{{[{L}]}} - \mathrm{{one\_hot}}(y = {y}) \qquad "
             rf"dW^{{[{L}]}} = dZ^{{[{L}]}} A^{{[{L - 1}]\top}} \qquad dW^{{[1]}} = dZ^{{[1]}} X^\top"
             rf"\qquad (m = 1)")
    st.markdown(f"dZ{L} is negative for {y}, where A{L} should have been 1 (the step pushes it up), and positive "
                f"for every other digit (pushed down). With a single example, m = 1: no averaging.")
    error_column, dW_column = st.columns(2)
    with error_column:
        fig = go.Figure(go.Bar(x=np.arange(10), y=dZ[:, 0], marker_color=np.where(dZ[:, 0] >= 0, RED, BLUE),
                               text=[f"{v:+.2f}" if abs(v) >= 0.005 else "" for v in dZ[:, 0]],
                               textposition="outside", constraintext="none", cliponaxis=False,
                               hovertemplate="digit %{x}: %{y:+.4f}<extra></extra>"))
        fig.update_xaxes(title="digit", dtick=1)
        fig.update_yaxes(title=f"dZ{L} (10 x 1)", range=[-1.2, 1.2])
        fig.update_layout(title=f"dZ{L}: {size(dZ)}, one number per digit")
        show(fig, "draw_dZ", 360)
    with dW_column:
        dW = grads[f"dW{L}"]
        fig = matrix_heatmap(dW, f"hidden unit j of layer {L - 1}", "digit k", f"dW{L}")
        fig.update_layout(title=f"dW{L}: {size(dW)}, one row per digit")
        show(fig, "draw_dW_last", 360)
    dW1 = grads["dW1"]
    rows = np.argsort(-np.abs(dW1).sum(axis=1), kind="stable")[:SHOWN_UNITS]
    st.markdown(f"dW1 is {size(dW1)}: each row, one hidden unit's 784 weight changes, drawn as 28 x 28. It is "
                "your drawing scaled by that unit's error dZ1[j], so the change sits where you put ink; a unit "
                "that was switched off (A1 = 0) gets no change at all. The update subtracts α dW1: where a picture "
                "is blue, those weights go down; where it is red, they go up."
                + (f" The {len(rows)} rows with the largest changes are shown." if dW1.shape[0] > SHOWN_UNITS else ""))
    dZ1 = dW1 @ x[:, 0] / (x[:, 0] @ x[:, 0])  # with m = 1, dW1 = dZ1 x^T, so dW1 x = dZ1 (x . x)
    show(ui.unit_images(dW1[rows], [f"unit {j}<br>dZ1 = {dZ1[j]:+.3g}" for j in rows], "dW1", font=FONT), "draw_dW1",
         grid_height(len(rows)), axes=False)
    st.latex(rf"W \leftarrow W - \alpha\, dW,\quad b \leftarrow b - \alpha\, db \qquad (\alpha = {pending['alpha']:g})")
    A_after = forward_prop(pending["params"], x, hp.activation)[f"A{L}"]
    k_after = int(np.argmax(A_after))
    before_column, after_column, dev_column = st.columns(3)
    before_column.metric(f"Probability of {y}, before", f"{A[y, 0]:.1%}")
    after_column.metric("Prediction after the step", k_after, delta=f"{A_after[y, 0] - A[y, 0]:+.1%} for {y}",
                        help=f"The answer of the changed copy, and how the probability of {y} moved.")
    dev_before, dev_after = model.dev_accuracy, pending["dev_accuracy"]
    dev_column.metric("Dev accuracy after the step", percent(dev_after),
                      delta=None if None in (dev_before, dev_after) else f"{dev_after - dev_before:+.1%}",
                      help="The changed copy measured on the dev set: what this one step did to every other "
                           "digit. A big step on one example can undo much of the training.")
    show(before_after_bars(A, A_after, y), "draw_before_after", 360)
    with st.expander("The numbers behind these charts"):
        st.dataframe(pd.DataFrame({"digit": np.arange(10), f"dZ{L}": dZ[:, 0], f"A{L} before": A[:, 0],
                                   f"A{L} after": A_after[:, 0]}), hide_index=True, width="stretch")
        st.caption(f"dW{L} ({size(dW)}): row k is digit k, column j is hidden unit j.")
        st.dataframe(pd.DataFrame(dW, columns=[f"unit {j}" for j in range(dW.shape[1])]), width="stretch")
        st.caption("dW1 of each unit pictured above, one column per pixel:")
        st.dataframe(ui.wide_table(dW1[rows], [f"pixel {i}" for i in range(dW1.shape[1])],
                                   [f"unit {j}" for j in rows], "unit"), height=260)
    if k_after == y != k:
        st.info(f"One step on this one drawing was enough to turn the answer from {k} into {y}. That is why training "
                "averages the gradient over many examples and takes small steps: a single example pulls the whole "
                "network towards itself. The dev accuracy above shows what it cost on every other digit.")
    keep_column, discard_column = st.columns(2)
    keep_column.button("✅ Keep this change", key="draw_keep", on_click=keep_step, args=(which, model),
                       help="Make the changed copy your network (on every page). Its dev accuracy is measured "
                            "again, so you can see whether one drawing helped or hurt.")
    discard_column.button("🗑️ Throw it away", key="draw_discard", on_click=throw_away_step,
                          help="Forget the step; the network stays exactly as it was.")
ui.show_code(backward_prop, update_params, title="The code of this step (nn_core.network)")

# --- Follow it further ---------------------------------------------------------------------------------------
st.subheader("➡️ Follow this digit through the network")
if st.button("➡️ Open this digit on the forward-pass page", key="draw_open_forward",
             help="Shows your drawing, as the 784 numbers above, going through every matrix of the network "
                  "on the Forward pass page."):
    st.session_state[ui.DRAWN] = x.astype(np.float32)  # (784, 1)
    st.session_state["forward_source"] = "drawn"
    try:
        st.switch_page("views/forward.py")
    except StreamlitPageNotFoundError:  # the page was started on its own, without the app's navigation
        st.error("The Forward pass page is not part of this app run: start the whole app with "
                 "`streamlit run app.py`.")
