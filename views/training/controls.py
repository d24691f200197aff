"""The Training page's controls: every hyperparameter as a widget, two presets, and the one place where the
widgets become a frozen Hyperparams (links.py mirrors it in the address).
"""

import numpy as np
import streamlit as st

from dashboard import state
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK, Hyperparams

CONTROLS = "training_controls"  # session key: the Hyperparams the controls showed last (kept across pages)
ALPHAS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
ITERATIONS = (1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 1000, 2000)
BATCH_SIZES = (16, 32, 64, 128, 256, 512, 1024)
MOMENTA = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
DEV_SIZES = (100, 200, 500, 1000, 2000, 5000, 10000)
METHODS = {"full-batch": "full batch (the notebook)", "mini-batch": "mini-batches"}
INITS = {"notebook": "notebook: rand − 0.5", "he": "He: normal × √(2 / n)"}


def nearest(options, value, log=False):
    """The option closest to value (on a log scale for learning rates): a saved value may fall between."""
    f = np.log if log else float
    return min(options, key=lambda option: abs(f(option) - f(value)))


def dev_options():
    """Dev-set sizes that leave most of the data in use for training (and the one the pages share)."""
    return state.dev_options(DEV_SIZES)


def widget_values(hp: Hyperparams):
    """The value of every control that shows hp (snapped to the nearest choice the controls offer)."""
    return {
        "tr_alpha": nearest(ALPHAS, hp.alpha, log=True), "tr_iterations": nearest(ITERATIONS, hp.iterations),
        "tr_epochs": min(max(hp.epochs, 1), 20), "tr_hidden": min(max(hp.hidden_sizes[0], 1), 256),
        "tr_layers": min(len(hp.hidden_sizes), 2), "tr_activation": hp.activation, "tr_method": hp.method,
        "tr_batch": nearest(BATCH_SIZES, hp.batch_size), "tr_momentum": nearest(MOMENTA, hp.momentum),
        "tr_init": hp.init, "tr_dev": nearest(dev_options(), hp.dev_size), "tr_seed": hp.seed,
        "tr_bugs": hp.notebook_bugs,
    }


def set_controls(hp: Hyperparams):
    """Move every control to hp (presets and loaded files use this; it runs before the widgets are drawn)."""
    st.session_state.update(widget_values(hp))


def init_controls():
    """Give the controls their values: the last ones this visitor used (kept across pages), else the notebook's."""
    values = widget_values(st.session_state.get(CONTROLS, NOTEBOOK))
    for key, value in values.items():
        st.session_state.setdefault(key, value)
    if state.dev_size_from_elsewhere("training"):  # the Data page (or a link) changed the dev-set size
        st.session_state["tr_dev"] = nearest(dev_options(), state.dev_size())
    if st.session_state["tr_dev"] not in dev_options():
        st.session_state["tr_dev"] = values["tr_dev"]


def hyperparams_from_widgets() -> Hyperparams:
    """The one place where the controls become Hyperparams."""
    s = st.session_state
    return Hyperparams(
        hidden_sizes=(int(s["tr_hidden"]),) * int(s["tr_layers"]), activation=s["tr_activation"],
        alpha=float(s["tr_alpha"]), method=s["tr_method"], iterations=int(s["tr_iterations"]),
        epochs=int(s["tr_epochs"]), batch_size=int(s["tr_batch"]), momentum=float(s["tr_momentum"]),
        init=s["tr_init"], dev_size=int(s["tr_dev"]), seed=int(s["tr_seed"]), notebook_bugs=bool(s["tr_bugs"]),
    )


def presets(left, right, disabled):
    """The two preset buttons, in the columns given: each moves every control to a known recipe."""
    left.button("📓 The notebook", key="tr_preset_notebook", on_click=set_controls, args=(NOTEBOOK,),
                disabled=disabled, width="stretch",
                help="784-10-10, ReLU, full batch, alpha 0.10, 500 iterations, notebook init: Samson Zhang's "
                     "recipe. Expect about 83-85% on the dev set after a few seconds of training.")
    right.button("⚡ Fast and accurate", key="tr_preset_fast", on_click=set_controls, args=(FAST_AND_ACCURATE,),
                 disabled=disabled, width="stretch",
                 help="784-128-10, He init, mini-batches of 64 with momentum 0.9, 3 epochs: about 95% on the "
                      "dev set of the bundled sample, about 97% on full MNIST, in a few seconds.")


# The hyperparameter each control sets (a teacher's link can lock them: ?lock=alpha,hidden_sizes).
SETS = {"tr_alpha": "alpha", "tr_iterations": "iterations", "tr_epochs": "epochs", "tr_hidden": "hidden_sizes",
        "tr_layers": "hidden_sizes", "tr_activation": "activation", "tr_method": "method", "tr_batch": "batch_size",
        "tr_momentum": "momentum", "tr_init": "init", "tr_dev": "dev_size", "tr_seed": "seed",
        "tr_bugs": "notebook_bugs"}


