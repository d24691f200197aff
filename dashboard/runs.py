"""Every training run of every page, on nn_core's training generator. No Streamlit here, so tests and benchmarks
drive a run exactly as a page does.

- The Training page's live run (LiveRun): stepped in a background thread. The page keeps one LiveRun
per visitor in its session state, starts it with start_training(), and a fragment redraws the curves from
run.records a few times a second while the thread trains. Stop sets an Event that the thread checks between
steps; the generator then waits where it is, and Train carries on from there.
- A short run a page waits for (train_quietly): the Draw page's first network.
- Batches of runs one after the other (Job, Batch, work): the Experiments page's seeds and ladder, trained a
  slice at a time by the page's fragment.
"""

import os
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from nn_core.evaluation import scores
from nn_core.training import (
    Hyperparams,
    StepRecord,
    evaluate,
    full_batch_gradients,
    new_network,
    total_steps,
    train,
    train_to_end,
)

UNWATCHED_AFTER = 300.0  # seconds: a run that no page has drawn for this long (the page was left) pauses
REDRAWS_PER_SECOND = 10.0  # live-chart redraws a second for the whole server, shared by the runs in progress
FASTEST_REDRAW = 0.25  # seconds: a visitor training alone sees the curves move 4 times a second
SNAPSHOT_UNITS = 64  # W1 rows kept per snapshot (what the page can draw), so memory stays small
POINTS_PER_CURVE = 200  # about this many dev-set evaluations per full-batch run
POINTS_PER_MINI_BATCH_CURVE = 40  # and per mini-batch run


def snapshot_steps(total):
    """The steps at which W1 is kept: 0, 1, 2, 5, 10, 20, 50, ... (log-spaced) and the last one."""
    steps, scale = {0, total}, 1
    while scale <= total:
        steps.update(k * scale for k in (1, 2, 5) if k * scale <= total)
        scale *= 10
    return steps


@dataclass
class LiveRun:
    """One visitor's training run: the generator, everything it has yielded so far, and how long it took.

    status : "ready" (step 0), "paused" (after Step or Stop), "running", "finished" or "diverged".
    records : one StepRecord per step done. snapshots : (step, first rows of W1) at log-spaced steps.
    seconds : time spent in gradient steps. wall_seconds : time from Train to the end of the run (or Stop),
    drawing included, so seconds / wall_seconds says how much the live chart slowed training.
    """

    number: int | None
    hp: Hyperparams
    data_description: str
    params: dict
    steps: object  # the generator returned by nn_core.training.train
    total: int
    records: list = field(default_factory=list)
    snapshots: list = field(default_factory=list)
    snapshot_at: set = field(default_factory=set)
    status: str = "ready"
    seconds: float = 0.0
    wall_seconds: float = 0.0
    redraws: int = 0  # how often the page redrew the curves while the run was training
    diverged_record: StepRecord | None = None
    scores: dict = field(default_factory=dict)
    worker: threading.Thread | None = None
    stop_request: threading.Event = field(default_factory=threading.Event)
    last_seen: float = field(default_factory=time.monotonic)

    @property
    def step(self):
        return len(self.records)

    @property
    def ended(self):
        return self.status in ("finished", "diverged")

    def seen(self):
        """The page has just drawn this run: the thread keeps training (see start_training)."""
        self.last_seen = time.monotonic()

    @property
    def training(self):
        """True while the background thread is still stepping."""
        return self.worker is not None and self.worker.is_alive()


def train_quietly(hp, X, Y, X_dev=None, Y_dev=None, progress=lambda step, total: None):
    """Train a fresh network of hp on X (784, m), Y (m,) to the end, here and now (a short run a page waits for).

    progress(step, total) is called after every step. The dev set is evaluated about once an epoch (full batch:
    every 50 steps) and at the end. Returns (params, records); on divergence, the last good params.
    """
    total = total_steps(hp, X.shape[1])
    params, records = new_network(hp), []
    every = max(total_steps(hp.with_changes(epochs=1), X.shape[1]) if hp.method == "mini-batch" else 1, 50)
    for trained, record in train(params, X, Y, hp, X_dev, Y_dev, eval_every=every):
        params = trained
        records.append(record)
        progress(record.step, total)
    return params, records


