"""Training: forward, backward, update, again and again (gradient descent), one record per step.

`train` is a generator: it never prints and never draws. The caller (a page, a test, a benchmark) reads one
small `StepRecord` per gradient step, draws what it likes, and can stop simply by not asking for more.
"""

from dataclasses import asdict, dataclass, replace

import numpy as np

from nn_core.network import (
    backward_prop,
    compute_loss,
    forward_prop,
    get_accuracy,
    get_predictions,
    init_params,
    layer_count,
    update_params,
)


@dataclass(frozen=True)
class Hyperparams:
    """Every choice people make before training; none of these is learned.

    hidden_sizes : units in each hidden layer, e.g. (10,) for the notebook's 784-10-10.
    method : "full-batch" (every step uses all m training examples, as in the notebook) or "mini-batch".
    iterations : gradient steps, for full-batch. epochs : passes over the training set, for mini-batch.
    notebook_bugs : reproduce the notebook's scalar db, m counted before the dev split, unshifted softmax.
    """

    hidden_sizes: tuple = (10,)
    activation: str = "relu"
    alpha: float = 0.10
    method: str = "full-batch"
    iterations: int = 500
    epochs: int = 5
    batch_size: int = 64
    momentum: float = 0.0
    init: str = "notebook"
    dev_size: int = 1000
    seed: int = 0
    notebook_bugs: bool = False

    @property
    def layer_sizes(self):
        """(784, hidden..., 10)."""
        return (784, *self.hidden_sizes, 10)

    def as_dict(self):
        """Plain values, for a table, a saved model or a URL."""
        return asdict(self)

    def with_changes(self, **changes):
        """A copy with some fields changed."""
        return replace(self, **changes)


NOTEBOOK = Hyperparams()
FAST_AND_ACCURATE = Hyperparams(hidden_sizes=(128,), method="mini-batch", alpha=0.1, epochs=3,
                                batch_size=64, momentum=0.9, init="he")


@dataclass(frozen=True)
class StepRecord:
    """What one gradient step measured, on the forward pass of that step (before its update).

    step : updates done so far, 1 for the first. epoch : passes over the training set so far.
    loss : cross-entropy on the examples of this step. train_accuracy : on all training examples for
    full-batch; for mini-batch on a fixed subset of them, at evaluation steps only (else None).
    dev_accuracy : on the dev set, at evaluation steps when one is given (else None).
    update_size : per weight matrix, the root-mean-square of its gradient, so layers of different sizes compare.
    diverged : the loss or the weights stopped being finite numbers; the params yielded are the last good ones.
    """

    step: int
    epoch: float
    loss: float
    train_accuracy: float | None
    dev_accuracy: float | None
    update_size: dict
    diverged: bool = False


def new_network(hp):
    """A freshly initialised network for these hyperparameters."""
    return init_params(hp.layer_sizes, seed=hp.seed, init=hp.init)


def evaluate(params, X, Y, activation="relu"):
    """(loss, accuracy) of the network on examples X (784, m) with labels Y (m,)."""
    A = forward_prop(params, X, activation)[f"A{layer_count(params)}"]
    return compute_loss(A, Y), get_accuracy(get_predictions(A), Y)


def full_batch_gradients(params, X, Y, activation="relu", notebook=False, m=None, chunk=10_000):
    """The gradients over all m examples, with their loss and accuracy, computed a slice of columns at a time.

    The gradients are averages over the m columns, and an average is a sum that can be split: adding up
    backward_prop's results for slices of X (each divided by the full m) gives exactly the full-batch gradient.
    Slices of 10,000 columns keep each layer's Z, A and dZ small on full MNIST. They are not smaller, because
    every NumPy call returns to Python, and on a server busy drawing pages each return waits its turn for
    Python's lock: with slices of 2,048 an iteration on 9,000 examples took 433 ms next to a busy thread
    instead of 159 ms in one slice, and alone it is no faster (28.1 and 28.3 ms, interleaved runs).
    Returns (grads, loss, accuracy).
    """
    m_total = X.shape[1]
    m = m_total if m is None else m
    grads, loss_sum, correct = None, 0.0, 0
    for start in range(0, m_total, chunk):
        X_part, Y_part = X[:, start:start + chunk], Y[start:start + chunk]
        cache = forward_prop(params, X_part, activation, notebook)
        part = backward_prop(params, cache, X_part, Y_part, activation, notebook, m=m)
        grads = part if grads is None else {k: grads[k] + part[k] for k in grads}
        A_L = cache[f"A{layer_count(params)}"]
        loss_sum += compute_loss(A_L, Y_part) * Y_part.size
        correct += int(np.sum(get_predictions(A_L) == Y_part))
    return grads, loss_sum / m_total, correct / m_total


