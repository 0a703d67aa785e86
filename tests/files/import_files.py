"""Builders of the messy files offices send, made in the tests (no binary fixtures in the repo)."""

from __future__ import annotations

import csv
import io

import numpy as np
import xlsxwriter

from traceboard.data.uscc import generate_codes

HEADER = [
    "序号",
    "统一社会信用代码",
    "企业名称",
    "所属乡镇",
    "行业类别",
    "细分品类",
    "是否建立信息化追溯体系",
    "追溯体系建立日期",
    "是否接入追溯平台",
    "接入日期",
]


def codes(n: int, seed: int = 3) -> list[str]:
    """``n`` distinct valid credit codes of Xiangxiang."""
    return [str(c) for c in generate_codes(np.random.default_rng(seed), n, "430381", np.array(["91"] * n))]


def to_csv(rows: list[list[object]], encoding: str) -> bytes:
    """Rows as CSV in ``encoding`` (``utf-8-sig`` writes a BOM)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def to_xlsx(
    rows: list[list[object]], merges: list[tuple[int, int, int, int]] = (), sheet: str = "名录"
) -> bytes:
    """Rows as a workbook; ``merges`` are (first_row, first_col, last_row, last_col), 0-based,
    written with the value of their top-left cell as Excel does."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet(sheet)
    merged_cells = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (r, c) not in merged_cells and value not in (None, ""):
                ws.write(r, c, value)
    for r0, c0, r1, c1 in merges:
        ws.merge_range(r0, c0, r1, c1, rows[r0][c0])
    book.close()
    return buffer.getvalue()


def to_xls(
    rows: list[list[object]], merges: list[tuple[int, int, int, int]] = (), sheet: str = "名录"
) -> bytes:
    """Rows as an Excel 97-2003 workbook (.xls), merges as in :func:`to_xlsx`."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet)
    merged_cells = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (r, c) not in merged_cells and value not in (None, ""):
                ws.write(r, c, value)
    for r0, c0, r1, c1 in merges:
        ws.write_merge(r0, r1, c0, c1, rows[r0][c0])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
