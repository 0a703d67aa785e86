"""Reading the spreadsheets offices send: .xlsx, .xls and .csv, as a grid of text.

Every cell becomes stripped text the way the sender sees it (integers without ``.0``,
dates as ``YYYY-MM-DD``), so that one normalisation path serves all formats.
Row numbers are kept as the spreadsheet shows them (1-based, title rows
counted). Merged cells are filled with their top-left value, as a reader of
the sheet understands them.

CSV encodings are detected, not guessed: a UTF-8 BOM, else strict UTF-8, else
strict GBK, else strict GB18030 — the first that decodes the whole file wins
and is reported; a file none of them decodes is unreadable.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook

from traceboard.files.read_limits import (
    CAPS,
    TooLarge,
    cell_too_long,
    check_csv_lines,
    check_file_size,
    check_grid,
    check_xlsx,
)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_ENCODINGS = (("utf-8", "UTF-8"), ("gbk", "GBK"), ("gb18030", "GB18030"))


class UnreadableFile(ValueError):
    """The file cannot be read at all (wrong format, corrupt, unknown encoding, missing sheet, too large).

    ``code`` and ``params`` let a page word the reason in its language (``files.<code>`` in the
    message catalogs); the text of the exception is the English message the command line prints.
    """

    def __init__(self, message: str, code: str = "unreadable", **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params

    def __reduce__(self):  # across processes (the dashboard parses uploads in a child) with code and params
        return (_unreadable, (str(self), self.code, self.params))

    @classmethod
    def too_large(cls, filename: str, exc: TooLarge) -> UnreadableFile:
        return cls(f"{filename}: cannot be read: {exc}", exc.code, file=filename, **exc.params)


def _unreadable(message: str, code: str, params: dict) -> UnreadableFile:
    return UnreadableFile(message, code, **params)


@dataclass(frozen=True)
class RawSheet:
    """A sheet as text: ``cells`` has one row per spreadsheet row (index = row number, 1-based).

    ``encoding`` is the detected CSV encoding (None for workbooks).
    """

    file: str
    sheet: str
    cells: pd.DataFrame
    encoding: str | None = None


def cell_text(value: object) -> str:
    """A cell value as the text its sender typed or saw (spaces around it removed)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return str(value)


def list_sheets(content: bytes, filename: str) -> list[str]:
    """Sheet names of a workbook (a CSV file has one, named after the file)."""
    if not _is_workbook(filename):
        return [PurePath(filename).stem]
    return _open_workbook(content, filename).sheet_names


def check_limits(content: bytes, filename: str) -> None:
    """Refuse a file past the caps of :mod:`traceboard.files.read_limits` before any parser reads it."""
    try:
        check_file_size(len(content))
        suffix = PurePath(filename).suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            check_xlsx(content)
        elif not _is_workbook(filename):
            check_csv_lines(content)
    except TooLarge as exc:
        raise UnreadableFile.too_large(filename, exc) from None
    except (zipfile.BadZipFile, EOFError, NotImplementedError) as exc:
        raise UnreadableFile(
            f"{filename}: not a readable workbook ({exc})", "not_workbook", file=filename, reason=str(exc)
        ) from None


def read_sheet(content: bytes, filename: str, sheet: str | None = None) -> RawSheet:
    """Read one sheet (the first by default) of a workbook, or a CSV file, as text cells."""
    if _is_workbook(filename):
        return _read_workbook(content, filename, sheet)
    if PurePath(filename).suffix.lower() not in (".csv", ".txt"):
        raise UnreadableFile(
            f"{filename}: unsupported file type; send .xlsx, .xls or .csv", "unsupported_type", file=filename
        )
    check_limits(content, filename)
    text, encoding = decode_csv(content, filename)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        rows = [[v.strip() for v in row] for row in reader]
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise UnreadableFile.too_large(filename, cell_too_long(reader.line_num)) from None
        raise UnreadableFile(
            f"{filename}: cannot be read: line {reader.line_num}: {exc}",
            "csv_line",
            file=filename,
            line=reader.line_num,
            reason=str(exc),
        ) from None
    for number, row in enumerate(rows, start=1):
        if any(len(v) > CAPS.cell_chars for v in row):
            raise UnreadableFile.too_large(filename, cell_too_long(number))
    return RawSheet(PurePath(filename).name, PurePath(filename).stem, _grid(rows, 0), encoding)


