"""Training: forward, backward, update, again and again (gradient descent), one record per step.

`train` is a generator: it never prints and never draws. The caller (a page, a test, a benchmark) reads one
small `StepRecord` per gradient step, draws what it likes, and can stop simply by not asking for more.
Every step is computed by the lesson's own functions, the code the Training page shows: one forward_prop, one
backward_prop and one update_params (with the notebook's bugs when hp.notebook_bugs asks for them).
What is made once per run, before the first step, is data preparation and stays here, outside the math:
    * for full batches, the labels as one-hot columns, so that backward_prop need not make them again at every
      step (a mini-batch's few labels are made one-hot by backward_prop);
    * for mini-batches, a copy of X with one example per row, (m, 784): the 128 examples of a batch are then 128
      whole rows, gathered at once, where they would be 128 columns scattered over all of X; `.T` of those rows
      is the lesson's X_batch (784, b), at no cost. The copy of a read-only X (the app's data) is kept for the
      next run on the same digits;
    * momentum's velocity, kept from one step to the next.
"""

import math
import weakref
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
    one_hot,
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
    update_size : per weight matrix, the root-mean-square of its gradient, so layers of different sizes compare;
    measured at the first step and at evaluation steps, and repeated by the steps in between.
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
    A slice of 10,000 columns keeps each layer's Z, A and dZ small even on full MNIST, while each slice is
    still big enough that the work is in the matrix products, not in Python going from one call to the next.
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


def total_steps(hp, m):
    """Gradient steps in a run of hp on m training examples: hp.iterations for full batch, and for mini-batch
    hp.epochs passes of ceil(m / hp.batch_size) steps (the last batch of an epoch may be smaller)."""
    return hp.iterations if hp.method == "full-batch" else hp.epochs * math.ceil(m / hp.batch_size)


def _rms(array):
    return float(np.sqrt(np.mean(np.square(array, dtype=np.float64))))


def _all_finite(params):
    return all(np.isfinite(v).all() for v in params.values())


def _batches(m, hp, rng, start_step):
    """The columns of each mini-batch, step after step: every epoch a new random order, cut hp.batch_size at a
    time. A run resumed in the middle of an epoch goes on from there, in a new order."""
    steps_per_epoch = math.ceil(m / hp.batch_size)
    first = start_step % steps_per_epoch
    while True:
        order = rng.permutation(m)
        for position in range(first, steps_per_epoch):
            yield order[position * hp.batch_size:(position + 1) * hp.batch_size]
        first = 0


# The row-ordered copies of read-only X's trained on lately: {id(X): (weak reference to X, its rows)}.
_ROWS_KEPT = 2
_kept_rows = {}


def example_rows(X, block=2048):
    """X (784, m), one example per column -> (m, 784), one example per row: X.T with its rows contiguous.

    When X is itself the transpose of such rows, that is X.T, at no cost. Otherwise it is a copy, made a block
    of columns at a time, so that each block is read and written while it sits in the cache. The copy of a
    read-only X (the app's data: it cannot change) is kept while X lives, for the next run on the same digits;
    the copies of the last two such X's are kept.
    """
    if X.T.flags.c_contiguous:
        return X.T
    kept = _kept_rows.get(id(X))
    if kept is not None and kept[0]() is X:
        return kept[1]
    rows = np.empty((X.shape[1], X.shape[0]), X.dtype)
    for start in range(0, X.shape[1], block):
        rows[start:start + block] = X[:, start:start + block].T
    if not X.flags.writeable:
        while len(_kept_rows) >= _ROWS_KEPT:
            _kept_rows.pop(next(iter(_kept_rows)))
        key = id(X)
        _kept_rows[key] = (weakref.ref(X, lambda _, key=key: _kept_rows.pop(key, None)), rows)
    return rows


def _prepared(X, Y, hp, dtype):
    """The examples as the steps read them, made once per run, with the one-hot labels of a full batch.

    Full batch: X (784, m) itself and one_hot(Y) (10, m). Mini-batch: X with one example per row, (m, 784), so
    that a batch is a set of whole rows (see example_rows); a batch's one-hot labels are made by backward_prop,
    from its 128 or so labels.
    """
    if hp.method == "full-batch":
        return X, one_hot(Y, dtype=dtype)
    return example_rows(X), None


def _step_examples(X, Y, prepared, batch):
    """(X_step (784, b), Y_step (b,), one_hot(Y_step) (10, b) or None): all m examples when batch is None, else
    the columns in batch, read from the rows of the prepared copy: rows[batch].T is X[:, batch]."""
    examples, one_hot_Y = prepared
    if batch is None:
        return examples, Y, one_hot_Y
    return examples[batch].T, Y[batch], None


