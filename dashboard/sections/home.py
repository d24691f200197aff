"""The Home page's picture: the visitor's network (or the lesson's, untrained) reading one real digit."""

import numpy as np
import streamlit as st

from dashboard import figures, state, widgets
from dashboard.sections.forward import MAX_DRAWN, picture_numbers
from nn_core.network import forward_prop, layer_count
from nn_core.training import NOTEBOOK, new_network


def network_at_a_glance(model):
    """The network as a picture (figures.network_picture, the small version) on the first digit of the dev set:
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
    shown = {l: figures.strongest_units(cache[f"A{l}"], MAX_DRAWN) for l in range(1, L)}
    widgets.svg_picture(figures.network_picture(X, model.params, cache, shown, label=label, compact=True, height=400),
                        "home_picture")
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
    widgets.link_to("views/forward.py", "➡️ Open every number: Forward pass", key="home_forward",
                    what="the same picture for any digit; click a unit or an output to see its sum.")
