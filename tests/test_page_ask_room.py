"""AppTest of asking the room: the teacher's tab on the Class page (choose, ask, show, vote again, reveal, end) and
a student's tab on any page (the question above the lesson, one tap to answer, the verdict after the reveal).

AppTest does not tick fragments: each at.run() draws the question once, as one tick does in a browser.
"""

import logging
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl

from conftest import CLASS_KEY, run_ok
from streamlit.testing.v1 import AppTest

import board_store
from dashboard import ask_room, board_posts, state

ROOT = Path(__file__).resolve().parents[1]
APP, CLASS_PAGE = str(ROOT / "app.py"), str(ROOT / "views" / "class_page" / "page.py")
KEY = CLASS_KEY
QUESTION = {"text": "What does softmax give for each column of A2?", "right": 1, "page": "forward",
            "place": "the quiz under the probabilities", "explanation": "Each column of A2 sums to 1.",
            "options": ["Ten scores that can be negative", "Ten probabilities that add up to 1", "One digit"]}




def teacher_tab():
    at = AppTest.from_file(CLASS_PAGE, default_timeout=120)
    at.query_params["key"] = KEY
    return run_ok(at)


def student_tab(nickname=None):
    at = AppTest.from_file(APP, default_timeout=120)  # the app, on its home page: the panel is above every page
    if nickname:
        at.session_state[board_posts.NICKNAME] = nickname
    return run_ok(at)


def html_of(at):
    return " ".join(element.proto.body for element in at.get("html"))


def answer_buttons(at):
    return next(group for group in at.get("button_group") if group.key and group.key.startswith("room_answer_"))


def tap(at, letter):
    """A student taps a letter (a segmented control's on_change runs on the rerun)."""
    answer_buttons(at).set_value(letter)
    return run_ok(at)


def button(at, key):
    return next(b for b in at.button if b.key == key)


def written():
    assert board_posts.writer().flush(timeout=30), "the board's writer did not finish"


def test_a_question_travels_from_the_teachers_tab_to_the_students_and_back(keyed_board_file):
    teacher = teacher_tab()
    assert not at_has_question(teacher)  # nothing asked yet: the chooser is open, nothing live
    choices = teacher.selectbox(key="room_choice")
    assert len(choices.options) >= 19  # the bank and "your own question"
    assert choices.options[-1] == "✏️ Your own question" and choices.index == 0  # the bank's first question
    run_ok(teacher)
    button(teacher, "room_ask").click()
    run_ok(teacher)
    written()
    current = board_store.Board(keyed_board_file).current_question()
    asked = current["question"]
    assert asked["text"] in html_of(teacher).replace("&#x27;", "'").replace("&quot;", '"')
    assert [m.value for m in teacher.metric if m.label.startswith("Answered")] == ["0 of 0"]

    anna, ben = student_tab("Anna"), student_tab()
    for student in (anna, ben):
        assert answer_buttons(student).options == list(ask_room.LETTERS[:len(asked["options"])])
    right = asked["right"]
    wrong = (right + 1) % len(asked["options"])
    tap(anna, ask_room.LETTERS[right])
    tap(ben, ask_room.LETTERS[wrong])
    written()
    run_ok(teacher)
    assert [m.value for m in teacher.metric if m.label.startswith("Answered")] == ["2 of 2"]
    shown_before = len(teacher.image)
    button(teacher, "room_show").click()  # the distribution, when the teacher chooses
    run_ok(teacher)
    assert len(teacher.image) == shown_before + 1  # round 1's bars

    button(teacher, "room_again").click()  # vote again after discussing
    run_ok(teacher)
    run_ok(ben)
    tap(ben, ask_room.LETTERS[right])  # convinced by a neighbour
    written()
    button(teacher, "room_reveal").click()
    run_ok(teacher)
    written()
    n = len(asked["options"])
    assert board_store.Board(keyed_board_file).tally(current["id"]) == {
        1: [int(k in (right, wrong)) for k in range(n)], 2: [int(k == right) for k in range(n)]}
    assert [m.value for m in teacher.metric if m.label == "Right"] == ["50% → 100%"]
    assert len(teacher.image) == shown_before + 2  # both rounds, side by side
    run_ok(anna)
    run_ok(ben)
    for student in (anna, ben):  # anna answered round 1 only: her answer there counts
        assert any(f"You answered {ask_room.LETTERS[right]}: right" in s.value for s in student.success)
        assert asked["explanation"] in html_of(student).replace("&#x27;", "'").replace("&quot;", '"')
    button(teacher, "room_end").click()
    run_ok(teacher)
    written()
    assert board_store.Board(keyed_board_file).current_question() is None
    assert not at_has_question(run_ok(teacher))
    assert not [g for g in run_ok(anna).get("button_group") if g.key and g.key.startswith("room_answer_")]


