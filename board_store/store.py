"""The class board's store: a summary of every run trained on this server (no Streamlit here).

The Class page reads it; the Training and Experiments pages post to it when a run finishes or is stopped. The board
holds summaries only (who, when, the hyperparameters, the data, steps, accuracies, seconds, how it ended), never
weights. It lives in one of two places, written once for both with SQLAlchemy Core (schema.py):

- a SQLite file (the default), shared by every app process on the machine. WAL mode: readers never wait for a
  writer, so the page draws while a run is being written.
- a PostgreSQL database (CLASS_BOARD_URL=postgresql://...), shared by every machine of a school that points at it.

Either way it survives a restart, and writes never happen on a page's thread: writer.py queues them and writes them
in a thread of their own, and keeps them while the board cannot be written (a busy file, a database that is away).
The board says what it is (schema.py): an older one is migrated step by step; a newer one, or a database of
something else, is refused with a message that says so.

A "board" is one class's page of runs: a teacher starts a new one for a new class, and the old one is archived
(kept, read-only), never deleted. Within a board, each visitor is "student 1", "student 2", ... in order of
arrival (their first post), unless they chose a nickname.
"""

import contextlib
import json
import logging
import re
import sqlite3
import threading
import time
from dataclasses import fields
from pathlib import Path

from sqlalchemy import URL, Integer, Text, and_, cast, create_engine, event, func, inspect, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from board_store import schema
from board_store.challenges import Challenges
from board_store.class_digits import ClassDigits
from board_store.room import Room
from board_store.schema import STATUSES, boards, current_board, members, meta, processes, runs, upsert
from board_store.settings import PATH_VARIABLE, URL_VARIABLE, is_database_url
from nn_core.training import Hyperparams

log = logging.getLogger(__name__)

MAX_NICKNAME = 30  # characters
BUSY_WAIT = 1.0  # seconds SQLite itself waits for a lock before saying "database is locked"
CONNECT_WAIT = 3  # seconds to reach a PostgreSQL server before saying it is away
AWAY = 2.0  # seconds after a failed read during which the pages' reads say at once that the database is away
HEARTBEAT_STALE = 60.0  # seconds: a process silent for this long counts no runs (it stopped without saying so)
PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")  # scheme://user:password@host
WRITE_LOCK = 31_4159  # PostgreSQL's advisory lock of the board's writers: one write at a time, as in a SQLite file


class BoardError(Exception):
    """The board cannot be used (unreadable, not a board, from a newer app, a database that is away or refuses the
    password): the message says which, in words for the page, and never shows a password."""


class BoardBusyError(BoardError):
    """The board file is busy for longer than BUSY_WAIT: try again in a moment."""


def is_busy(error):
    """True for SQLite's "database is locked" / "database is busy": try again later, and it will work."""
    error = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's error
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
# Where the board lives: a SQLite file or a PostgreSQL database
# ---------------------------------------------------------------------------------------------------------

_engines = {}  # one engine (and its pool of connections) per board in a process
_engines_lock = threading.Lock()


def database_url(location):
    """The SQLAlchemy URL of a board: a file's path, or a postgresql:// URL (psycopg drives it). Raises
    BoardError for a URL of another kind or one that cannot be read."""
    if not is_database_url(location):
        return URL.create("sqlite", database=str(Path(location)))
    try:
        url = make_url(str(location))
    except (ArgumentError, ValueError):  # no scheme, a port that is not a number, ...
        raise BoardError(f"{URL_VARIABLE} is not a database URL. It reads postgresql://user:password@host:port/"
                         "database, or give the path of a SQLite file instead.") from None
    if url.get_backend_name() != "postgresql":
        raise BoardError(f"The class board lives in a SQLite file or a PostgreSQL database, not in "
                         f"{url.get_backend_name()}: {URL_VARIABLE} starts with postgresql://.")
    return url.set(drivername="postgresql+psycopg")


def engine_for(url):
    """The process's engine for a board's URL (made once)."""
    key = url.render_as_string(hide_password=False)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = _sqlite_engine(url) if url.get_backend_name() == "sqlite" else _postgresql_engine(url)
        return _engines[key]


