"""Tests for board_store/, the class board's store and its writer: what a post keeps, numbering by arrival,
nicknames cut to plain text, the teacher's key, archived boards, 20 writers at once (threads and two processes)
losing nothing, a restart, a locked file that delays a write without losing it, and boards the app must refuse
(from a newer version, another program's database, not a database at all) or migrate (an older version).

The tests that take `store` or `board_location` run twice: on a SQLite file and on a PostgreSQL database
(conftest.board_location). The SQLite file's own ways (WAL, a locked file, a file from before) are tested on it
alone; PostgreSQL's own (a server away and back, a refused password) in tests/test_board_postgresql.py.
"""

import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from class_runs import a_class, fill
from sqlalchemy import inspect, text

import board_store
from nn_core.training import NOTEBOOK, Hyperparams

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(board_location):
    return board_store.Board(board_location)


def a_run(uid="r1", alpha=0.1, status="finished", dev=0.85, steps=500):
    hp = NOTEBOOK.with_changes(alpha=alpha)
    return board_store.summary(uid, "training", hp, "bundled sample", steps, 500, 0.86, dev, 11.5, status)


def count(store):
    """Every run the board holds, removed ones and archived boards' too."""
    with store.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM runs")).scalar()


def test_the_store_holds_no_streamlit():
    code = "import sys, board_store; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------------------
# What a post keeps
# ---------------------------------------------------------------------------------------------------------


def test_a_run_is_kept_with_its_summary_and_no_weights(store):
    hp = Hyperparams(hidden_sizes=(32, 16), alpha=0.5, method="mini-batch", seed=3)
    store.add_run("v1", None, board_store.summary("r1", "training", hp, "bundled sample", 420, 423, 0.97, 0.955, 3.2,
                                                  "stopped"), now=1000.0)
    (run,) = store.runs()
    assert run["hyperparams"] == hp
    assert (run["alpha"], run["hidden_units"], run["method"]) == (0.5, 48, "mini-batch")
    assert (run["steps"], run["total"], run["status"], run["posted"]) == (420, 423, "stopped", 1000.0)
    assert (run["train_accuracy"], run["dev_accuracy"], run["seconds"]) == (0.97, 0.955, 3.2)
    assert (run["who"], run["number"], run["page"], run["data"]) == ("student 1", 1, "training", "bundled sample")
    with store.engine.connect() as connection:
        columns = {column["name"] for column in inspect(connection).get_columns("runs")}
    assert not columns & {"W1", "W2", "params", "weights"}


def test_a_board_file_is_in_wal_mode(tmp_path):
    store = board_store.Board(tmp_path / "board.sqlite3")
    store.add_run("v1", None, a_run())
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_posting_a_run_again_updates_it(store):
    store.add_run("v1", None, a_run("r1", status="stopped", steps=200, dev=0.6))
    store.add_run("v1", None, a_run("r1", status="finished", steps=500, dev=0.85))
    (run,) = store.runs()
    assert (run["steps"], run["status"], run["dev_accuracy"], run["number"]) == (500, "finished", 0.85, 1)


def test_two_visitors_runs_of_the_same_name_are_two_runs(store):
    store.add_run("v1", None, a_run("training-1", dev=0.8))
    store.add_run("v2", None, a_run("training-1", dev=0.7))
    assert [(r["who"], r["dev_accuracy"]) for r in store.runs()] == [("student 1", 0.8), ("student 2", 0.7)]


def test_students_are_numbered_in_order_of_arrival_unless_they_chose_a_nickname(store):
    store.add_run("late", None, a_run("a"))
    store.set_nickname("later", "Ada")
    store.add_run("late", None, a_run("b"))
    store.add_run("last", None, a_run("c"))
    assert [r["who"] for r in store.runs()] == ["student 1", "student 1", "student 3"]
    assert store.member("later") == {"number": 2, "nickname": "Ada", "who": "Ada"}
    assert store.member("nobody") is None


def test_a_nickname_is_printable_text_cut_to_30_characters():
    hostile = "<script>alert(1)</script> **bold** [link](http://x) <b>" + "x" * 5000
    cleaned = board_store.clean_nickname(hostile)
    assert cleaned == hostile[:30] and len(cleaned) == board_store.MAX_NICKNAME
    assert board_store.clean_nickname("Ada\n\tLove\x00lace\u202e\u200b ") == "Ada Love lace"
    assert board_store.clean_nickname("Zoë 🚀") == "Zoë 🚀"
    assert board_store.clean_nickname("   \n ") is None and board_store.clean_nickname(None) is None


