"""Accounts: ``user add / passwd / disable / list / ensure-admin``."""

from __future__ import annotations

import click

from traceboard.cli.common import CommandError, acting_user, as_option, echo, get_engine, require_schema, said
from traceboard.data.models import ROLES
from traceboard.i18n import Message, cli_language, translate
from traceboard.services import accounts

ROLE_CHOICE = click.Choice(ROLES)


def _show_password(secret: accounts.NewPassword) -> None:
    # Generated passwords are shown exactly once, on stdout, and stored nowhere in clear.
    if secret.generated:
        echo(Message("cli.user.password", user=secret.username, password=secret.password))


def refusal(exc: accounts.AccountError) -> str:
    """An account refusal in the command line's language: its code worded as the accounts page
    words it (``accounts.error_<code>``); English keeps the refusal's own line, which names the rule."""
    lang = cli_language()
    return str(exc) if lang == "en" else translate(f"accounts.error_{exc.code}", lang, value=exc.value or "")


@click.group("user")
def user_group() -> None:
    """Accounts: add, change a password, disable, list."""


@user_group.command("add")
@click.argument("name")
@click.option(
    "--role", type=ROLE_CHOICE, required=True, help="leader, office, inspector, publicity or admin."
)
@click.option("--department", metavar="CODE", help="Department unit code (required for inspectors).")
@click.option("--display-name", metavar="TEXT", help="The person's name as shown in the dashboard.")
@click.option("--password", metavar="P", help="Without it a strong password is generated and printed once.")
@as_option
def user_add(name, role, department, display_name, password, acting_as) -> None:
    """Add an account (acting user: an admin)."""
    require_schema()
    actor = acting_user(acting_as, "users.manage")
    try:
        secret = accounts.create_user(
            get_engine(),
            actor,
            name,
            role,
            department=department,
            display_name=display_name,
            password=password,
        )
    except accounts.AccountError as exc:
        raise CommandError(refusal(exc)) from None
    echo(Message("cli.user.added", user=name, role=Message(f"refusals.role.{role}")))
    _show_password(secret)


@user_group.command("passwd")
@click.argument("name")
@click.option("--password", metavar="P", help="Without it a strong password is generated and printed once.")
@as_option
def user_passwd(name, password, acting_as) -> None:
    """Set a new password and lift a lockout (acting user: an admin, or NAME itself)."""
    require_schema()
    actor = _self(name) if acting_as == name else acting_user(acting_as, "users.manage")
    try:
        secret = accounts.reset_password(get_engine(), actor, name, password)
    except accounts.AccountError as exc:
        raise CommandError(refusal(exc)) from None
    echo(Message("cli.user.password_changed", user=name))
    _show_password(secret)


def _self(name: str):
    """A user changing their own password needs no permission, only an active account."""
    try:
        return accounts.actor_named(get_engine(), name)
    except accounts.UnknownActor as exc:
        raise CommandError(exc) from None


@user_group.command("disable")
@click.argument("name")
@as_option
def user_disable(name, acting_as) -> None:
    """Disable an account: it can no longer sign in or act (acting user: an admin)."""
    require_schema()
    actor = acting_user(acting_as, "users.manage")
    try:
        accounts.deactivate_user(get_engine(), actor, name)
    except accounts.AccountError as exc:
        raise CommandError(refusal(exc)) from None
    echo(Message("cli.user.disabled", user=name))


@user_group.command("list")
def user_list() -> None:
    """List the accounts: username, role, department, state, last sign-in (tab-separated)."""
    require_schema()
    users = accounts.list_all_users(get_engine())
    echo(Message("cli.user.list_header"))  # the columns stay tab-separated in either language
    for row in users.itertuples():
        state = said(Message("cli.user.state_active" if row.active else "cli.user.state_disabled"))
        if row.locked_until is not None and row.active:
            state = said(Message("cli.user.state_locked", until=f"{row.locked_until:%Y-%m-%d %H:%M}"))
        last = "" if row.last_login_at is None else f"{row.last_login_at:%Y-%m-%d %H:%M}"
        click.echo(
            f"{row.username}\t{row.role}\t{row.department or ''}\t{state}\t{last}\t{row.display_name or ''}"
        )


@user_group.command("ensure-admin")
def user_ensure_admin() -> None:
    """On an empty accounts table create `admin` and print its password once; otherwise do nothing."""
    require_schema()
    secret = accounts.ensure_admin(get_engine())
    if secret is not None:
        echo(Message("cli.user.first_start"))
        _show_password(secret)


def register(group: click.Group) -> None:
    for command in (user_group,):
        group.add_command(command)
