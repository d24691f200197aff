"""Reading the SVG pictures back (network_drawing.network_picture and others): nodes, edges, pictures, ring."""

import base64
import io
import re
import xml.etree.ElementTree as ET

import numpy as np
from PIL import Image

SVG = "{http://www.w3.org/2000/svg}"


def parts(svg, tag, kind):
    """The picture's elements <tag class="kind">."""
    return [element for element in ET.fromstring(svg).iter(SVG + tag) if element.get("class") == kind]


def bars(svg):
    """The bars of a bar picture or a waterfall (pictures.bar_picture, pictures.waterfall): each <rect> that carries
    data-value, its exact size, left to right."""
    return [rect for rect in ET.fromstring(svg).iter(SVG + "rect") if rect.get("data-value") is not None]

def nodes(svg, layer):
    """The nodes of layer `layer` ("A1", "A2", ...), top to bottom: rows of (unit or digit, value)."""
    return np.array([(int(g.get("data-node").split(":")[1]), float(g.get("data-value")))
                     for g in parts(svg, "g", "node") if g.get("data-layer") == layer])


def adds(svg, layer):
    """What each node of the last hidden layer adds to the strong output's score (its data-adds)."""
    return np.array([float(g.get("data-adds")) for g in parts(svg, "g", "node") if g.get("data-layer") == layer])


def centre(svg, mark):
    """The centre (x, y) of the node marked data-node=`mark` ("1:4", "out:3")."""
    g = next(g for g in parts(svg, "g", "node") if g.get("data-node") == mark)
    shape = g.find(SVG + "circle")
    return float(shape.get("cx")), float(shape.get("cy"))


def ring(svg):
    """The centre of the ring around the opened node, or None."""
    rings = parts(svg, "circle", "ring")
    return (float(rings[0].get("cx")), float(rings[0].get("cy"))) if rings else None


def edges(svg, strong_only=True):
    """The edges, from their titles: [(layer l, unit i, unit j, W_l[i, j] * A_(l-1)[j], the line element)]."""
    found = []
    for line in parts(svg, "line", "edge"):
        title = line.find(SVG + "title").text
        l, i, j, c = re.fullmatch(r"W(\d+)\[(\d+), (\d+)\] · A\d+\[\d+\] = (\S+)", title).groups()
        if line.get("data-strong") == "1" or not strong_only:
            found.append((int(l), int(i), int(j), float(c), line))
    return found


def rgb_of(href):
    """The pixels of a picture's data: URL (a PNG) as an array of colours (rows, columns, 3)."""
    png = base64.b64decode(href.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def weight_pictures(svg):
    """Each weight picture as (its unit, its pixels as a (28, 28, 3) array of colours)."""
    return [(int(image.get("data-unit")), rgb_of(image.get("href"))) for image in parts(svg, "image", "weights")]


def follows_the_signs(rgb, weights):
    """True when a picture is blue where its weights are clearly positive and red where clearly negative."""
    blue_minus_red = rgb[..., 2].astype(int) - rgb[..., 0].astype(int)
    clear = np.abs(weights) > 0.2 * np.abs(weights).max()
    return bool(np.all(np.sign(blue_minus_red[clear]) == np.sign(weights[clear])))
