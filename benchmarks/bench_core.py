"""Benchmark of nn_core's training on full MNIST: prints figures, asserts nothing (the machine is shared and noisy).

    MNIST_PATH=../shared/data/mnist.npz python benchmarks/bench_core.py

Every comparison is measured in one run with its contestants interleaved (one after the other, again and
again), so that a busy machine slows them alike, on one BLAS thread as the app uses.
1. One mini-batch epoch on the 60,000 MNIST training digits (batch 128, alpha 0.05, momentum 0.9, He init),
   784-10-10 and 784-128-10: nn_core's train() against the train_step of neural-network-digits 1.2.2, the
   closest peer app; both end the epoch by measuring their accuracy on 2,000 training digits, as train() ends
   a run. The peer is downloaded from PyPI by `pip download` into benchmarks/.cache and imported
   from there; it is never installed, and neither the app nor the tests need it.
2. One full-batch step of 784-10-10 on 41,000 examples (the notebook's train/dev split of Kaggle's 42,000
   rows), fastest of 11: the notebook's way, nn_core's train(), and the floor: the two float32 matrix
   products with X that every step needs, W1 @ X and dZ1 @ X.T.
3. The "Fast and accurate" preset on full MNIST (59,000 train, 1,000 dev): seconds and dev accuracy; and the
   notebook preset on the bundled sample: its dev accuracy.
4. Seconds of mini-batch training until 90% accuracy on the 10,000 MNIST test digits (evaluations are not
   counted in the training time).
5. Latency of one drawing: canvas_to_input on a 280 x 280 canvas, then forward_prop.
"""

import os
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nn_core.data import DigitSet, split_dev  # noqa: E402
from nn_core.mnist_files import load_full_mnist, load_sample  # noqa: E402
from nn_core.network import forward_prop, get_predictions, init_params, matmul, matmul_transposed  # noqa: E402
from nn_core.preprocessing import canvas_to_input  # noqa: E402
from nn_core.training import (  # noqa: E402
    FAST_AND_ACCURATE,
    NOTEBOOK,
    Hyperparams,
    evaluate,
    example_rows,
    new_network,
    train,
    train_to_end,
)

PEER = "neural-network-digits==1.2.2"
CACHE = Path(__file__).resolve().parent / ".cache"  # git ignores it


# --- The peer, from PyPI into the cache folder ----------------------------------------------------------
def peer_network_class():
    """neural-network-digits' NeuralNetwork, imported from its wheel (or sdist) unpacked in the cache."""
    folder = CACHE / PEER.replace("==", "-")
    if not (folder / "nn_digits").is_dir():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", PEER, "-d", str(CACHE)],
                       check=True)
        name = PEER.split("==")[0].replace("-", "_")
        archive = next(CACHE.glob(f"{name}-*.whl"), None) or next(CACHE.glob(f"{name}-*.tar.gz"))
        if archive.suffix == ".whl":
            zipfile.ZipFile(archive).extractall(folder)
        else:
            with tarfile.open(archive) as sdist:
                sdist.extractall(CACHE / "sdist", filter="data")
            next((CACHE / "sdist").glob("*/nn_digits")).rename(folder / "nn_digits")
    sys.path.insert(0, str(folder))
    from nn_digits.neural_net.network import NeuralNetwork

    return NeuralNetwork


def peer_epoch(net, X_rows, Y_hot_rows, hp, rng, eval_size=2000):
    """One epoch the peer's way (its training loop, without its data augmentation): rows in a new random order,
    hp.batch_size at a time, each batch one call of its own train_step (no L2 penalty, no dropout, as nn_core).
    It ends as train() ends a run: with the accuracy on the first eval_size training examples (train()'s
    train_eval_size). The peer's own epoch measures more: every training and validation photo."""
    order = rng.permutation(len(X_rows))
    for start in range(0, len(order), hp.batch_size):
        group = order[start:start + hp.batch_size]
        net.train_step(X_rows[group], Y_hot_rows[group], hp.alpha, hp.momentum, l2=0.0, dropout=0.0, rng=rng)
    return float(np.mean(net.predict(X_rows[:eval_size]).argmax(axis=1) == Y_hot_rows[:eval_size].argmax(axis=1)))


