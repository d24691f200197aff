"""Readable by everyone, on every page and in every state the tour sees (page_tour):

- every colour scale is one that colour-blind viewers read (diverging red-blue centred on 0 for signed numbers,
  greys or viridis for amounts), and it is named on the chart, never left to plotly's default;
- no chart tells things apart by colour alone: several traces carry names in a legend, their own labels, or
  a panel each under a title of its own;
- the numbers behind each chart are on the page as a table, in the same section: every number it draws is in one
  of those tables (pictures of the digits themselves, like images, need none);
- every image has a caption.
"""

import plotly.colors
import pytest
from page_tour import PAGES, tour

SAFE_SCALES = ("RdBu", "Greys", "gray", "Viridis", "Cividis", "Blues")  # and each reversed


def normalised(scale):
    """A colour scale as a list of colours without spaces: 'rgb(1, 2, 3)' and 'rgb(1,2,3)' are the same."""
    colours = [plotly.colors.unlabel_rgb(c) if c.startswith("rgb") else plotly.colors.hex_to_rgb(c)
               for _, c in scale]
    return [tuple(round(v) for v in c) for c in colours]


def safe_scales():
    scales = []
    for name in SAFE_SCALES:
        scale = plotly.colors.get_colorscale(name)
        scales += [normalised(scale), normalised(scale)[::-1]]
    return scales


def colour_scales(figure):
    """(where, scale) for every colour scale of a figure: in traces, and in the layout's colour axes."""
    for index, trace in enumerate(figure.get("data", [])):
        if trace.get("type") in ("heatmap", "contour", "surface"):
            if "colorscale" not in trace and "coloraxis" not in trace:
                yield f"trace {index} ({trace['type']})", None
        if "colorscale" in trace:
            yield f"trace {index}", trace["colorscale"]
        marker = trace.get("marker", {})
        if "colorscale" in marker:
            yield f"trace {index} markers", marker["colorscale"]
    for name, axis in figure.get("layout", {}).items():
        if name.startswith("coloraxis") and isinstance(axis, dict) and "colorscale" in axis:
            yield name, axis["colorscale"]


def views_of(page):
    """What the tour saw of one page, in each of its states."""
    return [view for view in tour() if view.page == page]


@pytest.mark.parametrize("page", PAGES)
def test_every_colour_scale_reads_for_colour_blind_viewers(page):
    allowed = safe_scales()
    wrong = []
    for view in views_of(page):
        for key, figure in view.charts:
            for where, scale in colour_scales(figure):
                if scale is None:
                    wrong.append(f"{view.name}, chart {key}, {where}: plotly's default scale, not a chosen one")
                elif normalised(scale) not in allowed:
                    wrong.append(f"{view.name}, chart {key}, {where}: {scale[:2]}...")
    assert not wrong, "\n".join(wrong)


def each_panel_titled(figure, traces):
    """True if every trace sits in a panel of its own, with a title of words above it: an annotation placed over
    the panel's stretch of the page (paper x in the x axis's domain), different from the other panels' titles."""
    import re

    layout = figure.get("layout", {})
    titles = []
    for trace in traces:
        axis = layout.get("xaxis" + trace.get("xaxis", "x")[1:], {})
        left, right = axis.get("domain", [0, 1])
        over = [re.sub(r"<[^>]+>", "", a.get("text", "")).strip() for a in layout.get("annotations", [])
                if a.get("xref") == "paper" and left <= a.get("x", -1) <= right]
        words = [text for text in over if re.search(r"[^\W\d_]", text)]  # a title has letters, not just a number
        if len(words) != 1:
            return False
        titles += words
    return len(set(titles)) == len(titles)


@pytest.mark.parametrize("page", PAGES)
def test_no_chart_tells_things_apart_by_colour_alone(page):
    wrong = []
    for view in views_of(page):
        for key, figure in view.charts:
            traces = [t for t in figure.get("data", []) if t.get("type", "scatter") not in ("heatmap", "image")]
            if len(traces) < 2:
                continue
            layout = figure.get("layout", {})
            named = all(t.get("name") for t in traces)
            legend = layout.get("showlegend", True) is not False and any(t.get("showlegend", True) for t in traces)
            labelled = all(t.get("text") is not None or t.get("texttemplate") for t in traces)
            titled = each_panel_titled(figure, traces)  # one panel per trace, each with a title of its own
            if not ((named and legend) or labelled or titled):
                wrong.append(f"{view.name}, chart {key}: {len(traces)} traces without names in a legend or labels")
    assert not wrong, "\n".join(wrong)


def numbers(raw):
    """A figure's array as floats, flattened: a list, or NumPy data as {"dtype", "bdata" (base64), "shape"};
    None for names (categories) rather than numbers."""
    import base64

    import numpy as np

    if isinstance(raw, dict) and "bdata" in raw:
        return np.frombuffer(base64.b64decode(raw["bdata"]), dtype=raw["dtype"]).astype(float)
    try:
        return np.array(raw if raw is not None else [], dtype=float).ravel()  # None (a gap) becomes NaN
    except (TypeError, ValueError):
        return None


def is_digit_picture(trace):
    """A heatmap of a digit from the data set, every value a pixel k / 255: the data itself, an image like those
    of st.image, not numbers computed from it."""
    import numpy as np

    z = numbers(trace.get("z")) if trace.get("type") == "heatmap" else None
    if z is None:
        return False
    z = z[np.isfinite(z)]
    return bool(len(z)) and 0 <= z.min() and z.max() <= 1 and np.allclose(z * 255, np.round(z * 255), rtol=0, atol=1e-3)