def decode_csv(content: bytes, filename: str) -> tuple[str, str]:
    """The text of a CSV file and the name of its encoding."""
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content[3:].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                f"{filename}: UTF-8 BOM but invalid UTF-8 at byte {exc.start + 3}",
                "bad_utf8",
                file=filename,
                byte=exc.start + 3,
            ) from None
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(
            f"{filename}: UTF-16 text is not supported; save as CSV UTF-8", "utf16", file=filename
        )
    for codec, label in CSV_ENCODINGS:
        try:
            return content.decode(codec), label
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        f"{filename}: not UTF-8, GBK or GB18030 text; save it as CSV UTF-8", "unknown_encoding", file=filename
    )


def _delimiter(text: str) -> str:
    # Excel saves "CSV" with commas, "Unicode text" with tabs, and some locales with semicolons.
    head = text[:4096]
    return max((",", "\t", ";"), key=lambda d: (head.count(d), d == ","))


def _is_workbook(filename: str) -> bool:
    return PurePath(filename).suffix.lower() in WORKBOOK_SUFFIXES


def _open_workbook(content: bytes, filename: str) -> CalamineWorkbook:
    check_limits(content, filename)
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(content))
    except (CalamineError, ValueError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnreadableFile(
            f"{filename}: not a readable workbook ({reason})", "not_workbook", file=filename, reason=reason
        ) from None


def _read_workbook(content: bytes, filename: str, sheet: str | None) -> RawSheet:
    book = _open_workbook(content, filename)
    names = book.sheet_names
    if sheet is not None and sheet not in names:
        raise UnreadableFile(
            f"{filename}: no sheet {sheet!r}; sheets: {', '.join(names)}",
            "no_sheet",
            file=filename,
            sheet=sheet,
            sheets=", ".join(names),
        )
    name = sheet if sheet is not None else names[0]
    try:
        data = book.get_sheet_by_name(name)
        check_grid(data.height, data.width, name)
        rows = data.to_python(skip_empty_area=False)
        merged = data.merged_cell_ranges or []
    except TooLarge as exc:
        raise UnreadableFile.too_large(filename, exc) from None
    except (CalamineError, ValueError) as exc:
        raise UnreadableFile(
            f"{filename}: sheet {name!r} cannot be read ({exc})",
            "sheet_unreadable",
            file=filename,
            sheet=name,
            reason=str(exc),
        ) from None
    rows = [[v.strip() if type(v) is str else cell_text(v) for v in row] for row in rows]
    _fill_merged(rows, merged)
    return RawSheet(PurePath(filename).name, name, _grid(rows, 0))


def _fill_merged(rows: list[list[str]], merged: list) -> None:
    # A merged block shows its top-left value in every cell it covers.
    for (top, left), (bottom, right) in merged:
        if top >= len(rows):
            continue
        value = rows[top][left] if left < len(rows[top]) else ""
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            for c in range(left, min(right, len(rows[r]) - 1) + 1):
                rows[r][c] = value


def _grid(rows: list[list[str]], first: int) -> pd.DataFrame:
    """Stripped rows as a frame of text indexed by spreadsheet row number, blank rows and
    trailing blank columns removed (blank rows carry nothing)."""
    width = max((len(r) for r in rows), default=0)
    numbers = [n for n, row in enumerate(rows, start=first + 1) if any(row)]
    kept = [r + [""] * (width - len(r)) for r in rows if any(r)]
    frame = pd.DataFrame(kept, index=numbers, columns=range(width), dtype=object)
    while width and not frame[width - 1].astype(bool).any():
        width -= 1
    return frame.iloc[:, :width]
