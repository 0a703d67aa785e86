"""What every page with acts shares: run an act, carry its message across the rerun, show a table.

A page names itself (``"sampling"``, ``"blacklist"``): its success message is
kept under ``<page>_flash`` in the session until the rerun shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from traceboard.dashboard import names, numbers
from traceboard.dashboard.plain_text import plain
from traceboard.dashboard.state import language, t
from traceboard.dashboard.streamlit_text import upload_limit_style


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
    if frame.empty:
        st.caption(t(empty_key))
        return
    headings = {c: t(header_key.format(column=c)) for c in columns}
    shown = names.localize(frame[columns]).rename(columns=headings)
    formats = numbers.column_config(frame[columns], percent=percent, headings=headings)
    config["column_config"] = formats | config.get("column_config", {})
    config.setdefault("placeholder", numbers.NONE)  # nothing is "—" (docs/interface.md)
    st.dataframe(shown, hide_index=True, width="stretch", **config)


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
    headings = headings or {}
    formats = numbers.column_config(frame, percent=percent, progress=progress, headings=headings)
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    kwargs.setdefault("placeholder", numbers.NONE)  # nothing is "—", not "None"
    shown = names.localize(frame)
    shown = shown.rename(columns=headings) if headings else shown
    st.dataframe(shown, column_config=formats | (column_config or {}), **kwargs)


def file_uploader(label: str, types: list[str], key: str, max_mb: int | None = None, **kwargs) -> Any:
    """``st.file_uploader`` whose limit line ("50MB per file • XLSX") is in the session's language.

    ``max_mb`` as ``st.file_uploader``'s ``max_upload_size`` (default: the server's ``maxUploadSize``)."""
    limit = max_mb or st.get_option("server.maxUploadSize")
    if css := upload_limit_style(key, language(), limit, types):
        st.html(f"<style>{css}</style>")
    return st.file_uploader(label, type=types, key=key, max_upload_size=max_mb, **kwargs)
