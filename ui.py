"""What the pages share: the digits in use, the visitor's network, and showing nn_core's real code.

Lifetimes (see Streamlit's caching docs): the datasets are loaded once per server process and shared
read-only by every visitor (`st.cache_resource`, no copy per rerun); each visitor's choice of data, uploads
and network live in `st.session_state`, so thirty students never see each other's work.
"""

import copy
import inspect
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st
from threadpoolctl import threadpool_limits

from nn_core.data import DigitSet, Split, load_default, load_sample, split_dev
from nn_core.training import Hyperparams, new_network

# One BLAS thread per computation. Streamlit runs each visitor's script in its own thread; with OpenBLAS's
# default of one thread per core, a busy 2-core server was measured 18x slower per training step, not faster.
threadpool_limits(1, user_api="blas")

ROOT = Path(__file__).resolve().parent
DATA_DIR = ROOT / "data"

# Session-state keys, in one place.
SOURCE = "data_source"          # name of the data in use: "full MNIST", "bundled sample" or "uploaded CSV"
UPLOADED = "uploaded_digits"    # the DigitSet from the visitor's CSV upload
UPLOADED_SPLITS = "uploaded_splits"
MODEL = "model"                 # the visitor's network: a Model
DRAWN = "drawn_input"           # the last digit drawn on the canvas, (784, 1) float32
PRESENTER = "presenter"         # presenter mode (the sidebar toggle): larger text and charts, explanations folded
DEV_SIZE = "shared_dev_size"    # (dev-set size, page that set it): the Data, Training and Experiments pages agree


@st.cache_resource(show_spinner="Loading the digits...")
def shared_sources():
    """The datasets every visitor can use, loaded once per server: full MNIST when found, and the sample."""
    sources = {}
    best = load_default(DATA_DIR)
    sources[best.source] = best
    if best.source != "bundled sample":
        sources["bundled sample"] = load_sample(DATA_DIR / "mnist_sample.npz")
    return sources


def reload_sources():
    """Load the shared datasets again (after a download added full MNIST), dropping their cached splits."""
    shared_sources.clear()
    _shared_split.clear()


def digits() -> DigitSet:
    """The digits this visitor is working with (full MNIST if the server has it, else the sample)."""
    sources = shared_sources()
    name = st.session_state.get(SOURCE)
    if name == "uploaded CSV" and UPLOADED in st.session_state:
        return st.session_state[UPLOADED]
    return sources.get(name) or next(iter(sources.values()))


def use_source(name):
    """Switch this visitor's data to one of the shared sources or to their uploaded CSV."""
    st.session_state[SOURCE] = name


def use_upload(data: DigitSet):
    """Keep a successfully read CSV for this visitor and make it the data in use."""
    st.session_state[UPLOADED] = data
    st.session_state.pop(UPLOADED_SPLITS, None)
    st.session_state[SOURCE] = "uploaded CSV"


@st.cache_resource(max_entries=3, show_spinner="Preparing X and Y...")
def _shared_split(source_name, dev_size, seed):
    return split_dev(shared_sources()[source_name], dev_size, seed)


def data_split(dev_size=1000, seed=0) -> Split:
    """X_train (784, m), Y_train, X_dev, Y_dev (and X_test, Y_test for full MNIST) of the data in use."""
    data = digits()
    if data.source != "uploaded CSV":
        return _shared_split(data.source, dev_size, seed)
    splits = st.session_state.setdefault(UPLOADED_SPLITS, {})
    if (dev_size, seed) not in splits:
        splits.clear()
        splits[(dev_size, seed)] = split_dev(data, dev_size, seed)
    return splits[(dev_size, seed)]


