"""What pages draw with: a chart at full width, a table, the real nn_core code, exercises, predict-then-check
questions, and presenter mode (larger text and charts for a projector, explanations folded away).
"""

import html
import inspect
import io
import keyword
import tokenize

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from dashboard import tables
from dashboard.pictures import (
    column_bars_picture,
    matrix_picture,
    probability_bars,
    score_terms,
    symmetric,
    units_picture,
    waterfall,
)
from dashboard.plotly_charts import column_bars, larger, restyled
from dashboard.state import PRESENTER
from nn_core.network import layer_count

FONT = dict(size=16, color="#262730")  # readable from the back of a classroom


def show(fig, key, height=None):
    """Draw a plotly figure at full column width: projector-sized text, no toolbar, larger in presenter mode.

    height : screen pixels (None keeps the figure's own). A top margin the figure set is kept; otherwise it
    leaves room for a title or annotations, if any.
    """
    st.plotly_chart(style_figure(_restyle(fig, height)), width="stretch", key=key, config={"displayModeBar": False})


def vector(values, name, unit_title, key, height, off=None, width=380):
    """A column vector (n, 1) such as b1, Z1 or A1 as horizontal bars, unit 0 at the top, each value printed.

    Up to 16 numbers it is a picture (pictures.column_bars_picture), drawn at once, about `width` screen pixels
    wide; a longer vector is a plotly chart whose values show on hover. off : units an activation switched off (a
    grey ✕).
    """
    v = np.ravel(values)
    if v.size > 16:
        show(column_bars(values, unit_title, off), key, height)
        return
    finite = v[np.isfinite(v)]
    span = f"from {finite.min():.2f} to {finite.max():.2f}" if finite.size else "none of them a finite number"
    st.image(column_bars_picture(values, unit_title, off, width=in_units(width)), width="stretch",
             caption=f"{name}: {v.size} numbers, {span}" + ("" if finite.size == v.size else " (and NaN or inf)"),
             alt=f"{name} as bars: " + ", ".join(f"{unit_title} {u}: {x:.2f}" for u, x in enumerate(v)))


# An SVG picture placed in the page itself (not as an image), so that its parts show their numbers on hover and,
# when clickable, a click on a part marked data-node (or Enter on it) is sent to Python as that mark.
_PICTURE_JS = """
export default function (component) {
    const { data, parentElement, setTriggerValue } = component;
    let box = parentElement.querySelector(".picture");
    if (!box) {
        box = document.createElement("div");
        box.className = "picture";
        parentElement.appendChild(box);
    }
    box.innerHTML = data.svg;
    if (!data.clickable) return;
    box.querySelectorAll("[data-node]").forEach((node) => {
        node.setAttribute("tabindex", "0");
        node.setAttribute("role", "button");
        node.setAttribute("aria-label", "open " + node.querySelector("title").textContent.split("\\n")[0]);
        node.addEventListener("click", () => setTriggerValue("clicked", node.dataset.node));
        node.addEventListener("keydown", (event) => {
            if (event.key === "Enter" || event.key === " ") {
                event.preventDefault();
                setTriggerValue("clicked", node.dataset.node);
            }
        });
    });
}
"""
_PICTURE_CSS = """
.picture svg { display: block; width: 100%; height: auto; }
.picture [data-node] { cursor: pointer; }
.picture [data-node]:focus { outline: 3px solid #0072B2; }
"""
_picture = st.components.v2.component("svg_picture", js=_PICTURE_JS, css=_PICTURE_CSS)


def svg_picture(svg, key, clickable=False):
    """Place an SVG picture (text) at full column width, its <title>s shown on hover. clickable: its parts marked
    data-node can be clicked. Returns the data-node of the part just clicked (once, on the rerun the click
    starts), else None."""
    if not clickable:
        _picture(data={"svg": svg, "clickable": False}, key=key)
        return None
    return _picture(data={"svg": svg, "clickable": True}, key=key, on_clicked_change=lambda: None).clicked


