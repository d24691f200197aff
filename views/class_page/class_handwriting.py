"""The Class page's "✍️ Our handwriting": the digits the students drew on the ✏️ Draw page and added to the
class's set (board_store/class_digits.py), and how the lesson's network reads them.

On the projector: the digits, a row per label; the notebook's network (the one the Draw page reads with) on them,
beside its dev accuracy on MNIST, with the gap in words; its accuracy per digit; its commonest confusions, with the
digits themselves. Every figure is per digit, never per student: no name is shown, nobody's handwriting is ranked.
Then "Teach it our handwriting" (training_runs/class_handwriting.py), and, in the teacher's tab, deleting the set
and downloading it. The set is read again every LIVE seconds, so new digits appear on the projector by themselves.
"""

import hashlib

import numpy as np
import streamlit as st

import board_store
from dashboard import board_posts, messages, state, widgets
from dashboard.pictures import bar_picture, pixelated, png_bytes
from nn_core.evaluation import confused_pairs, per_digit
from nn_core.network import forward_prop, get_predictions, layer_count
from nn_core.training import NOTEBOOK
from training_runs import class_handwriting as teaching
from training_runs import runs
from views.class_page import teacher

LIVE = 3.0  # seconds between two readings of the class's set
PER_ROW = 12  # digits shown per label; the rest are counted ("+N more")
PAIRS = 3  # the commonest confusions shown
PAIR_DIGITS = 6  # digits shown per confusion
TAUGHT = "class_digits_taught"  # session key: (what was taught: set, weight, network, data; its Taught)
SAID = "class_digits_said"  # session key: (kind, text) of the teacher's last change
CONFIRM = "class_digits_confirm"  # the teacher's toggle that confirms deleting the set
EXPLANATION = """
The digits the class drew on the ✏️ Draw page and chose to add: the 784 numbers the network reads, each with the
label its author confirmed. Is the lesson's network as good on **our** handwriting as on MNIST's? The figures are
per digit, never per student: nobody's handwriting is ranked here. A student takes their own digits back on the Draw
page; the teacher can delete the whole set.
"""


def section():
    """The class's handwriting, read again every LIVE seconds."""
    if not widgets.presenter():
        st.header("✍️ Our handwriting", anchor=False)
        widgets.explain(EXPLANATION)
    widgets.live_part(live_handwriting, LIVE)


def the_set():
    """The current board's set and its id: (X (784, n) float32, Y (n,), board id), or None after saying why the
    file cannot be read."""
    try:
        store = board_posts.store()
        X, Y = store.class_digits()
        boards = store.boards()
    except board_store.BoardBusyError as error:
        st.info(f"⏳ {error}")
        return None
    except board_store.BoardError as error:
        st.error(f"⚠️ {error} The rest of the app works as usual.")
        return None
    return X, Y, boards[0]["id"] if boards else None


def live_handwriting():
    """Everything that follows the set: the digits, how the network reads them, teaching it, the teacher's part."""
    read = the_set()
    if read is None:
        return
    X, Y, board_id = read
    n = Y.size
    st.subheader(f"✍️ Our handwriting: {n:,} digit{'s' if n != 1 else ''} drawn by the class", anchor=False)
    if not n:
        st.info("No digits in the class's set yet. On the ✏️ Draw page, open “📝 Your handwriting as a test set”, "
                "draw digits and keep them (each with the label you confirm), then press “➕ Add my digits to the "
                "class's set”. They appear here within a few seconds.")
        widgets.link_to("views/draw/page.py", "✏️ Draw your digits: Draw a digit", "draw digits and add them to "
                        "the class's set", key="class_digits_draw")
        teacher_part(board_id, 0)
        return
    try:
        split = state.data_split(state.dev_size() or NOTEBOOK.dev_size)
        with st.spinner("Training the notebook's 784-10-10 on this server (a few seconds, once for everyone)..."):
            model, _ = state.notebook_network(state.digits().description, split.X_dev.shape[1], split)
    except (ValueError, runs.TrainingError) as error:
        st.error(f"The notebook's network is not available: {error}")
        return
    A = forward_prop(model.params, X, model.hp.activation)[f"A{layer_count(model.params)}"]  # (10, n)
    predicted = get_predictions(A)  # (n,)
    pictures, numbers = st.columns([1, 1], gap="medium")
    with pictures:
        st.image(digits_picture(X, Y), width="stretch", caption=digits_caption(Y),
                 alt="The class's digits, a row per label: " + digits_caption(Y))
    with numbers:
        reading(Y, predicted, model.dev_accuracy, split.Y_dev.size)
    per_label, pairs = st.columns([1, 1], gap="medium")
    with per_label:
        per_digit_bars(Y, predicted)
    with pairs:
        confusions(X, Y, predicted)
    teach_part(X, Y, model, split)
    teacher_part(board_id, n)


