"""The shared figure and table helpers: the fast ways give the same charts and tables as the slow ones."""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard import figures


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

    fast = figures.restyled(two_charts(), dict(height=300, font=dict(size=16), margin=dict(l=10, r=10, t=40, b=10),
                                          legend=dict(font=dict(size=16))),
                       axes=dict(tickfont=dict(size=15), title=dict(font=dict(size=16))),
                       yaxes=dict(autorange="reversed"),
                       traces={"heatmap": dict(colorbar=dict(tickfont=dict(size=15)))})
    assert fast.to_dict() == slow.to_dict()


def test_restyled_leaves_a_setting_given_as_none_alone_and_shares_no_dicts():
    fig = go.Figure(go.Bar(x=[1, 2], y=[3, 4]), layout=dict(xaxis=dict(dtick=2), title=dict(text="kept")))
    axis = dict(tickfont=dict(size=15), dtick=None)
    out = figures.restyled(fig, dict(title=None), axes=axis)
    layout = out.to_dict()["layout"]
    assert layout["xaxis"]["dtick"] == 2 and "dtick" not in layout["yaxis"]
    assert layout["title"]["text"] == "kept"
    axis["tickfont"]["size"] = 99  # the figure holds copies, not the caller's dicts
    assert out.layout.xaxis.tickfont.size == 15 and out.layout.yaxis.tickfont.size == 15


def test_a_wide_table_has_every_column_and_value_in_order():
    values = np.arange(2 * 784).reshape(2, 784)
    table = figures.wide_table(values, [f"pixel{k}" for k in range(784)], ["digit 0", "digit 1"], "row")
    assert table.num_rows == 2 and table.column_names == ["row"] + [f"pixel{k}" for k in range(784)]
    assert table.column("row").to_pylist() == ["digit 0", "digit 1"]
    assert table.column("pixel783").to_pylist() == [783, 1567]
    assert figures.wide_table(values, range(784)).column_names[:2] == ["0", "1"]


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


def test_unit_images_gives_each_image_its_own_square_axes_and_one_shared_colour_scale():
    rows = np.random.default_rng(0).normal(size=(7, 784))
    fig = figures.unit_images(rows, [f"unit {k}" for k in range(7)], "weight", per_line=5)
    assert len(fig.data) == 7 and len(axes_of(fig)) == 14
    trace_axes_exist_and_fit_on_the_page(fig)
    assert all(trace.coloraxis == "coloraxis" for trace in fig.data)
    limit = np.abs(rows).max()
    assert fig.layout.coloraxis.cmin == -limit and fig.layout.coloraxis.cmax == limit and fig.layout.coloraxis.cmid == 0
    for k in range(7):
        n = str(k + 1) if k else ""
        assert fig.layout["yaxis" + n].scaleanchor == "x" + n  # square pixels
    assert [a.text for a in fig.layout.annotations] == [f"unit {k}" for k in range(7)]
    np.testing.assert_array_equal(fig.data[3].z, rows[3].reshape(28, 28))


def test_the_mistakes_figure_puts_each_image_above_its_probabilities():
    rng = np.random.default_rng(1)
    X, Y = rng.random((784, 20)), rng.integers(0, 10, 20)
    A = rng.dirichlet(np.ones(10), size=20).T
    fig = figures.mistakes_figure(X, Y, A, [3, 7, 11])
    assert [t.type for t in fig.data] == ["heatmap", "bar"] * 3
    trace_axes_exist_and_fit_on_the_page(fig)
    layout = fig.layout
    for image, bars in zip(fig.data[0::2], fig.data[1::2], strict=True):
        image_x, bars_x = layout["xaxis" + image.xaxis[1:]], layout["xaxis" + bars.xaxis[1:]]
        assert image_x.domain == bars_x.domain  # same column
        assert layout["yaxis" + image.yaxis[1:]].domain[0] > layout["yaxis" + bars.yaxis[1:]].domain[1]  # above
    assert [a.text for a in layout.annotations] == [f"true {Y[i]}, said {A[:, i].argmax()}" for i in (3, 7, 11)]


def test_visitors_following_one_run_share_its_curves_figure():
    from nn_core.training import StepRecord

    records = [StepRecord(step, step / 1, 2.0 / step, 0.5, 0.4, {"W1": 0.1, "W2": 0.2}) for step in range(1, 6)]
    first = figures.curves_figure(list(records), 10)  # two visitors' views: two lists of the same records
    assert figures.curves_figure(list(records), 10) is first and figures.shared(first)
    later = figures.curves_figure(records + [StepRecord(6, 6.0, 0.3, 0.5, 0.4, {"W1": 0.1, "W2": 0.2})], 10)
    assert later is not first and len(later.data[0].x) == 6
    assert not figures.shared(two_charts())


def test_the_same_gradient_matrix_gives_the_same_figure_built_once():
    dW = np.arange(20, dtype=np.float32).reshape(2, 10)
    first = figures.matrix_figure(dW, "dW1", "unit", "pixel", name="dW1")
    assert figures.matrix_figure(dW.copy(), "dW1", "unit", "pixel", name="dW1") is first  # equal numbers
    assert figures.shared(first)
    assert figures.matrix_figure(dW + 1, "dW1", "unit", "pixel", name="dW1") is not first
    assert figures.matrix_figure(dW, "dW2", "unit", "pixel", name="dW1") is not first
