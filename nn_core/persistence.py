"""Saving a network to a file and reading it back, checking everything a file could get wrong.

A saved network is an .npz file (NumPy's zip of named arrays) holding W1, b1, W2, b2, ... as float32, and
"hyperparams": the Hyperparams that made it, written as JSON text. A network trained in the app also keeps its
training (from this version on): "training", JSON text with the steps done, of how many, the seconds and how
the run ended, and "log", one row per step (LOG_COLUMNS, then each weight matrix's update size). A file without
them (saved by an older version) still loads: its training is simply unknown. There are no pickles: reading
uses allow_pickle=False, so a file can only ever give back numbers and text, never run code.
"""

import io
import json
import math
import tokenize
import zipfile
from dataclasses import dataclass, fields
from os import PathLike

import numpy as np

from nn_core.activations import ACTIVATIONS
from nn_core.training import Hyperparams, StepRecord

MAX_FILE_BYTES = 50_000_000  # a 784-256-256-10 network takes about 1 MB
MAX_HIDDEN_LAYERS = 4
MAX_HIDDEN_UNITS = 4096
METHODS = ("full-batch", "mini-batch")
INITS = ("he", "notebook")
ENDINGS = ("finished", "went wrong", "paused", "diverged")  # how a saved network's run had ended
LOG_COLUMNS = ("step", "epoch", "loss", "train_accuracy", "dev_accuracy", "seconds")  # then update_size_W1, ...
MAX_STEPS = 10_000_000


@dataclass(frozen=True)
class Training:
    """How a saved network was trained. steps : gradient steps done, of `total`; seconds : of training; ending :
    one of ENDINGS; records : its StepRecords, one per step; seconds_at : the seconds of training after each."""

    steps: int
    total: int
    seconds: float
    ending: str
    records: tuple = ()
    seconds_at: tuple = ()


def save_model(params, hp, training: Training | None = None) -> bytes:
    """The network as the bytes of an .npz file: its weights and biases, its hyperparameters as JSON and, when
    given, its training (a Training: steps, seconds, how it ended, and its log).

    params : {"W1": (n1, 784), "b1": (n1, 1), ..., "WL": (10, n_(L-1)), "bL": (10, 1)}
    hp : the Hyperparams that made it (their hidden_sizes must match the shapes of params).
    """
    hp = hyperparams_from_dict(hp.as_dict())
    params = _checked_params({name: np.asarray(value) for name, value in params.items()}, hp)
    extra = {}
    if training is not None:
        extra = {"training": np.array(json.dumps({"steps": training.steps, "total": training.total,
                                                  "seconds": training.seconds, "ending": training.ending})),
                 "log": _log_array(training, len(hp.layer_sizes) - 1)}
        _checked_training(extra["training"], extra["log"], len(hp.layer_sizes) - 1)
    buffer = io.BytesIO()
    np.savez(buffer, hyperparams=np.array(json.dumps(hp.as_dict())), **params, **extra)
    return buffer.getvalue()


def load_model(file):
    """Read a network saved by save_model: returns (params, Hyperparams). load_network also gives its training.

    file : the bytes of the file, a path, or an open binary file (such as an upload).
    Raises ValueError, with a message saying what is wrong, for anything that is not such a network:
    not an .npz, pickled objects, missing or extra arrays, shapes that do not chain 784 -> ... -> 10,
    weights that are inf or NaN, hyperparameters out of range, or a training log that does not fit.
    """
    params, hp, _ = load_network(file)
    return params, hp


def load_network(file):
    """Read a network saved by save_model: returns (params, Hyperparams, Training or None). None: the file keeps
    no training (an older version of the app saved it). Raises ValueError as load_model does."""
    raw = _file_bytes(file)
    arrays = _npz_arrays(raw)
    if "hyperparams" not in arrays:
        raise ValueError("This .npz holds no 'hyperparams' entry, so it is not a network saved by this app.")
    hp = hyperparams_from_dict(_json_of(arrays.pop("hyperparams")))
    training_entry, log = arrays.pop("training", None), arrays.pop("log", None)
    params = _checked_params(arrays, hp)
    if training_entry is None and log is None:
        return params, hp, None
    if training_entry is None or log is None:
        raise ValueError("This file has a 'training' entry or a 'log', but not both: its training cannot be read.")
    return params, hp, _checked_training(training_entry, log, len(hp.layer_sizes) - 1)


def _log_array(training, layers):
    """The log as one float64 row per step: LOG_COLUMNS, then the update size of W1 .. W<layers>; NaN for an
    accuracy not measured at that step."""
    def number(value):
        return np.nan if value is None else float(value)

    return np.array([[r.step, r.epoch, r.loss, number(r.train_accuracy), number(r.dev_accuracy), seconds,
                      *(number(r.update_size.get(f"W{l}")) for l in range(1, layers + 1))]
                     for r, seconds in zip(training.records, training.seconds_at, strict=True)],
                    dtype=np.float64).reshape(len(training.records), len(LOG_COLUMNS) + layers)