# ---------------------------------------------------------------------------------------------------------
# The digits and how the network reads them
# ---------------------------------------------------------------------------------------------------------


def digits_picture(X, Y, per_row=PER_ROW):
    """The class's digits X (784, n) as one SVG picture: a row per label Y (n,) 0 to 9, its newest `per_row`
    digits white on black as MNIST draws them, "+N more" for the rest."""
    tile, gap, row = 28, 3, 34
    left, right = 78, 104
    width, height = left + per_row * (tile + gap) - gap + right, 10 * row
    parts = [f'<rect width="{width}" height="{height}" fill="white"/>']
    for d in range(10):
        columns = np.flatnonzero(Y == d)
        top = d * row + (row - tile) / 2
        parts.append(f'<text x="8" y="{top + 21:.0f}"><tspan font-weight="bold" font-size="22">{d}</tspan>'
                     f'<tspan fill="#55565f"> ({columns.size})</tspan></text>')
        if not columns.size:
            parts.append(f'<text x="{left}" y="{top + 20:.0f}" fill="#55565f">none yet</text>')
            continue
        shown = columns[-per_row:]  # the newest
        strip = np.full((tile, shown.size * (tile + gap) - gap), 255, dtype=np.uint8)  # white between the digits
        for k, column in enumerate(shown):
            strip[:, k * (tile + gap):k * (tile + gap) + tile] = np.rint(X[:, column].reshape(tile, tile) * 255)
        parts.append(f'<image x="{left}" y="{top:.0f}" width="{strip.shape[1]}" height="{tile}" '
                     f'style="image-rendering:pixelated" href="{png_bytes(np.repeat(strip[..., None], 3, 2))}"/>')
        if columns.size > per_row:
            parts.append(f'<text x="{left + per_row * (tile + gap) + 4}" y="{top + 20:.0f}">'
                         f'+{columns.size - per_row} more</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="18" fill="#262730">{"".join(parts)}</svg>')


def digits_caption(Y):
    """How many digits of each label: "0: 5, 1: 7, ..."."""
    counts = np.bincount(Y, minlength=10)
    return "per label, " + ", ".join(f"{d}: {counts[d]}" for d in range(10)) + f" (newest {PER_ROW} shown)."


def gap_words(ours, dev, n):
    """The gap between the accuracy on our n digits and on MNIST's dev digits, in words."""
    points = 100 * (dev - ours)
    if abs(points) < 2:
        said = "about as well as MNIST's own"
    elif points > 0:
        said = f"{points:.0f} points worse than MNIST's own"
    else:
        said = f"{-points:.0f} points better than MNIST's own"
    words = f"It reads our handwriting **{said}**."
    if n < 100:
        words += f" On {n} digits each one is {100 / n:.1f} points, so the gap is rough."
    return words


def reading(Y, predicted, dev, dev_size):
    """The accuracy on the class's digits Y (n,) beside the dev accuracy, and the gap in words."""
    ours = float(np.mean(predicted == Y))
    ours_column, dev_column = st.columns(2)
    ours_column.metric("Our digits read right", f"{ours:.0%}", help=f"{int(np.sum(predicted == Y))} of the class's "
                       f"{Y.size} digits read as the label their author confirmed.")
    dev_column.metric("MNIST's dev digits", "–" if dev is None else f"{dev:.0%}",
                      help=f"The same network on the {dev_size:,} dev digits: MNIST digits it never trained on.")
    if dev is not None:
        st.markdown(gap_words(ours, dev, Y.size))
    st.caption("The notebook's 784-10-10, as the ✏️ Draw page reads with it (trained once on this server).")


