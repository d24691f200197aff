"""The class board's store: a summary of every run trained on this server, in one SQLite file (no Streamlit here).

The Class page reads it; the Training and Experiments pages post to it when a run finishes or is stopped. The file
holds summaries only (who, when, the hyperparameters, the data, steps, accuracies, seconds, how it ended), never
weights. It is shared by every app process on the machine and survives a restart:

- WAL mode: readers never wait for a writer, so the page draws while a run is being written.
- Writes never happen on a page's thread: writer.py queues them and writes them in a thread of their own.
- The file says what it is (schema.py): an older one is migrated step by step; a newer one, or a SQLite file of
  something else, is refused with a message that says so.

A "board" is one class's page of runs: a teacher starts a new one for a new class, and the old one is archived
(kept, read-only), never deleted. Within a board, each visitor is "student 1", "student 2", ... in order of
arrival (their first post), unless they chose a nickname.
"""

import contextlib
import json
import logging
import sqlite3
import time
from dataclasses import fields
from pathlib import Path

from board_store import schema
from board_store.challenges import Challenges
from board_store.class_digits import ClassDigits
from board_store.room import Room, current_board
from board_store.schema import STATUSES
from board_store.settings import PATH_VARIABLE
from nn_core.training import Hyperparams

log = logging.getLogger(__name__)

MAX_NICKNAME = 30  # characters
BUSY_WAIT = 1.0  # seconds SQLite itself waits for a lock before saying "database is locked"
HEARTBEAT_STALE = 60.0  # seconds: a process silent for this long counts no runs (it stopped without saying so)


class BoardError(Exception):
    """The board file cannot be used (unreadable, not a board, from a newer app): the message says which, in
    words for the page."""


class BoardBusyError(BoardError):
    """The board file is busy for longer than BUSY_WAIT: try again in a moment."""


def is_busy(error):
    """True for SQLite's "database is locked" / "database is busy": try again later, and it will work."""
    return isinstance(error, sqlite3.OperationalError) and ("locked" in str(error) or "busy" in str(error))


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


def summary(uid, page, hp: Hyperparams, data, steps, total, train_accuracy, dev_accuracy, seconds, status,
            problem=None):
    """A run as the board keeps it: plain values, no weights. Accuracies from 0 to 1 (None if not measured).
    problem : why a run "went wrong", in a few words (kept only for such a run)."""
    if status not in STATUSES:
        raise ValueError(f"a run's status is one of {', '.join(STATUSES)}, not {status!r}")
    return {"uid": uid, "page": page, "hyperparams": hp.as_dict(), "data": data, "steps": int(steps),
            "total": int(total), "train_accuracy": _fraction(train_accuracy), "dev_accuracy": _fraction(dev_accuracy),
            "seconds": float(seconds), "status": status,
            "problem": str(problem) if problem and status == "went wrong" else None}


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


class Board(Room, Challenges, ClassDigits):
    """One board file. Every method opens its own short connection, so any thread may call any of them; the
    writing ones (add_run, set_nickname, remove_run, new_board, report_training, and those of Room, Challenges and
    ClassDigits) run one transaction each and raise sqlite3.OperationalError when the file is busy (the Writer tries
    again)."""

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
    def _writing(self, runs_changed=True):
        """One write transaction (BEGIN IMMEDIATE: it takes the write lock at once, or says the file is busy).
        runs_changed : False for a write that cannot change what runs() shows (a student's tab saying it is open,
        several times a second in a class), so the Class page does not read every run again for it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = self._connect()
        try:
            self._check(connection)
            connection.execute("BEGIN IMMEDIATE")
            yield connection
            if runs_changed:
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
        if version == len(schema.MIGRATIONS):
            return
        if version > len(schema.MIGRATIONS):
            raise BoardError(
                f"The class board file {self.path.name} was written by a newer version of this app (schema "
                f"{version}; this version reads up to {len(schema.MIGRATIONS)}). Update the app, or point "
                f"{PATH_VARIABLE} at another file: this one is left as it is.")
        if version == 0 and tables:
            raise BoardError(
                f"{self.path.name} is a SQLite file, but not a class board (it holds other tables), so it is left "
                f"as it is. Point {PATH_VARIABLE} at another file.")
        self._migrate(connection, version)

    def _migrate(self, connection, version):
        """Apply schema.MIGRATIONS[version:], each step in its own transaction with its version number."""
        connection.execute("PRAGMA journal_mode = WAL")  # kept by the file: every later connection uses it
        for step in range(version, len(schema.MIGRATIONS)):
            connection.execute("BEGIN IMMEDIATE")
            try:
                if connection.execute("PRAGMA user_version").fetchone()[0] != step:  # another process did it
                    connection.execute("ROLLBACK")
                    continue
                for statement in schema.statements(schema.MIGRATIONS[step]):
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
            board = board or current_board(connection)
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
                                     (board or current_board(connection), visitor)).fetchone()
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
            board = current_board(connection)
            _join(connection, board, visitor, nickname)
            number = connection.execute("SELECT coalesce(max(number), 0) + 1 FROM runs WHERE board = ?",
                                        (board,)).fetchone()[0]
            columns = ("uid", "visitor", "page", "posted", "hyperparams", "alpha", "hidden_units", "method", "data",
                       "steps", "total", "train_accuracy", "dev_accuracy", "seconds", "status", "problem")
            updated = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in ("uid", "visitor"))
            connection.execute(
                f"INSERT INTO runs (board, number, {', '.join(columns)}) VALUES (?, ?{', ?' * len(columns)}) "
                f"ON CONFLICT (board, visitor, uid) DO UPDATE SET {updated}",
                (board, number, *(values.get(c) for c in columns)))

    def set_nickname(self, visitor, nickname):
        """A visitor's nickname on the current board (None: back to "student N"); they join it if new."""
        with self._writing() as connection:
            _join(connection, current_board(connection), visitor, nickname)

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

    def _join(self, connection, board, visitor, nickname):
        """A student joins the board (with their nickname) when they answer a question (Room.answer)."""
        _join(connection, board, visitor, nickname)

    def report_training(self, process, count, now=None):
        """How many runs an app process is training now (None: the process is leaving)."""
        with self._writing() as connection:
            if count is None:
                connection.execute("DELETE FROM processes WHERE name = ?", (process,))
            else:
                connection.execute("INSERT OR REPLACE INTO processes VALUES (?, ?, ?)",
                                   (process, int(count), time.time() if now is None else now))


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

