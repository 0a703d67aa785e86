"""A year end to end: last year's change, history with locked years kept as locked."""

import datetime as dt

import pytest
from sqlalchemy import select

from traceboard.accounts.authz import Actor
from traceboard.data import models as m
from traceboard.data.db import transaction
from traceboard.data.frame import load_register_frame
from traceboard.services.assessment import (
    lock_assessment,
    prepare_assessment,
    save_assessment,
    score_history,
    year_inputs,
    year_inputs_key,
)

TODAY = dt.date(2026, 10, 31)


def test_history_keeps_locked_years_and_change_uses_them(demo_engine):
    view = save_assessment(demo_engine, Actor("o", "office"), prepare_assessment(demo_engine, 2019, TODAY))
    locked = lock_assessment(demo_engine, Actor("l", "leader"), view).result.units.set_index("unit_id")
    with transaction(demo_engine) as session:  # a late correction to 2019, after the lock
        unit_id = session.scalar(select(m.Unit.id).where(m.Unit.name == "育塅乡"))
        for day in range(1, 4):
            session.add(
                m.PublicityActivity(
                    unit_id=unit_id, held_on=dt.date(2019, 5, day), kind="宣传周活动", title="补"
                )
            )
    frame = load_register_frame(demo_engine)
    history = score_history(demo_engine, 2020, TODAY, frame)
    assert sorted(set(history["year"])) == [2018, 2019, 2020] and len(history) == 3 * 43
    y2019 = history[history["year"] == 2019].set_index("unit_id")
    assert y2019["locked"].all() and y2019["score"].to_dict() == locked["score"].to_dict()
    towns = y2019[y2019["unit_kind"] == "township"]
    assert towns["kind_average"].iloc[0] == pytest.approx(towns["score"].mean(), abs=0.05)
    assert towns["kind_average"].nunique() == 1
    recomputed = prepare_assessment(demo_engine, 2019, TODAY, frame)
    assert recomputed.status == "draft"  # the correction makes the current figures a draft again
    change = prepare_assessment(demo_engine, 2020, TODAY, frame).result.units.set_index("unit_id")
    expected = round(change.loc[unit_id, "score"] - locked.loc[unit_id, "score"], 1)
    assert change.loc[unit_id, "change"] == expected  # against the locked 2019, not the corrected one


def test_a_years_key_moves_only_with_a_change_that_reaches_into_it(demo_engine):
    """The key the dashboard keeps a year's scores by: the same after a write dated this year, another
    after one dated back into the year, or a correction of one of the year's checks."""

    def key(year: int) -> str:
        return year_inputs_key(year_inputs(demo_engine, year, TODAY))

    before = {year: key(year) for year in (2024, 2025, 2026)}
    assert key(2025) == before[2025]  # read twice: the same
    with transaction(demo_engine) as session:
        unit_id = session.scalar(select(m.Unit.id).where(m.Unit.name == "育塅乡"))
        session.add(
            m.PublicityActivity(unit_id=unit_id, held_on=dt.date(2026, 6, 1), kind="宣传周活动", title="今")
        )
    assert key(2025) == before[2025] and key(2024) == before[2024]
    assert key(2026) != before[2026]  # the running year's facts did change
    with transaction(demo_engine) as session:
        session.add(
            m.PublicityActivity(unit_id=unit_id, held_on=dt.date(2025, 6, 1), kind="宣传周活动", title="补")
        )
    assert key(2025) != before[2025] and key(2024) == before[2024]
    moved = key(2025)
    with transaction(demo_engine) as session:  # a correction of one of 2025's checks: its publication
        check = session.scalars(
            select(m.Inspection)
            .where(m.Inspection.checked_on.between(dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
            .order_by(m.Inspection.id)
        ).first()
        assert check is not None
        late = dt.date(2025, 12, 30)
        check.published_on = late if check.published_on != late else dt.date(2025, 12, 29)
    assert key(2025) != moved and key(2024) == before[2024]
    assert key(2024) == year_inputs_key(
        year_inputs(demo_engine, 2024, dt.date(2026, 1, 5))
    )  # a past year's day is fixed