def controls(disabled, locked=frozenset()):
    """Every hyperparameter, four columns of controls; returns the Hyperparams they make. locked : the names
    of the hyperparameters a teacher's link set (their controls are off, and say so)."""
    mini = st.session_state["tr_method"] == "mini-batch"
    if locked:
        st.caption("🔒 Set by your teacher: " + ", ".join(sorted(locked)) + ". The other controls are yours.")
    c1, c2, c3, c4 = st.columns(4)

    def off(key):
        """A control is off while a run trains, and when a teacher's link locked what it sets."""
        return disabled or SETS[key] in locked

    c1.select_slider("Learning rate α", ALPHAS, key="tr_alpha", disabled=off("tr_alpha"),
                     help="How far each step moves the weights: W ← W − α dW. Too small: slow. "
                          "Too large (try 5 or 10): the steps overshoot and training breaks down.")
    c1.select_slider("Iterations (full batch)", ITERATIONS, key="tr_iterations",
                     disabled=off("tr_iterations") or mini,
                     help="Gradient steps, each on every training example. The notebook does 500. More "
                          "steps: the loss keeps falling, ever more slowly, and training takes longer.")
    c1.slider("Epochs (mini-batch)", 1, 20, key="tr_epochs", disabled=off("tr_epochs") or not mini,
              help="Passes over the training set; each pass takes m / batch size steps. More epochs: higher "
                   "accuracy that levels off after a few, and a longer wait.")
    c2.slider("Hidden units per layer", 1, 256, key="tr_hidden", disabled=off("tr_hidden"),
              help="The notebook has 10. More units can learn more patterns, and each step costs more.")
    c2.radio("Hidden layers", (1, 2), key="tr_layers", horizontal=True, disabled=off("tr_layers"),
             help="1: 784 → hidden → 10 as in the notebook. 2: a second hidden layer of the same size.")
    c2.selectbox("Activation g", ("relu", "sigmoid", "tanh", "linear"), key="tr_activation",
                 disabled=off("tr_activation"),
                 help="The non-linearity of the hidden layers. 'linear' means none: the layers collapse into "
                      "one matrix, softmax regression, which no training lifts much past 92-93% on MNIST. With the "
                      "notebook's 10 units and 500 steps linear still wins (bundled sample: 87.0% against ReLU's "
                      "84.8%); with 128 units ReLU does (94.8% against 88.3%).")
    c3.radio("Method", tuple(METHODS), format_func=METHODS.get, key="tr_method", disabled=off("tr_method"),
             help="Full batch: every step uses all m training examples (the notebook). Mini-batches: many "
                  "small, noisy but cheap steps per pass.")
    c3.select_slider("Batch size", BATCH_SIZES, key="tr_batch", disabled=off("tr_batch") or not mini,
                     help="Examples per mini-batch step: smaller batches mean more, noisier steps.")
    c3.select_slider("Momentum", MOMENTA, key="tr_momentum", disabled=off("tr_momentum"),
                     format_func=lambda v: "off" if v == 0 else f"{v:g}",
                     help="0 = plain gradient descent. 0.9 = each step also keeps 90% of the previous one, "
                          "which smooths the zig-zags and speeds training up.")
    c4.radio("Initialisation", tuple(INITS), format_func=INITS.get, key="tr_init", disabled=off("tr_init"),
             help="Notebook: every weight and bias uniform in [−0.5, 0.5). He: weights scaled to the layer's "
                  "size, biases 0 (trains faster, and safer for deep ReLU networks).")
    c4.select_slider("Dev-set size", dev_options(), key="tr_dev", disabled=off("tr_dev"),
                     help="Digits held out, never trained on, to judge the network (the notebook keeps 1,000). "
                          "Larger: a more precise dev accuracy, and fewer digits left to train on.")
    c4.number_input("Random seed", 0, 2**31 - 1, step=1, key="tr_seed", disabled=off("tr_seed"),
                    help="Fixes the initial weights and the mini-batch order: the same seed gives the same "
                         "run. The dev split itself is fixed (seed 0), so runs are compared on the same digits.")
    c4.toggle("Notebook bugs", key="tr_bugs", disabled=off("tr_bugs"),
              help="On: train with the original notebook's three bugs (scalar db, m counted before the dev "
                   "split, softmax without the max-shift). The 'notebook's bugs' tab compares both.")
    hp = hyperparams_from_widgets()
    st.session_state[CONTROLS] = hp
    return hp

