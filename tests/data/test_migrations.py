from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select

from traceboard.data.migrate import alembic_config, current_revision, head_revision, init_database
from traceboard.data.models import Base, Sector, Subcategory, Unit


def test_migrations_have_a_single_head():
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_upgraded_database_matches_the_models(engine):
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}


def test_init_is_idempotent_and_loads_the_city(engine, reference):
    result = init_database(engine)
    assert result.revision_before == result.revision_after == head_revision()
    assert result.reference_changes == 0
    with engine.connect() as conn:
        kinds = dict(conn.execute(select(Unit.kind, func.count()).group_by(Unit.kind)).all())
        assert kinds == {"subdistrict": 4, "town": 15, "township": 3, "zone": 2, "department": 19}
        assert conn.scalar(select(func.count()).select_from(Sector)) == 6
        assert conn.scalar(select(func.count()).select_from(Subcategory)) == sum(
            len(s.subcategories) for s in reference.sectors
        )