def floor_epoch(X_rows, hp, rng):
    """The work of a mini-batch epoch that no way of training can skip: gather each batch's rows, and the two
    products with them, W1 @ X_batch and dZ1 @ X_batch.T (done as forward_prop and backward_prop do them)."""
    n = hp.hidden_sizes[0]
    W1, dZ1 = rng.standard_normal((n, 784), dtype=np.float32), rng.standard_normal((n, hp.batch_size), dtype=np.float32)
    order = rng.permutation(len(X_rows))
    for start in range(0, len(order), hp.batch_size):
        X_batch = X_rows[order[start:start + hp.batch_size]].T
        matmul(W1, X_batch)
        matmul_transposed(dZ1[:, :X_batch.shape[1]], X_batch)


def timed(work):
    """(wall seconds, CPU seconds of this thread) of work(): on a busy machine the second leaves out the time
    the process waited for a core."""
    wall, cpu = time.perf_counter(), time.thread_time()
    work()
    return time.perf_counter() - wall, time.thread_time() - cpu


def mini_batch_epochs(full, repeats=5):
    """(wall, CPU) seconds of one epoch, nn_core and the peer interleaved, for 784-10-10 and 784-128-10."""
    NeuralNetwork = peer_network_class()
    X = np.divide(full.images.T, 255, dtype=np.float32, order="C")  # (784, 60000), as nn_core.data makes X
    X.flags.writeable = False  # as the app's workers see their data: train() keeps its row-ordered copy
    Y = full.labels.astype(np.int64)
    X_rows, Y_hot_rows = np.ascontiguousarray(X.T), np.eye(10, dtype=np.float32)[Y]  # the peer's layout
    results = {}
    for hidden in (10, 128):
        hp = Hyperparams(hidden_sizes=(hidden,), method="mini-batch", epochs=1, batch_size=128, alpha=0.05,
                         momentum=0.9, init="he")
        core, set_up, peer, floor = [], [], [], []
        X_copy = X.copy()  # a writeable X: its row-ordered copy is made afresh at every call
        for r in range(repeats):
            # nn_core's train() as a page runs it: everything it does is timed, its set-up too. The row-ordered
            # copy of X is made by the first run on X and kept for the next ones (timed alone, on X_copy).
            steps = train(new_network(hp.with_changes(seed=r)), X, Y, hp, rng=np.random.default_rng(r),
                          eval_every=10**9)
            first, rest = timed(lambda: next(steps)), timed(lambda: [None for _ in steps])  # noqa: B023
            core.append(np.add(first, rest))
            set_up.append(timed(lambda: example_rows(X_copy)))  # noqa: B023
            net, rng = NeuralNetwork(hp.layer_sizes, "relu", seed=r), np.random.default_rng(r)  # He init
            peer.append(timed(lambda: peer_epoch(net, X_rows, Y_hot_rows, hp, rng)))  # noqa: B023
            floor.append(timed(lambda: floor_epoch(X_rows, hp, np.random.default_rng(r))))  # noqa: B023
        results["-".join(map(str, hp.layer_sizes))] = tuple(map(np.array, (core, set_up, peer, floor)))
    return results


# --- The notebook's way, as it computes one gradient-descent iteration (float64, X.T built each step) ---
def notebook_iteration(W1, b1, W2, b2, X, Y, alpha):
    m = X.shape[1]
    Z1 = W1.dot(X) + b1
    A1 = np.maximum(Z1, 0)
    Z2 = W2.dot(A1) + b2
    A2 = np.exp(Z2) / sum(np.exp(Z2))
    one_hot_Y = np.zeros((Y.size, Y.max() + 1))
    one_hot_Y[np.arange(Y.size), Y] = 1
    one_hot_Y = one_hot_Y.T
    dZ2 = A2 - one_hot_Y
    dW2 = 1 / m * dZ2.dot(A1.T)
    db2 = 1 / m * np.sum(dZ2)
    dZ1 = W2.T.dot(dZ2) * (Z1 > 0)
    dW1 = 1 / m * dZ1.dot(X.T)
    db1 = 1 / m * np.sum(dZ1)
    return W1 - alpha * dW1, b1 - alpha * db1, W2 - alpha * dW2, b2 - alpha * db2


