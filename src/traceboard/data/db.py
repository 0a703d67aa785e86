"""Engines and sessions: the one place that knows how to reach the database.

How a store receives its connection (docs/architecture.md): a function the layers above call
takes the ``Engine`` and opens its own :func:`transaction` (a change) or connection (a read);
a function that is one step of a larger transaction takes that transaction's ``Session`` or
``Connection`` and never commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from traceboard import config
from traceboard.data import text_rules  # noqa: F401  (checks the text of every ORM write)
from traceboard.i18n import Message

SQLITE_BUSY_TIMEOUT_MS = 30_000
# SQLite's page cache belongs to each connection, and a pooled connection keeps the pages it read
# for as long as it lives. A write transaction gets 128 MiB, so that the index builds of big imports
# stay in memory; reads keep SQLite's own default (2 MB), and a connection that wrote goes back to it
# when returned to the pool. With 128 MiB for every connection, the app's pooled connections held
# 400 MB of pages they had read at a million enterprises (docs/performance.md).
SQLITE_WRITE_CACHE = "-131072"  # KiB, as PRAGMA cache_size takes a negative number
SQLITE_READ_CACHE = "-2000"  # SQLite's default


class DatabaseUnavailable(RuntimeError):
    """The database URL is malformed or the server cannot be reached (one-line message)."""


def _describe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _set_sqlite_pragmas(dbapi_connection, record) -> None:
    # WAL lets the dashboard read while an import writes; foreign keys are off
    # by default in SQLite and the record relies on them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA cache_size={SQLITE_READ_CACHE}")
    cursor.close()
    record.info["cache_size"] = SQLITE_READ_CACHE
    # Let SQLAlchemy's "begin" event decide how transactions start (below).
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn) -> None:
    # A write transaction takes the write lock at its start (BEGIN IMMEDIATE):
    # two writers then queue on busy_timeout instead of one failing with
    # SQLITE_BUSY when it upgrades a read snapshot that another has moved on.
    write = bool(conn.get_execution_options().get("traceboard_write"))
    if write and conn.connection.info.get("cache_size") != SQLITE_WRITE_CACHE:
        conn.exec_driver_sql(f"PRAGMA cache_size={SQLITE_WRITE_CACHE}")
        conn.connection.info["cache_size"] = SQLITE_WRITE_CACHE
    conn.exec_driver_sql(f"BEGIN {'IMMEDIATE' if write else 'DEFERRED'}")


def _sqlite_read_cache(dbapi_connection, record) -> None:
    """A connection back in the pool: a write transaction's large page cache shrinks to the
    readers' (SQLite frees the pages over it at once)."""
    if dbapi_connection is not None and record.info.get("cache_size") != SQLITE_READ_CACHE:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA cache_size={SQLITE_READ_CACHE}")
        cursor.close()
        record.info["cache_size"] = SQLITE_READ_CACHE


def make_engine(url: str | None = None, *, check: bool = True) -> Engine:
    """Create an engine for ``url`` (default: the configured URL).

    With ``check`` the connection is tried once, so that a wrong or unreachable
    URL is reported as :class:`DatabaseUnavailable` with one clear line.
    """
    url = url or config.database_url()
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(Message("store.database.malformed", url=repr(url))) from None
    kwargs: dict = {}
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "postgresql":
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise DatabaseUnavailable(
            Message("store.database.unsupported", url=_describe(url), detail=str(exc))
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "checkin", _sqlite_read_cache)
    if check:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnavailable(
                Message("store.database.cannot_open", url=_describe(url), reason=reason)
            ) from None
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A write session that commits on success and rolls back on any error (all-or-nothing)."""
    writer = engine.execution_options(traceboard_write=True)
    with session_factory(writer)() as session, session.begin():
        yield session
