"""board_store: the class board, in a SQLite file every app process on the machine shares, or in a PostgreSQL
database every machine of a school shares (no Streamlit here).

    settings   where the board lives and the teacher's key (the command line, else the environment)
    schema     the tables, and the migrations that bring an older board up to date (SQLAlchemy Core: both engines)
    store      Board: reading the board and the writing transactions; what a post holds
    room       the teacher's questions to the room and the students' answers (Board's methods for them)
    challenges a target on the runs' recorded numbers, its leaderboard, and where a student stands
    class_digits  the digits the students add to the class's set, as the network reads them
    writer     Writer: a queue and a thread per process and board, so that no page waits for the board

The pages' side (the visitor's token and nickname, posting a finished run) is dashboard/board_posts.py.
"""

from board_store.challenges import (
    RANKINGS,
    TARGETS,
    ChallengeError,
    clean_challenge,
    describe,
    leaderboard,
    misses,
    standing,
)
from board_store.class_digits import DigitRefusedError, clean_digit
from board_store.room import MAX_TEXT, OPTIONS, AnswerRefusedError, QuestionError, clean_question
from board_store.schema import MIGRATIONS, STATUSES
from board_store.settings import (
    DEFAULT_PATH,
    KEY_VARIABLE,
    PATH_VARIABLE,
    URL_VARIABLE,
    board_setting,
    is_database_url,
    key_matches,
    key_setting,
)
from board_store.store import (
    HEARTBEAT_STALE,
    MAX_NICKNAME,
    Board,
    BoardBusyError,
    BoardError,
    clean_nickname,
    data_label,
    hyperparams_of,
    summary,
)
from board_store.writer import Writer, board_key, writer_for

__all__ = [
    "MIGRATIONS", "STATUSES", "DEFAULT_PATH", "KEY_VARIABLE", "PATH_VARIABLE", "URL_VARIABLE", "key_matches",
    "key_setting", "board_setting", "is_database_url", "HEARTBEAT_STALE", "MAX_NICKNAME", "Board", "BoardBusyError",
    "BoardError", "clean_nickname", "data_label", "hyperparams_of", "summary", "Writer", "writer_for", "board_key",
    "MAX_TEXT", "OPTIONS", "AnswerRefusedError", "QuestionError", "clean_question", "RANKINGS", "TARGETS",
    "ChallengeError", "clean_challenge", "describe", "leaderboard", "misses", "standing", "DigitRefusedError",
    "clean_digit",
]
