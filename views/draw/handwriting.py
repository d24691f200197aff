"""The Draw page's "Your handwriting as a test set": the visitor draws every digit 0 to 9 on a canvas of its own,
the network is scored on those ten against its dev set, and one gradient step on all ten at once shows what
learning them costs the digits it already knew.

The ten drawings live in the visitor's session, as the columns the network reads. The step changes the network
this page reads with for this visitor only: their own, or their copy of the notebook's network (the shared one,
which every visitor reads, is never changed), and it can be undone. The kept drawings can be added to the class's
set (class_set.py); a drawing too small to be a digit is not kept.
"""

import base64
import binascii
import io

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from PIL import Image

from dashboard import plotly_charts, state, widgets
from dashboard.pictures import mosaic, pixelated
from dashboard.plotly_charts import PICTURE
from dashboard.widgets import show
from nn_core.network import backward_prop, forward_prop, layer_count, update_params
from nn_core.preprocessing import EmptyCanvasError, canvas_to_input
from views.draw import class_set
from views.draw.networks import NOTEBOOK_MODEL, percent_text, store

CANVAS_SIDE = 320  # as the page's own canvas: the same drawing gives the same 784 numbers

# Session-state keys of this part.
MINE = "draw_mine"  # {digit: x (784, 1) float32}: the visitor's drawings, as the network reads them
GENERATION = "draw_mine_generation"  # bumped after each kept drawing: a new canvas key gives an empty canvas
TARGET = "draw_mine_target"  # the digit the visitor is asked to draw
STEP = "draw_mine_last_step"  # the last step on the ten: the network before the first step, and the scores
FLASH = "draw_mine_flash"  # a message from a button, shown once
OPEN = "draw_mine_open"  # the expander: its content is built only while it is open


# ---------------------------------------------------------------------------------------------------------
# Buttons' actions (they run before the page is drawn again)
# ---------------------------------------------------------------------------------------------------------


def canvas_key():
    """The guided canvas's key: a new one after each kept drawing, so the next digit starts on an empty canvas."""
    return f"draw_mine_canvas_{st.session_state.get(GENERATION, 0)}"


class TooSmallError(ValueError):
    """The ink is too small to be a digit (a dot, a tick): see class_set.too_small."""


def drawing_on_canvas():
    """The guided canvas's drawing as the network reads it, x (784, 1) float32, or None when it is empty.

    Read from the canvas's own value in the session (the PNG the browser sent with this very click), not from
    the page's last run, which a quick click may have cut short. Raises ValueError for an image that cannot be
    read, TooSmallError for ink too small to be a digit."""
    value = st.session_state.get(canvas_key())
    url = ((value or {}).get("drawing") or {}).get("data") if isinstance(value, dict) else None
    if not url or ";base64," not in url:
        return None
    try:
        rgba = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(";base64,", 1)[1]))))
        x, steps = canvas_to_input(rgba, return_steps=True)  # x (784, 1)
    except EmptyCanvasError:
        return None
    except (OSError, ValueError, binascii.Error) as error:
        raise ValueError(f"The drawing could not be read ({error}). Clear the canvas and draw again.") from error
    ink = steps["cropped to the ink"].shape
    if class_set.too_small(ink, rgba.shape):
        raise TooSmallError(f"its ink is only {ink[0]} x {ink[1]} pixels of the {rgba.shape[0]} x {rgba.shape[1]} "
                            "canvas")
    return x.astype(np.float32)


def keep_drawing():
    """Keep the guided canvas's drawing as the visitor's `TARGET`, give them an empty canvas, and ask for the
    next digit they have not drawn yet. An empty canvas is refused with a message."""
    digit = st.session_state.get(TARGET, 0)
    try:
        x = drawing_on_canvas()
    except TooSmallError as error:
        st.session_state[FLASH] = ("warning", f"Too small to be a digit: {error}. It is not kept. Draw the {digit} "
                                              "larger, over most of the canvas (🗑 in its toolbar clears it).")
        return
    except ValueError as error:
        st.session_state[FLASH] = ("error", str(error))
        return
    if x is None:
        st.session_state[FLASH] = ("warning", f"The canvas is empty: draw a {digit} first, then keep it.")
        return
    mine = st.session_state.setdefault(MINE, {})
    mine[digit] = x
    class_set.new_uid(digit)  # a new drawing: a new digit for the class's set
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
    missing = [d for d in range(10) if d not in mine]
    if missing:
        st.session_state[TARGET] = next((d for d in missing if d > digit), missing[0])


