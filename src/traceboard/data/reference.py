"""The city's reference data: townships, departments, sectors, sub-categories, the plan's
duties and the traceability platforms.

The file (``data/reference/xiangxiang.toml``) is the source; :func:`sync_reference`
makes the database agree with it, adding what is new and updating names,
never deleting (enterprises refer to these rows).
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from traceboard import config
from traceboard.data.models import (
    DUTY_BASES,
    MILESTONE_KINDS,
    TOWNSHIP_KINDS,
    Duty,
    DutyDepartment,
    Platform,
    PlatformSector,
    Sector,
    SectorLead,
    Subcategory,
    Unit,
)
from traceboard.data.toml_files import unreadable_toml
from traceboard.i18n import Message


class ReferenceError(ValueError):
    """The reference file is malformed (names the file and the entry)."""


@dataclass(frozen=True)
class TownshipRef:
    code: str
    name: str
    short: str
    kind: str
    row: int
    col: int


@dataclass(frozen=True)
class DepartmentRef:
    code: str
    name: str
    name_en: str
    office: bool = False


@dataclass(frozen=True)
class SubcategoryRef:
    name: str
    department: str
    special: bool = False


@dataclass(frozen=True)
class SectorRef:
    code: str
    name: str
    name_en: str
    leads: tuple[str, ...]
    subcategories: tuple[SubcategoryRef, ...]


MILESTONE_UNITS = ("lead-departments", "townships")


@dataclass(frozen=True)
class MilestoneRef:
    """A step of the plan's timetable (part 四): ``kind`` owed by ``units`` by ``due``.

    ``units`` is "lead-departments", "townships" or a tuple of department codes;
    ``source`` quotes the plan, ``basis`` is "plan" or "office" (the office's reading).
    """

    kind: str
    name: str
    name_en: str
    due: dt.date
    units: str | tuple[str, ...]
    part: str
    source: str
    basis: str = "plan"


@dataclass(frozen=True)
class DutyRef:
    """A duty the plan gives member departments (工作职责), with the sentence it comes from.

    ``basis`` is ``plan`` when the plan itself says who carries the duty, ``office`` when
    the assignment is the leading group office's reading (explained in ``note``).
    """

    code: str
    name: str
    name_en: str
    part: str
    source: str
    departments: tuple[str, ...]
    basis: str
    sector: str | None = None
    note: str = ""


PLAN_PARTS = ("三", "四", "五")


@dataclass(frozen=True)
class PlatformRef:
    """A traceability platform and the sectors (codes) whose enterprises report to it."""

    code: str
    name: str
    name_en: str
    sectors: tuple[str, ...]


@dataclass(frozen=True)
class Reference:
    city_code: str
    city_name: str
    townships: tuple[TownshipRef, ...]
    departments: tuple[DepartmentRef, ...]
    sectors: tuple[SectorRef, ...]
    platforms: tuple[PlatformRef, ...] = ()
    duties: tuple[DutyRef, ...] = ()
    milestones: tuple[MilestoneRef, ...] = ()
    source: str = field(default="", compare=False)

    def department(self, code: str) -> DepartmentRef:
        return next(d for d in self.departments if d.code == code)

    def lead_departments(self) -> tuple[str, ...]:
        """Codes of the departments that lead a sector, in the reference's department order."""
        leads = {code for s in self.sectors for code in s.leads}
        return tuple(d.code for d in self.departments if d.code in leads)

    def milestones_due(self) -> list[tuple[str, str, dt.date]]:
        """(unit code, milestone kind, due date) for every unit the plan's timetable names."""
        rows = []
        for ms in self.milestones:
            if ms.units == "lead-departments":
                codes = self.lead_departments()
            elif ms.units == "townships":
                codes = tuple(t.code for t in self.townships)
            else:
                codes = ms.units
            rows += [(code, ms.kind, ms.due) for code in codes]
        return rows


def load_reference(path: Path | None = None) -> Reference:
    """Read and check a reference file; raise :class:`ReferenceError` naming the problem."""
    path = Path(path or config.reference_path())
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReferenceError(unreadable_toml("store.reference.unreadable", path, exc)) from None
    return _parsed_reference(str(path), text)


@functools.lru_cache(maxsize=8)
def _parsed_reference(file: str, text: str) -> Reference:
    """The checked reference of a file's text, parsed once per process and text (a changed file is
    read anew; the reference is immutable, so every caller may share it)."""
    path = Path(file)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReferenceError(unreadable_toml("store.reference.unreadable", path, exc)) from None
    try:
        ref = Reference(
            city_code=raw["city"]["code"],
            city_name=raw["city"]["name"],
            townships=tuple(TownshipRef(**t) for t in raw["townships"]),
            departments=tuple(DepartmentRef(**d) for d in raw["departments"]),
            sectors=tuple(
                SectorRef(
                    code=s["code"],
                    name=s["name"],
                    name_en=s["name_en"],
                    leads=tuple(s["leads"]),
                    subcategories=tuple(SubcategoryRef(**c) for c in s["subcategories"]),
                )
                for s in raw["sectors"]
            ),
            platforms=tuple(
                PlatformRef(**(p | {"sectors": tuple(p["sectors"])})) for p in raw.get("platforms", [])
            ),
            duties=tuple(
                DutyRef(**(d | {"departments": tuple(d["departments"])})) for d in raw.get("duties", ())
            ),
            milestones=tuple(_milestone(m) for m in raw.get("milestones", ())),
            source=str(path),
        )
    except (KeyError, TypeError) as exc:
        raise ReferenceError(Message("store.reference.field", file=str(path), field=str(exc))) from None
    _check_reference(ref, path)
    return ref


def _milestone(raw: dict) -> MilestoneRef:
    units = raw.pop("units")
    return MilestoneRef(units=units if isinstance(units, str) else tuple(units), **raw)


def _check_reference(ref: Reference, path: Path) -> None:
    file = str(path)
    dept_codes = {d.code for d in ref.departments}
    for ms in ref.milestones:
        if ms.kind not in MILESTONE_KINDS:
            raise ReferenceError(
                Message(
                    "store.reference.milestone_kind",
                    file=file,
                    name=ms.name,
                    choices=", ".join(MILESTONE_KINDS),
                )
            )
        if not isinstance(ms.due, dt.date) or isinstance(ms.due, dt.datetime):
            raise ReferenceError(Message("store.reference.milestone_due", file=file, name=ms.name))
        if isinstance(ms.units, str) and ms.units not in MILESTONE_UNITS:
            raise ReferenceError(
                Message(
                    "store.reference.milestone_units",
                    file=file,
                    name=ms.name,
                    choices=", ".join(MILESTONE_UNITS),
                )
            )
        unknown = [c for c in ms.units if c not in dept_codes] if not isinstance(ms.units, str) else []
        if unknown:
            raise ReferenceError(
                Message("store.reference.milestone_department", file=file, name=ms.name, code=unknown[0])
            )
    for t in ref.townships:
        if t.kind not in TOWNSHIP_KINDS:
            raise ReferenceError(
                Message("store.reference.township_kind", file=file, name=t.name, kind=t.kind)
            )
    for s in ref.sectors:
        unknown = [c for c in s.leads if c not in dept_codes]
        unknown += [c.department for c in s.subcategories if c.department not in dept_codes]
        if unknown:
            raise ReferenceError(
                Message("store.reference.sector_department", file=file, name=s.name, code=unknown[0])
            )
    sector_codes = {s.code for s in ref.sectors}
    for p in ref.platforms:
        unknown_sectors = [c for c in p.sectors if c not in sector_codes]
        if unknown_sectors:
            raise ReferenceError(
                Message("store.reference.platform_sector", file=file, name=p.name, code=unknown_sectors[0])
            )
    for d in ref.duties:
        unknown = [c for c in d.departments if c not in dept_codes]
        if unknown:
            raise ReferenceError(
                Message("store.reference.duty_department", file=file, name=d.name, code=unknown[0])
            )
        if d.sector is not None and d.sector not in sector_codes:
            raise ReferenceError(
                Message("store.reference.duty_sector", file=file, name=d.name, code=d.sector)
            )
        if d.basis not in DUTY_BASES:
            raise ReferenceError(
                Message("store.reference.duty_basis", file=file, name=d.name, choices=", ".join(DUTY_BASES))
            )
        if d.part not in PLAN_PARTS:
            raise ReferenceError(
                Message("store.reference.duty_part", file=file, name=d.name, choices=", ".join(PLAN_PARTS))
            )
        if not d.departments or not d.source.strip():
            raise ReferenceError(Message("store.reference.duty_incomplete", file=file, name=d.name))
    for label, items in (
        (Message("store.reference.what_township_code"), [t.code for t in ref.townships]),
        (Message("store.reference.what_department_code"), list(dept_codes)),
        (Message("store.reference.what_sector_code"), [s.code for s in ref.sectors]),
        (Message("store.reference.what_platform_code"), [p.code for p in ref.platforms]),
        (Message("store.reference.what_platform_name"), [p.name for p in ref.platforms]),
        (Message("store.reference.what_duty_code"), [d.code for d in ref.duties]),
        (Message("store.reference.what_duty_name"), [d.name for d in ref.duties]),
    ):
        if len(items) != len(set(items)):
            raise ReferenceError(Message("store.reference.duplicate", file=file, what=label))


def sync_reference(session: Session, ref: Reference) -> int:
    """Insert or update the reference rows; return how many rows changed."""
    changed = 0
    units = {u.code: u for u in session.scalars(select(Unit))}
    for order, d in enumerate(ref.departments):
        changed += _upsert(
            session,
            units,
            d.code,
            Unit,
            name=d.name,
            name_en=d.name_en,
            kind="department",
            is_office=d.office,
            sort_order=order,
        )
    for order, t in enumerate(ref.townships):
        changed += _upsert(
            session,
            units,
            t.code,
            Unit,
            name=t.name,
            short_name=t.short,
            kind=t.kind,
            map_row=t.row,
            map_col=t.col,
            sort_order=order,
        )
    session.flush()
    dept_id = {code: u.id for code, u in units.items()}
    sectors = {s.code: s for s in session.scalars(select(Sector))}
    for order, s in enumerate(ref.sectors):
        changed += _upsert(session, sectors, s.code, Sector, name=s.name, name_en=s.name_en, sort_order=order)
    session.flush()
    leads = set(session.execute(select(SectorLead.sector_id, SectorLead.department_id)))
    subcats = {(c.sector_id, c.name): c for c in session.scalars(select(Subcategory))}
    for s in ref.sectors:
        sector_id = sectors[s.code].id
        for code in s.leads:
            if (sector_id, dept_id[code]) not in leads:
                session.add(SectorLead(sector_id=sector_id, department_id=dept_id[code]))
                changed += 1
        for order, c in enumerate(s.subcategories):
            changed += _upsert(
                session,
                subcats,
                (sector_id, c.name),
                Subcategory,
                sector_id=sector_id,
                name=c.name,
                department_id=dept_id[c.department],
                special_rules=c.special,
                sort_order=order,
            )
    session.flush()
    sector_ids = {code: s.id for code, s in sectors.items()}
    changed += _sync_duties(session, ref, dept_id, sector_ids)
    return changed + _sync_platforms(session, ref, sector_ids)


def _sync_platforms(session: Session, ref: Reference, sector_id: dict[str, int]) -> int:
    changed = 0
    platforms = {p.code: p for p in session.scalars(select(Platform))}
    for order, p in enumerate(ref.platforms):
        changed += _upsert(
            session, platforms, p.code, Platform, name=p.name, name_en=p.name_en, sort_order=order
        )
    session.flush()
    links = set(session.execute(select(PlatformSector.platform_id, PlatformSector.sector_id)))
    for p in ref.platforms:
        for code in p.sectors:
            key = (platforms[p.code].id, sector_id[code])
            if key not in links:
                session.add(PlatformSector(platform_id=key[0], sector_id=key[1]))
                changed += 1
    session.flush()
    return changed


def _sync_duties(session: Session, ref: Reference, dept_id: dict[str, int], sector_id: dict[str, int]) -> int:
    """Duties and who carries them; a department no longer named for a duty stops carrying it."""
    changed = 0
    duties = {d.code: d for d in session.scalars(select(Duty))}
    for order, d in enumerate(ref.duties):
        changed += _upsert(
            session,
            duties,
            d.code,
            Duty,
            name=d.name,
            name_en=d.name_en,
            plan_part=d.part,
            source=d.source,
            basis=d.basis,
            note=d.note or None,
            sector_id=sector_id[d.sector] if d.sector else None,
            sort_order=order,
        )
    session.flush()
    carried = {(r.duty_id, r.department_id): r for r in session.scalars(select(DutyDepartment))}
    wanted = {(duties[d.code].id, dept_id[c]) for d in ref.duties for c in d.departments}
    listed = {duties[d.code].id for d in ref.duties}
    added, removed = wanted - carried.keys(), {k for k in carried.keys() - wanted if k[0] in listed}
    for key in added:
        session.add(DutyDepartment(duty_id=key[0], department_id=key[1]))
    for key in removed:
        session.delete(carried[key])  # who carries a duty is a fact of the file, not a record of work
    changed += len(added) + len(removed)
    session.flush()
    return changed


def _upsert(session: Session, existing: dict, key, model, **values) -> int:
    row = existing.get(key)
    if row is None:
        if model in (Unit, Sector, Duty, Platform):
            values["code"] = key
        row = model(**values)
        session.add(row)
        existing[key] = row
        return 1
    dirty = {k: v for k, v in values.items() if getattr(row, k) != v}
    for k, v in dirty.items():
        setattr(row, k, v)
    return int(bool(dirty))


def load_sectors(engine: Engine) -> dict[str, str]:
    """Sector code → name, in the reference order (alert editors, commands that take a sector)."""
    with engine.connect() as conn:
        return dict(
            conn.execute(select(Sector.code, Sector.name).order_by(Sector.sort_order, Sector.id)).all()
        )