def start_run(number, hp, split, data_description, params=None):
    """A new run at step 0 on split.X_train (784, m) from `params`, or from a fresh network of hp."""
    params = new_network(hp) if params is None else params
    total = total_steps(hp, split.X_train.shape[1])
    # A full-batch step already measures train accuracy; a mini-batch evaluation (2,000 train + the dev set)
    # costs far more than a step of 64 examples, so it happens less often.
    every = max(1, total // (POINTS_PER_CURVE if hp.method == "full-batch" else POINTS_PER_MINI_BATCH_CURVE))
    steps = train(params, split.X_train, split.Y_train, hp, split.X_dev, split.Y_dev, eval_every=every)
    run = LiveRun(number, hp, data_description, params, steps, total, snapshot_at=snapshot_steps(total))
    _keep_snapshot(run, 0)
    return run


def advance(run):
    """One gradient step. Returns False when the run cannot go on (it has finished or diverged)."""
    if run.ended:
        return False
    start = time.perf_counter()
    try:
        params, record = next(run.steps)
    except StopIteration:
        run.status = "finished"
        return False
    finally:
        run.seconds += time.perf_counter() - start
    run.params = params  # on divergence, these are the last good weights
    if record.diverged:
        run.status, run.diverged_record = "diverged", record
        return False
    run.records.append(record)
    if record.step in run.snapshot_at:
        _keep_snapshot(run, record.step)
    if record.step >= run.total:
        run.status = "finished"
    return not run.ended


# Runs take turns on the CPU cores: at most one run per core trains at a time, for TURN seconds, then lets the
# next waiting run go. With a whole class training at once, every run still moves, and the pages stay quick:
# thirty training threads at once would queue for Python's lock in front of every page being drawn.
# Keeping one core for the pages (one run at a time on 2 cores) was measured with 20 visitors: p95 page render
# 1.2, 1.9 and 4.0 s in three load tests (2.0 to 4.2 s with one run per core: within the same spread), but the
# class's runs then end one after the other, 406 s to over 600 s after Train (214 to 424 s with one per core).
TRAINING_SLOTS = os.cpu_count() or 1
TURN = 0.5  # seconds


class Turns:
    """A first-come, first-served queue for `slots` places: take() waits for a place, give_back() frees it."""

    def __init__(self, slots):
        self.free, self.queue, self.changed = slots, [], threading.Condition()

    def take(self, who, timeout):
        """Wait up to `timeout` s for a place; True once `who` has one. Waiting again keeps its place in line."""
        with self.changed:
            if who not in self.queue:
                self.queue.append(who)
            if not self.changed.wait_for(lambda: who in self.queue[:self.free], timeout):
                return False
            self.queue.remove(who)
            self.free -= 1
            return True

    def give_back(self):
        with self.changed:
            self.free += 1
            self.changed.notify_all()

    def leave(self, who):
        """`who` stops waiting (its run was stopped while in line)."""
        with self.changed:
            if who in self.queue:
                self.queue.remove(who)
                self.changed.notify_all()


_cores = Turns(TRAINING_SLOTS)

_running = set()  # id() of the runs training right now, in every session of this server
_running_lock = threading.Lock()


def runs_in_progress():
    """How many runs are training on this server right now (all visitors together)."""
    with _running_lock:
        return len(_running)


def redraw_interval():
    """Seconds between two redraws of a live chart. The server shares REDRAWS_PER_SECOND among the runs in
    progress: alone, a visitor's curves move 1 / FASTEST_REDRAW times a second; with a whole class training at
    once, each chart moves less often, and the CPU goes to training instead of drawing."""
    return max(FASTEST_REDRAW, (runs_in_progress() + 1) / REDRAWS_PER_SECOND)


def start_training(run, connected=lambda: True, unwatched_after=UNWATCHED_AFTER):
    """Train in a background thread until the end, a Stop, the visitor's tab closing (`connected()` turns
    False), or no page drawing the run for `unwatched_after` s.

    The page's fragment only draws, so drawing never pauses training. The thread touches nothing but this
    run (no Streamlit call works from it), and the page calls run.seen() on every redraw.
    """
    if run.training or run.ended:
        return
    run.stop_request.clear()
    run.status = "running"
    run.seen()
    run.worker = threading.Thread(target=_train_until_stopped, args=(run, connected, unwatched_after),
                                  daemon=True, name=f"training run {run.number}")
    run.worker.start()


def _train_until_stopped(run, connected, unwatched_after):
    def wanted():
        return (not run.stop_request.is_set() and connected()
                and time.monotonic() - run.last_seen < unwatched_after)

    start = time.perf_counter()
    _yield_to_pages()
    with _running_lock:
        _running.add(id(run))
    try:
        going = True
        while going and wanted():
            if not _cores.take(id(run), timeout=0.1):  # every core busy training: wait in line (Stop still works)
                continue
            try:
                turn = time.monotonic()
                while wanted() and time.monotonic() - turn < TURN:
                    if not advance(run):
                        going = False
                        break
            finally:
                _cores.give_back()
    finally:
        _cores.leave(id(run))
        with _running_lock:
            _running.discard(id(run))
        run.wall_seconds += time.perf_counter() - start
        if not run.ended:
            run.status = "paused"


TRAINING_NICENESS = 10  # on Linux, a thread's CPU priority (0 normal, 19 lowest)


def _yield_to_pages():
    """Give this training thread a lower CPU priority than the threads that draw pages: when both want a core,
    the page a student waits for goes first, and training takes what is left. (Linux only; elsewhere, and
    where it is not allowed, training keeps the normal priority.)"""
    if not sys.platform.startswith("linux"):  # elsewhere a thread's id is not what setpriority expects
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), TRAINING_NICENESS)
    except OSError:
        pass