def per_digit_bars(Y, predicted):
    """The share of each label read right, with how many of that label the class drew."""
    counts, accuracy = per_digit(Y, predicted)
    right = np.rint(np.nan_to_num(accuracy) * counts).astype(int)
    texts = [f"{right[d]}/{counts[d]}" if counts[d] else "none" for d in range(10)]
    st.image(bar_picture(accuracy, "Read right, per digit", "the digit drawn (read right / drawn)", "read right",
                         labels=[str(d) for d in range(10)], texts=texts, percent=True, top=1.0,
                         width=widgets.in_units(560), height=widgets.in_units(360)), width="stretch",
             caption="One bar per digit: the share of the class's drawings of it the network reads right.")


def confusions(X, Y, predicted):
    """The commonest confusions ("7 read as 1: 4 times"), each with the digits themselves."""
    pairs = confused_pairs(Y, predicted, PAIRS)
    st.markdown("**Its commonest mistakes on our digits**")
    if not pairs:
        st.success("It reads every one of our digits right.")
    for true, read_as, count in pairs:
        st.markdown(f"**{true}** read as **{read_as}**: {count} time{'s' if count != 1 else ''}")
        which = np.flatnonzero((Y == true) & (predicted == read_as))[:PAIR_DIGITS]
        st.image([pixelated(X[:, k].reshape(28, 28), 56) for k in which], width=56)


# ---------------------------------------------------------------------------------------------------------
# Teach it our handwriting
# ---------------------------------------------------------------------------------------------------------


def fingerprint(X, Y):
    """A short hash of the set's contents: the same digits, the same fingerprint."""
    return hashlib.blake2b(np.ascontiguousarray(X).tobytes() + np.ascontiguousarray(Y).tobytes(),
                           digest_size=8).hexdigest()


@st.cache_resource(max_entries=8, show_spinner=False)
def taught_on(key, _hp, _split, _X, _Y):
    """teach() on the set and weight that `key` names (fingerprint, weight, data, dev size), once per server: a
    projector's rerun, or a second tab, shows the same result without training again."""
    m = min(_split.X_train.shape[1], state.NOTEBOOK_DIGITS)
    return teaching.teach(_hp, _split.X_train[:, :m], _split.Y_train[:m], _split.X_dev, _split.Y_dev, _X, _Y,
                          weight=key[1])


def teach_part(X, Y, model, split):
    """The Teach button, its weight, and the result for the set as it is (or was, when it has changed since)."""
    st.subheader("🎓 Teach it our handwriting", anchor=False)
    n = Y.size
    if n < teaching.MIN_DIGITS:
        more = teaching.MIN_DIGITS - n
        st.info(f"Teaching needs at least {teaching.MIN_DIGITS} of the class's digits, to score on a fifth of them "
                f"that it never trained on: {more} more {'is' if more == 1 else 'are'} needed ({n} so far). With "
                "fewer, each held-out digit would be 20 points or more, and the number would mean nothing.")
        return
    hp = model.hp
    taught_mnist = min(split.X_train.shape[1], state.NOTEBOOK_DIGITS)
    weight_column, button_column = st.columns([3, 2], vertical_alignment="bottom")
    weight = weight_column.slider(
        "Each of our digits counts as this many MNIST digits", 1, teaching.MAX_WEIGHT, teaching.WEIGHT,
        key="class_digits_weight",
        help=f"Training repeats each of our digits this many times among the {taught_mnist:,} MNIST digits. In a "
             "full-batch step the gradient is the average over every example, so an example repeated k times "
             "weighs exactly k times as much. 1: our digits count as much as any MNIST digit (a few dozen among "
             "thousands barely move the network); larger: the network leans towards our handwriting, and may pay "
             "for it on MNIST's.")
    key = (fingerprint(X, Y), weight, state.digits().description, split.Y_dev.size)
    if button_column.button("🎓 Teach it our handwriting", key="class_digits_teach", type="primary",
                            width="stretch",
                            help="Trains the notebook's network twice, at the same time in the training workers: on "
                                 "MNIST's digits alone, and with a random 80% of ours; both are scored on the other "
                                 "20% of ours, which neither saw, and on MNIST's dev set."):
        try:
            with st.spinner(f"Training twice, {hp.iterations} full-batch steps each..."):
                st.session_state[TAUGHT] = (key, taught_on(key, hp, split, X, Y))
        except (ValueError, runs.TrainingError) as error:
            st.error(f"It could not be taught: {error}")
    st.caption(f"The notebook's 784-10-10 as the ✏️ Draw page trains it: full batch, α {hp.alpha:g}, "
               f"{hp.iterations} steps, seed {hp.seed}, on {taught_mnist:,} MNIST training digits; the same 80/20 "
               "split of our digits every time for the same set.")
    if TAUGHT in st.session_state:
        shown_key, taught = st.session_state[TAUGHT]
        teaching_result(taught)
        if shown_key != key:
            st.caption(f"This was for the set as it was then (each of our digits counting {shown_key[1]} times); "
                       "the set or the weight has changed since: press 🎓 again for the set as it is now.")


