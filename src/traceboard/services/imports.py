"""Importing a file of any kind: check the upload, then write it whole (docs/architecture.md).

    validation = check_upload(engine, "enterprises", content, "名录.xlsx")
    if validation.ok:
        summary = import_validated(engine, actor, validation)

Every row is checked before anything is written (``files/importers/validate.py``); the
write is all-or-nothing in one transaction with one audit row holding the file's SHA-256;
importing the same content again changes nothing and says so. The pages and the command
line reach the importers through this module only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, func, select

from traceboard.accounts.authz import Actor, require
from traceboard.data import models as m
from traceboard.data.audit import record_audit
from traceboard.data.db import transaction
from traceboard.files.importers import (
    KINDS,
    SPECS,
    RawSheet,
    UnreadableFile,
    Validation,
    annotated_rows,
    list_sheets,
    problem_table,
    read_sheet,
    render_errors,
)
from traceboard.files.importers.cases import write_cases
from traceboard.files.importers.records import TARGETS, write_records
from traceboard.files.importers.register import write_enterprises, write_traceability
from traceboard.files.importers.validate import validate_sheet
from traceboard.i18n import Message

ENTITY = {"enterprises": "enterprise", "traceability": "trace_event", "blacklist": "blacklist_entry"} | {
    kind: target.model.__tablename__ for kind, target in TARGETS.items()
}


class ValidationFailed(ValueError):
    """The file has problems; nothing was written (``validation.problems`` lists them)."""

    def __init__(self, validation: Validation) -> None:
        super().__init__(
            Message("validation.failed", count=len(validation.problems), file=validation.raw.file)
        )
        self.validation = validation


class CountedChange:
    """What a summary of a write shares: ``counts`` of rows ``added``, ``updated``, ``unchanged``,
    and ``previous``, the earlier write of the same content when this one changed nothing."""

    counts: dict[str, int]
    previous: str | None

    @property
    def changed(self) -> bool:
        return bool(self.counts.get("added") or self.counts.get("updated"))

    def _row_counts(self) -> Message:
        c = self.counts
        return Message(
            "cli.summary.rows",
            added=c.get("added", 0),
            updated=c.get("updated", 0),
            unchanged=c.get("unchanged", 0),
        )

    def _unchanged_note(self, done: str) -> Message | str:
        """Nothing when something changed; else that nothing did (``done``: "imported" or "ingested")."""
        if self.changed:
            return ""
        if not self.previous:
            return Message("cli.summary.nothing_changed")
        if done == "imported":
            return Message("cli.summary.same_import", previous=self.previous)
        return Message("cli.summary.same_ingest", previous=self.previous)


@dataclass(frozen=True)
class ImportSummary(CountedChange):
    """What an import did: counts ``added``, ``updated``, ``unchanged`` (and events by kind).

    ``previous`` names the earlier import of the same content when this one changed nothing.
    """

    kind: str
    file: str
    sha256: str
    counts: dict[str, int] = field(default_factory=dict)
    previous: str | None = None

    def describe(self) -> Message:
        """What the import did, a ``Message`` (its English text, or worded in any language)."""
        c = self.counts
        said = {
            "adopted": lambda n: Message("cli.summary.adopted", count=n),
            "connected": lambda n: Message("cli.summary.connected", count=n),
            "dropped": lambda n: Message("cli.summary.dropped", count=n),
            "disconnected": lambda n: Message("cli.summary.disconnected", count=n),
        }
        events = tuple(said[k](c[k]) for k in said if c.get(k))
        return Message(
            "cli.summary.imported",
            counts=self._row_counts(),
            events=Message("cli.summary.events", events=events) if events else "",
            note=self._unchanged_note("imported"),
        )


def check_upload(
    engine: Engine,
    kind: str,
    content: bytes,
    filename: str,
    sheet: str | None = None,
    today: dt.date | None = None,
    read: Callable[[bytes, str, str | None], RawSheet] = read_sheet,
) -> Validation:
    """Read and validate a file of ``kind``; raise :class:`UnreadableFile` if it cannot be read.

    ``read`` reads the file (the dashboard passes one that parses in a child process).
    """
    if kind not in SPECS:
        raise ValueError(f"unknown kind {kind!r}; choose from {', '.join(KINDS)}")
    raw = read(content, filename, sheet)
    return validate_sheet(engine, kind, raw, hashlib.sha256(content).hexdigest(), today or dt.date.today())


def import_validated(
    engine: Engine, actor: Actor, validation: Validation, today: dt.date | None = None, action: str = "import"
) -> ImportSummary:
    """Write a valid file in one transaction with one audit row; nothing at all when it has problems.

    ``action`` names the way in for the audit row (``import``, or ``entry`` for a form's single record).

    Needs ``register.manage``; inspection results need ``inspection.record``
    for every department in the file (an inspector: their own department).
    """
    _require(actor, validation)
    if not validation.ok:
        raise ValidationFailed(validation)
    today = today or dt.date.today()
    kind, raw = validation.kind, validation.raw
    source = f"import {raw.file} ({validation.sha256[:12]})"
    with transaction(engine) as session:
        conn = session.connection()
        before = _table_rows(session, kind)
        if validation.values.empty:  # a header and no rows: nothing to write
            counts = {"added": 0, "updated": 0, "unchanged": 0}
        elif kind == "enterprises":
            counts = write_enterprises(conn, validation.values, today, source)
        elif kind == "traceability":
            counts = write_traceability(conn, validation.values, today, source)
        elif kind == "blacklist":
            counts = write_cases(conn, validation.values, actor.username)
        else:
            counts = write_records(conn, kind, validation.values, actor.username)
        summary = ImportSummary(kind, raw.file, validation.sha256, counts)
        if not summary.changed:
            return ImportSummary(kind, raw.file, validation.sha256, counts, _previous(session, validation))
        record_audit(
            session,
            actor=actor.username,
            action=f"{action}.{kind}",
            entity=ENTITY[kind],
            entity_id=validation.sha256,
            before={f"{ENTITY[kind]}_rows": before},
            after={
                f"{ENTITY[kind]}_rows": _table_rows(session, kind),
                "file": raw.file,
                "sheet": raw.sheet,
                "sha256": validation.sha256,
                "rows": len(validation.values),
            }
            | counts,
        )
    return summary


def _table_rows(session, kind: str) -> int:
    table = m.Base.metadata.tables[ENTITY[kind]]
    return int(session.scalar(select(func.count()).select_from(table)))


def _require(actor: Actor, validation: Validation) -> None:
    if validation.kind == "inspections" and actor.role == "inspector":
        departments = validation.values.get("department_id", pd.Series(dtype=object)).dropna().unique()
        for department_id in departments:
            require(actor, "inspection.record", department_id=int(department_id))
        return
    require(actor, "register.manage")


def _previous(session, validation: Validation) -> str | None:
    row = session.execute(
        select(m.AuditLog.at, m.AuditLog.actor)
        .where(m.AuditLog.action == f"import.{validation.kind}", m.AuditLog.entity_id == validation.sha256)
        .order_by(m.AuditLog.id.desc())
        .limit(1)
    ).first()
    return Message("cli.summary.previous", at=f"{row.at:%Y-%m-%d %H:%M}", actor=row.actor) if row else None


__all__ = [
    "KINDS",
    "SPECS",
    "ImportSummary",
    "RawSheet",
    "UnreadableFile",
    "Validation",
    "ValidationFailed",
    "annotated_rows",
    "check_upload",
    "import_validated",
    "list_sheets",
    "problem_table",
    "read_sheet",
    "render_errors",
]
