"""Asking the room, on the board (a SQLite file, then a PostgreSQL database): questions, rounds, answers and
presence (board_store/room.py)."""

import json
import threading

import pytest
from sqlalchemy import inspect

import board_store

QUESTION = {"text": "What does softmax give for each column of A2?", "right": 1,
            "options": ["Ten scores that can be negative", "Ten probabilities that add up to 1", "One digit"],
            "explanation": "A2 = softmax(Z2): each column is ten numbers between 0 and 1 that sum to 1."}


@pytest.fixture
def store(board_location):
    return board_store.Board(board_location)


def asked(store, question=QUESTION):
    store.ask(question)
    return store.current_question()["id"]


def test_a_question_is_asked_answered_and_counted_per_round(store):
    assert store.current_question() is None
    q = asked(store)
    current = store.current_question()
    assert (current["state"], current["round"], current["shown"]) == ("open", 1, 0)
    assert current["question"]["options"] == QUESTION["options"]
    store.answer("anna", "Anna", q, 1, 0)
    store.answer("ben", None, q, 1, 1)
    store.answer("anna", "Anna", q, 1, 1)  # she changes her mind: the second answer replaces the first
    assert store.tally(q) == {1: [0, 2, 0]}
    assert store.my_answers(q, "anna") == {1: 1}
    store.vote_again(q)
    assert (store.current_question()["round"], store.current_question()["state"]) == (2, "open")
    store.answer("ben", None, q, 2, 1)
    assert store.tally(q) == {1: [0, 2, 0], 2: [0, 1, 0]}  # round 1 is kept beside round 2
    store.reveal(q)
    assert (store.current_question()["state"], store.current_question()["shown"]) == ("revealed", 1)
    store.end_question(q)
    assert store.current_question() is None
    assert [row["tally"] for row in store.questions()] == [{1: [0, 2, 0], 2: [0, 1, 0]}]  # kept in the file
    assert store.member("anna")["who"] == "Anna" and store.member("ben")["who"] == "student 2"


def test_answers_to_a_question_that_is_not_open_or_to_a_forged_option_are_refused(store):
    q = asked(store)
    for forged in (3, -1, "1", 1.0, None, True):
        with pytest.raises(board_store.AnswerRefusedError, match="no option"):
            store.answer("eve", None, q, 1, forged)
    with pytest.raises(board_store.AnswerRefusedError, match="round 2"):
        store.answer("anna", None, q, 2, 1)  # no second round yet
    store.close_answers(q)
    with pytest.raises(board_store.AnswerRefusedError, match="closed"):
        store.answer("anna", None, q, 1, 1)
    store.vote_again(q)
    with pytest.raises(board_store.AnswerRefusedError, match="round 1"):
        store.answer("anna", None, q, 1, 1)  # a tab still showing round 1
    store.ask({**QUESTION, "text": "The next one"})  # asking another ends this one
    with pytest.raises(board_store.AnswerRefusedError, match="ended"):
        store.answer("anna", None, q, 2, 1)
    assert store.tally(q) == {}


def test_a_question_from_an_archived_board_takes_no_answers(store):
    q = asked(store)
    store.new_board()
    assert store.current_question() is None
    with pytest.raises(board_store.AnswerRefusedError, match="not on the current board"):
        store.answer("anna", None, q, 1, 1)


@pytest.mark.parametrize("question, message", [
    ({**QUESTION, "text": "   "}, "no text"),
    ({**QUESTION, "text": "x" * 201}, "201 characters"),
    ({**QUESTION, "options": ["only one"]}, "2 to 6 options; this one has 1"),
    ({**QUESTION, "options": [str(n) for n in range(7)]}, "has 7"),
    ({**QUESTION, "options": ["yes", "yes "]}, "Two options are the same"),
    ({**QUESTION, "right": 3}, "one of the 3 options"),
    ({**QUESTION, "right": True}, "one of the 3 options"),
])
def test_a_question_that_cannot_be_shown_is_refused_with_its_reason(store, question, message):
    with pytest.raises(board_store.QuestionError, match=message):
        store.ask(question)
    assert store.current_question() is None