def test_the_store_cuts_a_nickname_too(store):
    store.add_run("v1", "<b>" + "y" * 5000, a_run())
    (run,) = store.runs()
    assert run["who"] == "<b>" + "y" * 27


def test_a_status_must_be_one_the_board_knows():
    with pytest.raises(ValueError, match="finished, stopped, diverged"):
        a_run(status="paused")


def test_the_data_is_named_in_two_words_never_by_a_visitors_file_name():
    assert board_store.data_label("Full MNIST (60,000 training + 10,000 test digits) from mnist.npz") == "full MNIST"
    assert board_store.data_label("Bundled sample: 10,000 real MNIST training digits") == "bundled sample"
    assert board_store.data_label("120 labelled digits from jane_doe_homework.csv") == "uploaded CSV"


def test_an_empty_or_missing_file_is_an_empty_board(tmp_path):
    store = board_store.Board(tmp_path / "board.sqlite3")
    assert store.runs() == [] and store.boards() == [] and store.training_elsewhere("me") == 0
    assert not store.path.exists()  # reading never creates the file


def test_an_empty_database_becomes_a_board_when_first_read(store):
    assert store.runs() == [] and len(store.boards()) in (0, 1) and store.training_elsewhere("me") == 0


# ---------------------------------------------------------------------------------------------------------
# Settings and the teacher's key
# ---------------------------------------------------------------------------------------------------------


def test_the_board_is_a_setting_with_a_file_under_data_by_default():
    assert board_store.board_setting({}, []) == ROOT / "data" / "class_board.sqlite3"
    assert board_store.board_setting({"CLASS_BOARD_PATH": "/srv/b.sqlite3"}, []) == Path("/srv/b.sqlite3")
    from_command_line = board_store.board_setting({"CLASS_BOARD_PATH": "/srv/b"}, ["--class-board", "/x.db", "--other"])
    assert from_command_line == Path("/x.db")
    url = "postgresql://board:pw@db.school:5432/board"
    assert board_store.board_setting({"CLASS_BOARD_URL": url, "CLASS_BOARD_PATH": "/srv/b"}, []) == url
    assert board_store.board_setting({}, ["--class-board", url]) == url


def test_a_url_that_names_no_postgresql_database_is_a_clear_error_without_the_password():
    for url, said in (("mysql://ada:hunter2@db/board", "not in mysql"),
                      ("postgresql://ada:hunter2@db:notaport/board", "not a database URL")):
        store = board_store.Board(url)
        with pytest.raises(board_store.BoardError, match=said) as refused:
            store.runs()
        assert "hunter2" not in str(refused.value) and "hunter2" not in store.name
        writer = board_store.Writer(store)
        writer.submit("add_run", "v1", None, a_run())
        deadline = time.monotonic() + 30
        while writer.problem is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert said in writer.problem and "hunter2" not in writer.problem and writer.waiting == 1
        writer.close(timeout=0)


def test_the_key_comes_from_the_environment_or_the_command_line():
    assert board_store.key_setting({}, []) is None
    assert board_store.key_setting({"CLASS_KEY": ""}, []) is None
    assert board_store.key_setting({"CLASS_KEY": "owl"}, []) == "owl"
    assert board_store.key_setting({"CLASS_KEY": "owl"}, ["--class-key=lark"]) == "lark"


def test_only_the_configured_key_matches():
    assert board_store.key_matches("owl", "owl")
    assert not board_store.key_matches("owl ", "owl") and not board_store.key_matches("OWL", "owl")
    assert not board_store.key_matches("", "owl") and not board_store.key_matches(None, "owl")
    assert not board_store.key_matches("owl", None) and not board_store.key_matches("", None)  # no key: nobody


def test_a_new_board_archives_the_old_one_and_deletes_nothing(store):
    fill(store, a_class(5, students=3))
    old = store.boards()[0]["id"]
    store.new_board()
    store.add_run("v1", None, a_run("fresh"))
    current, archived = store.boards()
    assert archived["id"] == old and archived["archived"] is not None and current["archived"] is None
    assert len(store.runs()) == 1 and store.runs()[0]["who"] == "student 1"  # numbering starts again
    assert len(store.runs(old)) == 5
    assert count(store) == 6