def probabilities(A, predicted, label=None, height=400, width=640):
    """The ten probabilities A (10, 1) as bars (pictures.probability_bars), each printed above its bar: the answer
    ★ in orange, the label ✓ when known. width, height : about the screen pixels the picture fills."""
    p = np.ravel(A)
    st.image(probability_bars(A, predicted, label, width=in_units(width), height=in_units(height)), width="stretch",
             caption=f"The ten probabilities, one per digit: they add up to {p.sum():.0%}.",
             alt="The ten probabilities as bars: " + ", ".join(f"{k}: {x:.1%}" for k, x in enumerate(p))
                 + f". The answer is {predicted}" + (f"; the label is {label}." if label is not None else "."))


def units(rows, titles, what, which, caption, per_line=5):
    """Hidden units' rows of 784 numbers as 28 x 28 pictures under their titles (pictures.units_picture), on one
    RdBu scale: blue positive, red negative, white 0. which : the units' numbers, for the alt text."""
    st.image(units_picture(rows, titles, what, per_line), width="stretch", caption=caption,
             alt=f"{len(rows)} pictures of 28 x 28 numbers ({what}), for units " + ", ".join(str(j) for j in which))


def score_waterfall(W, b, A_prev, k, L, shown, name, by="term by term", height=420):
    """Z_L[k] = sum over j of W[k, j] · A_prev[j], plus b[k], as a waterfall of its `shown` largest terms
    (pictures.score_terms, pictures.waterfall), with its caption and alt text. name : what the sum is, such as
    "the score of 3"; it titles the y axis ("adds to ..."). Returns what pictures.score_terms gives (terms, the
    units drawn, the rest, the total), for the table and the check under the picture.

    W (n_out, n), b (n_out, 1), A_prev (n, 1).
    """
    terms, drawn, rest, total = score_terms(W, b, A_prev, k, shown)
    st.image(waterfall(drawn, terms[drawn], A_prev[drawn, 0] == 0, rest, float(b[k, 0]), total, k, L,
                       y_title=f"adds to {name}", height=height), width="stretch",
             caption=f"{name[0].upper()}{name[1:]}, Z{L}[{k}] = {total:.2f}, {by}: blue adds, red takes away, grey is "
                     "the total.",
             alt=f"A waterfall of the terms of {name}: " + ", ".join(f"unit {j} {terms[j]:+.2f}" for j in drawn)
                 + f", bias {b[k, 0]:+.2f}, total {total:.2f}")
    return terms, drawn, rest, total


def matrix(M, title, rows, columns, name="weight", width=720, grey=False, square=False):
    """A matrix as a picture (pictures.matrix_picture): blue positive, red negative, white 0, row 0 at the top (with
    grey: 0 black, 1 white; with square: square cells); rows and columns name what its rows and columns are;
    width : about the screen pixels it fills (1200 for the page's whole width). Its numbers belong in a table
    nearby."""
    M = np.atleast_2d(M)
    st.image(matrix_picture(M, title, rows, columns, name=name, width=in_units(width), grey=grey, square=square),
             width="stretch",
             caption=(f"{name}: 0 black, 1 white" if grey else
                      f"{name}: blue positive, red negative, white 0; the largest size is {symmetric(M):.2g}"),
             alt=f"{title}: a heatmap of {M.shape[0]} rows ({rows}) by {M.shape[1]} columns ({columns})")


def picture(values, title, name, grey=False, width=380):
    """784 numbers (a row of W1, a digit x, the terms w * x) as a 28 x 28 picture (pictures.matrix_picture):
    RdBu centred on 0, or, with grey, 0 black and 1 white as MNIST stores a digit. width : about the screen pixels
    it fills."""
    matrix(np.asarray(values, dtype=np.float64).reshape(28, 28), title, "row", "column", name, width=width,
           grey=grey, square=True)


