"""Features of the risk model: what was known about an enterprise on the day of a check.

Inputs (plain DataFrames, day numbers since 1970-01-01):
- ``enterprises``: ``id, sector, subcategory, township, registered, first_adopted,
  first_connected, first_listed`` (NaN when never), ``blacklisted`` (bool, today);
- ``checks``: ``enterprise_id, day, problem`` (bool: the check found a problem).

Every feature of a check uses only what happened before its day (no leakage
from the future): past checks and failures, time since the last check, age,
adoption and platform connection, blacklist history.
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
]
NEVER_GAP_YEARS = 10.0  # "time since the last check" of a never-checked enterprise


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


def _features(rows: pd.DataFrame, day: np.ndarray) -> pd.DataFrame:
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
    return out


def check_features(enterprises: pd.DataFrame, checks: pd.DataFrame) -> pd.DataFrame:
    """One row per check: features, ``problem`` (label), ``day``, ``year``; in check order."""
    hist = _history(checks).merge(enterprises, left_on="enterprise_id", right_on="id", how="inner")
    hist = hist.sort_values(["day", "enterprise_id"], kind="stable").reset_index(drop=True)
    feats = _features(hist, hist["day"].to_numpy(dtype=float))
    years = pd.to_datetime(hist["day"].to_numpy(dtype="int64"), unit="D").year
    return feats.assign(
        problem=hist["problem"].astype(bool).to_numpy(), day=hist["day"].to_numpy(), year=years
    )


def current_features(enterprises: pd.DataFrame, checks: pd.DataFrame, day: int) -> pd.DataFrame:
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
    return _features(rows, np.full(len(rows), float(day)))
