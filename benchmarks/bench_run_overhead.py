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

  live page          with --browser: the same run trained from the Training page of the app (a server of its
                     own, started here) in headless Chromium on this machine, the teacher's projector (1280 x 720,
                     presenter mode): from the click on Train to the finished line, and the training seconds the
                     page reports; and the CPU that Chromium, the server and its workers took meanwhile

The ratios are taken within one run of this script. A class through live pages is measured by
benchmarks/load_test.py.

    python benchmarks/bench_run_overhead.py [repeats] [--browser]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_training_browser  # noqa: E402

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


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(server_pid):
    """CPU seconds used so far by Chromium's processes, the app's server, and the server's training workers (a
    worker is told its server's pid on its command line). Linux's /proc."""
    used = {"Chromium": 0.0, "server": 0.0, "its workers": 0.0}
    for folder in Path("/proc").iterdir():
        if not folder.name.isdigit():
            continue
        try:
            command = (folder / "cmdline").read_bytes().split(b"\0")
            stat = (folder / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks = int(stat[11]) + int(stat[12])  # utime + stime
        if int(folder.name) == server_pid:
            used["server"] += ticks / TICKS
        elif b"training_runs.worker_loop" in command and str(server_pid).encode() in command:
            used["its workers"] += ticks / TICKS
        elif any(b"chrom" in part for part in command[:1]):
            used["Chromium"] += ticks / TICKS
    return used


class LivePage:
    """The app on a server of its own and its Training page in headless Chromium, the notebook preset chosen."""

    def __init__(self):
        os.environ["FINISHED_RUNS_KEPT"] = "0"  # the server trains each run again, never hands back the last one
        self.server, url = bench_training_browser.start_server()
        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(executable_path=bench_training_browser.CHROMIUM,
                                                       args=bench_training_browser.ARGS)
        self.page = bench_training_browser.open_training(self.browser, url, {"width": 1280, "height": 720},
                                                         "?presenter=1")
        self.run()  # the server's workers started once, before timing

    def run(self):
        """(seconds from the click to the finished line, training seconds the page reports, redraws, the CPU
        seconds each group took meanwhile)."""
        self.page.get_by_role("button", name="🔄 Reset").click()
        bench_training_browser.idle(self.page)
        time.sleep(pool.OtherWork().window + 0.5)  # the server's measure of other work forgets this script's runs
        before = cpu_seconds(self.server.pid)
        wall, trained, redraws = bench_training_browser.watched_run(self.page)
        after = cpu_seconds(self.server.pid)
        bench_training_browser.idle(self.page)
        return wall, trained, redraws, {name: after[name] - before[name] for name in after}

    def close(self):
        self.browser.close()
        self.playwright.stop()
        self.server.terminate()
        self.server.wait(timeout=10)


def main(repeats=3, browser=False):
    split = split_dev(load_sample(Path(__file__).resolve().parents[1] / "data" / "mnist_sample.npz"), 1000, 0)
    through_the_pool(split)  # the workers started and the data published once, before timing
    figures = {"train, all cores": [], "train, 1 thread": [], "no evaluation": [], "worker pool (wall)": [],
               "worker pool (in train)": []}
    if browser:
        figures.update({"live page (click to end)": [], "live page (in train)": []})
        live, redraws, cpu = LivePage(), [], []
    slices = []
    for _ in range(repeats):
        figures["train, all cores"].append(alone(split, None))
        figures["train, 1 thread"].append(alone(split, 1))
        figures["no evaluation"].append(alone(split, None, eval_every=NOTEBOOK.iterations))
        wall, inside, threads = through_the_pool(split)
        slices.extend(threads)
        figures["worker pool (wall)"].append(wall)
        figures["worker pool (in train)"].append(inside)
        if browser:
            wall, inside, drawn, used = live.run()
            figures["live page (click to end)"].append(wall)
            figures["live page (in train)"].append(inside)
            redraws.append(drawn / inside)
            cpu.append({name: seconds / wall for name, seconds in used.items()})
    if browser:
        live.close()
    base = statistics.median(figures["train, all cores"])
    print(f"notebook preset on the bundled sample, 500 full-batch steps, dev every {EVERY} steps, "
          f"{os.cpu_count()} cores, median of {repeats}:")
    for name, times in figures.items():
        median = statistics.median(times)
        print(f"  {name:24s} {median:6.2f} s  {median / base:5.2f}x train, all cores   (all: "
              + ", ".join(f"{t:.2f}" for t in times) + ")")
    print(f"  the pool's slices: {len(slices)}, of which {sum(t > 1 for t in slices)} on every core's BLAS threads, "
          f"{sum(t == 1 for t in slices)} on one")
    if browser:
        print(f"  the live page redrew its progress line and curves {statistics.median(redraws):.1f} times a second; "
              "meanwhile, in cores (CPU seconds per second of the run, median): "
              + ", ".join(f"{name} {statistics.median(c[name] for c in cpu):.2f}" for name in cpu[0]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repeats", type=int, nargs="?", default=3, help="rounds, each way once per round")
    parser.add_argument("--browser", action="store_true", help="also through a live page in headless Chromium")
    arguments = parser.parse_args()
    try:
        main(arguments.repeats, arguments.browser)
    finally:
        pool.shutdown()
