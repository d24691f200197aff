"""Teach the lesson's network the class's handwriting: train it twice, at the same time, in the workers (no
Streamlit here). Once on MNIST's training digits alone ("before"), once on them plus a random 80% of the class's
own digits ("after"); both are scored on the other 20% of the class's digits, which neither run saw, and on
MNIST's dev set.

A few dozen class digits among thousands of MNIST digits change almost nothing: in a full-batch step each
example's gradient counts 1/m. So each class digit can count as `weight` MNIST digits: its column is repeated
`weight` times, which is exactly the same as multiplying its gradient by `weight` (the average over m examples
becomes a weighted average). The price is paid on MNIST's own digits, and the dev accuracy says how much.
"""

from dataclasses import dataclass

import numpy as np

from nn_core.training import evaluate
from training_runs.runs import ended, side_by_side, spec

MIN_DIGITS = 30  # fewer class digits leave a held-out 20% of 5 or less: each one would be 20 points
HELD_OUT = 0.2  # the share of the class's digits kept out of training, to score on
WEIGHT = 10  # each class digit counts as this many MNIST digits, by default
MAX_WEIGHT = 20


class TooFewDigitsError(ValueError):
    """The class's set is too small to say anything: `more` digits are still needed."""

    def __init__(self, have):
        self.have, self.more = have, MIN_DIGITS - have
        super().__init__(f"The class's set has {have} digit{'s' if have != 1 else ''}: {self.more} more "
                         f"{'is' if self.more == 1 else 'are'} needed (at least {MIN_DIGITS}) before a score on a "
                         "fifth of them means anything.")


@dataclass(frozen=True)
class Scores:
    """One network's accuracy on the class's held-out digits and on MNIST's dev set (fractions 0..1)."""

    held_out: float
    dev: float


@dataclass(frozen=True)
class Taught:
    """What teaching changed. before, after : Scores of the network trained without and with the class's 80%.
    taught, held_out : how many class digits were trained on and scored on. weight : how many MNIST digits each
    class digit counted as. mnist : MNIST training digits in both runs. steps : full-batch steps of each run.
    seconds : the longer of the two runs' training time."""

    before: Scores
    after: Scores
    taught: int
    held_out: int
    weight: int
    mnist: int
    steps: int
    seconds: float


def split_class(n, seed=0):
    """A random 80/20 split of n class digits, the same for the same n and seed: (taught (k,), held_out (n - k,)),
    two sorted index arrays that together hold 0..n-1 once each."""
    order = np.random.default_rng(seed).permutation(n)
    held = max(1, round(HELD_OUT * n))
    return np.sort(order[held:]), np.sort(order[:held])


def with_class_digits(X, Y, X_class, Y_class, weight):
    """MNIST's training digits X (784, m), Y (m,) followed by each class digit (columns of X_class (784, k)) repeated
    `weight` times: X (784, m + weight k), Y (m + weight k,)."""
    X_more = np.repeat(np.asarray(X_class, dtype=X.dtype), weight, axis=1)  # (784, weight k): each column w times
    return np.hstack([X, X_more]), np.concatenate([Y, np.repeat(Y_class, weight)]).astype(Y.dtype)


def teach(hp, X, Y, X_dev, Y_dev, X_class, Y_class, weight=WEIGHT, seed=0, visitor=None):
    """Train hp's network (full batch) on MNIST's X (784, m), Y (m,) alone, and on them plus 80% of the class's
    digits X_class (784, n), Y_class (n,), each class digit counting `weight` times; both at once, in the workers.
    Scores both on the class's other 20% and on X_dev (784, d), Y_dev (d,). Returns a Taught.

    Raises TooFewDigitsError below MIN_DIGITS class digits, ValueError for a weight outside 1..MAX_WEIGHT or a
    method other than full batch, runs.TrainingError when a run could not be trained."""
    n = Y_class.size
    if n < MIN_DIGITS:
        raise TooFewDigitsError(n)
    if not 1 <= weight <= MAX_WEIGHT or int(weight) != weight:
        raise ValueError(f"A class digit counts as 1 to {MAX_WEIGHT} MNIST digits, not {weight!r}.")
    if hp.method != "full-batch":
        raise ValueError("Teaching the class's handwriting trains full batch, as the notebook does.")
    taught, held_out = split_class(n, seed)
    runs = {"before": (X, Y), "after": with_class_digits(X, Y, X_class[:, taught], Y_class[taught], int(weight))}
    followers = side_by_side({name: spec(hp, {"X": X_run, "Y": Y_run}, None, hp.iterations)
                              for name, (X_run, Y_run) in runs.items()}, visitor)
    scores, seconds = {}, 0.0
    for name, follower in followers.items():
        computation = ended(follower)
        params, activation = computation.params, hp.activation
        with np.errstate(over="ignore", invalid="ignore"):  # the last good weights of a diverged run may overflow
            scores[name] = Scores(evaluate(params, X_class[:, held_out], Y_class[held_out], activation)[1],
                                  evaluate(params, X_dev, Y_dev, activation)[1])
        seconds = max(seconds, computation.seconds)
    return Taught(scores["before"], scores["after"], taught.size, held_out.size, int(weight), X.shape[1],
                  hp.iterations, seconds)