def full_batch_steps(full, repeats=11):
    """ms of one full-batch step: the notebook's way, nn_core's train(), and the two products; interleaved."""
    first = DigitSet(full.images[:42_000], full.labels[:42_000], None, None, "full MNIST", "first 42,000")
    data = split_dev(first, dev_size=1000, seed=0)
    X, Y = data.X_train, data.Y_train  # (784, 41000) float32
    # The notebook's float64 X_train has this same memory order: pandas hands the CSV's (m, 785) numbers over
    # column by column, and the transpose of that (data[1000:m].T), divided by 255, is row by row.
    X64 = X.astype(np.float64)
    p64 = init_params(seed=0, init="notebook", dtype=np.float64)
    notebook_params = (p64["W1"], p64["b1"], p64["W2"], p64["b2"])
    steps = train(new_network(NOTEBOOK), X, Y, NOTEBOOK.with_changes(iterations=10**6), eval_every=10**9)
    W1 = new_network(NOTEBOOK)["W1"]
    dZ1 = np.random.default_rng(0).standard_normal((10, X.shape[1]), dtype=np.float32)

    def notebook_step():
        nonlocal notebook_params
        notebook_params = notebook_iteration(*notebook_params, X64, Y, 0.1)

    W1_64, dZ1_64 = W1.astype(np.float64), dZ1.astype(np.float64)
    times = {"notebook": [], "nn_core": [], "floor": [], "notebook floor": []}
    for _ in range(repeats):
        times["notebook"].append(timed(notebook_step))
        times["nn_core"].append(timed(lambda: next(steps)))
        times["floor"].append(timed(lambda: (W1 @ X, dZ1 @ X.T)))
        times["notebook floor"].append(timed(lambda: (W1_64 @ X64, dZ1_64 @ X64.T)))
    return X.shape[1], {name: 1000 * np.min(t, axis=0) for name, t in times.items()}  # (wall, CPU) ms


def presets(split):
    """FAST_AND_ACCURATE on full MNIST: (params, seconds, dev accuracy); and NOTEBOOK's dev accuracy on the sample."""
    start = time.perf_counter()
    params, records = train_to_end(new_network(FAST_AND_ACCURATE), split.X_train, split.Y_train, FAST_AND_ACCURATE,
                              split.X_dev, split.Y_dev, eval_every=10**9)
    fast = (params, time.perf_counter() - start, records[-1].dev_accuracy)
    sample = split_dev(load_sample(ROOT / "data" / "mnist_sample.npz"), dev_size=NOTEBOOK.dev_size, seed=NOTEBOOK.seed)
    _, records = train_to_end(new_network(NOTEBOOK), sample.X_train, sample.Y_train, NOTEBOOK, sample.X_dev,
                              sample.Y_dev, eval_every=NOTEBOOK.iterations)
    return fast, records[-1].dev_accuracy


def seconds_to_90_percent(split, hp, eval_every=25, limit_s=30.0):
    """Training seconds of mini-batch SGD until 90% test accuracy (or None within limit_s)."""
    trained_s, start = 0.0, time.perf_counter()
    for params, record in train(new_network(hp), split.X_train, split.Y_train, hp, eval_every=10**9):
        if record.step % eval_every == 0:
            trained_s += time.perf_counter() - start
            accuracy = evaluate(params, split.X_test, split.Y_test, hp.activation)[1]
            if accuracy >= 0.90:
                return trained_s, record.step, accuracy
            if trained_s > limit_s:
                return None, record.step, accuracy
            start = time.perf_counter()
    return None, record.step, accuracy


def drawing_latency(params, test_image, repeats=200):
    """Median ms of canvas_to_input + forward_prop on a 280 x 280 RGBA canvas showing a test digit."""
    big = np.kron(test_image.reshape(28, 28), np.ones((10, 10), dtype=np.uint8))  # 280 x 280
    rgba = np.dstack([big, big, big, np.full_like(big, 255)])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        A2 = forward_prop(params, canvas_to_input(rgba))["A2"]
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times)), int(get_predictions(A2)[0])


