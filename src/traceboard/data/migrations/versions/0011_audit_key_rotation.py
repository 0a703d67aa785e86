"""the audit log's signing key can be rotated: each handover is on record, signed by both keys

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 02:20:00

``audit_key_rotation``: one row per `traceboard audit rotate-key` — the old and the new
public key, the log length the old key's last checkpoint covers (``after_rows``), and the
handover statement signed by both keys. Append-only at the database, as the audit log and
its checkpoints are (0006).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "audit_key_rotation"
MESSAGE = "is append-only: rows are never updated or deleted"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("after_rows", sa.BigInteger(), nullable=False),
        sa.Column("old_key_id", sa.String(length=16), nullable=False),
        sa.Column("old_public_key", sa.String(length=44), nullable=False),
        sa.Column("new_key_id", sa.String(length=16), nullable=False),
        sa.Column("new_public_key", sa.String(length=44), nullable=False),
        sa.Column("old_signature", sa.String(length=128), nullable=False),
        sa.Column("new_signature", sa.String(length=128), nullable=False),
        sa.Column("rotated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_key_rotation")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{TABLE} {MESSAGE}'); END"
            )
        return
    op.execute(
        f"""CREATE FUNCTION {TABLE}_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{TABLE} {MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END $$ LANGUAGE plpgsql"""
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{verb}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_append_only()")
    op.drop_table(TABLE)