def adds_up(what, total, name, computed):
    """The check under a sum written out term by term: ✓ when `what` (the bars, the edges and the bias) add up to
    `computed`, forward_prop's own number `name` (such as Z2[3]), to float32 rounding; else an error."""
    if np.isclose(total, computed, rtol=1e-4, atol=1e-4):
        st.success(f"✓ {what} add up to **{total:.4f}**, and forward_prop's {name} is **{computed:.4f}**: the same "
                   "number.")
    else:
        st.error(f"{what} add up to {total:.4f}, but forward_prop's {name} is {computed:.4f}.")


def _restyle(fig, height):
    spec_layout = fig.layout
    top = spec_layout.margin.t
    if top is None:
        top = 40 if spec_layout.title.text or spec_layout.annotations else 10
    ticks = dict(size=15, color=FONT["color"])
    layout = dict(height=height, font=FONT, margin=dict(l=10, r=10, t=top, b=10), legend=dict(font=FONT))
    if any(getattr(trace, "coloraxis", None) for trace in fig.data):
        layout["coloraxis"] = dict(colorbar=dict(tickfont=ticks))
    return restyled(fig, layout, axes=dict(tickfont=ticks, title=dict(font=FONT)),
                    traces={"heatmap": dict(colorbar=dict(tickfont=ticks))})


def table(df, **options):
    """A DataFrame without its index, every float with 4 decimals so the columns line up."""
    floats = {c: st.column_config.NumberColumn(format="%.4f") for c in df.columns if df[c].dtype.kind == "f"}
    st.dataframe(df, hide_index=True, width="stretch", column_config=floats, **options)


ALL_NUMBERS = "all_numbers_open"  # the sidebar's "every table of numbers open"


def numbers_box(label, key):
    """The expander that holds the numbers behind a chart, or None while it is shut.

    Its tables are built only when someone opens it (opening it reruns the page), so a page with many charts is
    drawn sooner. With the sidebar's "Every table of numbers open" (for a screen reader, or a class reading
    the numbers), every such expander opens by itself.
    """
    if st.session_state.get(ALL_NUMBERS):
        st.session_state[key] = True
    box = st.expander(label, key=key, on_change="rerun")
    return box if box.open else None


def all_numbers_toggle():
    """The sidebar switch that opens every table of numbers on every page."""
    st.sidebar.toggle("🔢 Every table of numbers open", key=ALL_NUMBERS,
                      help="Opens every \"The numbers behind ...\" section on every page: each chart's numbers as a "
                           "table, for a screen reader or for reading them out in class. Off, each one opens on a "
                           "click, and pages are drawn faster.")


def link_to(page, label, what, key):
    """A large button that opens another page of the app. A page started on its own, without the app's
    navigation (a test, `streamlit run views/home/page.py`), cannot switch: it says where to find the page."""
    if st.button(label, type="primary", key=key,
                 help=f"Opens another page of this app, the lesson goes on there: {what}"):
        try:
            st.switch_page(page)
        except StreamlitPageNotFoundError:
            st.info(f"Open {label.split(':')[-1].strip()} from the app's sidebar (start the app with "
                    "`streamlit run app.py`).")


CODE_COLOURS = {"comment": "#4f5b62", "string": "#0b6b35", "number": "#8a4500", "keyword": "#6f2da8"}  # AA on grey


def python_html(source):
    """Python source as HTML text: comments, strings, numbers and keywords each in their colour, the rest as it
    is. The source must be complete Python (whole lines, closed brackets)."""
    lines = source.splitlines(keepends=True)
    out, row, col = [], 1, 0  # the place up to which the source is written out

    def write_up_to(end_row, end_col):
        nonlocal row, col
        while row < end_row:
            out.append(html.escape(lines[row - 1][col:]))
            row, col = row + 1, 0
        out.append(html.escape(lines[row - 1][col:end_col]) if row <= len(lines) else "")
        col = end_col

    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        kind = ("comment" if token.type == tokenize.COMMENT else "string" if token.type == tokenize.STRING else
                "number" if token.type == tokenize.NUMBER else
                "keyword" if token.type == tokenize.NAME and keyword.iskeyword(token.string) else None)
        if kind is None or token.start[0] > len(lines):
            continue
        write_up_to(*token.start)
        out.append(f'<span style="color:{CODE_COLOURS[kind]}">')
        write_up_to(*token.end)
        out.append("</span>")
    write_up_to(len(lines), len(lines[-1]) if lines else 0)
    return "".join(out)


