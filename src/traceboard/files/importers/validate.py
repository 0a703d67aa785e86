"""Validating a sheet before anything is written: find the header, read every column, check every row.

The result holds the typed values (one row per data row, indexed by the
spreadsheet row number) and every problem as row, column header (as written
in the file), value and reason — sorted as the sender reads the sheet.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine

from traceboard.data import models as m
from traceboard.data.text_rules import text_problem
from traceboard.data.vocabulary import (
    CASE_ENDINGS,
    CASE_LABELS,
    PLAN_ELEMENTS,
    RESULT_ALIASES,
    RESULT_LABELS,
    SEVERITY_LABELS,
    TRACE_EVENT_LABELS,
)
from traceboard.files.importers import normalise as nz
from traceboard.files.importers.cases import check_cases
from traceboard.files.importers.lookups import Lookups, load_codes, load_lookups
from traceboard.files.importers.reading import RawSheet
from traceboard.files.importers.records import TARGETS
from traceboard.files.importers.rules import check_rules
from traceboard.files.importers.specs import (
    IGNORED_HEADERS,
    MILESTONE_LABELS,
    SPECS,
    STATUSES,
    Column,
    Spec,
)
from traceboard.i18n import LANGUAGES, Message, translate, word

HEADER_SCAN_ROWS = 30
# The columns an error workbook adds (row number, reasons; in either language): a corrected error
# workbook imports like the file it came from.
ANNOTATION_HEADINGS = tuple(
    translate(f"validation.sheet.{key}", lang) for key in ("row", "reason") for lang in LANGUAGES
)
# The table each kind writes (its text columns are checked against the schema).
TABLES = {"enterprises": m.Enterprise.__table__} | {kind: t.model.__table__ for kind, t in TARGETS.items()}
FUTURE_ALLOWED = frozenset({"rectification_due_on", "due_on"})
PROBLEM_COLUMNS = ["row", "column", "value", "reason"]
# A column whose meaning depends on another: a connection flag without the adoption flag would be
# ignored (traceability is read only with 是否建立信息化追溯体系), so its absence is an error.
COLUMN_NEEDS = {
    "connected": "adopted",
    "adopted_on": "adopted",
    "connected_on": "connected",
    "dropped_on": "adopted",
}


@dataclass
class Validation:
    """A checked sheet: ``values`` (typed, by spreadsheet row) and ``problems``.

    ``problems`` has columns row, column (header as written), value, reason.
    """

    kind: str
    raw: RawSheet
    sha256: str
    header_row: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # column key → header as written
    positions: dict[str, int] = field(default_factory=dict)  # column key → 0-based column in the sheet
    ignored: list[str] = field(default_factory=list)
    values: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))

    @property
    def ok(self) -> bool:
        return self.problems.empty

    def lines(self, lang: str = "en") -> list[str]:
        """One line per problem: ``row 7, 统一社会信用代码, '9143…': check character should be 'X'``
        (in ``lang``: ``第 7 行，统一社会信用代码，“9143…”：校验位（第 18 位）应为“X”``)."""
        return [
            translate(
                "validation.line",
                lang,
                row=p.row,
                column=_shown(p.column),
                value=_shown(p.value),
                reason=_shown(word(p.reason, lang), 300),
            )
            if p.column
            else translate(
                "validation.line_no_column", lang, row=p.row, reason=_shown(word(p.reason, lang), 300)
            )
            for p in self.problems.itertuples()
        ]


def _shown(text: object, limit: int = 80) -> str:
    # One line, no terminal escapes: control characters as \xNN, long values cut.
    text = re.sub(r"[\x00-\x1f\x7f]", lambda c: f"\\x{ord(c.group()):02x}", str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header_key(text: str) -> str:
    """Headers compared loosely: full-width, spaces, stars, notes in brackets and case do not matter."""
    text = unicodedata.normalize("NFKC", str(text))
    text = re.sub(r"[(\[].*?[)\]]", "", text)
    return re.sub(r"[\s*_\-:：]+", "", text).lower()


ANNOTATION_KEYS = frozenset(header_key(h) for h in ANNOTATION_HEADINGS)


def _header_table(spec: Spec) -> dict[str, Column | None]:
    table: dict[str, Column | None] = {header_key(h): None for h in IGNORED_HEADERS}
    for column in spec.columns:
        for name in (column.header, *column.aliases):
            table[header_key(name)] = column
    return table


def validate_sheet(engine: Engine, kind: str, raw: RawSheet, sha256: str, today: dt.date) -> Validation:
    """Check every row of ``raw`` as a file of ``kind``; nothing is written.

    Output: a :class:`Validation`; ``ok`` when there is no problem. The rules
    are those of issue #3 (codes per GB 32100-2015, names per the reference
    file, dates, yes/no, duplicates, traceability consistency).
    """
    spec = SPECS[kind]
    result = Validation(kind, raw, sha256)
    problems: list[pd.DataFrame] = []
    if not _locate_header(raw.cells, spec, result, problems):
        result.problems = _sorted(problems, {})
        return result
    data = raw.cells.loc[raw.cells.index > result.header_row, list(result.positions.values())]
    data.columns = list(result.positions)
    data = data.loc[data.ne("").any(axis=1)]
    lookups = load_lookups(engine)
    values = pd.DataFrame(index=data.index)
    for key in data.columns:
        column = spec.column(key)
        values[key], reasons = _read_column(engine, column, data[key], lookups, today)
        problems.append(_problems(reasons, result.headers[key], data[key]))
    problems += _check_texts(kind, values, data, result.headers)
    problems += check_rules(kind, values, data, result.headers, lookups)
    if kind == "blacklist":
        problems += check_cases(engine, values, data, result.headers)
    result.values = values
    order = {result.headers[k]: pos for k, pos in result.positions.items()}
    result.problems = _sorted(problems, order)
    return result


def _check_texts(kind: str, values: pd.DataFrame, data: pd.DataFrame, headers: dict[str, str]) -> list:
    """Free text against its column in the schema (length, control characters): the same verdict
    as every other way in, on either database. Any kind whose text keys name its table's columns
    gets this without a line of its own."""
    table = TABLES.get(kind)
    out = []
    for key in values.columns:
        if SPECS[kind].column(key).type != "text" or table is None or key not in table.c:
            continue
        stored = values[key]
        reasons = nz.map_unique(
            stored.fillna(""), lambda v, c=table.c[key]: text_problem(v, c) if v else None
        )
        values[key] = stored.where(reasons.isna(), None)
        out.append(_problems(reasons.where(reasons.notna(), None), headers[key], data[key]))
    return out


def _locate_header(cells: pd.DataFrame, spec: Spec, result: Validation, problems: list) -> bool:
    table = _header_table(spec)
    best_row, best_count = None, 0
    for row_no in cells.index[:HEADER_SCAN_ROWS]:
        count = sum(1 for v in cells.loc[row_no] if table.get(header_key(v)) is not None)
        if count > best_count:
            best_row, best_count = row_no, count
    required = [c for c in spec.columns if c.required]
    if best_row is None or best_count < min(2, len(required)):
        expected = ", ".join(c.header for c in required)
        first = int(cells.index[0]) if len(cells) else 1
        problems.append(_one(first, "", "", Message("validation.no_header", expected=expected)))
        return False
    result.header_row = int(best_row)
    for pos, text in enumerate(cells.loc[best_row]):
        _map_header(result, table, pos, str(text).strip(), problems)
    for column in required:
        if column.key not in result.headers:
            problems.append(
                _one(result.header_row, column.header, "", Message("validation.required_missing"))
            )
    for key, needed in COLUMN_NEEDS.items():
        if key in result.headers and needed not in result.headers:
            reason = Message("validation.column_needed", column=spec.column(needed).header)
            problems.append(_one(result.header_row, result.headers[key], result.headers[key], reason))
    return not problems


def _map_header(result: Validation, table: dict, pos: int, text: str, problems: list) -> None:
    if not text:
        if result.raw.cells.iloc[:, pos].loc[lambda s: s.index > result.header_row].str.strip().ne("").any():
            result.ignored.append(f"({_letter(pos)})")
        return
    column = table.get(header_key(text))
    if column is None:
        result.ignored.append(text)
    elif column.key in result.headers:
        problems.append(
            _one(
                result.header_row,
                text,
                text,
                Message("validation.column_twice", other=result.headers[column.key]),
            )
        )
    else:
        result.headers[column.key] = text
        result.positions[column.key] = pos


def _letter(pos: int) -> str:
    name = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        name = chr(65 + rem) + name
    return name


def _read_column(
    engine: Engine, column: Column, text: pd.Series, lookups: Lookups, today: dt.date
) -> tuple[pd.Series, pd.Series]:
    blank = text.eq("")
    values, reasons = _parse(engine, column, text, lookups)
    if column.type == "date" and column.key not in FUTURE_ALLOWED:
        future = nz.map_unique(values, lambda d: d > today).astype(bool)
        reasons = nz.put(
            reasons, future & reasons.isna(), Message("validation.future_date", today=today.isoformat())
        )
    if column.mandatory:
        reasons = nz.put(reasons, blank, Message("validation.missing"))
    return values, reasons


def _parse(engine: Engine, column: Column, text: pd.Series, lookups: Lookups) -> nz.Checked:
    kind = column.type
    if kind == "text" or kind == "subcategory":
        # Free text is kept as written (Chinese punctuation stays full-width); only the ends are trimmed,
        # and the apostrophe our exports put before a would-be formula is taken off again.
        kept = text.where(~text.str.match(r"'[=+\-@]"), text.str[1:])
        return kept.astype(object).where(text.ne(""), None), nz.nones(text.index)
    if kind == "code":
        codes = nz.normalise_codes(text)
        reasons = nz.check_codes(codes, lookups.legacy_codes).where(text.ne(""), None)
        return codes.where(text.ne(""), None), _duplicates(codes, text.ne(""), reasons)
    if kind in ("enterprise", "inspector"):
        return _references(engine, kind, text)
    parsers = {
        "yesno": nz.parse_yes_no,
        "date": nz.parse_date,
        "int": nz.parse_int,
        "township": nz.make_matcher(lookups.townships, "township", lookups.strip_township),
        "sector": nz.make_matcher(lookups.sectors, "sector"),
        "department": nz.make_matcher(lookups.departments, "department", lookups.strip_department),
        "unit": nz.make_matcher(lookups.departments | lookups.townships, "unit", lookups.strip_unit),
        "status": nz.make_matcher(STATUSES, "operating status"),
        "result": nz.make_matcher(_labelled(RESULT_LABELS) | RESULT_ALIASES, "inspection result"),
        "milestone": nz.make_matcher(_labelled(MILESTONE_LABELS), "milestone"),
        "trace_event": nz.make_matcher(_labelled(TRACE_EVENT_LABELS), "traceability change"),
        "duty": nz.make_matcher(lookups.duties, "duty"),
        "elements": nz.make_list_parser(PLAN_ELEMENTS, "plan element"),
        "case_end": nz.make_matcher(_labelled({e: CASE_LABELS[e] for e in CASE_ENDINGS}), "case ending"),
        "severity": nz.make_matcher(_labelled(SEVERITY_LABELS), "alert severity"),
        "period": nz.parse_period,
        "money": nz.parse_money,
        "rate": nz.parse_rate,
    }
    return nz.per_unique(text, parsers[kind])


def _labelled(labels: dict[str, str]) -> dict[str, str]:
    return {label: code for code, label in labels.items()} | {code: code for code in labels}


def _duplicates(codes: pd.Series, filled: pd.Series, reasons: pd.Series) -> pd.Series:
    first_row = pd.Series(codes.index, index=codes.index).groupby(codes.to_numpy()).transform("min")
    repeated = filled & codes.duplicated(keep="first") & reasons.isna()
    said = pd.Series(
        [Message("validation.duplicate_code", first=int(row)) for row in first_row[repeated]],
        index=first_row.index[repeated],
        dtype=object,
    )
    return nz.put(reasons, repeated, said.reindex(reasons.index))


def _references(engine: Engine, kind: str, text: pd.Series) -> nz.Checked:
    if kind == "enterprise":
        known, what = load_codes(engine, m.Enterprise, "uscc"), Message("validation.no_enterprise")
        keys = nz.normalise_codes(text)
    else:
        known, what = load_codes(engine, m.Inspector, "cert_no"), Message("validation.no_inspector")
        keys = nz.map_unique(text, nz.squeeze)
    ids = keys.map(known)
    reasons = nz.put(nz.nones(text.index), ids.isna() & text.ne(""), what)
    return ids.astype(object).where(ids.notna(), None), reasons


def _problems(reasons: pd.Series, header: str, text: pd.Series) -> pd.DataFrame:
    bad = reasons.notna()
    return pd.DataFrame(
        {
            "row": reasons.index[bad],
            "column": header,
            "value": text[bad].to_numpy(),
            "reason": nz.reason_column(reasons[bad]),
        }
    )


def _one(row: int, column: str, value: str, reason: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"row": [row], "column": [column], "value": [value], "reason": nz.reason_column([reason])}
    )


def _sorted(problems: list[pd.DataFrame], order: dict[str, int]) -> pd.DataFrame:
    frames = [p for p in problems if len(p)]
    if not frames:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["_pos"] = out["column"].map(lambda h: order.get(h, -1))
    out = out.sort_values(["row", "_pos"], kind="stable").drop(columns="_pos").reset_index(drop=True)
    out["row"] = out["row"].astype(int)
    return out
