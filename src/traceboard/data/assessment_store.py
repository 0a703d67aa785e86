"""The annual assessment in the record: gather its inputs, save runs as versions, lock them.

- ``gather_inputs`` reads a year's facts (milestones, checks, reports, publicity,
  blacklist and alert work) into DataFrames for ``traceboard.metrics``;
- ``save_run`` writes a computed run as the year's next version (draft);
- ``lock_run`` lets a leader approve and lock a run. A locked run never
  changes: the ORM refuses any update or delete of it or of its scores, and
  any new score for it (:class:`LockedRunError`), whoever asks; the database
  refuses updates and deletes too (triggers of migration 0002).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Select, event, func, select
from sqlalchemy.orm import Session

from traceboard.accounts.authz import Actor, require
from traceboard.data import duty_store
from traceboard.data import models as m
from traceboard.data.assessment_config import IndicatorSetDef
from traceboard.data.audit import record_audit
from traceboard.data.db import session_factory, transaction
from traceboard.data.frame import RegisterFrame, read_columnar
from traceboard.data.reference import Reference, load_reference
from traceboard.i18n import Message

RUN_COLUMNS = [
    "id", "year", "version", "status", "inputs_sha256", "created_at", "created_by", "locked_at", "locked_by",
]  # fmt: skip


class LockedRunError(RuntimeError):
    """An attempt to change a locked assessment run or its scores."""


class RunNotFound(LookupError):
    """No assessment run with that id or for that year."""


@dataclass(frozen=True)
class AssessmentInputs:
    """A year's facts for the assessment, one DataFrame per kind of record (dates as datetime64).

    ``units``: id, code, name, kind, group (department | township), sort_order.
    ``milestones``: department_id, kind, due_on, achieved_on, elements (list).
    ``inspections`` (checked in the year, up to ``as_of``): id, department_id,
    township_id, assignment_id, checked_on, result, rectification_due_on, rectified_on, published_on.
    ``assignments`` (of draws under the year's plans): id, department_id, done (bool).
    ``blacklist_events`` (in the year): entry_id, department_id, to_state, occurred_on.
    ``alerts`` (published in the year): id, sector_id, published_on.
    ``sector_leads``: sector_id, department_id.
    ``publicity`` (held in the year): unit_id, held_on. ``reports`` (due in the year, up to ``as_of``):
    unit_id, period, due_on, submitted_on.
    ``milestones_due`` (the plan's timetable from the reference data): unit_id, kind, due_on.
    ``duties`` (the plan's duties each department carries, from the reference data): unit_id, duty
    (the duty's id). ``duty_records`` (工作台账 dated in the year, up to ``as_of``): unit_id, duty,
    recorded_on.
    """

    year: int
    as_of: dt.date
    units: pd.DataFrame
    milestones: pd.DataFrame
    inspections: pd.DataFrame
    assignments: pd.DataFrame
    blacklist_events: pd.DataFrame
    alerts: pd.DataFrame
    sector_leads: pd.DataFrame
    publicity: pd.DataFrame
    reports: pd.DataFrame
    milestones_due: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"unit_id": [], "kind": [], "due_on": pd.to_datetime([])})
    )
    duties: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"unit_id": [], "duty": []}))
    duty_records: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"unit_id": [], "duty": [], "recorded_on": pd.to_datetime([])})
    )


def assessment_day(year: int, today: dt.date) -> dt.date:
    """The day a year is assessed at: its 31 December, or today for the running year."""
    return min(dt.date(year, 12, 31), today)


def _frame(session: Session, statement, dates: tuple[str, ...] = ()) -> pd.DataFrame:
    result = session.execute(statement)
    table = pd.DataFrame(result.all(), columns=list(result.keys()))
    for column in dates:
        table[column] = pd.to_datetime(table[column])
    return table


CHECK_DATES = ("checked_on", "rectification_due_on", "rectified_on", "published_on")


def checks_between(start: dt.date, end: dt.date, township: bool = True) -> Select:
    """The checks made from ``start`` to ``end`` as the measures read them, in id order; without
    ``township``, each check's ``enterprise_id`` in place of its enterprise's ``township_id``
    (no join to the register: see :func:`_year_checks`)."""
    ins = m.Inspection
    statement = select(
        ins.id,
        ins.department_id,
        m.Enterprise.township_id if township else ins.enterprise_id,
        ins.assignment_id,
        ins.checked_on,
        ins.result,
        ins.rectification_due_on,
        ins.rectified_on,
        ins.published_on,
    )
    if township:
        statement = statement.join(m.Enterprise, m.Enterprise.id == ins.enterprise_id)
    return statement.where(ins.checked_on.between(start, end)).order_by(ins.id)


def _year_checks(engine: Engine, start: dt.date, end: dt.date, frame: RegisterFrame | None) -> pd.DataFrame:
    """The checks of :func:`checks_between`. With the register ``frame`` of the record as it is, each
    check's township is the frame's for its enterprise instead of a join: the join looks up the
    enterprise of each of a year's 35,000 checks in the million-row register, half of the read's
    time at a million enterprises. The same table either way; the join where the frame cannot say
    (an enterprise it does not hold, a township it does not know, no check)."""
    if frame is not None:
        checks = read_columnar(engine, checks_between(start, end, township=False), CHECK_DATES)
        townships = _townships_of(frame, checks["enterprise_id"].to_numpy()) if len(checks) else None
        if townships is not None:
            checks.insert(2, "township_id", townships)
            return checks.drop(columns="enterprise_id")
    return read_columnar(engine, checks_between(start, end), CHECK_DATES)


def _townships_of(frame: RegisterFrame, enterprise_ids: np.ndarray) -> np.ndarray | None:
    """The township unit id (int64) of each enterprise id, from the frame; None when the frame
    lacks one of the enterprises or knows one's township by no unit."""
    ent = frame.enterprises
    column = ent["township"]
    townships = frame.townships
    if not isinstance(column.dtype, pd.CategoricalDtype) or "id" not in townships.columns:
        return None
    if column.cat.categories.astype(str).tolist() != townships["name"].astype(str).tolist():
        return None
    ids = ent["id"].to_numpy(np.int64)
    wanted = np.asarray(enterprise_ids, dtype=np.int64)
    if not len(ids) or wanted.min() < 0 or wanted.max() > ids.max():
        return None
    row = np.full(int(ids.max()) + 1, -1, np.int32)  # enterprise id → its row in the frame
    row[ids] = np.arange(len(ids), dtype=np.int32)
    at = row[wanted]
    if (at < 0).any():
        return None
    codes = column.cat.codes.to_numpy()[at]
    if (codes < 0).any():
        return None
    return townships["id"].to_numpy(np.int64)[codes]


def gather_inputs(
    engine: Engine, year: int, as_of: dt.date, frame: RegisterFrame | None = None
) -> AssessmentInputs:
    """Read the facts of ``year`` (up to ``as_of``) that the built-in measures use. ``frame``: the
    register frame of the record as it is, if the caller holds it (the checks' townships are
    then taken from it: :func:`_year_checks`)."""
    start, end = dt.date(year, 1, 1), min(dt.date(year, 12, 31), as_of)
    carried = duty_store.duty_carriers(engine).rename(columns={"department_id": "unit_id", "duty_id": "duty"})
    ledger = duty_store.duty_records(engine, start, end)
    ledger = ledger[["unit_id", "duty_id", "occurred_on"]].rename(
        columns={"duty_id": "duty", "occurred_on": "recorded_on"}
    )
    with session_factory(engine)() as session:
        units = _units(session)
        # the year's checks, tens of thousands at a million enterprises: read columnar
        inspections = _year_checks(engine, start, end, frame)
        return AssessmentInputs(
            year=year,
            as_of=end,
            units=units,
            milestones=_milestones(session),
            milestones_due=milestones_due(units, load_reference()),
            duties=carried,
            duty_records=ledger,
            inspections=inspections,
            assignments=_assignments(session, year),
            blacklist_events=_blacklist_events(session, start, end),
            alerts=_frame(
                session,
                select(m.ConsumerAlert.id, m.ConsumerAlert.sector_id, m.ConsumerAlert.published_on).where(
                    m.ConsumerAlert.published_on.between(start, end)
                ),
                ("published_on",),
            ),
            sector_leads=_frame(session, select(m.SectorLead.sector_id, m.SectorLead.department_id)),
            publicity=_frame(
                session,
                select(m.PublicityActivity.unit_id, m.PublicityActivity.held_on).where(
                    m.PublicityActivity.held_on.between(start, end)
                ),
                ("held_on",),
            ),
            reports=_frame(
                session,
                select(
                    m.ReportSubmission.unit_id,
                    m.ReportSubmission.period,
                    m.ReportSubmission.due_on,
                    m.ReportSubmission.submitted_on,
                ).where(m.ReportSubmission.due_on.between(start, end)),
                ("due_on", "submitted_on"),
            ),
        )


def _units(session: Session) -> pd.DataFrame:
    units = _frame(
        session, select(m.Unit.id, m.Unit.code, m.Unit.name, m.Unit.name_en, m.Unit.kind, m.Unit.sort_order)
    )
    units["group"] = units["kind"].where(units["kind"] == "department", "township")
    return units.sort_values(["sort_order", "id"], kind="stable").reset_index(drop=True)


def unit_names(engine: Engine) -> pd.DataFrame:
    """Every assessed unit as results name it: unit_id, unit (name), unit_kind (department or township)."""
    with session_factory(engine)() as session:
        units = _units(session)
    return pd.DataFrame({"unit_id": units["id"], "unit": units["name"], "unit_kind": units["group"]})


def read_timetable(engine: Engine) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The plan's timetable and what was recorded: (units as in AssessmentInputs, the milestones
    owed — unit_id, kind, due_on —, the milestone rows — unit_id, kind, due_on, achieved_on)."""
    with session_factory(engine)() as session:
        units = _units(session)
        recorded = _milestones(session).rename(columns={"department_id": "unit_id"})
    return units, milestones_due(units, load_reference()), recorded


def milestones_due(units: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """The plan's timetable as unit_id, kind, due_on (datetime64), for the units in the record."""
    ids = dict(zip(units["code"], units["id"], strict=True))
    rows = [(ids[code], kind, due) for code, kind, due in ref.milestones_due() if code in ids]
    table = pd.DataFrame(rows, columns=["unit_id", "kind", "due_on"])
    table["due_on"] = pd.to_datetime(table["due_on"])
    return table


def _milestones(session: Session) -> pd.DataFrame:
    ms = m.Milestone
    return _frame(
        session,
        select(ms.department_id, ms.kind, ms.due_on, ms.achieved_on, ms.elements).order_by(ms.id),
        ("due_on", "achieved_on"),
    )


def _assignments(session: Session, year: int) -> pd.DataFrame:
    done = select(m.Inspection.id).where(m.Inspection.assignment_id == m.Assignment.id).exists()
    return _frame(
        session,
        select(m.Assignment.id, m.SamplingPlan.department_id, done.label("done"))
        .join(m.Draw, m.Draw.id == m.Assignment.draw_id)
        .join(m.SamplingPlan, m.SamplingPlan.id == m.Draw.plan_id)
        .where(m.SamplingPlan.year == year),
    )


def _blacklist_events(session: Session, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Moves of blacklist cases in the period, credited to the department whose check opened the case
    (or, for a case opened otherwise, the unit named as its deciding authority)."""
    entry, ev = m.BlacklistEntry, m.BlacklistEvent
    table = _frame(
        session,
        select(
            ev.entry_id,
            m.Inspection.department_id,
            m.Unit.id.label("authority_id"),
            ev.to_state,
            ev.occurred_on,
        )
        .join(entry, entry.id == ev.entry_id)
        .outerjoin(m.Inspection, m.Inspection.id == entry.source_inspection_id)
        .outerjoin(m.Unit, m.Unit.name == entry.authority)
        .where(ev.occurred_on.between(start, end))
        .order_by(ev.id),
        ("occurred_on",),
    )
    table["department_id"] = table["department_id"].fillna(table["authority_id"])
    return table.drop(columns="authority_id").dropna(subset=["department_id"]).astype({"department_id": int})


# --- runs -------------------------------------------------------------------


def save_indicator_set(session: Session, year: int, indicator_set: IndicatorSetDef) -> int:
    """The id of the stored copy of a set for a year (stored on first use, matched by content hash)."""
    found = session.scalar(
        select(m.IndicatorSet.id).where(
            m.IndicatorSet.year == year,
            m.IndicatorSet.unit_kind == indicator_set.unit_kind,
            m.IndicatorSet.sha256 == indicator_set.sha256,
        )
    )
    if found is not None:
        return found
    row = m.IndicatorSet(
        year=year,
        unit_kind=indicator_set.unit_kind,
        definition={"path": indicator_set.path, **indicator_set.definition},
        sha256=indicator_set.sha256,
    )
    session.add(row)
    session.flush()
    return row.id


def save_run(
    engine: Engine,
    actor: Actor,
    year: int,
    sets: dict[str, IndicatorSetDef],
    units: pd.DataFrame,
    indicators: pd.DataFrame,
    inputs_sha256: str,
    changes: list[dict[str, Any]] | None = None,
) -> int:
    """Write a computed run as the next version of ``year`` (a draft) and return its id.

    ``units``: unit_id, score, grade, rank. ``indicators``: unit_id, indicator_code,
    value, points, max_points, explanation (text), explanation_facts (dict, optional), inputs
    (dict). ``changes`` (the diff against the previous version) goes into the audit row. Needs
    ``assessment.run``.
    """
    require(actor, "assessment.run")
    with transaction(engine) as session:
        version = (
            session.scalar(select(func.max(m.AssessmentRun.version)).where(m.AssessmentRun.year == year)) or 0
        ) + 1
        run = m.AssessmentRun(
            year=year,
            version=version,
            status="draft",
            department_set_id=save_indicator_set(session, year, sets["department"]),
            township_set_id=save_indicator_set(session, year, sets["township"]),
            inputs_sha256=inputs_sha256,
            created_by=actor.username,
        )
        session.add(run)
        session.flush()
        stored = units.assign(rank=units["rank"].astype("Int64"))  # 不予评定: no rank, NULL
        session.add_all(
            m.UnitScore(run_id=run.id, **row)
            for row in _records(stored, ["unit_id", "score", "grade", "rank"])
        )
        columns = ["unit_id", "indicator_code", "value", "points", "max_points", "explanation", "inputs"]
        columns += ["explanation_facts"] if "explanation_facts" in indicators else []
        session.add_all(m.IndicatorScore(run_id=run.id, **row) for row in _records(indicators, columns))
        record_audit(
            session,
            actor=actor.username,
            action="assessment.run",
            entity="assessment_run",
            entity_id=run.id,
            after={"year": year, "version": version, "status": "draft", "inputs_sha256": inputs_sha256,
                   "units": len(units), "changes": (changes or [])[:200]},
        )  # fmt: skip
        return run.id


def _records(table: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    rows = table[columns].astype(object).where(table[columns].notna(), None).to_dict("records")
    for row in rows:
        for key, value in row.items():
            if hasattr(value, "item"):
                row[key] = value.item()  # numpy scalars → Python for both drivers
    return rows


def lock_run(engine: Engine, actor: Actor, run_id: int) -> None:
    """Approve and lock a run (``assessment.lock``, leaders); a locked run is refused a second lock."""
    require(actor, "assessment.lock")
    with transaction(engine) as session:
        run = session.get(m.AssessmentRun, run_id)
        if run is None:
            raise RunNotFound(Message("refusals.no_assessment_run", run=run_id))
        if run.status == "locked":
            raise LockedRunError(
                Message("refusals.run_already_locked", year=run.year, version=run.version, user=run.locked_by)
            )
        before = {"status": run.status}
        run.status, run.locked_by, run.locked_at = "locked", actor.username, dt.datetime.now(dt.UTC)
        session.flush()  # the guard reads the stored status, still draft until this flush
        record_audit(
            session,
            actor=actor.username,
            action="assessment.lock",
            entity="assessment_run",
            entity_id=run.id,
            before=before,
            after={"status": "locked", "year": run.year, "version": run.version},
        )


def list_runs(engine: Engine, year: int | None = None) -> pd.DataFrame:
    """Saved runs (newest version first per year): the columns of RUN_COLUMNS."""
    statement = select(*(getattr(m.AssessmentRun, c) for c in RUN_COLUMNS))
    if year is not None:
        statement = statement.where(m.AssessmentRun.year == year)
    with session_factory(engine)() as session:
        return _frame(
            session, statement.order_by(m.AssessmentRun.year.desc(), m.AssessmentRun.version.desc())
        )


def load_run(engine: Engine, run_id: int) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """A saved run: (run fields, unit scores, indicator scores) in the shapes ``save_run`` takes."""
    with session_factory(engine)() as session:
        run = session.get(m.AssessmentRun, run_id)
        if run is None:
            raise RunNotFound(Message("refusals.no_assessment_run", run=run_id))
        fields = {c: getattr(run, c) for c in RUN_COLUMNS}
        us, ix = m.UnitScore, m.IndicatorScore
        units = _frame(session, select(us.unit_id, us.score, us.grade, us.rank).where(us.run_id == run_id))
        units["rank"] = units["rank"].astype("Int64")  # NULL: not graded (不予评定), no place
        indicators = _frame(
            session,
            select(
                ix.unit_id,
                ix.indicator_code,
                ix.value,
                ix.points,
                ix.max_points,
                ix.explanation,
                ix.explanation_facts,
                ix.inputs,
            )
            .where(ix.run_id == run_id)
            .order_by(ix.id),
        )
    return fields, units, indicators


def set_hashes(engine: Engine, run_id: int) -> dict[str, str]:
    """The content hashes of a run's indicator sets, by unit kind."""
    run = m.AssessmentRun
    with session_factory(engine)() as session:
        rows = session.execute(
            select(m.IndicatorSet.unit_kind, m.IndicatorSet.sha256).where(
                m.IndicatorSet.id.in_(
                    select(run.department_set_id)
                    .where(run.id == run_id)
                    .union(select(run.township_set_id).where(run.id == run_id))
                )
            )
        )
        return {kind: sha for kind, sha in rows}


# --- the lock guard ----------------------------------------------------------

_GUARDED = (m.AssessmentRun, m.UnitScore, m.IndicatorScore)


def _locked_run_ids(session: Session, run_ids: set[int]) -> set[int]:
    if not run_ids:
        return set()
    with session.no_autoflush:
        rows = session.execute(
            select(m.AssessmentRun.id).where(
                m.AssessmentRun.id.in_(run_ids), m.AssessmentRun.status == "locked"
            )
        )
        return {r for (r,) in rows}


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_locked_runs(session: Session, _context, _instances) -> None:
    touched = [o for o in (*session.dirty, *session.deleted) if isinstance(o, _GUARDED)]
    touched = [o for o in touched if o in session.deleted or session.is_modified(o)]
    added = [o for o in session.new if isinstance(o, m.UnitScore | m.IndicatorScore)]  # no new scores either
    run_ids = {o.id if isinstance(o, m.AssessmentRun) else o.run_id for o in (*touched, *added)}
    locked = _locked_run_ids(session, run_ids)
    if locked:
        raise LockedRunError(Message("refusals.run_locked", run=min(locked)))


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes_to_locked_runs(state) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = state.bind_mapper.class_ if state.bind_mapper else None
    if table not in _GUARDED:
        return
    column = m.AssessmentRun.id if table is m.AssessmentRun else table.run_id
    where = state.statement.whereclause
    statement = select(column) if where is None else select(column).where(where)
    found = {r for (r,) in state.session.execute(statement)}
    if _locked_run_ids(state.session, found):
        raise LockedRunError(Message("refusals.locked_run_unchanged"))


__all__ = [
    "AssessmentInputs",
    "LockedRunError",
    "RunNotFound",
    "assessment_day",
    "gather_inputs",
    "list_runs",
    "load_run",
    "lock_run",
    "save_run",
]