def code_block(source):
    """A short piece of Python shown in the page's code font on grey, coloured as st.code colours it, but drawn
    as plain HTML: a fresh tab need not load the code highlighter first (1.6 MB of script). For code a visitor
    should copy, st.code, which has a copy button."""
    st.html('<pre style="background:#f0f2f6; border-radius:0.5rem; padding:1rem; margin:0; overflow-x:auto; '
            'font-family:\'Source Code Pro\', monospace; font-size:0.875rem; line-height:1.6; color:#262730">'
            f"<code>{python_html(source)}</code></pre>")


def scrolling_table(table_html, label):
    """An HTML table (tables.html_table) in a box that scrolls sideways, its first column kept in view. For a
    wide table that should be there at once: a fresh tab draws it without first loading the data grid's code.
    label : what the table is, for a screen reader (the box can be scrolled with the keyboard)."""
    st.html(f'<div class="scrolling-table" tabindex="0" role="region" aria-label="{html.escape(label)}">'
            f"{table_html}</div>")


def show_code(*functions, title="The code that computes this (nn_core)"):
    """Show the real source of nn_core functions, so the page teaches with the code that runs. The code is put
    on the page when the expander is opened (opening it reruns the page): a page that shows no code draws
    sooner in a fresh tab, which would otherwise first load the code highlighter."""
    box = st.expander(title, key="code_" + "_".join(f.__name__ for f in functions), on_change="rerun")
    if box.open:
        with box:
            for f in functions:
                st.code(inspect.getsource(f), language="python")


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
# Presenter mode: for a projector
# ---------------------------------------------------------------------------------------------------------

PRESENTER_SCALE = 1.35  # text, relative to normal
PRESENTER_HEIGHT = 1.3  # chart heights, relative to normal
PRESENTER_CSS = """
<style id="presenter-mode">
html { font-size: 21.6px !important; }  /* 1.35 x 16 px: every size Streamlit gives in rem grows with it */
[data-testid="stMain"] h1 { font-size: 2.6rem; }
[data-testid="stMain"] h2 { font-size: 2rem; }
[data-testid="stMain"] h3 { font-size: 1.6rem; }
[data-testid="stWidgetLabel"] p, [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li
  { font-size: 1rem; line-height: 1.5; }
/* The key numbers (an answer, an accuracy) stay the largest text on the screen: 2.2rem = 47.5 px. */
[data-testid="stMetricValue"], [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p
  { font-size: 2.2rem; line-height: 1.2; }
/* Formulas at 1.05 times the text (21.6 px already): the lesson's formulas then fit a 1280 px projector, so none
   needs the sideways scroll every page gives a formula wider than the screen (READABLE_CSS). */
.katex { font-size: 1.05em; }
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; padding-left: 2rem; padding-right: 2rem; }
</style>
"""


def presenter():
    """True in presenter mode: pages fold their explanations away and draw larger charts."""
    return bool(st.session_state.get(PRESENTER, False))


def in_units(pixels):
    """The size of a picture in its own units, for a picture that fills about `pixels` screen pixels (on a page
    about 1,200 pixels wide, as a projector's 1280 x 720 in presenter mode): as many units as pixels, so its text
    (16 units and up) comes out at the page's text size; in presenter mode PRESENTER_SCALE times fewer, so the
    browser, stretching the picture over the same pixels, draws its text PRESENTER_SCALE times larger (21.6 px,
    the presenter's text size)."""
    return round(pixels / PRESENTER_SCALE) if presenter() else round(pixels)


