"""Every training run of every page, trained in worker processes (pool.py). No Streamlit here, so
tests and benchmarks drive a run exactly as a page does.

- The Training page's live run (LiveRun): the visitor's view of a computation that a worker trains. The page
  keeps one LiveRun per visitor in its session state, starts it with start_training(), and a fragment redraws
  the curves from run.records a few times a second: it only reads what the worker has sent so far. Stop
  makes the view let go of the computation (which waits in its worker when nobody else follows it), and Train
  follows it again from there. Two visitors who start identical runs share one computation, and each one's
  Stop, Step or Reset moves only their own view.
- A short run a page waits for (train_quietly): the Draw page's first network, the notebook's bugs side by side.
The Experiments page's batches of runs, one after the other, are in batches.py.
"""

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from nn_core.evaluation import dead_units, scores
from nn_core.persistence import ENDINGS, Training
from nn_core.training import (
    Hyperparams,
    evaluate,
    full_batch_gradients,
    new_network,
    total_steps,
)
from training_runs.computations import Computation, Follower, Spec
from training_runs.pool import runner
from training_runs.shared_digits import publish
from training_runs.worker_loop import (  # noqa: F401 (SNAPSHOT_UNITS: for the pages)
    SNAPSHOT_UNITS,
    first_layer,
    snapshot_steps,
)

UNWATCHED_AFTER = 300.0  # seconds: a run that no page has drawn for this long (the page was left) pauses
REDRAWS_PER_SECOND = 10.0  # live-chart redraws a second for the whole server, shared by the runs in progress
FASTEST_REDRAW = 0.25  # seconds: a visitor training alone sees the curves move 4 times a second
POINTS_PER_CURVE = 200  # about this many dev-set evaluations per full-batch run
POINTS_PER_MINI_BATCH_CURVE = 40  # and per mini-batch run
STEP_TIMEOUT = 120.0  # seconds a Step may wait for its worker
SHARED_NOTE = ("🤝 These exact settings were trained on this server a moment ago: the numbers are shared (the same "
               "data, seed and hyperparameters give the same run, so it was computed once).")


def shared_runs_note(count):
    """SHARED_NOTE for `count` runs of a batch."""
    runs = "this run" if count == 1 else f"{count} of these runs"
    return (f"🤝 The exact settings of {runs} were trained on this server a moment ago: their numbers are shared "
            "(computed once).")


class TrainingError(RuntimeError):
    """A run could not be trained: its worker died, or nn_core refused it. The message says which."""


def arrays_of(split):
    """The arrays of a Split under the names the workers use."""
    return {"X": split.X_train, "Y": split.Y_train, "X_dev": split.X_dev, "Y_dev": split.Y_dev,
            "X_test": split.X_test, "Y_test": split.Y_test}


def spec(hp, arrays, params, eval_every, score=False):
    """What a worker needs to train hp on `arrays` (written once for the workers) from `params` (None: a fresh
    network of hp.seed)."""
    total = total_steps(hp, arrays["X"].shape[1])
    return Spec(publish(arrays), hp, params, eval_every, total, score)


class Following:
    """What start_training hands the page as run.worker: whether the run still trains, and a way to wait."""

    def __init__(self, follower):
        self.follower = follower

    def is_alive(self):
        return not self.follower.done.is_set()

    def join(self, timeout=None):
        self.follower.done.wait(timeout)


# ---------------------------------------------------------------------------------------------------------
# What went wrong
# ---------------------------------------------------------------------------------------------------------

CHANCE = 0.10  # guessing one of ten digits
# A run that ends below 30% (chance + 20 points) did not learn what it should. Guessing, or always answering
# the commonest digit, scores 10-11% on the dev set, give or take a point (1,000 digits); the notebook's own
# network passes 30% within 30 full-batch steps (33% at step 30 on the bundled sample) and is at 65% by step
# 100. So after JUDGED_AFTER steps, below POOR is far below where training should be, not a run still starting.
POOR = CHANCE + 0.20
JUDGED_AFTER = 100  # gradient steps: a shorter run may still be low because it is short


