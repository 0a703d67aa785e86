"""Writing the register: enterprises by credit code, and the traceability events their changes imply.

Issue #3, "Writing": a code already in the database is updated, not
duplicated; 是 → 否 records a drop (date from 停用日期, else the import
date); a new 是 with its date records an adoption; likewise connection to a
platform (connected / disconnected). The record's current state is the last
adoption-or-drop event (and the last connection event) of each enterprise,
as in ``TraceEvent``'s docstring, so an unchanged file adds no event.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from traceboard.data import models as m
from traceboard.data.bulk import bulk_insert
from traceboard.data.frame import day_number, read_frame, to_day
from traceboard.files.importers.specs import CLOSED_STATUSES
from traceboard.files.importers.upsert import (
    from_days,
    insert_rows,
    load_existing,
    lock_for_import,
    merge_existing,
    prepare,
    to_days,
    update_rows,
)

FIELDS = [
    "name",
    "township_id",
    "sector_id",
    "subcategory_id",
    "department_id",
    "operating_status",
    "registered_on",
    "closed_on",
    "address",
]


def write_enterprises(conn: Connection, values: pd.DataFrame, today: dt.date, source: str) -> dict[str, int]:
    """Upsert the enterprises of a validated register and record its traceability events.

    Input: validated values by spreadsheet row (columns as ``specs.SPECS["enterprises"]``).
    Output: counts ``added``, ``updated``, ``unchanged`` and one per event kind written.
    """
    table = m.Enterprise.__table__
    lock_for_import(conn, table)
    existing = load_existing(conn, table, ["uscc", *FIELDS])
    incoming = prepare(values[[c for c in values.columns if c in ("uscc", *FIELDS)]], table)
    merged = merge_existing(incoming, existing, ["uscc"], FIELDS)
    new = merged["id"].isna()
    merged["operating_status"] = merged["operating_status"].where(merged["operating_status"].notna(), "在营")
    _close_dates(merged, to_day(today))
    changed = merged["_changed"] | (~new & _differs_closed(merged))
    ids = merged["id"].copy()
    if new.any():
        ids[new] = insert_rows(conn, table, merged.loc[new, ["uscc", *FIELDS]]).to_numpy()
    update_rows(conn, table, merged.loc[changed & ~new], FIELDS)
    counts = {"added": int(new.sum()), "updated": 0, "unchanged": 0}
    events = pd.Series(False, index=merged.index)
    if "adopted" in values:
        events = write_trace_events(conn, ids.astype(np.int64), trace_frame(values), today, source, counts)
    touched = ~new & (changed | events)
    counts["updated"] = int(touched.sum())
    counts["unchanged"] = int((~new & ~touched).sum())
    return counts


def _close_dates(merged: pd.DataFrame, today: int) -> None:
    # Closed enterprises need a closing day (the frame counts them active otherwise); open ones have none.
    closed = merged["operating_status"].isin(CLOSED_STATUSES)
    merged["closed_on"] = merged["closed_on"].where(closed, None)
    missing = closed & merged["closed_on"].isna()
    merged.loc[missing, "closed_on"] = float(today)


def _differs_closed(merged: pd.DataFrame) -> pd.Series:
    old, new = merged["_old_closed_on"], merged["closed_on"]
    return (old.isna() != new.isna()) | (old.notna() & new.notna() & (old != new))


TRACE_COLUMNS = ("adopted", "adopted_on", "connected", "connected_on", "dropped_on")


def trace_frame(values: pd.DataFrame) -> pd.DataFrame:
    """The traceability columns of validated values, dates as day numbers."""
    trace = values[[c for c in values.columns if c in TRACE_COLUMNS]].copy()
    for column in ("adopted_on", "connected_on", "dropped_on"):
        if column in trace:
            trace[column] = to_days(trace[column])
    return trace


def current_state(conn: Connection) -> pd.DataFrame:
    """Per enterprise id: ``adopted`` and ``connected`` (bool) now, with the day of the last adoption
    and connection (float day numbers)."""
    dialect = conn.dialect.name
    events = read_frame(
        conn,
        select(
            m.TraceEvent.enterprise_id, m.TraceEvent.kind, day_number(m.TraceEvent.occurred_on, dialect)
        ).order_by(m.TraceEvent.occurred_on, m.TraceEvent.id),
    )
    out = pd.DataFrame(columns=["adopted", "adopted_on", "connected", "connected_on"])
    if events.empty:
        return out
    events["occurred_on"] = pd.to_numeric(events["occurred_on"]).astype(float)
    for flag, on, off in (("adopted", "adopted", "dropped"), ("connected", "connected", "disconnected")):
        last = events[events["kind"].isin((on, off))].groupby("enterprise_id").last()
        out = out.reindex(out.index.union(last.index))
        out[flag] = last["kind"].reindex(out.index).eq(on)
        out[f"{flag}_on"] = last["occurred_on"].reindex(out.index).where(out[flag])
    return out.fillna({"adopted": False, "connected": False})


def write_trace_events(
    conn: Connection, ids: pd.Series, trace: pd.DataFrame, today: dt.date, source: str, counts: dict
) -> pd.Series:
    """Events implied by the file's traceability columns against the current state.

    Output: a mask of the rows that got an event; ``counts`` gains one count per event kind.
    """
    # Event ids then follow commit order on PostgreSQL too: a frame refresh reads the events past
    # the largest id it has (data.frame.refresh_register_frame).
    lock_for_import(conn, m.TraceEvent.__table__)
    state = current_state(conn).reindex(ids.to_numpy())
    was_adopted = state["adopted"].fillna(False).astype(bool).to_numpy()
    was_connected = state["connected"].fillna(False).astype(bool).to_numpy()
    stop = trace["dropped_on"] if "dropped_on" in trace else pd.Series(np.nan, index=trace.index)
    stop = stop.fillna(float(to_day(today))).to_numpy()
    adopted = trace["adopted"].astype(bool).to_numpy()
    connected = trace["connected"].astype(bool).to_numpy() if "connected" in trace else was_connected
    parts = [
        ("adopted", adopted & ~was_adopted, _days(trace, "adopted_on")),
        ("connected", connected & ~was_connected, _days(trace, "connected_on")),
        ("dropped", ~adopted & was_adopted, stop),
        ("disconnected", ~connected & was_connected, stop),
    ]
    frames = [
        pd.DataFrame({"enterprise_id": ids.to_numpy()[mask], "kind": kind, "occurred_on": day[mask]})
        for kind, mask, day in parts
    ]
    events = pd.concat(frames, ignore_index=True)
    events["occurred_on"] = from_days(events["occurred_on"])
    events["source"] = source[:200]
    bulk_insert(conn, m.TraceEvent.__table__, events)
    for kind, mask, _day in parts:
        counts[kind] = int(mask.sum())
    return pd.Series(np.logical_or.reduce([mask for _k, mask, _d in parts]), index=trace.index)


def _days(trace: pd.DataFrame, column: str) -> np.ndarray:
    # An optional date column the file does not have is unknown (NaN), as a blank cell would be.
    return trace[column].to_numpy(dtype=float) if column in trace else np.full(len(trace), np.nan)


def write_traceability(conn: Connection, values: pd.DataFrame, today: dt.date, source: str) -> dict[str, int]:
    """Traceability updates for enterprises already in the register (no enterprise field changes)."""
    counts = {"added": 0}
    ids = values["enterprise_id"].astype(np.int64)
    touched = write_trace_events(conn, ids, trace_frame(values), today, source, counts)
    counts["updated"] = int(touched.sum())
    counts["unchanged"] = int((~touched).sum())
    return counts
