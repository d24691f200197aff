"""views/class_page/question_bank.py: the questions a teacher asks the room. Every question is well formed, names a
place that really is on its page, and the answers worked out from the network are the ones nn_core gives."""

import json
import re
import time
from pathlib import Path

import numpy as np
import pytest

from nn_core import NOTEBOOK, dead_units, evaluate, forward_prop, get_predictions, train_to_end
from nn_core.preprocessing import shift
from nn_core.training import new_network
from views.class_page.question_bank import ALPHA_DIGITS, ALPHA_STEPS, PAGES, Question, bank

VIEWS = Path(__file__).resolve().parents[1] / "views"
QUOTED = re.compile(r"“([^”]+)”")  # the words of a place that name a header or control


@pytest.fixture(scope="module")
def network(sample_split):
    """The notebook's 784-10-10, trained briefly (full batch, α 0.1) on the first 3,000 training digits."""
    hp = NOTEBOOK.with_changes(iterations=150)
    params, _ = train_to_end(new_network(hp), sample_split.X_train[:, :3000], sample_split.Y_train[:3000], hp)
    return params, hp


@pytest.fixture(scope="module")
def timed_bank(sample_split, network):
    """The bank of the sample and the network, and the processor seconds it took to make (this process's own time:
    other work on a busy machine does not count)."""
    start = time.process_time()
    questions = bank(sample_split, network)
    return questions, time.process_time() - start


@pytest.fixture(scope="module")
def questions(timed_bank):
    return timed_bank[0]


def question(questions, key):
    return next(q for q in questions if q.key == key)


def right_answer(q):
    return q.options[q.right]


def dev_column(split, q):
    """The dev digit a question is about: the column named in its place, which its picture shows."""
    i = int(re.search(r"dev digit (\d+)", q.place).group(1))
    assert q.picture["pixels"] == np.rint(split.X_dev[:, i] * 255).astype(int).tolist()
    return i


# --- Every question is well formed ------------------------------------------------------------------------------


def test_enough_questions_for_every_page(questions):
    assert len(questions) >= 18
    for page in PAGES:
        assert sum(q.page == page for q in questions) >= 3, page
    keys = [q.key for q in questions]
    assert len(set(keys)) == len(keys)


def test_every_question_is_plain_text_with_distinct_options_and_a_right_one(questions):
    for q in questions:
        assert q.page in PAGES, q.key
        assert 0 < len(q.text) <= 200, q.key
        assert 2 <= len(q.options) <= 6 and len(set(q.options)) == len(q.options), q.key
        assert all(isinstance(option, str) and option for option in q.options), q.key
        assert 0 <= q.right < len(q.options), q.key
        for text in (q.text, q.explanation, q.place, *q.options):
            assert "**" not in text and "<" not in text and "`" not in text, (q.key, text)
        sentences = re.split(r"(?<!\.)[.!?](?:\s|$)", q.explanation.strip())
        assert 1 <= len([s for s in sentences if s.strip()]) <= 4, (q.key, q.explanation)


def test_every_place_names_headers_or_controls_of_its_page(questions):
    for q in questions:
        source = "\n".join(path.read_text(encoding="utf-8") for path in (VIEWS / q.page).glob("*.py"))
        named = QUOTED.findall(q.place)
        assert named, f"{q.key}: its place quotes no header or control: {q.place}"
        for words in named:
            assert words in source, f"{q.key}: “{words}” is not on views/{q.page}/"


def test_computed_questions_carry_pictures_of_the_right_shape(questions):
    computed = [q for q in questions if q.computed]
    assert len(computed) >= 6
    for q in computed:
        picture = q.picture
        assert picture is not None and picture["caption"], q.key
        if picture["kind"] == "digit":
            assert len(picture["pixels"]) == 784, q.key
            assert all(isinstance(p, int) and 0 <= p <= 255 for p in picture["pixels"]), q.key
        elif picture["kind"] == "weights":
            assert len(picture["values"]) == 784 and all(isinstance(v, float) for v in picture["values"]), q.key
        else:
            assert picture["kind"] == "bars", q.key
            assert len(picture["values"]) == len(picture["labels"]) >= 2, q.key


def test_the_apps_own_quizzes_are_in_the_bank(questions, sample_split):
    assert right_answer(question(questions, "data-pixels")) == "784"
    assert right_answer(question(questions, "data-x-shape")) == str(sample_split.X_train.shape)
    assert right_answer(question(questions, "forward-z1-shape")) == "(10, 1)"
    assert right_answer(question(questions, "training-dw1-shape")) == "(10, 784)"
    assert "blows up" in right_answer(question(questions, "training-alpha-5"))
    assert question(questions, "forward-vote").picture["kind"] == "weights"


# --- The computed answers are nn_core's -------------------------------------------------------------------------


