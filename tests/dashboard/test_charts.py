"""追溯覆盖率's charts and 总览's bars are written as the dict plotly makes of a figure
(docs/frame.md): each is what plotly's validators make of it, value for value, and Streamlit sends
it as it is."""

import datetime as dt
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io
import plotly.tools
import pytest

from tests.metrics.adoption_world import TARGETS, small_frame
from traceboard.dashboard import charts, names
from traceboard.data.frame import to_day
from traceboard.metrics.adoption_report import prepare_adoption_view

LABELS = {"rate": "覆盖率", "target": "目标", "year": "年份"}


def sent(fig) -> str:  # what st.plotly_chart puts in its element
    return plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(fig, True), validate=False)


def figures(day: dt.date, target: float | None = None):
    view = prepare_adoption_view(small_frame(), to_day(day), TARGETS)
    target = view.total["target"] if target is None else target
    return {
        "township_rates": charts.township_rates(view.by_township, target, LABELS, "各乡镇"),
        "rate_bars": charts.rate_bars(view.by_township_sector, "sector", LABELS, "各行业"),
        "tile_map": charts.tile_map(view.tiles, LABELS, "地图"),
        "rate_heatmap": charts.rate_heatmap(
            names.localize(view.by_township_sector, ["sector"]), "township", "sector", LABELS, "热力图"
        ),
        "trend_lines": charts.trend_lines(names.localize(view.trend, ["sector"]), "sector", LABELS, "趋势"),
        "no_bars": charts.township_rates(view.by_township.iloc[:0], target, LABELS, "空"),
        "no_tiles": charts.tile_map(view.tiles.iloc[:0], LABELS, "空"),
        "no_lines": charts.trend_lines(view.trend.iloc[:0], "sector", LABELS, "空"),
    }


@pytest.mark.parametrize(
    ("day", "target"),
    [(dt.date(2020, 6, 30), None), (dt.date(2020, 6, 30), np.nan), (dt.date(2016, 3, 1), None)],
)
def test_each_chart_is_what_plotly_validates_it_to(day, target):
    for name, fig in figures(day, target).items():
        shown = json.loads(sent(fig))
        # plotly's objects built from the chart, every property validated (an invalid one raises)
        validated = json.loads(sent(go.Figure(fig.to_dict())))
        assert shown == validated, name
        assert fig.layout.height == shown["layout"]["height"], name  # Streamlit reads it of the figure
        assert shown["layout"]["template"] == json.loads(sent(go.Figure()))["layout"]["template"]


def test_a_chart_sends_the_same_json_every_time():
    fig = figures(dt.date(2020, 6, 30))["township_rates"]
    first = sent(charts.drawn_once(fig))
    assert sent(fig) == first == sent(fig)
    assert json.loads(first)["data"][0]["y"] == json.loads(first)["data"][1]["y"]  # bars and their targets
