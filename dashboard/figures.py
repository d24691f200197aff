"""Every figure and table the pages share, built from numbers and returned, never drawn (no Streamlit here).

Colours are safe for colour-blind viewers: a diverging red-blue scale centred on 0 for weights and gradients,
greys for digits, and the Okabe-Ito palette for curves.
"""

import base64
import copy
import hashlib
import html
import io
import math
import threading
from collections import OrderedDict

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
from PIL import Image
from plotly.colors import get_colorscale, sample_colorscale

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


def html_table(values, columns):
    """A few rows of numbers with many columns as an HTML table (text, for st.html): a header row of column
    names, then one row per row of `values`, every number written out. The browser draws it at once.

    values : (rows, len(columns)) numbers.
    """
    head = "".join(f"<th>{html.escape(str(name))}</th>" for name in columns)
    body = "".join("<tr>" + "".join(f"<td>{value}</td>" for value in row) + "</tr>"
                   for row in np.atleast_2d(values).tolist())
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

# ---------------------------------------------------------------------------------------------------------
# One digit through the network: pictures, matrices, columns, probabilities
# ---------------------------------------------------------------------------------------------------------

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


def column_bars_picture(values, unit_title, off=None, width=420):
    """column_bars as an SVG picture (text, for st.image): the same horizontal bars, unit 0 at the top, blue for
    positive and red for negative (each value also printed beside its bar), a grey ✕ "off" for a switched-off unit.
    For a short vector (16 numbers or fewer) whose every value is printed, a picture draws at once where a
    plotly chart takes its time; longer ones stay plotly charts (column_bars), whose values show on hover."""
    v = np.ravel(values).astype(float)
    unit_title = html.escape(unit_title)  # text in SVG
    n, row = v.size, 30
    left, right, top = 70, 20, 16
    height = top + n * row + 34
    finite = v[np.isfinite(v)]  # a diverged network gives NaN or inf: written, not drawn
    low, high = min(finite.min(initial=0.0), 0.0), max(finite.max(initial=0.0), 0.0)
    span = (high - low) or 1.0
    text_room = 58  # screen pixels for a printed value beside its bar
    plot_left = left + (text_room if low < 0 else 0)
    plot_right = width - right - (text_room if high > 0 else 0)
    scale = (plot_right - plot_left) / span

    def x_of(value):
        return plot_left + (value - low) * scale

    zero = x_of(0.0)
    off = set() if off is None else {int(u) for u in off}
    parts = [f'<rect width="{width}" height="{height}" fill="white"/>']
    for u, value in enumerate(v):
        y = top + u * row
        middle = y + row / 2
        parts.append(f'<text x="{left - 10}" y="{middle + 5}" text-anchor="end">{u}</text>')
        if u in off or not np.isfinite(value):
            parts.append(f'<text x="{zero + 6}" y="{middle + 5}" fill="#555555">'
                         f'{"✕ off" if u in off else value}</text>')
            continue
        x0, x1 = sorted((zero, x_of(value)))
        colour = RDBU_BLUE if value >= 0 else RDBU_RED
        parts.append(f'<rect x="{x0:.1f}" y="{y + 5}" width="{max(x1 - x0, 0.5):.1f}" height="{row - 10}" '
                     f'fill="{colour}"/>')
        label_x, anchor = (x1 + 5, "start") if value >= 0 else (x0 - 5, "end")
        parts.append(f'<text x="{label_x:.1f}" y="{middle + 5}" text-anchor="{anchor}">{value:.2f}</text>')
    bottom = top + n * row
    parts.append(f'<line x1="{zero:.1f}" y1="{top}" x2="{zero:.1f}" y2="{bottom}" stroke="#444444"/>')
    parts.append(f'<text x="{zero:.1f}" y="{bottom + 22}" text-anchor="middle" fill="#555555">0</text>')
    parts.append(f'<text x="16" y="{(top + bottom) / 2:.0f}" text-anchor="middle" '
                 f'transform="rotate(-90 16 {(top + bottom) / 2:.0f})">{unit_title}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="16" fill="#262730">{"".join(parts)}</svg>')


def _nice_step(top, most=6):
    """A round step (1, 2 or 5 times a power of ten) that cuts 0..top into at most `most` parts."""
    raw = max(top, 1e-12) / most
    power = 10 ** math.floor(math.log10(raw))
    return next(k * power for k in (1, 2, 5, 10) if k * power >= raw)


