"""The Class page's challenges: a target the class trains towards, such as "dev ≥ 90% in at most 100 steps".

The teacher (a tab opened with the server's class key) posts one from a list of presets or with their own numbers,
and closes it when the time is up. The server checks every run posted to the board while it is open against it,
with the numbers the board recorded (board_store.challenges): a student's page cannot claim a result. Everyone sees
each open challenge with its leaderboard (each student's best run that meets it), read again every LIVE seconds so
the projector follows the class; closed challenges keep their final leaderboards, below.

Nicknames are shown as text only, in the leaderboards' cells (see board_view.py).
"""

import pandas as pd
import streamlit as st

import board_store
from board_store.challenges import MAX_TITLE, during
from dashboard import board_posts, messages, state, widgets
from nn_core.training import NOTEBOOK, evaluate
from training_runs import runs
from views.class_page import board_view, teacher

LIVE = 2.0  # seconds between two readings of the leaderboards
SAID = "challenge_said"  # session key: (kind, text) about the teacher's last post
CLOSE_SAID = "challenge_close_said"  # and about their last close (said inside the live part, where the button is)
PROJECTOR_ROWS = 6  # leaderboard rows a projector shows (the rest: one line saying how many)
OWN = "✏️ Your own numbers"
BEAT = "Beat softmax regression with the notebook's 784-10-10"
# The presets: a title, the targets, the ranking. Each also gets the data in use as a target (preset()).
PRESETS = {
    "dev ≥ 90% in at most 100 steps": ({"dev_at_least": 0.9, "steps_at_most": 100}, "dev"),
    "The fewest hidden units that reach dev 85%": ({"dev_at_least": 0.85}, "units"),
    "The best dev accuracy with α ≥ 1": ({"alpha_at_least": 1.0}, "dev"),
}
METHODS = {"any way of training": None, "full batch": "full-batch", "mini-batches": "mini-batch"}
EXPLANATION = """
A **challenge** is a target for the whole class: the teacher sets it, everyone trains, and every run posted to the
board while it is open is checked by the server against it, with the numbers the board recorded when the run
finished or was stopped (a stopped run counts with what it had). Each student's best run that meets it is on the
leaderboard; equal numbers share a rank. Runs on other data than the challenge's do not count: accuracies are
compared on the same digits.
"""


# ---------------------------------------------------------------------------------------------------------
# The teacher's side: a preset or their own numbers, checked before they are posted
# ---------------------------------------------------------------------------------------------------------


def data_in_use():
    """The data in use, as the board names it ("bundled sample", "full MNIST", "uploaded CSV")."""
    return board_store.data_label(state.digits().description)


@st.cache_resource(max_entries=4, show_spinner="Training softmax regression (784 → 10) with the notebook's "
                                               "settings, once for this data...")
def regression_score(description, dev_size, _split):
    """Softmax regression (no hidden layer: a 784-10 network) trained with the notebook's settings (full batch,
    α 0.1, 500 steps, seed 0) on the data in use, once per server and data: (dev digits right, dev digits)."""
    hp = NOTEBOOK.with_changes(hidden_sizes=(), dev_size=dev_size)
    params, _ = runs.train_quietly(hp, _split.X_train, _split.Y_train, _split.X_dev, _split.Y_dev)
    _, accuracy = evaluate(params, _split.X_dev, _split.Y_dev, hp.activation)
    m = _split.Y_dev.size
    return round(accuracy * m), m


def beat_regression():
    """The "beat softmax regression" preset, its target worked out on the data in use: one more dev digit right
    than softmax regression gets. Returns (challenge, what it was measured on), or raises ChallengeError."""
    try:
        split = state.data_split(state.dev_size() or NOTEBOOK.dev_size)
        right, m = regression_score(state.digits().description, split.Y_dev.size, split)
    except (ValueError, runs.TrainingError) as error:
        raise board_store.ChallengeError(f"Softmax regression could not be trained on this data: {error}") from error
    challenge = {"title": f"Beat softmax regression ({100 * right / m:.1f}% dev) with the notebook's 784-10-10",
                 "targets": {"dev_at_least": (right + 1) / m, "network": "784-10-10", "data": data_in_use()},
                 "ranked_by": "dev"}
    note = (f"Softmax regression (784 → 10, no hidden layer), trained here with the notebook's settings, gets "
            f"{right:,} of the {m:,} dev digits right ({100 * right / m:.1f}%): the target is one more. The students "
            f"train the notebook's 784-10-10 with a dev set of {m:,} digits (the Training page's “Dev-set size”).")
    return challenge, note


