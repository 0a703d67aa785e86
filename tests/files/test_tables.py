import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from traceboard.files.tables import display_width, neutralise_formula, to_csv_bytes, to_xlsx_bytes


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("湘乡市=公司", "湘乡市=公司"),
        (12, 12),
        (None, None),
    ],
)
def test_neutralise_formula(value, safe):
    assert neutralise_formula(value) == safe


def test_csv_has_bom_and_neutralised_cells():
    frame = pd.DataFrame({"企业名称": ["=cmd|' /C calc'!A0", "湘乡市龙城肉类食品有限公司"], "数量": [1, 2]})
    data = to_csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines() == ["企业名称,数量", "'=cmd|' /C calc'!A0,1", "湘乡市龙城肉类食品有限公司,2"]


def test_xlsx_has_frozen_chinese_header_and_widths():
    frame = pd.DataFrame({"统一社会信用代码": ["91430111MA4L41YT1U"], "企业名称": ["@危险名称"]})
    book = load_workbook(io.BytesIO(to_xlsx_bytes({"企业名录": frame}, header_notes={"企业名录": "草稿"})))
    sheet = book["企业名录"]
    assert sheet["A1"].value == "草稿"
    assert [c.value for c in sheet[2]] == ["统一社会信用代码", "企业名称"]
    assert sheet["B3"].value == "'@危险名称"
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["A"].width >= display_width("统一社会信用代码")


def test_no_cell_of_a_written_workbook_is_a_formula_headers_and_notes_included():
    import openpyxl

    hostile = '=HYPERLINK("http://host/x","修正")'
    frame = pd.DataFrame({hostile: [hostile, "+1+1"], "名称": ["@SUM(A1)", "-2"]})
    content = to_xlsx_bytes({"表": frame}, header_notes={"表": hostile}, highlights={"表": [(0, 0), (1, 1)]})
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert len(cells) == 7
    assert all(cell.data_type != "f" for cell in cells)
    assert not any(str(cell.value).startswith(("=", "+", "-", "@")) for cell in cells)
