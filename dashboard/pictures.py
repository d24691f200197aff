"""The pictures the pages share, as SVG text or PNG bytes, built from numbers and returned, never drawn (no
Streamlit here): bars with every value printed, a matrix as a raster of red-blue colours with its axes and colour
bar, a score's sum as a waterfall, the rows of W1 as 28 x 28 images. A picture draws at once in a fresh tab, where
a plotly chart first loads plotly's code.
"""

import base64
import hashlib
import html
import io
import math

import numpy as np
from PIL import Image
from plotly.colors import get_colorscale

from dashboard.colours import BLUE, GREY, ORANGE, RDBU_BLUE, RDBU_RED
from dashboard.plotly_charts import Remembered

TEXT = 16  # a picture's smallest text, in its own units: the page's text size when drawn one unit to a pixel


def text_width(text, size=TEXT):
    """About how wide `text` is drawn at `size` units in a sans-serif font (DejaVu Sans, the widest of the usual
    ones: most characters 0.6 of the size)."""
    return 0.62 * size * len(text)


def title_lines(text, room, size=TEXT):
    """A title cut at spaces into lines that each fit in `room` units."""
    lines = [""]
    for word in text.split(" "):
        joined = f"{lines[-1]} {word}".strip()
        if lines[-1] and text_width(joined, size) > room:
            lines.append(word)
        else:
            lines[-1] = joined
    return lines


def symmetric(values):
    """The largest |value| (ignoring NaN), so that a diverging scale puts 0 exactly in its white middle."""
    finite = np.abs(np.asarray(values, dtype=np.float64))
    finite = finite[np.isfinite(finite)]
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def image_of(column):
    """A (784,) or (784, 1) column -> a (28, 28) image, row by row as MNIST stores it."""
    return np.asarray(column).reshape(28, 28)


def nice_step(top, most=6):
    """A round step (1, 2 or 5 times a power of ten) that cuts 0..top into at most `most` parts."""
    raw = max(top, 1e-12) / most
    power = 10 ** math.floor(math.log10(raw))
    return next(k * power for k in (1, 2, 5, 10) if k * power >= raw)