def _short(value):
    """A tick value written short, as plotly's "~s" format: 1, 10, 100, 1k, 10k, 100k, 1M."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def bar_picture(values, title, x_title, y_title, labels=None, colours=BLUE, texts=None, log=False,
                percent=False, ticks=None, top=None, width=640, height=420):
    """Vertical bars as an SVG picture (text, for st.image): a bar per value, left to right, with its title, axis
    titles, gridlines and, when `texts` are given, a text above each bar (a count, a probability). A picture
    draws at once, where each plotly chart takes its time; its numbers are printed on it or in a table nearby.

    values : the bars' heights. labels : the text under each bar (default: none; `ticks` places a few instead,
    as {position: text}). colours : one colour for all, or one per bar. log : a log scale (a bar of 0 is not
    drawn). percent : the y axis in %. top : the largest value of the y axis (default: the largest bar).
    Each bar carries data-value, its exact height, for a test to read."""
    exact = np.asarray(values, dtype=np.float64)
    v = np.nan_to_num(exact, nan=0.0, posinf=0.0, neginf=0.0)  # a bar for a number; NaN or inf: none
    n = v.size
    colours = [colours] * n if isinstance(colours, str) else list(colours)
    left, right, foot = 84, 16, 70  # room for the y ticks and title, the x ticks and title
    head = 62 if title else 28  # room for the title
    plot_w, plot_h = width - left - right, height - head - foot
    if log:
        positive = v[v > 0]
        low = 10 ** math.floor(math.log10(positive.min())) if positive.size else 1.0
        high = 10 ** math.ceil(math.log10(positive.max() * 1.0001)) if positive.size else 10.0
        span = math.log10(high) - math.log10(low) or 1.0
        grid = [low * 10 ** k for k in range(int(round(span)) + 1)]

        def y_of(value):
            return head + plot_h * (1 - (math.log10(max(value, low)) - math.log10(low)) / span)
    else:
        high = top if top is not None else float(v.max()) * 1.12 or 1.0
        step = _nice_step(high / 1.12 if top is None else high)
        grid = list(np.arange(0, high + 1e-9, step))

        def y_of(value):
            return head + plot_h * (1 - value / high)
    parts = [f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{left}" y="28" font-weight="bold" font-size="19">{html.escape(title)}</text>' if title else ""]
    for value in grid:
        y = y_of(value)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        tick = f"{value:.0%}" if percent else _short(value) if log else f"{value:,.0f}"
        parts.append(f'<text x="{left - 8}" y="{y + 5:.1f}" text-anchor="end">{tick}</text>')
    slot = plot_w / n
    gap = 0.2 * slot if n <= 32 else 0.0
    base = head + plot_h
    for k, value in enumerate(v):
        x = left + k * slot + gap / 2
        y = y_of(value) if value > 0 or not log else base
        parts.append(f'<rect x="{x:.2f}" y="{y:.1f}" width="{slot - gap:.2f}" height="{max(base - y, 0):.1f}" '
                     f'fill="{colours[k]}" data-value="{float(exact[k])!r}"/>')
        middle = x + (slot - gap) / 2
        if texts is not None:
            parts.append(f'<text x="{middle:.1f}" y="{y - 6:.1f}" text-anchor="middle">{html.escape(texts[k])}</text>')
        if labels is not None:
            parts.append(f'<text x="{middle:.1f}" y="{base + 22}" text-anchor="middle">{html.escape(labels[k])}</text>')
    for position, text in (ticks or {}).items():
        x = left + (position + 0.5) * slot
        parts.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 5}" stroke="#444444"/>'
                     f'<text x="{x:.1f}" y="{base + 22}" text-anchor="middle">{html.escape(text)}</text>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="#444444"/>')
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 16}" text-anchor="middle">'
                 f'{html.escape(x_title)}</text>')
    middle = head + plot_h / 2
    parts.append(f'<text x="20" y="{middle:.0f}" text-anchor="middle" transform="rotate(-90 20 {middle:.0f})">'
                 f'{html.escape(y_title)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="16" fill="#262730">{"".join(parts)}</svg>')


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


def probability_bars(A, predicted, label=None, width=640, height=400):
    """The ten probabilities A (10, 1) as bars over the digits 0..9, each printed above its bar (a picture,
    bar_picture): the answer stands out (orange, ★), the label, when known, is marked ✓, so neither depends on
    colour alone."""
    p = np.ravel(A)
    colours = [ORANGE if k == predicted else RDBU_BLUE for k in range(10)]
    names = [f"{k}" + (" ★" if k == predicted else "") + (" ✓" if k == label else "") for k in range(10)]
    return bar_picture(p, "", "digit k (★ the network's answer" + (", ✓ the label)" if label is not None else ")"),
                       "probability", labels=names, colours=colours, texts=[f"{x:.1%}" for x in p], percent=True,
                       top=1.15, width=width, height=height)


# ---------------------------------------------------------------------------------------------------------
# The network as a picture: one digit, the hidden units as their weight images, the outputs, the edges
# ---------------------------------------------------------------------------------------------------------

NODE_INK = "#262730"  # the outline of a node, and the ring around the selected one


def strongest_units(A, most):
    """Which units of a hidden layer to draw: all of them when there are at most `most`, else the `most` with the
    largest |A| for this digit (the strongest; among equals, such as units ReLU switched off, the lower index).

    A : (n, 1) the layer's activations for one digit. Returns the chosen unit indices, in increasing order.
    """
    a = np.abs(np.ravel(A))
    if a.size <= most:
        return np.arange(a.size)
    return np.sort(np.argsort(-a, kind="stable")[:most])


def _spread(n, top=0.93, bottom=0.07):
    """n heights between top and bottom of the picture (fractions of its drawing area), the first at the top."""
    return np.full(1, 0.5) if n == 1 else np.linspace(top, bottom, n)


def _node_colours(values, limit):
    """Viridis colours for amounts (|A| / limit in [0, 1]), the app's scale for amounts."""
    return sample_colorscale("Viridis", list(np.clip(np.abs(values) / limit, 0, 1)))


