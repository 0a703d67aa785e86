"""platform_upload keyed by (day, enterprise, platform): no surrogate id, one index that a day appends to

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 22:30:00

A day's feed writes hundreds of thousands of rows. Each cost an id from a
sequence and an entry in the id's index, which nothing reads, and an entry
in the (enterprise, day, platform) index, which a day's feed touches on
nearly every page: after each checkpoint every one of those pages went into
the WAL whole (measured: 19,000 full-page images, 150 MB, for a 600,000-row
day). The key (day, enterprise, platform) becomes the primary key and the
only index: a new day's rows go in at its right-hand end. On PostgreSQL the
id column is dropped (no rewrite of the rows) and the key's index built
anew; on SQLite the table is rebuilt ``WITHOUT ROWID``, so the rows live in
the key's B-tree itself. Every row is kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "platform_id, enterprise_id, day, records, batches, items"


def _checks() -> list[sa.CheckConstraint]:
    return [
        sa.CheckConstraint("records >= 0", name=op.f("ck_platform_upload_records")),
        sa.CheckConstraint("batches IS NULL OR batches >= 0", name=op.f("ck_platform_upload_batches")),
    ]


def _value_columns() -> list[sa.Column]:
    return [
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("batches", sa.Integer(), nullable=True),
        sa.Column("items", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("pk_platform_upload", "platform_upload", type_="primary")
        op.drop_column("platform_upload", "id")  # its sequence goes with it
        op.drop_constraint("uq_platform_upload_enterprise_id", "platform_upload", type_="unique")
        op.create_primary_key(
            "pk_platform_upload", "platform_upload", ["day", "enterprise_id", "platform_id"]
        )
        return
    op.create_table(
        "_platform_upload_new",
        *_value_columns(),
        sa.PrimaryKeyConstraint("day", "enterprise_id", "platform_id", name="pk_platform_upload"),
        *_checks(),
        sqlite_with_rowid=False,
    )
    op.execute(
        f"INSERT INTO _platform_upload_new ({COLUMNS}) SELECT {COLUMNS} FROM platform_upload "
        "ORDER BY day, enterprise_id, platform_id"
    )
    op.drop_table("platform_upload")
    op.rename_table("_platform_upload_new", "platform_upload")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("pk_platform_upload", "platform_upload", type_="primary")
        op.execute("ALTER TABLE platform_upload ADD COLUMN id BIGSERIAL NOT NULL")
        op.create_primary_key("pk_platform_upload", "platform_upload", ["id"])
        op.create_unique_constraint(
            "uq_platform_upload_enterprise_id", "platform_upload", ["enterprise_id", "day", "platform_id"]
        )
        return
    op.create_table(
        "_platform_upload_old",
        sa.Column("id", sa.Integer(), nullable=False),
        *_value_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_platform_upload"),
        sa.UniqueConstraint("enterprise_id", "day", "platform_id", name="uq_platform_upload_enterprise_id"),
        *_checks(),
    )
    op.execute(
        f"INSERT INTO _platform_upload_old ({COLUMNS}) SELECT {COLUMNS} FROM platform_upload "
        "ORDER BY enterprise_id, day, platform_id"
    )
    op.drop_table("platform_upload")
    op.rename_table("_platform_upload_old", "platform_upload")
