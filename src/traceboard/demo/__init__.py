"""The demo city: a realistic synthetic Xiangxiang for trying traceboard out.

``generate_demo`` fills an empty, initialised database in one transaction. Same
seed, same city: everything is drawn from one ``numpy`` Generator and the
city's clock is fixed (``DEMO_AS_OF``), not today's date.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from traceboard.accounts.accounts import add_demo_accounts
from traceboard.data import models as m
from traceboard.data.assessment_store import milestones_due
from traceboard.data.audit import record_audit
from traceboard.data.bulk import bulk_insert, reset_sequence
from traceboard.data.db import transaction
from traceboard.data.platform_store import platforms
from traceboard.data.reference import load_reference
from traceboard.demo import activity, cases, feeds
from traceboard.demo.register import RefFrames, draw_enterprises, draw_trace_events

DEMO_AS_OF = dt.date(2026, 10, 31)
DEFAULT_ENTERPRISES = 6000
DEFAULT_SEED = 20170829  # the day the plan was issued
ProgressFn = Callable[[str, float], None]


class DemoRefused(RuntimeError):
    """The database already holds a register; the demo never mixes with real records."""


@dataclass
class DemoSummary:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


RECORD_TABLES = (m.Enterprise, m.Inspector, m.Inspection, m.BlacklistEntry, m.ConsumerAlert)


def ensure_empty(session) -> None:
    for model in RECORD_TABLES:
        n = session.scalar(select(func.count()).select_from(model))
        if n:
            raise DemoRefused(
                f"the database is not empty ({model.__tablename__}: {n} rows); "
                "the demo city only goes into an empty database — nothing was changed"
            )


def _ref_frames(session) -> RefFrames:
    units = pd.DataFrame(
        session.execute(select(m.Unit.id, m.Unit.code, m.Unit.name, m.Unit.kind).order_by(m.Unit.id)).all(),
        columns=["id", "code", "name", "kind"],
    )
    sectors = pd.DataFrame(
        session.execute(select(m.Sector.id, m.Sector.code, m.Sector.name).order_by(m.Sector.id)).all(),
        columns=["id", "code", "name"],
    )
    subcats = pd.DataFrame(
        session.execute(
            select(
                m.Subcategory.id, m.Subcategory.sector_id, m.Subcategory.name, m.Subcategory.department_id
            ).order_by(m.Subcategory.id)
        ).all(),
        columns=["id", "sector_id", "name", "department_id"],
    )
    if sectors.empty or units.empty:
        raise DemoRefused("the reference data is missing: run `traceboard init` first")
    return RefFrames(units[units["kind"] != "department"].reset_index(drop=True), sectors, subcats)


def generate_demo(
    engine: Engine,
    enterprises: int = DEFAULT_ENTERPRISES,
    seed: int = DEFAULT_SEED,
    as_of: dt.date = DEMO_AS_OF,
    progress: ProgressFn | None = None,
    region: str = "430381",
) -> DemoSummary:
    """Fill an empty database with a demo city; all in one transaction."""
    if enterprises < 1:
        raise ValueError("the demo city needs at least one enterprise")
    report = progress or (lambda _step, _fraction: None)
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    summary = DemoSummary()
    with transaction(engine) as session:
        ensure_empty(session)
        ref = _ref_frames(session)
        conn = session.connection()

        def write(model, frame: pd.DataFrame, label: str, fraction: float) -> None:
            cols = [c for c in frame.columns if not c.startswith("_")]
            added = bulk_insert(conn, model.__table__, frame[cols])
            summary.counts[model.__tablename__] = summary.counts.get(model.__tablename__, 0) + added
            if "id" in cols:
                reset_sequence(conn, model.__table__)
            report(label, fraction)

        report("enterprises", 0.0)
        ent = draw_enterprises(rng, enterprises, ref, as_of, region)
        ent["risk_class"] = pd.cut(ent["_latent"], [-1, 0.08, 0.16, 0.28, 2], labels=list("ABCD")).astype(str)
        write(m.Enterprise, ent, "enterprises", 0.35)
        events = draw_trace_events(rng, ent, as_of)
        write(m.TraceEvent, events, "traceability events", 0.5)
        # a generator of its own, so that the feeds leave the rest of the city as it was
        feed_rng = np.random.default_rng([seed, feeds.STREAM])
        uploads = feeds.draw_uploads(feed_rng, ent, events, platforms(conn), as_of)
        summary.counts["platform_upload"] = feeds.write_uploads(conn, uploads)
        report("platform feeds", 0.55)
        inspectors = activity.draw_inspectors(rng, ent, ref.townships["id"])
        write(m.Inspector, inspectors, "inspectors", 0.6)
        write(m.Conflict, activity.draw_conflicts(rng, inspectors, ent), "conflicts", 0.62)
        checks = activity.draw_inspections(rng, ent, activity.first_adoption_days(events), as_of)
        write(m.Inspection, checks, "inspections", 0.85)
        _write_work(session, rng, ref, as_of, write)
        # the plan's duties and the townships' milestones draw from a stream of their own, so the
        # city drawn before them stays the same city
        _write_duties(session, np.random.default_rng([seed, 16]), as_of, write)
        _write_cases(session, rng, checks, enterprises, as_of, summary)
        county_rates = activity.draw_county_rates(np.random.default_rng([seed, 17]), as_of)
        write(m.CountyAdoption, county_rates, "county rates", 0.96)
        summary.counts["app_user"] = add_demo_accounts(session)  # one per role, README "Demo accounts"
        summary.seconds = time.perf_counter() - started
        record_audit(
            session,
            actor="system",
            action="demo.generate",
            entity="database",
            after={"enterprises": enterprises, "seed": seed, "as_of": as_of, "counts": summary.counts},
        )
    report("done", 1.0)
    summary.seconds = time.perf_counter() - started
    return summary


def _write_work(session, rng, ref: RefFrames, as_of: dt.date, write) -> None:
    leads = sorted({d for (d,) in session.execute(select(m.SectorLead.department_id))})
    write(m.Milestone, activity.draw_milestones(rng, leads, as_of), "milestones", 0.87)
    units = pd.DataFrame(
        session.execute(select(m.Unit.id, m.Unit.name, m.Unit.kind).order_by(m.Unit.id)).all(),
        columns=["id", "name", "kind"],
    )
    write(m.PublicityActivity, activity.draw_publicity(rng, units, as_of), "publicity", 0.9)
    write(
        m.ReportSubmission, activity.draw_reports(rng, ref.townships["id"].tolist(), as_of), "reports", 0.92
    )


def _write_duties(session, rng: np.random.Generator, as_of: dt.date, write) -> None:
    """The townships' milestone of the plan's timetable and the departments' work ledger."""
    units = pd.DataFrame(
        session.execute(select(m.Unit.id, m.Unit.code).order_by(m.Unit.id)).all(), columns=["id", "code"]
    )
    owed = milestones_due(units, load_reference())
    townships = owed[~owed["unit_id"].isin(select_departments(session))]
    write(m.Milestone, activity.draw_township_milestones(rng, townships, as_of), "township milestones", 0.93)
    carriers = pd.DataFrame(
        session.execute(
            select(m.DutyDepartment.duty_id, m.DutyDepartment.department_id).order_by(
                m.DutyDepartment.duty_id, m.DutyDepartment.department_id
            )
        ).all(),
        columns=["duty_id", "department_id"],
    )
    duties = dict(session.execute(select(m.Duty.id, m.Duty.name)).all())
    write(m.DutyRecord, activity.draw_duty_records(rng, carriers, duties, as_of), "duty records", 0.95)


def select_departments(session) -> list[int]:
    return list(session.scalars(select(m.Unit.id).where(m.Unit.kind == "department").order_by(m.Unit.id)))


def _write_cases(session, rng, checks: pd.DataFrame, n: int, as_of: dt.date, summary: DemoSummary) -> None:
    authority = dict(session.execute(select(m.Unit.id, m.Unit.name)).all())
    summary.counts["blacklist_entry"] = cases.add_blacklist_cases(
        session, rng, checks, authority, count=max(8, min(40, n // 500)), as_of=as_of
    )
    sector_ids = dict(session.execute(select(m.Sector.code, m.Sector.id)).all())
    listed = session.scalars(
        select(m.BlacklistEntry.enterprise_id)
        .where(m.BlacklistEntry.state == "published")
        .order_by(m.BlacklistEntry.id)
    )
    summary.counts["consumer_alert"] = cases.add_alerts(session, sector_ids, list(listed), as_of)
    session.flush()
