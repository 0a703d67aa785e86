"""Features of the risk model: what was known about an enterprise on the day of a check.

Inputs (plain DataFrames, day numbers since 1970-01-01):
- ``enterprises``: ``id, sector, subcategory, township, registered, first_adopted,
  first_connected, first_listed`` (NaN when never), ``blacklisted`` (bool, today);
- ``checks``: ``enterprise_id, day, problem`` (bool: the check found a problem);
- ``uploads`` (optional): the platforms' feeds, ``enterprise_id, day, records,
  items`` (bit mask of the six key data items, -1 when the feed did not say).

Every feature of a check uses only what happened before its day (no leakage
from the future): past checks and failures, time since the last check, age,
adoption and platform connection, blacklist history, and from the feeds:
``silent`` (declared adoption, feeds already reaching the record, but no upload
in the 90 days before) and ``items_missing`` (share of the key data items
missing from the uploads of those 90 days; 0 when the feeds do not say).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CATEGORICAL = ["sector", "subcategory", "township"]
NUMERIC = [
    "age_years",
    "adopted",
    "connected",
    "past_checks",
    "past_failures",
    "failed_last_check",
    "years_since_check",
    "never_checked",
    "blacklist_history",
    "silent",
    "items_missing",
]
NEVER_GAP_YEARS = 10.0  # "time since the last check" of a never-checked enterprise
SILENCE_DAYS = 90
ITEM_COUNT = 6
_SHIFT = np.int64(2**32)  # key = enterprise id · 2³² + day + 2³¹: one sorted array for all enterprises


def _upload_keys(uploads: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Sorted keys of the uploads with records, prefix sums of item shares and of known items, first day."""
    if uploads is None or uploads.empty:
        return np.array([], np.int64), np.zeros(1), np.zeros(1), np.inf
    up = uploads[uploads["records"].to_numpy() > 0]
    if up.empty:
        return np.array([], np.int64), np.zeros(1), np.zeros(1), np.inf
    keys = up["enterprise_id"].to_numpy(np.int64) * _SHIFT + up["day"].to_numpy(np.int64) + 2**31
    order = np.argsort(keys, kind="stable")
    items = up["items"].to_numpy(np.int64)[order]
    known = items >= 0
    share = sum((items >> bit) & 1 for bit in range(ITEM_COUNT)) / ITEM_COUNT
    return (
        keys[order],
        np.r_[0.0, np.cumsum(np.where(known, share, 0.0))],
        np.r_[0.0, np.cumsum(known)],
        float(up["day"].min()),
    )


def _feed_features(
    feed: tuple, enterprise_id: np.ndarray, day: np.ndarray, adopted: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``silent`` and ``items_missing`` per (enterprise, day) from the uploads of the 90 days before."""
    keys, share_sum, known_sum, first_day = feed
    base = enterprise_id.astype(np.int64) * _SHIFT + 2**31
    day = day.astype(np.int64)
    lo = np.searchsorted(keys, base + day - SILENCE_DAYS, side="left")
    hi = np.searchsorted(keys, base + day, side="left")  # strictly before the day
    recent = hi > lo
    known = known_sum[hi] - known_sum[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        completeness = np.where(known > 0, (share_sum[hi] - share_sum[lo]) / known, 1.0)
    silent = adopted & (day > first_day) & ~recent
    return silent.astype(float), 1.0 - completeness


def _history(checks: pd.DataFrame) -> pd.DataFrame:
    """Per check: counts of earlier checks/failures of the same enterprise and the last check's day."""
    ordered = checks.sort_values(["enterprise_id", "day"], kind="stable")
    grouped = ordered.groupby("enterprise_id", sort=False)
    fails = ordered["problem"].astype(int)
    return ordered.assign(
        past_checks=grouped.cumcount(),
        past_failures=fails.groupby(ordered["enterprise_id"]).cumsum() - fails,
        last_day=grouped["day"].shift(1),
        last_problem=grouped["problem"].shift(1),
    )


def _features(rows: pd.DataFrame, day: np.ndarray, feed: tuple | None = None) -> pd.DataFrame:
    registered = rows["registered"].to_numpy(dtype=float)
    age = np.where(registered > -1e9, (day - registered) / 365.25, np.nan)
    gap = (day - rows["last_day"].to_numpy(dtype=float)) / 365.25
    out = pd.DataFrame({c: rows[c].astype(object).fillna("—").astype(str).to_numpy() for c in CATEGORICAL})
    out["age_years"] = np.nan_to_num(np.clip(age, 0, 60), nan=5.0)
    out["adopted"] = (rows["first_adopted"].to_numpy(dtype=float) <= day).astype(float)
    out["connected"] = (rows["first_connected"].to_numpy(dtype=float) <= day).astype(float)
    out["past_checks"] = rows["past_checks"].to_numpy(dtype=float)
    out["past_failures"] = rows["past_failures"].to_numpy(dtype=float)
    out["failed_last_check"] = rows["last_problem"].fillna(False).astype(float).to_numpy()
    out["never_checked"] = np.isnan(gap).astype(float)
    out["years_since_check"] = np.nan_to_num(gap, nan=NEVER_GAP_YEARS)
    out["blacklist_history"] = (rows["first_listed"].to_numpy(dtype=float) < day).astype(float)
    out["silent"], out["items_missing"] = _feed_features(
        feed or _upload_keys(None),
        rows["id"].to_numpy(),
        day,
        out["adopted"].to_numpy() > 0,
    )
    return out


def check_features(
    enterprises: pd.DataFrame, checks: pd.DataFrame, uploads: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per check: features, ``problem`` (label), ``day``, ``year``; in check order."""
    hist = _history(checks).merge(enterprises, left_on="enterprise_id", right_on="id", how="inner")
    hist = hist.sort_values(["day", "enterprise_id"], kind="stable").reset_index(drop=True)
    feats = _features(hist, hist["day"].to_numpy(dtype=float), _upload_keys(uploads))
    years = pd.to_datetime(hist["day"].to_numpy(dtype="int64"), unit="D").year
    return feats.assign(
        problem=hist["problem"].astype(bool).to_numpy(), day=hist["day"].to_numpy(), year=years
    )


def current_features(
    enterprises: pd.DataFrame, checks: pd.DataFrame, day: int, uploads: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per enterprise (same order as ``enterprises``): features as if checked on ``day``."""
    before = checks[checks["day"] < day]
    hist = _history(before)
    last = hist.groupby("enterprise_id").tail(1).set_index("enterprise_id")
    counts = before.groupby("enterprise_id")["problem"].agg(["size", "sum"])
    rows = enterprises.assign(
        past_checks=counts["size"].reindex(enterprises["id"]).fillna(0).to_numpy(),
        past_failures=counts["sum"].reindex(enterprises["id"]).fillna(0).to_numpy(),
        last_day=last["day"].reindex(enterprises["id"]).to_numpy(dtype=float),
        last_problem=last["problem"].reindex(enterprises["id"]).to_numpy(),
    )
    return _features(rows, np.full(len(rows), float(day)), _upload_keys(uploads))
