"""不予评定 has no rank: the migration turns the old stored 0 into NULL, locked runs included, and back."""

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.data.test_backup import empty_url  # noqa: F401 (a fixture)
from traceboard.data.assessment_store import load_run
from traceboard.data.db import make_engine
from traceboard.data.migrate import alembic_config, upgrade_schema

# unit id, score, grade, rank as an older traceboard stored them (0: not graded)
OLD_ROWS = [(1, 91.5, "优秀", 1), (2, 70.0, "合格", 2), (3, 40.0, "不予评定", 0)]


def unranked_revision() -> tuple[str, str]:
    script = ScriptDirectory.from_config(alembic_config())
    found = [r for r in script.walk_revisions() if r.path.endswith("_unranked_is_null.py")]
    assert len(found) == 1
    return found[0].revision, found[0].down_revision


def ranks(engine) -> dict[tuple[int, int], int | None]:
    with engine.connect() as conn:
        rows = conn.execute(text('SELECT run_id, unit_id, "rank" FROM unit_score')).all()
    return {(r[0], r[1]): r[2] for r in rows}


def seed_old_runs(engine) -> None:
    """A locked run and a draft run, each with a unit stored with rank 0 for 不予评定."""
    with engine.begin() as conn:
        for i in (1, 2, 3):
            conn.execute(
                text(
                    "INSERT INTO unit (id, code, name, kind, is_office, sort_order) "
                    "VALUES (:i, :code, :name, 'department', false, :i)"
                ),
                {"i": i, "code": f"D{i}", "name": f"部门{i}"},
            )
        for i, kind in ((1, "department"), (2, "township")):
            conn.execute(
                text(
                    "INSERT INTO indicator_set (id, year, unit_kind, definition, sha256, loaded_at) "
                    "VALUES (:i, 2025, :kind, '{}', :sha, CURRENT_TIMESTAMP)"
                ),
                {"i": i, "kind": kind, "sha": str(i) * 64},
            )
        for run_id, status in ((1, "draft"), (2, "draft")):
            conn.execute(
                text(
                    "INSERT INTO assessment_run (id, year, version, status, department_set_id, "
                    "township_set_id, created_at, created_by) "
                    "VALUES (:r, 2025, :r, :s, 1, 2, CURRENT_TIMESTAMP, 'kao')"
                ),
                {"r": run_id, "s": status},
            )
            for unit_id, score, grade, rank in OLD_ROWS:
                conn.execute(
                    text(
                        'INSERT INTO unit_score (run_id, unit_id, score, grade, "rank") '
                        "VALUES (:r, :u, :score, :grade, :rank)"
                    ),
                    {"r": run_id, "u": unit_id, "score": score, "grade": grade, "rank": rank},
                )
        conn.execute(text("UPDATE assessment_run SET status = 'locked' WHERE id = 1"))


def test_not_graded_rank_zero_becomes_null_locked_runs_too_and_back(empty_url):  # noqa: F811
    revision, before = unranked_revision()
    engine = make_engine(empty_url)
    upgrade_schema(engine, before)
    seed_old_runs(engine)
    old = ranks(engine)
    assert old[(1, 3)] == 0 and old[(2, 3)] == 0

    upgrade_schema(engine, revision)
    new = ranks(engine)
    assert new[(1, 3)] is None and new[(2, 3)] is None  # the locked run's too
    assert {k: v for k, v in new.items() if k[1] != 3} == {k: v for k, v in old.items() if k[1] != 3}
    units = load_run(engine, 1)[1].set_index("unit_id")
    assert units.loc[3, "grade"] == "不予评定" and units["rank"].isna().tolist() == [False, False, True]
    # the locked run is guarded again after the migration
    with pytest.raises(DBAPIError, match="assessment run is locked"), engine.begin() as conn:
        conn.execute(text('UPDATE unit_score SET "rank" = 7 WHERE run_id = 1 AND unit_id = 3'))
    with engine.begin() as conn:  # the draft is not
        conn.execute(text("UPDATE unit_score SET score = 41 WHERE run_id = 2 AND unit_id = 3"))

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, before)
    assert ranks(engine) == old
    with pytest.raises(DBAPIError, match="assessment run is locked"), engine.begin() as conn:
        conn.execute(text("DELETE FROM unit_score WHERE run_id = 1"))
    upgrade_schema(engine, "head")
    assert ranks(engine)[(1, 3)] is None
    engine.dispose()
