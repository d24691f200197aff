"""The Draw page's way into the class's set: a student adds the digits of their handwriting test set to the digits
the whole class drew (the 👥 Class page shows them and how the network reads them), and can take them back.

What is sent is what the network reads, and no more: each kept drawing's 784 numbers after the preprocessing, the
label the student confirmed with "Keep this as my d", their nickname, and the time (board_store/class_digits.py
keeps them, never the canvas's image). Each kept drawing has a random uid, so adding the same drawings twice adds
them once, while a new drawing of the same digit is a new digit. A drawing too small to be a digit is never kept
(too_small), so it can never be added.
"""

import secrets

import numpy as np
import streamlit as st

import board_store
from dashboard import board_posts, messages

# A dot or a tick is not a digit, yet the preprocessing blows any ink up to fill 20 x 20 pixels: a drawing is
# refused when the longer side of its ink's bounding box is below this fraction of the canvas. The fattest pen (48
# px) leaves a dot about 50 px wide on the 320 px canvas, 0.16 of it; a digit drawn a fifth of the canvas high
# (64 px) is small but still a digit.
MIN_SIDE = 0.2
UIDS = "draw_mine_uids"  # session key: {digit: uid} of the kept drawings
SAID = "draw_class_said"  # session key: what Add or Take back did, kept on screen a while (dashboard/messages.py)
WAIT = 3.0  # seconds a button waits for the board's file, so that the count below it is already up to date


def too_small(ink_shape, canvas_shape):
    """True when ink of shape (h, w), cropped from a canvas of shape (H, W, ...), is too small to be a digit."""
    return max(ink_shape[:2]) < MIN_SIDE * max(canvas_shape[:2])


def new_uid(digit):
    """A new drawing kept as `digit`: a new uid, so that it is a new digit of the class's set."""
    st.session_state.setdefault(UIDS, {})[digit] = secrets.token_hex(8)


def forget_uids():
    st.session_state.pop(UIDS, None)


def uid_of(digit):
    uids = st.session_state.setdefault(UIDS, {})
    return uids.setdefault(digit, secrets.token_hex(8))


def count_of(n):
    """3 -> "3 digits", 1 -> "1 digit"."""
    return f"{n} digit{'s' if n != 1 else ''}"


def my_count():
    """How many of this visitor's digits are in the class's set, or None when the board cannot be read."""
    try:
        return board_posts.store().my_digit_count(board_posts.visitor())
    except board_store.BoardError:
        return None


def changed(method, *args):
    """Write a change of the class's set and wait up to WAIT s for it (board_posts.written)."""
    return board_posts.written(method, *args, wait=WAIT)


def add_mine(mine):
    """Add the kept drawings {digit: x (784, 1)} to the class's set; each is checked here first (clean_digit)."""
    digits, refused = [], []
    for digit in sorted(mine):
        try:
            board_store.clean_digit(mine[digit], digit)
        except board_store.DigitRefusedError as error:
            refused.append(f"your {digit} ({error})")
            continue
        digits.append((uid_of(digit), np.ravel(mine[digit]), digit))
    not_added = f" Not added: {'; '.join(refused)}." if refused else ""
    if not digits:
        messages.keep(SAID, "warning", f"Nothing to add.{not_added}")
        return
    before = my_count()
    if not changed("add_digits", board_posts.visitor(), board_posts.nickname(), digits):
        messages.keep(SAID, "info", "⏳ The class board's file is busy: your digits are added as soon as it "
                                          f"is free.{not_added}")
        return
    after = my_count()
    new = None if None in (before, after) else after - before
    if new is None:
        said = f"✅ Sent: {count_of(len(digits))}."
    elif new == 0:
        said = (f"Nothing new: your {count_of(len(digits))} {'was' if len(digits) == 1 else 'were'} in the class's "
                "set already. Each drawing is added once: draw a digit again to add a new one.")
    elif new == len(digits):
        said = f"✅ Added: your {count_of(new)} {'is' if new == 1 else 'are'} in the class's set."
    else:
        said = (f"✅ {count_of(new)} added. The other {len(digits) - new} were in the class's set already: each "
                "drawing is added once (draw a digit again to add a new one).")
    messages.keep(SAID, "success", said + not_added)


def take_back():
    """Take every digit of this visitor out of the class's set."""
    if changed("take_back_digits", board_posts.visitor()):
        messages.keep(SAID, "success", "↩️ Taken back: none of your digits is in the class's set any more.")
    else:
        messages.keep(SAID, "info", "⏳ The class board's file is busy: your digits are taken out as soon as it "
                                          "is free.")


def offer(mine):
    """The Add and Take back buttons, what is stored, and how many of this visitor's digits the class's set has."""
    n = len(mine)
    st.markdown("**👥 Give your digits to the class.** The 👥 Class page shows the digits everyone added, and how "
                "the network reads the class's handwriting.")
    add_column, back_column = st.columns([3, 2])
    add_column.button(f"➕ Add my {count_of(n)} to the class's set", key="draw_class_add",
                      on_click=add_mine, args=(mine,), disabled=not n, width="stretch",
                      help="Sends the digits you kept to this server's class board. Pressing it again adds only "
                           "the drawings that are new.")
    count = my_count()
    back_column.button("↩️ Take my digits back", key="draw_class_take_back", on_click=take_back,
                       disabled=not count, width="stretch",
                       help="Deletes every digit you added from the class's set (the board keeps nothing of them).")
    st.caption("What is stored, for each digit you kept: its 784 numbers as the network reads them (cropped, "
               "scaled and centred, 28 x 28), the label you confirmed with “Keep this as my …”, your nickname (or "
               "“student N”, your number on the board) and the time. Never your drawing's image. It stays on this "
               "server's class board; you can take your digits back at any time.")
    if count is None:
        st.caption("The class's set cannot be read right now.")
    else:
        st.caption(f"Yours in the class's set now: {count_of(count)}.")
    messages.show(SAID)
