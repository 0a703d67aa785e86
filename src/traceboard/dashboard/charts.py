"""Plotly figures shared by the pages: they take finished tables and only draw."""

from __future__ import annotations

import functools

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.basevalidators import ColorscaleValidator, copy_to_readonly_numpy_array
from _plotly_utils.utils import convert_to_base64

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
ADOPTED = "#2e7d32"
NOT_ADOPTED = "#cfd8dc"
CONNECTED = "#1565c0"


def drawn_once(fig: go.Figure) -> go.Figure:
    """``fig`` for a per-version cache (``dashboard.state``), which keeps it for every session and
    rerun, none of which changes it: its dict made now, once, and given to every draw after.

    ``st.plotly_chart`` asks the figure for its dict (``to_dict``: a deep copy of every trace, its
    number arrays encoded as base64) on each rerun, and then turns that dict into the chart's JSON:
    the most of a rerun's time on a page of charts. The dict is the one the figure gave, so each
    rerun sends the chart it sent before.
    """
    shown = fig.to_dict()
    fig.to_dict = lambda: shown  # a known attribute of a figure, which plotly lets be set
    return fig


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


# --- figures given as plotly's own dict of them -------------------------------------------------
#
# Building a figure of plotly's objects validates every property one by one (most of the time of
# 追溯覆盖率's charts, whose data are a few dozen values). The charts below are written as the dict
# plotly makes of such a figure (``to_dict``): every value as its validators leave it (arrays
# through plotly's own conversion, a named colour scale expanded, nested objects in plotly's key
# order), then its arrays typed as ``to_dict`` types them. tests/dashboard/test_charts.py checks
# each against plotly's validators; the JSON Streamlit sends is the one the objects gave.


def _array(values):
    """An array-like value as plotly's validators keep it (a read-only NumPy array)."""
    return copy_to_readonly_numpy_array(values)


@functools.cache
def _colorscale(name: str) -> list:
    return ColorscaleValidator("colorscale", "heatmap").validate_coerce(name)


@functools.cache
def _template_of(name: str | None) -> dict | None:
    return go.Figure().to_dict()["layout"].get("template")


def _figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure that is ``{"data": data, "layout": layout}`` with the default template, as
    ``to_dict`` gives it, without plotly's objects: the figure holds only the height (which
    Streamlit reads of the figure itself); its ``to_dict`` gives the dict (:func:`drawn_once`
    keeps it so)."""
    template = _template_of(pio.templates.default)
    spec = {"data": data, "layout": {"template": template, **layout} if template is not None else layout}
    convert_to_base64(spec)
    fig = go.Figure(layout={"height": layout["height"]})
    fig.to_dict = lambda: spec  # a known attribute of a figure, which plotly lets be set
    return fig


def _common_layout(height: int) -> dict:
    """What :func:`_layout` sets, in the order plotly's dict has it (after the axes and title)."""
    return {
        "font": {"family": FONT},
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "legend": {"orientation": "h", "y": -0.15},
        "height": height,
        "plot_bgcolor": "white",
    }


GRID = {"gridcolor": "#eceff1"}


def rate_bars(table: pd.DataFrame, group: str, labels: dict[str, str], title: str) -> go.Figure:
    """Horizontal bars of ``rate`` per ``group`` with Wilson error bars (from ``ci_low``/``ci_high``)."""
    data = table.dropna(subset=["rate"]).sort_values("rate")
    bars, layout = _rate_bars(data, group, labels, title)
    return _figure([bars], layout)


def _rate_bars(data: pd.DataFrame, group: str, labels: dict[str, str], title: str) -> tuple[dict, dict]:
    """The bars of :func:`rate_bars` (``data`` sorted, without a rate-less row) and their layout."""
    bars = {
        "customdata": _array(data[["adopted", "total"]]),
        "error_x": {
            "array": _array(data["ci_high"] - data["rate"]),
            "arrayminus": _array(data["rate"] - data["ci_low"]),
            "color": "#455a64",
            "symmetric": False,
            "type": "data",
        },
        "hovertemplate": "%{y}: %{x:.1%} (%{customdata[0]:,} / %{customdata[1]:,})<extra></extra>",
        "marker": {"color": ADOPTED},
        "name": labels["rate"],
        "orientation": "h",
        "x": _array(data["rate"]),
        "y": _array(data[group].astype(str)),
        "type": "bar",
    }
    layout = {
        "xaxis": {"tickformat": ".0%", "range": [0, 1], "title": {"text": labels["rate"]}, **GRID},
        "title": {"text": title},
        **_common_layout(max(300, 28 * len(data) + 120)),
        "yaxis": dict(GRID),
    }
    return bars, layout


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
    fig.update_xaxes(tickangle=-45)  # 24 Chinese names side by side would stand vertically
    # The slanted names take the space below the plot: the legend goes above it.
    return _layout(fig).update_layout(
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"}, margin={"t": 90}
    )


TARGET = "#c62828"
SECTOR_COLORS = ("#2e7d32", "#1565c0", "#6a1b9a", "#ef6c00", "#00838f", "#ad1457", "#5d4037", "#546e7a")


