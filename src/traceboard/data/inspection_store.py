"""Check results: recording them, publishing them, and reading assignments with their results."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pandas as pd
from sqlalchemy import Engine, select

from traceboard.accounts.authz import Actor, require
from traceboard.data import models as m
from traceboard.data.audit import record_audit
from traceboard.data.db import transaction
from traceboard.data.sampling_store import SamplingRecordError
from traceboard.data.vocabulary import result_name
from traceboard.gcpause import without_cyclic_gc
from traceboard.i18n import Message

RESULT_FIELDS = ("checked_on", "result", "findings", "rectification_due_on", "rectified_on")


def _plan_of(session, assignment: m.Assignment) -> m.SamplingPlan | None:
    """The plan the check was drawn for (None: a one-off draw). Its draw's plan id alone is read:
    the draw row carries its frozen list and manifest (hundreds of MB of JSON at a million), which
    loading the whole row would decode for one id."""
    plan_id = session.scalar(select(m.Draw.plan_id).where(m.Draw.id == assignment.draw_id))
    return session.get(m.SamplingPlan, plan_id) if plan_id is not None else None


def _department_of(session, assignment: m.Assignment) -> int:
    """The department that checks: the plan's, or in a one-off draw the enterprise's supervisor."""
    plan = _plan_of(session, assignment)
    if plan is not None:
        return plan.department_id
    return session.get(m.Enterprise, assignment.enterprise_id).department_id


def _check_result(values: dict, today: dt.date) -> None:
    where = values["assignment_id"]
    if values.get("result") not in m.INSPECTION_RESULTS:
        choices = tuple(result_name(code) for code in m.INSPECTION_RESULTS)  # their names, not codes
        raise SamplingRecordError(
            Message("store.results.unknown_result", id=where, result=values.get("result"), choices=choices)
        )
    checked = values.get("checked_on")
    if not isinstance(checked, dt.date):
        raise SamplingRecordError(Message("store.results.no_date", id=where))
    if checked > today:
        raise SamplingRecordError(Message("store.results.future", id=where, day=checked.isoformat()))
    rectified = values.get("rectified_on")
    if rectified is not None and rectified < checked:
        raise SamplingRecordError(
            Message("store.results.rectified_early", id=where, rectified=str(rectified), checked=str(checked))
        )


def record_results(engine: Engine, actor: Actor, rows: list[dict], today: dt.date | None = None) -> list[int]:
    """Record (or correct) the results of checks; one audit row per check; all or nothing.

    Each row: ``assignment_id`` and the fields of :data:`RESULT_FIELDS` (dates as
    ``datetime.date``). Needs ``inspection.record`` in the checking department.
    """
    today = today or dt.date.today()
    ids = []
    with transaction(engine) as session:
        for values in rows:
            assignment = session.get(m.Assignment, int(values["assignment_id"]))
            if assignment is None:
                raise SamplingRecordError(Message("store.results.no_assignment", id=values["assignment_id"]))
            department = _department_of(session, assignment)
            require(actor, "inspection.record", department)
            _check_result(values, today)
            ids.append(_upsert(session, actor, assignment, department, values))
    return ids


def _upsert(session, actor: Actor, assignment: m.Assignment, department: int, values: dict) -> int:
    row = session.scalar(select(m.Inspection).where(m.Inspection.assignment_id == assignment.id))
    before = {k: getattr(row, k) for k in RESULT_FIELDS} if row else None
    if row is None:
        plan = _plan_of(session, assignment)
        row = m.Inspection(
            enterprise_id=assignment.enterprise_id,
            assignment_id=assignment.id,
            department_id=department,
            check_items=list(plan.check_items) if plan else [],
            recorded_by=actor.username,
            checked_on=values["checked_on"],
        )
        session.add(row)
    for key in RESULT_FIELDS:
        setattr(row, key, values.get(key))
    session.flush()
    after = {k: getattr(row, k) for k in RESULT_FIELDS}
    record_audit(
        session,
        actor=actor.username,
        action="inspection.record",
        entity="inspection",
        entity_id=row.id,
        before=before,
        after={"assignment_id": assignment.id, **after},
    )
    return row.id


def publish_results(engine: Engine, actor: Actor, inspection_ids: list[int], published_on: dt.date) -> int:
    """Mark checks as published (公示) on ``published_on``; one audit row for the act. Returns the count."""
    with transaction(engine) as session:
        rows = session.scalars(select(m.Inspection).where(m.Inspection.id.in_(inspection_ids))).all()
        missing = sorted(set(inspection_ids) - {r.id for r in rows})
        if missing:
            raise SamplingRecordError(Message("store.results.no_check", id=missing[0]))
        for row in rows:
            require(actor, "inspection.publish", row.department_id)
            if row.result is None:
                raise SamplingRecordError(Message("store.results.no_result", id=row.id))
            if published_on > dt.date.today():
                raise SamplingRecordError(
                    Message("store.results.published_future", id=row.id, on=str(published_on))
                )
            if published_on < row.checked_on:
                raise SamplingRecordError(
                    Message(
                        "store.results.published_early",
                        id=row.id,
                        on=str(published_on),
                        checked=str(row.checked_on),
                    )
                )
            row.published_on = published_on
        record_audit(
            session,
            actor=actor.username,
            action="inspection.publish",
            entity="inspection",
            entity_id=",".join(str(i) for i in sorted(inspection_ids))[:64],
            after={"ids": sorted(inspection_ids), "published_on": published_on},
        )
        return len(rows)


def _tuples(rows) -> list[tuple]:
    """Rows as plain tuples: pandas probes each SQLAlchemy Row for attributes it lacks, which costs
    an exception per row (seconds for the record's checks)."""
    return [tuple(row) for row in rows]


class DrawnChecks(NamedTuple):
    """A draw's checks as drawn (:func:`load_drawn_checks`): what only a change of the register's
    rows or of the reference can alter, not a recorded result."""

    rows: list[tuple]
    columns: list[str]
    pairs: dict[int, list[str]]


def _drawn_statement(draw_id: int | None):
    township, dept = m.Unit.__table__.alias("township"), m.Unit.__table__.alias("dept")
    stmt = (
        select(
            m.Assignment.id.label("assignment_id"),
            m.Assignment.draw_id,
            m.Assignment.stratum,
            m.Assignment.position,
            m.Assignment.inclusion_probability,
            m.Assignment.due_on,
            m.Enterprise.uscc,
            m.Enterprise.name.label("enterprise"),
            township.c.name.label("township"),
            m.Sector.name.label("sector"),
            dept.c.name.label("department"),
        )
        .join(m.Enterprise, m.Enterprise.id == m.Assignment.enterprise_id)
        .join(township, township.c.id == m.Enterprise.township_id)
        .join(dept, dept.c.id == m.Enterprise.department_id)
        .join(m.Sector, m.Sector.id == m.Enterprise.sector_id)
        .order_by(m.Assignment.draw_id, m.Assignment.id)
    )
    return stmt if draw_id is None else stmt.where(m.Assignment.draw_id == draw_id)


def _results_statement(draw_id: int | None):
    # the results apart: inspection.assignment_id has no index, and joined to each assignment
    # SQLite would scan every check once per drawn enterprise (minutes for a large draw)
    results = select(
        m.Inspection.assignment_id,
        m.Inspection.id.label("inspection_id"),
        m.Inspection.check_items,
        *(getattr(m.Inspection, f) for f in RESULT_FIELDS),
        m.Inspection.published_on,
    ).where(m.Inspection.assignment_id.is_not(None))
    if draw_id is not None:
        drawn = select(m.Assignment.id).where(m.Assignment.draw_id == draw_id)
        results = results.where(m.Inspection.assignment_id.in_(drawn))
    return results


@without_cyclic_gc
def load_drawn_checks(engine: Engine, draw_id: int | None = None) -> DrawnChecks:
    """The checks of ``draw_id`` (every draw: None) as drawn, with their enterprises and inspector
    pairs, without results. A face may keep it while the register's rows stay the same (the
    dashboard: per content of the frame) and read only the results after each change.

    At a million enterprises a draw has 46,000 checks and 92,000 pairs: both are read on the
    driver's own cursor (a SQLAlchemy Row each cost a fifth of the read), the inspectors named
    once, and the cyclic collector paused while the rows, which hold no cycles, are made (it
    walked them again and again: another fifth; the app's process also holds the frame)."""
    stmt = _drawn_statement(draw_id)
    with engine.connect() as conn:
        rows = _driver_rows(conn, stmt)
        pairs = _inspector_pairs(conn, draw_id)
    due = list(stmt.selected_columns.keys()).index("due_on")
    if any(isinstance(row[due], str) for row in rows):  # SQLite keeps dates as ISO text
        days = {text: dt.date.fromisoformat(text) for text in {row[due] for row in rows} - {None}}
        rows = [(*row[:due], days.get(row[due]), *row[due + 1 :]) for row in rows]
    return DrawnChecks(rows, list(stmt.selected_columns.keys()), pairs)


def _driver_rows(conn, statement) -> list[tuple]:
    """The rows of ``statement`` as the driver gives them (tuples; no SQLAlchemy Row, no type
    processing: dates stay as the database keeps them). Its few values are ids, rendered inline."""
    sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


@without_cyclic_gc
def load_assignments(
    engine: Engine, draw_id: int | None = None, drawn: DrawnChecks | None = None
) -> pd.DataFrame:
    """Assignments with enterprise, inspectors and result, in draw then stratum/position order.

    ``drawn``: the draw's checks as :func:`load_drawn_checks` read them (else read now); only
    the results are read here. The frame is made column by column, not from a tuple per check
    joined to its results (docs/draw.md, *What the pages read of a draw*)."""
    drawn = drawn if drawn is not None else load_drawn_checks(engine, draw_id)
    results = _results_statement(draw_id)
    with engine.connect() as conn:
        found = {row[0]: tuple(row[1:]) for row in conn.execute(results)}
    result_columns = list(results.selected_columns.keys())[1:]
    if not drawn.rows:  # no check: the columns' types as a frame of no rows has them
        frame = pd.DataFrame([], columns=[*drawn.columns, *result_columns])
        frame["inspectors"] = frame["assignment_id"].map(drawn.pairs).apply(lambda v: v)
        return frame
    ids = [row[0] for row in drawn.rows]
    columns = {
        name: list(values) for name, values in zip(drawn.columns, zip(*drawn.rows, strict=True), strict=True)
    }
    none = (None,) * len(result_columns)
    joined = [found.get(i, none) for i in ids]
    for name, values in zip(result_columns, zip(*joined, strict=True), strict=True):
        columns[name] = list(values)
    frame = pd.DataFrame(columns, columns=[*drawn.columns, *result_columns])
    pairs = drawn.pairs
    frame["inspectors"] = pd.Series([pairs.get(i, []) for i in ids], index=frame.index, dtype=object)
    return frame


def load_checked(engine: Engine, draw_id: int) -> pd.DataFrame:
    """The draw's checks that have a result: ``stratum, sector, result``, as :func:`load_assignments`
    has them (in its order), read without the checks still to do nor their enterprises' other
    columns and pairs: what the estimates weigh (docs/draw.md, *What the pages read of a draw*)."""
    results = _results_statement(draw_id)
    done = select(m.Inspection.assignment_id).where(m.Inspection.result.is_not(None))
    checked = (
        select(m.Assignment.id, m.Assignment.stratum, m.Sector.name.label("sector"))
        .join(m.Enterprise, m.Enterprise.id == m.Assignment.enterprise_id)
        .join(m.Sector, m.Sector.id == m.Enterprise.sector_id)
        .where(m.Assignment.draw_id == draw_id, m.Assignment.id.in_(done))
        .order_by(m.Assignment.id)
    )
    result = list(results.selected_columns.keys()).index("result")
    with engine.connect() as conn:
        found = {row[0]: row[result] for row in conn.execute(results)}  # as load_assignments: the last
        rows = [
            (stratum, sector, found[i])
            for i, stratum, sector in conn.execute(checked)
            if found.get(i) is not None
        ]
    return pd.DataFrame(rows, columns=["stratum", "sector", "result"])


def _inspector_pairs(conn, draw_id: int | None) -> dict[int, list[str]]:
    """Each check's inspectors as named on the page, in their order. The few hundred inspectors
    are named once, not joined to each of the draw's ninety thousand pairs."""
    names = {
        i: f"{name}（{cert}）"
        for i, name, cert in _driver_rows(conn, select(m.Inspector.id, m.Inspector.name, m.Inspector.cert_no))
    }
    stmt = (
        select(m.AssignmentInspector.assignment_id, m.AssignmentInspector.inspector_id)
        .join(m.Assignment, m.Assignment.id == m.AssignmentInspector.assignment_id)
        .order_by(m.AssignmentInspector.assignment_id, m.AssignmentInspector.position)
    )
    if draw_id is not None:
        stmt = stmt.where(m.Assignment.draw_id == draw_id)
    rows = _driver_rows(conn, stmt)
    checks, named = [a for a, _ in rows], [names[i] for _, i in rows]
    firsts = checks[0::2]
    if firsts == checks[1::2] and len(set(firsts)) == len(firsts):  # two each, as a draw gives
        return dict(zip(firsts, map(list, zip(named[0::2], named[1::2], strict=True)), strict=True))
    pairs: dict[int, list[str]] = {}
    for assignment_id, name in zip(checks, named, strict=True):
        pairs.setdefault(assignment_id, []).append(name)
    return pairs


def load_inspections(engine: Engine, awaiting_publication: bool = False) -> pd.DataFrame:
    """Every check: ``inspection_id, uscc, enterprise, department, checked_on, result, published_on``;
    with ``awaiting_publication`` only those with a result not yet published (a few hundred of
    tens of thousands: what the publication board shows, read without the rest)."""
    dept = m.Unit.__table__.alias("dept")
    stmt = (
        select(
            m.Inspection.id.label("inspection_id"),
            m.Enterprise.uscc,
            m.Enterprise.name.label("enterprise"),
            dept.c.name.label("department"),
            m.Inspection.checked_on,
            m.Inspection.result,
            m.Inspection.published_on,
        )
        .join(m.Enterprise, m.Enterprise.id == m.Inspection.enterprise_id)
        .join(dept, dept.c.id == m.Inspection.department_id)
        .order_by(m.Inspection.checked_on, m.Inspection.id)
    )
    if awaiting_publication:
        stmt = stmt.where(m.Inspection.result.is_not(None), m.Inspection.published_on.is_(None))
    with engine.connect() as conn:
        return pd.DataFrame(_tuples(conn.execute(stmt).all()), columns=list(stmt.selected_columns.keys()))