def _update(params, grads, velocity, hp):
    """update_params, following the velocity v <- momentum * v + grad when hp.momentum > 0.

    velocity : {"dW1": ..., "db1": ...}, zeros at the start, updated in place (it belongs to this run alone).
    """
    if hp.momentum == 0:
        return update_params(params, grads, hp.alpha)
    for name, v in velocity.items():
        v *= hp.momentum
        v += grads[name]
    return update_params(params, velocity, hp.alpha)


def train(params, X, Y, hp, X_dev=None, Y_dev=None, rng=None, eval_every=1, start_step=0,
          train_eval_size=2000):
    """Gradient descent on (X (784, m), Y (m,)): yields (params, StepRecord) after every update.

    Full-batch: hp.iterations steps, each on all m examples. Mini-batch: hp.epochs passes, each over the
    examples in a new random order, hp.batch_size at a time. With hp.momentum > 0 the step follows a velocity
    v <- momentum * v + grad, a running sum of past gradients that smooths the zig-zags.
    Evaluation on the dev set (and, for mini-batch, on train_eval_size training examples) happens every
    eval_every steps and at the last step; so does the update size, which the steps in between repeat.
    If the loss or a weight becomes inf or NaN (a learning rate too large, or the notebook's unshifted softmax
    overflowing), the generator yields one record with diverged=True together with the last good params, and
    stops. The weights are checked at evaluation steps (at every step with the notebook's bugs); in between,
    a weight gone inf or NaN shows in the next step's loss.
    Each params dict yielded is new and never changed afterwards, so a caller may keep it.
    """
    rng = np.random.default_rng(hp.seed) if rng is None else rng
    m = X.shape[1]
    total = total_steps(hp, m)
    steps_per_epoch = 1 if hp.method == "full-batch" else math.ceil(m / hp.batch_size)
    # backward_prop averages over the step's examples; the notebook's full batch divides by its m counted on the
    # whole file, before the dev rows were split off.
    m_for_grads = m + hp.dev_size if (hp.notebook_bugs and hp.method == "full-batch") else None
    dtype = np.result_type(X, *params.values())
    prepared = _prepared(X, Y, hp, dtype)
    velocity = {"d" + k: np.zeros(v.shape, dtype) for k, v in params.items()} if hp.momentum > 0 else None
    batches = _batches(m, hp, rng, start_step) if hp.method == "mini-batch" else None
    L = layer_count(params)
    update_size, last_good = None, params
    for step in range(start_step + 1, start_step + total + 1):
        evaluating = (step - start_step) % eval_every == 0 or step == start_step + total
        checking = evaluating or hp.notebook_bugs
        batch = None if batches is None else next(batches)
        X_step, Y_step, one_hot_Y = _step_examples(X, Y, prepared, batch)
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow shows up below, as divergence
            cache = forward_prop(params, X_step, hp.activation, hp.notebook_bugs)
            grads = backward_prop(params, cache, X_step, Y_step, hp.activation, hp.notebook_bugs, m=m_for_grads,
                                  one_hot_Y=one_hot_Y)
            loss = compute_loss(cache[f"A{L}"], Y_step)
            if batch is None:  # the whole training set: its accuracy comes with the step
                train_acc = get_accuracy(get_predictions(cache[f"A{L}"]), Y)
            elif evaluating:
                train_acc = evaluate(params, X[:, :train_eval_size], Y[:train_eval_size], hp.activation)[1]
            else:
                train_acc = None
            dev_acc = evaluate(params, X_dev, Y_dev, hp.activation)[1] \
                if evaluating and X_dev is not None and X_dev.shape[1] > 0 else None
            if evaluating or update_size is None:
                update_size = {k[1:]: _rms(v) for k, v in grads.items() if k.startswith("dW")}
            new_params = _update(params, grads, velocity, hp)
        record = StepRecord(step, step / steps_per_epoch, loss, train_acc, dev_acc, update_size)
        if not math.isfinite(loss):  # these params are broken (or overflow): back to the last good ones
            yield last_good, replace(record, diverged=True)
            return
        if checking and not _all_finite(new_params):
            yield params, replace(record, diverged=True)
            return
        last_good = new_params if checking else params
        params = new_params
        yield params, record


def train_to_end(params, X, Y, hp, X_dev=None, Y_dev=None, **options):
    """Run `train` to the end; returns (final params, list of StepRecords). For callers that need no live view."""
    records = []
    for trained, record in train(params, X, Y, hp, X_dev, Y_dev, **options):
        params = trained
        records.append(record)
    return params, records