def stop_training(run, timeout=30):
    """Ask the thread to stop after its current step and wait for it. Returns True once it has stopped."""
    run.stop_request.set()
    if run.worker is not None:
        run.worker.join(timeout)
    return not run.training


def _keep_snapshot(run, step):
    if not run.snapshots or run.snapshots[-1][0] != step:
        run.snapshots.append((step, run.params["W1"][:SNAPSHOT_UNITS].copy()))


def score(run, split):
    """Loss and accuracy of the run's current weights on train, dev and (full MNIST only) test: run.scores."""
    run.scores = scores(run.params, split, run.hp.activation)
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
        "steps": f"{run.step} of {run.total}",
        "seconds": round(run.seconds, 1),
        "status": run.status,
    }
    for name, (_, accuracy) in run.scores.items():
        row[f"{name} accuracy"] = accuracy
    return row


def compare_notebook_bugs(hp, split, iterations=150):
    """Train the same seed twice, with the notebook's bugs and without, full batch: what each does differently.

    Returns {"notebook": {...}, "corrected": {...}}, each with the first step's db of every layer ({"db1": ...}:
    scalars for the notebook, (n_l, 1) columns when corrected), the m that divides the gradients, the final
    loss and dev accuracy.
    """
    results = {}
    m_train = split.X_train.shape[1]
    for name, bugs in (("notebook", True), ("corrected", False)):
        run_hp = hp.with_changes(notebook_bugs=bugs, method="full-batch", iterations=iterations, momentum=0.0)
        params0 = new_network(run_hp)
        m = m_train + run_hp.dev_size if bugs else m_train
        grads, _, _ = full_batch_gradients(params0, split.X_train, split.Y_train, run_hp.activation, bugs, m=m)
        start = time.perf_counter()
        params, records = train_to_end(params0, split.X_train, split.Y_train, run_hp, split.X_dev, split.Y_dev,
                                       eval_every=iterations)
        last = records[-1]
        results[name] = {
            "db": {k: np.asarray(v) for k, v in grads.items() if k.startswith("db")}, "m": m,
            "steps": len(records), "diverged": last.diverged,
            "loss": last.loss, "dev_accuracy": evaluate(params, split.X_dev, split.Y_dev, run_hp.activation)[1],
            "seconds": time.perf_counter() - start,
        }
    return results


