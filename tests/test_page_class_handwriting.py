"""AppTest of the Class page's "✍️ Our handwriting" (views/class_page/class_handwriting.py): an empty set says how
digits get there; a set shows its digits, the notebook's network's accuracy on them beside its dev accuracy, per digit
and its commonest confusions, with no name anywhere; teaching it needs 30 digits and then says before → after; only
the teacher deletes the set or downloads it (as Kaggle's train.csv, apart from the runs' CSV).

AppTest does not tick fragments: each at.run() draws the section once, as one tick does in a browser.
"""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from class_runs import a_class, fill
from conftest import CLASS_KEY, run_ok
from streamlit.testing.v1 import AppTest

import board_store
from dashboard import state
from nn_core.csv_digits import read_digits_csv
from nn_core.network import forward_prop
from nn_core.preprocessing import move_digit
from training_runs.class_handwriting import Scores, Taught
from views.class_page import board_view, class_handwriting, teacher

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "views" / "class_page" / "page.py")
KEY = CLASS_KEY
NAMES = ("Ada", "Grace", "Zoë 🚀")
CONFIRM = class_handwriting.CONFIRM



@pytest.fixture(scope="module")
def class_digits(sample_split):
    """60 sample digits drawn with a fatter pen, as three students would add them (20 each)."""
    X = np.clip(move_digit(sample_split.X_train[:, 8000:8060], thickness=2), 0, 1)
    return X, sample_split.Y_train[8000:8060]


def add(path, X, Y):
    board = board_store.Board(path)
    for k, name in enumerate(NAMES):
        part = range(k, Y.size, len(NAMES))
        board.add_digits(f"visitor-{k}", name, [(f"d{j}", X[:, j], int(Y[j])) for j in part])
    return board


def opened(key=None):
    at = AppTest.from_file(PAGE, default_timeout=120)
    if key is not None:
        at.query_params["key"] = key
    at.session_state["class_show"] = "handwriting"
    return run_ok(at)



def texts(elements):
    return " ".join(e.value for e in elements)


def everything_said(at):
    return " ".join(texts(kind) for kind in (at.markdown, at.caption, at.info, at.success, at.subheader, at.header))


def metrics(at):
    return {m.label: m.value for m in at.metric}


def keys(elements):
    return {e.key for e in elements}


def downloads(at):
    return {d.proto.label: d for d in at.get("download_button")}


def the_notebooks_network():
    split = state.data_split(1000)
    return state.notebook_network(state.digits().description, 1000, split)[0]


# ---------------------------------------------------------------------------------------------------------
# What everyone sees
# ---------------------------------------------------------------------------------------------------------


def test_an_empty_set_says_how_a_student_adds_digits(keyed_board_file):
    at = opened()
    assert "No digits in the class's set yet" in texts(at.info) and "Add my digits" in texts(at.info)
    assert "class_digits_draw" in keys(at.button)  # to the Draw page
    assert not at.metric and "class_digits_teach" not in keys(at.button)
    assert not keyed_board_file.exists()  # looking writes nothing


def test_the_sets_digits_and_how_the_notebooks_network_reads_them(keyed_board_file, class_digits):
    X, Y = class_digits
    add(keyed_board_file, X, Y)
    at = opened()
    assert "Our handwriting: 60 digits drawn by the class" in texts(at.subheader)
    model = the_notebooks_network()
    predicted = forward_prop(model.params, X.astype(np.float32))["A2"].argmax(axis=0)
    ours = np.mean(predicted == Y)
    assert metrics(at)["Our digits read right"] == f"{ours:.0%}"
    assert metrics(at)["MNIST's dev digits"] == f"{model.dev_accuracy:.0%}"
    gap = round(100 * (model.dev_accuracy - ours))
    assert f"**{gap} points worse than MNIST's own**" in texts(at.markdown)  # measured: 59% against 79%
    counts = np.bincount(Y, minlength=10)
    assert "per label, " + ", ".join(f"{d}: {counts[d]}" for d in range(10)) in " ".join(
        caption for image in at.image for caption in image.captions)
    true, read_as, count = class_handwriting.confused_pairs(Y, predicted, 1)[0]
    assert f"**{true}** read as **{read_as}**: {count} times" in texts(at.markdown)
    for name in NAMES:  # never per student
        assert name not in everything_said(at)
    assert not at.get("download_button") and "class_digits_delete" not in keys(at.button)  # a student's tab


def test_the_picture_has_a_row_per_label_and_counts_the_rest():
    Y = np.array([3] * 15 + [5])
    X = np.random.default_rng(0).random((784, 16))
    svg = class_handwriting.digits_picture(X, Y, per_row=12)
    assert svg.count("<image ") == 2 and "+3 more" in svg and svg.count("none yet") == 8
    assert ">3</tspan>" in svg and "(15)" in svg


def test_the_gap_in_words():
    words = class_handwriting.gap_words(0.62, 0.85, 300)
    assert words == "It reads our handwriting **23 points worse than MNIST's own**."
    assert "about as well as MNIST's own" in class_handwriting.gap_words(0.84, 0.85, 300)
    assert "7 points better" in class_handwriting.gap_words(0.92, 0.85, 300)
    assert "each one is 2.5 points" in class_handwriting.gap_words(0.5, 0.85, 40)


# ---------------------------------------------------------------------------------------------------------
# Teach it our handwriting
# ---------------------------------------------------------------------------------------------------------


