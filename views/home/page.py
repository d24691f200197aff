"""Home: the lesson's network at a glance, where to start, and how a class can use the app."""


import numpy as np
import streamlit as st

from dashboard import network_drawing, state, tables, widgets
from dashboard.colours import ORANGE, RDBU_BLUE
from dashboard.pictures import TEXT, text_width
from dashboard.widgets import MAX_DRAWN, picture_numbers
from nn_core.network import forward_prop, layer_count
from nn_core.training import NOTEBOOK, new_network


def network_at_a_glance(model):
    """The network as a picture (network_drawing.network_picture, the small version) on the first digit of the dev set:
    the visitor's own network when they have one, else the lesson's 784-10-10 as initialised (random weights,
    said so). Below it, what it answered and a button to the Forward pass page, which opens every number.

    model : the visitor's state.Model, or None.
    """
    mine = model is not None
    model = model or state.Model(new_network(NOTEBOOK), NOTEBOOK)
    try:
        split = state.data_split(model.hp.dev_size)
    except ValueError as problem:
        st.info(f"No digit to show the network on: {problem} Choose other data on the 🔢 Data page.")
        return
    X, label = split.X_dev[:, :1], int(split.Y_dev[0])  # (784, 1): the dev set's first digit
    with np.errstate(over="ignore", invalid="ignore"):  # the last good weights of a diverged run may overflow
        cache = forward_prop(model.params, X, model.hp.activation)
    L = layer_count(model.params)
    shown = {l: network_drawing.strongest_units(cache[f"A{l}"], MAX_DRAWN) for l in range(1, L)}
    picture = network_drawing.network_picture(X, model.params, cache, shown, label=label, compact=True,
                                              width=widgets.in_units(680), height=widgets.in_units(420))
    widgets.svg_picture(picture, "home_picture")
    A_out = cache[f"A{L}"][:, 0]
    answer = int(np.argmax(A_out))
    who = (f"**Your network** ({model.describe()})" if mine else
           "**The lesson's 784-10-10 as it starts**: random weights, so its W1 rows are noise and its answer a "
           "guess; train it on the 📉 Training page and this picture becomes yours")
    wide = [f"layer {l}'s {MAX_DRAWN} strongest of {cache[f'A{l}'].shape[0]} units"
            for l in range(1, L) if cache[f"A{l}"].shape[0] > MAX_DRAWN]
    st.caption(
        f"{who}, reading the dev set's first digit (a {label} ✓): it answers **{answer}** with "
        f"{A_out[answer]:.0%} (★). Each hidden unit of layer 1 is drawn as its 784 weights (blue raises it, red "
        "lowers it) beside a node as large as its output; a grey ✕ is a unit ReLU switched off. Edges into the "
        "answer are as thick as what they add to its score (blue) or take away (red, dashed)."
        + (f" Drawn: {'; '.join(wide)}." if wide else ""))
    picture_numbers(model.params, cache, shown, answer)
    widgets.link_to("views/forward/page.py", "➡️ Open every number: Forward pass", key="home_forward",
                    what="the same picture for any digit; click a unit or an output to see its sum.")

