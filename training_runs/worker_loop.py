"""A training worker: a Python process of its own that trains networks for the server (pool.py).

Training in a separate process never holds the server's Python lock, so pages stay quick while a class trains,
and each worker trains on a core of its own. A worker imports only NumPy, threadpoolctl and nn_core (never
Streamlit): it starts in a fraction of a second and stays small. The server starts it as

    python -m training_runs.worker_loop FD PARENT_PID NICENESS

where FD is its end of a socket pair. Through it, the server sends pickled commands (multiprocessing's
Connection):

    ("train", id, spec, until, seconds, threads, send_params)   train run `id` up to step `until`, for about
                     `seconds`, on `threads` BLAS threads; `spec` (a dict) says what to train the first time
    ("forget", id)   drop a run (nobody follows it any more)
    ("quit",)

and the worker says ("ready",) once started, then answers each slice of training with ("progress", id, news) a
few times a second, the last one with news["done"] = True. news holds the new StepRecords (each with the seconds
of training so far), the W1 and b1 snapshots, the params (when they are small, asked for, or final), and how the run
ended, if it did.
The worker exits when the server goes away: the socket closes, or its parent process changes.
"""

import os
import sys
import time
from collections import OrderedDict
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from nn_core.data import Split
from nn_core.evaluation import scores
from nn_core.training import new_network, train

SNAPSHOT_UNITS = 64  # W1 and b1 rows kept per snapshot (what the page can draw), so memory stays small
SEND_EVERY = 0.25  # seconds between two batches of records within a slice
SMALL_PARAMS = 2_000_000  # bytes: params this small travel with every batch (every network the controls make)
DATA_KEPT = 4  # data folders kept open (memory-mapped) at once


def snapshot_steps(total):
    """The steps at which W1 is kept: 0, 1, 2, 5, 10, 20, 50, ... (log-spaced) and the last one."""
    steps, scale = {0, total}, 1
    while scale <= total:
        steps.update(k * scale for k in (1, 2, 5) if k * scale <= total)
        scale *= 10
    return steps


class Data:
    """The arrays of published data folders (X.npy, Y.npy, X_dev.npy, ...), memory-mapped read-only: every
    worker reads the same pages of the same files, and none holds a copy of its own."""

    def __init__(self):
        self.folders = OrderedDict()

    def arrays(self, folder):
        if folder not in self.folders:
            self.folders[folder] = {path.stem: np.load(path, mmap_mode="r").view(np.ndarray)  # read-only
                                    for path in Path(folder).glob("*.npy")}
            while len(self.folders) > DATA_KEPT:
                self.folders.popitem(last=False)
        self.folders.move_to_end(folder)
        return self.folders[folder]


def first_layer(step, params):
    """A snapshot: (step, the first SNAPSHOT_UNITS rows of W1 (units, 784), the same rows of b1 (units, 1), the
    other layers). With b1 the page can compute A1 = g(W1 @ X + b1) as it was at that step (the hidden layer's
    map). The other layers, {"W2": ..., "b2": ..., ...} (a few thousand numbers at most), come along when all of W1
    is kept, so the page has the whole network of that step; for a wider layer they are None."""
    whole = params["W1"].shape[0] <= SNAPSHOT_UNITS
    rest = {name: value.copy() for name, value in params.items() if name not in ("W1", "b1")} if whole else None
    return step, params["W1"][:SNAPSHOT_UNITS].copy(), params["b1"][:SNAPSHOT_UNITS].copy(), rest