# Every page: grey text dark enough to read (WCAG AA, 4.5:1 on white: Streamlit's light grey captions and the
# labels of controls that are switched off measure 3.7:1 and 2.2:1).
READABLE_CSS = """
<style id="readable">
[data-testid="stCaptionContainer"] { opacity: 1 !important; }  /* Streamlit draws captions at 60% opacity */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #55565f !important; }
[data-testid="stWidgetLabel"] p { color: #31333f !important; }
/* the chosen one of a row of choices: Streamlit's red on pink is 4.47:1 */
[data-testid="stButtonGroup"] [data-selected="true"] [data-testid="stMarkdownContainer"] { color: #b03340 !important; }
.stCode .token.string { color: #137333 !important; }  /* code: strings and comments dark enough to read */
.stCode .token.comment { color: #5c5f6b !important; }
/* scrolling_table: a wide table that scrolls sideways, its first column (the label) kept in view */
.scrolling-table { overflow-x: auto; border: 1px solid #d5d7de; border-radius: 0.5rem; }
.scrolling-table table { border-collapse: collapse; font-size: 0.875rem; font-variant-numeric: tabular-nums; }
.scrolling-table th, .scrolling-table td { padding: 0.3rem 0.7rem; text-align: right; white-space: nowrap;
  border-bottom: 1px solid #e6e7eb; color: #31333f; }
.scrolling-table th { background: #f0f2f6; font-weight: 600; }
.scrolling-table tr > :first-child { position: sticky; left: 0; background: #f0f2f6; }
/* A formula wider than the screen (a phone's) scrolls inside its own box instead of being cut at the edge. */
.katex-display { overflow-x: auto; overflow-y: hidden; padding-bottom: 0.2rem; }
/* A drawing canvas (a key with "_canvas_") shows its toolbar (undo, redo, clear) above its top edge, over whatever
   is there: room for the toolbar above the canvas, so it covers no text. */
[data-testid="stElementContainer"][class*="_canvas_"] { padding-top: 2.4rem; }
.st-key-sidebar_closer { display: none; }  /* fold_sidebar_after_a_page_is_chosen: nothing to see */
/* The Training page's three live charts, one per row on a narrow screen (Streamlit stacks columns below 640 px;
   three charts need about 700 px side by side). */
@media (max-width: 700px) {
  .st-key-tr_curves [data-testid="stHorizontalBlock"] { flex-direction: column; }
  .st-key-tr_curves [data-testid="stColumn"] { width: 100% !important; flex: 1 1 auto !important; }
  /* a row of choices (st.segmented_control) wider than a phone wraps, rather than hide its last ones */
  [data-testid="stButtonGroup"] > div { flex-wrap: wrap; }
  /* formulas a little smaller, so that the short ones (the update rule, Z1 = W1 X + b1) fit a phone's width */
  .katex-display { font-size: 0.82em; }
}
</style>
"""


def live_part(draw, run_every, *args):
    """draw(*args) as a fragment (redrawn alone every run_every seconds; None: only when its own widgets change),
    inside a container made outside it, so that its place on the page is the page's own.

    Why the container: when the fragment's timer asks for a redraw while the whole page is running, Streamlit can
    drop what the page's run drew of the fragment before it reaches the browser. Without a container of its own the
    browser then closes the gap, every later part moves up one place, and the next redraw of another fragment finds
    an element where its container was: the tab stops ("'setIn' cannot be called on an ElementNode") and goes blank.
    With the container, only the fragment's contents are missing, until its next redraw."""
    with st.container():
        st.fragment(draw, run_every=run_every)(*args)


def presenter_style():
    """The page's own CSS (it takes no room on the page): readable grey text always, and in presenter mode
    larger text everywhere. app.py calls it on every page."""
    st.html(READABLE_CSS + (PRESENTER_CSS if presenter() else ""))


