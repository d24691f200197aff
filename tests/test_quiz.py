"""widgets.quiz and widgets.try_this, the predict-then-check questions and exercises every page ends with; and a quiz
whose answer the Forward pass page computes from the live network (the digit a hidden unit votes for)."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from nn_core import Hyperparams, train
from nn_core.training import new_network


def quiz_app():
    """A page with one exercise and one question: what is the shape of Z1 for m = 5 examples? (answer (10, 5))."""
    import streamlit as st

    from dashboard import widgets  # noqa: F811 (AppTest runs this function's source on its own)

    widgets.try_this("Change m and predict the shape again.")
    widgets.quiz("What is the shape of Z1 for 5 examples?", ["(5, 10)", "(10, 5)", "(784, 5)"], "(10, 5)",
            "Z1 = W1 @ X + b1: (10, 784) @ (784, 5) gives (10, 5), one column per example.", key="q_shape")
    st.caption("end of page")


def run(at):
    at.run()
    assert not at.exception, at.exception
    return at


def answer(at, choice):
    at.radio(key="q_shape").set_value(choice)
    run(at)
    at.button(key="q_shape_check").click()
    return run(at)


@pytest.fixture
def at():
    return run(AppTest.from_function(quiz_app, default_timeout=30))


def test_nothing_is_revealed_before_check(at):
    assert at.radio(key="q_shape").value is None  # no answer chosen for the visitor
    assert not at.success and not at.warning
    assert at.header[0].value == "🧪 Try this" and "1. Change m" in at.markdown[0].value
    assert at.radio(key="q_shape").help and at.button(key="q_shape_check").help


def test_the_right_answer_gets_a_tick_and_the_explanation(at):
    answer(at, "(10, 5)")
    assert len(at.success) == 1 and not at.warning
    assert at.success[0].icon == "✅" and at.success[0].value.startswith("**Right:** (10, 5).")
    assert "one column per example" in at.success[0].value


def test_a_wrong_answer_gets_a_cross_the_right_answer_and_the_explanation(at):
    answer(at, "(5, 10)")
    assert len(at.warning) == 1 and not at.success
    verdict = at.warning[0].value
    assert at.warning[0].icon == "❌" and verdict.startswith("**Not quite:** you picked (5, 10)")
    assert "**(10, 5)**" in verdict and "one column per example" in verdict


def test_a_new_choice_waits_for_a_new_check(at):
    answer(at, "(5, 10)")
    at.radio(key="q_shape").set_value("(10, 5)")
    run(at)
    assert not at.success and not at.warning  # the old verdict is gone
    at.button(key="q_shape_check").click()
    run(at)
    assert at.success and not at.warning


def test_check_without_an_answer_asks_for_one(at):
    at.button(key="q_shape_check").click()
    run(at)
    assert "Pick an answer first" in at.info[0].value


# ---------------------------------------------------------------------------------------------------------
# A computed answer: on the Forward pass page, hidden unit j votes for argmax of W2[:, j]
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_model(sample_split):
    hp = Hyperparams(iterations=10, alpha=0.5, init="he")
    steps = list(train(new_network(hp), sample_split.X_train[:, :2000], sample_split.Y_train[:2000], hp))
    return state.Model(steps[-1][0], hp, [record for _, record in steps], dev_accuracy=0.6)


def test_forward_page_vote_question_is_answered_by_column_j_of_W2(trained_model, monkeypatch):
    monkeypatch.delenv("MNIST_PATH", raising=False)
    at = AppTest.from_file("../views/forward/page.py", default_timeout=120)
    at.session_state[state.MODEL] = trained_model
    run(at)
    W2 = trained_model.params["W2"]
    for j in (7,):
        at.selectbox(key="forward_unit").set_value(j)
        run(at)
        right = int(np.argmax(W2[:, j]))
        wrong = (right + 1) % 10
        assert f"unit {j}" in at.radio(key="forward_quiz_vote").label
        at.radio(key="forward_quiz_vote").set_value(wrong)
        run(at)
        at.button(key="forward_quiz_vote_check").click()
        run(at)
        verdicts = [w.value for w in at.warning if w.icon == "❌"]
        assert len(verdicts) == 1 and f"**{right}**" in verdicts[0]
        at.radio(key="forward_quiz_vote").set_value(right)
        run(at)
        at.button(key="forward_quiz_vote_check").click()
        run(at)
        assert any(s.icon == "✅" and s.value.startswith(f"**Right:** {right}.") for s in at.success)
