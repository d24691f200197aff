"""✏️ Draw a digit: the network reads your handwriting, and shows why it answers what it does.

The drawing goes through nn_core.preprocessing.canvas_to_input (the steps MNIST's own digits went through),
then nn_core.network.forward_prop. Each output score is a sum with one term per unit of the last hidden layer,
so the page can show which units voted for the answer; one backward step on the drawing shows how the network
would learn from it (networks.py, why.py, one_step.py, beside this script). Two folded parts (handwriting.py
and shifted.py): the visitor's ten digits as a test set, and the drawing moved, turned and thickened.
"""

import time

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError
from streamlit_drawable_canvas import st_canvas

from dashboard import state, widgets
from dashboard.pictures import pixelated
from nn_core import training
from nn_core.network import backward_prop, forward_prop, layer_count, update_params
from nn_core.preprocessing import (
    EmptyCanvasError,
    canvas_to_input,
    crop_to_ink,
    fit_to_box,
    place_in_field,
    to_grey,
)
from views.draw import handwriting, networks, one_step, shifted, why
from views.draw.networks import CANVAS_GENERATION, FLASH, NETWORKS, PENDING, clear_canvas, network_in_use
from views.draw.one_step import size
from views.draw.why import SHOWN_UNITS

CANVAS_SIDE = 320  # canvas pixels: larger than the 280 x 280 minimum, over 300 px high, narrow enough for half a page
SMALL_DRAWING = 0.15  # ink whose longer side is under this fraction of the canvas is too small to judge
# The answer in one line under the canvas, only where Streamlit stacks the columns (640 px wide or less, a
# phone): on a wider screen the answer stands beside the canvas, larger, and the line would say it twice.
READ_AS_CSS = """<style>
.st-key-draw_under_canvas > :has(> .st-key-draw_read_as), .st-key-draw_read_as { display: none; }
.st-key-draw_read_as p { font-size: 1.3rem; }
@media (max-width: 640px) {
  .st-key-draw_under_canvas > :has(> .st-key-draw_read_as) { display: flex; flex: 1 1 12rem; }
  .st-key-draw_read_as { display: flex; }
  .st-key-draw_under_canvas > .st-key-draw_stroke { flex: 1 1 100%; }  /* the pen's width: a row of its own */
}
</style>"""

st.title("✏️ Draw a digit")
widgets.explain(
    """
Draw a digit with your mouse or finger: white ink on black, like MNIST. The moment you let go, the drawing is
turned into the 784 numbers the network reads (the same way MNIST's own digits were prepared), and the
network answers. Below, you see **what it sees**, **why it answers what it does** (every output score is a
sum you can check), and what **one step of learning** from your drawing would change.
"""
)

# --- Draw, and the network that reads it ---------------------------------------------------------------------
# The canvas comes first, in a place that does not move from one run to the next (so Streamlit never redraws it
# empty), and on the first screen of a projector; the network and its answer sit beside it. On a phone the two
# columns stand one above the other, so the answer would come after the canvas's settings: there a short line
# right under the canvas says it (READ_AS_CSS), with 🧽 Clear beside it for the next digit.
st.html(READ_AS_CSS)
left, right = st.columns(2, gap="medium")
with left:
    canvas = st_canvas(stroke_width=st.session_state.get("draw_stroke", 24), stroke_color="#FFFFFF",
                       background_color="#000000", height=CANVAS_SIDE, width=CANVAS_SIDE, drawing_mode="freedraw",
                       update_streamlit=True, return_image_data=True,
                       key=f"draw_canvas_{st.session_state.get(CANVAS_GENERATION, 0)}")
    with st.container(horizontal=True, vertical_alignment="center", key="draw_under_canvas"):
        read_as = st.container(width="content", key="draw_read_as")  # filled in below, once the drawing is read
        st.button("🧽 Clear", key="draw_clear", on_click=clear_canvas,
                  help="Start again on an empty canvas (the same as the canvas toolbar's bin).")
        st.slider("Pen width (canvas pixels)", 8, 48, 24, key="draw_stroke",
                  help="How thick your strokes are. MNIST's strokes are about a tenth of the digit's height: "
                       "around 24 here. Very thin or very fat strokes look unlike MNIST, and the network "
                       "gets less sure. Changing it affects your next strokes only.")
    st.caption("With a mouse, the canvas shows its toolbar (top right) while the pointer is over it: ↶ undo a "
               "stroke, ↷ redo it, 🗑 clear everything. With a finger, 🧽 Clear starts again.")
    skip_centring = st.toggle("Skip the centring step", key="draw_skip_centring",
                              help="MNIST moved every digit so that the centre of mass of its ink sits at the "
                                   "middle of the 28 x 28 field. Switch this on to centre the ink's bounding box "
                                   "instead, and watch the prediction change: the network only knows digits "
                                   "centred the MNIST way.")

