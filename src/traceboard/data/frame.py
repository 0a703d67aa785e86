"""The analysis frame: a compact in-memory copy of the register and its events.

The database is the record; analysis (adoption tables, assessment inputs,
sampling frames) runs on this frame, loaded once per data version. Columns are
categorical or integer (dates as int32 day numbers since 1970-01-01) so that
a million enterprises fit in a few hundred MB and group-bys stay vectorised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Integer, Select, cast, func, literal_column, select

from traceboard.data import models as m
from traceboard.data.audit import data_version
from traceboard.data.uscc import code_ranks

EPOCH = dt.date(1970, 1, 1)
NEVER = np.iinfo(np.int32).max  # "closed on" of an enterprise still open
ALWAYS = np.iinfo(np.int32).min  # "registered on" when the register does not say
EVENT_CODES = {kind: i for i, kind in enumerate(m.TRACE_EVENT_KINDS)}


def to_day(date: dt.date) -> int:
    """Day number of a date (days since 1970-01-01)."""
    return (date - EPOCH).days


def from_day(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


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
    mask over ``TRACE_ITEMS``, -1 when the feed did not say), sorted by day.
    ``platforms``: (code, name) in reference order.
    """

    version: int
    enterprises: pd.DataFrame
    events: pd.DataFrame
    units: pd.DataFrame
    sectors: pd.DataFrame
    subcategories: pd.DataFrame
    uploads: pd.DataFrame = field(default_factory=lambda: build_uploads(pd.DataFrame(), pd.Index([])))
    platforms: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"id": [], "code": [], "name": []}))

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
    """Read the register and its events from the database into a :class:`RegisterFrame`."""
    dialect = engine.dialect.name
    with engine.connect() as conn:
        version = data_version(conn)
        units = read_frame(
            conn,
            select(
                m.Unit.id,
                m.Unit.code,
                m.Unit.name,
                m.Unit.short_name,
                m.Unit.kind,
                m.Unit.map_row,
                m.Unit.map_col,
            ).order_by(m.Unit.sort_order, m.Unit.id),
        )
        sectors = read_frame(
            conn, select(m.Sector.id, m.Sector.code, m.Sector.name).order_by(m.Sector.sort_order)
        )
        subcats = read_frame(
            conn,
            select(m.Subcategory.id, m.Subcategory.sector_id, m.Subcategory.name).order_by(
                m.Subcategory.sector_id, m.Subcategory.sort_order
            ),
        )
        ent = read_frame(
            conn,
            select(
                m.Enterprise.id,
                m.Enterprise.uscc,
                m.Enterprise.name,
                m.Enterprise.township_id,
                m.Enterprise.sector_id,
                m.Enterprise.subcategory_id,
                m.Enterprise.department_id,
                day_number(m.Enterprise.registered_on, dialect),
                day_number(m.Enterprise.closed_on, dialect),
                m.Enterprise.risk_class,
            ).order_by(m.Enterprise.id),
        )
        events = read_frame(
            conn,
            select(
                m.TraceEvent.enterprise_id, m.TraceEvent.kind, day_number(m.TraceEvent.occurred_on, dialect)
            ).order_by(m.TraceEvent.occurred_on, m.TraceEvent.id),
        )
        platforms = read_frame(
            conn, select(m.Platform.id, m.Platform.code, m.Platform.name).order_by(m.Platform.sort_order)
        )
        uploads = read_frame(
            conn,
            select(
                m.PlatformUpload.enterprise_id,
                m.PlatformUpload.platform_id,
                day_number(m.PlatformUpload.day, dialect),
                m.PlatformUpload.records,
                m.PlatformUpload.items,
            ),
        )
    return build_frame(version, units, sectors, subcats, ent, events, uploads, platforms)


def _categorical(ids: pd.Series, lookup: pd.DataFrame) -> pd.Categorical:
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
