"""The platforms' figures, column-wise, against the same figures counted upload by upload."""

import datetime as dt
from collections import defaultdict

import numpy as np
import pandas as pd

from traceboard.data.frame import RegisterFrame, from_day, to_day
from traceboard.metrics.platform_report import platform_summary, records_by_month

DAY = to_day(dt.date(2026, 6, 15))
WINDOW = 30


def frame_with_uploads(seed: int = 3, enterprises: int = 40, rows: int = 600) -> RegisterFrame:
    rng = np.random.default_rng(seed)
    uploads = pd.DataFrame(
        {
            "pos": rng.integers(0, enterprises, rows).astype(np.int32),
            "platform": rng.integers(0, 3, rows).astype(np.int16),  # the fourth platform never uploads
            "day": rng.integers(DAY - 900, DAY + 40, rows).astype(np.int32),  # some after DAY
            "records": rng.choice([0, 0, 1, 5, 40], rows).astype(np.int64),  # some without records
            "items": np.full(rows, -1, np.int16),
        }
    ).sort_values("day", kind="stable", ignore_index=True)
    empty = pd.DataFrame()
    return RegisterFrame(
        1,
        pd.DataFrame({"uscc": [f"U{i}" for i in range(enterprises)]}),
        empty,
        empty,
        empty,
        empty,
        uploads,
        pd.DataFrame(
            {"id": [1, 2, 3, 4], "code": ["P1", "P2", "P3", "P4"], "name": ["乙", "甲", "丁", "丙"]}
        ),
    )


def test_the_summary_counts_what_each_upload_says():
    frame = frame_with_uploads()
    ever, reporting = defaultdict(set), defaultdict(set)
    records, last = defaultdict(int), {}
    for row in frame.uploads.itertuples():
        if row.day > DAY or row.records == 0:
            continue
        ever[row.platform].add(row.pos)
        last[row.platform] = max(last.get(row.platform, row.day), row.day)
        if row.day > DAY - WINDOW:
            reporting[row.platform].add(row.pos)
            records[row.platform] += row.records
    summary = platform_summary(frame, DAY, WINDOW)
    assert summary["ever"].tolist() == [len(ever[p]) for p in range(4)]
    assert summary["reporting"].tolist() == [len(reporting[p]) for p in range(4)]
    assert summary["records"].tolist() == [records[p] for p in range(4)]
    assert summary["last_day"].tolist() == [from_day(last[p]) if p in last else None for p in range(4)]
    assert summary["ever"].iloc[3] == 0 and np.isnan(summary["freshness"].iloc[3])


def test_records_by_month_sums_each_platforms_months_in_name_and_month_order():
    frame = frame_with_uploads(seed=5)
    months = 12
    sums = defaultdict(int)
    first = pd.Timestamp(from_day(DAY)).to_period("M") - (months - 1)
    names = frame.platforms["name"].tolist()
    for row in frame.uploads.itertuples():
        month = pd.Timestamp(from_day(row.day)).to_period("M")
        if row.day <= DAY and month >= first:
            sums[(names[row.platform], month.to_timestamp())] += row.records
    table = records_by_month(frame, DAY, months)
    expected = sorted(sums.items())
    assert list(zip(table["name"], table["month"], strict=True)) == [key for key, _ in expected]
    assert table["records"].tolist() == [total for _, total in expected]
    assert table["month"].dtype == "datetime64[ns]"


def test_window_and_month_edges_fall_where_counting_upload_by_upload_puts_them():
    """The window and the months are bounded by searches in the uploads' day order: days on
    their edges (a month's first and last day, the window's first day, before any upload) count
    as each upload by itself says."""
    frame = frame_with_uploads(seed=11, rows=900)
    names = frame.platforms["name"].tolist()
    days = frame.uploads["day"].to_numpy()
    june = to_day(dt.date(2026, 6, 1))
    for day in (
        int(days.min()) - 1,
        int(days.min()),
        june,
        june - 1,
        int(days[400]),
        int(days[400]) + WINDOW,
    ):
        reporting, records = defaultdict(set), defaultdict(int)
        sums = defaultdict(int)
        first = pd.Timestamp(from_day(day)).to_period("M") - 5
        for row in frame.uploads.itertuples():
            if row.day > day:
                continue
            if row.records and row.day > day - WINDOW:
                reporting[row.platform].add(row.pos)
                records[row.platform] += row.records
            month = pd.Timestamp(from_day(row.day)).to_period("M")
            if month >= first:
                sums[(names[row.platform], month.to_timestamp())] += row.records
        summary = platform_summary(frame, day, WINDOW)
        assert summary["reporting"].tolist() == [len(reporting[p]) for p in range(4)], day
        assert summary["records"].tolist() == [records[p] for p in range(4)], day
        table = records_by_month(frame, day, 6)
        assert list(zip(table["name"], table["month"], table["records"], strict=True)) == [
            (*key, total) for key, total in sorted(sums.items())
        ], day
