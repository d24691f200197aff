"""Tests for nn_core/preprocessing.py: a canvas drawing becomes a column the network can read."""

import os
from pathlib import Path

import numpy as np
import pytest

from nn_core.preprocessing import EmptyCanvasError, area_weights, canvas_to_input

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "mnist_sample.npz"


def blank(size=280):
    """A black, opaque canvas of shape (size, size, 4), uint8."""
    canvas = np.zeros((size, size, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    return canvas


def paint(canvas, rows, cols, value=255):
    """Paint the rectangle canvas[rows, cols] white (or grey), as a thick stroke would."""
    canvas[rows, cols, :3] = value
    return canvas


def seven(top=20, left=30):
    """A thick, lopsided '7' in the upper-left part of the canvas: most ink is near its top."""
    canvas = blank()
    paint(canvas, slice(top, top + 25), slice(left, left + 120))  # the bar
    paint(canvas, slice(top, top + 150), slice(left + 95, left + 120))  # the stem
    return canvas


def centre_of_mass(image):
    """(row, column) of the centre of mass of a 2-D image."""
    i = np.arange(image.shape[0])
    j = np.arange(image.shape[1])
    return (image.sum(axis=1) @ i) / image.sum(), (image.sum(axis=0) @ j) / image.sum()


def ink_extent(image, threshold=0.05):
    """Height and width of the rectangle holding the pixels above threshold."""
    rows = np.flatnonzero((image > threshold).any(axis=1))
    cols = np.flatnonzero((image > threshold).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_output_is_one_column_of_float32_in_0_1():
    x = canvas_to_input(seven())
    assert x.shape == (784, 1)
    assert x.dtype == np.float32
    assert x.min() >= 0 and x.max() <= 1
    assert x.max() > 0.9  # the solid stroke stays white


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((280, 280, 4)),  # floats, not uint8
        np.zeros((280, 280, 4), dtype=bool),
        np.zeros((280, 280, 2), dtype=np.uint8),
        np.zeros(784, dtype=np.uint8),
        np.zeros((1, 280, 280, 4), dtype=np.uint8),
        np.zeros((0, 280), dtype=np.uint8),
    ],
)
def test_bad_images_raise_a_clear_value_error(image):
    with pytest.raises(ValueError, match="image"):
        canvas_to_input(image)


def test_empty_and_nearly_empty_canvases_raise():
    nearly = paint(blank(), slice(100, 101), slice(100, 103))  # three white pixels
    faint = blank()
    faint[..., :3] = 10  # a faint grey haze, no stroke
    for canvas in (blank(), nearly, faint):
        with pytest.raises(EmptyCanvasError, match="empty"):
            canvas_to_input(canvas)


def test_only_an_empty_canvas_raises_the_empty_canvas_error():
    # A page tells "nothing drawn yet" (a hint) from a broken image (an error) by this class alone.
    assert issubclass(EmptyCanvasError, ValueError)
    with pytest.raises(ValueError) as broken:
        canvas_to_input(np.zeros((280, 280, 2), dtype=np.uint8))
    assert not isinstance(broken.value, EmptyCanvasError)


def test_transparent_background_works_like_black():
    opaque = seven()
    grey = opaque[..., 0]
    transparent = np.zeros_like(opaque)
    transparent[..., :3] = 255  # white everywhere; only the alpha channel holds the drawing
    transparent[..., 3] = grey
    expected = canvas_to_input(opaque[..., :3])
    np.testing.assert_allclose(canvas_to_input(transparent), expected, atol=1e-5)
    np.testing.assert_allclose(canvas_to_input(grey), expected, atol=1e-5)


def test_off_centre_stroke_ends_up_with_its_centre_of_mass_in_the_middle():
    x = canvas_to_input(seven(top=5, left=10))
    cy, cx = centre_of_mass(x.reshape(28, 28))
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_aspect_ratio_is_kept_for_a_thin_one():
    canvas = paint(blank(), slice(40, 240), slice(200, 214))  # a tall, thin "1", off to the right
    h, w = ink_extent(canvas_to_input(canvas).reshape(28, 28))
    assert h == 20
    assert w <= 3


def test_a_tiny_dot_is_scaled_up_to_fill_the_box():
    canvas = paint(blank(), slice(50, 56), slice(70, 73))  # 6 x 3 pixels
    _, steps = canvas_to_input(canvas, return_steps=True)
    assert steps["scaled to fit 20 x 20"].shape == (20, 10)


def test_area_weights_average_and_keep_the_total_ink():
    for n_out, n_in in [(20, 280), (20, 37), (20, 3), (7, 7)]:
        R = area_weights(n_out, n_in)
        assert R.shape == (n_out, n_in)
        np.testing.assert_allclose(R.sum(axis=1), 1, atol=1e-6)  # each output is an average
        np.testing.assert_allclose(R.sum(), n_out, rtol=1e-6)
        line = np.arange(n_in, dtype=np.float32)
        np.testing.assert_allclose((R @ line).sum() * n_in / n_out, line.sum(), rtol=1e-5)
    np.testing.assert_allclose(area_weights(7, 7), np.eye(7), atol=1e-6)


def test_steps_show_every_stage_and_end_with_the_input():
    x, steps = canvas_to_input(seven(), return_steps=True)
    assert list(steps) == [
        "canvas (grey)",
        "cropped to the ink",
        "scaled to fit 20 x 20",
        "centred by mass (28 x 28)",
    ]
    assert steps["canvas (grey)"].shape == (280, 280)
    assert steps["cropped to the ink"].shape == (150, 120)
    assert steps["scaled to fit 20 x 20"].shape == (20, 16)
    for image in steps.values():
        assert image.ndim == 2 and image.min() >= 0 and image.max() <= 1
    np.testing.assert_array_equal(list(steps.values())[-1], x.reshape(28, 28))
    _, steps = canvas_to_input(seven(), center=False, return_steps=True)
    assert list(steps)[-1] == "centred by box (28 x 28)"


def test_centring_by_box_differs_from_centring_by_mass():
    by_mass = canvas_to_input(seven()).reshape(28, 28)
    by_box = canvas_to_input(seven(), center=False).reshape(28, 28)
    assert not np.allclose(by_mass, by_box)
    rows = np.flatnonzero(by_box.any(axis=1))
    cols = np.flatnonzero(by_box.any(axis=0))
    assert abs((rows[0] + rows[-1]) / 2 - 14) <= 0.5 and abs((cols[0] + cols[-1]) / 2 - 14) <= 0.5
    cy, _ = centre_of_mass(by_box)
    assert cy < 13  # the 7's heavy bar pulls its mass up, away from the middle


def load_real_digits(n):
    """The first n MNIST digits as (n, 28, 28) uint8: the bundled sample, else MNIST_PATH."""
    if SAMPLE.exists():
        with np.load(SAMPLE) as data:
            return data["images"][:n].reshape(n, 28, 28)
    if os.environ.get("MNIST_PATH"):
        with np.load(os.environ["MNIST_PATH"]) as data:
            return data["x_test"][:n]
    pytest.skip("needs data/mnist_sample.npz or MNIST_PATH for real digits")


def bilinear(n_out, n_in):
    """An (n_out, n_in) matrix that enlarges a line by linear interpolation, as a browser does."""
    pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    i0 = np.floor(pos).astype(int)
    i1 = np.minimum(i0 + 1, n_in - 1)
    M = np.zeros((n_out, n_in))
    M[np.arange(n_out), i0] += 1 - (pos - i0)
    M[np.arange(n_out), i1] += pos - i0
    return M


def as_canvas(digit):
    """Draw a (28, 28) uint8 digit on a (280, 280, 4) canvas image, smooth edges, opaque black."""
    U = bilinear(280, 28)
    grey = np.round(U @ digit @ U.T).clip(0, 255).astype(np.uint8)
    canvas = blank()
    canvas[..., :3] = grey[..., None]
    return canvas


def test_real_digits_survive_the_trip_through_the_canvas():
    digits = load_real_digits(300)
    by_mass, by_box = [], []
    for digit in digits:
        original = digit.reshape(784) / 255
        canvas = as_canvas(digit)
        by_mass.append(np.corrcoef(canvas_to_input(canvas)[:, 0], original)[0, 1])
        by_box.append(np.corrcoef(canvas_to_input(canvas, center=False)[:, 0], original)[0, 1])
    assert np.mean(by_mass) > 0.9
    assert np.mean(by_box) < np.mean(by_mass) - 0.1  # why the centre of mass matters
