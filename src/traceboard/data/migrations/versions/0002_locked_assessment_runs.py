"""locked assessment runs never change: the database refuses updates and deletes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 03:15:00

The ORM refuses them too (traceboard.data.assessment_store); these triggers
hold for every client of the database, SQL consoles included. Inserts are left
alone so that a backup can be restored row by row.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "assessment run is locked: its scores never change; re-run to make a new version"
# (table, condition on OLD that makes the row part of a locked run)
GUARDED = (
    ("assessment_run", "OLD.status = 'locked'"),
    ("unit_score", "(SELECT status FROM assessment_run WHERE id = OLD.run_id) = 'locked'"),
    ("indicator_score", "(SELECT status FROM assessment_run WHERE id = OLD.run_id) = 'locked'"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, condition in GUARDED:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_locked_{verb.lower()} BEFORE {verb} ON {table} "
                    f"WHEN {condition} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
                )
        return
    for table, condition in GUARDED:
        op.execute(
            f"""CREATE FUNCTION {table}_refuse_locked() RETURNS trigger AS $$
            BEGIN
                IF {condition} THEN
                    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            END $$ LANGUAGE plpgsql"""
        )
        op.execute(
            f"CREATE TRIGGER {table}_locked BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse_locked()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, _condition in GUARDED:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_locked_{verb}")
        return
    for table, _condition in GUARDED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_locked ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_refuse_locked()")