def mini_batch_gradients(params, X_batch, Y_batch, activation="relu", notebook=False):
    """The gradients and loss of one mini-batch: a noisy but cheap estimate of the full-batch gradient."""
    cache = forward_prop(params, X_batch, activation, notebook)
    grads = backward_prop(params, cache, X_batch, Y_batch, activation, notebook)
    return grads, compute_loss(cache[f"A{layer_count(params)}"], Y_batch)


def _rms(array):
    return float(np.sqrt(np.mean(np.square(array, dtype=np.float64))))


def _is_finite(loss, params):
    return np.isfinite(loss) and all(np.isfinite(v).all() for v in params.values())


def train(params, X, Y, hp, X_dev=None, Y_dev=None, rng=None, eval_every=1, start_step=0,
          train_eval_size=2000):
    """Gradient descent on (X (784, m), Y (m,)): yields (params, StepRecord) after every update.

    Full-batch: hp.iterations steps, each on all m examples. Mini-batch: hp.epochs passes, each over the
    examples in a new random order, hp.batch_size at a time. With hp.momentum > 0 the step follows a velocity
    v <- momentum * v + grad, a running sum of past gradients that smooths the zig-zags.
    Evaluation on the dev set (and, for mini-batch, on train_eval_size training examples) happens every
    eval_every steps and at the last step. If the loss or a weight becomes inf or NaN (a learning rate too
    large, or the notebook's unshifted softmax overflowing), the generator yields one record with
    diverged=True together with the last good params, and stops.
    """
    rng = np.random.default_rng(hp.seed) if rng is None else rng
    m = X.shape[1]
    # The notebook's m is counted on the whole file, before the dev rows were split off.
    m_for_grads = m + hp.dev_size if (hp.notebook_bugs and hp.method == "full-batch") else m
    steps_per_epoch = 1 if hp.method == "full-batch" else int(np.ceil(m / hp.batch_size))
    total = hp.iterations if hp.method == "full-batch" else hp.epochs * steps_per_epoch
    velocity, order = None, None
    for step in range(start_step + 1, start_step + total + 1):
        evaluating = (step - start_step) % eval_every == 0 or step == start_step + total
        if hp.method == "mini-batch":
            position = (step - 1) % steps_per_epoch
            if position == 0 or order is None:
                order = rng.permutation(m)
            batch = order[position * hp.batch_size:(position + 1) * hp.batch_size]
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow shows up below, as divergence
            if hp.method == "full-batch":
                grads, loss, train_acc = full_batch_gradients(params, X, Y, hp.activation, hp.notebook_bugs,
                                                              m=m_for_grads)
            else:
                grads, loss = mini_batch_gradients(params, X[:, batch], Y[batch], hp.activation, hp.notebook_bugs)
                train_acc = evaluate(params, X[:, :train_eval_size], Y[:train_eval_size], hp.activation)[1] \
                    if evaluating else None
            dev_acc = evaluate(params, X_dev, Y_dev, hp.activation)[1] \
                if evaluating and X_dev is not None and X_dev.shape[1] > 0 else None
            update_size = {k[1:]: _rms(v) for k, v in grads.items() if k.startswith("dW")}
            if hp.momentum > 0:
                velocity = grads if velocity is None else {k: hp.momentum * velocity[k] + grads[k] for k in grads}
                grads = velocity
            new_params = update_params(params, grads, hp.alpha)
        record = StepRecord(step, step / steps_per_epoch, loss, train_acc, dev_acc, update_size)
        if not _is_finite(loss, new_params):
            yield params, replace(record, diverged=True)
            return
        params = new_params
        yield params, record


def train_to_end(params, X, Y, hp, X_dev=None, Y_dev=None, **options):
    """Run `train` to the end; returns (final params, list of StepRecords). For callers that need no live view."""
    records = []
    for trained, record in train(params, X, Y, hp, X_dev, Y_dev, **options):
        params = trained
        records.append(record)
    return params, records
