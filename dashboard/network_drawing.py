"""The network picture of Home and Forward pass: the whole network reading one digit, as one SVG picture whose
nodes and edges carry their numbers (no Streamlit here).
"""

import math

import numpy as np
from plotly.colors import sample_colorscale

from dashboard.colours import GREY, ORANGE, RDBU_BLUE, RDBU_RED
from dashboard.pictures import TEXT, grey_rgb, image_of, png_bytes, rdbu_rgb, symmetric, text_width

NODE_INK = "#262730"  # the outline of a node, and the ring around the selected one


def strongest_units(A, most):
    """Which units of a hidden layer to draw: all of them when there are at most `most`, else the `most` with the
    largest |A| for this digit (the strongest; among equals, such as units ReLU switched off, the lower index).

    A : (n, 1) the layer's activations for one digit. Returns the chosen unit indices, in increasing order.
    """
    a = np.abs(np.ravel(A))
    if a.size <= most:
        return np.arange(a.size)
    return np.sort(np.argsort(-a, kind="stable")[:most])


def _spread(n, top=0.93, bottom=0.07):
    """n heights between top and bottom of the picture (fractions of its drawing area), the first at the top."""
    return np.full(1, 0.5) if n == 1 else np.linspace(top, bottom, n)


def _node_colours(values, limit):
    """Viridis colours for amounts (|A| / limit in [0, 1]), the app's scale for amounts."""
    return sample_colorscale("Viridis", list(np.clip(np.abs(values) / limit, 0, 1)))


