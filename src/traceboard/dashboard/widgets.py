"""What every page with acts shares: run an act, carry its message across the rerun, show a table.

A page names itself (``"sampling"``, ``"blacklist"``): its success message is
kept under ``<page>_flash`` in the session until the rerun shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
import streamlit as st

from traceboard.dashboard import names, numbers
from traceboard.dashboard.plain_text import plain
from traceboard.dashboard.state import language, t
from traceboard.dashboard.streamlit_text import upload_limit_style

_Option = TypeVar("_Option")


def flash(page: str, message: str) -> None:
    """Keep ``message`` to show (green) at the top of ``page`` after the rerun."""
    st.session_state[f"{page}_flash"] = message


def show_flash(page: str) -> None:
    """Show the message an act left for ``page``, once."""
    key = f"{page}_flash"
    if key in st.session_state:
        st.success(st.session_state.pop(key))


def attempt(
    page: str,
    refusals: tuple[type[Exception], ...],
    act: Callable[[], Any],
    message_key: str,
    /,
    **values: Any,
) -> Any:
    """Run an act; show a refusal as one red line, success as a message after the rerun.

    Reload the page so every list shows the change; the message (``message_key``
    with ``values``, and ``id`` when the act returns an int) survives the rerun.
    """
    try:
        result = act()
    except refusals as exc:
        st.error(plain(exc))
        return None
    flash(page, t(message_key, **values, **({"id": result} if isinstance(result, int) else {})))
    st.rerun()
    return result


@dataclass(frozen=True)
class Table:
    """A table as ``st.dataframe`` shows it: the rows with their headings and category names in the
    session's language, and its columns' formats (:func:`table_of`).

    Preparing it (the columns picked and renamed, names localized, every column's format worked
    out, the rows turned into Arrow) is work that a rerun need not redo: a page may keep it in a
    per-version cache (``dashboard.state``, keyed with the language) and only show it
    (:func:`show`). Shared by sessions and never changed: ``st.dataframe`` reads the rows and
    copies the formats.
    """

    rows: pd.DataFrame | pa.Table
    column_config: dict[str, Any]


def table_of(
    frame: pd.DataFrame,
    headings: dict[str, str] | None = None,
    percent=(),
    progress=(),
    column_config: dict | None = None,
) -> Table:
    """``frame`` as :func:`table` shows it (the same arguments)."""
    headings = headings or {}
    formats = numbers.column_config(frame, percent=percent, progress=progress, headings=headings)
    shown = names.localize(frame)
    shown = shown.rename(columns=headings) if headings else shown
    return Table(_as_arrow(shown), formats | (column_config or {}))


# ``st.dataframe`` turns a pandas frame into Arrow (``pa.Table.from_pandas``) on every call, and sends
# an Arrow table's bytes as they are: a table turned once shows the same bytes without the work.
# Larger tables stay pandas: above about 150,000 rows a served Streamlit sends a pandas frame in
# chunks as the user scrolls, and an Arrow table by another path.
ARROW_ROWS = 10_000


def _as_arrow(shown: pd.DataFrame) -> pd.DataFrame | pa.Table:
    if len(shown) > ARROW_ROWS:
        return shown
    try:
        return pa.Table.from_pandas(shown)
    except (pa.ArrowException, OverflowError, ValueError, TypeError):  # Streamlit mends the column
        return shown


def show(table: Table, **kwargs) -> None:
    """``st.dataframe`` of a prepared :class:`Table` (``kwargs`` as :func:`table`'s)."""
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    kwargs.setdefault("placeholder", numbers.NONE)  # nothing is "—", not "None"
    st.dataframe(table.rows, column_config=table.column_config, **kwargs)


def listing(
    frame: pd.DataFrame, columns: list[str], header_key: str, percent: tuple[str, ...] = ()
) -> Table | None:
    """What :func:`show_table` shows of ``frame`` (None: no row, its caption instead)."""
    if frame.empty:
        return None
    headings = {c: t(header_key.format(column=c)) for c in columns}
    return table_of(frame[columns], headings, percent=percent)


def show_listing(table: Table | None, empty_key: str, **config) -> None:
    """A :func:`listing` (prepared, maybe kept), or the ``empty_key`` caption when it has no row."""
    if table is None:
        st.caption(t(empty_key))
        return
    extra = config.pop("column_config", {})
    show(Table(table.rows, table.column_config | extra) if extra else table, **config)


def show_table(
    frame: pd.DataFrame,
    columns: list[str],
    header_key: str,
    empty_key: str,
    percent: tuple[str, ...] = (),
    **config,
) -> None:
    """``columns`` of ``frame`` under their translated headings (``header_key`` with ``{column}``),
    or the ``empty_key`` caption when there is no row. Numbers take the one format of every page
    (``numbers.column_config``: counts grouped, ``percent`` columns with one decimal); category
    names in the session's language (``names.localize``)."""
    show_listing(listing(frame, columns, header_key, percent), empty_key, **config)


def table(
    frame: pd.DataFrame,
    headings: dict[str, str] | None = None,
    percent=(),
    progress=(),
    column_config: dict | None = None,
    **kwargs,
) -> None:
    """``st.dataframe`` with the one number format of every page (``numbers.column_config``: counts
    grouped, ``percent``/``progress`` columns — shares 0–1 — with one decimal), its columns renamed
    to ``headings``, category names in the session's language (``names.localize``);
    ``column_config`` (keyed by heading) is applied over the formats."""
    show(table_of(frame, headings, percent, progress, column_config), **kwargs)


def worded(options: Iterable[_Option], word: Callable[[_Option], object]) -> Callable[[_Option], object]:
    """A choice widget's ``format_func`` that words every option now, in this run's language.

    Streamlit's test runner calls ``format_func`` again when a test picks an option, outside the
    script's thread, where the session (and so its language) is not seen: a function that reads
    the language then words in the default one, and the option is not found."""
    return {option: word(option) for option in options}.__getitem__


def file_uploader(label: str, types: list[str], key: str, max_mb: int | None = None, **kwargs) -> Any:
    """``st.file_uploader`` whose limit line ("50MB per file • XLSX") is in the session's language.

    ``max_mb`` as ``st.file_uploader``'s ``max_upload_size`` (default: the server's ``maxUploadSize``)."""
    limit = max_mb or st.get_option("server.maxUploadSize")
    if css := upload_limit_style(key, language(), limit, types):
        st.html(f"<style>{css}</style>")
    return st.file_uploader(label, type=types, key=key, max_upload_size=max_mb, **kwargs)
