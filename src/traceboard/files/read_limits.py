"""Limits on what the importers read, checked before a parser sees the file.

A spreadsheet is a zip of XML (or, for .xls, a binary compound file) that
declares its own size: one cell at XFD1048576 makes a reader allocate the
whole 16,384 × 1,048,576 grid, and a 50 KB zip can inflate to gigabytes. The
checks here look at what a file *claims* and at what it *holds* — declared
dimensions, the cells each sheet's XML really has, the uncompressed size of
every member (decompressed in small chunks, so a member that lies about its
size fails its checksum) — and refuse the file with a reason before the
reader allocates anything. CSV lines and fields are capped likewise.

The caps are generous for the registers offices send (the largest planned is
100,000 enterprises × 20 columns) and small enough that reading any file
under them fits in a few hundred megabytes.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from io import BytesIO

import numpy as np

MIB = 1024 * 1024
MAX_FILE_BYTES = 50 * MIB  # also Streamlit's upload limit (.streamlit/config.toml, server.maxUploadSize)
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELLS = 5_000_000  # rows × columns of the grid a sheet spans
MAX_CELL_CHARS = 32_767  # what an Excel cell can hold
MAX_LINE_BYTES = 1 * MIB  # one CSV line
MAX_UNCOMPRESSED_BYTES = 512 * MIB  # all members of a workbook together
MAX_ZIP_MEMBERS = 1_000
_CHUNK = 1 * MIB
_LINES_BLOCK = 16 * MIB  # bytes of CSV text searched for line breaks at a time
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,4})(\d{1,8})\"")
_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d{1,9})\"")
_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([A-Z]{1,4})?(\d{1,8})?(?::([A-Z]{1,4})(\d{1,8}))?\""
)
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")


class TooLarge(ValueError):
    """The file is past a cap; ``code`` names which (a message catalog key), ``params`` the numbers."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Caps:
    """The caps in force (tests and the help text read them from here)."""

    file_bytes: int = MAX_FILE_BYTES
    rows: int = MAX_ROWS
    columns: int = MAX_COLUMNS
    cells: int = MAX_CELLS
    cell_chars: int = MAX_CELL_CHARS
    line_bytes: int = MAX_LINE_BYTES
    uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES


CAPS = Caps()


def describe_caps(caps: Caps = CAPS) -> str:
    """The caps in one sentence, for ``import --help`` and the README."""
    return (
        f"Files up to {caps.file_bytes // MIB} MB; a sheet up to {caps.rows:,} rows, {caps.columns} columns "
        f"and {caps.cells:,} cells, {caps.uncompressed_bytes // MIB} MB uncompressed; a cell up to "
        f"{caps.cell_chars:,} characters, a CSV line up to {caps.line_bytes // MIB} MB."
    )


def caps_values(caps: Caps = CAPS) -> dict[str, int]:
    """The caps as the numbers :func:`describe_caps` says, for the help texts in other languages
    (``locales/zh/cli_help.toml``, ``import``'s epilog)."""
    return {
        "file_mb": caps.file_bytes // MIB,
        "rows": caps.rows,
        "columns": caps.columns,
        "cells": caps.cells,
        "uncompressed_mb": caps.uncompressed_bytes // MIB,
        "cell_chars": caps.cell_chars,
        "line_mb": caps.line_bytes // MIB,
    }


def check_file_size(size: int, caps: Caps = CAPS) -> None:
    if size > caps.file_bytes:
        raise TooLarge(
            "file_too_large",
            f"file of {size / MIB:.1f} MB is larger than {caps.file_bytes // MIB} MB",
            size_mb=round(size / MIB, 1),
            limit_mb=caps.file_bytes // MIB,
        )


def column_number(letters: bytes | str) -> int:
    """``A`` → 1, ``XFD`` → 16384."""
    number = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        number = number * 26 + ord(ch) - 64
    return number


def check_grid(rows: int, columns: int, where: str, caps: Caps = CAPS) -> None:
    """A sheet spanning ``rows`` × ``columns`` is within the caps (``where``: sheet, for the message)."""
    if rows > caps.rows:
        raise TooLarge(
            "too_many_rows", f"{where} spans {rows:,} rows; at most {caps.rows:,}", rows=rows, limit=caps.rows
        )
    if columns > caps.columns:
        raise TooLarge(
            "too_many_columns",
            f"{where} spans {columns:,} columns; at most {caps.columns}",
            columns=columns,
            limit=caps.columns,
        )
    if rows * columns > caps.cells:
        raise TooLarge(
            "too_many_cells",
            f"{where} spans {rows * columns:,} cells; at most {caps.cells:,}",
            cells=rows * columns,
            limit=caps.cells,
        )


