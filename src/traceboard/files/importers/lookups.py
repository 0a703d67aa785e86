"""What a file's names are matched against: the reference rows and codes in the database."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select

from traceboard.data import models as m
from traceboard.data.frame import read_frame
from traceboard.data.reference import load_reference

_TOWN_SUFFIX = re.compile(r"(街道办事处|街道办|街道|办事处|镇|乡)$")


@dataclass(frozen=True)
class Lookups:
    """Name → id tables for matching, and the rows needed for defaults and messages.

    ``subcategories``: id, sector_id, name, department_id; ``sector_leads``:
    sector id → its first lead department id; ``sector_names``: id → name.
    """

    city: str
    townships: dict[str, int]
    sectors: dict[str, int]
    sector_names: dict[int, str]
    departments: dict[str, int]
    unit_names: dict[int, str]
    subcategories: pd.DataFrame
    sector_leads: dict[int, int]
    legacy_codes: frozenset[str]
    duties: dict[str, int]
    duty_names: dict[int, str]
    milestones_due: dict[tuple[int, str], object]  # (unit id, milestone kind) → the plan's due date

    def strip_township(self, token: str) -> tuple[str, ...]:
        """Other spellings of a township: without the city's name, without the suffix."""
        plain = token.removeprefix(self.city).removeprefix(self.city.removesuffix("市"))
        return (plain, _TOWN_SUFFIX.sub("", plain))

    @staticmethod
    def strip_department(token: str) -> tuple[str, ...]:
        return ("市" + token, token.removeprefix("湘乡") if token.startswith("湘乡") else token)

    def strip_unit(self, token: str) -> tuple[str, ...]:
        """Other spellings of a department or a township."""
        return (*self.strip_township(token), *self.strip_department(token))


def load_lookups(engine: Engine) -> Lookups:
    """Read the reference rows (units, sectors, sub-categories, leads) and the legacy-code allow-list."""
    with engine.connect() as conn:
        # in id order (the reference's order) on every backend: without ORDER BY PostgreSQL gives
        # the rows where they lie in the table, which changes as rows are updated or deleted
        units = read_frame(
            conn,
            select(
                m.Unit.id, m.Unit.code, m.Unit.name, m.Unit.short_name, m.Unit.name_en, m.Unit.kind
            ).order_by(m.Unit.id),
        )
        sectors = read_frame(
            conn, select(m.Sector.id, m.Sector.code, m.Sector.name, m.Sector.name_en).order_by(m.Sector.id)
        )
        subcats = read_frame(
            conn,
            select(
                m.Subcategory.id, m.Subcategory.sector_id, m.Subcategory.name, m.Subcategory.department_id
            ).order_by(m.Subcategory.id),
        )
        leads = conn.execute(
            select(m.SectorLead.sector_id, m.SectorLead.department_id).order_by(m.SectorLead.department_id)
        ).all()
        legacy = frozenset(conn.scalars(select(m.LegacyCode.code)))
        duties = read_frame(
            conn, select(m.Duty.id, m.Duty.name, m.Duty.code, m.Duty.name_en).order_by(m.Duty.sort_order)
        )
    towns = units[units["kind"] != "department"]
    depts = units[units["kind"] == "department"]
    return Lookups(
        city="湘乡市",
        townships=_names(towns, ("name", "short_name", "code")),
        sectors=_names(sectors, ("name", "code", "name_en")),
        sector_names=dict(zip(sectors["id"], sectors["name"], strict=True)),
        departments=_names(depts, ("name", "code", "name_en")),
        unit_names=dict(zip(units["id"], units["name"], strict=True)),
        subcategories=subcats,
        sector_leads=_first_leads(leads, subcats),
        legacy_codes=legacy,
        duties=_names(duties, ("name", "code", "name_en")),
        duty_names=dict(zip(duties["id"], duties["name"], strict=True)),
        milestones_due=_milestones_due(units),
    )


def _milestones_due(units: pd.DataFrame) -> dict[tuple[int, str], object]:
    ids = dict(zip(units["code"], units["id"].astype(int), strict=True))
    return {(ids[code], kind): due for code, kind, due in load_reference().milestones_due() if code in ids}


def _names(frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, int]:
    # The canonical name goes first so that suggestions show it.
    out: dict[str, int] = {}
    for column in columns:
        for name, unit_id in zip(frame[column], frame["id"], strict=True):
            if isinstance(name, str) and name:
                out.setdefault(name, int(unit_id))
    return out


def _first_leads(leads, subcats: pd.DataFrame) -> dict[int, int]:
    # A sector's default department: the lead that supervises most of its sub-categories.
    out: dict[int, int] = {}
    lead_sets: dict[int, list[int]] = {}
    for sector_id, dept_id in leads:
        lead_sets.setdefault(int(sector_id), []).append(int(dept_id))
    for sector_id, depts in lead_sets.items():
        counts = subcats[subcats["sector_id"] == sector_id]["department_id"].value_counts()
        out[sector_id] = max(depts, key=lambda d: (int(counts.get(d, 0)), -depts.index(d)))
    return out


def load_codes(engine: Engine, model, key: str) -> dict[str, int]:
    """Natural key → id of every row of ``model`` (credit codes, certificate numbers)."""
    with engine.connect() as conn:
        frame = read_frame(conn, select(model.id, getattr(model, key)))
    return dict(zip(frame[key], frame["id"].astype(int), strict=True)) if len(frame) else {}
