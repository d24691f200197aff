"""Where the digits come from: MNIST's file formats, CSV files, and the checked download.

Best first:

1. the full MNIST (60,000 training + 10,000 test digits), from a Keras-style ``mnist.npz`` or a folder with
   the four official IDX files; found through the ``MNIST_PATH`` environment variable or ``data/mnist.npz``;
2. the bundled sample: 10,000 real MNIST training digits that ship with the app, so it works offline;
3. a CSV a student uploads (Kaggle's ``train.csv``, or ``mnist_train.csv``: a label, then 784 pixels).

Every reader checks what it reads and returns a DigitSet (nn_core/data.py): one image per row, uint8.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import os
import struct
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np

from nn_core.data import PIXELS, SIDE, DigitSet

# The Keras copy of MNIST: one .npz with x_train (60000, 28, 28), y_train, x_test, y_test, all uint8.
# Both addresses have served the same 11,490,434-byte file; the sha256 is the one Keras checks
# (keras/src/datasets/mnist.py, `file_hash=`).
MNIST_MIRRORS: tuple[str, ...] = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
    "https://s3.amazonaws.com/img-datasets/mnist.npz",
)
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_BYTES = 11_490_434



# ---------------------------------------------------------------------------------------------------------
# Checking arrays, whatever file they came from
# ---------------------------------------------------------------------------------------------------------


def _whole_numbers(values, low, high, what):
    """Return `values` as uint8 after checking they are whole numbers from low to high."""
    if not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"{what} must be whole numbers from {low} to {high}, but they are {values.dtype}.")
    if values.size and (values.min() < low or values.max() > high):
        raise ValueError(
            f"{what} must lie between {low} and {high}, but they go from {values.min()} to {values.max()}."
        )
    return values.astype(np.uint8, copy=False)


def _checked_digits(images, labels, what):
    """Check a pair of image and label arrays; return images (n, 784) uint8 and labels (n,) uint8."""
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim == 3 and images.shape[1:] == (SIDE, SIDE):
        images = images.reshape(len(images), PIXELS)  # (n, 28, 28) -> (n, 784): one image per row
    if images.ndim != 2 or images.shape[1] != PIXELS:
        raise ValueError(f"{what}: images have shape {images.shape}; expected (n, 28, 28) or (n, 784).")
    if len(images) == 0:
        raise ValueError(f"{what}: there are no images in it.")
    if labels.shape != (len(images),):
        raise ValueError(
            f"{what}: {len(images):,} images but labels of shape {labels.shape}; expected ({len(images)},)."
        )
    images = images if images.dtype == np.uint8 else _whole_numbers(images, 0, 255, f"{what}: pixels")
    return images, _whole_numbers(labels, 0, 9, f"{what}: labels")


def _read_npz(path, keys):
    """Read the arrays `keys` from an .npz file, or explain in a ValueError why that is not possible."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"There is no file at {path}.")
    try:
        with open(path, "rb") as file:
            start = file.read(4)
    except OSError as error:
        raise ValueError(f"{path} could not be opened ({error.strerror or error}).") from error
    if start != b"PK\x03\x04":  # an .npz is a zip archive of .npy arrays
        raise ValueError(f"{path} is not an .npz file (an .npz is a zip archive of named arrays).")
    try:
        with np.load(path, allow_pickle=False) as archive:
            found = archive.files
            arrays = {key: archive[key] for key in keys if key in found}
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise ValueError(f"{path} could not be read; it may be damaged or incomplete ({error}).") from error
    except ValueError as error:
        raise ValueError(f"{path} could not be read: {error}") from error
    missing = [key for key in keys if key not in arrays]
    if missing:
        raise ValueError(
            f"{path} holds the arrays {', '.join(found) or 'none'}, but not {', '.join(missing)} "
            f"(expected {', '.join(keys)})."
        )
    return arrays


# ---------------------------------------------------------------------------------------------------------
# Full MNIST: a Keras-style mnist.npz, or the four official IDX files
# ---------------------------------------------------------------------------------------------------------


