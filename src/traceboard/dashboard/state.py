"""Per-process resources of the app: the engine, the analysis frame, the language.

The frame is loaded once per data version (the newest audit row id: every
change of the record writes one) and dropped when the record changes. The version
is read from the database on every use, so an app process sees a change another
process (a second replica, the command line) made. With ``TRACEBOARD_READ_DATABASE_URL``
the frame is read from that read replica once it has replayed the current version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy import Engine

from traceboard import config
from traceboard.accounts.authz import Actor
from traceboard.dashboard.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from traceboard.data.db import make_engine
from traceboard.data.frame import RegisterFrame, frame_source, load_register_frame
from traceboard.services import record

T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    engine = make_engine(url)
    if not record.schema_is_current(engine):
        record.init_database(engine)  # the app upgrades the schema on start
    return engine


def get_engine() -> Engine:
    return _engine(config.database_url())


@st.cache_resource(show_spinner=False)
def _read_engine(url: str) -> Engine:
    return make_engine(url)


@st.cache_resource(show_spinner=False, max_entries=1)
def _frame(url: str, read_url: str | None, version: str) -> RegisterFrame:
    primary = _engine(url)
    return load_register_frame(frame_source(primary, _read_engine(read_url)) if read_url else primary)


def current_data_version() -> str:
    """The record's data version: the newest audit row (every change writes one)."""
    return record.data_version(get_engine())


def get_frame() -> RegisterFrame:
    """The register frame of the current data version (reloaded after any change)."""
    version = current_data_version()
    with st.spinner(t("common.loading")):
        return _frame(config.database_url(), config.read_database_url(), version)


# room for every page's tables and charts in both languages (a page keeps several)
@st.cache_resource(show_spinner=False, max_entries=96)
def _per_version(key: tuple, version: str, _compute: Callable[[], Any]) -> Any:
    return _compute()


def per_data_version(key: tuple, compute: Callable[[], T]) -> T:
    """``compute()`` once per data version and ``key`` (plain values naming what is computed).

    For reads that take more than an interaction's worth of time (a whole-register
    export, rule checks over every inspection): a rerun that changes nothing in the
    record reuses the result; any change of the record computes it again. The result
    is shared between sessions, so ``key`` must include whatever it depends on
    (e.g. the acting user's role) and callers must not mutate it.
    """
    return _per_version((config.database_url(), *key), current_data_version(), compute)


def per_data_version_and_language(key: tuple, compute: Callable[[], T]) -> T:
    """:func:`per_data_version` for what also carries the session's language: a chart's titles
    and labels, a table's headings. A rerun then draws the chart it drew before."""
    return per_data_version((*key, language()), compute)


def forget_per_version() -> None:
    """Drop every result of :func:`per_data_version` (the frame stays): what a change of the record
    does to them, for the benchmark's first loads."""
    _per_version.clear()


def per_data_version_on_demand(key: tuple, compute: Callable[[], T]) -> Callable[[], T]:
    """Like :func:`per_data_version`, but computed only when the returned callable is called (e.g.
    by a download button when clicked), for the data version of the run that offered it."""
    full_key = (config.database_url(), *key)
    version = current_data_version()
    return lambda: _per_version(full_key, version, compute)


def language() -> str:
    lang = st.session_state.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **values: object) -> str:
    """Translate ``key`` into the session's language."""
    return translate(key, language(), **values)


def current_actor() -> Actor | None:
    """The signed-in user of this session (set by the sign-in page), or None."""
    return st.session_state.get("actor")


def signed_in_actor(namespace: str) -> Actor:
    """The signed-in user; without one the page shows its ``{namespace}.sign_in`` message and stops."""
    actor = current_actor()
    if actor is None:
        st.info(t(f"{namespace}.sign_in"))
        st.stop()
    return actor


def today() -> dt.date:
    return dt.date.today()
