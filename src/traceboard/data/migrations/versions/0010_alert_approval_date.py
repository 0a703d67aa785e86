"""a consumer alert's approval carries a stated date (approved_on)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 02:00:00

An approval, like every other decision, states the day it was taken (``approved_on``,
never after today, not before the draft; the publication not before it), apart from
the real time it was recorded (``approved_at``). Alerts approved before this revision
get the day of ``approved_at`` — or their publication date when that is earlier: an
alert imported as already published was recorded (and so "approved") after it was
published, and its approval can have been no later than its publication.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("consumer_alert", sa.Column("approved_on", sa.Date(), nullable=True))
    alert = sa.table(
        "consumer_alert",
        sa.column("id", sa.Integer()),
        sa.column("approved_at", sa.DateTime(timezone=True)),
        sa.column("approved_on", sa.Date()),
        sa.column("published_on", sa.Date()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(alert.c.id, alert.c.approved_at, alert.c.published_on).where(
            alert.c.approved_at.is_not(None)
        )
    ).all()
    for row in rows:  # a few hundred alerts at most: one statement each is clearer than a dialect's date SQL
        day = row.approved_at.date()  # the typed column reads a datetime on both backends
        if row.published_on is not None and row.published_on < day:
            day = row.published_on
        bind.execute(sa.update(alert).where(alert.c.id == row.id).values(approved_on=day))


def downgrade() -> None:
    # plain ALTER TABLE (SQLite ≥ 3.35 too), as 0008
    op.execute("ALTER TABLE consumer_alert DROP COLUMN approved_on")
