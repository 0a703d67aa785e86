"""The benchmark's DuckDB baselines compute the same adoption trend as traceboard's own table."""

import datetime as dt

import pandas as pd
import pytest

from tests.metrics.adoption_world import TARGETS, small_frame
from traceboard.bench.baselines import (
    ADOPTION_TREND_PREFIX_SQL,
    ADOPTION_TREND_SQL,
    TREND_SQL,
    duckdb_adoption_trend,
    duckdb_connection,
    trend_days,
)
from traceboard.data.frame import from_day, load_register_frame, to_day
from traceboard.demo import DEMO_AS_OF
from traceboard.metrics.adoption_report import trend_table

pytest.importorskip("duckdb")

KEY = ["year", "township", "sector"]
COUNTS = ["total", "adopted", "connected"]


def ours(frame, day, targets):
    """traceboard's trend_table, cells with enterprises in operation, as plain values."""
    table = trend_table(frame, ["township", "sector"], day, targets)
    table = table[table["total"] > 0]
    kinds = {"township": str, "sector": str}
    out = pd.DataFrame({c: table[c].astype(kinds.get(c, int)) for c in KEY + COUNTS})
    return out.sort_values(KEY, ignore_index=True)


def duckdb_table(frame, day, sql):
    days = trend_days(day)
    con = duckdb_connection(frame, days)
    try:
        raw = duckdb_adoption_trend(con, sql)
    finally:
        con.close()
    towns = frame.enterprises["township"].cat.categories
    sectors = frame.enterprises["sector"].cat.categories
    out = pd.DataFrame(
        {
            "year": [from_day(days[i]).year for i in raw["year"]],
            "township": [str(towns[i]) for i in raw["township"]],
            "sector": [str(sectors[i]) for i in raw["sector"]],
            **{c: raw[c].astype(int) for c in COUNTS},
        }
    )
    return out.sort_values(KEY, ignore_index=True)


def test_the_benchmark_times_both_formulations():
    assert TREND_SQL == (ADOPTION_TREND_SQL, ADOPTION_TREND_PREFIX_SQL)


@pytest.mark.parametrize("sql", TREND_SQL, ids=["asof", "prefix_sum"])
def test_both_duckdb_queries_give_the_hand_checked_world_s_trend(sql):
    # the world's edge cases: an adoption on the cut-off day itself, one after it, registration and
    # adoption on one day, a closing, a drop and a re-adoption, a disconnection
    frame, day = small_frame(), to_day(dt.date(2020, 6, 30))
    expected = ours(frame, day, TARGETS)
    assert len(expected) > 8 and expected["adopted"].sum() > 0 and expected["connected"].sum() > 0
    pd.testing.assert_frame_equal(duckdb_table(frame, day, sql), expected)


@pytest.mark.parametrize("sql", TREND_SQL, ids=["asof", "prefix_sum"])
def test_both_duckdb_queries_give_the_demo_s_trend(demo_engine, sql):
    from traceboard.data.adoption_targets import load_targets

    frame, day = load_register_frame(demo_engine), to_day(DEMO_AS_OF)
    expected = ours(frame, day, load_targets())
    assert expected["year"].nunique() > 5 and expected["connected"].sum() > 0
    pd.testing.assert_frame_equal(duckdb_table(frame, day, sql), expected)
