"""The analysis frame: a compact in-memory copy of the register and its events.

The database is the record; analysis (adoption tables, assessment inputs,
sampling frames) runs on this frame, loaded once per data version. Columns are
categorical or integer (dates as int32 day numbers since 1970-01-01) so that
a million enterprises fit in a few hundred MB and group-bys stay vectorised.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, Integer, Select, Text, case, cast, func, literal_column, select
from sqlalchemy.engine import URL

from traceboard.data import models as m
from traceboard.data.audit import DISCLOSURES, data_version
from traceboard.data.sqlite_arrow import SQLiteArrowReader
from traceboard.data.uscc import code_ranks
from traceboard.gcpause import gc_paused

EPOCH = dt.date(1970, 1, 1)
NEVER = np.iinfo(np.int32).max  # "closed on" of an enterprise still open
ALWAYS = np.iinfo(np.int32).min  # "registered on" when the register does not say
EVENT_CODES = {kind: i for i, kind in enumerate(m.TRACE_EVENT_KINDS)}


def to_day(date: dt.date) -> int:
    """Day number of a date (days since 1970-01-01)."""
    return (date - EPOCH).days


def from_day(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def day_position(days: np.ndarray, day: int, side: Literal["left", "right"] = "right") -> int:
    """``np.searchsorted(days, day, side)`` of one day number in a sorted array of day numbers.

    The day is searched as the array's own type: given a Python int, NumPy turns the whole int32
    array into int64 first and searches the copy (about 8 ms for the four million uploads of a
    million enterprises, where the search itself takes microseconds); a day beyond the type's
    range gives what a search for it would.
    """
    if days.dtype.kind not in "iu":
        return int(np.searchsorted(days, day, side=side))
    info = np.iinfo(days.dtype)
    if day > info.max:
        return len(days)
    if day < info.min:
        return 0
    return int(np.searchsorted(days, days.dtype.type(day), side=side))


@dataclass(frozen=True)
class RegisterFrame:
    """The register for analysis.

    ``enterprises``: one row per enterprise, positional (row i ↔ ``ids[i]``):
    ``id`` int64, ``uscc``, ``name`` (strings), ``township``, ``sector``,
    ``subcategory``, ``department`` (categoricals of Chinese names),
    ``registered``, ``closed`` (int32 day numbers; ALWAYS / NEVER when absent),
    ``risk_class`` (categorical A–D), ``code_rank`` (int32: the code's place in
    string order, kept with the frame so that draws need not sort the codes again).

    ``events``: ``pos`` (int32 row in ``enterprises``), ``kind`` (int8 code of
    ``TRACE_EVENT_KINDS``), ``day`` (int32), sorted by day then event id.

    ``units``: every unit (code, name, kind, map_row, map_col), ``sectors``
    (code, name) in reference order, ``subcategories`` (sector, name).

    ``uploads``: the platforms' feeds, one row per platform, enterprise and
    day: ``pos`` (int32 row in ``enterprises``), ``platform`` (int16 row in
    ``platforms``), ``day`` (int32), ``records`` (int64), ``items`` (int16 bit
    mask over ``TRACE_ITEMS``, -1 when the feed did not say), sorted by day, then enterprise, then platform.
    ``platforms``: (code, name) in reference order.

    ``stamp``: the record's ``data_stamp`` the frame was read at (``"version:hash"``; empty for a
    frame built from rows), and ``last_event``: the largest trace event id read; both let
    :func:`refresh_register_frame` read only what changed since. ``content``: the stamp at which the
    frame's tables were last read or patched, when a later refresh only moved its version (a check
    result, an alert …); empty when that is ``stamp`` itself. What is computed from the frame alone
    can be kept while :attr:`content_stamp` stays the same (docs/frame.md).
    """

    version: int
    enterprises: pd.DataFrame
    events: pd.DataFrame
    units: pd.DataFrame
    sectors: pd.DataFrame
    subcategories: pd.DataFrame
    uploads: pd.DataFrame = field(default_factory=lambda: build_uploads(pd.DataFrame(), pd.Index([])))
    platforms: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"id": [], "code": [], "name": []}))
    stamp: str = ""
    last_event: int = 0
    content: str = ""

    @property
    def content_stamp(self) -> str:
        """The stamp of the frame's tables as they are: the same for two frames with the same rows
        (the version moved by changes outside the frame), another after any patch or load."""
        return self.content or self.stamp

    @property
    def townships(self) -> pd.DataFrame:
        return self.units[self.units["kind"] != "department"]

    @property
    def departments(self) -> pd.DataFrame:
        return self.units[self.units["kind"] == "department"]

    @property
    def first_day(self) -> int | None:
        """The earliest day with any traceability event (None for an empty register)."""
        return int(self.events["day"].iloc[0]) if len(self.events) else None


def _days(series: pd.Series, missing: int) -> np.ndarray:
    """Day numbers from integers (as loaded) or dates (as tests build them); missing → ``missing``."""
    if pd.api.types.is_numeric_dtype(series.dtype) or series.map(lambda v: isinstance(v, int | None)).all():
        return pd.to_numeric(series).fillna(missing).to_numpy().astype(np.int32)
    dates = pd.to_datetime(series, errors="raise").to_numpy().astype("datetime64[D]")
    days = dates.astype(np.int64)
    return np.where(np.isnat(dates), missing, days).astype(np.int32)


def day_number(column, dialect: str):
    """SQL for a date column as an integer day number, computed by the database.

    Dates cross the driver as small integers instead of strings or ``date``
    objects, which is what keeps loading a million rows fast.
    """
    if dialect == "sqlite":
        return cast(func.julianday(column) - 2440587.5, Integer).label(column.key)
    return (column - literal_column("DATE '1970-01-01'")).label(column.key)


def read_frame(conn: Connection, statement: Select) -> pd.DataFrame:
    """Run a select on the driver's own cursor and return its rows as a DataFrame.

    Bulk reads skip SQLAlchemy's Row objects, which cost more than the
    database itself on a million rows; the statement is still compiled by
    SQLAlchemy with bound parameters. Types come back as the driver gives
    them, so select integers, strings and day numbers (see ``day_number``).
    """
    compiled = statement.compile(conn)
    params = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        keys = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        cursor.close()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in keys]
    return pd.DataFrame(dict(zip(keys, columns, strict=True)))


def frame_source(primary: Engine, replica: Engine) -> Engine:
    """Where to read the frame from: ``replica`` unless it has not yet replayed the primary's
    newest change (then ``primary``, so that whoever just changed the record sees the change).

    Every change writes an audit row, so the replica is current when its newest audit row is
    at least the primary's.
    """
    with primary.connect() as conn:
        wanted = data_version(conn)
    with replica.connect() as conn:
        replayed = data_version(conn)
    return replica if replayed >= wanted else primary


def load_register_frame(engine: Engine) -> RegisterFrame:
    """Read the register and its events from the database into a :class:`RegisterFrame`.

    Columnar: every table crosses as Arrow (see :func:`arrow_snapshot`), all in one snapshot
    of the record, and the frame's compact columns are made from the Arrow arrays.
    """
    database = _sqlite_file(engine)
    if database is not None:
        frame = _load_sqlite_in_two(engine, database)
        if frame is not None:
            return frame
    with arrow_snapshot(engine, bulk=True) as read:
        return _load(read, engine.dialect.name)


def _load_sqlite_in_two(engine: Engine, database: str) -> RegisterFrame | None:
    """An SQLite load by two readers at once: one the uploads (the largest table), the other the
    rest, while this process builds the register's columns (two cores: about half the time).

    Two readers are two snapshots. They are the same record when both end their audit log at the
    same row: every change appends one in its transaction, and SQLite commits one writer at a
    time. If a change came between them: None (the caller loads in one snapshot).
    """
    dialect = engine.dialect.name
    uploads = SQLiteArrowReader(database)
    try:
        end = select(func.coalesce(func.max(m.AuditLog.id), 0).label("id"))
        reads = _uploads_statements(dialect)
        for statement in (end, *reads):
            uploads.request(_sql(engine, statement))
        with arrow_snapshot(engine, bulk=True) as read:
            here = read(end)
            frame = _load(read, dialect, with_uploads=False)
        if uploads.answer().column("id")[0].as_py() != here.column("id")[0].as_py():
            return None
        ids = frame.enterprises["id"].to_numpy()
        tables = [uploads.answer() for _ in reads]
        return replace(frame, uploads=_uploads_frame(tables, dialect, ids, frame.platforms))
    finally:
        uploads.close()


def refresh_register_frame(engine: Engine, frame: RegisterFrame) -> RegisterFrame:
    """The frame of the record's current data version, made from ``frame`` by reading only what
    changed since ``frame.version`` (a full load when the change cannot be patched).

    The audit log says what changed: every change of the record appends one row, in commit
    order, naming its action (docs/frame.md lists the changes patched and how). ``frame``
    itself is never modified.
    """
    dialect = engine.dialect.name
    with arrow_snapshot(engine, bulk=False) as read:
        refreshed = _refresh(read, dialect, frame, bulk=not _bulk_apart(engine))
    if refreshed is not None:
        return refreshed
    with arrow_snapshot(engine, bulk=True) as read:  # the change needs whole tables read again
        return _refresh(read, dialect, frame, bulk=True)


def _refresh(read: Read, dialect: str, frame: RegisterFrame, bulk: bool) -> RegisterFrame | None:
    """``frame`` brought to this snapshot's version; None when that needs a bulk read and ``bulk``
    is False."""
    version, stamp = _head(read)
    if frame.stamp and stamp == frame.stamp:
        return frame
    plan = _refresh_plan(read, frame, version)
    if not bulk and (plan is None or plan.bulk):
        return None
    if plan is not None:
        patched = _patch(read, dialect, frame, plan, version, stamp)
        if patched is not None:
            return patched
    return _load(read, dialect, (version, stamp))


# --- reading in Arrow ----------------------------------------------------------------------

Read = Callable[[Select], pa.Table]


def _sql(engine: Engine, statement: Select) -> str:
    """The statement as SQL text (its few values are ids, dates and vocabulary: rendered inline)."""
    return str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))


def _libpq_uri(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_file(engine: Engine) -> str | None:
    database = engine.url.database
    if (
        engine.dialect.name != "sqlite"
        or database in (None, "", ":memory:")
        or "mode=memory" in str(engine.url)
    ):
        return None
    return database


def _bulk_apart(engine: Engine) -> bool:
    """Whether bulk reads take another snapshot than small ones (SQLite's reader is a child process)."""
    return _sqlite_file(engine) is not None


@contextmanager
def arrow_snapshot(engine: Engine, bulk: bool = True) -> Iterator[Read]:
    """A function that runs a select and returns an Arrow table, every call in one snapshot.

    PostgreSQL is read with its ADBC driver (columnar: no Python object per value) in a
    read-only REPEATABLE READ transaction. An SQLite file is read, for ``bulk`` reads, with
    ADBC's SQLite driver in a child process (:mod:`traceboard.data.sqlite_arrow` says why),
    and otherwise (a few rows) on the engine's own connection in a deferred read transaction;
    WAL: writers never wait for either. Other engines (an in-memory SQLite) use the engine.
    """

    def sql(statement: Select) -> str:
        return _sql(engine, statement)

    database = _sqlite_file(engine)
    if database is not None and bulk:
        reader = SQLiteArrowReader(database)
        reads = _ReadsAhead(reader, sql)
        try:
            yield reads
        finally:
            try:
                reads.drain()
            finally:
                reader.close()
    elif engine.dialect.name == "postgresql":
        import adbc_driver_postgresql.dbapi as adbc_postgresql

        conn = adbc_postgresql.connect(_libpq_uri(engine.url))
        try:
            cursor = conn.cursor()
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

            def read(statement: Select) -> pa.Table:
                cursor.execute(sql(statement))
                return cursor.fetch_arrow_table()

            yield read
        finally:
            try:
                conn.rollback()
            finally:
                conn.close()
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")  # begins the transaction the reads below share
            yield lambda statement: _rows_to_arrow(conn, sql(statement))


class _ReadsAhead:
    """A child reader's ``read`` that can also be told the statements coming next (``ahead``): it
    sends them at once, so the child runs each while this process builds columns from the one
    before; a read takes its answer if it was sent ahead, in order, and the answers sent ahead and
    not read (a statement skipped) are thrown away (docs/frame.md)."""

    def __init__(self, reader: SQLiteArrowReader, sql: Callable[[Select], str]) -> None:
        self._reader, self._sql = reader, sql
        self._sent: list[str] = []

    def ahead(self, statements: Sequence[Select]) -> None:
        for statement in statements:
            text = self._sql(statement)
            self._reader.request(text)
            self._sent.append(text)

    def __call__(self, statement: Select) -> pa.Table:
        text = self._sql(statement)
        while self._sent:
            if self._sent.pop(0) == text:
                return self._reader.answer()
            self._skip()
        return self._reader.read(text)

    def drain(self) -> None:
        while self._sent:
            self._sent.pop(0)
            self._skip()

    def _skip(self) -> None:
        with suppress(RuntimeError):  # a failed read nobody asked for after all
            self._reader.answer()


def read_columnar(
    engine: Engine,
    statement: Select,
    dates: Sequence[str] = (),
    booleans: Sequence[str] = (),
    dates_as_objects: bool = False,
) -> pd.DataFrame:
    """A large select's rows as a DataFrame, read columnar (:func:`arrow_snapshot`): no SQLAlchemy
    Row nor Python object per value on the way (a page reading 230,000 check results spent most
    of its time making Rows).

    The frame is the one the rows would make: integers as int64 (float64 with NaN where a
    column has NULLs), text as objects (None for NULL), ``dates`` as datetime64[s] with NaT
    (what ``pd.to_datetime`` makes of dates), or as ``datetime.date`` objects with
    ``dates_as_objects``, ``booleans`` as bool (SQLite keeps them as 0/1; None for NULL).
    One difference: a column NULL in every row keeps its type here (NaN for an integer column)
    where rows would leave pandas only Nones (object).
    """
    # bulk=False: an SQLite file is read on the engine's own driver cursor (tuples, no Row; dates
    # stay text until Arrow parses them all at once): for the tens of thousands of rows read here
    # the child reader's round trip costs more than it saves. PostgreSQL: ADBC in this process.
    with arrow_snapshot(engine, bulk=False) as read:
        table = read(statement)
    for name in dates:
        i = table.schema.get_field_index(name)
        values = _dates32(table.column(name))
        table = table.set_column(i, name, values if dates_as_objects else values.cast(pa.timestamp("s")))
    for name in booleans:
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, table.column(name).cast(pa.bool_()))
    frame = table.to_pandas(date_as_object=dates_as_objects)
    for name in frame.columns:
        if pd.api.types.is_integer_dtype(frame[name].dtype):
            frame[name] = frame[name].astype(np.int64)
    return frame


