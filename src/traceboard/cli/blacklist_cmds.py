"""The blacklist, consumer alerts, the public site and the public look-up.

``traceboard blacklist propose/notify/list/publish/repair/revoke/reject/expire/show/suggest``,
``traceboard alert draft/approve/publish/withdraw/show``, ``traceboard publish --out DIR``,
``traceboard lookup CODE_OR_NAME``. Commands that create something print its id
alone on their last line. Refusals are one line naming what is allowed (exit 1).
"""

from __future__ import annotations

from functools import wraps

import click

from traceboard.blacklist.alerts import AlertRefused
from traceboard.blacklist.lifecycle import REPAIR_CONDITIONS, IllegalMove, Move
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
from traceboard.data.models import BLACKLIST_STATES
from traceboard.data.vocabulary import CASE_LABELS
from traceboard.files.site_writer import SiteWriteError
from traceboard.i18n import Message
from traceboard.services import blacklist as actions
from traceboard.services.blacklist import ConfigError, NotFound, load_case_events, load_cases

SHOW_COLUMNS = ["id", "state", "uscc", "name", "proposed_on", "listed_on", "published_on", "removed_on"]


def refusals(command):
    """Turn the domain's refusals into one-line CommandErrors (exit 1)."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (IllegalMove, AlertRefused, NotFound, SiteWriteError, ConfigError) as exc:
            raise CommandError(exc) from None

    return wrapper


@click.group("blacklist")
def blacklist_group() -> None:
    """质量失信黑名单: propose, notify, list, publish, and remove cases."""


@blacklist_group.command("propose")
@click.argument("uscc")
@click.option("--grounds", required=True, help="事由: why the enterprise should be listed.")
@click.option("--basis", default=None, help="Legal basis (default: the rules file's).")
@click.option("--source-inspection", type=int, default=None, help="The check result behind it.")
@click.option("--on", "on", type=DATE, default=None, help="Date of the proposal (default today).")
@as_option
@refusals
def propose_cmd(uscc, grounds, basis, source_inspection, on, acting_as) -> None:
    """Propose listing the enterprise USCC; prints the new case id on the last line."""
    actor = acting_user(acting_as, "blacklist.propose")
    entry_id = actions.propose_case(
        get_engine(), actor, uscc, grounds, basis, source_inspection, day_or_today(on)
    )
    echo(Message("cli.blacklist.proposed", case=entry_id, uscc=uscc.strip().upper()))
    click.echo(entry_id)


def _move(entry_id: int, acting_as: str | None, permission: str, move: Move) -> None:
    actor = acting_user(acting_as, permission)
    before = load_case_state(entry_id)
    after = actions.move_case(get_engine(), actor, entry_id, move)
    echo(
        Message(
            "cli.blacklist.moved",
            case=entry_id,
            before=Message(f"refusals.case_state.{before}"),
            after=Message(f"refusals.case_state.{after['state']}"),
            day=move.on.isoformat(),
        )
    )


def load_case_state(entry_id: int) -> str:
    cases = load_cases(get_engine())
    match = cases[cases["id"] == entry_id]
    if match.empty:
        raise NotFound(f"no blacklist case {entry_id}")
    return str(match.iloc[0]["state"])


def move_command(name: str, to_state: str, permission: str, help_text: str, reason: bool = False):
    """A command moving one case to ``to_state`` (with --reason when the move needs one)."""

    @click.argument("entry_id", metavar="ID", type=int)
    @click.option("--on", "on", type=DATE, default=None, help="Date of the decision (default today).")
    @click.option("--basis", default=None, help="Legal basis of this decision (default: the case's).")
    @click.option("--authority", required=name == "list", help="Deciding authority.")
    @click.option("--reason", required=reason, help="Reason of the decision.")
    @as_option
    @refusals
    def command(entry_id, on, basis, authority, reason, acting_as, **extra) -> None:
        move = Move(
            to_state, day_or_today(on), acting_as or "", reason, basis, authority, extra.get("remedies")
        )
        _move(entry_id, acting_as, permission, move)

    command.__doc__ = help_text
    if to_state == "notified":
        command = click.option(
            "--remedies",
            default=None,
            help="权利救济的期限和途径 told to the enterprise (default: the rules file's).",
        )(command)
    return blacklist_group.command(name)(command)


move_command(
    "notify", "notified", "blacklist.decide", "Record that the enterprise was told grounds and remedies."
)
move_command("list", "listed", "blacklist.decide", "List the case (the enterprise becomes risk class D).")
move_command("publish", "published", "blacklist.publish", "Publish a listed case on the public blacklist.")
move_command("revoke", "revoked", "blacklist.decide", "Revoke a listing made in error.", reason=True)
move_command("reject", "rejected", "blacklist.decide", "Decide not to list a proposed case.", reason=True)


@blacklist_group.command("repair")
@click.argument("entry_id", metavar="ID", type=int)
@click.option("--reason", required=True, help="Reason of the credit repair (信用修复).")
@click.option("--obligations-fulfilled", is_flag=True, help="Condition: obligations fulfilled.")
@click.option("--rectified", is_flag=True, help="Condition: the violation is rectified.")
@click.option("--no-new-serious-penalty", is_flag=True, help="Condition: no new serious penalty.")
@click.option("--commitment-signed", is_flag=True, help="Condition: a credit commitment is signed.")
@click.option("--on", "on", type=DATE, default=None, help="Date of the decision (default today).")
@click.option("--authority", default=None, help="Deciding authority (default: the listing's).")
@as_option
@refusals
def repair_cmd(
    entry_id,
    reason,
    obligations_fulfilled,
    rectified,
    no_new_serious_penalty,
    commitment_signed,
    on,
    authority,
    acting_as,
) -> None:
    """Remove a case by credit repair: not before a year after listing, all four conditions met."""
    flags = (obligations_fulfilled, rectified, no_new_serious_penalty, commitment_signed)
    details = dict(zip(REPAIR_CONDITIONS, flags, strict=True))
    move = Move("repaired", day_or_today(on), acting_as or "", reason, None, authority, None, details)
    _move(entry_id, acting_as, "blacklist.decide", move)


@blacklist_group.command("expire")
@click.option("--as-of", type=DATE, required=True, help="Expire every listing that ended by this date.")
@as_option
@refusals
def expire_cmd(as_of, acting_as) -> None:
    """Move every listing older than the expiry period to expired (all in one transaction)."""
    actor = acting_user(acting_as, "blacklist.decide")
    expired = actions.expire_cases(get_engine(), actor, as_of.date())
    for entry_id, day in expired:
        echo(Message("cli.blacklist.expired", case=entry_id, day=day.isoformat()))
    echo(Message("cli.blacklist.expired_count", count=len(expired), day=as_of.date().isoformat()))


@blacklist_group.command("show")
@click.argument("entry_id", metavar="[ID]", type=int, required=False)
@click.option("--state", type=click.Choice(BLACKLIST_STATES), default=None, help="Only cases in this state.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@refusals
def show_cmd(entry_id, state, fmt) -> None:
    """The cases (or, with ID, one case's timeline of moves)."""
    engine = get_engine()
    if entry_id is not None:
        events = load_case_events(engine, entry_id)
        echo_frame(events.drop(columns=["entry_id"]), fmt)
        return
    cases = load_cases(engine, (state,) if state else None)[SHOW_COLUMNS]
    if fmt == "table":
        cases = cases.assign(state=cases["state"].map(lambda s: f"{s} {CASE_LABELS[s]}"))
    echo_frame(cases, fmt)


@blacklist_group.command("suggest")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@refusals
def suggest_cmd(fmt) -> None:
    """Cases the rules suggest from check results (a person decides; nothing is changed)."""
    suggestions = actions.suggest_cases(get_engine())
    echo_frame(suggestions[["uscc", "name", "rule", "grounds", "inspection_id", "checked_on"]], fmt)


def register(group: click.Group) -> None:
    group.add_command(blacklist_group)
