"""an indicator's 说明 is kept as facts, worded in the reader's language

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 22:40:00

``indicator_score.explanation_facts`` (JSON): the measure, its unit, the rule, the
measured value, the target, the weight and the points, which the pages, the workbook
and the PDF word from the message catalogs in their language. ``explanation`` keeps
the line of text as worded when the run was saved (in Chinese from this revision on);
runs saved before have no facts and their text stays as it was stored. A column is
only added: the rows of locked runs, which triggers guard, are not touched.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("indicator_score", sa.Column("explanation_facts", sa.JSON(), nullable=True))


def downgrade() -> None:
    # plain ALTER TABLE (SQLite ≥ 3.35 too): a batch copy would drop the locked-run triggers
    op.execute("ALTER TABLE indicator_score DROP COLUMN explanation_facts")
