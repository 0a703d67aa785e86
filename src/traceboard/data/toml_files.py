"""Why a TOML file of the city's cannot be read, in the reader's language.

The reference data, the indicator sets, the adoption targets and the blacklist rules are TOML
files an administrator edits. A syntax error names the file, line and column, and the parser's
reason: the standard library gives it in English, so each reason it can give is matched here and
worded from the catalog (``store.toml_reason.*``); a reason not known here (another Python's
wording) is shown as the parser gave it.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from traceboard.i18n import Message

TOML_AT = re.compile(r"^(?P<reason>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$", re.DOTALL)
TOML_AT_END = re.compile(r"^(?P<reason>.*) \(at end of document\)$", re.DOTALL)

# the parser's reasons (Python's tomllib), most specific first; named groups are the message's fields
REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), key)
    for pattern, key in (
        (r"Expected '=' after a key in a key/value pair", "expected_equals"),
        (r"Expected '\]' at the end of a table declaration", "expected_table_end"),
        (r"Expected '\]\]' at the end of an array declaration", "expected_array_table_end"),
        (r"Expected newline or end of document after a statement", "expected_statement_end"),
        (r"Expected (?P<what>.+)", "expected"),
        (r"Cannot declare (?P<name>.+) twice", "declared_twice"),
        (r"Cannot mutate immutable namespace (?P<name>.+)", "immutable"),
        (r"Cannot overwrite a value", "overwrite"),
        (r"Cannot redefine namespace (?P<name>.+)", "redefine"),
        (r"Duplicate inline table key (?P<name>.+)", "duplicate_inline_key"),
        (r"Escaped character is not a Unicode scalar value", "not_unicode"),
        (r"Found invalid character (?P<char>.+)", "invalid_character"),
        (r"Illegal character (?P<char>.+)", "illegal_character"),
        (r"Invalid date or datetime", "invalid_date"),
        (r"Invalid hex value", "invalid_hex"),
        (r"Invalid initial character for a key part", "invalid_key_start"),
        (r"Invalid statement", "invalid_statement"),
        (r"Invalid value", "invalid_value"),
        (r"Unclosed array", "unclosed_array"),
        (r"Unclosed inline table", "unclosed_inline_table"),
        (r"Unescaped '\\' in a string", "unescaped_backslash"),
        (r"Unterminated string", "unterminated_string"),
    )
)


def toml_reason(reason: str) -> Message | str:
    """The parser's ``reason`` as a catalog message, or as given when it is not one known here."""
    for pattern, key in REASONS:
        found = pattern.fullmatch(reason)
        if found:
            fields = found.groupdict()
            if "name" in fields:
                fields["name"] = _dotted(fields["name"])
            return Message(f"store.toml_reason.{key}", **fields)
    return reason


def _dotted(name: str) -> str:
    """A key as the file writes it: the parser names ``[a.b]`` as the tuple ``('a', 'b')``."""
    try:
        parts = ast.literal_eval(name)
    except (ValueError, SyntaxError):
        return name
    if isinstance(parts, tuple) and all(isinstance(part, str) for part in parts):
        return ".".join(parts)
    return name


def unreadable_toml(code: str, path: Path | str, exc: Exception) -> Message:
    """Why a TOML file cannot be read, naming its line and column when the parser gives them
    (``code`` for a file that cannot be read at all, ``store.toml_at`` or ``store.toml_at_end``
    for a syntax error)."""
    if isinstance(exc, tomllib.TOMLDecodeError):
        found = TOML_AT.match(str(exc))
        if found:
            return Message(
                "store.toml_at",
                file=str(path),
                line=int(found["line"]),
                column=int(found["column"]),
                reason=toml_reason(found["reason"]),
            )
        found = TOML_AT_END.match(str(exc))
        if found:
            return Message("store.toml_at_end", file=str(path), reason=toml_reason(found["reason"]))
    return Message(code, file=str(path), detail=str(exc))
