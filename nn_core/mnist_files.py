"""Where the digits come from: MNIST's file formats, CSV files, and the checked download.

Best first:

1. the full MNIST (60,000 training + 10,000 test digits), from a Keras-style ``mnist.npz`` or a folder with
   the four official IDX files; found through the ``MNIST_PATH`` environment variable or ``data/mnist.npz``;
2. the bundled sample: 10,000 real MNIST training digits that ship with the app, so it works offline;
3. a CSV a student uploads (Kaggle's ``train.csv``, or ``mnist_train.csv``: a label, then 784 pixels),
   read by nn_core/csv_digits.py.

Every reader checks what it reads and returns a DigitSet (nn_core/data.py): one image per row, uint8.
"""

from __future__ import annotations

import gzip
import hashlib
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

from nn_core.csv_digits import digitset_from_csv, read_digits_csv  # noqa: F401 (the CSV readers' old home)
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
