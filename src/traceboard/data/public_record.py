"""Reading the published record: what the public site and the public look-up may show.

Only public facts leave here: enterprises' names and codes, traceability
events, blacklist cases that were published (never who decided), and check
results whose publication date is set. Nothing personal (no inspectors, no
users, no addresses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Engine, bindparam, func, or_, select

from traceboard.data.frame import read_columnar
from traceboard.data.models import (
    BlacklistEntry,
    BlacklistEvent,
    ConsumerAlert,
    Enterprise,
    Inspection,
    Sector,
    TraceEvent,
    Unit,
)
from traceboard.data.vocabulary import PUBLIC_STATES
from traceboard.gcpause import gc_paused

PUBLIC_CASE_COLUMNS = [
    "enterprise_id",
    "uscc",
    "name",
    "state",
    "grounds",
    "legal_basis",
    "authority",
    "remedies",
    "listed_on",
    "published_on",
    "removed_on",
    "removal_reason",
    "removal_authority",
]


def _frame(engine: Engine, query, columns: list[str]) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=columns, dtype=object)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def load_public_enterprises(
    engine: Engine, query: str | None = None, ids: list[int] | None = None
) -> pd.DataFrame:
    """Enterprises (id, uscc, name, sector, township); with ``query`` only those whose code equals it
    or whose name contains it (bound parameters, LIKE wildcards escaped); with ``ids`` only those."""
    township = Unit.__table__.alias("township")
    stmt = (
        select(Enterprise.id, Enterprise.uscc, Enterprise.name, Sector.name, township.c.name)
        .join(Sector, Sector.id == Enterprise.sector_id)
        .join(township, township.c.id == Enterprise.township_id)
        .order_by(Enterprise.uscc)
    )
    if query is not None:
        text = query.strip()
        stmt = stmt.where(
            or_(Enterprise.uscc == text.upper(), Enterprise.name.ilike(_like(text), escape="\\"))
        )
    return _frame(engine, _only(stmt, Enterprise.id, ids), ["id", "uscc", "name", "sector", "township"])


def load_enterprise_names(engine: Engine, ids: Sequence[int]) -> pd.DataFrame:
    """The enterprises ``ids`` (id, uscc, name; objects, in no set order), in one query.

    The ids are bound as one expanding parameter, not as a bound value each: fourteen thousand
    suggested enterprises at a million cost SQLAlchemy more to compile one by one than the
    database to read. Callers keep to a few thousand ids a call (PostgreSQL's driver takes at
    most 65,535 values a query)."""
    stmt = select(Enterprise.id, Enterprise.uscc, Enterprise.name).where(
        Enterprise.id.in_(bindparam("ids", expanding=True))
    )
    with gc_paused(), engine.connect() as conn:  # thousands of row tuples, no cycle among them
        rows = conn.execute(stmt, {"ids": [int(i) for i in ids]}).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=["id", "uscc", "name"], dtype=object)


def _only(stmt, column, ids: list[int] | None):
    return stmt if ids is None else stmt.where(column.in_(ids))


def load_trace_events(engine: Engine, enterprise_ids: list[int] | None = None) -> pd.DataFrame:
    """Traceability events (id, enterprise_id, kind, occurred_on) of the given enterprises (or all)."""
    stmt = select(TraceEvent.id, TraceEvent.enterprise_id, TraceEvent.kind, TraceEvent.occurred_on)
    return _frame(
        engine,
        _only(stmt, TraceEvent.enterprise_id, enterprise_ids),
        ["id", "enterprise_id", "kind", "occurred_on"],
    )


def load_public_cases(engine: Engine, enterprise_ids: list[int] | None = None) -> pd.DataFrame:
    """Blacklist cases that were published (PUBLIC_CASE_COLUMNS); nothing about who decided."""
    stmt = (
        select(
            BlacklistEntry.enterprise_id,
            Enterprise.uscc,
            Enterprise.name,
            *(getattr(BlacklistEntry, c) for c in PUBLIC_CASE_COLUMNS[3:]),
        )
        .join(Enterprise, Enterprise.id == BlacklistEntry.enterprise_id)
        .where(BlacklistEntry.state.in_(PUBLIC_STATES), BlacklistEntry.published_on.is_not(None))
        .order_by(BlacklistEntry.id)
    )
    return _frame(engine, _only(stmt, BlacklistEntry.enterprise_id, enterprise_ids), PUBLIC_CASE_COLUMNS)


def load_published_results(engine: Engine, enterprise_ids: list[int] | None = None) -> pd.DataFrame:
    """Published check results: id, enterprise_id, uscc, name, department, checked_on, result,
    published_on, sector_code."""
    stmt = (
        select(
            Inspection.id,
            Inspection.enterprise_id,
            Enterprise.uscc,
            Enterprise.name,
            Unit.name,
            Inspection.checked_on,
            Inspection.result,
            Inspection.published_on,
            Sector.code,
        )
        .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
        .join(Sector, Sector.id == Enterprise.sector_id)
        .join(Unit, Unit.id == Inspection.department_id)
        .where(Inspection.published_on.is_not(None), Inspection.result.is_not(None))
        .order_by(Inspection.id)
    )
    columns = [
        "id",
        "enterprise_id",
        "uscc",
        "name",
        "department",
        "checked_on",
        "result",
        "published_on",
        "sector_code",
    ]
    return _frame(engine, _only(stmt, Inspection.enterprise_id, enterprise_ids), columns)


def load_check_results(engine: Engine, results: Sequence[str] | None = None) -> pd.DataFrame:
    """Every recorded check result (id, enterprise_id, checked_on, result, major_hazard) for the rules;
    with ``results``, only the checks with one of those results (the ones the rules look at)."""
    stmt = select(
        Inspection.id,
        Inspection.enterprise_id,
        Inspection.checked_on,
        Inspection.result,
        Inspection.major_hazard,
    ).where(Inspection.result.is_not(None))
    if results is not None:
        stmt = stmt.where(Inspection.result.in_(results))
    # a quarter of a million rows at a million enterprises: read columnar, then the row path's objects
    checks = read_columnar(
        engine, stmt, dates=["checked_on"], booleans=["major_hazard"], dates_as_objects=True
    )
    return checks.astype(object)


def latest_public_date(engine: Engine) -> dt.date | None:
    """The latest date among the published facts: the public site's "data as of" date."""
    candidates = [
        select(func.max(TraceEvent.occurred_on)),
        select(func.max(Inspection.published_on)),
        select(func.max(BlacklistEvent.occurred_on))
        .join(BlacklistEntry, BlacklistEntry.id == BlacklistEvent.entry_id)
        .where(BlacklistEntry.published_on.is_not(None)),
        select(func.max(ConsumerAlert.published_on)),
        select(func.max(ConsumerAlert.withdrawn_on)).where(ConsumerAlert.published_on.is_not(None)),
    ]
    with engine.connect() as conn:
        days = [conn.execute(q).scalar() for q in candidates]
    days = [d for d in days if d is not None]
    return max(days) if days else None
