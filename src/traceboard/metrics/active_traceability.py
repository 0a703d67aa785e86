"""Active traceability: who really traces, from the platforms' feeds.

Rule (docs/platform-exchange.md, "Active traceability"): an enterprise is
*active* at a date when it uploaded records (``records > 0``) to any platform
on a day within the ``window`` days ending on that date — the date itself and
the ``window − 1`` days before it. Declarations (adopted) and evidence
(active) give the cross-table: declared and active, declared but silent,
active but undeclared.

Everything here works on the frame's ``uploads`` arrays (sorted by day), never
row by row: the window is one ``searchsorted`` slice, the last upload on or
before a date one ``np.unique`` over the uploads up to it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceboard.data.frame import ALWAYS, day_position

ACTIVE_WINDOW_DAYS = 90
ITEM_COUNT = 6  # TRACE_ITEMS: subject, product, batch, transaction, time, place


def check_window(window: int) -> int:
    """``window`` as an int, or ValueError when it is not a positive number of days."""
    if int(window) != window or window < 1:
        raise ValueError(f"the active window must be a positive number of days, not {window!r}")
    return int(window)


def _window_slice(days: np.ndarray, day: int, window: int) -> slice:
    """Positions of the uploads (sorted by day) within ``(day − window, day]``."""
    return slice(day_position(days, day - window), day_position(days, day))


def uploaded_within(uploads: pd.DataFrame, n: int, day: int, window: int = ACTIVE_WINDOW_DAYS) -> np.ndarray:
    """Boolean per enterprise (``n`` of them): uploaded records within the window ending on ``day``.

    Input: the frame's ``uploads`` (``pos``, ``day``, ``records``, sorted by day).
    """
    window = check_window(window)
    part = _window_slice(uploads["day"].to_numpy(), day, window)
    pos = uploads["pos"].to_numpy()[part]
    records = uploads["records"].to_numpy()[part]
    flag = np.zeros(n, dtype=bool)
    flag[pos[records > 0]] = True
    return flag


def last_uploads(uploads: pd.DataFrame, n: int, day: int) -> pd.DataFrame:
    """Per enterprise: the last day on or before ``day`` with records uploaded, and to which platform.

    Output aligned with the enterprises: ``last_day`` (int32, ALWAYS when
    never), ``platform`` (int16 row of the frame's platforms, -1 when never;
    of several platforms on that day, the first in reference order).
    """
    days = uploads["day"].to_numpy()
    hi = day_position(days, day)
    keep = uploads["records"].to_numpy()[:hi] > 0
    pos = uploads["pos"].to_numpy()[:hi][keep]
    up_day = days[:hi][keep]
    platform = uploads["platform"].to_numpy()[:hi][keep]
    last_day = np.full(n, ALWAYS, dtype=np.int32)
    last_platform = np.full(n, -1, dtype=np.int16)
    if len(pos):
        # each enterprise's greatest day, then the least platform among its uploads of that day:
        # two passes of ``ufunc.at`` instead of sorting the uploads by enterprise
        np.maximum.at(last_day, pos, up_day.astype(np.int32, copy=False))
        on_last = up_day == last_day[pos]
        least = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(least, pos[on_last], platform[on_last].astype(np.int64))
        seen = least != np.iinfo(np.int64).max
        last_platform[seen] = least[seen]
    return pd.DataFrame({"last_day": last_day, "platform": last_platform})


def last_upload_days(uploads: pd.DataFrame, wanted: np.ndarray, day: int) -> np.ndarray:
    """:func:`last_uploads`' ``last_day`` of the enterprises ``wanted`` (a boolean mask over all of
    them), in their order: only their uploads are gone through (a township's work list, not every
    enterprise's last upload)."""
    days = uploads["day"].to_numpy()
    hi = day_position(days, day)
    pos = uploads["pos"].to_numpy()[:hi]
    keep = wanted[pos] & (uploads["records"].to_numpy()[:hi] > 0)
    last_day = np.full(len(wanted), ALWAYS, dtype=np.int32)
    np.maximum.at(last_day, pos[keep], days[:hi][keep].astype(np.int32, copy=False))
    return last_day[wanted]


def item_completeness(
    uploads: pd.DataFrame, n: int, day: int, window: int = ACTIVE_WINDOW_DAYS
) -> np.ndarray:
    """Per enterprise: the mean share of the six key data items present in its uploads within the window.

    Uploads whose feed did not say which items were present (``items`` −1)
    are left out; NaN for an enterprise without any upload that says.
    """
    window = check_window(window)
    part = _window_slice(uploads["day"].to_numpy(), day, window)
    items = uploads["items"].to_numpy()[part].astype(np.int64)
    known = (items >= 0) & (uploads["records"].to_numpy()[part] > 0)
    pos = uploads["pos"].to_numpy()[part][known]
    present = np.zeros(known.sum(), dtype=np.int64)
    bits = items[known]
    for bit in range(ITEM_COUNT):
        present += (bits >> bit) & 1
    total = np.bincount(pos, weights=present / ITEM_COUNT, minlength=n)
    count = np.bincount(pos, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def declared_vs_active(adopted: np.ndarray, active: np.ndarray, in_operation: np.ndarray) -> dict[str, int]:
    """The cross-table of declared × active over the enterprises in operation.

    ``declared_active``: declared adoption and uploaded; ``declared_silent``:
    declared but no upload in the window; ``undeclared_active``: uploaded
    without a declared adoption (the register is out of date); ``neither``.
    """
    a, u = adopted & in_operation, active & in_operation
    return {
        "declared_active": int((a & u).sum()),
        "declared_silent": int((a & ~u).sum()),
        "undeclared_active": int((~a & u).sum()),
        "neither": int((in_operation & ~a & ~u).sum()),
    }
