"""AppTest of views/class_page/page.py, the Class page: an empty, a small and a 500-run board; a run's link; a hostile
nickname stored cut and shown as plain text; the teacher's key (nothing without it, refused and logged when wrong,
remove a run and start a new board when right); a file that is not a board; a locked file. And the posts: the
Training page's runs and the Experiments page's seeds reach the board, even while the file is locked, and a
broken board file never breaks them.

AppTest does not tick fragments: each at.run() draws the board once, as one tick does in a browser.
"""

import logging
import math
import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl

import pytest
from class_runs import a_class, fill, forget_writer
from streamlit.testing.v1 import AppTest

import board_store
from dashboard import board_posts, state
from nn_core.training import NOTEBOOK
from views.class_page import board_view
from views.training.live_curve import progress_text

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "views" / "class_page" / "page.py")
KEY = "owl-42"
HOSTILE = "<script>alert(1)</script> **bold** [x](http://y) # " + "z" * 5000


@pytest.fixture
def board_file(tmp_path, monkeypatch, data_dir):
    """This test's own board file (and the bundled sample as the data), without a class key."""
    path = tmp_path / "class_board.sqlite3"
    monkeypatch.setenv("CLASS_BOARD_PATH", str(path))
    monkeypatch.delenv("CLASS_KEY", raising=False)
    yield path
    forget_writer(path, timeout=2)


def opened(key=None, **session):
    at = AppTest.from_file(PAGE, default_timeout=120)
    if key is not None:
        at.query_params["key"] = key
    for name, value in session.items():
        at.session_state[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def run_ok(at):
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at):
    return {m.label: m.value for m in at.metric}


def written():
    assert board_posts.writer().flush(timeout=60), "the board's writer did not finish"


# ---------------------------------------------------------------------------------------------------------
# Boards of every size
# ---------------------------------------------------------------------------------------------------------


def test_an_empty_board_says_how_runs_get_there(board_file):
    at = opened()
    assert any("No runs on this board yet" in info.value for info in at.info)
    assert metrics(at)["Runs"] == "0" and metrics(at)["Best on dev"] == "–"
    assert not at.get("plotly_chart") and not at.dataframe
    assert not board_file.exists()  # looking at the board writes nothing


def test_a_small_board_shows_its_charts_tables_and_links(board_file):
    fill(board_store.Board(board_file), a_class(12, students=5))
    at = opened()
    assert metrics(at)["Runs"] == "12" and metrics(at)["Students"] == "5"
    charts = {chart.proto.id.rsplit("-", 1)[-1] for chart in at.get("plotly_chart")}
    assert charts == {"board_alpha", "board_hidden"}
    every, best = at.dataframe[0].value, at.dataframe[1].value
    assert list(every["run"]) == list(range(12, 0, -1))  # newest first
    assert {"who", "when", "α", "hidden units", "method", "data", "steps", "train accuracy", "dev accuracy", "seconds",
            "status", "other settings"} <= set(every.columns)
    assert list(best["rank"]) == list(range(1, len(best) + 1)) and len(best) <= 10
    assert list(best["dev accuracy"]) == sorted(best["dev accuracy"], reverse=True)
    link = at.code[0].value
    assert link.startswith("/training?hidden_sizes=") and "&alpha=" in link and "&seed=11" in link
    at.selectbox(key="board_link_run").set_value(1)
    assert "&seed=0&" in run_ok(at).code[0].value


def test_a_link_from_the_board_reproduces_the_run_on_the_training_page(board_file):
    fill(board_store.Board(board_file), a_class(3, students=3))
    run = board_store.Board(board_file).runs()[-1]
    query = opened().code[0].value.split("?", 1)[1]
    training = AppTest.from_file(str(ROOT / "views" / "training" / "page.py"), default_timeout=120)
    training.query_params.update(dict(parse_qsl(query)))
    run_ok(training)
    assert training.select_slider(key="tr_alpha").value == run["alpha"]
    assert training.slider(key="tr_hidden").value == run["hyperparams"].hidden_sizes[0]
    assert training.number_input(key="tr_seed").value == run["hyperparams"].seed
    assert not training.warning  # every value of the link was used


def test_a_runs_link_to_this_computer_warns_that_students_cannot_open_it(board_file, monkeypatch):
    from dashboard import links

    fill(board_store.Board(board_file), a_class(3, students=3))
    monkeypatch.setattr(links, "browser_address", lambda: "http://localhost:8501/class")
    at = opened()
    assert at.code[0].value.startswith("http://localhost:8501/training?")
    assert any("Students cannot open this link" in w.value and "--server.address 0.0.0.0" in w.value
               for w in at.warning)