def own(teacher):
    """The teacher chooses to type their own question (the last entry of the list)."""
    choices = teacher.selectbox(key="room_choice")
    choices.select_index(len(choices.options) - 1)
    return run_ok(teacher)


def at_has_question(at):
    return any(m.label.startswith("Answered") for m in at.metric)


def asked_directly(keyed_board_file, question=QUESTION):
    store = board_store.Board(keyed_board_file)
    store.ask(question)
    return store, store.current_question()["id"]


def test_an_answer_after_the_teacher_stopped_them_gets_a_one_line_message(keyed_board_file):
    store, q = asked_directly(keyed_board_file)
    anna = student_tab()
    store.close_answers(q)  # while anna's screen still shows it open
    tap(anna, "B")
    assert any("This question is closed: your answer was not counted" in w.value for w in anna.warning)
    assert store.tally(q) == {}
    assert answer_buttons(anna).disabled  # and the letters are off from then on
    assert any("stopped the answers" in i.value for i in anna.info)


def test_an_answer_the_board_has_sent_again_after_the_close_says_nothing_about_it(keyed_board_file):
    """A tab that has not yet drawn the close (or the next round) can send the same answer again: it was counted,
    so "not counted" would be false."""
    store, q = asked_directly(keyed_board_file)
    anna = student_tab()
    tap(anna, "B")
    written()
    tap(anna, None)  # the letter tapped again: the answer given stays
    store.close_answers(q)  # while anna's screen still shows it open
    tap(anna, "B")  # and the same letter sent once more
    assert not [w for w in anna.warning if "not counted" in w.value]
    assert store.tally(q) == {1: [0, 1, 0]}


def test_a_tap_whose_callback_never_ran_is_sent_at_the_next_drawing_and_once(keyed_board_file, monkeypatch):
    """A tap whose on_change did not run (load tests saw answers missing after a tap followed at once by another
    page): the letter is in st.session_state, the board does not have it. The next drawing of the question sends
    it; a letter the board already has is never sent again."""
    store, q = asked_directly(keyed_board_file)
    anna = student_tab()
    key = answer_buttons(anna).key
    anna.session_state[key] = "C"  # the tap, its callback not run
    anna.switch_page("views/training/page.py")  # and at once another page
    run_ok(anna)
    written()
    assert store.tally(q) == {1: [0, 0, 1]}
    sent = []
    monkeypatch.setattr(ask_room, "_answer", lambda *args: sent.append(args))
    run_ok(anna)  # the next drawings: the board has C, nothing is sent again
    run_ok(anna)
    assert sent == []


