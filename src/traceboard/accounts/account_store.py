"""Account acts for the dashboard: each in its own transaction (the CLI composes them itself).

Same rules and audit rows as :mod:`traceboard.accounts.accounts`; the acting user's
role is checked there (``users.manage``).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from traceboard.accounts import accounts
from traceboard.accounts.authz import Actor, require
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


def reset_password(engine: Engine, actor: Actor, username: str) -> accounts.NewPassword:
    """A new generated password for ``username`` (lifts a lockout); shown once."""
    with transaction(engine) as session:
        return accounts.set_password(session, actor, username)


def deactivate_user(engine: Engine, actor: Actor, username: str) -> None:
    """:func:`accounts.disable_user` in a transaction."""
    with transaction(engine) as session:
        accounts.disable_user(session, actor, username)