def check_xlsx(content: bytes, caps: Caps = CAPS) -> None:
    """Refuse a workbook (.xlsx/.xlsm) past the caps, reading it in 1 MB chunks.

    Raises :class:`TooLarge`, or :class:`zipfile.BadZipFile` when the zip is
    broken (a member inflating past its declared size fails its checksum).
    """
    with zipfile.ZipFile(BytesIO(content)) as archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise TooLarge("too_many_parts", f"{len(members):,} parts in the workbook", parts=len(members))
        _check_uncompressed(sum(m.file_size for m in members), caps)
        total = 0
        for member in members:
            if member.is_dir():
                continue
            if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                total += _scan_sheet(archive, member, caps)
            else:
                total += _drain(archive, member)
            _check_uncompressed(total, caps)


def _check_uncompressed(total: int, caps: Caps) -> None:
    if total > caps.uncompressed_bytes:
        raise TooLarge(
            "too_large_uncompressed",
            f"more than {caps.uncompressed_bytes // MIB} MB uncompressed",
            limit_mb=caps.uncompressed_bytes // MIB,
        )


def _drain(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    size = 0
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
    return size


def _scan_sheet(archive: zipfile.ZipFile, member: zipfile.ZipInfo, caps: Caps) -> int:
    """The sheet's declared dimension and its real extent (last row, widest column, cell count)."""
    where = member.filename.rsplit("/", 1)[-1].removesuffix(".xml")
    size = cells = max_row = max_col = 0
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            # Keep the unfinished tag at the end for the next chunk, so no reference is split.
            cut = chunk.rfind(b"<")
            text, tail = tail + chunk[:cut] if cut >= 0 else tail + chunk, chunk[cut:] if cut >= 0 else b""
            if len(tail) > _CHUNK:
                raise TooLarge("malformed_sheet", f"{where}: a tag longer than 1 MB", sheet=where)
            if size <= _CHUNK:
                _check_dimension(text, where, caps)
            cells += len(_CELL_TAG.findall(text))
            refs = _CELL_REF.findall(text)
            if refs:
                max_col = max(max_col, max(column_number(c) for c in {c for c, _ in refs}))
                max_row = max(max_row, max(int(r) for r in {r for _, r in refs}))
            rows = _ROW_REF.findall(text)
            if rows:
                max_row = max(max_row, max(int(r) for r in rows))
            check_grid(max_row, max_col, where, caps)
            if cells > caps.cells:
                raise TooLarge(
                    "too_many_cells", f"{where} holds {cells:,} cells", cells=cells, limit=caps.cells
                )
    return size


def _check_dimension(head: bytes, where: str, caps: Caps) -> None:
    match = _DIMENSION.search(head)
    if not match or not match.group(4):
        return
    first_col, first_row, last_col, last_row = match.groups()
    rows = int(last_row) - int(first_row or 1) + 1
    columns = column_number(last_col) - column_number(first_col or b"A") + 1
    check_grid(rows, columns, where, caps)


def check_csv_lines(content: bytes, caps: Caps = CAPS) -> None:
    """Refuse CSV text with a line longer than the cap (bytes between line breaks, counted with numpy).

    The breaks are found a block at a time: a mask of the whole text would be one byte per byte
    of it (130 MB beside a day's 130 MB feed)."""
    data = np.frombuffer(content, dtype=np.uint8)
    breaks = np.concatenate(
        [
            np.flatnonzero(data[start : start + _LINES_BLOCK] == 10) + start
            for start in range(0, len(data), _LINES_BLOCK)
        ]
        or [np.zeros(0, dtype=np.intp)]
    )
    bounds = np.concatenate(([-1], breaks, [len(content)]))
    lengths = np.diff(bounds) - 1
    longest = int(lengths.argmax()) if len(lengths) else 0
    if len(lengths) and lengths[longest] > caps.line_bytes:
        raise TooLarge(
            "line_too_long",
            f"line {longest + 1} is {lengths[longest] / MIB:.1f} MB; at most {caps.line_bytes // MIB} MB",
            line=longest + 1,
            limit_mb=caps.line_bytes // MIB,
        )


def cell_too_long(line: int, caps: Caps = CAPS) -> TooLarge:
    return TooLarge(
        "cell_too_long",
        f"a cell on line {line} is longer than {caps.cell_chars:,} characters",
        line=line,
        limit=caps.cell_chars,
    )