def test_the_digit_read_is_the_networks_answer(questions, sample_split, network):
    params, hp = network
    for key in ("forward-reads", "forward-sure"):
        q = question(questions, key)
        i = dev_column(sample_split, q)
        A2 = forward_prop(params, sample_split.X_dev[:, i:i + 1], hp.activation)["A2"]
        if key == "forward-reads":
            assert right_answer(q) == str(int(np.argmax(A2)))
            assert int(np.argmax(A2)) != sample_split.Y_dev[i]  # a mistake: the more interesting question
        else:
            assert right_answer(q) == f"{100 * A2.max():.0f}%"


def test_the_unit_votes_for_the_largest_weight_of_its_column_of_W2(questions, network):
    params, _ = network
    q = question(questions, "forward-vote")
    shown = np.array(q.picture["values"])
    k = int(np.argmin(np.abs(params["W1"] - shown).max(axis=1)))  # the row of W1 in the picture
    assert np.allclose(params["W1"][k], shown, atol=1e-4)
    assert f"unit {k}" in q.text
    assert right_answer(q) == str(int(np.argmax(params["W2"][:, k])))


def test_switched_off_units_are_those_with_A1_zero(questions, sample_split, network):
    params, hp = network
    q = question(questions, "forward-off")
    i = dev_column(sample_split, q)
    A1 = forward_prop(params, sample_split.X_dev[:, i:i + 1], hp.activation)["A1"]
    assert right_answer(q) == str(int(np.sum(A1 == 0)))


def test_the_dev_mistakes_are_counted(questions, sample_split, network):
    params, hp = network
    predictions = get_predictions(forward_prop(params, sample_split.X_dev, hp.activation)["A2"])
    wrong = int(np.sum(predictions != sample_split.Y_dev))
    assert right_answer(question(questions, "training-mistakes")) == f"{wrong:,}"


def test_alpha_5_is_trained_and_collapses_on_the_sample(questions, sample_split):
    """The page's answer (accuracy collapses) holds on the sample, and the computed question gives the run's
    accuracy."""
    hp = NOTEBOOK.with_changes(alpha=5.0, iterations=ALPHA_STEPS)
    X, Y = sample_split.X_train[:, :ALPHA_DIGITS], sample_split.Y_train[:ALPHA_DIGITS]
    params, records = train_to_end(new_network(hp), X, Y, hp)
    with np.errstate(over="ignore", invalid="ignore"):
        accuracy = evaluate(params, sample_split.X_dev, sample_split.Y_dev)[1]
    assert accuracy < 0.3 and max(r.loss for r in records) > records[0].loss
    assert right_answer(question(questions, "training-alpha-accuracy")) == f"{100 * accuracy:.0f}%"
    story = question(questions, "training-alpha-5").explanation
    assert f"{dead_units(params, X)} of the 10 hidden units are dead" in story


def test_a_moved_digit_is_read_again(questions, sample_split, network):
    params, hp = network
    q = question(questions, "draw-moved")
    moved = np.array(q.picture["pixels"]) / 255
    i = int(re.search(r"Dev digit (\d+)", q.picture["caption"]).group(1))
    assert np.allclose(moved, shift(sample_split.X_dev[:, i:i + 1], 3, 0)[:, 0], atol=0.5 / 255)
    assert right_answer(q) == str(int(np.argmax(forward_prop(params, moved[:, None], hp.activation)["A2"])))


# --- As data ------------------------------------------------------------------------------------------------------


def test_as_dict_and_back_through_json(questions):
    for q in questions:
        again = Question.from_dict(json.loads(json.dumps(q.as_dict())))
        assert again == q, q.key
    extra = {**questions[0].as_dict(), "shown_at": "12:00"}
    assert Question.from_dict(extra) == questions[0]


def test_the_same_data_and_network_give_the_same_bank_in_under_3_seconds(timed_bank, sample_split, network):
    start = time.process_time()
    again = bank(sample_split, network)
    seconds = min(timed_bank[1], time.process_time() - start)
    assert again == timed_bank[0]
    assert seconds < 3, f"bank() took {seconds:.1f} s"


def test_without_a_network_the_questions_about_it_are_left_out(questions, sample_split):
    alone = bank(sample_split, None)
    with_network = {q.key: q for q in questions}
    assert len(alone) < len(questions)
    for q in alone:
        assert q == with_network[q.key]  # the same question, word for word
    left_out = set(with_network) - {q.key for q in alone}
    assert {"forward-vote", "forward-reads", "forward-off", "training-mistakes", "draw-moved"} <= left_out
    assert all(with_network[key].computed for key in left_out)


def test_the_readme_counts_the_bank_as_it_is(questions):
    """README.md, "Ask the room": the bank's size and how many questions are worked out live, on the sample."""
    readme = " ".join((VIEWS.parent / "README.md").read_text().split())  # one line: the text is wrapped
    computed = sum(q.computed for q in questions)
    assert f"bank ({len(questions)} on the bundled sample" in readme
    assert f"{computed} of them worked out from the live data" in readme
