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


# The same table as interval arithmetic: every enterprise's state — active (registered on or
# before the day, closed after it), adopted (its last adoption event is "adopted"), connected
# (adopted, and its last connection event is "connected") — changes only at its registration,
# its closing and its events. Each change becomes +1/−1 on each of the three indicators
# (the indicator after the change minus before, per enterprise in event order), booked at the
# first cut-off on or after its day; the counts at each cut-off are the cumulative sums of
# those deltas per township × sector. No join from enterprises to cut-offs: one pass over
# enterprises and events, then a prefix sum over a dozen cut-offs.
ADOPTION_TREND_PREFIX_SQL = """
WITH
bounds AS (SELECT max(day) AS last FROM years),
changes AS (
    SELECT pos, registered AS day, -1 AS seq, 1 AS step, NULL::INTEGER AS kind
    FROM ent WHERE registered <= (SELECT last FROM bounds)
    UNION ALL
    SELECT pos, closed, -1, -1, NULL FROM ent WHERE closed <= (SELECT last FROM bounds)
    UNION ALL
    SELECT pos, day, seq, 0, kind FROM ev WHERE day <= (SELECT last FROM bounds)
),
states AS (
    SELECT pos, day, seq, step,
           sum(step) OVER w = 1 AS active,
           coalesce(last_value(CASE WHEN kind IN ({adopted}, {dropped}) THEN kind END IGNORE NULLS)
                    OVER w = {adopted}, false) AS adopted,
           coalesce(last_value(CASE WHEN kind IN ({connected}, {disconnected}) THEN kind END IGNORE NULLS)
                    OVER w = {connected}, false) AS connected
    FROM changes
    WINDOW w AS (PARTITION BY pos ORDER BY day, seq, step ROWS UNBOUNDED PRECEDING)
),
flags AS (
    SELECT pos, day, seq, step,
           active::INTEGER AS t,
           (active AND adopted)::INTEGER AS a,
           (active AND adopted AND connected)::INTEGER AS c
    FROM states
),
deltas AS (
    SELECT pos, day,
           t - lag(t, 1, 0) OVER v AS dt,
           a - lag(a, 1, 0) OVER v AS da,
           c - lag(c, 1, 0) OVER v AS dc
    FROM flags
    WINDOW v AS (PARTITION BY pos ORDER BY day, seq, step)
),
booked AS (
    SELECT y.year, n.township, n.sector, sum(d.dt) AS dt, sum(d.da) AS da, sum(d.dc) AS dc
    FROM deltas d
    ASOF JOIN years y ON d.day <= y.day
    JOIN ent n ON n.pos = d.pos
    WHERE d.dt <> 0 OR d.da <> 0 OR d.dc <> 0
    GROUP BY ALL
),
running AS (
    SELECT year, township, sector,
           sum(dt) OVER c AS total, sum(da) OVER c AS adopted, sum(dc) OVER c AS connected
    FROM (
        SELECT y.year, g.township, g.sector,
               coalesce(b.dt, 0) AS dt, coalesce(b.da, 0) AS da, coalesce(b.dc, 0) AS dc
        FROM years y
        CROSS JOIN (SELECT DISTINCT township, sector FROM booked) g
        LEFT JOIN booked b USING (year, township, sector)
    )
    WINDOW c AS (PARTITION BY township, sector ORDER BY year)
)
SELECT year, township, sector, total, adopted, connected FROM running WHERE total > 0
""".format(**EVENT_CODES)


TREND_SQL = (ADOPTION_TREND_SQL, ADOPTION_TREND_PREFIX_SQL)


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
