"""Entering or correcting one record through a form, with exactly the checks of an import.

The office enters one milestone or one report without a spreadsheet: the form's cells
become a one-row sheet with the kind's own headers, which is validated and written
by the import machinery (so names, codes, dates and rules are read the same way, and
a problem is reported by column). A record is corrected by entering it again with
its natural key (e.g. unit and period of a report): the other fields are updated.
Each saved entry writes one audit row (``entry.KIND``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from traceboard.accounts.authz import Actor
from traceboard.files.importers.lookups import load_lookups
from traceboard.files.importers.rules import KEYS
from traceboard.files.importers.specs import SPECS
from traceboard.files.importers.validate import validate_sheet
from traceboard.services.exports import choice_lists, export_table
from traceboard.services.imports import ImportSummary, RawSheet, Validation, import_validated

FORM_FILE = "表单录入"


@dataclass(frozen=True)
class EntryField:
    """One field of a kind's form: the column's header, how it is read, and the names it takes."""

    key: str
    header: str
    type: str
    mandatory: bool
    key_part: bool  # part of the record's natural key: changing it enters another record
    help: str
    choices: tuple[str, ...] | None


@dataclass(frozen=True)
class EntryOutcome:
    """What saving a form did: ``validation`` (its problems when not ok) and the write's summary."""

    validation: Validation
    summary: ImportSummary | None

    @property
    def ok(self) -> bool:
        return self.validation.ok and self.summary is not None

    def problems(self) -> list[tuple[str, str, str]]:
        """(column, value, reason) of each problem."""
        p = self.validation.problems
        return list(zip(p["column"], p["value"].astype(str), p["reason"], strict=True))


def entry_fields(engine: Engine, kind: str) -> list[EntryField]:
    """The fields of ``kind``'s form, in the template's column order."""
    lists = choice_lists(load_lookups(engine))
    keys = set(KEYS.get(kind, ("uscc",) if kind == "enterprises" else ()))
    return [
        EntryField(
            c.key,
            c.header,
            c.type,
            c.mandatory,
            c.key in keys,
            c.help,
            tuple(lists[c.type]) if c.type in lists else None,
        )
        for c in SPECS[kind].columns
    ]


def records_for_entry(engine: Engine, actor: Actor, kind: str) -> pd.DataFrame:
    """The records of ``kind`` as the form shows them (the export's table), to pick one to correct."""
    return export_table(engine, actor, kind)


def record_lines(records: pd.DataFrame) -> pd.Series:
    """Each record of :func:`records_for_entry` as one line (its cells joined by " · "), the text
    the form's picker shows and searches; built column by column, not row by row (100,000 rows)."""
    if records.empty:
        return pd.Series([], index=records.index, dtype=object)
    cells = [records[c].astype(str).fillna("") for c in records.columns]
    line = cells[0]
    for column in cells[1:]:
        line = line + " · " + column
    return line


def cells_of(record: pd.Series) -> dict[str, str]:
    """A record of :func:`records_for_entry` as the form's cells (header → text)."""
    return {str(k): "" if pd.isna(v) else str(v) for k, v in record.items()}


def check_entry(engine: Engine, kind: str, cells: dict[str, str], today: dt.date | None = None) -> Validation:
    """Validate the form's cells (header → text) as a one-row file of ``kind``; nothing is written."""
    headers = [c.header for c in SPECS[kind].columns]
    row = [str(cells.get(h, "") or "").strip() for h in headers]
    sheet = RawSheet(FORM_FILE, SPECS[kind].title, pd.DataFrame([headers, row], index=[1, 2], dtype=object))
    digest = hashlib.sha256(json.dumps([kind, row], ensure_ascii=False).encode("utf-8")).hexdigest()
    return validate_sheet(engine, kind, sheet, digest, today or dt.date.today())


def save_entry(
    engine: Engine, actor: Actor, kind: str, cells: dict[str, str], today: dt.date | None = None
) -> EntryOutcome:
    """Check and write one record of ``kind`` (all or nothing, one audit row ``entry.KIND``).

    Needs the permission the import of ``kind`` needs. With problems nothing is written and the
    outcome lists them by column.
    """
    validation = check_entry(engine, kind, cells, today)
    if not validation.ok:
        return EntryOutcome(validation, None)
    return EntryOutcome(validation, import_validated(engine, actor, validation, today, action="entry"))
