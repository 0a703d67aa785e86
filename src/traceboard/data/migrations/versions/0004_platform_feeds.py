"""traceability platforms and their daily upload feeds

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 19:20:00

The platforms are reference data (synced from the city's reference file);
``platform_upload`` holds one row per platform, enterprise and day of the
platforms' feeds, the evidence of traceability in use.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platform",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform")),
        sa.UniqueConstraint("code", name=op.f("uq_platform_code")),
        sa.UniqueConstraint("name", name=op.f("uq_platform_name")),
    )
    op.create_table(
        "platform_sector",
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("sector_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_platform_sector_platform_id_platform")
        ),
        sa.ForeignKeyConstraint(
            ["sector_id"], ["sector.id"], name=op.f("fk_platform_sector_sector_id_sector")
        ),
        sa.PrimaryKeyConstraint("platform_id", "sector_id", name=op.f("pk_platform_sector")),
    )
    op.create_table(
        "platform_upload",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("batches", sa.Integer(), nullable=True),
        sa.Column("items", sa.Integer(), nullable=True),
        sa.CheckConstraint("records >= 0", name=op.f("ck_platform_upload_records")),
        sa.CheckConstraint("batches IS NULL OR batches >= 0", name=op.f("ck_platform_upload_batches")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_platform_upload_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_platform_upload_platform_id_platform")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_upload")),
        sa.UniqueConstraint(
            "platform_id", "enterprise_id", "day", name=op.f("uq_platform_upload_platform_id")
        ),
    )
    op.create_index("ix_platform_upload_enterprise_day", "platform_upload", ["enterprise_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_platform_upload_enterprise_day", table_name="platform_upload")
    op.drop_table("platform_upload")
    op.drop_table("platform_sector")
    op.drop_table("platform")