def _full_mnist(x_train, y_train, x_test, y_test, where):
    """Check the four MNIST arrays and wrap them in a DigitSet."""
    images, labels = _checked_digits(x_train, y_train, f"{where} (training set)")
    test_images, test_labels = _checked_digits(x_test, y_test, f"{where} (test set)")
    # Name the file, not its whole path: the description is shown on a projector.
    description = (f"Full MNIST ({len(labels):,} training + {len(test_labels):,} test digits) "
                   f"from {Path(where).name}")
    return DigitSet(images, labels, test_images, test_labels, "full MNIST", description)


def load_mnist_npz(path) -> DigitSet:
    """Load the full MNIST from a Keras-style mnist.npz.

    The archive holds x_train (60000, 28, 28), y_train (60000,), x_test (10000, 28, 28), y_test (10000,),
    all uint8. Each 28 x 28 image is flattened to one row of 784 pixels.
    """
    arrays = _read_npz(path, ("x_train", "y_train", "x_test", "y_test"))
    return _full_mnist(arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"], path)


_IDX_FILES = {  # name of each official file -> (magic number, number of dimensions)
    "train-images-idx3-ubyte": (2051, 3),
    "train-labels-idx1-ubyte": (2049, 1),
    "t10k-images-idx3-ubyte": (2051, 3),
    "t10k-labels-idx1-ubyte": (2049, 1),
}


def _find_idx_file(folder, name):
    """The IDX file `name` in `folder`, gzipped or not (also the common 'train-images.idx3-ubyte' spelling)."""
    dotted = name.replace("-idx", ".idx")
    for candidate in (f"{name}.gz", name, f"{dotted}.gz", dotted):
        if (folder / candidate).is_file():
            return folder / candidate
    return None


def _read_idx(path, magic, ndim):
    """Read one IDX file: a big-endian header (magic number, then each dimension's size), then uint8 data."""
    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as file:
            raw = bytearray(file.read())
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"{path.name} could not be read: {error}.") from error
    header_size = 4 + 4 * ndim
    if len(raw) < header_size or struct.unpack(">I", raw[:4])[0] != magic:
        raise ValueError(f"{path.name} is not an IDX file of this kind (it should start with the number {magic}).")
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    data = np.frombuffer(raw, dtype=np.uint8, offset=header_size)
    if data.size != np.prod(shape):
        raise ValueError(
            f"{path.name} announces {int(np.prod(shape)):,} bytes of data but holds {data.size:,}: "
            "the file is cut short or damaged."
        )
    return data.reshape(shape)