with right:
    answer = st.container()  # the network's answer, filled in below, at the top of the column: on the first screen
    try:
        split = state.data_split(state.dev_size() or training.NOTEBOOK.dev_size)
    except ValueError as error:
        st.error(f"The digits in use cannot be split into training and dev sets: {error}")
        st.stop()
    data = state.digits()
    options = networks.networks()
    if st.session_state.get("draw_network") not in options:
        st.session_state["draw_network"] = options[0]
    which = st.radio("Which network reads your drawing?", options, format_func=NETWORKS.get, horizontal=True,
                     key="draw_network",
                     help="Your network is the one you trained (or loaded) on the 📉 Training page, as it is now. "
                          "The notebook's 784-10-10 is the lesson's network, trained once on this server: switch to "
                          "compare how the two read the same drawing.")
    model, note = network_in_use(which, split, data.description)
    params, hp = model.params, model.hp
    L = layer_count(params)
    st.markdown(f"**{NETWORKS[which]}:** {model.describe()}")
    if options == ["notebook"]:
        note += " You have no network of your own yet: train one on the 📉 Training page and it appears here."
    if note:
        st.caption(note)
    if not model.trained:
        st.warning("This network is untrained (freshly initialised), so its answers are guesses. Train it on the "
                   "📉 Training page, or switch to the notebook's network above.")
    elif model.training:
        st.info("Your network is still training on the 📉 Training page: each drawing is read by its weights at "
                "that moment.")

handwriting.test_set(which, model, split)  # its own canvas: shown even before a drawing up here

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

with answer:
    if x is None:
        read_as.markdown("✏️ Draw a digit above.")
        st.info("✏️ Draw a digit (0 to 9) on the black canvas. The network answers as soon as you lift the mouse "
                "button or your finger.")
        st.stop()
    cache = forward_prop(params, x, hp.activation)
    A, Z = cache[f"A{L}"], cache[f"Z{L}"]  # (10, 1) probabilities and scores
    order = np.argsort(-A[:, 0])
    k, runner_up = int(order[0]), int(order[1])
    elapsed_ms = (time.perf_counter() - started) * 1000
    st.session_state[state.DRAWN] = x.astype(np.float32)
    guess = "" if model.trained else " (an untrained network's guess)"
    read_as.markdown(f"Read as **{k}**, {A[k, 0]:.0%} sure{guess}")
    first_metric, second_metric = st.columns(2)
    first_metric.metric("Prediction", k, help="The digit with the highest probability: argmax of A.")
    second_metric.metric("Confidence", f"{A[k, 0]:.1%}", help=f"The probability the network gives to {k}.")
    widgets.probabilities(A, k, height=300, width=570)
    if box := widgets.numbers_box("The numbers behind the bars", "draw_numbers_bars"):
        with box:
            st.dataframe(pd.DataFrame({"digit": np.arange(10), f"Z{L} (score)": Z[:, 0],
                                       f"A{L} (probability)": A[:, 0]}), hide_index=True, width="stretch")
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

shifted.moved_digit(model, x, A, k)

# --- What the network sees ---------------------------------------------------------------------------------
st.header("👀 What the network sees")
widgets.explain(
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
        column.image(image, caption=caption, width="stretch", alt=caption)
widgets.show_code(canvas_to_input, to_grey, crop_to_ink, fit_to_box, place_in_field,
             title="The code that prepares the drawing (nn_core.preprocessing)")

# --- Why this answer -----------------------------------------------------------------------------------------
st.header("🔍 Why this answer")
A_prev = x if L == 1 else cache[f"A{L - 1}"]  # the last hidden layer's activations, (n, 1)
W, b = params[f"W{L}"], params[f"b{L}"]  # (10, n), (10, 1)
n = W.shape[1]
widgets.explain(
    f"The probabilities come from the scores Z{L} = W{L} A{L - 1} + b{L} by softmax, which keeps their order: the "
    f"largest score wins. Each score is a sum with **one term per hidden unit**: how strongly the unit fired "
    f"(A{L - 1}[j]) times how much the output trusts it (W{L}[k, j]), plus a bias."
)
st.latex(rf"Z^{{[{L}]}}_k = \sum_{{j=0}}^{{{n - 1}}} W^{{[{L}]}}_{{k,j}}\, A^{{[{L - 1}]}}_j + b^{{[{L}]}}_k")
widgets.show_code(forward_prop, title="The code that computes the scores (nn_core.network.forward_prop)")
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
why_tabs = st.tabs([f"🥇 Why {k} (the answer)", f"🥈 Why not {runner_up} (the runner-up)"], key="draw_why_tab",
                   on_change="rerun")
for tab, digit, role in zip(why_tabs, (k, runner_up), ("answer", "runner-up"), strict=True):
    if tab.open:  # only the tab in view is built: a drawing redraws this page at every stroke
        with tab:
            why.why_digit(digit, role, params, x, A_prev, Z, L, times_x)

# --- Teach it ---------------------------------------------------------------------------------------------
st.header("🎓 Teach it")
widgets.explain(
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
                                     params=new_params, dev_accuracy=state.dev_accuracy_of(new_params, hp))

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
    one_step.taught_step(pending, which, model, x, A, k, L)
widgets.show_code(backward_prop, update_params, title="The code of this step (nn_core.network)")

# --- Follow it further ---------------------------------------------------------------------------------------
st.header("➡️ Follow this digit through the network")
if st.button("➡️ Open this digit on the forward-pass page", key="draw_open_forward",
             help="Shows your drawing, as the 784 numbers above, going through every matrix of the network "
                  "on the Forward pass page."):
    st.session_state[state.DRAWN] = x.astype(np.float32)  # (784, 1)
    st.session_state["forward_source"] = "drawn"
    try:
        st.switch_page("views/forward/page.py")
    except StreamlitPageNotFoundError:  # the page was started on its own, without the app's navigation
        st.error("The Forward pass page is not part of this app run: start the whole app with "
                 "`streamlit run app.py`.")
