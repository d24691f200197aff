"""The visitor's state: the digits in use, their network (Model), and the dev-set size the pages share.

Lifetimes (see Streamlit's caching docs): the datasets are loaded once per server process and shared
read-only by every visitor (`st.cache_resource`, no copy per rerun); each visitor's choice of data, uploads
and network live in `st.session_state`, so thirty students never see each other's work.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st
from threadpoolctl import threadpool_limits

from nn_core.data import DigitSet, Split, split_dev
from nn_core.mnist_files import load_default, load_sample
from nn_core.training import NOTEBOOK, Hyperparams, evaluate, new_network
from training_runs import runs

# One BLAS thread per computation. Streamlit runs each visitor's script in its own thread; with OpenBLAS's
# default of one thread per core, a busy 2-core server was measured 18x slower per training step, not faster.
threadpool_limits(1, user_api="blas")

ROOT = Path(__file__).resolve().parents[1]  # the project folder
DATA_DIR = ROOT / "data"

# Session-state keys, in one place.
SOURCE = "data_source"          # name of the data in use: "full MNIST", "bundled sample" or "uploaded CSV"
UPLOADED = "uploaded_digits"    # the DigitSet from the visitor's CSV upload
UPLOADED_SPLITS = "uploaded_splits"
MODEL = "model"                 # the visitor's network: a Model
DRAWN = "drawn_input"           # the last digit drawn on the canvas, (784, 1) float32
PRESENTER = "presenter"         # presenter mode (the sidebar toggle): larger text and charts, explanations folded
DEV_SIZE = "shared_dev_size"    # (dev-set size, page that set it): the Data, Training and Experiments pages agree
TRAINING_RUN = "training_run"  # the Training page's run of this session (a training_runs.runs.LiveRun)
RUN_HISTORY = "training_history"  # {run number: its row}: the Training page's runs of this session


BEST_FIRST = ("full MNIST", "bundled sample")  # the order in which the shared sources are preferred
SOURCES_SEEN = "sources_seen"  # the shared sources this visitor has been told about (at their first visit, or since)


@st.cache_resource(show_spinner="Loading the digits...")
def shared_sources():
    """The datasets every visitor can use, loaded once per server: full MNIST when found, and the sample.
    Their arrays are read-only: no visitor's code can change the digits the others see."""
    sources = {}
    best = load_default(DATA_DIR)
    sources[best.source] = read_only(best)
    if best.source != "bundled sample":
        sources["bundled sample"] = read_only(load_sample(DATA_DIR / "mnist_sample.npz"))
    return sources


def read_only(data):
    """The same DigitSet (or Split), its arrays made read-only."""
    for value in vars(data).values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return data


def reload_sources():
    """After a download, offer full MNIST too. The sets already loaded stay (the same objects, and their cached
    splits), and every visitor keeps the data they use: only the one who downloaded switches (get_full_mnist)."""
    sources = shared_sources()
    best = load_default(DATA_DIR)
    if best.source not in sources:
        sources[best.source] = read_only(best)


def _best(sources):
    return next((sources[name] for name in BEST_FIRST if name in sources), next(iter(sources.values())))


def digits() -> DigitSet:
    """The digits this visitor is working with: the best the server had at their first visit (full MNIST if
    the server has it, else the sample), until they choose another source on the Data page."""
    sources = shared_sources()
    name = st.session_state.get(SOURCE)
    if name is None:  # the first visit: this visitor's data is fixed now
        name = st.session_state[SOURCE] = _best(sources).source
        st.session_state[SOURCES_SEEN] = set(sources)
    seen = st.session_state.setdefault(SOURCES_SEEN, set(sources))
    if "full MNIST" in sources and "full MNIST" not in seen and name != "full MNIST":
        seen.add("full MNIST")  # another visitor downloaded it: say so, once
        st.toast("Full MNIST (60,000 digits) is now available on this server: switch to it on the 🔢 The data "
                 "page when you like. Your data stays as it is until then.", icon="ℹ️")
    if name == "uploaded CSV" and UPLOADED in st.session_state:
        return st.session_state[UPLOADED]
    return sources.get(name) or _best(sources)


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
    return read_only(split_dev(shared_sources()[source_name], dev_size, seed))


def data_split(dev_size=1000, seed=0) -> Split:
    """X_train (784, m), Y_train, X_dev, Y_dev (and X_test, Y_test for full MNIST) of the data in use."""
    data = digits()
    if data.source != "uploaded CSV":
        return _shared_split(data.source, dev_size, seed)
    splits = st.session_state.setdefault(UPLOADED_SPLITS, {})
    if (dev_size, seed) not in splits:
        splits.clear()
        splits[(dev_size, seed)] = read_only(split_dev(data, dev_size, seed))
    return splits[(dev_size, seed)]


