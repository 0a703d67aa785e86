"""What every command shares: the engine and clean one-line errors."""

from __future__ import annotations

import click
from sqlalchemy import Engine

from traceboard.data.db import make_engine

_ENGINES: dict[str | None, Engine] = {}


class CommandError(click.ClickException):
    """A user-facing failure: one line on stderr, exit code ``exit_code`` (default 1)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"traceboard: {self.format_message()}", err=True)


def get_engine() -> Engine:
    """The engine of the configured database (--database-url or TRACEBOARD_DATABASE_URL), made once."""
    ctx = click.get_current_context(silent=True)
    url = ctx.find_root().params.get("database_url") if ctx else None
    if url not in _ENGINES:
        _ENGINES[url] = make_engine(url)
    return _ENGINES[url]


def reset_engines() -> None:
    """Dispose of and forget the engines (tests switch databases within one process)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()
