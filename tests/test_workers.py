"""Training in worker processes (training_runs/pool.py, training_runs/worker_loop.py): runs happen outside this process,
identical runs are computed once, visitors never see each other's runs, the pool is fair to every visitor, a
worker that dies costs only its run, and no worker outlives its server.

Each test that needs control over the pool (one worker, a priority) gets a Runner of its own (`own_runner`);
the others use the process's pool, as the pages do.
"""

import ast
import os
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import numpy as np
import pytest

from nn_core.training import NOTEBOOK, new_network, train_to_end
from training_runs import batches, computations, pool, shared_digits
from training_runs.runs import advance, start_run, start_training, stop_training
from training_runs.worker_loop import Data

ROOT = Path(__file__).resolve().parents[1]
LONG = NOTEBOOK.with_changes(iterations=100_000)  # a run that never ends by itself during a test


def wait_until(condition, timeout=90):
    """Wait for the workers to get somewhere (on a busy machine they get little time)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


class Tab:
    """A visitor's tab, as dashboard.state.Tab: always connected, with a name for the scheduler."""

    def __init__(self, visitor):
        self.visitor = visitor

    def __call__(self):
        return True


@pytest.fixture
def own_runner(monkeypatch):
    """A pool of its own for one test: factory(size) starts it; it is shut down afterwards."""
    made = []

    def make(size):
        runner = pool.Runner(size)
        monkeypatch.setattr(pool, "_runner", runner)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.shutdown()
        assert not set(runner_pids_alive(runner)), "a worker outlived its pool"


def runner_pids_alive(runner):
    return [w.pid for w in runner.workers if w.process.poll() is None]


