"""Ask the room: the teacher's current question on every student's screen, and how it is drawn for everyone.

The teacher asks from the Class page (views/class_page/ask.py); the question lives on the class board
(board_store/room.py), so every app process sharing the board sees it. Each student's tab reads the board
every POLL seconds in a fragment at the top of whatever page they are on, and shows the question there, above the
lesson (it never covers it). One tap on a letter answers; another letter changes the answer while the question is
open. After the reveal each student sees whether they were right, the explanation, and a link to the place in the
app that shows it.

Only a server started with a teacher's key (CLASS_KEY) can have questions, so only such a server reads the board
this way: a student alone with the app has no fragment running at all.

Everything a teacher typed is shown as text: escaped, never read as HTML or Markdown.
"""

import html
import io
import logging
import time
from urllib.parse import parse_qsl, urlencode

import numpy as np
import segno
import streamlit as st
from streamlit.errors import StreamlitAPIException

import board_store
from dashboard import board_posts, links, messages, pictures, state, widgets
from training_runs.runs import redraw_interval

log = logging.getLogger(__name__)

POLL = 1.0  # seconds between two readings of the board by a student's tab
SEEN_EVERY = 5.0  # seconds between two "I am here" of a student's tab (board_store.room.PRESENT counts 15 s)
LETTERS = "ABCDEF"
PAGES = {  # a page's address: its script and its name in the app's navigation
    "": ("views/home/page.py", "🏠 Home"),
    "data": ("views/data/page.py", "🔢 The data"),
    "forward": ("views/forward/page.py", "➡️ Forward pass"),
    "training": ("views/training/page.py", "📉 Training"),
    "experiments": ("views/experiments/page.py", "🧪 Experiments"),
    "draw": ("views/draw/page.py", "✏️ Draw a digit"),
    "class": ("views/class_page/page.py", "👥 Class"),
}
RIGHT, GREY, CHOSEN = "#1a7f37", "#9aa5b1", "#1f77b4"  # bars: the right answer, the others; before a reveal
STALLED = 5  # redraw intervals of the live chart without a drawing, after which the page is drawn again
SEEN_AT = "room_seen_at"  # session key: when this tab last said it is here
SAID = "room_said"  # session key: a line about the student's last tap, kept on screen a while (messages.py)
SENT = "room_sent"  # session key: (answer key, letter) of the last answer handed to the board's writer
FOLLOWED = "room_followed"  # session key: the last "go there" of the teacher this student took or put off
NOT_SENT = ("presenter", "key", "lock")  # names of the teacher's address that are not the page's settings


def text(words, size="1rem", bold=False):
    """Words exactly as typed: escaped, so that no HTML or Markdown in them is ever read as such."""
    weight = "600" if bold else "400"
    st.html(f'<p class="room-text" style="font-size:{size};font-weight:{weight};margin:0 0 0.4rem 0;'
            f'overflow-wrap:anywhere">{html.escape(words)}</p>')


def options_list(question, mine=None, revealed=False):
    """The options, one per line, each after its letter; after the reveal the right one says so (in words and
    a symbol, not colour alone), and the student's own choice is marked."""
    lines = []
    for k, option in enumerate(question["options"]):
        marks = []
        if revealed and question.get("right") == k:
            marks.append("✅ right answer")
        if mine == k:
            marks.append("👉 your answer")
        note = f' <span style="color:#4f5b62">({", ".join(marks)})</span>' if marks else ""
        weight = "600" if revealed and question.get("right") == k else "400"
        lines.append(f'<li style="font-weight:{weight};overflow-wrap:anywhere"><b>{LETTERS[k]}</b> · '
                     f"{html.escape(option)}{note}</li>")
    st.html(f'<ul style="list-style:none;padding-left:0;margin:0 0 0.5rem 0">{"".join(lines)}</ul>')


