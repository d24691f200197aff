"""The Class page's teacher controls, only in a tab opened with the server's class key: remove a run, start
a new board (the old one is archived, never deleted), download the board (its runs, the room's answers and, apart,
the class's digits); and `act`, the one way every teacher's change (of the board or of the question to the room) is
made and said.
"""

import pandas as pd
import streamlit as st

import board_store
from dashboard import ask_room, board_posts, messages
from views.class_page import board_view

MESSAGE = "board_message"  # session key: (kind, text) of the teacher's last action


def teacher():
    """True in a tab that opened the page with the server's key (and while the server has one)."""
    return board_posts.teacher()


def act(method, *args, done, say_in=MESSAGE):
    """A teacher's change of the board or of the question to the room (board_posts.teacher_change), and what the
    page says of it, kept in st.session_state[say_in] until the page shows it: `done`, or why it was not done."""
    written = board_posts.teacher_change(method, *args)
    if written is None:
        said = ("error", "Only the teacher (with the class key) can change the board or ask the room.")
    elif written:
        said = ("success", done)
    else:
        said = ("info", "The board is busy or away: the change is made as soon as it can be written.")
    messages.keep(say_in, *said)


def on_remove(board_id):
    number = st.session_state.get("board_remove_run")
    if number is not None:
        act("remove_run", board_id, number, done=f"Run {number} was removed from the board.")


def on_new_board():
    if st.session_state.get("board_confirm_new"):
        act("new_board", done="A new, empty board is open; the previous one is archived (see “Board” above).")
        st.session_state["board_confirm_new"] = False


def teacher_controls(rows, board_id):
    st.header("🔑 Teacher")
    left, right = st.columns(2)
    with left:
        if st.session_state.get("board_remove_run") not in {r["number"] for r in rows}:
            st.session_state.pop("board_remove_run", None)  # removed meanwhile: back to the newest run
        st.selectbox("A run to remove", [r["number"] for r in reversed(rows)], key="board_remove_run",
                     format_func=lambda n: f"run {n}",
                     help="A run that should not be on the board (a test, a mistake). It disappears from the "
                          "board for everyone; the board keeps it, marked removed.")
        st.button("🗑️ Remove this run", key="board_remove", on_click=on_remove, args=(board_id,), disabled=not rows,
                  help="Removes the chosen run from this board for everyone; the class's other runs stay.")
    with right:
        st.toggle("Yes, archive this board", key="board_confirm_new",
                  help="Confirms the button beside it: a new board starts empty, for a new class or a new "
                       "question. This board is kept as an archive, never deleted.")
        st.button("🆕 Start a new board", key="board_new", on_click=on_new_board,
                  disabled=not st.session_state.get("board_confirm_new"),
                  help="Archives the current board and opens an empty one. Students keep training as usual; "
                       "their next runs land on the new board.")
    downloads(rows, board_id)
    messages.show(MESSAGE)


def answers_table(store, board_id):
    """The room's answers on a board, one row per student and round: the question, the round, who (their nickname
    or "student N"), their letter and whether it was the right one."""
    asked = {q["id"]: (n, q["question"]) for n, q in enumerate(store.questions(board_id), start=1)}
    rows = []
    for answer in store.answers(board_id):
        number, question = asked[answer["question"]]
        right = question.get("right")
        rows.append({"question": number, "text": question["text"], "round": answer["round"],
                     "who": answer["nickname"] or f"student {answer['number']}",
                     "answer": ask_room.LETTERS[answer["option"]], "option": question["options"][answer["option"]],
                     "right": "" if right is None else "yes" if answer["option"] == right else "no"})
    return pd.DataFrame(rows, columns=["question", "text", "round", "who", "answer", "option", "right"])


def digits_csv(store, board_id):
    """The class's digits on a board in the form of Kaggle's train.csv: a header (label, pixel0 ... pixel783), then
    a line per digit, its label and its 784 numbers 0..255. No names, no times."""
    header = ",".join(["label", *(f"pixel{k}" for k in range(784))])
    lines = [",".join(map(str, [row["label"], *row["pixels"]])) for row in store.class_digits_table(board_id)]
    return "\n".join([header, *lines]) + "\n"


def digits_download(board_id, count, key):
    """The class's digits as CSV, a download of its own: the runs' CSV never holds them. The file is made when the
    button is pressed."""
    store = board_posts.store()
    st.download_button("⬇️ The class's digits (CSV)", lambda: digits_csv(store, board_id), key=key,
                       file_name=f"class-board-{board_id}-digits.csv", mime="text/csv", on_click="ignore",
                       width="stretch", disabled=not count,
                       help="The digits the class added on the Draw page, in the form of Kaggle's train.csv (label, "
                            "pixel0 ... pixel783, 0 to 255): no names, no times. The 🔢 The data page’s CSV upload "
                            "reads it.")


def class_digit_count(board_id):
    """How many digits the board's set holds (0 when it cannot be read)."""
    try:
        return board_posts.store().class_digits(board_id)[1].size
    except board_store.BoardError:
        return 0


def downloads(rows, board_id):
    """The board as CSV files for the teacher: its runs, the room's answers (question by question, round by
    round), and the class's digits apart. Only the teacher's tab has them: the answers name who gave them."""
    store = board_posts.store()
    left, right, digits = st.columns(3)
    with digits:
        digits_download(board_id, class_digit_count(board_id), key="board_download_digits")
    left.download_button("⬇️ The runs (CSV)", board_view.frame(rows).to_csv(index=False), file_name=
                         f"class-board-{board_id}-runs.csv", mime="text/csv", key="board_download_runs",
                         on_click="ignore", width="stretch", disabled=not rows,
                         help="Every run of this board with its hyperparameters and results, newest first.")
    try:
        answers = answers_table(store, board_id)
    except board_store.BoardError as error:
        right.warning(str(error))
        return
    right.download_button("⬇️ The room's answers (CSV)", answers.to_csv(index=False), file_name=
                          f"class-board-{board_id}-answers.csv", mime="text/csv", key="board_download_answers",
                          on_click="ignore", width="stretch", disabled=answers.empty,
                          help="One row per student and round of each question asked on this board: their letter, "
                               "and whether it was right.")
