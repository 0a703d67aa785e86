"""Insert-or-update of validated rows by natural key, in the caller's transaction.

Rows are compared with what the database holds column by column (dates as
day numbers): new keys are inserted in bulk, rows that differ are updated
with one ``executemany``, the rest are counted as unchanged. Blank optional
cells keep what the record has: an import never erases by omission.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Date, Table, bindparam, select, text

from traceboard.data.bulk import bulk_insert, next_id, reset_sequence
from traceboard.data.frame import EPOCH, day_number, read_frame
from traceboard.files.importers.normalise import nones


def to_days(series: pd.Series) -> pd.Series:
    """Dates (``datetime.date`` or None) as float day numbers since 1970-01-01 (NaN when missing)."""
    stamps = pd.to_datetime(series.where(series.notna(), None), errors="coerce")
    days = (stamps - pd.Timestamp(EPOCH)).dt.days
    return days.astype(float)


def from_days(series: pd.Series) -> pd.Series:
    """Day numbers (NaN when missing) as datetime64 values for bulk writes."""
    days = pd.to_numeric(series, errors="coerce")
    return pd.to_datetime(days, unit="D", origin="unix")


def date_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, Date)]


def lock_for_import(conn: Connection, table: Table) -> None:
    """On PostgreSQL, hold off other writers of ``table`` until the import commits.

    The import reads the keys present, then inserts the new rows with ids it
    numbers itself; another writer in between would collide. Readers are not
    blocked. (SQLite write transactions are already exclusive: BEGIN IMMEDIATE.)
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text(f'LOCK TABLE "{table.name}" IN EXCLUSIVE MODE'))


def load_existing(conn: Connection, table: Table, columns: list[str]) -> pd.DataFrame:
    """``id`` and ``columns`` of every row; dates as float day numbers, ids as floats."""
    dialect = conn.dialect.name
    selected = [day_number(table.c[c], dialect) if c in date_columns(table) else table.c[c] for c in columns]
    frame = read_frame(conn, select(table.c.id, *selected))
    for column in columns:
        if column in date_columns(table) or column.endswith("_id"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def prepare(incoming: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Validated values in the shape of ``load_existing`` (dates as day numbers, ids as floats)."""
    out = incoming.copy()
    for column in out.columns:
        if column in date_columns(table):
            out[column] = to_days(out[column])
        elif column.endswith("_id"):
            out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    return out


def differs(new: pd.Series, old: pd.Series) -> pd.Series:
    """Element-wise "the value changes" (missing on both sides is no change)."""
    a, b = new.astype(object).to_numpy(), old.astype(object).to_numpy()
    a_missing, b_missing = pd.isna(a), pd.isna(b)
    unequal = np.asarray(a != b, dtype=bool)  # element-wise on object arrays, in numpy's loop
    return pd.Series((unequal | (a_missing ^ b_missing)) & ~(a_missing & b_missing), index=new.index)


def merge_existing(
    incoming: pd.DataFrame, existing: pd.DataFrame, keys: list[str], fields: list[str]
) -> pd.DataFrame:
    """Incoming rows with ``id`` (NaN when new) and each field merged: the file's value, else the record's."""
    old = existing[["id", *keys, *fields]].rename(columns={f: f"_old_{f}" for f in fields})
    old = old.drop_duplicates(keys)  # rows recorded twice before a key was enforced: the first one is updated
    merged = incoming.reset_index(names="_row").merge(old, on=keys, how="left").set_index("_row")
    for field in fields:
        given = merged[field] if field in merged else nones(merged.index)
        merged[field] = given.astype(object).where(given.notna(), merged[f"_old_{field}"])
    merged["_changed"] = False
    known = merged["id"].notna()
    if known.any():  # only rows already in the record can change
        rows = merged[known]
        changed = np.logical_or.reduce([differs(rows[f], rows[f"_old_{f}"]).to_numpy() for f in fields])
        merged.loc[known, "_changed"] = changed
    return merged


def insert_rows(conn: Connection, table: Table, frame: pd.DataFrame) -> pd.Series:
    """Insert rows with fresh ids; return the ids (aligned with ``frame``)."""
    start = next_id(conn, table)
    out = frame.copy()
    out.insert(0, "id", np.arange(start, start + len(out)))
    for column in date_columns(table):
        if column in out:
            out[column] = from_days(out[column])
    for column in out.columns:
        if column.endswith("_id") and column != "id":
            out[column] = pd.array(out[column], dtype="Int64")
    bulk_insert(conn, table, out)
    reset_sequence(conn, table)
    return out["id"]


def update_rows(conn: Connection, table: Table, frame: pd.DataFrame, fields: list[str]) -> int:
    """Update ``fields`` of the rows ``frame["id"]`` (one executemany)."""
    if frame.empty:
        return 0
    dates = set(date_columns(table))
    records = []
    for row in frame[["id", *fields]].itertuples(index=False):
        record = {"_id": int(row[0])}
        for name, value in zip(fields, row[1:], strict=True):
            record[f"_{name}"] = _plain(value, name in dates, name.endswith("_id"))
        records.append(record)
    statement = table.update().where(table.c.id == bindparam("_id"))
    conn.execute(statement.values({f: bindparam(f"_{f}") for f in fields}), records)
    return len(records)


def _plain(value, is_date: bool, is_id: bool):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if is_date:
        return value if hasattr(value, "year") else EPOCH + dt.timedelta(days=int(value))
    if is_id:
        return int(value)
    return value.item() if isinstance(value, np.generic) else value
