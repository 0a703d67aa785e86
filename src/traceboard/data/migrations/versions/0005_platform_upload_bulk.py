"""platform_upload as a bulk fact table: no per-row foreign-key checks, one unique index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 20:00:00

Measured on a day's feed: the two foreign keys' per-row checks took more than
half of the merge. Every row is written by one statement that joins it to
``enterprise`` and takes its platform from ``platform``, and neither table
loses rows, so the checks guarded nothing the write path does not. The unique
index now leads with the enterprise, so it also serves look-ups by enterprise
and the separate (enterprise, day) index goes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_platform_upload_enterprise_day", table_name="platform_upload")
    with op.batch_alter_table("platform_upload") as batch:
        batch.drop_constraint("fk_platform_upload_enterprise_id_enterprise", type_="foreignkey")
        batch.drop_constraint("fk_platform_upload_platform_id_platform", type_="foreignkey")
        batch.drop_constraint("uq_platform_upload_platform_id", type_="unique")
        batch.create_unique_constraint(
            "uq_platform_upload_enterprise_id", ["enterprise_id", "day", "platform_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("platform_upload") as batch:
        batch.drop_constraint("uq_platform_upload_enterprise_id", type_="unique")
        batch.create_unique_constraint(
            "uq_platform_upload_platform_id", ["platform_id", "enterprise_id", "day"]
        )
        batch.create_foreign_key(
            "fk_platform_upload_platform_id_platform", "platform", ["platform_id"], ["id"]
        )
        batch.create_foreign_key(
            "fk_platform_upload_enterprise_id_enterprise", "enterprise", ["enterprise_id"], ["id"]
        )
    op.create_index("ix_platform_upload_enterprise_day", "platform_upload", ["enterprise_id", "day"])
