"""The shared figure and table helpers: the fast ways give the same charts and tables as the slow ones."""

import re
import xml.etree.ElementTree as ET

import network_svg
import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from dashboard import colours, network_drawing, pictures, plotly_charts, tables
from views.data import summaries
from views.training import live_curve


def two_charts():
    """A figure with two pairs of axes, a heatmap and a bar chart (what make_subplots builds)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=["left", "right"])
    fig.add_trace(go.Heatmap(z=np.arange(6).reshape(2, 3), colorbar=dict(title="z")), row=1, col=1)
    fig.add_trace(go.Bar(x=[0, 1, 2], y=[3, 1, 2]), row=1, col=2)
    return fig


def test_restyled_gives_the_same_figure_as_plotlys_update_methods():
    slow = two_charts()
    slow.update_layout(height=300, font=dict(size=16), margin=dict(l=10, r=10, t=40, b=10), legend_font_size=16)
    slow.update_xaxes(tickfont_size=15, title_font_size=16)
    slow.update_yaxes(tickfont_size=15, title_font_size=16, autorange="reversed")
    slow.update_traces(colorbar_tickfont_size=15, selector=dict(type="heatmap"))

    layout = dict(height=300, font=dict(size=16), margin=dict(l=10, r=10, t=40, b=10), legend=dict(font=dict(size=16)))
    fast = plotly_charts.restyled(two_charts(), layout,
                                  axes=dict(tickfont=dict(size=15), title=dict(font=dict(size=16))),
                                  yaxes=dict(autorange="reversed"),
                                  traces={"heatmap": dict(colorbar=dict(tickfont=dict(size=15)))})
    assert fast.to_dict() == slow.to_dict()


def test_restyled_leaves_a_setting_given_as_none_alone_and_shares_no_dicts():
    fig = go.Figure(go.Bar(x=[1, 2], y=[3, 4]), layout=dict(xaxis=dict(dtick=2), title=dict(text="kept")))
    axis = dict(tickfont=dict(size=15), dtick=None)
    out = plotly_charts.restyled(fig, dict(title=None), axes=axis)
    layout = out.to_dict()["layout"]
    assert layout["xaxis"]["dtick"] == 2 and "dtick" not in layout["yaxis"]
    assert layout["title"]["text"] == "kept"
    axis["tickfont"]["size"] = 99  # the figure holds copies, not the caller's dicts
    assert out.layout.xaxis.tickfont.size == 15 and out.layout.yaxis.tickfont.size == 15


def test_a_wide_table_has_every_column_and_value_in_order():
    values = np.arange(2 * 784).reshape(2, 784)
    table = tables.wide_table(values, [f"pixel{k}" for k in range(784)], ["digit 0", "digit 1"], "row")
    assert table.num_rows == 2 and table.column_names == ["row"] + [f"pixel{k}" for k in range(784)]
    assert table.column("row").to_pylist() == ["digit 0", "digit 1"]
    assert table.column("pixel783").to_pylist() == [783, 1567]
    assert tables.wide_table(values, range(784)).column_names[:2] == ["0", "1"]


def axes_of(fig):
    layout = fig.to_dict()["layout"]
    return {name: axis for name, axis in layout.items() if name.startswith(("xaxis", "yaxis"))}


def trace_axes_exist_and_fit_on_the_page(fig):
    axes = axes_of(fig)
    for trace in fig.data:
        for kind, name in (("xaxis", trace.xaxis or "x"), ("yaxis", trace.yaxis or "y")):
            assert kind + name[1:] in axes, f"{trace.type} refers to {name}, which the layout lacks"
    for axis in axes.values():
        low, high = axis["domain"]
        assert 0 <= low < high <= 1


def test_units_picture_draws_each_row_under_its_title_on_one_shared_scale():
    rows = np.random.default_rng(0).normal(size=(7, 784))
    svg = pictures.units_picture(rows, [f"unit {k}\nterm {k}" for k in range(7)], "weight", per_line=5)
    images = ET.fromstring(svg).iter(network_svg.SVG + "image")
    rasters = [(image.get("href"), float(image.get("y"))) for image in images
               if image.get("width") == image.get("height")]  # the square pictures (the colour bar is tall)
    assert len(rasters) == 7 and len({y for _, y in rasters}) == 2  # five on the first line, two on the second
    for k, (href, _) in enumerate(rasters):  # each picture is its own row, on the one scale of the largest |value|
        rgb = network_svg.rgb_of(href)
        np.testing.assert_array_equal(rgb, pictures.rdbu_rgb(rows[k].reshape(28, 28), np.abs(rows).max()))
    assert ">unit 3<" in svg and ">term 3<" in svg and ">weight<" in svg


def test_the_waterfall_builds_the_score_term_by_term_and_ends_on_the_total():
    units, terms, off = np.array([4, 1, 7]), np.array([0.8, -0.3, 0.0]), np.array([False, False, True])
    svg = pictures.waterfall(units, terms, off, rest=0.1, bias=-0.2, Z=0.4, k=3, L=2)
    bars = [(float(r.get("y")), float(r.get("height")), r.get("fill"), float(r.get("data-value")))
            for r in network_svg.bars(svg)]
    assert [v for *_, v in bars] == [0.8, -0.3, 0.0, 0.1, -0.2, 0.4]  # units, the rest, the bias, the total
    assert [c for _, _, c, _ in bars] == [colours.RDBU_BLUE, colours.RDBU_RED, colours.RDBU_BLUE, colours.RDBU_BLUE,
                                         colours.RDBU_RED, colours.GREY]
    scale = bars[0][1] / 0.8  # screen units per unit of score
    for (_, h, _, v) in bars:
        assert h == pytest.approx(abs(v) * scale, abs=0.15)  # every bar as long as its term (off: none)
    total_top = bars[-1][0]
    assert total_top == pytest.approx(bars[0][0] + (0.8 - 0.4) * scale, abs=0.15)  # the total ends where the steps end
    for text in (">+0.80<", ">-0.30<", ">off<", ">0.40<", ">unit 4<", ">all other units<", ">= Z2[3]<",
                 ">adds to the score of 3<"):
        assert text in svg


def small_network(sizes=(10,), seed=3):
    """A network with the given hidden layers, its forward pass on one random digit, and that digit (784, 1)."""
    from nn_core.network import forward_prop, init_params

    rng = np.random.default_rng(seed)
    params = init_params((784, *sizes, 10), seed=seed)
    X = (rng.random((784, 1)) * (rng.random((784, 1)) < 0.2)).astype(np.float32)
    return params, forward_prop(params, X), X


def test_the_network_picture_draws_the_real_numbers_of_one_digit():
    params, cache, X = small_network()
    A1, A2, W1, W2 = cache["A1"][:, 0], cache["A2"][:, 0], params["W1"], params["W2"]
    assert (A1 == 0).any() and (A1 > 0).any()  # some units off, some on: both kinds are drawn
    shown = {1: network_drawing.strongest_units(cache["A1"], 10)}
    svg = network_drawing.network_picture(X, params, cache, shown, label=4)

    nodes = network_svg.nodes(svg, "A1")
    np.testing.assert_array_equal(nodes[:, 0], np.arange(10))
    np.testing.assert_allclose(nodes[:, 1], A1)
    off_marks = [g.find(network_svg.SVG + "path") is not None for g in network_svg.parts(svg, "g", "node")[:10]]
    assert off_marks == list(A1 == 0)  # off: a grey ✕ instead of a disc
    np.testing.assert_allclose(network_svg.nodes(svg, "A2")[:, 1], A2)
    answer = int(A2.argmax())
    assert f"{answer}</tspan> {A2[answer]:.1%} ★<" in svg and f"4</tspan> {A2[4]:.1%} ✓<" in svg

    pictures = network_svg.weight_pictures(svg)
    assert [j for j, _ in pictures] == list(range(10))
    for j, rgb in pictures:  # each unit drawn as its own row of W1
        assert network_svg.follows_the_signs(rgb, W1[j].reshape(28, 28))
        assert not network_svg.follows_the_signs(rgb, W1[(j + 1) % 10].reshape(28, 28))
    assert len(network_svg.parts(svg, "rect", "veil")) == int((A1 == 0).sum())  # a switched-off unit is faded

    # The strong edges are those into the answer: W2[answer, j] * A1[j] for every unit that is on.
    strong = network_svg.edges(svg)
    assert {i for _, i, _, _, _ in strong} == {answer}
    assert sorted(j for _, _, j, _, _ in strong) == np.flatnonzero(A1 > 0).tolist()
    for _, _, j, c, line in strong:
        assert np.isclose(c, W2[answer, j] * A1[j], rtol=1e-5)
        assert (line.get("stroke"), line.get("stroke-dasharray")) == (
            (colours.RDBU_BLUE, None) if c > 0 else (colours.RDBU_RED, "7 5"))  # the sign, not by colour alone
    widths = {abs(c): float(line.get("stroke-width")) for _, _, _, c, line in strong}
    assert [widths[c] for c in sorted(widths)] == sorted(widths.values())  # the larger, the thicker
    all_edges = network_svg.edges(svg, strong_only=False)
    assert len(all_edges) == 10 * int((A1 > 0).sum())  # every unit that is on, to every output; none from the off


def test_opening_an_output_or_a_unit_moves_the_strong_edges_and_rings_the_node():
    params, cache, X = small_network()
    shown = {1: network_drawing.strongest_units(cache["A1"], 10)}
    svg = network_drawing.network_picture(X, params, cache, shown, focus=("output", 6))
    assert {i for _, i, _, _, _ in network_svg.edges(svg)} == {6}
    assert network_svg.ring(svg) == network_svg.centre(svg, "out:6")
    adds = network_svg.adds(svg, "A1")  # each unit's hover: what it adds to the score of 6
    np.testing.assert_allclose(adds, params["W2"][6] * cache["A1"][:, 0], rtol=1e-5)
    j = int(np.flatnonzero(cache["A1"][:, 0] > 0)[0])
    svg = network_drawing.network_picture(X, params, cache, shown, focus=("hidden", 1, j))
    strong = network_svg.edges(svg)
    assert {e[2] for e in strong} == {j} and len(strong) == 10  # the unit's ten edges, one to each output
    assert network_svg.ring(svg) == network_svg.centre(svg, f"1:{j}")
    assert network_svg.ring(network_drawing.network_picture(X, params, cache, shown)) is None


def test_a_wide_layer_is_drawn_as_its_strongest_units_and_a_second_layer_as_nodes():
    params, cache, X = small_network((64, 16))
    shown = {l: network_drawing.strongest_units(cache[f"A{l}"], 10) for l in (1, 2)}
    A1 = cache["A1"][:, 0]
    assert len(shown[1]) == 10 and np.all(np.diff(shown[1]) > 0)
    assert A1[shown[1]].min() >= np.delete(A1, shown[1]).max()  # no unit left out is stronger
    svg = network_drawing.network_picture(X, params, cache, shown)
    np.testing.assert_array_equal(network_svg.nodes(svg, "A1")[:, 0], shown[1])
    np.testing.assert_allclose(network_svg.nodes(svg, "A2")[:, 1], cache["A2"][shown[2], 0])
    np.testing.assert_allclose(network_svg.nodes(svg, "A3")[:, 1], cache["A3"][:, 0])
    assert network_drawing.strongest_units(cache["A2"][:5], 10).tolist() == [0, 1, 2, 3, 4]  # a narrow layer: all


def test_the_network_picture_fits_its_own_frame_at_every_size():
    params, cache, X = small_network((64, 16))
    shown = {l: network_drawing.strongest_units(cache[f"A{l}"], 10) for l in (1, 2)}
    for width, height, compact in ((780, 540, False), (780, 360, False), (620, 400, True)):
        svg = network_drawing.network_picture(X, params, cache, shown, compact=compact, width=width, height=height)
        points = re.findall(r' (?:x|cx|x1|x2)="(-?[\d.]+)" (?:y|cy|y1|y2)="(-?[\d.]+)"', svg)
        assert len(points) > 100  # nodes, edges, pictures and texts
        for x, y in points:
            assert 0 <= float(x) <= width and 0 <= float(y) <= height


def test_the_network_picture_of_a_diverged_network_is_drawn_without_warnings():
    import warnings

    params, cache, X = small_network()
    params = dict(params, W2=np.full_like(params["W2"], np.nan))
    cache = dict(cache, A2=np.full_like(cache["A2"], np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svg = network_drawing.network_picture(X, params, cache, {1: np.arange(10)})
    assert svg.startswith("<svg") and len(network_svg.nodes(svg, "A2")) == 10 and 'r="nan"' not in svg


def test_the_mistakes_figure_puts_each_image_above_its_probabilities():
    rng = np.random.default_rng(1)
    X, Y = rng.random((784, 20)), rng.integers(0, 10, 20)
    A = rng.dirichlet(np.ones(10), size=20).T
    fig = plotly_charts.mistakes_figure(X, Y, A, [3, 7, 11])
    assert [t.type for t in fig.data] == ["heatmap", "bar"] * 3
    trace_axes_exist_and_fit_on_the_page(fig)
    layout = fig.layout
    for image, bars in zip(fig.data[0::2], fig.data[1::2], strict=True):
        image_x, bars_x = layout["xaxis" + image.xaxis[1:]], layout["xaxis" + bars.xaxis[1:]]
        assert image_x.domain == bars_x.domain  # same column
        assert layout["yaxis" + image.yaxis[1:]].domain[0] > layout["yaxis" + bars.yaxis[1:]].domain[1]  # above
    assert [a.text for a in layout.annotations] == [f"true {Y[i]}, said {A[:, i].argmax()}" for i in (3, 7, 11)]


def curves(svg):
    """The curves of a live curves' picture: {name: (its path element)}."""
    return {path.get("data-name"): path for path in ET.fromstring(svg).iter(network_svg.SVG + "path")
            if path.get("class") == "curve"}


