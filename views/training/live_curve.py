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
from training_runs.runs import SHARED_NOTE, pace_changed
from views.training import save_load
from views.training.run_buttons import REDRAW_EVERY, current_run, finish, sync_model

MAX_CURVE_POINTS = 250  # a longer run is thinned for drawing (a light figure redraws faster)


def _thin(records):
    every = max(1, int(np.ceil(len(records) / MAX_CURVE_POINTS)))
    kept = records[::every]
    return kept if not records or kept[-1] is records[-1] else [*kept, records[-1]]


def _line(x, y, name, colour, axis, dash="solid"):
    legend = "legend" if axis == 1 else f"legend{axis}"  # one legend under each panel
    return {"type": "scatter", "mode": "lines", "x": x, "y": y, "name": name, "xaxis": f"x{axis}",
            "yaxis": f"y{axis}", "legend": legend, "line": {"color": colour, "width": 3, "dash": dash}}


def curves_figure(records, total):
    """Loss, train and dev accuracy, and the size of each layer's gradient, against the step (0 .. total).

    records : the StepRecords so far. The x axes span the whole run, so the curves grow left to right. Visitors who
    follow one shared run have the same StepRecord objects: their figure is built once per step, and shared.
    """
    last = records[-1] if records else None
    return SHARED_FIGURES.get((len(records), id(last), total), lambda: _curves_figure(records, total), keep=last)


def _curves_figure(records, total):
    shown = _thin(records)
    steps = [r.step for r in shown]
    evaluated = _thin([r for r in records if r.dev_accuracy is not None])
    trained = _thin([r for r in records if r.train_accuracy is not None])
    layers = sorted(records[0].update_size) if records else []
    data = [
        _line(steps, [r.loss for r in shown], "loss (cross-entropy)", BLUE, 1),
        _line([r.step for r in trained], [r.train_accuracy for r in trained], "train accuracy", ORANGE, 2),
        _line([r.step for r in evaluated], [r.dev_accuracy for r in evaluated], "dev accuracy", GREEN, 2, "dash"),
    ] + [_line(steps, [r.update_size[name] for r in shown], f"d{name}", LAYER_COLOURS[i % 4], 3,
                 LINE_DASHES[i % 4])
         for i, name in enumerate(layers)]
    axis = {"range": [0, max(total, 1)], "title": {"text": "gradient step"}, "gridcolor": "#e5e5e5"}
    titles = ("Loss (lower is better)", "Accuracy", "Update size: RMS of each dW")
    centres = (0.14, 0.5, 0.86)
    ticks = {"tickfont": {"size": 15}, "gridcolor": "#e5e5e5"}
    layout = {
        "height": 400, "font": {"size": FONT_SIZE}, "margin": {"l": 60, "r": 20, "t": 40, "b": 10},
        "plot_bgcolor": "white", "showlegend": True,
        "xaxis": {**axis, **ticks, "domain": [0, 0.28]}, "xaxis2": {**axis, **ticks, "domain": [0.36, 0.64]},
        "xaxis3": {**axis, **ticks, "domain": [0.72, 1]},
        "yaxis": {**ticks, "anchor": "x", "rangemode": "tozero"},
        "yaxis2": {**ticks, "anchor": "x2", "range": [0, 1], "tickformat": ".0%"},
        "yaxis3": {**ticks, "anchor": "x3", "type": "log", "dtick": 1, "exponentformat": "power"},
        "annotations": [{"text": f"<b>{t}</b>", "xref": "paper", "yref": "paper", "x": x, "y": 1.02,
                         "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 17}}
                        for t, x in zip(titles, centres, strict=True)],
    }
    for i, x in enumerate(centres, start=1):
        layout["legend" if i == 1 else f"legend{i}"] = {
            "orientation": "h", "x": x, "xanchor": "center", "y": -0.28, "font": {"size": FONT_SIZE}}
    # Drawn several times a second while training runs: plotly's checks of every property would take most of
    # the time of a redraw, and this figure is the same few properties each time (checked by the tests).
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def live_panel():
    """Progress and curves. While training runs this is a fragment that redraws every redraw_interval() seconds."""
    run = current_run()
    if run is None:
        st.info("No network trained yet on this page. Press **▶️ Train**, or **⏭️ Step** to go one step at a time.")
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
    figure = curves_figure(list(run.records), run.total)  # a copy: the thread appends
    widgets.show(figure, key="tr_curves", height=300 if widgets.presenter() else None)  # on screen below the buttons
    if run.worker is None and run.records:  # once training has stopped: the numbers behind the curves
        if box := widgets.numbers_box("The numbers behind the curves, one row per step", "training_numbers_curves"):
            with box:
                st.dataframe(save_load.log_table(run.records), hide_index=True, width="stretch", height=260)
                st.caption("update_size_W: the RMS of dW, each layer's curve in the right-hand chart.")


OUTCOMES = {"running": "⏳ training", "finished": "✅ finished", "went wrong": "⚠️ went wrong",
            "diverged": "💥 diverged", "paused": "⏸️ paused", "ready": "🆕 ready", "failed": "⚠️ failed",
            "loaded": "📂 loaded"}


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
