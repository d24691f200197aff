"""Ask the room in a real browser: a teacher on a projector (1280 x 720, presenter mode) and three students, one of
them on a phone (390 x 844, touch), each in a browser of their own, on a server started with a class key.

The teacher picks a question from the bank and asks it; it appears on every student's screen, whatever page they
are on, without a click; they answer (the phone with a tap) and the projector counts "3 of 3". The teacher shows
the answers, opens a second round after the discussion, in which one student changes to the right answer, and
reveals: the projector shows the share right in both rounds, and each student sees whether they were right. Then
the app's address as a QR code, read back as a phone's camera would; the class sent to the Training page with
α = 5 locked (a student follows the offer and finds α set and its control off); a locked link opened directly; and
a restart of the server on the same board file, after which the same question, its two rounds and its answers are
still there, on the projector and on a student's screen.

Screenshots (with SCREENSHOTS): the projector after the reveal, and the phone with the question, after its answer
and after the reveal.
"""

import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from class_server import KEY
from conftest import TIMEOUT_MS, AppPage, keep_screenshot
from playwright.sync_api import expect

import board_store

pytestmark = pytest.mark.browser
expect.set_options(timeout=TIMEOUT_MS)  # a busy 2-core machine: every wait is long

ROOT = Path(__file__).resolve().parents[1]
PROJECTOR = {"width": 1280, "height": 720}
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SOON_MS = 15_000  # a student's tab reads the board every second: a change shows within a few seconds



def metric(page, label):
    """The value of the metric whose label has `label`."""
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')


def question_box(page):
    """The teacher's question as a student's tab shows it, above the page."""
    return page.locator(".st-key-room_question")


def answer(student, letter, tap=False):
    """Choose `letter` with a click (a tap on a phone), and wait until the board has it: the tab marks the option
    as this student's answer only once it has read it back from the board."""
    box = question_box(student.page)
    button = box.locator('[data-testid="stButtonGroup"]').get_by_role("radio", name=letter, exact=True)
    button.tap() if tap else button.click()
    expect(button).to_be_checked()
    expect(box.locator("li").filter(has_text="👉 your answer")).to_have_count(1)
    expect(box.locator("li").filter(has_text="👉 your answer")).to_contain_text(f"{letter} ·")


def slider(page, label):
    return page.locator('[data-testid="stSlider"]').filter(has_text=label).first


def on_first_screen(page, element):
    """The element is whole on the window's first screen, below the app's top bar."""
    box, bar = element.bounding_box(), page.locator('[data-testid="stHeader"]').bounding_box()
    return box is not None and box["y"] >= bar["y"] + bar["height"] and box["y"] + box["height"] <= PROJECTOR["height"]


def widest_pictures(page, count):
    """Where the `count` widest pictures of the page are: [{"top", "left", "width"}], widest first."""
    return page.evaluate("""(count) => [...document.querySelectorAll(
        '[data-testid="stMain"] [data-testid="stImage"] img')]
        .map(img => img.getBoundingClientRect()).filter(box => box.width > 0)
        .sort((a, b) => b.width - a.width).slice(0, count)
        .map(box => ({top: Math.round(box.top), left: Math.round(box.left), width: Math.round(box.width)}))""", count)


def decoded_qr(image):
    """The text of the QR code an <img> shows, read from its pixels on screen (as a phone's camera would)."""
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.screenshot())))
    assert len(found) == 1, f"{len(found)} codes read in the picture"
    return found[0].text


def follow_sidebar_link(tab, title):
    """Go to a page by the sidebar's link, in the same session (folded on a projector: clicked from its code)."""
    tab.page.locator('[data-testid="stSidebarNav"] a', has_text=title).evaluate("a => a.click()")
    expect(tab.page.locator("h1").first).to_contain_text(title)
    tab.wait_idle()


def choose(tab, box, option):
    """Open the list of a select box (or a multiselect) `box`, and click `option` in it."""
    box.scroll_into_view_if_needed()
    tab.wait_still()  # a list opened while the page still moves closes again at once
    box.locator("input").click()
    option.click()
    tab.wait_idle()
    tab.page.keyboard.press("Escape")
    box.locator("input").blur()  # else the next click elsewhere only takes the focus away from the list
    tab.wait_idle()


