"""Alerts approved before approvals had a stated date get one: the day of approved_at, or the
publication date when that is earlier (imported as already published); drafts get none."""

import datetime as dt

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from tests.data.test_backup import empty_url  # noqa: F401 (a fixture)
from traceboard.data.db import make_engine
from traceboard.data.migrate import alembic_config, upgrade_schema

# id, state, approved_at (UTC), published_on, the approval date the migration gives it
ALERTS = [
    (1, "published", dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), dt.date(2026, 3, 5), dt.date(2026, 3, 2)),
    (2, "published", dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC), dt.date(2020, 3, 1), dt.date(2020, 3, 1)),
    (3, "approved", dt.datetime(2026, 6, 1, 23, 0, tzinfo=dt.UTC), None, dt.date(2026, 6, 1)),
    (4, "draft", None, None, None),
]


def approval_revision() -> tuple[str, str]:
    script = ScriptDirectory.from_config(alembic_config())
    found = [r for r in script.walk_revisions() if r.path.endswith("_alert_approval_date.py")]
    assert len(found) == 1
    return found[0].revision, found[0].down_revision


def as_date(value):
    return value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(value)


def test_old_approvals_get_a_stated_date_and_the_column_goes_back(empty_url):  # noqa: F811
    revision, before = approval_revision()
    engine = make_engine(empty_url)
    upgrade_schema(engine, before)
    with engine.begin() as conn:
        for alert_id, state, approved_at, published_on, _ in ALERTS:
            conn.execute(
                text(
                    "INSERT INTO consumer_alert (id, title, body, severity, state, drafted_by, drafted_at, "
                    "approved_by, approved_at, published_on) VALUES (:id, :t, '正文', 'info', :state, 'li', "
                    ":drafted, :by, :approved_at, :published_on)"
                ),
                {
                    "id": alert_id,
                    "t": f"提示{alert_id}",
                    "state": state,
                    "drafted": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                    "by": "wang" if approved_at else None,
                    "approved_at": approved_at,
                    "published_on": published_on,
                },
            )
    upgrade_schema(engine, revision)
    with engine.connect() as conn:
        got = dict(conn.execute(text("SELECT id, approved_on FROM consumer_alert")).all())
    assert {k: as_date(v) for k, v in got.items()} == {a[0]: a[4] for a in ALERTS}

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, before)
    assert "approved_on" not in [c["name"] for c in inspect(engine).get_columns("consumer_alert")]
    upgrade_schema(engine, "head")
    assert "approved_on" in [c["name"] for c in inspect(engine).get_columns("consumer_alert")]
    engine.dispose()
