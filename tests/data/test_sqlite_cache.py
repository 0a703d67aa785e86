"""SQLite's page cache per pooled connection: reads keep SQLite's default, a write transaction gets
the large cache for its index builds and gives it back when its connection returns to the pool."""

from sqlalchemy import text

from traceboard.data.db import SQLITE_READ_CACHE, SQLITE_WRITE_CACHE, make_engine, transaction


def _cache_size(conn) -> str:
    return str(conn.execute(text("PRAGMA cache_size")).scalar())


def test_reads_keep_the_small_cache_and_a_write_gives_its_large_one_back(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    try:
        with engine.connect() as conn:
            assert _cache_size(conn) == SQLITE_READ_CACHE
        with transaction(engine) as session:
            assert _cache_size(session.connection()) == SQLITE_WRITE_CACHE
            session.execute(text("CREATE TABLE t (x INTEGER)"))
        # the pool hands back the connection that wrote (one in use at a time): small again
        with engine.connect() as conn:
            assert _cache_size(conn) == SQLITE_READ_CACHE
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
        with transaction(engine) as session:  # and large again for the next write
            assert _cache_size(session.connection()) == SQLITE_WRITE_CACHE
    finally:
        engine.dispose()
