"""What the platforms report: per platform and per enterprise, from the frame's ``uploads``.

Pure functions over the analysis frame (no database): the 平台对接 page and
its command-line twin read the same tables. Every figure is as of a day
number: uploads after it are not seen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceboard.data.frame import RegisterFrame, day_position, from_day
from traceboard.metrics.active_traceability import ACTIVE_WINDOW_DAYS, ITEM_COUNT, check_window

MONTHS_SHOWN = 24


def _upto(frame: RegisterFrame, day: int) -> pd.DataFrame:
    days = frame.uploads["day"].to_numpy()
    return frame.uploads.iloc[: day_position(days, day)]


def platform_summary(frame: RegisterFrame, day: int, window: int = ACTIVE_WINDOW_DAYS) -> pd.DataFrame:
    """One row per platform (reference order): who reports and how fresh the data is at ``day``.

    Columns: ``code, name``; ``reporting`` (enterprises with records uploaded
    within the window), ``ever`` (enterprises that ever uploaded records),
    ``records`` (records within the window), ``last_day`` (date of the newest
    upload with records, None when none), ``freshness`` (days from it to
    ``day``; NaN when none).
    """
    window = check_window(window)
    up = _upto(frame, day)
    # columns, not a filtered copy of the table (millions of uploads at a million enterprises)
    with_records = up["records"].to_numpy() > 0
    n = len(frame.platforms)
    platform = up["platform"].to_numpy()[with_records].astype(np.int64)
    days = up["day"].to_numpy()[with_records]
    recent = days > day - window
    pos = up["pos"].to_numpy()[with_records].astype(np.int64)
    width = len(frame.enterprises)
    # one flag per (platform, enterprise): counted by platform without sorting the uploads
    ever = _distinct_per_platform(platform, pos, n, width)
    reporting = _distinct_per_platform(platform[recent], pos[recent], n, width)
    weights = up["records"].to_numpy()[with_records][recent]
    records = np.bincount(platform[recent], weights=weights, minlength=n)
    last = np.full(n, -1, dtype=np.int64)
    if len(platform):
        np.maximum.at(last, platform, days.astype(np.int64))
    has = last >= 0
    return pd.DataFrame(
        {
            "code": frame.platforms["code"].to_numpy(),
            "name": frame.platforms["name"].to_numpy(),
            "reporting": reporting,
            "ever": ever,
            "records": records[:n].astype(np.int64),
            "last_day": [from_day(d) if d >= 0 else None for d in last],
            "freshness": np.where(has, day - last, np.nan),
        }
    )


def _distinct_per_platform(platform: np.ndarray, pos: np.ndarray, n: int, width: int) -> np.ndarray:
    """How many distinct enterprises (``pos``) each of ``n`` platforms has among the rows."""
    seen = np.zeros(n * width, dtype=bool)
    seen[platform * width + pos] = True
    return seen.reshape(n, width).sum(axis=1).astype(np.int64) if n else np.zeros(0, np.int64)


def records_by_month(frame: RegisterFrame, day: int, months: int = MONTHS_SHOWN) -> pd.DataFrame:
    """Records uploaded per platform and calendar month, the last ``months`` months up to ``day``.

    Columns: ``name`` (platform), ``month`` (first day, Timestamp), ``records``;
    months without uploads are left out.
    """
    up = _upto(frame, day)
    first = np.datetime64(from_day(day), "M") - np.timedelta64(months - 1, "M")
    first_day = int(first.astype("datetime64[D]").astype(np.int64))  # day numbers count from 1970
    at = int(np.searchsorted(up["day"].to_numpy(), first_day, side="left"))  # uploads sorted by day
    month = up["day"].to_numpy()[at:].astype("datetime64[D]").astype("datetime64[M]")
    offset = (month - first).astype(np.int64)  # 0 … months-1
    platform = up["platform"].to_numpy()[at:].astype(np.int64)
    names = frame.platforms["name"].to_numpy()
    # records summed per (platform, month) by integer key, not grouped by name and timestamp
    sums = np.bincount(
        platform * months + offset, weights=up["records"].to_numpy()[at:], minlength=len(names) * months
    )
    counts = np.bincount(platform * months + offset, minlength=len(names) * months)
    cells = np.flatnonzero(counts)  # months without uploads are left out
    table = pd.DataFrame(
        {
            "name": names[cells // months] if len(names) else [],
            "month": (first + (cells % months).astype("timedelta64[M]")).astype("datetime64[ns]"),
            "records": sums[cells].astype(up["records"].dtype),
        }
    )
    return table.sort_values(["name", "month"], kind="stable", ignore_index=True)


def enterprise_uploads(frame: RegisterFrame, uscc: str, day: int) -> pd.DataFrame:
    """Every upload of one enterprise up to ``day``: ``date, platform, records, completeness``.

    ``completeness``: share of the six key data items present (NaN when the feed did not say).
    Empty when the credit code is not in the register or never uploaded.
    """
    hits = np.flatnonzero(frame.enterprises["uscc"].to_numpy() == uscc)
    up = _upto(frame, day)
    up = up[up["pos"].to_numpy() == hits[0]] if len(hits) else up.iloc[0:0]
    items = up["items"].to_numpy().astype(np.int64)
    present = sum((items >> bit) & 1 for bit in range(ITEM_COUNT)) if len(items) else np.array([], np.int64)
    return pd.DataFrame(
        {
            "date": pd.to_datetime(up["day"].to_numpy().astype("datetime64[D]")),
            "platform": frame.platforms["name"].to_numpy()[up["platform"].to_numpy()]
            if len(frame.platforms)
            else [],
            "records": up["records"].to_numpy(),
            "completeness": np.where(items >= 0, present / ITEM_COUNT, np.nan),
        }
    )
