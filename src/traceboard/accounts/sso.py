"""Optional single sign-on: an OpenID Connect identity (Streamlit's ``st.login``) as an Actor.

Off unless Streamlit secrets hold an ``[auth]`` section; then ``[traceboard_sso]``
says which claim names the user, which claim values map to which role, and
(optionally) which claim holds an inspector's department code.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from traceboard.accounts.accounts import RESERVED_USERNAMES, USERNAME_PATTERN, AccountError, department_id_of
from traceboard.accounts.authz import Actor
from traceboard.data.db import transaction
from traceboard.data.models import ROLES, User


def actor_from_claims(engine: Engine, claims: dict, settings: dict) -> Actor | None:
    """The Actor of a single-sign-on identity, or None when its claims map to no role.

    ``settings`` (Streamlit secrets ``[traceboard_sso]``): ``username_claim``
    (default ``email``), ``role_claim`` (default ``groups``), ``roles``
    (claim value → role), optional ``department_claim`` whose value is a
    department unit code (required for inspectors). A local account of the
    same name that is disabled keeps that person out.
    """
    username = str(claims.get(settings.get("username_claim", "email")) or "").strip().lower()
    values = claims.get(settings.get("role_claim", "groups")) or []
    values = [values] if isinstance(values, str) else list(values)
    mapping = settings.get("roles", {})
    role = next((mapping[str(v)] for v in values if mapping.get(str(v)) in ROLES), None)
    if not USERNAME_PATTERN.match(username) or username in RESERVED_USERNAMES or role is None:
        return None
    code = claims.get(settings["department_claim"]) if settings.get("department_claim") else None
    with transaction(engine) as session:
        local = session.scalar(select(User).where(User.username == username))
        if local is not None and not local.active:
            return None
        try:
            department_id = department_id_of(session, str(code)) if code else None
        except AccountError:
            return None
    if role == "inspector" and department_id is None:
        return None
    return Actor(username, role, department_id)
