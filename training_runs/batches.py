"""Batches of runs, one after the other, trained a slice at a time in the workers: the Experiments page's seeds and
ladder (Job, Batch, work), each run a computation the page's fragment looks in on. No Streamlit here.
"""

import threading
import time
from dataclasses import dataclass, field

from nn_core.training import Hyperparams, new_network, total_steps
from training_runs.computations import Follower
from training_runs.pool import runner
from training_runs.runs import arrays_of, spec


@dataclass
class Job:
    """One training run to do: a name, the columns it starts its table row with, and its hyperparameters.
    hp.seed seeds both the dev split's shuffle and the initial weights."""

    name: str
    columns: dict
    hp: Hyperparams


JOB_UNWATCHED = 30.0  # seconds: a batch whose page nobody has looked at for this long lets its run wait


@dataclass
class Batch:
    """Runs done one after the other on the same data: their results, and the run in progress.

    status : "running", "stopped", "finished" or "error" (message says why).
    rows : one table row per finished run. steps : the Follower of the run in progress (None between runs).
    visitor : whose share of the workers the runs use (one batch at a time per visitor). shared : how many of the
    runs had been trained on this server already, with the exact same settings.
    """

    jobs: list
    data_description: str
    dev_size: int
    short: int | None
    visitor: object = None
    rows: list = field(default_factory=list)
    status: str = "running"
    message: str = ""
    split: object = None
    steps: object = None
    params: dict | None = None
    step: int = 0
    total: int = 0
    seconds: float = 0.0
    shared: int = 0
    last_seen: float = field(default_factory=time.monotonic)
    # Held while the page looks in on the batch. A click reruns the page in a new thread while the old one may
    # still be waiting (Streamlit's fast reruns), so only one of them may touch the batch at a time.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def job(self):
        """The run in progress or the next to do (None when all are done)."""
        return self.jobs[len(self.rows)] if len(self.rows) < len(self.jobs) else None

    @property
    def running(self):
        return self.status == "running"


def start_job(batch, split_for):
    """Split the data with the next run's seed and hand the run to the workers (or end the batch).
    split_for(seed) gives the Split of the data in use with the batch's dev size."""
    job = batch.job
    if job is None:
        batch.status = "finished"
        return
    try:
        batch.split = split_for(job.hp.seed)
        params = new_network(job.hp)  # refused here, with its message, before a worker sees it
    except ValueError as error:
        batch.status, batch.message = "error", f"{job.name} could not start: {error}"
        return
    total = total_steps(job.hp, batch.split.X_train.shape[1])
    computation, shared = runner().computation(spec(job.hp, arrays_of(batch.split), None, total, score=True))
    batch.shared += shared
    batch.params, batch.step, batch.total, batch.seconds = params, 0, total, 0.0
    _follow_job(batch, computation)


def _follow_job(batch, computation):
    def keep_going():
        return batch.running and time.monotonic() - batch.last_seen < JOB_UNWATCHED

    batch.steps = Follower(batch.total, batch.visitor, keep_going)
    slot = None if batch.visitor is None else (batch.visitor, "experiments")
    runner().follow(computation, batch.steps, slot)


def look_in(batch):
    """Take what the run in progress has done so far; score it and add its row once it has ended."""
    follower = batch.steps
    computation = follower.computation
    batch.step, batch.seconds = computation.step, computation.seconds
    if computation.status == "failed":
        batch.status, batch.message = "error", f"{batch.job.name} failed: {computation.message}"
        batch.steps = batch.params = batch.split = None
    elif computation.ended:
        note = f"diverged at step {computation.diverged_record.step}" if computation.diverged_record else ""
        batch.params = computation.params
        finish_job(batch, note, computation.scores)
    elif follower.done.is_set():  # it stopped following (the page was not looked at for a while): go on
        _follow_job(batch, computation)


def finish_job(batch, note, run_scores):
    """Add the finished run's row to the table: its scores on train, dev and (full MNIST only) test."""
    row = dict(batch.job.columns)
    for name, (_, accuracy) in run_scores.items():
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
    """Look in on the batch for about `seconds`: starting its runs one after the other as the workers finish
    them (this thread only waits). Does nothing when another thread is already looking in on this batch."""
    if not batch.lock.acquire(blocking=False):
        return
    try:
        batch.last_seen = time.monotonic()
        deadline = time.perf_counter() + seconds
        while batch.running:
            if batch.steps is None:
                start_job(batch, split_for)
                continue
            look_in(batch)
            if batch.steps is None:
                continue  # that run has ended: the next one starts at once
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            runner().wait_for_news(batch.steps.computation, batch.step, left)
    finally:
        batch.lock.release()


def _drop_job(batch):
    if batch.steps is not None:
        runner().stop(batch.steps)
    batch.steps = batch.params = batch.split = None


def stop_batch(batch):
    """Stop a batch: finished runs are kept; the run in progress is dropped, because it did not finish."""
    with batch.lock:
        if not batch.running:
            return
        batch.status = "stopped"
        if batch.steps is not None:
            batch.message = (f"Stopped during {batch.job.name}, at step {batch.step:,} of {batch.total:,}: that "
                             "run did not finish, so it is not counted.")
        _drop_job(batch)


def fail_batch(batch, message):
    """End a batch with a message that says why (the data changed under it, say)."""
    with batch.lock:
        batch.status, batch.message = "error", message
        _drop_job(batch)
