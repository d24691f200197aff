"""AppTest of the challenges: the Class page's 🏁 Challenges (views/class_page/challenges.py: the teacher posts a
preset or their own numbers, refused numbers are said and never written, a student has no controls, the live
leaderboards, closing, presenter mode, a board that cannot be read) and the Training page's box
(views/training/challenge_box.py: where this visitor's best run stands).

AppTest does not tick fragments: each at.run() draws the leaderboards once, as one tick does in a browser.
"""

import sqlite3
import time
from pathlib import Path

import pytest
from conftest import CLASS_KEY, run_ok
from streamlit.testing.v1 import AppTest

import board_store
from dashboard import board_posts, state
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK
from views.class_page import challenges

ROOT = Path(__file__).resolve().parents[1]
CLASS_PAGE = str(ROOT / "views" / "class_page" / "page.py")
TRAINING_PAGE = str(ROOT / "views" / "training" / "page.py")
KEY = CLASS_KEY
DEV_90 = "dev ≥ 90% in at most 100 steps"
LEADERBOARD = ["rank", "who", "run", "dev accuracy", "steps", "hidden units", "α", "method"]




def class_page(key=None, **session):
    """The Class page showing its challenges; with key, the teacher's tab."""
    at = AppTest.from_file(CLASS_PAGE, default_timeout=120)
    if key is not None:
        at.query_params["key"] = key
    at.session_state["class_show"] = "challenges"
    for name, value in session.items():
        at.session_state[name] = value
    return run_ok(at)


def written():
    assert board_posts.writer().flush(timeout=30), "the board's writer did not finish"


def a_run(uid, dev, steps=100, units=10, alpha=0.1, status="finished", hp=NOTEBOOK):
    hp = hp.with_changes(alpha=alpha, hidden_sizes=(units,))
    return board_store.summary(uid, "training", hp, "bundled sample", steps, steps, dev, dev, 5.0, status)


def challenge(targets=None, ranked_by="dev", title=DEV_90):
    targets = {"dev_at_least": 0.9, "steps_at_most": 100} if targets is None else targets
    return {"title": title, "targets": {**targets, "data": "bundled sample"}, "ranked_by": ranked_by}


def opened_on(path, posted=None):
    """A challenge posted straight to the board file a moment ago; returns the board."""
    store = board_store.Board(path)
    store.post_challenge(posted or challenge(), now=time.time() - 1)
    return store


def texts(at, *kinds):
    kinds = kinds or ("markdown", "caption", "info", "success", "warning", "error", "subheader", "header")
    return " ".join(str(element.value) for kind in kinds for element in getattr(at, kind))


def leaderboard(at, challenge_id):
    """The table inside a challenge's container (the element a browser finds as .st-key-challenge_board_<id>), in a
    page (at) or in a part of it (an expander)."""
    key = f"challenge_board_{challenge_id}"
    box = next(node for node in getattr(at, "main", at) if getattr(node, "key", None) == key)
    return box.dataframe[0].value if box.dataframe else None


def button(at, key):
    return next(b for b in at.button if b.key == key)


def has_widget(at, key):
    return any(getattr(node, "key", None) == key for node in at.main)


# ---------------------------------------------------------------------------------------------------------
# The teacher posts
# ---------------------------------------------------------------------------------------------------------


def test_the_teacher_posts_a_preset_on_the_data_in_use(keyed_board_file):
    at = class_page(key=KEY)
    chooser = at.selectbox(key="challenge_choice")
    assert chooser.options == [*challenges.PRESETS, challenges.BEAT, challenges.OWN] and chooser.value == DEV_90
    assert "dev ≥ 90% · at most 100 steps · on the bundled sample" in texts(at, "caption")  # the preview, in words
    assert any("No challenge is open. Post one above." in info.value for info in at.info)
    button(at, "challenge_post").click()
    run_ok(at)
    written()
    (posted,) = board_store.Board(keyed_board_file).challenges()
    assert posted["closed"] is None and posted["challenge"] == {
        "title": DEV_90, "targets": {"dev_at_least": 0.9, "steps_at_most": 100, "data": "bundled sample"},
        "ranked_by": "dev"}
    run_ok(at)  # the next tick of the leaderboards
    assert f"🏁 {DEV_90}" in texts(at, "subheader")
    assert any("No run meets it yet" in info.value for info in at.info)
    assert "0 runs tried since it opened, 0 meet it" in texts(at, "caption")
    assert has_widget(at, f"challenge_close_{posted['id']}")


def test_the_teacher_posts_a_ranking_by_the_fewest_hidden_units(keyed_board_file):
    at = class_page(key=KEY)
    at.selectbox(key="challenge_choice").set_value("The fewest hidden units that reach dev 85%")
    run_ok(at)
    button(at, "challenge_post").click()
    run_ok(at)
    written()
    (posted,) = board_store.Board(keyed_board_file).challenges()
    assert posted["challenge"]["ranked_by"] == "units" and posted["challenge"]["targets"]["dev_at_least"] == 0.85


