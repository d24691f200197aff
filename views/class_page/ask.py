"""The Class page's "Ask the room", in the teacher's tab only: choose a question (from the bank, or type one), ask
it, watch the answers come in, show them, let the class vote again after discussing, reveal, end.

The live part reads the board every LIVE seconds, so the projector's count follows the room. Each control is
checked again when it acts (board_posts.teacher()): a student's tab has none of them, and could not use them.
"""

import streamlit as st

import board_store
from dashboard import ask_room, board_posts, links, messages, state, widgets
from nn_core import training
from views.class_page import question_bank, teacher

LIVE = 1.0  # seconds between two readings of the answers in the teacher's tab
OWN = "own"  # the chooser's entry for the teacher's own question
SAID = "room_teacher_said"  # session key: (kind, text) about the teacher's last action


@st.cache_resource(max_entries=4, show_spinner="Working out the questions from the data and the notebook's network...")
def bank(description, dev_size, _split):
    """The bank for this data: the questions worked out from its digits and the notebook's network, once per
    server and data (every teacher's tab reads the same)."""
    model, _ = state.notebook_network(description, dev_size, _split)
    return question_bank.bank(_split, (model.params, model.hp))


def questions():
    """The bank for the data in use, or [] with a message when the data cannot give one."""
    try:
        split = state.data_split(state.dev_size() or training.NOTEBOOK.dev_size)
    except ValueError as error:
        st.warning(f"The questions worked out from the data need a training and a dev set: {error}")
        return []
    return bank(state.digits().description, split.X_dev.shape[1], split)


def act(method, *args, done):
    """A teacher's change of the current question; the page says it under the question (messages.show)."""
    teacher.act(method, *args, done=done, say_in=SAID)


def on_ask(chosen):
    """Ask the chosen question (from the bank, or the teacher's own, checked by the board's store first)."""
    try:
        question = board_store.clean_question(chosen)
    except board_store.QuestionError as error:
        messages.keep(SAID, "warning", f"This question cannot be asked: {error}")
        return
    act("ask", question, done="📣 Asked: every student's screen shows it within a couple of seconds.")


def own_question():
    """The teacher's own question: its text, 2 to 6 options (one per line), and which one is right."""
    text = st.text_input("Your question", max_chars=board_store.MAX_TEXT, key="room_own_text",
                         placeholder="Which layer has more weights: W1 or W2?",
                         help="Plain text: students see exactly what you type (no formatting).")
    fewest, most = board_store.OPTIONS  # what the board's store takes
    lines = st.text_area(f"Its options, one per line ({fewest} to {most})", key="room_own_options", height=140,
                         placeholder="W1\nW2\nThe same",
                         help="Each line is an option; the students answer with its letter (A, B, C, ...).")
    options = [line.strip() for line in lines.splitlines() if line.strip()]
    letters = [f"{ask_room.LETTERS[k]}: {option}" for k, option in enumerate(options[:most])]
    right = st.selectbox("The right answer", ["none (a question of opinion)", *letters], key="room_own_right",
                         help="Marked when you reveal. With none, the reveal shows what the room thinks.")
    right = None if right.startswith("none") else letters.index(right)
    return {"key": OWN, "text": text, "options": options, "right": right, "explanation": ""}


def chooser(bank_questions):
    """Pick the next question: from the bank (grouped by the page that shows its answer) or your own."""
    names = {}  # what the list shows -> the question
    for question in bank_questions:
        page = ask_room.PAGES.get(question.page, ("", question.page))[1]
        names[f"{page} · {question.text}" + (" (worked out live)" if question.computed else "")] = question
    names["✏️ Your own question"] = OWN
    choice = names[st.selectbox(
        "Question", list(names), key="room_choice",
        help="Each question of the bank says on which page the app shows its answer. The ones worked out live "
             "ask about the data and the notebook's network on this server.")]
    if choice == OWN:
        chosen = own_question()
    else:
        chosen = choice.as_dict()
        with st.container(border=True):
            st.caption("What the students will see (the right answer is marked here only):")
            ask_room.text(chosen["text"], size="1.05rem", bold=True)
            ask_room.options_list(chosen, revealed=True)
            ask_room.picture(chosen.get("picture"))
    st.button("📣 Ask the room", type="primary", key="room_ask", on_click=on_ask, args=(chosen,),
              help="Shows the question on every student's screen, on whatever page they are. A question asked "
                   "before ends (its answers stay on the board).")


