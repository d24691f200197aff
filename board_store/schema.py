"""The class board's schema: its tables, and the steps that bring an older board up to date (no Streamlit here).

The tables are written once, with SQLAlchemy Core, and SQLAlchemy says them in the words of each engine: SQLite
(a file, the default) or PostgreSQL (a school's server). Times are Unix seconds, kept as double precision.

The board says what it is: the row "schema" of its meta table is its version. MIGRATIONS[v] brings a board from
version v to v + 1, so a new board runs every step and an older one the steps it lacks; a newer one is refused
(store.py). A step creates a table in its final form, so a new board gets the latest columns at once and a later
step that adds a column to an older board leaves a board that has it alone.
"""

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

# How a run can end. "went wrong": it trained to its end, far below where it should (its problem column says why).
STATUSES = ("finished", "stopped", "diverged", "went wrong")

tables = MetaData()
Time = Float(precision=53)  # Unix time to the microsecond (PostgreSQL's REAL would keep minutes only)


def board_column():
    return Column("board", Integer, ForeignKey("boards.id"), nullable=False)


meta = Table("meta", tables, Column("name", Text, primary_key=True), Column("value", Text, nullable=False))

boards = Table(
    "boards", tables,
    Column("id", Integer, primary_key=True),
    Column("opened", Time, nullable=False),
    Column("archived", Time),  # when a new board replaced it; NULL for the current board
)

members = Table(  # who is who on a board: never more than a number and a nickname
    "members", tables,
    board_column(),
    Column("visitor", Text, nullable=False),  # a random token of the visitor's browser session
    Column("number", Integer, nullable=False),  # "student 1", "student 2", ... in order of arrival on this board
    Column("nickname", Text),
    PrimaryKeyConstraint("board", "visitor"),
    UniqueConstraint("board", "number"),
)