def own_numbers():
    """The teacher's own numbers, as widgets; an empty box is no target. Returns nothing: chosen() reads them."""
    row = st.columns(5)
    row[0].number_input("Dev accuracy at least (%)", value=None, step=1.0, format="%g", key="challenge_dev",
                        placeholder="no target",
                        help="A run meets it with this dev accuracy or more, in percent: 90 means 90%.")
    row[1].number_input("Steps at most", value=None, step=10, key="challenge_steps", placeholder="no target",
                        help="A run meets it with this many gradient steps or fewer (full-batch iterations, or "
                             "mini-batches).")
    row[2].number_input("Hidden units at most", value=None, step=1, key="challenge_units", placeholder="no target",
                        help="A run meets it with this many hidden units or fewer, all its hidden layers together.")
    row[3].number_input("α at least", value=None, step=0.1, format="%g", key="challenge_alpha_low",
                        placeholder="no target", help="A run meets it with a learning rate α of this value or more.")
    row[4].number_input("α at most", value=None, step=0.1, format="%g", key="challenge_alpha_high",
                        placeholder="no target", help="A run meets it with a learning rate α of this value or less.")
    left, middle, right = st.columns([1, 1, 2])
    left.selectbox("Way of training", list(METHODS), key="challenge_method",
                   help="Full batch (every step on all the training digits, as the notebook) or mini-batches.")
    middle.selectbox("Ranked by", list(board_store.RANKINGS), format_func=board_store.RANKINGS.get,
                     key="challenge_ranked", help="Which run of those that meet it comes first. Ties go to the "
                                                  "higher dev accuracy, then to the earlier run.")
    right.text_input("Title (optional)", max_chars=MAX_TITLE, key="challenge_title",
                     placeholder="the targets in words",
                     help="What the projector and the students' pages show; left empty, the targets in words.")


def chosen():
    """The challenge the teacher's widgets describe (read from st.session_state, so the Post button's callback
    reads exactly what is on the screen): (challenge, a note), checked by board_store.clean_challenge. Raises
    ChallengeError with the reason when it cannot be posted."""
    choice = st.session_state.get("challenge_choice", next(iter(PRESETS)))
    note = None
    if choice == BEAT:
        challenge, note = beat_regression()
    elif choice in PRESETS:
        targets, ranked_by = PRESETS[choice]
        challenge = {"title": choice, "targets": {**targets, "data": data_in_use()}, "ranked_by": ranked_by}
    else:
        values = {name: st.session_state.get(f"challenge_{key}") for name, key in (
            ("dev_at_least", "dev"), ("steps_at_most", "steps"), ("units_at_most", "units"),
            ("alpha_at_least", "alpha_low"), ("alpha_at_most", "alpha_high"))}
        if values["dev_at_least"] is not None:
            values["dev_at_least"] /= 100  # the box is in percent, the board keeps a fraction
        targets = {name: value for name, value in values.items() if value is not None}
        targets["method"] = METHODS.get(st.session_state.get("challenge_method"))
        targets["data"] = data_in_use()
        challenge = {"title": st.session_state.get("challenge_title"), "targets": targets,
                     "ranked_by": st.session_state.get("challenge_ranked", "dev")}
    return board_store.clean_challenge(challenge), note


def on_post():
    """Post the challenge on the screen, checked again first (a refused one is said, never written)."""
    try:
        challenge, _ = chosen()
    except board_store.ChallengeError as error:
        messages.keep(SAID, "warning", f"This challenge cannot be posted: {error}")
        return
    teacher.act("post_challenge", challenge, say_in=SAID,
                done=f"🏁 Posted: {challenge['title']}. Every run posted from now on is checked against it.")


def post_form(any_open):
    """The teacher's controls: choose a preset or type numbers, see the challenge in words, post it."""
    with st.expander("🏁 Post a challenge", expanded=not any_open and not widgets.presenter()):
        st.selectbox("Challenge", [*PRESETS, BEAT, OWN], key="challenge_choice",
                     help="The presets are set on the data in use. With your own numbers, leave a box empty for "
                          "no target. Several challenges can be open at once.")
        if st.session_state.get("challenge_choice") == OWN:
            own_numbers()
        try:
            challenge, note = chosen()
        except board_store.ChallengeError as error:
            challenge, note = None, None
            st.warning(f"This challenge cannot be posted: {error}")
        if challenge is not None:
            with st.container(border=True):
                st.caption("What the class will see:")
                st.markdown(f"**🏁 {challenge['title']}**")
                st.caption(board_store.describe(challenge["targets"], challenge["ranked_by"]))
            if note:
                st.caption(note)
        st.button("🏁 Post this challenge", key="challenge_post", type="primary", on_click=on_post,
                  disabled=challenge is None,
                  help="Opens it on every student's Training page and here. Runs posted from now on count; runs "
                       "trained before do not.")
        messages.show(SAID)


# ---------------------------------------------------------------------------------------------------------
# Everyone: the leaderboards
# ---------------------------------------------------------------------------------------------------------


def read_board():
    """(the current board's challenges, its runs), or None after saying why they cannot be read."""
    store = board_posts.store()
    try:
        return store.challenges(), store.runs()
    except board_store.BoardBusyError as error:
        st.info(f"⏳ {error}")
    except board_store.BoardError as error:
        st.error(f"⚠️ {error} The rest of the app works as usual.")
    return None


