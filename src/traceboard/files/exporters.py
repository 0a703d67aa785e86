"""Exports and templates: every importable kind, with the import's own Chinese headers.

An export read back by the importer gives the same record (round trip):
names as in the reference, dates as ``YYYY-MM-DD``, yes/no as 是/否, the
traceability state as of now (the date of the current adoption and
connection). Files are written by ``tables.py`` (CSV with BOM, formula
injection neutralised, frozen headers).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from traceboard.data import models as m
from traceboard.data.frame import EPOCH, read_frame
from traceboard.data.vocabulary import (
    CASE_ENDINGS,
    CASE_LABELS,
    RESULT_LABELS,
    SEVERITY_LABELS,
    TRACE_EVENT_LABELS,
)
from traceboard.files.importers import normalise as nz
from traceboard.files.importers.cases import load_cases
from traceboard.files.importers.lookups import Lookups, load_lookups
from traceboard.files.importers.normalise import nones
from traceboard.files.importers.records import TARGETS, as_tuple
from traceboard.files.importers.register import current_state
from traceboard.files.importers.specs import ELEMENT_COLUMNS, MILESTONE_LABELS, SPECS, Column
from traceboard.files.importers.upsert import load_existing
from traceboard.files.tables import to_csv_bytes, to_xlsx_bytes
from traceboard.i18n import Message

PERSONAL = frozenset({"inspectors", "conflicts"})
FILTERS = ("township", "sector", "department", "adopted", "status")
_FILTER_COLUMN = {"township": "township_id", "sector": "sector_id", "department": "department_id"}


class ExportError(ValueError):
    """A filter names something unknown or does not apply to the kind (one-line message)."""


def export_rows(engine: Engine, kind: str, filters: dict | None = None) -> pd.DataFrame:
    """The rows of ``kind`` as a table with the template's Chinese headers.

    ``filters``: ``township``, ``sector``, ``department`` (lists of names as
    in the reference, matched like an import), ``adopted`` (bool),
    ``status`` (经营状态). Who may export what is the use case's check
    (``services/exports.py``).
    """
    lookups = load_lookups(engine)
    rows = _load_rows(engine, kind)
    rows = _filtered(rows, kind, filters or {}, lookups)
    return _as_table(engine, kind, rows, lookups)


def to_file_bytes(table: pd.DataFrame, fmt: str, sheet: str) -> bytes:
    """``xlsx`` or ``csv`` bytes of an exported table."""
    if fmt == "csv":
        return to_csv_bytes(table)
    if fmt == "xlsx":
        return to_xlsx_bytes({sheet: table})
    raise ExportError(Message("store.export.format", fmt=fmt))


def _load_rows(engine: Engine, kind: str) -> pd.DataFrame:
    keys = [c.key for c in SPECS[kind].columns]
    with engine.connect() as conn:
        if kind in ("enterprises", "traceability"):
            table = m.Enterprise.__table__
            fields = [k for k in keys if k in table.c and k != "id"]
            rows = load_existing(conn, table, list(dict.fromkeys(["uscc", *fields, "operating_status"])))
            state = current_state(conn).reindex(rows["id"].to_numpy())
            for column in ("adopted", "connected"):
                rows[column] = state[column].fillna(False).astype(bool).to_numpy()
            for column in ("adopted_on", "connected_on"):
                rows[column] = state[column].to_numpy()
            rows["enterprise_id"] = rows["id"]
            return rows
        if kind == "blacklist":
            return load_cases(conn)
        table = TARGETS[kind].model.__table__
        rows = load_existing(conn, table, [k for k in keys if k in table.c])
        if kind == "alerts":  # only alerts the public has seen: drafts go through the alert workflow
            state = read_frame(conn, select(m.ConsumerAlert.id, m.ConsumerAlert.state))
            shown = state.loc[state["state"].isin(["published", "withdrawn"]), "id"]
            rows = rows[rows["id"].isin(shown)]
    if kind == "milestones":
        # The plan's elements both ways: the list in one cell and 是/否 per element (the plan only).
        plan = rows["kind"] == "plan_submitted"
        elements = rows["elements"].map(lambda e: as_tuple(e) or ())
        rows["elements"] = elements.where(plan, None)
        for column in ELEMENT_COLUMNS:
            rows[column.key] = elements.map(lambda e, name=column.header: name in e).where(plan, None)
    if "amount" in rows:
        rows["amount"] = pd.to_numeric(rows["amount"])  # the driver's Decimal on PostgreSQL
    return rows


def _filtered(rows: pd.DataFrame, kind: str, filters: dict, lookups: Lookups) -> pd.DataFrame:
    keep = pd.Series(True, index=rows.index)
    for name, wanted in filters.items():
        if wanted in (None, [], ()):
            continue
        if name in _FILTER_COLUMN:
            column = (
                _FILTER_COLUMN[name] if name != "township" or kind != "inspectors" else "home_township_id"
            )
            _applies(rows, column, name, kind)
            keep &= rows[column].isin(_resolve(name, wanted, lookups))
        elif name == "adopted":
            _applies(rows, "adopted", name, kind)
            keep &= rows["adopted"] == bool(wanted)
        elif name == "status":
            _applies(rows, "operating_status", name, kind)
            keep &= rows["operating_status"] == wanted
        else:
            raise ExportError(Message("store.export.filter", name=name, choices=", ".join(FILTERS)))
    return rows[keep]


def _applies(rows: pd.DataFrame, column: str, name: str, kind: str) -> None:
    if column not in rows:
        raise ExportError(Message("store.export.filter_kind", name=name, kind=kind))


def _resolve(name: str, wanted, lookups: Lookups) -> set[int]:
    choices = {"township": lookups.townships, "sector": lookups.sectors, "department": lookups.departments}[
        name
    ]
    strip = {"township": lookups.strip_township, "department": lookups.strip_department}.get(
        name, lambda s: (s,)
    )
    match = nz.make_matcher(choices, name, strip)
    ids = set()
    for text in [wanted] if isinstance(wanted, str) else wanted:
        value, reason = match(text)
        if reason:
            raise ExportError(reason)
        ids.add(value)
    return ids


def _as_table(engine: Engine, kind: str, rows: pd.DataFrame, lookups: Lookups) -> pd.DataFrame:
    names = _names(engine, kind, lookups)
    out = pd.DataFrame(index=rows.index)
    for column in SPECS[kind].columns:
        source = rows[column.key] if column.key in rows else nones(rows.index)
        out[column.header] = _render(column, source, names)
    return out.reset_index(drop=True)


def _names(engine: Engine, kind: str, lookups: Lookups) -> dict[str, dict]:
    subs = lookups.subcategories
    names = {
        "unit": lookups.unit_names,
        "sector": lookups.sector_names,
        "subcategory": dict(zip(subs["id"], subs["name"], strict=True)),
        "result": RESULT_LABELS,
        "milestone": MILESTONE_LABELS,
        "trace_event": TRACE_EVENT_LABELS,
        "duty": lookups.duty_names,
        "case_end": {e: CASE_LABELS[e] for e in CASE_ENDINGS},
        "severity": SEVERITY_LABELS,
    }
    types = {c.type for c in SPECS[kind].columns}
    with engine.connect() as conn:
        if "enterprise" in types:
            names["enterprise"] = dict(conn.execute(select(m.Enterprise.id, m.Enterprise.uscc)).all())
        if "inspector" in types:
            names["inspector"] = dict(conn.execute(select(m.Inspector.id, m.Inspector.cert_no)).all())
    return names


def _render(column: Column, source: pd.Series, names: dict[str, dict]) -> pd.Series:
    kind = column.type
    if kind == "date":
        days = pd.to_numeric(source, errors="coerce")
        dates = pd.to_datetime(days, unit="D", origin=pd.Timestamp(EPOCH))
        return dates.dt.strftime("%Y-%m-%d").where(days.notna(), "")
    if kind == "yesno":
        return source.map(lambda v: "" if v is None or pd.isna(v) else ("是" if bool(v) else "否"))
    table = {
        "township": "unit",
        "department": "unit",
        "unit": "unit",
        "sector": "sector",
        "subcategory": "subcategory",
        "enterprise": "enterprise",
        "inspector": "inspector",
        "result": "result",
        "milestone": "milestone",
        "trace_event": "trace_event",
        "duty": "duty",
        "case_end": "case_end",
        "severity": "severity",
    }.get(kind)
    if table:
        coded = ("result", "milestone", "trace_event", "case_end", "severity")
        ids = source if kind in coded else pd.to_numeric(source, errors="coerce")
        return ids.map(names[table]).fillna("")
    if kind == "int":
        return pd.to_numeric(source, errors="coerce").astype("Int64")
    if kind == "elements":
        return source.map(lambda e: "、".join(e) if isinstance(e, tuple) else "")
    if kind == "money":
        return pd.to_numeric(source, errors="coerce").map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    if kind == "rate":
        return pd.to_numeric(source, errors="coerce").map(lambda v: "" if pd.isna(v) else f"{v * 100:.10g}%")
    return source.astype(object).where(source.notna(), "")


def template_bytes(engine: Engine, kind: str) -> bytes:
    """An empty workbook of ``kind``: the canonical headers, drop-down lists for names and yes/no,
    and a sheet explaining each column."""
    spec = SPECS[kind]
    lookups = load_lookups(engine)
    lists = choice_lists(lookups)
    choices = {
        i: lists[c.type] for i, c in enumerate(spec.columns) if c.type in lists and c.type != "subcategory"
    }
    dependent = _subcategory_choices(spec, lookups)
    empty = pd.DataFrame(columns=[c.header for c in spec.columns])
    notes = pd.DataFrame(
        {
            "列名": [c.header for c in spec.columns],
            "必填": ["必填" if c.mandatory else "可选" for c in spec.columns],
            "说明": [c.help or _default_help(c) for c in spec.columns],
            "也可用的列名": ["、".join(c.aliases) for c in spec.columns],
        }
    )
    return to_xlsx_bytes(
        {spec.title: empty, "填写说明": notes},
        choices={spec.title: choices},
        dependent={spec.title: dependent},
    )


def _subcategory_choices(spec, lookups: Lookups) -> dict[int, tuple[int, dict[str, list[str]]]]:
    """The sub-category column's drop-down: the sub-categories of the sector chosen in the row."""
    at = {c.type: i for i, c in enumerate(spec.columns)}
    if "subcategory" not in at or "sector" not in at:
        return {}
    subs = lookups.subcategories
    by_sector = {
        name: subs.loc[subs["sector_id"] == sector_id, "name"].drop_duplicates().tolist()
        for sector_id, name in lookups.sector_names.items()
    }
    return {at["subcategory"]: (at["sector"], by_sector)}