def test_visitors_following_one_run_share_its_curves_pictures():
    from nn_core.training import StepRecord

    records = [StepRecord(step, step / 1, 2.0 / step, 0.5, 0.4, {"W1": 0.1, "W2": 0.2}) for step in range(1, 6)]
    first = live_curve.curves_pictures(list(records), 10, ["W1", "W2"])  # two visitors' views: two lists of the
    assert live_curve.curves_pictures(list(records), 10, ["W1", "W2"]) is first  # same records, built once
    later = live_curve.curves_pictures(records + [StepRecord(6, 6.0, 0.3, 0.5, 0.4, {"W1": 0.1, "W2": 0.2})], 10,
                                       ["W1", "W2"])
    assert later is not first and curves(later[0])["loss (cross-entropy)"].get("data-points") == "6"


def test_the_live_curves_are_three_pictures_with_their_legends_and_empty_ones_before_a_run():
    """One panel per picture (a narrow screen stacks them), each with its title, its legend and the step axis
    over the whole run, the curves where the steps put them; before a run the same panels, empty."""
    from nn_core.training import StepRecord

    records = [StepRecord(step, 1, 2.0 / step, 0.5, 0.4, {"W1": 10.0 ** -step, "W2": 0.2}) for step in range(1, 6)]
    loss, accuracy, update = live_curve.curves_pictures(records, 10, ["W1", "W2"])
    assert list(curves(accuracy)) == ["train accuracy", "dev accuracy"] and list(curves(update)) == ["dW1", "dW2"]
    for svg, title in zip((loss, accuracy, update), ("Loss", "Accuracy", "Update size"), strict=True):
        assert title in svg and ">gradient step<" in svg and ">10<" in svg  # the x axis ends at the last step, 10
    assert ">100%<" in accuracy and ">10⁻⁵<" in update  # a log scale down to the smallest update
    d = curves(loss)["loss (cross-entropy)"].get("d")
    points = [tuple(map(float, p.split())) for p in re.split("[ML]", d) if p]
    assert len(points) == 5 and d.count("L") == 4  # one line through the five steps
    assert all(x1 > x0 and y1 > y0 for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False))  # falling
    empty = live_curve.curves_pictures([], 500, ["W1", "W2", "W3"])
    assert list(curves(empty[2])) == ["dW1", "dW2", "dW3"] and "L" not in "".join(
        p.get("d") for svg in empty for p in curves(svg).values())  # no line yet, its legend already
    assert ">400<" in empty[0] and ">dW3<" in empty[2]