def plotted_arrays(figure):
    """(trace, axis, values) for the numbers each trace of a figure draws: its numeric x, y and z, without NaN
    (gaps between pictures). Left out: positions along an axis (an evenly spaced grid of three or more values,
    such as 0, 1, ..., 9, or two whole numbers), constants, the totals of a waterfall (plotly adds them up, the
    figure holds 0) and pictures of digits."""
    import numpy as np

    for index, trace in enumerate(figure.get("data", [])):
        if is_digit_picture(trace):
            continue
        for axis in ("x", "y", "z"):
            values = numbers(trace.get(axis))
            if values is None:
                continue
            if trace.get("type") == "waterfall" and axis == "y":
                values = values[[m != "total" for m in trace.get("measure", ["relative"] * len(values))]]
            values = values[np.isfinite(values)]
            distinct = np.unique(values)
            if len(distinct) < 2:
                continue
            steps = np.diff(values)
            if (len(values) > 2 or np.all(distinct == np.round(distinct))) and np.allclose(steps, steps[0], rtol=1e-3):
                continue
            yield index, axis, values


def table_columns(tables):
    """(values, tolerance) for each numeric column of the tables (and of their index): numbers, or text such as
    "83.4%" or "1,000". A column rounded to d decimals matches within half its last digit; others only within
    float32 rounding."""
    import numpy as np
    import pandas as pd

    for table in tables:
        frame = table.reset_index()
        for name in frame.columns:
            column = frame[name]
            values = pd.to_numeric(column, errors="coerce")
            if values.isna().all() and column.dtype == object:
                values = pd.to_numeric(column.astype(str).str.replace(",", "").str.strip().str.rstrip("%"),
                                       errors="coerce")
            values = np.asarray(values, dtype=float)
            values = values[np.isfinite(values)]
            if not len(values):
                continue
            whole = np.all(values == np.round(values))
            decimals = next((d for d in range(1, 5)
                             if np.all(np.abs(values - np.round(values, d)) <= 1e-6 * np.maximum(1, np.abs(values)))),
                            None)
            yield values, 0.5 * 10.0 ** -decimals if decimals and not whole else 0.0


def share_found(values, columns):
    """The share of the distinct `values` that some table column holds."""
    import numpy as np

    values = np.unique(values)
    found = np.zeros(len(values), bool)
    for column, tolerance in columns:
        held = np.unique(column)
        right = np.minimum(np.searchsorted(held, values), len(held) - 1)
        nearest = np.minimum(np.abs(held[right] - values), np.abs(held[np.maximum(right - 1, 0)] - values))
        found |= nearest <= tolerance + 1e-5 * np.abs(values) + 1e-7
    return found.mean()


def points_listed(trace, tables):
    """True if a table lists points of this curve, one per row: (x, y) pairs on it, such as 11 values of a
    function drawn with 400 points."""
    import numpy as np
    import pandas as pd

    x, y = numbers(trace.get("x")), numbers(trace.get("y"))
    if x is None or y is None or len(x) != len(y):
        return False
    curve = {(round(a, 4), round(b, 4)) for a, b in zip(x.tolist(), y.tolist(), strict=True)}
    for table in tables:
        frame = table.reset_index().apply(pd.to_numeric, errors="coerce")
        for a in frame.columns:
            for b in frame.columns:
                rows = frame[[a, b]].dropna().to_numpy(dtype=float) if a != b else np.empty((0, 2))
                if len(np.unique(rows[:, 1])) >= 3 and all((round(p, 4), round(q, 4)) in curve for p, q in rows):
                    return True
    return False


def missing_numbers(figure, tables):
    """What a chart draws that no table of its section holds, as ["trace 0 z: 12% of its numbers found", ...]."""
    columns = list(table_columns(tables))
    missing = []
    for index, axis, values in plotted_arrays(figure):
        share = share_found(values, columns)
        if share < 0.9 and not (axis == "y" and points_listed(figure["data"][index], tables)):
            missing.append(f"trace {index} {axis}: {share:.0%} of its numbers found")
    return missing


@pytest.mark.parametrize("page", PAGES)
def test_the_numbers_behind_every_chart_are_on_the_page(page):
    """Each chart's numbers are in a table of its section: every number it draws (each trace's values, not the
    positions along its axes) is found in one of those tables, at the precision the table shows, or the table
    lists points of the drawn curve."""
    wrong = []
    for view in views_of(page):
        figures = dict(view.charts)
        for heading, charts, tables in view.sections:
            for key in charts:
                missing = missing_numbers(figures[key], tables)
                if missing:
                    wrong.append(f"{view.name}, section “{heading}”, chart {key}: {'; '.join(missing)}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("page", PAGES)
def test_every_image_has_a_caption(page):
    wrong = [f"{view.name}: an image with captions {captions}" for view in views_of(page)
             for captions in view.images if not captions or not all(c.strip() for c in captions)]
    assert not wrong, "\n".join(wrong)


def test_the_tour_sees_charts_tables_and_images():
    """The checks above would pass on pages they cannot see: make sure they see plenty, on every page."""
    assert {view.page for view in tour()} == set(PAGES)
    charts = sum(len(view.charts) for view in tour())
    images = sum(len(view.images) for view in tour())
    scales = sum(1 for view in tour() for _, figure in view.charts for _ in colour_scales(figure))
    assert charts >= 24 and images >= 120 and scales >= 15, (charts, images, scales)  # live curves: pictures
