"""Persisting the random checks: plans, draws (commit → reveal), assignments, risk classes.

Every change is one transaction with one audit row; a draw that fails at
reveal (seed not matching, no valid inspector pair) leaves the record as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import numpy as np
import pandas as pd
from sqlalchemy import (
    JSON,
    Engine,
    Text,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from traceboard.accounts.authz import Actor, require
from traceboard.data import models as m
from traceboard.data.audit import record_audit
from traceboard.data.bulk import bulk_insert, next_id, reset_sequence
from traceboard.data.db import transaction
from traceboard.data.sampling_frames import department_ids
from traceboard.i18n import Message

Revealer = Callable[[dict, str, str, dt.datetime], tuple[dict, pd.DataFrame]]


class SamplingRecordError(ValueError):
    """An act the record refuses (unknown plan or department, bad commitment): one-line message."""


class DrawStateError(SamplingRecordError):
    """The draw is not in the state the act needs (e.g. revealing a draw already drawn)."""


def save_plan(engine: Engine, actor: Actor, plan: dict, plan_id: int | None = None) -> int:
    """Create (or, with ``plan_id``, update) a plan; return its id. Needs ``sampling.plan``."""
    dept = department_ids(engine).get(plan["department"])
    if dept is None:
        raise SamplingRecordError(Message("refusals.unknown_department", department=plan["department"]))
    require(actor, "sampling.plan", dept)
    fields = {k: plan[k] for k in ("year", "name", "scope", "check_items", "ratios", "exclusions", "batches")}
    with transaction(engine) as session:
        row = session.get(m.SamplingPlan, plan_id) if plan_id else None
        if plan_id and row is None:
            raise SamplingRecordError(Message("refusals.no_plan", plan=plan_id))
        before = _plan_dict(row) if row else None
        if row is None:
            row = m.SamplingPlan(department_id=dept, created_by=actor.username, **fields)
            session.add(row)
        else:
            for key, value in fields.items():
                setattr(row, key, value)
        session.flush()
        record_audit(
            session,
            actor=actor.username,
            action="sampling.plan.save",
            entity="sampling_plan",
            entity_id=row.id,
            before=before,
            after=_plan_dict(row),
        )
        return row.id


def _plan_dict(row: m.SamplingPlan) -> dict:
    keys = ("year", "name", "scope", "check_items", "ratios", "exclusions", "batches")
    return {"id": row.id, "department_id": row.department_id, **{k: getattr(row, k) for k in keys}}


def load_plans(engine: Engine) -> list[dict]:
    """Every plan as the dict ``traceboard.sampling.plans`` uses, with ``id`` and ``department``."""
    with Session(engine) as session:
        rows = session.execute(
            select(m.SamplingPlan, m.Unit.name)
            .join(m.Unit, m.Unit.id == m.SamplingPlan.department_id)
            .order_by(m.SamplingPlan.year.desc(), m.SamplingPlan.id)
        ).all()
    out = []
    for plan, dept in rows:
        out.append({**_plan_dict(plan), "department": dept})
    return out


def drawn_in_plan(engine: Engine, plan_id: int) -> list[str]:
    """Codes already drawn in earlier batches of a plan (excluded from its later batches)."""
    with engine.connect() as conn:
        return list(
            conn.scalars(
                select(m.Enterprise.uscc)
                .join(m.Assignment, m.Assignment.enterprise_id == m.Enterprise.id)
                .join(m.Draw, m.Draw.id == m.Assignment.draw_id)
                .where(m.Draw.plan_id == plan_id)
            )
        )


def _require_pools(engine: Engine, actor: Actor, frozen: dict) -> None:
    ids = department_ids(engine)
    for pool in frozen["pools"]:
        require(actor, "sampling.draw", ids.get(pool))


def _add_draw(
    session, actor: Actor, frozen: dict, seed_sha256: str, list_hash: str, plan_id, batch
) -> m.Draw:
    digest = seed_sha256.strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise SamplingRecordError(Message("refusals.seed_commitment"))
    row = m.Draw(
        plan_id=plan_id,
        batch=batch,
        spec=frozen["spec"],
        status="committed",
        seed_sha256=digest,
        candidates_sha256=list_hash,
        frozen=frozen,
        candidate_ids=candidate_ids(frozen),
        committed_by=actor.username,
    )
    session.add(row)
    session.flush()
    return row


def _summary(frozen: dict) -> dict:
    return {s["stratum"]: len(s["candidates"]) for s in frozen["strata"]}


def commit_draw(
    engine: Engine,
    actor: Actor,
    frozen: dict,
    seed_sha256: str,
    list_hash: str,
    plan_id: int | None = None,
    batch: int = 1,
) -> int:
    """Record the commitment (frozen list, its hash, the seed's hash); return the draw id."""
    _require_pools(engine, actor, frozen)
    with transaction(engine) as session:
        row = _add_draw(session, actor, frozen, seed_sha256, list_hash, plan_id, batch)
        _audit_commit(session, actor, row, list_hash, frozen)
        return row.id


def _audit_commit(session, actor: Actor, row: m.Draw, list_hash: str, frozen: dict) -> None:
    record_audit(
        session,
        actor=actor.username,
        action="sampling.draw.commit",
        entity="draw",
        entity_id=row.id,
        after={
            "plan_id": row.plan_id,
            "batch": row.batch,
            "seed_sha256": row.seed_sha256,
            "list_sha256": list_hash,
            "strata": _summary(frozen),
        },
    )


def reveal_draw(
    engine: Engine, actor: Actor, draw_id: int, seed: str, revealer: Revealer, due_on: dt.date | None = None
) -> dict:
    """Reveal the seed of a committed draw, draw, assign and record it all; return the manifest."""
    with transaction(engine) as session:
        row = session.get(m.Draw, draw_id, with_for_update=True)  # one reveal at a time
        if row is None:
            raise DrawStateError(Message("refusals.no_draw", draw=draw_id))
        if row.status != "committed":
            raise DrawStateError(Message("refusals.draw_already_drawn", draw=draw_id))
        _require_pools(engine, actor, row.frozen)
        return _draw(session, actor, row, seed, revealer, due_on)


def run_oneoff_draw(
    engine: Engine,
    actor: Actor,
    frozen: dict,
    seed: str,
    list_hash: str,
    revealer: Revealer,
    sha: Callable[[str], str],
    plan_id: int | None = None,
    batch: int = 1,
    due_on: dt.date | None = None,
) -> tuple[int, dict]:
    """A draw with the seed given at once (no public commitment): commit and reveal in one transaction."""
    _require_pools(engine, actor, frozen)
    with transaction(engine) as session:
        row = _add_draw(session, actor, frozen, sha(seed), list_hash, plan_id, batch)
        _audit_commit(session, actor, row, list_hash, frozen)
        return row.id, _draw(session, actor, row, seed, revealer, due_on)


def _draw(session, actor: Actor, row: m.Draw, seed: str, revealer: Revealer, due_on) -> dict:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    manifest, drawn = revealer(row.frozen, seed, row.seed_sha256, now)
    _write_assignments(session, row.id, drawn, due_on)
    row.status, row.seed, row.manifest = "drawn", seed, manifest
    row.drawn_at, row.drawn_by = now, actor.username
    record_audit(
        session,
        actor=actor.username,
        action="sampling.draw.reveal",
        entity="draw",
        entity_id=row.id,
        before={"status": "committed"},
        after={"status": "drawn", "seed": seed, "drawn": len(drawn), "list_sha256": row.candidates_sha256},
    )
    return manifest


def _write_assignments(session, draw_id: int, drawn: pd.DataFrame, due_on) -> None:
    conn = session.connection()
    first = next_id(conn, m.Assignment.__table__)
    ids = list(range(first, first + len(drawn)))
    frame = pd.DataFrame(
        {
            "id": ids,
            "draw_id": draw_id,
            "enterprise_id": drawn["enterprise_id"].astype(int).to_numpy(),
            "stratum": drawn["stratum"].to_numpy(),
            "position": drawn["position"].to_numpy(),
            "inclusion_probability": drawn["inclusion_probability"].to_numpy(),
            "due_on": due_on,
        }
    )
    bulk_insert(conn, m.Assignment.__table__, frame)
    reset_sequence(conn, m.Assignment.__table__)
    pairs = pd.DataFrame(
        [
            (a, int(i), pos)
            for a, pair in zip(ids, drawn["inspectors"], strict=True)
            for pos, i in enumerate(pair, 1)
        ],
        columns=["assignment_id", "inspector_id", "position"],
    )
    bulk_insert(conn, m.AssignmentInspector.__table__, pairs)


def load_draws(engine: Engine) -> pd.DataFrame:
    """Every draw: ``id, plan_id, batch, status, seed_sha256, candidates_sha256, committed_at, drawn_at``."""
    cols = [
        m.Draw.id,
        m.Draw.plan_id,
        m.Draw.batch,
        m.Draw.status,
        m.Draw.seed_sha256,
        m.Draw.candidates_sha256,
        m.Draw.committed_at,
        m.Draw.committed_by,
        m.Draw.drawn_at,
    ]
    with engine.connect() as conn:
        rows = conn.execute(select(*cols).order_by(m.Draw.id.desc())).all()
    return pd.DataFrame(rows, columns=[c.key for c in cols])


def load_draw(engine: Engine, draw_id: int) -> m.Draw | None:
    """One draw (detached from its session), or None."""
    with Session(engine) as session:
        row = session.get(m.Draw, draw_id)
        if row is not None:
            session.expunge(row)
        return row


def load_frozen(engine: Engine, draw_id: int) -> tuple[str, dict] | None:
    """A draw's status and frozen candidate list, or None: without its manifest, whose JSON (the
    drawn list, a quarter of the frozen list's size at a million enterprises) a reader of the
    candidates alone need not decode (docs/frame.md)."""
    with engine.connect() as conn:
        row = conn.execute(select(m.Draw.status, m.Draw.frozen).where(m.Draw.id == draw_id)).first()
    return None if row is None else (row.status, row.frozen)


def candidate_ids(frozen: dict) -> dict:
    """Each stratum's label and candidate ids of a frozen list, in its order: what a draw keeps
    apart from the list (``draw.candidate_ids``) for readers of its candidates alone."""
    return {"strata": [{"stratum": s["stratum"], "ids": s["ids"]} for s in frozen["strata"]]}


def load_candidates(engine: Engine, draw_id: int) -> tuple[str, list[dict]] | None:
    """A draw's status and its strata's labels and candidate ids (``stratum``, ``ids``), or None.

    Read from ``draw.candidate_ids`` (integers, a few megabytes at a million candidates) without
    decoding the frozen list (94 MB of codes, pools and townships there); a draw committed before
    that column (0012) is read from its frozen list (docs/draw.md, *What the pages read of a draw*)."""
    with engine.connect() as conn:
        row = conn.execute(select(m.Draw.status, m.Draw.candidate_ids).where(m.Draw.id == draw_id)).first()
    if row is None:
        return None
    if row.candidate_ids is not None:
        return row.status, row.candidate_ids["strata"]
    status, frozen = load_frozen(engine, draw_id)
    return status, candidate_ids(frozen)["strata"]


def load_manifest(engine: Engine, draw_id: int) -> dict | None:
    """A draw's manifest (None before its reveal or for no such draw), without its frozen list:
    the list's JSON (every candidate, four times the manifest's size at a million enterprises)
    is not decoded for a reader of the drawn list alone (docs/frame.md)."""
    with engine.connect() as conn:
        return conn.execute(select(m.Draw.manifest).where(m.Draw.id == draw_id)).scalar()


def save_risk_classes(engine: Engine, actor: Actor, report: dict, classes: pd.DataFrame) -> int:
    """Store a risk-model run and set every enterprise's class (``classes``: ``id, risk_class``)."""
    require(actor, "sampling.risk_model")
    with transaction(engine) as session:
        run = m.RiskModelRun(method=report["method"], trained_by=actor.username, report=report)
        session.add(run)
        session.flush()
        conn = session.connection()
        for cls in "ABCD":
            ids = classes.loc[classes["risk_class"] == cls, "id"].astype(int).tolist()
            for start in range(0, len(ids), 10_000):
                conn.execute(
                    update(m.Enterprise)
                    .where(m.Enterprise.id.in_(ids[start : start + 10_000]))
                    .values(risk_class=cls)
                )
        record_audit(
            session,
            actor=actor.username,
            action="sampling.risk_model.apply",
            entity="risk_model_run",
            entity_id=run.id,
            after={"method": report["method"], "class_counts": report.get("class_counts")},
        )
        return run.id


def load_latest_risk_run(engine: Engine) -> dict | None:
    """The newest risk-model run: ``id, method, trained_at, trained_by, report``; None if none.

    The report without its ``enterprises`` (every enterprise's class, probability and reasons:
    78 MB of JSON at a million enterprises, 0.3–0.5 s to decode at 100,000): the database leaves
    it out, and :func:`risk_entry` and :func:`risk_probabilities` read what a reader needs of it."""
    run = m.RiskModelRun
    report = _report_without_enterprises(engine.dialect.name)
    with engine.connect() as conn:
        row = conn.execute(
            select(run.id, run.method, run.trained_at, run.trained_by, report)
            .order_by(run.id.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    return row._asdict()


def _report_without_enterprises(dialect: str):
    column = m.RiskModelRun.report
    if dialect == "postgresql":  # a json column, its other keys and values kept as written
        return literal_column(
            "(SELECT coalesce(json_object_agg(e.key, e.value), '{}'::json) FROM "
            "json_each(risk_model_run.report) e WHERE e.key <> 'enterprises')",
            type_=JSON,
        ).label("report")
    return type_coerce(func.json_remove(column, "$.enterprises"), JSON).label("report")


def risk_entry(engine: Engine, run_id: int, enterprise_id: int) -> list | None:
    """One enterprise's ``[class, probability or None, reasons]`` in risk run ``run_id``; None
    when the run did not class it."""
    key = str(int(enterprise_id))
    column = m.RiskModelRun.report
    if engine.dialect.name == "postgresql":
        value = column.op("->")(literal("enterprises")).op("->")(literal(key))
    else:
        value = func.json_extract(column, f'$.enterprises."{key}"')
    with engine.connect() as conn:
        text = conn.execute(select(cast(value, Text)).where(m.RiskModelRun.id == run_id)).scalar()
    return None if text is None else json.loads(text)


def risk_probabilities(engine: Engine, run_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Every enterprise's calibrated probability in risk run ``run_id``: ids (int64) and
    probabilities (float64, NaN where the run has none), read by the database from the report's
    ``enterprises`` a row at a time instead of decoding the whole report."""
    if engine.dialect.name == "postgresql":
        sql = (
            "SELECT e.key::bigint, (e.value->>1)::float8 FROM risk_model_run r, "
            "json_each(r.report->'enterprises') e WHERE r.id = :run"
        )
    else:
        sql = (
            "SELECT CAST(e.key AS INTEGER), json_extract(e.value, '$[1]') FROM risk_model_run r, "
            "json_each(r.report, '$.enterprises') e WHERE r.id = :run"
        )
    with engine.connect() as conn:
        rows = conn.execute(text(sql), {"run": int(run_id)}).all()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    probability = np.fromiter(
        (np.nan if r[1] is None else r[1] for r in rows), dtype=np.float64, count=len(rows)
    )
    return ids, probability
