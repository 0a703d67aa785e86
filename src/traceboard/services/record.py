"""The record as a whole: initialise, check, back up, restore, read and verify the audit log.

``traceboard init / audit verify / backup / restore`` and the dashboard's start
call these; each opens its own connection or transaction on the engine given.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from traceboard.data.audit import ChainBreak, data_stamp, verify_chain
from traceboard.data.audit_query import (  # noqa: F401  (re-exported for the faces)
    AuditFilter,
    audit_choices,
    check_chain,
    load_audit,
)
from traceboard.data.backup import (  # noqa: F401  (re-exported for the faces)
    BackupError,
    BackupSummary,
    restore_backup,
    write_backup,
)
from traceboard.data.db import transaction
from traceboard.data.migrate import init_database, schema_is_current  # noqa: F401  (re-exported for the faces)
from traceboard.data.models import LegacyCode


def verify_audit_chain(engine: Engine) -> ChainBreak | None:
    """The first broken row of the audit chain, or None when the whole chain is intact."""
    with transaction(engine) as session:
        return verify_chain(session)


def data_version(engine: Engine) -> str:
    """The record's data version: the newest audit row (every change writes one)."""
    with engine.connect() as conn:
        return data_stamp(conn)


def legacy_codes(engine: Engine) -> set[str]:
    """The allow-list of legacy credit codes the record accepts."""
    with engine.connect() as conn:
        return set(conn.scalars(select(LegacyCode.code)))