def test_a_training_page_whose_live_chart_stopped_is_drawn_again(keyed_board_file, caplog):
    """While a student's run trains, the question panel (every second, on every page of a server with a class key)
    draws the Training page again when its live chart has not been drawn for STALLED redraw intervals."""
    anna = student_tab()
    anna.switch_page("views/training/page.py")
    run_ok(anna).button(key="tr_step").click()
    run = run_ok(anna).session_state[state.TRAINING_RUN]
    run.worker = SimpleNamespace(is_alive=lambda: True)  # training, as far as the page can tell
    run_ok(anna)
    assert "was not drawn" not in caplog.text  # drawn a moment ago: nothing to do
    run.last_seen -= 1000  # ... and then no drawing of its chart for a long while
    with caplog.at_level(logging.WARNING, logger="dashboard.ask_room"):
        run_ok(anna)
    assert "the live chart of a run in training was not drawn for" in caplog.text
    assert time.monotonic() - run.last_seen < 60  # drawn again
    run.worker = None


def test_a_teachers_own_question_reaches_the_students_as_plain_text(keyed_board_file):
    hostile = "<script>alert(1)</script> **bold** $x$ :red[red]"
    teacher = teacher_tab()
    own(teacher)
    teacher.text_input(key="room_own_text").input(hostile)
    teacher.text_area(key="room_own_options").input("<b>yes</b>\nno\n\n")
    run_ok(teacher)
    teacher.selectbox(key="room_own_right").select_index(2)  # B: no
    run_ok(teacher)
    button(teacher, "room_ask").click()
    run_ok(teacher)
    written()
    kept = board_store.Board(keyed_board_file).current_question()["question"]
    assert (kept["text"], kept["options"], kept["right"]) == (hostile, ["<b>yes</b>", "no"], 1)
    student = student_tab()
    body = html_of(student)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **bold** $x$ :red[red]" in body and "<script>" not in body
    assert "&lt;b&gt;yes&lt;/b&gt;" in body
    assert answer_buttons(student).options == ["A", "B"]


def test_an_own_question_with_one_option_is_refused_on_the_teachers_page(keyed_board_file):
    teacher = teacher_tab()
    own(teacher)
    teacher.text_input(key="room_own_text").input("Is this a question?")
    teacher.text_area(key="room_own_options").input("yes")
    run_ok(teacher)
    button(teacher, "room_ask").click()
    run_ok(teacher)
    assert any("cannot be asked: A question has 2 to 6 options; this one has 1" in w.value for w in teacher.warning)
    written()
    assert board_store.Board(keyed_board_file).current_question() is None


def test_nobody_without_the_key_can_ask_or_reveal(keyed_board_file):
    store, q = asked_directly(keyed_board_file)
    visitor = AppTest.from_file(CLASS_PAGE, default_timeout=120)
    visitor.query_params["key"] = "guess"
    run_ok(visitor)
    assert not [b for b in visitor.button if b.key and b.key.startswith("room_")]
    student = student_tab()
    assert not [b for b in student.button if b.key and b.key.startswith("room_")]
    assert store.current_question()["state"] == "open"


def test_without_a_class_key_no_tab_reads_the_board_for_questions(keyed_board_file, monkeypatch):
    store, _ = asked_directly(keyed_board_file)
    monkeypatch.delenv("CLASS_KEY")
    student = student_tab()
    assert not [g for g in student.get("button_group") if g.key and g.key.startswith("room_answer_")]


# ---------------------------------------------------------------------------------------------------------
# Follow the teacher
# ---------------------------------------------------------------------------------------------------------


def test_a_student_is_offered_the_teachers_page_and_takes_it_with_its_locked_settings(keyed_board_file):
    store = board_store.Board(keyed_board_file)
    student = student_tab()
    store.send_class("training", "alpha=5&lock=alpha", "📉 Training with alpha=5 (locked: alpha)")
    run_ok(student)
    assert "Your teacher is on 📉 Training with alpha=5 (locked: alpha)." in html_of(student)
    go = next(link for link in student.get("page_link"))
    assert (go.proto.label, go.proto.page) == ("Go there", "training")
    assert dict(parse_qsl(go.proto.query_string)) == {"alpha": "5", "lock": "alpha"}
    student.switch_page("views/training/page.py")  # the link, as the browser follows it
    student.query_params.update({"alpha": "5", "lock": "alpha"})
    run_ok(student)
    alpha = student.select_slider(key="tr_alpha")
    assert alpha.value == 5.0 and alpha.disabled  # on the Training page, α set and locked by the teacher
    assert "Your teacher is on" not in html_of(run_ok(student))  # taken: not offered again