def choice_lists(lookups: Lookups) -> dict[str, list[str]]:
    """The names a column of each type takes (the templates' drop-down lists), by column type."""
    townships = [lookups.unit_names[i] for i in dict.fromkeys(lookups.townships.values())]
    departments = [lookups.unit_names[i] for i in dict.fromkeys(lookups.departments.values())]
    return {
        "township": townships,
        "sector": list(lookups.sector_names.values()),
        "subcategory": list(dict.fromkeys(lookups.subcategories["name"])),
        "department": departments,
        "unit": departments + townships,
        "yesno": ["是", "否"],
        "status": ["在营", "注销", "吊销", "迁出", "停业"],
        "result": list(RESULT_LABELS.values()),
        "milestone": list(MILESTONE_LABELS.values()),
        "trace_event": list(TRACE_EVENT_LABELS.values()),
        "duty": list(lookups.duty_names.values()),
        "case_end": [CASE_LABELS[e] for e in CASE_ENDINGS],
        "severity": list(SEVERITY_LABELS.values()),
    }


def _default_help(column: Column) -> str:
    return {
        "date": "日期，如 2018-03-05",
        "township": "乡镇（街道）全称，可从下拉列表选择",
        "department": "部门全称，可从下拉列表选择",
        "unit": "部门或乡镇（街道）全称",
        "enterprise": "已在企业名录中的统一社会信用代码",
        "inspector": "已登记的执法证号",
        "int": "整数",
        "duty": "职责清单中的名称，可从下拉列表选择",
    }.get(column.type, "")


def filter_choices(engine: Engine) -> dict[str, list[str]]:
    """Names a user can filter an export by: ``township``, ``sector``, ``department`` (reference order)."""
    lists = choice_lists(load_lookups(engine))
    return {name: lists[name] for name in ("township", "sector", "department")}