def network_picture(X, params, cache, shown, focus=None, label=None, compact=False, width=780, height=540):
    """The whole network on one digit, as one SVG picture: the digit on the left; the units of hidden layer 1,
    each drawn as its row of W1 (a 28 x 28 weight image, blue where ink raises the unit, red where it lowers it)
    with a node beside it whose size and colour give its activation A1 (a unit ReLU switched off is faded, with a
    grey ✕); the units of any further hidden layer as nodes; the ten outputs with their probabilities; and the
    edges between the drawn units, styled by the sign of what they carry (blue and solid adds, red and dashed
    takes away) and as thick as that contribution W_l[i, j] · A_(l-1)[j] to unit i's sum. The edges into the
    answer (or into the focused output) are drawn strongly, the other output edges faintly. Nothing is made up:
    every number comes from `params` and `cache`. Hovering a node, an edge or a picture shows its numbers.

    X : (784, 1) the digit. params : {"W1": (n1, 784), "b1": (n1, 1), ..., f"W{L}": (10, n), f"b{L}": (10, 1)}.
    cache : forward_prop(params, X) ({"Z1", "A1", ..., f"A{L}"}, each (n_l, 1)).
    shown : {l: unit indices drawn} for each hidden layer l = 1 .. L-1 (see strongest_units).
    focus : None, ("hidden", l, j) or ("output", k): that node gets a ring and its edges are the strong ones.
    label : the digit's true label, marked ✓ when known. compact : fewer words, for a small picture.
    width, height : the picture's size in its own units, about the screen pixels it fills.

    A picture, not a plotly chart: the browser draws it at once. What a page and a test can read: each node is a
    <g class="node"> with data-layer ("A1", ...), data-node ("l:j" for unit j of hidden layer l, "out:k" for
    output k), data-value (its A) and, in the last hidden layer, data-adds (what it adds to the strong output's
    score); each edge a <line class="edge"> titled "W_l[i, j] · A_(l-1)[j] = value", data-strong "1" or "0";
    each weight picture an <image class="weights" data-unit="j">; the opened node's ring a <circle class="ring">.
    """
    L = len(params) // 2
    A_out = np.ravel(cache[f"A{L}"])
    answer = int(np.argmax(A_out))
    target = focus[1] if focus and focus[0] == "output" else answer  # the output whose incoming edges stand out
    units = {l: np.asarray(shown[l]) for l in range(1, L)} | {L: np.arange(10)}
    # The outputs as far right as their labels ("0 100.0% ★ ✓" beside the largest node) leave room for.
    last = min(0.80, 1 - (text_width("0 100.0% ★ ✓") + 36) / (width - 20))
    # Layer 1's nodes leave room for the numbers written beside its pictures and its nodes (not in the small one).
    node_x = dict(zip(range(1, L + 1), np.linspace(0.43 if compact else 0.50, last, L), strict=True))
    node_y = {l: _spread(len(units[l])) for l in units}
    # Hidden layer 1's weight images (fractions of the drawing area): more than five zigzag over two columns.
    n1 = len(units[1])
    gap = 0.86 / max(n1 - 1, 1)
    two_columns = n1 > 5
    image_half, image_half_h = 0.033, min((0.76 if two_columns else 0.42) * gap, 0.16)
    image_x = [0.25 + (0.07 if two_columns and b % 2 else 0) for b in range(n1)] if two_columns else [0.29] * n1

    # Fractions of the drawing area (x from the left, y from the bottom) to the picture's own units.
    top = 36 if compact else 46  # room for the titles
    area_w, area_h = width - 20, height - top - 10

    def px(x):
        return 10 + x * area_w

    def py(y):
        return top + (1 - y) * area_h

    def square(x0, x1, y0, y1):
        """The largest square inside a box (fractions), centred in it: (left, top, side) in the picture's units."""
        side = min(px(x1) - px(x0), py(y0) - py(y1))
        return (px(x0) + px(x1) - side) / 2, (py(y0) + py(y1) - side) / 2, side

    parts = [f"<title>The network reading one digit: it answers {answer} with {A_out[answer]:.1%}</title>",
             f'<rect width="{width}" height="{height}" fill="white"/>']
    # The fan: thin lines from the digit to every drawn unit of layer 1 (each reads all 784 pixels), on to its node.
    parts += [f'<path d="M {px(0.10):.1f} {py(0.5):.1f} L {px(x):.1f} {py(y):.1f} L {px(node_x[1]):.1f} {py(y):.1f}" '
              'fill="none" stroke="#d0d4da"/>' for x, y in zip(image_x, node_y[1], strict=True)]

    # The edges between drawn units, blue and solid where they add, red and dashed where they take away.
    edge_focus = focus  # a unit of layer 1 that is off has no edge at all: then the answer's edges stay strong
    if focus and focus[0] == "hidden" and focus[1] == 1 and np.ravel(cache["A1"])[focus[2]] == 0:
        edge_focus = None
    edges = []
    for l in range(2, L + 1):
        W, A_prev = params[f"W{l}"], np.ravel(cache[f"A{l - 1}"])
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged run's last weights may overflow
            contribution = W[np.ix_(units[l], units[l - 1])] * A_prev[units[l - 1]]  # (drawn of l, drawn of l-1)
        contribution = np.nan_to_num(contribution, posinf=np.finfo(np.float32).max, neginf=-np.finfo(np.float32).max)
        limit = float(np.abs(contribution).max()) or 1.0
        for a, i in enumerate(units[l]):
            for b, j in enumerate(units[l - 1]):
                c = float(contribution[a, b])
                if c == 0:
                    continue  # a unit that is off passes nothing on: no edge
                if edge_focus and edge_focus[0] == "hidden":
                    strong = (edge_focus[1], edge_focus[2]) in ((l - 1, j), (l, i))
                else:
                    strong = l == L and i == target
                look = (f'stroke="{RDBU_BLUE if c > 0 else RDBU_RED}" stroke-opacity="{0.9 if strong else 0.22}" '
                        f'stroke-width="{0.8 + (8 if strong else 3) * abs(c) / limit:.2f}"'
                        + ("" if c > 0 else ' stroke-dasharray="7 5"'))
                edges.append((strong, f'<line class="edge" data-strong="{int(strong)}" x1="{px(node_x[l - 1]):.1f}" '
                                      f'y1="{py(node_y[l - 1][b]):.1f}" x2="{px(node_x[l]):.1f}" '
                                      f'y2="{py(node_y[l][a]):.1f}" {look}><title>W{l}[{i}, {j}] · A{l - 1}[{j}] = '
                                      f'{c:+.6g}</title></line>'))
    parts += [edge for strong, edge in sorted(edges, key=lambda edge: edge[0])]  # the strong ones on top

    # The pictures: the digit, and each drawn unit of layer 1 as its row of W1.
    x0, y0, side = square(0.0, 0.19, 0.27, 0.73)
    parts.append(f'<image x="{x0:.1f}" y="{y0:.1f}" width="{side:.1f}" height="{side:.1f}" '
                 f'style="image-rendering:pixelated" href="{png_bytes(grey_rgb(image_of(X)))}">'
                 '<title>X: the digit, 784 pixels from 0 (black) to 1 (white)</title></image>')
    # One colour scale for the weight images, saturated at the 99th percentile of |W1|: a trained network has a
    # few large weights that would leave every pattern pale on a scale stretched to the largest one.
    W1, A1 = params["W1"], np.ravel(cache["A1"])
    weight_limit = float(np.percentile(np.abs(np.nan_to_num(W1[units[1]])), 99)) or symmetric(W1)
    for b, (j, x, y) in enumerate(zip(units[1], image_x, node_y[1], strict=True)):
        x0, y0, side = square(x - image_half, x + image_half, y - image_half_h, y + image_half_h)
        parts.append(f'<image class="weights" data-unit="{j}" x="{x0:.1f}" y="{y0:.1f}" width="{side:.1f}" '
                     f'height="{side:.1f}" style="image-rendering:pixelated" '
                     f'href="{png_bytes(rdbu_rgb(image_of(W1[j]), weight_limit))}"><title>unit {j}: its row of W1 as '
                     '28 x 28 weights (blue: ink there raises the unit, red: lowers it)</title></image>')
        if A1[j] == 0:  # switched off: the picture faded behind a white veil
            parts.append(f'<rect class="veil" x="{x0:.1f}" y="{y0:.1f}" width="{side:.1f}" height="{side:.1f}" '
                         'fill="white" fill-opacity="0.72"/>')
        if not compact:  # the unit's number beside its picture (the small picture leaves it to the hover): left
            right = two_columns and b % 2  # of the pictures of the left column, right of those of the right one
            parts.append(f'<text x="{x0 + side + 4 if right else x0 - 4:.1f}" y="{py(y) + 5:.1f}" '
                         f'text-anchor="{"start" if right else "end"}" fill="#55565f">{j}</text>')

    # The nodes: each hidden layer's units, then the outputs. A node's area grows with its value.
    drawn = {}  # (layer, unit) -> the node's centre and radius
    for l in range(1, L):
        a = np.ravel(cache[f"A{l}"])[units[l]]
        strength = np.nan_to_num(np.abs(a) / (float(np.abs(np.ravel(cache[f"A{l}"])).max()) or 1.0))  # 0 to 1
        with np.errstate(over="ignore", invalid="ignore"):
            adds = params[f"W{L}"][target, units[l]] * a if l == L - 1 else None
        for b, (j, v, colour) in enumerate(zip(units[l], a, _node_colours(strength, 1), strict=True)):
            cx, cy, off = px(node_x[l]), py(node_y[l][b]), v == 0
            r = 7 if off else (9 + 25 * math.sqrt(strength[b])) / 2
            drawn[l, int(j)] = cx, cy, r
            hover = f"unit {j} of layer {l}\nA{l} = {v:.3f}"
            if adds is not None:
                hover += f"\nadds W{L}[{target}, j] · A{l}[j] = {adds[b]:+.3f} to the score of {target}"
            shape = (f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r + 3:.1f}" fill="white" fill-opacity="0"/>'
                     f'<path d="M {cx - r:.1f} {cy - r:.1f} L {cx + r:.1f} {cy + r:.1f} M {cx - r:.1f} {cy + r:.1f} '
                     f'L {cx + r:.1f} {cy - r:.1f}" stroke="{GREY}" stroke-width="3"/>' if off else
                     f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{colour}" stroke="{NODE_INK}"/>')
            extra = f' data-adds="{float(adds[b])!r}"' if adds is not None else ""
            parts.append(f'<g class="node" data-layer="A{l}" data-node="{l}:{j}" data-value="{float(v)!r}"{extra}>'
                         f'<title>{hover}</title>{shape}</g>')
            if l > 1 or not compact:  # the value beside the node (the small picture leaves layer 1's to the hover)
                halo = ' stroke="white" stroke-width="4" paint-order="stroke"' if l > 1 else ""
                parts.append(f'<text x="{cx - r - 4:.1f}" y="{cy + 5:.1f}" text-anchor="end"{halo} '
                             f'fill="{"#6b6b6b" if off else NODE_INK}">{"off" if off else f"{v:.2f}"}</text>')
    for k, p in enumerate(A_out):
        size = float(np.nan_to_num(max(p, 0.0)))  # a diverged network's NaN is written, drawn as 0
        cx, cy, r = drawn[L, k] = px(node_x[L]), py(node_y[L][k]), (10 + 26 * math.sqrt(size)) / 2
        parts.append(f'<g class="node" data-layer="A{L}" data-node="out:{k}" data-value="{float(p)!r}">'
                     f'<title>digit {k}\nA{L} = {p:.2%}</title><circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" '
                     f'fill="{ORANGE if k == answer else "#9aa5b1"}" stroke="{NODE_INK}"/></g>')
        marks = (" ★" if k == answer else "") + (" ✓" if k == label else "")
        parts.append(f'<text x="{cx + r + 12:.1f}" y="{cy + 6:.1f}"><tspan font-weight="bold">{k}'
                     f'</tspan> {p:.1%}{marks}</text>')
    if focus:
        l, i = (L, focus[1]) if focus[0] == "output" else (focus[1], focus[2])
        if (l, i) in drawn:  # a unit of a wide layer may not be drawn for this digit
            cx, cy, r = drawn[l, i]
            parts.append(f'<circle class="ring" cx="{cx:.1f}" cy="{cy:.1f}" r="{r + 6:.1f}" fill="none" '
                         f'stroke="{NODE_INK}" stroke-width="3"/>')

    titles = [(0.095, "X: the digit"), (0.285, "row j of W1"), (node_x[1], "A1")]
    titles += [(node_x[l], f"A{l}") for l in range(2, L)]
    titles.append((node_x[L] + 0.05, f"A{L} = softmax"))
    parts += [f'<text x="{px(x):.1f}" y="{top - 12}" text-anchor="middle" font-weight="bold">{text}</text>'
              for x, text in titles]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="sans-serif" font-size="{TEXT}" fill="{NODE_INK}">{"".join(parts)}</svg>')
