"""User-supplied text on a page: shown as the characters it is, never as markdown.

Streamlit renders markdown in titles, captions, messages and ``st.markdown``:
an enterprise name, a header cell or a file name that holds ``![x](http://host/b.png)``
would make every viewer's browser fetch that image, ``[修正](http://…)`` would become a live
link. Every string that comes from data goes through :func:`plain` before it reaches such an
element (tables — ``st.dataframe`` — show text as text and need nothing).
"""

from __future__ import annotations

import re
import unicodedata

from traceboard.dashboard.state import word

# The characters that open markdown (and Streamlit's :emoji:, :color[…], $math$) anywhere in a line.
_OPENERS = re.compile(r"([\\`*_\[\]<>~$|#])")
_SHORTCODE = re.compile(r":(?=[\w/+-]+:)")  # :smile: and :material/icon:
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))")  # a list item or a heading underline


def _visible(ch: str) -> str:
    if ch in "\n\t\r":
        return " "
    return "" if unicodedata.category(ch) in ("Cc", "Cf") else ch


def plain(value: object) -> str:
    """``value`` as literal text for a markdown element: what could open markdown is escaped with a
    backslash (links and images need ``[``, autolinks ``<`` or ``://``), control characters are
    dropped and line breaks become spaces. Ordinary punctuation (dates, parentheses) stays as is.
    A domain message (an error carrying a ``Message``) is worded in the session's language."""
    text = word(value)
    if not text.isprintable():
        text = "".join(_visible(ch) for ch in text)
    text = _OPENERS.sub(r"\\\1", text)
    text = _SHORTCODE.sub(r"\\:", text).replace("://", "\\://").replace("www.", "www\\.")
    return _LINE_START.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match) -> str:
    indent, opener = match.groups()
    # "- x" → "\- x"; "1. x" → "1\. x" (the escape goes before the punctuation)
    return indent + (opener + "\\" if opener[0].isdigit() else "\\" + opener)
