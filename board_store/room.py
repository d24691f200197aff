"""Asking the room: the teacher's questions, the students' answers, and who is present (no Streamlit here).

One question at a time is current on a board: the teacher asks it (it is "open": answers are taken), may show the
distribution of the answers so far, stop the answers ("closed"), open a second round after the class discussed it
("vote again": round 2, open again), reveal the right answer ("revealed"), and end it (it leaves the students'
screens; its answers stay in the file with the board). A student answers with one option; a second answer in the
same round replaces the first.

The store checks every answer in the transaction that writes it: an answer to a question that is no longer open,
or for an option that does not exist, is refused (AnswerRefusedError), whatever the page showed a moment before.
"""

import json
import time

from sqlalchemy import and_, func, select, update

from board_store.schema import answers, current_board, follows, members, presence, questions, upsert

MAX_TEXT = 200  # characters of a question
MAX_OPTION = 120  # characters of one option
OPTIONS = (2, 6)  # at least, at most
PRESENT = 15.0  # seconds: a student whose tab said nothing for this long is not counted as present
FOLLOW_FOR = 900.0  # seconds: how long the teacher's "go there" is offered (to a student who arrives late too)
STATES = ("open", "closed", "revealed", "ended")


class QuestionError(ValueError):
    """A question that cannot be asked (no text, too long, too few or too many options): the message says which."""


class AnswerRefusedError(ValueError):
    """An answer the store does not take: the question is not open any more, or the option does not exist."""


def plain(text, limit):
    """Text as a question shows it: printable characters only, runs of spaces made one, at most `limit`
    characters (longer is refused, not cut: the teacher should see what the students will read)."""
    kept = " ".join("".join(ch if ch.isprintable() else " " for ch in str(text)).split())
    if len(kept) > limit:
        raise QuestionError(f"“{kept[:40]}…” is {len(kept)} characters long; at most {limit} fit on a phone.")
    return kept


def clean_question(question):
    """A question as the board keeps it, checked: {"text", "options", "right", "explanation", ...}.

    right : the index of the right option, or None (a question of opinion: the reveal shows the answers only).
    The other keys of a question from the bank (key, page, place, picture, computed) are kept as they are."""
    text = plain(question.get("text", ""), MAX_TEXT)
    if not text:
        raise QuestionError("The question has no text.")
    options = [plain(option, MAX_OPTION) for option in question.get("options", [])]
    options = [option for option in options if option]
    if not OPTIONS[0] <= len(options) <= OPTIONS[1]:
        raise QuestionError(f"A question has {OPTIONS[0]} to {OPTIONS[1]} options; this one has {len(options)}.")
    if len(set(options)) < len(options):
        raise QuestionError("Two options are the same: the answers could not tell them apart.")
    right = question.get("right")
    if right is not None and not (_whole(right) and 0 <= right < len(options)):
        raise QuestionError(f"The right answer must be one of the {len(options)} options.")
    return {**question, "text": text, "options": options, "right": right,
            "explanation": plain(question.get("explanation") or "", 2000)}


