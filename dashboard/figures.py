"""Every figure and table the pages share, built from numbers and returned, never drawn (no Streamlit here).

Colours are safe for colour-blind viewers: a diverging red-blue scale centred on 0 for weights and gradients,
greys for digits, and the Okabe-Ito palette for curves.
"""

import copy
import hashlib
import math
import threading
from collections import OrderedDict

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa

BLUE, ORANGE, GREEN, VERMILLION, PURPLE = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7"  # Okabe-Ito
RDBU_BLUE, RDBU_RED, GREY, LIGHT = "#2166ac", "#b2182b", "#8c8c8c", "#c6dbef"  # the ends of RdBu, and neutrals


def symmetric(values):
    """The largest |value| (ignoring NaN), so that a diverging scale puts 0 exactly in its white middle."""
    finite = np.abs(np.asarray(values, dtype=np.float64))
    finite = finite[np.isfinite(finite)]
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def image_of(column):
    """A (784,) or (784, 1) column -> a (28, 28) image, row by row as MNIST stores it."""
    return np.asarray(column).reshape(28, 28)



def restyled(fig, layout=None, axes=None, xaxes=None, yaxes=None, traces=None):
    """The figure with settings merged in: `layout` into its layout, `axes` into every x and y axis (`xaxes`,
    `yaxes`: only x, only y), and `traces` ({"heatmap": {...}}) into every trace of that type. Nested dicts, as
    in go.Figure(layout=...).

    The same result as fig.update_layout, update_xaxes, update_yaxes and update_traces, done on the figure's
    plain JSON: plotly's update methods check every property on the way, about 10 ms a chart, which thirty
    students opening a page of 16 charts at once turn into seconds of waiting.
    """
    spec = fig.to_dict()
    spec_layout = spec.setdefault("layout", {})
    _merge(spec_layout, layout or {})
    for kind, changes in (("xaxis", xaxes), ("yaxis", yaxes), ("xaxis", axes), ("yaxis", axes)):
        if changes:
            for name in {name for name in spec_layout if name.startswith(kind)} | {kind}:
                spec_layout[name] = _merge(spec_layout.get(name) or {}, changes)
    for trace in spec.get("data", []):
        _merge(trace, (traces or {}).get(trace.get("type"), {}))
    return go.Figure(spec, _validate=False)


def _merge(target, changes):
    """Deep-merge the dict `changes` into the dict `target` (a copy of every value, no shared sub-dicts)."""
    for key, value in changes.items():
        if value is None:  # as in plotly's update methods: None leaves the setting as it is
            continue
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def unit_images(rows, titles, what, per_line=5, font=None, hover="row %{y}, col %{x}"):
    """Rows of 784 numbers as 28 x 28 images, `per_line` to a line, on one diverging scale centred on 0.

    Each image gets its own pair of axes placed by hand (a `domain` on the page), which plotly builds in one go:
    several times faster than make_subplots for the same picture (about 40 ms for ten images).
    """
    font = font or dict(size=16, color="#222222")
    limit = float(np.max(np.abs(rows))) or 1.0
    lines = int(np.ceil(len(rows) / per_line))
    gap_x, gap_y = 0.03, 0.25 / lines
    width, height = (1 - (per_line - 1) * gap_x) / per_line, (1 - (lines - 1) * gap_y) / lines  # page fractions
    hidden = dict(showticklabels=False, showgrid=False, zeroline=False, showline=False, ticks="")
    layout = dict(coloraxis=dict(colorscale="RdBu", cmid=0, cmin=-limit, cmax=limit,
                                 colorbar=dict(title=dict(text=what, font=font),
                                              tickfont=dict(size=15, color=font.get("color")))),
                  annotations=[], margin=dict(t=60))
    traces = []
    for i, (row, title) in enumerate(zip(rows, titles, strict=True)):
        line, place = divmod(i, per_line)
        left, top = place * (width + gap_x), 1 - line * (height + gap_y)
        n = "" if i == 0 else str(i + 1)  # plotly names the axes x, x2, x3, ...
        traces.append(go.Heatmap(z=image_of(row), coloraxis="coloraxis", xaxis="x" + n, yaxis="y" + n,
                                 hovertemplate=f"{hover}<br>{what} %{{z:.3f}}<extra></extra>"))
        layout["xaxis" + n] = dict(domain=[left, min(left + width, 1)], constrain="domain", **hidden)
        layout["yaxis" + n] = dict(domain=[max(top - height, 0), top], autorange="reversed", scaleanchor="x" + n,
                                   **hidden)
        layout["annotations"].append(dict(text=title, x=left + width / 2, y=top, xref="paper", yref="paper",
                                          xanchor="center", yanchor="bottom", showarrow=False, font=font))
    return go.Figure(data=traces, layout=layout)


