"""What every page with acts shares: run an act, carry its message across the rerun, show a table.

A page names itself (``"sampling"``, ``"blacklist"``): its success message is
kept under ``<page>_flash`` in the session until the rerun shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from traceboard.dashboard.plain_text import plain
from traceboard.dashboard.state import t


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


def show_table(frame: pd.DataFrame, columns: list[str], header_key: str, empty_key: str, **config) -> None:
    """``columns`` of ``frame`` under their translated headings (``header_key`` with ``{column}``),
    or the ``empty_key`` caption when there is no row."""
    if frame.empty:
        st.caption(t(empty_key))
        return
    shown = frame[columns].rename(columns={c: t(header_key.format(column=c)) for c in columns})
    st.dataframe(shown, hide_index=True, width="stretch", **config)
