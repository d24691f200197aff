"""Ask the room: the questions a teacher puts to the whole class, each with its answer, why, and the page and place
where the app shows it. Answers that depend on the digits in use or on the notebook's trained network are worked out
here with nn_core's own functions, so a question never says what the app would contradict; without a network, the
questions about it are left out. No Streamlit here: the Class page draws the questions, this module makes them.
"""

from dataclasses import asdict, dataclass, fields

import numpy as np

from nn_core.data import PIXELS, SIDE
from nn_core.evaluation import dead_units, shifted_accuracy
from nn_core.network import backward_prop, forward_prop, get_accuracy, get_predictions, init_params, update_params
from nn_core.preprocessing import shift
from nn_core.training import NOTEBOOK, evaluate, new_network, train_to_end

PAGES = ("data", "forward", "training", "experiments", "draw")
ALPHAS = (0.1, 1.0, 5.0)  # the learning rates trained side by side for the α questions
ALPHA_STEPS, ALPHA_DIGITS = 100, 2000  # each of those runs: full-batch steps, on this many training digits
SURE = 0.9  # a reading at least this probable counts as confident
MOVED = 3  # pixels a digit is moved by in the Draw page's questions
SHARES = (0.1, 0.3, 0.5, 0.7, 0.9)  # the usual wrong answers to "about what share?"


@dataclass(frozen=True)
class Question:
    """One question of the bank, with everything needed to ask it and to reveal its answer.

    key : a stable id, e.g. "data-pixels". page : the address of the page that shows the answer.
    text : the question, plain text. options : 2 to 6 answers, plain text. right : the index of the right one.
    explanation : why it is right, in 1 to 4 sentences. place : where on the page the app shows it.
    picture : what the students need to see, or None: {"kind": "digit", "pixels": 784 ints 0..255, ...},
    {"kind": "weights", "values": 784 floats, ...} or {"kind": "bars", "values": [...], "labels": [...], ...},
    each with a "caption". computed : True when the answer was worked out from the live data or network.
    """

    key: str
    page: str
    text: str
    options: tuple
    right: int
    explanation: str
    place: str
    picture: dict | None = None
    computed: bool = False

    def as_dict(self):
        """Every field as plain values (options as a list), ready for json.dumps."""
        return {**asdict(self), "options": list(self.options)}

    @classmethod
    def from_dict(cls, values):
        """The Question that as_dict gave `values`; keys it does not know are ignored."""
        known = {field.name for field in fields(cls)}
        kept = {name: value for name, value in values.items() if name in known}
        return cls(**{**kept, "options": tuple(kept["options"])})


def digit_picture(x, caption):
    """One digit x (784,) or (784, 1), pixels 0..1 -> its 784 pixels as whole numbers 0..255."""
    pixels = np.clip(np.rint(np.ravel(x) * 255), 0, 255).astype(int)
    return {"kind": "digit", "pixels": pixels.tolist(), "caption": caption}


def weights_picture(row, caption):
    """One hidden unit's 784 weights, a row of W1, to be drawn as a 28 x 28 picture."""
    return {"kind": "weights", "values": [round(float(w), 4) for w in row], "caption": caption}


def bars_picture(values, labels, caption):
    """A bar chart: one bar per value, named by its label."""
    return {"kind": "bars", "values": [round(float(v), 4) for v in values], "labels": list(labels), "caption": caption}


def numbered(right, candidates, text, gap=0.0, most=5):
    """Options for a question whose answer is a number: `right` and the candidates further than `gap` from it (the
    nearest first, `most` options in all), in increasing order and written by `text`. Returns (options, index)."""
    others = [c for c in dict.fromkeys(candidates) if abs(c - right) > gap and text(c) != text(right)]
    values = sorted([right, *sorted(others, key=lambda c: (abs(c - right), c))[:most - 1]])
    return tuple(text(v) for v in values), values.index(right)


def percent(fraction):
    """0.812 -> "81%"."""
    return f"{100 * fraction:.0f}%"


def digit_options(right, likely, most=5):
    """Digits as options: the right one, the likely wrong ones (in order), then the others, `most` in all."""
    chosen = list(dict.fromkeys([right, *likely, *range(10)]))[:most]
    return numbered(right, chosen, str)