@dataclass
class Model:
    """A visitor's network: its parameters, the hyperparameters that made it, and how it did."""

    params: dict
    hp: Hyperparams
    history: list = field(default_factory=list)  # StepRecords
    dev_accuracy: float | None = None
    data_description: str = ""

    @property
    def trained(self):
        return len(self.history) > 0 or self.dev_accuracy is not None

    def describe(self):
        """One line for the page: architecture, method, steps and dev accuracy."""
        hp = self.hp
        arch = "-".join(str(n) for n in hp.layer_sizes)
        if not self.trained:
            return f"{arch} {hp.activation}, untrained (freshly initialised, seed {hp.seed})"
        how = f"{hp.method}, alpha {hp.alpha:g}, {len(self.history)} steps"
        acc = f", dev accuracy {self.dev_accuracy:.1%}" if self.dev_accuracy is not None else ""
        return f"{arch} {hp.activation}, {how}{acc}"


def tab_connected():
    """A function that says whether this visitor's browser tab is still connected to the server; a background
    thread (a training run) may call it. Outside a server (AppTest, scripts) it always says yes."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    if context is None or not Runtime.exists():
        return lambda: True
    runtime, session_id = Runtime.instance(), context.session_id
    return lambda: runtime.is_active_session(session_id)


def get_model() -> Model | None:
    """The visitor's network, or None when they have not made one yet."""
    return st.session_state.get(MODEL)


def set_model(model: Model):
    st.session_state[MODEL] = model


def model_or_untrained(hp: Hyperparams | None = None) -> Model:
    """The visitor's network if there is one, else a freshly initialised (untrained) one, not stored."""
    return get_model() or Model(new_network(hp or Hyperparams()), hp or Hyperparams())


def show_code(*functions, title="The code that computes this (nn_core)"):
    """Show the real source of nn_core functions, so the page teaches with the code that runs."""
    with st.expander(title):
        for f in functions:
            st.code(inspect.getsource(f), language="python")


def image_of(column):
    """A (784,) or (784, 1) column -> a (28, 28) image, row by row as MNIST stores it."""
    return np.asarray(column).reshape(28, 28)


def try_this(*items, title="🧪 Try this"):
    """A page's exercises, in the same look on every page: a heading, then a numbered list of things to do."""
    st.header(title)
    st.markdown("\n".join(f"{n}. {item}" for n, item in enumerate(items, start=1)))


def quiz(question, options, answer, explanation, key, format_func=str):
    """A predict-then-check question: pick an answer, press Check, read ✅ or ❌ and why.

    answer : the right one of `options`; a page may compute it from the live network or data (the real shape
    of dW1, the digit a hidden unit votes for). The verdict is in words and symbols, never in colour alone.
    Choosing another answer hides the verdict until Check is pressed again.
    """
    checked = f"{key}_checked"

    def forget_verdict():
        st.session_state.pop(checked, None)

    with st.container(border=True):
        choice = st.radio(f"🤔 {question}", options, index=None, key=key, format_func=format_func,
                          on_change=forget_verdict,
                          help="Predict before you look: pick the answer you expect, then press Check. The answer "
                               "is worked out from the network and data on this page, so it can change when they do.")
        if st.button("✔️ Check", key=f"{key}_check",
                     help="Says whether your answer is right (✅) or not (❌), and explains why. You can pick "
                          "another answer and check again."):
            st.session_state[checked] = True
        if not st.session_state.get(checked):
            return
        if choice is None:
            st.info("Pick an answer first: predicting before you look is the point.")
        elif choice == answer:
            st.success(f"**Right:** {format_func(answer)}. {explanation}", icon="✅")
        else:
            st.warning(f"**Not quite:** you picked {format_func(choice)}; the answer is "
                       f"**{format_func(answer)}**. {explanation}", icon="❌")


# ---------------------------------------------------------------------------------------------------------
# One dev-set size for every page
# ---------------------------------------------------------------------------------------------------------


def dev_size():
    """The dev-set size the pages share, or None while no page has set one."""
    shared = st.session_state.get(DEV_SIZE)
    return shared[0] if shared else None


