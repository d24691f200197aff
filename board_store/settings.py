"""Where the class board's file is, and the teacher's key: the command line, else the environment (no Streamlit).

    streamlit run app.py -- --class-board PATH --class-key KEY
    CLASS_BOARD_PATH=PATH CLASS_KEY=KEY streamlit run app.py
"""

import argparse
import hmac
import os
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "class_board.sqlite3"
PATH_VARIABLE, KEY_VARIABLE = "CLASS_BOARD_PATH", "CLASS_KEY"


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

