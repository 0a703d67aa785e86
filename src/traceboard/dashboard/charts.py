"""Plotly figures shared by the pages: they take finished tables and only draw."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
ADOPTED = "#2e7d32"
NOT_ADOPTED = "#cfd8dc"
CONNECTED = "#1565c0"


def _layout(fig: go.Figure, height: int = 380) -> go.Figure:
    fig.update_layout(
        font_family=FONT,
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        plot_bgcolor="white",
    )
    fig.update_xaxes(gridcolor="#eceff1")
    fig.update_yaxes(gridcolor="#eceff1")
    return fig


def rate_bars(table: pd.DataFrame, group: str, labels: dict[str, str], title: str) -> go.Figure:
    """Horizontal bars of ``rate`` per ``group`` with Wilson error bars (from ``ci_low``/``ci_high``)."""
    data = table.dropna(subset=["rate"]).sort_values("rate")
    fig = go.Figure(
        go.Bar(
            x=data["rate"],
            y=data[group].astype(str),
            orientation="h",
            marker_color=ADOPTED,
            error_x={
                "type": "data",
                "symmetric": False,
                "array": data["ci_high"] - data["rate"],
                "arrayminus": data["rate"] - data["ci_low"],
                "color": "#455a64",
            },
            customdata=data[["adopted", "total"]],
            hovertemplate="%{y}: %{x:.1%} (%{customdata[0]:,} / %{customdata[1]:,})<extra></extra>",
            name=labels["rate"],
        )
    )
    fig.update_xaxes(tickformat=".0%", range=[0, 1], title=labels["rate"])
    fig.update_layout(title=title)
    return _layout(fig, height=max(300, 28 * len(data) + 120))


def stacked_counts(table: pd.DataFrame, group: str, labels: dict[str, str], title: str) -> go.Figure:
    """Stacked bars per ``group``: connected, adopted but not connected, not adopted."""
    data = table.sort_values("total", ascending=False)
    fig = go.Figure()
    parts = [
        (labels["connected"], data["connected"], CONNECTED),
        (labels["adopted_only"], data["adopted"] - data["connected"], ADOPTED),
        (labels["not_adopted"], data["total"] - data["adopted"], NOT_ADOPTED),
    ]
    for name, values, color in parts:
        fig.add_bar(x=data[group].astype(str), y=values, name=name, marker_color=color)
    fig.update_layout(barmode="stack", title=title)
    return _layout(fig)