def test_fewer_than_thirty_digits_say_how_many_more_are_needed(keyed_board_file, class_digits):
    X, Y = class_digits
    add(keyed_board_file, X[:, :25], Y[:25])
    at = opened()
    assert "5 more are needed (25 so far)" in texts(at.info)
    assert "class_digits_teach" not in keys(at.button) and "→" not in texts(at.markdown)


def test_teaching_it_our_handwriting_says_before_and_after(keyed_board_file, class_digits):
    X, Y = class_digits
    add(keyed_board_file, X, Y)
    at = opened()
    assert at.slider(key="class_digits_weight").value == 10
    at.button(key="class_digits_teach").click()
    run_ok(at)
    said = texts(at.markdown)
    assert "**On our handwriting** (12 held-out digits): **" in said and "**on MNIST dev**: **" in said
    _, taught = at.session_state[class_handwriting.TAUGHT]
    assert f"**{taught.before.held_out:.0%} → {taught.after.held_out:.0%}**" in said
    assert (taught.taught, taught.held_out, taught.weight) == (48, 12, 10)
    print(f"on our handwriting {taught.before.held_out:.0%} -> {taught.after.held_out:.0%}, on MNIST dev "
          f"{taught.before.dev:.1%} -> {taught.after.dev:.1%}")
    assert "of the training examples" in said  # the trade, in words, from the numbers
    run_ok(at)  # a rerun (the projector's tick) shows the same, without training again
    assert at.session_state[class_handwriting.TAUGHT][1] is taught
    board_store.Board(keyed_board_file).add_digits("visitor-9", None, [("new", X[:, 0], int(Y[0]))])
    run_ok(at)
    assert "the set or the weight has changed since" in texts(at.caption)


def test_the_trade_in_words_follows_the_numbers():
    def taught(before, after, dev_before, dev_after):
        return Taught(Scores(before, dev_before), Scores(after, dev_after), 80, 20, 10, 9000, 250, 3.0)

    assert class_handwriting.trade_words(taught(0.55, 0.75, 0.787, 0.778)) == (
        "A trade: +20 points on our held-out digits for 0.9 points fewer on MNIST's dev digits (80 of our digits, "
        "each counting 10 times, were 8.2% of the training examples).")
    assert class_handwriting.trade_words(taught(0.55, 0.65, 0.787, 0.785)).startswith(
        "+10 points on our held-out digits, and -0.2 on MNIST's dev digits: almost no cost")
    assert class_handwriting.trade_words(taught(0.5, 0.5, 0.787, 0.78)).startswith("No change on our held-out digits")
    assert "one of them is 5.0 points" in class_handwriting.trade_words(taught(0.5, 0.45, 0.789, 0.774))
    assert class_handwriting.trade_words(taught(0.5, 0.45, 0.789, 0.774)).startswith(
        "It reads 5 points fewer of our held-out digits after")


# ---------------------------------------------------------------------------------------------------------
# The teacher's part
# ---------------------------------------------------------------------------------------------------------


def test_only_the_teacher_deletes_the_set_after_confirming(keyed_board_file, class_digits):
    X, Y = class_digits
    board = add(keyed_board_file, X[:, :12], Y[:12])
    student = opened()
    assert "class_digits_delete" not in keys(student.button) and CONFIRM not in keys(student.toggle)
    at = opened(key=KEY)
    assert at.button(key="class_digits_delete").disabled  # not confirmed yet
    at.toggle(key=CONFIRM).set_value(True)
    run_ok(at)
    at.button(key="class_digits_delete").click()
    run_ok(at)
    assert "The class's set is deleted" in texts(at.success)
    assert board.class_digits()[1].size == 0
    assert "No digits in the class's set yet" in texts(at.info)
    assert at.toggle(key=CONFIRM).value is False



def test_the_class_digits_download_only_in_the_teachers_tab_as_kaggles_train_csv(keyed_board_file, class_digits):
    X, Y = class_digits
    board = add(keyed_board_file, X[:, :12], Y[:12])
    fill(board, a_class(3, students=3))
    assert not [label for label in downloads(opened()) if "digits" in label]  # a student's tab: none
    teacher_tab = opened(key=KEY)
    assert not downloads(teacher_tab)["⬇️ The class's digits (CSV)"].proto.disabled
    teacher_tab.session_state["class_show"] = "runs"
    runs_view = downloads(run_ok(teacher_tab))
    assert {"⬇️ The runs (CSV)", "⬇️ The class's digits (CSV)"} <= set(runs_view)  # a button of its own

    csv = teacher.digits_csv(board, None)
    header, first = csv.splitlines()[:2]
    assert header == ",".join(["label", *(f"pixel{k}" for k in range(784))])
    assert len(csv.splitlines()) == 13 and first.split(",")[0] == str(Y[0])
    images, labels = read_digits_csv(csv.encode())
    order = [j for k in range(len(NAMES)) for j in range(k, 12, len(NAMES))]  # as add() added them
    assert list(labels) == list(Y[order])
    np.testing.assert_array_equal(images[0], np.rint(255 * X[:, 0]))
    for name in NAMES:
        assert name not in csv
    runs_csv = board_view.frame(board.runs()).to_csv(index=False)  # the runs' CSV holds no digit
    assert not [column for column in pd.read_csv(io.StringIO(runs_csv)).columns if "pixel" in column]
