"""Help text measured in terminal columns: a Chinese character takes two, and a line may break
between two of them.

Click measures a line by its characters and breaks only at spaces, so a Chinese help line runs
past the terminal's edge (up to half again as wide) and a long Chinese sentence cannot break at
all. Here the width of each character is its East Asian width, a line breaks at a space or
between two wide characters, and a closing mark (，。、）…) never starts a line, nor an
opening one (（“《…) ends it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import click

# a closing mark stays with what it closes, an opening mark with what it opens
NO_LINE_START = set("，。、；：！？）》」』】〉”’…—%,.;:!?)]}")
NO_LINE_END = set("（《「『【〈“‘([{")
WIDE = (  # the wide and full-width blocks: Hangul Jamo, CJK and its punctuation, Hangul, forms
    "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
    "\U00020000-\U0003fffd"
)
TOKEN = re.compile(rf"\s+|[{WIDE}]|[^\s{WIDE}]+")  # a space run, one wide character, or a narrow word


def columns(text: str) -> int:
    """The terminal columns ``text`` takes: two for a wide or full-width character, else one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def tokens(text: str) -> list[str]:
    """Spaces, runs of narrow non-space characters (a word) and single wide characters; a closing
    mark joined to the token before it, an opening mark to the token after it."""
    out: list[str] = []
    glue = False  # the last token ends in an opening mark: the next one joins it
    for token in TOKEN.findall(text):
        if out and not token.isspace() and not out[-1].isspace() and (glue or token[0] in NO_LINE_START):
            out[-1] += token
        else:
            out.append(token)
        glue = not token.isspace() and token[-1] in NO_LINE_END
    return out


def fill(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """``text`` in lines of at most ``width`` columns (indents included), spaces between lines dropped;
    a token wider than a whole line is cut where the line ends."""
    lines: list[str] = []
    line, used, space = [initial_indent], columns(initial_indent), False

    def flush() -> None:
        nonlocal line, used, space
        lines.append("".join(line))
        line, used, space = [subsequent_indent], columns(subsequent_indent), False

    for token in tokens(text):
        if token.isspace():
            space = len(line) > 1
            continue
        need = columns(token) + space
        if len(line) > 1 and used + need > width:
            flush()
            need = columns(token)
        while len(line) == 1 and need > width - used and width - used > 0:  # wider than a line: cut
            cut, taken = "", 0
            for ch in token:
                if taken + columns(ch) > width - used:
                    break
                cut, taken = cut + ch, taken + columns(ch)
            if not cut:
                break
            line.append(cut)
            token = token[len(cut) :]
            flush()
            need = columns(token)
        if not token:
            continue
        line.append(" " * space + token)
        used, space = used + need, False
    if len(line) > 1 or not lines:
        lines.append("".join(line))
    return "\n".join(lines)


def wrap_text(text: str, width: int, indent: str = "") -> str:
    """Click's ``wrap_text`` with paragraphs preserved, measured in columns: paragraphs are separated
    by a blank line, keep their own indentation, and one whose first line is ``\\b`` is kept as is."""
    paragraphs: list[tuple[str, bool, str]] = []
    lines: list[str] = []
    own = ""

    def close() -> None:
        if lines:
            raw = lines[0].strip() == "\b"
            paragraphs.append((own, raw, "\n".join(lines[1:]) if raw else " ".join(lines)))
            lines.clear()

    for line in text.expandtabs().splitlines():
        if not line:
            close()
            continue
        if not lines:
            own = " " * (len(line) - len(line.lstrip()))
        lines.append(line.lstrip() if not lines else line)
    close()
    out = []
    for own, raw, body in paragraphs:
        prefix = indent + own
        if raw:
            out.append("\n".join(prefix + line for line in body.splitlines()))
        else:
            out.append(fill(body, width, prefix, prefix))
    return "\n\n".join(out)


class ColumnsHelpFormatter(click.HelpFormatter):
    """Click's help formatter with :func:`wrap_text` and :func:`columns` in place of its own."""

    def write_text(self, text: str) -> None:
        self.write(wrap_text(text, self.width, " " * self.current_indent) + "\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        if any(len(row) != 2 for row in rows):
            raise TypeError("Expected two columns for definition list")
        first_col = min(max((columns(first) for first, _ in rows), default=0), col_max) + col_spacing
        text_width = max(self.width - first_col - 2, 10)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if columns(first) <= first_col - col_spacing:
                self.write(" " * (first_col - columns(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            wrapped = wrap_text(second, text_width).splitlines() or [""]
            self.write(wrapped[0] + "\n")
            for line in wrapped[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class ColumnsContext(click.Context):
    formatter_class = ColumnsHelpFormatter


def measure_in_columns(command: click.Command) -> None:
    """Give ``command`` and every command under it the help formatter of this module."""
    command.context_class = ColumnsContext
    for sub in getattr(command, "commands", {}).values():
        measure_in_columns(sub)