def load_mnist_idx(folder) -> DigitSet:
    """Load the full MNIST from a folder holding the four official IDX files.

    The files are train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
    t10k-labels-idx1-ubyte, each either gzipped (.gz, as published) or already unpacked.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"There is no folder at {folder}.")
    paths = {name: _find_idx_file(folder, name) for name in _IDX_FILES}
    missing = [name for name, path in paths.items() if path is None]
    if missing:
        raise ValueError(f"{folder} is missing the MNIST files {', '.join(missing)} (with or without .gz).")
    arrays = [_read_idx(paths[name], *_IDX_FILES[name]) for name in _IDX_FILES]
    return _full_mnist(*arrays, folder)


def load_full_mnist(path) -> DigitSet:
    """Load the full MNIST from `path`: a Keras-style .npz file, or a folder of the four IDX files."""
    path = Path(path)
    if path.is_dir():
        return load_mnist_idx(path)
    if path.is_file():
        return load_mnist_npz(path)
    raise ValueError(f"Nothing found at {path}: expected a Keras-style mnist.npz or a folder of MNIST IDX files.")


# ---------------------------------------------------------------------------------------------------------
# The bundled sample, and choosing the best digits available
# ---------------------------------------------------------------------------------------------------------


def load_sample(path) -> DigitSet:
    """Load the bundled sample: 10,000 real MNIST training digits, keys `images` (n, 784) and `labels` (n,)."""
    arrays = _read_npz(path, ("images", "labels"))
    images, labels = _checked_digits(arrays["images"], arrays["labels"], Path(path).name)
    description = f"Bundled sample: {len(labels):,} real MNIST training digits that ship with the app"
    return DigitSet(images, labels, None, None, "bundled sample", description)


def load_default(data_dir, environ=None) -> DigitSet:
    """Load the best digits available, and say in `.warning` why a better source was skipped.

    Preference: 1. the file or folder named by the environment variable MNIST_PATH; 2. mnist.npz in
    `data_dir` (for example after a download); 3. the bundled sample mnist_sample.npz in `data_dir`.
    A source that exists but cannot be read is skipped for the next one. If none of them can be read,
    a ValueError says what was tried and why each failed.
    """
    environ = os.environ if environ is None else environ
    data_dir = Path(data_dir)
    skipped = []
    mnist_path = environ.get("MNIST_PATH", "").strip()
    if mnist_path:
        try:
            return load_full_mnist(mnist_path)
        except ValueError as error:
            skipped.append(f"MNIST_PATH is set to {mnist_path}, but it could not be used: {error}")
    if (data_dir / "mnist.npz").exists():
        try:
            return _with_warning(load_full_mnist(data_dir / "mnist.npz"), skipped)
        except ValueError as error:
            skipped.append(f"The MNIST copy in the data folder could not be used: {error}")
    try:
        return _with_warning(load_sample(data_dir / "mnist_sample.npz"), skipped)
    except ValueError as error:
        raise ValueError(
            " ".join(["No digits to learn from.", *skipped, f"The bundled sample is missing or broken: {error}"])
        ) from error


def _with_warning(data, skipped):
    """Attach the reasons for skipping better sources to the digits we settled on."""
    if not skipped:
        return data
    return replace(data, warning=" ".join([*skipped, f"Using the {data.source} instead."]))


# ---------------------------------------------------------------------------------------------------------
# Digits from a CSV file: a label, then 784 pixels, one digit per line
# ---------------------------------------------------------------------------------------------------------

_CHUNK_ROWS = 5_000  # parse a big CSV a slice at a time, so memory stays small


def read_digits_csv(file, max_bytes=100_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Read labelled digits from a CSV: each line a label (0..9), then 784 pixel values (0..255).

    Accepts Kaggle's digit-recognizer train.csv (header `label,pixel0,...,pixel783`) and the common
    mnist_train.csv (no header, or a header of names). `file` is a path, bytes, or an open file.
    Returns images, ndarray of shape (n, 784) uint8, and labels, ndarray of shape (n,) uint8.
    Anything else raises a ValueError naming the line and column at fault.
    """
    raw = _csv_bytes(file, max_bytes)
    lines = _numbered_lines(raw)
    names = _header_names(lines[0][1])
    rows = lines[1:] if names else lines
    _check_column_counts(lines, names)
    if not rows:
        raise ValueError("The file has a header line but no digits below it.")
    names = names or ["label"] + [f"pixel{k}" for k in range(PIXELS)]
    line_numbers = [number for number, _ in rows]
    body = b"\n".join(line for _, line in rows)
    table = np.concatenate([_chunk_to_uint8(chunk, line_numbers, names) for chunk in _csv_chunks(body)])
    return np.ascontiguousarray(table[:, 1:]), table[:, 0].copy()


def digitset_from_csv(file, name="uploaded CSV") -> DigitSet:
    """Read a CSV of labelled digits (see read_digits_csv) into a DigitSet; a CSV brings no test set."""
    images, labels = read_digits_csv(file)
    return DigitSet(images, labels, None, None, "uploaded CSV", f"{len(labels):,} labelled digits from {name}")


def _too_big(size, max_bytes):
    """The error for a file over the limit; `size` in bytes, or None when we stopped reading early."""
    found = f"{size / 1_000_000:.3g} MB, " if size is not None else ""
    return ValueError(
        f"The file is {found}over the {max_bytes / 1_000_000:g} MB limit. "
        "Upload fewer digits: a few thousand lines are plenty to train on."
    )


def _csv_bytes(file, max_bytes):
    """The raw bytes of `file` (path, bytes or open file), refusing a file over max_bytes before parsing."""
    if isinstance(file, (bytes, bytearray, memoryview)):
        raw = bytes(file)
    elif isinstance(file, (str, os.PathLike)):
        path = Path(file)
        if not path.is_file():
            raise ValueError(f"There is no file at {path}.")
        if path.stat().st_size > max_bytes:
            raise _too_big(path.stat().st_size, max_bytes)
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise ValueError(f"{path} could not be opened ({error.strerror or error}).") from error
    elif hasattr(file, "read"):
        if hasattr(file, "seek"):
            size = file.seek(0, io.SEEK_END)  # seek returns the new position: here, the size
            file.seek(0)  # read from the start, even if someone read it before
            if size > max_bytes:
                raise _too_big(size, max_bytes)
        raw = file.read(max_bytes + 1)  # one byte more than allowed is enough to know it is too big
        raw = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    else:
        raise ValueError(f"Cannot read digits from a {type(file).__name__}: give a path, bytes or an open file.")
    if len(raw) > max_bytes:
        raise _too_big(len(raw) if isinstance(file, (bytes, bytearray, memoryview)) else None, max_bytes)
    return raw


