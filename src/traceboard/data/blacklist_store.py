"""Loading and saving blacklist cases and consumer alerts.

The rules live in ``traceboard.blacklist``; this module only reads rows and
writes them. Changes go through one transaction each: the row is read (and
locked on PostgreSQL), the caller's ``decide`` function — the pure rule —
returns what changes, and the change, its event row and exactly one audit row
are written together, or nothing is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from traceboard.data.audit import record_audit
from traceboard.data.db import transaction
from traceboard.data.models import (
    AlertEnterprise,
    BlacklistEntry,
    BlacklistEvent,
    ConsumerAlert,
    Enterprise,
    Inspection,
    Sector,
)
from traceboard.data.vocabulary import IN_FORCE, OPEN_STATES
from traceboard.i18n import Message

CASE_COLUMNS = [c.name for c in BlacklistEntry.__table__.columns]
EVENT_COLUMNS = [c.name for c in BlacklistEvent.__table__.columns if c.name != "recorded_at"]
ALERT_COLUMNS = [c.name for c in ConsumerAlert.__table__.columns]


class NotFound(LookupError):
    """No row of that id (or credit code)."""


def _row(obj: Any, columns: list[str]) -> dict[str, Any]:
    return {c: getattr(obj, c) for c in columns}


def load_cases(engine: Engine, states: tuple[str, ...] | None = None) -> pd.DataFrame:
    """All cases (or those in ``states``) with enterprise code, name, sector and last move date."""
    last = (
        select(BlacklistEvent.entry_id, func.max(BlacklistEvent.occurred_on).label("last_moved_on"))
        .group_by(BlacklistEvent.entry_id)
        .subquery()
    )
    query = (
        select(
            *BlacklistEntry.__table__.columns,
            Enterprise.uscc,
            Enterprise.name,
            Enterprise.department_id,
            Sector.name.label("sector"),
            Sector.code.label("sector_code"),
            last.c.last_moved_on,
        )
        .join(Enterprise, Enterprise.id == BlacklistEntry.enterprise_id)
        .join(Sector, Sector.id == Enterprise.sector_id)
        .outerjoin(last, last.c.entry_id == BlacklistEntry.id)
        .order_by(BlacklistEntry.id)
    )
    if states:
        query = query.where(BlacklistEntry.state.in_(states))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    columns = [*CASE_COLUMNS, "uscc", "name", "department_id", "sector", "sector_code", "last_moved_on"]
    return pd.DataFrame([dict(r) for r in rows], columns=columns, dtype=object)


def load_case_events(engine: Engine, entry_id: int) -> pd.DataFrame:
    """The moves of one case in order (EVENT_COLUMNS); NotFound when the case does not exist."""
    with Session(engine) as session:
        if session.get(BlacklistEntry, entry_id) is None:
            raise NotFound(Message("refusals.no_case", case=entry_id))
        events = session.scalars(
            select(BlacklistEvent).where(BlacklistEvent.entry_id == entry_id).order_by(BlacklistEvent.id)
        ).all()
        return pd.DataFrame([_row(e, EVENT_COLUMNS) for e in events], columns=EVENT_COLUMNS, dtype=object)


def find_enterprise(session: Session, uscc: str) -> Enterprise:
    enterprise = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc.strip().upper()))
    if enterprise is None:
        raise NotFound(Message("refusals.no_enterprise", uscc=uscc))
    return enterprise


def insert_case(
    engine: Engine,
    uscc: str,
    source_inspection_id: int | None,
    decide: Callable[[dict[str, Any]], tuple[dict, dict]],
    actor: str,
) -> int:
    """Open a case for the enterprise ``uscc``: ``decide(facts)`` → (case fields, event fields).

    ``facts``: the enterprise's id, uscc, name, department_id, its open cases'
    ids (``open_case_ids``), the source inspection's enterprise id and date
    (``inspection_enterprise_id``, ``inspection_checked_on``; None without one).
    """
    with transaction(engine) as session:
        enterprise = find_enterprise(session, uscc)
        source = session.get(Inspection, source_inspection_id) if source_inspection_id is not None else None
        if source_inspection_id is not None and source is None:
            raise NotFound(Message("refusals.no_inspection", check=source_inspection_id))
        open_ids = session.scalars(
            select(BlacklistEntry.id).where(
                BlacklistEntry.enterprise_id == enterprise.id,
                BlacklistEntry.state.in_(OPEN_STATES),
            )
        ).all()
        facts = {
            "id": enterprise.id,
            "uscc": enterprise.uscc,
            "name": enterprise.name,
            "department_id": enterprise.department_id,
            "open_case_ids": list(open_ids),
            "inspection_enterprise_id": source.enterprise_id if source is not None else None,
            "inspection_checked_on": source.checked_on if source is not None else None,
        }
        fields, event = decide(facts)
        entry = BlacklistEntry(enterprise_id=enterprise.id, **fields)
        session.add(entry)
        session.flush()
        session.add(BlacklistEvent(entry_id=entry.id, **event))
        record_audit(
            session,
            actor=actor,
            action="blacklist.propose",
            entity="blacklist_entry",
            entity_id=entry.id,
            after={**_row(entry, CASE_COLUMNS), "uscc": enterprise.uscc},
        )
        return entry.id


def update_case(
    engine: Engine, entry_id: int, decide: Callable[[dict[str, Any]], tuple[dict, dict]], actor: str
) -> dict[str, Any]:
    """Move a case in one transaction: ``decide(case)`` → (changes, event). Returns the new case."""
    with transaction(engine) as session:
        return _update_case(session, entry_id, decide, actor)


def _update_case(session: Session, entry_id: int, decide, actor: str) -> dict[str, Any]:
    entry = session.get(BlacklistEntry, entry_id, with_for_update=True)
    if entry is None:
        raise NotFound(Message("refusals.no_case", case=entry_id))
    before = _row(entry, CASE_COLUMNS)
    last = session.scalar(
        select(func.max(BlacklistEvent.occurred_on)).where(BlacklistEvent.entry_id == entry_id)
    )
    enterprise = session.get(Enterprise, entry.enterprise_id)
    listing = session.scalar(
        select(BlacklistEvent.details)
        .where(BlacklistEvent.entry_id == entry_id, BlacklistEvent.to_state == "listed")
        .order_by(BlacklistEvent.id.desc())
        .limit(1)
    )
    case = {
        **before,
        "last_moved_on": last,
        "risk_class": enterprise.risk_class,
        "risk_class_before_listing": (listing or {}).get("risk_class_before"),
    }
    changes, event = decide(case)
    risk = changes.pop("risk_class", enterprise.risk_class)
    for key, value in changes.items():
        setattr(entry, key, value)
    if risk != enterprise.risk_class:
        enterprise.risk_class = risk
    session.add(BlacklistEvent(entry_id=entry.id, **event))
    after = _row(entry, CASE_COLUMNS)
    record_audit(
        session,
        actor=actor,
        action=f"blacklist.{event['to_state']}",
        entity="blacklist_entry",
        entity_id=entry.id,
        before={**before, "risk_class": case["risk_class"]},
        after={**after, "risk_class": risk},
    )
    return after


def update_cases(engine: Engine, moves: list[tuple[int, Callable]], actor: str) -> list[dict[str, Any]]:
    """Several moves in one transaction (e.g. every expiry due): all of them or none."""
    with transaction(engine) as session:
        return [_update_case(session, entry_id, decide, actor) for entry_id, decide in moves]


# The columns of an alert listing, in order (the CLI's ``alert show``, the page's alert list).
ALERT_LISTING = [
    "id",
    "state",
    "title",
    "sector",
    "severity",
    "drafted_by",
    "approved_by",
    "approved_on",
    "published_on",
    "withdrawn_on",
    "withdrawn_reason",
]


def load_alerts(engine: Engine, states: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Alerts (newest first) as dicts with ``sector`` (name), ``sector_code`` and ``enterprises``."""
    query = (
        select(ConsumerAlert, Sector.name, Sector.code)
        .outerjoin(Sector, Sector.id == ConsumerAlert.sector_id)
        .order_by(ConsumerAlert.id.desc())
    )
    if states:
        query = query.where(ConsumerAlert.state.in_(states))
    with Session(engine) as session:
        rows = session.execute(query).all()
        linked = session.execute(
            select(AlertEnterprise.alert_id, Enterprise.id, Enterprise.uscc, Enterprise.name)
            .join(Enterprise, Enterprise.id == AlertEnterprise.enterprise_id)
            .order_by(Enterprise.uscc)
        ).all()
    by_alert: dict[int, list[dict[str, Any]]] = {}
    for alert_id, eid, uscc, name in linked:
        by_alert.setdefault(alert_id, []).append({"enterprise_id": eid, "uscc": uscc, "name": name})
    return [
        {
            **_row(a, ALERT_COLUMNS),
            "sector": sector,
            "sector_code": code,
            "enterprises": by_alert.get(a.id, []),
        }
        for a, sector, code in rows
    ]


