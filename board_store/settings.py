"""Where the class board lives, and the teacher's key: the command line, else the environment (no Streamlit).

    streamlit run app.py -- --class-board PATH --class-key KEY          # a SQLite file (the default)
    CLASS_BOARD_PATH=PATH CLASS_KEY=KEY streamlit run app.py
    CLASS_BOARD_URL=postgresql://user:password@host:5432/board streamlit run app.py    # a school's PostgreSQL
"""

import argparse
import hmac
import os
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "class_board.sqlite3"
PATH_VARIABLE, URL_VARIABLE, KEY_VARIABLE = "CLASS_BOARD_PATH", "CLASS_BOARD_URL", "CLASS_KEY"


def _command_line(argv):
    """--class-board PATH-OR-URL and --class-key KEY after `streamlit run app.py --` (other arguments are
    ignored)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--class-board")
    parser.add_argument("--class-key")
    return parser.parse_known_args(argv)[0]


def is_database_url(location):
    """True for a URL (postgresql://...), False for a file's path."""
    return "://" in str(location)


def board_setting(environ=os.environ, argv=()):
    """Where the board lives: --class-board on the command line (a file's path or a postgresql:// URL), else
    $CLASS_BOARD_URL, else $CLASS_BOARD_PATH, else data/class_board.sqlite3 in the project folder (never the
    working directory). A URL comes back as text, a file as a Path."""
    given = _command_line(list(argv)).class_board or environ.get(URL_VARIABLE) or environ.get(PATH_VARIABLE)
    if not given:
        return DEFAULT_PATH
    return given if is_database_url(given) else Path(given)


def key_setting(environ=os.environ, argv=()):
    """The teacher's key: --class-key on the command line, else $CLASS_KEY; None when neither is set."""
    return _command_line(list(argv)).class_key or environ.get(KEY_VARIABLE) or None


def key_matches(given, configured):
    """True only when a key is configured and `given` is exactly it (compared in constant time)."""
    if not configured or not given:
        return False
    return hmac.compare_digest(str(given).encode(), str(configured).encode())
