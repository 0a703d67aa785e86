"""Plotly figures of the 平台对接 page: they take finished tables and only draw."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from traceboard.dashboard.charts import _layout


def monthly_records(table: pd.DataFrame, labels: dict[str, str], title: str) -> go.Figure:
    """Records per month, one line per platform (``name, month, records``)."""
    fig = go.Figure()
    for name, part in table.groupby("name", sort=False):
        fig.add_trace(go.Scatter(x=part["month"], y=part["records"], mode="lines+markers", name=str(name)))
    fig.update_layout(title=title, xaxis_title=labels["month"], yaxis_title=labels["records"])
    return _layout(fig)


def enterprise_timeline(table: pd.DataFrame, labels: dict[str, str], title: str) -> go.Figure:
    """One enterprise's uploads: records per day as bars, one colour per platform."""
    fig = go.Figure()
    for name, part in table.groupby("platform", sort=False):
        fig.add_trace(go.Bar(x=part["date"], y=part["records"], name=str(name)))
    fig.update_layout(title=title, barmode="stack", xaxis_title=labels["date"], yaxis_title=labels["records"])
    return _layout(fig, height=320)
