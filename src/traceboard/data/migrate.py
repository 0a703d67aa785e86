"""Create or upgrade the schema (Alembic) and load the reference data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from traceboard.data.audit import record_audit
from traceboard.data.audit_key import ensure_key
from traceboard.data.db import transaction
from traceboard.data.models import Setting
from traceboard.data.reference import Reference, load_reference, sync_reference

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SYSTEM_ACTOR = "system"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads, expected one: {heads}")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@dataclass(frozen=True)
class InitResult:
    revision_before: str | None
    revision_after: str
    reference_changes: int
    audit_key: Path | None = None  # set when init created the audit signing key


def init_database(engine: Engine, reference: Reference | None = None) -> InitResult:
    """Bring the schema to the head revision and the reference rows up to the file.

    Creates the audit log's signing key first if there is none (every write is sealed with it)."""
    key_path, key_created = ensure_key()
    before = current_revision(engine)
    upgrade_schema(engine)
    ref = reference or load_reference()
    with transaction(engine) as session:
        changes = sync_reference(session, ref)
        if changes:
            stored = session.get(Setting, "reference_source")
            record_audit(
                session,
                actor=SYSTEM_ACTOR,
                action="reference.sync",
                entity="reference",
                entity_id=ref.city_code,
                before={"source": stored.value} if stored else None,
                after={"source": Path(ref.source).name, "rows_changed": changes},
            )
            session.merge(Setting(key="reference_source", value=Path(ref.source).name))
    return InitResult(before, head_revision(), changes, key_path if key_created else None)


def schema_is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