def teaching_result(taught):
    """"On our handwriting: 71% → 88%; on MNIST dev: 85% → 85%", and what the trade was, from the numbers."""
    before, after = taught.before, taught.after
    st.markdown(f"**On our handwriting** ({taught.held_out} held-out digits): **{before.held_out:.0%} → "
                f"{after.held_out:.0%}**; **on MNIST dev**: **{before.dev:.1%} → {after.dev:.1%}**")
    st.markdown(trade_words(taught))


def trade_words(taught):
    """What teaching gained on our held-out digits and cost on MNIST's, in words, from a Taught's numbers."""
    before, after = taught.before, taught.after
    gain, cost = 100 * (after.held_out - before.held_out), 100 * (before.dev - after.dev)
    share = taught.weight * taught.taught / (taught.mnist + taught.weight * taught.taught)
    weighed = (f"{taught.taught} of our digits, each counting {taught.weight} time{'s' if taught.weight > 1 else ''}, "
               f"were {share:.1%} of the training examples")
    one = f"with {taught.held_out} held-out digits, one of them is {100 / taught.held_out:.1f} points"
    if gain < 0:
        said = f"It reads {-gain:.0f} points fewer of our held-out digits after ({weighed}); {one}."
    elif gain == 0:
        said = f"No change on our held-out digits ({weighed}); {one}."
    elif cost > 0.5:
        said = (f"A trade: {gain:+.0f} points on our held-out digits for {cost:.1f} points fewer on MNIST's dev "
                f"digits ({weighed}).")
    else:
        said = (f"{gain:+.0f} points on our held-out digits, and {-cost:+.1f} on MNIST's dev digits: almost no cost "
                f"({weighed}).")
    return said


# ---------------------------------------------------------------------------------------------------------
# The teacher's part: delete the set, download it
# ---------------------------------------------------------------------------------------------------------


def on_delete(board_id):
    if st.session_state.get(CONFIRM):
        teacher.act("delete_class_digits", board_id, done="🗑️ The class's set is deleted: its digits have left the "
                    "board's file.", say_in=SAID)
        st.session_state[CONFIRM] = False


def teacher_part(board_id, n):
    """In the teacher's tab only: delete the whole set (confirmed by a toggle), and download it as CSV."""
    if not teacher.teacher() or board_id is None:
        return
    st.subheader("🔑 Teacher: the class's digits", anchor=False)
    confirm_column, delete_column, download_column = st.columns(3, vertical_alignment="bottom")
    confirm_column.toggle("Yes, delete the class's digits", key=CONFIRM, disabled=not n,
                          help="Confirms the button beside it: every digit of the set leaves the board's file, for "
                               "good (students can add new ones).")
    delete_column.button("🗑️ Delete the whole set", key="class_digits_delete", on_click=on_delete, args=(board_id,),
                         disabled=not (n and st.session_state.get(CONFIRM)), width="stretch",
                         help="Deletes every digit of the class's set, for everyone.")
    with download_column:
        teacher.digits_download(board_id, n, key="class_digits_download")
    messages.show(SAID)