def test_beating_softmax_regression_is_worked_out_on_the_data_not_assumed(keyed_board_file, sample_split):
    from nn_core.training import evaluate, new_network, train_to_end

    at = class_page(key=KEY)
    at.selectbox(key="challenge_choice").set_value(challenges.BEAT)
    run_ok(at)
    button(at, "challenge_post").click()
    run_ok(at)
    written()
    (posted,) = board_store.Board(keyed_board_file).challenges()
    targets = posted["challenge"]["targets"]
    assert targets["network"] == "784-10-10" and targets["data"] == "bundled sample"
    hp = NOTEBOOK.with_changes(hidden_sizes=())  # softmax regression, 784 -> 10, as the notebook trains
    params, _ = train_to_end(new_network(hp), sample_split.X_train, sample_split.Y_train, hp)
    right = round(evaluate(params, sample_split.X_dev, sample_split.Y_dev)[1] * 1000)
    assert targets["dev_at_least"] == (right + 1) / 1000  # one more dev digit right than softmax regression
    assert f"({right / 10:.1f}% dev)" in posted["challenge"]["title"]


def test_the_teacher_posts_their_own_numbers(keyed_board_file):
    at = class_page(key=KEY)
    at.selectbox(key="challenge_choice").set_value(challenges.OWN)
    run_ok(at)
    at.number_input(key="challenge_dev").set_value(80)
    at.number_input(key="challenge_units").set_value(16)
    at.number_input(key="challenge_alpha_low").set_value(0.05)
    at.number_input(key="challenge_alpha_high").set_value(1.0)
    at.selectbox(key="challenge_method").set_value("mini-batches")
    at.selectbox(key="challenge_ranked").set_value("units")
    at.text_input(key="challenge_title").set_value("Small and quick")
    run_ok(at)
    assert "0.05 ≤ α ≤ 1 · mini-batch" in texts(at, "caption")
    button(at, "challenge_post").click()
    run_ok(at)
    written()
    (posted,) = board_store.Board(keyed_board_file).challenges()
    assert posted["challenge"] == {"title": "Small and quick", "ranked_by": "units", "targets": {
        "dev_at_least": 0.8, "units_at_most": 16, "alpha_at_least": 0.05, "alpha_at_most": 1.0,
        "method": "mini-batch", "data": "bundled sample"}}
    assert any(s.value.startswith("Posted: Small and quick") and s.icon == "🏁" for s in at.success)


@pytest.mark.parametrize(("numbers", "says"), [
    ({"challenge_dev": 150}, "A dev accuracy of 150% cannot be reached"),
    ({"challenge_steps": 0}, "steps at most 0"),
    ({"challenge_alpha_low": 0}, "a learning rate is above 0"),
    ({"challenge_alpha_low": 2, "challenge_alpha_high": 1}, "No α is at least 2 and at most 1"),
    ({}, "needs at least one target"),
])
def test_refused_numbers_are_said_before_posting_and_never_written(keyed_board_file, numbers, says):
    at = class_page(key=KEY)
    at.selectbox(key="challenge_choice").set_value(challenges.OWN)
    run_ok(at)
    for key, value in numbers.items():
        at.number_input(key=key).set_value(value)
    run_ok(at)
    assert any(says in w.value and w.value.startswith("This challenge cannot be posted") for w in at.warning)
    assert button(at, "challenge_post").disabled
    written()
    assert board_store.Board(keyed_board_file).challenges() == []


def test_numbers_changed_as_post_is_pressed_are_checked_again(keyed_board_file):
    at = class_page(key=KEY)
    at.selectbox(key="challenge_choice").set_value(challenges.OWN)
    run_ok(at)
    at.number_input(key="challenge_dev").set_value(90)
    run_ok(at)
    assert not button(at, "challenge_post").disabled
    at.number_input(key="challenge_dev").set_value(900)  # typed, and Post pressed before the page ran again
    button(at, "challenge_post").click()
    run_ok(at)
    written()
    assert board_store.Board(keyed_board_file).challenges() == []
    assert any("A dev accuracy of 900% cannot be reached" in w.value for w in at.warning)


# ---------------------------------------------------------------------------------------------------------
# A student
# ---------------------------------------------------------------------------------------------------------


def test_a_student_sees_the_challenge_but_no_teacher_controls(keyed_board_file):
    store = opened_on(keyed_board_file)
    at = class_page()
    assert f"🏁 {DEV_90}" in texts(at, "subheader")
    assert not any(has_widget(at, key) for key in ("challenge_choice", "challenge_post",
                                                   f"challenge_close_{store.challenges()[0]['id']}"))
    assert "🏁 Post a challenge" not in [e.label for e in at.expander]


