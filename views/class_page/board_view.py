"""The Class page's parts: the board's numbers, its two charts and their tables, the best runs, a run's link,
the visitor's nickname, and the teacher's controls (only with the server's class key).

Nicknames are shown as text only: in tables (whose cells are never read as Markdown) and through st.text, never
inside st.markdown, a caption or a chart's hover label (plotly reads some HTML there).
"""

import logging
import math
import time
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import board_store
from dashboard import board_posts, links, widgets
from dashboard.colours import BLUE, GREY, ORANGE, PURPLE, VERMILLION
from nn_core.training import NOTEBOOK
from training_runs import runs

log = logging.getLogger(__name__)

BEST = 10  # runs in the table of the best
# How each way of training is drawn: a colour (Okabe-Ito) and a marker shape, so that colour is never alone.
METHODS = {"full-batch": ("full batch", BLUE, "circle"), "mini-batch": ("mini-batches", ORANGE, "diamond")}
DIVERGED = ("diverged", VERMILLION, "x")
WENT_WRONG = ("went wrong", PURPLE, "triangle-down")
ALPHA_TICKS = (0.001, 0.01, 0.1, 1, 10)
UNIT_TICKS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
CURRENT = 0  # the board selector's value for "the current board", whichever it is
STATUS = {"finished": "✅ finished", "stopped": "⏹️ stopped", "diverged": "💥 diverged", "went wrong": "⚠️ went wrong"}


# ---------------------------------------------------------------------------------------------------------
# The visitor's nickname
# ---------------------------------------------------------------------------------------------------------


def on_nickname():
    cleaned = board_posts.set_nickname(st.session_state["board_nickname_input"])
    st.session_state["board_nickname_input"] = cleaned or ""  # the box shows what the board will show


def nickname_box():
    """A text box for the nickname, and how the board shows this visitor (as plain text)."""
    left, right = st.columns([2, 3])
    left.text_input(
        "Your nickname on the board", key="board_nickname_input", max_chars=board_store.MAX_NICKNAME,
        placeholder="student N", on_change=on_nickname,
        help=f"Up to {board_store.MAX_NICKNAME} characters, shown as plain text on the class's board. "
                  "Leave it empty to "
             "be “student N” (numbered in order of arrival). Never your full name: the board is on the projector.")
    with right:
        st.caption("On the board you appear as")
        try:
            member = board_posts.store().member(board_posts.visitor())
        except board_store.BoardError:
            member = None
        who = board_posts.nickname() or (member["who"] if member else None)
        st.text(who or "(nobody yet: you join the board with your first run)")


# ---------------------------------------------------------------------------------------------------------
# The board
# ---------------------------------------------------------------------------------------------------------


def read_runs(board_id, waiting=0):
    """The board's runs, or None after saying in one line why they cannot be read (and how many of this server's
    posts wait meanwhile: `waiting`)."""
    try:
        return board_posts.store().runs(board_id)
    except board_store.BoardBusyError as error:
        st.info(f"⏳ {error}")
    except board_store.BoardError as error:
        st.error(f"⚠️ {error} {kept(waiting) if waiting else ''}The rest of the app works as usual.")
    return None


def kept(waiting):
    """What happens to the posts that wait, in words: none is lost."""
    return (f"{waiting} post(s) from this server (runs, answers, digits) wait here, and are written as soon as the "
            "board can be written: none is lost. ")


def boards():
    """Every board, newest first ([] when there is none yet, or the board cannot be read)."""
    try:
        return board_posts.store().boards()
    except board_store.BoardError:
        return []


def chosen_board(all_boards):
    """The board to show: (its id, whether it is the current one). The selector (board_selector, at the bottom
    of the board) chose it on the previous run; "current" follows the newest board."""
    if len(all_boards) < 2:
        return (all_boards[0]["id"] if all_boards else None), True
    if st.session_state.get("board_which") not in {CURRENT} | {b["id"] for b in all_boards[1:]}:
        st.session_state["board_which"] = CURRENT
    chosen = st.session_state["board_which"]
    return (all_boards[0]["id"], True) if chosen == CURRENT else (chosen, False)


def board_selector(all_boards):
    """Which board to show, once there are archived ones."""
    if len(all_boards) < 2:
        return
    labels = {CURRENT: f"the current board, since {when(all_boards[0]['opened'])}"}
    labels |= {b["id"]: f"archived board {b['id']}: {when(b['opened'])} to {when(b['archived'])}"
               for b in all_boards[1:]}
    st.selectbox("Board shown", list(labels), format_func=labels.get, key="board_which",
                 help="The current board collects the runs trained now. Archived boards are earlier classes' runs, "
                      "kept when the teacher started a new board: read-only.")


def in_progress():
    """Runs training right now: in this server process, and in the others that share the board."""
    here = runs.runs_in_progress()
    try:
        return here + board_posts.store().training_elsewhere(board_posts.writer().process)
    except board_store.BoardError:
        return here


