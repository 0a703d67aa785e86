"""Shared fixtures: the same tests run on SQLite and on PostgreSQL.

- ``db_url`` is parametrised over both backends; every test that touches the
  database runs twice. SQLite gets a fresh file per test (copied from a
  migrated template); PostgreSQL gets a database per test session (per xdist
  worker), emptied (``_empty_postgres``) and re-seeded with the reference data before each test.
- ``demo_engine`` (the 400-enterprise demo city): on SQLite generated once per session and
  copied per test like the empty template; on PostgreSQL generated in the test's database.
- PostgreSQL is taken from TRACEBOARD_TEST_POSTGRES_URL (default: the local
  server, database ``test``). When it cannot be reached the tests that need it
  fail: they are never skipped.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from traceboard.cli.common import reset_engines
from traceboard.data.audit_checkpoint import copy_path, latest_checkpoint, write_copy
from traceboard.data.db import make_engine, transaction
from traceboard.data.migrate import init_database
from traceboard.data.models import AuditLog, Base
from traceboard.data.reference import load_reference, sync_reference

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session", autouse=True)
def _session_isolated(tmp_path_factory) -> Iterator[None]:
    """Session fixtures (the migrated templates) write nothing under the developer's var/ either,
    and every write is signed with a test key (the log's writes are sealed with checkpoints)."""
    var = tmp_path_factory.mktemp("session-var")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRACEBOARD_VAR_DIR", str(var))
        mp.setenv("TRACEBOARD_AUDIT_KEY", str(var / "audit-key.pem"))
        yield


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch) -> None:
    """No test touches the developer's var/ or database: both point into the test's tmp dir."""
    monkeypatch.setenv("TRACEBOARD_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TRACEBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'var' / 'default.db'}")


@pytest.fixture(scope="session")
def reference():
    return load_reference()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    init_database(engine)
    engine.dispose()
    return path


def _last_audit_row(conn) -> int:
    return conn.execute(select(func.coalesce(func.max(AuditLog.id), 0))).scalar_one()


@pytest.fixture(scope="session")
def sqlite_template_audit(sqlite_template) -> int:
    """The last audit row of a fresh copy of the template (every write of the record adds one)."""
    engine = make_engine(f"sqlite:///{sqlite_template}")
    with engine.connect() as conn:
        last = _last_audit_row(conn)
    engine.dispose()
    return last


@contextmanager
def initialised_postgres(admin_url: URL, name: str) -> Iterator[str]:
    """A new, migrated database ``name`` on ``admin_url``'s server (its URL), dropped afterwards."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        init_database(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    admin_url = make_url(os.environ.get("TRACEBOARD_TEST_POSTGRES_URL", DEFAULT_PG))
    with initialised_postgres(admin_url, f"traceboard_test_{_worker()}_{uuid.uuid4().hex[:8]}") as url:
        yield url


def _empty_postgres(url: str, reference) -> None:
    """Every table emptied and its ids restarted (as ``TRUNCATE … RESTART IDENTITY``), then the
    reference data.

    As the superuser the tests run as, by ``DELETE`` with triggers off (``session_replication_role``:
    the append-only triggers of the audit tables and the foreign keys' triggers) and ``setval``: a
    small table's ``TRUNCATE`` makes new files for it and its indexes, several times the cost.
    Another role truncates."""
    engine = make_engine(url)
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine.begin() as conn:
        if conn.execute(text("SELECT current_setting('is_superuser') = 'on'")).scalar_one():
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in reversed(tables):
                conn.execute(text(f'DELETE FROM "{table}"'))
            conn.execute(
                text(
                    "SELECT setval(s.seqrelid, s.seqstart, false) FROM pg_sequence s"
                    " JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid"
                    " AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')"
                    " WHERE d.refobjid = ANY(CAST(:tables AS regclass[]))"
                ),
                {"tables": [f'"{t}"' for t in tables]},
            )
        else:
            names = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    with transaction(engine) as session:
        sync_reference(session, reference)
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path, monkeypatch, reference) -> Iterator[str]:
    """URL of an initialised database holding only the reference data; also set as the app's URL."""
    if request.param == "sqlite":
        path = tmp_path / "traceboard.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_database")
        _empty_postgres(url, reference)
    monkeypatch.setenv("TRACEBOARD_DATABASE_URL", url)
    reset_engines()
    forget_page_caches()
    yield url
    reset_engines()