def _sqlite_engine(url):
    """A SQLite file: a fresh connection each time, as cheap as opening the file (a pooled one would keep writing
    to a file that was deleted and made again). SQLAlchemy says when a transaction begins, not the driver: a
    writing one begins IMMEDIATE, taking the file's write lock at once (or saying the file is busy)."""
    engine = create_engine(url, poolclass=NullPool,
                           connect_args={"timeout": BUSY_WAIT, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def no_driver_transactions(dbapi_connection, record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def begin(connection):
        writing = connection.get_execution_options().get("writing")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


def _postgresql_engine(url):
    """A PostgreSQL database: a pool of connections, each tested before use (the server may have restarted)."""
    try:
        return create_engine(url, pool_pre_ping=True, pool_size=4, max_overflow=8,
                             connect_args={"connect_timeout": CONNECT_WAIT, "application_name": "class board"})
    except ImportError:
        raise BoardError("A class board on PostgreSQL needs the psycopg package: pip install -r requirements.txt") \
            from None


# ---------------------------------------------------------------------------------------------------------
# The board
# ---------------------------------------------------------------------------------------------------------


class Board(Room, Challenges, ClassDigits):
    """One board. Every method opens its own short connection, so any thread may call any of them; the writing
    ones (add_run, set_nickname, remove_run, new_board, report_training, and those of Room, Challenges and
    ClassDigits) run one transaction each and raise SQLAlchemy's OperationalError when the board cannot be written
    now (the Writer tries again).

    location : a SQLite file's path, or a postgresql:// URL."""

    def __init__(self, location):
        self._cache = {}  # board id -> (revision, rows): the page rereads the rows only when something changed
        self._away = (0.0, None)  # (when, why) a read last found the database away
        self.problem, self.path, self.url = None, None, None
        try:
            self.url = database_url(location)
        except BoardError as error:
            self.problem = str(error)  # every read and write says it (the page in words, the server's log)
        if not is_database_url(location):
            self.path = Path(location)
        self.name = self.path.name if self.path else f"{URL_VARIABLE} ({self._safe(str(location))})"
        self.postgresql = self.url is not None and self.url.get_backend_name() == "postgresql"

    @property
    def engine(self):
        if self.problem:
            raise BoardError(self.problem)
        return engine_for(self.url)

    def _safe(self, text):
        """Text with the database's password hidden (a URL in a message, a driver's error)."""
        text = PASSWORD_IN_URL.sub(r"\1***@", str(text))
        password = self.url.password if self.url is not None else None
        return text.replace(str(password), "***") if password else text

    # --- connections -------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _reading(self):
        """A connection to read from, in one transaction (one snapshot), on a board of this app's schema (migrated
        first if it is older). A database found away is not tried again for AWAY seconds: a page of several reads
        says so at once, instead of waiting for each connection to fail."""
        when, why = self._away
        if why and time.monotonic() - when < AWAY:
            raise BoardError(why)
        try:
            with self.engine.connect() as connection:
                if not _is_current(connection):
                    self._check(connection)
                with connection.begin():
                    yield connection
        except SQLAlchemyError as error:
            if is_busy(error):
                raise BoardBusyError("The board file is busy (another program is writing to it); the board "
                                       "shows again as soon as it is free.") from error
            why = self.unusable(error)
            if self.postgresql and isinstance(error, OperationalError):
                self._away = (time.monotonic(), why)
            raise BoardError(why) from None

    @contextlib.contextmanager
    def _writing(self, runs_changed=True):
        """One write transaction, one writer at a time: SQLite's BEGIN IMMEDIATE takes the file's write lock at once
        (or says it is busy); on PostgreSQL the writers take one advisory lock, so that "run N + 1" is never given
        twice. runs_changed : False for a write that cannot change what runs() shows (a student's tab saying it is
        open, several times a second in a class), so the Class page does not read every run again for it."""
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.engine.connect() as connection:
            if not _is_current(connection):
                self._check(connection)
            with connection.execution_options(writing=True).begin():
                self._one_writer(connection)
                yield connection
                if runs_changed:
                    connection.execute(update(meta).where(meta.c.name == "revision").values(
                        value=cast(cast(meta.c.value, Integer) + 1, Text)))

    def _one_writer(self, connection):
        if self.postgresql:
            connection.execute(select(func.pg_advisory_xact_lock(WRITE_LOCK)))

    def unusable(self, error):
        """Why the board cannot be used now, in words for the page (a driver's error, its password hidden)."""
        reason = " ".join(self._safe(getattr(error, "orig", None) or error).split())
        if self.postgresql:
            return (f"The class board's database {self.name} cannot be used now ({reason}). Check that PostgreSQL "
                    f"runs there and that the user and password in the URL are right.")
        return (f"The class board file {self.name} cannot be read ({reason}). Check that it exists and that the "
                f"server may read and write it, or give another file ({PATH_VARIABLE}, or --class-board).")

    def _check(self, connection):
        """Make sure the board is of this app's schema: create it when empty, migrate it when older, refuse it
        (BoardError) when it is newer or something else."""
        with connection.begin():  # one snapshot: another process may be creating the tables right now
            version, tables = _version(connection)
        if version == len(schema.MIGRATIONS):
            self._record_version(connection, version)  # a file from before: its version becomes a row
            return
        where = "database" if self.postgresql else "file"
        elsewhere = f"give another database ({URL_VARIABLE}, or --class-board)" if self.postgresql else \
            f"give another file ({PATH_VARIABLE}, or --class-board)"
        if version > len(schema.MIGRATIONS):
            raise BoardError(
                f"The class board {where} {self.name} was written by a newer version of this app (schema {version}; "
                f"this version reads up to {len(schema.MIGRATIONS)}). Update the app, or {elsewhere}: this one is "
                f"left as it is.")
        if version == 0 and tables:
            raise BoardError(
                f"{self.name} is a {'PostgreSQL database' if self.postgresql else 'SQLite file'}, but not a class "
                f"board (it holds other tables), so it is left as it is. {elsewhere.capitalize()}.")
        self._migrate(connection, version)

    def _migrate(self, connection, version):
        """Apply schema.MIGRATIONS[version:], each step in its own transaction with its version number."""
        if not self.postgresql:  # kept by the file: every later connection uses it
            connection.connection.driver_connection.execute("PRAGMA journal_mode = WAL")
        for step in range(version, len(schema.MIGRATIONS)):
            with connection.execution_options(writing=True).begin():
                self._one_writer(connection)
                if _version(connection)[0] != step:  # another process did it
                    continue
                schema.MIGRATIONS[step](connection, time.time())
                _write_version(connection, step + 1)
            log.info("class board %s: schema %d -> %d", self.name, step, step + 1)

    def _record_version(self, connection, version):
        with connection.execution_options(writing=True).begin():
            self._one_writer(connection)
            _write_version(connection, version)

    # --- reading (the page) ------------------------------------------------------------------------------

    def exists(self):
        """False only for a file not made yet: reading never makes it."""
        return self.path is None or self.path.exists()

    def boards(self):
        """Every board, newest first: [{"id", "opened", "archived"}, ...]; [] when there is no file yet."""
        if not self.exists():
            return []
        with self._reading() as connection:
            return [dict(row) for row in connection.execute(select(boards).order_by(boards.c.id.desc())).mappings()]

    def runs(self, board=None):
        """The runs of a board (the current one by default), oldest first, each a dict with "who" as the board
        shows it. Removed runs are left out. Read again only when the board changed."""
        if not self.exists():
            return []
        with self._reading() as connection:
            board = board or connection.execute(current_board()).scalar()
            revision = connection.execute(select(meta.c.value).where(meta.c.name == "revision")).scalar()
            cached = self._cache.get(board)
            if cached and cached[0] == revision:
                return cached[1]
            joined = runs.outerjoin(members, and_(members.c.board == runs.c.board, members.c.visitor == runs.c.visitor))
            query = (select(runs, members.c.number.label("member"), members.c.nickname).select_from(joined)
                     .where(runs.c.board == board, runs.c.removed.is_(None)).order_by(runs.c.number))
            rows = [_as_run(row) for row in connection.execute(query).mappings()]
        self._cache = {board: (revision, rows)}
        return rows

    def member(self, visitor, board=None):
        """How a visitor appears on a board: {"number", "nickname", "who"}, or None before their first post."""
        if not self.exists():
            return None
        with self._reading() as connection:
            row = connection.execute(select(members.c.number, members.c.nickname).where(
                members.c.board == (board or current_board().scalar_subquery()),
                members.c.visitor == visitor)).mappings().first()
        return None if row is None else {**dict(row), "who": _who(row["number"], row["nickname"])}

    def training_elsewhere(self, me, now=None):
        """Runs in progress in the other app processes sharing this board (by what they last reported)."""
        if not self.exists():
            return 0
        now = time.time() if now is None else now
        with self._reading() as connection:
            return connection.execute(select(func.coalesce(func.sum(processes.c.training), 0)).where(
                processes.c.name != me, processes.c.seen > now - HEARTBEAT_STALE)).scalar()

    # --- writing (the Writer's thread) -------------------------------------------------------------------

    def add_run(self, visitor, nickname, run, now=None):
        """Post a run (a `summary`) for a visitor on the current board; the same visitor posting the same uid again
        updates it.
        The visitor joins the board (gets their number) with their first post."""
        now = time.time() if now is None else now
        hp = hyperparams_of(json.dumps(run["hyperparams"]))
        values = {**run, "hyperparams": json.dumps(hp.as_dict()), "visitor": visitor, "posted": now,
                  "alpha": hp.alpha, "hidden_units": sum(hp.hidden_sizes), "method": hp.method}
        columns = ("uid", "visitor", "page", "posted", "hyperparams", "alpha", "hidden_units", "method", "data",
                   "steps", "total", "train_accuracy", "dev_accuracy", "seconds", "status", "problem")
        with self._writing() as connection:
            board = connection.execute(current_board()).scalar()
            _join(connection, board, visitor, nickname)
            number = select(func.coalesce(func.max(runs.c.number), 0) + 1).where(runs.c.board == board)
            statement = upsert(connection, runs).values(board=board, number=number.scalar_subquery(),
                                                        **{c: values.get(c) for c in columns})
            connection.execute(statement.on_conflict_do_update(
                index_elements=["board", "visitor", "uid"],
                set_={c: statement.excluded[c] for c in columns if c not in ("uid", "visitor")}))

    def set_nickname(self, visitor, nickname):
        """A visitor's nickname on the current board (None: back to "student N"); they join it if new."""
        with self._writing() as connection:
            _join(connection, connection.execute(current_board()).scalar(), visitor, nickname)

    def remove_run(self, board, number, now=None):
        """Hide a run from its board (the teacher's control); it stays in the database, marked removed."""
        with self._writing() as connection:
            connection.execute(update(runs).where(runs.c.board == board, runs.c.number == number,
                                                  runs.c.removed.is_(None))
                               .values(removed=time.time() if now is None else now))

    def new_board(self, now=None):
        """Archive the current board and open an empty one (the teacher's control). Nothing is deleted."""
        now = time.time() if now is None else now
        with self._writing() as connection:
            connection.execute(update(boards).where(boards.c.archived.is_(None)).values(archived=now))
            connection.execute(boards.insert().values(opened=now))

    def _join(self, connection, board, visitor, nickname):
        """A student joins the board (with their nickname) when they answer a question (Room.answer)."""
        _join(connection, board, visitor, nickname)

    def report_training(self, process, count, now=None):
        """How many runs an app process is training now (None: the process is leaving)."""
        with self._writing() as connection:
            if count is None:
                connection.execute(processes.delete().where(processes.c.name == process))
                return
            statement = upsert(connection, processes).values(name=process, training=int(count),
                                                             seen=time.time() if now is None else now)
            connection.execute(statement.on_conflict_do_update(
                index_elements=["name"], set_={"training": statement.excluded.training,
                                               "seen": statement.excluded.seen}))


def _is_current(connection):
    """True when the board is of this app's schema: one short query, where _check reads the tables' names."""
    try:
        with connection.begin():
            stored = connection.execute(select(meta.c.value).where(meta.c.name == "schema")).scalar()
    except (OperationalError, ProgrammingError):  # no meta table: an empty database, or another program's
        return False
    return stored == str(len(schema.MIGRATIONS))


def _write_version(connection, version):
    statement = upsert(connection, meta).values(name="schema", value=str(version))
    connection.execute(statement.on_conflict_do_update(index_elements=["name"],
                                                       set_={"value": statement.excluded.value}))
    if connection.dialect.name == "sqlite":  # what earlier versions of this app read
        connection.exec_driver_sql(f"PRAGMA user_version = {version}")


def _version(connection):
    """(the board's schema version, whether the database holds any table): 0 for an empty database."""
    names = set(inspect(connection).get_table_names())
    if "meta" not in names:
        return 0, bool(names)
    stored = connection.execute(select(meta.c.value).where(meta.c.name == "schema")).scalar()
    if stored is None and connection.dialect.name == "sqlite":  # a file written before the version was a row
        stored = connection.exec_driver_sql("PRAGMA user_version").scalar()
    return int(stored or 0), True


def _join(connection, board, visitor, nickname):
    """The visitor's row on the board: a new number in order of arrival, and their nickname as it is now."""
    number = select(func.coalesce(func.max(members.c.number), 0) + 1).where(members.c.board == board)
    statement = upsert(connection, members).values(board=board, visitor=visitor, number=number.scalar_subquery(),
                                                   nickname=clean_nickname(nickname))
    connection.execute(statement.on_conflict_do_update(index_elements=["board", "visitor"],
                                                       set_={"nickname": statement.excluded.nickname}))


def _who(number, nickname):
    return nickname or f"student {number}"


def _as_run(row):
    run = dict(row)
    run["who"] = _who(run.pop("member"), run.pop("nickname"))
    run["hyperparams"] = hyperparams_of(run["hyperparams"])
    return run