def numbers(rows, current):
    done = [r for r in rows if r["dev_accuracy"] is not None and r["status"] != "stopped"]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Runs", f"{len(rows):,}", help="Every run posted to this board, stopped ones included.")
    c2.metric("Students", f"{len({r['visitor'] for r in rows}):,}", help="Visitors with at least one run here.")
    if current:
        c3.metric("Training now", f"{in_progress():,}",
                  help="Runs training at this moment on the Training page, in every app process sharing this board.")
    best = max(done, key=lambda r: r["dev_accuracy"], default=None)
    c4.metric("Best on dev", f"{100 * best['dev_accuracy']:.1f}%" if best else "–",
              help="The highest dev-set accuracy of a run that trained to its end (a stopped run is not counted).")


def accuracy_chart(rows, x, title, notebook_x, ticks):
    """Dev accuracy (%) of each finished or diverged run against a setting (on a log axis), one marker shape per
    way of training; a dashed line marks the notebook's own value, named in the axis title (a label inside the
    chart would hide runs)."""
    data = []
    groups = [(name, colour, symbol, [r for r in rows if r["method"] == method and r["status"] == "finished"])
              for method, (name, colour, symbol) in METHODS.items()]
    groups.append((*WENT_WRONG, [r for r in rows if r["status"] == "went wrong"]))
    groups.append((*DIVERGED, [r for r in rows if r["status"] == "diverged"]))
    for name, colour, symbol, chosen in groups:
        chosen = [r for r in chosen if r["dev_accuracy"] is not None]
        if not chosen:
            continue
        data.append({"type": "scatter", "mode": "markers", "name": name, "x": [r[x] for r in chosen],
                     "y": [100 * r["dev_accuracy"] for r in chosen], "customdata": [r["number"] for r in chosen],
                     "marker": {"color": colour, "symbol": symbol, "size": 12, "opacity": 0.8,
                                "line": {"width": 1, "color": "#ffffff"}},
                     "hovertemplate": f"run %{{customdata}}<br>{title} %{{x}}<br>dev %{{y:.1f}}%<extra>{name}</extra>"})
    # The axes' ranges are set, not left to plotly: with one or two runs its own range hugs them, cuts their
    # markers at the edge and leaves the notebook's dashed line outside. Log axes take their range in powers of 10.
    values = [r[x] for r in rows if r["dev_accuracy"] is not None and r[x] > 0] + [notebook_x]
    low, high = math.log10(min(values)), math.log10(max(values))
    margin = max(0.3, 0.08 * (high - low))  # half a marker at least on each side
    layout = {
        "xaxis": {"title": {"text": f"{title} (dashed: the notebook's {notebook_x:g})"}, "type": "log",
                  "tickvals": ticks, "range": [low - margin, high + margin]},
        "yaxis": {"title": {"text": "dev accuracy (%)"}, "range": [-4, 104]},  # a marker at 0% or 100% whole
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "xanchor": "left", "yanchor": "bottom"},
        "showlegend": True, "height": 380, "margin": {"t": 40},
        "shapes": [{"type": "line", "x0": notebook_x, "x1": notebook_x, "y0": 0, "y1": 1, "yref": "paper",
                    "line": {"color": GREY, "dash": "dash", "width": 2}}],
    }
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def charts(rows):
    """What the class found: dev accuracy against the learning rate and against the hidden units."""
    left, right = st.columns(2)
    height = 300 if widgets.presenter() else None  # 390 px on a projector: most of both on the first screen
    with left:
        widgets.show(accuracy_chart(rows, "alpha", "learning rate α", NOTEBOOK.alpha, ALPHA_TICKS), key="board_alpha",
                     height=height)
    with right:
        widgets.show(accuracy_chart(rows, "hidden_units", "hidden units", sum(NOTEBOOK.hidden_sizes), UNIT_TICKS),
                     key="board_hidden", height=height)
    shown = sum(r["status"] != "stopped" and r["dev_accuracy"] is not None for r in rows)
    st.caption(f"Each marker is a run that trained to its end ({shown} of {len(rows)}): circles full batch, "
               "diamonds mini-batches, triangles the runs that went wrong (far below where they should end: the "
               "table says why), crosses the runs that diverged. Stopped runs are in the table only. The "
               "dashed lines mark the notebook's own settings. Both axes are logarithmic.")


def when(seconds):
    """A time as the board shows it: 14:05 today, else 3 Mar 14:05."""
    moment = time.localtime(seconds)
    today = time.localtime()
    return time.strftime("%H:%M" if moment[:3] == today[:3] else "%d %b %H:%M", moment)