def wide_table(values, columns, row_names=None, row_title=""):
    """A matrix with many columns (784 pixels, say) as a table for st.dataframe, built directly in Arrow, the
    format st.dataframe sends to the browser. From a pandas DataFrame it is converted column by column: 75 ms
    for 785 columns, against 6 ms this way.

    values : (rows, len(columns)). row_names : labels for the rows, shown as a first column titled row_title.
    """
    values = np.atleast_2d(values)
    table = {row_title: [str(name) for name in row_names]} if row_names is not None else {}
    table.update({str(name): values[:, j] for j, name in enumerate(columns)})
    return pa.table(table)

# ---------------------------------------------------------------------------------------------------------
# One digit through the network: pictures, matrices, columns, probabilities
# ---------------------------------------------------------------------------------------------------------

def digit_image(column, title=""):
    """A (784, 1) column drawn as the 28 x 28 image, white ink on black as MNIST stores it."""
    return go.Figure(go.Heatmap(z=image_of(column), colorscale="Greys", reversescale=True, zmin=0, zmax=1,
                                colorbar=dict(title="x"),
                                hovertemplate="row %{y}, col %{x}<br>x = %{z:.2f}<extra></extra>"),
                     layout=picture_layout(title))


def weight_image(row, title="", what="weight"):
    """784 numbers (a row of W1, or its terms w * x) as a 28 x 28 image on a diverging scale centred on 0."""
    limit = symmetric(row)
    return go.Figure(go.Heatmap(z=image_of(row), colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit,
                                colorbar=dict(title=what),
                                hovertemplate="row %{y}, col %{x}<br>" + what + " = %{z:.3f}<extra></extra>"),
                     layout=picture_layout(title))


def picture_layout(title):
    """Square pixels, row 0 at the top, no tick labels: a picture, not a plot."""
    hidden = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="", constrain="domain")
    return dict(title=dict(text=title, font=dict(size=17)), xaxis=hidden,
                yaxis=dict(hidden, autorange="reversed", scaleanchor="x"))


def pixel_strip(X):
    """The 784 numbers of X (784, 1) as one tall thin column, pixel 0 at the top."""
    return go.Figure(go.Heatmap(z=X, colorscale="Greys", reversescale=True, zmin=0, zmax=1, showscale=False,
                                hovertemplate="x<sub>%{y}</sub> = %{z:.2f}<extra></extra>"),
                     layout=dict(xaxis=dict(showticklabels=False),
                                 yaxis=dict(autorange="reversed", title="pixel index i",
                                            tickvals=[0, 140, 280, 420, 560, 700, 783])))


def column_bars(values, unit_title, off=None):
    """A column vector (n, 1) as horizontal bars, unit 0 at the top like the column in the math.

    off : indices of units an activation switched off; they get a grey ✕ at 0.
    """
    v = np.ravel(values).astype(float)
    n = v.size
    few = n <= 16
    bars = [go.Bar(x=v, y=np.arange(n), orientation="h", marker_color=np.where(v >= 0, RDBU_BLUE, RDBU_RED),
                   text=[f"{x:.2f}" if off is None or u not in off else "" for u, x in enumerate(v)] if few else None,
                   textposition="outside", cliponaxis=False,
                   hovertemplate=unit_title + " %{y}: %{x:.4f}<extra></extra>")]
    if off is not None and len(off):
        bars.append(go.Scatter(x=np.zeros(len(off)), y=off, mode="markers+text" if few else "markers",
                               marker=dict(symbol="x", size=14 if few else 8, color=GREY), text=["off"] * len(off),
                               textposition="middle right", textfont=dict(color="#555555"),
                               hovertemplate=unit_title + " %{y}: switched off<extra></extra>"))
    low, high = min(v.min(), 0), max(v.max(), 0)
    pad = 0.5 * (high - low or 1)  # room for the numbers beside the bars
    return go.Figure(bars, layout=dict(
        showlegend=False,
        xaxis=dict(range=[low - (pad if low < 0 else 0.05 * pad), high + pad], zeroline=True, zerolinecolor="#444444"),
        yaxis=dict(title=unit_title, range=[n - 0.5, -0.5], dtick=1 if few else None)))  # unit 0 at the top


