"""A training run as the worker processes compute it (Computation), what it trains (Spec), and who wants its steps
(Follower). No Streamlit here; the pool that schedules them is pool.py.

- A Computation is one training run as the workers compute it: what to train (a Spec: the data, the
  Hyperparams, the starting params, how often to evaluate) and everything it has produced so far (StepRecords,
  W1 and b1 snapshots, the latest params). Its generator lives in one worker, which trains it a slice at a time.
- Followers want a computation's steps up to some step: a visitor's live view on the Training page, a page
  waiting for a short run (Draw, the notebook's bugs), an Experiments batch's job. A computation trains while a
  follower wants more; otherwise it waits in its worker.
"""

import threading
from dataclasses import dataclass, field

from training_runs.shared_digits import Published, digest


@dataclass(eq=False)
class Spec:
    """What to train: data (published arrays X, Y, X_dev, Y_dev, ...), hp, the starting params (None: a fresh
    network of hp, from hp.seed), evaluation every `eval_every` steps, `total` steps, and scores at the end."""

    data: Published
    hp: object
    params: dict | None
    eval_every: int
    total: int
    score: bool = False
    start: str = ""  # a hash of params, when given

    def __post_init__(self):
        if self.params is not None and not self.start:
            self.start = digest(self.params)

    @property
    def key(self):
        return self.data.key, self.hp, self.start, self.eval_every, self.total, self.score

    def for_worker(self):
        return {"data": self.data.folder, "hp": self.hp, "params": self.params, "eval_every": self.eval_every,
                "total": self.total, "score": self.score}


class Follower:
    """Someone who wants a computation's steps up to `until`.

    visitor : whose share the training time counts against (None: this follower's own share).
    keep_going() : asked a few times a second; False stops following (the tab was closed, the page left).
    on_stop(computation) : called once, with the runner's lock held, when following ends (stopped, satisfied,
    or the computation ended); `done` is set right after.
    """

    def __init__(self, until, visitor=None, keep_going=None, on_stop=None):
        self.until, self.keep_going, self.on_stop = until, keep_going, on_stop
        self.visitor = self if visitor is None else visitor
        self.done = threading.Event()
        self.computation = None
        self.stopping = False

    @property
    def wants(self):
        """The step this follower still waits for (0 once it stops)."""
        return 0 if self.stopping else self.until


@dataclass(eq=False)
class Computation:
    """One training run as the workers compute it, shared by all its followers.

    records : StepRecords so far; seconds_at : seconds of training after each. snapshots : (step, W1 rows, b1 rows,
    the other layers or None), see worker_loop.first_layer.
    params : the latest params received, of step params_step. status : "waiting" (nothing left to do now, or
    in line for a slice), "finished", "diverged" or "failed" (message says why). scores : from the worker at
    the end, when spec.score.
    """

    spec: Spec
    number: int
    records: list = field(default_factory=list)
    seconds_at: list = field(default_factory=list)
    snapshots: list = field(default_factory=list)
    params: dict | None = None
    params_step: int = 0
    seconds: float = 0.0
    status: str = "waiting"
    message: str = ""
    diverged_record: object = None
    scores: dict | None = None
    followers: list = field(default_factory=list)
    worker: object = None  # the worker holding its generator (None: none yet, or it died)
    active: bool = False  # a worker is training a slice of it right now
    last_slice: float = 0.0  # time.monotonic() at the end of its last slice

    @property
    def step(self):
        return len(self.records)

    @property
    def total(self):
        return self.spec.total

    @property
    def ended(self):
        return self.status in ("finished", "diverged", "failed")

    def wanted_until(self):
        return max((f.wants for f in self.followers), default=0)

    def wanting_visitors(self):
        return {f.visitor for f in self.followers if f.wants > self.step}

    def nbytes(self):
        arrays = [array for _, W1, b1, rest in self.snapshots for array in (W1, b1, *(rest or {}).values())]
        arrays += list((self.params or {}).values())
        return sum(a.nbytes for a in arrays) + 600 * len(self.records)