runs = Table(
    "runs", tables,
    Column("id", Integer, primary_key=True),
    board_column(),
    Column("number", Integer, nullable=False),  # "run 1", "run 2", ... in order of posting on this board
    Column("uid", Text, nullable=False),  # the visitor's name for the run: they update the row by posting it again
    Column("visitor", Text, nullable=False),
    Column("page", Text, nullable=False),  # "training" or "experiments"
    Column("posted", Time, nullable=False),  # the last post
    Column("hyperparams", Text, nullable=False),  # every field of nn_core.training.Hyperparams, as JSON
    Column("alpha", Float(precision=53), nullable=False),
    Column("hidden_units", Integer, nullable=False),  # all hidden layers together
    Column("method", Text, nullable=False),
    Column("data", Text, nullable=False),  # "bundled sample", "full MNIST" or "uploaded CSV"
    Column("steps", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("train_accuracy", Float(precision=53)),  # 0 to 1
    Column("dev_accuracy", Float(precision=53)),
    Column("seconds", Float(precision=53), nullable=False),
    Column("status", Text, nullable=False),  # one of STATUSES
    Column("removed", Time),  # when the teacher removed it: kept on the board, never shown
    Column("problem", Text),  # schema 2: why a run went wrong, in a few words; NULL for the others
    UniqueConstraint("board", "visitor", "uid"),
    UniqueConstraint("board", "number"),
)

processes = Table(  # how many runs each app process (on any machine) is training right now
    "processes", tables,
    Column("name", Text, primary_key=True),
    Column("training", Integer, nullable=False),
    Column("seen", Time, nullable=False),
)

# Schema 3: the teacher asks the room. A question belongs to a board (archived with it); its answers are kept per
# round ("vote again after discussing" opens round 2). A visitor is their token (their nickname is in members):
# nothing more about a student is stored. presence says who has an app tab open, for "12 of 20 answered"; follows
# holds the pages the teacher sent the class to.
questions = Table(
    "questions", tables,
    Column("id", Integer, primary_key=True),
    board_column(),
    Column("asked", Time, nullable=False),
    Column("question", Text, nullable=False),  # JSON: text, options, right (an index, or null), explanation, ...
    Column("options", Integer, nullable=False),  # how many options: an answer is a number from 0 to options - 1
    Column("round", Integer, nullable=False),  # 1, then 2 after "vote again"
    Column("state", Text, nullable=False),  # open (answers taken), closed (kept, none taken), revealed, ended
    Column("shown", Integer, nullable=False),  # 1 once the teacher shows the distribution of the answers
    Column("ended", Time),  # when the teacher ended it (or asked the next one)
)

answers = Table(
    "answers", tables,
    Column("question", Integer, ForeignKey("questions.id"), nullable=False),
    Column("round", Integer, nullable=False),
    Column("visitor", Text, nullable=False),
    Column("option", Integer, nullable=False),
    Column("answered", Time, nullable=False),
    PrimaryKeyConstraint("question", "round", "visitor"),  # a second answer replaces the first
)

follows = Table(  # "your teacher is on Training with α = 5: go there"
    "follows", tables,
    Column("id", Integer, primary_key=True),
    board_column(),
    Column("sent", Time, nullable=False),
    Column("page", Text, nullable=False),  # the page's address: training, forward, ...
    Column("query", Text, nullable=False),  # its settings as in the address: alpha=5&lock=alpha
    Column("label", Text, nullable=False),  # in words, for the students: "📉 Training with alpha 5"
)

presence = Table(  # the students with an app tab open: their tab says so every few seconds
    "presence", tables,
    board_column(),
    Column("visitor", Text, nullable=False),
    Column("seen", Time, nullable=False),
    PrimaryKeyConstraint("board", "visitor"),
)

# Schema 4: challenges (a target on the runs' recorded numbers, checked by the server) and the class's own
# handwriting. A class digit is what the network reads (784 bytes after preprocessing), its confirmed label, the
# student's token and nickname, and the time: never the canvas's image. Deleting a digit deletes its row.
challenges = Table(
    "challenges", tables,
    Column("id", Integer, primary_key=True),
    board_column(),
    Column("posted", Time, nullable=False),  # runs posted from then on count
    Column("challenge", Text, nullable=False),  # JSON: title, targets, ranked_by (board_store/challenges.py)
    Column("closed", Time),  # when the teacher closed it (its results stay); NULL while open
)

class_digits = Table(
    "class_digits", tables,
    Column("id", Integer, primary_key=True),
    board_column(),
    Column("visitor", Text, nullable=False),  # who added it (so that they can take it back)
    Column("uid", Text, nullable=False),  # the student's name for the drawing: adding it twice keeps one
    Column("label", Integer, CheckConstraint("label BETWEEN 0 AND 9"), nullable=False),
    Column("pixels", LargeBinary, nullable=False),  # 784 bytes 0..255, row by row, as the network reads it (x 255)
    Column("nickname", Text),
    Column("added", Time, nullable=False),
    UniqueConstraint("board", "visitor", "uid"),
)


# ---------------------------------------------------------------------------------------------------------
# Two pieces of every query
# ---------------------------------------------------------------------------------------------------------


def current_board():
    """The query of the id of the board that is not archived (there is one)."""
    return select(func.max(boards.c.id)).where(boards.c.archived.is_(None))


def upsert(connection, table):
    """INSERT ... ON CONFLICT for the connection's engine: SQLAlchemy has it for both, with the same methods."""
    return (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(table)


# ---------------------------------------------------------------------------------------------------------
# The steps: MIGRATIONS[v](connection, now) brings a board from version v to v + 1 inside one transaction
# ---------------------------------------------------------------------------------------------------------


def create(*new_tables):
    def step(connection, now):
        for table in new_tables:
            table.create(connection, checkfirst=True)
    return step


def first_board(connection, now):
    create(meta, boards, members, runs, processes)(connection, now)
    connection.execute(insert(meta), [{"name": "app", "value": "class board"}, {"name": "revision", "value": "0"}])
    connection.execute(insert(boards).values(opened=now))


def problem_column(connection, now):
    """Schema 2 on a board of schema 1 (a new board has the column already)."""
    if "problem" not in {column["name"] for column in inspect(connection).get_columns("runs")}:
        connection.execute(text("ALTER TABLE runs ADD COLUMN problem TEXT"))


MIGRATIONS = [
    first_board,
    problem_column,
    create(questions, answers, follows, presence),
    create(challenges, class_digits),
]