def _numbered_lines(raw):
    """Split CSV bytes into (line number, line) pairs, skipping blank lines; refuse empty or binary files."""
    raw = raw.removeprefix(codecs.BOM_UTF8)  # spreadsheet programs often start a CSV with this mark
    if not raw.strip():
        raise ValueError("The file is empty: expected lines of a label followed by 784 pixel values.")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw[:4096])
        is_text = b"\x00" not in raw
    except UnicodeDecodeError:
        is_text = False
    if not is_text:
        raise ValueError(
            "This is not a CSV text file (it holds binary data, like an image or a spreadsheet). "
            "Save the digits as CSV: one digit per line, the label then 784 pixel values, separated by commas."
        )
    return [(number, line) for number, line in enumerate(raw.splitlines(), start=1) if line.strip()]


def _is_number(field):
    try:
        float(field.strip().strip(b"\"'"))
        return True
    except ValueError:
        return False


def _header_names(first_line):
    """The column names if the first line is a header (no field is a number), else None."""
    fields = first_line.split(b",")
    if not all(field.strip() and not _is_number(field) for field in fields):
        return None
    return [field.strip().strip(b"\"'").decode("utf-8", "replace") for field in fields]


def _check_column_counts(lines, names):
    """Every line must have 785 comma-separated values: the label, then 784 pixels."""
    for number, line in lines:
        found = line.count(b",") + 1
        if found == PIXELS + 1:
            continue
        if found == PIXELS and number == lines[0][0]:
            kaggle = " It looks like Kaggle's test.csv, which has no labels." if names else ""
            raise ValueError(
                f"This file has 784 columns: the pixels of each image, but no label column.{kaggle} "
                "To learn, the network needs the right answer for every image: use a file whose first "
                "column is the label (like Kaggle's train.csv)."
            )
        hint = ""
        if found == 1 and (b";" in line or b"\t" in line):
            hint = " The values seem to be separated by ';' or tabs; they must be separated by commas."
        raise ValueError(
            f"Line {number} has {found} column{'s' if found > 1 else ''}, but 785 were expected: "
            f"the label, then 784 pixel values (28 x 28).{hint}"
        )


def _csv_chunks(body):
    """Parse the CSV rows with pandas, a few thousand at a time."""
    import pandas as pd  # here, not at the top: a training worker imports nn_core and never reads a CSV

    try:
        # latin-1 decodes any byte, so a stray character shows up below as text in a number column
        yield from pd.read_csv(io.BytesIO(body), header=None, encoding="latin-1", chunksize=_CHUNK_ROWS)
    except pd.errors.ParserError as error:
        raise ValueError(f"The file could not be read as CSV: {error}") from error


def _chunk_to_uint8(chunk, line_numbers, names):
    """Check one slice of parsed rows and return it as a uint8 table (rows, 785): label, then pixels."""

    def where(row, column):  # `row` counts digits from 0 over the whole file
        return f"Line {line_numbers[row]}, column {column + 1} ({names[column]})"

    for column in chunk.columns:
        if not _is_numeric(chunk[column]):
            chunk[column] = _text_to_numbers(chunk[column], lambda row, c=column: where(row, c))
    table = chunk.to_numpy(dtype=np.float64)  # (rows, 785)
    highest = np.r_[9, np.full(PIXELS, 255)]  # the label goes up to 9, each pixel up to 255
    checks = (
        (np.isnan(table), "is empty; every label and pixel needs a value"),
        (table != np.round(table), "is {value:g}, but labels and pixels must be whole numbers"),
        ((table < 0) | (table > highest), "is {value:g}, but {rule}"),
    )
    for problem, message in checks:
        if problem.any():
            row, column = np.argwhere(problem)[0]
            rule = "a label is a digit from 0 to 9" if column == 0 else "pixels go from 0 (black) to 255 (white)"
            value = table[row, column]
            raise ValueError(f"{where(chunk.index[row], column)} {message.format(value=value, rule=rule)}.")
    return table.astype(np.uint8)


