"""The record as a whole: initialise and check the schema, read the audit log, the data version.

``traceboard init``, the dashboard's start and the audit page call these; each opens its own
connection on the engine given. Checkpoints, verification, backups and restores are the
audit trail's use cases (:mod:`traceboard.services.audit_trail`).
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from traceboard.data.audit import data_stamp, newest_change_of
from traceboard.data.audit_query import (  # noqa: F401  (re-exported for the faces)
    AuditFilter,
    audit_choices,
    load_audit,
)
from traceboard.data.migrate import init_database, schema_is_current  # noqa: F401  (re-exported for the faces)
from traceboard.data.models import LegacyCode


def data_version(engine: Engine) -> str:
    """The record's data version: the newest audit row (every change writes one)."""
    with engine.connect() as conn:
        return data_stamp(conn)


# Imports, form entries, reference syncs and the demo city: the changes that can rename or
# replace rows outside the analysis frame (inspectors, units …); not a check result.
TABLE_WRITES = ("import.", "entry.", "reference.", "demo.")


def tables_version(engine: Engine, prefixes: tuple[str, ...] = TABLE_WRITES) -> int:
    """The newest audit row of an import, form entry, reference sync or demo city (or of the
    actions starting with ``prefixes``; 0 when none): what a cache of rows those alone change (a
    draw's checks as drawn) keys on, besides the frame."""
    with engine.connect() as conn:
        return newest_change_of(conn, prefixes)


def legacy_codes(engine: Engine) -> set[str]:
    """The allow-list of legacy credit codes the record accepts."""
    with engine.connect() as conn:
        return set(conn.scalars(select(LegacyCode.code)))
