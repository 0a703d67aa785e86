"""Plotly figures of the 年度考核 page: they take finished tables and only draw."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
GRADE_COLOURS = {"优秀": "#2e7d32", "良好": "#1565c0", "合格": "#f9a825", "不合格": "#c62828"}


def titled_layout(fig: go.Figure, title: str, height: int = 360) -> go.Figure:
    """The assessment and timetable pages' look: title, CJK font, white plot, legend below."""
    fig.update_layout(
        title=title,
        font_family=FONT,
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def grade_distribution(counts: pd.DataFrame, labels: dict[str, str], title: str) -> go.Figure:
    """Grouped bars: units per grade (rows: grade; columns: one per kind, already labelled)."""
    fig = go.Figure()
    for column in counts.columns:
        fig.add_bar(x=[str(g) for g in counts.index], y=counts[column], name=labels.get(column, column))
    fig.update_layout(barmode="group")
    return titled_layout(fig, title)


def radar(profile: pd.DataFrame, names: pd.Series, labels: dict[str, str], title: str) -> go.Figure:
    """The unit's share of each indicator (0–100 %) against the average of its kind."""
    theta = names.tolist() + names.tolist()[:1]
    fig = go.Figure()
    for column, colour in (("average", "#90a4ae"), ("share", "#1565c0")):
        values = (100 * profile[column].fillna(0)).tolist()
        fig.add_scatterpolar(
            r=values + values[:1], theta=theta, name=labels[column], line_color=colour, fill="toself"
        )
    fig.update_layout(polar={"radialaxis": {"range": [0, 100], "ticksuffix": "%"}})
    return titled_layout(fig, title, height=460)


def change_bars(units: pd.DataFrame, title: str) -> go.Figure:
    """Score change against last year per unit, sorted, coloured by sign."""
    data = units.dropna(subset=["change"]).sort_values("change")
    colours = ["#2e7d32" if c >= 0 else "#c62828" for c in data["change"]]
    fig = go.Figure(go.Bar(x=data["change"], y=data["unit"], orientation="h", marker_color=colours))
    return titled_layout(fig, title, height=max(300, 22 * len(data) + 100))


def history_lines(history: pd.DataFrame, labels: dict[str, str], title: str) -> go.Figure:
    """One unit's score by year against its kind's average (columns: year, score, kind_average)."""
    fig = go.Figure()
    fig.add_scatter(
        x=history["year"], y=history["kind_average"], name=labels["average"], line_color="#90a4ae"
    )
    fig.add_scatter(
        x=history["year"],
        y=history["score"],
        name=labels["score"],
        line_color="#1565c0",
        mode="lines+markers",
    )
    fig.update_yaxes(range=[0, 100])
    fig.update_xaxes(dtick=1)
    return titled_layout(fig, title)