def _checked_training(entry, log, layers) -> Training:
    """A Training from the file's "training" JSON and its "log" array, after checking that they fit together."""
    if entry.shape != () or entry.dtype.kind != "U":
        raise ValueError("The 'training' entry must be one piece of JSON text.")
    try:
        values = json.loads(str(entry[()]))
    except json.JSONDecodeError as error:
        raise ValueError(f"The 'training' entry is not valid JSON ({error.msg}).") from error
    if not isinstance(values, dict) or set(values) != {"steps", "total", "seconds", "ending"}:
        raise ValueError("The 'training' entry must hold steps, total, seconds and ending, and nothing else.")
    steps, total, seconds, ending = (values[name] for name in ("steps", "total", "seconds", "ending"))
    whole = all(isinstance(v, int) and not isinstance(v, bool) for v in (steps, total))
    if not (whole and 0 <= steps <= total <= MAX_STEPS):
        raise ValueError(f"The training's steps and total must be whole numbers, 0 <= steps <= total <= "
                         f"{MAX_STEPS:,}, not {steps!r} and {total!r}.")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds < math.inf:
        raise ValueError(f"The training's seconds must be a number from 0 up, not {seconds!r}.")
    if ending not in ENDINGS:
        raise ValueError(f"The training's ending must be one of {', '.join(ENDINGS)}, not {ending!r}.")
    columns = len(LOG_COLUMNS) + layers
    if log.dtype.kind not in "fiu" or log.shape != (steps, columns):
        raise ValueError(f"The 'log' must be {steps} rows (one per step) of {columns} numbers, not an array of "
                         f"shape {log.shape} ({log.dtype}).")
    log = log.astype(np.float64)
    accuracies = log[:, 3:5]
    finite = np.isfinite(np.delete(log, [3, 4], axis=1)).all()
    if not finite or not np.all(np.isnan(accuracies) | ((accuracies >= 0) & (accuracies <= 1))) \
            or not np.array_equal(log[:, 0], np.arange(1, steps + 1)):
        raise ValueError("The 'log' must count its steps 1, 2, 3, ..., with finite numbers and accuracies from 0 "
                         "to 1: this one does not.")

    def accuracy(value):
        return None if np.isnan(value) else float(value)

    records = tuple(StepRecord(int(row[0]), float(row[1]), float(row[2]), accuracy(row[3]), accuracy(row[4]),
                               {f"W{l}": float(row[len(LOG_COLUMNS) + l - 1]) for l in range(1, layers + 1)})
                    for row in log)
    return Training(steps, total, float(seconds), ending, records, tuple(float(t) for t in log[:, 5]))


def hyperparams_from_dict(values) -> Hyperparams:
    """Checked Hyperparams from plain values (from a saved file or a URL); missing fields take the defaults.

    Raises ValueError naming the first field that is unknown, of the wrong type, or out of range.
    """
    if not isinstance(values, dict):
        raise ValueError(f"The hyperparameters must be a set of named values, not {type(values).__name__}.")
    known = {f.name for f in fields(Hyperparams)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"Unknown hyperparameter(s): {', '.join(map(str, unknown))}. "
                         f"Known ones are: {', '.join(sorted(known))}.")
    checked = {name: CHECKS[name](values[name]) for name in values}
    return Hyperparams(**checked)


# ---------------------------------------------------------------------------------------------------------
# Checking each hyperparameter
# ---------------------------------------------------------------------------------------------------------


def _whole(name, low, high):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
            raise ValueError(f"Hyperparameter {name} must be a whole number from {low:,} to {high:,}, "
                             f"not {value!r}.")
        return int(value)
    return check


def _real(name, low, high, low_included):
    def check(value):
        ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
        ok = ok and math.isfinite(value)
        ok = ok and (low <= value if low_included else low < value) and value <= high
        if not ok:
            bracket = "[" if low_included else "("
            raise ValueError(f"Hyperparameter {name} must be a number in {bracket}{low:g}, {high:g}], "
                             f"not {value!r}.")
        return float(value)
    return check


def _one_of(name, choices):
    def check(value):
        if value not in choices:
            raise ValueError(f"Hyperparameter {name} must be one of {', '.join(choices)}, not {value!r}.")
        return value
    return check


def _flag(value):
    if not isinstance(value, bool):
        raise ValueError(f"Hyperparameter notebook_bugs must be true or false, not {value!r}.")
    return value


def _hidden_sizes(value):
    unit = _whole("hidden_sizes (units per hidden layer)", 1, MAX_HIDDEN_UNITS)
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_HIDDEN_LAYERS:
        raise ValueError(f"Hyperparameter hidden_sizes must list 1 to {MAX_HIDDEN_LAYERS} hidden layer sizes, "
                         f"such as [10], not {value!r}.")
    return tuple(unit(n) for n in value)