def settings_text(hp):
    """The hyperparameters not in their own columns, in a few words."""
    how = f"{hp.iterations} iterations" if hp.method == "full-batch" else f"{hp.epochs} epochs of {hp.batch_size}"
    extra = [how, f"{hp.init} init", f"seed {hp.seed}", f"dev {hp.dev_size:,}"]
    if hp.momentum:
        extra.append(f"momentum {hp.momentum:g}")
    if hp.notebook_bugs:
        extra.append("notebook's bugs")
    return " · ".join(extra)


def frame(rows):
    """The board's runs as a table, newest first: who, when, the hyperparameters, the data and the results."""
    return pd.DataFrame([{
        "run": r["number"], "who": r["who"], "when": when(r["posted"]),
        "dev accuracy": as_percent_points(r["dev_accuracy"]), "train accuracy": as_percent_points(r["train_accuracy"]),
        "α": r["alpha"], "hidden units": r["hidden_units"], "method": METHODS[r["method"]][0],
        "steps": f"{r['steps']:,} of {r['total']:,}", "seconds": r["seconds"], "status": status_text(r),
        "network": "-".join(map(str, r["hyperparams"].layer_sizes)) + f" {r['hyperparams'].activation}",
        "other settings": settings_text(r["hyperparams"]), "data": r["data"], "page": r["page"],
    } for r in reversed(rows)])


def status_text(run):
    """How a run ended, in words, as the Training page says it: "⚠️ went wrong: 9 of 10 ReLU units dead"."""
    return STATUS[run["status"]] + (f": {run['problem']}" if run.get("problem") else "")


def as_percent_points(value):
    """A stored fraction (0.948) as a table's percent (94.8); None stays None."""
    return None if value is None else 100 * value


COLUMNS = {
    "run": st.column_config.NumberColumn("run", format="%d", width="small"),
    "α": st.column_config.NumberColumn("α", format="%g"),
    "train accuracy": st.column_config.NumberColumn("train accuracy", format="%.1f%%"),
    "dev accuracy": st.column_config.NumberColumn("dev accuracy", format="%.1f%%"),
    "seconds": st.column_config.NumberColumn("seconds", format="%.1f"),
}


PRESENTER_COLUMNS = ["run", "who", "dev accuracy", "α", "hidden units", "status"]  # what a projector has room for


def every_run(rows):
    table = frame(rows)
    st.dataframe(table[PRESENTER_COLUMNS] if widgets.presenter() else table, hide_index=True, width="stretch",
                 column_config=COLUMNS, key="board_table", height=min(38 + 35 * len(rows), 390))
    st.caption("Every run on this board, newest first: the numbers behind the charts. Sort by a column by "
               "clicking its name." + (" Presenter mode shows the main columns; the others are there without it."
                                       if widgets.presenter() else ""))


def best_runs(rows):
    done = sorted((r for r in rows if r["status"] == "finished" and r["dev_accuracy"] is not None),
                  key=lambda r: r["dev_accuracy"], reverse=True)[:BEST]
    if not done:
        st.caption("No run has trained to its end on this board yet.")
        return
    table = frame(list(reversed(done)))[["run", "who", "dev accuracy", "train accuracy", "α", "hidden units",
                                         "method", "steps", "seconds", "other settings"]]
    table.insert(0, "rank", range(1, len(table) + 1))
    if widgets.presenter():
        table = table[["rank", *PRESENTER_COLUMNS[1:-1], "method"]]
    st.dataframe(table, hide_index=True, width="stretch", column_config=COLUMNS, key="board_best")


def link_of(hp):
    """The Training page's address that reproduces a run: this server's address with every hyperparameter."""
    query = urlencode(links.address_of(hp))
    page = (links.browser_address() or "").split("?")[0]
    base = page.rsplit("/", 1)[0] if "://" in page else ""
    return f"{base}/training?{query}"


def run_link(rows):
    """Pick a run, get its link (the Training page with its hyperparameters)."""
    numbers_ = [r["number"] for r in reversed(rows)]
    by_number = {r["number"]: r for r in rows}

    def label(number):
        r = by_number[number]
        dev = f"{100 * r['dev_accuracy']:.1f}% dev" if r["dev_accuracy"] is not None else "no dev accuracy"
        return f"run {number}: α {r['alpha']:g}, {r['hidden_units']} hidden units, {METHODS[r['method']][0]}, {dev}"

    if st.session_state.get("board_link_run") not in by_number:
        st.session_state.pop("board_link_run", None)
    chosen = st.selectbox("A run to reproduce", numbers_, format_func=label, key="board_link_run",
                          help="Pick a run from the board: below is the Training page's address with its "
                               "hyperparameters. Opened and trained, it draws the same curves again.")
    link = link_of(by_number[chosen]["hyperparams"])
    st.code(link, language=None, wrap_lines=True)
    links.local_address_warning(link)
    if by_number[chosen]["page"] == "experiments":
        st.caption("This run was a seed of the Experiments page, whose seed also shuffles the dev set: the Training "
                   "page splits it its own way, so the result comes out close, not identical.")
    return chosen
