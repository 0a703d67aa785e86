"""a draw keeps its candidates' ids apart from its frozen list (candidate_ids)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 05:10:00

``draw.candidate_ids``: each stratum's label and candidate ids, in the frozen list's order,
written with the draw at commit (``{"strata": [{"stratum", "ids"}]}``). The estimates weigh
checks by their draw's candidates: read from here, a million candidates are a few megabytes of
integers, not the frozen list's 94 MB of codes, pools and townships to decode (docs/draw.md,
*What the pages read of a draw*). Draws committed before this revision have none and are read
from their frozen list, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("draw", sa.Column("candidate_ids", sa.JSON(), nullable=True))


def downgrade() -> None:
    # plain ALTER TABLE (SQLite ≥ 3.35 too), as 0008
    op.execute("ALTER TABLE draw DROP COLUMN candidate_ids")
