"""What every command shares: the engine and clean one-line errors."""

from __future__ import annotations

import datetime as dt
import json

import click
import pandas as pd
from sqlalchemy import Engine

from traceboard import config
from traceboard.accounts.authz import Actor, PermissionDenied, UnknownActor, require
from traceboard.data.db import make_engine
from traceboard.files.tables import to_csv_bytes
from traceboard.i18n import Message, cli_language, word
from traceboard.services.accounts import actor_named
from traceboard.services.record import schema_is_current

_ENGINES: dict[str | None, Engine] = {}
DATE = click.DateTime(formats=["%Y-%m-%d"])


class CommandError(click.ClickException):
    """A user-facing failure: one line on stderr, exit code ``exit_code`` (default 1).

    ``message`` is text, or a domain error or ``Message`` (``traceboard.i18n``), worded in the
    command line's language (``TRACEBOARD_LANG``, else the terminal's locale)."""

    def __init__(self, message: object, exit_code: int = 1) -> None:
        super().__init__(str(message))
        self.said = message
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"traceboard: {said(self.said)}", err=True)


def said(value: object) -> str:
    """A domain message (or an error carrying one) in the command line's language; else its text."""
    return word(value, cli_language())


def echo(value: object, err: bool = False) -> None:
    """Print a line of the command line's own (a ``Message`` of ``locales/*/cli.toml``) in its language."""
    click.echo(said(value), err=err)


def get_engine() -> Engine:
    """The engine of the configured database (--database-url or TRACEBOARD_DATABASE_URL), made once."""
    ctx = click.get_current_context(silent=True)
    url = ctx.find_root().params.get("database_url") if ctx else None
    if url not in _ENGINES:
        _ENGINES[url] = make_engine(config.with_database_password(url) if url else None)
    return _ENGINES[url]


def reset_engines() -> None:
    """Dispose of and forget the engines (tests switch databases within one process)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def as_option(command):
    """``--as NAME``: the acting user, required by every command that changes the record."""
    return click.option(
        "--as",
        "acting_as",
        metavar="NAME",
        envvar="TRACEBOARD_AS",
        help="Act as this user (must be an active account whose role allows the act).",
    )(command)


def acting_user(name: str | None, permission: str, department_id: int | None = None) -> Actor:
    """Resolve ``--as NAME`` and check ``permission``; a CommandError (exit 1) otherwise."""
    if not name:
        raise CommandError(Message("cli.as_required"))
    try:
        return require(actor_named(get_engine(), name), permission, department_id)
    except (UnknownActor, PermissionDenied) as exc:
        raise CommandError(exc) from None


def require_schema() -> None:
    """Refuse (exit 1) on a database that ``traceboard init`` has not set up."""
    if not schema_is_current(get_engine()):
        raise CommandError(Message("cli.not_initialised"))


def day_or_today(value: dt.datetime | None) -> dt.date:
    """The date of a ``DATE`` option, today when it was not given."""
    return value.date() if value else dt.date.today()


def _plain(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.isoformat() if isinstance(value, dt.date) else value


def echo_frame(frame: pd.DataFrame, fmt: str) -> None:
    if fmt == "json":
        rows = [{k: _plain(v) for k, v in r.items()} for r in frame.to_dict("records")]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(to_csv_bytes(frame).decode("utf-8-sig"), nl=False)
    elif frame.empty:
        echo(Message("cli.none"))
    else:
        click.echo(frame.map(lambda v: "" if _plain(v) is None else v).to_string(index=False))
