"""Files of the random checks: check lists (Excel, printable PDF 检查任务单) and the results file.

Input tables come from ``traceboard.sampling.results`` (Chinese headers already);
this module only lays them out as bytes.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

import pandas as pd

from traceboard.files.pdf import new_pdf
from traceboard.files.tables import to_csv_bytes, to_xlsx_bytes

CHECKLIST_TITLE = "双随机抽查检查任务单"
RESULTS_TITLE = "双随机抽查检查结果公示"
STYLE = (
    'body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em}'
    "table{border-collapse:collapse}th,td{border:1px solid #90a4ae;padding:4px 8px;font-size:14px}"
    "th{background:#eceff1}"
)
PDF_WIDTHS = {
    "序号": 10,
    "企业名称": 48,
    "统一社会信用代码": 38,
    "乡镇（街道）": 24,
    "行业": 22,
    "检查截止日期": 26,
}


def checklist_xlsx(department: str, by_pair: dict[str, pd.DataFrame], everything: pd.DataFrame) -> bytes:
    """A workbook: the department's whole list first, then one sheet per inspector pair."""
    sheets = {"全部": everything}
    for i, (pair, table) in enumerate(by_pair.items(), start=1):
        sheets[f"{i:02d} {pair}"[:31]] = table
    notes = {name: f"{department} {CHECKLIST_TITLE}" for name in sheets}
    return to_xlsx_bytes(sheets, header_notes=notes)


def checklist_pdf(department: str, by_pair: dict[str, pd.DataFrame], info: dict[str, str]) -> bytes:
    """One printable page (or more) per inspector pair, with the check items and the draw's details."""
    pdf = new_pdf(f"{department} {CHECKLIST_TITLE}")
    for pair, table in by_pair.items():
        pdf.add_page()
        pdf.set_font("cjk", "B", 15)
        pdf.cell(0, 10, CHECKLIST_TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", "", 10)
        for label, value in {"检查部门": department, "检查人员": pair, **info}.items():
            pdf.multi_cell(0, 6, f"{label}：{value}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        _pdf_table(pdf, table)
        pdf.ln(4)
        pdf.cell(0, 8, "检查人员签字：____________    ____________        企业负责人签字：____________")
    return bytes(pdf.output())


def _pdf_table(pdf, table: pd.DataFrame) -> None:
    columns = [c for c in PDF_WIDTHS if c in table.columns]
    pdf.set_font("cjk", "B", 9)
    for column in columns:
        pdf.cell(PDF_WIDTHS[column], 7, column, border=1, align="C")
    pdf.ln()
    pdf.set_font("cjk", "", 8)
    for row in table[columns].itertuples(index=False):
        for column, value in zip(columns, row, strict=True):
            text = "" if pd.isna(value) else str(value)
            pdf.cell(PDF_WIDTHS[column], 7, text[:26], border=1)
        pdf.ln()


def results_csv(table: pd.DataFrame) -> bytes:
    return to_csv_bytes(table)


def results_json(table: pd.DataFrame, title: str, generated_at: dt.datetime) -> bytes:
    """``{"title", "generated_at", "columns", "rows"}`` (dates as ISO strings), UTF-8."""
    rows = [
        [None if pd.isna(v) else (v.isoformat() if hasattr(v, "isoformat") else v) for v in r]
        for r in table.itertuples(index=False)
    ]
    payload = {
        "title": title,
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "columns": list(table.columns),
        "rows": rows,
    }
    return (json.dumps(payload, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def results_html(table: pd.DataFrame, title: str, generated_at: dt.datetime) -> bytes:
    """A self-contained page to post: the title, the date and the table, every value escaped."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{'' if pd.isna(v) else html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in table.itertuples(index=False)
    )
    page = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{STYLE}</style>
</head><body><h1>{html.escape(title)}</h1>
<p>生成时间：{generated_at.isoformat(timespec="seconds")}　共 {len(table)} 条</p>
<table><thead><tr>{head}</tr></thead><tbody>
{body}
</tbody></table></body></html>
"""
    return page.encode("utf-8")


VERIFIER = Path(__file__).resolve().parents[1] / "sampling" / "verify_manifest.py"


def verifier_source() -> bytes:
    """The standalone verifier, to publish beside the manifest (standard-library Python only).

    Read as a file, not imported: data/ does not import the domain packages above it.
    """
    return VERIFIER.read_bytes()
