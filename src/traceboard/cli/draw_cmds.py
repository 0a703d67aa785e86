"""Random checks: ``traceboard draw`` (one-off or plan draw), ``draw commit / reveal / verify``,
check lists, results, publication, overdue board, risk model, estimates.

Exit codes: 0 done; 1 refused (bad input, a manifest that does not verify, no
valid inspector pair — with one line naming the problem); 2 usage or database.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import click

from traceboard.cli.common import CommandError, acting_user, as_option, echo, get_engine, said
from traceboard.data.vocabulary import result_code, result_name
from traceboard.i18n import Message
from traceboard.sampling import ceremony, plans
from traceboard.sampling.assign import NoValidPair
from traceboard.sampling.manifest import ManifestInvalid, check_manifest, dump_manifest
from traceboard.sampling.spec import SPEC, SPECS, DrawRefused, sha256_hex
from traceboard.services import sampling as support
from traceboard.workdays import CalendarUnknown

REFUSALS = (DrawRefused, NoValidPair, ManifestInvalid, support.SamplingRecordError, CalendarUnknown)


def echo_drawn(draw_id: int, manifest: dict, out: Path) -> None:
    drawn, strata = support.drawn_counts(manifest)
    echo(Message("cli.draw.drawn", draw=draw_id, drawn=drawn, strata=strata, file=out))
    echo(Message("cli.draw.verify_with", name=out.name))


def refusals(command):
    """Turn the domain's refusals into one-line CommandErrors (exit 1)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except REFUSALS as exc:
            raise CommandError(exc) from None

    return wrapper


def scope_options(command):
    for option in reversed(
        [
            click.option(
                "--plan", "plan_id", type=int, help="Draw for this plan (its ratios per risk class)."
            ),
            click.option(
                "--batch", type=click.IntRange(min=1), default=1, show_default=True, help="Batch of the plan."
            ),
            click.option(
                "--ratio", type=str, help="One-off draw: the share drawn in every stratum, in [0, 1]."
            ),
            click.option(
                "--stratum-by",
                type=click.Choice(["risk", "sector", "township"]),
                default="risk",
                show_default=True,
            ),
            click.option(
                "--sector", "sectors", multiple=True, help="One-off draw: only this sector (repeatable)."
            ),
            click.option(
                "--township",
                "townships",
                multiple=True,
                help="One-off draw: only this township (repeatable).",
            ),
            click.option(
                "--no-home-recusal", is_flag=True, help="Do not recuse inspectors from their home township."
            ),
            click.option(
                "--spec",
                type=click.Choice([s.rsplit("/", 1)[1] for s in SPECS]),
                default=SPEC.rsplit("/", 1)[1],
                show_default=True,
                callback=lambda _ctx, _param, value: f"traceboard-draw/{value}",
                help="Draw specification: 3 shuffles each published list (a few hashes per drawn "
                "enterprise) and each pool lazily; 2 keys every candidate and shuffles pools; "
                "1 keys every candidate and every pool inspector (small pools only).",
            ),
            click.option(
                "--on",
                "on",
                type=click.DateTime(["%Y-%m-%d"]),
                help="Date of the candidate list (default today).",
            ),
        ]
    ):
        command = option(command)
    return command


@click.group("draw", invoke_without_command=True)
@click.option("--seed", help="One-off draw with the seed given now (no commitment): the seed text.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the manifest here.")
@scope_options
@as_option
@click.pass_context
@refusals
def draw_group(ctx, seed, out, acting_as, **scope) -> None:
    """The public random draw (spec traceboard-draw/1, /2 or /3); without a subcommand, a draw with --seed."""
    if ctx.invoked_subcommand is not None:
        return
    if not seed or not out:
        raise CommandError(
            "a draw needs --seed SEED and --out MANIFEST (or use a subcommand: commit, reveal, verify…)"
        )
    actor = acting_user(acting_as, "sampling.draw")
    engine = get_engine()
    frozen, plan = support.freeze(engine, scope)
    draw_id, manifest = support.run_oneoff_draw(
        engine,
        actor,
        frozen,
        seed,
        ceremony.frozen_list_sha256(frozen),
        ceremony.reveal,
        sha256_hex,
        plan["id"] if plan else None,
        scope["batch"],
        support.plan_due_on(plan),
    )
    out.write_bytes(dump_manifest(manifest))
    echo_drawn(draw_id, manifest, out)


