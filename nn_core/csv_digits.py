"""Digits from a CSV file, as a student uploads it: a label, then 784 pixels, one digit per line.

Kaggle's digit-recognizer `train.csv` (a header `label,pixel0,...,pixel783`) and the common `mnist_train.csv`
(label first, with or without a header) are read; anything else is refused with a message that names the line
or the column that is wrong, never a traceback. A big file is parsed a slice of rows at a time.
"""

from __future__ import annotations

import codecs
import io
import os
from pathlib import Path

import numpy as np

from nn_core.data import PIXELS, DigitSet

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
