"""The class's handwriting: digits the students drew and chose to add to the class's set (no Streamlit here).

What is kept of a digit is what the network reads, and no more: its 784 numbers after the Draw page's
preprocessing (cropped, scaled into 20 x 20, centred by mass in 28 x 28), rounded to whole numbers 0..255 as MNIST
stores its own; the label the student confirmed; their nickname, and the time. Never the canvas's own image.
A student can take back their own digits; the teacher can delete the whole set. Deleting deletes: the rows leave
the file.
"""

import time

import numpy as np
from sqlalchemy import func, select

from board_store.schema import class_digits, current_board, members, upsert

PIXELS = 784
INK = 0.1  # a pixel brighter than this (0..1) counts as ink, as in nn_core.preprocessing
MIN_INK = 10  # pixels of ink, at least: a digit scaled into its 20 x 20 box has many more


class DigitRefusedError(ValueError):
    """A digit the class's set does not take (empty, a label that is not 0 to 9, not 784 numbers)."""


def clean_digit(x, label):
    """A digit as the set keeps it: (784 bytes, label). x : 784 numbers 0..1 (any shape that holds 784)."""
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label <= 9:
        raise DigitRefusedError(f"A digit's label is a whole number from 0 to 9, not {label!r}.")
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size != PIXELS or not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1:
        raise DigitRefusedError(f"A digit is {PIXELS} numbers from 0 to 1 (got {x.size}).")
    if np.count_nonzero(x > INK) < MIN_INK:
        raise DigitRefusedError("This drawing is (nearly) empty: it is not added.")
    return np.rint(255 * x).astype(np.uint8).tobytes(), int(label)


class ClassDigits:
    """The class's set, part of a Board (board_store.store.Board inherits it): every method is one transaction."""

    def add_digits(self, visitor, nickname, digits, now=None):
        """Add a student's digits to the current board's set: digits is [(uid, x (784,), label), ...]. A uid the
        student added before is left as it is (pressing Add twice adds nothing twice). All or nothing: one digit
        that is refused (DigitRefusedError) refuses the lot."""
        rows = [(uid, *clean_digit(x, label)) for uid, x, label in digits]
        now = time.time() if now is None else now
        with self._writing() as connection:
            board = connection.execute(current_board()).scalar()
            self._join(connection, board, visitor, nickname)
            nickname = connection.execute(select(members.c.nickname).where(
                members.c.board == board, members.c.visitor == visitor)).scalar()  # as the board cleaned it
            if rows:
                connection.execute(upsert(connection, class_digits).on_conflict_do_nothing(), [
                    {"board": board, "visitor": visitor, "uid": str(uid), "label": label, "pixels": pixels,
                     "nickname": nickname, "added": now} for uid, pixels, label in rows])

    def take_back_digits(self, visitor):
        """A student takes their own digits out of the current board's set."""
        with self._writing() as connection:
            connection.execute(class_digits.delete().where(class_digits.c.visitor == visitor,
                                                           class_digits.c.board == current_board().scalar_subquery()))

    def delete_class_digits(self, board):
        """The teacher deletes a board's whole set."""
        with self._writing() as connection:
            connection.execute(class_digits.delete().where(class_digits.c.board == board))

    def class_digits(self, board=None):
        """A board's set (the current one by default), oldest first: (X (784, n) float32 0..1, Y (n,) int64)."""
        if not self.exists():
            return np.zeros((PIXELS, 0), np.float32), np.zeros(0, np.int64)
        with self._reading() as connection:
            rows = connection.execute(select(class_digits.c.label, class_digits.c.pixels).where(
                class_digits.c.board == (board or current_board().scalar_subquery())).order_by(class_digits.c.id)
            ).mappings().all()
        if not rows:
            return np.zeros((PIXELS, 0), np.float32), np.zeros(0, np.int64)
        X = np.stack([np.frombuffer(row["pixels"], np.uint8) for row in rows], axis=1).astype(np.float32) / 255
        return X, np.array([row["label"] for row in rows], np.int64)

    def class_digits_table(self, board=None):
        """A board's set for the teacher's download: [{"label", "nickname", "added", "pixels" (784 ints)}, ...]."""
        if not self.exists():
            return []
        with self._reading() as connection:
            joined = class_digits.outerjoin(members, (members.c.board == class_digits.c.board)
                                            & (members.c.visitor == class_digits.c.visitor))
            rows = connection.execute(
                select(class_digits.c.label, class_digits.c.nickname, class_digits.c.added, class_digits.c.pixels,
                       members.c.number).select_from(joined)
                .where(class_digits.c.board == (board or current_board().scalar_subquery()))
                .order_by(class_digits.c.id)).mappings().all()
        return [{"label": row["label"], "who": row["nickname"] or f"student {row['number']}", "added": row["added"],
                 "pixels": list(np.frombuffer(row["pixels"], np.uint8))} for row in rows]

    def my_digit_count(self, visitor):
        """How many digits this student has in the current board's set."""
        if not self.exists():
            return 0
        with self._reading() as connection:
            return connection.execute(select(func.count()).select_from(class_digits).where(
                class_digits.c.visitor == visitor, class_digits.c.board == current_board().scalar_subquery())).scalar()
