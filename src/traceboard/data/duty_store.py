"""The plan's duties, the units' work ledger (工作台账) and the counties' published adoption rates.

Readers for the assessment, the timetable page and the exports. Rows are written
by the imports and the single-record forms (with their audit rows), never here.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, select

from traceboard.data import models as m
from traceboard.data.frame import read_frame


def duties(engine: Engine) -> pd.DataFrame:
    """Every duty in the reference order: id, code, name, name_en, plan_part, source, basis, note,
    sector_id, and ``departments`` (the ids of the member departments that carry it, a list)."""
    d = m.Duty
    with engine.connect() as conn:
        table = read_frame(
            conn,
            select(
                d.id, d.code, d.name, d.name_en, d.plan_part, d.source, d.basis, d.note, d.sector_id
            ).order_by(d.sort_order, d.id),
        )
        carriers = read_frame(
            conn,
            select(m.DutyDepartment.duty_id, m.DutyDepartment.department_id).order_by(
                m.DutyDepartment.duty_id, m.DutyDepartment.department_id
            ),
        )
    grouped = carriers.groupby("duty_id")["department_id"].agg(lambda ids: [int(i) for i in ids])
    table["departments"] = [grouped.get(duty_id, []) for duty_id in table["id"]]
    return table


def duty_carriers(engine: Engine) -> pd.DataFrame:
    """Who carries what: duty_id, department_id (one row per pair)."""
    with engine.connect() as conn:
        return read_frame(conn, select(m.DutyDepartment.duty_id, m.DutyDepartment.department_id))


def duty_records(engine: Engine, start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
    """The ledger (dated within ``start``..``end`` when given): id, unit_id, duty_id, occurred_on
    (datetime64), kind, amount, enterprise_id, document_no, note; in date order."""
    r = m.DutyRecord
    statement = select(
        r.id, r.unit_id, r.duty_id, r.occurred_on, r.kind, r.amount, r.enterprise_id, r.document_no, r.note
    ).order_by(r.occurred_on, r.id)
    if start is not None:
        statement = statement.where(r.occurred_on >= start)
    if end is not None:
        statement = statement.where(r.occurred_on <= end)
    with engine.connect() as conn:
        table = read_frame(conn, statement)
    table["occurred_on"] = pd.to_datetime(table["occurred_on"])
    table["amount"] = pd.to_numeric(table["amount"]).astype(float)  # the driver's Decimal on PostgreSQL
    return table


def county_adoption(engine: Engine) -> pd.DataFrame:
    """The rates 湘潭市 published: county, year, rate (0–1), source; by year, then rate descending."""
    c = m.CountyAdoption
    with engine.connect() as conn:
        return read_frame(
            conn, select(c.county, c.year, c.rate, c.source).order_by(c.year, c.rate.desc(), c.county)
        )
