"""The class board from the pages' side: this server's board file, the visitor as the board knows them, and
the posts the Training and Experiments pages make when a run finishes or is stopped (board_store writes
them, off the page's thread).

A visitor is a random token kept in their session (nothing that identifies a person: no name, no address), and
a nickname they may choose on the Class page. Posting never raises into a page: a board that cannot be written
is the Class page's business, not the lesson's.
"""

import logging
import secrets
import sys

import streamlit as st

import board_store
from training_runs import runs

log = logging.getLogger(__name__)

VISITOR = "board_visitor"  # session key: the visitor's random token
NICKNAME = "board_nickname"  # session key: the nickname they chose (None: "student N")
TEACHER = "board_teacher"  # session key: True once this tab opened the Class page with the server's key
SEEDS_POSTED = "board_seeds_posted"  # session key: [the Experiments seed batch, rows posted, its token]


def path():
    """Where this server's board lives: --class-board, $CLASS_BOARD_URL or $CLASS_BOARD_PATH (a file's path or a
    postgresql:// URL), else data/class_board.sqlite3."""
    return board_store.board_setting(argv=sys.argv[1:])


_checked = set()  # the boards this server process has checked once


def check_once():
    """At the first page this server process draws for a board: a board that cannot be used (a URL of another
    kind, a refused password, a database that is away, a file that is not a board) is said once in the server's log,
    in words and without its password; the Class page says it on the page. app.py calls it."""
    where = path()
    if board_store.board_key(where) in _checked:
        return
    _checked.add(board_store.board_key(where))
    try:
        store().boards()
    except board_store.BoardError as error:
        log.error("class board: %s", error)


def key():
    """The teacher's key of this server (--class-key or $CLASS_KEY), or None: then nobody removes anything."""
    return board_store.key_setting(argv=sys.argv[1:])


def follow_key():
    """?key=... in the address: the right key makes this tab the teacher's; a wrong one is refused and logged.
    app.py calls it first of all, so that on the very first run the tab is the teacher's (no student's question
    panel in it); the Class page calls it too, for a page run on its own. The key is taken out of the address at
    once, so a projector never shows it."""
    given = st.query_params.get("key")
    if given is None:
        return
    st.query_params.pop("key")
    configured = key()
    if configured is None:
        st.warning("🔑 This server was started without a class key, so the board is read-only for everyone. To "
                   "remove runs or start a new board, start it with CLASS_KEY set (or `-- --class-key ...`).")
    elif board_store.key_matches(given, configured):
        st.session_state[TEACHER] = True
        st.success("🔑 Teacher controls are on for this tab: ask the room on the 👥 Class page, send the class to a "
                   "page from any page's sidebar, and remove runs or start a new board at the bottom of the Class "
                   "page. The key has been taken out of the address, so the projector does not show it.")
    else:
        st.session_state.pop(TEACHER, None)
        log.warning("a wrong class key was given; the teacher controls stay off")
        st.error("🔑 That is not this server's class key: the teacher controls stay off.")


def teacher():
    """True in the tab that opened the Class page with the server's key (and while the server has one)."""
    return bool(st.session_state.get(TEACHER)) and key() is not None


def teacher_change(method, *args, wait=3.0):
    """A teacher's change of the board (a run removed, a question asked, the class sent to a page), written by
    this process's writer and waited for a little, so that the projector shows it at once. Returns None when this
    tab is not the teacher's (checked here again: a control only a teacher sees is still not trusted; nothing is
    written), True when written within `wait` seconds, False when the file was busy (it is written as soon as it
    is free)."""
    if not teacher():
        return None
    return written(method, *args, wait=wait)


def written(method, *args, wait=3.0):
    """A change of the board (a Board writing method and its arguments) written by this process's writer and waited
    for up to `wait` seconds, so that the page drawn next shows it: True when written, False when the file was busy
    (it is written as soon as it is free)."""
    changes = writer()
    changes.submit(method, *args)
    return changes.flush(timeout=wait)


def store() -> board_store.Board:
    """The board file, for reading (the page)."""
    return writer().board


def writer() -> board_store.Writer:
    """This process's writer for the board file; it also reports the runs this process is training."""
    return board_store.writer_for(path(), in_progress=runs.runs_in_progress)


def visitor():
    """This visitor's token on the board (made on first use, kept for the session)."""
    if VISITOR not in st.session_state:
        st.session_state[VISITOR] = secrets.token_hex(8)
    return st.session_state[VISITOR]


def nickname():
    return st.session_state.get(NICKNAME)


def set_nickname(text):
    """Keep the visitor's nickname (cleaned: see board_store.clean_nickname) and write it to the board."""
    cleaned = board_store.clean_nickname(text)
    st.session_state[NICKNAME] = cleaned
    _submit("set_nickname", visitor(), cleaned)
    return cleaned


def _submit(method, *args):
    try:
        writer().submit(method, *args)
    except Exception:  # the lesson goes on without the board
        log.exception("class board: could not queue %s", method)


def post(run_summary):
    """Post a run (board_store.summary) as this visitor, with their nickname as it is now."""
    _submit("add_run", visitor(), nickname(), run_summary)


def post_training_run(run):
    """The Training page's run (a runs.LiveRun), once it has finished, gone wrong, diverged or been stopped; a run
    with no step done, or loaded from a file, is not a run of this class. Posting the same run again (stopped,
    then trained on) updates its row. The board says what the page says: a run that went wrong is posted so,
    with the cause (run.problem)."""
    try:
        if run.step == 0 or run.training or run.loaded:  # a loaded network was not trained here, now
            return
        status = run.outcome if run.outcome in ("finished", "diverged", "went wrong") else "stopped"
        accuracy = {name: value for name, (_, value) in run.scores.items()}
        data = board_store.data_label(run.data_description)
        post(board_store.summary(f"training-{run.number}", "training", run.hp, data, run.step, run.total,
                                 accuracy.get("train"), accuracy.get("dev"), run.seconds, status, run.problem))
    except Exception:
        log.exception("class board: the Training page's run could not be posted")


def post_seed_runs(batch):
    """The Experiments page's seeds (a runs.Batch): each finished seed once, as a run of its own."""
    if batch is None:
        return
    try:
        posted = st.session_state.get(SEEDS_POSTED)
        if posted is None or posted[0] is not batch:
            posted = st.session_state[SEEDS_POSTED] = [batch, 0, secrets.token_hex(4)]
        for row in batch.rows[posted[1]:]:
            hp = next(job.hp for job in batch.jobs if job.columns.get("seed") == row["seed"])
            note = row.get("note", "")
            post(board_store.summary(f"seeds-{posted[2]}-{row['seed']}", "experiments", hp,
                                     board_store.data_label(batch.data_description), row["steps"],
                                     hp.iterations if hp.method == "full-batch" else row["steps"],
                                     fraction_of_percent(row.get("train accuracy")),
                                     fraction_of_percent(row.get("dev accuracy")),
                                     row["seconds"], "diverged" if note.startswith("diverged") else "finished"))
            posted[1] += 1
    except Exception:
        log.exception("class board: the Experiments page's seeds could not be posted")


def fraction_of_percent(value):
    """A table's percent (94.8) as the board keeps it (0.948); None stays None."""
    return None if value is None else value / 100
