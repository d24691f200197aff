"""The class board's store: a summary of every run trained on this server, in one SQLite file (no Streamlit here).

The Class page reads it; the Training and Experiments pages post to it when a run finishes or is stopped. The file
holds summaries only (who, when, the hyperparameters, the data, steps, accuracies, seconds, how it ended), never
weights. It is shared by every app process on the machine and survives a restart:

- WAL mode: readers never wait for a writer, so the page draws while a run is being written.
- Writes never happen on a page's thread. Each process has one Writer per file: a queue and a daemon thread that
  writes one item at a time, in order. A busy file ("database is locked": another process writing, a backup
  holding it) makes the item wait and try again, later and later; it is never dropped. At exit the queue is
  flushed (atexit), so a run posted just before the server stops is not lost.
- The file says what it is: `PRAGMA user_version` is its schema version. An older one is migrated step by step
  (MIGRATIONS); a newer one, or a SQLite file of something else, is refused with a message that says so.

A "board" is one class's page of runs: a teacher starts a new one for a new class, and the old one is archived
(kept, read-only), never deleted. Within a board, each visitor is "student 1", "student 2", ... in order of
arrival (their first post), unless they chose a nickname.
"""

import argparse
import atexit
import collections
import contextlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import fields
from pathlib import Path

from nn_core.training import Hyperparams

log = logging.getLogger(__name__)

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "class_board.sqlite3"
PATH_VARIABLE, KEY_VARIABLE = "CLASS_BOARD_PATH", "CLASS_KEY"
MAX_NICKNAME = 30  # characters
BUSY_WAIT = 1.0  # seconds SQLite itself waits for a lock before saying "database is locked"
FIRST_RETRY, LAST_RETRY = 0.05, 2.0  # seconds between two tries of a write the file refused, doubling
EXIT_WAIT = 10.0  # seconds the process waits at exit for the queue to be written
HEARTBEAT = 2.0  # seconds: how often a process says how many runs it is training (when the number changed)
HEARTBEAT_REFRESH = 20.0  # seconds: and at least this often while it is training some
HEARTBEAT_STALE = 60.0  # seconds: a process silent for this long counts no runs (it stopped without saying so)
STATUSES = ("finished", "stopped", "diverged")

SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE boards (
    id INTEGER PRIMARY KEY,
    opened REAL NOT NULL,               -- Unix time
    archived REAL                       -- when a new board replaced it; NULL for the current board
);
CREATE TABLE members (                  -- who is who on a board: never more than a number and a nickname
    board INTEGER NOT NULL REFERENCES boards(id),
    visitor TEXT NOT NULL,              -- a random token of the visitor's browser session
    number INTEGER NOT NULL,            -- "student 1", "student 2", ... in order of arrival on this board
    nickname TEXT,
    PRIMARY KEY (board, visitor),
    UNIQUE (board, number)
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    board INTEGER NOT NULL REFERENCES boards(id),
    number INTEGER NOT NULL,            -- "run 1", "run 2", ... in order of posting on this board
    uid TEXT NOT NULL,                  -- the visitor's name for the run: they update the row by posting it again
    visitor TEXT NOT NULL,
    page TEXT NOT NULL,                 -- "training" or "experiments"
    posted REAL NOT NULL,               -- Unix time of the last post
    hyperparams TEXT NOT NULL,          -- every field of nn_core.training.Hyperparams, as JSON
    alpha REAL NOT NULL,
    hidden_units INTEGER NOT NULL,      -- all hidden layers together
    method TEXT NOT NULL,
    data TEXT NOT NULL,                 -- "bundled sample", "full MNIST" or "uploaded CSV"
    steps INTEGER NOT NULL,
    total INTEGER NOT NULL,
    train_accuracy REAL,                -- 0 to 1
    dev_accuracy REAL,
    seconds REAL NOT NULL,
    status TEXT NOT NULL,               -- finished, stopped or diverged
    removed REAL,                       -- when the teacher removed it: kept in the file, never shown
    UNIQUE (board, visitor, uid),
    UNIQUE (board, number)
);
CREATE TABLE processes (                -- how many runs each app process is training right now
    name TEXT PRIMARY KEY,
    training INTEGER NOT NULL,
    seen REAL NOT NULL
);
INSERT INTO meta VALUES ('app', 'class board'), ('revision', '0');
"""

# MIGRATIONS[v] brings a file from schema version v to v + 1; the last version is this app's.
MIGRATIONS = [SCHEMA]


class BoardError(Exception):
    """The board file cannot be used (unreadable, not a board, from a newer app): the message says which, in
    words for the page."""


class BoardBusyError(BoardError):
    """The board file is busy for longer than BUSY_WAIT: try again in a moment."""


def is_busy(error):
    """True for SQLite's "database is locked" / "database is busy": try again later, and it will work."""
    return isinstance(error, sqlite3.OperationalError) and ("locked" in str(error) or "busy" in str(error))