def matrix_heatmap(M, x_title, y_title, what="weight", title=""):
    """A matrix as a heatmap, row 0 at the top as printed, on RdBu centred on 0 (blue positive, red negative)."""
    M = np.atleast_2d(np.asarray(M, dtype=np.float64))
    limit = symmetric(M)
    return go.Figure(go.Heatmap(
        z=M, colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit, colorbar=dict(title=what),
        hovertemplate=f"{y_title} %{{y}}, {x_title} %{{x}}<br>{what} = %{{z:.4g}}<extra></extra>"),
        layout=dict(title=dict(text=f"<b>{title}</b>" if title else ""),
                    xaxis=dict(title=x_title, showticklabels=M.shape[1] > 1, dtick=1 if 1 < M.shape[1] <= 16 else None),
                    yaxis=dict(title=y_title, autorange="reversed", dtick=1 if M.shape[0] <= 16 else None)))


def probability_bars(A, predicted, label=None):
    """The ten probabilities A (10, 1) as bars over the digits 0..9: the answer stands out (orange, ★), the
    label, when known, is marked ✓, so neither depends on colour alone."""
    p = np.ravel(A)
    colours = [ORANGE if k == predicted else RDBU_BLUE for k in range(10)]
    names = [f"{k}" + (" ★" if k == predicted else "") + (" ✓ label" if k == label else "") for k in range(10)]
    return go.Figure(go.Bar(x=names, y=p, marker_color=colours, text=[f"{x:.1%}" for x in p], textposition="outside",
                            textfont_size=15, constraintext="none", cliponaxis=False,
                            hovertemplate="digit %{x}: %{y:.2%}<extra></extra>"),
                     layout=dict(xaxis=dict(title="digit k (★ the network's answer)", type="category"),
                                 yaxis=dict(title="probability", range=[0, 1.15], tickformat=".0%")))


# ---------------------------------------------------------------------------------------------------------
# A drawn digit: its preprocessing, the terms of a score, one learning step
# ---------------------------------------------------------------------------------------------------------


def before_after_bars(A_before, A_after, y):
    """A (10, 1) before and after one learning step, side by side, with the true digit marked."""
    fig = go.Figure()
    fig.add_bar(x=np.arange(10), y=A_before[:, 0], name="before the step", marker_color=LIGHT,
                hovertemplate="digit %{x}: %{y:.2%}<extra>before</extra>")
    fig.add_bar(x=np.arange(10), y=A_after[:, 0], name="after the step", marker_color=RDBU_BLUE,
                text=[f"{v:.0%}" if v >= 0.005 else "" for v in A_after[:, 0]], textposition="outside",
                constraintext="none", cliponaxis=False,
                hovertemplate="digit %{x}: %{y:.2%}<extra>after</extra>")
    fig.update_layout(barmode="group", showlegend=True, legend=dict(orientation="h", y=1.15, x=0, font=dict(size=16)))
    fig.update_xaxes(title=f"digit (the true one, {y}, is the one the step pushes up)", dtick=1)
    fig.update_yaxes(title="probability", range=[0, 1.15], tickformat=".0%")
    return fig


def waterfall(units, terms, off, rest, bias, Z, k, L):
    """The score Z_L[k] built up term by term: W_L[k, j] * A_(L-1)[j] for each unit j, the rest, and b_L[k].

    off : for each unit, True when it did not fire (A = 0), so its term is exactly 0.
    """
    labels = [f"unit {j}" for j in units] + (["all other units"] if rest is not None else [])
    values = list(terms) + ([rest] if rest is not None else [])
    text = ["off" if o else f"{v:+.2f}" for v, o in zip(values, list(off) + [False], strict=False)]
    labels += [f"bias b{L}[{k}]", f"= Z{L}[{k}]"]
    values += [bias, 0.0]
    text += [f"{bias:+.2f}", f"{Z:.2f}"]
    fig = go.Figure(go.Waterfall(
        x=labels, y=values, measure=["relative"] * (len(values) - 1) + ["total"],
        text=text, textposition="outside", cliponaxis=False,
        increasing=dict(marker=dict(color=RDBU_BLUE)), decreasing=dict(marker=dict(color=RDBU_RED)),
        totals=dict(marker=dict(color=GREY)), connector=dict(line=dict(color="#bbbbbb")),
        hovertemplate="%{x}: %{y:+.3f}<extra></extra>"))
    fig.update_yaxes(title=f"adds to the score of {k}", zeroline=True, zerolinecolor="#444444")
    fig.update_xaxes(tickangle=-35)
    return fig


def grid_height(n):
    """Screen pixels for n small images, five to a line."""
    return 60 + 230 * int(np.ceil(n / 5))