CHECKS = {
    "hidden_sizes": _hidden_sizes,
    "activation": _one_of("activation", tuple(ACTIVATIONS)),
    "alpha": _real("alpha", 0, 1000, low_included=False),
    "method": _one_of("method", METHODS),
    "iterations": _whole("iterations", 1, 1_000_000),
    "epochs": _whole("epochs", 1, 10_000),
    "batch_size": _whole("batch_size", 1, 1_000_000),
    "momentum": _real("momentum", 0, 0.999, low_included=True),
    "init": _one_of("init", INITS),
    "dev_size": _whole("dev_size", 1, 10_000_000),
    "seed": _whole("seed", 0, 2**63 - 1),
    "notebook_bugs": _flag,
}


# ---------------------------------------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------------------------------------


def _file_bytes(file):
    if isinstance(file, (bytes, bytearray, memoryview)):
        raw = bytes(file)
    elif isinstance(file, (str, PathLike)):
        try:
            with open(file, "rb") as f:
                raw = f.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise ValueError(f"Could not open {file}: {error.strerror or error}.") from error
    elif hasattr(file, "read"):
        raw = file.read(MAX_FILE_BYTES + 1)
    else:
        raise ValueError(f"Expected the bytes of a file, a path or an open file, not {type(file).__name__}.")
    if not isinstance(raw, bytes):
        raise ValueError("The file must be opened in binary mode ('rb').")
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"The file is larger than {MAX_FILE_BYTES // 1_000_000} MB: far too big for a saved "
                         "network of this app.")
    return raw


def _npz_arrays(raw):
    """The arrays of an .npz, refusing anything else (a pickle, a lone .npy, a zip bomb, object arrays)."""
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise ValueError("This is not an .npz file (a zip of NumPy arrays), so it cannot be a saved network. "
                         "Use a file made with this app's 'Download the network' button.")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            names = archive.namelist()
    except (OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile) as error:
        raise ValueError(f"This .npz file is damaged and cannot be read ({error}).") from error
    if unpacked > 4 * MAX_FILE_BYTES:
        raise ValueError(f"The .npz unpacks to {unpacked:,} bytes: far too big for a saved network.")
    not_arrays = [name for name in names if not name.endswith(".npy")]
    if not_arrays:
        raise ValueError(f"This zip holds {', '.join(not_arrays[:3])}, which are not NumPy arrays (.npy): "
                         "it is not a saved network.")
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except ValueError as error:
        if "pickle" in str(error).lower():
            raise ValueError("This .npz contains Python objects (pickled data). For safety only plain "
                             "numbers and text are read, so it is refused.") from error
        raise ValueError(f"This .npz file could not be read as NumPy arrays ({error}).") from error
    except (OSError, EOFError, KeyError, zipfile.BadZipFile, NotImplementedError, RuntimeError, SyntaxError,
            tokenize.TokenError) as error:  # (an unknown compression method, a member marked encrypted, a broken
        # .npy header: what zipfile and NumPy raise for bytes damaged there)
        raise ValueError(f"This .npz file is damaged and cannot be read ({error}).") from error


def _json_of(entry):
    if entry.shape != () or entry.dtype.kind != "U":
        raise ValueError("The 'hyperparams' entry must be one piece of JSON text.")
    try:
        return json.loads(str(entry[()]))
    except json.JSONDecodeError as error:
        raise ValueError(f"The 'hyperparams' entry is not valid JSON ({error.msg}).") from error


def _checked_params(arrays, hp):
    """float32 copies of W1, b1, ... after checking names, shapes (784 -> hidden... -> 10) and finiteness."""
    sizes = hp.layer_sizes
    expected = {f"{kind}{l}": shape for l in range(1, len(sizes))
                for kind, shape in (("W", (sizes[l], sizes[l - 1])), ("b", (sizes[l], 1)))}
    missing, extra = sorted(set(expected) - set(arrays)), sorted(set(arrays) - set(expected))
    if missing or extra:
        problem = "; ".join(filter(None, [missing and f"missing {', '.join(missing)}",
                                          extra and f"unexpected {', '.join(extra)}"]))
        raise ValueError(f"A {'-'.join(map(str, sizes))} network has the arrays {', '.join(expected)}: "
                         f"this file has {problem}.")
    params = {}
    for name, shape in expected.items():
        value = arrays[name]
        if value.shape != shape:
            raise ValueError(f"{name} has shape {value.shape}, but a {'-'.join(map(str, sizes))} network "
                             f"needs {shape}.")
        if value.dtype.kind not in "fiu":
            raise ValueError(f"{name} must hold numbers, not values of type {value.dtype}.")
        with np.errstate(over="ignore"):
            value = value.astype(np.float32)
        if not np.isfinite(value).all():
            raise ValueError(f"{name} contains inf or NaN (or numbers too large for float32): "
                             "a network that diverged cannot be used.")
        params[name] = value
    return params
