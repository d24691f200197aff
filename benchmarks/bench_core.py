"""Benchmark of nn_core on full MNIST: prints figures, asserts nothing (the machine is shared and noisy).

    MNIST_PATH=../shared/data/mnist.npz python benchmarks/bench_core.py

1. ms per full-batch iteration of 784-10-10 on 41,000 examples (the notebook's train/dev split of Kaggle's
   42,000 rows): the notebook's way of computing it against nn_core's, and their ratio, measured in one run
   with the two interleaved so that a busy machine slows both alike.
2. Seconds of mini-batch SGD training until 90% accuracy on the 10,000 MNIST test digits (evaluations are
   not counted in the training time).
3. Latency of one drawing: canvas_to_input on a 280 x 280 canvas, then forward_prop.
"""

import os
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nn_core.data import split_dev
from nn_core.mnist_files import load_full_mnist  # noqa: E402
from nn_core.network import forward_prop, get_accuracy, get_predictions, init_params, update_params  # noqa: E402
from nn_core.preprocessing import canvas_to_input  # noqa: E402
from nn_core.training import (  # noqa: E402
    FAST_AND_ACCURATE,
    evaluate,
    full_batch_gradients,
    new_network,
    train,
    train_to_end,
)


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


def nn_core_iteration(params, X, Y, alpha):
    grads, _, _ = full_batch_gradients(params, X, Y)
    return update_params(params, grads, alpha)


def full_batch_speed(images, labels, repeats=15):
    """ms per iteration, the notebook's way and nn_core's, interleaved; returns the medians."""
    data = split_dev(_first(images, labels, 42_000), dev_size=1000, seed=0)
    X32, Y = data.X_train, data.Y_train                       # (784, 41000) float32
    X64 = X32.astype(np.float64)                               # the notebook's float64 copy
    p64 = init_params(seed=0, init="notebook", dtype=np.float64)
    notebook_params = (p64["W1"], p64["b1"], p64["W2"], p64["b2"])
    params = init_params(seed=0, init="notebook")
    notebook_ms, core_ms = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        notebook_params = notebook_iteration(*notebook_params, X64, Y, 0.1)
        notebook_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        params = nn_core_iteration(params, X32, Y, 0.1)
        core_ms.append((time.perf_counter() - t) * 1000)
    return X32.shape[1], float(np.median(notebook_ms)), float(np.median(core_ms))


def _first(images, labels, n):
    from nn_core.data import DigitSet

    return DigitSet(images[:n], labels[:n], None, None, "full MNIST", f"first {n} training digits")


def seconds_to_90_percent(split, hp, eval_every=25, limit_s=30.0):
    """Training seconds of mini-batch SGD until 90% test accuracy (or None within limit_s)."""
    trained_s, t = 0.0, time.perf_counter()
    for params, record in train(new_network(hp), split.X_train, split.Y_train, hp, eval_every=10**9):
        if record.step % eval_every == 0:
            trained_s += time.perf_counter() - t
            accuracy = evaluate(params, split.X_test, split.Y_test, hp.activation)[1]
            if accuracy >= 0.90:
                return trained_s, record.step, accuracy
            if trained_s > limit_s:
                return None, record.step, accuracy
            t = time.perf_counter()
    return None, record.step, accuracy


def drawing_latency(params, test_image, repeats=200):
    """Median ms of canvas_to_input + forward_prop on a 280 x 280 RGBA canvas showing a test digit."""
    big = np.kron(test_image.reshape(28, 28), np.ones((10, 10), dtype=np.uint8))  # 280 x 280
    rgba = np.dstack([big, big, big, np.full_like(big, 255)])
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        x = canvas_to_input(rgba)
        A2 = forward_prop(params, x)["A2"]
        times.append((time.perf_counter() - t) * 1000)
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

    m, notebook_ms, core_ms = full_batch_speed(full.images, full.labels)
    print(f"full-batch iteration, 784-10-10, m = {m:,}:")
    print(f"  the notebook's way (float64, X.T each step): {notebook_ms:7.1f} ms")
    print(f"  nn_core (float32, one pass over X in slices): {core_ms:7.1f} ms")
    print(f"  ratio: nn_core is {notebook_ms / core_ms:.1f}x faster   (target: at least 4x)")

    split = split_dev(full, dev_size=1000, seed=0)
    for hp in (FAST_AND_ACCURATE.with_changes(hidden_sizes=(32,)), FAST_AND_ACCURATE):
        seconds, steps, accuracy = seconds_to_90_percent(split, hp)
        arch = "-".join(map(str, hp.layer_sizes))
        reached = f"{seconds:.2f} s" if seconds is not None else "not reached"
        print(f"mini-batch SGD {arch}, batch {hp.batch_size}, alpha {hp.alpha}, momentum {hp.momentum}: "
              f"90% test accuracy after {reached} of training ({steps} steps, test accuracy {accuracy:.1%})"
              "   (target: within 0.5 s)")

    params, _ = train_to_end(new_network(FAST_AND_ACCURATE), split.X_train, split.Y_train,
                             FAST_AND_ACCURATE.with_changes(epochs=1))
    ms, predicted = drawing_latency(params, full.test_images[0])
    print(f"one drawing: canvas_to_input (280 x 280) + forward_prop: {ms:.2f} ms "
          f"(predicted {predicted}, label {full.test_labels[0]});   test accuracy of that net "
          f"{get_accuracy(get_predictions(forward_prop(params, split.X_test)['A2']), split.Y_test):.1%}")


if __name__ == "__main__":
    main()