def live_question():
    """The current question as the projector shows it, with the answers so far and the teacher's buttons."""
    store = board_posts.store()
    try:
        current = store.current_question()
        if current is None:
            return
        tally = store.tally(current["id"])
        present = store.present()
    except board_store.BoardError as error:
        st.warning(str(error))
        return
    question, round_, state_ = current["question"], current["round"], current["state"]
    answered = sum(tally.get(round_, []))
    revealed = state_ == "revealed"
    st.html('<div style="height:0.4rem"></div>')  # room below the top bar, whose height is the title's room
    left, right = st.columns([2, 1])
    with left:  # the question as the students see it
        ask_room.text("❓ " + question["text"], size="1.5rem", bold=True)
        options, picture = st.columns(2) if question.get("picture") else (st.container(), None)
        with options:
            ask_room.options_list(question, revealed=revealed)
        if picture is not None:  # beside the options: the bars below stay on the projector's first screen
            with picture:
                ask_room.picture(question["picture"], width=120)
    with right:  # and how many have answered
        label = f"Answered (round {round_})" + (" after the discussion" if round_ == 2 else "")
        st.metric(label, f"{answered} of {max(present, answered)}",
                  help="Students who answered this round, of those with the app open now (their tab said so in "
                       "the last 15 s). A student may change their answer while the question is open.")
        share = ask_room.right_share(tally, question.get("right")) if revealed else None
        if share:
            st.metric("Right", share.removeprefix("right: ").replace(" then ", " → "),
                      help="The share of right answers in each round: after a discussion it usually rises.")
    question_buttons(current)  # above the bars: the teacher reaches them without scrolling the bars away
    messages.show(SAID)
    if current["shown"] or revealed:  # both rounds side by side, under the question, as wide as the screen
        ask_room.rounds_picture(question, tally, revealed, width=1100 // max(len(tally), 1), height=220)
    if revealed:
        if question.get("explanation"):
            ask_room.text(question["explanation"])
        ask_room.link_to_answer(question)


def question_buttons(current):
    q, round_, state_, shown = current["id"], current["round"], current["state"], current["shown"]
    columns = st.columns(5)
    columns[0].button("🙈 Hide the answers" if shown else "📊 Show the answers", key="room_show",
                      on_click=act, args=("show_answers", q, not shown), disabled=state_ == "revealed",
                      kwargs={"done": "The answers are hidden." if shown else "The answers so far are shown."},
                      help="The distribution of the answers, on the projector and on every student's screen. An "
                           "undecided room should not see the majority first: show it when you choose.")
    columns[1].button("⏸️ Stop the answers", key="room_close", on_click=act, args=("close_answers", q),
                      kwargs={"done": "No more answers are taken."}, disabled=state_ != "open",
                      help="No more answers are taken; the ones given are kept. Nothing is revealed.")
    columns[2].button("🔁 Vote again after discussing", key="room_again", on_click=act, args=("vote_again", q),
                      kwargs={"done": "Round 2 is open: the students answer again."}, disabled=round_ != 1,
                      help="Peer instruction: each student convinces a neighbour, then everyone answers again. The "
                           "projector then shows both rounds side by side.")
    columns[3].button("✅ Reveal", key="room_reveal", on_click=act, args=("reveal", q), type="primary",
                      kwargs={"done": "Revealed: each student sees whether they were right."},
                      disabled=state_ == "revealed",
                      help="Stops the answers and shows the distribution, the right answer, the explanation and "
                           "where the app shows it.")
    if columns[4].button("⏹️ End", key="room_end",
                         help="Takes the question off the students' screens. Its answers stay in the board's file."):
        act("end_question", q, done="The question has left the students' screens; its answers stay on the board.")
        st.rerun()  # the whole page: its title and the chooser come back


def current_question():
    """The board's current question, or None (also when the board's file cannot be read: the page says why)."""
    try:
        return board_posts.store().current_question()
    except board_store.BoardError:
        return None


def teacher_section(current):
    """The teacher's "Ask the room", first on the page: the current question live, then the chooser. current :
    the board's current question as the page read it (current_question()), or None."""
    widgets.live_part(live_question, LIVE)
    if current is None:  # with a question, the live part says it, under the question's buttons
        messages.show(SAID)
    key = f"room_chooser_{current['id'] if current else 0}"  # a new question folds it (the projector shows that)
    with st.expander("📣 Ask the room a question", expanded=current is None, key=key):
        chooser(questions())
    address = links.browser_address()
    if address:
        with st.expander("📱 The app's address as a QR code, for phones"):
            root = address.split("?")[0].removesuffix("/").removesuffix("/class") + "/"  # this page is /class
            ask_room.qr_code(root, "The app's address", width=320)
