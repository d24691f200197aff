"""The class board on PostgreSQL, in what only a database server does: it goes away and comes back (a restart
loses no run and no answer: they wait in the process), and it refuses a wrong password (a clear error that never
shows a password). The Class page says in one line that the board waits. The rest of the store's tests run on
PostgreSQL too (conftest.board_location)."""

import time
from pathlib import Path

import pytest
from class_runs import forget_writer
from postgres_server import PostgresServer
from streamlit.testing.v1 import AppTest

import board_store
from nn_core.training import NOTEBOOK

ROOT = Path(__file__).resolve().parents[1]
QUESTION = {"text": "Which way does gradient descent step?", "right": 1,
            "options": ["Up the gradient", "Down the gradient"], "explanation": "W ← W − α·dW: down."}


@pytest.fixture
def own_server(postgres_server):
    """A PostgreSQL server of this test's own, to stop and start again (postgres_server says whether one can run)."""
    with PostgresServer() as server:
        yield server


def a_run(uid):
    return board_store.summary(uid, "training", NOTEBOOK, "bundled sample", 500, 500, 0.86, 0.85, 11.5, "finished")


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_a_restart_of_postgresql_loses_no_run_and_no_answer(own_server):
    url = own_server.fresh_database()
    store = board_store.Board(url)
    store.ask(QUESTION)
    question = store.current_question()["id"]
    writer = board_store.Writer(board_store.Board(url))
    writer.submit("add_run", "ada", "Ada", a_run("before"))
    assert writer.flush(30)

    own_server.stop()
    for k in range(5):
        writer.submit("add_run", f"student-{k}", None, a_run(f"while-away-{k}"))
    writer.submit("answer", "ada", "Ada", question, 1, 1)
    assert wait_for(lambda: writer.problem is not None), "the writer never noticed the database was away"
    assert not writer.flush(timeout=1.0) and writer.waiting == 6  # kept in the process, not lost
    assert "cannot be used now" in writer.problem and own_server.password not in writer.problem
    with pytest.raises(board_store.BoardError, match="cannot be used now") as away:
        board_store.Board(url).runs()
    assert own_server.password not in str(away.value)

    own_server.start()
    back = time.monotonic()
    assert writer.flush(timeout=60), "the posts were not written once the database was back"
    print(f"written {time.monotonic() - back:.2f} s after PostgreSQL was back")
    again = board_store.Board(url)  # the page of any machine, after the restart
    assert sorted(r["uid"] for r in again.runs()) == ["before", *(f"while-away-{k}" for k in range(5))]
    assert again.tally(question) == {1: [0, 1]}
    assert writer.problem is None
    writer.close()


def test_a_refused_password_is_a_clear_error_that_never_shows_it(postgres_server):
    wrong = "correct-horse-battery-staple"
    store = board_store.Board(postgres_server.url(password=wrong))
    with pytest.raises(board_store.BoardError, match="password authentication failed") as refused:
        store.runs()
    assert wrong not in str(refused.value) and postgres_server.password not in str(refused.value)
    assert wrong not in store.name and "***" in store.name


def test_the_class_page_says_in_one_line_that_the_board_is_away_and_the_posts_wait(own_server, monkeypatch,
                                                                                  data_dir):
    url = own_server.fresh_database()
    monkeypatch.setenv(board_store.URL_VARIABLE, url)
    monkeypatch.delenv(board_store.KEY_VARIABLE, raising=False)
    from dashboard import board_posts

    try:
        board_posts.writer().submit("add_run", "ada", "Ada", a_run("before"))
        assert board_posts.writer().flush(30)
        own_server.stop()
        board_posts.writer().submit("add_run", "ben", "Ben", a_run("while-away"))
        assert wait_for(lambda: board_posts.writer().problem is not None)

        at = AppTest.from_file(str(ROOT / "views" / "class_page" / "page.py"), default_timeout=120).run()
        assert not at.exception, at.exception
        (said,) = at.error
        assert "cannot be used now" in said.value and "1 post(s) from this server" in said.value
        assert not at.warning
        shown = " ".join(element.value for element in [*at.error, *at.info, *at.markdown, *at.caption])
        assert own_server.password not in shown

        own_server.start()
        assert board_posts.writer().flush(timeout=60)
        time.sleep(board_store.store.AWAY)  # the page's reads try the database again
        at.run()
        assert not at.exception and not at.error
        assert {m.label: m.value for m in at.metric}["Runs"] == "2"
    finally:
        forget_writer(url, timeout=2)


def test_a_wrong_password_is_said_in_the_servers_log_and_breaks_no_page(postgres_server, monkeypatch, data_dir,
                                                                         caplog):
    wrong = "correct-horse-battery-staple"
    url = postgres_server.url(password=wrong)
    monkeypatch.setenv(board_store.URL_VARIABLE, url)
    try:
        for page in ("home", "training", "class", "draw"):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            at.switch_page(f"views/{'class_page' if page == 'class' else page}/page.py").run()
            assert not at.exception, (page, at.exception)
            assert wrong not in " ".join(element.value for element in [*at.error, *at.warning, *at.info])
        said = [record.getMessage() for record in caplog.records if record.name == "dashboard.board_posts"]
        assert len(said) == 1 and "password authentication failed" in said[0] and wrong not in said[0]
    finally:
        forget_writer(url, timeout=0)