def test_a_tab_whose_key_was_taken_away_cannot_post_or_close(keyed_board_file, monkeypatch):
    at = class_page(key=KEY)
    monkeypatch.delenv("CLASS_KEY")  # the server lost its key: the buttons of the last run are pressed anyway
    button(at, "challenge_post").click()
    run_ok(at)
    written()
    assert board_store.Board(keyed_board_file).challenges() == []
    assert any("Only the teacher" in e.value for e in at.error)
    assert not has_widget(at, "challenge_post")


# ---------------------------------------------------------------------------------------------------------
# The leaderboard
# ---------------------------------------------------------------------------------------------------------


def test_the_runs_that_meet_it_are_on_the_leaderboard_best_first_one_row_per_student(keyed_board_file):
    early = board_store.Board(keyed_board_file)
    early.add_run("zed", "Zed", a_run("z", 0.99), now=time.time() - 10)  # before the challenge: it does not count
    store = opened_on(keyed_board_file)
    store.add_run("ada", "Ada **bold**", a_run("a1", 0.93))
    store.add_run("ada", "Ada **bold**", a_run("a2", 0.95, units=32))
    store.add_run("ben", None, a_run("b", 0.91, alpha=0.5))
    store.add_run("cy", "Cy", a_run("c", 0.861))  # below 90%
    store.add_run("dan", "Dan", a_run("d", 0.97, steps=300))  # too many steps
    store.add_run("eve", "Eve", a_run("e", 0.92, steps=80, units=128, status="stopped", hp=FAST_AND_ACCURATE))
    at = class_page()
    (posted,) = store.challenges()
    table = leaderboard(at, posted["id"])
    assert list(table.columns) == LEADERBOARD
    assert list(table["who"]) == ["Ada **bold**", "Eve", "student 3"]  # nicknames as plain text, in the cells
    assert list(table["rank"]) == [1, 2, 3] and list(table["run"]) == [3, 7, 4]  # run 1 is Zed's, before it
    assert list(table["dev accuracy"]) == pytest.approx([95.0, 92.0, 91.0])
    assert list(table["hidden units"]) == [32, 128, 10] and list(table["α"]) == [0.1, 0.1, 0.5]
    assert list(table["method"]) == ["full batch", "mini-batches", "full batch"]
    assert "6 runs tried since it opened, 4 meet it" in texts(at, "caption")
    assert "Ada **bold**" not in texts(at)  # never inside Markdown


def test_the_teacher_closes_a_challenge_and_its_leaderboard_stays(keyed_board_file):
    store = opened_on(keyed_board_file)
    store.add_run("ada", "Ada", a_run("a", 0.95))
    (posted,) = store.challenges()
    at = class_page(key=KEY)
    button(at, f"challenge_close_{posted['id']}").click()
    run_ok(at)
    written()
    assert store.challenges()[0]["closed"] is not None
    store.add_run("ben", "Ben", a_run("b", 0.99))  # too late
    run_ok(at)
    assert any("No challenge is open. Post one above." in info.value for info in at.info)
    (folded,) = [e for e in at.expander if e.label.startswith("🗄️ Closed challenges (1)")]
    assert list(leaderboard(folded, posted["id"])["who"]) == ["Ada"]
    assert "1 run tried while it was open, 1 meets it" in texts(folded, "caption")
    assert not has_widget(at, f"challenge_close_{posted['id']}")


def test_closing_is_said_to_the_teacher(keyed_board_file):
    store = opened_on(keyed_board_file)
    (posted,) = store.challenges()
    at = class_page(key=KEY)
    button(at, f"challenge_close_{posted['id']}").click()
    run_ok(at)
    assert any(s.value.startswith(f"Closed: {DEV_90}") and s.icon == "🔒" for s in at.success)


def test_on_the_projector_the_leaderboards_come_first_compact_and_the_controls_folded(keyed_board_file):
    store = opened_on(keyed_board_file, challenge({"dev_at_least": 0.85}, "units", "Fewest units to 85%"))
    store.post_challenge(challenge(), now=time.time() - 1)
    for k in range(12):
        store.add_run(f"visitor-{k}", None, a_run(f"r{k}", 0.86 + k / 100, units=4 + k))
    at = class_page(key=KEY, **{state.PRESENTER: True})
    assert not at.title  # the page's title gives its room to the leaderboards
    units, dev = sorted(store.challenges(), key=lambda c: c["challenge"]["ranked_by"] != "units")
    table = leaderboard(at, units["id"])
    assert list(table.columns) == ["rank", "who", "run", "dev accuracy", "hidden units"]
    shown = challenges.PROJECTOR_ROWS
    assert len(table) == shown and list(table["hidden units"]) == list(range(4, 4 + shown))  # the fewest first
    assert f"… and {12 - shown} more students" in texts(at, "caption")
    assert list(leaderboard(at, dev["id"]).columns) == ["rank", "who", "run", "dev accuracy"]
    order = [node for node in at.main if getattr(node, "key", None) in (f"challenge_board_{units['id']}",
                                                                          f"challenge_board_{dev['id']}")
             or getattr(node, "type", None) == "expandable"]
    assert [getattr(node, "key", None) or node.label for node in order][:2] == [
        f"challenge_board_{dev['id']}", f"challenge_board_{units['id']}"]  # newest first, before any expander
    (form,) = [e for e in at.expander if e.label == "🏁 Post a challenge"]
    assert not form.proto.expanded