# ---------------------------------------------------------------------------------------------------------
# Batches of runs, one after the other, trained a slice at a time (the Experiments page)
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Job:
    """One training run to do: a name, the columns it starts its table row with, and its hyperparameters.
    hp.seed seeds both the dev split's shuffle and the initial weights."""

    name: str
    columns: dict
    hp: Hyperparams


@dataclass
class Batch:
    """Runs done one after the other on the same data: their results, and the run in progress.

    status : "running", "stopped", "finished" or "error" (message says why).
    rows : one table row per finished run. steps : nn_core's training generator of the run in progress.
    """

    jobs: list
    data_description: str
    dev_size: int
    short: int | None
    rows: list = field(default_factory=list)
    status: str = "running"
    message: str = ""
    split: object = None
    steps: object = None
    params: dict | None = None
    step: int = 0
    total: int = 0
    seconds: float = 0.0
    # Held while a slice trains. A click reruns the page in a new thread while the old one may still be
    # finishing its slice (Streamlit's fast reruns), so only one of them may touch the batch at a time.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def job(self):
        """The run in progress or the next to do (None when all are done)."""
        return self.jobs[len(self.rows)] if len(self.rows) < len(self.jobs) else None

    @property
    def running(self):
        return self.status == "running"


def start_job(batch, split_for):
    """Split the data with the next run's seed and set up its training generator (or end the batch).
    split_for(seed) gives the Split of the data in use with the batch's dev size."""
    job = batch.job
    if job is None:
        batch.status = "finished"
        return
    try:
        batch.split = split_for(job.hp.seed)
        params = new_network(job.hp)
    except ValueError as error:
        batch.status, batch.message = "error", f"{job.name} could not start: {error}"
        return
    batch.total = total_steps(job.hp, batch.split.X_train.shape[1])
    batch.steps = train(params, batch.split.X_train, batch.split.Y_train, job.hp, eval_every=batch.total)
    batch.params, batch.step, batch.seconds = params, 0, 0.0


def one_step(batch):
    """One gradient step of the run in progress; the run is scored when it reaches its last step."""
    start = time.perf_counter()
    try:
        batch.params, record = next(batch.steps)
    except StopIteration:
        return finish_job(batch, "")
    except ValueError as error:
        batch.status, batch.message, batch.steps = "error", f"{batch.job.name} failed: {error}", None
        return
    finally:
        batch.seconds += time.perf_counter() - start
    batch.step = record.step
    if record.diverged:
        finish_job(batch, f"diverged at step {record.step}")
    elif record.step >= batch.total:
        finish_job(batch, "")


def finish_job(batch, note):
    """Score the finished run on train, dev and (full MNIST only) test, and add its row to the table."""
    split, job = batch.split, batch.job
    row = dict(job.columns)
    for name, (_, accuracy) in scores(batch.params, split, job.hp.activation).items():
        row[f"{name} accuracy"] = 100 * accuracy
    row["steps"] = batch.step
    row["seconds"] = round(batch.seconds, 2)
    if note:
        row["note"] = note
    batch.rows.append(row)
    batch.steps = batch.params = batch.split = None
    if batch.job is None:
        batch.status = "finished"


def work(batch, seconds, split_for):
    """Train for about `seconds`: steps of the run in progress, starting the next run when one ends.
    Does nothing when another thread is already training this batch."""
    if not batch.lock.acquire(blocking=False):
        return
    try:
        deadline = time.perf_counter() + seconds
        while batch.running and time.perf_counter() < deadline:
            if batch.steps is None:
                start_job(batch, split_for)
            else:
                one_step(batch)
    finally:
        batch.lock.release()


def stop_batch(batch):
    """Stop a batch after the slice being trained, if any: finished runs are kept; the run in progress is
    dropped, because it did not finish."""
    with batch.lock:
        if not batch.running:
            return
        batch.status = "stopped"
        if batch.steps is not None:
            batch.message = (f"Stopped during {batch.job.name}, at step {batch.step:,} of {batch.total:,}: that "
                             "run did not finish, so it is not counted.")
        batch.steps = batch.params = batch.split = None


def fail_batch(batch, message):
    """End a batch with a message that says why (the data changed under it, say)."""
    with batch.lock:
        batch.status, batch.message = "error", message
        batch.steps = batch.params = batch.split = None
