"""The Training page's live curves: loss, accuracy and the size of each layer's gradient against the step, three
pictures redrawn by a fragment every redraw_interval() seconds while the run trains (4 times a second alone, less
often while the class trains), from what the workers have sent so far. Pictures (SVG placed in the page), not
plotly charts: a fresh tab draws them at once, with no chart library to load first, before and after Train.
"""

import html
import math

import numpy as np
import streamlit as st

from dashboard import state, widgets
from dashboard.colours import BLUE, GREEN, LAYER_COLOURS, LINE_DASHES, ORANGE
from dashboard.pictures import TEXT, nice_step, text_width
from dashboard.plotly_charts import Remembered
from nn_core.training import total_steps
from training_runs.runs import SHARED_NOTE, pace_changed
from views.training import save_load
from views.training.controls import hyperparams_from_widgets
from views.training.run_buttons import REDRAW_EVERY, current_run, finish, split_for, sync_model

MAX_CURVE_POINTS = 250  # a longer run is thinned for drawing (a light picture redraws faster)
PANELS = ("loss", "accuracy", "update")
DASHES = {"solid": "", "dot": "2 5", "dash": "9 6", "dashdot": "9 5 2 5"}  # LINE_DASHES as SVG dash patterns
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_pictures = Remembered(size=48)  # the pictures of runs several visitors follow


def _thin(records):
    every = max(1, int(np.ceil(len(records) / MAX_CURVE_POINTS)))
    kept = records[::every]
    return kept if not records or kept[-1] is records[-1] else [*kept, records[-1]]


def curves_pictures(records, total, layers, width=400, height=330):
    """Three SVG pictures (text), each one panel against the step (0 .. total): the loss; train and dev accuracy;
    the size of each layer's gradient (log scale). Three pictures, so that a narrow screen stacks them.

    records : the StepRecords so far (none: the empty panels, their axes and legends, as before a run). layers :
    the names of the layers, ["W1", "W2"]. width, height : in the pictures' units. The x axes span the whole run,
    so the curves grow left to right. Visitors who follow one shared run have the same StepRecord objects: their
    pictures are built once per step, and shared.
    """
    last = records[-1] if records else None
    key = (len(records), id(last), total, tuple(layers), width, height)
    return _pictures.get(key, lambda: _curves_pictures(records, total, layers, width, height), keep=last)


def _curves_pictures(records, total, layers, width, height):
    shown = _thin(records)
    evaluated = _thin([r for r in records if r.dev_accuracy is not None])
    trained = _thin([r for r in records if r.train_accuracy is not None])
    loss = [("loss (cross-entropy)", BLUE, "solid", [(r.step, r.loss) for r in shown])]
    accuracy = [("train accuracy", ORANGE, "solid", [(r.step, r.train_accuracy) for r in trained]),
                ("dev accuracy", GREEN, "dash", [(r.step, r.dev_accuracy) for r in evaluated])]
    update = [(f"d{name}", LAYER_COLOURS[i % 4], LINE_DASHES[i % 4], [(r.step, r.update_size[name]) for r in shown])
              for i, name in enumerate(layers)]
    rows = max(len(_legend_rows(lines, width)) for lines in (loss, accuracy, update))  # the curves start level
    return (_panel("Loss (lower is better)", loss, total, "linear", width, height, rows),
            _panel("Accuracy", accuracy, total, "percent", width, height, rows),
            _panel("Update size: RMS of each dW", update, total, "log", width, height, rows))


def _legend_rows(lines, width):
    """The legend's entries (name, colour, dash, width) in rows that fit the picture's width."""
    rows = [[]]
    for name, colour, dash, _ in lines:
        entry = (name, colour, dash, 34 + text_width(name))
        if rows[-1] and sum(e[3] + 16 for e in rows[-1]) + entry[3] > width - 20:
            rows.append([])
        rows[-1].append(entry)
    return rows


def _y_scale(lines, scale):
    """The y axis of a panel: (to_axis(value) -> 0..1 or None, [(tick value, its label)])."""
    values = [y for *_, points in lines for _, y in points if y is not None and math.isfinite(y)]
    if scale == "percent":
        return (lambda v: v), [(k / 5, f"{20 * k}%") for k in range(6)]
    if scale == "log":
        positive = [v for v in values if v > 0]
        low = math.floor(math.log10(min(positive))) if positive else -4
        high = max(math.ceil(math.log10(max(positive))) if positive else 0, low + 1)
        every = math.ceil((high - low) / 5)  # at most about 5 labelled powers of ten
        ticks = [(10.0 ** k, "1" if k == 0 else "10" + str(k).translate(SUPERSCRIPT))
                 for k in range(low, high + 1, every)]
        return (lambda v: (math.log10(v) - low) / (high - low) if v > 0 else None), ticks
    high = max(values, default=0.0) * 1.1 or 1.0
    step = nice_step(high, 4)
    top = math.ceil(high / step) * step
    return (lambda v: v / top), [(k * step, f"{k * step:g}") for k in range(int(round(top / step)) + 1)]