def test_a_board_file_that_cannot_be_read_is_said_and_the_page_goes_on(keyed_board_file):
    with sqlite3.connect(keyed_board_file) as connection:
        connection.execute("CREATE TABLE something_else (x)")
    at = class_page(key=KEY)
    assert any("not a class board" in e.value for e in at.error)


# ---------------------------------------------------------------------------------------------------------
# The Training page's box
# ---------------------------------------------------------------------------------------------------------


def training_page(visitor="ada", **session):
    at = AppTest.from_file(TRAINING_PAGE, default_timeout=120)
    at.session_state[board_posts.VISITOR] = visitor
    for name, value in session.items():
        at.session_state[name] = value
    return run_ok(at)


def box_lines(at):
    return [info.value for info in at.info if info.icon == "🏁"]


def test_without_a_class_key_the_training_page_never_reads_the_board(keyed_board_file, monkeypatch):
    monkeypatch.delenv("CLASS_KEY")
    opened_on(keyed_board_file)
    reads = []
    monkeypatch.setattr(board_posts, "store", lambda: reads.append(1) or board_store.Board(keyed_board_file))
    at = training_page()
    assert box_lines(at) == [] and reads == []


def test_without_an_open_challenge_there_is_no_box(keyed_board_file):
    store = opened_on(keyed_board_file)
    store.close_challenge(store.challenges()[0]["id"])
    assert box_lines(training_page()) == []


def test_the_box_says_where_the_visitors_best_run_stands(keyed_board_file):
    store = opened_on(keyed_board_file)
    store.add_run("ben", None, a_run("b", 0.97))
    store.add_run("ada", None, a_run("a1", 0.91))
    store.add_run("ada", None, a_run("a2", 0.93))
    store.add_run("cy", None, a_run("c", 0.861))
    assert box_lines(training_page("ada")) == [
        f"{DEV_90}: your best, run 3 on the board, 93.0% dev in 100 steps: **2nd of 2**"]
    assert box_lines(training_page("cy")) == [
        f"{DEV_90}: not yet. Your closest run, 4 on the board: dev 86.1% < 90%."]
    (line,) = box_lines(training_page("dan"))
    assert line == f"{DEV_90}: no run of yours yet (2 on the leaderboard). A run counts when it finishes or you " \
                   "stop it."


def test_the_box_shows_each_open_challenge_and_follows_a_run_as_it_is_posted(keyed_board_file):
    store = opened_on(keyed_board_file, challenge({"steps_at_most": 5}, "dev", "Five steps at most"))
    store.post_challenge(challenge({"units_at_most": 4}, "units", "Four units at most"), now=time.time() - 1)
    at = training_page("ada")
    assert [line.split(":")[0] for line in box_lines(at)] == ["Five steps at most", "Four units at most"]
    at.button(key="tr_step").click()  # one step: a stopped run of 1 step, posted to the board
    run_ok(at)
    written()
    run_ok(at)  # the box's next reading
    five, four = box_lines(at)
    assert five.startswith("Five steps at most: your best, run 1 on the board,") and five.endswith(
        "dev in 1 step: **1st of 1**")
    assert four == "Four units at most: not yet. Your closest run, 1 on the board: 10 hidden units > 4."


def test_a_board_that_cannot_be_read_never_breaks_the_training_page(keyed_board_file):
    with sqlite3.connect(keyed_board_file) as connection:
        connection.execute("CREATE TABLE something_else (x)")
    at = training_page()
    assert box_lines(at) == [] and not at.error


def places(at):
    """Where the Train button, the box and the live curves are on the page, top to bottom."""
    marks = {"tr_train": "Train", "tr_curves": "curves"}
    return [marks.get(getattr(node, "key", None)) or "box" for node in at.main
            if getattr(node, "key", None) in marks or getattr(node, "icon", None) == "🏁"]


def test_the_box_is_beside_train_and_on_the_projector_below_the_curves(keyed_board_file):
    opened_on(keyed_board_file)
    assert places(training_page()) == ["Train", "box", "curves"]
    assert places(training_page(**{state.PRESENTER: True})) == ["Train", "curves", "box"]