def main():
    path = os.environ.get("MNIST_PATH")
    if not path:
        sys.exit("Set MNIST_PATH to the full MNIST (mnist.npz or a folder of IDX files), e.g. ../shared/data/mnist.npz")
    threads = int(os.environ.get("BLAS_THREADS", "1"))  # the app runs with 1 (see dashboard/state.py)
    threadpool_limits(threads, user_api="blas")
    full = load_full_mnist(path)
    print(f"numpy {np.__version__}, {os.cpu_count()} cores, {threads} BLAS thread(s), "
          f"load average {os.getloadavg()[0]:.1f} at start")

    print("1. one mini-batch epoch, 60,000 digits, batch 128, alpha 0.05, momentum 0.9, He init "
          "(5 of each, interleaved; seconds):")
    for arch, (core, set_up, peer, floor) in mini_batch_epochs(full).items():
        wall, cpu = np.median(peer, axis=0) / np.median(core, axis=0)
        print(f"  {arch:>10}  nn_core train() {' '.join(f'{t:.2f}' for t in core[:, 0])}"
              f"  (median {np.median(core[:, 0]):.2f})   {PEER} train_step {' '.join(f'{t:.2f}' for t in peer[:, 0])}"
              f"  (median {np.median(peer[:, 0]):.2f})")
        print(f"  {'':>10}  nn_core {wall:.2f}x faster (target 1.5x); in CPU seconds of the thread, {cpu:.2f}x "
              f"(medians {np.median(core[:, 1]):.2f} and {np.median(peer[:, 1]):.2f}); the row-ordered copy of X, "
              f"made by the first run only, takes {np.median(set_up[:, 0]):.2f} s "
              f"({np.median(set_up[:, 1]):.2f} s CPU)")
        print(f"  {'':>10}  the floor (each batch's gather and its two products with X, nothing else) "
              f"{np.median(floor[:, 0]):.2f} s: nn_core takes {np.median(core[:, 0]) / np.median(floor[:, 0]):.2f}x "
              f"the floor, the peer {np.median(peer[:, 0]) / np.median(floor[:, 0]):.2f}x")

    m, ms = full_batch_steps(full)
    ratio = ms["notebook"] / ms["nn_core"]
    floor = ms["nn_core"] / ms["floor"]
    print(f"2. one full-batch step, 784-10-10, m = {m:,}, fastest of 11 interleaved (wall ms; CPU ms):")
    print(f"  the notebook's way (float64, one-hot and X.T each step): {ms['notebook'][0]:6.1f}; "
          f"{ms['notebook'][1]:6.1f}")
    print(f"  nn_core train() (float32, the lesson's functions):      {ms['nn_core'][0]:6.1f}; {ms['nn_core'][1]:6.1f}"
          f"   {ratio[0]:.2f}x the notebook's speed (target 2.3x); CPU {ratio[1]:.2f}x")
    print(f"  the floor, W1 @ X and dZ1 @ X.T in float32:              {ms['floor'][0]:6.1f}; {ms['floor'][1]:6.1f}"
          f"   nn_core takes {floor[0]:.2f}x the floor (target within 1.15x); CPU {floor[1]:.2f}x")
    print(f"  the same two products in float64, inside the notebook's step: {ms['notebook floor'][0]:6.1f}; "
          f"{ms['notebook floor'][1]:6.1f}   so the notebook's way is "
          f"{ms['notebook'][0] / ms['notebook floor'][0]:.2f}x its own products, and 2.3x its speed would be "
          f"{ms['notebook'][0] / 2.3:.1f} ms, {ms['notebook'][0] / 2.3 / ms['floor'][0]:.2f}x the float32 floor")

    split = split_dev(full, dev_size=FAST_AND_ACCURATE.dev_size, seed=FAST_AND_ACCURATE.seed)
    (params, seconds, dev), notebook_dev = presets(split)
    print(f"3. FAST_AND_ACCURATE (784-128-10, 3 epochs of batch 64) on full MNIST: {seconds:.2f} s, "
          f"dev accuracy {dev:.1%} (target 97%)")
    print(f"   NOTEBOOK (784-10-10, 500 full-batch steps) on the bundled sample: dev accuracy {notebook_dev:.1%}")

    for hp in (FAST_AND_ACCURATE.with_changes(hidden_sizes=(32,)), FAST_AND_ACCURATE):
        seconds, steps, accuracy = seconds_to_90_percent(split, hp)
        reached = f"{seconds:.2f} s" if seconds is not None else "not reached"
        print(f"4. mini-batch SGD {'-'.join(map(str, hp.layer_sizes))}, batch {hp.batch_size}, alpha {hp.alpha}, "
              f"momentum {hp.momentum}: 90% test accuracy after {reached} of training ({steps} steps, test "
              f"accuracy {accuracy:.1%})")
    ms, predicted = drawing_latency(params, full.test_images[0])
    print(f"5. one drawing: canvas_to_input (280 x 280) + forward_prop: {ms:.2f} ms "
          f"(predicted {predicted}, label {full.test_labels[0]})")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
