"""Readable by everyone, on every page and in every state the tour sees (page_tour):

- every colour scale is one that colour-blind viewers read (diverging red-blue centred on 0 for signed numbers,
  greys or viridis for amounts), and it is named on the chart, never left to plotly's default;
- no chart tells things apart by colour alone: several traces carry names in a legend, or their own labels;
- the numbers behind each chart are on the page as a table, in the same section;
- every image has a caption.
"""

import plotly.colors
import pytest
from page_tour import tour

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


PAGES = sorted({view.page for view in tour()})


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
            titled = len(layout.get("annotations", [])) >= len(traces)  # one panel per trace, each with a title
            if not ((named and legend) or labelled or titled):
                wrong.append(f"{view.name}, chart {key}: {len(traces)} traces without names in a legend or labels")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("page", PAGES)
def test_the_numbers_behind_every_chart_are_on_the_page(page):
    wrong = []
    for view in views_of(page):
        for heading, charts, tables in view.sections:
            if charts and not tables:
                wrong.append(f"{view.name}, section “{heading}”: charts {charts} but no table of their numbers")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("page", PAGES)
def test_every_image_has_a_caption(page):
    wrong = [f"{view.name}: an image with captions {captions}" for view in views_of(page)
             for captions in view.images if not captions or not all(c.strip() for c in captions)]
    assert not wrong, "\n".join(wrong)


def test_the_tour_sees_charts_tables_and_images():
    """The checks above would pass on pages they cannot see: make sure they see plenty."""
    charts = sum(len(view.charts) for view in tour())
    images = sum(len(view.images) for view in tour())
    scales = sum(1 for view in tour() for _, figure in view.charts for _ in colour_scales(figure))
    assert charts >= 40 and images >= 5 and scales >= 20, (charts, images, scales)