@dataclass(frozen=True)
class Reading:
    """The notebook's network (params, activation, alpha) and its forward pass over the whole dev set.

    cache : forward_prop's {"Z1", "A1", "Z2", "A2"}, each of shape (10, m_dev): one column per dev digit.
    predictions, sure : (m_dev,) the digit each dev digit is read as, and that answer's probability.
    """

    params: dict
    activation: str
    alpha: float
    cache: dict
    predictions: np.ndarray
    sure: np.ndarray

    @classmethod
    def of(cls, split, network):
        params, hp = network
        cache = forward_prop(params, split.X_dev, hp.activation)
        A2 = cache["A2"]  # (10, m_dev)
        return cls(params, hp.activation, hp.alpha, cache, get_predictions(A2), A2.max(axis=0))

    def first(self, where, fallback):
        """The first dev column where `where` holds, else the column with the largest `fallback`."""
        found = np.flatnonzero(where)
        return int(found[0]) if found.size else int(np.argmax(fallback))

    def runner_up(self, i):
        return int(np.argsort(-self.cache["A2"][:, i])[1])


def alpha_runs(split):
    """The notebook's network trained ALPHA_STEPS full-batch steps on the first ALPHA_DIGITS training digits with
    each learning rate of ALPHAS: {alpha: (dev accuracy, losses step by step, dead hidden units)}."""
    X, Y = split.X_train[:, :ALPHA_DIGITS], split.Y_train[:ALPHA_DIGITS]
    runs = {}
    for alpha in ALPHAS:
        hp = NOTEBOOK.with_changes(alpha=alpha, iterations=ALPHA_STEPS)
        params, records = train_to_end(new_network(hp), X, Y, hp)
        with np.errstate(over="ignore", invalid="ignore"):
            accuracy = evaluate(params, split.X_dev, split.Y_dev)[1]
        runs[alpha] = (accuracy, [r.loss for r in records], dead_units(params, X))
    return runs


def data_questions(split):
    m = split.X_train.shape[1]
    pixels = split.X_train.size + split.X_dev.size  # every pixel of every digit
    black = (np.count_nonzero(split.X_train == 0) + np.count_nonzero(split.X_dev == 0)) / pixels
    x_shape = (f"({m}, 784)", f"(784, {m})", f"(785, {m})", f"(28, 28, {m})")
    return [
        Question(
            "data-pixels", "data", "How many numbers describe one image?",
            *numbered(split.X_train.shape[0], (SIDE, 255, PIXELS + 1), str),
            f"An image is {SIDE} rows of {SIDE} pixels, {SIDE * SIDE} in all, one number 0..255 each. 785 is a whole "
            "row of the table, the label and the 784 pixels; 255 is the brightest a pixel can be.",
            "the quiz at the end of the page, after “5 · Why hold out a dev set?”"),
        Question(
            "data-x-shape", "data", f"X_train holds the {m:,} training digits. What is its shape?", x_shape,
            x_shape.index(str(split.X_train.shape)),
            "One example per column: the table's rows were transposed (.T) and the label row taken off, so X is 784 x "
            "m and column j is digit j. That is what W1 (10 x 784) @ X needs: 784 rows.",
            "the quiz at the end of the page, and the table of shapes under “4 · From the table to X: the "
            "notebook's preparation”",
            digit_picture(split.X_train[:, 0], f"X_train[:, 0], the first column of X_train: a {split.Y_train[0]}"),
            computed=True),
        Question(
            "data-black", "data", "What share of all the pixels of all the digits are exactly 0 (black)?",
            *numbered(black, (0.05, 0.2, 0.5, 0.95), percent, gap=0.1),
            f"{percent(black)} of the {pixels:,} pixels are 0: the black background around the ink. Only the "
            "strokes are bright, and their grey edges lie between 0 and 255.",
            "the caption of the chart of pixel values, under “3 · Look at the digits”",
            digit_picture(split.X_dev[:, 0], "One digit: everything black around the ink is a 0"), computed=True),
        Question(
            "data-pixel-number", "data",
            "The image is read row by row into 784 numbers, from 0. Which number is the pixel in row 14, column 10?",
            *numbered(14 * SIDE + 10, (24, 150, 14 * 10, 10 * SIDE + 14), str),
            f"Rows 0 to 13 come first, {SIDE} numbers each: 14 x {SIDE} = {14 * SIDE}, and column 10 of row 14 is "
            f"number {14 * SIDE} + 10 = {14 * SIDE + 10}. In general pixel (r, c) is number 28 r + c.",
            "“One digit, enlarged: the 784 numbers the network reads”, under “3 · Look at the digits”"),
        Question(
            "data-dev", "data", "Why are the dev digits never trained on?",
            ("So that training goes faster", "To measure how well the network does on digits it has never seen",
             "Because they are the hardest digits", "Because they have no labels"), 1,
            "A network can do well on its training digits by memorising them. Digits it never trained on show "
            "whether it generalises, and that is what we want to know before choosing a learning rate or a size.",
            "“5 · Why hold out a dev set?”"),
    ]


