"""Home: the lesson's network at a glance, where to start, and how a class can use the app."""

import streamlit as st

from dashboard import figures, state, widgets
from dashboard.sections import home as home_sections
from nn_core.training import NOTEBOOK, new_network

st.title("🧠 A neural network from scratch, number by number")
widgets.explain(
    """
This app takes apart the small network of Samson Zhang's notebook *"Building a neural network FROM SCRATCH
(no TensorFlow/PyTorch, just numpy & math)"*: **784 inputs → 10 ReLU units → 10 softmax outputs**, written in
plain NumPy, learning to read handwritten digits (MNIST). Nothing is hidden: every matrix, every gradient and
every line of code that computes them is on screen.
"""
)

REAL, STRUCTURE = "🖼️ The network reading a digit", "🕸️ Every connection"
picture, start = st.columns([3, 2], gap="large")
with picture:
    model = state.get_model()
    real_tab, structure_tab = st.tabs([REAL, STRUCTURE], default=REAL if model else STRUCTURE, key="home_picture_tab")
    with real_tab:
        home_sections.network_at_a_glance(model)
    with structure_tab:
        caption = ("The network of the lesson: each of the 784 pixels feeds each of the 10 hidden units (the 7,840 "
                   "weights of W1), and each hidden unit feeds each of the 10 outputs (the 100 weights of W2). "
                   "Only 12 of the 784 inputs are drawn.")
        st.image(figures.network_diagram(), caption=caption, width="stretch",
                 alt="A diagram of the network: 784 input pixels, 10 hidden units and 10 outputs, fully connected.")
        if box := widgets.numbers_box("The numbers behind the picture: each layer's units and parameters",
                                      "home_numbers"):
            with box:
                widgets.table(figures.layer_table(new_network(NOTEBOOK)))
with start:
    st.header("Start here")
    widgets.link_to("views/data.py", "▶️ Begin the lesson: 🔢 The data", key="home_start",
                    what="the first page, what the network reads and how 28 x 28 images become the matrix X.")
    st.markdown(
        """
1. **🔢 The data**: 28 x 28 images become the columns of X (784 x m); why a dev set is held out.
2. **➡️ Forward pass**: one digit through W1, b1, Z1, A1, W2, b2, Z2 and A2 to a prediction.
3. **📉 Training**: backpropagation step by step, the learning rate, live loss and accuracy curves.
4. **🧪 Experiments**: how much one accuracy varies from run to run, and what a bigger network adds.
5. **👥 Class**: every run the class trained on this server, on one board: what each learning rate gave.
6. **✏️ Draw a digit**: draw with the mouse and see what the network sees and why it answers.
"""
    )
    st.latex(r"""
\begin{aligned}
Z^{[1]} &= W^{[1]} X + b^{[1]} & A^{[1]} &= \mathrm{ReLU}(Z^{[1]}) \\
Z^{[2]} &= W^{[2]} A^{[1]} + b^{[2]} & A^{[2]} &= \mathrm{softmax}(Z^{[2]})
\end{aligned}
""")

st.header("Using it with a class")
widgets.explain(
    """
- Go through the pages in order: each one builds on the one before.
- Every visitor has their own network: students can train and break theirs without touching yours.
- Break things on purpose: a learning rate of 5, a linear activation, one hidden unit.
  Each page says what to expect and explains what went wrong.
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
