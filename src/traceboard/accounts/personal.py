"""Data protection: inspectors' home townships and declared conflicts are personal.

Rule (issue "Accounts, roles", item 6): they are visible to the office and
admins only (permission ``personal.read``); nothing personal goes to public
pages. Pages that show inspectors call :func:`load_inspectors` (or pass their
own frames through :func:`redact_personal`); :func:`load_conflicts` refuses
other roles. Domain code that merely *uses* conflicts (recusal in a draw)
reads them itself and shows only its outcome.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import aliased

from traceboard.accounts.authz import Actor, require
from traceboard.data.models import Conflict, Enterprise, Inspector, Unit

PERSONAL_COLUMNS = frozenset(
    {"home_township_id", "home_township", "conflicts", "conflict", "conflict_reason", "reason"}
)


def can_read_personal(actor: Actor | None) -> bool:
    """Whether ``actor`` may see personal data (office, admin, the system)."""
    return actor is not None and actor.can("personal.read")


def redact_personal(frame: pd.DataFrame, actor: Actor | None) -> pd.DataFrame:
    """``frame`` without its personal columns (PERSONAL_COLUMNS) unless ``actor`` may read them."""
    if can_read_personal(actor):
        return frame
    return frame.drop(columns=[c for c in frame.columns if c in PERSONAL_COLUMNS])


def load_inspectors(engine: Engine, actor: Actor | None, department_id: int | None = None) -> pd.DataFrame:
    """Inspectors (of one department or all): cert_no, name, department, active — and, for
    office/admin only, home_township and conflicts (number of declared conflicts)."""
    home = aliased(Unit)
    dept = aliased(Unit)
    conflicts = (
        select(Conflict.inspector_id, func.count().label("n")).group_by(Conflict.inspector_id).subquery()
    )
    query = (
        select(
            Inspector.id,
            Inspector.cert_no,
            Inspector.name,
            dept.name.label("department"),
            Inspector.active,
            home.name.label("home_township"),
            func.coalesce(conflicts.c.n, 0).label("conflicts"),
        )
        .join(dept, dept.id == Inspector.department_id)
        .outerjoin(home, home.id == Inspector.home_township_id)
        .outerjoin(conflicts, conflicts.c.inspector_id == Inspector.id)
        .order_by(Inspector.cert_no)
    )
    if department_id is not None:
        query = query.where(Inspector.department_id == department_id)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=list(query.selected_columns.keys()))
    return redact_personal(frame, actor)


def load_conflicts(engine: Engine, actor: Actor | None) -> pd.DataFrame:
    """Declared conflicts (office/admin only): cert_no, inspector, uscc, enterprise, reason, declared_on."""
    require(actor, "personal.read")
    query = (
        select(
            Inspector.cert_no,
            Inspector.name.label("inspector"),
            Enterprise.uscc,
            Enterprise.name.label("enterprise"),
            Conflict.reason,
            Conflict.declared_on,
        )
        .join(Inspector, Inspector.id == Conflict.inspector_id)
        .join(Enterprise, Enterprise.id == Conflict.enterprise_id)
        .order_by(Inspector.cert_no, Enterprise.uscc)
    )
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).all(), columns=list(query.selected_columns.keys()))
