"""Tables as files people open: Excel workbooks and CSV that Excel shows in Chinese.

- CSV is UTF-8 with a BOM (Excel otherwise guesses GBK and shows mojibake);
- every text cell that begins with ``= + - @`` (or a tab / carriage return) is
  neutralised with a leading apostrophe, so a hostile enterprise name cannot
  become a formula (CSV/formula injection);
- workbooks have a bold, frozen header row, an autofilter and column widths
  fitted to the (CJK-wide) content.
"""

from __future__ import annotations

import io
import unicodedata

import pandas as pd

from traceboard.data.text_rules import printable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60


def neutralise_formula(value: object) -> object:
    """Text as a spreadsheet cell: control characters dropped (line breaks and tabs kept), and an
    apostrophe before text that a spreadsheet would read as a formula."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell and every header neutralised (the one path of every writer)."""
    out = frame.copy()
    out.columns = [neutralise_formula(c) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(neutralise_formula, na_action="ignore")
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with BOM, formulas neutralised, no index."""
    return _safe(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def display_width(text: object) -> int:
    """Columns a string occupies in a spreadsheet: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def to_xlsx_bytes(
    sheets: dict[str, pd.DataFrame],
    header_notes: dict[str, str] | None = None,
    *,
    highlights: dict[str, list[tuple[int, int]]] | None = None,
    choices: dict[str, dict[int, list[str]]] | None = None,
    choice_rows: int = 5000,
    dependent: dict[str, dict[int, tuple[int, dict[str, list[str]]]]] | None = None,
) -> bytes:
    """A workbook with one sheet per entry (sheet names as given, ≤ 31 characters).

    ``header_notes`` optionally puts a line of text above a sheet's table
    (e.g. "草稿 draft"), shifting the table down one row. ``highlights``
    marks cells (0-based data row, column) of a sheet in red (e.g. the faulty
    cells of an import). ``choices`` gives columns (by index) of a sheet a drop-down list
    (data validation) over their first ``choice_rows`` rows; the lists live on
    a hidden sheet, so they may be longer than Excel's 255-character limit. ``dependent`` gives a
    column a drop-down that depends on another column of the same row: ``{sheet: {column: (parent
    column, {parent value: choices})}}`` — one named range per parent value on the hidden sheet, and
    the list ``INDIRECT`` picks by the parent cell (works in Excel, WPS and LibreOffice).
    """
    buffer = io.BytesIO()
    # xlsxwriter would otherwise turn any string starting with "=" into a formula and URLs into links.
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        bold = writer.book.add_format({"bold": True, "bg_color": "#ECEFF1", "border": 1, "text_wrap": True})
        for name, frame in sheets.items():
            safe = _safe(frame)
            note = neutralise_formula((header_notes or {}).get(name))
            _write_sheet(writer, name[:31], safe, bold, note)
            _highlight(writer, name[:31], safe, (highlights or {}).get(name, []), 1 if note else 0)
        if choices or dependent:
            _add_choices(writer, choices or {}, 1, choice_rows, dependent or {})
    return buffer.getvalue()


def _highlight(writer, name: str, frame: pd.DataFrame, cells: list[tuple[int, int]], top: int) -> None:
    if not cells:
        return
    red = writer.book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
    sheet = writer.sheets[name]
    for row, col in cells:
        if row < len(frame) and col < len(frame.columns):
            value = frame.iat[row, col]
            sheet.write(top + 1 + row, col, "" if pd.isna(value) else value, red)


def _add_choices(writer, choices: dict[str, dict[int, list[str]]], top: int, rows: int, dependent) -> None:
    lists = writer.book.add_worksheet("_lists")
    lists.hide()
    slot = 0
    for name, columns in choices.items():
        sheet = writer.sheets[name[:31]]
        for col, values in columns.items():
            lists.write_column(0, slot, values)
            letter = _column_letter(slot)
            source = f"=_lists!${letter}$1:${letter}${len(values)}"
            sheet.data_validation(top, col, top + rows - 1, col, {"validate": "list", "source": source})
            slot += 1
    ranges = 0
    for name, columns in dependent.items():
        sheet = writer.sheets[name[:31]]
        for col, (parent, by_value) in columns.items():
            # The parent values in one column; each value's choices in a column of their own, named
            # _choices_<n> by the value's position (a name cannot hold every character a value may).
            keys = list(by_value)
            lists.write_column(0, slot, keys)
            key_range = f"_lists!${_column_letter(slot)}$1:${_column_letter(slot)}${len(keys)}"
            slot += 1
            first = ranges
            for values in by_value.values():
                ranges += 1
                letter = _column_letter(slot)
                lists.write_column(0, slot, values or [""])
                writer.book.define_name(
                    f"_choices_{ranges}", f"=_lists!${letter}$1:${letter}${max(1, len(values))}"
                )
                slot += 1
            cell = f"${_column_letter(parent)}{top + 1}"
            source = f'=INDIRECT("_choices_"&(MATCH({cell},{key_range},0)+{first}))'
            sheet.data_validation(
                top, col, top + rows - 1, col, {"validate": "list", "source": source, "ignore_blank": True}
            )


def _column_letter(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def _write_sheet(writer, name: str, frame: pd.DataFrame, header_format, note: str | None) -> None:
    top = 1 if note else 0
    frame.to_excel(writer, sheet_name=name, index=False, startrow=top)
    sheet = writer.sheets[name]
    if note:
        sheet.write_string(0, 0, note)
    for col, title in enumerate(frame.columns):
        sheet.write_string(top, col, str(neutralise_formula(title)), header_format)
        values = frame[title].head(2000).map(display_width)
        width = max([display_width(title), *values.tolist()]) if len(values) else display_width(title)
        sheet.set_column(col, col, min(MAX_WIDTH, width + 2))
    sheet.freeze_panes(top + 1, 0)
    if len(frame.columns):
        sheet.autofilter(top, 0, top + len(frame), len(frame.columns) - 1)