def z1_shape_question(split, network):
    params = network[0] if network else init_params(NOTEBOOK.layer_sizes, NOTEBOOK.seed, NOTEBOOK.init)
    Z1 = forward_prop(params, split.X_dev[:, :1])["Z1"]  # one digit: one column
    n1 = Z1.shape[0]
    options = tuple(dict.fromkeys([f"({n1}, 1)", "(784, 1)", f"(1, {n1})", f"({n1}, 784)"]))
    return Question(
        "forward-z1-shape", "forward", "One digit goes through the network. What is the shape of Z1?", options,
        options.index(str(Z1.shape)),
        f"Z1 = W1 A0 + b1: ({n1} x 784) times (784 x 1) gives ({n1} x 1), one number per hidden unit, and adding b1 "
        f"({n1} x 1) keeps that shape. With m digits at once, one per column, it would be ({n1}, m).",
        "the quiz at the end of the page, and the columns under “Step 1 · hidden layer 1”")


def linear_question():
    return Question(
        "forward-linear", "forward", "Take ReLU out (a linear activation). What is the 784-10-10 network then?",
        ("Still a network that can learn curved boundaries", "The same as one 10 x 784 matrix and a bias",
         "A network that cannot be trained at all"), 1,
        "W2 (W1 X + b1) + b2 = (W2 W1) X + (W2 b1 + b2): two matrices in a row are one matrix. Without a "
        "non-linear activation the hidden layer adds nothing softmax regression could not do.",
        "the tab “Why non-linearity?” under “Under the hood”")


def vote_question(reading):
    """The hidden unit whose vote stands out most (its largest weight in W2 furthest above its second), among the
    units that fire for some dev digit: which digit does it vote for?"""
    W1, W2 = reading.params["W1"], reading.params["W2"]
    fires = reading.cache["A1"].max(axis=1) > 0  # units that switch on for some dev digit
    ordered = np.sort(W2, axis=0)  # each column from its smallest weight to its largest
    clear = np.where(fires, ordered[-1] - ordered[-2], -np.inf)  # how far the top vote stands out
    k = int(np.argmax(clear))
    votes = W2[:, k]  # unit k's weight into each of the ten scores
    by_size = [int(d) for d in np.argsort(-votes)]
    top, bottom = by_size[0], by_size[-1]
    return Question(
        "forward-vote", "forward",
        f"Here are hidden unit {k}'s 784 weights. Which digit's score does it raise the most when it fires?",
        *digit_options(top, [by_size[1], bottom, by_size[2]]),
        f"Column {k} of W2 holds unit {k}'s weights into the ten scores: the largest is W2[{top}, {k}] = "
        f"{votes[top]:.3f}, for {top}, the most negative W2[{bottom}, {k}] = {votes[bottom]:.3f}, for {bottom}. "
        f"Whatever the unit outputs is multiplied by these and added to the scores, so it raises {top} most.",
        f"the quiz at the end of the page, with unit {k} chosen in “Hidden unit j” on the tab “One hidden unit, "
        "number by number”",
        weights_picture(W1[k], f"Row {k} of W1 as 28 x 28: blue pixels switch unit {k} on, red ones off"),
        computed=True)


