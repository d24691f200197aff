"""Tests for nn_core/preprocessing.py: a canvas drawing becomes a column the network can read."""

import os
from pathlib import Path

import numpy as np
import pytest

from nn_core import preprocessing
from nn_core.preprocessing import (
    EmptyCanvasError,
    area_weights,
    canvas_to_input,
    move_digit,
    rotate,
    shift,
    thicken,
)

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



# ---------------------------------------------------------------------------------------------------------
# Moving, turning and thickening the 784 numbers
# ---------------------------------------------------------------------------------------------------------


def drawn_digits():
    """Two drawings as the network reads them, X of shape (784, 2): a boxy 0 and a 1, with black all round."""
    zero = paint(blank(), slice(40, 240), slice(70, 210))
    paint(zero, slice(70, 210), slice(100, 180), 0)  # hollow it out
    one = paint(blank(), slice(40, 240), slice(120, 150))
    return np.hstack([canvas_to_input(zero), canvas_to_input(one)])


@pytest.mark.parametrize("right, down", [(1, 0), (3, 0), (-3, 0), (0, 2), (0, -4), (2, -2), (-3, 3)])
def test_a_shift_by_k_pixels_moves_the_centre_of_mass_by_k(right, down):
    X = drawn_digits()
    moved = shift(X, right, down)
    assert moved.shape == X.shape and moved.dtype == X.dtype
    np.testing.assert_allclose(moved.sum(axis=0), X.sum(axis=0), rtol=1e-6)  # no ink left the field
    rows, cols = preprocessing.centre_of_mass(X)
    moved_rows, moved_cols = preprocessing.centre_of_mass(moved)
    np.testing.assert_allclose(moved_rows - rows, down, atol=1e-6)
    np.testing.assert_allclose(moved_cols - cols, right, atol=1e-6)
    np.testing.assert_array_equal(shift(moved, -right, -down), X)  # and back: every number was only moved


def test_a_shift_agrees_with_the_centre_of_mass_of_the_test_helpers():
    x = canvas_to_input(seven())
    cy, cx = centre_of_mass(x.reshape(28, 28))
    my, mx = centre_of_mass(shift(x, 4, -3).reshape(28, 28))
    assert (my - cy, mx - cx) == pytest.approx((-3, 4))


def test_ink_pushed_out_of_the_field_is_lost_and_no_shift_changes_nothing():
    X = drawn_digits()
    np.testing.assert_array_equal(shift(X, 0, 0), X)
    assert shift(X, 28, 0).sum() == 0 and shift(X, 0, -40).sum() == 0
    assert 0 < shift(X, 10, 0).sum() < X.sum()


def test_rotation_keeps_the_ink_and_its_centre_and_turns_a_bar():
    X = drawn_digits()
    for degrees in (-30, -10, 15, 30):
        turned = rotate(X, degrees)
        assert turned.shape == X.shape and turned.dtype == X.dtype
        np.testing.assert_allclose(turned.sum(axis=0), X.sum(axis=0), rtol=0.1)  # ink kept, roughly
        for before, after in zip(preprocessing.centre_of_mass(X), preprocessing.centre_of_mass(turned), strict=True):
            np.testing.assert_allclose(after, before, atol=0.3)  # turned about its own centre of mass
        assert not np.allclose(turned, X)
    np.testing.assert_allclose(rotate(X, 0), X, atol=1e-6)
    bar = np.zeros((28, 28), dtype=np.float32)
    bar[14, 6:23] = 1  # a horizontal bar through the middle
    upright = rotate(bar.reshape(784, 1), 90).reshape(28, 28)
    h, w = ink_extent(upright, 0.5)
    assert h >= 15 and w <= 2  # now it stands up
    turned_left = rotate(bar.reshape(784, 1), 30).reshape(28, 28)
    assert turned_left[10, 21] > 0.3 and turned_left[18, 21] < 0.05  # anticlockwise: the right end goes up


def test_thicker_strokes_hold_more_ink_and_thinner_ones_less():
    X = drawn_digits()
    ink = X.sum(axis=0)
    thick, thicker = thicken(X, 1), thicken(X, 2)
    thin = thicken(X, -1)
    assert np.all(thick.sum(axis=0) > 1.2 * ink) and np.all(thicker.sum(axis=0) > thick.sum(axis=0))
    assert np.all(thin.sum(axis=0) < 0.8 * ink)
    assert np.all(thick >= X) and np.all(thin <= X)  # a max filter only adds, a min filter only removes
    np.testing.assert_array_equal(thicken(X, 0), X)
    assert thick.shape == X.shape and thick.dtype == X.dtype
    bar = np.zeros((28, 28), dtype=np.float32)
    bar[10:20, 13:16] = 1  # 3 pixels wide
    assert ink_extent(thicken(bar.reshape(784, 1), 1).reshape(28, 28))[1] == 5  # one more on each side
    assert ink_extent(thicken(bar.reshape(784, 1), -1).reshape(28, 28))[1] == 1


def test_move_digit_combines_the_three_and_checks_the_shape():
    X = drawn_digits()
    np.testing.assert_array_equal(move_digit(X), X)
    np.testing.assert_array_equal(move_digit(X, right=2, down=-1), shift(X, 2, -1))
    np.testing.assert_array_equal(move_digit(X, 2, 1, 15, 1), shift(rotate(thicken(X, 1), 15), 2, 1))
    with pytest.raises(ValueError, match="784"):
        shift(np.zeros((28, 28)), 1, 0)
