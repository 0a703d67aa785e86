"""Assessment runs in the record, on SQLite and PostgreSQL: versions, locks, diffs, audit."""

import datetime as dt

import numpy as np
import pytest
from alembic import command
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from tests.data.test_backup import empty_url  # noqa: F401 (a fixture)
from traceboard.accounts.authz import Actor, PermissionDenied
from traceboard.data import models as m
from traceboard.data.assessment_store import (
    LockedRunError,
    checks_between,
    gather_inputs,
    list_runs,
    load_run,
    lock_run,
)
from traceboard.data.db import make_engine, session_factory, transaction
from traceboard.data.migrate import alembic_config, upgrade_schema
from traceboard.services.assessment import (
    NothingToLock,
    lock_assessment,
    prepare_assessment,
    save_assessment,
)

TODAY = dt.date(2026, 10, 31)
OFFICE = Actor("kao-office", "office")
LEADER = Actor("kao-leader", "leader")


def test_inputs_are_the_years_facts(demo_engine):
    inputs = gather_inputs(demo_engine, 2020, TODAY)
    with session_factory(demo_engine)() as session:
        checks = session.scalar(
            select(func.count()).where(
                m.Inspection.checked_on.between(dt.date(2020, 1, 1), dt.date(2020, 12, 31))
            )
        )
        held = session.scalar(
            select(func.count()).where(
                m.PublicityActivity.held_on.between(dt.date(2020, 1, 1), dt.date(2020, 12, 31))
            )
        )
    assert len(inputs.inspections) == checks > 0 and len(inputs.publicity) == held > 0
    assert inputs.as_of == dt.date(2020, 12, 31)
    assert (inputs.units["group"] == "department").sum() == 19 and (
        inputs.units["group"] == "township"
    ).sum() == 24
    assert gather_inputs(demo_engine, 2026, TODAY).as_of == TODAY