def _short(value):
    """A tick value written short, as plotly's "~s" format: 1, 10, 100, 1k, 10k, 100k, 1M."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def bar_picture(values, title, x_title, y_title, labels=None, colours=BLUE, texts=None, log=False,
                percent=False, ticks=None, top=None, width=640, height=420):
    """Vertical bars as an SVG picture (text, for st.image): a bar per value, left to right, with its title, axis
    titles, gridlines and, when `texts` are given, a text above each bar (a count, a probability). A picture
    draws at once, where each plotly chart takes its time; its numbers are printed on it or in a table nearby.

    values : the bars' heights. labels : the text under each bar (default: none; `ticks` places a few instead,
    as {position: text}). colours : one colour for all, or one per bar. log : a log scale (a bar of 0 is not
    drawn). percent : the y axis in %. top : the largest value of the y axis (default: the largest bar).
    Each bar carries data-value, its exact height, for a test to read."""
    exact = np.asarray(values, dtype=np.float64)
    v = np.nan_to_num(exact, nan=0.0, posinf=0.0, neginf=0.0)  # a bar for a number; NaN or inf: none
    n = v.size
    colours = [colours] * n if isinstance(colours, str) else list(colours)
    left, right, foot = 84, 16, 70  # room for the y ticks and title, the x ticks and title
    head = 62 if title else 28  # room for the title
    plot_w, plot_h = width - left - right, height - head - foot
    if log:
        positive = v[v > 0]
        low = 10 ** math.floor(math.log10(positive.min())) if positive.size else 1.0
        high = 10 ** math.ceil(math.log10(positive.max() * 1.0001)) if positive.size else 10.0
        span = math.log10(high) - math.log10(low) or 1.0
        grid = [low * 10 ** k for k in range(int(round(span)) + 1)]

        def y_of(value):
            return head + plot_h * (1 - (math.log10(max(value, low)) - math.log10(low)) / span)
    else:
        high = top if top is not None else float(v.max()) * 1.12 or 1.0
        step = nice_step(high / 1.12 if top is None else high)
        if not percent and np.all(v == np.round(v)):  # counts: whole-number ticks (never 0, 0.2, ... shown as 0, 0)
            step = max(step, 1.0)
        grid = list(np.arange(0, high + 1e-9, step))

        def y_of(value):
            return head + plot_h * (1 - value / high)
    parts = [f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{left}" y="28" font-weight="bold" font-size="19">{html.escape(title)}</text>' if title else ""]
    for value in grid:
        y = y_of(value)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        tick = f"{value:.0%}" if percent else _short(value) if log else f"{value:,.0f}"
        parts.append(f'<text x="{left - 8}" y="{y + 5:.1f}" text-anchor="end">{tick}</text>')
    slot = plot_w / n
    gap = 0.2 * slot if n <= 32 else 0.0
    base = head + plot_h
    placed = []  # the texts above the bars so far, as boxes (left, right, baseline)
    for k, value in enumerate(v):
        x = left + k * slot + gap / 2
        y = y_of(value) if value > 0 or not log else base
        parts.append(f'<rect x="{x:.2f}" y="{y:.1f}" width="{slot - gap:.2f}" height="{max(base - y, 0):.1f}" '
                     f'fill="{colours[k]}" data-value="{float(exact[k])!r}"/>')
        middle = x + (slot - gap) / 2
        if texts is not None:
            half, above = text_width(texts[k]) / 2, y - 6
            for left_x, right_x, baseline in reversed(placed[-2:]):  # a text wider than its bar: above its neighbours'
                if left_x < middle + half and middle - half < right_x and abs(above - baseline) < TEXT + 2:
                    above = baseline - TEXT - 2
            placed.append((middle - half, middle + half, above))
            parts.append(f'<text x="{middle:.1f}" y="{above:.1f}" text-anchor="middle">{html.escape(texts[k])}</text>')
        if labels is not None:
            parts.append(f'<text x="{middle:.1f}" y="{base + 22}" text-anchor="middle">{html.escape(labels[k])}</text>')
    for position, text in (ticks or {}).items():
        x = left + (position + 0.5) * slot
        parts.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 5}" stroke="#444444"/>'
                     f'<text x="{x:.1f}" y="{base + 22}" text-anchor="middle">{html.escape(text)}</text>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="#444444"/>')
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 16}" text-anchor="middle">'
                 f'{html.escape(x_title)}</text>')
    middle = head + plot_h / 2
    parts.append(f'<text x="20" y="{middle:.0f}" text-anchor="middle" transform="rotate(-90 20 {middle:.0f})">'
                 f'{html.escape(y_title)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="16" fill="#262730">{"".join(parts)}</svg>')


def column_bars_picture(values, unit_title, off=None, width=420):
    """column_bars as an SVG picture (text, for st.image): the same horizontal bars, unit 0 at the top, blue for
    positive and red for negative (each value also printed beside its bar), a grey ✕ "off" for a switched-off unit.
    For a short vector (16 numbers or fewer) whose every value is printed, a picture draws at once where a
    plotly chart takes its time; longer ones stay plotly charts (column_bars), whose values show on hover."""
    v = np.ravel(values).astype(float)
    unit_title = html.escape(unit_title)  # text in SVG
    n, row = v.size, 30
    left, right, top = 70, 20, 16
    height = top + n * row + 34
    finite = v[np.isfinite(v)]  # a diverged network gives NaN or inf: written, not drawn
    low, high = min(finite.min(initial=0.0), 0.0), max(finite.max(initial=0.0), 0.0)
    span = (high - low) or 1.0
    text_room = 58  # screen pixels for a printed value beside its bar
    plot_left = left + (text_room if low < 0 else 0)
    plot_right = width - right - (text_room if high > 0 else 0)
    scale = (plot_right - plot_left) / span

    def x_of(value):
        return plot_left + (value - low) * scale

    zero = x_of(0.0)
    off = set() if off is None else {int(u) for u in off}
    parts = [f'<rect width="{width}" height="{height}" fill="white"/>']
    for u, value in enumerate(v):
        y = top + u * row
        middle = y + row / 2
        parts.append(f'<text x="{left - 10}" y="{middle + 5}" text-anchor="end">{u}</text>')
        if u in off or not np.isfinite(value):
            parts.append(f'<text x="{zero + 6}" y="{middle + 5}" fill="#555555">'
                         f'{"✕ off" if u in off else value}</text>')
            continue
        x0, x1 = sorted((zero, x_of(value)))
        colour = RDBU_BLUE if value >= 0 else RDBU_RED
        parts.append(f'<rect x="{x0:.1f}" y="{y + 5}" width="{max(x1 - x0, 0.5):.1f}" height="{row - 10}" '
                     f'fill="{colour}"/>')
        label_x, anchor = (x1 + 5, "start") if value >= 0 else (x0 - 5, "end")
        parts.append(f'<text x="{label_x:.1f}" y="{middle + 5}" text-anchor="{anchor}">{value:.2f}</text>')
    bottom = top + n * row
    parts.append(f'<line x1="{zero:.1f}" y1="{top}" x2="{zero:.1f}" y2="{bottom}" stroke="#444444"/>')
    parts.append(f'<text x="{zero:.1f}" y="{bottom + 22}" text-anchor="middle" fill="#555555">0</text>')
    parts.append(f'<text x="16" y="{(top + bottom) / 2:.0f}" text-anchor="middle" '
                 f'transform="rotate(-90 16 {(top + bottom) / 2:.0f})">{unit_title}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="16" fill="#262730">{"".join(parts)}</svg>')


def probability_bars(A, predicted, label=None, width=640, height=400):
    """The ten probabilities A (10, 1) as bars over the digits 0..9, each printed above its bar (a picture,
    bar_picture): the answer stands out (orange, ★), the label, when known, is marked ✓, so neither depends on
    colour alone."""
    p = np.ravel(A)
    colours = [ORANGE if k == predicted else RDBU_BLUE for k in range(10)]
    names = [f"{k}" + (" ★" if k == predicted else "") + (" ✓" if k == label else "") for k in range(10)]
    return bar_picture(p, "", "digit k (★ the network's answer" + (", ✓ the label)" if label is not None else ")"),
                       "probability", labels=names, colours=colours, texts=[f"{x:.1%}" for x in p], percent=True,
                       top=1.15, width=width, height=height)


def score_terms(W, b, A_prev, k, shown):
    """The terms of the score Z[k] = sum over j of W[k, j] * A_prev[j], plus b[k], for a waterfall.

    W (n_out, n), b (n_out, 1), A_prev (n, 1). Returns (terms (n,), the `shown` largest units by size, the sum
    of the other terms or None when every unit is shown, the total Z[k]).
    """
    terms = W[k] * A_prev[:, 0]  # (n,): W[k, j] * A_prev[j]
    units = np.argsort(-np.abs(terms), kind="stable")[:shown]
    rest = float(terms.sum() - terms[units].sum()) if terms.size > shown else None
    return terms, units, rest, float(terms.sum() + b[k, 0])


def waterfall(units, terms, off, rest, bias, Z, k, L, y_title=None, width=900, height=420):
    """The score Z_L[k] built up term by term, as an SVG picture (text, for st.image): a floating bar for each
    W_L[k, j] * A_(L-1)[j] of the units drawn (blue up, red down, "off" for a unit that did not fire), one for the
    rest, one for the bias b_L[k], then the total Z_L[k] from 0 (grey); every value is printed on its bar.

    units : the units drawn, in order. terms : their terms. off : for each unit, True when it did not fire
    (A = 0), so its term is exactly 0. rest : the other units' terms together, or None. y_title : the y axis's
    title (default "adds to the score of k"). Each bar carries data-value, its exact size, for a test to read.
    """
    labels = [f"unit {j}" for j in units] + (["all other units"] if rest is not None else []) + [f"bias b{L}[{k}]"]
    steps = list(terms) + ([rest] if rest is not None else []) + [bias]
    words = ["off" if o else f"{v:+.2f}" for v, o in zip(steps, list(off) + [False, False], strict=False)]
    ends = np.cumsum(np.nan_to_num(np.asarray(steps, dtype=np.float64)))  # the running total after each step
    starts = np.concatenate([[0.0], ends[:-1]])
    total = float(np.nan_to_num(Z))
    low, high = min(0.0, ends.min(), total), max(0.0, ends.max(), total)
    pad = 0.14 * ((high - low) or 1.0)  # room for the printed values
    low, high = low - (pad if low < 0 else 0), high + pad
    left, right, head, foot = 84, 16, 16, 96  # room for the y ticks and title, the slanted names under the bars
    plot_w, plot_h = width - left - right, height - head - foot

    def y_of(value):
        return head + plot_h * (high - value) / (high - low)

    parts = [f'<rect width="{width}" height="{height}" fill="white"/>']
    step = nice_step(high - low)
    for value in np.arange(math.ceil(low / step) * step, high, step):
        y = y_of(value)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e5e5e5"/>'
                     f'<text x="{left - 8}" y="{y + 5:.1f}" text-anchor="end">{value:.3g}</text>')
    slot = plot_w / (len(steps) + 1)
    bars = [(a, b, RDBU_BLUE if b >= a else RDBU_RED, v, text)
            for a, b, v, text in zip(starts, ends, steps, words, strict=True)] + [(0.0, total, GREY, Z, f"{Z:.2f}")]
    for n, (a, b, colour, value, text) in enumerate(bars):
        x, top, bottom = left + n * slot + 0.2 * slot, y_of(max(a, b)), y_of(min(a, b))
        length = max(bottom - top, 1) if a != b else 0  # a unit that is off adds nothing: no bar
        parts.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{0.6 * slot:.1f}" height="{length:.1f}" '
                     f'fill="{colour}" data-value="{float(value)!r}"/>')
        up = b >= a if n < len(steps) else total >= 0
        parts.append(f'<text x="{x + 0.3 * slot:.1f}" y="{top - 6 if up else bottom + 17:.1f}" '
                     f'text-anchor="middle">{html.escape(text)}</text>')
        if n < len(steps):  # the connector: where this bar ends, the next one starts
            parts.append(f'<line x1="{x + 0.6 * slot:.1f}" y1="{y_of(b):.1f}" x2="{x + slot:.1f}" y2="{y_of(b):.1f}" '
                         'stroke="#bbbbbb"/>')
    for n, name in enumerate([*labels, f"= Z{L}[{k}]"]):
        x, y = left + (n + 0.5) * slot, head + plot_h + 16
        parts.append(f'<text x="{x:.1f}" y="{y}" text-anchor="end" transform="rotate(-35 {x:.1f} {y})">{name}</text>')
    parts.append(f'<line x1="{left}" y1="{y_of(0):.1f}" x2="{left + plot_w}" y2="{y_of(0):.1f}" stroke="#444444"/>')
    middle = head + plot_h / 2
    parts.append(f'<text x="20" y="{middle:.0f}" text-anchor="middle" transform="rotate(-90 20 {middle:.0f})">'
                 f'{html.escape(y_title or f"adds to the score of {k}")}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="{TEXT}" fill="#262730">{"".join(parts)}</svg>')


def units_picture(rows, titles, what, per_line=5, width=900):
    """Rows of 784 numbers (one per hidden unit: its weights, its weights times a digit, its weight changes) as
    28 x 28 pictures, `per_line` to a line, each under its title (lines split by "\\n"), on one RdBu scale
    centred on 0 (blue positive, red negative) with a colour bar: an SVG picture (text, for st.image).

    rows : (n, 784). what : the name of the numbers, on the colour bar.
    """
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    limit = symmetric(rows)
    lines_of = [str(title).split("\n") for title in titles]
    title_h = 20 * max(len(lines) for lines in lines_of) + 6
    bar = 24 + colour_bar_room(limit, html.escape(what))  # room for the colour bar
    cell = (width - bar - 10) / per_line
    side = cell - 18
    row_h = title_h + side + 16
    height = int(math.ceil(len(rows) / per_line) * row_h + 10)
    parts = [f'<rect width="{width}" height="{height}" fill="white"/>']
    for i, (row, lines) in enumerate(zip(rows, lines_of, strict=True)):
        line, place = divmod(i, per_line)
        x, y = 10 + place * cell, 10 + line * row_h
        parts += [f'<text x="{x + side / 2:.1f}" y="{y + 15 + 20 * n}" text-anchor="middle">{html.escape(text)}</text>'
                  for n, text in enumerate(lines)]
        parts.append(f'<image x="{x:.1f}" y="{y + title_h:.1f}" width="{side:.1f}" height="{side:.1f}" '
                     f'style="image-rendering:pixelated" href="{png_bytes(rdbu_rgb(image_of(row), limit))}"/>'
                     f'<rect x="{x:.1f}" y="{y + title_h:.1f}" width="{side:.1f}" height="{side:.1f}" fill="none" '
                     'stroke="#8c8c8c"/>')
    parts.append(_colour_bar(width - bar + 14, 30, min(height - 40, 260), limit, html.escape(what)))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="{TEXT}" fill="#262730">{"".join(parts)}</svg>')


def pixelated(image, side=168):
    """A 2-D image in [0, 1] -> a (side, side, 3) uint8 picture: resized so its longer side is `side`, centred.

    Nearest neighbour keeps each of the 28 x 28 pixels a crisp square, instead of the blur a browser adds.
    A narrow image sits on a pale blue square (no grey level, so it cannot be mistaken for ink or background):
    every step shows at the same size, and its true shape.
    """
    h, w = image.shape
    scale = side / max(h, w)
    rows = np.minimum((np.arange(max(1, round(h * scale))) / scale).astype(int), h - 1)
    cols = np.minimum((np.arange(max(1, round(w * scale))) / scale).astype(int), w - 1)
    picture = np.empty((side, side, 3), dtype=np.uint8)
    picture[...] = (198, 219, 239)  # pale blue: outside the image
    top, left = (side - rows.size) // 2, (side - cols.size) // 2
    grey = np.round(np.clip(image[np.ix_(rows, cols)], 0, 1) * 255)
    picture[top:top + rows.size, left:left + cols.size] = grey[..., None]
    return picture


def rdbu_rgb(M, limit):
    """Each value of M as the RdBu colour a heatmap with zmid=0 and zmin=-limit, zmax=limit gives it (red negative,
    white 0, blue positive), as a (rows, columns, 3) uint8 array; NaN (a diverged network) is light grey."""
    stops = np.array([[int(x) for x in colour[4:-1].split(",")] for _, colour in get_colorscale("RdBu")],
                     dtype=np.float64)  # 11 colours, red (low) to blue (high)
    t = np.clip((np.nan_to_num(M, nan=0.0) / limit + 1) / 2, 0, 1) * (len(stops) - 1)
    low = np.minimum(t.astype(int), len(stops) - 2)
    part = (t - low)[..., None]
    rgb = stops[low] * (1 - part) + stops[low + 1] * part
    rgb[np.isnan(M)] = 220
    return np.rint(rgb).astype(np.uint8)


_matrices = Remembered(size=32)


def matrix_picture(M, title, row_label, column_label, name="value", width=720, grey=False, square=False):
    """A matrix as an SVG picture (text, for st.image): a raster of RdBu colours centred on 0 (as matrix_heatmap),
    one pixel per entry, row 0 at the top, with its title, axis titles, a few index ticks and a colour bar from -max
    to +max. A picture draws at once, where each plotly chart takes its time; the numbers themselves are in a
    table nearby. (The weights on Forward pass, the gradients on Training.)

    The same matrix with the same labels gives the very same picture, built once: visitors who trained one shared
    run look at the same gradients. width : of the picture in its own units, about the screen pixels it will
    fill, so that its text comes out at the page's size. grey : values 0..1 as greys, 0 black and 1 white (a
    digit as MNIST stores it), not RdBu. square : square cells (a 28 x 28 image)."""
    M = np.ascontiguousarray(M)
    key = (hashlib.blake2b(M.data, digest_size=16).hexdigest(), M.shape, M.dtype.str, title, row_label,
           column_label, name, width, grey, square)
    return _matrices.get(key, lambda: _matrix_svg(M, title, row_label, column_label, name, width, grey, square))


def grey_rgb(M):
    """Values 0..1 as greys (0 black, 1 white), a (rows, columns, 3) uint8 array; NaN is light grey."""
    grey = np.rint(np.clip(np.nan_to_num(M, nan=220 / 255), 0, 1) * 255).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2)


def png_bytes(rgb):
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _colour_bar_labels(limit, grey=False):
    """The values a colour bar writes beside it, from the top: its largest, its middle and its smallest."""
    low = 0.0 if grey else -limit
    return [f"{value:.2g}" for value in (limit, (limit + low) / 2, low)]


def colour_bar_room(limit, name="", grey=False):
    """The width a colour bar takes with its labels (the bar, a gap, the widest label, or its name if wider), in
    picture units. name : as the picture writes it (escaped)."""
    return max(20 + max(map(text_width, _colour_bar_labels(limit, grey))), 8 + text_width(html.unescape(name)))


def _colour_bar(x, top, height, limit, name, grey=False):
    """The SVG of a colour bar at (x, top), `height` tall: RdBu from +limit (top) to -limit, or with grey white
    (limit) to black (0), its ends and middle written beside it and `name` (escaped already) above it, ending at
    the bar's right edge plus its labels' room."""
    low = 0.0 if grey else -limit
    scale = np.linspace(limit, low, 64)[:, None]  # its largest value at the top
    parts = [f'<image x="{x}" y="{top}" width="14" height="{height}" preserveAspectRatio="none" '
             f'href="{png_bytes(grey_rgb(scale) if grey else rdbu_rgb(scale, limit))}"/>']
    for text, y in zip(_colour_bar_labels(limit, grey), (top + 12, top + height / 2 + 6, top + height), strict=True):
        parts.append(f'<text x="{x + 18}" y="{y:.0f}">{text}</text>')
    parts.append(f'<text x="{x + colour_bar_room(limit, name, grey):.0f}" y="{top - 8}" text-anchor="end">{name}'
                 '</text>')
    return "".join(parts)


def _matrix_svg(M, title, row_label, column_label, name, width=720, grey=False, square=False):
    M = np.atleast_2d(np.asarray(M, dtype=np.float64))
    rows, columns = M.shape
    limit = 1.0 if grey else symmetric(M)
    raster = png_bytes(grey_rgb(M) if grey else rdbu_rgb(M, limit))
    lines = title_lines(title, width - 20)  # a long title on a narrow picture takes two lines
    row_label, column_label, name = map(html.escape, (row_label, column_label, name))  # text in SVG
    # The room left of the raster (the row title, turned, and the widest row number), above it (the title, then
    # the colour bar's name) and right of it (the colour bar and its labels).
    left, top = 34 + text_width(str(rows - 1)), 22 * len(lines) + 30
    plot_w = max(width - left - colour_bar_room(limit, name, grey) - 26, 40)
    plot_h = plot_w * rows // columns if square else int(min(max(22 * rows, 60), 300))  # rows 22 units apart
    height = top + plot_h + 52
    parts = [f'<rect width="{width}" height="{height}" fill="white"/>']
    parts += [f'<text x="10" y="{22 * (n + 1)}" font-weight="bold">{html.escape(line)}</text>'
              for n, line in enumerate(lines)]
    parts += [f'<image x="{left:.0f}" y="{top}" width="{plot_w:.0f}" height="{plot_h}" preserveAspectRatio="none" '
              f'style="image-rendering:pixelated" href="{raster}"/>',
              f'<rect x="{left:.0f}" y="{top}" width="{plot_w:.0f}" height="{plot_h}" fill="none" stroke="#8c8c8c"/>']
    row_ticks = range(rows) if rows <= 16 else np.unique(np.linspace(0, rows - 1, 5).round().astype(int))
    for r in row_ticks:
        y = top + (r + 0.5) * plot_h / rows
        parts.append(f'<text x="{left - 6:.0f}" y="{y + 6:.1f}" text-anchor="end">{r}</text>')
    column_ticks = range(columns) if columns <= 16 else np.unique(np.linspace(0, columns - 1, 6).round().astype(int))
    for c in column_ticks:
        x = left + (c + 0.5) * plot_w / columns
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 20}" text-anchor="middle">{c}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h + 44}" text-anchor="middle">'
                 f'{column_label}</text>')
    middle = top + plot_h / 2
    parts.append(f'<text x="18" y="{middle:.0f}" text-anchor="middle" transform="rotate(-90 18 {middle:.0f})">'
                 f'{row_label}</text>')
    parts.append(_colour_bar(round(left + plot_w + 12), top, plot_h, limit, name, grey))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="{TEXT}" fill="#262730">{"".join(parts)}</svg>')


def mosaic(rows, per_line=10, gap=2):
    """Rows of 784 numbers -> one image: each row as a 28 x 28 tile, tiles side by side, NaN between them."""
    rows = np.asarray(rows, dtype=np.float64)
    lines = int(np.ceil(len(rows) / per_line))
    size = 28 + gap
    image = np.full((lines * size - gap, min(len(rows), per_line) * size - gap), np.nan)
    for k, row in enumerate(rows):
        top, left = (k // per_line) * size, (k % per_line) * size
        image[top:top + 28, left:left + 28] = row.reshape(28, 28)
    return image
