"""Home: what the app teaches and how a class can use it."""

import streamlit as st

from dashboard import state, widgets

st.title("🧠 A neural network from scratch, number by number")
widgets.explain(
    """
This app takes apart the small network of Samson Zhang's notebook *"Building a neural network FROM SCRATCH
(no TensorFlow/PyTorch, just numpy & math)"*: **784 inputs → 10 ReLU units → 10 softmax outputs**, written in
plain NumPy, learning to read handwritten digits (MNIST). Nothing is hidden: every matrix, every gradient and
every line of code that computes them is on screen.
"""
)

st.latex(r"""
\begin{aligned}
Z^{[1]} &= W^{[1]} X + b^{[1]} & A^{[1]} &= \mathrm{ReLU}(Z^{[1]}) \\
Z^{[2]} &= W^{[2]} A^{[1]} + b^{[2]} & A^{[2]} &= \mathrm{softmax}(Z^{[2]})
\end{aligned}
""")

left, right = st.columns(2)
with left:
    st.subheader("The lesson, page by page")
    st.markdown(
        """
1. **🔢 The data**: 28 x 28 images become columns of a 784 x m matrix X; why a dev set is held out.
2. **➡️ Forward pass**: follow one digit through W1, b1, Z1, A1, W2, b2, Z2 and A2 to a prediction.
3. **📉 Training**: backpropagation step by step, the learning rate, live loss and accuracy curves,
   the notebook's bugs side by side with the corrected math.
4. **✏️ Draw a digit**: draw with the mouse, see what the network sees, and why it answers what it does.
"""
    )
with right:
    st.subheader("Using it with a class")
    st.markdown(
        """
- Go through the pages in order: each one builds on the one before.
- Every visitor has their own network: students can train and break theirs without touching yours.
- Break things on purpose: a learning rate of 5, a linear activation, one hidden unit.
  Each page says what to expect and explains what went wrong.
- On a projector, switch on **📽️ Presenter mode** in the sidebar: larger text and charts, explanations folded.
- The address of the 📉 Training page holds every hyperparameter: send it as a link, and the class opens the
  same settings (with the same seed, the same curves).
"""
    )

data = state.digits()
st.info(f"**Data in use:** {data.description}")
if data.warning:
    st.warning(data.warning)
model = state.get_model()
st.caption("Your network: " + (model.describe() if model else "none yet. Train one on the Training page, "
                                "or let the Draw page train one for you."))