def start_again():
    """Forget the ten drawings (the network stays as it is)."""
    st.session_state.pop(MINE, None)
    class_set.forget_uids()
    st.session_state[TARGET] = 0
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1


def points(change):
    """An accuracy's change in percentage points: -0.034 -> "-3.4 points"."""
    return f"{change * 100:+.1f} points"


def accuracy_on(params, hp, X, Y):
    """The fraction of the columns of X (784, m) the network reads as their labels Y (m,)."""
    A = forward_prop(params, X, hp.activation)[f"A{layer_count(params)}"]
    return float(np.mean(A.argmax(axis=0) == Y))


def step_on_ten(which, model, X, alpha):
    """One gradient-descent step on the ten drawings X (784, 10), labels 0..9, with nn_core's backward_prop and
    update_params; the changed network becomes the one this page reads with (update_params returns new arrays:
    the network it started from, shared or not, is not touched)."""
    Y = np.arange(10)
    params, hp = model.params, model.hp
    cache = forward_prop(params, X, hp.activation)
    grads = backward_prop(params, cache, X, Y, hp.activation)  # m = 10: the average over your ten
    stepped = update_params(params, grads, alpha)
    dev_before = model.dev_accuracy if model.dev_accuracy is not None else state.dev_accuracy_of(params, hp)
    dev_after = state.dev_accuracy_of(stepped, hp)
    previous = st.session_state.get(STEP)
    going_on = previous is not None and previous["which"] == which and previous["params"] is params
    original = previous["original"] if going_on else (st.session_state.get(NOTEBOOK_MODEL) if which == "notebook"
                                                   else model)
    store(which, state.Model(stepped, hp, model.history, dev_after, model.data_description))
    st.session_state[STEP] = dict(
        which=which, original=original, params=stepped, alpha=alpha, steps=previous["steps"] + 1 if going_on else 1,
        dev=(dev_before, dev_after), mine=(accuracy_on(params, hp, X, Y), accuracy_on(stepped, hp, X, Y)),
        dev_first=previous["dev_first"] if going_on else dev_before)


def undo_steps():
    """Put back the network as it was before the first step on the ten."""
    step = st.session_state.pop(STEP)
    if step["which"] == "notebook" and step["original"] is None:
        st.session_state.pop(NOTEBOOK_MODEL, None)  # back to the shared network, which was never changed
    else:
        store(step["which"], step["original"])
    steps = "step" if step["steps"] == 1 else f"{step['steps']} steps"
    st.session_state[FLASH] = ("success", f"↩️ Undone: the network is as it was before the {steps} on your ten.")


# ---------------------------------------------------------------------------------------------------------
# The section
# ---------------------------------------------------------------------------------------------------------


def test_set(which, model, split):
    """The whole part, in an expander whose content is built only while it is open: collect the ten drawings,
    then score the network on them and offer one step on all ten."""
    box = st.expander("📝 Your handwriting as a test set: draw every digit 0 to 9, then score the network",
                      key=OPEN, on_change="rerun")
    if not box.open:
        return
    with box:
        widgets.explain(
            "A test set is digits the network has never seen. Here it is **yours**: draw each digit once, 0 to 9. "
            "The network does not answer while you draw (no peeking, no redrawing until it agrees); once all "
            "ten are in, it is scored on them, against its score on the dev set.")
        mine = collect()
        if FLASH in st.session_state:
            kind, message = st.session_state.pop(FLASH)
            getattr(st, kind)(message)
        missing = [d for d in range(10) if d not in mine]
        if missing:
            st.info(f"{10 - len(missing)} of 10 drawn. Still to draw: {', '.join(map(str, missing))}. The score "
                    "appears when all ten are in.")
        class_set.offer(mine)
        if missing:
            return
        X = np.hstack([mine[d] for d in range(10)])  # (784, 10): your test set, one digit per column
        score(which, model, split, X)