def nice_of(pid):
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def gone(pid):
    """The process has exited (a zombie waiting for its parent counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


# ---------------------------------------------------------------------------------------------------------
# Where training happens
# ---------------------------------------------------------------------------------------------------------


def test_a_run_trains_in_a_worker_process_not_in_this_one(sample_split):
    run = start_run(1, NOTEBOOK.with_changes(iterations=30), sample_split, "sample")
    start_training(run)
    run.worker.join(120)
    assert run.status == "finished" and run.step == 30
    pids = pool.runner().pids()
    assert len(pids) == pool.CORES and os.getpid() not in pids
    for pid in pids:
        assert b"training_runs.worker_loop" in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert not any(v.flags.writeable for v in run.params.values())  # shared by every follower: read-only


def test_a_worker_imports_only_numpy_threadpoolctl_and_nn_core():
    tree = ast.parse((ROOT / "training_runs" / "worker_loop.py").read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported - set(sys.stdlib_module_names) == {"numpy", "threadpoolctl", "nn_core"}
    code = ("import sys, training_runs.worker_loop; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'streamlit', 'pandas', 'plotly', 'pyarrow'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_workers_run_at_a_lower_priority_than_the_server(own_runner, sample_split, monkeypatch):
    code = "import training_runs.pool as pool; print(pool.WORKER_NICENESS)"
    env = {k: v for k, v in os.environ.items() if k != "WORKER_NICENESS"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert int(out.stdout) == 10  # the app's default (the tests run workers at 0, see conftest.py)
    monkeypatch.setattr(pool, "WORKER_NICENESS", 10)
    server = os.nice(0)  # this process plays the server; pytest itself may run under `nice`
    runner = own_runner(2)
    run = start_run(1, NOTEBOOK.with_changes(iterations=3), sample_split, "sample")
    start_training(run)
    run.worker.join(120)
    assert run.status == "finished"
    wait_until(lambda: all(w.ready for w in runner.workers))  # a worker lowers its priority before its hello
    assert [nice_of(pid) for pid in runner.pids()] == [min(server + 10, 19)] * 2  # 10 below it (19 is the lowest)
    assert os.nice(0) == server  # the server keeps its priority


def test_the_digits_are_written_once_and_read_only_in_the_workers(sample_split):
    arrays = {"X": sample_split.X_train, "Y": sample_split.Y_train}
    first = shared_digits.publish(arrays)
    again = shared_digits.publish({"X": sample_split.X_train[:, :], "Y": sample_split.Y_train})  # other views
    assert again is first
    assert sorted(p.name for p in Path(first.folder).iterdir()) == ["X.npy", "Y.npy"]
    mapped = Data().arrays(first.folder)
    assert not mapped["X"].flags.writeable and isinstance(mapped["X"].base, np.memmap)
    np.testing.assert_array_equal(mapped["X"], sample_split.X_train)
    other = shared_digits.publish({"X": sample_split.X_dev, "Y": sample_split.Y_dev})
    assert other.key != first.key


# ---------------------------------------------------------------------------------------------------------
# Identical runs, computed once; different runs, never mixed
# ---------------------------------------------------------------------------------------------------------


def test_two_visitors_with_the_same_settings_share_one_computation(sample_split):
    hp = NOTEBOOK.with_changes(iterations=300)
    anna = start_run(1, hp, sample_split, "sample")
    start_training(anna, connected=Tab("anna"))
    wait_until(lambda: anna.step > 0)
    ben = start_run(1, hp, sample_split, "sample")  # the teacher's link: the same data, seed and settings
    assert ben.computation is anna.computation and ben.step == 0
    start_training(ben, connected=Tab("ben"))
    assert ben.shared and not anna.shared
    anna.worker.join(300)
    ben.worker.join(300)
    assert anna.status == ben.status == "finished" and anna.step == ben.step == 300
    assert [r.loss for r in anna.records] == [r.loss for r in ben.records]
    assert anna.params is ben.params
    carl = start_run(1, hp, sample_split, "sample")  # later: the finished run is there at once
    start_training(carl)
    assert not carl.worker.is_alive() and carl.status == "finished" and carl.shared  # nothing left to wait for
    assert [r.loss for r in carl.records] == [r.loss for r in anna.records]


def test_visitors_with_different_seeds_never_see_each_other_s_numbers(sample_split):
    anna = start_run(1, NOTEBOOK.with_changes(iterations=20, seed=1), sample_split, "sample")
    ben = start_run(1, NOTEBOOK.with_changes(iterations=20, seed=2), sample_split, "sample")
    assert anna.computation is not ben.computation
    for run in (anna, ben):
        start_training(run)
    for run in (anna, ben):
        run.worker.join(120)
    assert not (anna.shared or ben.shared)
    assert [r.loss for r in anna.records] != [r.loss for r in ben.records]
    assert not np.array_equal(anna.params["W1"], ben.params["W1"])
    expected, _ = train_to_end(new_network(anna.hp), sample_split.X_train, sample_split.Y_train, anna.hp)
    np.testing.assert_allclose(anna.params["W1"], expected["W1"], rtol=1e-5, atol=1e-6)


def test_stop_by_one_visitor_never_stops_another_s_view(sample_split):
    hp = NOTEBOOK.with_changes(iterations=400)
    anna, ben = (start_run(1, hp, sample_split, "sample") for _ in range(2))
    start_training(anna, connected=Tab("anna"))
    start_training(ben, connected=Tab("ben"))
    wait_until(lambda: anna.step > 5)
    assert stop_training(anna)
    stopped_at = anna.step
    assert anna.status == "paused" and 0 < stopped_at < 400 and anna.params is not None
    ben.worker.join(300)
    assert ben.status == "finished" and ben.step == 400  # Ben's view went on to the end
    assert anna.step == stopped_at and len(anna.records) == stopped_at  # Anna's stayed where she stopped

    advance(anna)  # one step after hers: the shared run is ahead, so her step is trained again, privately
    assert anna.step == stopped_at + 1 and anna.computation is not ben.computation
    assert [r.loss for r in anna.records] == pytest.approx([r.loss for r in ben.records[:stopped_at + 1]])
    start_training(anna)  # Train carries on to the end
    anna.worker.join(300)
    assert anna.status == "finished" and anna.step == 400


def test_a_visitor_has_one_training_run_at_a_time(sample_split):
    first = start_run(1, LONG.with_changes(seed=1), sample_split, "sample")
    second = start_run(2, LONG.with_changes(seed=2), sample_split, "sample")
    start_training(first, connected=Tab("anna"))
    start_training(second, connected=Tab("anna"))  # a second Train (a double click, another tab's session)
    first.worker.join(30)
    assert first.status == "paused" and second.training
    assert stop_training(second)


# ---------------------------------------------------------------------------------------------------------
# Fair to the whole class
# ---------------------------------------------------------------------------------------------------------


def test_every_run_moves_and_the_shares_are_per_visitor(own_runner, sample_split, monkeypatch):
    """Real workers: each run in progress gets slices, every slice counts against the visitor who wants it (Anna's
    training run and her Experiments batch against one share), and the scheduler's ledger of training time never
    lets one visitor get more than one slice ahead of the other."""
    runner = own_runner(1)  # one worker for three runs of two visitors
    slices = []  # (computation number, visitors, the ledger before, the ledger after) of every slice that ended
    real_slice_done = runner._slice_done

    def slice_done(worker):
        computation, visitors, before = worker.busy, worker.slice_visitors, dict(runner.used)
        real_slice_done(worker)
        if computation is not None:
            slices.append((computation.number, visitors, before, dict(runner.used)))

    monkeypatch.setattr(runner, "_slice_done", slice_done)
    anna_1, anna_2, ben = (start_run(n, LONG.with_changes(seed=n), sample_split, "sample") for n in (1, 2, 3))
    start_training(anna_1, connected=Tab("anna"))
    batch = batches.Batch([batches.Job("seed 2", {}, anna_2.hp)], "sample", 1000, None, visitor="anna")
    batches.work(batch, 0.0, lambda seed: sample_split)  # Anna's Experiments batch: her second run
    start_training(ben, connected=Tab("ben"))
    computations = {anna_1.computation.number: "anna", batch.steps.computation.number: "anna",
                    ben.computation.number: "ben"}

    def each_had_three_slices():
        batch.last_seen = time.monotonic()  # the page looks in on the batch
        with runner.lock:
            numbers = [number for number, *_ in slices]
        return all(numbers.count(number) >= 3 for number in computations)

    wait_until(each_had_three_slices)
    with runner.lock:
        ended = list(slices)  # while all three are wanted: after a stop, Ben alone gets every slice
    batches.stop_batch(batch)
    stop_training(anna_1)
    stop_training(ben)
    assert all(visitors == (computations[number],) for number, visitors, _, _ in ended if number in computations)
    longest = max(after[v] - before.get(v, 0.0) for _, visitors, before, after in ended for v in visitors)
    both = [after for *_, after in ended if {"anna", "ben"} <= set(after)]
    assert both and all(abs(after["anna"] - after["ben"]) <= longest for after in both), (longest, both)


class Clock:
    """time for the scheduler, moved by the test: a slice lasts what the test says."""

    def __init__(self):
        self.now = 0.0

    def monotonic(self):
        return self.now


class SliceTaker:
    """A worker as the scheduler sees it, without a process: it keeps the commands it is sent."""

    pid, alive, ready = 0, True, True

    def __init__(self):
        self.busy, self.slice_started, self.slice_visitors, self.slice_threads = None, 0.0, (), 1
        self.sent = []

    def send(self, *command):
        self.sent.append(command)


@pytest.fixture
def scheduler(monkeypatch):
    """A Runner with one worker that trains nothing, on a clock of the test's: the scheduler's decisions alone.
    Returns (runner, start(visitor) -> a computation that visitor follows, next_slice(length) -> the number of
    the computation the scheduler chose for the next slice, which then lasts `length` seconds, or
    length(that number) when it is a function)."""
    clock, worker = Clock(), SliceTaker()
    monkeypatch.setattr(pool, "time", clock)
    runner = pool.Runner(1)
    runner.workers, runner.thread = [worker], threading.current_thread()  # no processes, no scheduler thread

    def start(visitor):
        data = types.SimpleNamespace(key=f"digits of {visitor}", folder="")
        computation, _ = runner.computation(computations.Spec(data, LONG, None, 10, LONG.iterations), shared=False)
        runner.follow(computation, computations.Follower(LONG.iterations, visitor))
        return computation

    def next_slice(length):
        with runner.lock:
            runner._dispatch()
            command, number = worker.sent[-1][0], worker.sent[-1][1]
            assert command == "train" and worker.busy is runner.computations[number]
            clock.now += length(number) if callable(length) else length
            step = runner.computations[number].step + 1
            runner._progress(worker, number, {"done": True, "status": None,
                                              "records": [(types.SimpleNamespace(step=step), clock.now)]})
        return number

    yield runner, start, next_slice
    runner.wake_reader.close()
    runner.wake_writer.close()


def test_the_scheduler_shares_the_slices_per_visitor_in_turn(scheduler):
    runner, start, next_slice = scheduler
    anna_1, anna_2, ben = start("anna"), start("anna"), start("ben")
    whose = {anna_1.number: "anna", anna_2.number: "anna", ben.number: "ben"}
    order = [next_slice(0.5) for _ in range(24)]
    visitors = [whose[number] for number in order]
    assert all(visitors[i] != visitors[i + 1] for i in range(0, 24, 2)), visitors  # Anna, Ben, in turn
    assert visitors.count("ben") == visitors.count("anna") == 12  # Ben alone gets as much as Anna's two runs
    assert order.count(anna_1.number) == order.count(anna_2.number) == 6  # Anna's share, split between her runs
    for number in whose:  # no run waits: each has a slice at least every fourth one
        at = [i for i, n in enumerate(order) if n == number]
        assert at[0] < 4 and max(np.diff(at)) <= 4, (number, order)


def test_the_share_is_training_time_not_a_count_of_slices(scheduler):
    runner, start, next_slice = scheduler
    anna, ben = start("anna"), start("ben")
    lengths = {anna.number: 0.4, ben.number: 0.1}  # Anna's slices take four times as long (a larger network)
    order = [next_slice(lengths.get) for _ in range(25)]
    assert order.count(ben.number) == 20 and order.count(anna.number) == 5, order


def test_a_newcomer_starts_level_with_the_others_and_takes_a_turn(scheduler):
    runner, start, next_slice = scheduler
    anna, ben = start("anna"), start("ben")
    for _ in range(10):
        next_slice(0.5)
    carl = start("carl")  # arrives after 2.5 s of training each for Anna and Ben, not owed all of it
    order = [next_slice(0.5) for _ in range(12)]
    assert order.count(carl.number) == order.count(anna.number) == order.count(ben.number) == 4, order
    assert carl.number in order[:3]  # and he does not wait long for his first slice


def test_a_lone_run_takes_every_core_unless_other_work_keeps_the_machine_busy(own_runner, sample_split,
                                                                            monkeypatch):
    runner = own_runner(2)
    threads_used = []
    real_dispatch = runner._dispatch

    def dispatch():
        real_dispatch()
        threads_used.extend(w.slice_threads for w in runner.workers if w.busy is not None)

    monkeypatch.setattr(runner, "_dispatch", dispatch)
    for other_cores, expected in ((0.0, pool.CORES), (1.5, 1)):
        monkeypatch.setattr(runner.other_work, "cores", lambda busy=other_cores: busy)
        threads_used.clear()
        run = start_run(1, NOTEBOOK.with_changes(iterations=20, seed=int(other_cores * 10)), sample_split, "sample")
        start_training(run)
        run.worker.join(120)
        assert run.status == "finished" and set(threads_used) == {expected}
    assert 0 <= pool.OtherWork().cores() <= pool.CORES


# ---------------------------------------------------------------------------------------------------------
# A worker that dies, and a server that stops
# ---------------------------------------------------------------------------------------------------------


def test_a_killed_worker_costs_only_the_run_it_was_training(own_runner, sample_split):
    runner = own_runner(1)
    waiting = start_run(1, NOTEBOOK.with_changes(iterations=50, seed=7), sample_split, "sample")
    assert advance(waiting) and waiting.step == 1  # one step: its generator waits in the only worker
    first_loss = waiting.records[0].loss
    for _ in range(3):  # a kill that falls between two slices costs nothing: then try again
        victim = start_run(2, LONG.with_changes(seed=8), sample_split, "sample")
        start_training(victim)
        wait_until(lambda: victim.step > 0 and victim.computation.active)  # noqa: B023
        old_pid = runner.pids()[0]
        with runner.lock:
            if victim.computation.active:
                os.kill(old_pid, signal.SIGKILL)
        victim.worker.join(60)
        if victim.status == "failed":
            break
        stop_training(victim)
    assert victim.status == "failed" and "stopped" in victim.message and not victim.training
    wait_until(lambda: len(runner.pids()) == 1 and runner.pids()[0] != old_pid)  # replaced
    assert gone(old_pid)

    assert advance(waiting) and waiting.step == 2  # the run that waited in the dead worker starts again elsewhere
    assert waiting.records[0].loss == pytest.approx(first_loss)
    again = start_run(3, NOTEBOOK.with_changes(iterations=10, seed=8), sample_split, "sample")  # train again
    start_training(again)
    again.worker.join(120)
    assert again.status == "finished" and again.step == 10


def test_workers_that_cannot_start_fail_the_runs_instead_of_starting_again_and_again(own_runner, sample_split,
                                                                                     monkeypatch):
    monkeypatch.setattr(pool, "WORKER_COMMAND", [sys.executable, "-c", "raise SystemExit(1)"])
    runner = own_runner(1)
    run = start_run(1, NOTEBOOK.with_changes(iterations=5), sample_split, "sample")
    start_training(run)
    run.worker.join(60)
    assert run.status == "failed" and "could not start" in run.message
    assert runner.workers == [] and runner.early_deaths == 3


def test_shutting_the_pool_down_leaves_no_process(own_runner, sample_split):
    runner = own_runner(2)
    run = start_run(1, LONG, sample_split, "sample")
    start_training(run)
    wait_until(lambda: run.step > 0)
    pids = runner.pids()
    runner.shutdown()
    assert len(pids) == 2 and all(gone(pid) for pid in pids)
    assert not run.training and run.status == "failed"


def test_workers_exit_when_their_server_dies(tmp_path):
    script = tmp_path / "server.py"
    script.write_text(f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from training_runs.runs import start_run, start_training
from nn_core.data import split_dev
from nn_core.mnist_files import load_sample
from nn_core.training import NOTEBOOK
from training_runs import pool
split = split_dev(load_sample({str(ROOT / "data" / "mnist_sample.npz")!r}), 1000, 0)
run = start_run(1, NOTEBOOK.with_changes(iterations=100_000), split, "sample")
start_training(run)
while run.step == 0:
    time.sleep(0.05)
print(*pool.runner().pids(), flush=True)
time.sleep(600)
""")
    server = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(pid) for pid in server.stdout.readline().split()]
        assert pids and not any(gone(pid) for pid in pids)
    finally:
        server.kill()  # no atexit, no goodbye: as when a server is killed
        server.wait()
    wait_until(lambda: all(gone(pid) for pid in pids), timeout=30)