def network_diagram(hidden=10, width=680, height=400):
    """The lesson's 784-hidden-10 network as an SVG picture (text, for st.image): the input column X (784 pixels,
    12 drawn, the rest as dots), the hidden units, the ten outputs, every drawn connection of W1 and W2 as a thin
    line, and each layer's formula and shapes beside it. width, height : in the picture's units; the columns
    leave room for their labels (16 units), and the nodes are as large as the room between them allows."""
    below = [["784 pixels", "X (784, m)"], [f"{hidden} hidden units", "A1 = ReLU(W1 X + b1)"],
             ["10 digits 0-9", "A2 = softmax(Z2)"]]
    above = [[f"W1 ({hidden}, 784), b1 ({hidden}, 1)"], [f"W2 (10, {hidden}), b2 (10, 1)"]]
    ends = [max(70, max(map(text_width, rows)) / 2 + 6) for rows in (below[0], below[2])]  # room for the labels
    xs = [round(ends[0]), width // 2, round(width - ends[1])]
    if max(text_width(rows[0]) for rows in above) > (xs[2] - xs[0]) / 2 - 10:  # too wide side by side: two lines
        above = [rows[0].replace(", b", ",\nb").split("\n") for rows in above]
    columns = ((xs[0], 12, "#4d4d4d"), (xs[1], min(hidden, 12), RDBU_BLUE), (xs[2], 10, ORANGE))
    top, bottom = 36 + 22 * len(above[0]), height - 96
    ys = [[top + k * (bottom - top) / max(n - 1, 1) for k in range(n)] for _, n, _ in columns]
    r = min(9.0, 0.4 * (bottom - top) / 11)  # a node's radius, the squares as wide: 12 rows never touch
    lines = [f'<line x1="{x0}" y1="{y0:.1f}" x2="{x1}" y2="{y1:.1f}"/>'
             for (x0, _, _), (x1, _, _), left, right in zip(columns, columns[1:], ys, ys[1:], strict=False)
             for y0 in left for y1 in right]
    nodes = []
    for (x, _, colour), heights in zip(columns, ys, strict=True):
        shape = (f'<rect x="{{x}}" y="{{y}}" width="{2 * r:.1f}" height="{2 * r:.1f}" fill="{{c}}"/>'
                 if colour == "#4d4d4d" else f'<circle cx="{{cx}}" cy="{{cy}}" r="{r:.1f}" fill="{{c}}"/>')
        nodes += [shape.format(x=f"{x - r:.1f}", y=f"{y - r:.1f}", cx=x, cy=f"{y:.1f}", c=colour) for y in heights]
    labels = [(x, height - 64, rows) for x, rows in zip(xs, below, strict=True)]
    labels += [((xs[0] + xs[1]) // 2, 32, above[0]), ((xs[1] + xs[2]) // 2, 32, above[1])]
    text = [f'<text x="{x}" y="{y + 22 * k}" text-anchor="middle">{line}</text>'
            for x, y, rows in labels for k, line in enumerate(rows)]
    text.append(f'<text x="{xs[0] + 2 * r + 10:.0f}" y="{(top + bottom) / 2:.0f}" font-size="26">⋮</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="{TEXT}" fill="#262730">'
            f'<rect width="{width}" height="{height}" fill="white"/>'
            f'<g stroke="#b0b8c4" stroke-width="0.6">{"".join(lines)}</g>{"".join(nodes)}{"".join(text)}</svg>')


st.title("🧠 A neural network from scratch, number by number")
intro_slot = st.container() if widgets.presenter() else None  # on a projector the picture comes first
widgets.explain(
    """
This app takes apart the small network of Samson Zhang's notebook *"Building a neural network FROM SCRATCH
(no TensorFlow/PyTorch, just numpy & math)"*: **784 inputs → 10 ReLU units → 10 softmax outputs**, written in
plain NumPy, learning to read handwritten digits (MNIST). Nothing is hidden: every matrix, every gradient and
every line of code that computes them is on screen.
"""
)

REAL, STRUCTURE = "🖼️ The network reading a digit", "🕸️ Every connection"
picture, start = (intro_slot or st).columns([3, 2], gap="large")
with picture:
    model = state.get_model()
    real_tab, structure_tab = st.tabs([REAL, STRUCTURE], default=REAL if model else STRUCTURE, key="home_picture_tab")
    with real_tab:
        network_at_a_glance(model)
    with structure_tab:
        caption = ("The network of the lesson: each of the 784 pixels feeds each of the 10 hidden units (the 7,840 "
                   "weights of W1), and each hidden unit feeds each of the 10 outputs (the 100 weights of W2). "
                   "Only 12 of the 784 inputs are drawn.")
        st.image(network_diagram(width=widgets.in_units(680), height=widgets.in_units(400)), caption=caption,
                 width="stretch",
                 alt="A diagram of the network: 784 input pixels, 10 hidden units and 10 outputs, fully connected.")
        if box := widgets.numbers_box("The numbers behind the picture: each layer's units and parameters",
                                      "home_numbers"):
            with box:
                widgets.table(tables.layer_table(new_network(NOTEBOOK)))
with start:
    st.header("Start here")
    widgets.link_to("views/data/page.py", "▶️ Begin the lesson: 🔢 The data", key="home_start",
                    what="the first page, what the network reads and how 28 x 28 images become the matrix X.")
    st.markdown(
        """
1. **🔢 The data**: 28 x 28 images become the columns of X (784 x m); why a dev set is held out.
2. **➡️ Forward pass**: one digit through W1, b1, Z1, A1, W2, b2, Z2 and A2 to a prediction.
3. **📉 Training**: backpropagation step by step, the learning rate, live loss and accuracy curves.
4. **🧪 Experiments**: how much one accuracy varies from run to run, and what a bigger network adds.
5. **👥 Class**: every run the class trained on this server, on one board: what each learning rate gave.
6. **✏️ Draw a digit**: draw with the mouse or a finger and see what the network sees and why it answers.
"""
    )
    st.latex(r"""
\begin{aligned}
Z^{[1]} &= W^{[1]} X + b^{[1]} \\ A^{[1]} &= \mathrm{ReLU}(Z^{[1]}) \\
Z^{[2]} &= W^{[2]} A^{[1]} + b^{[2]} \\ A^{[2]} &= \mathrm{softmax}(Z^{[2]})
\end{aligned}
""")

st.header("Using it with a class")
widgets.explain(
    """
- Go through the pages in order: each one builds on the one before.
- Every visitor has their own network: students can train and break theirs without touching yours.
- Break things on purpose: a learning rate of 5, or one hidden unit: the Training page says the run went
  wrong, and why. Then take the activation away (linear) and see whether that breaks anything.
- On a projector, switch on **📽️ Presenter mode** in the sidebar (or open any page with `?presenter=1`):
  larger text and charts, explanations folded, the sidebar closed.
- Ask everyone to try a different learning rate: the **👥 Class** page gathers every run trained on this server
  on one board, with charts of dev accuracy against the learning rate and the hidden units.
- The address of the 📉 Training page holds every hyperparameter: send it as a link, and the class opens the
  same settings (with the same seed, the same curves).
"""
)

data = state.digits()
st.info(f"**Data in use:** {data.description}")
if data.warning:
    st.warning(data.warning)
st.caption("Your network: " + (model.describe() if model else "none yet. Train one on the 📉 Training page."))