def network_picture(X, params, cache, shown, focus=None, label=None, compact=False, width=780, height=540):
    """The whole network on one digit, as one SVG picture: the digit on the left; the units of hidden layer 1,
    each drawn as its row of W1 (a 28 x 28 weight image, blue where ink raises the unit, red where it lowers it)
    with a node beside it whose size and colour give its activation A1 (a unit ReLU switched off is faded, with a
    grey ✕); the units of any further hidden layer as nodes; the ten outputs with their probabilities; and the
    edges between the drawn units, styled by the sign of what they carry (blue and solid adds, red and dashed
    takes away) and as thick as that contribution W_l[i, j] · A_(l-1)[j] to unit i's sum. The edges into the
    answer (or into the focused output) are drawn strongly, the other output edges faintly. Nothing is made up:
    every number comes from `params` and `cache`. Hovering a node, an edge or a picture shows its numbers.

    X : (784, 1) the digit. params : {"W1": (n1, 784), "b1": (n1, 1), ..., f"W{L}": (10, n), f"b{L}": (10, 1)}.
    cache : forward_prop(params, X) ({"Z1", "A1", ..., f"A{L}"}, each (n_l, 1)).
    shown : {l: unit indices drawn} for each hidden layer l = 1 .. L-1 (see strongest_units).
    focus : None, ("hidden", l, j) or ("output", k): that node gets a ring and its edges are the strong ones.
    label : the digit's true label, marked ✓ when known. compact : fewer words, for a small picture.
    width, height : the picture's size in its own units, about the screen pixels it fills.

    A picture, not a plotly chart: the browser draws it at once. What a page and a test can read: each node is a
    <g class="node"> with data-layer ("A1", ...), data-node ("l:j" for unit j of hidden layer l, "out:k" for
    output k), data-value (its A) and, in the last hidden layer, data-adds (what it adds to the strong output's
    score); each edge a <line class="edge"> titled "W_l[i, j] · A_(l-1)[j] = value", data-strong "1" or "0";
    each weight picture an <image class="weights" data-unit="j">; the opened node's ring a <circle class="ring">.
    """
    L = len(params) // 2
    A_out = np.ravel(cache[f"A{L}"])
    answer = int(np.argmax(A_out))
    target = focus[1] if focus and focus[0] == "output" else answer  # the output whose incoming edges stand out
    units = {l: np.asarray(shown[l]) for l in range(1, L)} | {L: np.arange(10)}
    node_x = dict(zip(range(1, L + 1), np.linspace(0.43, 0.80, L), strict=True))
    node_y = {l: _spread(len(units[l])) for l in units}
    # Hidden layer 1's weight images (fractions of the drawing area): more than five zigzag over two columns.
    n1 = len(units[1])
    gap = 0.86 / max(n1 - 1, 1)
    two_columns = n1 > 5
    image_half, image_half_h = 0.033, min((0.76 if two_columns else 0.42) * gap, 0.16)
    image_x = [0.25 + (0.07 if two_columns and b % 2 else 0) for b in range(n1)] if two_columns else [0.29] * n1

    # Fractions of the drawing area (x from the left, y from the bottom) to the picture's own units.
    top = 36 if compact else 46  # room for the titles
    area_w, area_h = width - 20, height - top - 10

    def px(x):
        return 10 + x * area_w

    def py(y):
        return top + (1 - y) * area_h

    def square(x0, x1, y0, y1):
        """The largest square inside a box (fractions), centred in it: (left, top, side) in the picture's units."""
        side = min(px(x1) - px(x0), py(y0) - py(y1))
        return (px(x0) + px(x1) - side) / 2, (py(y0) + py(y1) - side) / 2, side

    parts = [f"<title>The network reading one digit: it answers {answer} with {A_out[answer]:.1%}</title>",
             f'<rect width="{width}" height="{height}" fill="white"/>']
    # The fan: thin lines from the digit to every drawn unit of layer 1 (each reads all 784 pixels), on to its node.
    parts += [f'<path d="M {px(0.10):.1f} {py(0.5):.1f} L {px(x):.1f} {py(y):.1f} L {px(node_x[1]):.1f} {py(y):.1f}" '
              'fill="none" stroke="#d0d4da"/>' for x, y in zip(image_x, node_y[1], strict=True)]

    # The edges between drawn units, blue and solid where they add, red and dashed where they take away.
    edge_focus = focus  # a unit of layer 1 that is off has no edge at all: then the answer's edges stay strong
    if focus and focus[0] == "hidden" and focus[1] == 1 and np.ravel(cache["A1"])[focus[2]] == 0:
        edge_focus = None
    edges = []
    for l in range(2, L + 1):
        W, A_prev = params[f"W{l}"], np.ravel(cache[f"A{l - 1}"])
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged run's last weights may overflow
            contribution = W[np.ix_(units[l], units[l - 1])] * A_prev[units[l - 1]]  # (drawn of l, drawn of l-1)
        contribution = np.nan_to_num(contribution, posinf=np.finfo(np.float32).max, neginf=-np.finfo(np.float32).max)
        limit = float(np.abs(contribution).max()) or 1.0
        for a, i in enumerate(units[l]):
            for b, j in enumerate(units[l - 1]):
                c = float(contribution[a, b])
                if c == 0:
                    continue  # a unit that is off passes nothing on: no edge
                if edge_focus and edge_focus[0] == "hidden":
                    strong = (edge_focus[1], edge_focus[2]) in ((l - 1, j), (l, i))
                else:
                    strong = l == L and i == target
                look = (f'stroke="{RDBU_BLUE if c > 0 else RDBU_RED}" stroke-opacity="{0.9 if strong else 0.22}" '
                        f'stroke-width="{0.8 + (8 if strong else 3) * abs(c) / limit:.2f}"'
                        + ("" if c > 0 else ' stroke-dasharray="7 5"'))
                edges.append((strong, f'<line class="edge" data-strong="{int(strong)}" x1="{px(node_x[l - 1]):.1f}" '
                                      f'y1="{py(node_y[l - 1][b]):.1f}" x2="{px(node_x[l]):.1f}" '
                                      f'y2="{py(node_y[l][a]):.1f}" {look}><title>W{l}[{i}, {j}] · A{l - 1}[{j}] = '
                                      f'{c:+.6g}</title></line>'))
    parts += [edge for strong, edge in sorted(edges, key=lambda edge: edge[0])]  # the strong ones on top

    # The pictures: the digit, and each drawn unit of layer 1 as its row of W1.
    x0, y0, side = square(0.0, 0.19, 0.27, 0.73)
    parts.append(f'<image x="{x0:.1f}" y="{y0:.1f}" width="{side:.1f}" height="{side:.1f}" '
                 f'style="image-rendering:pixelated" href="{_png(_grey_rgb(image_of(X)))}">'
                 '<title>X: the digit, 784 pixels from 0 (black) to 1 (white)</title></image>')
    # One colour scale for the weight images, saturated at the 99th percentile of |W1|: a trained network has a
    # few large weights that would leave every pattern pale on a scale stretched to the largest one.
    W1, A1 = params["W1"], np.ravel(cache["A1"])
    weight_limit = float(np.percentile(np.abs(np.nan_to_num(W1[units[1]])), 99)) or symmetric(W1)
    for j, x, y in zip(units[1], image_x, node_y[1], strict=True):
        x0, y0, side = square(x - image_half, x + image_half, y - image_half_h, y + image_half_h)
        parts.append(f'<image class="weights" data-unit="{j}" x="{x0:.1f}" y="{y0:.1f}" width="{side:.1f}" '
                     f'height="{side:.1f}" style="image-rendering:pixelated" '
                     f'href="{_png(_rdbu_rgb(image_of(W1[j]), weight_limit))}"><title>unit {j}: its row of W1 as '
                     '28 x 28 weights (blue: ink there raises the unit, red: lowers it)</title></image>')
        if A1[j] == 0:  # switched off: the picture faded behind a white veil
            parts.append(f'<rect class="veil" x="{x0:.1f}" y="{y0:.1f}" width="{side:.1f}" height="{side:.1f}" '
                         'fill="white" fill-opacity="0.72"/>')
        if not compact:  # the unit's number beside its picture (the small picture leaves it to the hover)
            parts.append(f'<text x="{x0 - 4:.1f}" y="{py(y) + 4:.1f}" text-anchor="end" font-size="12" '
                         f'fill="#55565f">{j}</text>')

    # The nodes: each hidden layer's units, then the outputs. A node's area grows with its value.
    drawn = {}  # (layer, unit) -> the node's centre and radius
    for l in range(1, L):
        a = np.ravel(cache[f"A{l}"])[units[l]]
        strength = np.nan_to_num(np.abs(a) / (float(np.abs(np.ravel(cache[f"A{l}"])).max()) or 1.0))  # 0 to 1
        with np.errstate(over="ignore", invalid="ignore"):
            adds = params[f"W{L}"][target, units[l]] * a if l == L - 1 else None
        for b, (j, v, colour) in enumerate(zip(units[l], a, _node_colours(strength, 1), strict=True)):
            cx, cy, off = px(node_x[l]), py(node_y[l][b]), v == 0
            r = 7 if off else (9 + 25 * math.sqrt(strength[b])) / 2
            drawn[l, int(j)] = cx, cy, r
            hover = f"unit {j} of layer {l}\nA{l} = {v:.3f}"
            if adds is not None:
                hover += f"\nadds W{L}[{target}, j] · A{l}[j] = {adds[b]:+.3f} to the score of {target}"
            shape = (f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r + 3:.1f}" fill="white" fill-opacity="0"/>'
                     f'<path d="M {cx - r:.1f} {cy - r:.1f} L {cx + r:.1f} {cy + r:.1f} M {cx - r:.1f} {cy + r:.1f} '
                     f'L {cx + r:.1f} {cy - r:.1f}" stroke="{GREY}" stroke-width="3"/>' if off else
                     f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{colour}" stroke="{NODE_INK}"/>')
            extra = f' data-adds="{float(adds[b])!r}"' if adds is not None else ""
            parts.append(f'<g class="node" data-layer="A{l}" data-node="{l}:{j}" data-value="{float(v)!r}"{extra}>'
                         f'<title>{hover}</title>{shape}</g>')
            if l > 1 or not compact:  # the value beside the node (the small picture leaves layer 1's to the hover)
                halo = ' stroke="white" stroke-width="4" paint-order="stroke"' if l > 1 else ""
                parts.append(f'<text x="{cx - r - 4:.1f}" y="{cy + 4:.1f}" text-anchor="end" font-size="13"{halo} '
                             f'fill="{"#6b6b6b" if off else NODE_INK}">{"off" if off else f"{v:.2f}"}</text>')
    for k, p in enumerate(A_out):
        size = float(np.nan_to_num(max(p, 0.0)))  # a diverged network's NaN is written, drawn as 0
        cx, cy, r = drawn[L, k] = px(node_x[L]), py(node_y[L][k]), (10 + 26 * math.sqrt(size)) / 2
        parts.append(f'<g class="node" data-layer="A{L}" data-node="out:{k}" data-value="{float(p)!r}">'
                     f'<title>digit {k}\nA{L} = {p:.2%}</title><circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" '
                     f'fill="{ORANGE if k == answer else "#9aa5b1"}" stroke="{NODE_INK}"/></g>')
        marks = (" ★" if k == answer else "") + (" ✓" if k == label else "")
        parts.append(f'<text x="{cx + r + 12:.1f}" y="{cy + 5:.1f}" font-size="15"><tspan font-weight="bold">{k}'
                     f'</tspan> {p:.1%}{marks}</text>')
    if focus:
        l, i = (L, focus[1]) if focus[0] == "output" else (focus[1], focus[2])
        if (l, i) in drawn:  # a unit of a wide layer may not be drawn for this digit
            cx, cy, r = drawn[l, i]
            parts.append(f'<circle class="ring" cx="{cx:.1f}" cy="{cy:.1f}" r="{r + 6:.1f}" fill="none" '
                         f'stroke="{NODE_INK}" stroke-width="3"/>')

    titles = [(0.095, "X: the digit"), (0.285, "row j of W1"), (node_x[1], "A1")]
    titles += [(node_x[l], f"A{l}") for l in range(2, L)]
    titles.append((node_x[L] + 0.05, f"A{L} = softmax"))
    parts += [f'<text x="{px(x):.1f}" y="{top - 12}" text-anchor="middle" font-weight="bold" '
              f'font-size="{14 if compact else 15}">{text}</text>' for x, text in titles]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" fill="{NODE_INK}">{"".join(parts)}</svg>')


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


