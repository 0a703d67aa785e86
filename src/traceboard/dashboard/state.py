"""Per-process resources of the app: the engine, the analysis frame, the language.

The frame follows the data version (the newest audit row: every change of the record
writes one). The version is read from the database on every use, so an app process sees a
change another process (a second replica, the command line) made. The process keeps one frame
per database: loaded once, then, after a change, refreshed in place of a reload: it reads only
what changed since its version (``data.frame.refresh_register_frame``, docs/frame.md); a new
process starts from the frame's snapshot next to the database when there is one
(``data.frame_snapshot``). With
``TRACEBOARD_READ_DATABASE_URL`` the frame is read from that read replica once it has replayed
the current version.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy import Engine

from traceboard import config
from traceboard.accounts.authz import Actor
from traceboard.data.db import make_engine
from traceboard.data.frame import RegisterFrame, frame_source, refresh_register_frame
from traceboard.data.frame_snapshot import open_register_frame
from traceboard.gcpause import freeze_long_lived
from traceboard.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from traceboard.i18n import word as word_in
from traceboard.metrics.adoption_counts import AdoptionStates
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


class _FrameHolder:
    """The process's frame of one database, replaced (never changed) by each refresh."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.frame: RegisterFrame | None = None


@st.cache_resource(show_spinner=False, max_entries=4)
def _frame_holder(url: str, read_url: str | None) -> _FrameHolder:
    return _FrameHolder()


def _frame(url: str, read_url: str | None, version: str) -> RegisterFrame:
    """The frame at ``version`` (or newer): the kept one if current, else refreshed from it."""
    holder = _frame_holder(url, read_url)
    frame = holder.frame
    if frame is not None and frame.stamp == version:
        return frame
    first = False
    with holder.lock:  # one refresh at a time; the sessions that waited take its frame
        frame = holder.frame
        if frame is None or frame.stamp != version:
            primary = _engine(url)
            source = frame_source(primary, _read_engine(read_url)) if read_url else primary
            first = frame is None
            frame = open_register_frame(source) if first else refresh_register_frame(source, frame)
            holder.frame = frame
        if first:
            freeze_long_lived()  # the process's long-lived objects, out of the collector's way
        return frame


def current_data_version() -> str:
    """The record's data version: the newest audit row (every change writes one)."""
    return record.data_version(get_engine())


def get_frame() -> RegisterFrame:
    """The register frame of the current data version (refreshed after any change)."""
    version = current_data_version()
    holder = _frame_holder(config.database_url(), config.read_database_url())
    if holder.frame is not None and holder.frame.stamp == version:
        return holder.frame
    with st.spinner(t("common.loading")):
        return _frame(config.database_url(), config.read_database_url(), version)


# room for every page's tables and charts in both languages (a page keeps several)
@st.cache_resource(show_spinner=False, max_entries=96)
def _per_version(key: tuple, version: str, _compute: Callable[[], Any]) -> Any:
    return _compute()


_newest: dict[tuple[str, str], int] = {}  # (cache, database) → the newest version asked of it
_newest_lock = threading.Lock()


def _drop_older(cache: Any, name: str, url: str, stamp: str) -> None:
    """Empty ``cache`` when ``stamp`` is newer than any it was asked for with (``"id:hash"``).

    The results of an older version are not asked for again once a newer one is (but by a run
    that started before the change): without this a cache kept up to its 96 entries across
    versions, each maybe a table of the whole register.
    """
    number = int(stamp.split(":", 1)[0] or 0)
    if _newest.get((name, url), -1) >= number:
        return
    with _newest_lock:
        if _newest.get((name, url), -1) < number:
            if (name, url) in _newest:
                cache.clear()
            _newest[(name, url)] = number


def per_data_version(key: tuple, compute: Callable[[], T]) -> T:
    """``compute()`` once per data version and ``key`` (plain values naming what is computed).

    For reads that take more than an interaction's worth of time (a whole-register
    export, rule checks over every inspection): a rerun that changes nothing in the
    record reuses the result; any change of the record computes it again, and the results of
    older versions are dropped. The result is shared between sessions, so ``key`` must
    include whatever it depends on (e.g. the acting user's role) and callers must not mutate it.
    """
    url, version = config.database_url(), current_data_version()
    _drop_older(_per_version, "version", url, version)
    return _per_version((url, *key), version, compute)


def per_data_version_and_language(key: tuple, compute: Callable[[], T]) -> T:
    """:func:`per_data_version` for what also carries the session's language: a chart's titles
    and labels, a table's headings. A rerun then draws the chart it drew before."""
    return per_data_version((*key, language()), compute)


@st.cache_resource(show_spinner=False, max_entries=96)
def _per_frame(key: tuple, content: str, _compute: Callable[[], Any]) -> Any:
    return _compute()


def per_frame_content(frame: RegisterFrame, key: tuple, compute: Callable[[], T]) -> T:
    """``compute()`` once per content of the analysis ``frame`` and ``key``.

    For what is computed from the frame alone (with the reference files and settings, which
    the process reads once): the adoption view, the register's counts, the platforms'
    activity. A change of the record outside the frame (a check result, a blacklist step, a
    plan, a draw) moves the data version but not the frame's content (``content_stamp``,
    docs/frame.md), so the next view reuses the result instead of computing it again; a change
    of the register, its events or uploads computes it again (and drops what older contents
    gave). Shared between sessions, as :func:`per_data_version`.
    """
    url = config.database_url()
    _drop_older(_per_frame, "frame", url, frame.content_stamp)
    return _per_frame((url, *key), frame.content_stamp, compute)


def per_frame_content_and_language(frame: RegisterFrame, key: tuple, compute: Callable[[], T]) -> T:
    """:func:`per_frame_content` for what also carries the session's language (a chart)."""
    return per_frame_content(frame, (*key, language()), compute)


def adoption_states(frame: RegisterFrame) -> AdoptionStates:
    """The enterprises' adoption at the days pages count at, kept once per content of ``frame``
    and shared by 追溯覆盖率, 任务进度 and 年度考核 (they all count at year ends): the first of
    them to need a day goes through the events for it; a change of the register, its events or
    uploads starts afresh (docs/frame.md)."""
    return per_frame_content(frame, ("adoption.states",), lambda: AdoptionStates(frame))


def adopt_frame(frame: RegisterFrame) -> None:
    """Make ``frame`` this process's frame of the configured database unless it holds one already
    (the benchmark, which loaded its own: one frame in the process, not two). It is refreshed as
    the app's own is when the record moves on."""
    holder = _frame_holder(config.database_url(), config.read_database_url())
    with holder.lock:
        if holder.frame is None:
            holder.frame = frame
    freeze_long_lived()  # as after the app's own first load


def held_frame() -> RegisterFrame | None:
    """The frame this process holds of the configured database (maybe behind the record), if any."""
    return _frame_holder(config.database_url(), config.read_database_url()).frame


def forget_per_version() -> None:
    """Drop every result of :func:`per_data_version` and :func:`per_frame_content` (the frame
    stays): what a change of the register does to them, for the benchmark's first loads."""
    _per_version.clear()
    _per_frame.clear()


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


def word(value: object) -> str:
    """A domain message (or an error carrying one, ``traceboard.i18n.Message``) in the session's
    language; any other value as its text."""
    return word_in(value, language())


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
