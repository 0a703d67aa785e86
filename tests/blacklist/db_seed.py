"""A tiny register for database tests of the blacklist: three enterprises, users of every role."""

import datetime as dt

from sqlalchemy import select

from traceboard.accounts.authz import Actor
from traceboard.data.db import transaction
from traceboard.data.models import ConsumerAlert, Enterprise, Inspection, Sector, TraceEvent, Unit, User

USCC = ["91430381MPYA9RU06C", "92430381QGYLUJXT16", "91430381T0GTBHQN7N"]
NAMES = [
    '<script>alert("x")</script>',
    '=HYPERLINK("http://evil.example","点我")',
    "湘乡市福农食品有限责任公司",
]


def seed_register(engine) -> dict:
    """Enterprises (ids in order of USCC), a check of the first, and actors; returns their ids."""
    with transaction(engine) as session:
        township = session.scalar(select(Unit.id).where(Unit.code == "430381001"))
        food = session.scalar(select(Sector).where(Sector.code == "food"))
        departments = session.scalars(
            select(Unit.id).where(Unit.kind == "department").order_by(Unit.id)
        ).all()
        ids = []
        for uscc, name in zip(USCC, NAMES, strict=True):
            e = Enterprise(
                uscc=uscc,
                name=name,
                township_id=township,
                sector_id=food.id,
                department_id=departments[0],
                risk_class="B",
            )
            session.add(e)
            session.flush()
            ids.append(e.id)
        session.add(
            TraceEvent(enterprise_id=ids[2], kind="adopted", occurred_on=dt.date(2024, 3, 1), source="t")
        )
        check = Inspection(
            enterprise_id=ids[0],
            department_id=departments[0],
            checked_on=dt.date(2022, 12, 5),  # before every proposal the tests make citing it
            result="false_trace_info",
            recorded_by="li",
            published_on=dt.date(2022, 12, 20),
        )
        session.add(check)
        session.add_all(
            User(username=u, role=r)
            for u, r in [("wang", "office"), ("zhao", "office"), ("li", "publicity"), ("chen", "publicity")]
        )
        session.flush()
        return {
            "enterprises": ids,
            "inspection": check.id,
            "department": departments[0],
            "other_department": departments[1],
        }


OFFICE = Actor("wang", "office")
OFFICE2 = Actor("zhao", "office")
PUBLICITY = Actor("li", "publicity")
PUBLICITY2 = Actor("chen", "publicity")


def drafted_on(engine, alert_id: int, day: dt.date) -> None:
    """Record the draft of ``alert_id`` as made on ``day`` (noon on this machine's clock): a test's
    alert approved and published on past dates was drafted before them (docs/blacklist.md)."""
    noon = dt.datetime.combine(day, dt.time(12)).astimezone(dt.UTC)
    with transaction(engine) as session:
        session.get(ConsumerAlert, alert_id).drafted_at = noon