@draw_group.command("plan")
@click.option("--department", required=True, help="The department whose plan it is (Chinese name).")
@click.option("--year", required=True, type=int)
@click.option("--name", help="Plan name (default: 〈year〉年〈department〉双随机抽查计划).")
@click.option("--sector", "sectors", multiple=True, help="Scope: this sector only (repeatable; default all).")
@click.option("--township", "townships", multiple=True, help="Scope: this township only (repeatable).")
@click.option(
    "--all-enterprises",
    is_flag=True,
    help="Scope: all enterprises in operation, not only those with traceability.",
)
@click.option(
    "--ratio", "ratios", multiple=True, help="CLASS=R, e.g. A=0.05 (default A 3 %, B 10 %, C 30 %, D 80 %)."
)
@click.option(
    "--item", "items", multiple=True, help="A check item (repeatable; default the three of the plan)."
)
@click.option("--batches", type=click.IntRange(min=1), default=1, show_default=True)
@as_option
@refusals
def plan_cmd(
    department, year, name, sectors, townships, all_enterprises, ratios, items, batches, acting_as
) -> None:
    """Create a department's yearly random-check plan; print its id."""
    actor = acting_user(acting_as, "sampling.plan")
    plan = plans.new_plan(department, year, name)
    plan["scope"] = {
        "sectors": list(sectors),
        "townships": list(townships),
        "traceability_only": not all_enterprises,
    }
    for text in ratios:
        cls, _, value = text.partition("=")
        if cls not in plans.CLASSES or not value:
            raise CommandError(Message("cli.draw.ratio_bad", text=text))
        plan["ratios"][cls] = value
    if items:
        plan["check_items"] = list(items)
    plan["batches"] = batches
    plan_id = support.save_plan(get_engine(), actor, plans.validate_plan(plan))
    echo(Message("cli.draw.plan_saved", plan=plan_id, name=plan["name"]))


@draw_group.command("seed-hash")
@click.argument("seed")
def seed_hash_cmd(seed: str) -> None:
    """Print SHA-256 of a seed (the commitment to publish before the draw)."""
    click.echo(sha256_hex(seed))


@draw_group.command("commit")
@click.option("--seed-sha256", required=True, help="SHA-256 of the seed that observers will reveal.")
@click.option(
    "--list-out", type=click.Path(dir_okay=False, path_type=Path), help="Write the frozen list to publish."
)
@scope_options
@as_option
@refusals
def commit_cmd(seed_sha256, list_out, acting_as, **scope) -> None:
    """Freeze the candidate list and record the seed commitment; print the hashes to publish."""
    actor = acting_user(acting_as, "sampling.draw")
    engine = get_engine()
    frozen, plan = support.freeze(engine, scope)
    list_hash = ceremony.frozen_list_sha256(frozen)
    draw_id = support.commit_draw(
        engine, actor, frozen, seed_sha256, list_hash, plan["id"] if plan else None, scope["batch"]
    )
    if list_out:
        list_out.write_bytes(support.frozen_list_bytes(frozen, list_hash, seed_sha256))
    echo(Message("cli.draw.committed", draw=draw_id))
    click.echo(f"list_sha256 {list_hash}\nseed_sha256 {seed_sha256.strip().lower()}")


@draw_group.command("reveal")
@click.argument("draw_id", type=int)
@click.option("--seed", required=True, help="The seed, as committed.")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Write the manifest here."
)
@as_option
@refusals
def reveal_cmd(draw_id, seed, out, acting_as) -> None:
    """Reveal the seed of a committed draw: refuse it unless it matches, then draw and assign."""
    actor = acting_user(acting_as, "sampling.draw")
    engine = get_engine()
    manifest = support.reveal_draw(
        engine, actor, draw_id, seed, ceremony.reveal, support.due_on(engine, draw_id)
    )
    out.write_bytes(dump_manifest(manifest))
    echo_drawn(draw_id, manifest, out)


@draw_group.command("verify")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_cmd(manifest: Path) -> None:
    """Redo a draw from its manifest alone; exit 1 naming the first stratum or assignment that differs."""
    try:
        data = check_manifest(manifest.read_bytes())
    except ManifestInvalid as exc:
        echo(Message("cli.draw.mismatch", reason=exc.args[0]))
        raise click.exceptions.Exit(1) from None
    drawn = sum(len(s["drawn"]) for s in data["strata"])
    echo(
        Message(
            "cli.draw.verified", strata=len(data["strata"]), drawn=drawn, assignments=len(data["assignments"])
        )
    )


