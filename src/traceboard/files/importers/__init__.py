"""The spreadsheets offices send: reading, checking, and the problems written back.

Reading (``reading.py``, within ``read_limits``) and checking (``validate.py``) happen
before anything is written; the use cases that check an upload and write it in one audited
transaction are ``services/imports.py``.
"""

from __future__ import annotations

import pandas as pd

from traceboard.files.importers.reading import RawSheet, UnreadableFile, list_sheets, read_sheet
from traceboard.files.importers.specs import KINDS, SPECS
from traceboard.files.importers.validate import Validation
from traceboard.files.tables import to_xlsx_bytes


def _unique_headers(names: list[str]) -> list[str]:
    out: list[str] = []
    for i, name in enumerate(names):
        out.append(name if name and name not in out else f"{name}({i + 1})")
    return out


def annotated_rows(validation: Validation) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """The data rows as the file has them, with 行号 first and 错误原因 last, and the faulty cells.

    Output: the table (one row per data row) and the (row position, column position) of each
    faulty cell in it (a problem of a missing column marks the 错误原因 cell).
    """
    cells = validation.raw.cells
    header = _unique_headers([str(v).strip() for v in cells.loc[validation.header_row]])
    body = cells.loc[cells.index > validation.header_row].copy()
    body.columns = header
    problems = validation.problems
    reasons = problems.groupby("row")["reason"].agg("；".join)
    body.insert(0, "行号", body.index)
    body["错误原因"] = reasons.reindex(body.index).astype(object).fillna("").to_numpy()
    positions = {h: i + 1 for i, h in enumerate(header)}
    row_pos = {row: i for i, row in enumerate(body.index)}
    marks = [
        (row_pos[p.row], positions.get(p.column, len(header) + 1))
        for p in problems.itertuples()
        if p.row in row_pos
    ]
    return body.reset_index(drop=True), marks


def problem_table(validation: Validation) -> pd.DataFrame:
    """The problems with the file and sheet: 文件, 工作表, 行号, 列, 值, 问题."""
    listing = validation.problems.assign(file=validation.raw.file, sheet=validation.raw.sheet)
    listing = listing[["file", "sheet", "row", "column", "value", "reason"]]
    listing.columns = ["文件", "工作表", "行号", "列", "值", "问题"]
    return listing


def render_errors(validation: Validation) -> bytes:
    """The file back as a workbook: faulty cells highlighted, a 错误原因 column, and a list of problems."""
    listing = problem_table(validation)
    if validation.header_row is None:
        return to_xlsx_bytes({"问题清单": listing})
    body, marks = annotated_rows(validation)
    name = validation.raw.sheet or "数据"
    return to_xlsx_bytes({name: body, "问题清单": listing}, highlights={name: marks})


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
