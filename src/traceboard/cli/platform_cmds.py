"""``traceboard platform``: the traceability platforms and their feeds.

Exit codes of ``ingest``: 0 ingested (or nothing to change), 1 problems (one
line per problem on stdout, nothing written), 2 unreadable file.
"""

from __future__ import annotations

from pathlib import Path

import click

from traceboard.cli.common import CommandError, acting_user, as_option, echo, get_engine
from traceboard.cli.io_cmds import unreadable
from traceboard.i18n import Message, cli_language
from traceboard.services.platform_feeds import (
    FeedRejected,
    UnreadableFeed,
    export_feed,
    ingest_feed,
    list_platforms,
)


@click.group("platform")
def platform_group() -> None:
    """Traceability platforms (追溯平台) and the uploads they report."""


@platform_group.command("list")
def list_cmd() -> None:
    """Print the platforms: code, a tab, the Chinese name; one per line."""
    for row in list_platforms(get_engine()).itertuples(index=False):
        click.echo(f"{row.code}\t{row.name}")


@platform_group.command("ingest")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@as_option
def ingest_cmd(file: Path, acting_as) -> None:
    """Ingest a platform feed (JSON Lines or CSV, docs/platform-exchange.md): all rows or none.

    \b
    The same platform, enterprise and day again replaces the earlier figures;
    ingesting the same file twice changes nothing.
    Exit 0: ingested; exit 1: problems, one line each as `FILE, row N, column 'value': reason`
    — nothing written; exit 2: the file cannot be read.
    """
    actor = acting_user(acting_as, "register.manage")
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise CommandError(Message("cli.cannot_read", file=file, reason=exc.strerror), exit_code=2) from None
    try:
        summary = ingest_feed(get_engine(), actor, content, file.name)
    except UnreadableFeed as exc:  # worded from the catalogs in Chinese, as `import` words its files
        raise CommandError(unreadable(str(exc), file.name, exc), exit_code=2) from None
    except FeedRejected as exc:
        for line in exc.lines(lang=cli_language()):
            click.echo(line)
        raise CommandError(exc) from None
    echo(summary.describe())


@platform_group.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, metavar="FILE.jsonl")
@as_option
def export_cmd(out: Path, acting_as) -> None:
    """Write every recorded upload as a feed (JSON Lines) that `platform ingest` reads back."""
    actor = acting_user(acting_as, "register.export")
    content = export_feed(get_engine(), actor)
    out.write_bytes(content)
    rows = content.count(b"\n")
    echo(Message("cli.platform.written", rows=rows, file=out))


def register(group: click.Group) -> None:
    group.add_command(platform_group)
