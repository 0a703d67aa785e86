import datetime as dt

from sqlalchemy import select, update

from tests.data.insider import without_append_only_guard
from traceboard.data.audit import data_version, record_audit, verify_chain
from traceboard.data.db import transaction
from traceboard.data.models import AuditLog


def _write(engine, n):
    for i in range(n):
        with transaction(engine) as session:
            record_audit(
                session,
                actor="office1",
                action="test.change",
                entity="enterprise",
                entity_id=i,
                before={"name": "旧名称"},
                after={"name": f"新名称{i}", "on": dt.date(2020, 1, i + 1)},
            )


def test_chain_is_intact_and_dates_are_stored_as_text(engine):
    _write(engine, 3)
    with transaction(engine) as session:
        assert verify_chain(session) is None
        last = session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
        assert last.after == {"name": "新名称2", "on": "2020-01-03"}


def test_an_edited_row_breaks_the_chain_there(engine):
    _write(engine, 4)
    with without_append_only_guard(engine), transaction(engine) as session:
        second = session.scalars(select(AuditLog).order_by(AuditLog.id).offset(1)).first()
        session.execute(update(AuditLog).where(AuditLog.id == second.id).values(actor="someone-else"))
    with transaction(engine) as session:
        broken = verify_chain(session)
    assert broken is not None and broken.row_id == second.id and "edited" in broken.reason


def test_data_version_moves_with_every_change(engine):
    with engine.connect() as conn:
        before = data_version(conn)
    _write(engine, 1)
    with engine.connect() as conn:
        assert data_version(conn) > before


def test_a_disclosure_leaves_the_data_version_alone(engine):
    """Exports, publications, backups and checkpoints change nothing: caches built on the record stay."""
    from traceboard.accounts.authz import Actor
    from traceboard.data.audit import data_stamp
    from traceboard.services.audit_trail import record_export

    _write(engine, 1)
    with engine.connect() as conn:
        version, stamp = data_version(conn), data_stamp(conn)
    record_export(engine, Actor("office1", "office"), "enterprises", "xlsx", rows=3)
    with transaction(engine) as session:
        for action in ("site.publish", "backup.write", "audit.checkpoint", "platform.export"):
            record_audit(session, actor="office1", action=action, entity="record")
    with engine.connect() as conn:
        assert (data_version(conn), data_stamp(conn)) == (version, stamp)
        assert conn.scalar(select(AuditLog.action).order_by(AuditLog.id.desc()).limit(1)) == "platform.export"
    _write(engine, 1)
    with engine.connect() as conn:
        assert data_version(conn) > version and data_stamp(conn) != stamp


def test_the_newest_change_of_some_actions_ignores_the_others(engine):
    from traceboard.data.audit import newest_change_of

    def log(action):
        with transaction(engine) as session:
            record_audit(session, actor="office1", action=action, entity="x", entity_id=1)
        with engine.connect() as conn:
            return conn.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))

    with engine.connect() as conn:
        start = newest_change_of(conn, ("import.", "entry."))
    imported = log("import.inspectors")
    log("inspection.record")
    log("importer.other")  # another word starting with "import": not an import
    with engine.connect() as conn:
        assert imported > start and newest_change_of(conn, ("import.", "entry.")) == imported
    entered = log("entry.inspectors")
    with engine.connect() as conn:
        assert newest_change_of(conn, ("import.", "entry.")) == entered
        assert newest_change_of(conn, ("nothing.",)) == 0