def collect():
    """The guided canvas, the digit asked for, and the drawings kept so far. Returns {digit: x (784, 1)}."""
    # Imported here: the canvas registers itself with the running app, so a module that imports it at the top
    # cannot be imported outside one (by a test that only wants this module's names).
    from streamlit_drawable_canvas import st_canvas

    mine = st.session_state.setdefault(MINE, {})
    st.session_state.setdefault(TARGET, 0)
    digit = st.segmented_control(
        "Which digit to draw (✓ kept already; pick one to draw it again)", range(10), key=TARGET, required=True,
        format_func=lambda d: f"{d} ✓" if d in mine else str(d),
        help="The page asks for the digits in order; pick any of them to draw it (again). Keeping a new drawing "
             "replaces the old one.")
    canvas_column, ask_column = st.columns(2, gap="medium")
    ask_column.markdown(f"### Now draw a **{digit}**")
    with canvas_column:
        st.caption("✏️ Draw on the black square below.")  # its toolbar (undo, clear) covers this line on hover
        st_canvas(stroke_width=st.session_state.get("draw_stroke", 24), stroke_color="#FFFFFF",
                  background_color="#000000", height=CANVAS_SIDE, width=CANVAS_SIDE, drawing_mode="freedraw",
                  update_streamlit=True, return_image_data=True, key=canvas_key())
    with ask_column:
        keep, again = st.columns([3, 2])
        keep.button(f"💾 Keep this as my {digit}", key="draw_mine_keep", type="primary", on_click=keep_drawing,
                    width="stretch", help="Adds the drawing to your test set (replacing an earlier one of this "
                                          "digit) and gives you an empty canvas for the next digit.")
        again.button("🗑️ Start again", key="draw_mine_restart", on_click=start_again, width="stretch",
                     help="Forget all your drawings and start the set again. The network is not changed.")
        if mine:
            st.image([pixelated(mine[d].reshape(28, 28), 84) for d in sorted(mine)],
                     caption=[f"your {d}" for d in sorted(mine)], width=84)
    return mine


def score(which, model, split, X):
    """The network on your ten (784, 10) against the dev set: the accuracies, your digits beside MNIST's, the
    ones it gets wrong with their probabilities, why, and one step of learning on all ten."""
    params, hp = model.params, model.hp
    Y = np.arange(10)
    A = forward_prop(params, X, hp.activation)[f"A{layer_count(params)}"]  # (10, 10): column i is your digit i
    predicted = A.argmax(axis=0)
    mine_accuracy = float(np.mean(predicted == Y))
    dev = model.dev_accuracy if model.dev_accuracy is not None else state.dev_accuracy_of(params, hp)
    yours_column, dev_column = st.columns(2)
    yours_column.metric("Accuracy on your ten", f"{mine_accuracy:.0%}",
                        delta=None if dev is None else f"{points(mine_accuracy - dev)} against the dev set",
                        help="How many of your ten drawings the network reads as the digit you meant.")
    dev_column.metric(f"Accuracy on the dev set ({split.Y_dev.size:,} MNIST digits)", percent_text(dev),
                      help="The same network on the dev digits: MNIST digits it never trained on.")
    firsts = [np.flatnonzero(split.Y_dev == d) for d in Y]
    if all(f.size for f in firsts):
        X_mnist = np.hstack([split.X_dev[:, f[:1]] for f in firsts])  # (784, 10): the first dev digit of each label
        show(yours_and_mnist(X, X_mnist, Y, predicted), "draw_mine_beside_mnist", 240)  # pixels stay square
        st.caption("Top: your ten as the network reads them (28 x 28, centred like MNIST), with ✓ or ✗ and what "
                   "it read. Bottom: the first dev digit of each label, from the digits in use.")
    wrong = np.flatnonzero(predicted != Y)
    if wrong.size:
        st.markdown(f"**It gets {wrong.size} of yours wrong.** Each one's picture, above its ten probabilities "
                    "(✗ what it said, ✓ what you meant):")
        narrow = wrong.size <= 3  # one picture across the whole width would be huge: the words go beside
        chart_column, words_column = st.columns([2 * wrong.size + 1, 9 - 2 * wrong.size] if narrow else [1, 0.001])
        with chart_column:
            show(plotly_charts.mistakes_figure(X, Y, A, wrong), "draw_mine_wrong", 380)
        if narrow:
            words_column.markdown("\n".join(
                f"- your **{d}** was read as **{predicted[d]}** ({A[predicted[d], d]:.0%}); it gave {d} "
                f"{A[d, d]:.0%}" for d in wrong))
    else:
        st.success("It reads all ten of yours right.")
    if box := widgets.numbers_box("The numbers behind these pictures", "draw_numbers_handwriting"):
        with box:
            st.dataframe(pd.DataFrame({"your digit": Y, "read as": predicted,
                                       "probability of its answer": A.max(axis=0),
                                       "probability of your digit": A[Y, Y]}), hide_index=True, width="stretch")
            st.caption("Every probability: one row per drawing of yours, one column per digit (A, read row by row).")
            probabilities = pd.DataFrame(A.T, columns=[f"P({d})" for d in range(10)])
            probabilities.insert(0, "your digit", Y)
            widgets.table(probabilities)
    widgets.explain(
        "**Why it can do worse on yours than on its dev set.** The dev set comes from the same place as the "
        "training digits: MNIST's writers, pens and scanner, each digit cropped, scaled and centred the same way. "
        "A score on it says how well the network does on *more of the same*. Your digits come from another "
        "distribution: a mouse or a finger instead of a pen, your own way of closing a 4 or crossing a 7, other "
        "stroke widths. The network learned the pixel patterns of its training digits, not the idea of a digit, so "
        "it does well exactly as far as yours look like theirs. Ten digits are also a tiny test set: each one is 10 "
        "points.")
    teach(which, model, X)


