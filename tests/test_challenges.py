"""Challenges in the board's file (board_store/challenges.py): what can be posted, which runs count, the leaderboard,
where a student stands, closing, and a refused challenge through the Writer."""

import pytest

import board_store
from nn_core.training import NOTEBOOK

OPENED, CLOSED = 1000.0, 2000.0  # the challenges' times in these tests (seconds)
DEV_90_IN_100 = {"title": "dev ≥ 90% in at most 100 steps", "targets": {"dev_at_least": 0.9, "steps_at_most": 100},
                 "ranked_by": "dev"}


@pytest.fixture
def store(board_location):
    return board_store.Board(board_location)


def a_run(uid, dev=0.9, steps=100, alpha=0.1, units=10, method="full-batch", status="finished",
          data="bundled sample"):
    """A run's summary as the Training page posts it."""
    hp = NOTEBOOK.with_changes(alpha=alpha, hidden_sizes=(units,), method=method)
    return board_store.summary(uid, "training", hp, data, steps, steps, dev, dev, 10.0, status)


def posted(store, challenge=DEV_90_IN_100, now=OPENED):
    """Post a challenge; returns it as the board reads it."""
    store.post_challenge(challenge, now=now)
    return store.challenges()[0]


def post(store, visitor, run, now, nickname=None):
    store.add_run(visitor, nickname, run, now=now)


# ---------------------------------------------------------------------------------------------------------
# What can be posted
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("targets", "says"), [
    ({"dev_at_least": 1.5}, "150% cannot be reached"),
    ({"dev_at_least": 0}, "between 0 and 100%"),
    ({"steps_at_most": 0}, "steps at most 0"),
    ({"steps_at_most": 2.5}, "whole number"),
    ({"units_at_most": 0}, "hidden units at most 0"),
    ({"alpha_at_least": 0}, "a learning rate is above 0"),
    ({"alpha_at_most": -1}, "a learning rate is above 0"),
    ({"alpha_at_least": 2, "alpha_at_most": 1}, "No α is at least 2 and at most 1"),
    ({}, "needs at least one target"),
    ({"data": "bundled sample"}, "needs at least one target"),  # the data alone asks nothing of a run
    ({"method": "adam"}, "not 'adam'"),
    ({"dev_at_least": "0.9"}, "must be a number"),
    ({"dev_at_least": float("nan")}, "must be a number"),
    ({"speed": 3}, "cannot ask for speed"),
])
def test_numbers_no_run_can_meet_are_refused_with_the_reason(targets, says):
    with pytest.raises(board_store.ChallengeError, match=says):
        board_store.clean_challenge({"targets": targets})


def test_an_unknown_ranking_is_refused():
    with pytest.raises(board_store.ChallengeError, match="not 'speed'"):
        board_store.clean_challenge({"targets": {"dev_at_least": 0.9}, "ranked_by": "speed"})


def test_a_challenge_without_a_title_is_named_by_its_targets():
    cleaned = board_store.clean_challenge({"targets": {"dev_at_least": 0.9, "steps_at_most": 100.0,
                                                       "data": "bundled sample"}})
    assert cleaned["title"] == ("dev ≥ 90% · at most 100 steps · on the bundled sample · ranked by the best dev "
                                "accuracy")
    assert cleaned["targets"]["steps_at_most"] == 100 and isinstance(cleaned["targets"]["steps_at_most"], int)
    spaced = board_store.clean_challenge({"title": "  Beat   the\nnotebook ", "targets": {"alpha_at_least": 1}})
    assert spaced["title"] == "Beat the notebook" and spaced["ranked_by"] == "dev"


def test_a_refused_challenge_writes_nothing(store):
    with pytest.raises(board_store.ChallengeError):
        store.post_challenge({"targets": {"dev_at_least": 2}})
    assert store.challenges() == []


# ---------------------------------------------------------------------------------------------------------
# The leaderboard
# ---------------------------------------------------------------------------------------------------------