def picture(spec, width=140):
    """The picture a question needs: a digit, a hidden unit's weights (as a 28 x 28 image), or bars."""
    if not spec:
        return
    try:
        if spec["kind"] == "digit":
            image = np.asarray(spec["pixels"], dtype=np.float64).reshape(28, 28) / 255
            st.image(pictures.pixelated(image, side=width), width=width)
        elif spec["kind"] == "weights":
            values = np.asarray(spec["values"], dtype=np.float64).reshape(28, 28)
            rgb = pictures.rdbu_rgb(values, float(np.abs(values).max()) or 1.0)
            big = np.repeat(np.repeat(rgb, width // 28, axis=0), width // 28, axis=1)
            st.image(big, width=width)
        elif spec["kind"] == "bars":
            st.image(pictures.bar_picture(spec["values"], "", "", "", labels=spec.get("labels")),
                     width=min(3 * width, 420))
        else:
            return
        if spec.get("caption"):  # as wide as its column, not the picture: a narrow picture's caption is tall
            st.caption(spec["caption"])
    except (KeyError, TypeError, ValueError):  # a picture from a newer app, or a damaged row: the question goes on
        log.warning("ask the room: a question's picture could not be drawn (%s)", spec.get("kind"))


def rounds_picture(question, tally, revealed, width=420, height=260):
    """The answers of each round, side by side: a bar per option, its count and share above it. Before the
    reveal every bar is the same colour (the room should not read the right one from it). width, height : of
    each round's picture, in its own units (its text is 16 of them)."""
    rounds = sorted(tally) or [1]
    columns = st.columns(len(rounds))
    for column, round_ in zip(columns, rounds, strict=True):
        counts = tally.get(round_, [0] * len(question["options"]))
        total = sum(counts)
        right = question.get("right")
        colours = [RIGHT if revealed and k == right else GREY if revealed else CHOSEN for k in range(len(counts))]
        labels = [LETTERS[k] + (" ✓ right" if revealed and k == right else "") for k in range(len(counts))]
        texts = [f"{n} ({n / total:.0%})" if total else "0" for n in counts]
        title = f"Round {round_}: {total} answer{'s' if total != 1 else ''}"
        with column:
            st.image(pictures.bar_picture(counts, title, "answer", "students", labels=labels, colours=colours,
                                          texts=texts, width=width, height=height), width="stretch")


def right_share(tally, right):
    """'right: 35% then 80%', from each round's answers (None when the question has no right answer)."""
    if right is None or not tally:
        return None
    shares = [f"{counts[right] / sum(counts):.0%}" if sum(counts) else "no answers"
              for _, counts in sorted(tally.items())]
    return "right: " + " then ".join(shares)


def link_to_answer(question):
    """Where the app shows the answer: the page (a link) and the place on it (in words)."""
    page = PAGES.get(question.get("page"))
    if page is None:
        return
    place = question.get("place")
    if place:
        text(f"Where to see it: {page[1]}, {place}.", size="0.9rem")
    try:
        st.page_link(page[0], label=f"Open {page[1]}", icon="🔗")
    except (StreamlitAPIException, KeyError):  # a page run on its own (a test), without the app's navigation
        pass


# ---------------------------------------------------------------------------------------------------------
# A student's tab
# ---------------------------------------------------------------------------------------------------------


def panel(page):
    """In app.py, above every page: the teacher's current question, and their offer to go to a page, when there
    is one. page : the address of the page this tab is on (training, forward, ...; "" for Home)."""
    if board_posts.key() is None or board_posts.teacher():
        return  # no teacher can ask on this server; or this is the teacher's own tab (the Class page asks)
    widgets.live_part(_student_view, POLL, page)


def _student_view(page):
    _wake_a_stalled_chart(page)
    store = board_posts.store()
    try:
        _say_here()
        follow = store.latest_follow()
        current = store.current_question()
    except board_store.BoardError:
        return  # the Class page says what is wrong with the board; the lesson goes on
    if follow is not None and follow["id"] > st.session_state.get(FOLLOWED, 0):
        if _there(follow, page):
            _put_off(follow["id"])  # followed (or already there): not offered again on the next page
        else:
            _offer(follow)
    if current is None:
        return
    try:
        mine = store.my_answers(current["id"], board_posts.visitor())
        tally = store.tally(current["id"]) if current["shown"] else None
    except board_store.BoardError:
        return  # the Class page says what is wrong with the board; the lesson goes on
    question, round_, state = current["question"], current["round"], current["state"]
    with st.container(border=True, key="room_question"):
        heading = "❓ Your teacher asks" + (" again, after the discussion" if round_ == 2 else "")
        text(heading, size="0.95rem", bold=True)
        left, right = st.columns([3, 1]) if question.get("picture") else (st.container(), None)
        with left:
            text(question["text"], size="1.15rem", bold=True)
            options_list(question, mine.get(round_), revealed=state == "revealed")
        if right is not None:
            with right:
                picture(question["picture"])
        letters = list(LETTERS[:len(question["options"])])
        key = f"room_answer_{current['id']}_{round_}"
        if key not in st.session_state and round_ in mine:
            st.session_state[key] = letters[mine[round_]]  # this visitor answered before (another tab, a reload)
            st.session_state[SENT] = (key, st.session_state[key])  # the board has it: never sent again from here
        elif state == "open":
            _send_unsent(current, round_, key, mine)
        st.segmented_control("Your answer (tap a letter; tap another to change it)", letters, key=key,
                             disabled=state != "open", on_change=_answer, args=(current["id"], round_, key),
                             width="stretch",
                             help="Your answer goes to the teacher at once. Only the count is on the projector, "
                                  "never who answered what.")
        messages.show(SAID)
        if state == "closed":
            st.info("⏸️ The teacher has stopped the answers: wait for the reveal, or discuss with your neighbour.")
        if state == "revealed":  # the verdict first: on a phone the bars below take a screen of their own
            _verdict(question, mine, round_)
            if question.get("explanation"):
                text(question["explanation"])
            link_to_answer(question)
        if tally is not None:
            rounds_picture(question, tally, revealed=state == "revealed", width=360)


def _there(follow, page):
    """This tab is already on the page the teacher sent the class to, with the same settings."""
    wanted = {name: value for name, value in parse_qsl(follow["query"]) if name != "lock"}
    return page == follow["page"] and all(st.query_params.get(name) == value for name, value in wanted.items())


def _offer(follow):
    """"Your teacher is on Training with alpha=5: go there": a link to follow, never a forced jump (a student in
    the middle of something finishes it first)."""
    with st.container(border=True, key="room_follow"):
        text(f"📍 Your teacher is on {follow['label']}.", bold=True)
        go, later = st.columns(2)
        script = PAGES.get(follow["page"], PAGES[""])[0]
        try:
            go.page_link(script, label="Go there", icon="➡️", query_params=dict(parse_qsl(follow["query"])),
                         help="Opens that page with the teacher's settings. Your own runs and network stay as "
                              "they are.")
        except StreamlitAPIException:  # a page run on its own (a test), without the app's navigation
            go.caption(f"Open {follow['label']} from the app's sidebar.")
        later.button("Not now", key=f"room_later_{follow['id']}", width="stretch", on_click=_put_off,
                     args=(follow["id"],), help="Stay here: the offer goes away until the teacher sends another.")


def _put_off(follow_id):
    st.session_state[FOLLOWED] = follow_id


def settings_in_words(query):
    """The settings of an address in a few words: those that differ from the app's defaults, at most four."""
    words = []
    for name, value in parse_qsl(query):
        default = links.as_text(getattr(links.DEFAULTS, name)) if name in links.HYPERPARAMS else None
        if name != "lock" and value != default:
            words.append(f"{name}={value}")
    shown = ", ".join(words[:4]) + (", …" if len(words) > 4 else "")
    return f" with {shown}" if shown else ""


def qr_code(address, caption, width=260):
    """An address as a QR code that a phone's camera opens (drawn by segno; the address is printed under it)."""
    picture = io.BytesIO()
    segno.make(address, error="m").save(picture, kind="png", scale=10, border=4)
    st.image(picture.getvalue(), width=width, output_format="PNG")  # sharp edges: a JPEG blurs the squares
    st.caption(f"{caption}: {address}")
    links.local_address_warning(address)


def page_address():
    """This tab's page with its settings, as the browser shows it (the teacher's key never in it)."""
    base = (links.browser_address() or "").split("?")[0]
    query = urlencode({name: value for name, value in st.query_params.items() if name != "key"})
    return f"{base}?{query}" if query else base


def send_class_control(page, title):
    """The teacher's tab, in the sidebar of every page: send the class to this page with its settings (and lock
    some of them, so every student varies only what the lesson is about)."""
    if not board_posts.teacher():
        return
    with st.sidebar.expander("📍 Send the class here"):
        settings = [name for name in st.query_params if name not in NOT_SENT]
        lock = st.multiselect("Lock these settings", [n for n in settings if n in links.HYPERPARAMS], key="room_lock",
                              help="The students see them set, and cannot change them (“set by your teacher”).")
        if st.button("📍 Send the class here", key="room_send", width="stretch",
                     help="Every student is offered to come to this page with its settings (one tap, never a "
                          "forced jump)."):
            query = {name: st.query_params[name] for name in settings}
            if lock:
                query["lock"] = ",".join(lock)
            query = urlencode(query)
            locked = f" (locked: {', '.join(lock)})" if lock else ""
            label = f"{title}{settings_in_words(query)}{locked}"
            if board_posts.teacher_change("send_class", page, query, label):
                st.success(f"Sent: the students are offered {label}.")
            else:
                st.info("The board is busy or away: the offer is sent as soon as it can be written.")
        if links.browser_address():
            qr_code(page_address(), "This page with its settings, for phones", width=220)


def _verdict(question, mine, round_):
    right = question.get("right")
    if right is None:
        st.info("This question has no single right answer: the bars show what the room thinks.")
        return
    chosen = mine.get(round_, mine.get(1))
    if chosen is None:
        st.info(f"You did not answer. The right answer is {LETTERS[right]}.")
    elif chosen == right:
        st.success(f"✅ You answered {LETTERS[chosen]}: right.")
    else:
        st.warning(f"❌ You answered {LETTERS[chosen]}; the right answer is {LETTERS[right]}.")


def _answer(question_id, round_, key):
    """One tap: write the answer (its own transaction in the board's writer), or say why it was not taken."""
    letter = st.session_state.get(key)
    if letter is None:  # the chosen letter tapped again: the answer given stays
        return
    store, writer = board_posts.store(), board_posts.writer()
    current = store.current_question()
    if current is None or current["id"] != question_id or current["state"] != "open" or current["round"] != round_:
        if store.my_answers(question_id, board_posts.visitor()).get(round_) != LETTERS.index(letter):
            messages.keep(SAID, "warning", "⏱️ This question is closed: your answer was not counted.")
        return  # (the same answer, already on the board, sent again by a tab that had not yet drawn the new round)
    writer.submit("answer", board_posts.visitor(), board_posts.nickname(), question_id, round_, LETTERS.index(letter))
    st.session_state[SENT] = (key, letter)
    if not writer.flush(timeout=2.0):
        messages.keep(SAID, "info", "⏳ The board is busy: your answer is saved as soon as it is free.")


def _send_unsent(current, round_, key, mine):
    """A letter on screen that the board does not have, and that was never sent: send it now. The tap's on_change
    (_answer) is what sends it; this is the safety net for a tap whose callback did not run, as load tests saw now and
    then (a tap, then at once another page), whatever the cause. mine : this visitor's answers on the board,
    {round: option}."""
    letter = st.session_state.get(key)
    if letter is None or mine.get(round_) == LETTERS.index(letter) or st.session_state.get(SENT) == (key, letter):
        return
    log.info("ask the room: an answer whose tap was not handled is sent now (question %s)", current["id"])
    _answer(current["id"], round_, key)


def _wake_a_stalled_chart(page):
    """On the Training page, while this visitor's run trains: if its live chart has not been drawn for STALLED
    redraw intervals, draw the whole page again. In load tests through two groups of app processes, now and then one
    student's page of 30 got no more drawings of its chart during a run while its other fragments went on (cause
    not found): the run then stopped as on a page left, the page at its last step. The page drawn again sets the
    chart's redraws up again."""
    run = st.session_state.get(state.TRAINING_RUN)
    if page != "training" or run is None or not run.training:
        return
    quiet = time.monotonic() - run.last_seen  # seconds since the page last drew the run
    if quiet > STALLED * redraw_interval():
        log.warning("the live chart of a run in training was not drawn for %.0f s: the page is drawn again", quiet)
        run.seen()  # at most once per STALLED intervals
        st.rerun()


def _say_here():
    """Tell the board this student's tab is open, every SEEN_EVERY seconds (for the teacher's "12 of 20")."""
    now = time.monotonic()
    if now - st.session_state.get(SEEN_AT, -SEEN_EVERY) >= SEEN_EVERY:
        st.session_state[SEEN_AT] = now
        board_posts.writer().submit("seen", board_posts.visitor())