def switched_off_question(split, reading):
    """The first dev digit the network reads right and at least SURE of: how many hidden units are off for it."""
    i = reading.first((reading.predictions == split.Y_dev) & (reading.sure >= SURE), reading.sure)
    Z1 = reading.cache["Z1"][:, i]
    off = int(np.sum(Z1 <= 0))
    n1 = Z1.size
    return Question(
        "forward-off", "forward",
        f"The notebook's network reads this {split.Y_dev[i]}. How many of its {n1} hidden units are switched off "
        "(A1 = 0)?", *numbered(off, range(n1 + 1), str),
        f"{off} of the {n1} values of Z1 are 0 or below, so ReLU makes their A1 exactly 0 and they pass nothing on "
        f"to the scores; the other {n1 - off} pass their Z1 through unchanged.",
        f"the note “ReLU switched off” under “Step 1 · hidden layer 1”, for dev digit {i} chosen “By index in the "
        "dev set”",
        digit_picture(split.X_dev[:, i], f"Dev digit {i}, a {split.Y_dev[i]}"), computed=True)


def reads_as_question(split, reading):
    """A dev digit the network gets wrong: the first it reads wrong at 50% or more, else the mistake it is surest
    of; with no mistake at all, the digit it is surest of."""
    mistakes = reading.predictions != split.Y_dev
    confident = mistakes & (reading.sure >= 0.5)
    i = reading.first(confident, np.where(mistakes, reading.sure, -1.0))
    chosen = ("the first dev digit it reads wrong while at least 50% sure" if confident.any() else
              "the mistake it is surest of" if mistakes.any() else "its first dev digit: it reads every one right")
    said, label, A2 = int(reading.predictions[i]), int(split.Y_dev[i]), reading.cache["A2"][:, i]
    return Question(
        "forward-reads", "forward", "The notebook's network reads this dev digit as which digit?",
        *digit_options(said, [label, reading.runner_up(i)]),
        f"It reads {said}, {A2[said]:.1%} sure; the label is {label}, which gets {A2[label]:.1%}. This is {chosen}.",
        f"“The network's answer” under “The prediction”, for dev digit {i} chosen “By index in the dev set”",
        digit_picture(split.X_dev[:, i], f"Dev digit {i}"), computed=True)


def top_probability_question(split, reading):
    """The first dev digit the network is about 50% sure of (within 5 points; else the nearest to 50%)."""
    i = reading.first(np.abs(reading.sure - 0.5) < 0.05, -np.abs(reading.sure - 0.5))
    said, p = int(reading.predictions[i]), float(reading.sure[i])
    runner_up = reading.runner_up(i)
    return Question(
        "forward-sure", "forward", "How sure is the network of its answer for this digit? Its top probability is "
        "about ...", *numbered(p, SHARES, percent, gap=0.1),
        f"It answers {said} with {p:.1%}; its second guess is {runner_up} with "
        f"{reading.cache['A2'][runner_up, i]:.1%}. The label is {split.Y_dev[i]}: sure is not the same as right, "
        "and unsure is not the same as wrong.",
        f"“Its probability” under “The prediction”, for dev digit {i} chosen “By index in the dev set”",
        digit_picture(split.X_dev[:, i], f"Dev digit {i}"), computed=True)


def forward_questions(split, reading, network):
    questions = [z1_shape_question(split, network), linear_question()]
    if reading is not None:
        questions += [vote_question(reading), reads_as_question(split, reading),
                      top_probability_question(split, reading)]
        if reading.activation == "relu":
            questions.append(switched_off_question(split, reading))
    return questions


def alpha_story(runs):
    """What the run at α = 5 did, in words and in its own numbers."""
    accuracy, losses, dead = runs[5.0]
    peak = int(np.nanargmax(losses))
    rise = f"goes from {losses[0]:.2f} up to {losses[peak]:.2f} at step {peak + 1} and " if peak > 0 else ""
    at_ln10 = abs(losses[-1] - np.log(10)) < 0.05  # every digit gets the same ten probabilities, 10% each
    flat = " (ln 10 = 2.30: about 10% for every digit, whatever it is)" if at_ln10 else ""
    return (f"Here, {ALPHA_STEPS} steps on {ALPHA_DIGITS:,} training digits at α = 5: the loss {rise}ends at "
            f"{losses[-1]:.2f}{flat}; {dead} of the 10 hidden units are dead (0 for every digit), and dev accuracy "
            f"is {accuracy:.1%}.")