@dataclass(frozen=True)
class Problem:
    """Why a finished run went wrong. cause : "dead units", "alpha too large", "too few units", "alpha too
    small" or "unknown"; words : the same in a few words, for tables and the class board."""

    cause: str
    words: str

    def __str__(self):
        return self.words


def judge(hp, steps, dev_accuracy, dead, first_loss, last_loss):
    """What went wrong with a run that trained to its end, or None when nothing did.

    A run went wrong when its dev accuracy ended below POOR and either it had JUDGED_AFTER steps or more, or it
    shows a cause that more steps cannot cure: half or more of layer 1's ReLU units dead, or a loss that ended
    above where it started. The cause is the first of these the run shows: dead units; a loss gone up (α too
    large); fewer hidden units than digits; α below 0.05 (tiny steps); else unknown.
    """
    if dev_accuracy is None or dev_accuracy >= POOR:
        return None
    units = hp.hidden_sizes[0] if hp.hidden_sizes else 0
    went_up = first_loss is not None and last_loss is not None and last_loss > first_loss
    too_big = f" (α {hp.alpha:g} too large)" if hp.alpha > 1 else ""
    if units and 2 * dead >= units:
        return Problem("dead units", f"{dead} of {units} ReLU units dead{too_big}")
    if went_up:
        return Problem("alpha too large", f"the loss went up (α {hp.alpha:g} too large)")
    if steps < JUDGED_AFTER:
        return None
    if hp.hidden_sizes and min(hp.hidden_sizes) < 10:
        fewest = min(hp.hidden_sizes)
        return Problem("too few units", f"only {fewest} hidden unit{'s' if fewest > 1 else ''}, too few for ten digits")
    if hp.alpha < 0.05:
        return Problem("alpha too small", f"α {hp.alpha:g} too small for {steps:,} steps")
    return Problem("unknown", "dev accuracy far below what training should reach")


@dataclass(eq=False)
class LiveRun:
    """One visitor's training run: their view of a computation, up to the step they have reached.

    status : "ready" (step 0), "paused" (after Step or Stop), "running", "finished", "diverged", "failed"
    (its worker died: message says so) or "loaded" (a network read from a file, see loaded_run). records : one
    StepRecord per step done. snapshots : (step, first rows of W1, the same rows of b1) at log-spaced steps.
    seconds : time spent in gradient steps. wall_seconds : time from Train to the end of the run (or Stop),
    waiting included. shared : the computation was already there
    (another visitor, or an earlier run, trained these exact settings), so the numbers are shared. dead,
    problem : set by score(): the dead units of layer 1, and why a finished run went wrong (outcome says it).
    """

    number: int | None
    hp: Hyperparams
    data_description: str
    computation: object
    total: int
    start_params: dict
    status: str = "ready"
    wall_seconds: float = 0.0
    redraws: int = 0  # how often the page redrew the curves while the run was training
    scores: dict = field(default_factory=dict)
    shared: bool = False
    message: str = ""
    worker: Following | None = None
    stop_request: threading.Event = field(default_factory=threading.Event)
    last_seen: float = field(default_factory=time.monotonic)
    cursor: int = 0  # the steps of the computation this view has reached (all of them while following)
    paused_params: dict | None = None
    started: float = 0.0
    dead: int = 0  # units of hidden layer 1 that output 0 for every training digit, as last scored
    problem: Problem | None = None  # why a finished run went wrong (see judge), as last scored
    loaded: str = ""  # the file a loaded network came from ("" for a run trained here)
    ending: str = ""  # how a loaded network's run had ended when it was saved ("" when the file does not say)

    @property
    def following(self):
        return self.worker is not None and self.worker.is_alive()

    @property
    def step(self):
        return self.computation.step if self.following else self.cursor

    @property
    def records(self):
        return self.computation.records[:self.step]

    @property
    def snapshots(self):
        step = self.step
        return [snapshot for snapshot in self.computation.snapshots if snapshot[0] <= step]

    @property
    def snapshot_at(self):
        return snapshot_steps(self.total)

    @property
    def params(self):
        if self.following and self.computation.params is not None:
            return self.computation.params
        return self.paused_params if self.paused_params is not None else self.start_params

    @property
    def seconds(self):
        step = self.step
        return self.computation.seconds_at[step - 1] if step else 0.0

    @property
    def diverged_record(self):
        return self.computation.diverged_record if self.status == "diverged" else None

    @property
    def outcome(self):
        """How the run ended as every table and the class board say it: its status, except that a run which
        finished far below where it should is "went wrong" (self.problem says why)."""
        return "went wrong" if self.status == "finished" and self.problem else self.status

    @property
    def ended(self):
        return self.status in ("finished", "diverged", "failed", "loaded")

    @property
    def training(self):
        """True while the view follows its computation (the worker trains it, or it waits for a slice)."""
        return self.following

    def seen(self):
        """The page has just drawn this run: it keeps training (see start_training)."""
        self.last_seen = time.monotonic()

    def _let_go(self, computation, after_train=True):
        """The view stops following (runner's lock held): it keeps the steps it has, with their params."""
        self.cursor = computation.step
        if computation.params is not None and computation.params_step == computation.step:
            self.paused_params = computation.params
        if after_train:
            self.wall_seconds += time.perf_counter() - self.started
        if computation.ended and self.cursor == computation.step:
            self.status, self.message = computation.status, computation.message
        else:
            self.status = "paused"


