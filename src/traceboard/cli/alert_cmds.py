"""Consumer alerts, the public site and the public look-up on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from traceboard.blacklist.alerts import AlertDraft, draft_from_checks, draft_from_listing, draft_from_sector
from traceboard.blacklist.site import SiteSettings
from traceboard.cli.blacklist_cmds import refusals
from traceboard.cli.common import (
    DATE,
    CommandError,
    acting_user,
    as_option,
    day_or_today,
    echo,
    echo_frame,
    get_engine,
)
from traceboard.i18n import Message
from traceboard.services import blacklist as actions
from traceboard.services import public
from traceboard.services.audit_trail import publish_site
from traceboard.services.blacklist import (
    ALERT_LISTING,
    NotFound,
    load_alert_templates,
    load_alerts,
    load_cases,
    load_sectors,
)


@click.group("alert")
def alert_group() -> None:
    """消费提示: draft, approve (another user), publish, withdraw."""


def _template_draft(
    from_sector: str | None, from_case: int | None, checks_since, sector
) -> AlertDraft | None:
    templates = load_alert_templates()
    if checks_since is not None:
        checks = public.failed_checks_since(get_engine(), checks_since.date(), sector)
        return draft_from_checks(templates, checks, sector)
    if from_case is not None:
        cases = load_cases(get_engine())
        match = cases[cases["id"] == from_case]
        if match.empty:
            raise NotFound(f"no blacklist case {from_case}")
        return draft_from_listing(templates, match.iloc[0].to_dict())
    if from_sector is not None:
        name = load_sectors(get_engine()).get(from_sector)
        if name is None:
            raise NotFound(f"unknown sector {from_sector!r}")
        return draft_from_sector(templates, from_sector, name)
    return None


@alert_group.command("draft")
@click.option("--title", default=None, help="Title (default: the template's).")
@click.option("--body", default=None, help="Text of the alert (default: the template's).")
@click.option("--sector", default=None, help="Sector code (farm, food, drug, farm-input, ...).")
@click.option("--enterprise", "usccs", multiple=True, metavar="USCC", help="A related enterprise (repeat).")
@click.option("--severity", type=click.Choice(["info", "warning", "serious"]), default=None)
@click.option("--from-sector", default=None, metavar="CODE", help="Start from the sector's template.")
@click.option("--from-case", type=int, default=None, metavar="ID", help="Start from a published listing.")
@click.option(
    "--from-checks-since",
    type=DATE,
    default=None,
    metavar="DATE",
    help="Start from the published failed checks since DATE (in --sector, if given).",
)
@as_option
@refusals
def draft_cmd(
    title, body, sector, usccs, severity, from_sector, from_case, from_checks_since, acting_as
) -> None:
    """Draft an alert from free text or a template; prints the new alert's id on the last line."""
    actor = acting_user(acting_as, "alert.draft")
    base = _template_draft(from_sector, from_case, from_checks_since, sector) or AlertDraft(
        title or "", body or ""
    )
    draft = AlertDraft(
        title or base.title,
        body or base.body,
        sector or base.sector,
        tuple(usccs) + base.usccs,
        severity or base.severity,
        base.template,
    )
    alert_id = actions.draft_alert(get_engine(), actor, draft)
    echo(Message("cli.alert.drafted", alert=alert_id, title=draft.title.strip()))
    click.echo(alert_id)


def alert_move_command(name: str, to_state: str, permission: str, help_text: str, reason: bool = False):
    @click.argument("alert_id", metavar="ID", type=int)
    @click.option("--on", "on", type=DATE, default=None, help="Date (default today).")
    @click.option("--reason", required=reason, help="Why (withdrawal).")
    @as_option
    @refusals
    def command(alert_id, on, reason, acting_as) -> None:
        actor = acting_user(acting_as, permission)
        after = actions.move_alert(get_engine(), actor, alert_id, to_state, day_or_today(on), reason)
        state = Message(f"refusals.alert_state.{after['state']}")
        echo(Message("cli.alert.moved", alert=alert_id, state=state))

    command.__doc__ = help_text
    return alert_group.command(name)(command)


alert_move_command("approve", "approved", "alert.approve", "Approve a draft (not by its drafter).")
alert_move_command("publish", "published", "alert.publish", "Publish an approved alert.")
alert_move_command(
    "withdraw", "withdrawn", "alert.publish", "Withdraw an alert (it stays shown as withdrawn).", True
)


@alert_group.command("show")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
def alert_show_cmd(fmt) -> None:
    """All alerts, newest first."""
    echo_frame(pd.DataFrame(load_alerts(get_engine()), columns=ALERT_LISTING), fmt)


@click.command("publish")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option(
    "--as-of", type=DATE, default=None, help="Data date (default: the record's latest public fact)."
)
@click.option(
    "--base-url",
    default="",
    metavar="URL",
    help="Where the site is posted (absolute Atom links).",
)
@as_option
@refusals
def publish_cmd(out, as_of, base_url, acting_as) -> None:
    """Write the public site (HTML, Atom, JSON, CSV) into DIR: same record, same bytes.

    Also audit-checkpoint.json: the audit log's signed checkpoint at publication, with the
    public key, so that anyone who saves it can later check the city's log against it."""
    actor = acting_user(acting_as, "site.publish")
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    settings = SiteSettings(base_url=base_url)
    written = publish_site(get_engine(), actor, out, as_of.date() if as_of else None, settings)
    echo(Message("cli.alert.written", count=len(written), dir=out))


@click.command("lookup")
@click.argument("query", metavar="CODE_OR_NAME")
@click.option("--as-of", type=DATE, default=None, help="Traceability as of this date (default today).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def lookup_cmd(query, as_of, fmt) -> None:
    """Public look-up: traceable? blacklisted (published information only)? last published checks.

    Exit code 1 when no enterprise matches."""
    answers = public.look_up(get_engine(), query, as_of.date() if as_of else None)
    if not answers:
        raise CommandError(Message("cli.alert.no_match", query=query.strip()))
    if fmt == "json":
        click.echo(json.dumps(answers, ensure_ascii=False, indent=2, default=str))
        return
    for a in answers:
        click.echo(format_answer(a))


def format_answer(a: dict) -> str:
    """One enterprise's public answer as a few lines of text (Chinese, as published)."""
    lines = [f"{a['name']}  {a['uscc']}  {a['sector']} · {a['township']}"]
    lines.append(
        f"  追溯体系: {'已建立' if a['traceable'] else '未建立'}{'（已接入平台）' if a['connected'] else ''}"
    )
    lines.append(f"  质量失信黑名单: {'列入' if a['blacklisted'] else '未列入'}")
    for case in a["cases"]:
        removed = f"，{case['removed_on']} 移出（{case['removal_reason']}）" if case["removed_on"] else ""
        lines.append(f"    {case['listed_on']} 列入：{case['grounds']}（{case['authority']}）{removed}")
    for r in a["results"]:
        lines.append(f"  抽查 {r['checked_on']} {r['department']}: {r['result_label']}")
    for alert in a.get("alerts", []):
        lines.append(f"  消费提示 {alert['published_on']}: {alert['title']}")
    ok = a["procurement"]["ok"]
    lines.append(f"  政府采购（可追溯且未列入黑名单）: {'是' if ok else '否'}")
    return "\n".join(lines)


def register(group: click.Group) -> None:
    for command in (alert_group, publish_cmd, lookup_cmd):
        group.add_command(command)