def test_the_leaderboard_ranks_each_students_best_run_and_ties_share_a_rank(store):
    challenge = posted(store)
    post(store, "ada", a_run("a1", dev=0.91), OPENED + 1, "Ada")
    post(store, "ada", a_run("a2", dev=0.95), OPENED + 2, "Ada")  # her best: the only row of hers
    post(store, "ben", a_run("b1", dev=0.93), OPENED + 3)
    post(store, "cy", a_run("c1", dev=0.93), OPENED + 4)  # the same numbers as ben's: the same rank
    post(store, "dan", a_run("d1", dev=0.92), OPENED + 5)
    post(store, "eve", a_run("e1", dev=0.99, steps=101), OPENED + 6)  # one step too many
    post(store, "fay", a_run("f1", dev=0.89), OPENED + 7)  # below 90%
    board = board_store.leaderboard(challenge, store.runs())
    assert [(row["rank"], row["who"]) for row in board] == [(1, "Ada"), (2, "student 2"), (2, "student 3"),
                                                             (4, "student 4")]
    assert board[0]["run"]["number"] == 2 and board[0]["visitor"] == "ada"
    assert board[1]["run"]["number"] < board[2]["run"]["number"]  # a tie lists the earlier run first


def test_ranked_by_hidden_units_the_fewest_come_first_and_dev_breaks_ties(store):
    challenge = posted(store, {"targets": {"dev_at_least": 0.85}, "ranked_by": "units"})
    post(store, "ada", a_run("a", dev=0.95, units=64), OPENED + 1)
    post(store, "ben", a_run("b", dev=0.86, units=8), OPENED + 2)
    post(store, "cy", a_run("c", dev=0.88, units=8), OPENED + 3)
    post(store, "dan", a_run("d", dev=0.80, units=2), OPENED + 4)  # fewest units, but below 85%
    board = board_store.leaderboard(challenge, store.runs())
    assert [(row["rank"], row["visitor"]) for row in board] == [(1, "cy"), (2, "ben"), (3, "ada")]


def test_stopped_runs_count_with_their_numbers_and_diverged_ones_do_not(store):
    challenge = posted(store, {"targets": {"alpha_at_least": 1}})
    post(store, "ada", a_run("a", alpha=1, dev=0.6, status="stopped"), OPENED + 1)
    post(store, "ben", a_run("b", alpha=5, dev=0.098, status="diverged"), OPENED + 2)
    post(store, "cy", a_run("c", alpha=2, dev=0.11, status="went wrong"), OPENED + 3)
    post(store, "dan", a_run("d", alpha=0.5, dev=0.92), OPENED + 4)  # α below 1
    assert [row["visitor"] for row in board_store.leaderboard(challenge, store.runs())] == ["ada"]


def test_a_run_on_other_data_or_with_another_network_or_method_does_not_count(store):
    challenge = posted(store, {"targets": {"dev_at_least": 0.8, "network": "784-10-10", "method": "full-batch",
                                           "data": "bundled sample"}})
    post(store, "ada", a_run("a", dev=0.9, data="full MNIST"), OPENED + 1)
    post(store, "ben", a_run("b", dev=0.9, units=32), OPENED + 2)
    post(store, "cy", a_run("c", dev=0.9, method="mini-batch"), OPENED + 3)
    post(store, "dan", a_run("d", dev=0.9), OPENED + 4)
    rows = store.runs()
    assert [row["visitor"] for row in board_store.leaderboard(challenge, rows)] == ["dan"]
    targets = challenge["challenge"]["targets"]
    assert board_store.misses(targets, rows[0]) == ["trained on the full MNIST, not the bundled sample"]
    assert board_store.misses(targets, rows[1]) == ["network 784-32-10, not 784-10-10"]
    assert board_store.misses(targets, rows[2]) == ["mini-batch, not full-batch"]


# ---------------------------------------------------------------------------------------------------------
# Where a student stands
# ---------------------------------------------------------------------------------------------------------