def test_a_board_of_500_runs(board_file):
    fill(board_store.Board(board_file), a_class(500, students=25))
    start = time.perf_counter()
    at = opened()
    seconds = time.perf_counter() - start
    assert metrics(at)["Runs"] == "500" and metrics(at)["Students"] == "25"
    assert len(at.dataframe[0].value) == 500 and len(at.dataframe[1].value) == 10
    points = sum(len(trace["x"]) for chart in at.get("plotly_chart") for trace in _spec(chart)["data"])
    finished = sum(r["status"] != "stopped" for r in board_store.Board(board_file).runs())
    assert points == 2 * finished  # every run that trained to its end, on both charts
    start = time.perf_counter()
    run_ok(at)
    again = time.perf_counter() - start
    print(f"Class page with 500 runs, AppTest: first run {seconds:.2f} s, next {again:.2f} s")


def test_presenter_mode_keeps_the_main_columns(board_file):
    fill(board_store.Board(board_file), a_class(12, students=5))
    at = opened(**{state.PRESENTER: True})
    assert list(at.dataframe[0].value.columns) == ["run", "who", "dev accuracy", "α", "hidden units", "status"]
    assert at.get("plotly_chart")


def _spec(chart):
    import json

    return json.loads(chart.proto.spec)


# ---------------------------------------------------------------------------------------------------------
# Nicknames
# ---------------------------------------------------------------------------------------------------------


def test_a_hostile_nickname_is_stored_cut_and_shown_as_plain_text(board_file):
    at = opened()
    box = at.text_input(key="board_nickname_input")
    assert box.max_chars == board_store.MAX_NICKNAME
    box.set_value(HOSTILE)  # past the box's limit, as a client other than a browser could send it
    run_ok(at)
    cut = HOSTILE[:30].strip()
    assert at.session_state[board_posts.NICKNAME] == cut and at.text_input(key="board_nickname_input").value == cut
    written()
    visitor = at.session_state[board_posts.VISITOR]
    assert board_store.Board(board_file).member(visitor)["nickname"] == cut
    assert cut in [t.value for t in at.text]  # st.text: never read as Markdown or HTML
    board_store.Board(board_file).add_run(visitor, cut, board_store.summary(
        "r1", "training", state.Hyperparams(), "bundled sample", 500, 500, 0.9, 0.88, 10, "finished"))
    run_ok(at)
    assert list(at.dataframe[0].value["who"]) == [cut]  # a table cell: plain text
    markdown = [e.value for e in [*at.markdown, *at.caption, *at.info, *at.success, *at.warning, *at.error]]
    assert not any("<script>" in text or "**bold**" in text for text in markdown)
    for chart in at.get("plotly_chart"):  # plotly reads some HTML in labels: names stay out of the charts
        assert "script" not in chart.proto.spec


def test_an_empty_nickname_means_student_n(board_file):
    at = opened()
    at.text_input(key="board_nickname_input").input("  \n ")
    run_ok(at)
    assert at.session_state[board_posts.NICKNAME] is None
    written()
    assert run_ok(at).text[0].value == "student 1"


# ---------------------------------------------------------------------------------------------------------
# The teacher's key
# ---------------------------------------------------------------------------------------------------------


def teacher_buttons(at):
    return {b.key for b in at.button} & {"board_remove", "board_new"}


def test_without_a_key_on_the_server_nobody_can_change_the_board(board_file):
    fill(board_store.Board(board_file), a_class(4, students=2))
    at = opened(key="anything")
    assert any("without a class key" in w.value for w in at.warning)
    assert not teacher_buttons(at)
    assert "key" not in at.query_params


def test_without_the_key_in_the_address_there_are_no_teacher_controls(board_file, monkeypatch):
    monkeypatch.setenv("CLASS_KEY", KEY)
    fill(board_store.Board(board_file), a_class(4, students=2))
    assert not teacher_buttons(opened())


def test_a_wrong_key_is_refused_and_logged(board_file, monkeypatch, caplog):
    monkeypatch.setenv("CLASS_KEY", KEY)
    fill(board_store.Board(board_file), a_class(4, students=2))
    with caplog.at_level(logging.WARNING):
        at = opened(key="owl-43")
    assert any("not this server's class key" in e.value for e in at.error)
    assert any("wrong class key" in record.message for record in caplog.records)
    assert KEY not in caplog.text and "owl-43" not in caplog.text  # neither key is written to the log
    assert not teacher_buttons(at) and "key" not in at.query_params