def _dates32(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """A date column as it crossed (``date32``, ISO text as SQLite stores it, or all NULL: then
    typed as the driver guesses, int64 for SQLite) as date32."""
    if values.null_count == len(values):
        return pa.chunked_array([pa.nulls(len(values), pa.date32())])
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return _iso_dates(values)
    return values.cast(pa.date32())


def _iso_dates(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """ISO text (``YYYY-MM-DD``, or a timestamp whose first ten characters are its date) as
    ``date32``. The text is cut to ten characters only if some value is longer: dates as SQLite
    keeps them are not, and the cut copies every string (a tenth of a second for a million
    uploads' days)."""
    if (pc.max(pc.binary_length(values)).as_py() or 0) > 10:
        values = pc.utf8_slice_codeunits(values, 0, 10)
    return pc.cast(values, pa.date32())


def _rows_to_arrow(conn: Connection, sql: str) -> pa.Table:
    """Run ``sql`` on the connection's own driver cursor (in its transaction) and return Arrow.

    The rows and their columns are tuples of plain values, no cycle among them: made with the
    cyclic collector paused, which otherwise walks the process's objects again and again while
    tens of thousands of them are made (a third of a year's checks read at a million)."""
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        with gc_paused():
            cursor.execute(sql)
            keys = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
            columns = list(zip(*rows, strict=True)) if rows else [() for _ in keys]
    finally:
        cursor.close()
    return pa.table({key: pa.array(column) for key, column in zip(keys, columns, strict=True)})


def _ints(table: pa.Table, column: str, dtype=np.int64) -> np.ndarray:
    return table.column(column).to_numpy().astype(dtype, copy=False)


def _ids(table: pa.Table, column: str) -> np.ndarray:
    """An id column for :func:`_positions`, in the integer width it crossed in (no int64 copy of
    millions of references)."""
    values = table.column(column).to_numpy()
    return values if values.dtype.kind == "i" else values.astype(np.int64)


def _strings(table: pa.Table, column: str):
    return table.column(column).to_pandas().array


def _days_of(table: pa.Table, column: str, missing: int) -> np.ndarray:
    """Day numbers (int32) of a date column as it crossed: ``date32`` (PostgreSQL), ISO text
    (SQLite stores dates as ``YYYY-MM-DD``), or integers; NULL → ``missing``."""
    values = table.column(column)
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        values = _iso_dates(values)
    elif pa.types.is_null(values.type):
        values = values.cast(pa.int32())
    return pc.fill_null(values.cast(pa.int32()), missing).to_numpy().astype(np.int32, copy=False)


def _coded(column, values: Sequence[str]):
    """SQL for a vocabulary column as its place in ``values`` (-1: NULL or not among them)."""
    return case({v: i for i, v in enumerate(values)}, value=column, else_=-1).label(column.key)


def _head(read: Read) -> tuple[int, str]:
    """The newest change's (id, ``data_stamp``) in this snapshot."""
    head = read(
        select(m.AuditLog.id, m.AuditLog.hash)
        .where(m.AuditLog.action.not_in(sorted(DISCLOSURES)))
        .order_by(m.AuditLog.id.desc())
        .limit(1)
    )
    if head.num_rows == 0:
        return 0, "0"
    version = int(head.column("id")[0].as_py())
    return version, f"{version}:{head.column('hash')[0].as_py()}"


def _small(table: pa.Table) -> pd.DataFrame:
    """A reference table as pandas, integer columns as int64 whatever width the database uses."""
    frame = table.to_pandas()
    for column in frame.columns:
        if pd.api.types.is_integer_dtype(frame[column].dtype):
            frame[column] = frame[column].astype(np.int64)
    return frame


def _reference(read: Read) -> dict[str, pd.DataFrame]:
    return {
        "units": _small(
            read(
                select(
                    m.Unit.id,
                    m.Unit.code,
                    m.Unit.name,
                    m.Unit.short_name,
                    m.Unit.kind,
                    m.Unit.map_row,
                    m.Unit.map_col,
                ).order_by(m.Unit.sort_order, m.Unit.id)
            )
        ),
        "sectors": _small(
            read(select(m.Sector.id, m.Sector.code, m.Sector.name).order_by(m.Sector.sort_order, m.Sector.id))
        ),
        "subcats": _small(
            read(
                select(m.Subcategory.id, m.Subcategory.sector_id, m.Subcategory.name).order_by(
                    m.Subcategory.sector_id, m.Subcategory.sort_order, m.Subcategory.id
                )
            )
        ),
        "platforms": _small(
            read(
                select(m.Platform.id, m.Platform.code, m.Platform.name).order_by(
                    m.Platform.sort_order, m.Platform.id
                )
            )
        ),
    }


def _enterprises_statement() -> Select:
    e = m.Enterprise
    return select(
        e.id,
        e.uscc,
        e.name,
        e.township_id,
        e.sector_id,
        func.coalesce(e.subcategory_id, -1).label("subcategory_id"),
        e.department_id,
        e.registered_on,
        e.closed_on,
        _coded(e.risk_class, m.RISK_CLASSES),
    ).order_by(e.id)


def _read_enterprises(read: Read, dialect: str, ref: dict[str, pd.DataFrame]) -> pd.DataFrame:
    table = read(_enterprises_statement())
    ids = _ints(table, "id")
    units = ref["units"]
    townships = units[units["kind"] != "department"]
    departments = units[units["kind"] == "department"]
    subcats = ref["subcats"]
    sub_names = subcats["name"].drop_duplicates().tolist()
    sub_code = pd.Index(sub_names).get_indexer(subcats["name"])
    sub_at = pd.Index(subcats["id"]).get_indexer(_ints(table, "subcategory_id"))
    return pd.DataFrame(
        {
            "id": ids,
            "uscc": _strings(table, "uscc"),
            "name": _strings(table, "name"),
            "township": _categorical(_ints(table, "township_id"), townships),
            "sector": _categorical(_ints(table, "sector_id"), ref["sectors"]),
            "subcategory": pd.Categorical.from_codes(
                np.where(sub_at >= 0, sub_code[sub_at], -1), categories=sub_names
            ),
            "department": _categorical(_ints(table, "department_id"), departments),
            "registered": _days_of(table, "registered_on", ALWAYS),
            "closed": _days_of(table, "closed_on", NEVER),
            "risk_class": pd.Categorical.from_codes(
                _ints(table, "risk_class", np.int8), categories=list(m.RISK_CLASSES)
            ),
            "code_rank": _code_ranks(read, dialect, ids),
        },
        copy=False,  # the columns are this frame's own: not copied again into one block per type
    )


def _code_ranks(read: Read, dialect: str, ids: np.ndarray) -> np.ndarray:
    """``uscc.code_ranks`` by the database: the ids in code order (binary collation, which orders
    UTF-8 as Python orders strings; the unique index of ``uscc`` serves it on SQLite). Codes are
    unique, so a code's place is its row in that order."""
    in_order = _ints(read(_code_order_statement(dialect)), "id")
    ranks = np.empty(len(ids), np.int32)
    ranks[_positions(ids, in_order)] = np.arange(len(in_order), dtype=np.int32)
    return ranks


def _code_order_statement(dialect: str) -> Select:
    e = m.Enterprise
    return select(e.id).order_by(e.uscc if dialect == "sqlite" else e.uscc.collate("C"))


def _positions(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Row of each id of ``wanted`` in the sorted ``ids`` (-1 where absent)."""
    if len(ids) and ids[0] >= 0 and ids[-1] < 4 * len(ids) + 1024:  # dense ids: a look-up table
        table = np.full(int(ids[-1]) + 1, -1, np.int32)
        table[ids] = np.arange(len(ids), dtype=np.int32)
        if not len(wanted) or (wanted.min() >= 0 and wanted.max() <= ids[-1]):
            return table[wanted]  # all within the table (as references to the register are): one look-up
        inside = (wanted >= 0) & (wanted <= ids[-1])
        return np.where(inside, table[np.where(inside, wanted, 0)], -1).astype(np.int32, copy=False)
    at = np.searchsorted(ids, wanted)
    found = at < len(ids)
    found[found] = ids[at[found]] == wanted[found]
    return np.where(found, at, -1).astype(np.int32)


def _by_day(day: np.ndarray, row_ids: np.ndarray | None) -> np.ndarray:
    """The order by day then row id: rows that came in id order need only a stable sort by day."""
    if row_ids is None:
        return np.argsort(day, kind="stable")
    return np.lexsort((row_ids, day))


def _in_id_order(dialect: str) -> bool:
    """Whether to let the database return rows in id order: free on SQLite (the rowid is the
    table's order), a sort on PostgreSQL (there the frame sorts by id itself)."""
    return dialect == "sqlite"


def _read_events(read: Read, dialect: str, ids: np.ndarray, after_id: int = 0) -> tuple[pd.DataFrame, int]:
    """Events (frame columns, sorted by day then id) with id > ``after_id``, and the largest id."""
    ordered = _in_id_order(dialect)
    statement, last = _events_statements(dialect, after_id)
    table = read(statement)
    day = _days_of(table, "occurred_on", ALWAYS)
    order = _by_day(day, None if ordered else _ints(table, "id"))
    events = pd.DataFrame(
        {
            "pos": _positions(ids, _ids(table, "enterprise_id"))[order],
            "kind": _ints(table, "kind", np.int8)[order],
            "day": day[order],
        },
        copy=False,  # the columns are this frame's own: not copied again into one block per type
    )
    last_id = int(read(last).column("id")[0].as_py()) if len(events) else 0
    return events, max(last_id, after_id)


def _events_statements(dialect: str, after_id: int = 0) -> tuple[Select, Select]:
    """The events with id > ``after_id`` (in id order where that is free), and their largest id."""
    t = m.TraceEvent
    ordered = _in_id_order(dialect)
    statement = select(
        *(() if ordered else (t.id,)), t.enterprise_id, _coded(t.kind, m.TRACE_EVENT_KINDS), t.occurred_on
    )
    last = select(func.coalesce(func.max(t.id), 0).label("id"))
    if after_id:
        statement, last = statement.where(t.id > after_id), last.where(t.id > after_id)
    return (statement.order_by(t.id) if ordered else statement), last


def _uploads_statements(dialect: str, days: tuple[dt.date, dt.date] | None = None) -> list[Select]:
    """The reads of ``platform_upload`` (all rows, or those of ``days``, first and last).

    On SQLite, rows in its key's order (day, enterprise, platform), which is the table's own order
    there (``WITHOUT ROWID``): free; and their days as runs, read first: the days in order with
    their number of rows (a scan of the key), so that the rows cross without their day (4 million
    texts fewer at a million enterprises, each extracted by the driver one by one). Elsewhere one
    read, days included (PostgreSQL sends a day as 4 bytes)."""
    u = m.PlatformUpload
    in_order = _in_id_order(dialect)
    statement = select(
        *(() if in_order else (u.day,)),
        u.enterprise_id,
        u.platform_id,
        u.records,
        func.coalesce(u.items, -1).label("items"),
    )
    runs = select(u.day, func.count().label("rows")).group_by(u.day).order_by(u.day)
    if days is not None:
        statement = statement.where(u.day >= days[0], u.day <= days[1])
        runs = runs.where(u.day >= days[0], u.day <= days[1])
    if not in_order:
        return [statement]
    return [runs, statement.order_by(u.day, u.enterprise_id, u.platform_id)]


def _uploads_frame(
    tables: Sequence[pa.Table], dialect: str, ids: np.ndarray, platforms: pd.DataFrame
) -> pd.DataFrame:
    """The frame's ``uploads`` from the answers to :func:`_uploads_statements`, sorted by day, then
    enterprise (ids and positions share their order), then platform id."""
    table = tables[-1]
    if len(tables) == 2:  # the days as runs, then the rows in day order
        runs = tables[0]
        day = np.repeat(_days_of(runs, "day", ALWAYS), _ints(runs, "rows"))
        if len(day) != table.num_rows:
            raise RuntimeError("the uploads' days and rows were not read in one snapshot")
    else:
        day = _days_of(table, "day", ALWAYS)
    pos = _positions(ids, _ids(table, "enterprise_id"))
    platform_id = _ints(table, "platform_id")
    order = slice(None) if _in_id_order(dialect) else np.lexsort((platform_id, pos, day))
    return pd.DataFrame(
        {
            "pos": pos[order],
            "platform": pd.Index(platforms["id"]).get_indexer(platform_id).astype(np.int16)[order],
            "day": day[order],
            "records": _ints(table, "records")[order],
            "items": _ints(table, "items", np.int16)[order],
        },
        copy=False,  # the columns are this frame's own: not copied again into one block per type
    )


def _read_uploads(
    read: Read,
    dialect: str,
    ids: np.ndarray,
    platforms: pd.DataFrame,
    days: tuple[dt.date, dt.date] | None = None,
) -> pd.DataFrame:
    """The frame's ``uploads`` (by day, enterprise, platform), all or those of ``days`` (first, last)."""
    tables = [read(statement) for statement in _uploads_statements(dialect, days)]
    return _uploads_frame(tables, dialect, ids, platforms)


def _load(
    read: Read, dialect: str, head: tuple[int, str] | None = None, with_uploads: bool = True
) -> RegisterFrame:
    version, stamp = head or _head(read)
    ref = _reference(read)
    ahead = getattr(read, "ahead", None)
    if ahead is not None:  # a child reader: it runs the next reads while this process builds columns
        rest = _uploads_statements(dialect) if with_uploads else []
        ahead([_enterprises_statement(), _code_order_statement(dialect), *_events_statements(dialect), *rest])
    enterprises = _read_enterprises(read, dialect, ref)
    ids = enterprises["id"].to_numpy()
    events, last_event = _read_events(read, dialect, ids)
    return RegisterFrame(
        version,
        enterprises,
        events,
        ref["units"],
        ref["sectors"],
        ref["subcats"],
        _read_uploads(read, dialect, ids, ref["platforms"])
        if with_uploads
        else build_uploads(pd.DataFrame(), ids),
        ref["platforms"],
        stamp=stamp,
        last_event=last_event,
    )


# --- refresh: what changed since the frame's version ----------------------------------------

PLATFORM_INGEST = "platform.ingest"  # services.platform_feeds.ACTION (a test holds them equal)
FRAME_TABLES = frozenset(
    {"enterprise", "trace_event", "platform_upload", "unit", "sector", "subcategory", "platform"}
)
NEUTRAL_ACTIONS = (
    "inspection.",
    "blacklist.",
    "alert.",
    "user.",
    "assessment.",
    "sampling.draw.",
    "sampling.plan.",
)
"""Changes whose writers touch none of the frame's tables (check results, blacklist and alert
steps, accounts, assessments, draws and plans): the frame only takes their version."""


@dataclass
class RefreshPlan:
    """What to read again: the enterprise rows, all events or only the new ones, uploads of days."""

    enterprises: bool = False
    events: bool = False
    new_events: bool = False
    uploads: bool = False
    upload_days: list[tuple[dt.date, dt.date]] = field(default_factory=list)

    @property
    def bulk(self) -> bool:
        """Whether a whole table is read again (the register, every event, every upload)."""
        return self.enterprises or self.events or self.uploads


def change_effect(action: str, entity: str, after: dict | None, plan: RefreshPlan) -> bool:
    """Add what one audit row's change needs re-read to ``plan``; False when it cannot be patched
    (a reference change, the demo city, a kind of change this module does not know)."""
    kind = action.partition(".")[2]
    if action.startswith(("import.", "entry.")):
        if kind == "enterprises":  # enterprises upserted, events appended (files.importers.register)
            plan.enterprises = plan.new_events = True
        elif kind == "traceability":  # events appended
            plan.new_events = True
        elif entity == "trace_event":  # event records upserted: read them all again
            plan.events = True
        elif entity in FRAME_TABLES:
            return False
        return True
    if action == PLATFORM_INGEST:
        first, last = (after or {}).get("first_day"), (after or {}).get("last_day")
        if first and last:
            plan.upload_days.append(
                (dt.date.fromisoformat(str(first)[:10]), dt.date.fromisoformat(str(last)[:10]))
            )
        else:
            plan.uploads = True
        return True
    if action == "sampling.risk_model.apply":  # risk classes of the enterprises
        plan.enterprises = True
        return True
    return action.startswith(NEUTRAL_ACTIONS)


def _refresh_plan(read: Read, frame: RegisterFrame, version: int) -> RefreshPlan | None:
    """What to re-read to bring ``frame`` to ``version`` (None: load afresh)."""
    if not frame.stamp or version < frame.version:
        return None
    a = m.AuditLog
    if frame.version:
        base = read(select(a.hash).where(a.id == frame.version))
        if base.num_rows != 1 or f"{frame.version}:{base.column('hash')[0].as_py()}" != frame.stamp:
            return None  # not the record the frame was read from (re-created, restored)
    changes = read(
        select(a.action, a.entity, cast(a.after, Text).label("after"))
        .where(a.id > frame.version, a.id <= version, a.action.not_in(sorted(DISCLOSURES)))
        .order_by(a.id)
    )
    plan = RefreshPlan()
    for action, entity, after in zip(
        changes.column("action").to_pylist(),
        changes.column("entity").to_pylist(),
        changes.column("after").to_pylist(),
        strict=True,
    ):
        payload = json.loads(after) if action == PLATFORM_INGEST and after else None
        if not change_effect(action, entity, payload, plan):
            return None
    return plan


def _patch(
    read: Read, dialect: str, frame: RegisterFrame, plan: RefreshPlan, version: int, stamp: str
) -> RegisterFrame | None:
    """``frame`` with the parts of ``plan`` read again (None when the register lost or reordered rows)."""
    enterprises = frame.enterprises
    ref = {"units": frame.units, "sectors": frame.sectors, "subcats": frame.subcategories}
    if plan.enterprises:
        enterprises = _read_enterprises(read, dialect, ref)
        old = frame.enterprises["id"].to_numpy()
        if len(enterprises) < len(old) or not np.array_equal(enterprises["id"].to_numpy()[: len(old)], old):
            return None  # positions in events and uploads would move: not patched
    ids = enterprises["id"].to_numpy()
    events, last_event = frame.events, frame.last_event
    if plan.events:
        events, last_event = _read_events(read, dialect, ids)
    elif plan.new_events:
        new, last_event = _read_events(read, dialect, ids, frame.last_event)
        if len(new):
            at = np.searchsorted(events["day"].to_numpy(), new["day"].to_numpy(), side="right")
            events = pd.DataFrame(
                {c: np.insert(events[c].to_numpy(), at, new[c].to_numpy()) for c in events.columns}
            )
    if not (plan.enterprises or plan.events or plan.new_events or plan.uploads or plan.upload_days):
        # a change outside the frame: only the version moves, the tables (and so content) stay
        return replace(frame, version=version, stamp=stamp, content=frame.content_stamp)
    uploads = frame.uploads
    if plan.uploads:
        uploads = _read_uploads(read, dialect, ids, frame.platforms)
    elif plan.upload_days:
        first, last = min(d[0] for d in plan.upload_days), max(d[1] for d in plan.upload_days)
        fresh = _read_uploads(read, dialect, ids, frame.platforms, (first, last))
        day = uploads["day"].to_numpy()
        lo, hi = day_position(day, to_day(first), "left"), day_position(day, to_day(last))
        uploads = pd.concat([uploads.iloc[:lo], fresh, uploads.iloc[hi:]], ignore_index=True)
    return replace(
        frame,
        version=version,
        stamp=stamp,
        enterprises=enterprises,
        events=events,
        uploads=uploads,
        last_event=last_event,
        content="",
    )


def _categorical(ids: pd.Series | np.ndarray, lookup: pd.DataFrame) -> pd.Categorical:
    """Names for ids as a categorical in the lookup's order (unit and sector names are unique)."""
    codes = pd.Index(lookup["id"]).get_indexer(ids)
    return pd.Categorical.from_codes(codes, categories=lookup["name"].tolist())


def build_frame(
    version: int,
    units: pd.DataFrame,
    sectors: pd.DataFrame,
    subcats: pd.DataFrame,
    ent: pd.DataFrame,
    events: pd.DataFrame,
    uploads: pd.DataFrame | None = None,
    platforms: pd.DataFrame | None = None,
) -> RegisterFrame:
    """Assemble a frame from plain rows (also used by tests to build small registers).

    ``uploads``: rows of ``platform_upload`` (enterprise_id, platform_id, day,
    records, items); ``platforms``: (id, code, name) in reference order.
    """
    townships = units[units["kind"] != "department"]
    departments = units[units["kind"] == "department"]
    enterprises = pd.DataFrame(
        {
            "id": ent["id"].astype(np.int64).to_numpy(),
            "uscc": ent["uscc"].astype("string").to_numpy(),
            "name": ent["name"].astype("string").to_numpy(),
            "township": _categorical(ent["township_id"], townships),
            "sector": _categorical(ent["sector_id"], sectors),
            "subcategory": pd.Categorical(
                subcats.set_index("id")["name"].reindex(ent["subcategory_id"]).to_numpy(),
                categories=subcats["name"].drop_duplicates().tolist(),
            ),
            "department": _categorical(ent["department_id"], departments),
            "registered": _days(ent["registered_on"], ALWAYS),
            "closed": _days(ent["closed_on"], NEVER),
            "risk_class": pd.Categorical(ent["risk_class"], categories=list(m.RISK_CLASSES)),
            "code_rank": code_ranks(ent["uscc"].astype(str).tolist()),
        }
    )
    pos = pd.Index(enterprises["id"]).get_indexer(events["enterprise_id"])
    ev = pd.DataFrame(
        {
            "pos": pos.astype(np.int32),
            "kind": events["kind"].map(EVENT_CODES).to_numpy().astype(np.int8),
            "day": _days(events["occurred_on"], ALWAYS),
        }
    )
    order = np.argsort(ev["day"].to_numpy(), kind="stable")
    if platforms is None:
        platforms = pd.DataFrame({"id": [], "code": [], "name": []})
    ids = pd.Index(enterprises["id"])
    return RegisterFrame(
        version,
        enterprises,
        ev.iloc[order].reset_index(drop=True),
        units.reset_index(drop=True),
        sectors.reset_index(drop=True),
        subcats.reset_index(drop=True),
        build_uploads(uploads if uploads is not None else pd.DataFrame(), ids, platforms),
        platforms.reset_index(drop=True),
    )


def build_uploads(rows: pd.DataFrame, ids: pd.Index, platforms: pd.DataFrame | None = None) -> pd.DataFrame:
    """The frame's ``uploads`` from rows of ``platform_upload`` (see :class:`RegisterFrame`)."""
    if rows.empty:
        return pd.DataFrame(
            {
                "pos": np.array([], np.int32),
                "platform": np.array([], np.int16),
                "day": np.array([], np.int32),
                "records": np.array([], np.int64),
                "items": np.array([], np.int16),
            }
        )
    platform_ids = pd.Index(platforms["id"] if platforms is not None else [])
    day = _days(rows["day"], ALWAYS)
    order = np.argsort(day, kind="stable")
    items = pd.to_numeric(rows["items"]).fillna(-1).to_numpy()
    return pd.DataFrame(
        {
            "pos": ids.get_indexer(rows["enterprise_id"]).astype(np.int32)[order],
            "platform": platform_ids.get_indexer(rows["platform_id"]).astype(np.int16)[order],
            "day": day[order],
            "records": pd.to_numeric(rows["records"]).to_numpy().astype(np.int64)[order],
            "items": items.astype(np.int16)[order],
        }
    )