def teach(which, model, X):
    """One backward step on all ten (784, 10) at once, the dev accuracy before and after, and an undo."""
    st.subheader("🎓 Learn your handwriting: one step on all ten")
    hp = model.hp
    alpha_column, button_column = st.columns([3, 2], vertical_alignment="bottom")
    alpha = alpha_column.slider("Learning rate α for this step", 0.01, 1.0, float(min(max(hp.alpha, 0.01), 1.0)),
                                step=0.01, key="draw_mine_alpha",
                                help="W ← W − α dW, with dW averaged over your ten (m = 10). It starts at the "
                                     "network's own α. Larger steps fit your ten faster and disturb the rest more.")
    button_column.button("🎓 One step on my ten", key="draw_mine_step", type="primary", on_click=step_on_ten,
                         args=(which, model, X, alpha), width="stretch",
                         help="backward_prop on your ten drawings with their labels 0..9, then update_params. The "
                              "page then reads with the changed network (yours only). Press again for another step.")
    step = st.session_state.get(STEP)
    if step is None or step["which"] != which or step["params"] is not model.params:
        return  # no step yet, or the network changed since (another page, Teach it, the other network)
    (dev_before, dev_after), (mine_before, mine_after) = step["dev"], step["mine"]
    before_column, after_column, mine_column = st.columns(3)
    before_column.metric("Dev accuracy before the step", percent_text(dev_before))
    after_column.metric("Dev accuracy after the step", percent_text(dev_after),
                        delta=None if None in (dev_before, dev_after) else points(dev_after - dev_before))
    mine_column.metric("Your ten after the step", f"{mine_after:.0%}",
                       delta=points(mine_after - mine_before))
    if None not in (dev_before, dev_after):
        cost = dev_after - dev_before
        verdict = ("it cost the other digits" if cost < -0.0005 else "the other digits gained too" if cost > 0.0005
                   else "the other digits hardly noticed")
        st.markdown(f"**Does learning your handwriting cost the others?** After {step['steps']} step"
                    f"{'s' if step['steps'] > 1 else ''} (α = {step['alpha']:g}): {verdict}, "
                    f"{points(cost)} on the dev set for this step"
                    + (f", {points(dev_after - step['dev_first'])} since the first" if step["steps"] > 1
                       else "") + ".")
    st.button("↩️ Undo: put the network back", key="draw_mine_undo", on_click=undo_steps,
              help="The network as it was before your first step on the ten (the notebook's network is shared by "
                   "everyone and was never changed: only your copy was).")


def yours_and_mnist(X_mine, X_mnist, labels, predicted, gap=6):
    """Your digits (784, n) in the top row, above MNIST digits of the same labels (784, n) in the bottom row,
    white on black; over each of yours, its label and what the network read (✓ or ✗, not colour alone)."""
    n = X_mine.shape[1]
    image = mosaic(np.hstack([X_mine, X_mnist]).T, per_line=n, gap=gap)  # (2 * 28 + gap, n * 28 + ...)
    fig = go.Figure(go.Heatmap(z=image, colorscale="gray", zmin=0, zmax=1, showscale=False, hoverongaps=False,
                               hovertemplate="pixel %{z:.2f}<extra></extra>"), layout=PICTURE)
    step = 28 + gap
    for i in range(n):
        right = predicted[i] == labels[i]
        fig.add_annotation(x=i * step + 13.5, y=-1, yanchor="bottom", showarrow=False, font=dict(size=15),
                           text=f"your {labels[i]}: {'✓' if right else '✗'} {predicted[i]}")
        fig.add_annotation(x=i * step + 13.5, y=2 * 28 + gap, yanchor="top", showarrow=False, font=dict(size=15),
                           text=f"MNIST {labels[i]}")
    fig.update_layout(margin=dict(l=0, r=0, t=30, b=30))
    return fig