@dataclass
class Model:
    """A visitor's network: its parameters, the hyperparameters that made it, and how it did.

    run : the Training page's run these weights come from, while that run may still move (else None). Every
    page reads the network through get_model(), which follows the run: the weights, the steps and the dev
    accuracy it describes are always those of the run at this moment, even while it trains.
    dev_accuracy : measured on these exact weights (not at an earlier step).
    """

    params: dict
    hp: Hyperparams
    history: list = field(default_factory=list)  # StepRecords
    dev_accuracy: float | None = None
    data_description: str = ""
    run: object = None

    @property
    def trained(self):
        return len(self.history) > 0 or self.dev_accuracy is not None

    @property
    def training(self):
        """True while the run behind these weights is still training (they change from one rerun to the next)."""
        return self.run is not None and self.run.training

    def describe(self):
        """One line for the page: architecture, method, steps (and whether they are still going), dev accuracy."""
        hp = self.hp
        arch = "-".join(str(n) for n in hp.layer_sizes)
        if not self.trained:
            return f"{arch} {hp.activation}, untrained (freshly initialised, seed {hp.seed})"
        steps = f"training: step {len(self.history):,} of {self.run.total:,}" if self.training \
            else f"{len(self.history):,} steps"
        if self.run is not None and self.run.loaded:
            steps = f"loaded from {self.run.loaded}, " + (steps if self.history else "its steps not in the file")
        acc = f", dev accuracy {self.dev_accuracy:.1%}" if self.dev_accuracy is not None else ""
        return f"{arch} {hp.activation}, {hp.method}, alpha {hp.alpha:g}, {steps}{acc}"


def model_of_run(run, data_description):
    """The Model of a Training-page run as it is now: its weights, its records, and the dev accuracy of exactly
    these weights (the run's own score once it has stopped; else measured here, a fraction of a millisecond
    per hundred digits)."""
    dev = run.scores.get("dev", (None, None))[1] if not run.training else None
    if dev is None and run.records:
        dev = dev_accuracy_of(run.params, run.hp)
    return Model(run.params, run.hp, list(run.records), dev, data_description, run)


def dev_accuracy_of(params, hp):
    """Accuracy of these weights on the dev set of hp's size, or None when the data in use cannot give one."""
    try:
        split = data_split(hp.dev_size)
    except ValueError:
        return None
    with np.errstate(over="ignore", invalid="ignore"):  # the last good weights of a diverged run may overflow
        return evaluate(params, split.X_dev, split.Y_dev, hp.activation)[1]


# The notebook's network as the Draw page and the teacher's questions use it, trained here in a few seconds:
NOTEBOOK_STEPS = 250  # full-batch steps for the notebook's network here (the notebook runs 500)
NOTEBOOK_DIGITS = 9_000  # training digits for it: every full-batch step reads all of them


@st.cache_resource(max_entries=4, show_spinner=False)
def notebook_network(data_description, dev_size, _split):
    """The notebook's preset (784-10-10, full batch, alpha 0.1, seed 0), shortened to a few seconds, trained once
    per server and per data: every visitor's Draw page reads the same weights, and the teacher's questions to the
    room ask about them. Returns (Model, note)."""
    hp = NOTEBOOK.with_changes(dev_size=dev_size)
    m = min(_split.X_train.shape[1], NOTEBOOK_DIGITS)
    steps = min(hp.iterations, NOTEBOOK_STEPS)
    note = ""
    if steps < hp.iterations or m < _split.X_train.shape[1]:
        note = (f"The notebook runs {hp.iterations} full-batch steps on all its training digits; to keep the "
                f"wait short this page ran {steps} steps on {m:,} digits, so it is a little less accurate. The "
                "📉 Training page runs the whole recipe.")
        hp = hp.with_changes(iterations=steps)
    start = time.perf_counter()
    params, history = runs.train_quietly(hp, _split.X_train[:, :m], _split.Y_train[:m], _split.X_dev, _split.Y_dev)
    model = Model(params, hp, history, dev_accuracy_of(params, hp), data_description)
    return model, f"Trained on this server in {time.perf_counter() - start:.1f} s, once for every visitor. {note}"


def _server():
    """The Streamlit server this script runs in, or None (AppTest runs pages with a stand-in, scripts none)."""
    from streamlit.runtime import Runtime

    return Runtime.instance() if Runtime.exists() and type(Runtime.instance()) is Runtime else None


def visitor():
    """Who is asking: this visitor's session id on a server, or None (AppTest and scripts, where every session
    has the same id). The workers share their time per visitor."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    return context.session_id if context is not None and _server() is not None else None


class Tab:
    """Whether a visitor's browser tab is still connected to the server: call it (a training run's scheduler
    does). .visitor says whose tab it is. Outside a server (AppTest, scripts) it always says yes."""

    def __init__(self, visitor):
        self.visitor, self.server = visitor, _server()

    def __call__(self):
        return self.visitor is None or self.server is None or self.server.is_active_session(self.visitor)


def tab_connected():
    """This visitor's Tab: whether their browser tab is still connected, and who they are."""
    return Tab(visitor())


def get_model() -> Model | None:
    """The visitor's network, or None when they have not made one yet. A network that comes from a run of the
    Training page is brought up to date with that run first (it may have trained on since the last look)."""
    model = st.session_state.get(MODEL)
    if model is not None and model.run is not None and (model.params is not model.run.params
                                                         or len(model.history) != model.run.step):
        model = st.session_state[MODEL] = model_of_run(model.run, model.data_description)
    return model


def run_history():
    """The rows of the Training page's run-history table (training_runs.runs.history_row), oldest first: what this
    visitor trained, for any page that compares their runs."""
    return list(st.session_state.get(RUN_HISTORY, {}).values())


def set_model(model: Model):
    st.session_state[MODEL] = model


def follows(run) -> bool:
    """True when the visitor's network is this run's: get_model() then brings it up to date whenever a page reads
    it, so a live chart need not measure the dev accuracy of every step it draws."""
    model = st.session_state.get(MODEL)
    return model is not None and model.run is run


def model_or_untrained(hp: Hyperparams | None = None) -> Model:
    """The visitor's network if there is one, else a freshly initialised (untrained) one, not stored."""
    return get_model() or Model(new_network(hp or Hyperparams()), hp or Hyperparams())


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


