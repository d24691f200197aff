"""The class as one experiment, in a real browser: a teacher on a projector (1280 x 720, presenter mode) and three
students, one of them on a phone (390 x 844, touch), each in a browser of their own, on a server started with a
class key.

Challenges: the teacher posts "the best dev accuracy with α ≥ 1"; it appears on each student's Training page by
itself; two students train runs that meet it (α 1, from two seeds) and one a run that does not (α 0.1); the projector's
leaderboard ranks the two as the board's own numbers rank them, and each student's page says where they stand.
Closing it keeps its leaderboard.

The class's handwriting: each student draws two digits on the Draw page (the phone with a finger) and adds them to
the class's set; one takes theirs back. The projector shows the set a row per label, the network's accuracy on it
beside its dev accuracy, and asks for more digits before teaching. With the digits of the rest of the class added
(through the board's store, as their tabs would), "Teach it our handwriting" trains in the workers and gives its
before and after on the held-out fifth. The teacher deletes the set.

Screenshots (with SCREENSHOTS): the projector's challenge and handwriting views, and the phone's challenge line and
its digits added to the class's set.
"""

import re
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from class_server import KEY
from conftest import TIMEOUT_MS, AppPage, keep_screenshot
from playwright.sync_api import expect
from test_browser_draw import ONE, ZERO, draw_and_send, open_part, stroke_with_a_finger

import board_store
from nn_core.mnist_files import load_sample
from nn_core.preprocessing import thicken
from views.training.challenge_box import ordinal  # a rank as the Training page writes it

pytestmark = pytest.mark.browser
expect.set_options(timeout=TIMEOUT_MS)

PROJECTOR = {"width": 1280, "height": 720}
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
CRASHED = []  # the tabs whose page crashed, by name
SOON_MS = 20_000  # the Training page reads the challenges every 5 s, the Class page its parts every 2 to 3 s
CHALLENGE = "The best dev accuracy with α ≥ 1"
ALPHAS = {"ada": 1.0, "ben": 0.1, "phone": 1.0}  # ben's run does not meet it
SEEDS = {"ada": 0, "ben": 0, "phone": 1}  # the two runs that meet it start from different weights
# (not α 2: 50 steps of it on the sample kill half the ReLU units or not, depending on the processor's rounding, and
# a run with half its units dead "went wrong")
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "mnist_sample.npz"
PROGRESS = '[data-testid="stProgress"]'  # the Training page's progress line
STEPS = 50  # full-batch steps of each student's run: a few seconds



def show(teacher, part):
    """Choose a part of the Class page (its row of buttons): "The runs", "Challenges" or "Our handwriting"."""
    teacher.page.get_by_role("radio", name=part).click()
    teacher.wait_idle()


def choose(tab, box, option_name):
    """Open the list of the select box `box`, and click the option named `option_name` in it."""
    box.scroll_into_view_if_needed()
    tab.wait_still()  # a list opened while the page still moves closes again at once
    box.locator("input").click()
    tab.page.get_by_role("option", name=option_name, exact=True).click()
    tab.wait_idle()
    tab.page.keyboard.press("Escape")
    box.locator("input").blur()
    tab.wait_idle()


def first_screen_holds(page, element):
    """The element is whole on the window's first screen (the main area scrolled to its top), below the top bar."""
    page.locator('[data-testid="stMain"]').evaluate("main => main.scrollTo(0, 0)")
    box, bar = element.bounding_box(), page.locator('[data-testid="stHeader"]').bounding_box()
    return box is not None and box["y"] >= bar["y"] + bar["height"] - 1 and box["y"] + box["height"] <= 720


def challenge_line(student):
    """The Training page's line about the open challenge (its 🏁 is drawn as the alert's icon)."""
    return student.page.locator('[data-testid="stAlertContentInfo"]').filter(has_text=CHALLENGE)