# ---------------------------------------------------------------------------------------------------------
# Settings: where the file is, and the teacher's key
# ---------------------------------------------------------------------------------------------------------


def _command_line(argv):
    """--class-board PATH and --class-key KEY after `streamlit run app.py --` (other arguments are ignored)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--class-board")
    parser.add_argument("--class-key")
    return parser.parse_known_args(argv)[0]


def path_setting(environ=os.environ, argv=()):
    """The board file: --class-board on the command line, else $CLASS_BOARD_PATH, else data/class_board.sqlite3
    in the project folder (never the working directory)."""
    return Path(_command_line(list(argv)).class_board or environ.get(PATH_VARIABLE) or DEFAULT_PATH)


def key_setting(environ=os.environ, argv=()):
    """The teacher's key: --class-key on the command line, else $CLASS_KEY; None when neither is set."""
    return _command_line(list(argv)).class_key or environ.get(KEY_VARIABLE) or None


def key_matches(given, configured):
    """True only when a key is configured and `given` is exactly it (compared in constant time)."""
    if not configured or not given:
        return False
    return hmac.compare_digest(str(given).encode(), str(configured).encode())


# ---------------------------------------------------------------------------------------------------------
# What a post holds
# ---------------------------------------------------------------------------------------------------------


def clean_nickname(text):
    """A nickname as stored and shown: printable characters only (no line breaks or control characters), runs
    of spaces made one, at most MAX_NICKNAME characters. None when nothing is left (the board then says
    "student N"). It is always shown as plain text, never read as HTML or Markdown."""
    if text is None:
        return None
    kept = "".join(ch if ch.isprintable() else " " for ch in str(text))
    return " ".join(kept.split())[:MAX_NICKNAME].strip() or None


def data_label(description):
    """The data of a run in two words, from its description: nothing that names a visitor's file."""
    if description.startswith("Full MNIST"):
        return "full MNIST"
    if description.startswith("Bundled sample"):
        return "bundled sample"
    return "uploaded CSV"


def summary(uid, page, hp: Hyperparams, data, steps, total, train_accuracy, dev_accuracy, seconds, status):
    """A run as the board keeps it: plain values, no weights. Accuracies from 0 to 1 (None if not measured)."""
    if status not in STATUSES:
        raise ValueError(f"a run's status is one of {', '.join(STATUSES)}, not {status!r}")
    return {"uid": uid, "page": page, "hyperparams": hp.as_dict(), "data": data, "steps": int(steps),
            "total": int(total), "train_accuracy": _fraction(train_accuracy), "dev_accuracy": _fraction(dev_accuracy),
            "seconds": float(seconds), "status": status}


def _fraction(value):
    return None if value is None else float(value)


def hyperparams_of(stored):
    """Hyperparams from a row's JSON, keeping only the fields this version knows (the rest take defaults)."""
    known = {f.name for f in fields(Hyperparams)}
    values = {name: value for name, value in json.loads(stored).items() if name in known}
    if "hidden_sizes" in values:
        values["hidden_sizes"] = tuple(values["hidden_sizes"])
    return Hyperparams(**values)


# ---------------------------------------------------------------------------------------------------------
# The file
# ---------------------------------------------------------------------------------------------------------


