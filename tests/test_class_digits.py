"""Tests for board_store/class_digits.py, the class's set of digits: what it refuses (an empty or near-empty
digit, a label that is not a whole number 0 to 9, a digit that is not 784 numbers 0..1), what it keeps (the 784
numbers as whole numbers 0..255, the label, the nickname, the time: nothing else), adding twice, taking back,
the teacher's delete, archived boards, and 30 students adding at once through their own writers losing nothing."""

import threading

import numpy as np
import pytest
from sqlalchemy import inspect, text

import board_store
from board_store import DigitRefusedError, clean_digit


@pytest.fixture
def store(board_location):
    return board_store.Board(board_location)


def a_digit(seed=0, ink=60):
    """784 numbers 0..1 with `ink` bright pixels in the middle rows, the rest black."""
    rng = np.random.default_rng(seed)
    x = np.zeros(784)
    x[rng.choice(np.arange(200, 600), ink, replace=False)] = rng.uniform(0.5, 1.0, ink)
    return x


# ---------------------------------------------------------------------------------------------------------
# What the set refuses
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", [10, -1, True, False, "3", 3.0, None])
def test_a_label_must_be_a_whole_number_from_0_to_9(label):
    with pytest.raises(DigitRefusedError, match="0 to 9"):
        clean_digit(a_digit(), label)


def test_every_label_from_0_to_9_is_taken_numpy_ones_too():
    for label in range(10):
        assert clean_digit(a_digit(), label)[1] == label
    assert clean_digit(a_digit(), np.int64(7))[1] == 7 and type(clean_digit(a_digit(), np.int64(7))[1]) is int


@pytest.mark.parametrize("x", [np.zeros(783), np.zeros(785), np.zeros((28, 29)), np.full(784, 1.5),
                               np.full(784, -0.1), np.full(784, np.nan)])
def test_a_digit_must_be_784_numbers_from_0_to_1(x):
    with pytest.raises(DigitRefusedError):
        clean_digit(x, 3)


def test_an_empty_or_near_empty_digit_is_refused():
    with pytest.raises(DigitRefusedError, match="empty"):
        clean_digit(np.zeros(784), 1)
    with pytest.raises(DigitRefusedError, match="empty"):
        clean_digit(a_digit(ink=9), 1)  # nine bright pixels of 784: a speck, not a digit
    with pytest.raises(DigitRefusedError, match="empty"):
        clean_digit(np.full(784, 0.05), 1)  # a faint haze, nothing brighter than ink's threshold
    pixels, label = clean_digit(a_digit(ink=10), 1)
    assert len(pixels) == 784 and label == 1


def test_a_digit_is_kept_as_whole_numbers_0_to_255_in_any_shape_that_holds_784():
    x = a_digit()
    flat, _ = clean_digit(x, 4)
    column, _ = clean_digit(x.reshape(784, 1), 4)
    square, _ = clean_digit(x.reshape(28, 28), 4)
    assert flat == column == square
    assert np.array_equal(np.frombuffer(flat, np.uint8), np.rint(255 * x).astype(np.uint8))


# ---------------------------------------------------------------------------------------------------------
# Adding, taking back, deleting
# ---------------------------------------------------------------------------------------------------------


def test_an_empty_set_reads_as_no_digits_and_writes_nothing(tmp_path):
    store = board_store.Board(tmp_path / "board.sqlite3")
    X, Y = store.class_digits()
    assert X.shape == (784, 0) and Y.shape == (0,)
    assert store.class_digits_table() == [] and store.my_digit_count("v1") == 0
    assert not (tmp_path / "board.sqlite3").exists()


def test_a_students_digits_are_kept_as_the_network_reads_them(store):
    digits = [(f"u{k}", a_digit(k), k % 10) for k in range(12)]
    store.add_digits("v1", "Ada", digits, now=1000.0)
    store.add_digits("v2", None, [("u0", a_digit(99), 7)], now=1001.0)  # another student's uid u0: their own
    X, Y = store.class_digits()
    assert X.shape == (784, 13) and X.dtype == np.float32
    assert list(Y) == [k % 10 for k in range(12)] + [7]  # oldest first
    np.testing.assert_allclose(X[:, 3], a_digit(3), atol=0.5 / 255 + 1e-7)
    table = store.class_digits_table()
    assert [row["who"] for row in table] == ["Ada"] * 12 + ["student 2"]
    assert table[0]["added"] == 1000.0 and len(table[0]["pixels"]) == 784
    assert (store.my_digit_count("v1"), store.my_digit_count("v2"), store.my_digit_count("v3")) == (12, 1, 0)
    with store.engine.connect() as connection:  # the row holds the numbers, the label, who and when: no image
        columns = [column["name"] for column in inspect(connection).get_columns("class_digits")]
    assert columns == ["id", "board", "visitor", "uid", "label", "pixels", "nickname", "added"]


