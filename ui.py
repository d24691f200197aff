"""What the pages share: the digits in use, the visitor's network, and showing nn_core's real code.

Lifetimes (see Streamlit's caching docs): the datasets are loaded once per server process and shared
read-only by every visitor (`st.cache_resource`, no copy per rerun); each visitor's choice of data, uploads
and network live in `st.session_state`, so thirty students never see each other's work.
"""

import inspect
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
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
