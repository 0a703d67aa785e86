"""Benchmark: the township × sector × year adoption table against DuckDB (issue #5: at 1,000,000
enterprises no more than 2× DuckDB on the same in-memory data), and a page interaction of the
追溯覆盖率 page at 100,000 enterprises after the first load (goal < 1 s).

    .venv/bin/python benchmarks/adoption.py [--enterprises 1000000] [--repeat 5] [--as-of 2026-10-31]
        [--page-enterprises 100000] [--skip-page] [--skip-table] [--keep DIR]

Table: fills a scratch SQLite file with the demo city (``generate_demo``), loads the register
frame, then times side by side in this process, ``--repeat`` times each, alternating:
- ours: ``metrics.adoption_report.trend_table(frame, ["township", "sector"], day, targets)``
  (counts, rates, Wilson intervals, targets and gaps; and the counts alone);
- DuckDB: SQL over the same arrays copied into in-memory tables (state per enterprise at
  each year end from the last event of each pair, then counts per group), written two ways
  (a join on every earlier event; ASOF joins); ours is held against the faster of the two.
Checks that both give identical counts for every township × sector × year, then prints
JSON with the medians and the ratio. Page: a second demo database at
``--page-enterprises``; AppTest runs the page once (first load, frame cached) then changes
each filter and times each rerun. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from traceboard.bench.baselines import (
    ADOPTION_TREND_SQL,
    duckdb_adoption_trend,
    duckdb_connection,
    trend_days,
)
from traceboard.bench.harness import peak_rss_mb, scratch_database
from traceboard.data.adoption_targets import load_targets
from traceboard.data.db import make_engine
from traceboard.data.frame import EVENT_CODES, RegisterFrame, load_register_frame, to_day
from traceboard.demo import generate_demo
from traceboard.metrics.adoption_counts import count_adoption_over_days
from traceboard.metrics.adoption_report import trend_table

DUCKDB_SQL = """
WITH
adoption AS (
    SELECT y.year, e.pos, arg_max(e.kind, e.seq) AS kind
    FROM ev e JOIN years y ON e.day <= y.day
    WHERE e.kind IN ({adopted}, {dropped})
    GROUP BY y.year, e.pos
),
connection AS (
    SELECT y.year, e.pos, arg_max(e.kind, e.seq) AS kind
    FROM ev e JOIN years y ON e.day <= y.day
    WHERE e.kind IN ({connected}, {disconnected})
    GROUP BY y.year, e.pos
),
active AS (
    SELECT y.year, n.pos, n.township, n.sector
    FROM ent n JOIN years y ON n.registered <= y.day AND n.closed > y.day
)
SELECT s.year, s.township, s.sector,
       count(*) AS total,
       count(*) FILTER (WHERE a.kind = {adopted}) AS adopted,
       count(*) FILTER (WHERE a.kind = {adopted} AND c.kind = {connected}) AS connected
