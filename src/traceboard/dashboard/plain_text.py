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

# CommonMark lets a backslash escape any ASCII punctuation; Streamlit adds :emoji:, :color[…] and $math$.
_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


def _visible(ch: str) -> str:
    if ch in "\n\t":
        return " "
    return "" if unicodedata.category(ch) in ("Cc", "Cf") else ch


def plain(value: object) -> str:
    """``value`` as literal text for a markdown element: punctuation escaped, control characters dropped,
    line breaks as spaces."""
    text = "".join(_visible(ch) for ch in str(value)) if not str(value).isprintable() else str(value)
    return _PUNCTUATION.sub(r"\\\1", text)