def lock_and_send(teacher, name):
    """In the teacher's sidebar: lock the setting `name`, and send the class to this page."""
    page = teacher.page
    if page.locator('[data-testid="stExpandSidebarButton"]').count():  # folded, as on a projector
        page.locator('[data-testid="stExpandSidebarButton"]').click()
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator("summary", has_text="📍 Send the class here").click()
    lock = sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Lock these settings")
    choose(teacher, lock, page.get_by_role("option", name=name, exact=True))
    expect(lock.locator('[data-testid="stMultiSelectTagsContainer"]')).to_contain_text(name)
    sidebar.get_by_role("button", name="📍 Send the class here").click()
    teacher.wait_idle()
    return sidebar


def test_a_teacher_asks_the_room_and_the_class_answers_follows_and_survives_a_restart(browser, class_server):
    teacher = AppPage(browser, class_server.url, PROJECTOR)
    home, forward = AppPage(browser, class_server.url, LAPTOP), AppPage(browser, class_server.url, LAPTOP)
    phone = AppPage(browser, class_server.url, PHONE, phone=True)
    tabs = [teacher, home, forward, phone]
    board = board_store.Board(class_server.board_path)
    try:
        # Three students, each on a page of the lesson; no question yet.
        home.open("")
        forward.open("forward")
        phone.open("training")
        for student in (home, forward, phone):
            student.assert_no_exception()
            expect(question_box(student.page)).to_have_count(0)

        # The teacher opens the Class page with the key, on the projector, and picks a question from the bank.
        teacher.open(f"class?key={KEY}&presenter=1")
        teacher.assert_no_exception()
        assert KEY not in teacher.page.url  # taken out of the address at once: the projector never shows it
        chooser = teacher.page.locator('[data-testid="stSelectbox"]').filter(has_text="Question").first
        choose(teacher, chooser, teacher.page.get_by_role("option").nth(1))  # the bank's second question
        teacher.page.get_by_role("button", name="📣 Ask the room").click()
        expect(metric(teacher.page, "Answered (round 1)")).to_be_visible()
        asked = board.current_question()
        assert asked is not None and asked["round"] == 1 and asked["state"] == "open"
        question = asked["question"]
        letters = "ABCDEF"[:len(question["options"])]
        right = letters[question["right"]]
        wrong = next(letter for letter in letters if letter != right)
        expect(teacher.page.get_by_text("❓ " + question["text"], exact=True)).to_be_visible()
        expect(metric(teacher.page, "Answered (round 1)")).to_have_text("0 of 3")

        # Every student's screen shows it within a few seconds, above the page they are on; the phone taps.
        for student in (home, forward, phone):
            box = question_box(student.page)
            expect(box).to_contain_text("❓ Your teacher asks", timeout=SOON_MS)
            expect(box).to_contain_text(question["text"])
            for letter, option in zip(letters, question["options"], strict=True):
                expect(box.locator("li").filter(has_text=f"{letter} ·")).to_contain_text(option)
        expect(phone.page.locator("h1").first).to_contain_text("Training")  # the lesson is still below
        expect(forward.page.locator("h1").first).to_contain_text("Forward pass")
        keep_screenshot(phone.page, "ask-room-phone-question")
        answer(home, right)
        answer(forward, wrong)
        answer(phone, wrong, tap=True)
        keep_screenshot(phone.page, "ask-room-phone-answered")
        expect(metric(teacher.page, "Answered (round 1)")).to_have_text("3 of 3")

        # The answers shown (on the projector and on the students' screens), then a second round after the
        # discussion: one student changes to the right answer.
        pictures = question_box(home.page).locator('[data-testid="stImage"]').count()  # the question's own, if any
        teacher.page.get_by_role("button", name="📊 Show the answers").click()
        expect(teacher.page.get_by_role("button", name="🙈 Hide the answers")).to_be_visible()
        expect(question_box(home.page).locator('[data-testid="stImage"]')).to_have_count(pictures + 1,
                                                                                       timeout=SOON_MS)
        teacher.page.get_by_role("button", name="🔁 Vote again after discussing").click()
        expect(metric(teacher.page, "Answered (round 2)")).to_have_text("0 of 3")
        for student in (home, forward, phone):
            expect(question_box(student.page)).to_contain_text("again, after the discussion", timeout=SOON_MS)
            # The second round's letters, none chosen, in place of the first round's: on a slow server the heading
            # can come a moment before them, and a tap on the first round's chosen letter would take it back.
            expect(question_box(student.page).get_by_role("radio", checked=True)).to_have_count(0)
        answer(home, right)
        answer(forward, right)
        answer(phone, wrong, tap=True)
        expect(metric(teacher.page, "Answered (round 2)")).to_have_text("3 of 3")

        # The reveal: the share right in each round on the projector, each student's verdict on their screen.
        teacher.page.get_by_role("button", name="✅ Reveal").click()
        expect(metric(teacher.page, "Right")).to_have_text("33% → 67%")
        for student in (home, forward):
            # (the alert draws its leading ✅ as its icon, apart from the words)
            expect(question_box(student.page).locator('[data-testid="stAlertContentSuccess"]')).to_contain_text(
                f"You answered {right}: right.", timeout=SOON_MS)
        expect(question_box(phone.page).locator('[data-testid="stAlertContentWarning"]')).to_contain_text(
            f"You answered {wrong}; the right answer is {right}.", timeout=SOON_MS)
        counts = {1: [0] * len(letters), 2: [0] * len(letters)}
        for round_, chosen in ((1, (right, wrong, wrong)), (2, (right, right, wrong))):
            for letter in chosen:
                counts[round_][letters.index(letter)] += 1
        assert board.tally(asked["id"]) == counts
        keep_screenshot(phone.page, "ask-room-phone-revealed")
        teacher.page.locator('[data-testid="stMain"]').evaluate("main => main.scrollTo(0, 0)")  # its first screen
        teacher.wait_still()
        keep_screenshot(teacher.page, "ask-room-teacher-presenter")
        # On the projector's first screen: the question, how many answered, the share right, and both rounds' bars
        # side by side (they start on it).
        metrics = teacher.page.locator('[data-testid="stMetric"]')  # each whole: its label and its value
        for shown in (teacher.page.get_by_text("❓ " + question["text"], exact=True),
                      metrics.filter(has_text="Answered (round 2)"), metrics.filter(has_text="Right")):
            assert on_first_screen(teacher.page, shown), shown
        bars = widest_pictures(teacher.page, 2)
        assert len(bars) == 2 and bars[0]["top"] == bars[1]["top"] and bars[0]["top"] < PROJECTOR["height"], bars
        for tab in tabs:
            tab.assert_no_exception()

        # The app's address as a QR code: a phone's camera reads the address printed under it.
        qr_box = teacher.page.locator('[data-testid="stExpander"]').filter(
            has_text="📱 The app's address as a QR code, for phones")
        qr_box.locator("summary").click()
        expect(qr_box.locator('[data-testid="stCaptionContainer"]')).to_have_text(
            f"The app's address: {class_server.url}/")
        expect(qr_box.locator('[data-testid="stImage"] img')).to_be_visible()
        assert decoded_qr(qr_box.locator('[data-testid="stImage"] img')) == f"{class_server.url}/"

        # The teacher goes to Training (in the same tab: still the teacher), sets α = 5, locks it, and sends the
        # class there; the sidebar's QR code is this page's link with its settings.
        follow_sidebar_link(teacher, "Training")
        alpha = slider(teacher.page, "Learning rate α").get_by_role("slider")
        alpha.focus()
        alpha.press("End")  # 10, the largest α
        alpha.press("ArrowLeft")  # 5, the one before
        teacher.page.wait_for_function("() => new URLSearchParams(location.search).get('alpha') === '5'")
        teacher.wait_idle()
        sidebar = lock_and_send(teacher, "alpha")
        expect(sidebar.locator('[data-testid="stAlertContentSuccess"]')).to_contain_text(
            "Sent: the students are offered 📉 Training with alpha=5 (locked: alpha).")
        follow = board.latest_follow()
        assert follow["page"] == "training" and parse_qs(follow["query"])["alpha"] == ["5"]
        assert parse_qs(follow["query"])["lock"] == ["alpha"]
        page_link = sidebar.locator('[data-testid="stCaptionContainer"]').filter(has_text="for phones")
        link = page_link.inner_text().split("for phones:", 1)[1].strip()
        assert urlparse(link).path == "/training" and parse_qs(urlparse(link).query)["alpha"] == ["5"]
        assert decoded_qr(sidebar.locator('[data-testid="stImage"] img').last) == link

        # A student takes the offer: Training with α = 5, its control off, set by the teacher.
        offer = home.page.locator(".st-key-room_follow")
        expect(offer).to_contain_text("📍 Your teacher is on 📉 Training with alpha=5 (locked: alpha).",
                                      timeout=SOON_MS)
        offer.get_by_role("link", name="Go there").click()
        expect(home.page.locator("h1").first).to_contain_text("Training")
        home.wait_idle()
        query = parse_qs(urlparse(home.page.url).query)
        assert query["alpha"] == ["5"] and query["lock"] == ["alpha"], home.page.url
        expect(slider(home.page, "Learning rate α").locator('[data-testid="stSliderThumbValue"]')).to_have_text("5.0")
        expect(slider(home.page, "Learning rate α").get_by_role("slider")).to_be_disabled()
        expect(slider(home.page, "Hidden units per layer").get_by_role("slider")).to_be_enabled()
        expect(home.page.get_by_text("🔒 Set by your teacher: alpha.")).to_be_visible()
        expect(home.page.locator(".st-key-room_follow")).to_have_count(0)  # followed: not offered again
        home.assert_no_exception()

        # Another student opens a locked link directly: those controls are off, the others are theirs.
        forward.open("training?alpha=0.5&lock=alpha,hidden_sizes")
        forward.assert_no_exception()
        expect(slider(forward.page, "Learning rate α").locator('[data-testid="stSliderThumbValue"]')).to_have_text(
            "0.5")
        expect(slider(forward.page, "Learning rate α").get_by_role("slider")).to_be_disabled()
        expect(slider(forward.page, "Hidden units per layer").get_by_role("slider")).to_be_disabled()
        expect(forward.page.locator('[data-testid="stRadio"]').filter(has_text="Hidden layers").get_by_role(
            "radio").first).to_be_disabled()
        expect(slider(forward.page, "Iterations (full batch)").get_by_role("slider")).to_be_enabled()
        expect(forward.page.get_by_text("🔒 Set by your teacher: alpha, hidden_sizes.")).to_be_visible()

        # The server restarts on the same board file: the same question, both rounds and their answers are still
        # there, on the projector (opened again with the key) and on the phone, whose tab reconnects by itself.
        class_server.stop()
        phone.page.wait_for_function("() => !window.scriptRuns.open")  # the phone's tab has lost the server
        runs_before = phone.page.evaluate("() => window.scriptRuns.finished")
        class_server.start()
        current = board.current_question()
        assert current["id"] == asked["id"] and current["round"] == 2 and current["state"] == "revealed"
        assert board.tally(asked["id"]) == counts
        # (the live question is drawn first: no need to wait for the rest of the page, and the bank it works out)
        teacher.page.goto(f"{class_server.url}/class?key={KEY}&presenter=1")
        expect(metric(teacher.page, "Right")).to_have_text("33% → 67%")
        expect(metric(teacher.page, "Answered (round 2)")).to_contain_text("3 of ")
        expect(teacher.page.get_by_text("❓ " + question["text"], exact=True)).to_be_visible()
        phone.page.wait_for_function(f"() => window.scriptRuns.open && window.scriptRuns.finished > {runs_before}")
        box = question_box(phone.page)  # drawn again by the new server
        expect(box).to_contain_text(question["text"])
        expect(box.locator("li").filter(has_text="✅ right answer")).to_contain_text(f"{right} ·")
        expect(box).to_contain_text(re.compile(f"[Tt]he right answer is {right}"))
        for tab in (teacher, phone):
            tab.assert_no_exception()
    finally:
        for tab in tabs:
            tab.close()
