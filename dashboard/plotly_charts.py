"""The plotly charts the pages share, built and returned, never drawn (no Streamlit here): projector-sized
text, a column vector as bars, the mistakes with their probabilities, and the figures several visitors draw
alike (a shared run's live curves), which must not be changed.
"""

import copy
import threading
from collections import OrderedDict

import numpy as np
import plotly.graph_objects as go

from dashboard.colours import GREEN, GREY, RDBU_BLUE, RDBU_RED, VERMILLION

FONT_SIZE = 16  # readable from the back of a classroom


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
        """True when `value` is one of the results remembered (the very object), or one of a result's parts (a
        result that is a tuple of figures)."""
        with self.lock:
            return any(entry[1] is value or isinstance(entry[1], tuple) and any(part is value for part in entry[1])
                       for entry in self.entries.values())


SHARED_FIGURES = Remembered()


def shared(fig):
    """True for a figure several visitors draw alike (a shared run's curves): it must not be changed."""
    return SHARED_FIGURES.holds(fig)


def projector_sized(fig, height, title=""):
    """Projector-sized text: 16 px labels, 15 px ticks, a bold title."""
    return restyled(fig, dict(height=height, font=dict(size=FONT_SIZE), plot_bgcolor="white",
                                 margin=dict(l=10, r=10, t=50 if title else 10, b=10),
                                 title=dict(text=f"<b>{title}</b>" if title else "", font=dict(size=17))),
                       axes=dict(tickfont=dict(size=15), title=dict(font=dict(size=16))))


def larger(fig, text, height):
    """A plotly figure (go.Figure or a plain figure dict) with every font size `text` times larger, its margins too,
    and the chart `height` times taller (presenter mode: widgets.style_figure)."""
    spec = fig if isinstance(fig, dict) else fig.to_dict()
    layout = _larger_fonts(spec.get("layout", {}), text)
    layout["font"] = {**layout.get("font", {})}
    layout["font"].setdefault("size", round(12 * text))  # plotly's default is 12 px
    layout["height"] = round((layout.get("height") or 450) * height)
    if "margin" in layout:
        layout["margin"] = {side: round(value * text) if isinstance(value, (int, float)) else value
                            for side, value in layout["margin"].items()}
    spec = {**spec, "data": [_larger_fonts(trace, text) for trace in spec.get("data", [])], "layout": layout}
    return spec if isinstance(fig, dict) else go.Figure(spec, _validate=False)


def _larger_fonts(node, text, in_font=False):
    """A copy of a plotly JSON tree with every font size (a "size" inside a "...font" entry) `text` times larger."""
    if isinstance(node, dict):
        return {key: round(value * text) if in_font and key == "size" and isinstance(value, (int, float))
                else _larger_fonts(value, text, key.endswith("font")) for key, value in node.items()}
    if isinstance(node, list):
        return [_larger_fonts(item, text, in_font) for item in node]
    return node


PICTURE_AXIS = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="", constrain="domain")
PICTURE = dict(xaxis=PICTURE_AXIS, yaxis=dict(PICTURE_AXIS, autorange="reversed", scaleanchor="x"))


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
    return projector_sized(go.Figure(traces, layout=layout), 380)


LARGE = dict(size=16, color="#262730")  # readable from the back of a classroom


def large_text(fig, height):
    """Large, dark text on every axis and legend (Streamlit's theme would draw small grey ticks)."""
    return restyled(fig, dict(height=height, font=LARGE, legend=dict(font=LARGE), plot_bgcolor="white"),
                    axes=dict(tickfont=LARGE, title=dict(font=LARGE), gridcolor="#e5e5e5"))
