"""Reading the audit log: filtered rows for the audit page and its export, and the chain check.

Only office, leader and admin read the log (permission ``audit.read``); the
functions check it themselves, whatever page calls them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, Select, select

from traceboard.accounts.authz import Actor, require
from traceboard.data.audit import ChainBreak, verify_chain
from traceboard.data.db import session_factory
from traceboard.data.models import AuditLog

COLUMNS = ["id", "at", "actor", "action", "entity", "entity_id", "before", "after", "hash"]
DEFAULT_LIMIT = 5_000


@dataclass(frozen=True)
class AuditFilter:
    """Which rows to read: exact actor/action/entity (None = any), ``start``–``end`` dates inclusive (UTC)."""

    actor: str | None = None
    action: str | None = None
    entity: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def _where(query: Select, filters: AuditFilter) -> Select:
    for column, value in (
        (AuditLog.actor, filters.actor),
        (AuditLog.action, filters.action),
        (AuditLog.entity, filters.entity),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.start is not None:
        query = query.where(AuditLog.at >= dt.datetime.combine(filters.start, dt.time(), dt.UTC))
    if filters.end is not None:
        after_end = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time(), dt.UTC)
        query = query.where(AuditLog.at < after_end)
    return query


def load_audit(
    engine: Engine, actor: Actor | None, filters: AuditFilter, limit: int | None = DEFAULT_LIMIT
) -> pd.DataFrame:
    """The newest ``limit`` rows matching ``filters`` (all with None), newest first.

    Columns: id, at (UTC, aware), actor, action, entity, entity_id, before and
    after (JSON text), hash.
    """
    require(actor, "audit.read")
    query = _where(select(*(getattr(AuditLog, c) for c in COLUMNS)), filters).order_by(AuditLog.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=COLUMNS)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    for column in ("before", "after"):
        frame[column] = frame[column].map(_json_text)
    return frame


def _json_text(value: object) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def audit_choices(engine: Engine, actor: Actor | None) -> dict[str, list[str]]:
    """The distinct actors, actions and entities in the log (for the filters), sorted."""
    require(actor, "audit.read")
    with engine.connect() as conn:
        return {
            name: sorted(conn.scalars(select(column).distinct()))
            for name, column in (
                ("actor", AuditLog.actor),
                ("action", AuditLog.action),
                ("entity", AuditLog.entity),
            )
        }


def check_chain(engine: Engine, actor: Actor | None) -> ChainBreak | None:
    """:func:`~traceboard.data.audit.verify_chain` over the whole log: the first broken row or None."""
    require(actor, "audit.read")
    with session_factory(engine)() as session:
        return verify_chain(session)
