"""a unit graded 不予评定 has no rank: NULL, not 0

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 01:40:00

``unit_score.rank`` becomes nullable and the rank of every 不予评定 row stored as 0 (the
old stand-in for "no place in the ranking") becomes NULL, so that no reader can take 0
for a place. The rows of locked runs are included: the triggers of 0002 that refuse
any change to a locked run are lifted for this one statement, in this transaction, and
put back as they were — the run's meaning does not change (0 already meant "not
ranked" and was read back as no rank), only how the store says it. The downgrade
turns NULL back into 0 the same way.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_GRADED = "不予评定"
# as 0002 made them (SQLite); on PostgreSQL the trigger is disabled and enabled again instead
MESSAGE = "assessment run is locked: its scores never change; re-run to make a new version"
CONDITION = "(SELECT status FROM assessment_run WHERE id = OLD.run_id) = 'locked'"


def _sqlite_triggers(create: bool) -> None:
    for verb in ("UPDATE", "DELETE"):
        name = f"unit_score_locked_{verb.lower()}"
        if create:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {verb} ON unit_score "
                f"WHEN {CONDITION} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _rewrite(nullable: bool, statement: str) -> None:
    """Change the column's nullability and rewrite the not-graded ranks, past the locked-run guard."""
    params = {"grade": NOT_GRADED} if ":grade" in statement else {}
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers(create=False)  # the table copy below would drop them anyway
        if not nullable:  # NOT NULL only once no NULL is left
            op.execute(sa.text(statement).bindparams(**params))
        with op.batch_alter_table("unit_score", recreate="always") as batch:
            batch.alter_column("rank", existing_type=sa.Integer(), nullable=nullable)
        if nullable:
            op.execute(sa.text(statement).bindparams(**params))
        _sqlite_triggers(create=True)
        return
    op.execute("ALTER TABLE unit_score DISABLE TRIGGER unit_score_locked")
    if nullable:
        op.alter_column("unit_score", "rank", existing_type=sa.Integer(), nullable=True)
    op.execute(sa.text(statement).bindparams(**params))
    if not nullable:
        op.alter_column("unit_score", "rank", existing_type=sa.Integer(), nullable=False)
    op.execute("ALTER TABLE unit_score ENABLE TRIGGER unit_score_locked")


def upgrade() -> None:
    _rewrite(True, 'UPDATE unit_score SET "rank" = NULL WHERE grade = :grade AND "rank" = 0')


def downgrade() -> None:
    _rewrite(False, 'UPDATE unit_score SET "rank" = 0 WHERE "rank" IS NULL')