def training_questions(split, runs, reading):
    n1 = NOTEBOOK.hidden_sizes[0] if reading is None else reading.params["W1"].shape[0]
    dW1 = (f"({n1}, 784)", f"(784, {n1})", f"({n1}, m)", f"({n1}, 1)")
    questions = [
        Question(
            "training-dw1-shape", "training", "What is the shape of dW1 for the notebook's network?", dW1, 0,
            f"dW1 = dZ1 Xᵀ / m: ({n1} x m) times (m x 784) gives ({n1} x 784), the shape of W1, one gradient per "
            "weight, so W1 − α dW1 works entry by entry. The m examples are summed away: the gradient is an average.",
            "the quiz at the end of the page, and the tab “Backpropagation step by step” under “Look inside”"),
        Question(
            "training-alpha-5", "training", "What happens if you train the notebook's network with α = 5?",
            ("It learns about 50 times faster than with α = 0.1",
             "The loss jumps around or blows up (NaN), and accuracy collapses",
             "Nothing: α only sets how long each step takes to compute"), 1,
            "Each step moves the weights by α dW, and steps this large overshoot the bottom of the loss: a ReLU unit "
            f"thrown far below 0 is dead, it outputs 0 and gets no gradient again. {alpha_story(runs)}",
            "the quiz at the end of the page; set “Learning rate α” to 5 under “The hyperparameters” and train"),
        Question(
            "training-alpha-accuracy", "training",
            f"The bars: dev accuracy after {ALPHA_STEPS} steps at α = 0.1 and α = 1. What will it be at α = 5?",
            *numbered(runs[5.0][0], SHARES, percent, gap=0.12), alpha_story(runs),
            "“Learning rate α” under “The hyperparameters”, then train",
            bars_picture([100 * runs[a][0] for a in ALPHAS[:2]], [f"α = {a:g}" for a in ALPHAS[:2]],
                         f"Dev accuracy (%) of the notebook's network after {ALPHA_STEPS} steps on "
                         f"{ALPHA_DIGITS:,} training digits"), computed=True),
        Question(
            "training-db", "training", "The notebook computes db1 = np.sum(dZ1) / m. What is wrong with it?",
            ("Nothing: db1 is the average of dZ1 over the examples", "It should multiply by m, not divide",
             "It adds up over the units too, so every bias of the layer gets the same gradient"), 2,
            "np.sum with no axis adds every entry of dZ1, over the units as well as the examples, into one number. "
            "Each bias should get its own row's sum: dZ1.sum(axis=1, keepdims=True) / m, shape (10, 1).",
            "the tab “The notebook's bugs” under “Look inside”"),
    ]
    if reading is not None:
        questions.append(mistakes_question(split, reading))
    return questions


def mistakes_question(split, reading):
    """How many dev digits the network gets wrong, with its accuracy on each digit as bars."""
    m_dev = split.Y_dev.size
    wrong = int(np.sum(reading.predictions != split.Y_dev))
    per_digit = [100 * np.mean(reading.predictions[split.Y_dev == d] == d) if np.any(split.Y_dev == d) else 0.0
                 for d in range(10)]
    worst = int(np.argmin(per_digit))
    return Question(
        "training-mistakes", "training", f"The bars: the share of each digit the network reads right. How many of "
        f"the {m_dev:,} dev digits does it get wrong?",
        *numbered(wrong, [round(m_dev * f) for f in (0.02, 0.05, 0.1, 0.2, 0.3, 0.5)], lambda n: f"{n:,}",
                  gap=0.04 * m_dev),
        f"It gets {wrong:,} of {m_dev:,} wrong: dev accuracy {1 - wrong / m_dev:.1%}. Its weakest digit is {worst}, "
        f"read right {per_digit[worst]:.0f}% of the time.",
        "“Mistakes on the dev set” on the tab “What the network learned” under “Look inside”",
        bars_picture(per_digit, [str(d) for d in range(10)], "Dev digits read right (%), digit by digit"),
        computed=True)