def pixelated(image, side=168):
    """A 2-D image in [0, 1] -> a (side, side, 3) uint8 picture: resized so its longer side is `side`, centred.

    Nearest neighbour keeps each of the 28 x 28 pixels a crisp square, instead of the blur a browser adds.
    A narrow image sits on a pale blue square (no grey level, so it cannot be mistaken for ink or background):
    every step shows at the same size, and its true shape.
    """
    h, w = image.shape
    scale = side / max(h, w)
    rows = np.minimum((np.arange(max(1, round(h * scale))) / scale).astype(int), h - 1)
    cols = np.minimum((np.arange(max(1, round(w * scale))) / scale).astype(int), w - 1)
    picture = np.empty((side, side, 3), dtype=np.uint8)
    picture[...] = (198, 219, 239)  # pale blue: outside the image
    top, left = (side - rows.size) // 2, (side - cols.size) // 2
    grey = np.round(np.clip(image[np.ix_(rows, cols)], 0, 1) * 255)
    picture[top:top + rows.size, left:left + cols.size] = grey[..., None]
    return picture


def size(array):
    """An array's shape the way the pages write it: "28 x 28"."""
    return " x ".join(str(n) for n in array.shape)


# ---------------------------------------------------------------------------------------------------------
# Training: live curves, matrices as heatmaps, W1 rows as images, confusion matrices, mistakes
# ---------------------------------------------------------------------------------------------------------

FONT_SIZE = 16  # readable from the back of a classroom
LAYER_COLOURS = (BLUE, VERMILLION, GREEN, PURPLE)
LAYER_DASHES = ("solid", "dot", "dash", "dashdot")  # the layers' curves differ in pattern too, not only colour
MAX_CURVE_POINTS = 250  # a longer run is thinned for drawing (a light figure redraws faster)


# ---------------------------------------------------------------------------------------------------------
# Live curves: one light figure (a plain dict), redrawn several times a second while training runs
# ---------------------------------------------------------------------------------------------------------


def _thin(records):
    every = max(1, int(np.ceil(len(records) / MAX_CURVE_POINTS)))
    kept = records[::every]
    return kept if not records or kept[-1] is records[-1] else [*kept, records[-1]]


def _line(x, y, name, colour, axis, dash="solid"):
    legend = "legend" if axis == 1 else f"legend{axis}"  # one legend under each panel
    return {"type": "scatter", "mode": "lines", "x": x, "y": y, "name": name, "xaxis": f"x{axis}",
            "yaxis": f"y{axis}", "legend": legend, "line": {"color": colour, "width": 3, "dash": dash}}


class Remembered:
    """The last few results of a figure builder, by a key; each entry keeps `keep` alive so that the ids in its
    key stay those of the same objects. For figures that many visitors draw alike (callers must not change them)."""

    def __init__(self, size=16):
        self.size, self.entries, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key, build, keep=None):
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key][1]
        value = build()
        with self.lock:
            self.entries[key] = (keep, value)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value

    def holds(self, value):
        """True when `value` is one of the results remembered (the very object)."""
        with self.lock:
            return any(entry[1] is value for entry in self.entries.values())


_curves = Remembered()


def shared(fig):
    """True for a figure several visitors draw alike (a shared run's curves or gradients): it must not be
    changed."""
    return _curves.holds(fig) or _matrices.holds(fig)


def curves_figure(records, total):
    """Loss, train and dev accuracy, and the size of each layer's gradient, against the step (0 .. total).

    records : the StepRecords so far. The x axes span the whole run, so the curves grow left to right. Visitors who
    follow one shared run have the same StepRecord objects: their figure is built once per step, and shared.
    """
    last = records[-1] if records else None
    return _curves.get((len(records), id(last), total), lambda: _curves_figure(records, total), keep=last)


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
                 LAYER_DASHES[i % 4])
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


# ---------------------------------------------------------------------------------------------------------
# Matrices and images
# ---------------------------------------------------------------------------------------------------------


def _projector(fig, height, title=""):
    """Projector-sized text: 16 px labels, 15 px ticks, a bold title."""
    return restyled(fig, dict(height=height, font=dict(size=FONT_SIZE), plot_bgcolor="white",
                                 margin=dict(l=10, r=10, t=50 if title else 10, b=10),
                                 title=dict(text=f"<b>{title}</b>" if title else "", font=dict(size=17))),
                       axes=dict(tickfont=dict(size=15), title=dict(font=dict(size=16))))


_matrices = Remembered(size=32)


def matrix_figure(M, title, row_label, column_label, name="value", height=320):
    """matrix_heatmap with projector-sized text, for the Training page's gradients. The same matrix with the same
    labels gives the very same figure (callers must not change it): visitors who trained one shared run look at
    the same gradients, and each figure is built once."""
    M = np.ascontiguousarray(M)
    key = (hashlib.blake2b(M.data, digest_size=16).hexdigest(), M.shape, M.dtype.str, title, row_label,
           column_label, name, height)
    return _matrices.get(key, lambda: _projector(matrix_heatmap(M, column_label, row_label, name), height, title))