def township_rates(table: pd.DataFrame, target: float, labels: dict[str, str], title: str) -> go.Figure:
    """Bars of ``rate`` per township sorted by rate, Wilson error bars, each township's target as a
    tick and the overall ``target`` as a vertical line (:func:`rate_bars` with the targets)."""
    data = table.dropna(subset=["rate"]).sort_values("rate")
    bars, layout = _rate_bars(data, "township", labels, title)
    ticks = {
        "hovertemplate": "%{y}: " + labels["target"] + " %{x:.1%}<extra></extra>",
        "marker": {"color": TARGET, "line": {"width": 2}, "size": 18, "symbol": "line-ns-open"},
        "mode": "markers",
        "name": labels["target"],
        "x": _array(data["target"]),
        "y": bars["y"],
        "type": "scatter",
    }
    if pd.notna(target):
        line = {"color": TARGET, "dash": "dash"}
        layout["shapes"] = [
            {"line": line, "type": "line", "x0": target, "x1": target, "xref": "x"}
            | {"y0": 0, "y1": 1, "yref": "y domain"}
        ]
        layout["annotations"] = [
            {"showarrow": False, "text": f"{target:.0%}", "x": target, "xanchor": "left", "xref": "x"}
            | {"y": 1, "yanchor": "top", "yref": "y domain"}
        ]
    return _figure([bars, ticks], layout)


def rate_heatmap(table: pd.DataFrame, rows: str, cols: str, labels: dict[str, str], title: str) -> go.Figure:
    """Heatmap of ``rate`` (rows × cols, in the tables' category order); empty cells blank."""
    order = {"index": pd.unique(table[rows]), "columns": pd.unique(table[cols])}  # the table's order
    grid = table.pivot(index=rows, columns=cols, values="rate").reindex(**order)
    counts = table.pivot(index=rows, columns=cols, values="total").reindex(**order)
    heat = {
        "colorbar": {"tickformat": ".0%", "title": {"text": labels["rate"]}},
        "colorscale": _colorscale("RdYlGn"),
        "customdata": _array(counts.to_numpy()),
        "hovertemplate": "%{y} · %{x}: %{z:.1%} (n=%{customdata})<extra></extra>",
        "x": [str(c) for c in grid.columns],
        "y": [str(r) for r in grid.index],
        "z": _array(grid.to_numpy()),
        "zmax": 1,
        "zmin": 0,
        "type": "heatmap",
    }
    layout = {
        "yaxis": {"autorange": "reversed", **GRID},
        "title": {"text": title},
        **_common_layout(max(380, 24 * len(grid) + 140)),
        "xaxis": dict(GRID),
    }
    return _figure([heat], layout)


def trend_lines(trend: pd.DataFrame, group: str, labels: dict[str, str], title: str) -> go.Figure:
    """A line of ``rate`` per ``group`` over ``year``, its ``target`` as a dashed step of the same colour."""
    lines = []
    present = trend.groupby(group, observed=True)["total"].sum()
    names = [n for n in trend[group].cat.categories if present.get(n, 0) > 0]
    for i, name in enumerate(names):
        data = trend[trend[group] == name]
        color = SECTOR_COLORS[i % len(SECTOR_COLORS)]
        years = _array(data["year"])
        lines.append(
            {"line": {"color": color}, "mode": "lines+markers", "name": str(name)}
            | {"x": years, "y": _array(data["rate"]), "type": "scatter"}
        )
        lines.append(
            {
                "hovertemplate": f"{name} {labels['target']}" + ": %{y:.0%}<extra></extra>",
                "line": {"color": color, "dash": "dot", "shape": "hv"},
                "mode": "lines",
                "name": f"{name} {labels['target']}",
                "showlegend": False,
                "x": years,
                "y": _array(data["target"]),
                "type": "scatter",
            }
        )
    layout = {
        "yaxis": {"tickformat": ".0%", "range": [0, 1], "title": {"text": labels["rate"]}, **GRID},
        "xaxis": {"dtick": 1, "title": {"text": labels["year"]}, **GRID},
        "title": {"text": title},
        **_common_layout(420),
    }
    return _figure(lines, layout)


def tile_map(tiles: pd.DataFrame, labels: dict[str, str], title: str) -> go.Figure:
    """Township-level units as coloured squares at (``map_col``, ``map_row``), north up; no map tiles."""
    data = tiles.dropna(subset=["map_row", "map_col"])
    text = [
        f"{s}<br>{r:.0%}" if pd.notna(r) else f"{s}<br>—"
        for s, r in zip(data["short_name"].fillna(data["township"]), data["rate"], strict=True)
    ]
    squares = {
        "customdata": _array(data[["township", "adopted", "total"]]),
        "hovertemplate": "%{customdata[0]}: %{customdata[1]:,} / %{customdata[2]:,}<extra></extra>",
        "marker": {
            "cmax": 1,
            "cmin": 0,
            "color": _array(data["rate"]),
            "colorbar": {"tickformat": ".0%", "title": {"text": labels["rate"]}},
            "colorscale": _colorscale("RdYlGn"),
            "line": {"color": "white", "width": 2},
            "size": 58,
            "symbol": "square",
        },
        "mode": "markers+text",
        "text": text,
        "textfont": {"size": 11},
        "x": _array(data["map_col"]),
        "y": _array(data["map_row"]),
        "type": "scatter",
    }
    layout = {
        "yaxis": {"autorange": "reversed", "visible": False, **GRID},
        "xaxis": {
            "visible": False,
            "range": [data["map_col"].min() - 0.7, data["map_col"].max() + 0.7],
            **GRID,
        },
        "title": {"text": title},
        **_common_layout(90 * (int(data["map_row"].max()) if len(data) else 1) + 120),
    }
    return _figure([squares], layout)