class Run:
    """One run's training generator and what the server has not been sent yet."""

    def __init__(self, spec, data):
        arrays = data.arrays(spec["data"])
        self.split = Split(arrays["X"], arrays["Y"], arrays.get("X_dev"), arrays.get("Y_dev"), arrays.get("X_test"),
                           arrays.get("Y_test"))
        self.hp, self.total, self.score = spec["hp"], spec["total"], spec["score"]
        self.params = new_network(self.hp) if spec["params"] is None else spec["params"]
        self.steps = train(self.params, self.split.X_train, self.split.Y_train, self.hp, self.split.X_dev,
                           self.split.Y_dev, eval_every=spec["eval_every"])
        self.snapshot_at = snapshot_steps(self.total)
        self.step, self.seconds = 0, 0.0
        self.ended = None  # "finished" or "diverged"
        self.diverged = None  # the diverged StepRecord
        self.news = self.fresh_news()
        if 0 in self.snapshot_at:
            self.news["snapshots"].append(first_layer(0, self.params))

    @staticmethod
    def fresh_news():
        return {"records": [], "snapshots": []}

    def advance(self):
        """One gradient step; sets self.ended when the run is over."""
        start = time.perf_counter()
        try:
            params, record = next(self.steps)
        except StopIteration:
            self.ended = "finished"
            return
        finally:
            self.seconds += time.perf_counter() - start
        self.params = params  # on divergence, the last good weights
        if record.diverged:
            self.ended, self.diverged = "diverged", record
            return
        self.step = record.step
        self.news["records"].append((record, self.seconds))
        if record.step in self.snapshot_at:
            self.news["snapshots"].append(first_layer(record.step, params))
        if record.step >= self.total:
            self.ended = "finished"

    def take_news(self, done, send_params):
        """What happened since the last batch, for the server."""
        news, self.news = self.news, self.fresh_news()
        small = sum(value.nbytes for value in self.params.values()) <= SMALL_PARAMS
        wanted = done and (self.ended is not None or send_params)
        news.update(done=done, seconds=self.seconds, status=self.ended, diverged=self.diverged,
                    params=self.params if small or wanted else None, params_step=self.step)
        if self.ended and self.score:
            news["scores"] = scores(self.params, self.split, self.hp.activation)
        return news


class Worker:
    def __init__(self, connection, parent_pid):
        self.connection, self.parent_pid = connection, parent_pid
        self.runs, self.data = {}, Data()
        self.blas = ThreadpoolController()

    def serve(self):
        while True:
            if not self.connection.poll(1.0):
                if os.getppid() != self.parent_pid:
                    return  # the server died without saying so
                continue
            command = self.connection.recv()
            if command[0] == "quit":
                return
            if command[0] == "forget":
                self.runs.pop(command[1], None)
            elif command[0] == "train":
                self.train(*command[1:])

    def train(self, run_id, spec, until, seconds, threads, send_params):
        """A slice of training: steps of one run until `until`, the end, or `seconds`, reported in batches."""
        try:
            run = self.runs.get(run_id) or self.runs.setdefault(run_id, Run(spec, self.data))
            with self.blas.limit(limits=threads, user_api="blas"):
                start = last_sent = time.perf_counter()
                while run.ended is None and run.step < until and time.perf_counter() - start < seconds:
                    run.advance()
                    if time.perf_counter() - last_sent >= SEND_EVERY and run.ended is None:
                        self.send(run_id, run.take_news(False, False))
                        last_sent = time.perf_counter()
            news = run.take_news(True, send_params or run.step >= until)
        except Exception as error:  # a bad spec or an error inside nn_core: the server shows the message
            self.runs.pop(run_id, None)
            news = {"done": True, "status": "failed", "message": f"{type(error).__name__}: {error}"}
        if news["status"] is not None:
            self.runs.pop(run_id, None)
        self.send(run_id, news)

    def send(self, run_id, news):
        self.connection.send(("progress", run_id, news))


def main(fd, parent_pid, niceness):
    """Lower this process's CPU priority (pages first, training with what is left), then serve the server."""
    try:
        os.nice(niceness)
    except OSError:  # pragma: no cover (lowering one's own priority is always allowed on Linux)
        pass
    connection = Connection(fd)
    try:
        connection.send(("ready",))  # the imports went well
        Worker(connection, parent_pid).serve()
    except (EOFError, OSError):
        pass  # the server went away: nothing left to do
    finally:
        connection.close()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
