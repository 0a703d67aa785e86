import pandas as pd
import pytest
from sqlalchemy import func, select

from traceboard.data import models as m
from traceboard.data.frame import load_register_frame
from traceboard.data.uscc import check_code
from traceboard.demo import DemoRefused, generate_demo


def _register(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                m.Enterprise.uscc, m.Enterprise.name, m.Enterprise.township_id, m.Enterprise.registered_on
            ).order_by(m.Enterprise.id)
        ).all()
    return pd.DataFrame(rows, columns=["uscc", "name", "township_id", "registered_on"])


def test_demo_city_is_plausible(demo_engine):
    register = _register(demo_engine)
    assert len(register) == 400
    assert all(check_code(c).valid and c[2:8] == "430381" for c in register["uscc"])
    assert register["name"].str.startswith("湘乡市").all()
    assert register["registered_on"].isna().mean() > 0.1  # registers often lack the date
    with demo_engine.connect() as conn:
        count = lambda model: conn.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert 3 <= count(m.Inspector) <= 60
        assert count(m.Inspection) > 50
        assert count(m.Milestone) > 0 and count(m.ConsumerAlert) > 0
        states = set(conn.scalars(select(m.BlacklistEntry.state)))
        assert len(states) >= 3
        results = set(conn.scalars(select(m.Inspection.result)))
        assert {"no_problem", "rectification_ordered"} <= results


def test_adoption_grows_from_2016_to_2020(demo_engine):
    import datetime as dt

    from traceboard.data.frame import to_day
    from traceboard.metrics.adoption import compute_adoption

    frame = load_register_frame(demo_engine)
    rates = [
        compute_adoption(frame, [], to_day(dt.date(y, 12, 31)))["rate"].iloc[0] for y in range(2016, 2021)
    ]
    assert rates == sorted(rates) and rates[0] < rates[-1] - 0.2


def test_same_seed_same_city(engine, tmp_path):
    from traceboard.data.db import make_engine
    from traceboard.data.migrate import init_database

    generate_demo(engine, enterprises=150, seed=42)
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    init_database(other)
    generate_demo(other, enterprises=150, seed=42)
    pd.testing.assert_frame_equal(_register(engine), _register(other))


def test_demo_refuses_a_non_empty_database_and_changes_nothing(demo_engine):
    with demo_engine.connect() as conn:
        before = conn.scalar(select(func.count()).select_from(m.TraceEvent))
        audit_before = conn.scalar(select(func.count()).select_from(m.AuditLog))
    with pytest.raises(DemoRefused, match="not empty"):
        generate_demo(demo_engine, enterprises=10)
    with demo_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(m.TraceEvent)) == before
        assert conn.scalar(select(func.count()).select_from(m.AuditLog)) == audit_before


def test_demo_writes_one_audit_row(demo_engine):
    with demo_engine.connect() as conn:
        actions = list(conn.scalars(select(m.AuditLog.action).order_by(m.AuditLog.id)))
    assert actions.count("demo.generate") == 1


def test_enterprises_with_a_case_in_force_are_risk_class_d(demo_engine):
    with demo_engine.connect() as conn:
        classes = (
            conn.execute(
                select(m.Enterprise.risk_class)
                .join(m.BlacklistEntry, m.BlacklistEntry.enterprise_id == m.Enterprise.id)
                .where(m.BlacklistEntry.state.in_(["listed", "published"]))
            )
            .scalars()
            .all()
        )
    assert classes and set(classes) == {"D"}


def test_platform_feeds_agree_with_the_register(demo_engine):
    from traceboard.data.frame import to_day
    from traceboard.demo import DEMO_AS_OF
    from traceboard.metrics.adoption_report import adoption_table

    frame = load_register_frame(demo_engine)
    total = adoption_table(
        frame, [], to_day(DEMO_AS_OF), pd.DataFrame(columns=["sector", "year", "kind", "target"])
    )
    row = total.iloc[0]
    # most declared adopters upload, some went silent, a few upload without a declaration
    assert row["declared_active"] > 3 * row["declared_silent"] > 0
    assert 0 < row["undeclared_active"] < 0.1 * row["active"]
    with demo_engine.connect() as conn:
        outside = conn.scalar(
            select(func.count())
            .select_from(m.PlatformUpload)
            .join(m.Enterprise, m.Enterprise.id == m.PlatformUpload.enterprise_id)
            .outerjoin(
                m.PlatformSector,
                (m.PlatformSector.platform_id == m.PlatformUpload.platform_id)
                & (m.PlatformSector.sector_id == m.Enterprise.sector_id),
            )
            .where(m.PlatformSector.sector_id.is_(None))
        )
    assert outside == 0  # every enterprise reports to a platform of its own sector


def test_every_department_can_pair_its_inspectors_around_a_home_recusal(monkeypatch):
    """At least four active inspectors in each department, however few its enterprises (the
    10,000-enterprise city had pools of two, and a draw could not pair a drawn enterprise in one
    of their home townships); the random draws themselves are those of before."""
    import numpy as np

    from traceboard.demo import activity

    ent = pd.DataFrame({"department_id": [1] * 30 + [2] * 1500 + [3] * 5})
    townships = pd.Series(range(1, 21))
    made = activity.draw_inspectors(np.random.default_rng(3), ent, townships)
    monkeypatch.setattr(activity, "MIN_ACTIVE_INSPECTORS", 0)  # as drawn, nobody brought back
    drawn = activity.draw_inspectors(np.random.default_rng(3), ent, townships)
    assert (made.groupby("department_id")["active"].sum() >= 4).all()
    assert drawn.groupby("department_id")["active"].sum().min() < 4  # this seed has a short pool
    pd.testing.assert_frame_equal(made.drop(columns="active"), drawn.drop(columns="active"))
    brought_back = made["active"] & ~drawn["active"]
    assert not (drawn["active"] & ~made["active"]).any()  # nobody made inactive
    for dept, group in made[brought_back].groupby("department_id"):
        inactive = drawn[(drawn["department_id"] == dept) & ~drawn["active"]]["id"]
        assert list(group["id"]) == list(inactive[: len(group)])  # the first inactive ones
        assert drawn[drawn["department_id"] == dept]["active"].sum() < 4  # only short departments
    assert not made.loc[made["department_id"] == 2, "active"].all()  # a large one keeps its inactive