def experiments_questions(split, reading):
    notebook_size = sum(p.size for p in init_params(NOTEBOOK.layer_sizes).values())
    regression_size = sum(p.size for p in init_params((784, 10)).values())
    questions = [
        Question(
            "experiments-seed", "experiments", "Seed s stands for one re-run of the notebook. What does it fix?",
            ("Only the initial weights", "Only which digits land in the dev set",
             "Both the dev split and the initial weights", "The learning rate"), 2,
            "The notebook seeds nothing, so each re-run shuffles another dev set out of the data and starts from "
            "other random weights. Fixing both makes a run repeatable, and N seeds are N honest re-runs.",
            "the text of section 1, above “Number of seeds N”"),
        Question(
            "experiments-parameters", "experiments",
            "How many numbers (weights and biases) does training adjust in the notebook's 784-10-10 network?",
            *numbered(notebook_size, (784, 7840, regression_size, 101_770), lambda n: f"{n:,}"),
            f"W1 has 10 x 784 = 7,840 weights and b1 10 biases; W2 has 10 x 10 = 100 and b2 10: {notebook_size:,} "
            f"in all, only {notebook_size - regression_size} more than softmax regression's {regression_size:,}.",
            "the parameters column of the ladder's table, under “2 · A ladder of baselines”"),
        Question(
            "experiments-regression", "experiments", "Rung ① of the ladder, softmax regression, is the notebook's "
            "network without what?",
            ("Without its hidden layer: 784 inputs straight into 10 softmax outputs", "Without softmax",
             "Without its biases", "Without training"), 0,
            "Softmax regression is A = softmax(W X + b) with W of 10 x 784: one layer. Comparing it with the "
            "notebook's network shows what the 10 ReLU units add.",
            "“2 · A ladder of baselines”"),
    ]
    if reading is not None:
        questions.append(noise_question(split, reading))
    return questions


def noise_question(split, reading):
    """The dev-set noise √(p (1 − p) / n) of the network's dev accuracy, with its accuracy on ten slices of the dev
    set as bars."""
    n = split.Y_dev.size
    right = reading.predictions == split.Y_dev
    p = float(np.mean(right))
    noise = 100 * np.sqrt(p * (1 - p) / n)  # points of accuracy, one standard deviation
    slices = np.array_split(right, min(10, n))
    return Question(
        "experiments-noise", "experiments",
        f"The network reads {p:.1%} of the {n:,} dev digits right. Just from which digits land in the dev set, that "
        "score is uncertain by about ...",
        *numbered(noise, (noise / 10, noise / 3, noise * 3, noise * 10), lambda v: f"± {v:.1f} points"),
        f"√(p (1 − p) / n) = √({p:.3f} x {1 - p:.3f} / {n:,}) = {noise / 100:.4f}, that is ± {noise:.1f} points. "
        f"On slices of {slices[0].size} digits it is √10 times more: the bars, one network on ten slices, go from "
        f"{100 * min(map(np.mean, slices)):.0f}% to {100 * max(map(np.mean, slices)):.0f}%.",
        "the formula of the “dev-set noise” in section 1, and the caption under the chart of seeds",
        bars_picture([100 * np.mean(s) for s in slices], [f"slice {k + 1}" for k in range(len(slices))],
                     f"The same network's accuracy (%) on {len(slices)} slices of the dev set"), computed=True)


def draw_questions(split, reading):
    questions = [
        Question(
            "draw-centring", "draw", "Where did MNIST put each digit in its 28 x 28 field?",
            ("With the middle of its bounding box at the centre", "With the centre of mass of its ink at the centre",
             "In the top left corner", "Wherever it was written"), 1,
            "MNIST moved each digit so that its ink balances at row 14, column 14. The network only knows digits "
            "placed that way, so a drawing goes through the same step.",
            "the toggle “Skip the centring step”"),
        Question(
            "draw-terms", "draw", "Each output score Z2[k] is a sum with one term for each ...",
            ("pixel of the drawing", "hidden unit", "digit 0 to 9", "training digit"), 1,
            "Z2[k] = W2[k, 0] A1[0] + ... + W2[k, 9] A1[9] + b2[k]: how strongly each hidden unit fired, times how "
            "much digit k trusts it. A unit that is off (A1 = 0) adds nothing.",
            "“Why this answer”"),
    ]
    if reading is not None:
        questions += [moved_question(split, reading), moved_accuracy_question(split, reading),
                      teach_question(split, reading)]
    return questions


