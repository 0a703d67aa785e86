import pytest
from sqlalchemy import func, select

from traceboard.accounts.authz import Actor, PermissionDenied
from traceboard.accounts.personal import PERSONAL_COLUMNS, load_conflicts, load_inspectors, redact_personal
from traceboard.data import models as m

PERSONAL = {"home_township", "conflicts"}


@pytest.mark.parametrize(
    ("role", "sees_personal"),
    [("office", True), ("admin", True), ("leader", False), ("inspector", False), ("publicity", False)],
)
def test_home_townships_and_conflicts_for_office_and_admin_only(demo_engine, role, sees_personal):
    actor = Actor("u", role, 3)
    inspectors = load_inspectors(demo_engine, actor)
    with demo_engine.connect() as conn:
        assert len(inspectors) == conn.scalar(select(func.count()).select_from(m.Inspector))
        declared = conn.scalar(select(func.count()).select_from(m.Conflict))
    assert PERSONAL.issubset(inspectors.columns) is sees_personal
    assert not sees_personal or (PERSONAL & set(inspectors.columns)) == PERSONAL
    if sees_personal:
        assert int(inspectors["conflicts"].sum()) == declared > 0
        assert len(load_conflicts(demo_engine, actor)) == declared
    else:
        assert not PERSONAL & set(inspectors.columns)
        with pytest.raises(PermissionDenied, match=r"personal\.read"):
            load_conflicts(demo_engine, actor)


def test_one_department_and_no_actor(demo_engine):
    with demo_engine.connect() as conn:
        dept, n = conn.execute(
            select(m.Inspector.department_id, func.count()).group_by(m.Inspector.department_id).limit(1)
        ).one()
    rows = load_inspectors(demo_engine, None, department_id=dept)
    assert len(rows) == n and list(rows.columns) == ["id", "cert_no", "name", "department", "active"]


def test_redact_drops_every_personal_column_it_knows():
    import pandas as pd

    frame = pd.DataFrame({c: [1] for c in [*sorted(PERSONAL_COLUMNS), "name"]})
    assert list(redact_personal(frame, Actor("p", "publicity")).columns) == ["name"]
    assert list(redact_personal(frame, Actor("o", "office")).columns) == list(frame.columns)
