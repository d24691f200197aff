"""A line about what a person just did ("Asked", "Added", "Deleted"), kept on screen long enough to be read.

The Class page, the Draw page and the question to the room read the board every second or two, so they draw
themselves again and again. A message shown once would disappear at the next reading, one to three seconds
later: too fast for a projector, and for a class that looks up after pressing. A message is kept for SHOWN
seconds and drawn each time the part of the page that holds it is drawn; the next one replaces it.
"""

import time

import streamlit as st

SHOWN = 10.0  # seconds a message stays on screen


def keep(key, kind, text):
    """Say `text` with st.<kind> ("success", "info", "warning", "error") wherever show(key) is drawn next."""
    st.session_state[key] = (kind, text, time.monotonic())


def show(key):
    """Draw the message kept under `key`, if it is younger than SHOWN seconds; an older one is forgotten."""
    said = st.session_state.get(key)
    if not said:
        return
    kind, text, when = said
    if time.monotonic() - when > SHOWN:
        del st.session_state[key]
        return
    getattr(st, kind)(text)
