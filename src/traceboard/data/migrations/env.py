"""Alembic environment: migrations run against traceboard's metadata.

The engine comes from ``config.attributes["connection"]`` when the caller
(``traceboard.data.migrate``) passes one, else from the configured URL.
"""

from alembic import context

from traceboard.data.db import make_engine
from traceboard.data.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or None
    with make_engine(url).connect() as conn:
        run_migrations(conn)