def test_a_removed_run_leaves_the_board_but_stays_in_the_file(store):
    fill(store, a_class(3, students=3))
    store.remove_run(store.boards()[0]["id"], 2)
    assert [r["number"] for r in store.runs()] == [1, 3]
    assert count(store) == 3


# ---------------------------------------------------------------------------------------------------------
# Many writers, a restart, a locked file
# ---------------------------------------------------------------------------------------------------------

POSTER = textwrap.dedent("""
    import sys
    import board_store
    from nn_core.training import NOTEBOOK
    path, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    writer = board_store.writer_for(path)
    for k in range(n):
        writer.submit("add_run", name, None, board_store.summary(f"{name}-{k}", "training",
                            NOTEBOOK.with_changes(seed=k), "bundled sample", 500, 500, 0.9, 0.85, 10.0, "finished"))
    # no flush here: the writer's atexit hook writes the queue before the process ends
""")


def posting_process(path, name, n):
    return subprocess.Popen([sys.executable, "-c", POSTER, str(path), name, str(n)], cwd=ROOT)


def test_twenty_writers_at_once_threads_and_two_processes_lose_nothing(board_location):
    path, per_writer = board_location, 15
    board_store.Board(path).set_nickname("setup", None)  # the file exists before the race
    processes = [posting_process(path, f"process-{p}", per_writer) for p in range(2)]
    writers = [board_store.Writer(board_store.Board(path)) for _ in range(18)]  # each its own thread and connection

    def post(k, writer):
        for j in range(per_writer):
            writer.submit("add_run", f"thread-{k}", None, a_run(f"thread-{k}-{j}"))

    threads = [threading.Thread(target=post, args=(k, w)) for k, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(writer.flush(timeout=120) for writer in writers)
    assert [p.wait(timeout=120) for p in processes] == [0, 0]
    runs = board_store.Board(path).runs()
    assert len(runs) == 20 * per_writer
    assert len({r["uid"] for r in runs}) == 20 * per_writer
    assert sorted(r["number"] for r in runs) == list(range(1, 20 * per_writer + 1))
    assert len({r["visitor"] for r in runs}) == 20
    print(f"busy retries across the 18 threads' writers: {sum(w.retries for w in writers)}")


def test_twenty_threads_sharing_the_process_writer_lose_nothing(board_location):
    writer = board_store.writer_for(board_location)
    threads = [threading.Thread(target=lambda k=k: [writer.submit("add_run", f"v{k}", None, a_run(f"{k}-{j}"))
                                                    for j in range(10)]) for k in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert writer.flush(timeout=60)
    assert len(writer.board.runs()) == 200
    assert board_store.writer_for(board_location) is writer  # one writer per process and board


def test_the_board_survives_a_restart(board_location):
    path = board_location
    assert posting_process(path, "before-restart", 7).wait(timeout=120) == 0  # a server that posted and stopped
    reader = subprocess.run([sys.executable, "-c", "import sys; import board_store; "
                             "print(len(board_store.Board(sys.argv[1]).runs()))", str(path)],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    assert reader.stdout.strip() == "7"  # the next server sees them


def test_a_locked_file_delays_a_write_and_then_writes_it(tmp_path):
    path = tmp_path / "board.sqlite3"
    store = board_store.Board(path)
    store.set_nickname("v0", None)
    writer = board_store.Writer(store)
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # another program holds the file
    try:
        writer.submit("add_run", "v1", None, a_run("while-locked"))
        deadline = time.monotonic() + 30
        while writer.retries < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert writer.retries >= 2, "the writer never found the file locked"
        assert not writer.flush(timeout=0.5) and writer.waiting == 1
        assert store.runs() == []  # readers still read (WAL): the board is there, without the run yet
    finally:
        locker.execute("COMMIT")
        locker.close()
    assert writer.flush(timeout=30)
    assert [r["uid"] for r in store.runs()] == ["while-locked"]
    assert writer.problem is None


def test_an_unwritable_file_keeps_the_posts_and_says_why(tmp_path):
    store = board_store.Board(tmp_path / "a folder, not a file")
    store.path.mkdir()
    writer = board_store.Writer(store)
    writer.submit("add_run", "v1", None, a_run())
    deadline = time.monotonic() + 30
    while writer.problem is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "unable to open" in writer.problem and writer.waiting == 1
    writer.close(timeout=0)  # nothing more to wait for at exit


def test_each_process_reports_its_runs_in_progress(board_location):
    path = board_location
    busy = board_store.Writer(board_store.Board(path), in_progress=lambda: 3)
    deadline = time.monotonic() + 30
    while board_store.Board(path).training_elsewhere("someone else") != 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert board_store.Board(path).training_elsewhere("someone else") == 3
    assert board_store.Board(path).training_elsewhere(busy.process) == 0  # a process counts its own runs itself
    later = time.time() + board_store.HEARTBEAT_STALE + 1
    assert board_store.Board(path).training_elsewhere("someone else", now=later) == 0
    busy.close(timeout=30)  # leaving: its runs no longer count
    assert board_store.Board(path).training_elsewhere("someone else") == 0


# ---------------------------------------------------------------------------------------------------------
# Files from other versions, and files that are not boards
# ---------------------------------------------------------------------------------------------------------


def schema_version(store):
    with store.engine.connect() as connection:
        return int(connection.execute(text("SELECT value FROM meta WHERE name = 'schema'")).scalar())


def test_a_board_from_a_newer_version_is_refused_and_left_alone(store):
    store.add_run("v1", None, a_run())
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE meta SET value = '99' WHERE name = 'schema'"))
    with pytest.raises(board_store.BoardError, match="newer version of this app.*schema 99"):
        store.runs()
    with pytest.raises(board_store.BoardError):
        store.add_run("v2", None, a_run("r2"))
    assert count(store) == 1


def test_another_programs_database_is_refused(board_location):
    engine = board_store.Board(board_location).engine
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE grades (student TEXT, grade REAL)"))
    with pytest.raises(board_store.BoardError, match="not a class board"):
        board_store.Board(board_location).runs()
    with engine.connect() as connection:
        assert inspect(connection).get_table_names() == ["grades"]


def test_a_file_that_is_not_a_database_gives_a_clear_message(tmp_path):
    path = tmp_path / "board.sqlite3"
    path.write_bytes(b"these are not the droids" * 100)
    with pytest.raises(board_store.BoardError, match="cannot be read .*file is not a database.*CLASS_BOARD_PATH"):
        board_store.Board(path).runs()


def test_a_board_from_an_older_version_is_migrated_and_keeps_its_runs(board_location, monkeypatch):
    board_store.Board(board_location).add_run("v1", "Ada", a_run())  # written at this app's schema

    def comments(connection, now):
        connection.execute(text("ALTER TABLE runs ADD COLUMN comment TEXT"))

    newer = [*board_store.MIGRATIONS, comments]
    monkeypatch.setattr(board_store.schema, "MIGRATIONS", newer)
    store = board_store.Board(board_location)
    assert [r["who"] for r in store.runs()] == ["Ada"]
    assert schema_version(store) == len(newer)
    with store.engine.connect() as connection:
        assert "comment" in {column["name"] for column in inspect(connection).get_columns("runs")}


def test_a_file_of_this_schema_from_before_the_version_row_is_read_and_gains_the_row(tmp_path):
    store = board_store.Board(tmp_path / "board.sqlite3")
    store.add_run("v1", "Ada", a_run())
    with sqlite3.connect(store.path) as connection:  # as the app wrote it before: the version in user_version only
        connection.execute("DELETE FROM meta WHERE name = 'schema'")
        assert connection.execute("PRAGMA user_version").fetchone()[0] == len(board_store.MIGRATIONS)
    again = board_store.Board(store.path)
    assert [r["who"] for r in again.runs()] == ["Ada"]
    assert schema_version(again) == len(board_store.MIGRATIONS)


# The tables of a board file as the app's first schema wrote them, in SQLite's own words (before SQLAlchemy).
SCHEMA_1 = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE boards (id INTEGER PRIMARY KEY, opened REAL NOT NULL, archived REAL);
CREATE TABLE members (board INTEGER NOT NULL REFERENCES boards(id), visitor TEXT NOT NULL, number INTEGER NOT NULL,
    nickname TEXT, PRIMARY KEY (board, visitor), UNIQUE (board, number));
CREATE TABLE runs (id INTEGER PRIMARY KEY, board INTEGER NOT NULL REFERENCES boards(id), number INTEGER NOT NULL,
    uid TEXT NOT NULL, visitor TEXT NOT NULL, page TEXT NOT NULL, posted REAL NOT NULL, hyperparams TEXT NOT NULL,
    alpha REAL NOT NULL, hidden_units INTEGER NOT NULL, method TEXT NOT NULL, data TEXT NOT NULL,
    steps INTEGER NOT NULL, total INTEGER NOT NULL, train_accuracy REAL, dev_accuracy REAL, seconds REAL NOT NULL,
    status TEXT NOT NULL, removed REAL, UNIQUE (board, visitor, uid), UNIQUE (board, number));
CREATE TABLE processes (name TEXT PRIMARY KEY, training INTEGER NOT NULL, seen REAL NOT NULL);
INSERT INTO meta VALUES ('app', 'class board'), ('revision', '0');
INSERT INTO boards (opened) VALUES (1000.0);
INSERT INTO members VALUES (1, 'v1', 1, 'Ada');
PRAGMA user_version = 1;
"""


def test_a_schema_1_file_gains_the_problem_column_and_keeps_its_runs(tmp_path):
    path = tmp_path / "board.sqlite3"
    with sqlite3.connect(path) as connection:  # a file written by the app before runs could "go wrong"
        connection.executescript(SCHEMA_1)
        connection.execute(
            "INSERT INTO runs (board, number, uid, visitor, page, posted, hyperparams, alpha, hidden_units, method, "
            "data, steps, total, train_accuracy, dev_accuracy, seconds, status) VALUES (1, 1, 'r1', 'v1', "
            "'training', 1000.0, ?, 0.1, 10, 'full-batch', 'bundled sample', 500, 500, 0.86, 0.85, 11.5, "
            "'finished')", (json.dumps(NOTEBOOK.as_dict()),))
    store = board_store.Board(path)
    run = store.runs()[0]
    assert (run["who"], run["status"], run["dev_accuracy"], run["problem"]) == ("Ada", "finished", 0.85, None)
    assert schema_version(store) == len(board_store.MIGRATIONS)
    with sqlite3.connect(path) as connection:  # what an earlier version of the app reads
        assert connection.execute("PRAGMA user_version").fetchone()[0] == len(board_store.MIGRATIONS)
    store.add_run("v1", "Ada", board_store.summary("r2", "training", NOTEBOOK.with_changes(alpha=5.0),
                                                   "bundled sample", 500, 500, 0.113, 0.112, 12.0, "went wrong",
                                                   "9 of 10 ReLU units dead (α 5 too large)"))
    assert [(r["status"], r["problem"]) for r in store.runs()] == [
        ("finished", None), ("went wrong", "9 of 10 ReLU units dead (α 5 too large)")]
    store.ask({"text": "Did it keep the runs?", "options": ["yes", "no"], "right": 0})  # schema 3's tables too
    assert store.current_question()["question"]["text"] == "Did it keep the runs?"


def test_only_a_run_that_went_wrong_keeps_a_problem():
    assert a_run(status="went wrong")["problem"] is None  # no cause given
    hp = NOTEBOOK.with_changes(hidden_sizes=(1,))
    wrong = board_store.summary("r", "training", hp, "bundled sample", 500, 500, 0.23, 0.233, 9.0, "went wrong",
                                "1 hidden unit: too few for ten digits")
    assert wrong["problem"] == "1 hidden unit: too few for ten digits"
    fine = board_store.summary("r", "training", hp, "bundled sample", 500, 500, 0.23, 0.233, 9.0, "finished",
                               "ignored")
    assert fine["problem"] is None


def test_a_class_of_runs_reads_quickly(store):
    fill(store, a_class(500))
    start = time.perf_counter()
    runs = store.runs()
    first = time.perf_counter() - start
    start = time.perf_counter()
    assert store.runs() is runs  # nothing changed: the rows read last time
    again = time.perf_counter() - start
    assert len(runs) == 500 and len({r["visitor"] for r in runs}) == 20
    print(f"500 runs: read in {1000 * first:.0f} ms, unchanged in {1000 * again:.1f} ms")