def test_the_right_key_removes_a_run_and_starts_a_new_board(board_file, monkeypatch):
    monkeypatch.setenv("CLASS_KEY", KEY)
    store = board_store.Board(board_file)
    fill(store, a_class(6, students=3))
    at = opened(key=KEY)
    assert any("Teacher controls are on" in s.value for s in at.success)
    assert "key" not in at.query_params  # out of the address, so the projector never shows it
    assert teacher_buttons(at) == {"board_remove", "board_new"}

    at.selectbox(key="board_remove_run").set_value(2)
    at.button(key="board_remove").click()
    run_ok(at)
    assert [r["number"] for r in store.runs()] == [1, 3, 4, 5, 6]
    assert any("Run 2 was removed" in s.value for s in at.success)
    assert metrics(at)["Runs"] == "5"

    assert at.button(key="board_new").disabled  # not without the confirmation
    at.toggle(key="board_confirm_new").set_value(True)
    run_ok(at).button(key="board_new").click()
    run_ok(at)
    assert store.runs() == [] and len(store.boards()) == 2
    assert metrics(at)["Runs"] == "0"
    first = store.boards()[1]["id"]
    at.selectbox(key="board_which").set_value(first)
    run_ok(at)
    assert metrics(at)["Runs"] == "5"  # the old board, archived, not deleted
    assert "Training now" not in metrics(at)

    at.toggle(key="board_confirm_new").set_value(True)
    run_ok(at).button(key="board_new").click()  # another class: the board shown was archived before
    run_ok(at)
    assert len(store.boards()) == 3 and at.selectbox(key="board_which").value == first  # still that archive
    at.selectbox(key="board_which").set_value(0)
    assert metrics(run_ok(at))["Runs"] == "0"  # "current board" follows the newest


def test_the_teacher_controls_go_when_the_key_is_taken_away(board_file, monkeypatch):
    monkeypatch.setenv("CLASS_KEY", KEY)
    fill(board_store.Board(board_file), a_class(3, students=3))
    at = opened(key=KEY)
    monkeypatch.delenv("CLASS_KEY")
    assert not teacher_buttons(run_ok(at))


# ---------------------------------------------------------------------------------------------------------
# Files that cannot be used, and locked files
# ---------------------------------------------------------------------------------------------------------


def test_a_file_that_is_not_a_board_gets_a_clear_message(board_file):
    board_file.write_text("not a database " * 100)
    at = opened()
    assert any("cannot be read" in e.value and "CLASS_BOARD_PATH" in e.value for e in at.error)


def test_a_board_from_a_newer_version_is_refused_clearly(board_file):
    fill(board_store.Board(board_file), a_class(2))
    with sqlite3.connect(board_file) as connection:
        connection.execute("UPDATE meta SET value = '7' WHERE name = 'schema'")  # the board's schema version
    at = opened()
    assert any("newer version of this app" in e.value for e in at.error)


