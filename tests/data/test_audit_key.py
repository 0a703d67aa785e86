"""The checkpoint signing key: created owner-only, refused when others may read it, required to write."""

import stat

import pytest
from sqlalchemy import func, select

from traceboard.cli.main import main
from traceboard.data.audit import record_audit
from traceboard.data.audit_checkpoint import latest_checkpoint
from traceboard.data.audit_key import AuditKeyError, ensure_key, load_key
from traceboard.data.db import transaction
from traceboard.data.models import AuditLog


def test_the_key_is_created_once_owner_only_and_refused_when_others_may_read_it(tmp_path):
    path = tmp_path / "keys" / "audit.pem"
    assert ensure_key(path) == (path, True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    public = load_key(path).public
    assert ensure_key(path) == (path, False) and load_key(path).public == public  # never replaced
    message = b"rows 5"
    assert public.verifies(load_key(path).sign(message), message)
    assert not public.verifies(load_key(path).sign(message), b"rows 4")
    path.chmod(0o644)
    with pytest.raises(AuditKeyError, match=r"open to others \(mode 644\): chmod 600"):
        load_key(path)
    path.chmod(0o600)
    path.write_text("not a key")
    with pytest.raises(AuditKeyError, match="cannot read the audit signing key"):
        load_key(path)


def test_init_creates_the_key_and_no_change_is_written_without_it(engine, tmp_path, monkeypatch, capsys):
    key = tmp_path / "secret" / "audit-key.pem"
    monkeypatch.setenv("TRACEBOARD_AUDIT_KEY", str(key))
    missing = f"no audit signing key at {key}: run `traceboard init`"
    before = _count(engine)
    with pytest.raises(AuditKeyError, match=missing), transaction(engine) as session:
        record_audit(session, actor="wang", action="test.change", entity="enterprise")
    assert _count(engine) == before  # the refused change left no row
    assert main(["init"]) == 0
    assert f"audit signing key created: {key}" in capsys.readouterr().out
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    with transaction(engine) as session:
        record_audit(session, actor="wang", action="test.change", entity="enterprise")
    with engine.connect() as conn:
        assert latest_checkpoint(conn).key_id == load_key(key).public.key_id


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(AuditLog))
