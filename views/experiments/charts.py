"""The Experiments page's charts: the spread of one recipe's dev accuracy over seeds, and the ladder of
baselines (accuracy and seconds per rung).
"""

import math

import numpy as np
import plotly.graph_objects as go

from dashboard.colours import BLUE, ORANGE, PURPLE
from dashboard.plotly_charts import LARGE, large_text


def spread_figure(dev, seeds, bin_width=0.5):
    """Histogram of the dev accuracies (in %), one dot per run under it, mean and ± 1 SD marked."""
    mean, sd = float(np.mean(dev)), float(np.std(dev, ddof=1))
    start = math.floor(min(dev) / bin_width) * bin_width
    top = int(np.histogram(dev, bins=np.arange(start, max(dev) + 2 * bin_width, bin_width))[0].max())
    fig = go.Figure()
    fig.add_vrect(x0=mean - sd, x1=mean + sd, fillcolor=ORANGE, opacity=0.18, line_width=0, layer="below")
    fig.add_trace(go.Histogram(x=dev, xbins=dict(start=start, size=bin_width), marker=dict(color=BLUE, line=dict(
        color="white", width=1)), name="runs per bar", hovertemplate="%{x}: %{y} runs<extra></extra>"))
    fig.add_trace(go.Scatter(x=dev, y=[-0.35] * len(dev), mode="markers", name="one dot per run",
                             marker=dict(color="black", size=11, symbol="diamond"), customdata=seeds,
                             hovertemplate="seed %{customdata}: %{x:.1f}%<extra></extra>"))
    fig.add_vline(x=mean, line=dict(color=ORANGE, width=4))
    marks = [(mean, f"mean {mean:.1f}%", "center"), (mean - sd, "−1 SD", "right"), (mean + sd, "+1 SD", "left")]
    for x, text, side in marks:
        fig.add_annotation(x=x, y=1.0, yref="paper", yanchor="bottom", text=f"<b>{text}</b>", showarrow=False,
                           xanchor=side, font=dict(size=16, color="#9a6700" if "SD" in text else "black"))
    fig.update_xaxes(title="dev accuracy (%)")
    fig.update_yaxes(title="runs", dtick=1, range=[-0.8, top + 0.3], zeroline=True)
    fig.update_layout(bargap=0.05, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", y=-0.25, x=0.5, xanchor="center"))
    return large_text(fig, 400)


def accuracy_figure(rows):
    """Grouped bars: train, dev (and test, for full MNIST) accuracy of each rung."""
    fig = go.Figure()
    labels = [r["label"] for r in rows]
    sets = [("train", BLUE, ""), ("dev", ORANGE, "/"), ("test", PURPLE, "x")]
    for name, colour, pattern in sets:
        if f"{name} accuracy" in rows[0]:
            y = [r[f"{name} accuracy"] for r in rows]
            fig.add_trace(go.Bar(x=labels, y=y, name=f"{name} accuracy", marker=dict(color=colour, pattern=dict(
                shape=pattern, fgcolor="white", fillmode="overlay", solidity=0.3)), text=[f"{v:.1f}" for v in y],
                textposition="outside", textfont=LARGE, hovertemplate="%{x}: %{y:.1f}%<extra>" + name + "</extra>"))
    fig.update_yaxes(title="accuracy (%)", range=[0, 109], dtick=20)
    fig.update_layout(barmode="group", bargap=0.25, title=dict(text="Accuracy of each rung (%)", font=dict(size=18)),
                      margin=dict(l=10, r=10, t=50, b=10), legend=dict(orientation="h", y=1.0, x=1, xanchor="right",
                                                                       yanchor="bottom"))
    return large_text(fig, 460)


def seconds_figure(rows):
    """Seconds of training of each rung."""
    labels, seconds = [r["label"] for r in rows], [r["seconds"] for r in rows]
    fig = go.Figure(go.Bar(y=labels, x=seconds, orientation="h", marker_color="#555555",
                           text=[f"{s:.1f} s" for s in seconds], textposition="outside", textfont=LARGE,
                           hovertemplate="%{y}: %{x:.2f} s<extra></extra>"))
    fig.update_xaxes(title="seconds", range=[0, max(seconds) * 1.35 + 0.01])
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(margin=dict(l=10, r=10, t=50, b=10),
                      title=dict(text="Seconds of training per run", font=dict(size=18)))
    return large_text(fig, 460)