def test_the_same_gradient_matrix_gives_the_same_picture_built_once():
    dW = np.arange(20, dtype=np.float32).reshape(2, 10)
    first = pictures.matrix_picture(dW, "dW1", "unit", "pixel", name="dW1")
    assert pictures.matrix_picture(dW.copy(), "dW1", "unit", "pixel", name="dW1") is first  # equal numbers
    assert pictures.matrix_picture(dW + 1, "dW1", "unit", "pixel", name="dW1") is not first
    assert pictures.matrix_picture(dW, "dW2", "unit", "pixel", name="dW1") is not first


def test_the_matrix_picture_colours_each_entry_as_the_heatmap_does():
    import base64
    import io

    from PIL import Image

    M = np.array([[-2.0, 0.0, 1.0], [2.0, np.nan, -1.0]])
    svg = pictures.matrix_picture(M, "dZ2", "digit", "example", name="dZ2")
    raster = re.search(r'href="data:image/png;base64,([^"]+)"', svg).group(1)
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(raster))).convert("RGB")).astype(int)
    assert pixels.shape == (2, 3, 3)  # one pixel per entry, row 0 at the top
    reds, blues = pixels[..., 0], pixels[..., 2]
    assert tuple(pixels[0, 0]) == (103, 0, 31) and tuple(pixels[1, 0]) == (5, 48, 97)  # -max red, +max blue
    assert tuple(pixels[0, 1]) == (247, 247, 247) and tuple(pixels[1, 1]) == (220, 220, 220)  # 0 white, NaN grey
    assert blues[0, 2] > reds[0, 2] and reds[1, 2] > blues[1, 2]  # +1 bluish, -1 reddish
    for text in (">dZ2<", ">digit<", ">example<", ">2<", ">-2<"):
        assert text in svg