class Room:
    """The questions' part of a Board (board_store.store.Board inherits it): every method is one transaction."""

    # --- writing (the teacher's tab, through the Writer) ------------------------------------------------

    def ask(self, question, now=None):
        """Make `question` the board's current one, open for answers (round 1); the one before it ends."""
        question = clean_question(question)
        now = time.time() if now is None else now
        with self._writing() as connection:
            board = connection.execute(current_board()).scalar()
            connection.execute(update(questions).where(questions.c.board == board, questions.c.state != "ended")
                               .values(state="ended", ended=now))
            connection.execute(questions.insert().values(board=board, asked=now, question=json.dumps(question),
                                                         options=len(question["options"]), round=1, state="open",
                                                         shown=0))

    def show_answers(self, question_id, shown=True):
        """Show (or hide again) the distribution of the answers on the students' screens and the projector."""
        self._set(question_id, shown=int(bool(shown)))

    def close_answers(self, question_id):
        """Stop taking answers (the ones given are kept), without revealing the right one."""
        self._set(question_id, state="closed", state_was=("open",))

    def reveal(self, question_id):
        """Stop taking answers and show the distribution, the right answer and the explanation."""
        self._set(question_id, state="revealed", shown=1, state_was=("open", "closed", "revealed"))

    def vote_again(self, question_id):
        """A second round of the same question, after the class discussed it: open again, distribution hidden."""
        self._set(question_id, round=2, state="open", shown=0, state_was=("open", "closed", "revealed"), round_was=1)

    def end_question(self, question_id, now=None):
        """Take the question off the students' screens (its answers stay in the file)."""
        self._set(question_id, state="ended", ended=time.time() if now is None else now,
                  state_was=("open", "closed", "revealed"))

    def _set(self, question_id, state_was=None, round_was=None, **values):
        """Change a question's columns (values), only while it is in one of the states state_was (and round)."""
        change = update(questions).where(questions.c.id == question_id).values(**values)
        if state_was:
            change = change.where(questions.c.state.in_(state_was))
        if round_was is not None:
            change = change.where(questions.c.round == round_was)
        with self._writing() as connection:
            connection.execute(change)

    # --- writing (a student's tab, through the Writer) ---------------------------------------------------

    def answer(self, visitor, nickname, question_id, round_, option, now=None):
        """A student's answer to the current round; their earlier answer in this round is replaced.
        Raises AnswerRefusedError when the question is not open in that round or the option does not exist."""
        now = time.time() if now is None else now
        with self._writing() as connection:
            row = connection.execute(select(questions.c.board, questions.c.options, questions.c.round,
                                            questions.c.state).where(questions.c.id == question_id)).mappings().first()
            if row is None or row["board"] != connection.execute(current_board()).scalar():
                raise AnswerRefusedError(f"question {question_id} is not on the current board")
            if row["state"] != "open" or row["round"] != round_:
                raise AnswerRefusedError(f"question {question_id} round {round_} takes no answers now ({row['state']}, "
                                    f"round {row['round']})")
            if not (_whole(option) and 0 <= option < row["options"]):
                raise AnswerRefusedError(f"question {question_id} has no option {option!r} (it has {row['options']})")
            self._join(connection, row["board"], visitor, nickname)
            statement = upsert(connection, answers).values(question=question_id, round=round_, visitor=visitor,
                                                                 option=option, answered=now)
            connection.execute(statement.on_conflict_do_update(
                index_elements=["question", "round", "visitor"],
                set_={"option": statement.excluded.option, "answered": statement.excluded.answered}))

    def send_class(self, page, query, label, now=None):
        """The teacher sends the class to a page with settings: each student is offered to go there."""
        with self._writing() as connection:
            connection.execute(follows.insert().values(board=current_board().scalar_subquery(),
                                                       sent=time.time() if now is None else now, page=page,
                                                       query=query, label=label))

    def seen(self, visitor, now=None):
        """A student's tab is open (it says so every few seconds while the server has a teacher's key)."""
        with self._writing(runs_changed=False) as connection:
            statement = upsert(connection, presence).values(
                board=connection.execute(current_board()).scalar(), visitor=visitor,
                seen=time.time() if now is None else now)
            connection.execute(statement.on_conflict_do_update(index_elements=["board", "visitor"],
                                                               set_={"seen": statement.excluded.seen}))

    # --- reading -----------------------------------------------------------------------------------------

    def current_question(self):
        """The board's current question, or None: {"id", "question" (dict), "round", "state", "shown", "asked"}."""
        if not self.exists():
            return None
        with self._reading() as connection:
            row = connection.execute(
                select(*SHOWN).where(questions.c.board == current_board().scalar_subquery(),
                                     questions.c.state != "ended").order_by(questions.c.id.desc()).limit(1)
            ).mappings().first()
        return None if row is None else _as_question(row)

    def latest_follow(self, now=None, window=FOLLOW_FOR):
        """The page the teacher last sent the class to, in the last `window` seconds: {"id", "page", "query",
        "label", "sent"}, or None."""
        if not self.exists():
            return None
        now = time.time() if now is None else now
        with self._reading() as connection:
            row = connection.execute(
                select(follows.c.id, follows.c.page, follows.c.query, follows.c.label, follows.c.sent)
                .where(follows.c.board == current_board().scalar_subquery(), follows.c.sent > now - window)
                .order_by(follows.c.id.desc()).limit(1)).mappings().first()
        return None if row is None else dict(row)

    def tally(self, question_id):
        """How the room answered: {round: [count of option 0, count of option 1, ...]} for each round with answers
        (a student counts once per round, with their last answer)."""
        with self._reading() as connection:
            options = connection.execute(select(questions.c.options).where(questions.c.id == question_id)).scalar()
            counts = {}
            for row in connection.execute(
                    select(answers.c.round, answers.c.option, func.count().label("n")).where(
                        answers.c.question == question_id).group_by(answers.c.round, answers.c.option)).mappings():
                counts.setdefault(row["round"], [0] * options)[row["option"]] = row["n"]
        return counts

    def my_answers(self, question_id, visitor):
        """A student's answers to a question: {round: option}."""
        with self._reading() as connection:
            return {row.round: row.option for row in connection.execute(
                select(answers.c.round, answers.c.option).where(answers.c.question == question_id,
                                                                answers.c.visitor == visitor))}

    def present(self, now=None, window=PRESENT):
        """How many students have an app tab open on the current board (seen in the last `window` seconds)."""
        if not self.exists():
            return 0
        now = time.time() if now is None else now
        with self._reading() as connection:
            return connection.execute(select(func.count()).select_from(presence).where(
                presence.c.board == current_board().scalar_subquery(), presence.c.seen > now - window)).scalar()

    def answers(self, board=None):
        """Every answer given on a board, for the teacher's download: one dict per student and round, in the order
        the questions were asked: {"question" (id), "round", "option", "answered", "number", "nickname"}."""
        if not self.exists():
            return []
        with self._reading() as connection:
            joined = answers.join(questions, questions.c.id == answers.c.question).outerjoin(
                members, and_(members.c.board == questions.c.board, members.c.visitor == answers.c.visitor))
            return [dict(row) for row in connection.execute(
                select(answers.c.question, answers.c.round, answers.c.option, answers.c.answered, members.c.number,
                       members.c.nickname).select_from(joined)
                .where(questions.c.board == (board or current_board().scalar_subquery()))
                .order_by(answers.c.question, answers.c.round, members.c.number)).mappings()]

    def questions(self, board=None):
        """Every question asked on a board, oldest first, each with its tally: for the teacher's download."""
        if not self.exists():
            return []
        with self._reading() as connection:
            rows = connection.execute(select(*SHOWN).where(
                questions.c.board == (board or current_board().scalar_subquery())).order_by(questions.c.id)
            ).mappings().all()
        return [{**_as_question(row), "tally": self.tally(row["id"])} for row in rows]


def _whole(value):
    """An int, and not True or False (which Python counts as 1 and 0)."""
    return isinstance(value, int) and not isinstance(value, bool)


SHOWN = (questions.c.id, questions.c.question, questions.c.round, questions.c.state, questions.c.shown,
         questions.c.asked)  # a question's columns as the pages read them


def _as_question(row):
    return {**dict(row), "question": json.loads(row["question"])}