def loaded_run(number, hp, params, data_description, name, training: Training | None = None):
    """A network read from the file `name` as a run that has ended ("loaded"): its own steps, seconds and log
    when the file keeps its training (training), else none. Train and Step start a new network from its
    hyperparameters. Its first layer at step 0, for the pictures of what training changed, is the fresh network
    of hp: a network is saved with its log only from a run trained in the app, which starts from exactly that."""
    records = list(training.records) if training else []
    start = new_network(hp) if records else params
    computation = Computation(spec=None, number=0, records=records,
                              seconds_at=list(training.seconds_at) if training else [],
                              snapshots=[first_layer(0, start), first_layer(len(records), params)] if records else [],
                              params=params, params_step=len(records), status="finished")
    return LiveRun(number, hp, data_description, computation, training.total if training else 0, start,
                   status="loaded", cursor=len(records), paused_params=params, loaded=name,
                   ending=training.ending if training else "")


def training_of(run) -> Training | None:
    """What a file keeps of the run's training (persistence.Training), or None: nothing trained yet, or a network
    loaded from a file that kept none."""
    if run is None or not run.records:
        return None
    ending = run.ending if run.loaded else run.outcome if run.outcome in ENDINGS else "paused"
    return Training(run.step, run.total, run.seconds, ending, tuple(run.records),
                    tuple(run.computation.seconds_at[:run.step]))


