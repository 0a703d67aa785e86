"""The record as a whole: ``audit verify``, ``backup``, ``restore``."""

from __future__ import annotations

from pathlib import Path

import click

from traceboard.cli.common import CommandError, get_engine, require_schema
from traceboard.services import record


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check the whole chain: exit 0 when intact, exit 1 naming the first broken row."""
    require_schema()
    broken = record.verify_audit_chain(get_engine())
    if broken is not None:
        raise CommandError(f"audit chain broken at row {broken.row_id}: {broken.reason}")
    click.echo("audit chain intact")


@click.command("backup")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File.")
def backup_cmd(out: Path) -> None:
    """Write a consistent snapshot of the whole record (safe while the app runs)."""
    try:
        summary = record.write_backup(get_engine(), out)
    except record.BackupError as exc:
        raise CommandError(str(exc)) from None
    click.echo(f"backup written to {out}: {summary.rows:,} rows in {len(summary.counts)} tables")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_cmd(file: Path) -> None:
    """Restore a backup into an EMPTY database (refuses one that holds any row)."""
    try:
        summary = record.restore_backup(get_engine(), file)
    except record.BackupError as exc:
        raise CommandError(str(exc)) from None
    click.echo(f"restored {summary.rows:,} rows in {len(summary.counts)} tables (schema {summary.revision})")


def register(group: click.Group) -> None:
    for command in (audit_group, backup_cmd, restore_cmd):
        group.add_command(command)
