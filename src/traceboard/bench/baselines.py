"""DuckDB baselines for the benchmark: the same tables computed by a columnar SQL engine
on the same in-memory data (``duckdb`` is a development dependency, imported lazily).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from traceboard.data.frame import EVENT_CODES, RegisterFrame, to_day
from traceboard.metrics.adoption_report import FIRST_TREND_YEAR

# Adoption and connection state per enterprise at each cut-off day, then counts per
# township × sector × day. Each day's cut-off is the last event sequence number on or
# before it (events are numbered in day order); each enterprise's last event of a pair up
# to the cut-off is found with an ASOF join.
ADOPTION_TREND_SQL = """
WITH
cuts AS (
    SELECT y.year, y.day, coalesce((SELECT max(seq) FROM ev WHERE ev.day <= y.day), -1) AS cut
    FROM years y
),
adoption AS (SELECT pos, seq, kind FROM ev WHERE kind IN ({adopted}, {dropped})),
connection AS (SELECT pos, seq, kind FROM ev WHERE kind IN ({connected}, {disconnected})),
active AS (
    SELECT c.year, c.cut, n.pos, n.township, n.sector
    FROM ent n JOIN cuts c ON n.registered <= c.day AND n.closed > c.day
)
SELECT s.year, s.township, s.sector,
       count(*) AS total,
       count(*) FILTER (WHERE a.kind = {adopted}) AS adopted,
       count(*) FILTER (WHERE a.kind = {adopted} AND k.kind = {connected}) AS connected
FROM active s
ASOF LEFT JOIN adoption a ON a.pos = s.pos AND s.cut >= a.seq
ASOF LEFT JOIN connection k ON k.pos = s.pos AND s.cut >= k.seq
GROUP BY s.year, s.township, s.sector
""".format(**EVENT_CODES)


def trend_days(day: int) -> list[int]:
    """Year ends from the first trend year, then ``day`` itself (the days trend_table reports)."""
    last = (dt.date(1970, 1, 1) + dt.timedelta(days=day)).year
    return [to_day(dt.date(y, 12, 31)) for y in range(FIRST_TREND_YEAR, last)] + [day]


def duckdb_connection(frame: RegisterFrame, days: list[int]):
    """The frame's arrays as in-memory DuckDB tables (loaded once, outside any timing)."""
    import duckdb

    ent = frame.enterprises
    con = duckdb.connect()
    tables = {
        "ent": pd.DataFrame(
            {
                "pos": np.arange(len(ent), dtype=np.int32),
                "township": ent["township"].cat.codes.to_numpy(),
                "sector": ent["sector"].cat.codes.to_numpy(),
                "registered": ent["registered"].to_numpy(),
                "closed": ent["closed"].to_numpy(),
            }
        ),
        "ev": frame.events.assign(seq=np.arange(len(frame.events), dtype=np.int32)),
        "years": pd.DataFrame({"year": range(len(days)), "day": np.array(days, dtype=np.int32)}),
    }
    for name, table in tables.items():
        con.register(f"{name}_df", table)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_df")
        con.unregister(f"{name}_df")
    return con


def duckdb_adoption_trend(con, sql: str = ADOPTION_TREND_SQL) -> pd.DataFrame:
    return con.execute(sql).fetch_df()
