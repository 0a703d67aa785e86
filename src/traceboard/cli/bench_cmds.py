"""``traceboard bench``: measure a register of N enterprises from generation to every analysis."""

from __future__ import annotations

import json
from pathlib import Path

import click

from traceboard.bench.harness import run_bench


@click.command("bench")
@click.option("--enterprises", "-n", type=click.IntRange(min=100), required=True, help="Register size.")
@click.option(
    "--database",
    type=click.Choice(["sqlite", "postgresql"]),
    default="sqlite",
    show_default=True,
    help="Backend of the fresh scratch database (PostgreSQL: a new database on "
    "TRACEBOARD_TEST_POSTGRES_URL's server, dropped afterwards).",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="JSON report.")
@click.option(
    "--steps",
    "only",
    default=None,
    metavar="NAME,NAME",
    help="Only these steps (comma-separated; `demo` and `load`, which the others need, always run). "
    "Default: every step.",
)
@click.option(
    "--profile/--no-profile",
    "profile_misses",
    default=True,
    show_default=True,
    help="Profile the work of each figure that misses its goal, and of each step over the memory "
    "goal, once more, into the report.",
)
@click.option(
    "--trim/--no-trim",
    default=True,
    show_default=True,
    help="Before each step, hand the heap Python freed back to the system (glibc's malloc_trim), "
    "so that each step starts from what the process holds; --no-trim shows what that changes.",
)
def bench_cmd(
    enterprises: int, database: str, out: Path, only: str | None, profile_misses: bool, trim: bool
) -> None:
    """Generate a demo register into a fresh database and time every step in one process; hold
    each figure to its goal and profile the ones that miss (time: cProfile; memory: tracemalloc)."""
    import os

    from traceboard.bench.steps import STEPS

    steps = STEPS
    if only:
        wanted = {name.strip() for name in only.split(",") if name.strip()}
        known = {name for name, _ in STEPS}
        unknown = sorted(wanted - known)
        if unknown:
            raise click.BadParameter(
                f"unknown step(s) {', '.join(unknown)}; the steps are {', '.join(n for n, _ in STEPS)}",
                param_hint="--steps",
            )
        steps = [(name, step) for name, step in STEPS if name in {"demo", "load"} | wanted]
    report = run_bench(
        enterprises,
        database,
        steps,
        progress=lambda msg: click.echo(f"bench: {msg}", err=True),
        admin_url=os.environ.get("TRACEBOARD_TEST_POSTGRES_URL"),
        profile_misses=profile_misses,
        trim=trim,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    click.echo(f"wrote {out}")


@click.command("bench-report")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def bench_report_cmd(files: tuple[Path, ...]) -> None:
    """Print benchmark reports side by side as one Markdown table (seconds; ratio to DuckDB), then
    each goal missed with the profile of its work."""
    from traceboard.bench.harness import format_misses, format_table

    reports = [json.loads(path.read_text(encoding="utf-8")) for path in files]
    click.echo(format_table(reports))
    misses = format_misses(reports)
    click.echo("\n" + (misses or "Every goal met."))


def register(group: click.Group) -> None:
    group.add_command(bench_cmd)
    group.add_command(bench_report_cmd)
