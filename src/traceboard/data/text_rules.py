"""One rule for text that enters the record, by whatever way: imports, forms, the command line.

The schema is the rule: a ``String(n)`` column holds at most ``n`` characters and
one line; a ``Text`` column any length and line breaks. No text holds NUL or
another C0 control character (ESC, BEL, VT …: they corrupt XML feeds and
terminals, and PostgreSQL refuses NUL while SQLite stores it). Both databases
count characters, so the verdict — and ``--dry-run``'s — is the same on both.

Imports check whole columns before writing (``text_problem``); every ORM write
is checked at flush (``TextRejected``), so a form or a command cannot slip past.
"""

from __future__ import annotations

import re

from sqlalchemy import Column, String, Text, event
from sqlalchemy.orm import Session

from traceboard.i18n import Message

_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROLS_AND_BREAKS = re.compile(r"[\x00-\x1f\x7f]")
_OUTPUT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TextRejected(ValueError):
    """Text that the schema does not allow (message names the field and why)."""


def max_length(column: Column) -> int | None:
    """The number of characters ``column`` holds (None: unlimited or not text)."""
    return column.type.length if isinstance(column.type, String) else None


def allows_line_breaks(column: Column) -> bool:
    return isinstance(column.type, Text) or (isinstance(column.type, String) and column.type.length is None)


def text_problem(value: str, column: Column) -> Message | None:
    """Why ``value`` may not go into ``column`` (None when it may)."""
    limit = max_length(column)
    if limit is not None and len(value) > limit:
        return Message("refusals.text_too_long", limit=limit, length=len(value))
    if "\x00" in value:
        return Message("refusals.text_nul")
    found = (_CONTROLS if allows_line_breaks(column) else _CONTROLS_AND_BREAKS).search(value)
    if found:
        return Message("refusals.text_control", code_point=f"U+{ord(found.group()):04X}")
    return None


def printable(text: str) -> str:
    """``text`` without C0 control characters (line breaks and tabs kept), for output of old records."""
    return _OUTPUT_CONTROLS.sub("", text)


@event.listens_for(Session, "before_flush")
def _check_texts(session: Session, _context, _instances) -> None:
    for obj in list(session.new) + list(session.dirty):
        table = getattr(obj, "__table__", None)
        if table is None:
            continue
        for column in table.columns:
            if not isinstance(column.type, String):
                continue
            value = getattr(obj, column.key, None)
            if isinstance(value, str) and (reason := text_problem(value, column)) is not None:
                raise TextRejected(
                    Message("refusals.text_rejected", field=f"{table.name}.{column.name}", reason=reason)
                )