def test_not_now_puts_the_offer_away_until_the_teacher_sends_another(keyed_board_file):
    store = board_store.Board(keyed_board_file)
    store.send_class("forward", "", "➡️ Forward pass")
    student = student_tab()
    next(b for b in student.button if b.key and b.key.startswith("room_later_")).click()
    run_ok(student)
    assert "Your teacher is on" not in html_of(run_ok(student))
    assert student.title[0].value.startswith("🧠")  # still on Home: nothing was lost
    store.send_class("data", "", "🔢 The data")
    assert "Your teacher is on 🔢 The data." in html_of(run_ok(student))


def test_the_teacher_sends_the_class_to_the_page_they_are_on_with_a_lock(keyed_board_file):
    teacher = AppTest.from_file(APP, default_timeout=120)
    teacher.session_state[board_posts.TEACHER] = True
    run_ok(teacher)
    teacher.switch_page("views/training/page.py")
    teacher.query_params["alpha"] = "0.5"
    run_ok(teacher)
    teacher.multiselect(key="room_lock").set_value(["alpha"])
    run_ok(teacher)
    button(teacher, "room_send").click()
    run_ok(teacher)
    written()
    follow = board_store.Board(keyed_board_file).latest_follow()
    assert follow["page"] == "training" and follow["label"] == "📉 Training with alpha=0.5 (locked: alpha)"
    assert "alpha=0.5" in follow["query"] and follow["query"].endswith("lock=alpha")
    assert any("Sent: the students are offered 📉 Training with alpha=0.5" in s.value for s in teacher.success)
    assert not [g for g in teacher.get("button_group") if g.key and g.key.startswith("room_answer_")]


# ---------------------------------------------------------------------------------------------------------
# The teacher's download
# ---------------------------------------------------------------------------------------------------------


def test_the_teacher_downloads_the_rooms_answers_round_by_round(keyed_board_file):
    from views.class_page import teacher as teacher_part

    store, q = asked_directly(keyed_board_file)
    store.answer("anna", "Anna", q, 1, 0)
    store.answer("ben", None, q, 1, 1)
    store.vote_again(q)
    store.answer("anna", "Anna", q, 2, 1)
    store.ask({"text": "Which is your favourite activation?", "options": ["ReLU", "tanh"], "right": None})
    store.answer("ben", None, store.current_question()["id"], 1, 1)
    table = teacher_part.answers_table(store, None)
    assert table.to_dict("records") == [
        {"question": 1, "text": QUESTION["text"], "round": 1, "who": "Anna", "answer": "A",
         "option": QUESTION["options"][0], "right": "no"},
        {"question": 1, "text": QUESTION["text"], "round": 1, "who": "student 2", "answer": "B",
         "option": QUESTION["options"][1], "right": "yes"},
        {"question": 1, "text": QUESTION["text"], "round": 2, "who": "Anna", "answer": "B",
         "option": QUESTION["options"][1], "right": "yes"},
        {"question": 2, "text": "Which is your favourite activation?", "round": 1, "who": "student 2",
         "answer": "B", "option": "tanh", "right": ""}]
    teacher = teacher_tab()
    downloads = {d.proto.label: d for d in teacher.get("download_button")}
    assert not downloads["⬇️ The room's answers (CSV)"].proto.disabled
    assert downloads["⬇️ The runs (CSV)"].proto.disabled  # no run on this board yet
    visitor = AppTest.from_file(CLASS_PAGE, default_timeout=120)
    assert not [d for d in run_ok(visitor).get("download_button") if "answers" in d.proto.label]  # teacher only
