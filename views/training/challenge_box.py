"""The Training page's challenge box: each challenge the teacher has open, and where this visitor's best run stands
on its leaderboard, one line each, beside the Train button:

    🏁 dev ≥ 90% in at most 100 steps: your best, run 7 on the board, 91.2% dev in 100 steps: 2nd of 5

Only on a server with a class key, so a student working alone pays nothing. The challenges and the standing come
from the board (board_store.standing, on the numbers the board recorded) and are read again every CHECK seconds,
so a challenge posted meanwhile appears, and the standing follows a run that has just finished. A board that
cannot be read shows nothing: the lesson goes on.
"""

import logging

import streamlit as st

import board_store
from dashboard import board_posts, widgets

log = logging.getLogger(__name__)

CHECK = 5.0  # seconds between two readings of the board while a challenge is open


def open_challenges():
    """The current board's open challenges, oldest first, and its runs: ([], []) without a class key, or when the
    board cannot be read."""
    if board_posts.key() is None:
        return [], []
    try:
        store = board_posts.store()
        opened = [c for c in reversed(store.challenges()) if c["closed"] is None]
        return opened, (store.runs() if opened else [])
    except Exception:  # never the Training page's problem
        log.warning("class board: the challenges could not be read", exc_info=True)
        return [], []


def ordinal(n):
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def run_in_words(run, ranked_by):
    """A run's numbers that the challenge ranks, first: "91.2% dev in 100 steps", "8 hidden units, 86.0% dev"."""
    dev = f"{100 * run['dev_accuracy']:.1f}% dev"
    steps = f"{run['steps']:,} step{'s' * (run['steps'] != 1)}"
    if ranked_by == "units":
        return f"{run['hidden_units']:,} hidden unit{'s' * (run['hidden_units'] != 1)}, {dev}"
    if ranked_by == "steps":
        return f"{steps}, {dev}"
    return f"{dev} in {steps}"


def standing_text(challenge, where):
    """One line: the challenge's title and where this visitor stands (board_store.standing's answer); the page
    puts 🏁 before it."""
    title, ranked_by = challenge["challenge"]["title"], challenge["challenge"]["ranked_by"]
    run = where["run"]
    if where["rank"] is not None:
        return (f"{title}: your best, run {run['number']} on the board, {run_in_words(run, ranked_by)}: "
                f"**{ordinal(where['rank'])} of {where['of']}**")
    if run is None:
        return (f"{title}: no run of yours yet ({where['of']} on the leaderboard). A run counts when it finishes "
                "or you stop it.")
    return f"{title}: not yet. Your closest run, {run['number']} on the board: {'; '.join(where['misses'])}."


def challenge_lines():
    """Each open challenge in one line, with this visitor's standing (the live part, read every CHECK seconds)."""
    opened, rows = open_challenges()
    visitor = board_posts.visitor()
    for challenge in opened:
        st.info(standing_text(challenge, board_store.standing(challenge, rows, visitor)), icon="🏁")


def challenge_box():
    """The box, on a server with a class key: empty while no challenge is open, and read again every CHECK seconds,
    so that a challenge the teacher posts appears on a student's page by itself. Without a key, nothing at all.
    In a container of its own, so that the page's parts keep their places from run to run (widgets.live_part)."""
    if board_posts.key() is None:
        return
    widgets.live_part(challenge_lines, CHECK)
