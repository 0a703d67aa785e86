"""The audit trail and the whole record: ``audit verify``, ``audit checkpoint``, ``backup``, ``restore``."""

from __future__ import annotations

from pathlib import Path

import click

from traceboard.cli.common import CommandError, acting_user, as_option, echo, get_engine, require_schema
from traceboard.i18n import Message
from traceboard.services import audit_trail
from traceboard.services.audit_trail import BackupError, CheckpointFileError


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit log and its signed checkpoints."""


@audit_group.command("verify")
@click.option(
    "--against",
    "against",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also check a checkpoint saved elsewhere (e.g. the site's audit-checkpoint.json); repeatable.",
)
def audit_verify(against: tuple[Path, ...]) -> None:
    """Check the chain and every checkpoint: exit 0 when they agree, exit 1 naming what does not.

    Checked: every row's hash and link; every stored checkpoint's signature, row count and
    head hash; that checkpoints cover every row from the first one on; the copy of the
    latest checkpoint kept outside the database; and each --against file."""
    require_schema()
    try:
        report = audit_trail.verify_audit(get_engine(), against)
    except CheckpointFileError as exc:
        raise CommandError(exc, exit_code=2) from None
    if not report.ok:
        raise CommandError(report.problem)
    latest = report.latest.label if report.latest else Message("cli.audit.none_yet")
    echo(
        Message(
            "cli.audit.intact",
            rows=report.rows,
            stored=report.stored,
            outside=report.outside,
            latest=latest,
        )
    )


@audit_group.command("checkpoint")
@as_option
def audit_checkpoint(acting_as) -> None:
    """Seal the log now with a signed checkpoint; print it (JSON) to keep elsewhere."""
    require_schema()
    actor = acting_user(acting_as, "audit.read")
    checkpoint = audit_trail.write_checkpoint(get_engine(), actor)
    click.echo(checkpoint.to_json().decode("utf-8"), nl=False)


@audit_group.command("rotate-key")
@as_option
def audit_rotate_key(acting_as) -> None:
    """Hand the checkpoints' signing key over to a new one (admin; audited).

    The old key signs one last checkpoint (covering this act); the handover, signed by both
    keys, is recorded with the old public key, so old checkpoints still verify; the new key
    replaces TRACEBOARD_AUDIT_KEY and signs every checkpoint from then on. Checkpoints saved
    outside before the rotation (the site's, backups) still verify against the record."""
    require_schema()
    actor = acting_user(acting_as, "audit.rotate_key")
    rotation = audit_trail.rotate_key(get_engine(), actor)  # a key problem: one line, exit 1 (main)
    echo(
        Message(
            "cli.audit.rotated",
            old=rotation.old_key_id,
            new=rotation.new_key_id,
            rows=rotation.after_rows,
            path=rotation.key_file,
        )
    )


@click.command("backup")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File.")
@as_option
def backup_cmd(out: Path, acting_as) -> None:
    """Write a consistent snapshot of the whole record (safe while the app runs; owner-only file).

    The act is audited and the log sealed with a checkpoint first; the backup carries it."""
    require_schema()
    actor = acting_user(acting_as, "record.backup")
    try:
        summary = audit_trail.take_backup(get_engine(), actor, out)
    except BackupError as exc:
        raise CommandError(exc) from None
    echo(
        Message(
            "cli.audit.backup",
            file=out,
            rows=summary.rows,
            tables=len(summary.counts),
            checkpoint=summary.checkpoint.label,
        )
    )


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_cmd(file: Path) -> None:
    """Restore a backup into an EMPTY database (refuses one that holds any row).

    Nothing is restored unless the restored audit log reaches the checkpoint the backup
    carries, signed with this installation's key (TRACEBOARD_AUDIT_KEY)."""
    try:
        restored = audit_trail.restore_verified(get_engine(), file)
    except BackupError as exc:
        raise CommandError(exc) from None
    summary = restored.summary
    echo(
        Message(
            "cli.audit.restored",
            rows=summary.rows,
            tables=len(summary.counts),
            schema=summary.revision,
            audit_rows=restored.report.rows,
            checkpoint=summary.checkpoint.label,
        )
    )
    if restored.replaced_copy is not None:
        echo(Message("cli.audit.replaced", checkpoint=restored.replaced_copy.label), err=True)


def register(group: click.Group) -> None:
    for command in (audit_group, backup_cmd, restore_cmd):
        group.add_command(command)
