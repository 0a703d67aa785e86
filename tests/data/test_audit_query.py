import datetime as dt

import pytest
from sqlalchemy import delete, update

from tests.data.insider import without_append_only_guard
from traceboard.accounts.authz import Actor, PermissionDenied
from traceboard.data.audit import record_audit
from traceboard.data.audit_query import AuditFilter, audit_choices, check_chain, load_audit
from traceboard.data.db import transaction
from traceboard.data.models import AuditCheckpoint, AuditLog

OFFICE = Actor("o", "office")
ROWS = [  # actor, action, entity, day
    ("wang", "enterprise.update", "enterprise", dt.date(2026, 3, 1)),
    ("li", "draw.commit", "draw", dt.date(2026, 3, 2)),
    ("wang", "draw.commit", "draw", dt.date(2026, 3, 3)),
    ("wang", "enterprise.update", "enterprise", dt.date(2026, 3, 4)),
]


@pytest.fixture
def logged(engine):
    # only these rows (the SQLite template logs its init); the append-only guard is set aside
    with without_append_only_guard(engine), transaction(engine) as session:
        session.execute(delete(AuditLog))
        session.execute(delete(AuditCheckpoint))
    for i, (actor, action, entity, _day) in enumerate(ROWS):
        with transaction(engine) as session:
            record_audit(session, actor=actor, action=action, entity=entity, entity_id=i, after={"n": i})
    # put the rows on their days (moments are hashed: the chain check is not the point here)
    with without_append_only_guard(engine), transaction(engine) as session:
        for i, (*_, day) in enumerate(ROWS):
            at = dt.datetime.combine(day, dt.time(23, 59), dt.UTC)
            session.execute(update(AuditLog).where(AuditLog.entity_id == str(i)).values(at=at))
    return engine


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (AuditFilter(), ["3", "2", "1", "0"]),
        (AuditFilter(actor="wang"), ["3", "2", "0"]),
        (AuditFilter(action="draw.commit"), ["2", "1"]),
        (AuditFilter(actor="wang", entity="draw"), ["2"]),
        (AuditFilter(start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 3)), ["2", "1"]),
        (AuditFilter(end=dt.date(2026, 3, 1)), ["0"]),
    ],
)
def test_filters(logged, filters, expected):
    rows = load_audit(logged, OFFICE, filters)
    assert rows["entity_id"].tolist() == expected
    if expected:
        assert rows["after"].iloc[-1] == f'{{"n": {expected[-1]}}}'


def test_choices_and_limit(logged):
    assert audit_choices(logged, OFFICE) == {
        "actor": ["li", "wang"],
        "action": ["draw.commit", "enterprise.update"],
        "entity": ["draw", "enterprise"],
    }
    assert load_audit(logged, OFFICE, AuditFilter(), limit=1)["entity_id"].tolist() == ["3"]


@pytest.mark.parametrize("role", ["inspector", "publicity"])
def test_only_office_leader_admin_read_the_log(logged, role):
    actor = Actor("x", role, 1)
    for call in (
        lambda: load_audit(logged, actor, AuditFilter()),
        lambda: audit_choices(logged, actor),
        lambda: check_chain(logged, actor),
    ):
        with pytest.raises(PermissionDenied, match=r"audit\.read"):
            call()


def test_check_chain_sees_the_moved_moments(logged):
    broken = check_chain(logged, Actor("l", "leader"))
    assert broken is not None and "edited" in broken.reason