def test_a_teachers_own_question_is_kept_as_plain_text(store):
    own = {"text": "Is **this** <b>bold</b>?\nSecond   line", "options": ["<i>yes</i>", "no", ""], "right": None}
    store.ask(own)
    kept = store.current_question()["question"]
    assert kept["text"] == "Is **this** <b>bold</b>? Second line"  # as typed, one line: the page never renders it
    assert (kept["options"], kept["right"]) == (["<i>yes</i>", "no"], None)


def test_present_counts_the_students_seen_recently(store):
    store.seen("anna", now=1000.0)
    store.seen("ben", now=1010.0)
    store.seen("anna", now=1012.0)
    assert store.present(now=1014.0, window=3.0) == 1  # anna was seen 2 s ago, ben 4 s ago
    assert store.present(now=1014.0, window=15.0) == 2
    assert store.present(now=1100.0) == 0


def test_thirty_students_answering_at_once_are_all_counted(board_location):
    path = board_location
    board_store.Board(path).ask(QUESTION)
    q = board_store.Board(path).current_question()["id"]

    def student(n):  # each from a writer of its own, as from app processes of their own
        writer = board_store.Writer(board_store.Board(path))
        writer.submit("seen", f"s{n}")
        writer.submit("answer", f"s{n}", None, q, 1, n % 3)
        assert writer.flush(30)
        writer.close()

    threads = [threading.Thread(target=student, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store = board_store.Board(path)
    assert store.tally(q) == {1: [10, 10, 10]}
    assert store.present() == 30


def test_the_writer_logs_a_refused_answer_and_goes_on(board_location, caplog):
    writer = board_store.Writer(board_store.Board(board_location))
    writer.submit("ask", QUESTION)
    assert writer.flush(10)
    q = writer.board.current_question()["id"]
    writer.submit("answer", "eve", None, q, 1, 99)  # forged
    writer.submit("answer", "anna", None, q, 1, 1)
    assert writer.flush(10)
    writer.close()
    assert writer.board.tally(q) == {1: [0, 1, 0]}
    assert "answer refused: question" in caplog.text and "has no option 99" in caplog.text


def test_the_answers_survive_a_restart_and_store_nothing_but_token_and_nickname(board_location):
    path = board_location
    first = board_store.Board(path)
    q = asked(first)
    first.answer("anna", "Anna", q, 1, 1)
    again = board_store.Board(path)  # a new process reading the same file
    assert again.current_question()["id"] == q and again.tally(q) == {1: [0, 1, 0]}
    with again.engine.connect() as connection:
        columns = {table: [column["name"] for column in inspect(connection).get_columns(table)]
                   for table in ("answers", "presence")}
    assert columns == {"answers": ["question", "round", "visitor", "option", "answered"],
                       "presence": ["board", "visitor", "seen"]}
    json.dumps(again.questions(), default=str)


def test_the_page_the_teacher_sends_the_class_to_is_offered_for_a_while(store):
    assert store.latest_follow() is None
    store.send_class("training", "alpha=5&lock=alpha", "📉 Training with alpha 5", now=1000.0)
    store.send_class("forward", "", "➡️ Forward pass", now=1010.0)
    latest = store.latest_follow(now=1020.0)
    assert (latest["page"], latest["query"], latest["label"]) == ("forward", "", "➡️ Forward pass")
    assert store.latest_follow(now=1010.0 + board_store.room.FOLLOW_FOR + 1) is None  # an old offer is not made
    store.new_board()
    assert store.latest_follow(now=1020.0) is None  # a new class starts with none


def test_a_tab_saying_it_is_open_does_not_make_the_board_read_its_runs_again(store, monkeypatch):
    store.set_nickname("anna", "Anna")
    first = store.runs()
    store.seen("ben")
    assert store.runs() is first  # the same rows, from the cache: nothing the board shows has changed
    store.set_nickname("ben", "Ben")
    assert store.runs() is not first
