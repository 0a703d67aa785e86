"""Acting as an insider with write access to the database: drop the append-only triggers first.

The triggers come back when the block ends (the PostgreSQL test database is shared by the
tests of a run)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

TABLES = ("audit_log", "audit_checkpoint")


@contextmanager
def without_append_only_guard(engine: Engine) -> Iterator[None]:
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as conn:
        for table in TABLES:
            if sqlite:
                for verb in ("update", "delete"):
                    conn.execute(text(f"DROP TRIGGER {table}_no_{verb}"))
            else:
                conn.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
    try:
        yield
    finally:
        with engine.begin() as conn:
            for table in TABLES:
                if sqlite:
                    for verb in ("UPDATE", "DELETE"):
                        conn.execute(
                            text(
                                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} BEGIN "
                                f"SELECT RAISE(ABORT, '{table} is append-only: rows are never updated or "
                                "deleted'); END"
                            )
                        )
                else:
                    conn.execute(
                        text(
                            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
                        )
                    )
