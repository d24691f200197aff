"""The Training page's live curve: loss, accuracy and the size of each layer's gradient against the step,
redrawn by a fragment every redraw_interval() seconds while the run trains (4 times a second alone, less often
while the class trains), from what the workers have sent so far.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from dashboard import widgets
from dashboard.colours import BLUE, GREEN, LAYER_COLOURS, LINE_DASHES, ORANGE
from dashboard.plotly_charts import FONT_SIZE, SHARED_FIGURES
from nn_core.training import total_steps
from training_runs.runs import SHARED_NOTE, pace_changed
from views.training import save_load
from views.training.controls import hyperparams_from_widgets
from views.training.run_buttons import REDRAW_EVERY, current_run, finish, split_for, sync_model

MAX_CURVE_POINTS = 250  # a longer run is thinned for drawing (a light figure redraws faster)


def _thin(records):
    every = max(1, int(np.ceil(len(records) / MAX_CURVE_POINTS)))
    kept = records[::every]
    return kept if not records or kept[-1] is records[-1] else [*kept, records[-1]]


def _line(x, y, name, colour, dash="solid"):
    """A curve; without points yet, one empty point, which plotly still lists in the legend (a trace with no
    points it leaves out)."""
    return {"type": "scatter", "mode": "lines", "x": x or [None], "y": y or [None], "name": name,
            "line": {"color": colour, "width": 3, "dash": dash}}


def curves_figures(records, total, layers=None):
    """Three figures, each one panel against the step (0 .. total): the loss; train and dev accuracy; the size of
    each layer's gradient. Three figures, not one with three panels, so that a narrow screen stacks them.

    records : the StepRecords so far (none: the empty panels, their axes and legends, as before a run). layers :
    the names of the layers, ["W1", "W2"], for the panels before the first record. The x axes span the whole run,
    so the curves grow left to right. Visitors who follow one shared run have the same StepRecord objects: their
    figures are built once per step, and shared.
    """
    last = records[-1] if records else None
    key = (len(records), id(last), total, tuple(layers or ()))
    return SHARED_FIGURES.get(key, lambda: _curves_figures(records, total, layers), keep=last)


def _curves_figures(records, total, layers):
    shown = _thin(records)
    steps = [r.step for r in shown]
    evaluated = _thin([r for r in records if r.dev_accuracy is not None])
    trained = _thin([r for r in records if r.train_accuracy is not None])
    layers = sorted(records[0].update_size) if records else list(layers or [])
    panels = [
        ("Loss (lower is better)", [_line(steps, [r.loss for r in shown], "loss (cross-entropy)", BLUE)],
         {"rangemode": "tozero"}),
        ("Accuracy", [_line([r.step for r in trained], [r.train_accuracy for r in trained], "train accuracy", ORANGE),
                      _line([r.step for r in evaluated], [r.dev_accuracy for r in evaluated], "dev accuracy",
                            GREEN, "dash")],
         {"range": [0, 1], "tickformat": ".0%"}),
        ("Update size: RMS of each dW",
         [_line(steps, [r.update_size[name] for r in shown], f"d{name}", LAYER_COLOURS[i % 4], LINE_DASHES[i % 4])
          for i, name in enumerate(layers)],
         {"type": "log", "dtick": 1, "exponentformat": "power"} | ({} if records else {"range": [-4, 0]})),
    ]
    ticks = {"tickfont": {"size": 15}, "gridcolor": "#e5e5e5"}
    # Drawn several times a second while training runs: plotly's checks of every property would take most of
    # the time of a redraw, and these figures are the same few properties each time (checked by the tests).
    return tuple(go.Figure({"data": data, "layout": {
        "height": 330, "font": {"size": FONT_SIZE}, "margin": {"l": 60, "r": 20, "t": 72, "b": 10},
        "plot_bgcolor": "white", "showlegend": True,
        "title": {"text": f"<b>{title}</b>", "font": {"size": 17}, "x": 0.5, "xanchor": "center",
                  "y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 8}},
        # The legend between the title and the curves: on the screen whenever the title is.
        "legend": {"orientation": "h", "x": 0.5, "xanchor": "center", "y": 1.02, "yanchor": "bottom",
                   "font": {"size": FONT_SIZE}},
        "xaxis": {"range": [0, max(total, 1)], "title": {"text": "gradient step"}, **ticks},
        "yaxis": {**ticks, **y_axis}}}, _validate=False) for title, data, y_axis in panels)


def live_panel():
    """Progress and curves. While training runs this is a fragment that redraws every redraw_interval() seconds."""
    run = current_run()
    if run is None:
        st.info("No network trained yet on this page. Press **▶️ Train**, or **⏭️ Step** to go one step at a time.")
        hp = hyperparams_from_widgets()  # the empty panels of the run the controls would train
        try:
            total = total_steps(hp, split_for(hp).X_train.shape[1])
        except ValueError:  # data too small to split: the page says so below
            total = hp.iterations
        show_curves(curves_figures([], total, layer_names(hp)))
        return
    if run.worker is not None:  # started by Train: still training, or just ended
        run.seen()
        run.redraws += 1
        if not run.training:
            run.worker = None
            finish(run)
            st.rerun()  # redraw the whole page: buttons, results, and no more ticking
        if pace_changed(st.session_state.get(REDRAW_EVERY)):
            st.rerun()  # the page sets the live chart's pace again, as the class's runs start and end
        sync_model(run)
    done = 1.0 if run.loaded and not run.records else min(run.step / max(run.total, 1), 1.0)
    st.progress(done, text=progress_text(run))
    if run.shared:
        st.caption(SHARED_NOTE)
    if run.loaded and not run.records:
        st.caption("This file keeps no training log, so there are no curves to draw.")
        return
    show_curves(curves_figures(list(run.records), run.total, layer_names(run.hp)))  # a copy: the thread appends
    if run.worker is None and run.records:  # once training has stopped: the numbers behind the curves
        if box := widgets.numbers_box("The numbers behind the curves, one row per step", "training_numbers_curves"):
            with box:
                st.dataframe(save_load.log_table(run.records), hide_index=True, width="stretch", height=260)
                st.caption("update_size_W: the RMS of dW, each layer's curve in the right-hand chart.")


OUTCOMES = {"running": "⏳ training", "finished": "✅ finished", "went wrong": "⚠️ went wrong",
            "diverged": "💥 diverged", "paused": "⏸️ paused", "ready": "🆕 ready", "failed": "⚠️ failed",
            "loaded": "📂 loaded"}


def layer_names(hp):
    """The names of the layers of a network of hp, W1 to W_L: the update sizes' curves."""
    return [f"W{l}" for l in range(1, len(hp.hidden_sizes) + 2)]


