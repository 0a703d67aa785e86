"""Large reads made columnar give the frame the rows gave, on SQLite and PostgreSQL."""

import datetime as dt
from dataclasses import replace

import pandas as pd
from sqlalchemy import select, update

from traceboard.data import models as m
from traceboard.data.assessment_store import CHECK_DATES, _townships_of, checks_between, gather_inputs
from traceboard.data.db import transaction
from traceboard.data.frame import load_register_frame, read_columnar
from traceboard.data.public_record import load_check_results

TODAY = dt.date(2026, 10, 31)


def _rows(engine, statement) -> pd.DataFrame:
    """The frame SQLAlchemy's rows make (the read these replace)."""
    with engine.connect() as conn:
        result = conn.execute(statement)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def _assert_same(columnar: pd.DataFrame, rows: pd.DataFrame) -> None:
    """Equal frames, but for the one documented difference: a column NULL throughout keeps its
    type when read columnar (NaN for an integer), where rows leave pandas only Nones (object)."""
    empty = [c for c in rows.columns if rows[c].isna().all() and rows[c].dtype == object]
    assert all(columnar[c].isna().all() for c in empty)
    pd.testing.assert_frame_equal(columnar.drop(columns=empty), rows.drop(columns=empty))


def _year_checks(year: int):
    return checks_between(dt.date(year, 1, 1), dt.date(year, 12, 31))


def test_a_years_checks_read_columnar_equal_the_rows(demo_engine):
    dates = list(CHECK_DATES)
    with transaction(demo_engine) as session:  # a check not yet published
        in_2021 = m.Inspection.checked_on.between(dt.date(2021, 1, 1), dt.date(2021, 12, 31))
        first = session.scalar(select(m.Inspection.id).where(in_2021).order_by(m.Inspection.id).limit(1))
        session.execute(update(m.Inspection).where(m.Inspection.id == first).values(published_on=None))
    missing = set()
    for year in (2021, 2026):  # a closed year and the running one (checks not yet published)
        rows = _rows(demo_engine, _year_checks(year))
        for column in dates:
            rows[column] = pd.to_datetime(rows[column])
        missing |= {column for column in dates if rows[column].isna().any()}
        assert len(rows) > 0
        columnar = read_columnar(demo_engine, _year_checks(year), dates=dates)
        _assert_same(columnar, rows)
        _assert_same(gather_inputs(demo_engine, year, TODAY).inspections, rows)
    # the comparison covered missing dates where the measures read them
    assert {"rectified_on", "published_on"} <= missing


def test_a_years_checks_read_with_the_frame_equal_those_joined_to_the_register(demo_engine):
    """With the frame, each check's township is the frame's for its enterprise instead of a join:
    the same table; and the join again where the frame does not hold an enterprise checked."""
    frame = load_register_frame(demo_engine)
    for year in (2021, 2026):
        joined = gather_inputs(demo_engine, year, TODAY).inspections
        assert len(joined) > 0
        end = min(dt.date(year, 12, 31), TODAY)
        plain = read_columnar(demo_engine, checks_between(dt.date(year, 1, 1), end, township=False))
        assert _townships_of(frame, plain["enterprise_id"].to_numpy()) is not None  # the frame's way
        pd.testing.assert_frame_equal(gather_inputs(demo_engine, year, TODAY, frame).inspections, joined)
    checked = plain["enterprise_id"].iloc[0]
    without = replace(frame, enterprises=frame.enterprises[frame.enterprises["id"] != checked])
    assert _townships_of(without, plain["enterprise_id"].to_numpy()) is None
    pd.testing.assert_frame_equal(gather_inputs(demo_engine, 2026, TODAY, without).inspections, joined)


def test_check_results_read_columnar_equal_the_rows(demo_engine):
    with transaction(demo_engine) as session:  # a major hazard among them, so both booleans cross
        first = session.scalar(select(m.Inspection.id).where(m.Inspection.result.is_not(None)).limit(1))
        session.execute(update(m.Inspection).where(m.Inspection.id == first).values(major_hazard=True))
    ins = m.Inspection
    statement = select(ins.id, ins.enterprise_id, ins.checked_on, ins.result, ins.major_hazard).where(
        ins.result.is_not(None)
    )
    with demo_engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(statement).all()]
    expected = pd.DataFrame(
        rows, columns=["id", "enterprise_id", "checked_on", "result", "major_hazard"], dtype=object
    )
    checks = load_check_results(demo_engine)
    assert checks["major_hazard"].map(type).eq(bool).all() and checks["major_hazard"].sum() >= 1
    assert checks["checked_on"].map(type).eq(dt.date).all()
    pd.testing.assert_frame_equal(
        checks.sort_values("id").reset_index(drop=True), expected.sort_values("id").reset_index(drop=True)
    )