def moved_question(split, reading):
    """The first dev digit read right, at least SURE, whose reading changes when it is moved MOVED pixels right."""
    moved = forward_prop(reading.params, shift(split.X_dev, MOVED, 0), reading.activation)["A2"]  # all of them, moved
    changed = get_predictions(moved) != reading.predictions
    sure_and_right = (reading.predictions == split.Y_dev) & (reading.sure >= SURE)
    i = reading.first(sure_and_right & changed, sure_and_right)
    label, now = int(split.Y_dev[i]), int(np.argmax(moved[:, i]))
    return Question(
        "draw-moved", "draw", f"The network reads this {label} right, {reading.sure[i]:.0%} sure. Moved {MOVED} "
        "pixels to the right (shown), what does it read?", *digit_options(now, [label, reading.runner_up(i)]),
        f"Moved, it reads {now} ({moved[now, i]:.0%}). Every weight of W1 belongs to one pixel position, so the "
        "same strokes in other places meet other weights: to the network it is a new input.",
        "“Move right” in “Why a shifted digit fools it”",
        digit_picture(shift(split.X_dev[:, i:i + 1], MOVED, 0), f"Dev digit {i}, a {label}, moved {MOVED} pixels"),
        computed=True)


def moved_accuracy_question(split, reading):
    X, Y = split.X_dev[:, :1000], split.Y_dev[:1000]
    average = shifted_accuracy(reading.params, X, Y, range(MOVED + 1), reading.activation).mean(axis=1)
    return Question(
        "draw-moved-accuracy", "draw", f"Dev digits moved 0, 1 and 2 pixels (the bars): how many does the network "
        f"still read right when they are moved {MOVED} pixels?", *numbered(average[MOVED], SHARES, percent, gap=0.12),
        f"Moved {MOVED} pixels it reads {average[MOVED]:.1%} right, from {average[0]:.1%} unmoved (averages over "
        "moves right, left, down and up). It has one weight per pixel position, and it learned from centred digits.",
        "the chart “Accuracy on dev digits moved by 0 to 6 pixels” in “Why a shifted digit fools it”",
        bars_picture(100 * average[:MOVED], [f"{k} pixels" for k in range(MOVED)],
                     f"Dev digits read right (%), moved by 0 to {MOVED - 1} pixels"), computed=True)


def teach_question(split, reading):
    """One step of gradient descent on a dev digit the network gets wrong, with its true label and the network's
    own α (where the Draw page's "Teach it" starts): how much it helps that digit, and what it does to the others."""
    i = reading.first(reading.predictions != split.Y_dev, -reading.sure)
    x, y = split.X_dev[:, i:i + 1], split.Y_dev[i:i + 1]
    cache = forward_prop(reading.params, x, reading.activation)
    grads = backward_prop(reading.params, cache, x, y, reading.activation)  # m = 1: this digit alone
    taught = update_params(reading.params, grads, reading.alpha)
    after = forward_prop(taught, split.X_dev, reading.activation)["A2"]  # every dev digit, after the step
    label, before, now = int(y[0]), float(cache["A2"][y[0], 0]), float(after[y[0], i])
    others = np.arange(split.Y_dev.size) != i
    changed = int(np.sum((get_predictions(after) != reading.predictions) & others))
    accuracy = [get_accuracy(p, split.Y_dev) for p in (reading.predictions, get_predictions(after))]
    return Question(
        "draw-teach", "draw", f"The network reads this {label} as {reading.predictions[i]}, giving {label} only "
        f"{before:.0%}. After one step on it alone (label {label}, α = {reading.alpha:g}), {label} gets about ...",
        *numbered(now, (before, *SHARES), percent, gap=0.08),
        f"The step takes {label} from {before:.1%} to {now:.1%}, and the network now reads "
        f"{int(np.argmax(after[:, i]))}. But it moved every weight: {changed:,} other dev digits get another answer, "
        f"and dev accuracy goes from {accuracy[0]:.1%} to {accuracy[1]:.1%}.",
        "“Teach it”, with “What digit is it really?” and “Learning rate α for this step”",
        digit_picture(x, f"Dev digit {i}, a {label}"), computed=True)


def bank(split, network=None):
    """Every question, page by page in the lesson's order: the data, the forward pass, training, experiments, draw.

    split : an nn_core Split (X_train (784, m) in 0..1, Y_train (m,), X_dev, Y_dev).
    network : None, or (params, hp) of the notebook's 784-10-10 trained on that data; without it the questions
    about the network are left out. The same split and network always give the same bank.
    """
    reading = None if network is None else Reading.of(split, network)
    with np.errstate(over="ignore", invalid="ignore"):
        return [*data_questions(split), *forward_questions(split, reading, network),
                *training_questions(split, alpha_runs(split), reading), *experiments_questions(split, reading),
                *draw_questions(split, reading)]
