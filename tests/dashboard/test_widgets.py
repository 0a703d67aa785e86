"""A table or chart kept in a per-version cache and shown again sends what it sent when it was made."""

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import plotly.io
import plotly.tools
import pyarrow as pa
from streamlit import dataframe_util

from traceboard.dashboard import charts, widgets


def test_a_prepared_table_is_the_arrow_streamlit_makes_of_its_rows():
    frame = pd.DataFrame(
        {
            "uscc": ["91430381MA4L0001X", "91430381MA4L0002X"],
            "count": [3, 1200],
            "score": [92.5, 76.0],
            "checked_on": [dt.date(2026, 3, 1), None],
        }
    )
    table = widgets.table_of(frame, {"uscc": "统一社会信用代码", "count": "数量"})
    assert isinstance(table.rows, pa.Table)
    shown = frame.rename(columns={"uscc": "统一社会信用代码", "count": "数量"})
    # the bytes st.dataframe sends of the table equal those it sends of the renamed frame
    assert dataframe_util.convert_arrow_table_to_arrow_bytes(
        table.rows
    ) == dataframe_util.convert_pandas_df_to_arrow_bytes(shown)
    assert set(table.column_config) == {"数量", "score"}  # formats keyed by heading, as before


def test_a_large_table_stays_pandas():
    frame = pd.DataFrame({"n": range(widgets.ARROW_ROWS + 1)})
    assert isinstance(widgets.table_of(frame).rows, pd.DataFrame)


def test_a_drawn_chart_sends_the_same_json_every_time():
    rates = pd.DataFrame(
        {"township": ["东山", "西岭"], "rate": [0.5, 0.8], "ci_low": [0.4, 0.7], "ci_high": [0.6, 0.9]}
    ).assign(adopted=[5, 8], total=10)

    def figure() -> go.Figure:
        return charts.rate_bars(rates, "township", {"rate": "采用率", "target": "目标"}, "各乡镇")

    def sent(fig) -> str:  # what st.plotly_chart puts in its element
        return plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(fig, True), validate=False)

    drawn = charts.drawn_once(figure())
    assert sent(drawn) == sent(figure())
    assert sent(drawn) == sent(figure())  # the dict it gives is not changed by being sent