FROM active s
LEFT JOIN adoption a ON a.year = s.year AND a.pos = s.pos
LEFT JOIN connection c ON c.year = s.year AND c.pos = s.pos
GROUP BY s.year, s.township, s.sector
""".format(**EVENT_CODES)

DUCKDB_ASOF_SQL = ADOPTION_TREND_SQL
year_days = trend_days


def duckdb_table(con, sql: str = ADOPTION_TREND_SQL) -> pd.DataFrame:
    return duckdb_adoption_trend(con, sql)


def same_counts(ours: pd.DataFrame, theirs: pd.DataFrame, frame: RegisterFrame, days: list[int]) -> bool:
    """Both tables on the full township × sector × year grid (DuckDB omits empty groups)."""
    n_t, n_s = (
        len(frame.enterprises["township"].cat.categories),
        len(frame.enterprises["sector"].cat.categories),
    )
    grid = np.zeros((len(days), n_t, n_s, 3), np.int64)
    grid[theirs["year"], theirs["township"], theirs["sector"]] = theirs[["total", "adopted", "connected"]]
    mine = ours[["total", "adopted", "connected"]].to_numpy().reshape(len(days), n_t, n_s, 3)
    return bool(np.array_equal(grid, mine))


def time_table(frame: RegisterFrame, day: int, repeat: int) -> dict:
    targets = load_targets()
    days = year_days(day)
    con = duckdb_connection(frame, days)
    times: dict[str, list[float]] = {"ours_full": [], "ours_counts": [], "duckdb": [], "duckdb_asof": []}
    steps = {
        "ours_full": lambda: trend_table(frame, ["township", "sector"], day, targets),
        "ours_counts": lambda: count_adoption_over_days(frame, ["township", "sector"], days),
        "duckdb": lambda: duckdb_table(con),
        "duckdb_asof": lambda: duckdb_table(con, DUCKDB_ASOF_SQL),
    }
    results = {}
    for _ in range(repeat):
        for name, step in steps.items():
            started = time.perf_counter()
            results[name] = step()
            times[name].append(time.perf_counter() - started)
    medians = {name: round(statistics.median(t), 3) for name, t in times.items()}
    best_duckdb = min(medians["duckdb"], medians["duckdb_asof"])  # hold ours against the faster query
    ours = results["ours_counts"]
    return {
        "rows": len(results["ours_full"]),
        "years": len(days),
        "identical": all(same_counts(ours, results[name], frame, days) for name in ("duckdb", "duckdb_asof"))
        and bool((results["ours_full"]["total"].to_numpy() == ours["total"].to_numpy()).all()),
        "median_s": medians,
        "all_s": {name: [round(x, 3) for x in t] for name, t in times.items()},
        "ratio_full_to_duckdb": round(medians["ours_full"] / best_duckdb, 2),
        "ratio_counts_to_duckdb": round(medians["ours_counts"] / best_duckdb, 2),
    }


def time_page(url: str) -> dict:
    """AppTest: first load, then one rerun per filter change (seconds each)."""
    import os

    from streamlit.testing.v1 import AppTest

    from traceboard.accounts.authz import Actor

    os.environ["TRACEBOARD_DATABASE_URL"] = url
    app = str(Path(__file__).resolve().parents[1] / "src" / "traceboard" / "dashboard" / "app.py")
    at = AppTest.from_file(app, default_timeout=600)
    at.session_state["actor"] = Actor("demo-leader", "leader")
    started = time.perf_counter()
    at.run()
    at.switch_page("views/adoption.py")
    at.run()
    timings = {"first_load": round(time.perf_counter() - started, 3)}
    changes = {
        "date": lambda: at.date_input(key="adoption_as_of").set_value(dt.date(2020, 6, 30)),
        "sector": lambda: at.selectbox(key="adoption_sector").set_value("食品"),
        "department": lambda: at.selectbox(key="adoption_department").set_value("市食药工商质监局"),
        "township": lambda: at.selectbox(key="adoption_township").set_value("山枣镇"),
        "all_again": lambda: at.selectbox(key="adoption_sector").set_value("全部"),
    }
    for name, change in changes.items():
        change()
        started = time.perf_counter()
        at.run()
        timings[name] = round(time.perf_counter() - started, 3)
        if at.exception:
            raise RuntimeError(at.exception)
    return timings


def demo_frame(workdir: Path, enterprises: int, keep: Path | None) -> tuple[RegisterFrame, str, dict]:
    """The demo city in an SQLite file (``keep/demo-N.db`` is reused when it exists) and its frame."""
    path = (keep or workdir) / f"demo-{enterprises}.db"
    setup = {}
    url = f"sqlite:///{path}"
    if not path.exists():
        with scratch_database("sqlite", workdir) as engine:
            started = time.perf_counter()
            generate_demo(engine, enterprises=enterprises, seed=7)
            setup["generate_s"] = round(time.perf_counter() - started, 1)
        (workdir / "bench.db").rename(path)
    engine = make_engine(url)
    started = time.perf_counter()
    frame = load_register_frame(engine)
    setup["load_frame_s"] = round(time.perf_counter() - started, 2)
    engine.dispose()
    return frame, url, setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 10, 31))
    parser.add_argument("--page-enterprises", type=int, default=100_000)
    parser.add_argument("--skip-page", action="store_true")
    parser.add_argument("--skip-table", action="store_true")
    parser.add_argument("--keep", type=Path, help="Keep (and reuse) the demo databases in this directory.")
    args = parser.parse_args()
    report: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_table:
            frame, _, setup = demo_frame(Path(tmp), args.enterprises, args.keep)
            report |= {"enterprises": args.enterprises, **setup, "events": len(frame.events)}
            report["table"] = time_table(frame, to_day(args.as_of), args.repeat)
            del frame
        if not args.skip_page:
            _, url, setup = demo_frame(Path(tmp), args.page_enterprises, args.keep)
            report["page"] = {"enterprises": args.page_enterprises, **setup, **time_page(url)}
    report["peak_rss_mb"] = round(peak_rss_mb())
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
