"""Readers that cannot be exhausted: files past the caps are refused before a parser allocates anything."""

import io
import subprocess
import sys
import textwrap
import zipfile

import pytest
import xlsxwriter

from tests.files.import_files import to_csv
from traceboard.cli.main import main
from traceboard.files.importers.reading import UnreadableFile, list_sheets, read_sheet
from traceboard.files.read_limits import CAPS, MIB, Caps, TooLarge, check_xlsx

HEADER = ["统一社会信用代码", "企业名称", "所属乡镇", "行业类别"]


def bomb_xlsx() -> bytes:
    """A header row and one cell at XFD1048576: under 2 KB, a 16,384 × 1,048,576 grid to a naive reader."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("名录")
    sheet.write_row(0, 0, HEADER)
    sheet.write(1_048_575, 16_383, "x")
    book.close()
    return buffer.getvalue()


def rewritten(content: bytes, member: str, old: bytes, new: bytes) -> bytes:
    """The workbook with one member's text replaced (e.g. a dimension that lies)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, data.replace(old, new) if info.filename == member else data)
    return out.getvalue()


CHILD = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))
from traceboard.files.importers.reading import UnreadableFile, read_sheet
content = open(sys.argv[1], "rb").read()
start = time.perf_counter()
try:
    read_sheet(content, "bomb.xlsx")
except UnreadableFile as exc:
    print(exc.code, exc, sep="|")
print(f"{time.perf_counter() - start:.3f}s", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "MB")
"""


def test_bomb_workbook_is_refused_in_a_process_with_little_memory(tmp_path):
    # In a child under a 1.5 GB address-space limit: before the caps, the reader aborted the process.
    content = bomb_xlsx()
    assert len(content) < 8000
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(content)
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHILD), str(path)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert lines[0].startswith("too_many_rows|bomb.xlsx: cannot be read: ")
    assert "1,048,576 rows" in lines[0]


def test_bomb_workbook_exits_2_on_the_command_line(tmp_path, capsys):
    # Refused before the database is opened: no database fixture needed.
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb_xlsx())
    assert main(["import", "enterprises", str(path), "--dry-run"]) == 2
    assert capsys.readouterr().err.startswith("traceboard: bomb.xlsx: cannot be read: ")


def test_a_dimension_that_lies_does_not_hide_the_real_extent():
    content = rewritten(bomb_xlsx(), "xl/worksheets/sheet1.xml", b'ref="A1:XFD1048576"', b'ref="A1:D2"')
    with pytest.raises(UnreadableFile) as caught:
        list_sheets(content, "lie.xlsx")
    assert caught.value.code == "too_many_rows"


def test_declared_dimension_alone_is_refused():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("名录").write_row(0, 0, HEADER)
    book.close()
    content = rewritten(buffer.getvalue(), "xl/worksheets/sheet1.xml", b'ref="A1:D1"', b'ref="A1:ZZ9000"')
    with pytest.raises(UnreadableFile) as caught:
        read_sheet(content, "wide.xlsx")
    assert caught.value.code == "too_many_columns"


def test_uncompressed_size_is_capped_member_by_member():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b"a" * (3 * MIB) + b"</sst>")
    assert len(buffer.getvalue()) < 20_000
    with pytest.raises(TooLarge) as caught:
        check_xlsx(buffer.getvalue(), Caps(uncompressed_bytes=2 * MIB))
    assert caught.value.code == "too_large_uncompressed"


def test_xls_past_the_grid_caps_is_refused():
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名录")
    for col, title in enumerate(HEADER):
        sheet.write(0, col, title)
    sheet.write(65_535, 149, "x")  # 65,536 rows × 150 columns: under each cap, past their product
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(UnreadableFile) as caught:
        read_sheet(buffer.getvalue(), "a.xls")
    assert caught.value.code == "too_many_cells"


@pytest.mark.parametrize(
    ("cell", "code"),
    [("x" * 200_000, "cell_too_long"), ("x" * 40_000, "cell_too_long"), ("y" * (MIB + 10), "line_too_long")],
)
def test_csv_fields_and_lines_are_capped(tmp_path, capsys, cell, code):
    content = to_csv([HEADER, ["91430111MA4L41YT1U", cell, "山枣镇", "食品"]], "utf-8")
    with pytest.raises(UnreadableFile) as caught:
        read_sheet(content, "a.csv")
    assert caught.value.code == code
    path = tmp_path / "a.csv"
    path.write_bytes(content)
    assert main(["import", "enterprises", str(path), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("traceboard: a.csv: cannot be read: ") and len(err.splitlines()) == 1


def test_a_file_past_the_size_cap_is_refused_before_it_is_read(tmp_path, capsys):
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.truncate(200 * MIB)  # sparse: 200 MB that cost nothing to make
    assert main(["import", "enterprises", str(path), "--dry-run"]) == 2
    assert "larger than 50 MB" in capsys.readouterr().err


def test_the_caps_are_stated_in_the_help_and_match_the_upload_limit(capsys):
    import tomllib
    from pathlib import Path

    assert main(["import", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"{CAPS.file_bytes // MIB} MB" in help_text and f"{CAPS.rows:,} rows" in help_text
    config = tomllib.loads((Path(__file__).parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == CAPS.file_bytes // MIB


def test_a_platform_feed_meets_the_same_caps():
    from traceboard.files.platform_feed import UnreadableFeed, read_feed

    with pytest.raises(UnreadableFeed, match=r"^feed.jsonl: cannot be read: line 1 is 2\.0 MB"):
        read_feed(b'{"x": "' + b"y" * (2 * MIB) + b'"}\n', "feed.jsonl")