def score_terms(W, b, A_prev, k, shown):
    """The terms of the score Z[k] = sum over j of W[k, j] * A_prev[j], plus b[k], for a waterfall.

    W (n_out, n), b (n_out, 1), A_prev (n, 1). Returns (terms (n,), the `shown` largest units by size, the sum
    of the other terms or None when every unit is shown, the total Z[k]).
    """
    terms = W[k] * A_prev[:, 0]  # (n,): W[k, j] * A_prev[j]
    units = np.argsort(-np.abs(terms), kind="stable")[:shown]
    rest = float(terms.sum() - terms[units].sum()) if terms.size > shown else None
    return terms, units, rest, float(terms.sum() + b[k, 0])


def waterfall(units, terms, off, rest, bias, Z, k, L, y_title=None, width=900, height=420):
    """The score Z_L[k] built up term by term, as an SVG picture (text, for st.image): a floating bar for each
    W_L[k, j] * A_(L-1)[j] of the units drawn (blue up, red down, "off" for a unit that did not fire), one for the
    rest, one for the bias b_L[k], then the total Z_L[k] from 0 (grey); every value is printed on its bar.

    units : the units drawn, in order. terms : their terms. off : for each unit, True when it did not fire
    (A = 0), so its term is exactly 0. rest : the other units' terms together, or None. y_title : the y axis's
    title (default "adds to the score of k"). Each bar carries data-value, its exact size, for a test to read.
    """
    labels = [f"unit {j}" for j in units] + (["all other units"] if rest is not None else []) + [f"bias b{L}[{k}]"]
    steps = list(terms) + ([rest] if rest is not None else []) + [bias]
    words = ["off" if o else f"{v:+.2f}" for v, o in zip(steps, list(off) + [False, False], strict=False)]
    ends = np.cumsum(np.nan_to_num(np.asarray(steps, dtype=np.float64)))  # the running total after each step
    starts = np.concatenate([[0.0], ends[:-1]])
    total = float(np.nan_to_num(Z))
    low, high = min(0.0, ends.min(), total), max(0.0, ends.max(), total)
    pad = 0.14 * ((high - low) or 1.0)  # room for the printed values
    low, high = low - (pad if low < 0 else 0), high + pad
    left, right, head, foot = 84, 16, 16, 96  # room for the y ticks and title, the slanted names under the bars
    plot_w, plot_h = width - left - right, height - head - foot

    def y_of(value):
        return head + plot_h * (high - value) / (high - low)

    parts = [f'<rect width="{width}" height="{height}" fill="white"/>']
    step = _nice_step(high - low)
    for value in np.arange(math.ceil(low / step) * step, high, step):
        y = y_of(value)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e5e5e5"/>'
                     f'<text x="{left - 8}" y="{y + 5:.1f}" text-anchor="end">{value:.3g}</text>')
    slot = plot_w / (len(steps) + 1)
    bars = [(a, b, RDBU_BLUE if b >= a else RDBU_RED, v, text)
            for a, b, v, text in zip(starts, ends, steps, words, strict=True)] + [(0.0, total, GREY, Z, f"{Z:.2f}")]
    for n, (a, b, colour, value, text) in enumerate(bars):
        x, top, bottom = left + n * slot + 0.2 * slot, y_of(max(a, b)), y_of(min(a, b))
        length = max(bottom - top, 1) if a != b else 0  # a unit that is off adds nothing: no bar
        parts.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{0.6 * slot:.1f}" height="{length:.1f}" '
                     f'fill="{colour}" data-value="{float(value)!r}"/>')
        up = b >= a if n < len(steps) else total >= 0
        parts.append(f'<text x="{x + 0.3 * slot:.1f}" y="{top - 6 if up else bottom + 17:.1f}" '
                     f'text-anchor="middle">{html.escape(text)}</text>')
        if n < len(steps):  # the connector: where this bar ends, the next one starts
            parts.append(f'<line x1="{x + 0.6 * slot:.1f}" y1="{y_of(b):.1f}" x2="{x + slot:.1f}" y2="{y_of(b):.1f}" '
                         'stroke="#bbbbbb"/>')
    for n, name in enumerate([*labels, f"= Z{L}[{k}]"]):
        x, y = left + (n + 0.5) * slot, head + plot_h + 16
        parts.append(f'<text x="{x:.1f}" y="{y}" text-anchor="end" transform="rotate(-35 {x:.1f} {y})">{name}</text>')
    parts.append(f'<line x1="{left}" y1="{y_of(0):.1f}" x2="{left + plot_w}" y2="{y_of(0):.1f}" stroke="#444444"/>')
    middle = head + plot_h / 2
    parts.append(f'<text x="20" y="{middle:.0f}" text-anchor="middle" transform="rotate(-90 20 {middle:.0f})">'
                 f'{html.escape(y_title or f"adds to the score of {k}")}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="15" fill="#262730">{"".join(parts)}</svg>')


