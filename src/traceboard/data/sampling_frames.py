"""Reading what the random checks need: check history, blacklist days, inspectors, conflicts.

Everything is read with ``read_frame`` (the driver's cursor, no ORM rows) so
that the sampling frame of a million candidates loads in seconds; the frame
itself is assembled by ``traceboard.sampling.frames`` from the analysis frame.
Day numbers are days since 1970-01-01 (see ``traceboard.data.frame``).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from traceboard.data import models as m
from traceboard.data.frame import day_number, read_frame
from traceboard.data.vocabulary import IN_FORCE  # a case in force puts the enterprise on the list (class D)

PROBLEM_RESULTS = tuple(r for r in m.INSPECTION_RESULTS if r != "no_problem")


def load_checks(engine: Engine) -> pd.DataFrame:
    """Every check with a result: ``enterprise_id, day, result, problem`` (day numbers)."""
    with engine.connect() as conn:
        checks = read_frame(
            conn,
            select(
                m.Inspection.enterprise_id,
                day_number(m.Inspection.checked_on, engine.dialect.name),
                m.Inspection.result,
            ).where(m.Inspection.result.is_not(None)),
        )
    if checks.empty:
        return pd.DataFrame({"enterprise_id": [], "day": [], "result": [], "problem": []})
    checks = checks.rename(columns={"checked_on": "day"})
    return checks.assign(problem=checks["result"].isin(PROBLEM_RESULTS))


def load_blacklist_days(engine: Engine) -> pd.DataFrame:
    """Per enterprise ever listed: ``enterprise_id, first_listed`` (day) and ``on_list`` (bool, now)."""
    with engine.connect() as conn:
        rows = read_frame(
            conn,
            select(
                m.BlacklistEntry.enterprise_id,
                m.BlacklistEntry.state,
                day_number(m.BlacklistEntry.listed_on, engine.dialect.name),
            ),
        )
    if rows.empty:
        return pd.DataFrame({"enterprise_id": [], "first_listed": [], "on_list": []})
    rows["on_list"] = rows["state"].isin(IN_FORCE)
    listed = pd.to_numeric(rows["listed_on"], errors="coerce")
    return (
        rows.assign(first_listed=listed)
        .groupby("enterprise_id", as_index=False)
        .agg(first_listed=("first_listed", "min"), on_list=("on_list", "any"))
    )


def load_inspectors(engine: Engine) -> pd.DataFrame:
    """Inspectors: ``id, cert_no, name, department, department_id, home_township, active``."""
    dept, home = m.Unit.__table__.alias("dept"), m.Unit.__table__.alias("home")
    with engine.connect() as conn:
        rows = read_frame(
            conn,
            select(
                m.Inspector.id,
                m.Inspector.cert_no,
                m.Inspector.name,
                dept.c.name.label("department"),
                m.Inspector.department_id,
                home.c.name.label("home_township"),
                m.Inspector.active,
            )
            .join(dept, dept.c.id == m.Inspector.department_id)
            .outerjoin(home, home.c.id == m.Inspector.home_township_id)
            .order_by(m.Inspector.id),
        )
    if rows.empty:
        return pd.DataFrame(
            columns=["id", "cert_no", "name", "department", "department_id", "home_township", "active"]
        )
    return rows.assign(active=rows["active"].astype(bool))


def load_conflicts(engine: Engine) -> pd.DataFrame:
    """Declared conflicts: ``uscc, inspector_id``."""
    with engine.connect() as conn:
        rows = read_frame(
            conn,
            select(m.Enterprise.uscc, m.Conflict.inspector_id).join(
                m.Enterprise, m.Enterprise.id == m.Conflict.enterprise_id
            ),
        )
    return rows if not rows.empty else pd.DataFrame({"uscc": [], "inspector_id": []})


def active_pools(inspectors: pd.DataFrame) -> dict[str, list[int]]:
    """Each department's active inspector ids (the pools a draw assigns from)."""
    active = inspectors[inspectors["active"]]
    return {str(k): sorted(int(i) for i in v) for k, v in active.groupby("department")["id"]}


def department_ids(engine: Engine) -> dict[str, int]:
    """Department name → unit id."""
    with engine.connect() as conn:
        return dict(conn.execute(select(m.Unit.name, m.Unit.id).where(m.Unit.kind == "department")).all())
