"""a year's checks are found by their date (index on inspection.checked_on)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 02:00:00

The assessment reads the checks made in a year (``checks_between``), the chosen year and the
year before on 年度考核. Without an index on ``checked_on`` each read scanned every check
(230,000 at a million enterprises) for the tenth it keeps; ``ix_inspection_enterprise_date``
starts with the enterprise, so it cannot serve a range of dates alone.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_inspection_checked_on"), "inspection", ["checked_on"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_inspection_checked_on"), table_name="inspection")