def train(student, tap=False, tries=3):
    """Press ▶️ Train (a tap on a phone) and wait until the run has started in this tab. On a busy machine a press
    while the page is being drawn again can be lost: press again, as a person would whose press did nothing. Under
    the whole suite's load a tab has been seen blank (no page, no crash) for over a minute: it is loaded again, as a
    person would, and a warning in the suite's summary says so."""
    progress = student.page.locator(PROGRESS).first
    for attempt in range(1, tries + 1):
        button = student.page.get_by_role("button", name="▶️ Train")
        try:
            expect(button).to_be_enabled()
        except AssertionError as error:
            keep_screenshot(student.page, f"failed-train-{attempt}")
            shown = student.page.locator("body").inner_text(timeout=5_000)[:2000]
            if attempt == tries or shown.strip():
                raise AssertionError(f"no ▶️ Train to press (attempt {attempt}) at {student.page.url}; tabs crashed: "
                                     f"{CRASHED}; the tab shows:\n{shown}") from error
            warnings.warn(f"a student's tab was blank for a minute at {student.page.url}: loaded again; what its "
                          f"page reported: {student.reported()}", stacklevel=2)
            student.page.reload()
            student.page.wait_for_selector('[data-testid="stMain"]')
            student.wait_idle()
            continue
        button.tap() if tap else button.click()
        try:
            expect(progress).to_contain_text(re.compile(r"step [1-9]"), timeout=30_000)
            return
        except AssertionError:
            if attempt == tries:
                raise


def wait_for_runs(board, count, seconds=120):
    """Wait until the board holds `count` runs (a run is posted when it finishes); return them."""
    for _ in range(seconds * 4):
        rows = board.runs()
        if len(rows) >= count:
            return rows
        time.sleep(0.25)
    alphas = [run["alpha"] for run in board.runs()]
    raise AssertionError(f"{len(alphas)} runs on the board after {seconds} s (α {alphas}), not {count}")


def keep_and_add(student, digits, finger=False):
    """On the Draw page: open the handwriting test set, draw each digit (label, strokes), keep it, then add them
    all to the class's set."""
    page = student.page
    open_part(student, "Your handwriting as a test set")
    for digit, strokes in digits:
        page.get_by_role("radio", name=str(digit), exact=True).click()  # the digit to draw
        student.wait_idle()
        canvas = page.locator("canvas.upper-canvas").nth(1)  # the guided canvas, below the page's own
        if finger:
            canvas.evaluate("element => element.scrollIntoView({block: 'center', behavior: 'instant'})")
            canvas.hover(trial=True)
            stroke_with_a_finger(student, canvas.bounding_box(), strokes)
            student.wait_drawn(timeout_ms=20_000)
        else:
            draw_and_send(student, canvas, strokes)
        page.get_by_role("button", name=f"Keep this as my {digit}").click()
        student.wait_idle()
        try:  # kept: the digit's choice is ticked
            expect(page.get_by_role("radio", name=f"{digit} ✓", exact=True)).to_be_visible(timeout=SOON_MS)
        except AssertionError as error:
            keep_screenshot(page, f"failed-keep-{digit}")
            shown = page.locator('[data-testid="stMain"]').inner_text(timeout=5_000)[:2000]
            raise AssertionError(f"the {digit} drawn was not kept; the tab shows:\n{shown}") from error
    add = page.get_by_role("button", name=f"➕ Add my {len(digits)} digits to the class's set")
    add.scroll_into_view_if_needed()
    add.tap() if finger else add.click()
    student.wait_idle()
    expect(page.get_by_text(f"Yours in the class's set now: {len(digits)} digits.")).to_be_visible()


def rest_of_the_class(n=40, seed=3):
    """Digits as the rest of the class would add them: sample digits written with a thicker pen, with labels."""
    data = load_sample(SAMPLE)
    picked = np.random.default_rng(seed).choice(len(data.labels), n, replace=False)
    X = thicken(data.images[picked].T / 255.0, 1)  # (784, n)
    return [(f"other-{k}", X[:, k], int(data.labels[picked[k]])) for k in range(n)]