def units_picture(rows, titles, what, per_line=5, width=900):
    """Rows of 784 numbers (one per hidden unit: its weights, its weights times a digit, its weight changes) as
    28 x 28 pictures, `per_line` to a line, each under its title (lines split by "\\n"), on one RdBu scale
    centred on 0 (blue positive, red negative) with a colour bar: an SVG picture (text, for st.image).

    rows : (n, 784). what : the name of the numbers, on the colour bar.
    """
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    limit = symmetric(rows)
    lines_of = [str(title).split("\n") for title in titles]
    title_h = 20 * max(len(lines) for lines in lines_of) + 6
    bar = 96  # room for the colour bar
    cell = (width - bar - 10) / per_line
    side = cell - 18
    row_h = title_h + side + 16
    height = int(math.ceil(len(rows) / per_line) * row_h + 10)
    parts = [f'<rect width="{width}" height="{height}" fill="white"/>']
    for i, (row, lines) in enumerate(zip(rows, lines_of, strict=True)):
        line, place = divmod(i, per_line)
        x, y = 10 + place * cell, 10 + line * row_h
        parts += [f'<text x="{x + side / 2:.1f}" y="{y + 15 + 20 * n}" text-anchor="middle">{html.escape(text)}</text>'
                  for n, text in enumerate(lines)]
        parts.append(f'<image x="{x:.1f}" y="{y + title_h:.1f}" width="{side:.1f}" height="{side:.1f}" '
                     f'style="image-rendering:pixelated" href="{_png(_rdbu_rgb(image_of(row), limit))}"/>'
                     f'<rect x="{x:.1f}" y="{y + title_h:.1f}" width="{side:.1f}" height="{side:.1f}" fill="none" '
                     'stroke="#8c8c8c"/>')
    parts.append(_colour_bar(width - bar + 14, 30, min(height - 40, 260), limit, html.escape(what)))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="15" fill="#262730">{"".join(parts)}</svg>')


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
    """True for a figure several visitors draw alike (a shared run's curves): it must not be changed."""
    return _curves.holds(fig)


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


