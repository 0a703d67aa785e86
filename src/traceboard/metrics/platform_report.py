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


def _columns(frame: RegisterFrame, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The uploads' ``day, platform, records, pos`` up to ``day``: views of the frame's arrays (the
    uploads are sorted by day), no copy of the table."""
    up = frame.uploads
    days = up["day"].to_numpy()
    k = day_position(days, day)
    return days[:k], up["platform"].to_numpy()[:k], up["records"].to_numpy()[:k], up["pos"].to_numpy()[:k]


def platform_summary(frame: RegisterFrame, day: int, window: int = ACTIVE_WINDOW_DAYS) -> pd.DataFrame:
    """One row per platform (reference order): who reports and how fresh the data is at ``day``.

    Columns: ``code, name``; ``reporting`` (enterprises with records uploaded
    within the window), ``ever`` (enterprises that ever uploaded records),
    ``records`` (records within the window), ``last_day`` (date of the newest
    upload with records, None when none), ``freshness`` (days from it to
    ``day``; NaN when none).

    The uploads are sorted by day: the window is their tail, found by a search, not a flag per
    upload; the columns are views of the frame's, not copies of the table.
    """
    window = check_window(window)
    days, platform, records, pos = _columns(frame, day)
    n = len(frame.platforms)
    width = len(frame.enterprises)
    with_records = records > 0
    ever = _distinct_per_platform(platform[with_records].astype(np.int64), pos[with_records], n, width)
    start = day_position(days, day - window)  # the first upload within the window
    recent = with_records[start:]
    recent_platform = platform[start:][recent].astype(np.int64)
    reporting = _distinct_per_platform(recent_platform, pos[start:][recent], n, width)
    counted = np.bincount(recent_platform, weights=records[start:][recent], minlength=n)
    last = np.full(n, -1, dtype=np.int64)
    if with_records.any():
        np.maximum.at(last, platform[with_records], days[with_records].astype(np.int64))
    has = last >= 0
    return pd.DataFrame(
        {
            "code": frame.platforms["code"].to_numpy(),
            "name": frame.platforms["name"].to_numpy(),
            "reporting": reporting,
            "ever": ever,
            "records": counted[:n].astype(np.int64),
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

    The uploads are sorted by day: each month is a run of them, bounded by a search for its first
    day, and summed per platform on its own (no month computed for each of millions of uploads).
    """
    days, platform, records, _ = _columns(frame, day)
    first = np.datetime64(from_day(day), "M") - np.timedelta64(months - 1, "M")
    # day numbers (from 1970) of the first day of each month shown and of the month after them
    starts = (first + np.arange(months + 1).astype("timedelta64[M]")).astype("datetime64[D]").astype(np.int64)
    bounds = [day_position(days, int(d), side="left") for d in starts]
    names = frame.platforms["name"].to_numpy()
    n = len(names)
    sums = np.zeros((n, months), dtype=np.float64)
    counts = np.zeros((n, months), dtype=np.int64)
    for m in range(months):
        part = slice(bounds[m], bounds[m + 1])
        if bounds[m + 1] > bounds[m]:
            sums[:, m] = np.bincount(platform[part], weights=records[part], minlength=n)[:n]
            counts[:, m] = np.bincount(platform[part], minlength=n)[:n]
    sums, counts = sums.ravel(), counts.ravel()  # cell: platform * months + month
    cells = np.flatnonzero(counts)  # months without uploads are left out
    table = pd.DataFrame(
        {
            "name": names[cells // months] if len(names) else [],
            "month": (first + (cells % months).astype("timedelta64[M]")).astype("datetime64[ns]"),
            "records": sums[cells].astype(records.dtype),
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
