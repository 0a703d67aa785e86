"""Reading files as text grids: encodings, title rows, merged cells, blank rows and columns."""

import datetime as dt
import io

import pytest
import xlsxwriter

from tests.files.import_files import to_csv, to_xls, to_xlsx
from traceboard.files.importers.reading import UnreadableFile, list_sheets, read_sheet

ROWS = [["企业名称", "所属乡镇"], ["湘乡市䶮记食品店", "山枣镇"]]


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 with BOM"), ("gbk", "GBK"), ("gb18030", "GB18030")],
)
def test_csv_encodings_are_detected_and_reported(encoding, reported):
    rows = ROWS if encoding != "gbk" else [ROWS[0], ["湘乡市龙城食品店", "山枣镇"]]  # 䶮 is not in GBK
    raw = read_sheet(to_csv(rows, encoding), "名录.csv")
    assert raw.encoding == reported
    assert raw.cells.loc[2].tolist() == rows[1]
    assert raw.sheet == "名录" and raw.file == "名录.csv"


def test_gb18030_only_characters_are_not_mistaken_for_gbk():
    data = to_csv(ROWS, "gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gbk")
    assert read_sheet(data, "x.csv").cells.loc[2, 0] == "湘乡市䶮记食品店"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00\x00", "x.csv: UTF-16 text is not supported; save as CSV UTF-8"),
        (b"\xef\xbb\xbf\xff\xfe", "x.csv: UTF-8 BOM but invalid UTF-8 at byte 3"),
        (b"name\n\xff\xff\xff", "x.csv: not UTF-8, GBK or GB18030 text; save it as CSV UTF-8"),
    ],
)
def test_undecodable_csv_is_unreadable(content, message):
    with pytest.raises(UnreadableFile) as info:
        read_sheet(content, "x.csv")
    assert str(info.value) == message


def test_csv_rows_keep_spreadsheet_numbers_and_drop_trailing_blanks():
    rows = [["湘乡市企业名录"], [], ["a", "b", "", ""], ["1", "2", "", ""], ["", "", "", ""], [""]]
    cells = read_sheet(to_csv(rows, "utf-8"), "x.csv").cells
    assert cells.index.tolist() == [1, 3, 4]
    assert cells.shape[1] == 2
    assert cells.loc[4].tolist() == ["1", "2"]


@pytest.mark.parametrize(("suffix", "build"), [("xlsx", to_xlsx), ("xls", to_xls)])
def test_workbook_cells_as_text_with_title_rows_and_merged_cells(suffix, build):
    rows = [
        ["湘乡市重要产品追溯企业名录", None, None],
        [None, None, None],
        ["序号", "所属乡镇", "登记日期"],
        [1, "山枣镇", 43164],
        [2, None, "2018/3/5"],
        [3.5, None, None],
    ]
    content = build(rows, merges=[(0, 0, 0, 2), (3, 1, 5, 1)])
    cells = read_sheet(content, f"名录.{suffix}").cells
    assert cells.index.tolist() == [1, 3, 4, 5, 6]
    assert cells.loc[1].tolist() == ["湘乡市重要产品追溯企业名录"] * 3
    assert cells.loc[4].tolist() == ["1", "山枣镇", "43164"]
    assert cells.loc[5].tolist() == ["2", "山枣镇", "2018/3/5"]
    assert cells.loc[6].tolist() == ["3.5", "山枣镇", ""]


def test_workbook_dates_booleans_and_sheet_choice():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("说明").write(0, 0, "见第二张表")
    ws = book.add_worksheet("名录")
    ws.write_datetime(0, 0, dt.datetime(2018, 3, 5), book.add_format({"num_format": "yyyy年m月d日"}))
    ws.write_boolean(0, 1, True)
    ws.write_number(0, 2, 91430381)
    book.close()
    content = buffer.getvalue()
    assert list_sheets(content, "a.xlsx") == ["说明", "名录"]
    raw = read_sheet(content, "a.xlsx", "名录")
    assert raw.cells.loc[1].tolist() == ["2018-03-05", "TRUE", "91430381"]
    assert read_sheet(content, "a.xlsx").sheet == "说明"
    with pytest.raises(UnreadableFile, match=r"a\.xlsx: no sheet '企业'; sheets: 说明, 名录"):
        read_sheet(content, "a.xlsx", "企业")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"PK\x03\x04 not really a zip", "a.xlsx", "a.xlsx: not a readable workbook"),
        (b"\xd0\xcf\x11\xe0 broken", "a.xls", "a.xls: not a readable workbook"),
        (b"%PDF-1.4", "a.pdf", "a.pdf: unsupported file type; send .xlsx, .xls or .csv"),
    ],
)
def test_unreadable_files(content, name, message):
    with pytest.raises(UnreadableFile) as info:
        read_sheet(content, name)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_csv_delimiter_is_whatever_the_file_uses(delimiter):
    text = "\r\n".join(
        delimiter.join(row) for row in [["企业名称", "所属乡镇", "行业类别"], ["甲,乙合伙", "山枣镇", "食品"]]
    )
    if delimiter == ",":
        text = text.replace("甲,乙合伙", '"甲,乙合伙"')
    cells = read_sheet(text.encode("utf-8"), "a.csv").cells
    assert cells.loc[2].tolist() == ["甲,乙合伙", "山枣镇", "食品"]
