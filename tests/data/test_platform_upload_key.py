"""platform_upload keyed by (enterprise, day, platform): the migration keeps every row, both ways."""

import datetime as dt

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tests.data.test_backup import empty_url  # noqa: F401 (a fixture)
from traceboard.data.db import make_engine
from traceboard.data.migrate import alembic_config, upgrade_schema

ROWS = [  # platform, enterprise, day, records, batches, items
    (1, 10, dt.date(2026, 10, 1), 5, None, 63),
    (2, 10, dt.date(2026, 10, 1), 3, 1, None),
    (1, 11, dt.date(2026, 10, 2), 0, 0, 1),
    (1, 10, dt.date(2026, 9, 30), 7, 2, 31),
]
COLUMNS = "platform_id, enterprise_id, day, records, batches, items"


def natural_key_revision() -> tuple[str, str]:
    """The revision that made the key primary, and the one before it."""
    script = ScriptDirectory.from_config(alembic_config())
    found = [r for r in script.walk_revisions() if r.path.endswith("_platform_upload_natural_key.py")]
    assert len(found) == 1
    return found[0].revision, found[0].down_revision


def uploads(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {COLUMNS} FROM platform_upload ORDER BY {COLUMNS}")).all()
    return [
        (*r[:2], r[2] if isinstance(r[2], dt.date) else dt.date.fromisoformat(r[2]), *r[3:]) for r in rows
    ]


def test_the_natural_key_migration_keeps_every_upload_and_goes_back(empty_url):  # noqa: F811
    revision, before = natural_key_revision()
    engine = make_engine(empty_url)
    upgrade_schema(engine, before)
    with engine.begin() as conn:
        for i, row in enumerate(ROWS, 1):
            values = dict(zip(["p", "e", "d", "r", "b", "i"], row, strict=True))
            conn.execute(
                text(f"INSERT INTO platform_upload (id, {COLUMNS}) VALUES (:id, :p, :e, :d, :r, :b, :i)"),
                {"id": 100 + i, **values},
            )
    upgrade_schema(engine, revision)
    assert uploads(engine) == sorted(ROWS)
    table = inspect(engine)
    assert "id" not in [c["name"] for c in table.get_columns("platform_upload")]
    assert table.get_pk_constraint("platform_upload")["constrained_columns"] == [
        "day",
        "enterprise_id",
        "platform_id",
    ]
    with pytest.raises(IntegrityError), engine.begin() as conn:  # the key still holds
        conn.execute(
            text(f"INSERT INTO platform_upload ({COLUMNS}) VALUES (1, 10, :d, 9, NULL, NULL)"),
            {"d": dt.date(2026, 10, 1)},
        )

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, before)
    assert uploads(engine) == sorted(ROWS)
    with engine.begin() as conn:  # the id is back and numbers new rows
        conn.execute(
            text(f"INSERT INTO platform_upload ({COLUMNS}) VALUES (3, 12, :d, 1, NULL, NULL)"),
            {"d": dt.date(2026, 10, 3)},
        )
        ids = conn.execute(text("SELECT id FROM platform_upload ORDER BY id")).scalars().all()
    assert len(set(ids)) == len(ROWS) + 1
    upgrade_schema(engine, "head")
    assert len(uploads(engine)) == len(ROWS) + 1
    engine.dispose()
