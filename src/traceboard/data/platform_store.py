"""The platforms and their daily uploads in the record.

``stage_uploads`` → ``unknown_codes`` → ``merge_staged`` is the one write
path of uploads, for feeds and for the demo city alike: rows go into a
temporary staging table in bulk (COPY on PostgreSQL, executemany on SQLite),
are checked against the register with one join, and are merged into
``platform_upload`` with one ``INSERT … ON CONFLICT DO UPDATE`` — the same
platform, enterprise and day replaces the earlier figures, and identical rows
are left alone (so a feed ingested twice changes nothing).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Connection, Engine, func, select, text

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


def stage_uploads(conn: Connection, rows: pd.DataFrame) -> int:
    """Create the staging table for this transaction and fill it with ``rows`` (:data:`STAGE_COLUMNS`).

    ``line`` is the row's number in its file; ``day`` an ISO date string;
    ``batches`` and ``items`` may be NaN (absent). The credit codes are joined
    to the register once, here: every later step reads the enterprise ids.
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
        else:
            columns = [_plain(rows[c]) for c in STAGE_COLUMNS]
            cur = raw.cursor()
            marks = ", ".join("?" for _ in STAGE_COLUMNS)
            cur.executemany(f"INSERT INTO {RAW} ({names}) VALUES ({marks})", zip(*columns, strict=True))
            cur.close()
    conn.execute(
        text(
            f"CREATE TEMP TABLE {STAGE}{on_commit} AS SELECT r.line, r.platform_id, e.id AS enterprise_id, "
            f"r.uscc, r.day, r.records, r.batches, r.items FROM {RAW} r "
            "LEFT JOIN enterprise e ON e.uscc = r.uscc"
        )
    )
    conn.execute(text(f"DROP TABLE {RAW}"))
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {STAGE}"))  # a temporary table has no statistics until asked
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
        text(f"SELECT line, uscc FROM {STAGE} WHERE enterprise_id IS NULL ORDER BY line")
    ).all()
    return pd.DataFrame(rows, columns=["line", "uscc"])


def _differs(dialect: str) -> str:
    op = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    return f"u.records <> s.records OR u.batches {op} s.batches OR u.items {op} s.items"


def staged_changes(conn: Connection) -> dict[str, int]:
    """How the staged rows compare with the record: ``added``, ``updated``, ``unchanged``."""
    staged = conn.execute(text(f"SELECT COUNT(*) FROM {STAGE}")).scalar_one()
    existing, differing = conn.execute(
        text(
            f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {_differs(conn.dialect.name)} THEN 1 ELSE 0 END), 0) "
            f"FROM {STAGE} s JOIN platform_upload u "
            "ON u.enterprise_id = s.enterprise_id AND u.day = s.day AND u.platform_id = s.platform_id"
        )
    ).one()
    return {
        "added": int(staged - existing),
        "updated": int(differing),
        "unchanged": int(existing - differing),
    }


def _merge_sql(dialect: str) -> str:
    differs = _differs(dialect).replace("u.", "platform_upload.").replace("s.", "excluded.")
    return (
        "INSERT INTO platform_upload (platform_id, enterprise_id, day, records, batches, items) "
        f"SELECT s.platform_id, s.enterprise_id, s.day, s.records, s.batches, s.items FROM {STAGE} s "
        "WHERE s.enterprise_id IS NOT NULL ORDER BY s.enterprise_id, s.day, s.platform_id "
        "ON CONFLICT (enterprise_id, day, platform_id) DO UPDATE SET "
        "records = excluded.records, batches = excluded.batches, items = excluded.items "
        f"WHERE {differs}"
    )


def upsert_staged(conn: Connection) -> int:
    """Merge the staged rows into ``platform_upload``; return how many rows were written."""
    result = conn.execute(text(_merge_sql(conn.dialect.name)))
    conn.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    return int(result.rowcount)


def merge_staged(conn: Connection) -> dict[str, int]:
    """Merge the staged rows and say how they compared: ``added``, ``updated``, ``unchanged``.

    Identical rows are not written, so a repeated feed writes nothing. PostgreSQL
    tells inserted from updated rows in the merge itself (a new row has no
    ``xmax``), sparing a join of the feed with the whole table; SQLite compares first.
    """
    if conn.dialect.name != "postgresql":
        counts = staged_changes(conn)
        upsert_staged(conn)
        return counts
    staged = conn.execute(text(f"SELECT COUNT(*) FROM {STAGE} WHERE enterprise_id IS NOT NULL")).scalar_one()
    added, updated = conn.execute(
        text(
            f"WITH merged AS ({_merge_sql('postgresql')} RETURNING (xmax = 0) AS inserted) "
            "SELECT COUNT(*) FILTER (WHERE inserted), COUNT(*) FILTER (WHERE NOT inserted) FROM merged"
        )
    ).one()
    conn.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    return {"added": int(added), "updated": int(updated), "unchanged": int(staged - added - updated)}


def upload_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(m.PlatformUpload)).scalar_one())


def latest_uploads(engine: Engine, enterprise_ids: list[int], as_of) -> dict[int, tuple]:
    """Per enterprise id: ``(day, platform name)`` of its newest upload with records on or before ``as_of``.

    Of several platforms on that day, the first in reference order. Enterprises that never uploaded
    are absent.
    """
    if not enterprise_ids:
        return {}
    u, p = m.PlatformUpload, m.Platform
    newest = (
        select(u.enterprise_id, func.max(u.day).label("day"))
        .where(u.enterprise_id.in_(enterprise_ids), u.records > 0, u.day <= as_of)
        .group_by(u.enterprise_id)
        .subquery()
    )
    rows = (
        select(u.enterprise_id, u.day, p.name)
        .join(newest, (newest.c.enterprise_id == u.enterprise_id) & (newest.c.day == u.day))
        .join(p, p.id == u.platform_id)
        .where(u.records > 0)
        .order_by(u.enterprise_id, p.sort_order)
    )
    with engine.connect() as conn:
        found: dict[int, tuple] = {}
        for enterprise_id, day, name in conn.execute(rows):
            found.setdefault(enterprise_id, (day, name))
    return found