class Board:
    """One board file. Every method opens its own short connection, so any thread may call any of them; the
    writing ones (add_run, set_nickname, remove_run, new_board, report_training) run one transaction each and
    raise sqlite3.OperationalError when the file is busy (the Writer tries again)."""

    def __init__(self, path):
        self.path = Path(path)
        self._cache = {}  # board id -> (revision, rows): the page rereads the rows only when something changed

    # --- connections -------------------------------------------------------------------------------------

    def _connect(self):
        connection = sqlite3.connect(self.path, timeout=BUSY_WAIT, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        return connection

    @contextlib.contextmanager
    def _reading(self):
        """A connection to read from, on a file of this app's schema (migrated first if it is older)."""
        try:
            connection = self._connect()
        except sqlite3.Error as error:
            raise BoardError(self._unreadable(error)) from error
        try:
            self._check(connection)
            yield connection
        except sqlite3.Error as error:
            if is_busy(error):
                raise BoardBusyError("The board file is busy (another program is writing to it); the board "
                                       "shows again as soon as it is free.") from error
            raise BoardError(self._unreadable(error)) from error
        finally:
            connection.close()

    @contextlib.contextmanager
    def _writing(self):
        """One write transaction (BEGIN IMMEDIATE: it takes the write lock at once, or says the file is busy)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = self._connect()
        try:
            self._check(connection)
            connection.execute("BEGIN IMMEDIATE")
            yield connection
            connection.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE name = 'revision'")
            connection.execute("COMMIT")
        finally:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            connection.close()

    def _unreadable(self, error):
        return (f"The class board file {self.path.name} cannot be read ({error}). Check that it exists and that the "
                f"server may read and write it, or point {PATH_VARIABLE} at another file.")

    def _check(self, connection):
        """Make sure the file is a board of this app's schema: create it when empty, migrate it when older,
        refuse it (BoardError) when it is newer or something else."""
        connection.execute("BEGIN")  # one snapshot: another process may be creating the tables right now
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            tables = connection.execute("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").fetchone()[0]
        finally:
            connection.execute("COMMIT")
        if version == len(MIGRATIONS):
            return
        if version > len(MIGRATIONS):
            raise BoardError(
                f"The class board file {self.path.name} was written by a newer version of this app (schema "
                f"{version}; this version reads up to {len(MIGRATIONS)}). Update the app, or point {PATH_VARIABLE} "
                "at another file: this one is left as it is.")
        if version == 0 and tables:
            raise BoardError(
                f"{self.path.name} is a SQLite file, but not a class board (it holds other tables), so it is left "
                f"as it is. Point {PATH_VARIABLE} at another file.")
        self._migrate(connection, version)

    def _migrate(self, connection, version):
        """Apply MIGRATIONS[version:], each step in its own transaction with its version number."""
        connection.execute("PRAGMA journal_mode = WAL")  # kept by the file: every later connection uses it
        for step in range(version, len(MIGRATIONS)):
            connection.execute("BEGIN IMMEDIATE")
            try:
                if connection.execute("PRAGMA user_version").fetchone()[0] != step:  # another process did it
                    connection.execute("ROLLBACK")
                    continue
                for statement in _statements(MIGRATIONS[step]):
                    connection.execute(statement)
                if step == 0:
                    connection.execute("INSERT INTO boards (opened) VALUES (?)", (time.time(),))
                connection.execute(f"PRAGMA user_version = {step + 1}")
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            log.info("class board %s: schema %d -> %d", self.path.name, step, step + 1)

    # --- reading (the page) ------------------------------------------------------------------------------

    def exists(self):
        return self.path.exists()

    def boards(self):
        """Every board, newest first: [{"id", "opened", "archived"}, ...]; [] when there is no file yet."""
        if not self.exists():
            return []
        with self._reading() as connection:
            return [dict(row) for row in connection.execute("SELECT * FROM boards ORDER BY id DESC")]

    def runs(self, board=None):
        """The runs of a board (the current one by default), oldest first, each a dict with "who" as the board
        shows it. Removed runs are left out. Read again only when the file changed."""
        if not self.exists():
            return []
        with self._reading() as connection:
            board = board or _current(connection)
            revision = connection.execute("SELECT value FROM meta WHERE name = 'revision'").fetchone()[0]
            cached = self._cache.get(board)
            if cached and cached[0] == revision:
                return cached[1]
            rows = [_as_run(row) for row in connection.execute(
                "SELECT runs.*, members.number AS member, members.nickname FROM runs LEFT JOIN members "
                "ON members.board = runs.board AND members.visitor = runs.visitor "
                "WHERE runs.board = ? AND runs.removed IS NULL ORDER BY runs.number", (board,))]
        self._cache = {board: (revision, rows)}
        return rows

    def member(self, visitor, board=None):
        """How a visitor appears on a board: {"number", "nickname", "who"}, or None before their first post."""
        if not self.exists():
            return None
        with self._reading() as connection:
            row = connection.execute("SELECT number, nickname FROM members WHERE board = ? AND visitor = ?",
                                     (board or _current(connection), visitor)).fetchone()
        return None if row is None else {**dict(row), "who": _who(row["number"], row["nickname"])}

    def training_elsewhere(self, me, now=None):
        """Runs in progress in the other app processes sharing this file (by what they last reported)."""
        if not self.exists():
            return 0
        now = time.time() if now is None else now
        with self._reading() as connection:
            return connection.execute("SELECT coalesce(sum(training), 0) FROM processes WHERE name != ? AND seen > ?",
                                      (me, now - HEARTBEAT_STALE)).fetchone()[0]

    # --- writing (the Writer's thread) -------------------------------------------------------------------

    def add_run(self, visitor, nickname, run, now=None):
        """Post a run (a `summary`) for a visitor on the current board; the same visitor posting the same uid again
        updates it.
        The visitor joins the board (gets their number) with their first post."""
        now = time.time() if now is None else now
        hp = hyperparams_of(json.dumps(run["hyperparams"]))
        values = {**run, "hyperparams": json.dumps(hp.as_dict()), "visitor": visitor, "posted": now,
                  "alpha": hp.alpha, "hidden_units": sum(hp.hidden_sizes), "method": hp.method}
        with self._writing() as connection:
            board = _current(connection)
            _join(connection, board, visitor, nickname)
            number = connection.execute("SELECT coalesce(max(number), 0) + 1 FROM runs WHERE board = ?",
                                        (board,)).fetchone()[0]
            columns = ("uid", "visitor", "page", "posted", "hyperparams", "alpha", "hidden_units", "method", "data",
                       "steps", "total", "train_accuracy", "dev_accuracy", "seconds", "status")
            updated = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in ("uid", "visitor"))
            connection.execute(
                f"INSERT INTO runs (board, number, {', '.join(columns)}) VALUES (?, ?{', ?' * len(columns)}) "
                f"ON CONFLICT (board, visitor, uid) DO UPDATE SET {updated}",
                (board, number, *(values[c] for c in columns)))

    def set_nickname(self, visitor, nickname):
        """A visitor's nickname on the current board (None: back to "student N"); they join it if new."""
        with self._writing() as connection:
            _join(connection, _current(connection), visitor, nickname)

    def remove_run(self, board, number, now=None):
        """Hide a run from its board (the teacher's control); it stays in the file, marked removed."""
        with self._writing() as connection:
            connection.execute("UPDATE runs SET removed = ? WHERE board = ? AND number = ? AND removed IS NULL",
                               (time.time() if now is None else now, board, number))

    def new_board(self, now=None):
        """Archive the current board and open an empty one (the teacher's control). Nothing is deleted."""
        now = time.time() if now is None else now
        with self._writing() as connection:
            connection.execute("UPDATE boards SET archived = ? WHERE archived IS NULL", (now,))
            connection.execute("INSERT INTO boards (opened) VALUES (?)", (now,))

    def report_training(self, process, count, now=None):
        """How many runs an app process is training now (None: the process is leaving)."""
        with self._writing() as connection:
            if count is None:
                connection.execute("DELETE FROM processes WHERE name = ?", (process,))
            else:
                connection.execute("INSERT OR REPLACE INTO processes VALUES (?, ?, ?)",
                                   (process, int(count), time.time() if now is None else now))


def _statements(script):
    """The statements of a SQL script, one by one (executescript would commit the transaction around them)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    return statements


def _current(connection):
    return connection.execute("SELECT max(id) FROM boards WHERE archived IS NULL").fetchone()[0]


def _join(connection, board, visitor, nickname):
    """The visitor's row on the board: a new number in order of arrival, and their nickname as it is now."""
    connection.execute(
        "INSERT INTO members (board, visitor, number, nickname) "
        "VALUES (?, ?, (SELECT coalesce(max(number), 0) + 1 FROM members WHERE board = ?), ?) "
        "ON CONFLICT (board, visitor) DO UPDATE SET nickname = excluded.nickname",
        (board, visitor, board, clean_nickname(nickname)))


def _who(number, nickname):
    return nickname or f"student {number}"


def _as_run(row):
    run = dict(row)
    run["who"] = _who(run.pop("member"), run.pop("nickname"))
    run["hyperparams"] = hyperparams_of(run["hyperparams"])
    return run


# ---------------------------------------------------------------------------------------------------------
# The writer: one queue and one thread per process and file
# ---------------------------------------------------------------------------------------------------------


class Writer:
    """Writes a board's posts in order, in a daemon thread, so that no page ever waits for the file.

    submit(method, *args) queues a call of a Board writing method. A busy file makes the call wait and try again
    (FIRST_RETRY s, doubling up to LAST_RETRY s), as long as it takes: nothing is dropped. Another error (an
    unreadable file) is logged and kept in `problem` for the page, and the call is tried again the same way.
    With `in_progress` (a function: runs training in this process now), the thread also reports that number
    (Board.report_training), so that every process sharing the file can show the class's runs in progress.
    """

    def __init__(self, board: Board, in_progress=None):
        self.board, self.in_progress = board, in_progress
        self.process = f"{os.getpid()}-{secrets.token_hex(3)}"
        self.queue = collections.deque()
        self.changed = threading.Condition()
        self.writing = False  # an item is being written (it stays in the queue until it is)
        self.retries = 0  # times the file was busy
        self.problem = None  # the last error other than a busy file, until a write succeeds again
        self.reported = (None, 0.0)  # (count, time) last reported
        self.closed = False
        self.thread = threading.Thread(target=self._loop, daemon=True, name=f"class board {board.path.name}")
        self.thread.start()
        atexit.register(self.close)

    def submit(self, method, *args):
        with self.changed:
            self.queue.append((method, args))
            self.changed.notify_all()

    @property
    def waiting(self):
        """Posts not written yet."""
        return len(self.queue)

    def flush(self, timeout):
        """Wait up to `timeout` s until everything submitted so far is written. True if it was."""
        with self.changed:
            return self.changed.wait_for(lambda: not self.queue, timeout)

    def close(self, timeout=EXIT_WAIT):
        """At exit: say this process trains nothing any more, then write what is queued (up to `timeout` s)."""
        if self.closed:
            return
        if self.in_progress is not None and self.reported[0] is not None:
            self.submit("report_training", self.process, None)
        with self.changed:
            self.closed = True  # the thread ends once the queue is empty
            self.changed.notify_all()
        if not self.flush(timeout):
            log.warning("class board %s: %d posts could not be written before the server stopped",
                        self.board.path.name, self.waiting)

    def _loop(self):
        delay = FIRST_RETRY
        while True:
            with self.changed:
                self.changed.wait_for(lambda: self.queue or self.closed, timeout=HEARTBEAT)
                item = self.queue[0] if self.queue else None
            if item is None:
                if self.closed:
                    return
                self._heartbeat()
                continue
            method, args = item
            try:
                getattr(self.board, method)(*args)
            except (sqlite3.Error, OSError, BoardError) as error:
                if is_busy(error):
                    self.retries += 1
                else:
                    if str(error) != self.problem:
                        log.warning("class board %s: %s failed, will try again: %s", self.board.path.name, method,
                                    error)
                    self.problem = str(error)
                time.sleep(delay)
                delay = min(2 * delay, LAST_RETRY)
                continue
            except Exception:  # a mistake in the post itself: trying again would fail the same way
                log.exception("class board %s: %s%r could not be written", self.board.path.name, method, args)
            self.problem, delay = None, FIRST_RETRY
            with self.changed:
                self.queue.popleft()
                self.changed.notify_all()
            if not self.queue:
                self._heartbeat()

    def _heartbeat(self):
        if self.in_progress is None or self.closed:
            return
        count, now = self.in_progress(), time.time()
        last, when = self.reported
        if count != last or (count and now - when > HEARTBEAT_REFRESH):
            self.reported = (count, now)
            self.submit("report_training", self.process, count)


_writers = {}
_writers_lock = threading.Lock()


def writer_for(path, in_progress=None) -> Writer:
    """The one Writer of this process for the board file at `path` (started on first use)."""
    key = Path(path).resolve()
    with _writers_lock:
        if key not in _writers:
            _writers[key] = Writer(Board(key), in_progress)
        return _writers[key]


def forget_writer(path, timeout=EXIT_WAIT):
    """Close the Writer of a file, if this process has one, after writing what it can within `timeout` s."""
    with _writers_lock:
        writer = _writers.pop(Path(path).resolve(), None)
    if writer is not None:
        writer.close(timeout)