def start_run(number, hp, split, data_description, params=None):
    """A new run at step 0 on split.X_train (784, m) from `params`, or from a fresh network of hp. When these
    exact settings were trained on this server (or are training now), the run shares that computation."""
    start = new_network(hp) if params is None else params
    m = split.X_train.shape[1]
    total = total_steps(hp, m)
    # A full-batch step already measures train accuracy; a mini-batch evaluation (2,000 train + the dev set)
    # costs far more than a step of 64 examples, so it happens less often.
    every = max(1, total // (POINTS_PER_CURVE if hp.method == "full-batch" else POINTS_PER_MINI_BATCH_CURVE))
    computation, _ = runner().computation(spec(hp, arrays_of(split), params, every))
    return LiveRun(number, hp, data_description, computation, total, start)


def _follow(run, follower, slot=None):
    if run.computation.step > run.cursor or run.computation.followers:
        run.shared = True  # someone else's steps are ahead of this view: they are shared, not recomputed
    runner().follow(run.computation, follower, slot)


def advance(run):
    """One gradient step. Returns False when the run cannot go on (it has finished or diverged)."""
    if run.ended:
        return False
    step = run.step
    computation = run.computation
    if computation.step > step or computation.wanted_until() > step + 1:
        # The shared computation has moved on (another visitor trains it): the step after this view's is known,
        # but not its params. A private copy trains again up to that step, exactly as the first did.
        run.computation, _ = runner().computation(computation.spec, shared=False)
    follower = Follower(step + 1, on_stop=lambda computation: run._let_go(computation, after_train=False))
    runner().follow(run.computation, follower)
    if not follower.done.wait(STEP_TIMEOUT):
        runner().stop(follower)
        follower.done.wait(STEP_TIMEOUT)
    return not run.ended


def redraw_interval():
    """Seconds between two redraws of a live chart. The server shares REDRAWS_PER_SECOND among the runs in
    progress: alone, a visitor's curves move 1 / FASTEST_REDRAW times a second; with a whole class training at
    once, each chart moves less often, and the CPU goes to the pages instead of drawing."""
    return max(FASTEST_REDRAW, (runs_in_progress() + 1) / REDRAWS_PER_SECOND)


def pace_changed(every):
    """True when redraw_interval() has moved more than 1.5-fold away from `every`, the interval a page's live chart
    was set up with. A fragment's interval is fixed when the page runs, so the page runs again to take the new
    one: the first visitor of a class to press Train would otherwise redraw 4 times a second through the whole
    run, while 20 others train (measured: 14 redraws a second on the server instead of 10)."""
    return every is not None and not 2 / 3 <= redraw_interval() / every <= 1.5


_watched = set()  # the live runs some visitor is following right now, on this server
_watched_lock = threading.Lock()


def runs_in_progress():
    """How many live runs are training on this server right now (all visitors together)."""
    with _watched_lock:
        return len(_watched)


def start_training(run, connected=lambda: True, unwatched_after=UNWATCHED_AFTER):
    """Follow the run's computation until the end, a Stop, the visitor's tab closing (`connected()` turns
    False), or no page drawing the run for `unwatched_after` s. connected.visitor, when there is one, names the
    visitor: their share of the workers, and their one Training run at a time.

    A worker trains; the page's fragment only draws what has arrived, and calls run.seen() on every redraw.
    """
    if run.training or run.ended:
        return
    run.stop_request.clear()
    run.status = "running"
    run.seen()

    def keep_going():
        return (not run.stop_request.is_set() and connected()
                and time.monotonic() - run.last_seen < unwatched_after)

    def let_go(computation):
        run._let_go(computation)
        with _watched_lock:
            _watched.discard(id(run))

    visitor = getattr(connected, "visitor", None)
    follower = Follower(run.total, visitor, keep_going, let_go)
    run.worker, run.started = Following(follower), time.perf_counter()
    with _watched_lock:
        _watched.add(id(run))
    _follow(run, follower, slot=None if visitor is None else (visitor, "training"))


def stop_training(run, timeout=30):
    """Stop following the run after the step in progress, and wait for that. Returns True once it has stopped."""
    run.stop_request.set()
    if run.worker is not None:
        runner().stop(run.worker.follower)
        run.worker.join(timeout)
    return not run.training


def score(run, split):
    """Loss and accuracy of the run's current weights on train, dev and (full MNIST only) test: run.scores; the
    dead units of its first hidden layer (run.dead); and, once it has finished, what went wrong (run.problem)."""
    run.scores = scores(run.params, split, run.hp.activation)
    run.dead = dead_units(run.params, split.X_train[:, :10_000], run.hp.activation)
    records = run.records
    dev = run.scores.get("dev", (None, None))[1]
    run.problem = judge(run.hp, run.step, dev, run.dead, records[0].loss if records else None,
                        records[-1].loss if records else None) if run.status == "finished" else None
    return run.scores


def history_row(run):
    """One line of the run-history table: the hyperparameters, the time taken, and the final accuracies."""
    hp = run.hp
    row = {
        "run": run.number,
        "network": "-".join(map(str, hp.layer_sizes)) + f" {hp.activation}",
        "method": hp.method if hp.method == "full-batch" else f"mini-batch {hp.batch_size}",
        "alpha": hp.alpha,
        "momentum": hp.momentum,
        "init": hp.init,
        "seed": hp.seed,
        "bugs": "on" if hp.notebook_bugs else "off",
        "steps": "not in the file" if run.loaded and not run.records else f"{run.step} of {run.total}",
        "seconds": round(run.seconds, 1),
        "status": run.outcome + (f": {run.problem}" if run.problem and run.outcome == "went wrong" else "")
        + (f", {run.ending} when saved" if run.loaded and run.ending else ""),
    }
    for name, (_, accuracy) in run.scores.items():
        row[f"{name} accuracy"] = accuracy
    return row


def train_quietly(hp, X, Y, X_dev=None, Y_dev=None, progress=lambda step, total: None, visitor=None):
    """Train a fresh network of hp on X (784, m), Y (m,) to the end, in a worker, while the page waits (a short run).

    progress(step, total) is called for every step. The dev set is evaluated about once an epoch (full batch:
    every 50 steps) and at the end. Returns (params, records); on divergence, the last good params, and the
    records end with the diverged one. Raises TrainingError when the run could not be trained.
    """
    total = total_steps(hp, X.shape[1])
    every = max(total_steps(hp.with_changes(epochs=1), X.shape[1]) if hp.method == "mini-batch" else 1, 50)
    computation, _ = runner().computation(spec(hp, {"X": X, "Y": Y, "X_dev": X_dev, "Y_dev": Y_dev}, None, every))
    follower = Follower(total, visitor)
    runner().follow(computation, follower)
    reported = 0
    while not follower.done.is_set():
        runner().wait_for_news(computation, reported, 1.0)
        for step in range(reported + 1, computation.step + 1):
            progress(step, total)
        reported = computation.step
    if computation.status == "failed":
        raise TrainingError(computation.message)
    records = list(computation.records)
    if computation.diverged_record is not None:
        records.append(computation.diverged_record)
    return computation.params, records


def side_by_side(specs, visitor=None):
    """Hand each run of {name: Spec} to the workers at once, none waiting for another (two workers train two at the
    same time): {name: its Follower}, to wait for with `ended`."""
    followers = {}
    for name, run_spec in specs.items():
        computation, _ = runner().computation(run_spec)
        followers[name] = Follower(run_spec.total, visitor)
        runner().follow(computation, followers[name])
    return followers


def ended(follower):
    """Wait until a followed run has ended: its Computation. Raises TrainingError when it could not be trained."""
    follower.done.wait()
    if follower.computation.status == "failed":
        raise TrainingError(follower.computation.message)
    return follower.computation


def compare_notebook_bugs(hp, split, iterations=150, visitor=None):
    """Train the same seed twice, with the notebook's bugs and without, full batch: what each does differently.

    Returns {"notebook": {...}, "corrected": {...}}, each with the first step's db of every layer ({"db1": ...}:
    scalars for the notebook, (n_l, 1) columns when corrected), the m that divides the gradients, the final
    loss and dev accuracy. Both runs train at once, in workers.
    """
    hps = {name: hp.with_changes(notebook_bugs=bugs, method="full-batch", iterations=iterations, momentum=0.0)
           for name, bugs in (("notebook", True), ("corrected", False))}
    followers = side_by_side({name: spec(run_hp, arrays_of(split), None, iterations) for name, run_hp in hps.items()},
                             visitor)
    results = {}
    m_train = split.X_train.shape[1]
    for name, run_hp in hps.items():
        bugs = run_hp.notebook_bugs
        m = m_train + run_hp.dev_size if bugs else m_train
        grads, _, _ = full_batch_gradients(new_network(run_hp), split.X_train, split.Y_train, run_hp.activation,
                                           bugs, m=m)
        computation = ended(followers[name])
        last = computation.diverged_record or computation.records[-1]
        with np.errstate(over="ignore", invalid="ignore"):
            dev_accuracy = evaluate(computation.params, split.X_dev, split.Y_dev, run_hp.activation)[1]
        results[name] = {
            "db": {k: np.asarray(v) for k, v in grads.items() if k.startswith("db")}, "m": m,
            "steps": computation.step + (computation.diverged_record is not None), "diverged": last.diverged,
            "loss": last.loss, "dev_accuracy": dev_accuracy, "seconds": computation.seconds,
        }
    return results


