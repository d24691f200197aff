"""The pool of worker processes where every training run of the app happens: one worker per core, a fair
scheduler, and identical runs computed once. No Streamlit here.

Why processes: one server process draws every page of every visitor, one thread at a time (Python's lock).
Training threads in it made twenty students' pages queue behind twenty runs. A worker process
(worker_loop.py) has a lock and a core of its own; the server only passes messages.

- The pool (Runner) starts with the first run: one worker per core, at a lower CPU priority than the server.
  It stops with the server (atexit), and a worker whose server has gone exits by itself. A worker that dies
  is replaced at once.
- A Computation (computations.py) is one run as the workers compute it; its Followers want its steps.
- Identical runs are computed once: a Spec is named by a hash of its data, its Hyperparams, its starting
  params and how often it evaluates, and a second visitor who starts the same run follows the computation
  already there, live, or gets its records at once if it has finished. The last FINISHED_KEPT finished
  computations are kept.
- Fair to the whole class: a free worker takes the computation whose least-served visitor has had the least
  training time (shares per visitor, not per run), for a slice short enough that each computation in progress
  gets one about every LONGEST_WAIT seconds. A slice uses one BLAS thread, or every core's when it is the only
  computation wanted and no other program keeps the machine busy (a lone teacher's demo gets the whole machine).
- A worker that dies costs only the computation it was training: its followers get a message. The others it
  held start again from step 0 on another worker (training is deterministic), and the steps already known are
  not counted twice.
"""

import atexit
import os
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections import OrderedDict, deque
from multiprocessing.connection import Connection, wait
from pathlib import Path

from training_runs.computations import Computation

ROOT = Path(__file__).resolve().parents[1]  # the project folder: `python -m training_runs.worker_loop` runs from it
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
# A worker's CPU priority: 0 is the server's, 19 the lowest, so pages go first and training takes what is left.
# The tests run workers at 0 (WORKER_NICENESS=0): on a machine busy with other work, a worker at 10 gets
# almost no CPU, and a test would measure the other work.
WORKER_NICENESS = int(os.environ.get("WORKER_NICENESS", 10))
WORKER_COMMAND = [sys.executable, "-m", "training_runs.worker_loop"]  # then: socket, server's pid, niceness
LONGEST_WAIT = 1.0  # seconds: about how long a computation in progress waits for its next slice
LONGEST_SLICE = 0.5  # seconds of training in one slice (and at most this long for Stop to take effect)
SHORTEST_SLICE = 0.05
CHECK_EVERY = 0.25  # seconds between two checks of the followers (tab closed, page left)
# Finished computations kept for visitors who start the same run later (the setting FINISHED_RUNS_KEPT; the
# browser tests set 0, so that each test trains its own runs on the server they share).
FINISHED_KEPT = int(os.environ.get("FINISHED_RUNS_KEPT", 32))
FINISHED_BYTES = 200_000_000  # and at most about this much memory for them
BROKEN = "The training processes could not start on this server (its log says why), so nothing can be trained."
DIED = ("The process training this run stopped (it may have run out of memory, or been ended from outside). "
        "Nothing else was lost; press Train to start this run again.")


