"""The platforms and their daily uploads in the record.

``stage_uploads`` → ``merge_staged`` is the one write path of uploads, for
feeds and for the demo city alike: rows go into a temporary table in bulk
(COPY on PostgreSQL, executemany on SQLite) and are joined to the register
once, on their way into ``platform_upload``. When none of the staged days
has a row yet — a new day's feed, the common case — that is one plain
``INSERT … SELECT`` in key order, at the right-hand end of the table's only
index (its key leads with the day). Otherwise the rows are merged with
``INSERT … ON CONFLICT DO UPDATE``: the same platform, enterprise and day
replaces the earlier figures, and identical rows are left alone (so a feed
ingested twice changes nothing). Credit codes not in the register come back
from the merge by line; the caller rolls the transaction back.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Connection, Engine, bindparam, func, select, text
from sqlalchemy.orm import aliased

from traceboard.data import models as m
from traceboard.data.frame import read_frame

STAGE = "platform_upload_stage"  # the staged rows with their enterprise ids (NULL: unknown code)
RAW = "platform_upload_raw"  # the rows as given, before the one join with the register
STAGE_COLUMNS = ("line", "platform_id", "uscc", "day", "records", "batches", "items")


def platforms(conn: Connection | Engine) -> pd.DataFrame:
    """Every platform in reference order: ``id, code, name, name_en, sectors`` (sector codes, comma list)."""
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return platforms(c)
    table = read_frame(
        conn,
        select(m.Platform.id, m.Platform.code, m.Platform.name, m.Platform.name_en).order_by(
            m.Platform.sort_order, m.Platform.id
        ),
    )
    links = read_frame(
        conn,
        select(m.PlatformSector.platform_id, m.Sector.code)
        .join(m.Sector, m.Sector.id == m.PlatformSector.sector_id)
        .order_by(m.Sector.sort_order),
    )
    sectors = links.groupby("platform_id", sort=False)["code"].agg(",".join) if len(links) else pd.Series()
    return table.assign(sectors=table["id"].map(sectors).fillna("").to_numpy() if len(table) else [])


STAGE_BATCH = 50_000  # rows made Python values and inserted at a time (SQLite), in the one transaction


def stage_uploads(conn: Connection, rows: pd.DataFrame) -> int:
    """Create the staging table for this transaction and fill it with ``rows`` (:data:`STAGE_COLUMNS`).

    ``line`` is the row's number in its file; ``day`` an ISO date string;
    ``batches`` and ``items`` may be NaN (absent).
    """
    for table in (RAW, STAGE):
        conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
    on_commit = " ON COMMIT DROP" if conn.dialect.name == "postgresql" else ""
    if conn.dialect.name == "postgresql":  # the join and the merge's sort of a day's feed fit in memory
        conn.execute(text("SET LOCAL work_mem = '64MB'"))
    conn.execute(
        text(
            f"CREATE TEMP TABLE {RAW} (line BIGINT NOT NULL, platform_id INTEGER NOT NULL, "
            f"uscc VARCHAR(18) NOT NULL, day DATE NOT NULL, records INTEGER NOT NULL, "
            f"batches INTEGER, items INTEGER){on_commit}"
        )
    )
    if not rows.empty:
        raw = conn.connection.driver_connection
        names = ", ".join(STAGE_COLUMNS)
        if conn.dialect.name == "postgresql":  # one CSV text written by Arrow's C++ writer, one COPY
            with raw.cursor() as cur, cur.copy(f"COPY {RAW} ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(_csv_bytes(rows))
        else:  # a batch at a time: a day's 600,000 rows as Python values at once would be 250 MB
            cur = raw.cursor()
            marks = ", ".join("?" for _ in STAGE_COLUMNS)
            for start in range(0, len(rows), STAGE_BATCH):
                batch = rows.iloc[start : start + STAGE_BATCH]
                columns = [_plain(batch[c]) for c in STAGE_COLUMNS]
                cur.executemany(f"INSERT INTO {RAW} ({names}) VALUES ({marks})", zip(*columns, strict=True))
            cur.close()
    return len(rows)


def _csv_bytes(rows: pd.DataFrame) -> bytes:
    """The staging columns as headerless CSV for COPY: whole numbers as such, NULL as an empty field."""
    table = pa.Table.from_pandas(
        rows[list(STAGE_COLUMNS)].astype({"batches": "Int64", "items": "Int64"}), preserve_index=False
    )
    out = io.BytesIO()
    pa_csv.write_csv(table, out, pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
    return out.getvalue()


def _plain(series: pd.Series) -> list:
    """Plain Python values, None for NaN, whole numbers as int."""
    if pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy()
        missing = np.isnan(values)
        plain = np.where(missing, 0, values).astype(np.int64).astype(object)
        plain[missing] = None
        return plain.tolist()
    return series.tolist()


def unknown_codes(conn: Connection) -> pd.DataFrame:
    """Staged rows whose credit code is not in the register: ``line, uscc`` in file order."""
    rows = conn.execute(
        text(
            f"SELECT r.line, r.uscc FROM {RAW} r WHERE NOT EXISTS "
            "(SELECT 1 FROM enterprise e WHERE e.uscc = r.uscc) ORDER BY r.line"
        )
    ).all()
    return pd.DataFrame(rows, columns=["line", "uscc"])


KEY = "day, enterprise_id, platform_id"  # platform_upload's primary key, in its order
VALUES = "platform_id, enterprise_id, day, records, batches, items"


def _joined(order: bool) -> str:
    """The staged rows with their enterprise ids (those whose credit code is in the register)."""
    sort = " ORDER BY r.day, e.id, r.platform_id" if order else ""
    return (
        "SELECT r.platform_id, e.id AS enterprise_id, r.day, r.records, r.batches, r.items "
        f"FROM {RAW} r JOIN enterprise e ON e.uscc = r.uscc{sort}"
    )


def _staged_days_are_new(conn: Connection) -> bool:
    """True when ``platform_upload`` has no row on any day of the staged rows (one probe of its key each)."""
    days = conn.execute(text(f"SELECT DISTINCT day FROM {RAW}")).scalars().all()
    if not days:
        return True
    found = conn.execute(
        text("SELECT 1 FROM platform_upload WHERE day IN :days LIMIT 1").bindparams(
            bindparam("days", expanding=True)
        ),
        {"days": days},
    ).first()
    return found is None


def _differs(dialect: str) -> str:
    op = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    return f"u.records <> s.records OR u.batches {op} s.batches OR u.items {op} s.items"


def _merge_sql(dialect: str) -> str:
    differs = _differs(dialect).replace("u.", "platform_upload.").replace("s.", "excluded.")
    return (
        f"INSERT INTO platform_upload ({VALUES}) SELECT {VALUES} FROM {STAGE} WHERE true "
        f"ORDER BY {KEY} ON CONFLICT ({KEY}) DO UPDATE SET "
        "records = excluded.records, batches = excluded.batches, items = excluded.items "
        f"WHERE {differs}"
    )


def merge_staged(conn: Connection) -> tuple[dict[str, int], pd.DataFrame]:
    """Merge the staged rows into ``platform_upload``: the counts ``added``, ``updated``, ``unchanged``,
    and the staged rows whose credit code is not in the register (:func:`unknown_codes`).

    When that second part is not empty, rows may have been written: the caller rolls back. Identical
    rows are not written, so a repeated feed writes nothing. On PostgreSQL concurrent merges wait for
    each other (the table is locked against other writers, not readers).
    """
    dialect = conn.dialect.name
    staged = conn.execute(text(f"SELECT COUNT(*) FROM {RAW}")).scalar_one()
    if dialect == "postgresql":
        conn.execute(text("LOCK TABLE platform_upload IN SHARE ROW EXCLUSIVE MODE"))
    if _staged_days_are_new(conn):  # a new day: every row is added, in the key's order
        added = conn.execute(text(f"INSERT INTO platform_upload ({VALUES}) {_joined(order=True)}")).rowcount
        unknown = unknown_codes(conn) if added < staged else _no_codes()
        return {"added": int(added), "updated": 0, "unchanged": 0}, unknown
    on_commit = " ON COMMIT DROP" if dialect == "postgresql" else ""
    conn.execute(text(f"CREATE TEMP TABLE {STAGE}{on_commit} AS {_joined(order=False)}"))
    if conn.execute(text(f"SELECT COUNT(*) FROM {STAGE}")).scalar_one() < staged:
        return {"added": 0, "updated": 0, "unchanged": 0}, unknown_codes(conn)
    if dialect != "postgresql":
        counts = _staged_changes(conn, staged)
        conn.execute(text(_merge_sql(dialect)))
        return counts, _no_codes()
    added, updated = conn.execute(
        text(
            f"WITH merged AS ({_merge_sql(dialect)} RETURNING (xmax = 0) AS inserted) "
            "SELECT COUNT(*) FILTER (WHERE inserted), COUNT(*) FILTER (WHERE NOT inserted) FROM merged"
        )
    ).one()
    return {
        "added": int(added),
        "updated": int(updated),
        "unchanged": int(staged - added - updated),
    }, _no_codes()


def _no_codes() -> pd.DataFrame:
    return pd.DataFrame({"line": pd.Series(dtype="int64"), "uscc": pd.Series(dtype=object)})


def _staged_changes(conn: Connection, staged: int) -> dict[str, int]:
    """How the staged rows compare with the record: ``added``, ``updated``, ``unchanged``."""
    existing, differing = conn.execute(
        text(
            f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {_differs(conn.dialect.name)} THEN 1 ELSE 0 END), 0) "
            f"FROM {STAGE} s JOIN platform_upload u "
            "ON u.day = s.day AND u.enterprise_id = s.enterprise_id AND u.platform_id = s.platform_id"
        )
    ).one()
    return {
        "added": int(staged - existing),
        "updated": int(differing),
        "unchanged": int(existing - differing),
    }


def upload_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(m.PlatformUpload)).scalar_one())


def latest_uploads(engine: Engine, enterprise_ids: list[int], as_of) -> dict[int, tuple]:
    """Per enterprise id: ``(day, platform name)`` of its newest upload with records on or before ``as_of``.

    Of several platforms on that day, the first in reference order. Enterprises that never uploaded
    are absent. The table's key leads with the day: its days are walked newest first, one probe of
    the key each (a recursive query), and each day is probed for the enterprises.
    """
    if not enterprise_ids:
        return {}
    u, p = m.PlatformUpload, m.Platform
    before = aliased(u)
    days = select(func.max(u.day).label("day")).where(u.day <= as_of).cte("days", recursive=True)
    earlier = select(func.max(before.day)).where(before.day < days.c.day).scalar_subquery()
    days = days.union_all(select(earlier).where(days.c.day.is_not(None)))
    rows = (
        select(u.enterprise_id, u.day, p.name)
        .join(days, days.c.day == u.day)
        .join(p, p.id == u.platform_id)
        .where(u.enterprise_id.in_(enterprise_ids), u.records > 0)
        .order_by(u.enterprise_id, u.day.desc(), p.sort_order)
    )
    with engine.connect() as conn:
        found: dict[int, tuple] = {}
        for enterprise_id, day, name in conn.execute(rows):
            found.setdefault(enterprise_id, (day, name))
    return found