def test_the_pixel_grid_prints_every_value_in_a_cell_of_its_own_grey():

    image = np.arange(784).reshape(28, 28) % 256
    svg = summaries.pixel_grid(image.astype(np.uint8))
    cells = re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="30" height="30" fill="rgb\((\d+),\1,\1\)"/>', svg)
    printed = re.findall(r'fill="#(?:000|fff)">(\d+)</text>', svg)
    assert [int(v) for v in cells] == [int(v) for v in printed] == image.ravel().tolist()  # row after row
    dark_on_light = re.findall(r'fill="#000">(\d+)<', svg)
    assert dark_on_light and all(int(v) >= 128 for v in dark_on_light)  # readable: dark text on light cells only


def test_the_bars_picture_draws_each_value_by_sign_and_size_and_prints_it():

    values = np.array([[0.5], [-1.0], [2.0], [0.0], [-0.25]])
    svg = pictures.column_bars_picture(values, "unit j", off=[3])
    bars = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="20" fill="(#\w+)"/>', svg)
    assert [colour for _, _, colour in bars] == [colours.RDBU_BLUE, colours.RDBU_RED, colours.RDBU_BLUE,
                                                colours.RDBU_RED]  # unit 3 is off: no bar
    widths = np.array([float(w) for _, w, _ in bars])
    np.testing.assert_allclose(widths / widths[0], [1, 2, 4, 0.5], rtol=0.02)  # lengths in proportion
    for text in ("0.50", "-1.00", "2.00", "-0.25", "✕ off", "unit j"):
        assert f">{text}<" in svg