class WorkerProcess:
    """The server's end of one worker: its process, the socket to it, and the slice it is training."""

    def __init__(self):
        ours, theirs = socket.socketpair()
        command = [*WORKER_COMMAND, str(theirs.fileno()), str(os.getpid()), str(WORKER_NICENESS)]
        self.process = subprocess.Popen(command, cwd=ROOT, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        theirs.close()
        self.connection = Connection(ours.detach())
        self.busy = None  # the computation of the slice in progress
        self.slice_started, self.slice_visitors, self.slice_threads = 0.0, (), 1
        self.alive = True
        self.ready = False  # it has said hello: its imports went well

    @property
    def pid(self):
        return self.process.pid

    def send(self, *command):
        self.connection.send(command)

    def close(self, wait_seconds=2.0):
        """Ask the worker to quit, then make sure it has (no process left behind)."""
        try:
            self.send("quit")
        except OSError:
            pass
        self.connection.close()
        try:
            self.process.wait(wait_seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.alive = False


class OtherWork:
    """How many cores the rest of this machine kept busy over the last few seconds: its busy time (/proc/stat)
    minus the workers'. The server drawing pages counts too: a lone run takes every core only when nothing else
    wants one. On this 2-core machine busy with other work, two BLAS threads made a step 6 times slower than one.
    (Linux; elsewhere the machine counts as free.)"""

    TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self, window=2.0):
        self.window, self.readings = window, deque()

    def update(self, pids):
        try:
            fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
            busy = sum(map(int, fields)) - int(fields[3]) - int(fields[4])  # all but idle and iowait
            ours = sum(self._cpu(pid) for pid in pids)
        except (OSError, ValueError, IndexError):
            return
        now = time.monotonic()
        self.readings.append((now, busy, ours))
        while now - self.readings[0][0] > self.window and len(self.readings) > 2:
            self.readings.popleft()

    @staticmethod
    def _cpu(pid):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return int(stat[11]) + int(stat[12])  # utime + stime
        except (OSError, IndexError, ValueError):
            return 0

    def cores(self):
        if len(self.readings) < 2:
            return 0.0
        (start, busy0, ours0), (end, busy1, ours1) = self.readings[0], self.readings[-1]
        return max(0.0, (busy1 - busy0) - (ours1 - ours0)) / self.TICKS / max(end - start, 1e-3)


class Runner:
    """The pool of workers, the computations in progress or kept, and the thread that schedules them."""

    def __init__(self, size=CORES):
        self.size = size
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)  # notified whenever a computation moves or ends
        self.workers = []
        self.thread = None
        self.closing = False
        self.wake_reader, self.wake_writer = socket.socketpair()
        self.computations = weakref.WeakValueDictionary()  # number -> computation (while anything uses it)
        self.shared = weakref.WeakValueDictionary()  # spec key -> computation not finished
        self.finished = OrderedDict()  # spec key -> finished computation, the last FINISHED_KEPT
        self.followed = set()  # computations with at least one follower
        self.pins = {}  # computation number -> the worker holding its generator
        self.forgotten = deque()  # numbers of computations nobody uses any more
        self.slots = {}  # (visitor, kind) -> the follower using that visitor's slot
        self.used = {}  # visitor -> seconds of training done for them
        self.count = 0
        self.last_check = 0.0
        self.early_deaths = 0  # workers in a row that died before saying hello
        self.other_work = OtherWork()

    # --- What the app calls ------------------------------------------------------------------------------

    def computation(self, spec, shared=True):
        """The computation of `spec`: an identical one already on this server (finished or not), or a new one.
        Returns (computation, True when it already existed). shared=False: always a new, private one."""
        with self.lock:
            if shared:
                found = self.finished.get(spec.key) or self.shared.get(spec.key)
                if found is not None and found.status != "failed":
                    if spec.key in self.finished:
                        self.finished.move_to_end(spec.key)
                    return found, True
            self.count += 1
            computation = Computation(spec, self.count, params=spec.params, params_step=0)
            self.computations[self.count] = computation
            weakref.finalize(computation, self._forget, self.count)
            if shared:
                self.shared[spec.key] = computation
            return computation, False

    def follow(self, computation, follower, slot=None):
        """`follower` now wants `computation`'s steps up to follower.until. slot (visitor, kind): the visitor's
        one run of that kind; a follower already in it stops."""
        with self.lock:
            follower.computation = computation
            if slot is not None:
                previous = self.slots.get(slot)
                if previous is not None and previous is not follower:
                    self._stop(previous)
                self.slots[slot] = follower
            if computation.ended:
                self._let_go(follower)
                return
            self.used[follower.visitor] = max(self.used.get(follower.visitor, 0.0), self._clock())
            computation.followers.append(follower)
            self.followed.add(computation)
            self._settle(computation)
            self._start()
            if not self.workers:  # they could not start (see _worker_died)
                self._end(computation, "failed", BROKEN)
        self._wake()

    def stop(self, follower):
        """`follower` wants no more steps; it lets go as soon as its computation's params match its last step."""
        with self.lock:
            self._stop(follower)
        self._wake()

    def wait_for_news(self, computation, step, timeout):
        """Wait until `computation` has moved past `step` or ended (or timeout)."""
        with self.changed:
            self.changed.wait_for(lambda: computation.ended or computation.step != step, timeout)

    def forget_shared(self):
        """Start afresh: no computation from before is shared any more (for tests)."""
        with self.lock:
            self.shared.clear()
            self.finished.clear()

    def pids(self):
        with self.lock:
            return [w.pid for w in self.workers if w.alive]

    def shutdown(self):
        """Stop every worker and the scheduler's thread (at exit, or in tests)."""
        with self.lock:
            self.closing = True
            workers, self.workers = self.workers, []
            for computation in list(self.followed):
                self._end(computation, "failed", "The server is stopping.")
        self._wake()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(5)
        for worker in workers:
            worker.close()

    # --- Following ---------------------------------------------------------------------------------------

    def _stop(self, follower):
        follower.stopping = True
        if follower.computation is not None:
            self._settle(follower.computation)

    def _settle(self, computation):
        """Let go the followers that want no more steps, at a moment when the params are those of the last step
        they have: not while those params are on their way (a slice of no steps brings them, see _stale), and,
        when nobody wants more steps, not before the slice in progress has ended (they get its last step)."""
        if computation.params_step != computation.step:
            return
        if computation.active and computation.wanted_until() <= computation.step:
            return
        for follower in list(computation.followers):
            if follower.wants <= computation.step:
                self._let_go(follower)

    def _let_go(self, follower):
        computation = follower.computation
        if follower in computation.followers:
            computation.followers.remove(follower)
        if not computation.followers:
            self.followed.discard(computation)
        for slot, holder in list(self.slots.items()):
            if holder is follower:
                del self.slots[slot]
        if not follower.done.is_set():
            if follower.on_stop is not None:
                follower.on_stop(computation)
            follower.done.set()
        self.changed.notify_all()

    def _check_followers(self):
        """Stop the followers that no longer want to go on (a closed tab, a page nobody looks at)."""
        for computation in list(self.followed):
            for follower in list(computation.followers):
                if not follower.stopping and follower.keep_going is not None and not follower.keep_going():
                    self._stop(follower)
        wanting = {v for c in self.followed for v in c.wanting_visitors()}
        self.used = {v: s for v, s in self.used.items() if v in wanting}

    def _clock(self):
        """The training time of the least-served visitor waiting now: a newcomer starts level with them."""
        wanting = [self.used.get(v, 0.0) for c in self.followed for v in c.wanting_visitors()]
        return min(wanting, default=0.0)

    # --- The workers -------------------------------------------------------------------------------------

    def _start(self):
        if self.thread is None and not self.closing:
            self.workers = [WorkerProcess() for _ in range(self.size)]
            self.thread = threading.Thread(target=self._loop, daemon=True, name="training scheduler")
            self.thread.start()
            atexit.register(self.shutdown)

    def _wake(self):
        try:
            self.wake_writer.send(b"!")
        except OSError:
            pass

    def _loop(self):
        while True:
            with self.lock:
                if self.closing:
                    return
                connections = {w.connection: w for w in self.workers if w.alive}
            ready = wait([*connections, self.wake_reader], timeout=CHECK_EVERY)
            messages = []
            for source in ready:
                if source is self.wake_reader:
                    self.wake_reader.recv(4096)
                    continue
                worker = connections[source]
                try:
                    messages.append((worker, source.recv()))
                    while source.poll():
                        messages.append((worker, source.recv()))
                except (EOFError, OSError):
                    messages.append((worker, None))
            with self.lock:
                if self.closing:
                    return
                for worker, message in messages:
                    if message is None:
                        self._worker_died(worker)
                    elif message[0] == "ready":
                        worker.ready = True
                    elif worker.alive:
                        self._progress(worker, *message[1:])
                self._send_forgets()
                if time.monotonic() - self.last_check >= CHECK_EVERY:
                    self.last_check = time.monotonic()
                    self._check_followers()
                    self.other_work.update([w.pid for w in self.workers if w.alive])
                self._dispatch()

    def _dispatch(self):
        """Give every free worker a slice of the computation that is most owed training time."""
        wanted = [c for c in self.followed if not c.ended and (c.wanted_until() > c.step or self._stale(c))]
        for worker in list(self.workers):
            if not worker.alive or worker.busy is not None:
                continue
            mine = [c for c in wanted if not c.active and c.worker in (None, worker)]
            if not mine:
                continue
            chosen = min(mine, key=lambda c: (min((self.used.get(v, 0.0) for v in c.wanting_visitors()), default=0.0),
                                              c.last_slice))
            here = sum(1 for c in wanted if c.worker in (None, worker))
            seconds = min(LONGEST_SLICE, max(SHORTEST_SLICE, LONGEST_WAIT / max(here - 1, 1)))
            threads = CORES if len(wanted) == 1 and self.other_work.cores() < 0.5 else 1
            stopping = any(f.stopping for f in chosen.followers)
            spec = chosen.spec.for_worker() if chosen.worker is None else None
            try:
                worker.send("train", chosen.number, spec, max(chosen.wanted_until(), chosen.step), seconds, threads,
                            stopping)
            except OSError:
                self._worker_died(worker)
                continue
            chosen.worker, chosen.active = worker, True
            self.pins[chosen.number] = worker
            worker.busy, worker.slice_started, worker.slice_threads = chosen, time.monotonic(), threads
            worker.slice_visitors = tuple(chosen.wanting_visitors())

    @staticmethod
    def _stale(computation):
        """A follower has what it wants but the params of that step did not come with it (a large network, or a
        stop during a slice): a slice of no steps brings them."""
        return computation.params_step < computation.step and any(f.wants <= computation.step
                                                                  for f in computation.followers)

    def _progress(self, worker, number, news):
        """A batch of steps from a worker."""
        computation = self.computations.get(number)
        if news["done"]:
            self._slice_done(worker)
        if computation is None:
            return  # nobody uses it any more
        for record, seconds in news.get("records", ()):
            if record.step == computation.step + 1:  # after a restart, the steps already known come again
                computation.records.append(record)
                computation.seconds_at.append(max(seconds, computation.seconds))
        for step, W1, b1, rest in news.get("snapshots", ()):
            if not computation.snapshots or step > computation.snapshots[-1][0]:
                for value in (W1, b1, *(rest or {}).values()):
                    value.setflags(write=False)
                computation.snapshots.append((step, W1, b1, rest))
        if news.get("params") is not None and news["params_step"] >= computation.params_step:
            for value in news["params"].values():
                value.setflags(write=False)  # shared by every follower: nobody may change them
            computation.params, computation.params_step = news["params"], news["params_step"]
        computation.seconds = max(computation.seconds, news.get("seconds", 0.0))
        if news["done"]:
            computation.active = False
            computation.last_slice = time.monotonic()
        if news["status"] is not None:
            computation.diverged_record, computation.scores = news.get("diverged"), news.get("scores")
            self._end(computation, news["status"], news.get("message", ""))
        else:
            self._settle(computation)
        self.changed.notify_all()

    def _slice_done(self, worker):
        computation, worker.busy = worker.busy, None
        if computation is not None:
            share = (time.monotonic() - worker.slice_started) / max(len(worker.slice_visitors), 1)
            for visitor in worker.slice_visitors:
                self.used[visitor] = self.used.get(visitor, 0.0) + share

    def _end(self, computation, status, message=""):
        computation.status, computation.message = status, message
        computation.active, computation.worker = False, None
        self.pins.pop(computation.number, None)
        key = computation.spec.key
        if self.shared.get(key) is computation:
            del self.shared[key]
        if status != "failed":
            self.finished[key] = computation
            while len(self.finished) > FINISHED_KEPT or (
                    len(self.finished) > 1 and sum(c.nbytes() for c in self.finished.values()) > FINISHED_BYTES):
                self.finished.popitem(last=False)
        for follower in list(computation.followers):
            self._let_go(follower)

    def _worker_died(self, dead):
        """A worker died: its slice's computation fails, the others it held start again elsewhere, and a new
        worker takes its place (unless workers die as soon as they start: then something is broken, and the
        runs in progress fail with a message instead of starting worker after worker)."""
        if not dead.alive:
            return
        dead.alive = False
        early = not dead.ready
        victim, dead.busy = None if early else dead.busy, None  # a worker that never started blames no run
        for number, worker in list(self.pins.items()):
            if worker is dead:
                del self.pins[number]
                computation = self.computations.get(number)
                if computation is not None and computation is not victim:
                    computation.worker, computation.active = None, False
        if victim is not None:
            self._end(victim, "failed", DIED)
        dead.close(wait_seconds=0.5)
        self.early_deaths = self.early_deaths + 1 if early else 0
        if self.closing:
            return
        if self.early_deaths >= 3:
            self.workers.remove(dead)
            if not any(w.alive for w in self.workers):
                for computation in list(self.followed):
                    self._end(computation, "failed", BROKEN)
            return
        self.workers[self.workers.index(dead)] = WorkerProcess()

    def _forget(self, number):
        """Called when a computation is garbage: its worker may drop its generator (runs in any thread)."""
        self.forgotten.append(number)
        self._wake()

    def _send_forgets(self):
        while self.forgotten:
            number = self.forgotten.popleft()
            worker = self.pins.pop(number, None)
            if worker is not None and worker.alive:
                try:
                    worker.send("forget", number)
                except OSError:
                    pass


_runner = None
_runner_lock = threading.Lock()


def runner():
    """This process's Runner (its workers start with the first run)."""
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = Runner()
        return _runner


def shutdown():
    """Stop this process's workers, if any were started (a new Runner starts next time)."""
    global _runner
    with _runner_lock:
        current, _runner = _runner, None
    if current is not None:
        current.shutdown()


def forget_shared():
    """No computation from before is shared any more (tests start afresh); the workers keep running."""
    with _runner_lock:
        current = _runner
    if current is not None:
        current.forget_shared()

