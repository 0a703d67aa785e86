"""Writing the other kinds: inspectors, conflicts, inspection results, milestones, publicity,
progress reports, duty records, the counties' published rates, traceability changes and
consumer alerts published before they were recorded here.

Each is an insert-or-update by its natural key (``rules.KEYS``), with the
defaults the table needs for new rows.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import JSON, Connection, Integer

from traceboard.data import models as m
from traceboard.files.importers.rules import KEYS
from traceboard.files.importers.upsert import (
    insert_rows,
    load_existing,
    lock_for_import,
    merge_existing,
    prepare,
    update_rows,
)


@dataclass(frozen=True)
class Target:
    model: type
    fields: tuple[str, ...]
    defaults: dict = field(default_factory=dict)


TARGETS = {
    "inspectors": Target(
        m.Inspector, ("name", "department_id", "home_township_id", "active"), {"active": True}
    ),
    "conflicts": Target(m.Conflict, ("reason", "declared_on")),
    "inspections": Target(
        m.Inspection,
        ("result", "findings", "major_hazard", "rectification_due_on", "rectified_on", "published_on"),
        {"major_hazard": False},
    ),
    "milestones": Target(m.Milestone, ("due_on", "achieved_on", "elements", "note"), {"elements": ()}),
    "publicity": Target(m.PublicityActivity, ("kind", "participants")),
    "reports": Target(m.ReportSubmission, ("due_on", "submitted_on")),
    "duty-records": Target(m.DutyRecord, ("amount", "note")),
    "county-rates": Target(m.CountyAdoption, ("rate", "source")),
    "trace-events": Target(m.TraceEvent, ("platform", "source"), {"source": "导入"}),
    "alerts": Target(
        m.ConsumerAlert,
        ("body", "sector_id", "severity", "state", "approved_on", "withdrawn_on", "withdrawn_reason"),
        {"severity": "info"},
    ),
}


def write_records(conn: Connection, kind: str, values: pd.DataFrame, actor: str) -> dict[str, int]:
    """Upsert validated rows of ``kind`` by natural key; return counts added, updated, unchanged."""
    target = TARGETS[kind]
    table = target.model.__table__
    keys, fields = list(KEYS[kind]), list(target.fields)
    lock_for_import(conn, table)
    existing = load_existing(conn, table, keys + fields)
    incoming = prepare(values, table)
    for key in keys:
        if key not in incoming:  # an optional part of the key (a document number) not in the file
            incoming[key] = None
        if key.endswith(("_id", "_on")) or isinstance(table.c[key].type, Integer):
            existing[key] = existing[key].astype(float)
            incoming[key] = pd.to_numeric(incoming[key], errors="coerce").astype(float)
    for name in fields:
        if isinstance(table.c[name].type, JSON):  # lists compare as tuples (SQLite gives JSON text)
            existing[name] = existing[name].map(as_tuple)
            incoming[name] = incoming[name].map(as_tuple) if name in incoming else None
    merged = merge_existing(incoming, existing, keys, fields)
    new = merged["id"].isna()
    for name, default in target.defaults.items():
        merged[name] = merged[name].map(lambda v, d=default: d if _missing(v) else v)
    rows = merged.loc[new, keys + fields]
    for key in keys:
        if isinstance(table.c[key].type, Integer) and not key.endswith("_id"):
            rows = rows.assign(**{key: pd.array(rows[key], dtype="Int64")})  # compared as floats above
    if kind == "inspections":
        rows = rows.assign(recorded_by=actor, check_items=[[] for _ in range(len(rows))])
    if kind == "alerts":  # published before it was recorded here: the importing user answers for it
        rows = rows.assign(drafted_by=actor, approved_by=actor, approved_at=dt.datetime.now(dt.UTC))
    if new.any():
        insert_rows(conn, table, rows)
    changed = merged["_changed"] & ~new
    update_rows(conn, table, merged.loc[changed], fields)
    return {"added": int(new.sum()), "updated": int(changed.sum()), "unchanged": int((~new & ~changed).sum())}


def _missing(value) -> bool:
    return value is None or (not isinstance(value, tuple | list) and bool(pd.isna(value)))


def as_tuple(value) -> tuple | None:
    """A JSON list as stored (text on SQLite, a list on PostgreSQL) as a tuple; None when missing."""
    if _missing(value):
        return None
    return tuple(json.loads(value) if isinstance(value, str) else value)
