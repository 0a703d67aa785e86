"""The ``traceboard`` command: a thin face over the same calls the dashboard makes."""

from __future__ import annotations

import functools
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
from traceboard.cli.help_format import measure_in_columns
from traceboard.data.db import DatabaseUnavailable
from traceboard.data.reference import ReferenceError
from traceboard.data.text_rules import TextRejected
from traceboard.files.read_limits import caps_values
from traceboard.i18n import LOCALES, Message, cli_language, load_cli_help
from traceboard.memory import tune_malloc
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
measure_in_columns(cli)


def speak_clicks_words() -> None:
    """Click words its usage, help headings and errors ("Usage:", "Options", "No such command")
    through gettext's default domain; bind it to the catalogs' folder, where Chinese has
    ``zh/LC_MESSAGES/messages.mo``, and pick the command line's language (docs/interface.md)."""
    gettext.bindtextdomain(gettext.textdomain(), str(LOCALES))
    language = cli_language()
    if os.environ.get("LANGUAGE") != language:
        os.environ["LANGUAGE"] = language  # what gettext consults first; English finds no file
        _forget_help_options(cli)
    speak_help(language)


def command_paths(command: click.Command = cli, path: str = "traceboard"):
    """Every command of the tree with its path in the help catalog: ``traceboard`` for the group
    itself, ``import``, ``draw.commit`` … below it."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from command_paths(sub, name if command is cli else f"{path}.{name}")


# The numbers an epilog of the help catalog says, by command path (the English has them in code).
HELP_VALUES = {"import": caps_values()}


def speak_help(language: str) -> None:
    """Word each command's help and short help and each option's help in ``language``, from
    ``locales/<language>/cli_help.toml`` (docs/interface.md). The code's texts are the English:
    they are kept on first sight, so English (no catalog) puts them back, and a text the catalog
    lacks stays English."""
    catalog = load_cli_help(language)
    for path, command in paths_cached():
        entry = catalog.get(path, {})
        help_text, short_help, epilog = command.__dict__.setdefault(
            "_english_help", (command.help, command.short_help, command.epilog)
        )
        if "help" in entry:
            help_text = entry["help"].strip()
            short_help = entry.get("short_help") or first_sentence(help_text)
        if "epilog" in entry:
            epilog = entry["epilog"].strip().format(**HELP_VALUES.get(path, {}))
        command.help, command.short_help, command.epilog = help_text, short_help, epilog
        options = entry.get("options", {})
        for param in command.params:
            english = param.__dict__.setdefault("_english_help", getattr(param, "help", None))
            if english is not None:
                param.help = options.get(param.name, english)


@functools.cache
def paths_cached() -> tuple[tuple[str, click.Command], ...]:
    return tuple(command_paths())


def first_sentence(text: str) -> str:
    """The command list's line for a Chinese help: its first paragraph up to the first 。
    (Click cuts English at the first ". ", which Chinese does not have)."""
    paragraph = text.split("\n\n", 1)[0].replace("\n", "")
    return paragraph.split("。", 1)[0]


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
    tune_malloc()  # arenas and large blocks for a process that may hold a million rows (traceboard.memory)
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
