"""What the Data page computes and draws from the digits: the table as pandas shows it, counts per class
and pixel values (cached once per set of digits), examples of one digit, and their pictures.
"""

import hashlib

import numpy as np
import streamlit as st

from dashboard import tables
from dashboard.colours import ORANGE
from dashboard.pictures import bar_picture
from nn_core.data import PIXELS, SIDE, DigitSet

DIGITS = list(range(10))
GRID_DIGIT = "data_grid_digit"
GRID_SEED = "data_grid_seed"
ENLARGED = "data_enlarged"
DEV_SIZE = "data_dev_size"


def bigger(image, scale=4):
    """A 28 x 28 image with every pixel repeated scale x scale times, so it stays sharp when shown larger."""
    return np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)


def head_table(data: DigitSet, rows=5):
    """What `pd.read_csv("train.csv").head()` shows, as an HTML table (tables.html_table): a label column, then
    pixel0 ... pixel783.

    Only the first `rows` digits become a table; the whole one would be (m, 785).
    """
    return tables.html_table(np.column_stack([data.labels[:rows], data.images[:rows]]),
                             ["label"] + [f"pixel{k}" for k in range(PIXELS)])


def digits_fingerprint(data: DigitSet):
    """A cheap key that tells two sets of digits apart: where they came from, their labels, some pixels."""
    some_rows = data.images[:: max(1, len(data.images) // 500)]
    digest = hashlib.sha1(data.labels.tobytes() + some_rows.tobytes()).hexdigest()
    return data.source, data.description, digest


@st.cache_resource(max_entries=4, show_spinner="Counting digits and pixels...")
def statistics(key, _data: DigitSet):
    """Digits per class (10,), how often each pixel value 0..255 occurs (256,), the average image of each class.

    Cached once per set of digits (`key` is its fingerprint): on full MNIST this reads 47 million pixels.
    """
    images, labels = _data.images, _data.labels
    per_class = np.bincount(labels, minlength=10)
    pixel_counts = np.zeros(256, dtype=np.int64)
    for start in range(0, len(images), 1000):  # a slice at a time: bincount on all 47 M at once is slow
        pixel_counts += np.bincount(images[start:start + 1000].ravel(), minlength=256)
    averages = np.zeros((10, SIDE, SIDE))
    for digit in DIGITS:
        if per_class[digit]:
            averages[digit] = images[labels == digit].mean(axis=0).reshape(SIDE, SIDE)
    return per_class, pixel_counts, averages


def pick_examples(labels, digit, count, seed):
    """Positions of `count` random digits (of every class, or only of `digit`); the same seed gives the same."""
    pool = np.arange(len(labels)) if digit == "all" else np.flatnonzero(labels == digit)
    return np.random.default_rng(seed).choice(pool, size=min(count, len(pool)), replace=False)


def reshuffle():
    """Draw another random set of digits for the grid."""
    st.session_state[GRID_SEED] = st.session_state.get(GRID_SEED, 0) + 1


def pixel_grid(image, cell=30):
    """One 28 x 28 image (uint8) as an SVG picture (text, for st.image) with its 784 values printed in the cells:
    each cell is grey at its own value, 0 black and 255 white, with the row and column numbers along the edges.
    A picture, not a plotly chart: 784 numbers drawn as text by the browser at once, not placed one by one."""
    side = image.shape[0]
    margin = 34
    size = margin + side * cell
    cells, numbers, edges = [], [], []
    for r in range(side):
        for c in range(side):
            v = int(image[r, c])
            x, y = margin + c * cell, margin + r * cell
            cells.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="rgb({v},{v},{v})"/>')
            ink = "#000" if v >= 128 else "#fff"  # dark text on light cells, light on dark
            numbers.append(f'<text x="{x + cell / 2}" y="{y + cell / 2 + 5}" fill="{ink}">{v}</text>')
    for k in range(side):
        middle = margin + k * cell + cell / 2
        edges.append(f'<text x="{middle}" y="{margin - 10}">{k}</text>')  # column numbers, on top
        edges.append(f'<text x="{margin / 2}" y="{middle + 5}">{k}</text>')  # row numbers, on the left
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
            f'font-family="sans-serif" text-anchor="middle"><rect width="{size}" height="{size}" fill="white"/>'
            f'{"".join(cells)}<g font-size="15">{"".join(numbers)}</g>'
            f'<g font-size="16" fill="#262730">{"".join(edges)}</g></svg>')


def class_counts_chart(per_class, width=640, height=420):
    """How many digits of each class there are, as a picture (bar_picture), each count printed on its bar. width,
    height : in the picture's units."""
    return bar_picture(per_class, "Digits per class", "digit (label)", "number of images",
                       labels=[str(k) for k in range(10)], texts=[f"{n:,}" for n in per_class], width=width,
                       height=height)


def pixel_histogram(pixel_counts, width=640, height=420):
    """How often each pixel value 0..255 occurs, on a log scale (most pixels are 0: black background), as a
    picture (bar_picture). width, height : in the picture's units."""
    return bar_picture(pixel_counts, "Pixel values over all images", "pixel value (0 black ... 255 white)",
                       "number of pixels (log scale)", colours=ORANGE, log=True,
                       ticks={value: str(value) for value in (0, 50, 100, 150, 200, 255)}, width=width, height=height)
