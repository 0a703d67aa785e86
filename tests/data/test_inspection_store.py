"""Reading the checks: the publication board's subset is exactly what it would pick from all of them."""

import datetime as dt

import pandas as pd
from sqlalchemy import update

from traceboard.data import inspection_store
from traceboard.data import models as m
from traceboard.data.db import transaction
from traceboard.sampling import results


def test_the_checks_awaiting_publication_are_those_picked_from_all(demo_engine):
    with transaction(demo_engine) as session:  # some checks of 2025 await publication, one has no result
        session.execute(
            update(m.Inspection)
            .where(m.Inspection.checked_on >= dt.date(2025, 3, 3))
            .values(published_on=None)
        )
        first = session.query(m.Inspection).filter(m.Inspection.published_on.is_(None)).first()
        first.result = None
    everything = inspection_store.load_inspections(demo_engine)
    awaiting = inspection_store.load_inspections(demo_engine, awaiting_publication=True)
    assert 0 < len(awaiting) < len(everything)
    today = dt.date(2026, 10, 31)
    pd.testing.assert_frame_equal(
        results.pending_publication(awaiting, today), results.pending_publication(everything, today)
    )
    assert awaiting["result"].notna().all() and awaiting["published_on"].isna().all()