def show_curves(figures):
    """The three panels side by side, on screen below the buttons; a narrow screen (a phone) stacks them, one per
    row (the CSS of the container tr_curves, widgets.READABLE_CSS). Drawn before the first run too: a fresh tab
    then loads plotly's code with the page, and the first curves after Train need not wait for it."""
    with st.container(key="tr_curves"):
        for column, figure, name in zip(st.columns(3), figures, ("loss", "accuracy", "update"), strict=True):
            with column:
                widgets.show(figure, key=f"tr_curves_{name}", height=290 if widgets.presenter() else None)


def progress_text(run):
    """Where the run is, in one line, in the same words as the history table and the class board. Once it has
    stopped, its dev accuracy is the score of its final weights (the same number as the card below); while it
    trains, the last one measured on the way."""
    text = f"{OUTCOMES[run.outcome]}" + (f" ({run.problem})" if run.outcome == "went wrong" else "")
    if run.loaded and not run.records:
        dev = run.scores.get("dev", (None, None))[1]
        return text + " · its steps are not in the file" + (f" · dev accuracy {dev:.1%}" if dev is not None else "")
    text += f" · step {run.step:,} of {run.total:,}"
    if run.records:
        dev = run.scores["dev"][1] if "dev" in run.scores and not run.training else next(
            (r.dev_accuracy for r in reversed(run.records) if r.dev_accuracy is not None), None)
        text += f" · loss {run.records[-1].loss:.3f}"
        text += f" · dev accuracy {dev:.1%}" if dev is not None else ""
    return text + f" · {run.seconds:.1f} s of training"