def insert_alert(engine: Engine, fields: dict[str, Any], usccs: tuple[str, ...], actor: str) -> int:
    """Save a draft alert (``fields``: title, body, severity, sector code, drafted_by) and its enterprises."""
    with transaction(engine) as session:
        sector_code = fields.pop("sector", None)
        sector_id = None
        if sector_code:
            sector_id = session.scalar(select(Sector.id).where(Sector.code == sector_code))
            if sector_id is None:
                known = ", ".join(session.scalars(select(Sector.code).order_by(Sector.sort_order)))
                raise NotFound(Message("refusals.unknown_sector", sector=sector_code, known=known))
        alert = ConsumerAlert(**fields, sector_id=sector_id, state="draft")
        session.add(alert)
        session.flush()
        ids = sorted({find_enterprise(session, code).id for code in usccs})
        session.add_all(AlertEnterprise(alert_id=alert.id, enterprise_id=i) for i in ids)
        record_audit(
            session,
            actor=actor,
            action="alert.draft",
            entity="consumer_alert",
            entity_id=alert.id,
            after={**_row(alert, ALERT_COLUMNS), "enterprise_ids": ids},
        )
        return alert.id


def update_alert(
    engine: Engine, alert_id: int, decide: Callable[[dict[str, Any]], dict[str, Any]], actor: str
) -> dict[str, Any]:
    """Move an alert in one transaction: ``decide(alert)`` → the fields to change."""
    with transaction(engine) as session:
        alert = session.get(ConsumerAlert, alert_id, with_for_update=True)
        if alert is None:
            raise NotFound(Message("refusals.no_alert", alert=alert_id))
        before = _row(alert, ALERT_COLUMNS)
        changes = decide(before)
        for key, value in changes.items():
            setattr(alert, key, value)
        if changes.get("state") == "approved":
            alert.approved_at = dt.datetime.now(dt.UTC)
        after = _row(alert, ALERT_COLUMNS)
        record_audit(
            session,
            actor=actor,
            action=f"alert.{changes['state']}",
            entity="consumer_alert",
            entity_id=alert.id,
            before=before,
            after=after,
        )
        return after


def load_listed_enterprise_ids(engine: Engine) -> set[int]:
    """Enterprises with a case in force (listed or published): risk class D for sampling (issue #7)."""
    with engine.connect() as conn:
        rows = conn.execute(select(BlacklistEntry.enterprise_id).where(BlacklistEntry.state.in_(IN_FORCE)))
        return set(rows.scalars())