def _rdbu_rgb(M, limit):
    """Each value of M as the RdBu colour a heatmap with zmid=0 and zmin=-limit, zmax=limit gives it (red negative,
    white 0, blue positive), as a (rows, columns, 3) uint8 array; NaN (a diverged network) is light grey."""
    stops = np.array([[int(x) for x in colour[4:-1].split(",")] for _, colour in get_colorscale("RdBu")],
                     dtype=np.float64)  # 11 colours, red (low) to blue (high)
    t = np.clip((np.nan_to_num(M, nan=0.0) / limit + 1) / 2, 0, 1) * (len(stops) - 1)
    low = np.minimum(t.astype(int), len(stops) - 2)
    part = (t - low)[..., None]
    rgb = stops[low] * (1 - part) + stops[low + 1] * part
    rgb[np.isnan(M)] = 220
    return np.rint(rgb).astype(np.uint8)


def matrix_picture(M, title, row_label, column_label, name="value", width=720, grey=False, square=False):
    """A matrix as an SVG picture (text, for st.image): a raster of RdBu colours centred on 0 (as matrix_heatmap),
    one pixel per entry, row 0 at the top, with its title, axis titles, a few index ticks and a colour bar from -max
    to +max. A picture draws at once, where each plotly chart takes its time; the numbers themselves are in a
    table nearby. (The weights on Forward pass, the gradients on Training.)

    The same matrix with the same labels gives the very same picture, built once: visitors who trained one shared
    run look at the same gradients. width : of the picture in its own units, about the screen pixels it will
    fill, so that its text comes out at the page's size. grey : values 0..1 as greys, 0 black and 1 white (a
    digit as MNIST stores it), not RdBu. square : square cells (a 28 x 28 image)."""
    M = np.ascontiguousarray(M)
    key = (hashlib.blake2b(M.data, digest_size=16).hexdigest(), M.shape, M.dtype.str, title, row_label,
           column_label, name, width, grey, square)
    return _matrices.get(key, lambda: _matrix_svg(M, title, row_label, column_label, name, width, grey, square))


