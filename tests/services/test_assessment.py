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
