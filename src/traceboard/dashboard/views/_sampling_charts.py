"""The estimates chart of the 双随机抽查 page: finished tables in, a Plotly figure out."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from traceboard.dashboard.charts import FONT

ESTIMATE = "#c62828"
MODEL = "#1565c0"


def estimate_bars(table: pd.DataFrame, labels: dict[str, str], title: str) -> go.Figure:
    """Horizontal bars of the HT share per domain with its 95 % interval, the model's prediction as dots."""
    data = table.dropna(subset=["share"])
    fig = go.Figure(
        go.Bar(
            x=data["share"],
            y=data["domain"].astype(str),
            orientation="h",
            marker_color=ESTIMATE,
            name=labels["share"],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (data["ci_high"] - data["share"]).fillna(0),
                "arrayminus": (data["share"] - data["ci_low"]).fillna(0),
                "color": "#455a64",
            },
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    predicted = data.dropna(subset=["predicted"])
    if len(predicted):
        fig.add_scatter(
            x=predicted["predicted"],
            y=predicted["domain"].astype(str),
            mode="markers",
            marker={"color": MODEL, "size": 11, "symbol": "diamond"},
            name=labels["model"],
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    fig.update_layout(
        title=title,
        font_family=FONT,
        height=max(300, 40 * len(data) + 140),
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return fig
