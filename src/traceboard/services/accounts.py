"""Account acts for the dashboard and the command line: each in its own transaction.

Same rules and audit rows as :mod:`traceboard.accounts.accounts`; the acting user's
role is checked there (``users.manage``).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from traceboard.accounts import accounts
from traceboard.accounts.accounts import AccountError, NewPassword  # noqa: F401  (re-exported for the faces)
from traceboard.accounts.authz import Actor, UnknownActor, load_actor, require  # noqa: F401  (re-exported)
from traceboard.data.db import transaction


def load_users(engine: Engine, actor: Actor | None) -> pd.DataFrame:
    """Every account (see :func:`accounts.list_users`); admins only."""
    require(actor, "users.manage")
    with transaction(engine) as session:
        return accounts.list_users(session)


def create_user(engine: Engine, actor: Actor, username: str, role: str, **options) -> accounts.NewPassword:
    """:func:`accounts.add_user` in a transaction; returns the (generated) password to show once."""
    with transaction(engine) as session:
        return accounts.add_user(session, actor, username, role, **options)


def reset_password(
    engine: Engine, actor: Actor, username: str, password: str | None = None
) -> accounts.NewPassword:
    """A new password for ``username``, generated unless given (lifts a lockout); shown once."""
    with transaction(engine) as session:
        return accounts.set_password(session, actor, username, password)


def deactivate_user(engine: Engine, actor: Actor, username: str) -> None:
    """:func:`accounts.disable_user` in a transaction."""
    with transaction(engine) as session:
        accounts.disable_user(session, actor, username)


def list_all_users(engine: Engine) -> pd.DataFrame:
    """Every account, for ``traceboard user list`` (run with the database's own rights)."""
    with transaction(engine) as session:
        return accounts.list_users(session)


def ensure_admin(engine: Engine) -> accounts.NewPassword | None:
    """:func:`accounts.ensure_admin` in a transaction: ``admin`` on an empty accounts table."""
    with transaction(engine) as session:
        return accounts.ensure_admin(session)


def actor_named(engine: Engine, username: str) -> Actor:
    """The active account ``username`` as an Actor (UnknownActor otherwise)."""
    with Session(engine) as session:
        return load_actor(session, username)
