"""The ``traceboard`` command: a thin face over the same calls the dashboard makes."""

from __future__ import annotations

import gettext
import os
import sys

import click

from traceboard.accounts.authz import PermissionDenied
from traceboard.cli import (
    adoption_cmds,
    alert_cmds,
    assess_cmds,
    audit_cmds,
    bench_cmds,
    blacklist_cmds,
    draw_cmds,
    io_cmds,
    platform_cmds,
    setup_cmds,
    timetable_cmds,
    user_cmds,
)
from traceboard.cli.common import CommandError, echo, said
from traceboard.data.db import DatabaseUnavailable
from traceboard.data.reference import ReferenceError
from traceboard.data.text_rules import TextRejected
from traceboard.i18n import LOCALES, Message, cli_language
from traceboard.services.audit_trail import AuditKeyError, AuditSealError

# Each module registers its commands on the group; add new areas here.
COMMAND_MODULES = (
    setup_cmds,
    bench_cmds,
    user_cmds,
    audit_cmds,
    io_cmds,
    blacklist_cmds,
    alert_cmds,
    assess_cmds,
    draw_cmds,
    adoption_cmds,
    platform_cmds,
    timetable_cmds,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--database-url",
    envvar="TRACEBOARD_DATABASE_URL",
    default=None,
    help="Database URL (default: SQLite file var/traceboard.db; env TRACEBOARD_DATABASE_URL).",
)
@click.version_option(package_name="traceboard")
def cli(database_url: str | None) -> None:
    """traceboard — 湘乡市重要产品追溯体系建设监管平台."""


for _module in COMMAND_MODULES:
    _module.register(cli)


def speak_clicks_words() -> None:
    """Click words its usage, help headings and errors ("Usage:", "Options", "No such command")
    through gettext's default domain; bind it to the catalogs' folder, where Chinese has
    ``zh/LC_MESSAGES/messages.mo``, and pick the command line's language (docs/interface.md)."""
    gettext.bindtextdomain(gettext.textdomain(), str(LOCALES))
    language = cli_language()
    if os.environ.get("LANGUAGE") != language:
        os.environ["LANGUAGE"] = language  # what gettext consults first; English finds no file
        _forget_help_options(cli)


def _forget_help_options(command: click.Command) -> None:
    """Click builds each command's ``--help`` option once, its help text worded in the language of
    that moment, and keeps it: when one process speaks another language next (the tests do), the
    options are built again in it."""
    if hasattr(command, "_help_option"):
        command._help_option = None
    for sub in getattr(command, "commands", {}).values():
        _forget_help_options(sub)


def main(argv: list[str] | None = None) -> int:
    """Entry point: known failures become one line on stderr, never a traceback."""
    speak_clicks_words()
    try:
        # Without standalone mode click returns the code of ctx.exit()/Exit instead of exiting.
        result = cli.main(args=argv, prog_name="traceboard", standalone_mode=False)
    except click.exceptions.Abort:
        echo(Message("cli.aborted"), err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (PermissionDenied, AuditSealError, TextRejected) as exc:
        click.echo(f"traceboard: {said(exc)}", err=True)
        return 1
    except (DatabaseUnavailable, ReferenceError, AuditKeyError) as exc:
        click.echo(f"traceboard: {said(exc)}", err=True)
        return 2
    return result if isinstance(result, int) else 0


__all__ = ["CommandError", "cli", "main"]

if __name__ == "__main__":
    sys.exit(main())