def _year_plan(engine) -> str:
    """How the database finds a year's checks (``checks_between``)."""
    statement = checks_between(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return " ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        # the planner prefers a scan of a test's few rows: ask whether the index can serve
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return " ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))


def test_a_years_checks_are_found_by_date_not_by_reading_every_check(engine):
    """Revision 0013's index serves ``checks_between``: a year is a tenth of the checks."""
    plan = _year_plan(engine)
    assert "ix_inspection_checked_on" in plan, plan


def test_the_date_index_goes_with_a_downgrade_and_comes_back(empty_url):  # noqa: F811
    engine = make_engine(empty_url)
    upgrade_schema(engine, "0013")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012")
    assert "ix_inspection_checked_on" not in _year_plan(engine)
    upgrade_schema(engine, "head")
    assert "ix_inspection_checked_on" in _year_plan(engine)
    engine.dispose()


def test_save_lock_and_version_two_with_its_differences(demo_engine):
    view = prepare_assessment(demo_engine, 2020, TODAY)
    assert view.status == "draft" and view.run is None and len(view.result.units) == 43
    with pytest.raises(PermissionDenied):
        save_assessment(demo_engine, LEADER, view)
    with pytest.raises(NothingToLock):
        lock_assessment(demo_engine, LEADER, view)
    v1 = save_assessment(demo_engine, OFFICE, view)
    assert (v1.version, v1.status) == (1, "draft")
    again = prepare_assessment(demo_engine, 2020, TODAY)
    assert (
        again.version == 1 and save_assessment(demo_engine, OFFICE, again).version == 1
    )  # same facts, no new version
    with pytest.raises(PermissionDenied):
        lock_assessment(demo_engine, OFFICE, again)
    locked = lock_assessment(demo_engine, LEADER, again)
    assert locked.status == "locked"
    with pytest.raises(LockedRunError, match="already locked"):
        lock_run(demo_engine, LEADER, int(locked.run["id"]))

    # A correction: the township with the fewest publicity points held one more activity in 2020.
    ind = locked.result.indicators
    publicity = ind[(ind["unit_kind"] == "township") & (ind["indicator_code"] == "publicity")]
    low = publicity.sort_values(["points", "unit_id"]).iloc[0]
    unit_id, old_points = int(low["unit_id"]), float(low["points"])
    assert old_points < 10
    with transaction(demo_engine) as session:
        session.add(
            m.PublicityActivity(unit_id=unit_id, held_on=dt.date(2020, 6, 3), kind="宣传周活动", title="补录")
        )
    corrected = prepare_assessment(demo_engine, 2020, TODAY)
    assert corrected.run is None and corrected.status == "draft" and corrected.latest["version"] == 1
    # by hand: 5 more points on publicity (5 per activity, weight 10); the score over the applicable weights
    mine = ind[(ind["unit_id"] == unit_id) & ind["applicable"]]
    earned = (mine["weight"] * mine["fraction"]).sum() + 5.0
    new_score = float(np.floor(1000 * earned / mine["weight"].sum() + 0.5 + 1e-9) / 10)
    old_score = float(locked.result.units.set_index("unit_id").loc[unit_id, "score"])
    rows = corrected.changes[corrected.changes["unit_id"] == unit_id].set_index("item")
    assert (rows.loc["publicity", "old"], rows.loc["publicity", "new"]) == (old_points, old_points + 5)
    assert (rows.loc["score", "old"], rows.loc["score", "new"]) == (old_score, new_score)
    others = corrected.changes[corrected.changes["unit_id"] != unit_id]
    assert set(others["item"]) <= {"rank"}  # others move only in rank
    v2 = save_assessment(demo_engine, OFFICE, corrected)
    assert v2.version == 2 and v2.status == "draft"
    runs = list_runs(demo_engine, 2020)
    assert runs[["version", "status"]].values.tolist() == [[2, "draft"], [1, "locked"]]
    _, v1_units, _ = load_run(demo_engine, int(runs.iloc[1]["id"]))
    assert (
        v1_units.set_index("unit_id")["score"].to_dict()
        == locked.result.units.set_index("unit_id")["score"].to_dict()
    )
    with session_factory(demo_engine)() as session:
        actions = session.scalars(
            select(m.AuditLog.action).where(m.AuditLog.entity == "assessment_run").order_by(m.AuditLog.id)
        ).all()
    assert actions == ["assessment.run", "assessment.lock", "assessment.run"]


def test_a_locked_run_cannot_be_changed_directly(demo_engine):
    view = save_assessment(demo_engine, OFFICE, prepare_assessment(demo_engine, 2019, TODAY))
    run_id = int(view.run["id"])
    lock_run(demo_engine, LEADER, run_id)
    with pytest.raises(LockedRunError), transaction(demo_engine) as session:
        score = session.scalars(select(m.UnitScore).where(m.UnitScore.run_id == run_id)).first()
        score.score = 99.9
    with pytest.raises(LockedRunError), transaction(demo_engine) as session:
        session.get(m.AssessmentRun, run_id).status = "draft"
    with pytest.raises(LockedRunError), transaction(demo_engine) as session:
        session.execute(update(m.IndicatorScore).where(m.IndicatorScore.run_id == run_id).values(points=0))
    with pytest.raises(LockedRunError), transaction(demo_engine) as session:
        session.execute(delete(m.UnitScore).where(m.UnitScore.run_id == run_id))
    with pytest.raises(LockedRunError), transaction(demo_engine) as session:
        session.delete(session.get(m.AssessmentRun, run_id))
    with pytest.raises(LockedRunError), transaction(demo_engine) as session:
        session.add(m.UnitScore(run_id=run_id, unit_id=1, score=1.0, grade="不合格", rank=99))
    for sql in (
        "UPDATE unit_score SET score = 0 WHERE run_id = :r",
        "DELETE FROM indicator_score WHERE run_id = :r",
        "UPDATE assessment_run SET status = 'draft' WHERE id = :r",
    ):
        with pytest.raises(DBAPIError, match="assessment run is locked"), demo_engine.begin() as conn:
            conn.execute(text(sql), {"r": run_id})
    fields, units, _ = load_run(demo_engine, run_id)
    assert fields["status"] == "locked"
    assert (
        units.set_index("unit_id")["score"].to_dict()
        == view.result.units.set_index("unit_id")["score"].to_dict()
    )


def test_a_draft_run_can_still_be_corrected_in_place(demo_engine):
    view = save_assessment(demo_engine, OFFICE, prepare_assessment(demo_engine, 2019, TODAY))
    with transaction(demo_engine) as session:
        session.execute(update(m.UnitScore).where(m.UnitScore.run_id == int(view.run["id"])).values(rank=1))
    assert set(load_run(demo_engine, int(view.run["id"]))[1]["rank"]) == {1}


def test_a_unit_not_graded_is_stored_without_a_rank(demo_engine, tmp_path, monkeypatch):
    """不予评定: NULL in unit_score.rank (not 0), read back as no rank; graded units keep theirs."""
    from pathlib import Path

    sets = Path(__file__).resolve().parents[2] / "src/traceboard/config/assessment"
    for name in ("department-2018.toml", "township-2018.toml"):
        config = (sets / name).read_text(encoding="utf-8")
        stricter = config.replace("min_applicable_weight = 60", "min_applicable_weight = 90")
        (tmp_path / name).write_text(stricter)
    monkeypatch.setattr("traceboard.data.assessment_config.assessment_dir", lambda: tmp_path)
    view = save_assessment(demo_engine, OFFICE, prepare_assessment(demo_engine, 2020, TODAY))
    run_id = int(view.run["id"])
    with demo_engine.connect() as conn:
        stored = conn.execute(
            text('SELECT grade, "rank" FROM unit_score WHERE run_id = :r'), {"r": run_id}
        ).all()
    not_graded = [rank for grade, rank in stored if grade == "不予评定"]
    assert not_graded and all(rank is None for rank in not_graded)
    assert all(rank >= 1 for grade, rank in stored if grade != "不予评定")
    units = load_run(demo_engine, run_id)[1]
    assert units.loc[units["grade"] == "不予评定", "rank"].isna().all()
    assert units.loc[units["grade"] != "不予评定", "rank"].notna().all()
