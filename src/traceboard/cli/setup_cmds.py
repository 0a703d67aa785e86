"""Setting up: ``init``, ``demo``, ``check-code``."""

from __future__ import annotations

import time

import click

from traceboard.cli.common import CommandError, echo, get_engine
from traceboard.data.uscc import check_code
from traceboard.demo import DEFAULT_ENTERPRISES, DEFAULT_SEED, DemoRefused, generate_demo
from traceboard.i18n import Message, message_of
from traceboard.services import record


@click.command("init")
def init_cmd() -> None:
    """Create or upgrade the schema and load the city's reference data."""
    result = record.init_database(get_engine())
    before = result.revision_before or Message("cli.setup.empty")
    echo(
        Message(
            "cli.setup.schema",
            before=before,
            after=result.revision_after,
            changes=result.reference_changes,
        )
    )
    if result.audit_key is not None:
        echo(Message("cli.setup.audit_key", path=result.audit_key))


@click.command("demo")
@click.option(
    "--enterprises",
    "-n",
    type=click.IntRange(min=1),
    default=DEFAULT_ENTERPRISES,
    show_default=True,
    help="How many enterprises the demo city has.",
)
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Same seed, same city.")
@click.option(
    "--if-empty", is_flag=True, help="Skip quietly (exit 0) when the database already has a register."
)
def demo_cmd(enterprises: int, seed: int, if_empty: bool) -> None:
    """Fill an empty database with a realistic synthetic Xiangxiang."""
    engine = get_engine()
    record.init_database(engine)
    started = time.perf_counter()

    def progress(step: str, fraction: float) -> None:
        elapsed = time.perf_counter() - started
        click.echo(f"demo: {fraction:4.0%} {step} ({elapsed:.1f} s)", err=True)

    try:
        summary = generate_demo(engine, enterprises=enterprises, seed=seed, progress=progress)
    except DemoRefused as exc:
        if if_empty:
            echo(Message("cli.setup.demo_skipped", reason=message_of(exc) or str(exc)), err=True)
            return
        raise CommandError(exc) from None
    counts = tuple(f"{table} {n:,}" for table, n in summary.counts.items())
    echo(Message("cli.setup.demo_written", seconds=f"{summary.seconds:.1f}", counts=counts))


@click.command("check-code")
@click.argument("codes", nargs=-1, required=True)
def check_code_cmd(codes: tuple[str, ...]) -> None:
    """Check unified social credit codes (GB 32100-2015); exit 1 if any is invalid.

    Prints one line per code in input order: the normalised code, a tab, then
    `valid` or `invalid: <reason>`. Legacy codes on the office's allow-list
    (in the database) are valid.
    """
    allowlist = _allowlist()
    results = [check_code(code, allowlist) for code in codes]
    for result in results:
        click.echo(f"{result.code}\t{result.describe()}")
    if not all(r.valid for r in results):
        raise click.exceptions.Exit(1)


def _allowlist() -> set[str]:
    engine = get_engine()
    if not record.schema_is_current(engine):
        echo(Message("cli.setup.no_allowlist"), err=True)
        return set()
    return record.legacy_codes(engine)


def register(group: click.Group) -> None:
    for command in (init_cmd, demo_cmd, check_code_cmd):
        group.add_command(command)