def _grey_rgb(M):
    """Values 0..1 as greys (0 black, 1 white), a (rows, columns, 3) uint8 array; NaN is light grey."""
    grey = np.rint(np.clip(np.nan_to_num(M, nan=220 / 255), 0, 1) * 255).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2)


def _png(rgb):
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _colour_bar(x, top, height, limit, name, grey=False):
    """The SVG of a colour bar at (x, top), `height` tall: RdBu from +limit (top) to -limit, or with grey white
    (limit) to black (0), its ends and middle written beside it and `name` (escaped already) above it."""
    low = 0.0 if grey else -limit
    scale = np.linspace(limit, low, 64)[:, None]  # its largest value at the top
    parts = [f'<image x="{x}" y="{top}" width="14" height="{height}" preserveAspectRatio="none" '
             f'href="{_png(_grey_rgb(scale) if grey else _rdbu_rgb(scale, limit))}"/>']
    for value, y in ((limit, top + 10), ((limit + low) / 2, top + height / 2 + 5), (low, top + height)):
        parts.append(f'<text x="{x + 18}" y="{y:.0f}" font-size="13">{value:.2g}</text>')
    parts.append(f'<text x="{x + 7}" y="{top - 8}" text-anchor="middle" font-size="13">{name}</text>')
    return "".join(parts)


def _matrix_svg(M, title, row_label, column_label, name, width=720, grey=False, square=False):
    title, row_label, column_label, name = map(html.escape, (title, row_label, column_label, name))  # text in SVG
    M = np.atleast_2d(np.asarray(M, dtype=np.float64))
    rows, columns = M.shape
    limit = 1.0 if grey else symmetric(M)
    raster = _png(_grey_rgb(M) if grey else _rdbu_rgb(M, limit))
    left, top, bar = 86, 40, 74  # room for the row title and ticks, the title, and the colour bar
    plot_w = width - left - bar - 16
    plot_h = plot_w * rows // columns if square else int(min(max(18 * rows, 60), 300))
    height = top + plot_h + 52
    parts = [f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{left}" y="24" font-weight="bold">{title}</text>',
             f'<image x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" preserveAspectRatio="none" '
             f'style="image-rendering:pixelated" href="{raster}"/>',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#8c8c8c"/>']
    row_ticks = range(rows) if rows <= 16 else np.unique(np.linspace(0, rows - 1, 5).round().astype(int))
    for r in row_ticks:
        y = top + (r + 0.5) * plot_h / rows
        parts.append(f'<text x="{left - 6}" y="{y + 5:.1f}" text-anchor="end">{r}</text>')
    column_ticks = range(columns) if columns <= 16 else np.unique(np.linspace(0, columns - 1, 6).round().astype(int))
    for c in column_ticks:
        x = left + (c + 0.5) * plot_w / columns
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle">{c}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h + 42}" text-anchor="middle">'
                 f'{column_label}</text>')
    middle = top + plot_h / 2
    parts.append(f'<text x="18" y="{middle:.0f}" text-anchor="middle" transform="rotate(-90 18 {middle:.0f})">'
                 f'{row_label}</text>')
    parts.append(_colour_bar(left + plot_w + 14, top, plot_h, limit, name, grey))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="15" fill="#262730">{"".join(parts)}</svg>')


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


def pixel_grid(image, cell=30):
    """One 28 x 28 image (uint8) as an SVG picture (text, for st.image) with its 784 values printed in the cells:
    each cell is grey at its own value, 0 black and 255 white, with the row and column numbers along the edges.
    A picture, not a plotly chart: 784 numbers drawn as text by the browser at once, not placed one by one."""
    side = image.shape[0]
    margin = 34
    size = margin + side * cell
    cells, numbers, edges = [], [], []
    for r in range(side):
        for c in range(side):
            v = int(image[r, c])
            x, y = margin + c * cell, margin + r * cell
            cells.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="rgb({v},{v},{v})"/>')
            ink = "#000" if v >= 128 else "#fff"  # dark text on light cells, light on dark
            numbers.append(f'<text x="{x + cell / 2}" y="{y + cell / 2 + 4}" fill="{ink}">{v}</text>')
    for k in range(side):
        middle = margin + k * cell + cell / 2
        edges.append(f'<text x="{middle}" y="{margin - 10}">{k}</text>')  # column numbers, on top
        edges.append(f'<text x="{margin / 2}" y="{middle + 4}">{k}</text>')  # row numbers, on the left
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
            f'font-family="sans-serif" text-anchor="middle"><rect width="{size}" height="{size}" fill="white"/>'
            f'{"".join(cells)}<g font-size="11">{"".join(numbers)}</g>'
            f'<g font-size="12" fill="#262730">{"".join(edges)}</g></svg>')