def leaderboard_frame(challenge, rows, compact):
    """A challenge's leaderboard as a table: rank, who, run, dev accuracy, steps, hidden units, α, method (on a
    projector: rank, who, run, dev accuracy, and what it is ranked by)."""
    table = pd.DataFrame([{
        "rank": row["rank"], "who": row["who"], "run": row["run"]["number"],
        "dev accuracy": board_view.as_percent_points(row["run"]["dev_accuracy"]), "steps": row["run"]["steps"],
        "hidden units": row["run"]["hidden_units"], "α": row["run"]["alpha"],
        "method": board_view.METHODS[row["run"]["method"]][0],
    } for row in board_store.leaderboard(challenge, rows)],
        columns=["rank", "who", "run", "dev accuracy", "steps", "hidden units", "α", "method"])
    if compact:
        ranked = {"units": ["hidden units"], "steps": ["steps"]}.get(challenge["challenge"]["ranked_by"], [])
        table = table[["rank", "who", "run", "dev accuracy", *ranked]]
    return table


def counts(challenge, rows):
    """"12 runs tried since it opened, 5 meet it"."""
    tried = during(challenge, rows)
    meet = sum(not board_store.misses(challenge["challenge"]["targets"], run) for run in tried)
    since = "while it was open" if challenge["closed"] is not None else "since it opened"
    return f"{len(tried):,} run{'s' * (len(tried) != 1)} tried {since}, {meet:,} meet{'s' * (meet == 1)} it"


def one_challenge(challenge, rows, compact=False):
    """A challenge's title, its targets in words, how many runs tried and met it, and its leaderboard."""
    with st.container(key=f"challenge_board_{challenge['id']}"):
        challenge_and_leaderboard(challenge, rows, compact)


def challenge_and_leaderboard(challenge, rows, compact):
    content = challenge["challenge"]
    st.subheader(f"🏁 {content['title']}", anchor=False)
    st.caption(f"{board_store.describe(content['targets'], content['ranked_by'])}. {counts(challenge, rows)}.")
    table = leaderboard_frame(challenge, rows, compact)
    if table.empty:
        if challenge["closed"] is None:
            st.info("No run meets it yet. Train on the 📉 Training page: a run that meets it lands here when it "
                    "finishes or when you stop it.")
        else:
            st.caption("No run met it.")
        return
    shown = table.head(PROJECTOR_ROWS) if compact else table
    scale = widgets.PRESENTER_SCALE if widgets.presenter() else 1  # a projector's rows are taller
    st.dataframe(shown, hide_index=True, width="stretch", column_config=board_view.COLUMNS,
                 height=round(min(38 + 35 * len(shown), 390) * scale))
    if len(shown) < len(table):
        st.caption(f"… and {len(table) - len(shown)} more students; the whole leaderboard is on a student's screen.")


def live_challenges():
    """The open challenges' leaderboards (side by side on a projector), the teacher's Close buttons, and the
    closed challenges folded below. Read again every LIVE seconds."""
    read = read_board()
    if read is None:
        return
    every, rows = read
    opened = [c for c in every if c["closed"] is None]
    closed = [c for c in every if c["closed"] is not None]
    messages.show(CLOSE_SAID)
    if not opened:
        st.info("No challenge is open." + (" Post one above." if teacher.teacher() else
                                           " When the teacher posts one, it shows here with its leaderboard."))
    compact = widgets.presenter()
    places = st.columns(min(len(opened), 3)) if compact and len(opened) > 1 else [st.container() for _ in opened]
    for k, challenge in enumerate(opened):
        with places[k % len(places)]:
            one_challenge(challenge, rows, compact)
            if teacher.teacher():
                st.button("🔒 Close this challenge", key=f"challenge_close_{challenge['id']}", on_click=teacher.act,
                          args=("close_challenge", challenge["id"]), kwargs={
                              "done": f"🔒 Closed: {challenge['challenge']['title']}. Its leaderboard stays below.",
                              "say_in": CLOSE_SAID},
                          help="No run counts any more from now on; the leaderboard as it is stays on the board.")
    if closed:
        with st.expander(f"🗄️ Closed challenges ({len(closed)}), with their final leaderboards"):
            for challenge in closed:
                one_challenge(challenge, rows)
                opened_at, closed_at = board_view.when(challenge["posted"]), board_view.when(challenge["closed"])
                st.caption(f"Open from {opened_at} to {closed_at}.")


def section():
    """The Class page's challenges: the teacher's controls (in their tab), then every challenge's leaderboard, live.
    On a projector, the leaderboards come first and the controls are folded below them."""
    if not widgets.presenter():
        st.header("🏁 Challenges", anchor=False)
        st.markdown(EXPLANATION)
    if teacher.teacher() and not widgets.presenter():
        post_form(any_open=any_open())
    elif not teacher.teacher():
        messages.show(SAID)  # a tab that lost the teacher's key as it pressed Post is told why nothing happened
    widgets.live_part(live_challenges, LIVE)
    if teacher.teacher() and widgets.presenter():
        post_form(any_open=True)


def any_open():
    """Whether a challenge is open now (False when the board cannot be read: the live part says why)."""
    try:
        return any(c["closed"] is None for c in board_posts.store().challenges())
    except board_store.BoardError:
        return False

