"""the plan's duties, the work ledger (duty records) and the counties' published adoption rates

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 19:30:00

``duty`` and ``duty_department`` come from the reference file (who carries which
duty of the plan); ``duty_record`` is the units' work ledger (工作台账) that
shows a duty done; ``county_adoption`` holds the rates 湘潭市 publishes for
its counties, to rank the city among them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("plan_part", sa.String(length=8), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("sector_id", sa.Integer(), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.CheckConstraint("basis IN ('plan', 'office')", name=op.f("ck_duty_basis")),
        sa.ForeignKeyConstraint(["sector_id"], ["sector.id"], name=op.f("fk_duty_sector_id_sector")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty")),
        sa.UniqueConstraint("code", name=op.f("uq_duty_code")),
        sa.UniqueConstraint("name", name=op.f("uq_duty_name")),
    )
    op.create_table(
        "duty_department",
        sa.Column("duty_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["unit.id"], name=op.f("fk_duty_department_department_id_unit")
        ),
        sa.ForeignKeyConstraint(["duty_id"], ["duty.id"], name=op.f("fk_duty_department_duty_id_duty")),
        sa.PrimaryKeyConstraint("duty_id", "department_id", name=op.f("pk_duty_department")),
    )
    op.create_table(
        "duty_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("duty_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("document_no", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name=op.f("ck_duty_record_amount")),
        sa.ForeignKeyConstraint(["duty_id"], ["duty.id"], name=op.f("fk_duty_record_duty_id_duty")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_duty_record_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_duty_record_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_record")),
    )
    with op.batch_alter_table("duty_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_record_duty_id"), ["duty_id"], unique=False)
        batch_op.create_index("ix_duty_record_unit_date", ["unit_id", "occurred_on"], unique=False)
    op.create_table(
        "county_adoption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county", sa.String(length=50), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.CheckConstraint("rate >= 0 AND rate <= 1", name=op.f("ck_county_adoption_rate")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_county_adoption")),
        sa.UniqueConstraint("county", "year", name=op.f("uq_county_adoption_county")),
    )


def downgrade() -> None:
    op.drop_table("county_adoption")
    with op.batch_alter_table("duty_record", schema=None) as batch_op:
        batch_op.drop_index("ix_duty_record_unit_date")
        batch_op.drop_index(batch_op.f("ix_duty_record_duty_id"))
    op.drop_table("duty_record")
    op.drop_table("duty_department")
    op.drop_table("duty")
