"""Bulk writes for large tables: COPY on PostgreSQL, executemany on SQLite.

ORM objects one by one cost ~100 µs a row; a province has millions. These
helpers take a DataFrame whose columns are the table's columns and write it
in the caller's transaction, converting values with the column types' own
bind processors so that what lands is exactly what the ORM would write.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pandas as pd
from sqlalchemy import JSON, Connection, Date, DateTime, Table, func, select, text

CHUNK_ROWS = 50_000


def _python_values(series: pd.Series) -> list:
    """Plain Python values with None for missing (numpy scalars and NaT do not bind)."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series.dt.to_pydatetime()
    else:
        values = series.astype(object)
    if series.isna().any():
        values = pd.Series(values, dtype=object).where(series.notna().to_numpy(), None)
    return list(values)


def _columns(conn: Connection, table: Table, frame: pd.DataFrame) -> list[list]:
    out = []
    for name in frame.columns:
        column = table.c[name]
        values = _python_values(frame[name])
        if isinstance(column.type, Date) and not isinstance(column.type, DateTime):
            values = [v.date() if isinstance(v, dt.datetime) else v for v in values]
        if isinstance(column.type, JSON):
            values = [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
        elif conn.dialect.name == "sqlite":
            process = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
            if process is not None:
                values = _processed(values, process)
        out.append(values)
    return out


def _processed(values: list, process) -> list:
    # Constant columns (defaults such as created_at) are converted once.
    memo: dict = {}
    return [None if v is None else memo[v] if v in memo else memo.setdefault(v, process(v)) for v in values]


def _rows(columns: list[list], start: int, stop: int) -> Iterator[tuple]:
    return zip(*(c[start:stop] for c in columns), strict=True)


def bulk_insert(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Insert every row of ``frame`` into ``table``; return the number of rows written."""
    if frame.empty:
        return 0
    frame = with_defaults(table, frame)
    names = list(frame.columns)
    raw = conn.connection.driver_connection
    for start in range(0, len(frame), CHUNK_ROWS):
        columns = _columns(conn, table, frame.iloc[start : start + CHUNK_ROWS])
        rows = _rows(columns, 0, len(columns[0]))
        if conn.dialect.name == "postgresql":
            quoted = ", ".join(f'"{n}"' for n in names)
            with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in names)
            quoted = ", ".join(f'"{n}"' for n in names)
            cur = raw.cursor()
            cur.executemany(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})', rows)
            cur.close()
    return len(frame)


def with_defaults(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Add the table's Python-side defaults (e.g. ``created_at``) for columns the frame lacks."""
    missing = {}
    for column in table.columns:
        default = column.default
        if column.name in frame.columns or default is None or column.primary_key:
            continue
        if default.is_scalar:
            missing[column.name] = default.arg
        elif default.is_callable:
            missing[column.name] = default.arg(None)  # one moment for the whole batch
    return frame.assign(**missing) if missing else frame


def next_id(conn: Connection, table: Table) -> int:
    """The first free integer id of ``table`` (for frames that carry their own ids)."""
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1


def reset_sequence(conn: Connection, table: Table) -> None:
    """After inserting explicit ids on PostgreSQL, move the id sequence past them."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
            f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
        )
    )
