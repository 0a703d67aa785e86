"""The README's PostgreSQL roles: the app's role appends to the audit log and can do nothing else to it."""

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from tests.conftest import _empty_postgres
from traceboard.data.audit import record_audit
from traceboard.data.db import make_engine, transaction

DENIED = r"permission denied|must be owner"
README = Path(__file__).resolve().parents[2] / "README.md"


def _grants() -> list[str]:
    """The GRANT/REVOKE statements of the README's "Running on PostgreSQL" block."""
    section = README.read_text(encoding="utf-8").split("**Running on PostgreSQL.**")[1]
    block = section.split("```sql")[1].split("```")[0]
    return [line for line in block.splitlines() if re.match(r"(GRANT|REVOKE) ", line)]


def test_the_app_role_appends_but_cannot_change_or_cut_the_log(postgres_database, reference):
    _empty_postgres(postgres_database, reference)
    owner = make_engine(postgres_database)
    role = f"tb_app_{uuid.uuid4().hex[:8]}"
    statements = [s.replace("traceboard_app", role) for s in _grants()]
    assert any("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_checkpoint" in s for s in statements)
    with owner.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        for statement in statements:
            conn.execute(text(statement))
    app = make_engine(make_url(postgres_database).set(username=role).render_as_string(hide_password=False))
    try:
        with transaction(app) as session:  # appends, and the transaction's seal, are allowed
            record_audit(session, actor="wang", action="test.change", entity="enterprise", entity_id=1)
        for attempt in (
            "UPDATE audit_log SET actor = 'x'",
            "DELETE FROM audit_checkpoint",
            "TRUNCATE audit_log CASCADE",
            "DROP TRIGGER audit_log_append_only ON audit_log",
        ):
            with (
                pytest.raises(ProgrammingError, match=DENIED),
                app.begin() as conn,
            ):
                conn.execute(text(attempt))
    finally:
        app.dispose()
        with owner.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        owner.dispose()
