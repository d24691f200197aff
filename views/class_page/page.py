"""👥 Class: every run trained on this server on one board, so a class's experiments become one picture.

"Everyone try a different learning rate": each run a student trains on the Training page (and each seed of the
Experiments page) is posted here when it finishes or is stopped. The board lives in a SQLite file shared by the
server's processes, or in a school's PostgreSQL database (board_store/); the page reads it in a fragment every
REFRESH seconds, so it updates by itself on the projector. Its parts are beside this script: board_view.py (the
board's numbers, charts, tables, a run's link, the nickname), teacher.py (the teacher's controls), ask.py (asking
the room), challenges.py (the class's challenges and their leaderboards) and class_handwriting.py (the digits the
class drew, and how the network reads them).
"""

import streamlit as st

from dashboard import board_posts, widgets
from views.class_page import ask, board_view, challenges, class_handwriting, teacher

REFRESH = 2.0  # seconds between two readings of the board
# What the page shows: the runs (as always), the challenges, or the class's handwriting. In presenter mode the one
# chosen comes first on the screen; on a student's screen they are one click apart.
SHOW = {"runs": "📊 The runs", "challenges": "🏁 Challenges", "handwriting": "✍️ Our handwriting"}
EXPLANATION = """
Every network trained on this server lands here when it finishes (or is stopped): who trained it, when, with
which hyperparameters, on which data, how many steps, its train and dev accuracy, the seconds it took, and
how it ended: finished, stopped, diverged, or went wrong (and why). **Everyone tries a different learning rate**
(or number of hidden units), and the charts show what the class found together: where α is too small to learn
in 500 steps, where it is just right, where it is so large that training breaks down. The board updates by
itself every couple of seconds.
"""


def board_panel():
    """The live part of the page: numbers, charts, tables and a run's link (and the teacher's controls)."""
    writer = board_posts.writer()
    waiting = writer.waiting if writer.problem else 0  # posts this server keeps until the board takes them
    boards = board_view.boards()
    board_id, current = board_view.chosen_board(boards)
    rows = board_view.read_runs(board_id, waiting)
    if rows is None:
        return
    if waiting:
        st.warning(f"⏳ {board_view.kept(waiting)} {writer.problem}")
    if not current:
        st.info(f"🗄️ Archived board {board_id}, read-only. The current board is one choice away, at the bottom.")
    st.header("What the class found")
    board_view.numbers(rows, current)
    if not rows:
        st.info("No runs on this board yet. Train a network on the 📉 Training page (or run seeds on the 🧪 "
                "Experiments page): it appears here when it finishes or when you stop it.")
    else:
        board_view.charts(rows)
        board_view.every_run(rows)
        st.header("🏆 The best runs")
        board_view.best_runs(rows)
        st.header("🔗 Reproduce a run")
        board_view.run_link(rows)
    board_view.board_selector(boards)
    if teacher.teacher():
        teacher.teacher_controls(rows, board_id)


def chosen_view():
    """Which part of the page to show (the runs, the challenges, the class's handwriting): a row of buttons."""
    st.session_state.setdefault("class_show", "runs")
    return st.segmented_control("Show", list(SHOW), format_func=SHOW.get, key="class_show", required=True,
                                label_visibility="collapsed",
                                help="The runs of the class; the challenges the teacher set, with their "
                                     "leaderboards; or the digits the class drew and how the network reads them.")


board_posts.follow_key()  # app.py did it already, unless this page runs on its own (a test)
# On the projector, a question to the room comes first, even before the page's title: it fills the first screen.
# So does a chosen part other than the runs: the challenges' leaderboard, or the class's handwriting.
asked = ask.current_question() if teacher.teacher() else None  # the question to the room, in the teacher's tab
on_projector = widgets.presenter() and (asked or st.session_state.get("class_show", "runs") != "runs")
# Each part that comes and goes sits in a container of its own, on the page at every run (empty when the part is
# not shown): the parts keep their places from run to run, so that the live parts' redraws, asked for before a
# click changed the page, still find them (see links.follow_hyperparams).
with st.container():
    if not on_projector:
        st.title("👥 The class's runs")
        widgets.explain(EXPLANATION)
# With no question live, the chosen part comes first on the projector (below the top bar), asking the room below it.
chosen_first = widgets.presenter() and not asked and st.session_state.get("class_show", "runs") != "runs"
with st.container():
    if teacher.teacher() and not chosen_first:
        ask.teacher_section(asked)
with st.container():
    if not widgets.presenter():
        board_view.nickname_box()
with st.container():  # on a projector, the title's room under the top bar, which would hide the buttons
    if chosen_first:
        st.html('<div style="height:0.7rem"></div>')
view = chosen_view()

with st.container():
    if view == "challenges":
        challenges.section()
    elif view == "handwriting":
        class_handwriting.section()
    else:
        widgets.live_part(board_panel, REFRESH)
with st.container():
    if teacher.teacher() and chosen_first:
        ask.teacher_section(asked)
if widgets.presenter():  # the projector shows the board first; students set their names on their own screens
    with st.expander("✏️ Your name on the board"):
        board_view.nickname_box()

widgets.try_this(
    "Split the class: each student trains the notebook's network with a different α (0.001 to 10) and presses "
    "▶️ Train. Before the results come in, predict the shape of the α chart: where does it peak, where does it "
    "fall to 10% (a guess)?",
    "Now vary only the hidden units (2, 5, 10, 32, 128), α 0.1. Does a bigger network always do better in 500 "
    "full-batch steps? Compare with the mini-batch runs (diamonds).",
    "Find the best run in the table, open its link, and train it yourself: do you get the same dev accuracy?",
)
