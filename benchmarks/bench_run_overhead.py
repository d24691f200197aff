"""Benchmark: what a run costs in the app beyond nn_core's own loop. Prints figures, asserts nothing (the machine is
shared and noisy: note `uptime` before and after).

    python benchmarks/bench_run_overhead.py [repeats]

The notebook preset (784-10-10, full batch, 500 iterations, dev accuracy every POINTS_PER_CURVE-th of the run) on
the bundled sample, each way once per round, rounds interleaved so that a busy machine slows each alike:

  train, all cores   nn_core.training.train() consumed in a loop here, with every core's BLAS threads
  train, 1 thread    the same with one BLAS thread
  no evaluation      the same, every core, dev accuracy only at the end: what evaluating costs
  worker pool        the same run handed to the training workers (runs.start_training), followed as a page
                     follows it but drawing nothing: from the start to the finished run here, and the seconds
                     the worker itself spent in train() (what the page reports as "s of training")

The ratios are taken within one run of this script. A run through a live page (a protocol client or Chromium) is
measured by benchmarks/load_test.py --sessions 1 and benchmarks/bench_training_browser.py.
"""

import os
import statistics
import sys
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nn_core.data import split_dev  # noqa: E402
from nn_core.mnist_files import load_sample  # noqa: E402
from nn_core.training import NOTEBOOK, new_network, train  # noqa: E402
from training_runs import pool  # noqa: E402
from training_runs.runs import POINTS_PER_CURVE, start_run, start_training  # noqa: E402

EVERY = max(1, NOTEBOOK.iterations // POINTS_PER_CURVE)  # as the Training page asks


def alone(split, threads, eval_every=EVERY):
    """train() to the end in this process on `threads` BLAS threads (None: every core's). Seconds."""
    with threadpool_limits(threads, user_api="blas"):
        start = time.perf_counter()
        for _ in train(new_network(NOTEBOOK), split.X_train, split.Y_train, NOTEBOOK, split.X_dev, split.Y_dev,
                       eval_every=eval_every):
            pass
        return time.perf_counter() - start


def through_the_pool(split):
    """The run through the training workers, followed without drawing: (wall seconds, the worker's seconds, the
    BLAS threads of each slice). It starts once the pool's measure of the machine's other work (a window of a few
    seconds) has forgotten the runs this script trained itself, which would count as another program's."""
    pool.forget_shared()  # train it again, not the run measured before
    time.sleep(pool.OtherWork().window + 0.5)
    runner, threads = pool.runner(), []
    dispatch = runner._dispatch

    def noting_threads():  # the scheduler's own choice, slice by slice
        dispatch()
        threads.extend(worker.slice_threads for worker in runner.workers if worker.busy is not None)

    runner._dispatch = noting_threads
    run = start_run(1, NOTEBOOK, split, "bundled sample")
    start = time.perf_counter()
    start_training(run)
    while run.training:
        run.seen()
        time.sleep(0.01)
    wall = time.perf_counter() - start
    runner._dispatch = dispatch
    assert run.status == "finished", run.status
    return wall, run.seconds, threads


def main(repeats=3):
    split = split_dev(load_sample(Path(__file__).resolve().parents[1] / "data" / "mnist_sample.npz"), 1000, 0)
    through_the_pool(split)  # the workers started and the data published once, before timing
    figures = {"train, all cores": [], "train, 1 thread": [], "no evaluation": [], "worker pool (wall)": [],
               "worker pool (in train)": []}
    slices = []
    for _ in range(repeats):
        figures["train, all cores"].append(alone(split, None))
        figures["train, 1 thread"].append(alone(split, 1))
        figures["no evaluation"].append(alone(split, None, eval_every=NOTEBOOK.iterations))
        wall, inside, threads = through_the_pool(split)
        slices.extend(threads)
        figures["worker pool (wall)"].append(wall)
        figures["worker pool (in train)"].append(inside)
    base = statistics.median(figures["train, all cores"])
    print(f"notebook preset on the bundled sample, 500 full-batch steps, dev every {EVERY} steps, "
          f"{os.cpu_count()} cores, median of {repeats}:")
    for name, times in figures.items():
        median = statistics.median(times)
        print(f"  {name:24s} {median:6.2f} s  {median / base:5.2f}x train, all cores   (all: "
              + ", ".join(f"{t:.2f}" for t in times) + ")")
    print(f"  the pool's slices: {len(slices)}, of which {sum(t > 1 for t in slices)} on every core's BLAS threads, "
          f"{sum(t == 1 for t in slices)} on one")


if __name__ == "__main__":
    try:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    finally:
        pool.shutdown()
