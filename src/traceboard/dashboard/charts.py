"""Plotly figures shared by the pages: they take finished tables and only draw."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

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
    fig.update_xaxes(tickangle=-45)  # 24 Chinese names side by side would stand vertically
    # The slanted names take the space below the plot: the legend goes above it.
    return _layout(fig).update_layout(
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"}, margin={"t": 90}
    )


TARGET = "#c62828"
SECTOR_COLORS = ("#2e7d32", "#1565c0", "#6a1b9a", "#ef6c00", "#00838f", "#ad1457", "#5d4037", "#546e7a")


def township_rates(table: pd.DataFrame, target: float, labels: dict[str, str], title: str) -> go.Figure:
    """Bars of ``rate`` per township sorted by rate, Wilson error bars, each township's target as a
    tick and the overall ``target`` as a vertical line."""
    fig = rate_bars(table, "township", labels, title)
    data = table.dropna(subset=["rate"]).sort_values("rate")
    fig.add_scatter(
        x=data["target"],
        y=data["township"].astype(str),
        mode="markers",
        marker={"symbol": "line-ns-open", "size": 18, "color": TARGET, "line": {"width": 2}},
        name=labels["target"],
        hovertemplate="%{y}: " + labels["target"] + " %{x:.1%}<extra></extra>",
    )
    if pd.notna(target):
        fig.add_vline(x=target, line_dash="dash", line_color=TARGET, annotation_text=f"{target:.0%}")
    return fig


def rate_heatmap(table: pd.DataFrame, rows: str, cols: str, labels: dict[str, str], title: str) -> go.Figure:
    """Heatmap of ``rate`` (rows × cols, in the tables' category order); empty cells blank."""
    order = {"index": pd.unique(table[rows]), "columns": pd.unique(table[cols])}  # the table's order
    grid = table.pivot(index=rows, columns=cols, values="rate").reindex(**order)
    counts = table.pivot(index=rows, columns=cols, values="total").reindex(**order)
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[str(c) for c in grid.columns],
            y=[str(r) for r in grid.index],
            customdata=counts.to_numpy(),
            colorscale="RdYlGn",
            zmin=0,
            zmax=1,
            colorbar={"tickformat": ".0%", "title": labels["rate"]},
            hovertemplate="%{y} · %{x}: %{z:.1%} (n=%{customdata})<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(title=title)
    return _layout(fig, height=max(380, 24 * len(grid) + 140))


def trend_lines(trend: pd.DataFrame, group: str, labels: dict[str, str], title: str) -> go.Figure:
    """A line of ``rate`` per ``group`` over ``year``, its ``target`` as a dashed step of the same colour."""
    fig = go.Figure()
    present = trend.groupby(group, observed=True)["total"].sum()
    names = [n for n in trend[group].cat.categories if present.get(n, 0) > 0]
    for i, name in enumerate(names):
        data = trend[trend[group] == name]
        color = SECTOR_COLORS[i % len(SECTOR_COLORS)]
        fig.add_scatter(
            x=data["year"], y=data["rate"], mode="lines+markers", name=str(name), line_color=color
        )
        fig.add_scatter(
            x=data["year"],
            y=data["target"],
            mode="lines",
            line={"dash": "dot", "color": color, "shape": "hv"},
            name=f"{name} {labels['target']}",
            showlegend=False,
            hovertemplate=f"{name} {labels['target']}" + ": %{y:.0%}<extra></extra>",
        )
    fig.update_yaxes(tickformat=".0%", range=[0, 1], title=labels["rate"])
    fig.update_xaxes(dtick=1, title=labels["year"])
    fig.update_layout(title=title)
    return _layout(fig, height=420)


def tile_map(tiles: pd.DataFrame, labels: dict[str, str], title: str) -> go.Figure:
    """Township-level units as coloured squares at (``map_col``, ``map_row``), north up; no map tiles."""
    data = tiles.dropna(subset=["map_row", "map_col"])
    text = [
        f"{s}<br>{r:.0%}" if pd.notna(r) else f"{s}<br>—"
        for s, r in zip(data["short_name"].fillna(data["township"]), data["rate"], strict=True)
    ]
    fig = go.Figure(
        go.Scatter(
            x=data["map_col"],
            y=data["map_row"],
            mode="markers+text",
            text=text,
            textfont={"size": 11},
            marker={
                "symbol": "square",
                "size": 58,
                "color": data["rate"],
                "colorscale": "RdYlGn",
                "cmin": 0,
                "cmax": 1,
                "colorbar": {"tickformat": ".0%", "title": labels["rate"]},
                "line": {"color": "white", "width": 2},
            },
            customdata=data[["township", "adopted", "total"]],
            hovertemplate="%{customdata[0]}: %{customdata[1]:,} / %{customdata[2]:,}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", visible=False)
    fig.update_xaxes(visible=False, range=[data["map_col"].min() - 0.7, data["map_col"].max() + 0.7])
    fig.update_layout(title=title)
    return _layout(fig, height=90 * (int(data["map_row"].max()) if len(data) else 1) + 120)