def finished(student, name, tap=False):
    """Wait until the student's run has finished. A tab seen blank under the whole suite's load (no page, no crash)
    is loaded again and the run trained again, as a person would, and a warning in the suite's summary says so."""
    for attempt in (1, 2):
        try:
            expect(student.page.locator(PROGRESS).first).to_contain_text(f"finished · step {STEPS} of {STEPS}")
            return
        except AssertionError as error:
            keep_screenshot(student.page, f"failed-{name}-{attempt}")
            shown = student.page.locator("body").inner_text(timeout=5_000)[:3000]
            if attempt == 2 or shown.strip():
                raise AssertionError(f"{name}'s run did not finish (tabs crashed: {CRASHED}); the tab shows:\n{shown}"
                                     ) from error
            warnings.warn(f"{name}'s tab was blank while training at {student.page.url}: loaded again, trained again; "
                          f"what its page reported: {student.reported()}", stacklevel=2)
            student.page.reload()
            student.page.wait_for_selector('[data-testid="stMain"]')
            student.wait_idle()
            train(student, tap=tap)


def test_a_challenge_and_the_class_handwriting_with_a_teacher_and_three_students(browser, class_server):
    teacher = AppPage(browser, class_server.url, PROJECTOR)
    ada, ben = AppPage(browser, class_server.url, LAPTOP), AppPage(browser, class_server.url, LAPTOP)
    phone = AppPage(browser, class_server.url, PHONE, phone=True)
    students = {"ada": ada, "ben": ben, "phone": phone}
    tabs = [teacher, *students.values()]
    for name, tab in (("teacher", teacher), *students.items()):  # a tab whose page crashes says so in the failure
        tab.page.on("crash", lambda _, name=name: CRASHED.append(name))
    board = board_store.Board(class_server.board_path)
    try:
        # Each student on the Training page with their α; no challenge yet, so no line about one.
        for name, student in students.items():
            student.open(f"training?alpha={ALPHAS[name]:g}&seed={SEEDS[name]}&iterations={STEPS}")
            student.assert_no_exception()
            expect(challenge_line(student)).to_have_count(0)

        # The teacher posts the challenge from the projector.
        teacher.open(f"class?key={KEY}&presenter=1")
        show(teacher, "Challenges")
        post = teacher.page.locator('[data-testid="stExpander"]').filter(has_text="Post a challenge").first
        post.locator("summary").click()
        teacher.wait_idle()
        choose(teacher, teacher.page.locator('[data-testid="stSelectbox"]').filter(has_text="Challenge").first,
               CHALLENGE)
        expect(post.get_by_text(f"🏁 {CHALLENGE}")).to_be_visible()  # what the class will see
        teacher.page.get_by_role("button", name="🏁 Post this challenge").click()
        expect(teacher.page.get_by_text(f"Posted: {CHALLENGE}.")).to_be_visible()
        teacher.wait_idle()
        posted = board.challenges()
        assert len(posted) == 1 and posted[0]["challenge"]["targets"]["alpha_at_least"] == 1
        leaderboard = teacher.page.locator(f".st-key-challenge_board_{posted[0]['id']}")
        expect(leaderboard).to_contain_text(CHALLENGE)

        # It appears on every student's Training page by itself; they train.
        for student in students.values():
            expect(challenge_line(student)).to_contain_text("no run of yours yet", timeout=SOON_MS)
            train(student, tap=student is phone)
        for name, student in students.items():
            finished(student, name, tap=student is phone)
        rows = wait_for_runs(board, 3)
        assert {(r["alpha"], r["hyperparams"].seed) for r in rows} == {(ALPHAS[n], SEEDS[n]) for n in students}
        # (a tab loaded again may have posted twice)
        assert {r["status"] for r in rows} == {"finished"}, rows

        # The server's leaderboard: ada's and the phone's runs meet it, ranked by dev accuracy; ben's does not.
        challenge = board.challenges()[0]
        ranked = board_store.leaderboard(challenge, board.runs())
        # (a run trained again in a tab loaded again can stand beside the first: one row per visitor)
        assert sorted({row["run"]["hyperparams"].seed for row in ranked}) == [SEEDS["ada"], SEEDS["phone"]]
        assert len(ranked) == len({run["visitor"] for run in rows if run["alpha"] >= 1})
        table = leaderboard.locator('[data-testid="stDataFrame"]')
        met = sum(run["alpha"] >= 1 for run in rows)
        expect(leaderboard).to_contain_text(f"{len(rows)} runs tried since it opened, {met} meet it", timeout=SOON_MS)
        expect(table).to_be_visible()
        for name in ("ada", "phone"):  # the rank of this student's run, among all the runs that meet it
            ranks = "|".join(ordinal(row["rank"]) for row in ranked if row["run"]["hyperparams"].seed == SEEDS[name])
            expect(challenge_line(students[name])).to_contain_text(re.compile(f"({ranks}) of {len(ranked)}"),
                                                                   timeout=SOON_MS)
        challenge_line(phone).scroll_into_view_if_needed()
        keep_screenshot(phone.page, "phone-challenge")
        expect(challenge_line(ben)).to_contain_text("not yet", timeout=SOON_MS)
        expect(challenge_line(ben)).to_contain_text("α 0.1 < 1")
        assert first_screen_holds(teacher.page, leaderboard), "the leaderboard is not whole on the projector"
        teacher.wait_still()
        keep_screenshot(teacher.page, "projector-challenge")

        # The class's handwriting: each student adds two digits; ben takes his back.
        for student in students.values():
            student.open("draw")
            keep_and_add(student, [(0, ZERO), (1, ONE)], finger=student is phone)
        keep_screenshot(phone.page, "phone-class-set")
        X, Y = board.class_digits()
        assert sorted(Y.tolist()) == [0, 0, 0, 1, 1, 1]
        ben.page.get_by_role("button", name="↩️ Take my digits back").click()
        ben.wait_idle()
        expect(ben.page.get_by_text("Yours in the class's set now: 0 digits.")).to_be_visible()
        assert board.class_digits()[0].shape == (784, 4)

        # The projector: the set, the accuracy beside MNIST's dev, and how many more digits teaching needs.
        show(teacher, "Our handwriting")
        expect(teacher.page.get_by_text("4 digits drawn by the class")).to_be_visible(timeout=SOON_MS)
        ours = teacher.page.locator('[data-testid="stMetric"]').filter(has_text="Our digits read right")
        expect(ours).to_be_visible()
        expect(teacher.page.locator('[data-testid="stMetric"]').filter(has_text="MNIST's dev digits")).to_be_visible()
        expect(teacher.page.get_by_text(re.compile(r"26 more are needed"))).to_be_visible()

        # The rest of the class adds theirs; the teacher teaches the network our handwriting.
        board.add_digits("the-rest", None, rest_of_the_class())
        expect(teacher.page.get_by_text("44 digits drawn by the class")).to_be_visible(timeout=SOON_MS)
        teacher.page.get_by_role("button", name="🎓 Teach it our handwriting").click()
        result = teacher.page.locator("p").filter(has_text="On our handwriting")
        expect(result).to_contain_text(re.compile(r"\(9 held-out digits\): \d+% → \d+%"), timeout=120_000)
        expect(result).to_contain_text(re.compile(r"on MNIST dev: \d+(\.\d)?% → \d+(\.\d)?%"))
        teacher.wait_idle()
        teacher.assert_no_exception()
        picture = teacher.page.locator('[data-testid="stMain"] [data-testid="stImage"]').first
        assert first_screen_holds(teacher.page, picture), "the class's digits are not on the projector's first screen"
        assert first_screen_holds(teacher.page, ours)
        teacher.wait_still()
        keep_screenshot(teacher.page, "projector-handwriting")

        # The teacher deletes the whole set; the challenge is closed, its leaderboard kept.
        teacher.page.get_by_text("Yes, delete the class's digits").click()
        delete = teacher.page.get_by_role("button", name="🗑️ Delete the whole set")
        expect(delete).to_be_enabled()  # confirmed
        teacher.wait_idle()
        delete.click()
        expect(teacher.page.get_by_text("The class's set is deleted")).to_be_visible()
        teacher.wait_idle()
        assert board.class_digits()[0].shape == (784, 0)
        show(teacher, "Challenges")
        teacher.page.get_by_role("button", name="🔒 Close this challenge").click()
        teacher.wait_idle()
        expect(teacher.page.get_by_text(re.compile(r"Closed challenges \(1\)"))).to_be_visible()
        assert board.challenges()[0]["closed"] is not None
        kept = board_store.leaderboard(board.challenges()[0], board.runs())  # as before: one row per visitor
        assert len(kept) == len(ranked)
        for tab in tabs:
            tab.assert_no_exception()
    finally:
        for tab in tabs:
            tab.close()