def test_adding_the_same_drawings_again_adds_nothing_and_a_new_drawing_is_new(store):
    store.add_digits("v1", None, [("a", a_digit(1), 1), ("b", a_digit(2), 2)])
    store.add_digits("v1", None, [("a", a_digit(1), 1), ("b", a_digit(2), 2)])
    assert store.my_digit_count("v1") == 2
    store.add_digits("v1", None, [("a", a_digit(1), 1), ("c", a_digit(3), 1)])  # a new drawing of a 1
    assert sorted(store.class_digits()[1]) == [1, 1, 2]


def test_one_refused_digit_refuses_the_whole_post(store):
    with pytest.raises(DigitRefusedError):
        store.add_digits("v1", None, [("a", a_digit(1), 1), ("b", np.zeros(784), 2)])
    assert store.class_digits()[1].size == 0


def test_a_student_takes_back_their_own_digits_only(store):
    store.add_digits("v1", None, [("a", a_digit(1), 1), ("b", a_digit(2), 2)])
    store.add_digits("v2", None, [("a", a_digit(3), 3)])
    store.take_back_digits("v1")
    assert list(store.class_digits()[1]) == [3]
    assert (store.my_digit_count("v1"), store.my_digit_count("v2")) == (0, 1)
    store.add_digits("v1", None, [("a", a_digit(1), 1)])  # taken back, then given again: it is in the set again
    assert store.my_digit_count("v1") == 1


def test_the_teacher_deletes_the_whole_set_and_the_rows_leave_the_file(store):
    store.add_digits("v1", None, [("a", a_digit(1), 1)])
    store.add_digits("v2", None, [("a", a_digit(2), 2)])
    board = store.boards()[0]["id"]
    store.delete_class_digits(board)
    assert store.class_digits()[1].size == 0
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM class_digits")).scalar() == 0


def test_a_new_board_starts_with_an_empty_set_and_the_archived_one_keeps_its_own(store):
    store.add_digits("v1", None, [("a", a_digit(1), 1)])
    old = store.boards()[0]["id"]
    store.new_board()
    assert store.class_digits()[1].size == 0 and store.my_digit_count("v1") == 0
    assert list(store.class_digits(old)[1]) == [1]
    store.take_back_digits("v1")  # takes back from the current board only
    assert list(store.class_digits(old)[1]) == [1]


# ---------------------------------------------------------------------------------------------------------
# A class adding at once
# ---------------------------------------------------------------------------------------------------------


def test_thirty_students_adding_at_once_through_their_own_writers_lose_nothing(board_location):
    path = board_location
    board_store.Board(path).set_nickname("setup", None)  # the file exists before the race
    writers = [board_store.Writer(board_store.Board(path)) for _ in range(30)]  # each its own thread and connection
    start = threading.Barrier(30)

    def add(k, writer):
        start.wait()
        for round_ in range(2):  # the ten digits, then the ten again (a second press of Add) and two new ones
            digits = [(f"d{d}", a_digit(100 * k + d), d) for d in range(10)]
            digits += [(f"new{k}-{j}", a_digit(100 * k + 10 + j), j) for j in range(2 * round_)]
            writer.submit("add_digits", f"student-{k}", f"S{k}" if k % 2 else None, digits)

    threads = [threading.Thread(target=add, args=(k, w)) for k, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(writer.flush(timeout=120) for writer in writers)
    store = board_store.Board(path)
    X, Y = store.class_digits()
    assert Y.size == 30 * 12
    assert [store.my_digit_count(f"student-{k}") for k in range(30)] == [12] * 30
    assert np.bincount(Y, minlength=10).tolist() == [60, 60] + [30] * 8
    table = store.class_digits_table()
    assert {row["who"] for row in table if row["who"].startswith("S")} == {f"S{k}" for k in range(1, 30, 2)}
    print(f"busy retries across the 30 writers: {sum(w.retries for w in writers)}")
    for writer in writers:
        writer.close(timeout=5)


def test_a_refused_post_through_the_writer_is_logged_and_the_queue_goes_on(board_location, caplog):
    writer = board_store.Writer(board_store.Board(board_location))
    writer.submit("add_digits", "v1", None, [("a", np.zeros(784), 1)])
    writer.submit("add_digits", "v1", None, [("b", a_digit(), 2)])
    assert writer.flush(timeout=30)
    assert "add_digits refused" in caplog.text and "empty" in caplog.text
    assert list(writer.board.class_digits()[1]) == [2]
    writer.close(timeout=5)