def test_a_student_who_meets_it_sees_their_rank_and_one_who_does_not_sees_their_closest_run(store):
    challenge = posted(store)
    post(store, "ada", a_run("a", dev=0.95), OPENED + 1)
    post(store, "ben", a_run("b1", dev=0.92, steps=100), OPENED + 2)
    post(store, "cy", a_run("c1", dev=0.861), OPENED + 3)
    post(store, "cy", a_run("c2", dev=0.97, steps=300), OPENED + 4)
    post(store, "cy", a_run("c3", dev=0.098, status="diverged"), OPENED + 5)
    rows = store.runs()
    ben = board_store.standing(challenge, rows, "ben")
    assert (ben["rank"], ben["of"], ben["run"]["number"], ben["misses"]) == (2, 2, 2, [])
    cy = board_store.standing(challenge, rows, "cy")
    assert cy["rank"] is None and cy["of"] == 2
    assert cy["run"]["number"] == 4  # the best dev accuracy of hers, though it took too many steps
    assert cy["misses"] == ["300 steps > 100"]
    nobody = board_store.standing(challenge, rows, "dan")
    assert (nobody["rank"], nobody["run"], nobody["misses"]) == (None, None, [])


def test_a_student_whose_only_run_diverged_is_told_so(store):
    challenge = posted(store)
    post(store, "ada", a_run("a", dev=0.098, status="diverged"), OPENED + 1)
    where = board_store.standing(challenge, store.runs(), "ada")
    assert where["rank"] is None and where["misses"] == ["it diverged"]


def test_a_closest_run_below_the_dev_target_says_by_how_much(store):
    challenge = posted(store)
    post(store, "ada", a_run("a", dev=0.861), OPENED + 1)
    assert board_store.standing(challenge, store.runs(), "ada")["misses"] == ["dev 86.1% < 90%"]


# ---------------------------------------------------------------------------------------------------------
# Open, closed, and which runs count
# ---------------------------------------------------------------------------------------------------------


def test_runs_before_it_opened_or_after_it_closed_do_not_count_and_closing_keeps_the_results(store):
    post(store, "early", a_run("e", dev=0.99), OPENED - 1)
    challenge = posted(store)
    assert challenge["closed"] is None and challenge["posted"] == OPENED
    post(store, "ada", a_run("a", dev=0.95), OPENED + 1)
    post(store, "ben", a_run("b", dev=0.91), CLOSED - 1)
    store.close_challenge(challenge["id"], now=CLOSED)
    store.close_challenge(challenge["id"], now=CLOSED + 50)  # closing again changes nothing
    post(store, "late", a_run("l", dev=0.99), CLOSED + 1)
    post(store, "ben", a_run("b2", dev=0.99), CLOSED + 2)  # ben's better run comes too late
    closed = store.challenges()[0]
    assert closed["closed"] == CLOSED and closed["challenge"] == challenge["challenge"]
    board = board_store.leaderboard(closed, store.runs())
    assert [(row["rank"], row["visitor"], row["run"]["dev_accuracy"]) for row in board] == [(1, "ada", 0.95),
                                                                                              (2, "ben", 0.91)]
    assert board_store.standing(closed, store.runs(), "late")["run"] is None


def test_several_challenges_are_open_at_once_newest_first_and_each_board_has_its_own(store):
    first = posted(store, now=OPENED)
    second = posted(store, {"targets": {"alpha_at_least": 1}}, now=OPENED + 10)
    assert [c["id"] for c in store.challenges()] == [second["id"], first["id"]]
    assert all(c["closed"] is None for c in store.challenges())
    old_board = store.boards()[0]["id"]
    store.new_board()
    assert store.challenges() == []  # a new class starts with none
    assert [c["id"] for c in store.challenges(old_board)] == [second["id"], first["id"]]  # the archive keeps them


def test_a_refused_challenge_through_the_writer_is_logged_not_written(board_location, caplog):
    writer = board_store.Writer(board_store.Board(board_location))
    writer.submit("post_challenge", {"targets": {"dev_at_least": 1.2}})
    writer.submit("post_challenge", DEV_90_IN_100)
    assert writer.flush(10)
    writer.close()
    assert [c["challenge"]["title"] for c in writer.board.challenges()] == [DEV_90_IN_100["title"]]
    assert "post_challenge refused" in caplog.text and "120% cannot be reached" in caplog.text
