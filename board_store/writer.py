"""The class board's writer: one queue and one thread per process and board, so that no page waits for the board.

A busy file ("database is locked": another process writing, a backup holding it) or a database that is away (its
server restarting, the network down) makes a post wait and try again, later and later; it is never dropped. At
exit the queue is flushed (atexit), so a run posted just before the server stops is not lost.
"""

import atexit
import collections
import logging
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from board_store.challenges import ChallengeError
from board_store.class_digits import DigitRefusedError
from board_store.room import AnswerRefusedError, QuestionError
from board_store.settings import is_database_url
from board_store.store import Board, BoardError, is_busy

log = logging.getLogger(__name__)

FIRST_RETRY, LAST_RETRY = 0.05, 2.0  # seconds between two tries of a write the file refused, doubling
EXIT_WAIT = 10.0  # seconds the process waits at exit for the queue to be written
HEARTBEAT = 2.0  # seconds: how often a process says how many runs it is training (when the number changed)
# Posts the store refuses for what they say (an answer too late, an empty digit): trying again changes nothing.
REFUSED = (AnswerRefusedError, QuestionError, ChallengeError, DigitRefusedError)
HEARTBEAT_REFRESH = 20.0  # seconds: and at least this often while it is training some


class Writer:
    """Writes a board's posts in order, in a daemon thread, so that no page ever waits for the board.

    submit(method, *args) queues a call of a Board writing method. A busy file makes the call wait and try again
    (FIRST_RETRY s, doubling up to LAST_RETRY s), as long as it takes: nothing is dropped. Another error (an
    unreadable file, a database that is away) is logged and kept in `problem` for the page, in words that never
    show a password, and the call is tried again the same way.
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
        self.thread = threading.Thread(target=self._loop, daemon=True, name=f"class board {board.name}")
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
                        self.board.name, self.waiting)

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
            except (SQLAlchemyError, sqlite3.Error, OSError, BoardError) as error:
                if is_busy(error):
                    self.retries += 1
                else:
                    problem = str(error) if isinstance(error, BoardError) else self.board.unusable(error)
                    if problem != self.problem:
                        log.warning("class board %s: %s failed, will try again: %s", self.board.name, method,
                                    problem)
                    self.problem = problem
                time.sleep(delay)
                delay = min(2 * delay, LAST_RETRY)
                continue
            except REFUSED as refused:  # too late, forged, or empty: not written, and said so
                log.warning("class board %s: %s refused: %s", self.board.name, method, refused)
            except Exception:  # a mistake in the post itself: trying again would fail the same way
                log.exception("class board %s: %s could not be written", self.board.name, method)
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


def writer_for(location, in_progress=None) -> Writer:
    """The one Writer of this process for the board at `location`, a file's path or a URL (started on first use)."""
    key = board_key(location)
    with _writers_lock:
        if key not in _writers:
            _writers[key] = Writer(Board(key), in_progress)
        return _writers[key]



def board_key(location):
    """One name per board: a URL as it is, a file by its full path."""
    return str(location) if is_database_url(location) else Path(location).resolve()