def class_counts_chart(per_class):
    """How many digits of each class there are, as a picture (bar_picture), each count printed on its bar."""
    return bar_picture(per_class, "Digits per class", "digit (label)", "number of images",
                       labels=[str(k) for k in range(10)], texts=[f"{n:,}" for n in per_class])


def pixel_histogram(pixel_counts):
    """How often each pixel value 0..255 occurs, on a log scale (most pixels are 0: black background), as a
    picture (bar_picture)."""
    return bar_picture(pixel_counts, "Pixel values over all images", "pixel value (0 black ... 255 white)",
                       "number of pixels (log scale)", colours=ORANGE, log=True,
                       ticks={value: str(value) for value in (0, 50, 100, 150, 200, 255)})


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
# Draw a digit: your handwriting as a test set, and a drawing moved, turned and thickened
# ---------------------------------------------------------------------------------------------------------


def yours_and_mnist(X_mine, X_mnist, labels, predicted, gap=6):
    """Your digits (784, n) in the top row, above MNIST digits of the same labels (784, n) in the bottom row,
    white on black; over each of yours, its label and what the network read (✓ or ✗, not colour alone)."""
    n = X_mine.shape[1]
    image = mosaic(np.hstack([X_mine, X_mnist]).T, per_line=n, gap=gap)  # (2 * 28 + gap, n * 28 + ...)
    fig = go.Figure(go.Heatmap(z=image, colorscale="gray", zmin=0, zmax=1, showscale=False, hoverongaps=False,
                               hovertemplate="pixel %{z:.2f}<extra></extra>"), layout=PICTURE)
    step = 28 + gap
    for i in range(n):
        right = predicted[i] == labels[i]
        fig.add_annotation(x=i * step + 13.5, y=-1, yanchor="bottom", showarrow=False, font=dict(size=15),
                           text=f"your {labels[i]}: {'✓' if right else '✗'} {predicted[i]}")
        fig.add_annotation(x=i * step + 13.5, y=2 * 28 + gap, yanchor="top", showarrow=False, font=dict(size=15),
                           text=f"MNIST {labels[i]}")
    fig.update_layout(margin=dict(l=0, r=0, t=30, b=30))
    return fig


def moved_bars(A_drawn, A_moved):
    """The ten probabilities of a drawing as drawn (10, 1) and after it was moved (10, 1), side by side, each
    answer marked with ★ above its bar (so neither depends on colour alone)."""
    fig = go.Figure()
    for A, name, colour in ((A_drawn, "as drawn", LIGHT), (A_moved, "moved", RDBU_BLUE)):
        p = np.ravel(A)
        fig.add_bar(x=np.arange(10), y=p, name=name, marker_color=colour, cliponaxis=False,
                    text=["★" if k == p.argmax() else "" for k in range(10)], textposition="outside",
                    textfont=dict(size=16), hovertemplate="digit %{x}: %{y:.1%}<extra>" + name + "</extra>")
    fig.update_layout(barmode="group", showlegend=True, legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"))
    fig.update_xaxes(title="digit (★ the answer)", dtick=1)
    fig.update_yaxes(title="probability", range=[0, 1.12], tickformat=".0%")
    return fig


def shifted_accuracy_figure(shifts, accuracy, directions):
    """Accuracy (len(shifts), len(directions)) on digits moved by each number of pixels: the average over the
    directions as a thick line with its values, each direction as a thin dotted one, and chance (10%)."""
    fig = go.Figure()
    greys = ("#555555", "#777777", "#999999", "#444444")
    for j, name in enumerate(directions):
        fig.add_scatter(x=list(shifts), y=accuracy[:, j], mode="lines", name=f"moved {name}",
                        line=dict(color=greys[j % len(greys)], width=1.5, dash=LAYER_DASHES[(j + 1) % 4]),
                        hovertemplate="%{x} px " + name + ": %{y:.1%}<extra></extra>")
    mean = accuracy.mean(axis=1)
    fig.add_scatter(x=list(shifts), y=mean, mode="lines+markers+text", name="average of the four",
                    line=dict(color=BLUE, width=4), marker=dict(size=10), text=[f"{v:.0%}" for v in mean],
                    textposition="top right", textfont=dict(size=16, color=BLUE), cliponaxis=False,
                    hovertemplate="%{x} px: %{y:.1%} on average<extra></extra>")
    fig.add_hline(y=0.1, line=dict(color=VERMILLION, dash="dash"), annotation_text="chance: 10%",
                  annotation_position="bottom left", annotation_font=dict(size=15, color=VERMILLION))
    fig.update_xaxes(title="pixels moved", dtick=1, range=[-0.3, max(shifts) + 0.6])
    fig.update_yaxes(title="dev accuracy", range=[0, 1.05], tickformat=".0%")
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"), plot_bgcolor="white")
    return fig


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
