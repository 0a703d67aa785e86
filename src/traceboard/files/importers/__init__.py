"""The spreadsheets offices send: reading, checking, and the problems written back.

Reading (``reading.py``, within ``read_limits``) and checking (``validate.py``) happen
before anything is written; the use cases that check an upload and write it in one audited
transaction are ``services/imports.py``.
"""

from __future__ import annotations

import pandas as pd

from traceboard.files.importers.reading import RawSheet, UnreadableFile, list_sheets, read_sheet
from traceboard.files.importers.specs import KINDS, SPECS
from traceboard.files.importers.validate import ANNOTATION_KEYS, Validation, header_key
from traceboard.files.tables import to_xlsx_bytes
from traceboard.i18n import DEFAULT_LANGUAGE, translate, word


def _unique_headers(names: list[str]) -> list[str]:
    out: list[str] = []
    for i, name in enumerate(names):
        out.append(name if name and name not in out else f"{name}({i + 1})")
    return out


def annotated_rows(
    validation: Validation, lang: str = DEFAULT_LANGUAGE, *, typed_dates: bool = False
) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """The data rows as the file has them, with the row number first and the reasons last, and the
    faulty cells.

    Output: the table (one row per data row; headings of the two added columns and the reasons in
    ``lang``) and the (row position, column position) of each faulty cell in it (a problem of a
    missing column marks the reason cell). Columns of an earlier error workbook (行号, 错误原因 in
    either language) are left out, so a corrected error workbook comes back as the file it was.
    With ``typed_dates``, the cells of date columns that were read as dates hold the dates.
    """
    cells = validation.raw.cells
    header = _unique_headers([str(v).strip() for v in cells.loc[validation.header_row]])
    body = cells.loc[cells.index > validation.header_row].copy()
    body.columns = header
    added = [h for h in header if header_key(h) in ANNOTATION_KEYS]
    body = body.drop(columns=added)
    header = list(body.columns)
    if typed_dates:
        _type_dates(validation, body)
    problems = validation.problems
    worded = problems["reason"].map(lambda r: word(r, lang))
    reasons = worded.groupby(problems["row"]).agg("；".join)
    row_heading, reason_heading = (translate(f"validation.sheet.{k}", lang) for k in ("row", "reason"))
    body.insert(0, row_heading, body.index)
    body[reason_heading] = reasons.reindex(body.index).astype(object).fillna("").to_numpy()
    positions = {h: i + 1 for i, h in enumerate(header)}
    row_pos = {row: i for i, row in enumerate(body.index)}
    marks = [
        (row_pos[p.row], positions.get(p.column, len(header) + 1))
        for p in problems.itertuples()
        if p.row in row_pos
    ]
    return body.reset_index(drop=True), marks


def _type_dates(validation: Validation, body: pd.DataFrame) -> None:
    # A date the checker read is written back as a date; a cell it could not read stays as written.
    spec = SPECS[validation.kind]
    faulty = set(zip(validation.problems["row"], validation.problems["column"], strict=True))
    for key, heading in validation.headers.items():
        if spec.column(key).type != "date" or key not in validation.values or heading not in body:
            continue
        read = validation.values[key].reindex(body.index)
        keep = read.notna() & ~pd.Series([(row, heading) in faulty for row in body.index], index=body.index)
        body[heading] = body[heading].astype(object).where(~keep, read)


def problem_table(validation: Validation, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The problems with the file and sheet: 文件, 工作表, 行号, 列, 值, 问题 (headings and reasons in
    ``lang``)."""
    listing = validation.problems.assign(file=validation.raw.file, sheet=validation.raw.sheet)
    listing = listing[["file", "sheet", "row", "column", "value", "reason"]]
    listing["reason"] = listing["reason"].map(lambda r: word(r, lang))
    headings = ("file", "sheet_name", "row", "column", "value", "problem")
    listing.columns = [translate(f"validation.sheet.{c}", lang) for c in headings]
    return listing


def render_errors(validation: Validation, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """The file back as a workbook: faulty cells highlighted, a reasons column, and a list of problems,
    in ``lang``; dates the checker read are date cells, so the corrected workbook imports as it is."""
    listing = problem_table(validation, lang)
    problems_sheet = translate("validation.sheet.problems", lang)
    if validation.header_row is None:
        return to_xlsx_bytes({problems_sheet: listing})
    body, marks = annotated_rows(validation, lang, typed_dates=True)
    name = validation.raw.sheet or translate("validation.sheet.data", lang)
    return to_xlsx_bytes({name: body, problems_sheet: listing}, highlights={name: marks})


__all__ = [
    "KINDS",
    "SPECS",
    "RawSheet",
    "UnreadableFile",
    "Validation",
    "annotated_rows",
    "list_sheets",
    "problem_table",
    "read_sheet",
    "render_errors",
]