def forget_page_caches() -> None:
    """The pages' caches are keyed by database URL and data stamp; a PostgreSQL test reuses its
    worker's URL, and a world built without audit rows has the stamp of an empty log, so one
    test's frame and results would be another's."""
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def engine(db_url) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


DEMO_CITY = {"enterprises": 400, "seed": 7}


@pytest.fixture(scope="session")
def sqlite_demo_template(sqlite_template, tmp_path_factory) -> tuple[Path, str]:
    """The demo city of ``demo_engine`` generated once per session on SQLite (a file to copy) and the
    audit key that signed it."""
    from traceboard.demo import generate_demo

    folder = tmp_path_factory.mktemp("demo-template")
    path = folder / "demo.db"
    shutil.copy(sqlite_template, path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRACEBOARD_VAR_DIR", str(folder / "var"))  # its checkpoint's copy stays here
        engine = make_engine(f"sqlite:///{path}")
        generate_demo(engine, **DEMO_CITY)
        engine.dispose()  # the last connection closed: the WAL is written back and removed
    assert not _wal_of(path).exists(), "the demo city is not all in its file"
    return path, os.environ["TRACEBOARD_AUDIT_KEY"]


def _wal_of(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


@pytest.fixture
def demo_engine(request, engine) -> Engine:
    """An engine whose database holds a small demo city (400 enterprises, fixed seed).

    On SQLite the city is generated once per session and each test gets a copy of that file (a
    generation costs about a second here): the record the generator would write, and the copy of
    its audit checkpoint kept outside the database (data/audit_checkpoint.py) as the generator
    leaves it. PostgreSQL generates it in the test's database."""
    from traceboard.demo import generate_demo

    if engine.dialect.name != "sqlite":
        generate_demo(engine, **DEMO_CITY)
        return engine
    template, key = request.getfixturevalue("sqlite_demo_template")
    if os.environ["TRACEBOARD_AUDIT_KEY"] != key:  # another signer: this test's own city
        generate_demo(engine, **DEMO_CITY)
        return engine
    with engine.connect() as conn:
        assert _last_audit_row(conn) == request.getfixturevalue("sqlite_template_audit"), (
            "demo_engine replaces the database: request it before any fixture that writes"
        )
    engine.dispose()  # its last connection closed: no -wal or -shm file is left beside the file
    path = Path(engine.url.database)
    assert not _wal_of(path).exists()
    shutil.copy(template, path)
    with Session(engine) as session:
        checkpoint = latest_checkpoint(session)
    write_copy(checkpoint, copy_path(engine.url.render_as_string(hide_password=True)))
    return engine


@pytest.fixture(autouse=True)
def english_command_line(monkeypatch):
    """The command line's messages in English (as on a terminal without a Chinese locale), whatever
    the locale of the machine running the tests; a test that wants Chinese sets TRACEBOARD_LANG=zh."""
    monkeypatch.setenv("TRACEBOARD_LANG", "en")


@pytest.fixture
def arrow_releases(monkeypatch) -> list[int]:
    """One entry per call that hands back what Arrow's allocator kept (``release_unused`` on the
    default pool), which still gives it back."""
    import pyarrow as pa

    calls: list[int] = []
    pool = pa.default_memory_pool()

    class CountingPool:
        def release_unused(self) -> None:
            calls.append(1)
            pool.release_unused()

    monkeypatch.setattr(pa, "default_memory_pool", CountingPool)
    return calls
