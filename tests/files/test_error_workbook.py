"""The error workbook: in the reader's language, dates as dates, and — corrected — importable as it is."""

import datetime as dt
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.files.import_files import HEADER, codes, to_xlsx
from tests.files.test_import_register import TODAY, error_rows
from traceboard.accounts.authz import Actor
from traceboard.data import models as m
from traceboard.i18n import Message
from traceboard.services.imports import annotated_rows, check_upload, import_validated, render_errors

OFFICE = Actor("office1", "office")


def count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(m.Enterprise))


def test_the_error_workbook_speaks_the_readers_language(engine):
    validation = check_upload(engine, "enterprises", to_xlsx(error_rows()), "名录.xlsx", today=TODAY)
    zh = load_workbook(io.BytesIO(render_errors(validation, "zh")))
    en = load_workbook(io.BytesIO(render_errors(validation, "en")))
    assert zh.sheetnames == ["名录", "问题清单"] and en.sheetnames == ["名录", "Problems"]
    reasons_zh = [r[-1] for r in zh["名录"].iter_rows(min_row=2, values_only=True)]
    assert (
        "细分品类“蔬菜”属于食用农产品，不属于食品；应填“是”或“否”（是/否、Y/N、√/×、1/0、有/无）；日期晚于今天（2026-06-01）"
        in reasons_zh
    )
    assert "校验位（第 18 位）应为“U”" in reasons_zh
    listing = list(zh["问题清单"].values)
    assert listing[0] == ("文件", "工作表", "行号", "列", "值", "问题")
    assert all(not reason.isascii() for *_, reason in listing[1:])
    assert next(iter(en["Problems"].values)) == ("File", "Sheet", "Row", "Column", "Value", "Problem")
    assert "check character should be 'U'" in [
        r[-1] for r in en["名录"].iter_rows(min_row=2, values_only=True)
    ]


def test_dates_the_checker_read_are_date_cells(engine):
    validation = check_upload(engine, "enterprises", to_xlsx(error_rows()), "名录.xlsx", today=TODAY)
    sheet = load_workbook(io.BytesIO(render_errors(validation, "zh")))["名录"]
    header = [c.value for c in sheet[1]]
    adopted_on = header.index("追溯体系建立日期")
    first = sheet.cell(row=2, column=adopted_on + 1)  # 甲: 2018-03-05, read fine
    assert first.is_date and first.value.date() == dt.date(2018, 3, 5)
    assert first.number_format.lower().startswith("yyyy")
    impossible = sheet.cell(row=7, column=adopted_on + 1)  # 己: 2018-02-30 stays as written
    assert impossible.value == "2018-02-30" and not impossible.is_date


def fix(sheet, header: list[str]) -> None:
    """Correct every faulty cell of error_rows() as an office would, in the downloaded workbook."""
    col = {h: i + 1 for i, h in enumerate(header)}
    fresh = codes(20, seed=11)
    for row in sheet.iter_rows(min_row=2):
        line = {h: c for h, c in zip(header, row, strict=True)}
        if not line["错误原因"].value:
            continue
        n = line["序号"].value
        sheet.cell(row=line["行号"].row, column=col["统一社会信用代码"]).value = fresh[int(n)]
        fixes = {
            4: {"所属乡镇": "山枣镇"},
            5: {"行业类别": "食品", "细分品类": "白酒"},
            6: {"追溯体系建立日期": dt.date(2018, 2, 28)},
            7: {"追溯体系建立日期": dt.date(2019, 5, 1)},
            8: {"是否接入追溯平台": "否", "接入日期": None},
            9: {"企业名称": "癸"},
            10: {"细分品类": "白酒", "是否建立信息化追溯体系": "否", "接入日期": None},
        }
        for heading, value in fixes.get(int(n), {}).items():
            sheet.cell(row=line["行号"].row, column=col[heading]).value = value


def test_a_corrected_error_workbook_imports(engine):
    bad = check_upload(engine, "enterprises", to_xlsx(error_rows()), "名录.xlsx", today=TODAY)
    assert len(bad.problems) == 11
    assert all(isinstance(r, Message) for r in bad.problems["reason"])  # each can be worded again
    book = load_workbook(io.BytesIO(render_errors(bad, "zh")))
    sheet = book["名录"]
    header = [c.value for c in sheet[1]]
    assert header == ["行号", *HEADER, "错误原因"]
    fix(sheet, header)
    out = io.BytesIO()
    book.save(out)
    again = check_upload(engine, "enterprises", out.getvalue(), "名录-问题.xlsx", today=TODAY)
    assert again.lines() == []
    assert again.ignored == ["行号", "序号", "错误原因"]  # said on the page, like any column not imported
    table, marks = annotated_rows(again, "zh")
    assert list(table.columns) == ["行号", *HEADER, "错误原因"] and marks == []
    summary = import_validated(engine, OFFICE, again)
    assert summary.counts["added"] == 10 and count(engine) == 10


def test_an_uncorrected_error_workbook_shows_the_same_problems(engine):
    bad = check_upload(engine, "enterprises", to_xlsx(error_rows()), "名录.xlsx", today=TODAY)
    again = check_upload(engine, "enterprises", render_errors(bad, "en"), "名录-problems.xlsx", today=TODAY)

    # The same problems, on the rows of the file uploaded now (the workbook drops the title rows).
    def said(v):
        return [(p.column, p.value, p.reason.code) for p in v.problems.itertuples()]

    assert said(again) == said(bad)
    assert (again.problems["row"] == bad.problems["row"] - 2).all()
    table, _ = annotated_rows(again, "en")
    assert list(table.columns) == ["Row", *HEADER, "Errors"]
    assert count(engine) == 0
