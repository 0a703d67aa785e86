import datetime as dt
import gzip
import os
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.conftest import DEFAULT_PG
from traceboard.accounts.accounts import add_user
from traceboard.accounts.authz import SYSTEM
from traceboard.data import backup
from traceboard.data.audit import record_audit, verify_chain
from traceboard.data.backup import BackupError, RestoreRefused, restore_backup, write_backup
from traceboard.data.db import make_engine, transaction
from traceboard.data.models import AuditLog, Base, Enterprise, Setting, Unit, User


def _normal(value):
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)  # SQLite hands back naive UTC
    return value


def dump_record(engine) -> dict[str, list[tuple]]:
    """Every row of every table in primary-key order, moments as aware UTC."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns)
            rows = conn.execute(select(*table.columns).order_by(*order)).all()
            out[table.name] = [tuple(_normal(v) for v in row) for row in rows]
    return out


@pytest.fixture
def empty_url(db_url, tmp_path) -> Iterator[str]:
    """A second, completely empty database on the same backend as ``db_url``."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    admin_url = make_url(os.environ.get("TRACEBOARD_TEST_POSTGRES_URL", DEFAULT_PG))
    name = f"traceboard_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_round_trip_gives_back_exactly_the_same_record(demo_engine, empty_url, tmp_path):
    with transaction(demo_engine) as session:
        add_user(session, SYSTEM, "wang", "office", display_name="王 office", password="Correct-horse-9")
    path = tmp_path / "record.jsonl.gz"
    written = write_backup(demo_engine, path)
    target = make_engine(empty_url)
    restored = restore_backup(target, path)
    assert restored.counts == written.counts and written.counts["enterprise"] == 400
    assert dump_record(target) == dump_record(demo_engine)
    with transaction(target) as session:
        assert verify_chain(session) is None
        # Sequences were moved past the restored ids: new rows get fresh ids and the chain goes on.
        add_user(session, SYSTEM, "li", "office", password="Correct-horse-9")
        session.add(
            Enterprise(uscc="91430381MA4L0000X0", name="新企业", township_id=1, sector_id=1, department_id=1)
        )
    with transaction(target) as session:
        assert verify_chain(session) is None
        assert session.scalar(select(func.max(User.id))) == written.counts["app_user"] + 1
        assert session.scalar(select(func.max(Enterprise.id))) == 401
    target.dispose()


def test_backup_moves_between_backends(demo_engine, tmp_path, reference):
    """A backup from either backend restores into an SQLite file (the portable case)."""
    path = tmp_path / "record.jsonl.gz"
    write_backup(demo_engine, path)
    target = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    restore_backup(target, path)
    assert dump_record(target) == dump_record(demo_engine)
    target.dispose()


def test_restore_refuses_a_non_empty_database_and_changes_nothing(engine, tmp_path):
    path = tmp_path / "b.gz"
    write_backup(engine, path)
    before = dump_record(engine)
    with pytest.raises(RestoreRefused, match=r"not empty \(.*rows\).*nothing was changed"):
        restore_backup(engine, path)
    assert dump_record(engine) == before


def test_a_truncated_backup_restores_nothing(demo_engine, empty_url, tmp_path):
    path = tmp_path / "b.gz"
    write_backup(demo_engine, path)
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(b"".join(lines[: len(lines) // 2])))
    target = make_engine(empty_url)
    with pytest.raises(BackupError, match="truncated"):
        restore_backup(target, cut)
    assert all(rows == [] for rows in dump_record(target).values())
    (tmp_path / "junk.gz").write_bytes(b"not gzip at all")
    with pytest.raises(BackupError, match="not a complete traceboard backup"):
        restore_backup(target, tmp_path / "junk.gz")
    target.dispose()


def test_backup_while_another_session_writes_is_one_moment(engine, tmp_path, empty_url, monkeypatch):
    """Each write adds a setting and its audit row together; a snapshot always holds both or neither."""
    dump_rows = backup._dump_rows

    def slow_dump_rows(*args):  # give the writer time to commit between two tables of the backup
        time.sleep(0.03)
        return dump_rows(*args)

    monkeypatch.setattr(backup, "_dump_rows", slow_dump_rows)
    stop = threading.Event()
    written = []

    def writer() -> None:
        other = make_engine(engine.url.render_as_string(hide_password=False))
        i = 0
        while not stop.is_set() and i < 2000:
            with transaction(other) as session:
                session.add(Setting(key=f"k{i}", value=str(i)))
                record_audit(session, actor="system", action="test.write", entity="setting", entity_id=i)
            i += 1
            written.append(i)
        other.dispose()

    thread = threading.Thread(target=writer)
    thread.start()
    while len(written) < 5:
        stop.wait(0.01)
    path = tmp_path / "b.gz"
    try:
        write_backup(engine, path)
    finally:
        stop.set()
        thread.join()
    target = make_engine(empty_url)
    restore_backup(target, path)
    with transaction(target) as session:
        settings = session.scalar(select(func.count()).where(Setting.key.like("k%")))
        audited = session.scalar(select(func.count()).where(AuditLog.action == "test.write"))
        assert settings == audited and settings >= 5
        assert verify_chain(session) is None
    target.dispose()


def test_a_sqlite_backup_restores_on_postgresql_text_at_the_schema_limits_included(
    sqlite_template, tmp_path, reference
):
    import shutil

    from traceboard.data.text_rules import max_length

    shutil.copy(sqlite_template, tmp_path / "src.db")
    source = make_engine(f"sqlite:///{tmp_path / 'src.db'}")
    longest = "湘" * max_length(Enterprise.__table__.c.name)
    with transaction(source) as session:
        market = session.scalar(select(Unit.id).where(Unit.code == "market-regulation"))
        session.add(
            Enterprise(
                uscc="91430381MPYA9RU06C", name=longest, township_id=1, sector_id=1, department_id=market
            )
        )
        add_user(session, SYSTEM, "wang", "office", display_name="王芳", password="long-enough-1")
    path = tmp_path / "b.jsonl.gz"
    write_backup(source, path)
    admin_url = make_url(os.environ.get("TRACEBOARD_TEST_POSTGRES_URL", DEFAULT_PG))
    name = f"traceboard_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    target = make_engine(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        restore_backup(target, path)
        assert dump_record(target) == dump_record(source)
    finally:
        target.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    # A row written before the text rule (here past it by hand): refused in one line, on either database.
    with source.begin() as conn:
        conn.execute(Enterprise.__table__.update().values(name="甲\x00店"))
    write_backup(source, path)
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with pytest.raises(BackupError, match=r"^enterprise row 1, name: contains a NUL character; nothing was"):
        restore_backup(other, path)
    source.dispose()
    other.dispose()