def mosaic(rows, per_line=10, gap=2):
    """Rows of 784 numbers -> one image: each row as a 28 x 28 tile, tiles side by side, NaN between them."""
    rows = np.asarray(rows, dtype=np.float64)
    lines = int(np.ceil(len(rows) / per_line))
    size = 28 + gap
    image = np.full((lines * size - gap, min(len(rows), per_line) * size - gap), np.nan)
    for k, row in enumerate(rows):
        top, left = (k // per_line) * size, (k % per_line) * size
        image[top:top + 28, left:left + 28] = row.reshape(28, 28)
    return image


PICTURE_AXIS = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="", constrain="domain")
PICTURE = dict(xaxis=PICTURE_AXIS, yaxis=dict(PICTURE_AXIS, autorange="reversed", scaleanchor="x"))


def units_figure(rows, title, what="weight", per_line=10):
    """Rows of W1 (one per hidden unit) as 28 x 28 images: which pixels push each unit up (blue) or down (red)."""
    image = mosaic(rows, per_line)
    limit = symmetric(image)
    fig = go.Figure(go.Heatmap(z=image, colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit,
                               colorbar=dict(title=what), hoverongaps=False,
                               hovertemplate=what + " = %{z:.3f}<extra></extra>"), layout=PICTURE)
    lines = int(np.ceil(len(rows) / per_line))
    return _projector(fig, 90 + lines * (850 // per_line), title)


def confusion_figure(counts, title):
    """Counts of (true, predicted) pairs; the diagonal holds the right answers."""
    fig = go.Figure(go.Heatmap(
        z=counts, x=list(range(10)), y=list(range(10)), colorscale="Viridis", colorbar=dict(title="digits"),
        text=counts, texttemplate="%{text}", textfont=dict(size=13),
        hovertemplate="true %{y}, predicted %{x}: %{z} digits<extra></extra>"),
        layout=dict(xaxis=dict(title="predicted digit", dtick=1, side="bottom"),
                    yaxis=dict(title="true digit", dtick=1, autorange="reversed")))
    return _projector(fig, 480, title)


def mistakes_figure(X, Y, A, indices):
    """Each chosen example's image (white on black) above a bar chart of its ten probabilities A2.

    Every small chart gets its own pair of axes placed by hand (a `domain` on the page): the picture of
    make_subplots, built several times faster. Images use axes 1..n, the bar charts below them n+1..2n.
    """
    n = len(indices)
    width = (1 - 0.02 * (n - 1)) / n  # of one column, as a fraction of the figure
    traces, layout = [], dict(annotations=[])
    for col, i in enumerate(indices):
        left = col * (width + 0.02)
        said = A[:, i].argmax()
        image, bars = str(col + 1) if col else "", str(n + col + 1)  # plotly names the axes x, x2, x3, ...
        traces.append(go.Heatmap(z=X[:, i].reshape(28, 28), colorscale="gray", zmin=0, zmax=1, showscale=False,
                                 xaxis="x" + image, yaxis="y" + image, hovertemplate="x = %{z:.2f}<extra></extra>"))
        colours = [VERMILLION if d == said else GREEN if d == Y[i] else "#bbbbbb" for d in range(10)]
        marks = ["✗" if d == said else "✓" if d == Y[i] else "" for d in range(10)]  # not colour alone
        traces.append(go.Bar(x=list(range(10)), y=A[:, i], marker_color=colours, showlegend=False, text=marks,
                             textposition="outside", cliponaxis=False, textfont=dict(size=15),
                             xaxis="x" + bars, yaxis="y" + bars, hovertemplate="digit %{x}: %{y:.1%}<extra></extra>"))
        layout["xaxis" + image] = dict(PICTURE_AXIS, domain=[left, left + width], anchor="y" + image)
        layout["yaxis" + image] = dict(PICTURE_AXIS, domain=[0.494, 1], anchor="x" + image, autorange="reversed",
                                       scaleanchor="x" + image)
        layout["xaxis" + bars] = dict(domain=[left, left + width], anchor="y" + bars, dtick=1,
                                      tickfont=dict(size=12))
        layout["yaxis" + bars] = dict(domain=[0, 0.414], anchor="x" + bars, range=[0, 1], showticklabels=col == 0,
                                      tickformat=".0%")
        layout["annotations"].append(dict(text=f"true {Y[i]}, said {said}", x=left + width / 2, y=1, xref="paper",
                                          yref="paper", xanchor="center", yanchor="bottom", showarrow=False,
                                          font=dict(size=15)))
    return _projector(go.Figure(traces, layout=layout), 380)


# ---------------------------------------------------------------------------------------------------------
# Experiments: the spread of one recipe over seeds, and the ladder of baselines
# ---------------------------------------------------------------------------------------------------------


LARGE = dict(size=16, color="#262730")  # readable from the back of a classroom


def _large_text(fig, height):
    """Large, dark text on every axis and legend (Streamlit's theme would draw small grey ticks)."""
    return restyled(fig, dict(height=height, font=LARGE, legend=dict(font=LARGE), plot_bgcolor="white"),
                    axes=dict(tickfont=LARGE, title=dict(font=LARGE), gridcolor="#e5e5e5"))


def spread_figure(dev, seeds, bin_width=0.5):
    """Histogram of the dev accuracies (in %), one dot per run under it, mean and ± 1 SD marked."""
    mean, sd = float(np.mean(dev)), float(np.std(dev, ddof=1))
    start = math.floor(min(dev) / bin_width) * bin_width
    top = int(np.histogram(dev, bins=np.arange(start, max(dev) + 2 * bin_width, bin_width))[0].max())
    fig = go.Figure()
    fig.add_vrect(x0=mean - sd, x1=mean + sd, fillcolor=ORANGE, opacity=0.18, line_width=0, layer="below")
    fig.add_trace(go.Histogram(x=dev, xbins=dict(start=start, size=bin_width), marker=dict(color=BLUE, line=dict(
        color="white", width=1)), name="runs per bar", hovertemplate="%{x}: %{y} runs<extra></extra>"))
    fig.add_trace(go.Scatter(x=dev, y=[-0.35] * len(dev), mode="markers", name="one dot per run",
                             marker=dict(color="black", size=11, symbol="diamond"), customdata=seeds,
                             hovertemplate="seed %{customdata}: %{x:.1f}%<extra></extra>"))
    fig.add_vline(x=mean, line=dict(color=ORANGE, width=4))
    marks = [(mean, f"mean {mean:.1f}%", "center"), (mean - sd, "−1 SD", "right"), (mean + sd, "+1 SD", "left")]
    for x, text, side in marks:
        fig.add_annotation(x=x, y=1.0, yref="paper", yanchor="bottom", text=f"<b>{text}</b>", showarrow=False,
                           xanchor=side, font=dict(size=16, color="#9a6700" if "SD" in text else "black"))
    fig.update_xaxes(title="dev accuracy (%)")
    fig.update_yaxes(title="runs", dtick=1, range=[-0.8, top + 0.3], zeroline=True)
    fig.update_layout(bargap=0.05, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", y=-0.25, x=0.5, xanchor="center"))
    return _large_text(fig, 400)


def accuracy_figure(rows):
    """Grouped bars: train, dev (and test, for full MNIST) accuracy of each rung."""
    fig = go.Figure()
    labels = [r["label"] for r in rows]
    sets = [("train", BLUE, ""), ("dev", ORANGE, "/"), ("test", PURPLE, "x")]
    for name, colour, pattern in sets:
        if f"{name} accuracy" in rows[0]:
            y = [r[f"{name} accuracy"] for r in rows]
            fig.add_trace(go.Bar(x=labels, y=y, name=f"{name} accuracy", marker=dict(color=colour, pattern=dict(
                shape=pattern, fgcolor="white", fillmode="overlay", solidity=0.3)), text=[f"{v:.1f}" for v in y],
                textposition="outside", textfont=LARGE, hovertemplate="%{x}: %{y:.1f}%<extra>" + name + "</extra>"))
    fig.update_yaxes(title="accuracy (%)", range=[0, 109], dtick=20)
    fig.update_layout(barmode="group", bargap=0.25, title=dict(text="Accuracy of each rung (%)", font=dict(size=18)),
                      margin=dict(l=10, r=10, t=50, b=10), legend=dict(orientation="h", y=1.0, x=1, xanchor="right",
                                                                       yanchor="bottom"))
    return _large_text(fig, 460)


def seconds_figure(rows):
    """Seconds of training of each rung."""
    labels, seconds = [r["label"] for r in rows], [r["seconds"] for r in rows]
    fig = go.Figure(go.Bar(y=labels, x=seconds, orientation="h", marker_color="#555555",
                           text=[f"{s:.1f} s" for s in seconds], textposition="outside", textfont=LARGE,
                           hovertemplate="%{y}: %{x:.2f} s<extra></extra>"))
    fig.update_xaxes(title="seconds", range=[0, max(seconds) * 1.35 + 0.01])
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(margin=dict(l=10, r=10, t=50, b=10),
                      title=dict(text="Seconds of training per run", font=dict(size=18)))
    return _large_text(fig, 460)


# ---------------------------------------------------------------------------------------------------------
# The data: one image's numbers, digits per class, pixel values
# ---------------------------------------------------------------------------------------------------------


def readable(fig, height, title=None):
    """Fonts and margins that read well on a projector."""
    return restyled(fig, dict(font=dict(size=16), height=height, margin=dict(l=10, r=10, t=70 if title else 10, b=10),
                                 title=dict(text=title, font=dict(size=22)) if title else None))


def pixel_heatmap(image):
    """One 28 x 28 image with its 784 values printed in the cells: 0 is black, 255 is white."""
    fig = go.Figure(go.Heatmap(
        z=image, text=image, texttemplate="%{text}", textfont=dict(size=12), colorscale="gray", zmin=0, zmax=255,
        showscale=False,
        hovertemplate="row %{y}, column %{x}: value %{z}<extra></extra>",
    ), layout=dict(
        xaxis=dict(title="column", dtick=1, side="top", range=[-0.5, 28 - 0.5], constrain="domain",
                   tickfont=dict(size=12)),
        yaxis=dict(title="row", dtick=1, range=[28 - 0.5, -0.5], scaleanchor="x", constrain="domain",
                   tickfont=dict(size=12))))
    return readable(fig, 860)


def class_counts_chart(per_class):
    """How many digits of each class there are."""
    fig = go.Figure(go.Bar(x=list(range(10)), y=per_class, text=[f"{n:,}" for n in per_class], textposition="outside",
                           textangle=0, cliponaxis=False, marker_color=BLUE),
                    layout=dict(uniformtext=dict(minsize=14, mode="show"),  # never shrink the counts to fit
                                xaxis=dict(title="digit (label)", dtick=1),
                                yaxis=dict(title="number of images", range=[0, 1.15 * max(per_class.max(), 1)])))
    return readable(fig, 440, "Digits per class")


def pixel_histogram(pixel_counts):
    """How often each pixel value occurs, on a log scale (most pixels are 0: black background)."""
    fig = go.Figure(go.Bar(x=np.arange(256), y=pixel_counts, marker_color=ORANGE, marker_line_width=0),
                    layout=dict(xaxis=dict(title="pixel value (0 black ... 255 white)", range=[-2, 257]),
                                yaxis=dict(title="number of pixels (log scale)", type="log", dtick=1,
                                           tickformat="~s")))
    return readable(fig, 440, "Pixel values over all images")


# ---------------------------------------------------------------------------------------------------------
# The whole network at a glance (Home)
# ---------------------------------------------------------------------------------------------------------


def network_diagram(hidden=10, width=640, height=400):
    """The lesson's 784-hidden-10 network as an SVG picture (text, for st.image): the input column X (784 pixels,
    12 drawn, the rest as dots), the hidden units, the ten outputs, every drawn connection of W1 and W2 as a thin
    line, and each layer's formula and shapes beside it."""
    columns = ((70, 12, "#4d4d4d"), (width // 2, min(hidden, 12), RDBU_BLUE), (width - 70, 10, ORANGE))
    top, bottom = 60, height - 110
    ys = [[top + k * (bottom - top) / max(n - 1, 1) for k in range(n)] for _, n, _ in columns]
    lines = [f'<line x1="{x0}" y1="{y0:.1f}" x2="{x1}" y2="{y1:.1f}"/>'
             for (x0, _, _), (x1, _, _), left, right in zip(columns, columns[1:], ys, ys[1:], strict=False)
             for y0 in left for y1 in right]
    nodes = []
    for (x, _, colour), heights in zip(columns, ys, strict=True):
        shape = ('<rect x="{x}" y="{y}" width="16" height="16" fill="{c}"/>' if colour == "#4d4d4d"
                 else '<circle cx="{cx}" cy="{cy}" r="9" fill="{c}"/>')
        nodes += [shape.format(x=x - 8, y=f"{y - 8:.1f}", cx=x, cy=f"{y:.1f}", c=colour) for y in heights]
    labels = [(70, height - 80, ["784 pixels", "X (784, m)"]),
              (width // 2, height - 80, [f"{hidden} hidden units", "A1 = ReLU(W1 X + b1)"]),
              (width - 70, height - 80, ["10 digits 0-9", "A2 = softmax(Z2)"]),
              ((70 + width // 2) // 2, 36, [f"W1 ({hidden}, 784), b1 ({hidden}, 1)"]),
              ((width // 2 + width - 70) // 2, 36, [f"W2 (10, {hidden}), b2 (10, 1)"])]
    text = [f'<text x="{x}" y="{y + 20 * k}" text-anchor="middle">{line}</text>'
            for x, y, rows in labels for k, line in enumerate(rows)]
    text.append(f'<text x="98" y="{(top + bottom) / 2:.0f}" font-size="26">⋮</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="15" fill="#262730">'
            f'<rect width="{width}" height="{height}" fill="white"/>'
            f'<g stroke="#b0b8c4" stroke-width="0.6">{"".join(lines)}</g>{"".join(nodes)}{"".join(text)}</svg>')


def layer_table(params):
    """One row per layer: what it is, how many units, and which parameters it has (the input has none)."""
    L = len(params) // 2
    rows = [{"layer": 0, "role": "input", "units": 784, "parameters": "none", "learned": 0}]
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        rows.append({"layer": l, "role": "output" if l == L else "hidden", "units": W.shape[0],
                     "parameters": f"W{l} {W.shape}, b{l} {b.shape}", "learned": W.size + b.size})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------------
# The hidden layer's map of the digits (Training, what the network learned)
# ---------------------------------------------------------------------------------------------------------

# Ten digits, ten colours from colour-blind-safe palettes: Paul Tol's "muted" (indigo, teal, green, olive, rose,
# wine, purple), Okabe-Ito's blue and orange in place of muted's pale cyan and sand (too faint as text on
# white), and a dark grey. No ten colours are told apart by every eye, so colour only helps: every point is
# drawn as its digit, and the map reads without colour.
DIGIT_COLOURS = ("#332288", "#0072B2", "#44AA99", "#117733", "#999933",
                 "#E69F00", "#CC6677", "#882255", "#AA4499", "#555555")


def hidden_map_figure(P, Y, kept, title, digits=None, said=None, chosen=None, shown=range(10), height=560):
    """The hidden layer's map: one point per digit at its two PCA coordinates, drawn as the digit itself (0-9)
    in its digit's colour. Trace d holds the points of the digit d (hidden unless d is in `shown`), so a click's
    trace number says which digit was clicked.

    P : (2, m) coordinates (nn_core.pca); Y : (m,) labels; kept : (2,) each direction's share of the variance.
    digits : (m,) each point's column in the dev set (default 0 .. m-1), shown on hover.
    said : (predictions (m,), probabilities (m,), a few words on which network said it), shown on hover.
    chosen : a position 0 .. m-1 to ring (the digit shown beside the map), or None. height : screen pixels.
    Each digit's centre (the mean of its points) is marked by its digit in a larger, bold, outlined circle.
    """
    P, Y = np.asarray(P, dtype=np.float64), np.asarray(Y)
    digits = np.arange(Y.size) if digits is None else np.asarray(digits)
    hover = "<b>%{text}</b>, dev digit #%{customdata[0]}"
    if said is not None:
        predictions, probabilities, who = said
        hover += f"<br>{who} says %{{customdata[1]}} (%{{customdata[2]:.0%}})"
    traces = []
    for d in range(10):
        where = np.flatnonzero(Y == d)
        extra = [digits[where]] + ([predictions[where], probabilities[where]] if said is not None else [])
        traces.append(go.Scatter(
            x=P[0, where], y=P[1, where], mode="text", text=[str(d)] * where.size, name=str(d),
            textfont=dict(color=DIGIT_COLOURS[d], size=15), customdata=np.column_stack(extra),
            hovertemplate=hover + "<extra></extra>", visible=d in shown, showlegend=False,
            unselected=dict(textfont=dict(color=DIGIT_COLOURS[d]))))  # a click does not fade the other points
    present = [d for d in shown if np.any(Y == d)]
    centres = np.stack([P[:, Y == d].mean(axis=1) for d in present], axis=1) if present else np.zeros((2, 0))
    traces.append(go.Scatter(
        x=centres[0], y=centres[1], mode="markers+text", text=[f"<b>{d}</b>" for d in present],
        marker=dict(size=30, color="white", opacity=0.9,
                    line=dict(width=3, color=[DIGIT_COLOURS[d] for d in present])),
        textfont=dict(size=18, color=[DIGIT_COLOURS[d] for d in present]), showlegend=False,
        hovertemplate="the centre of the %{text}s<extra></extra>"))
    if chosen is not None:
        traces.append(go.Scatter(
            x=[P[0, chosen]], y=[P[1, chosen]], mode="markers+text", text=[f"<b>#{digits[chosen]}</b>"],
            textposition="top right", textfont=dict(size=15, color="#000000"), showlegend=False,
            hoverinfo="skip", marker=dict(size=26, color="rgba(0,0,0,0)", line=dict(width=3, color="#000000"))))
    axis = dict(zeroline=False, gridcolor="#e5e5e5", tickfont=dict(size=14))
    layout = dict(
        xaxis=dict(axis, title=dict(text=f"direction 1: {kept[0]:.0%} of the variance")),
        yaxis=dict(axis, title=dict(text=f"direction 2: {kept[1]:.0%}"), scaleanchor="x", scaleratio=1),
        hovermode="closest", dragmode="pan")
    return _projector(go.Figure(traces, layout=layout), height, title)
