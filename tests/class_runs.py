"""A class's worth of runs for the board's tests: made-up results shaped like a class's (on 500 full-batch steps,
dev accuracy rising with α up to about 1, lower with very few hidden units, runs with α 5 or more mostly diverging
and the others barely learning), so that the pages and the screenshots look like a real board. No network is
trained here."""

import math
import random

import board_store
from board_store import writer
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK

ALPHAS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
UNITS = (2, 5, 10, 10, 10, 32, 64, 128)
NICKNAMES = ("Ada", "Grace", "Alan", "Katherine", "Zoë 🚀", "Linus", "Margaret", "Edsger")


def a_class(runs, students=20, seed=0):
    """`runs` posts by `students` visitors: [(visitor, nickname, summary), ...], in the order they arrive."""
    rng = random.Random(seed)
    entries = []
    for k in range(runs):
        student = k % students
        nickname = NICKNAMES[student] if student < len(NICKNAMES) and student % 3 == 0 else None
        if rng.random() < 0.2:
            hp = FAST_AND_ACCURATE.with_changes(alpha=rng.choice((0.01, 0.05, 0.1)), hidden_sizes=(rng.choice(UNITS),),
                                                seed=k)
            dev = 0.975 - 0.5 * math.exp(-hp.hidden_sizes[0] / 5) + rng.gauss(0, 0.008)
            status, steps = "finished", hp.epochs * 141
        else:
            hp = NOTEBOOK.with_changes(alpha=rng.choice(ALPHAS), hidden_sizes=(rng.choice(UNITS),), seed=k)
            learned = 1 / (1 + math.exp(-2.2 * (math.log10(hp.alpha) + 1.3)))  # 0 (α tiny) .. 1 (α about 1)
            ceiling = 0.92 - 0.45 * math.exp(-hp.hidden_sizes[0] / 4)
            dev = 0.1 + (ceiling - 0.1) * learned + rng.gauss(0, 0.015)
            if hp.alpha >= 5:  # steps that overshoot: most runs blow up, the others barely learn
                dev = rng.uniform(0.1, 0.4)
            status = "diverged" if hp.alpha >= 5 and rng.random() < 0.6 else rng.choice(["finished"] * 12 + ["stopped"])
            steps = {"diverged": rng.randint(5, 120), "finished": 500, "stopped": rng.randint(50, 450)}[status]
            dev = 0.098 if status == "diverged" else dev
        dev = min(max(dev, 0.05), 0.99)
        summary = board_store.summary(f"training-{k}", "training", hp, "bundled sample", steps, steps if hp.method ==
                                      "mini-batch" else hp.iterations, min(dev + abs(rng.gauss(0.01, 0.01)), 1.0), dev,
                                      rng.uniform(8, 15) * steps / 500, status)
        entries.append((f"visitor-{student}", nickname, summary))
    return entries


def fill(store, entries):
    """Post the entries straight to a Board (no writer thread), in order."""
    for visitor, nickname, summary in entries:
        store.add_run(visitor, nickname, summary)


def forget_writer(path, timeout=writer.EXIT_WAIT):
    """Close this process's Writer of a board file, if it has one, after writing what it can within `timeout` s,
    so that the next test that uses the same path starts a new one."""
    with writer._writers_lock:
        closing = writer._writers.pop(writer.board_key(path), None)
    if closing is not None:
        closing.close(timeout)
