"""Writing the other kinds: inspectors, conflicts, inspection results, milestones, publicity.

Each is an insert-or-update by its natural key (``rules.KEYS``), with the
defaults the table needs for new rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Connection

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
    "milestones": Target(m.Milestone, ("due_on", "achieved_on", "note")),
    "publicity": Target(m.PublicityActivity, ("kind", "participants")),
}


def write_records(conn: Connection, kind: str, values: pd.DataFrame, actor: str) -> dict[str, int]:
    """Upsert validated rows of ``kind`` by natural key; return counts added, updated, unchanged."""
    target = TARGETS[kind]
    table = target.model.__table__
    keys, fields = list(KEYS[kind]), list(target.fields)
    lock_for_import(conn, table)
    existing = load_existing(conn, table, keys + fields)
    for key in keys:
        existing[key] = existing[key].astype(float) if key.endswith(("_id", "_on")) else existing[key]
    incoming = prepare(values, table)
    merged = merge_existing(incoming, existing, keys, fields)
    new = merged["id"].isna()
    for name, default in target.defaults.items():
        merged[name] = merged[name].where(merged[name].notna(), default)
    rows = merged.loc[new, keys + fields]
    if kind == "inspections":
        rows = rows.assign(recorded_by=actor, check_items=[[] for _ in range(len(rows))])
    if kind == "milestones":
        rows = rows.assign(elements=[[] for _ in range(len(rows))])
    if new.any():
        insert_rows(conn, table, rows)
    changed = merged["_changed"] & ~new
    update_rows(conn, table, merged.loc[changed], fields)
    return {"added": int(new.sum()), "updated": int(changed.sum()), "unchanged": int((~new & ~changed).sum())}