def _panel(title, lines, total, scale, width, height, legend_rows=1):
    """One panel as an SVG picture: its title, a legend under it (two rows when one is too wide), the curves
    over gridlines, the y ticks and the step axis, below room for `legend_rows` rows of legend (the same in the
    three panels, so that they start level). lines : [(name, colour, dash, [(step, value)])]; a value that
    is not a finite number (a diverged run) leaves a gap. Each curve is a <path class="curve"> with data-name, its
    number of points (data-points) and its last step (data-last)."""
    to_axis, y_ticks = _y_scale(lines, scale)
    rows = _legend_rows(lines, width)
    parts = [f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text class="title" x="{width / 2:.0f}" y="22" text-anchor="middle" font-weight="bold" '
             f'font-size="17">{html.escape(title)}</text>']
    for r, row in enumerate(rows):  # the legend
        x = (width - sum(e[3] + 16 for e in row) + 16) / 2
        y = 48 + 22 * r
        for name, colour, dash, room in row:
            parts.append(f'<g class="legend"><line x1="{x:.0f}" y1="{y - 5}" x2="{x + 26:.0f}" y2="{y - 5}" '
                         f'stroke="{colour}" stroke-width="3" stroke-dasharray="{DASHES[dash]}"/>'
                         f'<text x="{x + 32:.0f}" y="{y}">{html.escape(name)}</text></g>')
            x += room + 16
    left = 12 + max(text_width(label) for _, label in y_ticks)
    top, bottom, right = 48 + 22 * max(len(rows), legend_rows), height - 54, width - 20
    plot_w, plot_h = right - left, bottom - top

    def px(step):
        return left + plot_w * step / max(total, 1)

    def py(fraction):
        return bottom - plot_h * fraction

    for value, label in y_ticks:
        y = py(to_axis(value))
        parts.append(f'<line x1="{left:.0f}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#e5e5e5"/>'
                     f'<text x="{left - 6:.0f}" y="{y + 5:.1f}" text-anchor="end">{label}</text>')
    step = nice_step(total, max(1, int(plot_w // (text_width(f"{total:,}") + 20))))
    for k in range(int(total // step) + 1):
        x = px(k * step)
        parts.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 5}" stroke="#444444"/>'
                     f'<text x="{x:.1f}" y="{bottom + 22}" text-anchor="middle">{k * step:g}</text>')
    parts.append(f'<line x1="{left:.0f}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#444444"/>'
                 f'<text x="{(left + right) / 2:.0f}" y="{height - 10}" text-anchor="middle">gradient step</text>')
    for name, colour, dash, points in lines:
        drawn = [(px(x), to_axis(y)) if y is not None and math.isfinite(y) else (px(x), None) for x, y in points]
        path = "".join(("L" if k and drawn[k - 1][1] is not None else "M") + f"{x:.1f} {py(min(max(f, 0), 1)):.1f}"
                       for k, (x, f) in enumerate(drawn) if f is not None)
        last = f"{name}: {points[-1][1]:.4g} at step {points[-1][0]}" if points else f"{name}: no step yet"
        parts.append(f'<path class="curve" data-name="{html.escape(name)}" data-points="{len(points)}" '
                     f'data-last="{points[-1][0] if points else -1}" d="{path}" fill="none" stroke="{colour}" '
                     f'stroke-width="3" stroke-linejoin="round" stroke-dasharray="{DASHES[dash]}">'
                     f'<title>{html.escape(last)}</title></path>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="{TEXT}" fill="#262730">'
            f'<title>{html.escape(title)} against the gradient step</title>{"".join(parts)}</svg>')


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
        show_curves([], total, layer_names(hp))
        return
    if run.worker is not None:  # started by Train: still training, or just ended
        run.seen()
        run.redraws += 1
        if not run.training or run.ended:  # ended: its thread may live a moment more, the page says "finished"
            run.worker = None
            finish(run)  # now, before the page says it: a visitor who reads "✅ finished" may leave at once
            st.rerun()  # redraw the whole page: buttons, results, and no more ticking
        if pace_changed(st.session_state.get(REDRAW_EVERY)):
            st.rerun()  # the page sets the live chart's pace again, as the class's runs start and end
        if not state.follows(run):  # the other pages show this run's network (after a visit to another one)
            sync_model(run)
    done = 1.0 if run.loaded and not run.records else min(run.step / max(run.total, 1), 1.0)
    st.progress(done, text=progress_text(run))
    if run.shared:
        st.caption(SHARED_NOTE)
    if run.loaded and not run.records:
        st.caption("This file keeps no training log, so there are no curves to draw.")
        return
    show_curves(list(run.records), run.total, layer_names(run.hp))  # a copy: the thread appends
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


def show_curves(records, total, layers):
    """The three panels side by side, on screen below the buttons, drawn before the first run too; a narrow screen
    (a phone) stacks them, one per row (the CSS of the container tr_curves, widgets.READABLE_CSS)."""
    width, height = widgets.in_units(390), widgets.in_units(380 if widgets.presenter() else 330)
    with st.container(key="tr_curves"):
        for column, svg, name in zip(st.columns(3), curves_pictures(records, total, layers, width, height), PANELS,
                                     strict=True):
            with column:
                widgets.svg_picture(svg, key=f"tr_curves_{name}")


def progress_text(run):
    """Where the run is, in one line, in the same words as the history table and the class board. Once it has
    stopped, its dev accuracy is the score of its final weights (the same number as the card below); while it
    trains, the last one measured on the way. A run still followed by the page (run.worker) is "training" even if
    it ended a moment ago: the page says how it ended only once it has finished it (finish: scored, posted)."""
    outcome = "running" if run.worker is not None else run.outcome
    text = f"{OUTCOMES[outcome]}" + (f" ({run.problem})" if outcome == "went wrong" else "")
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