def bars_of(svg):
    """(height on screen, data-value) of each bar of a pictures.bar_picture."""
    return [(float(r.get("height")), float(r.get("data-value"))) for r in network_svg.bars(svg)]


def test_bar_pictures_draw_counts_and_probabilities_in_proportion_with_every_number_printed():
    counts = np.array([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    svg = summaries.class_counts_chart(counts)
    bars = bars_of(svg)
    assert [v for _, v in bars] == list(counts)
    heights = np.array([h for h, _ in bars])
    np.testing.assert_allclose(heights / heights[0], counts / counts[0], rtol=0.01)  # heights in proportion
    assert ">1,135<" in svg and ">Digits per class<" in svg and ">digit (label)<" in svg

    A = np.full((10, 1), 0.05)
    A[3] = 0.55
    svg = pictures.probability_bars(A, predicted=3, label=5)
    assert ">3 ★<" in svg and ">5 ✓<" in svg and ">55.0%<" in svg and ">100%<" in svg
    assert svg.count(f'fill="{colours.ORANGE}"') == 1  # the answer alone stands out
    assert [v for _, v in bars_of(svg)] == pytest.approx(list(A[:, 0]))


def test_the_pixel_histogram_is_on_a_log_scale_and_leaves_out_values_no_pixel_has():
    counts = np.zeros(256, dtype=np.int64)
    counts[0], counts[128], counts[255] = 100_000, 10, 1_000
    svg = summaries.pixel_histogram(counts)
    heights = {v: h for h, v in bars_of(svg)}
    assert heights[0] == 0  # value 1 (and most others): no pixel, no bar
    one_decade = (heights[1000] - heights[10]) / 2
    assert heights[100_000] - heights[1000] == pytest.approx(2 * one_decade, rel=0.01)  # equal steps per x10
    for tick in (">10<", ">1k<", ">100k<", ">255<"):
        assert tick in svg


def test_pictures_of_a_diverged_network_write_nan_and_inf_instead_of_failing():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "invalid value" on the way
        bars = pictures.column_bars_picture(np.array([[np.nan], [np.inf], [1.0], [-2.0]]), "unit j")
        picture = pictures.matrix_picture(np.array([[np.nan, np.inf], [-np.inf, 1.0]]), "W1", "unit", "pixel")
        empty = pictures.column_bars_picture(np.full((3, 1), np.nan), "unit j")
    assert ">nan<" in bars and ">inf<" in bars and ">-2.00<" in bars
    assert "<svg" in picture and ">nan<" in empty
