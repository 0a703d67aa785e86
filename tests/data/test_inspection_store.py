"""Reading the checks: the publication board's subset is exactly what it would pick from all of them."""

import datetime as dt

import pandas as pd
from sqlalchemy import update

from tests.sampling.draws import commit_a_draw
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


def test_a_draws_checks_as_drawn_are_what_sqlalchemys_rows_give(demo_engine):
    """The checks as drawn are read on the driver's own cursor: the same tuples, a due day as a
    date (SQLite keeps it as text), and the inspector pairs the join of the names gives."""

    from sqlalchemy import select

    from traceboard.accounts.authz import SYSTEM
    from traceboard.sampling import ceremony
    from traceboard.services import sampling as support

    seed = "3-1-4-1-5-9"
    _, draw_id = commit_a_draw(demo_engine, seed, "sector")
    support.reveal_draw(demo_engine, SYSTEM, draw_id, seed, ceremony.reveal, due_on=dt.date(2026, 12, 31))
    for which in (draw_id, None):
        drawn = inspection_store.load_drawn_checks(demo_engine, which)
        named = (
            select(m.AssignmentInspector.assignment_id, m.Inspector.name, m.Inspector.cert_no)
            .join(m.Inspector, m.Inspector.id == m.AssignmentInspector.inspector_id)
            .order_by(m.AssignmentInspector.assignment_id, m.AssignmentInspector.position)
        )
        with demo_engine.connect() as conn:
            rows = [tuple(row) for row in conn.execute(inspection_store._drawn_statement(which))]
            pairs: dict[int, list[str]] = {}
            for assignment_id, name, cert in conn.execute(named):
                pairs.setdefault(assignment_id, []).append(f"{name}（{cert}）")
        assert rows and drawn.rows == rows
        assert [tuple(map(type, row)) for row in drawn.rows] == [tuple(map(type, row)) for row in rows]
        assert {row[drawn.columns.index("due_on")] for row in drawn.rows} == {dt.date(2026, 12, 31)}
        assert drawn.pairs == pairs and all(len(names) == 2 for names in pairs.values())


def test_a_check_with_a_third_inspector_keeps_all_three_in_their_order(demo_engine):
    """A draw names two inspectors per check, and the pairs are read two at a time; a check with
    more (added by hand) is read as the join of the names gives it, every inspector in order."""
    from sqlalchemy import select

    from traceboard.accounts.authz import SYSTEM
    from traceboard.sampling import ceremony
    from traceboard.services import sampling as support

    seed = "2-7-1-8-2-8"
    _, draw_id = commit_a_draw(demo_engine, seed, "sector")
    support.reveal_draw(demo_engine, SYSTEM, draw_id, seed, ceremony.reveal, due_on=dt.date(2026, 12, 31))
    with transaction(demo_engine) as session:
        check = session.scalar(select(m.Assignment.id).where(m.Assignment.draw_id == draw_id).limit(1))
        pair = session.scalars(
            select(m.AssignmentInspector.inspector_id).where(m.AssignmentInspector.assignment_id == check)
        ).all()
        third = session.scalar(select(m.Inspector.id).where(m.Inspector.id.not_in(pair)).limit(1))
        session.add(m.AssignmentInspector(assignment_id=check, inspector_id=third, position=3))
    drawn = inspection_store.load_drawn_checks(demo_engine, draw_id)
    named = (
        select(m.AssignmentInspector.assignment_id, m.Inspector.name, m.Inspector.cert_no)
        .join(m.Inspector, m.Inspector.id == m.AssignmentInspector.inspector_id)
        .join(m.Assignment, m.Assignment.id == m.AssignmentInspector.assignment_id)
        .where(m.Assignment.draw_id == draw_id)
        .order_by(m.AssignmentInspector.assignment_id, m.AssignmentInspector.position)
    )
    pairs: dict[int, list[str]] = {}
    with demo_engine.connect() as conn:
        for assignment_id, name, cert in conn.execute(named):
            pairs.setdefault(assignment_id, []).append(f"{name}（{cert}）")
    assert drawn.pairs == pairs and list(drawn.pairs) == list(pairs)
    assert len(drawn.pairs[check]) == 3 and sum(len(names) == 2 for names in pairs.values()) == len(pairs) - 1
