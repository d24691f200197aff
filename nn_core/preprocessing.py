"""Turn a drawing from the canvas into the 784 numbers the network reads.

MNIST digits were made in a fixed way: the ink was cropped to its bounding box, scaled so
the longer side is 20 pixels (keeping the aspect ratio, with grey anti-aliased edges), and
placed in a 28 x 28 field so that the centre of mass of the ink sits at the centre.
A drawing must go through the same steps, or the network sees something it never learned.
"""

import numpy as np

INK_THRESHOLD = 0.1  # a pixel brighter than this (0..1) counts as ink
MIN_INK_PIXELS = 5  # fewer ink pixels than this: the canvas counts as empty
BOX = 20  # the longer side of the digit after scaling, in pixels
FIELD = 28  # the side of the image the network reads
CENTRE = 14  # MNIST puts the centre of mass at row 14, column 14 (0-based)


class EmptyCanvasError(ValueError):
    """Nothing is drawn yet: a page shows a hint instead of an error."""


def to_grey(image):
    """Convert a canvas image to grey levels between 0 (black) and 1 (white).

    image : ndarray of shape (H, W, 4), (H, W, 3) or (H, W), dtype uint8
        With an alpha channel, a transparent pixel counts as black:
        grey = luminance * alpha / 255.
    Returns an ndarray of shape (H, W), float32, values in [0, 1].
    """
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"The image must hold whole numbers 0..255 (dtype uint8), not {image.dtype}.")
    if image.ndim == 2:
        grey = image.astype(np.float32)
    elif image.ndim == 3 and image.shape[2] in (3, 4):
        R, G, B = (image[..., k].astype(np.float32) for k in range(3))
        grey = 0.299 * R + 0.587 * G + 0.114 * B  # luminance, as televisions weigh colours
        if image.shape[2] == 4:
            grey *= image[..., 3] / np.float32(255)
    else:
        raise ValueError(f"The image must have shape (H, W), (H, W, 3) or (H, W, 4); got {image.shape}.")
    if min(grey.shape) == 0:
        raise ValueError(f"The image has no pixels (shape {image.shape}).")
    return grey / 255


def crop_to_ink(grey):
    """Cut the grey image down to the smallest rectangle that holds all the ink.

    grey : ndarray of shape (H, W), values in [0, 1]
    Returns an ndarray of shape (h, w) with h <= H and w <= W.
    """
    ink = grey > INK_THRESHOLD
    if ink.sum() < MIN_INK_PIXELS:
        raise EmptyCanvasError("The canvas is empty: draw a digit first.")
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    return grey[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def area_weights(n_out, n_in):
    """Weights that resample a line of n_in pixels to n_out pixels by averaging areas.

    Output pixel i covers the stretch [i * s, (i + 1) * s) of the input, with s = n_in / n_out;
    its value is the average of the input pixels under that stretch, each weighted by how much
    of it lies inside. This works for shrinking, for growing and for fractional ratios.
    Returns an ndarray of shape (n_out, n_in) whose rows sum to 1.
    """
    s = n_in / n_out
    start = np.arange(n_out)[:, None] * s  # (n_out, 1)
    j = np.arange(n_in)[None, :]  # (1, n_in)
    overlap = np.minimum(start + s, j + 1) - np.maximum(start, j)  # (n_out, n_in)
    return (np.clip(overlap, 0, None) / s).astype(np.float32)


def fit_to_box(crop):
    """Scale the cropped ink so its longer side is 20 pixels, keeping the aspect ratio.

    crop : ndarray of shape (h, w)
    Returns an ndarray of shape (20, w') or (h', 20), values in [0, 1].
    """
    h, w = crop.shape
    scale = BOX / max(h, w)
    h_out, w_out = max(1, round(h * scale)), max(1, round(w * scale))
    Rh, Rw = area_weights(h_out, h), area_weights(w_out, w)  # (h_out, h), (w_out, w)
    return Rh @ crop @ Rw.T  # (h_out, w_out)


def place_in_field(box, center=True):
    """Put the fitted digit into a black 28 x 28 field, its centre on pixel (14, 14).

    box : ndarray of shape (h, w) with h, w <= 20
    center : True uses the centre of mass of the ink, as MNIST did; False uses the middle of
        the bounding box, which moves most digits by a pixel or two and costs accuracy.
    Returns an ndarray of shape (28, 28).
    """
    h, w = box.shape
    if center:
        mass = box.sum()
        cy = (box.sum(axis=1) * np.arange(h)).sum() / mass  # centre of mass, row
        cx = (box.sum(axis=0) * np.arange(w)).sum() / mass  # centre of mass, column
    else:
        cy, cx = (h - 1) / 2, (w - 1) / 2  # middle of the bounding box
    # A whole-pixel shift, as MNIST used (its digits' centres of mass sit within half a pixel
    # of (14, 14)); a fractional shift would blur every stroke by interpolating.
    top, left = int(np.floor(CENTRE - cy + 0.5)), int(np.floor(CENTRE - cx + 0.5))
    # Keep the whole digit inside the field; its centre then sits slightly off instead.
    top, left = min(max(top, 0), FIELD - h), min(max(left, 0), FIELD - w)
    field = np.zeros((FIELD, FIELD), dtype=np.float32)
    field[top : top + h, left : left + w] = box
    return field


def canvas_to_input(rgba, center=True, return_steps=False):
    """Prepare a canvas drawing the way MNIST digits were prepared, as one input column.

    rgba : ndarray of shape (H, W, 4), uint8: white strokes on black (or transparent)
        background, as streamlit-drawable-canvas returns it. (H, W, 3) and (H, W) also work.
    center : True moves the centre of mass of the ink to pixel (14, 14), like MNIST;
        False moves the middle of the ink's bounding box there instead. Measured on MNIST
        test digits, that one change costs a small network 8 to 15 accuracy points.
        (Shrinking the whole canvas without cropping was the other candidate for this
        switch; it changes nothing on test digits that are centred already.)
    return_steps : also return a dict of every stage as a 2-D image in [0, 1], in order;
        the last one is the 28 x 28 image the network sees.
    Returns x, an ndarray of shape (784, 1), float32 in [0, 1] (and steps if asked).
    Raises ValueError for a bad image, and EmptyCanvasError (a ValueError) for an empty canvas.
    """
    grey = to_grey(rgba)  # (H, W)
    crop = crop_to_ink(grey)  # (h, w)
    box = np.clip(fit_to_box(crop), 0, 1)  # (20, w') or (h', 20)
    field = place_in_field(box, center)  # (28, 28)
    x = field.reshape(FIELD * FIELD, 1)  # (784, 1), row by row like MNIST
    if not return_steps:
        return x
    last = "centred by mass (28 x 28)" if center else "centred by box (28 x 28)"
    steps = {
        "canvas (grey)": grey,
        "cropped to the ink": crop,
        "scaled to fit 20 x 20": box,
        last: field,
    }
    return x, steps
