"""The class board's schema: its tables, and the steps that bring an older file up to date (no Streamlit here).

The file says what it is: `PRAGMA user_version` is its schema version. MIGRATIONS[v] brings a file from version v
to v + 1, so a new file runs every step and an older one the steps it lacks; a newer one is refused (store.py).
"""

import sqlite3

# How a run can end. "went wrong": it trained to its end, far below where it should (its problem column says why).
STATUSES = ("finished", "stopped", "diverged", "went wrong")

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

# Schema 2: why a run went wrong, in a few words ("9 of 10 ReLU units dead (α 5 too large)"); NULL for the
# others, and for every run of an older file.
PROBLEM = """
ALTER TABLE runs ADD COLUMN problem TEXT;
"""

# Schema 3: the teacher asks the room. A question belongs to a board (archived with it); its answers are kept per
# round ("vote again after discussing" opens round 2). A visitor is their token (their nickname is in members):
# nothing more about a student is stored. presence says who has an app tab open, for "12 of 20 answered"; follows
# holds the pages the teacher sent the class to.
QUESTIONS = """
CREATE TABLE questions (
    id INTEGER PRIMARY KEY,
    board INTEGER NOT NULL REFERENCES boards(id),
    asked REAL NOT NULL,                -- Unix time
    question TEXT NOT NULL,             -- JSON: text, options, right (an index, or null), explanation, page, ...
    options INTEGER NOT NULL,           -- how many options: an answer is a number from 0 to options - 1
    round INTEGER NOT NULL,             -- 1, then 2 after "vote again"
    state TEXT NOT NULL,                -- open (answers taken), closed (answers kept, none taken), revealed, ended
    shown INTEGER NOT NULL,             -- 1 once the teacher shows the distribution of the answers
    ended REAL                          -- when the teacher ended it (or asked the next one)
);
CREATE TABLE answers (
    question INTEGER NOT NULL REFERENCES questions(id),
    round INTEGER NOT NULL,
    visitor TEXT NOT NULL,
    option INTEGER NOT NULL,
    answered REAL NOT NULL,
    PRIMARY KEY (question, round, visitor)  -- a second answer replaces the first
);
CREATE TABLE follows (                  -- "your teacher is on Training with α = 5: go there"
    id INTEGER PRIMARY KEY,
    board INTEGER NOT NULL REFERENCES boards(id),
    sent REAL NOT NULL,                 -- Unix time
    page TEXT NOT NULL,                 -- the page's address: training, forward, ...
    query TEXT NOT NULL,                -- its settings as in the address: alpha=5&lock=alpha
    label TEXT NOT NULL                 -- in words, for the students: "📉 Training with alpha 5"
);
CREATE TABLE presence (                 -- the students with an app tab open: their tab says so every few seconds
    board INTEGER NOT NULL REFERENCES boards(id),
    visitor TEXT NOT NULL,
    seen REAL NOT NULL,
    PRIMARY KEY (board, visitor)
);
"""

# Schema 4: challenges (a target on the runs' recorded numbers, checked by the server) and the class's own
# handwriting. A class digit is what the network reads (784 bytes after preprocessing), its confirmed label, the
# student's token and nickname, and the time: never the canvas's image. Deleting a digit deletes its row.
CLASSWORK = """
CREATE TABLE challenges (
    id INTEGER PRIMARY KEY,
    board INTEGER NOT NULL REFERENCES boards(id),
    posted REAL NOT NULL,               -- Unix time: runs posted from then on count
    challenge TEXT NOT NULL,            -- JSON: title, targets, ranked_by (board_store/challenges.py)
    closed REAL                         -- when the teacher closed it (its results stay); NULL while open
);
CREATE TABLE class_digits (
    id INTEGER PRIMARY KEY,
    board INTEGER NOT NULL REFERENCES boards(id),
    visitor TEXT NOT NULL,              -- who added it (so that they can take it back)
    uid TEXT NOT NULL,                  -- the student's name for the drawing: adding it twice keeps one
    label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
    pixels BLOB NOT NULL,               -- 784 bytes 0..255, row by row, as the network reads it (x 255)
    nickname TEXT,
    added REAL NOT NULL,                -- Unix time
    UNIQUE (board, visitor, uid)
);
"""

# MIGRATIONS[v] brings a file from schema version v to v + 1; the last version is this app's.
MIGRATIONS = [SCHEMA, PROBLEM, QUESTIONS, CLASSWORK]


def statements(script):
    """The statements of a SQL script, one by one (executescript would commit the transaction around them)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    return statements