def test_a_locked_board_still_shows_and_a_run_posted_meanwhile_lands_after(board_file):
    store = board_store.Board(board_file)
    fill(store, a_class(3, students=3))
    locker = sqlite3.connect(board_file, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        at = opened()
        assert metrics(at)["Runs"] == "3" and not at.error and not at.warning
        training = trained_one_step()
        assert not board_posts.writer().flush(timeout=1.5)  # waiting for the lock, not lost
    finally:
        locker.execute("COMMIT")
        locker.close()
    written()
    assert metrics(run_ok(at))["Runs"] == "4"
    assert store.runs()[-1]["visitor"] == training.session_state[board_posts.VISITOR]


# ---------------------------------------------------------------------------------------------------------
# The posts: the Training page and the Experiments page
# ---------------------------------------------------------------------------------------------------------


def trained_one_step():
    at = AppTest.from_file(str(ROOT / "views" / "training" / "page.py"), default_timeout=120)
    run_ok(at)
    at.button(key="tr_step").click()
    return run_ok(at)


def test_the_training_pages_run_is_posted_and_updated_not_repeated(board_file):
    at = trained_one_step()
    written()
    (run,) = board_store.Board(board_file).runs()
    assert (run["page"], run["steps"], run["status"], run["who"]) == ("training", 1, "stopped", "student 1")
    at.button(key="tr_step").click()
    run_ok(at)
    written()
    (run,) = board_store.Board(board_file).runs()
    assert run["steps"] == 2 and run["dev_accuracy"] is not None and run["data"] == "bundled sample"


def test_a_run_is_posted_before_the_page_says_finished_while_its_thread_still_lives(board_file):
    """A run's status turns "finished" a moment before its following thread ends. A visitor who reads "✅ finished"
    may go to another page at once, and the Training page is never drawn again: the run must be on the board from
    that drawing on."""
    at = trained_one_step()
    written()
    run = at.session_state["training_run"]
    run.status = "finished"  # as the worker's last step leaves it ...
    run.worker = SimpleNamespace(is_alive=lambda: True)  # ... with the thread that followed it not ended yet
    assert progress_text(run).startswith("⏳ training")  # not "finished" before the page has finished it
    run_ok(at)
    assert progress_text(run).startswith("✅ finished")
    assert at.session_state["training_run"].worker is None
    written()
    (posted,) = board_store.Board(board_file).runs()
    assert posted["status"] == "finished"


def test_the_experiments_pages_seeds_are_posted_one_run_each(board_file):
    at = AppTest.from_file(str(ROOT / "views" / "experiments" / "page.py"), default_timeout=120)
    at.session_state["exp_short_runs"] = 3
    run_ok(at)
    at.slider(key="exp_n").set_value(2)
    run_ok(at).button(key="exp_seeds_run").click()
    for _ in range(40):
        run_ok(at)
        if at.session_state["exp_seeds"].status != "running":
            break
    run_ok(at)
    written()
    runs = board_store.Board(board_file).runs()
    assert [(r["page"], r["hyperparams"].seed, r["steps"]) for r in runs] == [("experiments", 0, 3),
                                                                           ("experiments", 1, 3)]
    run_ok(at)
    written()
    assert len(board_store.Board(board_file).runs()) == 2  # each seed once


def test_a_broken_board_file_never_breaks_training(board_file):
    board_file.mkdir()  # a folder where the file should be: nothing can be written
    at = trained_one_step()
    assert at.session_state["training_run"].step == 1
    deadline = time.monotonic() + 30
    while board_posts.writer().problem is None and time.monotonic() < deadline:
        time.sleep(0.1)
    page = opened()
    (said,) = page.error  # one line: what is wrong, and that the run waits
    assert "cannot be read" in said.value and "1 post(s) from this server" in said.value and not page.warning


def test_a_run_that_went_wrong_says_so_with_its_cause_on_the_page_in_the_history_and_on_the_board(board_file):
    """α = 5: most ReLU units die within 20 steps and the dev accuracy stays near 10%. The Training page, its
    run history and the class board all say "went wrong", and why, in the same words."""
    at = AppTest.from_file(str(ROOT / "views" / "training" / "page.py"), default_timeout=120)
    run_ok(at)
    at.select_slider(key="tr_alpha").set_value(5.0)
    at.select_slider(key="tr_iterations").set_value(20)
    run_ok(at).button(key="tr_train").click()
    run_ok(at)
    run = at.session_state["training_run"]
    run.worker.join(120)
    run_ok(at)
    assert run.status == "finished" and run.outcome == "went wrong"
    dev = run.scores["dev"][1]
    cause = f"{run.dead} of 10 ReLU units dead (α 5 too large)"
    assert 2 * run.dead >= 10 and dev < 0.3 and str(run.problem) == cause
    assert f"training went wrong: {cause}" in at.warning[0].value and not at.success  # no green ✅
    assert "ReLU units of layer 1 are dead" in at.error[0].value
    assert f"⚠️ went wrong ({cause}) · step 20 of 20" in at.get("progress")[0].proto.text
    history = next(frame.value for frame in at.dataframe if "seed" in frame.value.columns)
    assert history["status"].tolist() == [f"went wrong: {cause}"]
    written()
    (posted,) = board_store.Board(board_file).runs()
    assert (posted["status"], posted["problem"], posted["dev_accuracy"]) == ("went wrong", cause, dev)
    board = opened()
    table = board.dataframe[0].value
    assert table["status"].tolist() == [f"⚠️ went wrong: {cause}"]
    assert "triangles the runs that went wrong" in " ".join(c.value for c in board.caption)


@pytest.mark.parametrize("alphas", [(5.0,), (0.001, 0.002), (0.1,)])
def test_with_one_or_two_runs_every_point_and_the_notebooks_line_are_inside_the_charts(alphas):
    rows = [{"number": n, "alpha": alpha, "hidden_units": 32, "method": "full-batch", "status": "finished",
             "dev_accuracy": dev} for n, (alpha, dev) in enumerate(zip(alphas, (1.0, 0.0), strict=False), start=1)]
    for x, notebook_x in (("alpha", NOTEBOOK.alpha), ("hidden_units", sum(NOTEBOOK.hidden_sizes))):
        layout = board_view.accuracy_chart(rows, x, x, notebook_x, None).to_dict()["layout"]
        low, high = layout["xaxis"]["range"]  # a log axis: powers of 10
        for value in [r[x] for r in rows] + [notebook_x]:  # a marker's half width is under 0.1 of a decade here
            assert low + 0.1 <= math.log10(value) <= high - 0.1, (x, value, layout["xaxis"]["range"])
        assert layout["shapes"][0]["x0"] == notebook_x  # the notebook's dashed line
        bottom, top = layout["yaxis"]["range"]
        assert bottom < 0 and top > 100  # runs at 0% and at 100% are drawn whole
