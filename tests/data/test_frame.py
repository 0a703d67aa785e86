import datetime as dt

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from traceboard.data import models as m
from traceboard.data.frame import ALWAYS, NEVER, from_day, load_register_frame, to_day


def test_frame_mirrors_the_register(demo_engine):
    frame = load_register_frame(demo_engine)
    with Session(demo_engine) as session:
        n_events = session.scalar(select(func.count()).select_from(m.TraceEvent))
        first = session.scalars(select(m.Enterprise).order_by(m.Enterprise.id).limit(1)).one()
        township = session.scalar(select(m.Unit.name).where(m.Unit.id == first.township_id))
    ent = frame.enterprises
    assert len(ent) == 400 and len(frame.events) == n_events
    row = ent.iloc[0]
    assert (row["uscc"], row["name"], row["township"]) == (first.uscc, first.name, township)
    expected_registered = to_day(first.registered_on) if first.registered_on else ALWAYS
    assert row["registered"] == expected_registered
    assert (ent["closed"] == NEVER).mean() > 0.8
    assert np.all(np.diff(frame.events["day"].to_numpy()) >= 0)
    assert str(ent["sector"].dtype) == "category"


def test_day_numbers_round_trip():
    for date in (dt.date(1970, 1, 1), dt.date(2017, 8, 29), dt.date(2026, 2, 28)):
        assert from_day(to_day(date)) == date


def test_iso_text_becomes_the_same_days_whether_or_not_it_carries_a_time():
    import pyarrow as pa

    from traceboard.data.frame import _days_of

    dates = ["2017-08-29", None, "2026-02-28", "1970-01-01"]
    stamps = ["2017-08-29 13:05:00", None, "2026-02-28T00:00:00.000000", "1970-01-01"]
    expected = [to_day(dt.date(2017, 8, 29)), ALWAYS, to_day(dt.date(2026, 2, 28)), 0]
    for text in (dates, stamps):
        table = pa.table({"day": pa.chunked_array([pa.array(text[:2]), pa.array(text[2:])])})
        assert _days_of(table, "day", ALWAYS).tolist() == expected
    assert _days_of(pa.table({"day": pa.array([], pa.string())}), "day", ALWAYS).tolist() == []
