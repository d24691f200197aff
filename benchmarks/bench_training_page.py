"""Benchmark of the Training page's live run: prints figures, asserts nothing (the machine is shared and noisy).

    python benchmarks/bench_training_page.py [repeats]

The notebook preset (784-10-10, full batch, 500 iterations) on the bundled sample, two ways, interleaved so
that a busy machine slows each alike:
  bare   nn_core's train() generator consumed in a loop in this process, one BLAS thread, nothing drawn;
  live   the page's way: runs.start_training() hands the run to a worker process (alone, it gets every core's
         BLAS threads) while this thread plays the page's fragment, every TICK seconds building the curves
         figure from what has arrived and serialising it to JSON as st.plotly_chart does (the browser's own
         drawing happens on the visitor's machine);
then how long Stop takes to take effect (from the request to the run having stopped). Each live run starts
afresh: identical runs are otherwise computed once and shared.
"""

import statistics
import sys
import time
from pathlib import Path

import plotly.io as pio
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nn_core.data import split_dev
from nn_core.mnist_files import load_sample  # noqa: E402
from nn_core.training import NOTEBOOK, new_network, train  # noqa: E402
from training_runs import pool  # noqa: E402
from training_runs.runs import FASTEST_REDRAW, POINTS_PER_CURVE, start_run, start_training, stop_training  # noqa: E402
from views.training.live_curve import curves_figures

TICK = FASTEST_REDRAW  # as in views/training/page.py for a visitor training alone


def bare(split):
    every = max(1, NOTEBOOK.iterations // POINTS_PER_CURVE)
    start = time.perf_counter()
    for _ in train(new_network(NOTEBOOK), split.X_train, split.Y_train, NOTEBOOK, split.X_dev, split.Y_dev,
                   eval_every=every):
        pass
    return time.perf_counter() - start


def redraw(run):
    """What the page's fragment does on the server for one redraw of the curves."""
    run.seen()
    figures = curves_figures(list(run.records), run.total)
    return sum(len(pio.to_json(figure.to_dict(), validate=False)) for figure in figures)  # as st.plotly_chart does


def live(split):
    pool.forget_shared()  # train it again, not the run measured before
    run = start_run(1, NOTEBOOK, split, "bundled sample")
    start = time.perf_counter()
    start_training(run)
    redraws, drawing = 0, 0.0
    while run.training:
        tick = time.perf_counter()
        redraw(run)
        redraws += 1
        drawing += time.perf_counter() - tick
        time.sleep(max(0.0, TICK - (time.perf_counter() - tick)))
    wall = time.perf_counter() - start
    assert run.status == "finished", run.status
    return wall, redraws, drawing


def stop_latency(split, after=1.0):
    pool.forget_shared()
    run = start_run(1, NOTEBOOK, split, "bundled sample")
    start_training(run)
    time.sleep(after)
    start = time.perf_counter()
    stop_training(run)
    return time.perf_counter() - start, run.step


def main(repeats=3):
    threadpool_limits(1, user_api="blas")  # as dashboard/state.py does for the app
    split = split_dev(load_sample(Path(__file__).resolve().parents[1] / "data" / "mnist_sample.npz"), 1000, 0)
    bare_times, live_runs, stops = [], [], []
    for _ in range(repeats):
        bare_times.append(bare(split))
        live_runs.append(live(split))
        stops.append(stop_latency(split))
    walls = [wall for wall, _, _ in live_runs]
    b, w = statistics.median(bare_times), statistics.median(walls)
    print(f"notebook preset on the sample, 500 iterations, median of {repeats}:")
    print(f"  bare generator         {b:6.2f} s   {500 / b:6.1f} iterations/s   (all: "
          + ", ".join(f"{t:.2f}" for t in bare_times) + ")")
    print(f"  live, chart every {TICK}s {w:6.2f} s   {500 / w:6.1f} iterations/s   (all: "
          + ", ".join(f"{t:.2f}" for t in walls) + ")")
    print(f"  slowdown from the live chart: {100 * (w / b - 1):+.0f}%")
    for wall, redraws, drawing in live_runs:
        print(f"  live run: {redraws} redraws in {wall:.2f} s = {redraws / wall:.1f} per second, "
              f"{1000 * drawing / redraws:.1f} ms of server work per redraw")
    for latency, step in stops:
        print(f"  Stop after 1 s (at step {step}): the run stopped {1000 * latency:.0f} ms after the request")


if __name__ == "__main__":
    try:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    finally:
        pool.shutdown()