# A phone's browser tells Streamlit it is a phone, and Streamlit folds the sidebar once a page is chosen in it; on
# any other narrow screen (a small window, a tablet, a phone that does not say so) the sidebar stays open over the
# page it opened. This listens for a click on the sidebar's page links and then folds a sidebar that lies over the
# page (rather than beside it), as Streamlit's own button would.
_SIDEBAR_JS = """
export default function () {
    if (window.nnSidebarCloser) return;  // one listener per tab
    window.nnSidebarCloser = true;
    document.addEventListener("click", (event) => {
        if (!event.target.closest('[data-testid="stSidebarNav"] a')) return;
        setTimeout(() => {
            const sidebar = document.querySelector('[data-testid="stSidebar"]');
            const main = document.querySelector('[data-testid="stMain"]');
            const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
            if (!sidebar || !main || !button || document.querySelector('[data-testid="stExpandSidebarButton"]')) {
                return;  // folded already (by Streamlit, on a phone that says so)
            }
            if (sidebar.getBoundingClientRect().right > main.getBoundingClientRect().left + 1) button.click();
        }, 100);
    });
}
"""
_sidebar_closer = st.components.v2.component("sidebar_closer", js=_SIDEBAR_JS)


def fold_sidebar_after_a_page_is_chosen():
    """On a narrow screen, where the sidebar lies over the page, fold it once a page is chosen in it (app.py calls
    this on every page; it takes no room)."""
    with st.sidebar:
        _sidebar_closer(key="sidebar_closer")


def explain(text):
    """An explanatory paragraph (Markdown). In presenter mode it folds into an expander: the teacher says it
    out loud, and the screen keeps the formulas and the pictures."""
    if presenter():
        with st.expander("📖 Explanation"):
            st.markdown(text)
    else:
        st.markdown(text)

def style_figure(fig):
    """A plotly figure (go.Figure or a plain figure dict) as it is, or in presenter mode with every font size
    PRESENTER_SCALE times larger and the chart PRESENTER_HEIGHT times taller. Pages pass each chart through it."""
    return larger(fig, PRESENTER_SCALE, PRESENTER_HEIGHT) if presenter() else fig


# The numbers behind the network picture (Home and Forward pass draw it)
MAX_DRAWN = 10  # hidden units drawn per layer; a wider layer is drawn as its strongest units for the digit

def picture_numbers(params, cache, shown, k):
    """The numbers behind the network picture, in an expander: every drawn hidden unit's Z and A (and, for the
    last hidden layer, its edge into output k's score), the ten outputs, and the W1 rows drawn as pictures.

    shown : {l: unit indices drawn} for the hidden layers. k : the output whose incoming edges are drawn strongly.
    """
    L = layer_count(params)
    if box := numbers_box("🔢 The numbers behind the picture", "forward_numbers_picture"):
        with box:
            for l in range(1, L):
                units = np.asarray(shown[l])
                rows = {"unit j": units, f"Z{l}[j]": cache[f"Z{l}"][units, 0], f"A{l}[j]": cache[f"A{l}"][units, 0]}
                if l == L - 1:
                    w = params[f"W{L}"][k, units]
                    with np.errstate(over="ignore", invalid="ignore"):  # a diverged run's last weights may overflow
                        edge = w * cache[f"A{l}"][units, 0]
                    rows |= {f"W{L}[{k}, j]": w, f"edge into {k}: W{L}[{k}, j] · A{l}[j]": edge}
                st.markdown(f"**Hidden layer {l}, the units drawn**")
                table(pd.DataFrame(rows))
            st.markdown(f"**The outputs: Z{L} and A{L} = softmax(Z{L})**")
            table(pd.DataFrame({"digit k": np.arange(10), f"Z{L}[k]": cache[f"Z{L}"][:, 0],
                                f"A{L}[k]": cache[f"A{L}"][:, 0]}))
            st.markdown("**The rows of W1 drawn as pictures** (one row per unit, one column per pixel)")
            st.dataframe(tables.wide_table(params["W1"][shown[1]], [f"w{i}" for i in range(784)],
                                           [f"unit {j}" for j in shown[1]], "W1 row"), width="stretch", height=260)
