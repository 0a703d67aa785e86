"""The city's reference data: townships, departments, sectors and sub-categories.

The file (``data/reference/xiangxiang.toml``) is the source; :func:`sync_reference`
makes the database agree with it, adding what is new and updating names,
never deleting (enterprises refer to these rows).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from traceboard import config
from traceboard.data.models import TOWNSHIP_KINDS, Sector, SectorLead, Subcategory, Unit


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


@dataclass(frozen=True)
class Reference:
    city_code: str
    city_name: str
    townships: tuple[TownshipRef, ...]
    departments: tuple[DepartmentRef, ...]
    sectors: tuple[SectorRef, ...]
    source: str = field(default="", compare=False)

    def department(self, code: str) -> DepartmentRef:
        return next(d for d in self.departments if d.code == code)


def load_reference(path: Path | None = None) -> Reference:
    """Read and check a reference file; raise :class:`ReferenceError` naming the problem."""
    path = Path(path or config.reference_path())
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ReferenceError(f"{path}: {exc}") from None
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
            source=str(path),
        )
    except (KeyError, TypeError) as exc:
        raise ReferenceError(f"{path}: missing or unexpected field {exc}") from None
    _check_reference(ref, path)
    return ref


def _check_reference(ref: Reference, path: Path) -> None:
    dept_codes = {d.code for d in ref.departments}
    for t in ref.townships:
        if t.kind not in TOWNSHIP_KINDS:
            raise ReferenceError(f"{path}: township {t.name}: unknown kind {t.kind!r}")
    for s in ref.sectors:
        unknown = [c for c in s.leads if c not in dept_codes]
        unknown += [c.department for c in s.subcategories if c.department not in dept_codes]
        if unknown:
            raise ReferenceError(f"{path}: sector {s.name}: unknown department {unknown[0]!r}")
    for label, items in (
        ("township code", [t.code for t in ref.townships]),
        ("department code", list(dept_codes)),
        ("sector code", [s.code for s in ref.sectors]),
    ):
        if len(items) != len(set(items)):
            raise ReferenceError(f"{path}: duplicate {label}")


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
    return changed


def _upsert(session: Session, existing: dict, key, model, **values) -> int:
    row = existing.get(key)
    if row is None:
        if model in (Unit, Sector):
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
