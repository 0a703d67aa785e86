"""Bringing registers in and out: ``import``, ``export``, ``template``.

Exit codes of ``import``: 0 imported (or valid, with --dry-run), 1 validation
errors (one line per problem on stdout, nothing written), 2 unreadable file.
"""

from __future__ import annotations

from pathlib import Path

import click

from traceboard.cli.common import CommandError, acting_user, as_option, echo, get_engine
from traceboard.files.read_limits import TooLarge, check_file_size, describe_caps
from traceboard.i18n import Message, cli_language
from traceboard.services.audit_trail import record_export
from traceboard.services.exports import FILTERS, ExportError, export_table, template_bytes, to_file_bytes
from traceboard.services.imports import (
    KINDS,
    SPECS,
    UnreadableFile,
    check_upload,
    import_validated,
    render_errors,
)

KIND = click.Choice(KINDS)


@click.command("import", epilog=describe_caps() + " A file past them cannot be read (exit 2).")
@click.argument("kind", type=KIND)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sheet", metavar="NAME", help="Sheet of a workbook (default: the first).")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option(
    "--errors",
    "errors_out",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="OUT.xlsx",
    help="On problems, write the file back with faulty cells highlighted and a reason column.",
)
@as_option
def import_cmd(
    kind: str, file: Path, sheet: str | None, dry_run: bool, errors_out: Path | None, acting_as
) -> None:
    """Import a spreadsheet of KIND (.xlsx, .xls, .csv): all rows or none.

    \b
    Exit 0: imported (or valid, with --dry-run);
    exit 1: problems, one line each as `row N, header, 'value': reason` — nothing written;
    exit 2: the file cannot be read.
    """
    permission = "inspection.record" if kind == "inspections" else "register.manage"
    actor = None if dry_run and not acting_as else acting_user(acting_as, permission)
    try:
        check_file_size(file.stat().st_size)  # before reading: a huge file costs nothing to refuse
        content = file.read_bytes()
    except OSError as exc:
        raise CommandError(Message("cli.cannot_read", file=file, reason=exc.strerror), exit_code=2) from None
    except TooLarge as exc:
        raise CommandError(
            unreadable(f"{file.name}: cannot be read: {exc}", file.name, exc), exit_code=2
        ) from None
    try:
        validation = check_upload(get_engine(), kind, content, file.name, sheet)
    except UnreadableFile as exc:
        raise CommandError(unreadable(str(exc), file.name, exc), exit_code=2) from None
    raw = validation.raw
    header = (
        Message("cli.import.header", row=validation.header_row, rows=len(validation.values))
        if validation.header_row
        else ""
    )
    encoding = Message("cli.import.encoding", encoding=raw.encoding) if raw.encoding else ""
    echo(
        Message(
            "cli.import.read", kind=kind, file=raw.file, sheet=raw.sheet, encoding=encoding, header=header
        )
    )
    if validation.ignored:
        echo(Message("cli.import.ignored", columns=tuple(validation.ignored)))
    if not validation.ok:
        for line in validation.lines(cli_language()):
            click.echo(line)
        if errors_out:
            errors_out.write_bytes(render_errors(validation, cli_language()))
        saved = Message("cli.import.marked_up", file=errors_out) if errors_out else ""
        raise CommandError(Message("cli.import.refused", count=len(validation.problems), saved=saved))
    if dry_run:
        echo(Message("cli.import.dry_run"))
        return
    summary = import_validated(get_engine(), actor, validation)
    echo(summary.describe())


def unreadable(english: str, name: str, exc: TooLarge | UnreadableFile) -> str:
    """Why a file cannot be read: in English the reader's own sentence; in Chinese worded from the
    catalogs (``files.<code>``; a reason without a code, from a parser, stays as it is)."""
    if cli_language() == "en" or exc.code == "unreadable":
        return english
    reason = Message(f"files.{exc.code}", **{k: v for k, v in exc.params.items() if k != "file"})
    return Message("files.cannot_read", file=exc.params.get("file", name), reason=reason).word(cli_language())


@click.command("export")
@click.argument("kind", type=KIND)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, metavar="FILE")
@click.option("--township", multiple=True, help="Only these townships (repeatable).")
@click.option("--sector", multiple=True, help="Only these sectors (repeatable).")
@click.option("--department", multiple=True, help="Only these departments (repeatable).")
@click.option("--adopted", type=click.Choice(["yes", "no"]), help="Only enterprises that have (not) adopted.")
@click.option("--status", help="Only this 经营状态 (e.g. 在营).")
@as_option
def export_cmd(kind: str, fmt: str, out: Path, acting_as, **filters) -> None:
    """Export KIND with the template's Chinese headers (CSV in UTF-8 with BOM)."""
    permission = "personal.read" if kind in ("inspectors", "conflicts") else "register.export"
    actor = acting_user(acting_as, permission)
    chosen = {k: v for k, v in filters.items() if k in FILTERS and v not in (None, ())}
    if "adopted" in chosen:
        chosen["adopted"] = chosen["adopted"] == "yes"
    try:
        table = export_table(get_engine(), actor, kind, chosen)
    except ExportError as exc:
        raise CommandError(exc) from None
    content = to_file_bytes(table, fmt, SPECS[kind].title)
    try:  # the file is written inside the audit row's transaction: no row claims a file never written
        record_export(
            get_engine(), actor, kind, fmt, len(table), chosen, deliver=lambda: out.write_bytes(content)
        )
    except OSError as exc:
        raise CommandError(Message("cli.cannot_write", file=out, reason=exc.strerror or exc)) from None
    echo(Message("cli.import.exported", kind=kind, rows=len(table), file=out))


@click.command("template")
@click.argument("kind", type=KIND)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, metavar="FILE.xlsx")
def template_cmd(kind: str, out: Path) -> None:
    """Write an empty template of KIND with drop-down lists and a sheet explaining each column."""
    out.write_bytes(template_bytes(get_engine(), kind))
    echo(Message("cli.import.template", kind=kind, file=out))


def register(group: click.Group) -> None:
    for command in (import_cmd, export_cmd, template_cmd):
        group.add_command(command)
