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


# ---------------------------------------------------------------------------------------------------------
# Moving, turning and thickening a digit that is already 784 numbers
# ---------------------------------------------------------------------------------------------------------
# Each function takes X of shape (784, m), one digit per column as the network reads it, and returns a new
# array of the same shape: the page moves one drawing, and a chart moves a thousand dev digits at once.


def as_images(X):
    """X (784, m) -> a view of shape (28, 28, m): pixel (row, column) of digit i is at [row, column, i]."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] != FIELD * FIELD:
        raise ValueError(f"X must have shape (784, m), one digit per column; got {X.shape}.")
    return X.reshape(FIELD, FIELD, X.shape[1])


def centre_of_mass(X):
    """Where the ink of each digit balances: (rows, columns), two arrays of shape (m,), in pixels from the top
    left corner. A digit without ink gets NaN."""
    images = as_images(X).astype(np.float64)
    mass = images.sum(axis=(0, 1))  # (m,)
    index = np.arange(FIELD, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        rows = np.einsum("rci,r->i", images, index) / mass
        cols = np.einsum("rci,c->i", images, index) / mass
    return rows, cols


def shift(X, right=0, down=0):
    """Move every digit of X (784, m) by whole pixels: `right` to the right (negative: left) and `down`
    downwards (negative: up). Pixels that leave the 28 x 28 field are lost; the ones that come in are black.

    No number is changed, only moved: pixel (r, c) goes to (r + down, c + right), so while no ink leaves the
    field, the centre of mass moves by exactly (down, right). Yet the network reads each of the 784 positions
    with its own weights, and to it the moved digit is a different input.
    Returns an array of shape (784, m), the dtype of X.
    """
    images = as_images(X)
    moved = np.zeros_like(images)
    right, down = (int(np.clip(d, -FIELD, FIELD)) for d in (right, down))  # 28 or more: nothing is left

    def span(d):  # (where the pixels go, where they come from) along one axis
        return slice(max(d, 0), FIELD + min(d, 0)), slice(max(-d, 0), FIELD + min(-d, 0))

    (rows_to, rows_from), (cols_to, cols_from) = span(down), span(right)
    moved[rows_to, cols_to] = images[rows_from, cols_from]
    return moved.reshape(X.shape)


def rotate(X, degrees):
    """Turn every digit of X (784, m) by `degrees` anticlockwise about its own centre of mass.

    By inverse mapping: for each pixel of the turned image, turn its position back by -degrees to find where
    it comes from in the original, and read the original there by bilinear interpolation (a weighted average
    of the four pixels around that point; outside the field counts as black). Every output pixel gets exactly
    one value, with no holes, which mapping the original pixels forwards would leave. The total ink stays about
    the same (interpolation blurs the edges a little).
    Returns an array of shape (784, m), the dtype of X.
    """
    images = as_images(X)
    m = images.shape[2]
    cy, cx = centre_of_mass(X)  # (m,), (m,)
    cy, cx = np.nan_to_num(cy, nan=CENTRE), np.nan_to_num(cx, nan=CENTRE)  # an empty digit turns about the middle
    theta = np.deg2rad(degrees)
    r, c = np.meshgrid(np.arange(FIELD), np.arange(FIELD), indexing="ij")  # (28, 28) each: every output pixel
    u, v = c[..., None] - cx, cy - r[..., None]  # (28, 28, m): x to the right, y upwards, from the centre
    # Back to the original: turn (u, v) by -theta.
    u_from = u * np.cos(theta) + v * np.sin(theta)
    v_from = -u * np.sin(theta) + v * np.cos(theta)
    rows, cols = cy - v_from, cx + u_from  # (28, 28, m), fractional positions in the original
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    fr, fc = rows - r0, cols - c0  # how far past the top-left neighbour, 0..1
    padded = np.pad(images.astype(np.float64), ((1, 1), (1, 1), (0, 0)))  # a black border: outside reads 0
    digit = np.broadcast_to(np.arange(m), rows.shape)

    def pixel(rr, cc):  # original pixel (rr, cc), 0 outside the field
        return padded[np.clip(rr, -1, FIELD) + 1, np.clip(cc, -1, FIELD) + 1, digit]

    turned = ((1 - fr) * (1 - fc) * pixel(r0, c0) + (1 - fr) * fc * pixel(r0, c0 + 1)
              + fr * (1 - fc) * pixel(r0 + 1, c0) + fr * fc * pixel(r0 + 1, c0 + 1))
    return turned.astype(X.dtype).reshape(X.shape)


def thicken(X, steps):
    """Make the strokes of every digit of X (784, m) thicker (steps > 0) or thinner (steps < 0).

    One step thicker replaces each pixel by the largest value among itself and its four neighbours (up, down,
    left, right): a max filter, which grows every stroke by about one pixel on each side. One step thinner
    takes the smallest value instead (a min filter): every stroke loses about a pixel on each side, and a
    stroke two pixels wide may vanish. Outside the field counts as black.
    Returns an array of shape (784, m), the dtype of X.
    """
    images = as_images(X)
    pick = np.maximum if steps > 0 else np.minimum
    for _ in range(abs(int(steps))):
        padded = np.pad(images, ((1, 1), (1, 1), (0, 0)))
        neighbours = (padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:])  # up, down, left, right
        images = pick.reduce((images, *neighbours))
    return np.ascontiguousarray(images).reshape(X.shape)


def move_digit(X, right=0, down=0, degrees=0, thickness=0):
    """Thicken (or thin), then turn, then shift every digit of X (784, m): the three changes the Draw page
    offers, in an order where each leaves the next one's meaning alone (the turn is about the centre of the
    ink as drawn, and the shift moves the result by exactly the pixels asked). Returns shape (784, m)."""
    if thickness:
        X = thicken(X, thickness)
    if degrees:
        X = rotate(X, degrees)
    return shift(X, right, down)