def set_dev_size(size, page):
    """Make `size` the dev-set size of every page; `page` names the page whose control set it."""
    st.session_state[DEV_SIZE] = (int(size), page)


def dev_size_from_elsewhere(page):
    """The shared dev-set size when another page (or a link) set it last, so `page` should follow; else None."""
    shared = st.session_state.get(DEV_SIZE)
    return shared[0] if shared and shared[1] != page else None


def dev_options(sizes):
    """The dev-set sizes a page offers: those of `sizes` that leave at least half of the data in use for
    training, plus the shared size when it does too (so a size chosen on the Data page is on offer here)."""
    m = len(digits().labels)
    shared = dev_size()
    options = {d for d in sizes if d <= m // 2} | ({shared} if shared and shared <= m // 2 else set())
    return sorted(options) or [max(1, m // 5)]


# ---------------------------------------------------------------------------------------------------------
# Presenter mode: for a projector
# ---------------------------------------------------------------------------------------------------------

PRESENTER_SCALE = 1.35  # text, relative to normal
PRESENTER_HEIGHT = 1.3  # chart heights, relative to normal
PRESENTER_CSS = """
<style id="presenter-mode">
html { font-size: 21.6px !important; }  /* 1.35 x 16 px: every size Streamlit gives in rem grows with it */
[data-testid="stMain"] h1 { font-size: 3.6rem; }
[data-testid="stMain"] h2 { font-size: 2.6rem; }
[data-testid="stMain"] h3 { font-size: 2rem; }
[data-testid="stMetricValue"] { font-size: 3rem; }
[data-testid="stWidgetLabel"] p, [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li
  { font-size: 1rem; line-height: 1.5; }
.katex { font-size: 1.3em; }
</style>
"""


def presenter():
    """True in presenter mode: pages fold their explanations away and draw larger charts."""
    return bool(st.session_state.get(PRESENTER, False))


def presenter_style():
    """Larger text on the whole page in presenter mode (CSS that takes no room on the page); app.py calls it."""
    if presenter():
        st.html(PRESENTER_CSS)


def explain(text):
    """An explanatory paragraph (Markdown). In presenter mode it folds into an expander: the teacher says it
    out loud, and the screen keeps the formulas and the pictures."""
    if presenter():
        with st.expander("📖 Explanation"):
            st.markdown(text)
    else:
        st.markdown(text)


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


def style_figure(fig):
    """A plotly figure (go.Figure or a plain figure dict) as it is, or in presenter mode with every font size
    PRESENTER_SCALE times larger and the chart PRESENTER_HEIGHT times taller. Pages pass each chart through it."""
    if not presenter():
        return fig
    spec = fig if isinstance(fig, dict) else fig.to_dict()
    larger = {**spec, "data": [_larger_fonts(trace) for trace in spec.get("data", [])],
              "layout": _larger_layout(spec.get("layout", {}))}
    return larger if isinstance(fig, dict) else go.Figure(larger, _validate=False)


def _larger_layout(layout):
    layout = _larger_fonts(layout)
    layout["font"] = {**layout.get("font", {})}
    layout["font"].setdefault("size", round(12 * PRESENTER_SCALE))  # plotly's default is 12 px
    layout["height"] = round((layout.get("height") or 450) * PRESENTER_HEIGHT)
    if "margin" in layout:
        layout["margin"] = {side: round(value * PRESENTER_SCALE) if isinstance(value, (int, float)) else value
                            for side, value in layout["margin"].items()}
    return layout


def _larger_fonts(node, in_font=False):
    """A copy of a plotly JSON tree with every font size (a "size" inside a "...font" entry) scaled up."""
    if isinstance(node, dict):
        return {key: round(value * PRESENTER_SCALE) if in_font and key == "size" and isinstance(value, (int, float))
                else _larger_fonts(value, key.endswith("font")) for key, value in node.items()}
    if isinstance(node, list):
        return [_larger_fonts(item, in_font) for item in node]
    return node


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