@draw_group.command("checklist")
@click.argument("draw_id", type=int)
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="A .xlsx or .pdf file."
)
@click.option("--department", help="Only this department's checks (default: all, one file).")
@refusals
def checklist_cmd(draw_id, out, department) -> None:
    """Write the check lists (检查任务单) of a draw: per department and inspector pair."""
    if out.suffix not in (".xlsx", ".pdf"):
        raise CommandError(Message("cli.draw.checklist_format"))
    out.write_bytes(support.checklist_bytes(get_engine(), draw_id, out.suffix, department))
    echo(Message("cli.draw.checklist_written", file=out))


class ResultName(click.ParamType):
    """A check result typed as its code, its Chinese or English name; refused with the names
    (in the command line's language), not the codes."""

    name = "result"

    def get_metavar(self, param, ctx=None) -> str:
        return "RESULT"

    def convert(self, value, param, ctx):
        code = result_code(str(value))
        if code is None:
            names = tuple(result_name(c) for c in support.RESULT_CODES)
            self.fail(said(Message("cli.draw.unknown_result", given=str(value), choices=names)), param, ctx)
        return code


@draw_group.command("result")
@click.argument("assignment_id", type=int)
@click.option(
    "--result", required=True, type=ResultName(), help="The result: its name (未发现问题 …) or code."
)
@click.option("--checked-on", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--findings", help="What was found.")
@click.option("--rectify-by", type=click.DateTime(["%Y-%m-%d"]), help="Rectification deadline.")
@click.option(
    "--rectified-on", type=click.DateTime(["%Y-%m-%d"]), help="Date the rectification was completed."
)
@as_option
@refusals
def result_cmd(assignment_id, result, checked_on, findings, rectify_by, rectified_on, acting_as) -> None:
    """Record the result of a check (again to correct it); print when it must be published."""
    actor = acting_user(acting_as, "inspection.record")
    row = {
        "assignment_id": assignment_id,
        "result": result,
        "checked_on": checked_on.date(),
        "findings": findings,
        "rectification_due_on": rectify_by.date() if rectify_by else None,
        "rectified_on": rectified_on.date() if rectified_on else None,
    }
    (inspection_id,) = support.record_results(get_engine(), actor, [row])
    echo(Message("cli.draw.result_recorded", check=inspection_id, day=support.publish_by(checked_on.date())))


@draw_group.command("publish")
@click.argument("inspection_ids", type=int, nargs=-1, required=True)
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), help="Publication date (default today).")
@as_option
@refusals
def publish_cmd(inspection_ids, on, acting_as) -> None:
    """Mark checks as published (公示)."""
    actor = acting_user(acting_as, "inspection.publish")
    day = on.date() if on else dt.date.today()
    n = support.publish_results(get_engine(), actor, list(inspection_ids), day)
    echo(Message("cli.draw.published", count=n, day=day))


@draw_group.command("overdue")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Judge as of this date (default today).")
@refusals
def overdue_cmd(today) -> None:
    """List checks whose results are past their 20-working-day publication deadline."""
    for line in support.overdue_lines(get_engine(), today.date() if today else dt.date.today()):
        click.echo(line)


@draw_group.command("results")
@click.option("--draw", "draw_id", type=int, help="Only this draw's checks.")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help=".html, .csv or .json"
)
@refusals
def results_cmd(draw_id, out) -> None:
    """Write the published results file (HTML, CSV or JSON) to post."""
    if out.suffix not in (".html", ".csv", ".json"):
        raise CommandError(Message("cli.draw.results_format"))
    data, count = support.results_bytes(get_engine(), draw_id, out.suffix)
    out.write_bytes(data)
    echo(Message("cli.draw.results_written", count=count, file=out))


@draw_group.command("risk-model")
@click.option("--random-state", type=int, default=0, show_default=True)
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), help="Class as of this date (default today).")
@as_option
@refusals
def risk_model_cmd(random_state, on, acting_as) -> None:
    """Train and validate the risk model in time order, store the report, set every class A–D."""
    actor = acting_user(acting_as, "sampling.risk_model")
    report, run_id = support.train_and_store(
        get_engine(), actor, on.date() if on else dt.date.today(), random_state
    )
    for line in support.report_lines(report, run_id):
        click.echo(line)


@draw_group.command("estimates")
@click.argument("draw_id", type=int)
@refusals
def estimates_cmd(draw_id) -> None:
    """Share of enterprises with problems per sector (Horvitz–Thompson, 95 % interval)."""
    for line in support.estimate_lines(get_engine(), draw_id):
        click.echo(line)


def register(group: click.Group) -> None:
    group.add_command(draw_group)