def _is_numeric(values):
    import pandas as pd

    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _text_to_numbers(values, where):
    """Turn a column pandas read as text into numbers, or name the first cell that is not a number."""
    import pandas as pd

    numbers = pd.to_numeric(values.astype(str).where(values.notna()), errors="coerce")
    text = numbers.isna() & values.notna()
    if text.any():
        row = text.idxmax()
        raise ValueError(f"{where(row)}: found {str(values[row]).strip()!r}, but a number was expected.")
    return numbers


# ---------------------------------------------------------------------------------------------------------
# Downloading the full MNIST
# ---------------------------------------------------------------------------------------------------------


class DownloadError(ValueError):
    """The download did not give us a good MNIST file; whatever was there before is untouched."""


class _NoConnectionError(DownloadError):
    """Could not reach the server at all."""


def download_mnist(dest, progress=None, mirrors=MNIST_MIRRORS, sha256=MNIST_SHA256, timeout=30) -> Path:
    """Download the Keras-style mnist.npz to `dest`, trying each mirror in turn; return `dest`.

    The file goes to a temporary name beside `dest` and is renamed onto `dest` only once its sha256 is
    right, so `dest` never holds a partial or wrong file. progress(bytes_done, bytes_total_or_None) is
    called as the bytes arrive. Raises DownloadError (a ValueError) explaining what went wrong.
    """
    dest = Path(dest)
    if not mirrors:
        raise DownloadError("No download address was given.")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f"{dest.name}.", suffix=".part", dir=dest.parent)
        os.close(handle)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the finished file should read like any other
    except OSError as error:
        raise DownloadError(
            f"Cannot save a download in {dest.parent} ({error.strerror or error}): the folder is not writable. "
            "The app keeps using the data it has."
        ) from error
    temporary = Path(temporary)
    problems = []
    try:
        for url in mirrors:
            try:
                digest = _fetch(url, temporary, progress, timeout)
                if digest != sha256.lower():
                    raise DownloadError(
                        f"the file is not the expected MNIST (its sha256 is {digest}, expected {sha256.lower()})"
                    )
            except DownloadError as error:
                problems.append((url, error))
                continue
            os.replace(temporary, dest)
            return dest
    except OSError as error:
        raise DownloadError(f"Could not save the download as {dest} ({error.strerror or error}).") from error
    finally:
        temporary.unlink(missing_ok=True)
    raise _download_failure(problems)


def _download_failure(problems):
    """One error summing up why every mirror failed."""
    details = "; ".join(f"{url}: {error}" for url, error in problems)
    if all(isinstance(error, _NoConnectionError) for _, error in problems):
        return DownloadError(f"No internet connection: the app keeps using the data it has. ({details})")
    return DownloadError(f"The download of MNIST failed, so the app keeps using the data it has. ({details})")


def _fetch(url, path, progress, timeout):
    """Stream `url` into the file `path` and return the sha256 of what arrived; DownloadError on failure."""
    try:
        # a fresh opener each time, so proxy settings are read from the environment as it is now
        response = urllib.request.build_opener().open(url, timeout=timeout)
    except urllib.error.HTTPError as error:
        raise DownloadError(f"the server answered {error.code} {error.reason}") from error
    except OSError as error:  # includes URLError: no network, unknown host, connection refused, timeout
        raise _NoConnectionError(f"could not connect ({getattr(error, 'reason', error)})") from error
    length = response.headers.get("Content-Length", "")
    total = int(length) if length.isdigit() else None
    digest, done = hashlib.sha256(), 0
    with response, open(path, "wb") as out:
        if progress is not None:
            progress(0, total)
        while True:
            try:
                chunk = response.read(64 * 1024)
            except OSError as error:  # connection reset or timed out midway
                raise DownloadError(f"the download was cut off after {done:,} bytes ({error})") from error
            if not chunk:
                break
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    if total is not None and done < total:
        raise DownloadError(f"the download was cut off: got {done:,} of {total:,} bytes")
    return digest.hexdigest()
