"""Plotly figures of the 任务进度 page: they take finished tables and labels, and only draw."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from traceboard.dashboard.assessment_charts import titled_layout

HOVER = "%{y}<br>%{text}<br>%{x|%Y-%m-%d}"
STATUS_COLOURS = {"on_time": "#2e7d32", "late": "#ef6c00", "overdue": "#c62828", "not_due": "#90a4ae"}


def milestone_timeline(
    rows: pd.DataFrame, units: str, names: str, labels: dict[str, str], as_of: dt.date, title: str
) -> go.Figure:
    """One line per unit: each milestone's due date (◇) and what was recorded (●), joined by a
    bar coloured by its standing — green on time, orange late, red overdue up to ``as_of``.

    ``rows``: the page's milestones (unit column ``units``, milestone name column ``names``,
    due_on, achieved_on, status); ``labels``: status → legend text, plus "due" and "today"."""
    order = list(dict.fromkeys(rows[units]))
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        part = rows[rows["status"] == status]
        if part.empty:
            continue
        end = part["achieved_on"].fillna(pd.Timestamp(as_of) if status == "overdue" else part["due_on"])
        xs, ys = [], []
        for unit, due, until in zip(part[units], part["due_on"], end, strict=True):
            xs += [due, until, None]
            ys += [unit, unit, None]
        fig.add_scatter(
            x=xs, y=ys, mode="lines", line={"color": colour, "width": 7}, name=labels[status],
            legendgroup=status, hoverinfo="skip",
        )  # fmt: skip
        shown = part[part["achieved_on"].notna()]
        fig.add_scatter(
            x=shown["achieved_on"], y=shown[units], mode="markers", marker={"color": colour, "size": 11},
            legendgroup=status, showlegend=False,
            text=[f"{n}: {labels[status]}" for n in shown[names]], hovertemplate=HOVER,
        )  # fmt: skip
    fig.add_scatter(
        x=rows["due_on"], y=rows[units], mode="markers", name=labels["due"],
        marker={"symbol": "diamond-open", "color": "#37474f", "size": 11, "line": {"width": 2}},
        text=[f"{n} · {labels['due']}" for n in rows[names]], hovertemplate=HOVER,
    )  # fmt: skip
    fig.add_vline(x=pd.Timestamp(as_of).timestamp() * 1000, line_dash="dot", line_color="#546e7a")
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1])
    fig.update_xaxes(gridcolor="#eceff1")
    return titled_layout(fig, title, height=max(320, 60 + 26 * len(order)))


def goal_bars(goals: pd.DataFrame, labels: dict[str, str], title: str) -> go.Figure:
    """Per sector (and the city): the rate reached against the target, one group per measure."""
    fig = go.Figure()
    fig.add_bar(x=goals["sector"], y=100 * goals["rate"], name=labels["rate"], marker_color="#1565c0")
    fig.add_bar(
        x=goals["sector"], y=100 * goals["connected_rate"], name=labels["connected"], marker_color="#00897b"
    )
    fig.add_scatter(
        x=goals["sector"], y=100 * goals["target"], mode="markers", name=labels["target"],
        marker={"symbol": "line-ew-open", "size": 34, "color": "#c62828", "line": {"width": 3}},
    )  # fmt: skip
    fig.add_scatter(
        x=goals["sector"], y=100 * goals["connection_target"], mode="markers",
        name=labels["connection_target"],
        marker={"symbol": "line-ew-open", "size": 34, "color": "#6a1b9a", "line": {"width": 3}},
    )  # fmt: skip
    fig.update_layout(barmode="group", yaxis={"ticksuffix": " %", "range": [0, 100]})
    return titled_layout(fig, title, height=380)


def county_lines(counties: pd.DataFrame, city: str, title: str) -> go.Figure:
    """Each county's published rate by year; the city drawn thick in red."""
    fig = go.Figure()
    for county, part in counties.groupby("county", sort=False):
        mine = county == city
        fig.add_scatter(
            x=part["year"], y=100 * part["rate"], mode="lines+markers", name=county,
            line={"width": 4 if mine else 1.5, "color": "#c62828" if mine else None},
            opacity=1.0 if mine else 0.6,
        )  # fmt: skip
    fig.update_layout(yaxis={"ticksuffix": " %"}, xaxis={"dtick": 1})
    return titled_layout(fig, title, height=380)
